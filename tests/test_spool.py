"""A first load spools its record graphs and bulk-loads them in one call (covid_portal.spool): the graph
is the one a load written batch by batch gives, a record loaded twice keeps its last version, and an
interrupted load resumes to the same graph wherever it stopped."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

import covid_portal.pipeline as pipeline
from covid_portal.pipeline import Pipeline
from covid_portal.spool import STATE_FILE, Spool
from covid_portal.store import StoreDir
from covid_portal.terms import S
from tests.conftest import RECORDS
from tests.test_producers import ACTIVITIES, TSV, _canonical

UNIPROT = RECORDS / "uniprot"


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    """Records with repeats of every kind: the same run three times in one file (the last changed),
    a file loaded twice, and a UniProt folder, over six files."""
    folder = tmp_path / "in"
    folder.mkdir()
    header, first = TSV.read_text().splitlines()[:2]
    changed = first.replace("ILLUMINA", "OXFORD_NANOPORE")
    assert changed != first
    (folder / "a-runs.tsv").write_text("\n".join([header, first, first, changed]) + "\n")
    shutil.copy(ACTIVITIES, folder / "b-activities.json")
    shutil.copytree(UNIPROT, folder / "c-uniprot")
    shutil.copy(ACTIVITIES, folder / "d-activities-again.json")
    (folder / "e-runs-again.tsv").write_text("\n".join([header, changed]) + "\n")
    return folder


def _load(paths: list[Path], store: Path, monkeypatch: pytest.MonkeyPatch, spool_mb: str | None, **options: object):
    with monkeypatch.context() as patch:
        if spool_mb is None:
            patch.delenv("COVID_PORTAL_SPOOL_MB", raising=False)
        else:
            patch.setenv("COVID_PORTAL_SPOOL_MB", spool_mb)
        return Pipeline(batch_size=7, chunk_size=3, **options).run(paths, StoreDir(store), fresh=True)


@pytest.fixture
def batch_by_batch(inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> set[str]:
    store = tmp_path / "batches"
    _load([inputs], store, monkeypatch, "0", jobs=1)
    return _canonical(store)


@pytest.mark.parametrize(("limit", "jobs"), [(None, 1), (None, 2), (1, 2)])
def test_a_spooled_load_gives_the_graph_of_a_load_written_batch_by_batch(
    inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch_by_batch: set[str], limit: int | None,
    jobs: int
) -> None:  # fmt: skip
    """Spooled to the end, and (a limit of one byte) written out after every file."""
    store = tmp_path / "spooled"
    if limit is not None:
        monkeypatch.setattr(pipeline, "spool_limit", lambda: limit)
    written: list[int] = []
    load = Spool.load
    monkeypatch.setattr(Spool, "load", lambda self, graph: (written.append(self.size), load(self, graph))[1])
    report = _load([inputs], store, monkeypatch, None, jobs=jobs)
    assert report.quarantined == 0 and report.loaded > 0
    if limit:  # after each file that added new records, and once more at the end
        assert len(written) > 3
    else:
        assert len(written) == 1 and written[0] > 0
    assert _canonical(store) == batch_by_batch
    platforms = StoreDir(store).open_read().quads_for_pattern(None, S.instrument_platform.node, None, None)
    assert {quad.object.value for quad in platforms} == {"OXFORD_NANOPORE"}
    sidecar = StoreDir(store).live_sidecar()
    assert sidecar is not None and sorted(p.name for p in sidecar.iterdir()) == ["search.sqlite"]


def test_the_spool_is_off_on_top_of_a_live_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "store"
    used: list[bool] = []
    original = Pipeline._spool

    def spool(self: Pipeline, *args: object) -> Spool | None:
        used.append((found := original(self, *args)) is not None)  # type: ignore[arg-type]
        return found

    monkeypatch.setattr(Pipeline, "_spool", spool)
    pipeline.load([ACTIVITIES], store)
    pipeline.load([TSV], store)  # on top of the first: the graphs it holds are replaced batch by batch
    assert used == [True, False]


class _StopsAfterBulkLoad:
    """A store whose first bulk load completes, then the process "dies"."""

    def __init__(self, store: ox.Store) -> None:
        self._store = store

    def bulk_load(self, *args: object, **kwargs: object) -> None:
        self._store.bulk_load(*args, **kwargs)
        raise KeyboardInterrupt

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)


@pytest.mark.parametrize("stop_at", ["mark_done", "spool_load", "after_spool_load"])
def test_a_load_stopped_anywhere_resumes_to_the_same_graph(
    inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch_by_batch: set[str], stop_at: str
) -> None:
    """Stopped after a file's facts and spool were committed but before it was marked done (so the
    re-done file's records are all repeats); inside the spool's write, after its bulk load and before
    the repeats; and after the spool was written, before publishing."""
    store = tmp_path / "store"
    with monkeypatch.context() as patch:
        if stop_at == "mark_done":
            original = StoreDir.mark_done
            calls: list[int] = []

            def mark_done(self: StoreDir, *args: object) -> None:
                calls.append(1)
                if len(calls) == 3:
                    raise KeyboardInterrupt
                original(self, *args)  # type: ignore[arg-type]

            patch.setattr(StoreDir, "mark_done", mark_done)
        elif stop_at == "spool_load":
            load = Spool.load
            patch.setattr(Spool, "load", lambda self, graph: load(self, _StopsAfterBulkLoad(graph)))  # type: ignore[arg-type]
        else:

            def finish(graph: ox.Store, extra: object, sidecar: object, facts: object, spool: Spool) -> None:
                spool.load(graph)
                raise KeyboardInterrupt

            patch.setattr(pipeline, "finish", finish)
        with pytest.raises(KeyboardInterrupt):
            _load([inputs], store, monkeypatch, None, jobs=2)
    assert StoreDir(store).current_version() is None
    assert (store / "staging.sidecar" / STATE_FILE).exists() == (stop_at != "after_spool_load")
    report = _load([inputs], store, monkeypatch, None, jobs=2)
    assert report.files_skipped == (2 if stop_at == "mark_done" else report.files + report.files_skipped)
    assert not (store / "staging.sidecar" / STATE_FILE).exists()
    assert _canonical(store) == batch_by_batch


def test_a_reopened_spool_drops_what_was_not_committed(tmp_path: Path) -> None:
    spool = Spool(tmp_path, new=True)
    kept = b"<http://example.org/s> <http://example.org/p> <http://example.org/o> <http://example.org/g> .\n"
    spool.write(kept)
    spool.commit()
    spool.write(b"<http://example.org/s> <http://example.org/p> <http://example.org/o2> <http://example.org/g> .\n")
    spool.close()  # killed before the next commit
    again = Spool(tmp_path, new=False)
    assert again.size == len(kept)
    graph = ox.Store()
    again.load(graph)
    assert [str(q.object) for q in graph] == ["<http://example.org/o>"]
    assert not Spool.exists(tmp_path) and not (tmp_path / "spool.nq").exists()
