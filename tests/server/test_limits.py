"""Limits and status codes of /sparql on the running server: time limit (really stopping the work),
concurrency cap, SERVICE allow-list, body and result size, 403/406/413/415, CORS, the dataset rules.

The server (see conftest) has a 2 s query timeout, 2 workers, a 64 KiB body limit, a 256 KiB result
limit and its own endpoint as its only SERVICE partner.
"""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from tests.server.conftest import BULK_GRAPH, BULK_TRIPLES, MAX_BODY_BYTES, QUERY_TIMEOUT, QUEUE_WAIT, WORKERS, Server
from tests.server.procs import HAVE_PROC, alive, cpu_seconds, descendants

VALUE = "http://example.org/value"
EXPLOSIVE = (  # 3000^3 solutions to count: hours of work
    f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a <{VALUE}> ?x . ?b <{VALUE}> ?y . ?c <{VALUE}> ?z }}"
)
DATA1 = "http://kasei.us/2009/09/sparql/data/data1.rdf"
DATA2 = "http://kasei.us/2009/09/sparql/data/data2.rdf"


def ask(client: httpx.Client, query: str, **params: str | list[str]) -> bool:
    response = client.get("/sparql", params={"query": query, **params})
    assert response.status_code == 200, response.text
    return response.json()["boolean"]


def run_in_thread(client: httpx.Client, query: str) -> tuple[threading.Thread, dict]:
    result: dict = {}

    def target() -> None:
        started = time.monotonic()
        result["response"] = client.get("/sparql", params={"query": query})
        result["elapsed"] = time.monotonic() - started

    thread = threading.Thread(target=target)
    thread.start()
    return thread, result


def wait_for_idle_workers(client: httpx.Client) -> None:
    """Replacement workers of earlier tests may still be starting: wait until a query finds one up."""
    assert ask(client, "ASK {}")


# --------------------------------------------------------------------------- time limit
@pytest.mark.skipif(not HAVE_PROC, reason="reads worker processes from /proc")
def test_runaway_query_is_stopped_and_its_cpu_freed(server: Server, client: httpx.Client) -> None:
    wait_for_idle_workers(client)
    thread, result = run_in_thread(client, EXPLOSIVE)
    time.sleep(1.0)
    # the worker burning CPU on the explosive query
    busy = max(descendants(server.process.pid), key=cpu_seconds)
    before = cpu_seconds(busy)
    time.sleep(0.5)
    assert cpu_seconds(busy) - before > 0.05, "the explosive query should be running"

    # a simple query meanwhile is answered promptly by the other worker, not after the explosive one
    started = time.monotonic()
    assert ask(client, f"ASK {{ ?s <{VALUE}> 0 }}") is True
    prompt = time.monotonic() - started
    assert prompt < 1.5 and not result, f"the simple query took {prompt:.2f} s"

    thread.join()
    response = result["response"]
    assert response.status_code == 503
    assert f"time limit of {QUERY_TIMEOUT:g} s" in response.text
    assert QUERY_TIMEOUT <= result["elapsed"] < QUERY_TIMEOUT + 2, result["elapsed"]
    time.sleep(0.2)
    assert not alive(busy), "the worker of a timed-out query must be killed, not abandoned"


def test_concurrency_cap_gives_503_with_retry_after(server: Server, client: httpx.Client) -> None:
    wait_for_idle_workers(client)
    running = [run_in_thread(client, EXPLOSIVE) for _ in range(WORKERS)]
    time.sleep(0.8)
    started = time.monotonic()
    response = client.get("/sparql", params={"query": "ASK {}"})
    assert time.monotonic() - started >= QUEUE_WAIT  # it queued for a worker before giving up
    assert response.status_code == 503
    assert "busy" in response.text
    assert 1 <= int(response.headers["retry-after"]) <= QUERY_TIMEOUT
    for thread, result in running:
        thread.join()
        assert result["response"].status_code == 503
    wait_for_idle_workers(client)  # the pool recovers: killed workers were replaced


# --------------------------------------------------------------------------- SERVICE
@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://unlisted.example.org/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE SILENT <http://unlisted.example.org/sparql> { ?s ?p ?o } }",
        "PREFIX ep: <http://unlisted.example.org/> SELECT * WHERE { service ep:sparql { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o . # comment\n SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o .SERVICE <http://unlisted.example.org/sparql> { ?s ?p ?o } }",
    ],
)
def test_service_to_an_unlisted_endpoint_is_refused(client: httpx.Client, query: str) -> None:
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 400
    assert "is not allowed" in response.text and "COVID_PORTAL_SERVICE_PARTNERS" in response.text


def test_service_glued_to_a_literal_is_refused(client: httpx.Client) -> None:
    # Oxigraph reads "1SERVICE" as "1 SERVICE": the scanner must not let it through
    query = "SELECT * WHERE { ?s ?p 1SERVICE <http://unlisted.example.org/sparql> { ?s ?p ?o } }"
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 400
    assert "SERVICE keyword" in response.text


def test_service_with_a_variable_is_refused(client: httpx.Client, server: Server) -> None:
    query = f"SELECT * WHERE {{ BIND(<{server.sparql}> AS ?ep) SERVICE ?ep {{ ?s ?p ?o }} }}"
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 400
    assert "variable" in response.text


def test_service_words_in_strings_and_comments_are_not_clauses(client: httpx.Client) -> None:
    query = 'ASK { BIND("SERVICE <http://unlisted.example.org/>" AS ?x) } # SERVICE <http://unlisted.example.org/>'
    assert ask(client, query) is True


def test_service_to_a_partner_is_executed(client: httpx.Client, server: Server) -> None:
    wait_for_idle_workers(client)
    query = f"SELECT ?v WHERE {{ SERVICE <{server.sparql}> {{ <http://example.org/item/7> <{VALUE}> ?v }} }}"
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 200, response.text
    assert [b["v"]["value"] for b in response.json()["results"]["bindings"]] == ["7"]


# --------------------------------------------------------------------------- request checks
def test_oversized_body_is_413(client: httpx.Client) -> None:
    query = "ASK {} #" + "x" * MAX_BODY_BYTES
    response = client.post("/sparql", content=query, headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 413
    assert "COVID_PORTAL_MAX_BODY_BYTES" in response.text
    form = client.post("/sparql", data={"query": query})
    assert form.status_code == 413


def test_oversized_chunked_body_is_413(client: httpx.Client) -> None:
    def chunks():  # no Content-Length: the limit is enforced while reading
        for _ in range(MAX_BODY_BYTES // 1024 + 2):
            yield b"#" + b"x" * 1023

    response = client.post("/sparql", content=chunks(), headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 413


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", "application/sparql-results+json"])
def test_wrong_content_type_is_415(client: httpx.Client, content_type: str) -> None:
    response = client.post("/sparql", content=b"ASK {}", headers={"Content-Type": content_type})
    assert response.status_code == 415
    assert "application/sparql-query" in response.text


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        ("SELECT * WHERE { ?s ?p ?o } LIMIT 1", "image/png"),
        ("SELECT * WHERE { ?s ?p ?o } LIMIT 1", "text/turtle"),
        ("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", "application/sparql-results+json"),
        (
            "ASK {}",
            "application/sparql-results+json;q=0, text/csv;q=0, text/tab-separated-values;q=0, "
            "application/sparql-results+xml;q=0",
        ),
    ],
)
def test_no_acceptable_format_is_406(client: httpx.Client, query: str, accept: str) -> None:
    response = client.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert response.status_code == 406
    assert "available" in response.text


def test_format_parameter(client: httpx.Client) -> None:
    select = "SELECT ?v WHERE { <http://example.org/item/1> <http://example.org/value> ?v }"
    response = client.get("/sparql", params={"query": select, "format": "tsv"}, headers={"Accept": "application/json"})
    assert response.headers["content-type"].startswith("text/tab-separated-values")
    assert response.text.splitlines() == ["?v", "1"]
    response = client.get("/sparql", params={"query": select, "format": "application/sparql-results+xml"})
    assert response.headers["content-type"] == "application/sparql-results+xml"
    assert client.get("/sparql", params={"query": select, "format": "ttl"}).status_code == 406
    bad = client.get("/sparql", params={"query": select, "format": "pdf"})
    assert bad.status_code == 400 and "unknown format" in bad.text


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [
        ("ttl", "text/turtle"),
        ("nt", "application/n-triples"),
        ("nq", "application/n-quads"),
        ("rdf", "application/rdf+xml"),
        ("jsonld", "application/ld+json"),
        ("json", "application/ld+json"),
        ("xml", "application/rdf+xml"),
    ],
)
def test_construct_formats(client: httpx.Client, fmt: str, media_type: str) -> None:
    query = "CONSTRUCT WHERE { <http://example.org/item/1> ?p ?o }"
    response = client.get("/sparql", params={"query": query, "format": fmt})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert "http://example.org/item/1" in response.text


def test_q_values_decide(client: httpx.Client) -> None:
    select = "SELECT (1 AS ?one) {}"
    accept = "application/sparql-results+json;q=0.5, text/csv, */*;q=0.1"
    response = client.get("/sparql", params={"query": select}, headers={"Accept": accept})
    assert response.headers["content-type"].startswith("text/csv")
    construct = "CONSTRUCT { <http://example.org/s> <http://example.org/p> 1 } WHERE {}"
    accept = "text/turtle;q=0.8, application/n-quads;q=0.9"
    response = client.get("/sparql", params={"query": construct}, headers={"Accept": accept})
    assert response.headers["content-type"] == "application/n-quads"


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"method": "GET", "params": {"update": "CLEAR ALL"}},
        {"method": "POST", "data": {"update": "CLEAR ALL"}},
        {"method": "POST", "content": b"CLEAR ALL", "headers": {"Content-Type": "application/sparql-update"}},
        {
            "method": "POST",
            "params": {"update": "CLEAR ALL"},
            "content": b"ASK {}",
            "headers": {"Content-Type": "application/sparql-query"},
        },
    ],
)
def test_update_is_403(client: httpx.Client, request_kwargs: dict) -> None:
    method = request_kwargs.pop("method")
    response = client.request(method, "/sparql", **request_kwargs)
    assert response.status_code == 403
    assert "read-only" in response.text and "covid-portal load" in response.text


def test_readable_400s(client: httpx.Client) -> None:
    syntax = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p }"})
    assert syntax.status_code == 400 and "syntax error" in syntax.text
    several = client.get("/sparql", params={"query": ["ASK {}", "ASK {}"]})
    assert several.status_code == 400 and "2 'query' parameters" in several.text
    missing = client.post("/sparql", data={"default-graph-uri": DATA1})
    assert missing.status_code == 400 and "no query" in missing.text
    utf16 = client.post(
        "/sparql", content="ASK {}".encode("utf-16"), headers={"Content-Type": "application/sparql-query"}
    )
    assert utf16.status_code == 400 and "UTF-8" in utf16.text
    latin1 = client.post(
        "/sparql", content=b'ASK { ?s ?p "caf\xe9" }', headers={"Content-Type": "application/sparql-query"}
    )
    assert latin1.status_code == 400 and "UTF-8" in latin1.text
    bad_iri = client.get("/sparql", params={"query": "ASK {}", "default-graph-uri": "not an iri"})
    assert bad_iri.status_code == 400 and "default-graph-uri" in bad_iri.text


def test_result_over_the_size_limit_is_stopped(client: httpx.Client) -> None:
    response = client.get("/sparql", params={"query": f"SELECT * WHERE {{ GRAPH <{BULK_GRAPH}> {{ ?s ?p ?o }} }}"})
    assert response.status_code == 422
    assert "COVID_PORTAL_MAX_RESULT_BYTES" in response.text


# --------------------------------------------------------------------------- dataset rules
def test_default_graph_is_the_union_of_all_graphs(client: httpx.Client) -> None:
    assert ask(client, f"ASK {{ <{DATA1}> a ?t . <{DATA2}> a ?t }}") is True
    count = client.get("/sparql", params={"query": f"SELECT (COUNT(*) AS ?n) {{ ?s <{VALUE}> ?o }}"}).json()
    assert count["results"]["bindings"][0]["n"]["value"] == str(BULK_TRIPLES)


def test_protocol_dataset_restricts(client: httpx.Client) -> None:
    both = f"ASK {{ <{DATA1}> a ?t . <{DATA2}> a ?t }}"
    assert ask(client, both, **{"default-graph-uri": DATA1}) is False
    assert ask(client, both, **{"default-graph-uri": [DATA1, DATA2]}) is True
    # named graphs only: the default graph is empty, and only the named graphs given are visible
    assert ask(client, "ASK { ?s ?p ?o }", **{"named-graph-uri": DATA1}) is False
    assert ask(client, f"ASK {{ GRAPH <{DATA2}> {{ ?s ?p ?o }} }}", **{"named-graph-uri": DATA1}) is False
    assert ask(client, f"ASK {{ GRAPH <{DATA1}> {{ ?s ?p ?o }} }}", **{"named-graph-uri": DATA1}) is True


def test_from_clauses_and_their_override(client: httpx.Client) -> None:
    query = f"ASK FROM <{DATA1}> {{ <{DATA2}> a ?t }}"
    assert ask(client, query) is False  # FROM replaces the union
    assert ask(client, f"ASK FROM <{DATA1}> {{ <{DATA1}> a ?t }}") is True
    assert ask(client, query, **{"default-graph-uri": DATA2}) is True  # the protocol dataset overrides FROM


# --------------------------------------------------------------------------- browsers and docs
def test_cors(client: httpx.Client) -> None:
    preflight = client.options(
        "/sparql",
        headers={
            "Origin": "https://yasgui.example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    response = client.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://yasgui.example.org"})
    assert response.headers["access-control-allow-origin"] == "*"


def test_openapi_documents_the_endpoint(client: httpx.Client) -> None:
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    operations = spec["paths"]["/sparql"]
    assert {"get", "post"} <= set(operations)
    assert "text/turtle" in operations["get"]["responses"]["200"]["content"]
    assert "application/sparql-query" in operations["post"]["requestBody"]["content"]
