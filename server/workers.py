"""Query execution in worker processes, with time and size limits that really stop work.

pyoxigraph has no query timeout and a running query cannot be interrupted, so each query runs in
a worker *process*: on timeout the server kills that process (its CPU is freed at once) and starts
a replacement. Each worker opens the live store version read-only and reopens it when a load
publishes a new one (``StoreDir.current_version()`` changes). The worker runs the query *and*
serializes its results with pyoxigraph (in Rust), sending the bytes to the server in chunks, so
the server never holds a whole result: pipe back-pressure paces the worker to the client.

The pool has a fixed number of workers (the concurrency cap, by default two per core: more
processes than cores only share the same CPUs, and a front process competing with them loses). A
query that finds none free waits, in a bounded queue, up to ``queue_wait`` seconds for one; past that
wait, or when ``max_queued`` queries are already waiting, it is refused (:class:`PoolBusy`, answered
503 with Retry-After). The queue absorbs bursts that a few workers serve faster one after the other
than many workers at once; its bounds keep an overload from piling up threads and latency.

Result size: a worker stops when its output passes ``max_result_bytes`` (it does not truncate).
The server buffers the first ``STREAM_AFTER`` bytes before it commits to a status, so every
failure of a result up to that size (timeout, size, evaluation error) gets a proper error status;
a larger result is streamed, and a failure after streaming began can only abort the connection
(the client sees an incomplete transfer, never a silently truncated result).

The time limit covers the whole answer, streaming included: a client reading a large result too
slowly holds a worker, and is cut off at the limit like a slow query.

Worker -> server messages are bytes whose first byte is a tag: ``R`` ready, ``S`` + format name
(the result starts), ``D`` + data, ``W`` + JSON list of federation warnings (SERVICE calls that failed,
see ``server.service_gateway``), ``E`` end, ``X`` + JSON error; ``A`` + format name + NUL + data is
a whole answer that fits in one chunk (most do), in one message. Server -> worker: a JSON task.

Public API for routes: the :class:`QueryPool` (given to router factories, and ``app.state.queries``).
``await pool.open(task)`` gives a :class:`QueryRun` to stream (see ``server/sparql.py``);
``pool.execute(task)`` (from a ``def`` route) or ``await pool.aexecute(task)`` returns the whole
(bounded) result.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import math
import multiprocessing
import os
import select
import signal
import struct
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import anyio
import pyoxigraph as ox

from covid_portal.procs import die_with_parent
from covid_portal.remote_store import RemoteStore
from covid_portal.store import StoreDir, StoreError

log = logging.getLogger(__name__)

RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "rdf": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
}
CHUNK_BYTES = 64 * 1024  # worker -> server message size
STREAM_AFTER = 1 << 20  # bytes buffered before the server commits to 200 and streams
STARTUP_TIMEOUT = 60.0  # seconds a new worker may take to import pyoxigraph and open the store


# ---------------------------------------------------------------------------- the task and its errors
@dataclass(frozen=True)
class QueryTask:
    """A query to run, with the formats it may be answered in and its dataset.

    ``results_format`` answers SELECT/ASK and ``graph_format`` CONSTRUCT/DESCRIBE (names from
    ``server.negotiation``); None means the client accepts no format for that kind (406).
    ``default_graphs``/``named_graphs`` are the protocol dataset (``default-graph-uri``,
    ``named-graph-uri``): when either is given they define the whole dataset. Otherwise a query
    without FROM gets the union of all graphs as its default graph (``union_default_graph``).
    """

    query: str
    results_format: str | None = "json"
    graph_format: str | None = "ttl"
    base_iri: str | None = None
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    union_default_graph: bool = True
    federated: bool = False  # the query calls SERVICE: an I/O error is the partner's (502)
    service_timeout: float | None = None  # seconds per SERVICE call, through server.service_gateway (None: direct)
    service_max_bytes: int = 16 << 20  # largest answer accepted from one SERVICE call
    op: str = "query"  # "query", or "count" (number of quads in the store, for descriptions)


class QueryError(Exception):
    """A query that could not be answered; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str, *, kind: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind  # for 406: "results" or "graph", the kind of result nobody accepted
        self.headers = headers or {}


class PoolBusy(QueryError):
    """Every worker is busy: the concurrency cap is reached."""


class QueryTimeout(QueryError):
    """The query ran past its time limit; its worker was killed."""


@dataclass
class QueryOutput:
    format: str
    body: bytes


# ---------------------------------------------------------------------------- the worker process
class _ResultTooLarge(Exception):
    pass


class _ChunkWriter:
    """The file-like object pyoxigraph serializes into: counts bytes and sends full chunks.

    An answer that fits in one chunk goes out as one ``A`` message (format and data) when it ends,
    instead of ``S``, ``D`` and ``E``: most answers are small, and each message costs both processes
    system calls and a wake-up."""

    def __init__(self, conn: Connection, limit: int) -> None:
        self.conn = conn
        self.limit = limit
        self.total = 0
        self.buffer = bytearray()
        self.exceeded = False
        self.name = b""
        self.started = False  # the S message is sent

    def start(self, name: str) -> None:
        """The answer's format (sent with the first chunk, or with the whole answer)."""
        self.name = name.encode()

    def write(self, data: bytes) -> int:
        self.total += len(data)
        if self.total > self.limit:
            self.exceeded = True
            raise _ResultTooLarge
        self.buffer += data
        if len(self.buffer) >= CHUNK_BYTES:
            self._send_start()
            self.conn.send_bytes(b"D" + bytes(self.buffer))
            self.buffer.clear()
        return len(data)

    def flush(self) -> None:
        """Chunks go out when full or at the end; a flush from the serializer changes nothing."""

    def finish(self, warnings: list[str] | None = None) -> None:
        """The answer is complete: what is left, the federation warnings, and the end."""
        if not self.started and not warnings:
            self.conn.send_bytes(b"A" + self.name + b"\0" + bytes(self.buffer))
            return
        self._send_start()
        if self.buffer:
            self.conn.send_bytes(b"D" + bytes(self.buffer))
            self.buffer.clear()
        if warnings:  # SERVICE SILENT calls that failed: a partial answer
            self.conn.send_bytes(b"W" + json.dumps(warnings).encode())
        self.conn.send_bytes(b"E")

    def _send_start(self) -> None:
        if not self.started:
            self.conn.send_bytes(b"S" + self.name)
            self.started = True


def _worker_main(conn: Connection, store_path: str | None, max_result_bytes: int) -> None:
    """Run tasks from ``conn`` until the server closes it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server, which stops us
    die_with_parent()
    opener = _StoreOpener(store_path)
    with contextlib.suppress(StoreError):
        opener.get()  # open now so the first query does not pay for it
    conn.send_bytes(b"R")
    while True:
        try:
            task = json.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        try:
            store = opener.get()
        except StoreError as exc:
            _send_error(conn, 503, f"the store cannot be opened: {exc}")
            continue
        _run_task(store, task, conn, max_result_bytes)


class _StoreOpener:
    """The read-only handle on the live version, reopened when a new version is published.

    ``CURRENT`` is replaced (a new file, renamed over the old) at each publish, so its inode and
    time change; a ``stat`` per query notices that at a tenth of the cost of reading the file."""

    def __init__(self, path: str | None) -> None:
        self.dir = StoreDir(path) if path else None
        self.pointer = str(self.dir.path / "CURRENT") if self.dir else ""
        self.store: ox.Store | None = None
        self.version: str | None = None
        self.seen: tuple[int, int, int] | None = None  # the stat of CURRENT when it was last read

    def get(self) -> ox.Store:
        if self.dir is None:
            if self.store is None:
                self.store = ox.Store()
            return self.store
        try:
            st = os.stat(self.pointer)
            seen: tuple[int, int, int] | None = (st.st_ino, st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            seen = None
        if self.store is not None and seen == self.seen:
            return self.store
        version = self.dir.current_version()
        if self.store is None or version != self.version:
            self.store = None  # close the old RocksDB handle first
            self.store = self.dir.open_read()
            self.version = version
        self.seen = seen
        return self.store


def _send_error(conn: Connection, status: int, message: str, kind: str | None = None) -> None:
    conn.send_bytes(b"X" + json.dumps({"status": status, "message": message, "kind": kind}).encode())


def _dataset(task: dict[str, Any]) -> dict[str, Any]:
    if task["default_graphs"] is not None or task["named_graphs"] is not None:
        return {
            "default_graph": [ox.NamedNode(iri) for iri in task["default_graphs"] or ()],
            "named_graphs": [ox.NamedNode(iri) for iri in task["named_graphs"] or ()],
        }
    return {"use_default_graph_as_union": True} if task["union_default_graph"] else {}


_GATEWAY: list[Any] = []  # this worker's server.service_gateway.ServiceGateway, made on first use


def _federation(task: dict[str, Any], store: Any) -> contextlib.AbstractContextManager[tuple[str, Any]]:
    """(query to run, gateway route or None): SERVICE calls go through the gateway when limits are set.
    A remote store calls partners itself (the gateway listens on this machine's loopback only)."""
    if not task["federated"] or not task.get("service_timeout") or isinstance(store, RemoteStore):
        return contextlib.nullcontext((task["query"], None))
    if not _GATEWAY:
        from server.service_gateway import ServiceGateway

        _GATEWAY.append(ServiceGateway())
    union = task["union_default_graph"] and task["default_graphs"] is None and task["named_graphs"] is None
    local = task["base_iri"] if union else None  # the endpoint's own URL: its SERVICE clauses run here
    return _GATEWAY[0].route(task["query"], task["base_iri"], task["service_timeout"], task["service_max_bytes"], local)


def _forward(store: RemoteStore, query: str, task: dict[str, Any], conn: Connection, writer: _ChunkWriter) -> None:
    """Run the query on the remote store, in the format negotiated with the client, streaming its bytes."""
    offers = {RESULT_FORMATS[n].media_type: n for n in [task["results_format"]] if n} | {
        GRAPH_FORMATS[n].media_type: n for n in [task["graph_format"]] if n
    }
    with store.stream(query, offers, base_iri=task["base_iri"], **_dataset(task)) as (media_type, chunks):
        name = offers.get(media_type)
        if name is None:
            _send_error(conn, 406, f"the store answered {media_type or 'no media type'}")
            return
        writer.start(name)
        for chunk in chunks:
            writer.write(chunk)
    writer.finish()


def _run_task(store: ox.Store, task: dict[str, Any], conn: Connection, limit: int) -> None:
    writer = _ChunkWriter(conn, limit)
    route = None
    try:
        if task["op"] == "count":
            writer.start("count")
            writer.write(str(len(store)).encode())
        else:
            with _federation(task, store) as (query, route):
                if isinstance(store, RemoteStore):
                    _forward(store, query, task, conn, writer)
                    return
                result = store.query(query, base_iri=task["base_iri"], **_dataset(task))
                if isinstance(result, ox.QueryTriples):
                    kind, name, table = "graph", task["graph_format"], GRAPH_FORMATS
                else:
                    kind, name, table = "results", task["results_format"], RESULT_FORMATS
                if name is None:
                    _send_error(conn, 406, "no acceptable format", kind)
                    return
                writer.start(name)
                result.serialize(writer, table[name])
        writer.finish(route.warnings if route is not None else None)
    except SyntaxError as exc:
        _send_error(conn, 400, f"SPARQL syntax error: {exc}")
    except Exception as exc:  # reported to the server, which answers with it; the worker lives on
        if writer.exceeded or isinstance(exc, _ResultTooLarge):
            _send_error(
                conn,
                422,
                f"the result is larger than the server's limit of {limit:,} bytes "
                "(COVID_PORTAL_MAX_RESULT_BYTES) and was stopped; add a LIMIT or narrow the query",
            )
        elif isinstance(exc, OSError) and task["federated"]:
            detail = "; ".join(route.warnings) if route is not None and route.warnings else str(exc)
            _send_error(conn, 502, f"a SERVICE call failed: {detail}")
        elif isinstance(exc, RuntimeError):  # pyoxigraph's evaluation errors: no traceback needed
            log.warning("query evaluation failed: %s", exc)
            _send_error(conn, 500, f"query evaluation failed: {exc}")
        else:
            log.exception("query failed")
            _send_error(conn, 500, f"query evaluation failed: {type(exc).__name__}: {exc}")


# ---------------------------------------------------------------------------- the server side
class _Worker:
    """One worker process, and the server's end of its pipe.

    The server reads the pipe without blocking, into its own buffer, with the framing of
    ``multiprocessing.Connection`` (which the worker uses): the event loop waits for it with a plain
    reader callback, and threads with ``poll``. ``Connection.poll`` and ``recv_bytes`` cost about
    ten times more per message in the front process, which answers every request."""

    def __init__(self, ctx: Any, store_path: str | None, max_result_bytes: int) -> None:
        self.conn, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(
            target=_worker_main, args=(child, store_path, max_result_bytes), name="covid-portal-query", daemon=True
        )
        self.process.start()
        child.close()
        self.fd = self.conn.fileno()
        os.set_blocking(self.fd, False)
        self.buffer = bytearray()
        self.ready = False
        self.deadline = math.inf

    def wait_ready(self) -> None:
        if self.ready:
            return
        try:
            started = self.recv(STARTUP_TIMEOUT) == b"R"
        except (EOFError, OSError):
            started = False
        if not started:
            raise QueryError(503, "a query worker failed to start (see the server log); try again later")
        self.ready = True

    def is_up(self) -> bool:
        """Whether the worker has said it is ready (reads its message if it is waiting); never blocks."""
        if not self.ready:
            with contextlib.suppress(EOFError, OSError):
                self.ready = self.recv(0) == b"R"
        return self.ready

    def send(self, data: bytes) -> None:
        """One message, framed as ``Connection.send_bytes``; the worker is idle and reading."""
        header = _HEADER.pack(len(data)) if len(data) <= 0x7FFFFFFF else _HEADER.pack(-1) + _LONG.pack(len(data))
        view = memoryview(header + data)
        while view:
            try:
                view = view[os.write(self.fd, view) :]
            except BlockingIOError:
                if not _wait_for(self.fd, select.POLLOUT, STARTUP_TIMEOUT):
                    raise OSError("the query worker does not read its tasks") from None

    def recv(self, timeout: float) -> bytes | None:
        """The next message, waiting up to ``timeout`` seconds (None when it passed); EOFError when the
        worker is gone."""
        deadline = time.monotonic() + timeout
        while (message := self._take()) is None:
            if self._fill():
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not _wait_for(self.fd, select.POLLIN, remaining):
                return None
        return message

    async def arecv(self, deadline: float) -> bytes | None:
        """:meth:`recv` in the event loop, until the ``time.monotonic()`` ``deadline``."""
        while (message := self._take()) is None:
            if self._fill():
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            loop = asyncio.get_running_loop()
            readable = loop.create_future()
            loop.add_reader(self.fd, _resolve, readable)
            timer = loop.call_later(remaining, _resolve, readable)
            try:
                await readable
            finally:
                loop.remove_reader(self.fd)
                timer.cancel()
        return message

    def _fill(self) -> bool:
        """Read what the pipe holds into the buffer: False when it holds nothing yet."""
        try:
            data = os.read(self.fd, READ_BYTES)
        except BlockingIOError:
            return False
        if not data:
            raise EOFError
        self.buffer += data
        return True

    def _take(self) -> bytes | None:
        """A whole message from the buffer, or None."""
        buffer = self.buffer
        if len(buffer) < 4:
            return None
        (size,) = _HEADER.unpack_from(buffer)
        start = 4
        if size == -1:
            if len(buffer) < 12:
                return None
            (size,) = _LONG.unpack_from(buffer, 4)
            start = 12
        end = start + size
        if len(buffer) < end:
            return None
        message = bytes(buffer[start:end])
        del buffer[:end]
        return message

    def kill(self) -> None:
        # The pipe is left to the garbage collector: a thread may still be waiting on it, and closing
        # a descriptor under a wait could let the number be reused. The wait sees EOF instead.
        with contextlib.suppress(OSError, ValueError):
            self.process.kill()
            self.process.join(5)


def _wait_for(fd: int, event: int, timeout: float) -> bool:
    """Whether ``fd`` is ready (or closed) within ``timeout`` seconds; ``poll``, because ``select`` fails
    on descriptors above 1023, which a server with many connections reaches."""
    poller = select.poll()
    poller.register(fd, event)
    return bool(poller.poll(math.ceil(timeout * 1000)))


_HEADER = struct.Struct("!i")  # multiprocessing.Connection's message header (-1: a long message)
_LONG = struct.Struct("!Q")
READ_BYTES = 256 * 1024  # the most read from a worker's pipe at once


class QueryPool:
    """A fixed set of query worker processes over one store."""

    def __init__(
        self,
        store: Path | str | None,
        *,
        size: int,
        timeout: float,
        max_result_bytes: int,
        queue_wait: float = 0.0,
        max_queued: int = 0,
        start_method: str = "forkserver",
    ) -> None:
        self.store_path = str(store) if store is not None else None
        self.size = size
        self.timeout = timeout
        self.max_result_bytes = max_result_bytes
        self._ctx = multiprocessing.get_context(start_method)
        if start_method == "forkserver":
            self._ctx.set_forkserver_preload([__name__])
        self.queue_wait = queue_wait
        self.max_queued = max_queued
        self._lock = threading.Lock()
        self._tickets: collections.deque[_Ticket] = collections.deque()  # queries waiting, first come first served
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._open = False

    # lifecycle (blocking: call from a thread in async code)
    def start(self) -> None:
        with self._lock:
            self._open = True
            self._idle = [self._spawn() for _ in range(self.size)]

    def close(self) -> None:
        with self._lock:
            self._open = False
            workers = [*self._idle, *self._busy]
            self._idle, self._busy = [], set()
            tickets, self._tickets = list(self._tickets), collections.deque()
        for ticket in tickets:  # each waiter wakes without a worker and sees the pool closed
            ticket.wake()
        for worker in workers:
            worker.kill()

    def _spawn(self) -> _Worker:
        return _Worker(self._ctx, self.store_path, self.max_result_bytes)

    # running queries
    def start_query(self, task: QueryTask, timeout: float | None = None, *, wait: float | None = None) -> QueryRun:
        """Hand ``task`` to a free worker (blocking until it is up); raise PoolBusy when none is free
        within ``wait`` seconds (default: the pool's ``queue_wait``; 0: do not queue)."""
        limit = self.timeout if timeout is None else timeout
        worker = self._acquire(self.queue_wait if wait is None else wait)
        return self._start_on(worker, task, limit)

    def _start_on(self, worker: _Worker, task: QueryTask, limit: float) -> QueryRun:
        try:
            worker.wait_ready()
            worker.deadline = time.monotonic() + limit
            worker.send(json.dumps(task.__dict__).encode())  # the fields, as asdict gives them, 6x faster
        except (EOFError, OSError):  # the worker died while idle (e.g. the kernel's OOM killer)
            self._release(worker, healthy=False)
            raise QueryError(503, "a query worker had stopped and is being replaced; try again") from None
        except BaseException:
            self._release(worker, healthy=False)
            raise
        return QueryRun(self, worker, limit)

    def execute(self, task: QueryTask, timeout: float | None = None, *, wait: float | None = None) -> QueryOutput:
        """Run ``task`` and return its whole result (blocking: for ``def`` routes and threads)."""
        run = self.start_query(task, timeout, wait=wait)
        try:
            run.prefetch(math.inf)
        finally:
            run.abort()
        return QueryOutput(run.format or "", b"".join(run.buffered))

    async def aexecute(
        self, task: QueryTask, timeout: float | None = None, *, wait: float | None = None
    ) -> QueryOutput:
        return await anyio.to_thread.run_sync(lambda: self.execute(task, timeout, wait=wait))

    async def open(self, task: QueryTask, timeout: float | None = None) -> QueryRun:
        """Start ``task`` and wait until its format is known and its first bytes (or all of them) are in.

        All in the event loop, queued or not: a free worker or a place in the queue, the worker's
        start-up if it is a replacement, then its pipe. Thread hand-offs cost about 0.3 ms each way,
        which at 16 clients (most requests queued) was a third of the front process's CPU per request
        (docs/benchmarks.md, fifth round).
        """
        limit = self.timeout if timeout is None else timeout
        worker = await self._aacquire(self.queue_wait)
        if not worker.ready:  # a replacement still starting: wait for its "ready" without a thread
            try:
                message = await worker.arecv(time.monotonic() + STARTUP_TIMEOUT)
            except (EOFError, OSError):
                message = None
            except BaseException:
                self._release(worker, healthy=True)  # not given the task: still good for the next query
                raise
            if message != b"R":  # gone, or silent for the whole start-up time: replaced
                await anyio.to_thread.run_sync(lambda: self._release(worker, healthy=False))
                raise QueryError(503, "a query worker failed to start (see the server log); try again later")
            worker.ready = True
        run = self._start_on(worker, task, limit)
        try:
            await run.aprefetch(STREAM_AFTER)
        except BaseException:
            await run.aabort()
            raise
        return run

    def retry_after(self) -> int:
        """Seconds until the first running query must end (its time limit), at least 1."""
        with self._lock:
            deadlines = [w.deadline for w in self._busy if w.deadline < math.inf]
        if not deadlines:
            return 1
        return max(1, math.ceil(min(deadlines) - time.monotonic()))

    @property
    def _waiting(self) -> int:
        return len(self._tickets)

    def _take_idle(self) -> _Worker:
        """An idle worker, preferring one that is up (a replacement may still be starting) and the most
        recently used (its caches are warm). Called with the lock held, when ``_idle`` is not empty."""
        up = [w for w in self._idle if w.is_up()]
        worker = up[-1] if up else self._idle[-1]
        self._idle.remove(worker)
        self._busy.add(worker)
        return worker

    def _queue(self, wait: float, ticket: _Ticket) -> _Worker | None:
        """A free worker now, or None with ``ticket`` queued; PoolBusy when neither is allowed.
        Queued queries go first: a new query takes an idle worker only when nobody waits."""
        with self._lock:
            if not self._open:
                raise QueryError(503, "the query service is not running")
            if self._idle and not self._tickets:
                return self._take_idle()
            if wait > 0 and len(self._tickets) < self.max_queued:
                self._tickets.append(ticket)
                return None
            queued = len(self._tickets)
        raise self._busy_error(queued)

    def _busy_error(self, queued: int) -> PoolBusy:
        retry = self.retry_after()
        return PoolBusy(
            503,
            f"all {self.size} query workers are busy and {queued} queries are waiting "
            f"(COVID_PORTAL_MAX_CONCURRENT_QUERIES, COVID_PORTAL_MAX_QUEUED_QUERIES); retry in {retry} s",
            headers={"Retry-After": str(retry)},
        )

    def _give_up(self, ticket: _Ticket) -> _Worker | None:
        """The waiter stops waiting (its wait ran out, or it was cancelled). Returns the worker the
        ticket was given in the meantime, if any; otherwise the ticket leaves the queue."""
        with self._lock:
            if ticket.worker is None:
                with contextlib.suppress(ValueError):
                    self._tickets.remove(ticket)
            return ticket.worker

    def _after_wait(self, ticket: _Ticket) -> _Worker:
        worker = self._give_up(ticket)
        if worker is not None:
            return worker
        if not self._open:
            raise QueryError(503, "the query service is not running")
        raise self._busy_error(self._waiting)

    def _acquire(self, wait: float) -> _Worker:
        """A worker for a blocking caller (``execute`` from a thread), queueing up to ``wait`` seconds."""
        ticket = _Ticket(threading.Event())
        worker = self._queue(wait, ticket)
        if worker is not None:
            return worker
        ticket.event.wait(wait)
        return self._after_wait(ticket)

    async def _aacquire(self, wait: float) -> _Worker:
        """:meth:`_acquire` in the event loop: the queue is the same, and a released worker is handed to
        the first waiter, thread or task, without a thread on this side."""
        loop = asyncio.get_running_loop()
        ticket = _Ticket(None, loop, loop.create_future())
        worker = self._queue(wait, ticket)
        if worker is not None:
            return worker
        try:
            with anyio.move_on_after(wait):
                await ticket.future
        except BaseException:  # cancelled (the client went away): a worker given meanwhile goes back
            worker = self._give_up(ticket)
            if worker is not None:
                self._release(worker, healthy=True)
            raise
        return self._after_wait(ticket)

    def _release(self, worker: _Worker, *, healthy: bool) -> None:
        """Give a worker back, to the first query waiting or to the idle list; an unhealthy one (killed,
        timed out, crashed) is replaced."""
        worker.deadline = math.inf
        if not healthy:
            worker.kill()
        with self._lock:
            self._busy.discard(worker)
            if not self._open:
                if healthy:
                    worker.kill()
                return
            worker = worker if healthy else self._spawn()
            if not self._tickets:
                self._idle.append(worker)
                return
            ticket = self._tickets.popleft()
            ticket.worker = worker
            self._busy.add(worker)
        ticket.wake()


@dataclass
class _Ticket:
    """A query waiting for a worker: a thread (``event``) or an event-loop task (``future``)."""

    event: threading.Event | None
    loop: asyncio.AbstractEventLoop | None = None
    future: asyncio.Future[None] | None = None
    worker: _Worker | None = None  # set, under the pool's lock, when a worker is handed over

    def wake(self) -> None:
        if self.event is not None:
            self.event.set()
            return
        assert self.loop is not None and self.future is not None
        try:
            same_loop = asyncio.get_running_loop() is self.loop
        except RuntimeError:
            same_loop = False
        if same_loop:  # released from the event loop itself (the usual case): no self-pipe write
            _resolve(self.future)
        else:
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
                self.loop.call_soon_threadsafe(_resolve, self.future)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


@dataclass
class QueryRun:
    """One query in one worker: the format it answers with, then its output in chunks."""

    pool: QueryPool
    worker: _Worker
    limit: float
    format: str | None = None
    buffered: list[bytes] = field(default_factory=list)
    done: bool = False
    warnings: list[str] = field(default_factory=list)  # partners left out of a partial federated answer
    _finish_lock: threading.Lock = field(default_factory=threading.Lock)

    def prefetch(self, threshold: float) -> None:
        """Read until the format is known and the output is complete or ``threshold`` bytes are buffered."""
        size = sum(len(chunk) for chunk in self.buffered)
        while not self.done and (self.format is None or size < threshold):
            chunk = self._next()
            if chunk is not None:
                self.buffered.append(chunk)
                size += len(chunk)

    async def aprefetch(self, threshold: float) -> None:
        """:meth:`prefetch` in the event loop: waits for the worker's pipe without a thread."""
        size = sum(len(chunk) for chunk in self.buffered)
        while not self.done and (self.format is None or size < threshold):
            try:
                message = await self.worker.arecv(self.worker.deadline)
            except (EOFError, OSError):
                message = b""
            if message is None:  # the time limit passed: stopping the worker blocks, so in a thread
                await anyio.to_thread.run_sync(self._next)
                continue
            chunk = self._handle(message)
            if chunk is not None:
                self.buffered.append(chunk)
                size += len(chunk)

    def take_buffered(self) -> list[bytes]:
        chunks, self.buffered = self.buffered, []
        return chunks

    def next_chunk(self) -> bytes | None:
        """The next piece of output, or None at the end (blocking)."""
        while not self.done:
            chunk = self._next()
            if chunk is not None:
                return chunk
        return None

    async def stream(self) -> AsyncIterator[bytes]:
        """All output, buffered first; killing the worker if the client goes away early."""
        try:
            announced = len(self.warnings)  # the warnings already sent in the response headers
            for chunk in self.take_buffered():
                yield chunk
            while True:
                chunk = await anyio.to_thread.run_sync(self.next_chunk, abandon_on_cancel=True)
                if chunk is None:
                    break
                yield chunk
            if len(self.warnings) > announced:  # too late for a header: never a silently partial 200
                raise QueryError(502, "partial federated answer after streaming began: " + "; ".join(self.warnings))
        except QueryError as exc:
            # the status line is gone: aborting the connection is the only honest signal left
            log.warning("query failed after its response started (connection aborted): %s", exc.message)
            raise
        finally:
            await self.aabort()

    def abort(self) -> None:
        """Stop the query if it is still running (kills its worker); a no-op once it ended."""
        self._finish(healthy=False)

    async def aabort(self) -> None:
        """:meth:`abort` from async code: killing and reaping a process blocks, so in a thread,
        shielded because this runs when the request was cancelled (the client went away)."""
        if not self.done:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(self.abort)

    def _next(self) -> bytes | None:
        """Wait for and handle one message; returns data, or None for a control message."""
        remaining = self.worker.deadline - time.monotonic()
        try:
            message = self.worker.recv(remaining) if remaining > 0 else None
        except (EOFError, OSError):
            message = b""
        if message is None:
            self._finish(healthy=False)
            raise QueryTimeout(
                503,
                f"the query was stopped after the time limit of {self.limit:g} s "
                "(COVID_PORTAL_QUERY_TIMEOUT / --query-timeout); simplify it or add a LIMIT",
            )
        return self._handle(message)

    def _handle(self, message: bytes) -> bytes | None:
        """Act on one message (``b""``: the worker is gone); returns data, or None for a control message."""
        tag, payload = message[:1], message[1:]
        if tag == b"D":
            return payload
        if tag == b"A":  # the whole answer at once
            name, _, data = payload.partition(b"\0")
            self.format = name.decode()
            self._finish(healthy=True)
            return data
        if tag == b"S":
            self.format = payload.decode()
        elif tag == b"W":
            self.warnings.extend(json.loads(payload))
        elif tag == b"E":
            self._finish(healthy=True)
        elif tag == b"X":
            self._finish(healthy=True)
            error = json.loads(payload)
            raise QueryError(error["status"], error["message"], kind=error.get("kind"))
        elif self.done:  # aborted from another thread, which killed the worker
            return None
        else:
            self._finish(healthy=False)
            raise QueryError(500, "the query worker stopped unexpectedly")
        return None

    def _finish(self, *, healthy: bool) -> None:
        with self._finish_lock:
            if self.done:
                return
            self.done = True
        self.pool._release(self.worker, healthy=healthy)
