"""Self-descriptions of the node: VoID at /.well-known/void, the example queries as data at
/.well-known/sparql-examples, and the list of examples at /queries (and /queries/{name}).

VoID statistics are computed when a load publishes a store version (covid_portal.void) and kept in
their own named graph, so serving them costs one bounded query, never a scan of the store.
"""

from __future__ import annotations

import pyoxigraph as ox
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from covid_portal import examples, iris
from covid_portal.void import PORTAL_DATASET, VOID_GRAPH
from server.config import Settings
from server.fair import base_url, templates
from server.negotiation import GRAPH_FORMATS, HTML, Format, negotiate
from server.workers import GRAPH_FORMATS as RDF_FORMATS
from server.workers import QueryError, QueryPool, QueryTask

VOID = "http://rdfs.org/ns/void#"
DCT = "http://purl.org/dc/terms/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
PREFIXES = {
    "void": VOID,
    "dct": DCT,
    "dcat": "http://www.w3.org/ns/dcat#",
    "sh": "http://www.w3.org/ns/shacl#",
    "schema": "http://schema.org/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
RDF_OFFERS: tuple[Format, ...] = tuple(f for f in GRAPH_FORMATS if f.name != "nq")

VOID_QUERY = f"""
CONSTRUCT {{ ?s ?p ?o }} WHERE {{
  {{ GRAPH <{VOID_GRAPH.value}> {{ ?s ?p ?o }} }}
  UNION
  {{ GRAPH ?ds {{ ?ds a <http://www.w3.org/ns/dcat#Dataset> ; ?p ?o BIND(?ds AS ?s) }}
     FILTER(STRSTARTS(STR(?ds), "{iris.DATASET_BASE}")) }}
}}
"""


def _serialize(triples: list[ox.Triple], fmt: Format) -> bytes:
    return ox.serialize(triples, format=RDF_FORMATS[fmt.name], prefixes=PREFIXES)


def _rdf_response(request: Request, triples: list[ox.Triple], override: str | None) -> Response:
    fmt = negotiate(RDF_OFFERS, request.headers.get("accept"), override)
    if fmt is None:
        offered = ", ".join(f.media_type for f in RDF_OFFERS)
        return PlainTextResponse(f"406 Not Acceptable: this resource is available as {offered}", status_code=406)
    return Response(_serialize(triples, fmt), media_type=fmt.media_type, headers={"Vary": "Accept"})


def described_router(settings: Settings, pool: QueryPool) -> APIRouter:
    router = APIRouter(tags=["descriptions"])
    rdf_content = {f.media_type: {} for f in RDF_OFFERS}

    def endpoint(request: Request) -> str:
        return settings.endpoint_url(str(request.base_url).rstrip("/") + "/sparql")

    @router.get(
        "/.well-known/void",
        summary="VoID description of the graph: per-source and per-class statistics and linksets",
        responses={200: {"content": rdf_content}, 406: {"description": "no acceptable RDF format"}},
    )
    def void(request: Request, format: str | None = None) -> Response:
        try:
            output = pool.execute(QueryTask(VOID_QUERY, graph_format="nt"))
        except QueryError as exc:
            return PlainTextResponse(str(exc), status_code=exc.status, headers=exc.headers)
        triples = [q.triple for q in ox.parse(output.body, format=ox.RdfFormat.N_TRIPLES)]
        portal = PORTAL_DATASET
        triples += [
            ox.Triple(portal, RDF_TYPE, ox.NamedNode(VOID + "Dataset")),
            ox.Triple(portal, ox.NamedNode(DCT + "title"), ox.Literal("COVID-19 data portal knowledge graph")),
            ox.Triple(portal, ox.NamedNode(VOID + "sparqlEndpoint"), ox.NamedNode(endpoint(request))),
            ox.Triple(portal, ox.NamedNode(VOID + "uriSpace"), ox.Literal(iris.PORTAL_BASE)),
            ox.Triple(portal, ox.NamedNode(VOID + "vocabulary"), ox.NamedNode(iris.VOCAB)),
            ox.Triple(portal, ox.NamedNode(VOID + "vocabulary"), ox.NamedNode("http://schema.org/")),
            ox.Triple(
                portal,
                ox.NamedNode(VOID + "exampleResource"),
                ox.NamedNode("http://purl.uniprot.org/uniprot/P0DTC2"),
            ),
        ]
        return _rdf_response(request, triples, format)

    @router.get(
        "/.well-known/sparql-examples",
        summary="The example queries as SHACL SPARQL executables (as UniProt publishes its examples)",
        responses={200: {"content": rdf_content}},
    )
    def sparql_examples(request: Request, format: str | None = None) -> Response:
        triples = [
            ox.Triple(ox.NamedNode(s), ox.NamedNode(p), o)  # type: ignore[arg-type]
            for s, p, o in examples.examples_triples(endpoint(request))
        ]
        return _rdf_response(request, triples, format)

    @router.get("/queries", summary="The example queries: title, description, keywords, sources and text")
    def list_queries(request: Request, format: str | None = None) -> Response:
        items = [
            {
                "name": e.name,
                "title": e.title,
                "description": e.description,
                "keywords": list(e.keywords),
                "sources": list(e.sources),
                "query": e.query,
                "url": str(request.url_for("get_query", name=e.name)),
            }
            for e in examples.examples()
        ]
        json_format = Format("json", "application/json", "JSON")
        fmt = negotiate((json_format, HTML), request.headers.get("accept"), format)
        if fmt is HTML:
            return _queries_page(request, settings, items, endpoint(request))
        return JSONResponse({"count": len(items), "queries": items}, headers={"Vary": "Accept"})

    @router.get(
        "/queries/{name}",
        summary="One example query as application/sparql-query",
        responses={200: {"content": {"application/sparql-query": {}}}, 404: {"description": "no such example"}},
    )
    def get_query(name: str) -> Response:
        example = examples.get(name)
        if example is None:
            raise HTTPException(404, f"no example query named {name!r}; see /queries")
        header = f"# {example.title}\n# {example.description}\n"
        return Response(header + example.query, media_type="application/sparql-query")

    return router


def _queries_page(request: Request, settings: Settings, items: list[dict], endpoint: str) -> Response:
    """The example list as HTML, on the site template."""
    page = (
        templates()
        .get_template("queries.html")
        .render(base=base_url(settings, request), active="Queries", queries=items, endpoint=endpoint)
    )
    return Response(page, media_type="text/html", headers={"Vary": "Accept"})
