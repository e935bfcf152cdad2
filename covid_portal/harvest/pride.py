"""PRIDE Archive v2: COVID-19 proteomics projects.

``/search/projects`` pages with ``page`` (from 0) and ``pageSize``; the listing ends at an empty
page or a short one. Each listed project is fetched in full from ``/projects/{accession}`` (the
search returns compact projects) and a page file holds the JSON array of the page's projects,
which the pride loader reads. PRIDE offers no modification-date filter, so updates re-list the
projects and rewrite only those whose JSON changed; a project no longer listed is withdrawn.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from covid_portal.harvest.base import Harvester, Page, Record, json_bytes, json_sha
from covid_portal.harvest.config import PrideConfig
from covid_portal.harvest.http import BadBody


class PrideHarvester(Harvester):
    name = "pride"
    source = "pride"
    strategy = "checksum"

    @property
    def cfg(self) -> PrideConfig:
        return self.config.pride

    def query(self) -> dict[str, Any]:
        return {"keyword": self.cfg.keyword, "filter": self.cfg.filter}

    def tasks(self, since: str | None) -> list[dict[str, Any]]:
        return [{"key": "projects"}]

    def pages(self, task: dict[str, Any], cursor: Any) -> Iterator[Page]:
        page = cursor or 0
        while True:
            params: dict[str, Any] = {"keyword": self.cfg.keyword, "page": page, "pageSize": self.cfg.page_size}
            if self.cfg.filter:
                params["filter"] = self.cfg.filter
            _, items = self.client.get(self.url("/search/projects"), params, validate=_listing)
            records = []
            for item in items:
                accession = str(item.get("accession") or "").strip()
                if accession:
                    _, project = self.client.get(self.url(f"/projects/{accession}"), validate=_project)
                    records.append(Record(accession, project, json_sha(project)))
            done = len(items) < self.cfg.page_size
            yield Page(records, json_bytes, "json", None if done else page + 1)
            if done:
                return
            page += 1


def _listing(response: Any) -> list[dict[str, Any]]:
    try:
        doc = response.json() if response.content.strip() else []
    except ValueError as exc:
        raise BadBody(f"not complete JSON: {exc}") from None
    if isinstance(doc, dict):  # the HAL form of older v2 releases
        doc = doc.get("_embedded", {}).get("compactprojects", [])
    if not isinstance(doc, list):
        raise BadBody("not a list of projects")
    return doc


def _project(response: Any) -> dict[str, Any]:
    try:
        doc = response.json()
    except ValueError as exc:
        raise BadBody(f"not complete JSON: {exc}") from None
    if not isinstance(doc, dict) or not doc.get("accession"):
        raise BadBody("not a project (no accession)")
    return doc
