"""Federated SPARQL across three real nodes: same answer as one store, partial answers, refusals."""

from __future__ import annotations

import os
import signal
import threading
import time

import httpx
import pytest

from covid_portal import examples
from tests.conftest import running_server
from tests.federation.conftest import SERVICE_TIMEOUT, Federation, rows, store_rows

FEDERATED = examples.federated_examples()


def test_there_are_federated_examples_calling_every_node() -> None:
    assert len(FEDERATED) >= 2
    called = {node for example in FEDERATED for node in examples.nodes(example.query)}
    assert called == {"central", "nl", "dk"}
    for example in FEDERATED:
        assert example.expectations, example.name


@pytest.mark.parametrize("example", FEDERATED, ids=lambda e: e.name)
@pytest.mark.parametrize("at", ["central", "dk"])
def test_federated_answer_equals_the_union_store(federation: Federation, sparql, example, at: str) -> None:
    query = examples.substitute(example.query, federation.endpoints)
    response = sparql(at, query)
    assert response.status_code == 200, response.text
    assert "warning" not in response.headers
    federated = rows(response.content)
    assert federated, f"{example.name}: empty federated answer"
    assert federated == store_rows(federation.union, examples.unfederate(example.query))
    for expectation in example.expectations:
        assert any(f"{expectation.variable}=" in cell and expectation.value.strip('"') in cell
                   for row in federated for cell in row), expectation  # fmt: skip


def test_a_service_endpoint_that_is_not_a_partner_is_refused(federation: Federation, sparql) -> None:
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    response = sparql("central", query)
    assert response.status_code == 400
    assert "not allowed" in response.text and federation.endpoints["nl"] in response.text


def _partial_query(federation: Federation) -> tuple[str, list[tuple[str, ...]]]:
    """Example 02 with its national node replaced by the victim, and the answer without that node."""
    example = examples.get_federated("02-protein-structures-and-national-proteomics")
    endpoints = {**federation.endpoints, "nl": federation.endpoints["victim"]}
    central_only = examples.unfederate(example.query.split("  OPTIONAL {\n    SERVICE SILENT")[0]) + "}\n"
    expected = store_rows(federation.stores["central"], central_only)
    return examples.substitute(example.query, endpoints), expected


def test_a_partner_killed_mid_query_gives_a_partial_answer_with_a_warning(federation: Federation, sparql) -> None:
    query, expected = _partial_query(federation)
    with running_server(federation.stores["nl"], port=federation.victim_port) as victim:
        # the victim answers first (the query is a real federated one), then freezes and is killed mid-query
        assert sparql("central", query).headers.get("warning") is None
        os.kill(victim.process.pid, signal.SIGSTOP)
        result: dict[str, object] = {}
        thread = threading.Thread(target=lambda: result.update(response=sparql("central", query, timeout=30)))
        started = time.monotonic()
        thread.start()
        time.sleep(1.0)  # the SERVICE call is now waiting on the frozen node
        os.kill(victim.process.pid, signal.SIGKILL)
        thread.join(30)
        elapsed = time.monotonic() - started
    response = result["response"]
    assert isinstance(response, httpx.Response)
    assert response.status_code == 200, response.text
    assert elapsed < SERVICE_TIMEOUT + 5
    warning = response.headers["warning"]
    assert warning.startswith("199 ") and federation.endpoints["victim"] in warning
    assert federation.endpoints["victim"] in response.headers["x-federation-warnings"]
    assert rows(response.content) == expected  # the central rows, without projects


def test_a_frozen_partner_costs_the_service_timeout_not_the_query_timeout(federation: Federation, sparql) -> None:
    query, expected = _partial_query(federation)
    with running_server(federation.stores["nl"], port=federation.victim_port) as victim:
        os.kill(victim.process.pid, signal.SIGSTOP)
        try:
            started = time.monotonic()
            response = sparql("central", query, timeout=30)
            elapsed = time.monotonic() - started
        finally:
            os.kill(victim.process.pid, signal.SIGCONT)
    assert response.status_code == 200
    assert SERVICE_TIMEOUT - 0.5 < elapsed < SERVICE_TIMEOUT + 5
    assert "time limit" in response.headers["warning"]
    assert rows(response.content) == expected


def test_a_down_partner_without_silent_fails_fast_naming_it(federation: Federation, sparql) -> None:
    victim = federation.endpoints["victim"]  # nothing listens there now
    started = time.monotonic()
    response = sparql("central", f"SELECT * WHERE {{ SERVICE <{victim}> {{ ?s ?p ?o }} }}")
    assert response.status_code == 502
    assert victim in response.text and time.monotonic() - started < SERVICE_TIMEOUT
