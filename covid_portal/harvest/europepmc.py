"""Europe PMC REST: COVID-19 literature, paged with cursorMark.

The search pages with ``cursorMark`` (``*`` first); the harvest ends when ``nextCursorMark`` is
missing or repeats the cursor just sent, or a page comes back empty. Updates add
``UPDATE_DATE:[since TO *]`` (the configured ``date_field``; ``FIRST_IDATE`` would catch only new
records) to the query; withdrawn records are
found by listing every id of the query (``resultType=idlist``). Pages are written as the search
response (``resultList.result``), which the europepmc loader reads; record ids are ``core/SOURCE:id`` (the loader's).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from covid_portal.harvest.base import Harvester, Page, Record, json_bytes, json_sha
from covid_portal.harvest.config import EuropePmcConfig
from covid_portal.harvest.http import BadBody


def record_id(item: dict[str, Any], view: str) -> str | None:
    """The europepmc loader's id of a search result: ``core/MED:123`` (the result type names the view)."""
    source = str(item.get("source") or "").strip()
    local = str(item.get("id") or "").strip()
    if not local:
        return None
    return f"{view}/{source}:{local}" if source else f"{view}/{local}"


class EuropePmcHarvester(Harvester):
    name = "europepmc"
    source = "europepmc"
    strategy = "modified"

    @property
    def cfg(self) -> EuropePmcConfig:
        return self.config.europepmc

    def query(self) -> dict[str, Any]:
        return {"query": self.cfg.query, "resultType": self.cfg.result_type, "date_field": self.cfg.date_field}

    def tasks(self, since: str | None) -> list[dict[str, Any]]:
        query = self.cfg.query
        if since:
            query = f"({query}) AND ({self.cfg.date_field}:[{since[:10]} TO *])"
        return [{"key": "search", "query": query}]

    def pages(self, task: dict[str, Any], cursor: Any) -> Iterator[Page]:
        for doc, next_cursor in self._search(task["query"], self.cfg.result_type, cursor or "*"):
            results = doc["resultList"]["result"]
            view = self.cfg.result_type
            records = [Record(rid, item, json_sha(item)) for item in results if (rid := record_id(item, view))]
            wrapper = {key: doc[key] for key in ("version", "hitCount", "request") if key in doc}
            yield Page(records, lambda objs, w=wrapper: json_bytes({**w, "resultList": {"result": objs}}), "json",
                       next_cursor)  # fmt: skip

    def current_ids(self) -> set[str] | None:
        if not self.cfg.withdrawals:
            return None
        ids: set[str] = set()
        for doc, _ in self._search(self.cfg.query, "idlist", "*"):
            ids.update(rid for item in doc["resultList"]["result"] if (rid := record_id(item, self.cfg.result_type)))
        return ids

    def _search(self, query: str, result_type: str, cursor: str) -> Iterator[tuple[dict[str, Any], str | None]]:
        while True:
            params = {"query": query, "format": "json", "resultType": result_type, "pageSize": self.cfg.page_size,
                      "cursorMark": cursor}  # fmt: skip
            _, doc = self.client.get(self.url("/search"), params, validate=_search_page)
            results = doc["resultList"]["result"]
            nxt = doc.get("nextCursorMark")
            done = not results or not nxt or nxt == cursor
            yield doc, None if done else nxt
            if done:
                return
            cursor = nxt


def _search_page(response: Any) -> dict[str, Any]:
    try:
        doc = response.json()
    except ValueError as exc:
        raise BadBody(f"not complete JSON: {exc}") from None
    results = doc.get("resultList", {}).get("result") if isinstance(doc, dict) else None
    if not isinstance(results, list):
        raise BadBody("no resultList.result list")
    return doc
