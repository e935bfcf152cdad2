"""ENA portal and browser APIs: SARS-CoV-2 sequences, reads, samples and studies (and host reads).

Each configured query (``result`` + ``query``, ANDed with the node's ``filter`` such as
``country="Sweden"``) is cut into date slices on ``date_field`` (``last_updated`` by default):
``slice_days`` long at first, halved while ``/count`` says a slice holds more than
``max_results``, so no slice runs into the portal's result caps. A slice pages with
``offset``/``limit`` and stops at its count: the portal answers 500 rather than an empty page
when asked past the end, so it is never asked. Rows are written as the portal's JSON array,
which the ena loader reads. With ``xml = true`` the rows only name accessions and the records
are the browser API's XML (``/xml/{acc,acc,...}``, a STUDY_SET, SAMPLE_SET, ...).

Updates harvest the slices from the last run's date on; withdrawn (suppressed, cancelled) records
are found by listing the current accessions of every query.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

from covid_portal.harvest.base import Harvester, Page, Record, json_bytes, json_sha
from covid_portal.harvest.config import ENA_ID_RANK, ENA_OWN_ID, EnaConfig, EnaQuery
from covid_portal.harvest.http import BadBody

# the browser XML names studies and samples by their secondary (ERP/SRP, ERS/SRS) accessions
XML_ID_FIELD = {**ENA_OWN_ID, "sample": "secondary_sample_accession", "study": "secondary_study_accession"}
XML_SET = {"read_run": "RUN_SET", "read_experiment": "EXPERIMENT_SET", "sample": "SAMPLE_SET", "study": "STUDY_SET"}


def row_id(row: dict[str, Any]) -> str | None:
    """The record id the ena loader gives a portal row: its first run/experiment/sample/study accession."""
    for name in ENA_ID_RANK:
        value = row.get(name)
        if value not in (None, ""):
            return str(value).strip()
    return None


class EnaHarvester(Harvester):
    name = "ena"
    source = "ena"
    strategy = "modified"

    @property
    def cfg(self) -> EnaConfig:
        return self.config.ena

    def query(self) -> dict[str, Any]:
        return {"filter": self.cfg.filter, "queries": [q.model_dump() for q in self.cfg.queries]}

    def full_query(self, q: EnaQuery, start: dt.date | None = None, end: dt.date | None = None) -> str:
        parts = [f"({q.query})"]
        if self.cfg.filter:
            parts.append(f"({self.cfg.filter})")
        if start is not None:
            parts.append(f"{q.date_field}>={start.isoformat()}")
        if end is not None:
            parts.append(f"{q.date_field}<{end.isoformat()}")
        return " AND ".join(parts)

    # ------------------------------------------------------------ slices
    def tasks(self, since: str | None) -> list[dict[str, Any]]:
        start = dt.date.fromisoformat(since[:10]) if since else self.cfg.start_date
        end = dt.date.today() + dt.timedelta(days=1)
        tasks: list[dict[str, Any]] = []
        for q in self.cfg.queries:
            tasks.extend(self._slices(q, start, end))
        return tasks

    def _slices(self, q: EnaQuery, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        pending: list[tuple[dt.date, dt.date]] = []
        a = start
        while a < end:
            b = min(end, a + dt.timedelta(days=self.cfg.slice_days))
            pending.append((a, b))
            a = b
        while pending:
            a, b = pending.pop(0)
            count = self._count(q, a, b)
            if count > self.cfg.max_results and (b - a).days > 1:
                middle = a + dt.timedelta(days=(b - a).days // 2)
                pending[0:0] = [(a, middle), (middle, b)]
                continue
            if count:
                out.append({"key": f"{q.name}-{a:%Y%m%d}", "query": q.name, "from": a.isoformat(),
                            "to": b.isoformat(), "count": count})  # fmt: skip
        return out

    def _count(self, q: EnaQuery, a: dt.date | None, b: dt.date | None) -> int:
        params = {"result": q.result, "query": self.full_query(q, a, b), "format": "json"}
        _, count = self.client.get(self.url("/count"), params, validate=_count_body)
        return count

    # ------------------------------------------------------------ pages
    def _query(self, name: str) -> EnaQuery:
        return next(q for q in self.cfg.queries if q.name == name)

    def pages(self, task: dict[str, Any], cursor: Any) -> Iterator[Page]:
        q = self._query(task["query"])
        a, b = dt.date.fromisoformat(task["from"]), dt.date.fromisoformat(task["to"])
        fields = [XML_ID_FIELD[q.result]] if q.xml else q.fields
        for rows, next_offset in self._rows(q, a, b, task["count"], fields, cursor or 0):
            if q.xml:
                yield self._xml_page(q, rows, next_offset)
            else:
                records = [Record(rid, row, json_sha(row)) for row in rows if (rid := row_id(row))]
                yield Page(records, json_bytes, "json", next_offset)

    def _rows(self, q: EnaQuery, a: dt.date | None, b: dt.date | None, count: int, fields: list[str],
              offset: int) -> Iterator[tuple[list[dict[str, Any]], int | None]]:  # fmt: skip
        query = self.full_query(q, a, b)
        size = self.cfg.page_size
        while offset < count:
            params: dict[str, Any] = {"result": q.result, "query": query, "format": "json", "limit": size,
                                      "offset": offset}  # fmt: skip
            if fields:
                params["fields"] = ",".join(fields)
            _, rows = self.client.get(self.url("/search"), params, validate=_rows_body)
            offset += len(rows)
            done = len(rows) < size or offset >= count
            yield rows, None if done else offset
            if done:
                return
        if offset == 0:
            yield [], None

    def _xml_page(self, q: EnaQuery, rows: list[dict[str, Any]], cursor: int | None) -> Page:
        ids = [str(row[XML_ID_FIELD[q.result]]) for row in rows if row.get(XML_ID_FIELD[q.result])]
        records: list[Record] = []
        if ids:
            url = self.cfg.browser_url.rstrip("/") + "/xml/" + ",".join(ids)
            _, root = self.client.get(url, validate=_xml_body)
            for elem in root:
                acc = elem.get("accession") or (elem.findtext("IDENTIFIERS/PRIMARY_ID") or "").strip()
                if acc:
                    text = ET.tostring(elem, encoding="unicode")
                    records.append(Record(acc, text, hashlib.sha256(text.encode("utf-8")).hexdigest()))
        set_name = XML_SET[q.result]

        def render(objs: list[Any]) -> bytes:
            body = "".join(objs)
            return f'<?xml version="1.0" encoding="UTF-8"?>\n<{set_name}>\n{body}\n</{set_name}>\n'.encode()

        return Page(records, render, "xml", cursor)

    # ------------------------------------------------------------ withdrawals
    def current_ids(self) -> set[str] | None:
        """The accessions of every query now, listed slice by slice (so no listing runs into a cap)."""
        ids: set[str] = set()
        end = dt.date.today() + dt.timedelta(days=1)
        for q in self.cfg.queries:
            field = XML_ID_FIELD[q.result] if q.xml else ENA_OWN_ID[q.result]
            for task in self._slices(q, self.cfg.start_date, end):
                a, b = dt.date.fromisoformat(task["from"]), dt.date.fromisoformat(task["to"])
                for rows, _ in self._rows(q, a, b, task["count"], [field], 0):
                    ids.update(str(row[field]) for row in rows if row.get(field))
        return ids


def _count_body(response: Any) -> int:
    text = response.text.strip()
    try:
        value: Any = json.loads(text)
    except ValueError:
        value = text.splitlines()[-1] if text else ""
    if isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, dict):
        value = value.get("count")
    try:
        return int(str(value).strip())
    except ValueError:
        raise BadBody(f"not a count: {text[:80]!r}") from None


def _rows_body(response: Any) -> list[dict[str, Any]]:
    if not response.content.strip():
        return []
    try:
        rows = response.json()
    except ValueError as exc:
        raise BadBody(f"not complete JSON: {exc}") from None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise BadBody("not a JSON array of rows")
    return rows


def _xml_body(response: Any) -> ET.Element:
    try:
        root = ET.fromstring(response.content)
    except ET.ParseError as exc:
        raise BadBody(f"not complete XML: {exc}") from None
    if not root.tag.endswith("_SET"):
        raise BadBody(f"not an ENA *_SET document ({root.tag})")
    return root
