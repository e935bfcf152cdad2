"""``/portals``: this node and its partner portals, as DCAT/VoID (Turtle, JSON-LD, ...) or JSON.

The document is a ``dcat:Catalog`` of catalogues: one ``dcat:Catalog`` + ``void:Dataset`` per portal
(this node first), each with its SPARQL endpoint (``void:sparqlEndpoint`` and a ``dcat:DataService``
conforming to the SPARQL 1.1 Protocol) and its discovery API (a second ``dcat:DataService``), its
name and its country (``schema:addressCountry``, ISO 3166-1 alpha-2). The JSON form is what
:func:`covid_portal.federation.config.fetch_partner` reads when another node adds this one.

:func:`portal_listing` gives the same facts to the web pages (the partners page).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from covid_portal.federation import search
from covid_portal.federation.config import Node, Partner, load_node
from server.config import Settings
from server.negotiation import GRAPH_FORMATS, Format, negotiate
from server.workers import GRAPH_FORMATS as RDF_FORMATS

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
VOID = "http://rdfs.org/ns/void#"
SCHEMA = "http://schema.org/"
FOAF = "http://xmlns.com/foaf/0.1/"
PREFIXES = {"dcat": DCAT, "dct": DCT, "void": VOID, "schema": SCHEMA, "foaf": FOAF}
SPARQL_PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"
JSON = Format("json", "application/json", "JSON")
# application/json is the plain JSON listing here, not a synonym of JSON-LD
OFFERS: tuple[Format, ...] = (*(replace(f, synonyms=()) for f in GRAPH_FORMATS if f.name != "nq"), JSON)
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def this_node(settings: Settings, request_base: str) -> Partner:
    """This node described like a partner: from the federation file, else from the settings."""
    node = load_node(settings.federation) if settings.federation else Node(name=settings.publisher_name)
    base = node.base_url or settings.base_url or request_base.rstrip("/")
    return Partner(name=node.name or settings.publisher_name, country=node.country or "ZZ", base_url=base)


def partners(settings: Settings) -> list[Partner]:
    """The partner portals of the federation file, and any other SERVICE partner as an endpoint only."""
    node = load_node(settings.federation) if settings.federation else Node()
    listed = node.partners
    own = (node.base_url or settings.base_url or "").rstrip("/") + "/sparql"  # a node may call itself: not a partner
    known = {p.sparql for p in listed} | {own}
    extra = [
        Partner(name=url, country="ZZ", base_url=url.removesuffix("/sparql"), sparql=url)
        for url in settings.service_partners
        if url.rstrip("/") not in known
    ]
    return [*listed, *extra]


def portal_listing(settings: Settings, request_base: str) -> dict[str, Any]:
    """This node and its partners as plain data (for /portals?format=json and the partners page).

    ``country`` "ZZ" (ISO 3166 "unknown") marks a partner known only by its endpoint.
    """
    return {
        "node": this_node(settings, request_base).model_dump(),
        "partners": [p.model_dump() for p in partners(settings)],
    }


def portal_triples(settings: Settings, request_base: str) -> list[ox.Triple]:
    """The DCAT/VoID description of the federation as this node sees it."""
    node = this_node(settings, request_base)
    document = ox.NamedNode(f"{node.base_url}/portals")
    out = [
        ox.Triple(document, RDF_TYPE, ox.NamedNode(DCAT + "Catalog")),
        ox.Triple(document, ox.NamedNode(DCT + "title"), ox.Literal(f"Portals federated with {node.name}")),
    ]
    for portal in (node, *partners(settings)):
        out += _portal(document, portal)
    return out


def _portal(document: ox.NamedNode, portal: Partner) -> list[ox.Triple]:
    subject = ox.NamedNode(portal.base_url + "/")
    sparql_service = ox.NamedNode(portal.base_url + "/#sparql")
    api_service = ox.NamedNode(portal.base_url + "/#api")
    triples = [
        (document, DCAT + "catalog", subject),
        (subject, str(RDF_TYPE.value), ox.NamedNode(DCAT + "Catalog")),
        (subject, str(RDF_TYPE.value), ox.NamedNode(VOID + "Dataset")),
        (subject, DCT + "title", ox.Literal(portal.name)),
        (subject, FOAF + "homepage", subject),
        (subject, VOID + "sparqlEndpoint", ox.NamedNode(portal.sparql)),
        (subject, DCAT + "service", sparql_service),
        (subject, DCAT + "service", api_service),
        (sparql_service, str(RDF_TYPE.value), ox.NamedNode(DCAT + "DataService")),
        (sparql_service, DCAT + "endpointURL", ox.NamedNode(portal.sparql)),
        (sparql_service, DCT + "conformsTo", ox.NamedNode(SPARQL_PROTOCOL)),
        (api_service, str(RDF_TYPE.value), ox.NamedNode(DCAT + "DataService")),
        (api_service, DCAT + "endpointURL", ox.NamedNode(portal.api)),
        (api_service, DCT + "title", ox.Literal(f"{portal.name} discovery API")),
    ]
    if portal.country != "ZZ":
        triples.append((subject, SCHEMA + "addressCountry", ox.Literal(portal.country)))
    return [ox.Triple(s, ox.NamedNode(p), o) for s, p, o in triples]


def federated_search(settings: Settings, local: Response, path: str, params: dict[str, Any]) -> Response:
    """The discovery API's ``federated=true``: ``local`` (this node's JSON answer) merged with the
    partners' answers to the same search (see covid_portal.federation.search). A local error is
    answered as it is. Called from a ``def`` route (a worker thread), so it runs its own event loop."""
    if local.status_code != 200:
        return local
    node = this_node(settings, settings.base_url or "")
    mine = search.PartnerAnswer(node.name, node.api, body=json.loads(bytes(local.body)))
    targets = [search.Target(p.name, p.api) for p in partners(settings)]
    sent = {k: v for k, v in params.items() if v is not None}
    answers = asyncio.run(search.fan_out(targets, path, sent, timeout=settings.service_timeout))
    return JSONResponse(search.merge(mine, answers))


def portals_router(settings: Settings) -> APIRouter:
    router = APIRouter(tags=["federation"])

    @router.get(
        "/portals",
        summary="This node and its partner portals (DCAT/VoID, or JSON)",
        responses={200: {"content": {f.media_type: {} for f in OFFERS}}, 406: {"description": "no such format"}},
    )
    def portals(request: Request, format: str | None = None) -> Response:
        fmt = negotiate(OFFERS, request.headers.get("accept"), [format] if format else [])
        if fmt is None:
            offered = ", ".join(f.media_type for f in OFFERS)
            return PlainTextResponse(f"406 Not Acceptable: /portals is available as {offered}", status_code=406)
        base = str(request.base_url)
        if fmt is JSON:
            return JSONResponse(portal_listing(settings, base), headers={"Vary": "Accept"})
        body = ox.serialize(portal_triples(settings, base), format=RDF_FORMATS[fmt.name], prefixes=PREFIXES)
        return Response(body, media_type=fmt.media_type, headers={"Vary": "Accept"})

    return router
