"""Versioned store: readers see only published versions; an aborted write publishes nothing."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from covid_portal.store import StoreDir, StoreError

EX = "http://example.org/"


def quad(i: int, graph: str = "g1") -> ox.Quad:
    return ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(EX + "p"), ox.Literal(str(i)), ox.NamedNode(EX + graph))


def test_empty_store_reads_as_empty(tmp_path: Path) -> None:
    store = StoreDir(tmp_path / "s")
    assert store.current_version() is None
    assert len(store.open_read()) == 0


def test_publish_and_copy_on_write(tmp_path: Path) -> None:
    store = StoreDir(tmp_path / "s")
    with store.staging() as st:
        st.store.extend([quad(1), quad(2)])
    first = store.current_version()
    reader = store.open_read()
    assert len(reader) == 2
    with store.staging() as st:
        assert len(st.store) == 2  # staging starts from a copy of the live version
        st.store.add(quad(3))
    assert store.current_version() != first
    assert len(store.open_read()) == 3
    assert len(reader) == 2  # an open reader keeps its version


def test_fresh_staging_starts_empty(tmp_path: Path) -> None:
    store = StoreDir(tmp_path / "s")
    with store.staging() as st:
        st.store.extend([quad(1), quad(2)])
    with store.staging(fresh=True) as st:
        st.store.add(quad(9))
    assert len(store.open_read()) == 1


def test_failed_write_publishes_nothing_and_resumes(tmp_path: Path) -> None:
    store = StoreDir(tmp_path / "s")
    with store.staging() as st:
        st.store.add(quad(1))
    live = store.current_version()
    with pytest.raises(RuntimeError), store.staging() as st:
        st.store.add(quad(2))
        store.mark_done(st, "file-a", "fp", False)
        raise RuntimeError("killed")
    assert store.current_version() == live
    assert len(store.open_read()) == 1
    with store.staging() as st:
        assert st.resumed and st.done_files == {"file-a": "fp"}
        assert len(st.store) == 2  # the committed work of the failed run is kept


def test_second_writer_is_refused(tmp_path: Path) -> None:
    store = StoreDir(tmp_path / "s")
    with store.lock(), pytest.raises(StoreError, match="another process"), StoreDir(tmp_path / "s").lock():
        pass


def test_old_versions_are_collected(tmp_path: Path) -> None:
    store = StoreDir(tmp_path / "s")
    for i in range(4):
        with store.staging() as st:
            st.store.add(quad(i))
    assert len(list(store.versions_dir.iterdir())) == 2  # the live one and its predecessor


def test_sidecar_files_are_published_with_their_version(tmp_path: Path) -> None:
    store = StoreDir(tmp_path / "s")
    with store.staging() as st:
        st.store.add(quad(1))
        (st.sidecar / "index.txt").write_text("v1")
    assert (store.live_sidecar() / "index.txt").read_text() == "v1"
    with store.staging() as st:
        st.store.add(quad(2))
        (st.sidecar / "index.txt").write_text("v2")
    assert (store.live_sidecar() / "index.txt").read_text() == "v2"
    for _ in range(2):
        with store.staging() as st:
            st.store.add(quad(3))
    assert store.live_sidecar() is None or not (store.live_sidecar() / "index.txt").exists()
    assert len([p for p in store.versions_dir.iterdir() if p.name.endswith(".sidecar")]) <= 2
