"""A local stand-in for the source APIs: replays real records on 127.0.0.1 and injects faults.

A Starlette app served by uvicorn in a thread on a free port. It answers the requests the
harvesters make (ENA portal search/count and browser XML, UniProt search with Link headers, PDBe
entry files, PRIDE search and projects, ChEMBL web-service pages with page_meta.next, Europe PMC
search with cursorMark) from a :class:`Dataset` the test builds from data/records and may change
between runs (to add, change and withdraw records). Each record carries a hidden modification date
the date filters use.

Paging follows each API's habits: the ENA portal answers 500 when asked past the end; Europe PMC
ends with an empty page whose nextCursorMark repeats the cursor; PRIDE ends with an empty page.
:meth:`Replay.fault` queues faults for matching requests: ``429`` (with Retry-After), ``500``,
``slow`` (answers after the client's timeout), ``truncate`` (half the body, sent as a complete
chunked response).
"""

from __future__ import annotations

import asyncio
import base64
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route


@dataclass
class Dataset:
    """What the replayed APIs hold; each list item is (record, modification date 'YYYY-MM-DD')."""

    ena: dict[str, list[tuple[dict[str, str], str]]] = field(default_factory=dict)  # result -> rows
    ena_xml: dict[str, str] = field(default_factory=dict)  # accession -> browser XML element
    uniprot: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    uniprot_tags: dict[str, set[str]] = field(default_factory=dict)  # accession -> proteome ids
    pdbe: dict[str, bytes] = field(default_factory=dict)  # lower-case id -> mmCIF
    pride: list[dict[str, Any]] = field(default_factory=list)
    chembl_release: str = "ChEMBL_28"
    chembl: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # resource -> items
    europepmc: list[tuple[dict[str, Any], str]] = field(default_factory=list)


@dataclass
class Fault:
    path: str  # the request path ends with this
    kind: str  # "429", "500", "slow", "truncate"
    params: dict[str, str] = field(default_factory=dict)  # and has these query parameters
    times: int = 1


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def _offset(cursor: str | None) -> int:
    if not cursor or cursor == "*":
        return 0
    return int(base64.urlsafe_b64decode(cursor.encode()).decode()[2:])


class Replay:
    def __init__(self, data: Dataset, slow_seconds: float = 2.0) -> None:
        self.data = data
        self.slow_seconds = slow_seconds
        self.faults: list[Fault] = []
        self.log: list[tuple[str, dict[str, str]]] = []
        self.agents: set[str] = set()
        self.faults_served: list[tuple[str, str]] = []
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        routes = [
            Route("/ena/portal/api/search", self.ena_search),
            Route("/ena/portal/api/count", self.ena_count),
            Route("/ena/browser/api/xml/{ids}", self.ena_xml),
            Route("/uniprot/uniprotkb/search", self.uniprot_search),
            Route("/pdbe/entry-files/download/{name}", self.pdbe_entry),
            Route("/pride/search/projects", self.pride_search),
            Route("/pride/projects/{accession}", self.pride_project),
            Route("/chembl/api/data/status.json", self.chembl_status),
            Route("/chembl/api/data/{resource}.json", self.chembl_list),
            Route("/europepmc/search", self.europepmc_search),
        ]
        self.app = Starlette(routes=routes)
        self.app.add_middleware(_FaultMiddleware, replay=self)
        self._server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning"))
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    # ------------------------------------------------------------- lifecycle
    def start(self) -> Replay:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("replay server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def fault(self, path: str, kind: str, times: int = 1, **params: str) -> None:
        self.faults.append(Fault(path, kind, {k: str(v) for k, v in params.items()}, times))

    def requests(self, path: str) -> list[dict[str, str]]:
        return [params for p, params in self.log if p.endswith(path)]

    def _take_fault(self, request: Request) -> Fault | None:
        params = dict(request.query_params)
        for fault in self.faults:
            if (
                fault.times > 0
                and request.url.path.endswith(fault.path)
                and all(params.get(k) == v for k, v in fault.params.items())
            ):
                fault.times -= 1
                self.faults_served.append((request.url.path, fault.kind))
                return fault
        return None

    # ------------------------------------------------------------- ENA
    def _ena_rows(self, request: Request) -> list[dict[str, str]]:
        q = request.query_params
        query = q.get("query", "")
        rows = []
        for row, updated in self.data.ena.get(q.get("result", ""), []):
            ok = True
            for _name, op, value in re.findall(r"(\w+)(>=|<=|<|>)(\d{4}-\d{2}-\d{2})", query):
                ok &= {">=": updated >= value, "<=": updated <= value, "<": updated < value, ">": updated > value}[op]
            for name, value in re.findall(r'(\w+)="([^"]*)"', query):
                ok &= row.get(name) == value
            if ok:
                rows.append(row)
        return sorted(rows, key=_row_key)

    async def ena_count(self, request: Request) -> Response:
        return PlainTextResponse(str(len(self._ena_rows(request))))

    async def ena_search(self, request: Request) -> Response:
        q = request.query_params
        rows = self._ena_rows(request)
        offset, limit = int(q.get("offset", 0)), int(q.get("limit", 100000))
        if offset and offset >= len(rows):
            return PlainTextResponse("Internal Server Error", status_code=500)  # as the portal API does
        fields = [f for f in q.get("fields", "").split(",") if f]
        page = rows[offset : offset + limit]
        if fields:
            page = [{f: row[f] for f in fields if f in row} for row in page]
        return JSONResponse(page)

    async def ena_xml(self, request: Request) -> Response:
        ids = request.path_params["ids"].split(",")
        elems = [self.data.ena_xml[i] for i in ids if i in self.data.ena_xml]
        tag = re.match(r"<(\w+)", elems[0]).group(1) if elems else "STUDY"  # type: ignore[union-attr]
        body = f'<?xml version="1.0" encoding="UTF-8"?>\n<{tag}_SET>\n' + "\n".join(elems) + f"\n</{tag}_SET>\n"
        return Response(body, media_type="application/xml")

    # ------------------------------------------------------------- UniProt
    async def uniprot_search(self, request: Request) -> Response:
        q = request.query_params
        query = q.get("query", "")
        accessions = set(re.findall(r"accession:([A-Z0-9]+)", query))
        organisms = re.findall(r"organism_id:(\d+)", query)
        proteomes = re.findall(r"proteome:(\w+)", query)
        since = re.findall(r"date_modified:\[(\S+) TO", query)
        hits = []
        for entry, modified in self.data.uniprot:
            acc = entry["primaryAccession"]
            if accessions and acc not in accessions:
                continue
            if organisms and str(entry["organism"]["taxonId"]) not in organisms:
                continue
            if proteomes and not set(proteomes) & self.data.uniprot_tags.get(acc, set()):
                continue
            if since and modified < since[0]:
                continue
            hits.append(entry)
        size = int(q.get("size", 25))
        offset = _offset(q.get("cursor"))
        page = hits[offset : offset + size]
        headers = {"X-Total-Results": str(len(hits))}
        if offset + size < len(hits):
            url = request.url.include_query_params(cursor=_cursor(offset + size))
            headers["Link"] = f'<{url}>; rel="next"'
        return JSONResponse({"results": page}, headers=headers)

    # ------------------------------------------------------------- PDBe
    async def pdbe_entry(self, request: Request) -> Response:
        name = request.path_params["name"]
        body = self.data.pdbe.get(name.split("_")[0].split(".")[0])
        if body is None:
            return PlainTextResponse("Not Found", status_code=404)
        return Response(body, media_type="chemical/x-mmcif")

    # ------------------------------------------------------------- PRIDE
    async def pride_search(self, request: Request) -> Response:
        q = request.query_params
        page, size = int(q.get("page", 0)), int(q.get("pageSize", 100))
        items = self.data.pride[page * size : (page + 1) * size]
        return JSONResponse([{"accession": p["accession"], "title": p.get("title")} for p in items])

    async def pride_project(self, request: Request) -> Response:
        acc = request.path_params["accession"]
        for project in self.data.pride:
            if project["accession"] == acc:
                return JSONResponse(project)
        return PlainTextResponse("Not Found", status_code=404)

    # ------------------------------------------------------------- ChEMBL
    async def chembl_status(self, request: Request) -> Response:
        return JSONResponse({"chembl_db_version": self.data.chembl_release, "status": "UP"})

    async def chembl_list(self, request: Request) -> Response:
        resource = request.path_params["resource"]
        q = request.query_params
        items = self.data.chembl.get(resource, [])
        for key, value in q.items():
            if key.endswith("__in"):
                wanted = set(value.split(","))
                items = [i for i in items if str(i.get(key[:-4])) in wanted]
        limit, offset = int(q.get("limit", 20)), int(q.get("offset", 0))
        page = items[offset : offset + limit]
        nxt = None
        if offset + limit < len(items):
            nxt = str(request.url.include_query_params(offset=offset + limit)).removeprefix(self.url)
        meta = {"limit": limit, "offset": offset, "total_count": len(items), "next": nxt, "previous": None}
        key = {"activity": "activities", "molecule": "molecules"}[resource]
        return JSONResponse({key: page, "page_meta": meta})

    # ------------------------------------------------------------- Europe PMC
    async def europepmc_search(self, request: Request) -> Response:
        q = request.query_params
        query = q.get("query", "")
        window = re.findall(r"[A-Z_]+:\[(\S+) TO (\S+)\]", query)
        hits = []
        for item, modified in self.data.europepmc:
            if window and not (modified >= window[0][0] and (window[0][1] == "*" or modified <= window[0][1])):
                continue
            hits.append(item if q.get("resultType") != "idlist" else {"id": item["id"], "source": item["source"]})
        size = int(q.get("pageSize", 25))
        cursor = q.get("cursorMark", "*")
        offset = _offset(cursor)
        page = hits[offset : offset + size]
        next_mark = _cursor(offset + len(page)) if page else cursor  # an empty last page repeats the cursor
        return JSONResponse({
            "version": "6.9", "hitCount": len(hits), "nextCursorMark": next_mark,
            "request": {"queryString": query, "resultType": q.get("resultType"), "cursorMark": cursor,
                        "pageSize": size},
            "resultList": {"result": page},
        })  # fmt: skip


class _FaultMiddleware:
    """Logs every request and serves the first queued fault that matches it."""

    def __init__(self, app: Any, replay: Replay) -> None:
        self.app = app
        self.replay = replay

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        self.replay.log.append((request.url.path, dict(request.query_params)))
        self.replay.agents.add(request.headers.get("user-agent", ""))
        fault = self.replay._take_fault(request)
        if fault is None:
            await self.app(scope, receive, send)
        elif fault.kind == "429":
            await PlainTextResponse("Too Many Requests", status_code=429, headers={"Retry-After": "1"})(
                scope, receive, send
            )
        elif fault.kind == "500":
            await PlainTextResponse("Internal Server Error", status_code=500)(scope, receive, send)
        elif fault.kind == "slow":
            await asyncio.sleep(self.replay.slow_seconds)
            await self.app(scope, receive, send)
        elif fault.kind == "truncate":
            await _truncated(self.app, scope, receive, send)
        else:
            raise ValueError(fault.kind)


async def _truncated(app: Any, scope: Any, receive: Any, send: Any) -> None:
    """Run the app, then send only the first half of its body as a complete chunked response."""
    status = 200
    chunks: list[bytes] = []

    async def capture(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, capture)
    body = b"".join(chunks)

    async def half() -> Any:
        yield body[: len(body) // 2]

    await StreamingResponse(half(), status_code=status, media_type="application/json")(scope, receive, send)


def _row_key(row: dict[str, str]) -> str:
    for name in ("run_accession", "accession", "secondary_study_accession", "secondary_sample_accession"):
        if row.get(name):
            return row[name]
    return ""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
