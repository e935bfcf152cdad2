"""UniProt REST: the SARS-CoV-2 proteome and the human proteins it interacts with.

``/uniprotkb/search`` pages with a cursor carried in the ``Link: <...>; rel="next"`` header; the
harvest follows it until a page has no such link. Besides the configured queries, the partners
named in the INTERACTION comments of those queries' entries (``interactors``) are fetched in
batches of accessions, restricted by ``interactor_query`` (human by default). Updates add
``date_modified:[since TO *]``; withdrawn (deleted, merged) entries are found by listing every
accession of the queries. Pages are written as search responses (``{"results": [...]}``), which
the uniprot loader reads; record ids are primary accessions.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from covid_portal.harvest.base import Harvester, Page, Record, json_bytes, json_sha
from covid_portal.harvest.config import UniProtConfig
from covid_portal.harvest.http import BadBody

BATCH = 100  # accessions per interactor query (the query string stays well under URL limits)


class UniProtHarvester(Harvester):
    name = "uniprot"
    source = "uniprot"
    strategy = "modified"

    @property
    def cfg(self) -> UniProtConfig:
        return self.config.uniprot

    def query(self) -> dict[str, Any]:
        return {"queries": {q.name: q.query for q in self.cfg.queries}, "interactors": self.cfg.interactors,
                "interactor_query": self.cfg.interactor_query}  # fmt: skip

    def _queries(self) -> list[tuple[str, str]]:
        out = [(q.name, q.query) for q in self.cfg.queries]
        if self.cfg.interactors:
            partners = sorted(self._partners())
            for i in range(0, len(partners), BATCH):
                accessions = " OR ".join(f"accession:{acc}" for acc in partners[i : i + BATCH])
                out.append((f"interactors-{i // BATCH + 1:03d}", f"({accessions}) AND ({self.cfg.interactor_query})"))
        return out

    def tasks(self, since: str | None) -> list[dict[str, Any]]:
        tasks = []
        for key, query in self._queries():
            if since:
                query = f"({query}) AND ({self.cfg.date_field}:[{since[:10]} TO *])"
            tasks.append({"key": key, "query": query})
        return tasks

    def pages(self, task: dict[str, Any], cursor: Any) -> Iterator[Page]:
        for doc, next_url in self._search(task["query"], cursor):
            records = [Record(e["primaryAccession"], e, json_sha(e)) for e in doc["results"]]
            yield Page(records, lambda objs: json_bytes({"results": objs}), "json", next_url)

    def current_ids(self) -> set[str] | None:
        ids: set[str] = set()
        for _, query in self._queries():
            for doc, _ in self._search(query, None, fields="accession"):
                ids.update(e["primaryAccession"] for e in doc["results"])
        return ids

    def _partners(self) -> set[str]:
        """Accessions of the other-organism partners in the INTERACTION comments of the queries' entries."""
        partners: set[str] = set()
        for q in self.cfg.queries:
            for doc, _ in self._search(q.query, None, fields="accession,cc_interaction"):
                for entry in doc["results"]:
                    for comment in entry.get("comments", []):
                        if comment.get("commentType") != "INTERACTION":
                            continue
                        for interaction in comment.get("interactions", []):
                            if not interaction.get("organismDiffer"):
                                continue
                            acc = interaction.get("interactantTwo", {}).get("uniProtKBAccession")
                            if acc:
                                partners.add(acc.split("-")[0])
        return partners

    def _search(
        self, query: str, cursor: str | None, fields: str | None = None
    ) -> Iterator[tuple[dict[str, Any], str | None]]:
        url: str | None = cursor
        params: dict[str, Any] | None = None
        if url is None:
            url = self.url("/uniprotkb/search")
            params = {"query": query, "format": "json", "size": self.cfg.page_size}
            if fields:
                params["fields"] = fields
        while url:
            response, doc = self.client.get(url, params, validate=_results)
            next_link = response.links.get("next", {}).get("url")
            yield doc, next_link
            url, params = next_link, None


def _results(response: Any) -> dict[str, Any]:
    try:
        doc = response.json()
    except ValueError as exc:
        raise BadBody(f"not complete JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
        raise BadBody("no results list")
    if any(not isinstance(e, dict) or not e.get("primaryAccession") for e in doc["results"]):
        raise BadBody("a result without primaryAccession")
    return doc
