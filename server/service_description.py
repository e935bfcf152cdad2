"""The SPARQL 1.1 Service Description of the endpoint (https://www.w3.org/TR/sparql11-service-description/).

Served by ``GET /sparql`` without a query. Every node is typed (sd:Service, sd:Dataset, sd:Graph),
as the W3C validator's best-practice checks ask. The named graphs (one per record) are not
listed: there are too many; the default graph is their union (sd:UnionDefaultGraph).
"""

from __future__ import annotations

import html

import pyoxigraph as ox

from server.negotiation import GRAPH_FORMATS, RESULT_FORMATS, Format
from server.workers import GRAPH_FORMATS as OX_GRAPH_FORMATS

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
DCT = "http://purl.org/dc/terms/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
PREFIXES = {"sd": SD, "void": VOID, "dcterms": DCT, "formats": "http://www.w3.org/ns/formats/"}


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def description(endpoint: str, *, federated: bool, quads: int | None) -> list[ox.Triple]:
    """The description's triples. ``quads``: statements in all graphs (void:triples), None if unknown."""
    service, dataset, graph = ox.BlankNode("service"), ox.BlankNode("dataset"), ox.BlankNode("defaultGraph")
    triples = [
        ox.Triple(service, RDF_TYPE, _sd("Service")),
        ox.Triple(service, _sd("endpoint"), ox.NamedNode(endpoint)),
        ox.Triple(service, ox.NamedNode(DCT + "title"), ox.Literal("covid-portal SPARQL endpoint (read-only)")),
        ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL10Query")),
        ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        ox.Triple(service, _sd("defaultEntailmentRegime"), ox.NamedNode("http://www.w3.org/ns/entailment/Simple")),
        ox.Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
    ]
    if federated:
        triples.append(ox.Triple(service, _sd("feature"), _sd("BasicFederatedQuery")))
    triples += [
        ox.Triple(service, _sd("resultFormat"), ox.NamedNode(fmt.iri))
        for fmt in (*RESULT_FORMATS, *GRAPH_FORMATS)
        if fmt.iri
    ]
    triples += [
        ox.Triple(service, _sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, _sd("Dataset")),
        ox.Triple(dataset, _sd("defaultGraph"), graph),
        ox.Triple(graph, RDF_TYPE, _sd("Graph")),
    ]
    if quads is not None:
        triples += [
            ox.Triple(dataset, RDF_TYPE, ox.NamedNode(VOID + "Dataset")),
            ox.Triple(dataset, ox.NamedNode(VOID + "triples"), ox.Literal(str(quads), datatype=_XSD_INTEGER)),
        ]
    return triples


_XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")


def render(triples: list[ox.Triple], fmt: Format, endpoint: str) -> bytes:
    """The description in an RDF format, or as a small HTML page (``fmt.name == "html"``)."""
    if fmt.name == "html":
        return _html(ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES).decode(), endpoint)
    return ox.serialize(triples, format=OX_GRAPH_FORMATS[fmt.name], prefixes=PREFIXES)


def _html(turtle: str, endpoint: str) -> bytes:
    endpoint = html.escape(endpoint)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>covid-portal SPARQL endpoint</title></head>
<body>
<h1>SPARQL endpoint</h1>
<p>Send SPARQL 1.1 queries to <code>{endpoint}</code> (GET or POST, SPARQL 1.1 Protocol). Read-only.</p>
<form method="get" action="{endpoint}">
<textarea name="query" rows="8" cols="80">SELECT * WHERE {{ ?s ?p ?o }} LIMIT 10</textarea><br>
<select name="format"><option>json</option><option>xml</option><option>csv</option><option>tsv</option>
<option>ttl</option><option>jsonld</option></select>
<button type="submit">Run</button>
</form>
<h2>Service description</h2>
<pre>{html.escape(turtle)}</pre>
</body></html>
""".encode()
