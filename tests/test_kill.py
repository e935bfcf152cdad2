"""Killing the loader mid-run leaves the live store as it was, and re-running completes the load."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from covid_portal.pipeline import load
from covid_portal.store import StoreDir
from tests.conftest import RECORDS
from tests.test_pipeline import quads_without_run_ids

ACTIVITIES = RECORDS / "chembl" / "kgcovid19_es_chembl_activity_records.json"


def _inputs(folder: Path, copies: int) -> Path:
    folder.mkdir()
    for i in range(copies):
        shutil.copy(ACTIVITIES, folder / f"activities-{i:02d}.json")
    return folder


def _cli(store: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "covid_portal.cli", "--store", str(store), "-q", "load", "--batch-size", "50", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _kill_after_two_files(proc: subprocess.Popen[bytes], store_path: Path) -> None:
    """SIGKILL the load once it has marked two files done (mid-run: it has twelve)."""
    meta = store_path / "staging.json"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if meta.exists():
            try:
                done = json.loads(meta.read_text()).get("done_files", {})
            except json.JSONDecodeError:
                done = {}
            if len(done) >= 2:
                break
        if proc.poll() is not None:
            raise AssertionError(f"load finished before it could be killed: {proc.stderr.read().decode()}")
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def test_kill_midway_then_resume(tmp_path: Path) -> None:
    store_path = tmp_path / "store"
    baseline_file = RECORDS / "pdb" / "6m0j.cif"
    load([baseline_file], store_path)
    store = StoreDir(store_path)
    live_before = store.current_version()
    quads_before = quads_without_run_ids(store.open_read())

    inputs = _inputs(tmp_path / "in", copies=12)
    proc = _cli(store_path, str(inputs))
    _kill_after_two_files(proc, store_path)

    # readers still see exactly the store as it was before the interrupted run
    assert store.current_version() == live_before
    assert quads_without_run_ids(store.open_read()) == quads_before

    rerun = _cli(store_path, str(inputs))
    _, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err.decode()
    assert store.current_version() != live_before

    clean = tmp_path / "clean"
    load([baseline_file], clean)
    load([inputs], clean)
    assert quads_without_run_ids(store.open_read()) == quads_without_run_ids(StoreDir(clean).open_read())


def test_kill_midway_into_an_empty_store_then_resume(tmp_path: Path) -> None:
    """A first load keeps its records' search index facts as it goes, and spools their quads
    (covid_portal.spool): killed midway and re-run, the graph is the one a clean load gives, and the
    index built from the facts is the one read back from the graph."""
    from tests.search.test_index import assert_same_as_a_build_from_the_store

    store_path = tmp_path / "store"
    inputs = _inputs(tmp_path / "in", copies=12)
    proc = _cli(store_path, str(inputs))
    _kill_after_two_files(proc, store_path)
    assert StoreDir(store_path).current_version() is None
    assert (store_path / "staging.sidecar" / "facts.sqlite").is_file()
    assert (store_path / "staging.sidecar" / "spool.sqlite").is_file(), "the records wait in the spool"

    rerun = _cli(store_path, str(inputs))
    _, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err.decode()
    assert_same_as_a_build_from_the_store(store_path, tmp_path)
    clean = tmp_path / "clean"
    load([inputs], clean)
    assert quads_without_run_ids(StoreDir(store_path).open_read()) == quads_without_run_ids(StoreDir(clean).open_read())
