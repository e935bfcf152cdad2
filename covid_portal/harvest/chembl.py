"""ChEMBL web services: activities against SARS-CoV-2 targets, and the molecules they tested.

List resources (``/activity.json``, ``/molecule.json``) page with ``limit``/``offset``; the harvest
follows ``page_meta.next`` (a path on the same host) until it is null. Activities are filtered by
``target_chembl_id__in``; molecules are then fetched for the ``molecule_chembl_id`` values of the
activities written by this harvest, in batches. ChEMBL publishes numbered releases (``/status.json``
``chembl_db_version``): an update harvests only when the release changed, and then withdraws the
records the new release no longer has. Page files keep the web-service page shape
(``{"activities": [...], "page_meta": {...}}``); record ids are built from ``activity_id`` for activities
and ChEMBL ids for molecules, as the chembl loader names them (``CHEMBL_ACT_<activity_id>``, ``CHEMBL25``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx

from covid_portal.harvest.base import Harvester, Page, Record, json_bytes, json_sha
from covid_portal.harvest.config import ChemblConfig
from covid_portal.harvest.http import BadBody

BATCH = 100
# resource -> (page key, id field, record id prefix: the chembl loader names activities CHEMBL_ACT_<activity_id>)
RESOURCES = {
    "activity": ("activities", "activity_id", "CHEMBL_ACT_"),
    "molecule": ("molecules", "molecule_chembl_id", ""),
}


class ChemblHarvester(Harvester):
    name = "chembl"
    source = "chembl"
    strategy = "release"

    @property
    def cfg(self) -> ChemblConfig:
        return self.config.chembl

    def query(self) -> dict[str, Any]:
        return {"targets": self.cfg.targets, "molecules": self.cfg.molecules}

    def release(self) -> str | None:
        _, doc = self.client.get_json(self.url("/status.json"))
        return str(doc.get("chembl_db_version") or "") or None

    def tasks(self, since: str | None) -> list[dict[str, Any]]:
        targets = ",".join(self.cfg.targets)
        tasks = [{"key": "activity", "resource": "activity", "filter": {"target_chembl_id__in": targets}}]
        if self.cfg.molecules:
            tasks.append({"key": "molecule", "resource": "molecule", "from": "activity"})
        return tasks

    def pages(self, task: dict[str, Any], cursor: Any) -> Iterator[Page]:
        if "from" not in task:
            yield from self._list(task["resource"], task["filter"], cursor)
            return
        # molecules of the activities already written: cursor = [batch index, next page URL or None]
        ids = sorted(self._referenced(task["from"], "molecule_chembl_id"))
        batches = [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]
        batch, url = cursor or (0, None)
        if not batches:
            yield Page([], json_bytes, "json", None)
        for index in range(batch, len(batches)):
            for page in self._list(task["resource"], {"molecule_chembl_id__in": ",".join(batches[index])}, url):
                last_batch = index + 1 >= len(batches)
                if page.cursor is not None:
                    page.cursor = [index, page.cursor]
                else:
                    page.cursor = None if last_batch else [index + 1, None]
                yield page
            url = None

    def _list(self, resource: str, filters: dict[str, str], cursor: str | None) -> Iterator[Page]:
        key, id_field, prefix = RESOURCES[resource]
        url = self.url(f"/{resource}.json")
        params: dict[str, Any] | None = {**filters, "limit": self.cfg.page_size, "offset": 0}
        if cursor:
            url, params = cursor, None
        while True:
            _, doc = self.client.get(url, params, validate=lambda r, k=key: _ws_page(r, k))
            items = doc[key]
            records = [Record(f"{prefix}{i[id_field]}", i, json_sha(i)) for i in items if i.get(id_field)]
            meta = doc.get("page_meta", {})
            nxt = meta.get("next")
            next_url = str(httpx.URL(self.settings.base_url).join(nxt)) if nxt and items else None
            yield Page(records, lambda objs, k=key, m=meta: json_bytes({k: objs, "page_meta": m}), "json", next_url)
            if next_url is None:
                return
            url, params = next_url, None

    def _referenced(self, resource: str, field: str) -> set[str]:
        key = RESOURCES[resource][0]
        ids: set[str] = set()
        for path in sorted((self.out / self.name).glob(f"{resource}-*.json")):
            doc = json.loads(path.read_text(encoding="utf-8"))
            ids.update(str(item[field]) for item in doc.get(key, []) if item.get(field))
        return ids


def _ws_page(response: Any, key: str) -> dict[str, Any]:
    try:
        doc = response.json()
    except ValueError as exc:
        raise BadBody(f"not complete JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get(key), list):
        raise BadBody(f"no {key} list")
    return doc
