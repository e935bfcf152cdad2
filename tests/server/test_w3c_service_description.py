"""The W3C SPARQL 1.1 Service Description tests (../shared/w3c/sparql/sparql11/service-description/manifest.ttl).

The manifest names three tests without machine-readable actions; their meaning is the W3C
validator's (the SPARQL Working Group's ``sdvalidator``), which this module re-implements:

- ``returns-rdf``: a GET on the endpoint URL, without a query, returns RDF that parses;
- ``has-endpoint-triple``: that RDF has a triple ``?service sd:endpoint <the URL fetched>``;
- ``conforms-to-schema``: every sd:NamedGraph has an sd:name.

Each is run for every RDF format we serve the description in. The validator's optional
best-practice checks (services, datasets and graphs typed; a recognised sd:supportedLanguage; a
dataset with a default or named graph) are run as well, plus what this endpoint promises: the
union default graph feature, a result format for each format it produces, and void:triples.
"""

from __future__ import annotations

import io

import httpx
import pytest
import rdflib
from rdflib import RDF, Namespace, URIRef
from rdflib.collection import Collection

from server.negotiation import GRAPH_FORMATS, RESULT_FORMATS
from tests.server.conftest import BULK_TRIPLES, SD_MANIFEST, Server, manifest_graph_data

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")

FORMATS = {  # media type -> rdflib parser
    "text/turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
}


def manifest_tests() -> list[str]:
    graph = rdflib.Graph().parse(SD_MANIFEST, format="turtle")
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    return [str(entry).rsplit("#", 1)[1] for entry in Collection(graph, graph.value(manifest, MF.entries))]


def fetch(server: Server, media_type: str) -> rdflib.Graph:
    response = httpx.get(server.sparql, headers={"Accept": media_type}, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media_type
    return rdflib.Graph().parse(io.BytesIO(response.content), format=FORMATS[media_type], publicID=server.sparql)


def returns_rdf(graph: rdflib.Graph, server: Server) -> None:
    assert len(graph) > 0


def has_endpoint_triple(graph: rdflib.Graph, server: Server) -> None:
    assert list(graph.subjects(SD.endpoint, URIRef(server.sparql)))


def conforms_to_schema(graph: rdflib.Graph, server: Server) -> None:
    for named_graph in graph.subjects(RDF.type, SD.NamedGraph):
        assert graph.value(named_graph, SD.name) is not None, f"{named_graph} has no sd:name"


CHECKS = {
    "returns-rdf": returns_rdf,
    "has-endpoint-triple": has_endpoint_triple,
    "conforms-to-schema": conforms_to_schema,
}


def test_every_manifest_test_has_a_check() -> None:
    assert manifest_tests() == ["has-endpoint-triple", "returns-rdf", "conforms-to-schema"]
    assert set(manifest_tests()) == set(CHECKS)


@pytest.mark.parametrize("media_type", FORMATS)
@pytest.mark.parametrize("name", manifest_tests())
def test_service_description(name: str, media_type: str, server: Server) -> None:
    CHECKS[name](fetch(server, media_type), server)


def _typed(graph: rdflib.Graph, rdf_class: URIRef, *, domains=(), ranges=()) -> None:
    candidates = {s for p in domains for s in graph.subjects(p, None)}
    candidates |= {o for p in ranges for o in graph.objects(None, p)}
    untyped = [node for node in candidates if (node, RDF.type, rdf_class) not in graph]
    assert not untyped, f"not typed as {rdf_class}: {untyped}"


@pytest.mark.parametrize("media_type", FORMATS)
def test_best_practice(media_type: str, server: Server) -> None:
    graph = fetch(server, media_type)
    _typed(
        graph,
        SD.Service,
        domains=(
            SD.endpoint,
            SD.feature,
            SD.supportedLanguage,
            SD.resultFormat,
            SD.defaultDataset,
            SD.defaultEntailmentRegime,
        ),
    )
    _typed(graph, SD.Dataset, domains=(SD.defaultGraph,), ranges=(SD.defaultDataset,))
    _typed(graph, SD.NamedGraph, domains=(SD.name,), ranges=(SD.namedGraph,))
    _typed(graph, SD.Graph, ranges=(SD.defaultGraph, SD.graph))
    assert SD.SPARQL11Query in set(graph.objects(None, SD.supportedLanguage))
    for dataset in graph.subjects(RDF.type, SD.Dataset):
        assert graph.value(dataset, SD.defaultGraph) or graph.value(dataset, SD.namedGraph)


def test_what_the_endpoint_promises(server: Server) -> None:
    graph = fetch(server, "text/turtle")
    service = graph.value(None, SD.endpoint, URIRef(server.sparql), any=False)
    assert service is not None
    features = set(graph.objects(service, SD.feature))
    assert {SD.UnionDefaultGraph, SD.BasicFederatedQuery} <= features  # the test server has a partner
    formats = set(graph.objects(service, SD.resultFormat))
    assert {URIRef(fmt.iri) for fmt in (*RESULT_FORMATS, *GRAPH_FORMATS)} == formats
    assert SD.SPARQL11Update not in set(graph.objects(service, SD.supportedLanguage))  # read-only
    dataset = graph.value(service, SD.defaultDataset)
    w3c_triples = sum(len(rdflib.Graph().parse(file, format="nt")) for file in manifest_graph_data().values())
    assert graph.value(dataset, VOID.triples).toPython() == BULK_TRIPLES + w3c_triples


def test_html_description_for_browsers(server: Server) -> None:
    response = httpx.get(server.sparql, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "sd:Service" in response.text and '<form method="get"' in response.text


def test_format_parameter_picks_the_description_format(server: Server) -> None:
    response = httpx.get(server.sparql, params={"format": "nt"})
    assert response.headers["content-type"] == "application/n-triples"
    assert f"<{server.sparql}>" in response.text
