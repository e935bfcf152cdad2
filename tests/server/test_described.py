"""VoID, the example queries as data, and the example list, served by the running demo server."""

from __future__ import annotations

import httpx
import rdflib
from rdflib import Namespace, URIRef

from covid_portal import examples

VOID = Namespace("http://rdfs.org/ns/void#")
SH = Namespace("http://www.w3.org/ns/shacl#")
DATASET = "https://w3id.org/covid-portal/dataset/"


def test_void_has_per_source_and_per_class_statistics(demo_server) -> None:
    response = httpx.get(demo_server.url + "/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    uniprot = URIRef(DATASET + "uniprot")
    assert int(graph.value(uniprot, VOID.triples)) > 0
    assert int(graph.value(uniprot, VOID.entities)) >= 5  # five UniProt entries in data/records/uniprot
    classes = {graph.value(p, VOID["class"]) for p in graph.objects(uniprot, VOID.classPartition)}
    assert URIRef("http://schema.org/Protein") in classes
    # links between sources: UniProt -> PDB (P0DTC2 lists 6M0J, whose record is loaded)
    linksets = [
        ls
        for ls in graph.subjects(VOID.linkPredicate, URIRef("https://w3id.org/covid-portal/vocab/hasStructure"))
        if graph.value(ls, VOID.subjectsTarget) == uniprot
        and graph.value(ls, VOID.objectsTarget) == URIRef(DATASET + "pdb")
    ]
    assert linksets and int(graph.value(linksets[0], VOID.triples)) >= 1
    assert (None, VOID.sparqlEndpoint, URIRef(demo_server.url + "/sparql")) in graph


def test_void_negotiates_and_refuses(demo_server) -> None:
    jsonld = httpx.get(demo_server.url + "/.well-known/void", headers={"Accept": "application/ld+json"})
    assert jsonld.status_code == 200 and jsonld.headers["content-type"].startswith("application/ld+json")
    assert len(rdflib.Graph().parse(data=jsonld.text, format="json-ld")) > 10
    refused = httpx.get(demo_server.url + "/.well-known/void", headers={"Accept": "image/png"})
    assert refused.status_code == 406


def test_examples_are_published_as_sparql_executables(demo_server) -> None:
    response = httpx.get(demo_server.url + "/.well-known/sparql-examples", params={"format": "ttl"})
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    executables = set(graph.subjects(rdflib.RDF.type, SH.SPARQLExecutable))
    assert len(executables) == len(examples.examples())
    for subject in executables:
        text = graph.value(subject, SH.select) or graph.value(subject, SH.ask) or graph.value(subject, SH.construct)
        assert text and "WHERE" in str(text).upper()
        assert graph.value(subject, rdflib.RDFS.comment)


def test_query_list_and_each_query(demo_server) -> None:
    listing = httpx.get(demo_server.url + "/queries", headers={"Accept": "application/json"}).json()
    assert listing["count"] == len(examples.examples()) >= 15
    first = listing["queries"][0]
    text = httpx.get(first["url"])
    assert text.status_code == 200 and text.headers["content-type"].startswith("application/sparql-query")
    answer = httpx.post(
        demo_server.url + "/sparql",
        content=text.text,
        headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
    )
    assert answer.status_code == 200 and answer.json()["results"]["bindings"]
    assert httpx.get(demo_server.url + "/queries/no-such-query").status_code == 404
    page = httpx.get(demo_server.url + "/queries", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "<h1>" in page.text
