"""The discovery API at ``/api/``: search every record type, facets, paging, fields and formats.

Parameter names follow the COVID-19 Data Portal backend API and EBI Search (``query``, ``page``
from 1, ``size``, ``fields``, ``format`` json/tsv/idlist, ``facets``, ``facetcount``, ``sort``), so
their clients can switch by changing the base URL. The JSON answer has EBI Search's shape
(``hitCount``, ``entries`` with ``id``/``acc``/``source`` and ``fields`` whose values are lists,
``facets`` with ``facetValues``). Paging past the last hit gives an empty ``entries`` list (clients
stop there), never an error.

Search is answered from the store version's search index (``covid_portal.search_index``, built when
the version was published); cross-references (``/api/{type}/{id}/xref/{type}``, as in EBI Search) are
answered from the graph by bounded SPARQL queries run in the query workers.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Iterator
from enum import Enum, StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field

from covid_portal import search_index as si
from covid_portal.store import StoreDir, StoreError
from server.config import Settings
from server.portals import federated_search
from server.workers import QueryError, QueryPool, QueryTask

log = logging.getLogger(__name__)

MAX_SIZE = 1000  # as the portal's backend API
MAX_PAGE = 1_000_000
DEFAULT_SIZE = 15
DEFAULT_FIELDS = ("title", "description", "date", "taxon", "country", "collection_date")
XREF_TIMEOUT = 10.0
# field names the COVID-19 Data Portal API and EBI Search clients ask for -> the index's field
FIELD_ALIASES = {"acc": "id", "id": "id", "TAXON": "taxon_id", "creation_date": "date",
                 "last_modification_date": "last_updated", "publication_date": "date"}  # fmt: skip
_NOT_IRIREF = re.compile(r'[<>"{}|^`\\\x00-\x20]')

RecordType = Enum("RecordType", {name.replace("-", "_"): name for name in si.TYPES}, type=str)  # type: ignore[misc]


class OutputFormat(StrEnum):
    json = "json"
    tsv = "tsv"
    idlist = "idlist"


# ---------------------------------------------------------------------------- documented response shapes
class FacetValue(BaseModel):
    label: str
    value: str
    count: int


class Facet(BaseModel):
    id: str = Field(description="the facet (a field name usable in `query`, e.g. `country:Netherlands`)")
    label: str
    total: int = Field(description="sum of the counts of the values listed")
    facetValues: list[FacetValue]  # EBI Search's name


class SearchEntry(BaseModel):
    id: str = Field(description="accession (the local part of the CURIE)")
    acc: str
    source: str = Field(description="the source whose record describes it (else one that links to it)")
    type: str = Field(description="record type, e.g. `sequences`")
    curie: str | None
    iri: str
    url: str | None = Field(description="the entity page on this portal")
    fields: dict[str, list[str]] = Field(description="the requested `fields`; every value is a list")


class SearchResponse(BaseModel):
    hitCount: int
    page: int
    size: int
    query: str
    entries: list[SearchEntry]
    facets: list[Facet]


class XrefSummary(BaseModel):
    id: str
    type: str
    curie: str | None
    iri: str
    xrefs: list[dict[str, Any]] = Field(description="per related record type: its name, count and URL")


EXAMPLE = {
    "hitCount": 1,
    "page": 1,
    "size": 15,
    "query": "spike AND type:proteins",
    "entries": [
        {
            "id": "P0DTC2",
            "acc": "P0DTC2",
            "source": "uniprot",
            "type": "proteins",
            "curie": "uniprot:P0DTC2",
            "iri": "http://purl.uniprot.org/uniprot/P0DTC2",
            "url": "/entity/uniprot:P0DTC2",
            "fields": {"title": ["Spike glycoprotein"], "taxon": ["Severe acute respiratory syndrome coronavirus 2"]},
        }
    ],
    "facets": [
        {
            "id": "source",
            "label": "Source",
            "total": 1,
            "facetValues": [{"label": "uniprot", "value": "uniprot", "count": 1}],
        }
    ],
}
SEARCH_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "model": SearchResponse,
        "description": "A page of matching entries (empty after the last page), with facet counts over all matches.",
        "content": {
            "application/json": {"example": EXAMPLE},
            "text/tab-separated-values": {"example": "id\ttitle\nP0DTC2\tSpike glycoprotein\n"},
            "text/plain": {"example": "P0DTC2\n"},
        },
    },
    400: {"description": "a query that cannot be parsed, or an unknown field, facet or sort field"},
    422: {"description": "a parameter out of range (page < 1, size > 1000) or an unknown format or type"},
    503: {"description": "the store version has no search index yet (it is built when a load publishes)"},
}

# ---------------------------------------------------------------------------- parameters
QueryParam = Annotated[
    str,
    Query(
        description="Free text and field queries, combined with AND, OR, NOT and parentheses: `spike`, "
        '`country:Netherlands AND spike`, `collection_date:(202003)`, `TAXON:2697049`, `title:"spike protein"`, '
        "`year:[2020 TO 2021]`, `uniprot:P0DTC2`. Empty or `*`: everything. Fields: " + ", ".join(si.QUERY_FIELDS),
        max_length=si.MAX_QUERY_LENGTH,
    ),
]
PageParam = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number, from 1; past the last page: no entries")]
SizeParam = Annotated[int, Query(ge=1, le=MAX_SIZE, description="Entries per page")]
FieldsParam = Annotated[
    str | None,
    Query(
        description="Comma-separated fields to return (default: "
        + ",".join(DEFAULT_FIELDS)
        + "). Available: "
        + ", ".join(si.OUTPUT_FIELDS)
        + "; and the portal's names "
        + ", ".join(f"{alias} ({name})" for alias, name in FIELD_ALIASES.items())
    ),
]
FormatParam = Annotated[OutputFormat, Query(description="json, tsv (one row per entry) or idlist (one id a line)")]
FacetsParam = Annotated[
    str | None,
    Query(
        description="Comma-separated facets to count (JSON only; default: " + ",".join(si.DEFAULT_FACETS) + "; empty: "
        "none). Available: " + ", ".join(si.FACETS)
    ),
]
FacetCountParam = Annotated[int, Query(ge=1, le=1000, description="Values listed per facet, most frequent first")]
SortParam = Annotated[
    str | None,
    Query(
        description="Comma-separated sort fields, each `field`, `-field` or `field:descending`; default: relevance "
        "for free text, else records first. Fields: " + ", ".join(si.SORT_FIELDS),
        max_length=200,
    ),
]
IdParam = Annotated[str, Path(description="An accession, CURIE or IRI of an entry", examples=["P0DTC2"])]
TypeParam = Annotated[RecordType, Path(description="A record type", examples=["proteins"])]
TargetParam = Annotated[RecordType, Path(description="The record type of the linked entries", examples=["structures"])]
FederatedParam = Annotated[
    bool | None,
    Query(
        description="Also search the partner portals (concurrently, each within COVID_PORTAL_SERVICE_TIMEOUT) and "
        "merge their hits, de-duplicated by entity IRI; each hit names its `node`, and `partners` gives each "
        "node's time and error. JSON only."
    ),
]


# ---------------------------------------------------------------------------- helpers shared with the pages
@contextlib.contextmanager
def live_index(settings: Settings) -> Iterator[si.SearchIndex]:
    """The search index of the live store version; 503 when it has none."""
    try:
        sidecar = StoreDir(settings.store).live_sidecar()
    except StoreError as exc:
        raise HTTPException(503, f"the store cannot be opened: {exc}") from exc
    with si.open_index(sidecar) as index:
        if index is None:
            raise HTTPException(
                503, "this store version has no search index; it is built when `covid-portal load` publishes"
            )
        yield index


def entity_url(entry: si.Entry) -> str | None:
    """The entity page of an entry on this portal (entities without a CURIE have none)."""
    return f"/entity/{entry.curie}" if entry.curie else None


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _fields(value: str | None) -> list[str]:
    names = _split(value) if value is not None else list(DEFAULT_FIELDS)
    unknown = [name for name in names if name not in si.OUTPUT_FIELDS and name not in FIELD_ALIASES]
    if unknown:
        known = ", ".join([*si.OUTPUT_FIELDS, *FIELD_ALIASES])
        raise HTTPException(400, f"unknown field(s) {', '.join(unknown)}; fields: {known}")
    return names


def _values(entry: si.Entry, name: str) -> list[str]:
    """The values of an output field (a portal field name is answered from the field it names)."""
    canonical = FIELD_ALIASES.get(name, name)
    return [entry.id] if canonical == "id" else entry.fields.get(canonical, [])


def _facet_names(value: str | None) -> list[str]:
    names = _split(value) if value is not None else list(si.DEFAULT_FACETS)
    unknown = [name for name in names if name not in si.FACETS]
    if unknown:
        raise HTTPException(400, f"unknown facet(s) {', '.join(unknown)}; facets: {', '.join(si.FACETS)}")
    return names


def _entry_json(entry: si.Entry, fields: list[str]) -> dict[str, Any]:
    return {
        "id": entry.id,
        "acc": entry.id,
        "source": entry.source,
        "type": entry.type,
        "curie": entry.curie,
        "iri": entry.iri,
        "url": entity_url(entry),
        "fields": {name: _values(entry, name) for name in fields},
    }


def _cell(values: list[str]) -> str:
    return "; ".join(" ".join(v.split()) for v in values)


def render(result: si.SearchResult, fmt: OutputFormat, fields: list[str], page: int, size: int, query: str) -> Response:
    """The search result in the requested format."""
    if fmt is OutputFormat.idlist:
        return PlainTextResponse("".join(f"{e.id}\n" for e in result.entries))
    if fmt is OutputFormat.tsv:
        lines = ["\t".join(["id", *fields])]
        lines += ["\t".join([e.id, *(_cell(_values(e, name)) for name in fields)]) for e in result.entries]
        return Response("\n".join(lines) + "\n", media_type="text/tab-separated-values; charset=utf-8")
    facets = [
        {
            "id": name,
            "label": si.FACETS[name],
            "total": sum(count for _, count in values),
            "facetValues": [{"label": value, "value": value, "count": count} for value, count in values],
        }
        for name, values in result.facets.items()
    ]
    body = {
        "hitCount": result.hit_count,
        "page": page,
        "size": size,
        "query": query,
        "entries": [_entry_json(e, fields) for e in result.entries],
        "facets": facets,
    }
    return JSONResponse(body)


def run_search(
    settings: Settings,
    *,
    query: str,
    types: list[str] | None,
    page: int,
    size: int,
    fields: str | None,
    fmt: OutputFormat,
    facets: str | None,
    facetcount: int,
    sort: str | None,
) -> Response:
    names = _fields(fields)
    facet_names = _facet_names(facets) if fmt is OutputFormat.json else []
    with live_index(settings) as index:
        try:
            result = index.search(
                query,
                types=types,
                offset=(page - 1) * size,
                limit=size,
                sort=sort,
                facets=facet_names,
                facet_count=facetcount,
            )
        except si.QuerySyntaxError as exc:
            raise HTTPException(400, str(exc)) from exc
    return render(result, fmt, names, page, size, query)


# ---------------------------------------------------------------------------- cross-references (SPARQL)
def _xref_where(iri: str) -> str:
    return f"{{ <{iri}> ?p ?o }} UNION {{ ?o ?p <{iri}> }} FILTER(isIRI(?o) && ?o != <{iri}>)"


def _select(pool: QueryPool, query: str) -> list[dict[str, str]]:
    """Rows of a SELECT as {variable: value}, run in a query worker."""
    try:
        output = pool.execute(QueryTask(query, results_format="json"), timeout=XREF_TIMEOUT)
    except QueryError as exc:
        raise HTTPException(exc.status, exc.message, headers=exc.headers or None) from exc
    bindings = json.loads(output.body)["results"]["bindings"]
    return [{name: cell["value"] for name, cell in row.items()} for row in bindings]


def xref_counts(pool: QueryPool, iri: str) -> dict[str, int]:
    """Entities linked to ``iri`` (either direction), counted per record type."""
    values = " ".join(f"<{cls.uri}>" for cls in si.TYPES.values())
    rows = _select(
        pool,
        f"SELECT ?c (COUNT(DISTINCT ?o) AS ?n) WHERE {{ {_xref_where(iri)} VALUES ?c {{ {values} }} ?o a ?c }} "
        "GROUP BY ?c",
    )
    counts = {si.CLASS_TYPES[row["c"]]: int(row["n"]) for row in rows if row.get("c") in si.CLASS_TYPES}
    return {name: counts[name] for name in si.TYPES if counts.get(name)}


def xref_page(pool: QueryPool, iri: str, target: str, offset: int, limit: int) -> tuple[int, list[str]]:
    """(count, one page of IRIs) of the entities of type ``target`` linked to ``iri``."""
    cls = si.TYPES[target].uri
    where = f"{_xref_where(iri)} ?o a <{cls}>"
    total = _select(pool, f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ {where} }}")
    rows = _select(pool, f"SELECT DISTINCT ?o WHERE {{ {where} }} ORDER BY ?o LIMIT {limit} OFFSET {offset}")
    return int(total[0]["n"]) if total else 0, [row["o"] for row in rows]


def _resolve(settings: Settings, type_name: str, ident: str) -> si.Entry:
    with live_index(settings) as index:
        entry = index.get(type_name, ident)
    if entry is None:
        raise HTTPException(404, f"no {type_name} entry {ident!r}")
    if _NOT_IRIREF.search(entry.iri):  # never write into SPARQL what an IRIREF may not hold
        raise HTTPException(404, f"entry {ident!r} has an IRI that cannot be queried")
    return entry


# ---------------------------------------------------------------------------- the router
def api_router(settings: Settings, pool: QueryPool) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["discovery API"])

    @router.get(
        "/",
        summary="Search every record type",
        description="Free text and field queries across all record types, with facet counts. "
        "Page with `page`/`size` until a page comes back empty.",
        responses=SEARCH_RESPONSES,
        response_class=Response,
    )
    def search_all(
        query: QueryParam = "",
        page: PageParam = 1,
        size: SizeParam = DEFAULT_SIZE,
        fields: FieldsParam = None,
        format: FormatParam = OutputFormat.json,
        facets: FacetsParam = None,
        facetcount: FacetCountParam = 10,
        sort: SortParam = None,
        federated: FederatedParam = None,
    ) -> Response:
        if federated:  # the same search at every partner, merged (server.portals.federated_search)
            params = {"query": query, "page": page, "size": size, "fields": fields, "facets": facets,
                      "facetcount": facetcount, "sort": sort}  # fmt: skip
            local = run_search(settings, query=query, types=None, page=page, size=size, fields=fields,
                               fmt=OutputFormat.json, facets=facets, facetcount=facetcount, sort=sort)  # fmt: skip
            return federated_search(settings, local, "", params)
        return run_search(settings, query=query, types=None, page=page, size=size, fields=fields, fmt=format,
                          facets=facets, facetcount=facetcount, sort=sort)  # fmt: skip

    @router.get(
        "/fields",
        summary="The query fields, output fields, facets, sort fields and record types",
        responses={200: {"content": {"application/json": {"example": {"types": [{"name": "sequences"}]}}}}},
    )
    def describe_fields() -> dict[str, Any]:
        return {
            "types": [{"name": n, "label": si.TYPE_LABELS[n], "class": c.name} for n, c in si.TYPES.items()],
            "queryFields": list(si.QUERY_FIELDS),
            "outputFields": list(si.OUTPUT_FIELDS),
            "defaultFields": list(DEFAULT_FIELDS),
            "facets": [{"id": n, "label": label} for n, label in si.FACETS.items()],
            "defaultFacets": list(si.DEFAULT_FACETS),
            "sortFields": list(si.SORT_FIELDS),
        }

    @router.get(
        "/{type}",
        summary="Search one record type (as the portal's /sequences, /proteins, ...)",
        responses=SEARCH_RESPONSES,
        response_class=Response,
    )
    def search_type(
        type: RecordType,
        query: QueryParam = "",
        page: PageParam = 1,
        size: SizeParam = DEFAULT_SIZE,
        fields: FieldsParam = None,
        format: FormatParam = OutputFormat.json,
        facets: FacetsParam = None,
        facetcount: FacetCountParam = 10,
        sort: SortParam = None,
        federated: FederatedParam = None,
    ) -> Response:
        if federated:  # the same search at every partner, merged (server.portals.federated_search)
            params = {"query": query, "page": page, "size": size, "fields": fields, "facets": facets,
                      "facetcount": facetcount, "sort": sort}  # fmt: skip
            local = run_search(settings, query=query, types=[type.value], page=page, size=size, fields=fields,
                               fmt=OutputFormat.json, facets=facets, facetcount=facetcount, sort=sort)  # fmt: skip
            return federated_search(settings, local, type.value, params)
        return run_search(settings, query=query, types=[type.value], page=page, size=size, fields=fields,
                          fmt=format, facets=facets, facetcount=facetcount, sort=sort)  # fmt: skip

    @router.get(
        "/{type}/{id:path}/xref/{target}",
        summary="Entries of type `target` linked to one entry (either direction), as EBI Search's xref",
        responses={**SEARCH_RESPONSES, 404: {"description": "no such entry"}},
        response_class=Response,
    )
    def xref(
        type: TypeParam,
        id: IdParam,
        target: TargetParam,
        page: PageParam = 1,
        size: SizeParam = DEFAULT_SIZE,
        fields: FieldsParam = None,
        format: FormatParam = OutputFormat.json,
    ) -> Response:
        names = _fields(fields)
        entry = _resolve(settings, type.value, id)
        offset = (page - 1) * size
        total, linked = xref_page(pool, entry.iri, target.value, offset, size)
        with live_index(settings) as index:
            known = index.by_iris(linked)
        entries = [known.get(iri) or si.Entry(iri, None, iri, target.value, "", iri, {}) for iri in linked]
        query = f"xref of {type.value}/{entry.id}"
        return render(si.SearchResult(total, entries, {}), format, names, page, size, query)

    @router.get(
        "/{type}/{id:path}/xref",
        summary="How many entries of each type are linked to one entry",
        response_model=XrefSummary,
        responses={404: {"description": "no such entry"}},
    )
    def xref_summary(type: TypeParam, id: IdParam) -> dict[str, Any]:
        entry = _resolve(settings, type.value, id)
        counts = xref_counts(pool, entry.iri)
        base = f"/api/{type.value}/{entry.id}/xref/"
        return {
            "id": entry.id,
            "type": entry.type,
            "curie": entry.curie,
            "iri": entry.iri,
            "xrefs": [{"type": name, "count": n, "url": base + name} for name, n in counts.items()],
        }

    @router.get(
        "/{type}/{id:path}",
        summary="One entry by accession, CURIE or IRI",
        response_model=SearchEntry,
        responses={404: {"description": "no such entry"}},
    )
    def get_entry(type: TypeParam, id: IdParam, fields: FieldsParam = None) -> dict[str, Any]:
        entry = _resolve(settings, type.value, id)
        names = _fields(fields) if fields is not None else [n for n in si.OUTPUT_FIELDS if entry.fields.get(n)]
        return _entry_json(entry, names)

    return router
