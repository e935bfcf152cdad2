"""The per-record work of a load (parse, map, validate, serialize), in parallel worker processes.

Mapping and validating records is Python work, 80% of a load's CPU, while writing is Rust
(``Store.bulk_load`` of N-Quads). So the records of a file are dealt out to producer processes in
chunks of ``chunk`` records: with ``n`` producers, producer ``k`` maps and validates chunks ``k``,
``k + n``, ``k + 2n``... of every file and hands each, as N-Quads bytes with its counts and
quarantine entries, to its own bounded queue; the writer (the loading process) takes chunk 0 from
producer 0, chunk 1 from producer 1, and so on. So the records reach the store in file order, as in a
single-process load (a record repeated in a file, or in a later file, keeps the same winner), and
memory is bounded by the queues, not by the input.

Every producer parses the whole file and skips the records of the other producers' chunks: parsing
is a small part of the cost (``bench/``: under 4% of the per-record CPU), and so no parsed record has
to travel between processes. Parsing is deterministic, so every producer sees the same records at the
same positions, and the same file error (a truncated file) at the same place.

Messages, in order, for each file a producer is given: ``Chunk`` for each of its chunks, then one
``End`` (with the file's error, if parsing failed). A chunk-less position in the writer's round (the
file has no chunk ``c``) is answered by that producer's ``End``; the writer then takes the other
producers' ``End`` too.

With one job, the same generator runs in the loading process (:func:`file_messages`).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import queue
import resource
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode

import loaders
from covid_portal import iris
from covid_portal.index_facts import facts_of_terms
from covid_portal.records import FileFormatError, RecordError, RecordGraph, Terms, nquads
from covid_portal.validate import Validator, default_validator

log = logging.getLogger(__name__)

CHUNK = 500  # records per chunk: large enough to amortize a message, small enough to balance
QUEUE_CHUNKS = 8  # chunks a producer may be ahead of the writer


def default_jobs() -> int:
    """Producers to run: ``COVID_PORTAL_LOAD_JOBS``, else the cores this process may use."""
    value = os.environ.get("COVID_PORTAL_LOAD_JOBS", "").strip()
    if value:
        return max(1, int(value))
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class FileTask:
    """One file to produce: what the writer already decided about it."""

    path: str
    loader: str
    fmt: str
    retrieved: str  # the file's time, for records that carry no retrieval time of their own
    activity: str  # the load activity's IRI (the records' prov:wasGeneratedBy)
    facts: bool = False  # also keep each record's search index facts (covid_portal.index_facts)


@dataclass
class Chunk:
    """The outcome of up to ``CHUNK`` consecutive records of a file."""

    index: int
    read: int = 0
    loaded: int = 0
    triples: int = 0
    graphs: list[str] = field(default_factory=list)  # record graphs, in record order
    nquads: bytearray = field(default_factory=bytearray)
    ends: list[int] = field(default_factory=list)  # where each record's quads end in ``nquads``
    facts: list[bytes] = field(default_factory=list)  # each record's index facts, when the task asks
    quarantined: list[dict[str, Any]] = field(default_factory=list)  # Quarantine entries


@dataclass
class End:
    """A producer finished a file: its error (the file could not be read to the end), if any."""

    error: str | None = None


@dataclass
class Usage:
    """A producer's last message when told to stop: its CPU seconds and peak memory (benchmarks)."""

    cpu: float
    max_rss: int  # bytes


@dataclass
class Crash:
    """A producer failed on a programming error (not bad input): the load must stop."""

    message: str


# ---------------------------------------------------------------------------- the per-record step
def record_nquads(
    loader: loaders.Loader,
    item: Any,
    task: FileTask,
    validator: Validator,
    provenance: Callable[[RecordGraph, NamedNode, NamedNode, str, str], list[Terms]],
) -> tuple[str, bytes, int, bytes] | tuple[None, str, str, bytes]:
    """Map and validate one parsed record: (graph IRI, N-Quads, triples, index facts: empty unless the
    task asks for them) or (None, stage, reason, b"")."""
    try:
        rg = loader.to_rdf(item)
    except RecordError as exc:
        return None, "map", exc.reason, b""
    graph = iris.record_graph(rg.source, rg.record_id)
    terms = rg.terms + provenance(rg, graph, NamedNode(task.activity), task.path, task.retrieved)
    violations = validator.check_terms(terms)
    if violations:
        reason = "; ".join(str(v) for v in violations[:10])
        if len(violations) > 10:
            reason += f"; ... {len(violations) - 10} more"
        return None, "validate", reason, b""
    facts = facts_of_terms(graph, terms) if task.facts else b""
    return graph.value, nquads(terms, graph), len(terms), facts


def _entry(item: Any, stage: str, reason: str) -> dict[str, Any]:
    return {"source": item.source, "file": item.file, "position": item.position, "record_id": item.record_id,
            "stage": stage, "reason": reason, "raw": item.raw}  # fmt: skip


def file_messages(
    task: FileTask, k: int, n: int, chunk: int = CHUNK, validator: Validator | None = None
) -> Iterator[Chunk | End]:
    """Producer ``k`` of ``n``: the chunks of ``task``'s file it owns, then its End."""
    from covid_portal.pipeline import provenance  # the pipeline imports this module

    validator = validator or default_validator()
    loader = loaders.get(task.loader)
    current: Chunk | None = None
    try:
        for i, item in enumerate(loader.parse(Path(task.path), task.fmt)):
            index = i // chunk
            if index % n != k:
                continue
            if current is None or current.index != index:
                if current is not None:
                    yield current
                current = Chunk(index)
            current.read += 1
            if isinstance(item, RecordError):
                current.quarantined.append(_entry(item, "parse", item.reason))
                continue
            graph, data, triples, facts = record_nquads(loader, item, task, validator, provenance)
            if graph is None:
                current.quarantined.append(_entry(item, data, str(triples)))
                continue
            current.loaded += 1
            current.triples += triples
            current.graphs.append(graph)
            current.nquads += data
            current.ends.append(len(current.nquads))
            if task.facts:
                current.facts.append(facts)
    except FileFormatError as exc:
        if current is not None:
            yield current
        yield End(exc.reason)
        return
    if current is not None:
        yield current
    yield End()


# ---------------------------------------------------------------------------- producer processes
def _produce(k: int, n: int, chunk: int, tasks: Any, out: Any, alive: Any) -> None:
    """A producer process: files from ``tasks`` (None: stop), messages to ``out``."""
    _exit_with_writer(alive)
    while True:
        task = tasks.get()
        if task is None:
            usage = resource.getrusage(resource.RUSAGE_SELF)
            out.put(Usage(usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024))
            return
        try:
            for message in file_messages(task, k, n, chunk):
                out.put(message)
        except Exception:  # a bug, not bad input (that is quarantined): report it, stop
            out.put(Crash(f"{task.path}: {traceback.format_exc()}"))
            return


def _exit_with_writer(alive: Any) -> None:
    """End this process when the writer does, however it ends (even SIGKILL).

    The parent of a producer is the fork server, which outlives a killed writer (its children keep
    it alive), so the parent-death signal is not enough. ``alive`` is the reading end of a pipe whose
    only writing end is in the writer: it reads EOF when the writer is gone.
    """

    def watch() -> None:
        with contextlib.suppress(EOFError, OSError):
            alive.recv_bytes()
        os._exit(1)

    threading.Thread(target=watch, name="writer-watch", daemon=True).start()


class ProducerError(RuntimeError):
    """A producer process crashed or vanished."""


class Producers:
    """``n`` producer processes and the writer's side of their queues (a context manager)."""

    def __init__(self, n: int, chunk: int = CHUNK, poll: float = 1.0) -> None:
        self.n = n
        self.chunk = chunk
        self.poll = poll
        self.usage: list[Usage] = []  # filled by close(): what each producer used
        ctx = multiprocessing.get_context("forkserver")
        # imported once in the fork server, so each producer starts without re-importing them
        ctx.set_forkserver_preload(["covid_portal.pipeline", "covid_portal.producers", "loaders"])
        # the writing end stays here: producers read EOF on the other when this process ends
        alive, self._alive = ctx.Pipe(duplex=False)
        self._tasks = [ctx.Queue() for _ in range(n)]
        self._out = [ctx.Queue(maxsize=QUEUE_CHUNKS) for _ in range(n)]
        self._procs = [
            ctx.Process(
                target=_produce,
                args=(k, n, chunk, self._tasks[k], self._out[k], alive),
                daemon=True,
                name=f"covid-portal-producer-{k}",
            )
            for k in range(n)
        ]
        for proc in self._procs:
            proc.start()
        alive.close()

    def __enter__(self) -> Producers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if not self._procs:
            return
        for tasks in self._tasks:
            with contextlib.suppress(Exception):
                tasks.put(None)
        for out in self._out:
            with contextlib.suppress(Exception):  # after a failure a producer may be gone or mid-file
                while not isinstance(message := out.get(timeout=2), Usage):
                    pass
                self.usage.append(message)
        for proc in self._procs:
            proc.join(timeout=2)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout=5)
        for q in (*self._tasks, *self._out):
            q.cancel_join_thread()
            q.close()
        self._alive.close()
        self._procs = []

    def submit(self, task: FileTask) -> None:
        """Give every producer the file (each produces its own chunks of it)."""
        for tasks in self._tasks:
            tasks.put(task)

    def _get(self, k: int) -> Chunk | End:
        while True:
            try:
                message = self._out[k].get(timeout=self.poll)
            except queue.Empty:
                if not self._procs[k].is_alive():
                    raise ProducerError(f"producer {k} stopped (exit code {self._procs[k].exitcode})") from None
                continue
            if isinstance(message, Crash):
                raise ProducerError(message.message)
            return message

    def messages(self) -> Iterator[Chunk | End]:
        """The current file's chunks in order, then one End (the file's error, if any)."""
        index = 0
        while True:
            message = self._get(index % self.n)
            if isinstance(message, End):
                for other in range(self.n):
                    if other != index % self.n:
                        rest = self._get(other)
                        if not isinstance(rest, End):  # cannot happen while parsing is deterministic
                            raise ProducerError(f"producer {other} had chunk {rest.index} after the file's end")
                yield message
                return
            if message.index != index:
                raise ProducerError(f"producer {index % self.n} sent chunk {message.index}, expected {index}")
            yield message
            index += 1
