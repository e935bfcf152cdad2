"""Reading facts off a record's RDF in loader tests, whichever form the test holds it in."""

from __future__ import annotations

import rdflib

from covid_portal.records import RDF_TYPE, RecordGraph
from covid_portal.slots import ClassTerm, SlotTerm


def _iri(subject: object) -> str:
    return subject if isinstance(subject, str) else getattr(subject, "value", None) or str(subject)


def values(graph: RecordGraph | rdflib.Graph, subject: object, slot: SlotTerm) -> set[str]:
    """The lexical values of ``subject slot ?o``; ``subject`` as a node (pyoxigraph or rdflib) or an IRI."""
    if isinstance(graph, rdflib.Graph):
        node = subject if isinstance(subject, rdflib.term.Node) else rdflib.URIRef(_iri(subject))
        return {str(o) for o in graph.objects(node, rdflib.URIRef(slot.uri))}
    key = _iri(subject)
    return {t.object.value for t in graph.triples if t.subject.value == key and t.predicate.value == slot.uri}


def typed(graph: RecordGraph, subject: object, cls: ClassTerm) -> bool:
    """Whether the record types ``subject`` with ``cls``."""
    key = _iri(subject)
    return any(t.subject.value == key and t.predicate == RDF_TYPE and t.object.value == cls.uri for t in graph.triples)
