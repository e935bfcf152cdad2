"""``covid-portal update``: harvest what changed since the last successful run and load only that.

One update is one store version. For each source (see the strategies in covid_portal.harvest.base)
it harvests into ``<store>/harvest/<time>/<source>/`` the records changed since the last run,
works out which records were withdrawn (in the last run's id list or this harvest, but no longer
in the source), then loads the changed records and drops the withdrawn ones in a single staging
version (``Pipeline.run(finalize=...)``), and records the release: the dataset descriptions get a
new ``dct:modified`` and ``pav:version`` (the source release, or the harvest time). Readers see
the old version until the new one is published.

A failed update changes nothing that readers see and leaves ``harvest-state.json`` as it was. The
next update resumes it (``harvest/RUN.json`` names the unfinished one): the harvest continues from its
manifests in the same time window, and the store's staging version skips the files it already loaded.

State in the store folder: ``harvest-state.json`` (per source: the time of the last successful
run, its release, the record count) and ``harvest-state/<source>.json`` (record id -> checksum,
to find withdrawn and unchanged records). The last update's files stay in ``harvest/<time>/``, which
the loaded records name as their source files; older harvests are removed.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, Quad

import loaders
from covid_portal import iris
from covid_portal.harvest import harvester_class, make, selected
from covid_portal.harvest.base import run_harvest
from covid_portal.harvest.config import HarvestConfig
from covid_portal.harvest.manifest import Manifest, now, write_atomic
from covid_portal.pipeline import LoadReport, Pipeline, dataset_quads, remove_records
from covid_portal.store import StoreDir, StoreError
from covid_portal.terms import S

log = logging.getLogger(__name__)

STATE = "harvest-state.json"
IDS_DIR = "harvest-state"


class UpdateError(Exception):
    """An update cannot run (a source without a loader, another update running)."""


@dataclass
class SourceUpdate:
    name: str
    source: str  # the loader
    since: str | None  # None: a full harvest
    release: str
    records: int = 0  # records in this harvest
    written: int = 0  # changed or new records, loaded
    withdrawn: list[str] = field(default_factory=list)
    skipped: bool = False  # the source's release did not change


@dataclass
class UpdateReport:
    until: str
    folder: Path  # where this update's harvest is kept (the loaded records' source files)
    sources: dict[str, SourceUpdate] = field(default_factory=dict)
    load: LoadReport | None = None
    version: str | None = None


# ------------------------------------------------------------------ state
def read_state(store: StoreDir) -> dict[str, Any]:
    path = store.path / STATE
    if not path.exists():
        return {"sources": {}}
    return json.loads(path.read_text(encoding="utf-8"))


def read_ids(store: StoreDir, name: str) -> dict[str, str]:
    path = store.path / IDS_DIR / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(value, indent=1, sort_keys=True).encode("utf-8"))


@contextlib.contextmanager
def _harvest_lock(folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "LOCK").open("a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UpdateError(f"another update is running in {folder}") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


class _UpdatePipeline(Pipeline):
    """Reads each harvested file with its source's loader (the folder names the harvester)."""

    def __init__(self, folders: dict[Path, str], **options: Any) -> None:
        super().__init__(**options)
        self.folders = folders

    def source_of(self, path: Path) -> str | None:
        return self.folders.get(path.parent, self.source)


# ------------------------------------------------------------------ update
def update(store: Path | str, config: HarvestConfig, names: tuple[str, ...] | list[str] = ()) -> UpdateReport:
    """Bring the store up to date with the selected sources (default: every enabled one)."""
    store_dir = StoreDir(store)
    root = store_dir.path / "harvest"
    chosen = selected(config, names)
    for name in chosen:
        source = harvester_class(name).source
        try:
            loaders.get(source)
        except (KeyError, ImportError) as exc:
            raise UpdateError(f"{name}: no loader for source {source!r} ({exc})") from None
    with _harvest_lock(root):
        run_path = root / "RUN.json"
        if run_path.exists():
            run = json.loads(run_path.read_text(encoding="utf-8"))
            log.info("resuming the update started at %s", run["until"])
        else:
            until = now()
            stamp = until.replace(":", "").replace("-", "")[:15] + "Z-" + uuid.uuid4().hex[:6]  # unique per run
            run = {"until": until, "folder": stamp, "sources": {}}
            _write_json(run_path, run)
        folder = root / run["folder"]
        state = read_state(store_dir)
        report = UpdateReport(until=run["until"], folder=folder)
        for name in chosen:
            report.sources[name] = _harvest_source(store_dir, config, name, folder, run, state)
            _write_json(run_path, run)
        report.load = _load(store_dir, folder, report)
        report.version = store_dir.current_version()
        _commit_state(store_dir, state, report, folder)
        run_path.unlink()
        for old in root.iterdir():  # the records now name this harvest's files; older harvests can go
            if old.is_dir() and old != folder:
                shutil.rmtree(old, ignore_errors=True)
    return report


def _harvest_source(
    store_dir: StoreDir, config: HarvestConfig, name: str, folder: Path, run: dict[str, Any], state: dict[str, Any]
) -> SourceUpdate:
    harvester = make(name, config, folder)
    previous = state["sources"].get(name)
    prev_ids = read_ids(store_dir, name)
    with harvester.client:
        plan = run["sources"].get(name)
        if plan is None:
            since = previous["until"] if previous and harvester.strategy == "modified" else None
            release = harvester.release() if harvester.strategy == "release" else None
            skip = bool(previous and release is not None and release == previous.get("release"))
            plan = run["sources"][name] = {"since": since, "release": release or run["until"], "skip": skip}
        result = SourceUpdate(name, harvester.source, plan["since"], plan["release"], skipped=plan["skip"])
        ids_path = folder / f"{name}.ids.json"
        if plan["skip"]:
            log.info("%s: release %s already loaded", name, plan["release"])
            _write_json(ids_path, prev_ids)
            plan["withdrawn"] = []
            return result
        harvester.previous = frozenset(prev_ids)
        # unchanged records (same checksum as last time) are listed but not written: a date filter has day
        # granularity, so the last run's day comes again; ChEMBL's molecules follow the activities written
        known = prev_ids if harvester.strategy != "release" else None
        manifest = run_harvest(harvester, folder / name, since=plan["since"], until=run["until"], resume=True,
                               known=known)  # fmt: skip
        counts = manifest.data["counts"]
        result.records, result.written = counts["records"], counts["written"]
        if "withdrawn" not in plan:
            harvested = manifest.record_ids()
            if harvester.strategy == "modified" and plan["since"] is not None:
                listed = harvester.current_ids()
                current = set(prev_ids) | set(harvested) if listed is None else listed
                ids = {rid: harvested.get(rid, prev_ids.get(rid, "")) for rid in current}
            else:
                ids = harvested
            plan["withdrawn"] = sorted((set(prev_ids) | set(harvested)) - set(ids))
            _write_json(ids_path, ids)
        result.withdrawn = list(plan["withdrawn"])
        log.info("%s: %d records harvested, %d changed, %d withdrawn", name, result.records, result.written,
                 len(result.withdrawn))  # fmt: skip
        return result


def _load(store_dir: StoreDir, folder: Path, report: UpdateReport) -> LoadReport:
    files: list[Path] = []
    folders: dict[Path, str] = {}
    for name, result in report.sources.items():
        manifest = Manifest.read(folder / name)
        if manifest is None or result.skipped:
            continue
        files.extend(manifest.files)
        folders[folder / name] = result.source

    def finalize(store: Any, ended: str) -> list[Quad]:
        quads: list[Quad] = []
        for result in report.sources.values():
            if result.skipped:
                continue
            removed = remove_records(store, result.source, result.withdrawn)
            log.info("%s: dropped %d withdrawn records", result.source, removed)
            dataset = iris.dataset(result.source)
            quads += dataset_quads(loaders.get(result.source), ended)
            quads.append(Quad(dataset, S.version.node, Literal(result.release), dataset))
        return quads

    pipeline = _UpdatePipeline(folders)
    try:
        return pipeline.run(files, store_dir, finalize=finalize)
    except StoreError as exc:
        raise UpdateError(str(exc)) from exc


def _commit_state(store_dir: StoreDir, state: dict[str, Any], report: UpdateReport, folder: Path) -> None:
    """Record the successful run: from now on updates start from ``report.until``."""
    for name, result in report.sources.items():
        ids_path = folder / f"{name}.ids.json"
        ids = json.loads(ids_path.read_text(encoding="utf-8"))
        _write_json(store_dir.path / IDS_DIR / f"{name}.json", ids)
        state["sources"][name] = {"until": report.until, "release": result.release, "records": len(ids),
                                  "updated": now(), "store_version": report.version}  # fmt: skip
    _write_json(store_dir.path / STATE, state)
