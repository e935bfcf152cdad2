"""Real SPARQL clients against the running server: SPARQLWrapper and rdflib's SPARQLStore."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, POST, TSV, TURTLE, XML, SPARQLWrapper

from tests.server.conftest import BULK_GRAPH, Server

ITEM_0 = "http://example.org/item/0"
VALUE = "http://example.org/value"
DATA1 = "http://kasei.us/2009/09/sparql/data/data1.rdf"


def wrapper(server: Server, query: str, fmt: str, method: str | None = None) -> SPARQLWrapper:
    sparql = SPARQLWrapper(server.sparql)
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    if method:
        sparql.setMethod(method)
    return sparql


def as_graph(result: Graph | bytes | str, fmt: str) -> Graph:
    """SPARQLWrapper converts RDF/XML to a Graph but leaves Turtle and JSON-LD as text."""
    if isinstance(result, Graph):
        return result
    return Graph().parse(data=result, format={TURTLE: "turtle", JSONLD: "json-ld"}[fmt])


@pytest.mark.parametrize("method", [None, POST])
def test_sparqlwrapper_select_json(server: Server, method: str | None) -> None:
    query = f"SELECT ?v WHERE {{ <{ITEM_0}> <{VALUE}> ?v }}"
    result = wrapper(server, query, JSON, method).queryAndConvert()
    assert result["results"]["bindings"] == [
        {"v": {"type": "literal", "value": "0", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}
    ]


def test_sparqlwrapper_select_xml_csv_tsv(server: Server) -> None:
    query = f"SELECT ?v WHERE {{ <{ITEM_0}> <{VALUE}> ?v }}"
    xml = wrapper(server, query, XML).queryAndConvert()  # an xml.dom.minidom document
    assert xml.getElementsByTagName("literal")[0].firstChild.data == "0"
    assert wrapper(server, query, CSV).queryAndConvert().decode().splitlines() == ["v", "0"]
    assert wrapper(server, query, TSV).queryAndConvert().decode().splitlines() == ["?v", "0"]


def test_sparqlwrapper_ask(server: Server) -> None:
    assert wrapper(server, f"ASK {{ GRAPH <{DATA1}> {{ ?s a ?type }} }}", JSON).queryAndConvert()["boolean"] is True
    xml = wrapper(server, "ASK { <http://example.org/nothing> ?p ?o }", XML).queryAndConvert()
    assert xml.getElementsByTagName("boolean")[0].firstChild.data == "false"


@pytest.mark.parametrize("fmt", [TURTLE, XML, JSONLD])
def test_sparqlwrapper_construct(server: Server, fmt: str) -> None:
    query = f"CONSTRUCT {{ ?s <{VALUE}> ?v }} WHERE {{ ?s <{VALUE}> ?v FILTER(?v < 3) }}"
    graph = as_graph(wrapper(server, query, fmt).queryAndConvert(), fmt)
    assert {int(o) for o in graph.objects(None, URIRef(VALUE))} == {0, 1, 2}


def test_sparqlwrapper_describe(server: Server) -> None:
    graph = as_graph(wrapper(server, f"DESCRIBE <{ITEM_0}>", TURTLE).queryAndConvert(), TURTLE)
    assert (URIRef(ITEM_0), URIRef(VALUE), Literal(0)) in graph


def test_rdflib_sparqlstore(server: Server) -> None:
    graph = Graph(store=SPARQLStore(server.sparql, returnFormat="json"))
    rows = list(graph.query(f"SELECT ?s ?v WHERE {{ ?s <{VALUE}> ?v FILTER(?v < 2) }} ORDER BY ?v"))
    assert [(str(s), int(v)) for s, v in rows] == [(ITEM_0, 0), ("http://example.org/item/1", 1)]
    assert (URIRef(ITEM_0), URIRef(VALUE), Literal(0)) in graph  # an ASK underneath
    assert graph.query("ASK { ?s ?p ?o }").askAnswer is True
    triples = list(graph.triples((URIRef(ITEM_0), None, None)))
    assert triples == [(URIRef(ITEM_0), URIRef(VALUE), Literal(0))]


def test_rdflib_sparqlstore_named_graphs(server: Server) -> None:
    store = SPARQLStore(server.sparql)
    contexts = {str(getattr(c, "identifier", c)) for c in store.contexts()}  # SELECT DISTINCT ?g { GRAPH ?g {...} }
    assert {BULK_GRAPH, DATA1} <= contexts
    result = Graph(store=store).query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{DATA1}> {{ ?s ?p ?o }} }}")
    assert [int(row[0]) for row in result] == [1]
