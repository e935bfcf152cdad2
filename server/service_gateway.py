"""Per-SERVICE time and size limits, and partial answers, for federated queries.

pyoxigraph 0.5 evaluates SERVICE itself, over its own HTTP client, and offers no option for it: no
timeout (a partner that accepts the connection and never answers holds the query until the worker's
overall time limit kills it, and then the whole answer is lost) and no result limit. So a query
worker does not let pyoxigraph call partners directly. Each worker runs a small HTTP gateway on
127.0.0.1 (a thread), and before a federated query runs, every SERVICE endpoint in its text is
rewritten to a gateway URL private to that query (``/<random token>/<n>``). The gateway forwards
the request (method, body, Accept) to the real partner with httpx, under

- a time limit per SERVICE call (``service_timeout``: connecting, sending and the whole answer), and
- a size limit (``service_max_bytes``): a larger answer is refused, never cut (a truncated SPARQL
  result cannot be parsed, and a silently shortened one would be wrong).

A call that fails (refused connection, reset, time limit, size limit, HTTP error from the partner)
is answered 502 to pyoxigraph and recorded as a warning naming the partner and the reason. Then the
SPARQL semantics decide: ``SERVICE SILENT`` goes on without that partner (the answer is partial,
and the server says so in ``Warning`` / ``X-Federation-Warnings`` headers); a plain ``SERVICE`` fails
the query (502, with the warning as the message). Either way it happens within ``service_timeout``,
never at the end of the query's time limit.

Speed: a SERVICE to this node's own endpoint, in a query over the union default graph, is
evaluated locally (the clause becomes a plain group: same answer, no hop). pyoxigraph calls SERVICE
endpoints one after the other, and each call costs a round trip
through the partner's server. So when a partner appears in exactly one SERVICE clause, the gateway
sends that clause's pattern (``SELECT * WHERE { ... }`` with the query's prologue, which is what
pyoxigraph sends too: it passes no bindings) to every such partner at once, as soon as the query is
set up, and answers pyoxigraph's call from that prefetched answer. A prefetched failure becomes a
warning only if pyoxigraph actually calls that SERVICE.

The server has already refused any SERVICE endpoint that is not a configured partner
(``server.query_scan``); the gateway only forwards to the endpoints of the query it was set up for,
under a random token, so other local processes cannot use it as an open relay.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from server.query_scan import QueryScan, scan, tokens

log = logging.getLogger(__name__)

FORWARDED_HEADERS = ("accept", "content-type")


@dataclass
class Route:
    """The partners one federated query may call through the gateway, and what went wrong."""

    endpoints: list[str]
    timeout: float
    max_bytes: int
    warnings: list[str] = field(default_factory=list)
    calls: list[tuple[str, float, int]] = field(default_factory=list)  # (endpoint, seconds, status)
    lock: threading.Lock = field(default_factory=threading.Lock)
    prefetched: dict[int, Future[_Answer]] = field(default_factory=dict)  # endpoint index -> its answer

    def warn(self, endpoint: str, reason: str) -> None:
        message = f"SERVICE <{endpoint}> failed: {reason}"
        log.warning("%s", message)
        with self.lock:
            if message not in self.warnings:
                self.warnings.append(message)


class ServiceGateway:
    """The loopback HTTP gateway of one worker process (started on first use)."""

    def __init__(self) -> None:
        self._routes: dict[str, Route] = {}
        self._server: ThreadingHTTPServer | None = None
        self._client = httpx.Client(follow_redirects=True, headers={"user-agent": "covid-portal federation"})
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="service-prefetch")

    @property
    def base(self) -> str:
        if self._server is None:
            self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
            self._server.daemon_threads = True
            threading.Thread(target=self._server.serve_forever, name="service-gateway", daemon=True).start()
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @contextlib.contextmanager
    def route(self, query: str, base_iri: str | None, timeout: float, max_bytes: int,
              local: str | None = None) -> Iterator[tuple[str, Route]]:  # fmt: skip
        """The query rewritten to call its SERVICE endpoints through the gateway, and the route's record.

        ``local``: this node's own endpoint, when the query's dataset is the one that endpoint serves (the
        union default graph): ``SERVICE <local> { P }`` is then evaluated here as ``{ P }``, saving a hop.
        """
        found = scan(query, base_iri or "")
        here = local.rstrip("/") if local else None
        endpoints = list(dict.fromkeys(e for e in found.services if e is not None and e.rstrip("/") != here))
        token = secrets.token_urlsafe(16)
        route = Route(endpoints, timeout, max_bytes)
        toks = tokens(query)
        keyword = {t.start: k for k, t in enumerate(toks)}
        pieces, last = [], 0
        for (start, end), endpoint in zip(found.service_spans, found.services, strict=True):
            if endpoint is None:  # refused by the server before; left for pyoxigraph to reject
                continue
            if endpoint.rstrip("/") == here:  # drop "SERVICE [SILENT] <local>", keep its group
                k = keyword[start] - 1
                k -= 1 if toks[k].text.upper() == "SILENT" else 0
                pieces.append(query[last : toks[k].start])
            else:
                pieces += [query[last:start], f"<{self.base}/{token}/{endpoints.index(endpoint)}>"]
            last = end
        pieces.append(query[last:])
        base = f"BASE <{base_iri}>\n" if base_iri else ""  # as the query itself is parsed
        for index, pattern in _single_patterns(query, found, endpoints).items():
            pattern = base + pattern
            route.prefetched[index] = self._pool.submit(
                self._call, route, endpoints[index], "POST", endpoints[index], PREFETCH_HEADERS, pattern.encode()
            )
        self._routes[token] = route
        try:
            yield "".join(pieces), route
        finally:
            self._routes.pop(token, None)
            for future in route.prefetched.values():
                future.cancel()

    def forward(self, token: str, index: str, method: str, query_string: str, headers: dict[str, str],
                body: bytes) -> tuple[int, str, bytes]:  # fmt: skip
        """Call the partner; (status, content type, body) for pyoxigraph."""
        route = self._routes.get(token)
        if route is None or not index.isdigit() or int(index) >= len(route.endpoints):
            return 404, "text/plain", b"unknown gateway route\n"
        endpoint = route.endpoints[int(index)]
        prefetched = route.prefetched.get(int(index))
        if prefetched is not None:
            answer = prefetched.result()  # bounded: the call has its own time limit
        else:
            url = endpoint + ("&" if "?" in endpoint else "?") + query_string if query_string else endpoint
            answer = self._call(route, endpoint, method, url, headers, body)
        if answer.warning is not None:
            route.warn(endpoint, answer.warning)
        with route.lock:
            route.calls.append((endpoint, answer.seconds, answer.status))
        return answer.status, answer.content_type, answer.data

    def _call(self, route: Route, endpoint: str, method: str, url: str, headers: dict[str, str],
              body: bytes) -> _Answer:  # fmt: skip
        """One call to a partner, never raising: its answer, or a 502 with the reason as a warning."""
        started = time.monotonic()
        warning = None
        try:
            status, content_type, data = self._fetch(route, method, url, headers, body, started)
        except _Failed as exc:
            warning = str(exc)
        except httpx.TimeoutException:
            warning = f"no answer within the SERVICE time limit of {route.timeout:g} s"
        except httpx.HTTPError as exc:
            warning = f"unreachable ({type(exc).__name__}: {exc or 'connection failed'})"
        if warning is not None:
            status, content_type, data = 502, "text/plain", f"{warning}\n".encode()
        return _Answer(status, content_type, data, time.monotonic() - started, warning)

    def _fetch(self, route: Route, method: str, url: str, headers: dict[str, str], body: bytes,
               started: float) -> tuple[int, str, bytes]:  # fmt: skip
        deadline = started + route.timeout
        with self._client.stream(
            method, url, headers=headers, content=body or None, timeout=httpx.Timeout(route.timeout)
        ) as response:
            data = bytearray()
            for chunk in response.iter_bytes():
                data += chunk
                if len(data) > route.max_bytes:
                    raise _Failed(
                        f"its answer is larger than the SERVICE result limit of {route.max_bytes:,} bytes "
                        "(COVID_PORTAL_SERVICE_MAX_BYTES); narrow the SERVICE pattern"
                    )
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout("too slow")
            if response.status_code >= 400:
                text = bytes(data[:200]).decode("utf-8", "replace").strip()
                raise _Failed(f"the partner answered HTTP {response.status_code}: {text}")
            return response.status_code, response.headers.get("content-type", ""), bytes(data)


class _Failed(Exception):
    pass


@dataclass
class _Answer:
    status: int
    content_type: str
    data: bytes
    seconds: float
    warning: str | None = None


PREFETCH_HEADERS = {
    "accept": "application/sparql-results+json",
    "content-type": "application/sparql-query",
}
_QUERY_FORMS = {"SELECT", "CONSTRUCT", "ASK", "DESCRIBE"}


def _single_patterns(query: str, found: QueryScan, endpoints: list[str]) -> dict[int, str]:
    """endpoint index -> ``<prologue> SELECT * WHERE { pattern }`` for each endpoint named by one SERVICE only."""
    toks = tokens(query)
    prologue_end = next((t.start for t in toks if t.kind == "word" and t.text.upper() in _QUERY_FORMS), None)
    if prologue_end is None:
        return {}
    counts = {e: found.services.count(e) for e in endpoints}
    out: dict[int, str] = {}
    for (_, end), endpoint in zip(found.service_spans, found.services, strict=True):
        if counts.get(endpoint) != 1:  # a variable, this node itself, or named in several clauses
            continue
        opening = next((k for k, t in enumerate(toks) if t.start >= end), None)
        if opening is None or toks[opening].text != "{":
            continue
        depth = 0
        for tok in toks[opening:]:
            if tok.kind == "punct" and tok.text in "{}":
                depth += 1 if tok.text == "{" else -1
                if depth == 0:
                    block = query[toks[opening].start : tok.end]
                    out[endpoints.index(endpoint)] = f"{query[:prologue_end]}SELECT * WHERE {block}"
                    break
    return out


def _handler(gateway: ServiceGateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            path, _, query_string = self.path.partition("?")
            parts = path.strip("/").split("/")
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k: v for k, v in self.headers.items() if k.lower() in FORWARDED_HEADERS}
            if len(parts) != 2:
                status, content_type, data = 404, "text/plain", b"not found\n"
            else:
                status, content_type, data = gateway.forward(parts[0], parts[1], self.command, query_string,
                                                             headers, body)  # fmt: skip
            self.send_response(status)
            self.send_header("Content-Type", content_type or "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = _serve
        do_POST = _serve

        def log_message(self, format: str, *args: object) -> None:
            log.debug("gateway: " + format, *args)

    return Handler
