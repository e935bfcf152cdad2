"""The portal's own web pages: home, search, the SPARQL query editor and the partner portals.

Server-rendered with the site template (``templates/base.html``); charts are inline SVG drawn here
(``server.charts``), so every page works without JavaScript. Two small scripts in ``static/``
(no library, nothing fetched from other hosts) add the editor's syntax highlighting and running a
query in place. Search results link to the entity pages (``/entity/{curie}``); counts and facets come
from the live store version's search index, like the discovery API's.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from covid_portal import examples
from covid_portal import search_index as si
from server import charts
from server.api import live_index
from server.config import Settings
from server.fair import base_url, entity_path, templates
from server.portals import portal_listing

log = logging.getLogger(__name__)

PAGE_SIZE = 20
SEARCH_FACETS = ("type", "source", "taxon", "host", "country", "collection_year", "lineage", "instrument", "year")
SEQUENCE_TYPES = ["sequences", "raw-reads"]
EDITOR_PREFIXES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "schema": "http://schema.org/",
    "dct": "http://purl.org/dc/terms/",
    "cp": "https://w3id.org/covid-portal/vocab/",
    "up": "http://purl.uniprot.org/uniprot/",
}
DEFAULT_QUERY = (
    "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in EDITOR_PREFIXES.items())
    + "\nSELECT ?structure WHERE {\n  up:P0DTC2 cp:hasStructure ?structure .\n}\nLIMIT 10\n"
)


def _render(request: Request, settings: Settings, template: str, active: str, **context: Any) -> HTMLResponse:
    page = templates().get_template(template).render(base=base_url(settings, request), active=active, **context)
    return HTMLResponse(page)


def home_charts(index: si.SearchIndex) -> list[charts.Chart]:
    """The home page's charts, from the index (the counts of the published version)."""
    return [
        charts.stacked_columns(
            "chart-lineage",
            "Sequences and read runs per collection month, by lineage",
            index.cross_tab(SEQUENCE_TYPES, "collection_month", "lineage"),
            "sequences",
        ),
        charts.stacked_columns(
            "chart-country",
            "Sequences and read runs per collection month, by country",
            index.cross_tab(SEQUENCE_TYPES, "collection_month", "country"),
            "sequences",
        ),
        charts.stacked_columns(
            "chart-samples",
            "Samples per collection month, by country",
            index.cross_tab(["samples"], "collection_month", "country"),
            "samples",
        ),
        charts.bars(
            "chart-structures", "Structures per protein", index.top_values("structures", "protein"), "structures"
        ),
        charts.bars("chart-compounds", "Compounds per target", index.top_values("compounds", "target"), "compounds"),
    ]


def _filters(values: list[str]) -> list[tuple[str, str]]:
    out = []
    for item in values:
        name, sep, value = item.partition(":")
        if not sep or name not in si.FACETS or not value:
            raise HTTPException(400, f"a filter is written facet:value with a facet of {', '.join(si.FACETS)}")
        out.append((name, value))
    return out


def _combined(query: str, type_name: str | None, filters: list[tuple[str, str]]) -> str:
    """The search as one query of the API's language."""
    parts = [f"({query})"] if query.strip() and query.strip() != "*" else []
    if type_name:
        parts.append(f'type:"{type_name}"')
    parts += ['{}:"{}"'.format(name, value.replace('"', '\\"')) for name, value in filters]
    return " AND ".join(parts)


def pages_router(settings: Settings) -> APIRouter:
    router = APIRouter(tags=["pages"], include_in_schema=False)

    @router.get("/", response_class=HTMLResponse)
    def home(request: Request) -> HTMLResponse:
        context: dict[str, Any] = {"types": [], "sources": [], "charts": [], "latest": [], "total": 0, "notice": None}
        try:
            with live_index(settings) as index:
                counts = index.counts()
                context.update(
                    types=[(n, si.TYPE_LABELS[n], counts["types"].get(n, 0)) for n in si.TYPES],
                    sources=sorted(counts["sources"].items()),
                    charts=home_charts(index),
                    latest=index.latest(10),
                    total=sum(counts["types"].values()),
                )
        except HTTPException as exc:  # no index (a version not published by a load): say so, keep the page
            context["notice"] = exc.detail
        return _render(request, settings, "home.html", "Home", entity_path=entity_path, labels=si.TYPE_LABELS,
                       **context)  # fmt: skip

    @router.get("/search", response_class=HTMLResponse)
    def search(
        request: Request,
        query: Annotated[str, Query(max_length=si.MAX_QUERY_LENGTH)] = "",
        type: str | None = None,
        filter: Annotated[list[str] | None, Query()] = None,
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    ) -> HTMLResponse:
        if type and type not in si.TYPES:
            raise HTTPException(400, f"unknown record type {type!r}; types: {', '.join(si.TYPES)}")
        filters = _filters(filter or [])
        combined = _combined(query, type, filters)
        error = None
        with live_index(settings) as index:
            try:
                result = index.search(
                    combined, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE, facets=list(SEARCH_FACETS)
                )
            except si.QuerySyntaxError as exc:
                error, result = str(exc), si.SearchResult(0, [], {})

        def link(**change: Any) -> str:
            params: dict[str, Any] = {"query": query, "type": type or "", "filter": [f"{n}:{v}" for n, v in filters]}
            params.update(change)
            params = {k: v for k, v in params.items() if v not in ("", None, [])}
            return "/search?" + urlencode(params, doseq=True)

        def toggle(name: str, value: str) -> str:
            if name == "type":
                return link(type="" if type == value else value, page=None)
            items = [f"{n}:{v}" for n, v in filters]
            key = f"{name}:{value}"
            return link(filter=[i for i in items if i != key] if key in items else [*items, key], page=None)

        pages = max(1, -(-result.hit_count // PAGE_SIZE))
        status = 400 if error else 200
        response = _render(
            request, settings, "search.html", "Search", query=query, type=type, filters=filters, result=result,
            error=error, page=page, pages=pages, link=link, toggle=toggle, facet_labels=si.FACETS,
            labels=si.TYPE_LABELS, types=si.TYPES, entity_path=entity_path, page_size=PAGE_SIZE,
            api_url="/api/?" + urlencode({"query": combined}),
        )  # fmt: skip
        response.status_code = status
        return response

    @router.get("/editor", response_class=HTMLResponse)
    def editor(request: Request, query: str | None = None, example: str | None = None) -> HTMLResponse:
        items = examples.examples()
        chosen = examples.get(example) if example else None
        if example and chosen is None:
            raise HTTPException(404, f"no example query named {example!r}; see /queries")
        text = query if query is not None else (chosen.query if chosen else DEFAULT_QUERY)
        return _render(request, settings, "editor.html", "SPARQL", examples=items, query=text, chosen=chosen,
                       prefixes=EDITOR_PREFIXES)  # fmt: skip

    @router.get("/partners", response_class=HTMLResponse)
    def partners(request: Request) -> HTMLResponse:
        listing = portal_listing(settings, base_url(settings, request))
        return _render(request, settings, "partners.html", "Partners", node=listing["node"],
                       portals=listing["partners"])  # fmt: skip

    return router
