"""Streaming over real HTTP: large results go out in chunks; a query stopped after its response
began aborts the connection (never a silently truncated 200); a client that goes away mid-stream
gets its worker killed at once, not at the time limit.

A second server (same store) with room for large results: 6 s time limit, 1 GiB result limit.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.server.conftest import Server, running_server
from tests.server.procs import HAVE_PROC, alive, burning, cpu_seconds, idle_workers

TIMEOUT = 6.0
VALUE = "http://example.org/value"
PAIRS = f"SELECT * WHERE {{ ?a <{VALUE}> ?x . ?b <{VALUE}> ?y }}"  # 9 million rows, about 3 GB of JSON


@pytest.fixture(scope="module")
def big(protocol_store: Path) -> Iterator[Server]:
    with running_server(
        protocol_store, query_timeout=TIMEOUT, max_concurrent_queries=2, max_result_bytes=1 << 30
    ) as running:
        yield running


def test_large_result_is_streamed_in_chunks(big: Server) -> None:
    with httpx.stream("GET", big.sparql, params={"query": PAIRS + " LIMIT 10000"}, timeout=30) as response:
        assert response.status_code == 200
        assert response.headers.get("transfer-encoding") == "chunked"
        assert "content-length" not in response.headers
        body = response.read()
    assert len(json.loads(body)["results"]["bindings"]) == 10000


def test_time_limit_reached_while_streaming_aborts_the_connection(big: Server) -> None:
    started = time.monotonic()
    received = 0
    with (
        pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)),
        httpx.stream("GET", big.sparql, params={"query": PAIRS}, timeout=30) as response,
    ):
        assert response.status_code == 200
        for chunk in response.iter_raw():
            received += len(chunk)
    assert received > 1 << 20
    assert TIMEOUT <= time.monotonic() - started < TIMEOUT + 2
    assert httpx.get(big.sparql, params={"query": "ASK {}"}).status_code == 200


@pytest.mark.skipif(not HAVE_PROC, reason="reads worker processes from /proc")
def test_client_going_away_kills_the_worker(big: Server) -> None:
    assert httpx.get(big.sparql, params={"query": "ASK {}"}).status_code == 200  # replacements are up
    workers = idle_workers(big.process.pid)  # replacements of earlier tests' workers have settled
    before = {pid: cpu_seconds(pid) for pid in workers}
    with httpx.stream("GET", big.sparql, params={"query": PAIRS}, timeout=30) as response:
        assert response.status_code == 200
        deadline = time.monotonic() + 0.8
        for _ in response.iter_raw():
            if time.monotonic() > deadline:
                break
        busy = max(workers, key=lambda pid: cpu_seconds(pid) - before[pid])
        assert alive(busy)
        closed = time.monotonic()
    # the connection is closed: the worker must go well before the time limit would stop it
    while alive(busy) and time.monotonic() - closed < TIMEOUT / 2:
        time.sleep(0.05)
    assert not alive(busy), "the worker of an abandoned stream must be killed"


@pytest.mark.skipif(not HAVE_PROC, reason="reads worker processes from /proc")
def test_client_leaving_before_the_first_byte_stops_the_query(big: Server) -> None:
    assert httpx.get(big.sparql, params={"query": "ASK {}"}).status_code == 200  # replacements are up
    workers = idle_workers(big.process.pid)  # replacements of earlier tests' workers have settled
    before = {pid: cpu_seconds(pid) for pid in workers}
    explosive = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a <{VALUE}> ?x . ?b <{VALUE}> ?y . ?c <{VALUE}> ?z }}"
    outcome: list[BaseException | None] = []

    def ask() -> None:
        try:
            httpx.get(big.sparql, params={"query": explosive}, timeout=1.0)  # gives up, closes the connection
            outcome.append(None)
        except BaseException as exc:  # checked below, in the test's thread
            outcome.append(exc)

    client = threading.Thread(target=ask)
    client.start()
    # the query's CPU is read while the client waits: once it leaves, the worker may be killed (and its
    # CPU gone from /proc) before this thread looks again
    spent = 0.0
    while client.is_alive():
        spent = max([spent, *(cpu_seconds(pid) - before[pid] for pid in workers if alive(pid))])
        time.sleep(0.05)
    client.join()
    closed = time.monotonic()
    assert len(outcome) == 1 and isinstance(outcome[0], httpx.ReadTimeout), outcome
    assert spent > 0.3  # the query did run
    # stopped: none of the workers that were there still spends CPU (the one that ran the query is
    # killed; a replacement starting up is not among them)
    while burning(workers) and time.monotonic() - closed < TIMEOUT / 2:
        pass
    assert not burning(workers), "the query of a client that left must be stopped before its time limit"
