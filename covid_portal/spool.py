"""The record graphs of a first load, written to one N-Quads file and bulk-loaded into the store in one
call once every record is read.

Why: ``Store.bulk_load`` costs much less per quad in one large call than in many small ones, and a
load that writes as it goes makes producers and writer take turns on the same cores. At 100k
records, the writer's 20 calls of 5,000 records cost 52 s of CPU; one call over the same N-Quads
costs 31 s and runs after the producers, with both cores its own (docs/benchmarks.md, "Seventh
round"). So when a version starts from an empty graph (the same condition as the load's index facts,
``covid_portal.index_facts``), the writer appends each record's N-Quads to ``spool.nq`` in the
staging sidecar, and :meth:`Spool.load` writes them when the records phase ends.

A record loaded twice (the same record in two files, or a file re-done after a kill) must end with
its later version only. The spool cannot remove quads it already holds, so a record graph that is
already in this version (its facts are in the facts log) goes into the ``repeat`` table instead,
replacing any earlier repeat. :meth:`Spool.load` loads the spool, then removes each repeated graph and
writes its last version.

Resuming: the spool's committed length and the repeats are committed with each file the load marks
done, after the file's facts. A killed load truncates the spool to that length, which drops the
quads of the file it was writing, and re-does that file. If the kill came after the commit but before
the file was marked done, the re-done file's records are all repeats, and end as their later version.
Loading is idempotent (the same N-Quads text, blank node labels included, gives the same quads), so a
load killed inside :meth:`Spool.load` loads it again. The state file is deleted before the spool
file, so a spool without its state is a leftover and is discarded.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
from pyoxigraph import NamedNode

from covid_portal.store import StoreError

log = logging.getLogger(__name__)

SPOOL_FILE = "spool.nq"
STATE_FILE = "spool.sqlite"
REPEAT_BATCH = 64 << 20  # bytes of repeated records written per bulk_load call


def limit() -> int:
    """Bytes the spool may reach before it is written out at the end of a file:
    ``COVID_PORTAL_SPOOL_MB`` (0 turns the spool off), else 16 GiB."""
    value = os.environ.get("COVID_PORTAL_SPOOL_MB", "").strip()
    return int(value) << 20 if value else 16 << 30


class Spool:
    """``spool.nq`` and its state (``spool.sqlite``) in a staging sidecar folder."""

    def __init__(self, folder: Path, *, new: bool) -> None:
        self.path = folder / SPOOL_FILE
        self.state = folder / STATE_FILE
        if new or not self.state.exists():
            self.state.unlink(missing_ok=True)
            self.path.unlink(missing_ok=True)
        self.db = sqlite3.connect(self.state)
        self.db.executescript(
            "PRAGMA synchronous = OFF;"
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
            "CREATE TABLE IF NOT EXISTS repeat (graph TEXT PRIMARY KEY, nquads BLOB NOT NULL);"
        )
        row = self.db.execute("SELECT value FROM meta WHERE key = 'bytes'").fetchone()
        committed = row[0] if row else 0
        size = self.path.stat().st_size if self.path.exists() else 0
        if size < committed:  # only if something else removed or cut the file
            self.db.close()
            raise StoreError(
                f"{self.path}: {size} bytes, but {committed} were committed; the interrupted load cannot be "
                "resumed (load again with a fresh start)"
            )
        self.fh = self.path.open("ab")
        self.fh.truncate(committed)  # what a killed run wrote of a file it did not finish
        self.fh.seek(committed)

    @staticmethod
    def exists(folder: Path) -> bool:
        """Whether ``folder`` holds a spool that an interrupted load did not write out."""
        return (folder / STATE_FILE).exists()

    @property
    def size(self) -> int:
        return self.fh.tell()

    def write(self, nquads: bytes | bytearray | memoryview) -> None:
        """Append record graphs new to this version."""
        self.fh.write(nquads)

    def repeat(self, graphs: Iterable[tuple[str, bytes]]) -> None:
        """Record graphs already in this version: each one's last version is written by :meth:`load`."""
        self.db.executemany("INSERT OR REPLACE INTO repeat VALUES (?, ?)", graphs)

    def commit(self) -> None:
        """Keep what was written so far (with the file the load marks done next)."""
        self.fh.flush()
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('bytes', ?)", (self.fh.tell(),))
        self.db.commit()

    def close(self) -> None:
        """Close without committing (a failed run: the next one truncates to the last commit)."""
        self.fh.close()
        self.db.close()

    def load(self, store: ox.Store) -> None:
        """Write the committed spool, then the last version of each repeated graph, into ``store``;
        delete the spool (the state first: a spool file without it is a leftover)."""
        self.fh.close()
        row = self.db.execute("SELECT value FROM meta WHERE key = 'bytes'").fetchone()
        committed = row[0] if row else 0
        os.truncate(self.path, committed)
        if committed:
            log.info("writing the spooled records (%.1f MB of N-Quads) into the store", committed / 1e6)
            store.bulk_load(path=str(self.path), format=ox.RdfFormat.N_QUADS, lenient=True)
        graphs = [graph for (graph,) in self.db.execute("SELECT graph FROM repeat ORDER BY graph")]
        if graphs:
            log.info("replacing %d record graphs that were loaded twice", len(graphs))
            for graph in graphs:
                if store.contains_named_graph(node := NamedNode(graph)):
                    store.remove_graph(node)
            data = bytearray()
            for (nquads,) in self.db.execute("SELECT nquads FROM repeat ORDER BY graph"):
                data += nquads
                if len(data) >= REPEAT_BATCH:
                    store.bulk_load(bytes(data), format=ox.RdfFormat.N_QUADS, lenient=True)
                    data = bytearray()
            if data:
                store.bulk_load(bytes(data), format=ox.RdfFormat.N_QUADS, lenient=True)
        store.flush()
        self.db.close()
        self.state.unlink()
        self.path.unlink(missing_ok=True)
