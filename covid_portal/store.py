"""The on-disk store: versioned Oxigraph databases, so readers never see a half-written graph.

Layout of a store directory::

    <store>/CURRENT              name of the live version ("v000003"), replaced atomically
    <store>/versions/v000003/    an Oxigraph (RocksDB) database, never written once published
    <store>/staging/             the next version while a load or update builds it
    <store>/staging.json         what the staging version is based on, and which files it holds
    <store>/quarantine/*.jsonl   records that could not be loaded, with the reason
    <store>/LOCK                 held by the one process writing

Why versions: RocksDB lets many processes open a database read-only, but a read-only handle breaks
when a writer compacts the files under it. So a writer never touches the live version. It
checkpoints it (hard links, so cheap) into ``staging``, writes there, and publishes by renaming
it into ``versions/`` and switching ``CURRENT``. The server's query workers reopen the store when
``CURRENT`` changes. A crash or kill mid-load leaves ``CURRENT`` (what everyone reads) untouched.
The staging version keeps the batches it already committed, and the next run resumes it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from covid_portal.remote_store import RemoteConfig, RemoteStore

log = logging.getLogger(__name__)

_VERSION = re.compile(r"^v\d{6}$")
DEFAULT_STORE = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "covid-portal" / "store"


class StoreError(Exception):
    """The store cannot be opened or written (missing, locked by another writer, damaged)."""


@dataclass
class Staging:
    """A version being built: the writable Oxigraph store and its resume record."""

    store: ox.Store
    path: Path
    base: str | None
    done_files: dict[str, str] = field(default_factory=dict)  # file path -> fingerprint
    resumed: bool = False
    empty_start: bool = False  # it started from an empty graph (a fresh load, or no live version)

    @property
    def sidecar(self) -> Path:
        """A folder published with the version, for files derived from it (the search index)."""
        path = self.path.with_name(self.path.name + ".sidecar")
        path.mkdir(exist_ok=True)
        return path


_FROM_ENV = RemoteConfig("", "", "")  # marker: read COVID_PORTAL_STORE_URL


class StoreDir:
    """A store directory. With a remote store (``remote``, by default from ``COVID_PORTAL_STORE_URL``; see
    covid_portal.remote_store) the graph lives there: the directory keeps the lock, the resume record,
    quarantine reports and the versions' sidecars (search index), and each published version is an
    empty marker folder, so readers still notice a new version (and a new search index) by ``CURRENT``."""

    def __init__(self, path: Path | str, remote: RemoteConfig | None = _FROM_ENV) -> None:
        self.path = Path(path).expanduser()
        self.remote = RemoteConfig.from_env() if remote is _FROM_ENV else remote

    # ----------------------------------------------------------------- reading
    @property
    def versions_dir(self) -> Path:
        return self.path / "versions"

    def current_version(self) -> str | None:
        """Name of the live version, or None for a store that was never loaded."""
        try:
            name = (self.path / "CURRENT").read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return name or None

    def live_path(self) -> Path | None:
        name = self.current_version()
        if name is None:
            return None
        path = self.versions_dir / name
        if not path.is_dir():
            raise StoreError(f"store {self.path}: CURRENT names {name}, which does not exist")
        return path

    def live_sidecar(self) -> Path | None:
        """The folder of files derived from the live version (see Staging.sidecar), if any."""
        path = self.live_path()
        if path is None:
            return None
        sidecar = path.with_name(path.name + ".sidecar")
        return sidecar if sidecar.is_dir() else None

    def open_read(self) -> ox.Store:
        """A read-only handle on the live version (an empty in-memory store when nothing was loaded)."""
        if self.remote is not None:
            return RemoteStore(self.remote)  # type: ignore[return-value]  # the subset of ox.Store we use
        path = self.live_path()
        if path is None:
            return ox.Store()
        try:
            return ox.Store.read_only(str(path))
        except OSError as exc:
            raise StoreError(f"cannot open store {path}: {exc}") from exc

    # ----------------------------------------------------------------- writing
    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the writer lock; a second writer fails at once instead of waiting."""
        self.path.mkdir(parents=True, exist_ok=True)
        with (self.path / "LOCK").open("a+") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StoreError(f"store {self.path} is being written by another process") from None
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def staging(self, *, fresh: bool = False) -> Iterator[Staging]:
        """Open (or resume) the staging version; publish it when the block ends without error.

        ``fresh`` starts from an empty graph instead of a copy of the live version. A staging
        version left by an interrupted run is resumed when it was based on the current live
        version (and, for ``fresh``, was itself fresh); otherwise it is discarded.
        """
        with self.lock():
            staging = self._open_staging(fresh)
            try:
                yield staging
            except BaseException:
                # keep what was committed so the next run resumes; readers still see CURRENT
                with contextlib.suppress(Exception):
                    staging.store.flush()
                self._write_meta(staging, fresh)
                staging.store = None  # type: ignore[assignment]  # release RocksDB's lock now
                raise
            self._publish(staging)

    def mark_done(self, staging: Staging, file: str, fingerprint: str, fresh: bool) -> None:
        """Record that every record of ``file`` is committed in staging (so a resumed run skips it)."""
        staging.store.flush()
        staging.done_files[file] = fingerprint
        self._write_meta(staging, fresh)

    def _meta_path(self) -> Path:
        return self.path / "staging.json"

    def _write_meta(self, staging: Staging, fresh: bool) -> None:
        meta = {"base": staging.base, "fresh": fresh, "done_files": staging.done_files}
        tmp = self._meta_path().with_suffix(".tmp")
        tmp.write_text(json.dumps(meta, indent=1), encoding="utf-8")
        os.replace(tmp, self._meta_path())

    def _open_staging(self, fresh: bool) -> Staging:
        base = self.current_version()
        path = self.path / "staging"
        meta_path = self._meta_path()
        if path.exists() and meta_path.exists():
            try:
                meta = json.loads(meta_path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                meta = {}
            if meta.get("base") == base and bool(meta.get("fresh")) == fresh:
                log.info(
                    "resuming an interrupted load in %s (%d files already done)", path, len(meta.get("done_files", {}))
                )
                store = self._open_db(path)
                empty = bool(meta.get("fresh")) or base is None
                return Staging(store, path, base, dict(meta.get("done_files", {})), resumed=True, empty_start=empty)
        if path.exists():
            log.info("discarding stale staging version %s", path)
            shutil.rmtree(path)
        shutil.rmtree(path.with_name(path.name + ".sidecar"), ignore_errors=True)
        meta_path.unlink(missing_ok=True)
        live = self.live_path()
        if self.remote is not None:  # the graph is remote: staging is a marker folder for the sidecar
            path.mkdir(parents=True)
            if fresh:
                RemoteStore(self.remote).clear()
        elif live is not None and not fresh:
            ox.Store.read_only(str(live)).backup(str(path))
        store = self._open_db(path)
        staging = Staging(store, path, base, empty_start=fresh or live is None)
        self._write_meta(staging, fresh)
        return staging

    def _open_db(self, path: Path) -> ox.Store:
        if self.remote is not None:
            return RemoteStore(self.remote)  # type: ignore[return-value]
        return ox.Store(str(path))

    def _publish(self, staging: Staging) -> None:
        staging.store.flush()
        staging.store = None  # type: ignore[assignment]  # close RocksDB before the directory moves
        self.versions_dir.mkdir(parents=True, exist_ok=True)
        existing = sorted(p.name for p in self.versions_dir.iterdir() if _VERSION.match(p.name))
        number = int(existing[-1][1:]) + 1 if existing else 1
        name = f"v{number:06d}"
        sidecar = staging.path.with_name(staging.path.name + ".sidecar")
        if sidecar.is_dir():
            os.replace(sidecar, self.versions_dir / f"{name}.sidecar")
        os.replace(staging.path, self.versions_dir / name)
        tmp = self.path / "CURRENT.tmp"
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(name + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path / "CURRENT")
        self._meta_path().unlink(missing_ok=True)
        log.info("published store version %s", name)
        self._collect(keep={name, staging.base or ""})

    def _collect(self, keep: set[str]) -> None:
        """Delete versions older than the previous one (which in-flight readers may still use)."""
        for path in self.versions_dir.iterdir():
            if path.name.removesuffix(".sidecar") not in keep:
                shutil.rmtree(path, ignore_errors=True)
