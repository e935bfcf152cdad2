"""The query scanner: SERVICE endpoints and FROM clauses found, strings/IRIs/comments skipped."""

from __future__ import annotations

import pytest

from server.query_scan import ScanError, scan

BASE = "http://node.example.org/sparql"


@pytest.mark.parametrize(
    ("query", "services"),
    [
        ("SELECT * { SERVICE <http://a.example/sparql> { ?s ?p ?o } }", ["http://a.example/sparql"]),
        ("SELECT * { service silent <http://a.example/sparql> {} }", ["http://a.example/sparql"]),
        ("PREFIX e: <http://a.example/> SELECT * { SERVICE e:sp\\.arql {} }", ["http://a.example/sp.arql"]),
        ("PREFIX : <http://a.example/> SELECT * { SERVICE :sparql {} }", ["http://a.example/sparql"]),
        ("BASE <http://b.example/x/> SELECT * { SERVICE <../y> {} }", ["http://b.example/y"]),
        ("SELECT * { SERVICE <other> {} }", ["http://node.example.org/other"]),  # relative to the endpoint
        ("SELECT * { SERVICE <http://a.example/\\u0073parql> {} }", ["http://a.example/sparql"]),
        ("SELECT * { BIND(<x:y> AS ?e) SERVICE ?e {} }", [None]),
        ("SELECT * { SERVICE $e {} }", [None]),
        ('SELECT * { ?s ?p "SERVICE <http://no.example/>" }', []),
        ("SELECT * { ?s ?p '''it's\n SERVICE <http://no.example/>''' }", []),
        ("SELECT * { ?s ?p ?o } # SERVICE <http://no.example/>", []),
        ("SELECT * { ?s <http://x/SERVICE> ?o . ?s ex:SERVICE ?o }", []),
        ("SELECT * { ?s ex:x\\# SERVICE <http://yes.example/> {} }", ["http://yes.example/"]),  # \\# is no comment
        ("SELECT * { FILTER(?a<?b) SERVICE <http://c.example/> {} }", ["http://c.example/"]),
    ],
)
def test_services(query: str, services: list[str | None]) -> None:
    assert scan(query, BASE).services == services


@pytest.mark.parametrize(
    ("query", "has_from"),
    [
        ("SELECT * FROM <http://g> { ?s ?p ?o }", True),
        ("SELECT * FROM NAMED <http://g> { GRAPH ?g { ?s ?p ?o } }", True),
        ("select * from <http://g> { }", True),
        ("SELECT ?from { ?from ex:FROM 'FROM' }", False),
        ("ASK {}", False),
    ],
)
def test_dataset_clause(query: str, has_from: bool) -> None:
    assert scan(query, BASE).has_dataset_clause is has_from


def test_unknown_prefix_in_service() -> None:
    with pytest.raises(ScanError, match="'nope:'"):
        scan("SELECT * { SERVICE nope:x {} }", BASE)


@pytest.mark.parametrize(
    ("query", "services"),
    [  # Oxigraph reads all of these as SERVICE clauses
        ("SELECT * { ?s ?p ?o .SERVICE <http://a.example/> {} }", ["http://a.example/"]),
        ("SELECT * { ?s ?p 1.SERVICE <http://a.example/> {} }", ["http://a.example/"]),
        ('SELECT * { ?s ?p "x"@en.SERVICE <http://a.example/> {} }', ["http://a.example/"]),
        ("SELECT * { ?s ?p [].service <http://a.example/> {} }", ["http://a.example/"]),
        ("SELECT * { ?s ?p ?o.SERVICE <http://a.example/> {} }", ["http://a.example/"]),
        ('SELECT * { ?s ?p "x"@x-service }', []),  # a language tag, not a keyword
        ("SELECT * { ?s ex:webservice ?o }", []),  # a prefixed name
    ],
)
def test_services_glued_to_the_previous_token(query: str, services: list[str]) -> None:
    assert scan(query, BASE).services == services


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { ?s ?p 1SERVICE <http://a.example/> {} }",  # Oxigraph: 1 SERVICE <...>
        "SELECT * { ?s ?p trueSERVICE <http://a.example/> {} }",
        "SELECT * { ?s ?p 1.0SERVICE <http://a.example/> {} }",
        "SELECT * { SERVICE ( <http://a.example/> ) {} }",
        "SELECT * { SERVICE",
    ],
)
def test_unreadable_service_clauses_are_refused(query: str) -> None:
    with pytest.raises(ScanError):
        scan(query, BASE)
