"""Federated search for the discovery API (``/api/?federated=true``): ask every partner, merge the answers.

:func:`fan_out` sends the same search to every partner's discovery API at once (httpx.AsyncClient),
each call under its own time limit, and returns one :class:`PartnerAnswer` per partner: its
entries, or the error that stopped it, and how long it took. A partner that is down or slow costs at
most the time limit and appears in ``partners`` with its error; the answer never waits for it longer.

:func:`merge` is pure: the local answer and the partners' answers in, one EBI Search-shaped answer
out. Entries are de-duplicated by entity IRI (two portals loading the same record mint the same
IRI, see ``covid_portal.iris``): the first node to return an entry keeps it (this node first, then
the partners in configuration order), ``node`` names that node and ``nodes`` every node that has it.
Paging is per node: page *n* of the merged answer is the union of every node's page *n*, so a
client pages until every node's page is empty. ``hitCount`` is the sum of the nodes' counts (an
entry held by several nodes counts once per node; the de-duplicated count is unknowable without
fetching every page) and the facet counts are summed the same way.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

log = logging.getLogger(__name__)


@dataclass
class PartnerAnswer:
    """One node's answer to a federated search: its JSON body, or why there is none."""

    node: str
    url: str
    seconds: float = 0.0
    body: dict[str, Any] | None = None
    error: str | None = None

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {"node": self.node, "url": self.url, "ms": round(self.seconds * 1000, 1)}
        if self.error is not None:
            out["error"] = self.error
        else:
            out["hitCount"] = int((self.body or {}).get("hitCount", 0))
            out["entries"] = len((self.body or {}).get("entries") or [])
        return out


@dataclass
class Target:
    """A partner to ask: its name and its discovery API base URL (ending in /api/)."""

    node: str
    api: str
    extra: dict[str, str] = field(default_factory=dict)


async def fan_out(
    targets: Sequence[Target],
    path: str,
    params: Mapping[str, str | int],
    *,
    timeout: float,
    client: httpx.AsyncClient | None = None,
) -> list[PartnerAnswer]:
    """``GET <api><path>?<params>`` at every target concurrently; one answer per target, in order."""
    own = client is None
    http = client or httpx.AsyncClient(follow_redirects=True, headers={"user-agent": "covid-portal federation"})
    try:
        return list(await asyncio.gather(*(_ask(http, t, path, params, timeout) for t in targets)))
    finally:
        if own:
            await http.aclose()


async def _ask(
    http: httpx.AsyncClient, target: Target, path: str, params: Mapping[str, str | int], timeout: float
) -> PartnerAnswer:
    url = target.api + path.lstrip("/")
    answer = PartnerAnswer(target.node, url)
    started = time.monotonic()
    try:
        async with asyncio.timeout(timeout):  # the whole call, not only the gap between reads
            response = await http.get(url, params={**params, "format": "json"}, timeout=timeout)
        if response.status_code != 200:
            answer.error = f"HTTP {response.status_code}: {response.text[:200].strip()}"
        else:
            body = response.json()
            if not isinstance(body, dict) or not isinstance(body.get("entries"), list):
                answer.error = "not a discovery API answer (no entries list)"
            else:
                answer.body = body
    except TimeoutError:
        answer.error = f"no answer within {timeout:g} s"
    except httpx.HTTPError as exc:
        answer.error = f"unreachable: {type(exc).__name__}: {exc or 'connection failed'}"
    except ValueError as exc:
        answer.error = f"not JSON: {exc}"
    answer.seconds = time.monotonic() - started
    if answer.error:
        log.warning("federated search: %s (%s): %s", target.node, url, answer.error)
    return answer


def merge(local: PartnerAnswer, partners: Sequence[PartnerAnswer]) -> dict[str, Any]:
    """One answer from this node's and the partners' answers (see the module docstring)."""
    answers = [local, *partners]
    entries: list[dict[str, Any]] = []
    by_iri: dict[str, dict[str, Any]] = {}
    facets: dict[str, dict[str, Any]] = {}
    hits = 0
    for answer in answers:
        if answer.body is None:
            continue
        hits += int(answer.body.get("hitCount", 0))
        for entry in answer.body.get("entries") or []:
            key = str(entry.get("iri") or entry.get("id"))
            seen = by_iri.get(key)
            if seen is not None:
                if answer.node not in seen["nodes"]:
                    seen["nodes"].append(answer.node)
                continue
            merged = {**entry, "node": answer.node, "nodes": [answer.node]}
            by_iri[key] = merged
            entries.append(merged)
        for facet in answer.body.get("facets") or []:
            _add_facet(facets, facet)
    body = local.body or {}
    return {
        "hitCount": hits,
        "page": body.get("page", 1),
        "size": body.get("size", len(entries)),
        "query": body.get("query", ""),
        "federated": True,
        "entries": entries,
        "facets": list(facets.values()),
        "partners": [a.summary() for a in answers],
    }


def _add_facet(facets: dict[str, dict[str, Any]], facet: Mapping[str, Any]) -> None:
    merged = facets.setdefault(
        str(facet.get("id")), {"id": facet.get("id"), "label": facet.get("label"), "total": 0, "facetValues": []}
    )
    values = {v["value"]: v for v in merged["facetValues"]}
    for value in facet.get("facetValues") or []:
        known = values.get(value.get("value"))
        if known is None:
            known = {"label": value.get("label"), "value": value.get("value"), "count": 0}
            values[known["value"]] = known
            merged["facetValues"].append(known)
        known["count"] += int(value.get("count", 0))
        merged["total"] += int(value.get("count", 0))
    merged["facetValues"].sort(key=lambda v: (-v["count"], str(v["value"])))
