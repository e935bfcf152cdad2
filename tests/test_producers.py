"""Parallel loads (covid_portal.producers): the same store as a single-process load, records in file
order (a repeated record keeps the same winner), file errors reported once, and no producer left
behind when the load is killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from covid_portal.pipeline import Pipeline, StrictModeError
from covid_portal.producers import FileTask, ProducerError, Producers, file_messages
from covid_portal.store import StoreDir
from covid_portal.terms import S
from tests.conftest import RECORDS
from tests.test_pipeline import quads_without_run_ids

TSV = RECORDS / "ena" / "ena_portal_read_run_sars-cov-2_ERR5423903.tsv"
ACTIVITIES = RECORDS / "chembl" / "kgcovid19_es_chembl_activity_records.json"


def _canonical(store: Path) -> set[str]:
    """The record graphs' quads (minus run ids), blank nodes relabelled canonically (they are random)."""
    dataset = ox.Dataset()
    for s, p, o, g in quads_without_run_ids(StoreDir(store).open_read()):
        dataset.add(next(ox.parse(f"{s} {p} {o} {g} .", format=ox.RdfFormat.N_QUADS)))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return {str(quad) for quad in dataset}


def _load(paths: list[Path], store: Path, **options: object) -> tuple[set, object]:
    report = Pipeline(**options).run(paths, StoreDir(store), fresh=True)  # type: ignore[arg-type]
    return _canonical(store), report


def _counts(report: object) -> dict[str, tuple[int, int, int, int]]:
    return {name: (s.read, s.loaded, s.quarantined, s.triples) for name, s in report.sources.items()}  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> tuple[set, object]:
    return _load([RECORDS], tmp_path_factory.mktemp("single") / "store", jobs=1)


@pytest.mark.parametrize(("jobs", "chunk"), [(2, 500), (3, 7)])
def test_parallel_load_gives_the_single_process_store(single, tmp_path: Path, jobs: int, chunk: int) -> None:
    quads, report = single
    parallel, parallel_report = _load([RECORDS], tmp_path / "store", jobs=jobs, chunk_size=chunk)
    assert parallel == quads
    assert _counts(parallel_report) == _counts(report)
    assert parallel_report.producer_cpu > 0  # the producers did the work and said so


def _rows(path: Path) -> tuple[str, list[str]]:
    header, *rows = path.read_text().splitlines()
    return header, rows


def test_a_record_repeated_across_chunks_keeps_the_last_version(tmp_path: Path) -> None:
    header, rows = _rows(TSV)
    assert rows, "the fixture has a read run"
    first = rows[0]
    changed = first.replace("ILLUMINA", "OXFORD_NANOPORE") if "ILLUMINA" in first else None
    assert changed and changed != first, "the fixture row names its platform"
    # the same run three times, in different chunks of 1 and producers: the last row must win
    data = tmp_path / "runs.tsv"
    data.write_text("\n".join([header, first, first, changed]) + "\n")
    store = tmp_path / "store"
    _, report = _load([data], store, jobs=2, chunk_size=1)
    platforms = StoreDir(store).open_read().quads_for_pattern(None, S.instrument_platform.node, None, None)
    found = {quad.object.value for quad in platforms}
    assert found == {"OXFORD_NANOPORE"}
    assert report.loaded == 3  # each row was a record; the graph holds the last


def test_a_file_error_is_reported_once_and_the_records_before_it_load(tmp_path: Path) -> None:
    good = RECORDS / "uniprot"
    broken = tmp_path / "in" / "truncated.json"
    broken.parent.mkdir()
    broken.write_text('{"results": [{"primaryAccession": "P0DTC2", ')
    store = tmp_path / "store"
    _, report = _load([good, broken], store, jobs=2, chunk_size=1)
    assert len(report.file_errors) == 1 and "truncated.json" in report.file_errors[0]
    single_store = tmp_path / "single"
    single_quads, single_report = _load([good, broken], single_store, jobs=1)
    assert _canonical(store) == single_quads
    assert _counts(report) == _counts(single_report)


def test_strict_mode_stops_a_parallel_load_and_its_producers(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    header, rows = _rows(TSV)
    bad.write_text("\n".join([header, rows[0], "\t".join("?" for _ in header.split("\t"))]) + "\n")
    before = set(_children(os.getpid()))
    with pytest.raises(StrictModeError):
        Pipeline(strict=True, jobs=2, chunk_size=1).run([bad], StoreDir(tmp_path / "store"), fresh=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _live(set(_children(os.getpid())) - before):
        time.sleep(0.1)
    assert not _live(set(_children(os.getpid())) - before), "the producers of a failed load must stop"


def _live(pids: set[int]) -> list[int]:
    """Producer processes among ``pids`` (the fork server itself stays, as multiprocessing keeps it)."""
    out = []
    for pid in pids:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if not _zombie(pid) and b"forkserver" not in cmdline:
            out.append(pid)
    return out


def test_the_writer_notices_a_producer_that_died(tmp_path: Path) -> None:
    task = FileTask(str(TSV), "ena", _fmt(TSV), "2020-01-01T00:00:00+00:00", "https://example.org/activity")
    with Producers(2, chunk=1, poll=0.2) as producers:
        for proc in producers._procs:
            proc.kill()
            proc.join(5)
        producers.submit(task)
        with pytest.raises(ProducerError, match="stopped"):
            list(producers.messages())


def test_in_process_messages_match_the_chunk_protocol() -> None:
    task = FileTask(str(TSV), "ena", _fmt(TSV), "2020-01-01T00:00:00+00:00", "https://example.org/activity")
    every = list(file_messages(task, 0, 1, chunk=1))
    halves = [list(file_messages(task, k, 2, chunk=1)) for k in range(2)]
    chunks = [m for m in every if hasattr(m, "index")]
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert [c.index for c in halves[0][:-1]] == list(range(0, len(chunks), 2))
    assert [c.index for c in halves[1][:-1]] == list(range(1, len(chunks), 2))
    assert all(type(h[-1]).__name__ == "End" for h in halves)


def _fmt(path: Path) -> str:
    import loaders

    detected = loaders.detect(path, None)
    assert detected is not None
    return detected[1]


def test_killing_a_parallel_load_leaves_no_producer_behind(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(12):
        (folder / f"activities-{i:02d}.json").write_bytes(ACTIVITIES.read_bytes())
    store = tmp_path / "store"
    env = {**os.environ, "COVID_PORTAL_LOAD_JOBS": "2"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "covid_portal.cli", "--store", str(store), "-q", "load", "--batch-size", "50",
         str(folder)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    meta = store / "staging.json"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if meta.exists():
            try:
                if json.loads(meta.read_text()).get("done_files"):
                    break
            except json.JSONDecodeError:
                pass
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        time.sleep(0.02)
    children = _children(proc.pid)
    assert children, "the load runs producer processes"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() and not _zombie(pid) for pid in children):
        time.sleep(0.1)
    left = [pid for pid in children if Path(f"/proc/{pid}").exists() and not _zombie(pid)]
    assert not left, f"processes of the killed load still running: {left}"


def _children(root: int) -> list[int]:
    """Every live descendant of ``root`` (the fork server and the producers)."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            pid = int(proc.name)
            walk = pid
            while walk > 1:
                try:
                    status = Path(f"/proc/{walk}/status").read_text()
                except OSError:
                    break
                walk = int(next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:")))
                if walk == root:
                    found.append(pid)
                    break
    return found


def _zombie(pid: int) -> bool:
    try:
        return "\nState:\tZ" in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
