"""VoID statistics of the graph, computed when a load publishes a new version: by the queries below
from the store, or, for a version that started from an empty graph, by the same counts over the facts
the load kept (``covid_portal.index_facts``); :func:`describe` makes the quads either way.

The description lives in its own named graph (``VOID_GRAPH``), so the server serves it without
recomputing. It has one ``void:Dataset`` per source with its triples, distinct entities and a
class partition, plus a ``void:Linkset`` for each pair of sources and linking predicate.
"""

from __future__ import annotations

import hashlib

import pyoxigraph as ox
from pyoxigraph import Literal, NamedNode, Quad

from covid_portal import iris

VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD_INTEGER = NamedNode("http://www.w3.org/2001/XMLSchema#integer")
VOID_GRAPH = NamedNode(iris.PORTAL_BASE + "void")
PORTAL_DATASET = NamedNode(iris.PORTAL_BASE + "dataset")

_PREFIXES = """
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
"""

TRIPLES_PER_SOURCE = (
    _PREFIXES
    + """
SELECT ?source (COUNT(*) AS ?triples) (COUNT(DISTINCT ?g) AS ?records) WHERE {
  GRAPH ?g { ?g dct:source ?source . ?s ?p ?o }
} GROUP BY ?source
"""
)

CLASSES_PER_SOURCE = (
    _PREFIXES
    + """
SELECT ?source ?class (COUNT(DISTINCT ?topic) AS ?entities) WHERE {
  GRAPH ?g { ?g foaf:primaryTopic ?topic ; dct:source ?source . ?topic a ?class }
} GROUP BY ?source ?class
"""
)

# For each record's topic, its triples, then (object index) whether the object is another source's
# topic. Oxigraph evaluates this as nested loops, in memory that does not depend on the store's size.
# A form that starts from all topics (a sub-select joined to ``GRAPH ?g { ?s ?p ?o }``) is 2.2x
# faster, but Oxigraph hash-joins it on the triples' side: 165 MB at 10k records, 980 MB at 100k.
# The counts are identical (docs/benchmarks.md).
LINKSETS = (
    _PREFIXES
    + """
SELECT ?from ?to ?p (COUNT(*) AS ?links) WHERE {
  GRAPH ?g { ?g foaf:primaryTopic ?s ; dct:source ?from . ?s ?p ?o }
  GRAPH ?h { ?h foaf:primaryTopic ?o ; dct:source ?to }
  FILTER(?from != ?to)
} GROUP BY ?from ?to ?p
"""
)


def _v(term: str) -> NamedNode:
    return NamedNode(VOID + term)


def _int(value: int) -> Literal:
    return Literal(str(value), datatype=XSD_INTEGER)


# rows of the three counts: (source, triples, records), (source, class, entities), (from, to, predicate, links)
TripleRow = tuple[NamedNode, int, int]
ClassRow = tuple[NamedNode, NamedNode, int]
LinkRow = tuple[NamedNode, NamedNode, NamedNode, int]


def void_quads(store: ox.Store) -> list[Quad]:
    """The VoID description of everything in ``store`` (which should not yet hold a VOID_GRAPH)."""
    triples = [(r["source"], int(r["triples"].value), int(r["records"].value)) for r in store.query(TRIPLES_PER_SOURCE)]
    classes = [(r["source"], r["class"], int(r["entities"].value)) for r in store.query(CLASSES_PER_SOURCE)]
    links = [(r["from"], r["to"], r["p"], int(r["links"].value)) for r in store.query(LINKSETS)]
    return describe(triples, classes, links)  # type: ignore[arg-type]


def describe(triples: list[TripleRow], classes: list[ClassRow], links: list[LinkRow]) -> list[Quad]:
    """The VoID description from the three counts, however they were counted (the store's queries
    above, or a load's facts: ``covid_portal.index_facts``)."""
    g = VOID_GRAPH
    out: list[Quad] = [Quad(PORTAL_DATASET, RDF_TYPE, _v("Dataset"), g)]
    total = 0
    for source, count, records in triples:
        total += count
        out += [
            Quad(PORTAL_DATASET, _v("subset"), source, g),
            Quad(source, RDF_TYPE, _v("Dataset"), g),
            Quad(source, _v("triples"), _int(count), g),
            Quad(source, _v("documents"), _int(records), g),
        ]
    out.append(Quad(PORTAL_DATASET, _v("triples"), _int(total), g))
    entities: dict[str, int] = {}
    for source, cls, count in classes:
        entities[source.value] = entities.get(source.value, 0) + count
        partition = NamedNode(f"{source.value}/class/{iris.compress(cls.value) or cls.value.rsplit('/', 1)[-1]}")
        out += [
            Quad(source, _v("classPartition"), partition, g),
            Quad(partition, _v("class"), cls, g),
            Quad(partition, _v("entities"), _int(count), g),
        ]
    for source_iri, count in entities.items():
        out.append(Quad(NamedNode(source_iri), _v("entities"), _int(count), g))
    for source, target, predicate, count in links:
        name = f"{source.value.rsplit('/', 1)[-1]}-{target.value.rsplit('/', 1)[-1]}"
        local = predicate.value.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        digest = hashlib.sha1(predicate.value.encode("utf-8")).hexdigest()[:8]  # local names can collide
        linkset = NamedNode(f"{iris.PORTAL_BASE}linkset/{name}/{local}-{digest}")
        out += [
            Quad(linkset, RDF_TYPE, _v("Linkset"), g),
            Quad(linkset, _v("subjectsTarget"), source, g),
            Quad(linkset, _v("objectsTarget"), target, g),
            Quad(linkset, _v("linkPredicate"), predicate, g),
            Quad(linkset, _v("triples"), _int(count), g),
            Quad(PORTAL_DATASET, _v("subset"), linkset, g),
        ]
    return out
