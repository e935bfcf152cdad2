"""A record graph's triples as terms (covid_portal.records): written as N-Quads exactly as pyoxigraph
writes them, and read back as the same graph, for hand-made edge cases and for every bundled record."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, Quad

import loaders
from covid_portal import iris
from covid_portal.pipeline import iter_files, provenance
from covid_portal.records import RDF_TYPE, RecordError, RecordGraph, nquads
from covid_portal.terms import C, S
from covid_portal.validate import default_validator
from tests.conftest import RECORDS

XSD = "http://www.w3.org/2001/XMLSchema#"
GRAPH = NamedNode("https://example.org/record/test/1")
ACTIVITY = NamedNode("https://example.org/run/1")


def _serialized(terms: list, graph: NamedNode) -> bytes:
    return ox.serialize([Quad(s, p, o, graph) for s, p, o in terms], format=ox.RdfFormat.N_QUADS) or b""


EDGE_CASES = [
    (NamedNode("https://example.org/a"), S.title.node, Literal('quote " backslash \\ newline \n tab \t cr \r')),
    (NamedNode("https://example.org/a"), S.title.node, Literal("control \u0001 \u007f and \u00e9 \u4e2d \U0001f600")),
    (NamedNode("https://example.org/a"), S.title.node, Literal("Spike glycoprotein", language="en")),
    (NamedNode("https://example.org/a"), S.title.node, Literal("Glykoprotein", language="de-CH")),
    (NamedNode("https://example.org/a"), S.title.node, Literal("2020-03-01", datatype=NamedNode(XSD + "date"))),
    (NamedNode("https://example.org/a"), S.title.node, Literal("12", datatype=NamedNode(XSD + "integer"))),
    (NamedNode("https://example.org/a"), S.title.node, Literal("plain", datatype=NamedNode(XSD + "string"))),
    (NamedNode("https://example.org/a"), S.title.node, Literal("")),
    (NamedNode("https://example.org/a%20b?q=1&r=%C3%A9#frag"), S.same_as.node, NamedNode("urn:uuid:1234")),
    (NamedNode("https://example.org/\u00e9t\u00e9"), S.same_as.node, NamedNode("https://example.org/x")),
    (BlankNode(), S.title.node, Literal("blank subject")),
    (NamedNode("https://example.org/a"), S.same_as.node, BlankNode("b0")),
]


def test_nquads_are_pyoxigraphs_own_serialization() -> None:
    assert nquads(EDGE_CASES, GRAPH) == _serialized(EDGE_CASES, GRAPH)
    assert nquads([], GRAPH) == b""


def test_nquads_parse_back_to_the_same_quads() -> None:
    parsed = list(ox.parse(nquads(EDGE_CASES, GRAPH), format=ox.RdfFormat.N_QUADS))
    assert parsed == [Quad(s, p, o, GRAPH) for s, p, o in EDGE_CASES]


def _record_graphs() -> list[tuple[str, RecordGraph]]:
    out = []
    for path in iter_files([RECORDS]):
        detected = loaders.detect(path, None)
        if detected is None:
            continue
        loader, fmt = detected
        for item in loader.parse(path, fmt):
            if isinstance(item, RecordError):
                continue
            try:
                out.append((path.name, loader.to_rdf(item)))
            except RecordError:
                continue
    return out


@pytest.fixture(scope="module")
def record_graphs() -> list[tuple[str, RecordGraph]]:
    graphs = _record_graphs()
    assert len(graphs) > 300  # every bundled source, not a few records
    return graphs


def test_every_bundled_record_is_written_as_pyoxigraph_writes_it(record_graphs) -> None:
    validator = default_validator()
    for name, rg in record_graphs:
        graph = iris.record_graph(rg.source, rg.record_id)
        terms = rg.terms + provenance(rg, graph, ACTIVITY, name, "2024-01-01T00:00:00Z")
        assert nquads(terms, graph) == _serialized(terms, graph), (name, rg.record_id)
        # the terms and the Triple objects built from them are one graph, and validate alike
        assert [(t.subject, t.predicate, t.object) for t in rg.triples] == rg.terms
        assert validator.check_terms(terms) == validator.check([ox.Triple(*t) for t in terms])


def test_deduplicate_keeps_the_first_of_each_triple_in_order() -> None:
    a, b = NamedNode("https://example.org/a"), NamedNode("https://example.org/b")
    rg = RecordGraph(topic=a, source="test", record_id="1")
    rg.type(a, C.Protein)
    rg.add(a, S.title, "one")
    rg.add(a, S.title, ["two", "one"])
    rg.link(a, S.same_as, b, C.Protein)
    rg.type(b, C.Protein)
    rg.deduplicate()
    assert rg.terms == [
        (a, RDF_TYPE, C.Protein.node),
        (a, S.title.node, Literal("one")),
        (a, S.title.node, Literal("two")),
        (a, S.same_as.node, b),
        (b, RDF_TYPE, C.Protein.node),
    ]
