"""The SPARQL 1.1 Protocol endpoint, ``/sparql`` (https://www.w3.org/TR/sparql11-protocol/).

Queries by GET, URL-encoded POST and direct POST (``application/sparql-query``); the protocol
dataset (``default-graph-uri``/``named-graph-uri``) replaces the query's FROM/FROM NAMED, and a
query with neither gets the union of all record graphs as its default graph. Results are
negotiated (``Accept`` with q-values, or the ``format`` parameter) and streamed from a query
worker (``server.workers``), which enforces the time and size limits.

Status discipline: 400 a malformed request (syntax error, no query, several queries, bad IRI,
non-UTF-8 text, SERVICE to an endpoint that is not a partner); 403 any update (the public endpoint
is read-only: the graph is written by ``covid-portal load`` / ``drop`` on the server's machine); 406
no acceptable format; 413 a body over the limit; 415 a POST body type other than the two query
types; 422 a result over the size limit; 502 a partner endpoint failing; 503 a timeout or all
workers busy (with Retry-After). ``GET /sparql`` without a query returns the service description.
"""

from __future__ import annotations

import asyncio
import binascii
import functools
import logging
import re
import time
from urllib.parse import unquote_to_bytes, urlsplit

import anyio
import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response, StreamingResponse
from starlette.types import Message, Receive, Scope, Send

from covid_portal.store import StoreDir
from server import service_description
from server.config import Settings
from server.negotiation import (
    ALL_FORMATS,
    GRAPH_FORMATS,
    HTML,
    RESULT_FORMATS,
    Format,
    is_known_format,
    media_types,
    negotiate,
)
from server.query_scan import QueryScan, ScanError, scan
from server.workers import PoolBusy, QueryError, QueryPool, QueryRun, QueryTask

log = logging.getLogger(__name__)

QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
FORM_TYPE = "application/x-www-form-urlencoded"
_READ_ONLY = (
    "this SPARQL endpoint is read-only: updates are refused. The graph is written on the server with "
    "the command line (covid-portal load / covid-portal drop)."
)
_DESCRIPTION_COUNT_TIMEOUT = 5.0  # seconds spent counting statements for void:triples, once per store version

Params = list[tuple[str, str]]


class ProtocolError(Exception):
    """A request the protocol says to refuse, with its status and a message for the client."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def federation_headers(warnings: list[str]) -> dict[str, str]:
    """A partial federated answer says so: ``Warning: 199`` per failed SERVICE call (RFC 7234's
    "miscellaneous warning"), and the same texts in ``X-Federation-Warnings`` (for clients that drop the
    deprecated Warning header), separated by "; ". Header values are ASCII: other characters are escaped."""
    if not warnings:
        return {}
    texts = [w.encode("ascii", "backslashreplace").decode().replace('"', "'") for w in warnings]
    return {
        "Warning": ", ".join(f'199 covid-portal "{text}"' for text in texts),
        "X-Federation-Warnings": "; ".join(texts),
    }


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return PlainTextResponse(message + "\n", status_code=status, headers=headers)


class SparqlEndpoint:
    """The handlers of ``/sparql`` over one query pool."""

    def __init__(self, settings: Settings, pool: QueryPool) -> None:
        self.settings = settings
        self.pool = pool
        self.partners = {_normal(url) for url in settings.service_partners}
        self._count: tuple[str | None, int | None] | None = None  # (store version, statements or None)

    # ------------------------------------------------------------------ routes
    async def get(self, request: Request) -> Response:
        try:
            params = _parse_form(request.scope.get("query_string", b""), "the URL query")
            if _has(params, "update"):
                raise ProtocolError(403, _READ_ONLY + " (and an update is never sent by GET)")
            if not _has(params, "query") and not _has(params, "default-graph-uri", "named-graph-uri"):
                return await self._service_description(request, _formats(params))
            return await self._query(request, params)
        except ProtocolError as exc:
            return _error(exc.status, exc.message, exc.headers)

    async def post(self, request: Request) -> Response:
        try:
            params = _parse_form(request.scope.get("query_string", b""), "the URL query")
            content_type = request.headers.get("content-type")
            if content_type is None:
                raise ProtocolError(
                    400, f"a POST needs a Content-Type: {FORM_TYPE} (query=... in the body) or {QUERY_TYPE}"
                )
            media_type, charset = _content_type(content_type)
            if _has(params, "update") or media_type == UPDATE_TYPE:
                raise ProtocolError(403, _READ_ONLY)
            if media_type == QUERY_TYPE:
                if charset not in (None, "utf-8", "utf8"):
                    raise ProtocolError(400, f"the query must be sent in UTF-8, not {charset}")
                if _has(params, "query"):
                    raise ProtocolError(400, "the query is given twice: in the body and in the URL")
                params.append(("query", _utf8(await self._body(request), "the query")))
            elif media_type == FORM_TYPE:
                form = _parse_form(await self._body(request), "the form body")
                if _has(form, "update"):
                    raise ProtocolError(403, _READ_ONLY)
                params += form
            else:
                raise ProtocolError(
                    415, f"unsupported Content-Type {media_type}: send the query as {FORM_TYPE} or {QUERY_TYPE}"
                )
            return await self._query(request, params)
        except ProtocolError as exc:
            return _error(exc.status, exc.message, exc.headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """``GET`` and ``POST /sparql`` as a plain ASGI app, which ``server.app`` calls before FastAPI.

        The handlers above take a bare ``Request`` and parse the request themselves, so FastAPI's
        routing, dependency solving and middleware add nothing to them but about 0.2 ms of the front
        process's CPU per request (docs/benchmarks.md). The router below stays for the OpenAPI
        description and for the methods this path does not take (HEAD, OPTIONS).
        """
        request = Request(scope, receive, send)
        started = False

        async def send_tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            response = await (self.get if scope["method"] == "GET" else self.post)(request)
            await response(scope, receive, send_tracked)
        except Exception:
            log.exception("internal error answering %s %s", scope["method"], scope["path"])
            if started:
                raise  # the status line is sent: the server can only drop the connection
            await PlainTextResponse("500 Internal Server Error: the error is in the server's log\n", status_code=500)(
                scope, receive, send
            )

    # ------------------------------------------------------------------ queries
    async def _query(self, request: Request, params: Params) -> Response:
        queries = [value for key, value in params if key == "query"]
        if not queries:
            raise ProtocolError(400, "no query: give the SPARQL query in the 'query' parameter")
        if len(queries) > 1:
            raise ProtocolError(400, f"{len(queries)} 'query' parameters: send exactly one query per request")
        query = queries[0]
        if not query.strip():
            raise ProtocolError(400, "the query is empty")
        default_graphs = _iris(params, "default-graph-uri")
        named_graphs = _iris(params, "named-graph-uri")
        protocol_dataset = bool(default_graphs or named_graphs)

        results_format, graph_format = _negotiate(request.headers.get("accept"), tuple(_formats(params)))
        if results_format is None and graph_format is None:
            raise ProtocolError(406, _not_acceptable(None))

        base_iri = self._endpoint_url(request)
        try:
            found = _scan(query, base_iri)
        except ScanError as exc:
            raise ProtocolError(400, str(exc)) from None
        self._check_services(found.services)

        task = QueryTask(
            query=query,
            results_format=results_format.name if results_format else None,
            graph_format=graph_format.name if graph_format else None,
            base_iri=base_iri,
            default_graphs=tuple(default_graphs) if protocol_dataset else None,
            named_graphs=tuple(named_graphs) if protocol_dataset else None,
            union_default_graph=not found.has_dataset_clause,
            federated=found.is_federated,
            service_timeout=self.settings.service_timeout,
            service_max_bytes=self.settings.service_max_bytes,
        )
        started = time.monotonic()
        try:
            run = await self._open_while_connected(request, task)
        except QueryError as exc:
            if exc.status == 406:
                raise ProtocolError(406, _not_acceptable(exc.kind)) from None
            if exc.status >= 500:
                log.warning("query failed (%d, %.1f s): %s", exc.status, time.monotonic() - started, exc.message)
            raise ProtocolError(exc.status, exc.message, exc.headers) from None
        if run is None:
            log.info("client went away after %.1f s; its query was stopped", time.monotonic() - started)
            return Response(status_code=499)  # nobody reads it (nginx's "client closed request")
        media_type = next(fmt.media_type for fmt in ALL_FORMATS if fmt.name == run.format)
        headers = {"Vary": "Accept", **federation_headers(run.warnings)}
        if run.done:
            return Response(b"".join(run.take_buffered()), media_type=media_type, headers=headers)
        return StreamingResponse(run.stream(), media_type=media_type, headers=headers)

    async def _open_while_connected(self, request: Request, task: QueryTask) -> QueryRun | None:
        """Start the query; stop it (None) if the client disconnects before its first bytes are ready.

        A watcher task cancels this one when the client goes away; ``pool.open`` then gives back or kills
        its worker. A plain asyncio task, not an anyio task group: the group cost about 0.1 ms of the
        front process's CPU per request (docs/benchmarks.md, fifth round). The watcher runs only while
        this task waits inside ``pool.open``, so the cancellation always lands there. Once streaming,
        Starlette notices a disconnect itself and the stream kills the worker.
        """
        current = asyncio.current_task()
        assert current is not None
        gone = False

        async def watch() -> None:
            nonlocal gone
            while (await request.receive())["type"] != "http.disconnect":
                pass  # the (already read) request body; then receive() waits for a disconnect
            gone = True
            current.cancel()

        watcher = asyncio.get_running_loop().create_task(watch())
        try:
            return await self.pool.open(task)
        except asyncio.CancelledError:
            if not gone:
                raise  # the server is stopping
            current.uncancel()
            return None
        finally:
            watcher.cancel()

    def _endpoint_url(self, request: Request) -> str:
        if self.settings.base_url:  # no need to rebuild the request's URL
            return f"{self.settings.base_url}/sparql"
        return self.settings.endpoint_url(str(request.url))

    def _check_services(self, services: list[str | None]) -> None:
        for endpoint in services:
            if endpoint is None:
                raise ProtocolError(
                    400,
                    "SERVICE with a variable is not allowed: name the endpoint, one of the partners below. "
                    + self._partners_text(),
                )
            if _normal(endpoint) not in self.partners:
                raise ProtocolError(400, f"SERVICE <{endpoint}> is not allowed. " + self._partners_text())

    def _partners_text(self) -> str:
        if not self.partners:
            return "This endpoint federates with no other endpoint (COVID_PORTAL_SERVICE_PARTNERS is empty)."
        return "Allowed SERVICE endpoints (COVID_PORTAL_SERVICE_PARTNERS): " + ", ".join(sorted(self.partners))

    async def _body(self, request: Request) -> bytes:
        limit = self.settings.max_body_bytes
        too_large = ProtocolError(
            413, f"the request body is larger than the limit of {limit:,} bytes (COVID_PORTAL_MAX_BODY_BYTES)"
        )
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            raise too_large
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise too_large
        return bytes(body)

    # ------------------------------------------------------------------ service description
    async def _service_description(self, request: Request, override: list[str]) -> Response:
        offers = (*GRAPH_FORMATS, HTML)
        fmt = negotiate(offers, request.headers.get("accept"), override)
        if fmt is None:
            raise ProtocolError(
                406 if override else 400,
                "no query given. GET /sparql?query=... runs a query; GET /sparql alone returns the service "
                f"description, as one of: {media_types(offers)}",
            )
        endpoint = self.settings.endpoint_url(str(request.url))
        triples = service_description.description(
            endpoint, federated=bool(self.partners), quads=await self._statement_count()
        )
        body = service_description.render(triples, fmt, endpoint)
        return Response(body, media_type=fmt.media_type, headers={"Vary": "Accept"})

    async def _statement_count(self) -> int | None:
        """Statements in the store, counted once per store version; None when that is not cheap.

        A count that takes longer than a few seconds (a very large store) is given up for that
        version; a count refused because all workers are busy is tried again next time.
        """
        version = await anyio.to_thread.run_sync(StoreDir(self.settings.store).current_version)
        if self._count is not None and self._count[0] == version:
            return self._count[1]
        try:
            output = await self.pool.aexecute(QueryTask("", op="count"), timeout=_DESCRIPTION_COUNT_TIMEOUT, wait=0)
            count = int(output.body)
        except PoolBusy:
            return None
        except QueryError as exc:
            log.info("service description without void:triples for version %s: %s", version, exc.message)
            count = None
        self._count = (version, count)
        return count


# ---------------------------------------------------------------------- request parsing
@functools.lru_cache(maxsize=256)
def _scan_cached(query: str, base_iri: str) -> QueryScan:
    return scan(query, base_iri)


def _scan(query: str, base_iri: str) -> QueryScan:
    """:func:`scan`, remembered for short queries: clients repeat the same queries (dashboards, the
    examples), and scanning one in Python costs 0.1-0.2 ms of the front process's CPU per request.
    The result is shared: callers only read it."""
    return _scan_cached(query, base_iri) if len(query) <= 16_384 else scan(query, base_iri)


def _parse_form(data: bytes, where: str) -> Params:
    """``key=value&...`` pairs, decoded strictly (invalid percent-encoded UTF-8 is a 400, not U+FFFD).

    What ``parse_qsl(text, keep_blank_values=True, errors="strict")`` gives (tests/server/test_parsing.py
    compares them), about ten times faster on an encoded query, which every GET carries.
    """
    try:
        data.decode("ascii")
        pairs = []
        for field in data.split(b"&"):
            if field:
                name, _, value = field.partition(b"=")
                pairs.append((_unquote_plus(name), _unquote_plus(value)))
        return pairs
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProtocolError(400, f"{where} is not valid URL-encoded UTF-8: {exc}") from None


_MALFORMED_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")


def _unquote_plus(raw: bytes) -> str:
    """``+`` and ``%XX`` decoded, then UTF-8 (strict). ``urllib``'s unquote is a Python loop over the
    escapes; quoted-printable decoding, in C, does the same once every ``%`` is a valid escape and the
    text's own ``=`` are escaped. A malformed escape (kept as it is, like urllib does) takes urllib's path."""
    raw = raw.replace(b"+", b" ")
    if b"%" in raw:
        if _MALFORMED_ESCAPE.search(raw):
            raw = unquote_to_bytes(raw)
        else:
            raw = binascii.a2b_qp(raw.replace(b"=", b"=3D").replace(b"%", b"="))
    return raw.decode("utf-8")


@functools.lru_cache(maxsize=256)
def _negotiate_cached(accept: str | None, override: tuple[str, ...]) -> tuple[Format | None, Format | None]:
    return negotiate(RESULT_FORMATS, accept, override), negotiate(GRAPH_FORMATS, accept, override)


def _negotiate(accept: str | None, override: tuple[str, ...]) -> tuple[Format | None, Format | None]:
    """The results format and the graph format for a request. Clients repeat the same Accept header,
    and negotiating it costs 20-60 µs, so short headers are remembered."""
    if accept is not None and len(accept) > 1024:
        return negotiate(RESULT_FORMATS, accept, override), negotiate(GRAPH_FORMATS, accept, override)
    return _negotiate_cached(accept, override)


def _utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(400, f"{what} is not valid UTF-8 ({exc}); the SPARQL protocol requires UTF-8") from None


def _content_type(header: str) -> tuple[str, str | None]:
    media_type, *parameters = (part.strip() for part in header.split(";"))
    charset = None
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media_type.lower(), charset


def _has(params: Params, *keys: str) -> bool:
    return any(key in keys for key, _ in params)


def _formats(params: Params) -> list[str]:
    """The non-empty ``format`` values, in order (clients repeat it: format=tsv&format=text/tab-separated-values)."""
    values = [value for key, value in params if key == "format" and value.strip()]
    if values and not any(is_known_format(value) for value in values):
        names = ", ".join(fmt.name for fmt in ALL_FORMATS if fmt is not HTML)
        raise ProtocolError(400, f"unknown format {', '.join(values)}: use one of {names} or a media type")
    return values


def _iris(params: Params, key: str) -> list[str]:
    iris = [value for k, value in params if k == key]
    for iri in iris:
        try:
            ox.NamedNode(iri)
        except ValueError as exc:
            raise ProtocolError(400, f"{key}: '{iri}' is not an absolute IRI ({exc})") from None
    return iris


def _normal(url: str) -> str:
    """An endpoint URL compared case-insensitively in its scheme and host, exactly elsewhere."""
    parts = urlsplit(url.strip())
    return parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower()).geturl()


def _not_acceptable(kind: str | None) -> str:
    if kind == "results":
        return f"none of the acceptable formats can hold SELECT/ASK results; available: {media_types(RESULT_FORMATS)}"
    if kind == "graph":
        return f"none of the acceptable formats can hold an RDF graph; available: {media_types(GRAPH_FORMATS)}"
    return (
        "none of the acceptable formats is one this endpoint produces; available: "
        f"{media_types(RESULT_FORMATS)} (SELECT/ASK) and {media_types(GRAPH_FORMATS)} (CONSTRUCT/DESCRIBE)"
    )


# ---------------------------------------------------------------------- the router
_RESPONSES: dict[int | str, dict] = {
    200: {
        "description": "Query results (SELECT/ASK: SPARQL JSON, XML, CSV, TSV; CONSTRUCT/DESCRIBE: Turtle, "
        "N-Triples, N-Quads, RDF/XML, JSON-LD) or, without a query, the service description.",
        "content": {fmt.media_type: {} for fmt in ALL_FORMATS},
    },
    400: {"description": "Malformed request: syntax error, no or several queries, SERVICE not allowed."},
    403: {"description": "An update: this endpoint is read-only."},
    406: {"description": "None of the acceptable formats can hold the result."},
    413: {"description": "Request body over the limit."},
    415: {"description": "POST body type other than application/sparql-query or form-encoded."},
    422: {"description": "Result over the size limit."},
    502: {"description": "A SERVICE partner failed."},
    503: {"description": "Time limit reached, or all query workers busy (see Retry-After)."},
}


def _parameter(name: str, description: str, *, many: bool = False) -> dict:
    schema: dict = {"type": "array", "items": {"type": "string"}} if many else {"type": "string"}
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
        "explode": True,
    }


_DATASET_PARAMETERS = [
    _parameter("default-graph-uri", "A graph of the default graph (replaces FROM).", many=True),
    _parameter("named-graph-uri", "A named graph the query may use (replaces FROM NAMED).", many=True),
    _parameter(
        "format", "Result format, overriding Accept: json, xml, csv, tsv, ttl, nt, nq, rdf, jsonld or a media type."
    ),
]


def sparql_router(endpoint: SparqlEndpoint) -> APIRouter:
    """The ``/sparql`` routes of ``endpoint``."""
    router = APIRouter(tags=["SPARQL"])
    router.add_api_route(
        "/sparql",
        endpoint.get,
        methods=["GET"],
        summary="Run a SPARQL query (or get the service description)",
        description="SPARQL 1.1 Protocol query by GET. Without a query, returns the SPARQL service description.",
        response_class=Response,
        responses=_RESPONSES,
        openapi_extra={"parameters": [_parameter("query", "The SPARQL query."), *_DATASET_PARAMETERS]},
    )
    router.add_api_route(
        "/sparql",
        endpoint.post,
        methods=["POST"],
        summary="Run a SPARQL query sent in the body",
        description=f"SPARQL 1.1 Protocol query by POST: `{FORM_TYPE}` with `query=...`, or the query itself as "
        f"`{QUERY_TYPE}`. Updates are refused (403).",
        response_class=Response,
        responses=_RESPONSES,
        openapi_extra={
            "parameters": _DATASET_PARAMETERS,
            "requestBody": {
                "required": True,
                "content": {
                    QUERY_TYPE: {"schema": {"type": "string"}},
                    FORM_TYPE: {
                        "schema": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}
                    },
                },
            },
        },
    )
    return router
