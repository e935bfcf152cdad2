"""The app in-process (FastAPI TestClient, real worker processes): streaming of large results, a
failure after streaming began, reopening the store when a load publishes a new version, and the
worker-pool API other routes use."""

from __future__ import annotations

import json
import os
import resource
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from covid_portal.store import StoreDir
from server.app import create_app
from server.config import Settings
from server.sparql import QUERY_TYPE
from server.workers import STREAM_AFTER, PoolBusy, QueryError, QueryPool, QueryTask
from tests.server.conftest import Server

VALUE = "http://example.org/value"
PAIRS = f"SELECT * WHERE {{ ?a <{VALUE}> ?x . ?b <{VALUE}> ?y }} LIMIT "


@pytest.fixture(scope="module")
def app_client(server: Server) -> Iterator[TestClient]:
    settings = Settings(store=server.store, max_result_bytes=8 << 20, max_concurrent_queries=1, query_timeout=20)
    with TestClient(create_app(settings)) as client:
        yield client


def test_large_result_is_streamed(app_client: TestClient) -> None:
    with app_client.stream("GET", "/sparql", params={"query": PAIRS + "20000"}) as response:
        assert response.status_code == 200
        assert "content-length" not in response.headers  # streamed, not built in memory
        body = b"".join(response.iter_bytes())
    assert len(body) > STREAM_AFTER
    assert len(json.loads(body)["results"]["bindings"]) == 20000


def test_failure_after_streaming_began_aborts_instead_of_truncating(app_client: TestClient) -> None:
    # 60000 rows are ~20 MB, over the 8 MiB limit, which is reached after the 200 was sent
    with (
        pytest.raises(QueryError, match="larger than the server's limit"),
        app_client.stream("GET", "/sparql", params={"query": PAIRS + "60000"}) as response,
    ):
        assert response.status_code == 200
        b"".join(response.iter_bytes())
    assert app_client.get("/sparql", params={"query": "ASK {}"}).json()["boolean"] is True  # worker still usable


def test_pool_api_for_other_routes(app_client: TestClient) -> None:
    pool = app_client.app.state.queries
    output = pool.execute(QueryTask("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", results_format="csv"))
    assert output.format == "csv"
    assert output.body.decode().splitlines()[0] == "n"
    turtle = pool.execute(QueryTask(f"CONSTRUCT WHERE {{ <http://example.org/item/2> <{VALUE}> ?v }}"))
    assert turtle.format == "ttl" and b"<http://example.org/item/2>" in turtle.body
    with pytest.raises(QueryError) as syntax:
        pool.execute(QueryTask("SELECT"))
    assert syntax.value.status == 400
    run = pool.start_query(QueryTask("ASK {}"))  # holds the only worker
    try:
        with pytest.raises(PoolBusy):
            pool.execute(QueryTask("ASK {}"), wait=0)
    finally:
        run.abort()


def test_a_query_waits_for_a_worker_in_a_bounded_queue(app_client: TestClient) -> None:
    pool = app_client.app.state.queries
    answers: list[bytes] = []
    run = pool.start_query(QueryTask("ASK {}"))  # holds the only worker
    try:
        waiting = threading.Thread(
            target=lambda: answers.append(pool.execute(QueryTask("ASK {}", results_format="csv"), wait=20).body)
        )
        waiting.start()
        deadline = time.monotonic() + 10
        while pool._waiting == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert pool._waiting == 1  # queued, not refused
        saved, pool.max_queued = pool.max_queued, 1
        try:  # the queue is full: refused at once, whatever the wait asked for
            with pytest.raises(PoolBusy) as busy:
                pool.execute(QueryTask("ASK {}"), wait=20)
            assert "1 queries are waiting" in busy.value.message
            assert int(busy.value.headers["Retry-After"]) >= 1
        finally:
            pool.max_queued = saved
    finally:
        run.prefetch(float("inf"))  # the first query ends: its worker goes to the waiting one
        run.abort()
    waiting.join(20)
    assert answers and answers[0].decode().splitlines()[-1].strip() == "true"


def test_a_query_that_waits_too_long_gets_503(app_client: TestClient) -> None:
    pool = app_client.app.state.queries
    run = pool.start_query(QueryTask("ASK {}"))
    try:
        started = time.monotonic()
        with pytest.raises(PoolBusy):
            pool.execute(QueryTask("ASK {}"), wait=0.5)
        assert time.monotonic() - started >= 0.5  # it did wait
    finally:
        run.abort()


def _publish(store: Path, subject: str, *, fresh: bool) -> None:
    with StoreDir(store).staging(fresh=fresh) as staging:
        staging.store.add(
            ox.Quad(ox.NamedNode(subject), ox.NamedNode(VALUE), ox.Literal(1), ox.NamedNode(subject + "#graph"))
        )


def test_workers_reopen_the_store_when_a_new_version_is_published(tmp_path: Path) -> None:
    store = tmp_path / "store"
    _publish(store, "http://example.org/a", fresh=True)
    query = {"query": "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s", "format": "csv"}
    with TestClient(create_app(Settings(store=store, max_concurrent_queries=1))) as client:
        assert client.get("/sparql", params=query).text.split() == ["s", "http://example.org/a"]
        _publish(store, "http://example.org/b", fresh=False)
        assert client.get("/sparql", params=query).text.split() == ["s", "http://example.org/a", "http://example.org/b"]
        _publish(store, "http://example.org/c", fresh=True)
        assert client.get("/sparql", params=query).text.split() == ["s", "http://example.org/c"]
        description = client.get("/sparql", headers={"Accept": "application/n-triples"}).text
        assert '<http://rdfs.org/ns/void#triples> "1"^^<http://www.w3.org/2001/XMLSchema#integer>' in description


def test_a_store_never_loaded_answers_empty(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(store=tmp_path / "nothing", max_concurrent_queries=1))) as client:
        assert client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is False


def test_a_worker_that_died_while_idle_is_replaced(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(store=tmp_path / "empty", max_concurrent_queries=1))) as client:
        pool = client.app.state.queries
        assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200
        (worker,) = pool._idle
        worker.process.kill()
        worker.process.join(5)
        first = client.get("/sparql", params={"query": "ASK {}"})
        assert first.status_code == 503 and "replaced" in first.text
        assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200


def test_sparql_is_served_beside_fastapi_with_the_same_answers_and_headers(tmp_path: Path) -> None:
    """GET and POST /sparql skip FastAPI's routing (server.app.PortalApp); behind a proxy's root path,
    with CORS, and through the FastAPI route the direct path falls back on, the answer is the same."""
    _publish(tmp_path / "store", "http://example.org/a", fresh=True)
    app = create_app(Settings(store=tmp_path / "store", max_concurrent_queries=1, cors_origins=["*"]))
    query = {"query": "SELECT ?s WHERE { ?s ?p ?o }", "format": "csv"}
    with TestClient(app, root_path="/portal") as client:
        direct = client.get("/portal/sparql", params=query, headers={"Origin": "https://yasgui.example.org"})
        assert direct.text.split() == ["s", "http://example.org/a"]
        assert direct.headers["access-control-allow-origin"] == "*"
        posted = client.post("/portal/sparql", content=query["query"], headers={"Content-Type": QUERY_TYPE})
        assert posted.status_code == 200 and "http://example.org/a" in posted.text
        assert client.put("/portal/sparql", content="x").status_code == 405  # not the direct path's: FastAPI's
        saved, app.sparql = app.sparql, None  # what FastAPI alone answers
        try:
            routed = client.get("/portal/sparql", params=query, headers={"Origin": "https://yasgui.example.org"})
        finally:
            app.sparql = saved
    assert (routed.status_code, routed.text) == (direct.status_code, direct.text)
    assert routed.headers["content-type"] == direct.headers["content-type"]
    assert routed.headers["access-control-allow-origin"] == direct.headers["access-control-allow-origin"]


def test_a_fault_of_ours_on_sparql_is_a_500_and_the_next_request_is_served(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(Settings(store=tmp_path / "empty", max_concurrent_queries=1))
    endpoint = app.sparql.app  # type: ignore[union-attr]  # the SparqlEndpoint behind CORS

    async def broken(request: object, params: object) -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        monkeypatch.setattr(endpoint, "_query", broken)
        response = client.get("/sparql", params={"query": "ASK {}"})
        assert response.status_code == 500 and "server's log" in response.text
        assert "a bug" not in response.text  # internals stay in the log
        assert any("a bug" in (r.exc_text or "") for r in caplog.records)
        monkeypatch.undo()
        assert client.get("/sparql", params={"query": "ASK {}"}).json()["boolean"] is True


def test_the_pool_works_with_pipe_descriptors_above_1023(tmp_path: Path) -> None:
    """A busy server has many connections open, so a replacement worker's pipe can get a descriptor
    number past select()'s limit of 1023; waiting on it (threads, the event loop) must still work."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(2048, hard), hard))
    filler = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    try:
        pool = QueryPool(tmp_path / "store", size=1, timeout=20, max_result_bytes=1 << 20, queue_wait=20, max_queued=4)
        pool.start()
        try:
            (worker,) = pool._idle
            assert worker.fd > 1023
            assert pool.execute(QueryTask("ASK {}", results_format="csv")).body.decode().split()[-1] == "true"
            run = anyio.run(pool.open, QueryTask("ASK {}"))
            assert run.done and json.loads(b"".join(run.take_buffered()))["boolean"] is True
        finally:
            pool.close()
    finally:
        for fd in filler:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_queries_queued_in_the_event_loop_get_freed_workers_and_a_cancelled_one_leaves_the_queue(
    tmp_path: Path,
) -> None:
    pool = QueryPool(tmp_path / "store", size=1, timeout=20, max_result_bytes=1 << 20, queue_wait=20, max_queued=4)
    pool.start()
    try:
        held = pool.start_query(QueryTask("ASK {}"))  # the only worker, taken by a thread's query
        answered: list[str] = []

        async def until(condition) -> None:
            with anyio.fail_after(10):
                while not condition():
                    await anyio.sleep(0.01)

        async def ask(name: str) -> None:
            run = await pool.open(QueryTask("ASK {}"))
            assert run.done and json.loads(b"".join(run.take_buffered()))["boolean"] is True
            answered.append(name)

        async def main() -> None:
            leaving = anyio.CancelScope()

            async def first() -> None:
                with leaving:  # its client goes away while it waits
                    await ask("first")

            async with anyio.create_task_group() as group:
                group.start_soon(first)
                await until(lambda: pool._waiting == 1)
                group.start_soon(ask, "second")
                await until(lambda: pool._waiting == 2)
                leaving.cancel()
                await until(lambda: pool._waiting == 1)
                # the thread's query ends: its worker goes to the waiting task, woken from that thread
                await anyio.to_thread.run_sync(held.prefetch, float("inf"))

        anyio.run(main)
        assert answered == ["second"]
        assert len(pool._idle) == 1 and not pool._busy and pool._waiting == 0  # the worker came back
    finally:
        pool.close()
