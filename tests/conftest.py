"""Shared fixtures: paths to the bundled real records, and RDF helpers for assertions."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest
import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from covid_portal import resources

ROOT = Path(__file__).resolve().parent.parent
RECORDS = ROOT / "data" / "records"
TEST_DATA = ROOT / "tests" / "data"


def to_rdflib_term(term: NamedNode | BlankNode | Literal) -> rdflib.term.Node:
    if isinstance(term, NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    if term.datatype.value == "http://www.w3.org/2001/XMLSchema#string":
        # a simple literal: rdflib keeps it untyped, as in the shapes' sh:in lists (RDF 1.1: the same term)
        return rdflib.Literal(term.value)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def to_rdflib(triples: Iterable[Triple]) -> rdflib.Graph:
    graph = rdflib.Graph()
    for t in triples:
        graph.add((to_rdflib_term(t.subject), to_rdflib_term(t.predicate), to_rdflib_term(t.object)))
    return graph


def shapes_graph() -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(resources.path(*resources.SHAPES), format="turtle")
    extra = resources.path(*resources.HAND_SHAPES)
    if extra.exists():
        graph.parse(extra, format="turtle")
    return graph


_SHAPES: rdflib.Graph | None = None


def shacl_report(data: rdflib.Graph) -> tuple[bool, str]:
    """(conforms, report text) of ``data`` against the generated and hand-written shapes, by pyshacl."""
    import pyshacl

    global _SHAPES
    if _SHAPES is None:
        _SHAPES = shapes_graph()
    conforms, _, text = pyshacl.validate(data, shacl_graph=_SHAPES, inference="none", advanced=True)
    return bool(conforms), str(text)


@pytest.fixture(scope="session")
def records_dir() -> Path:
    return RECORDS
