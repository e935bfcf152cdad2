"""Node identity and partners (/portals, adding a partner by URL) and federated search across the nodes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from covid_portal.federation import search
from covid_portal.federation.cli import add_partner_command
from covid_portal.federation.config import FederationError, fetch_partner, load_node
from tests.federation.conftest import Federation

VOID_ENDPOINT = ox.NamedNode("http://rdfs.org/ns/void#sparqlEndpoint")


def test_portals_lists_the_node_and_its_partners(federation: Federation) -> None:
    listing = httpx.get(federation.url("central") + "/portals", headers={"accept": "application/json"}).json()
    central = federation.url("central")
    assert listing["node"] == {"name": "node central", "country": "EU", "base_url": central,
                               "sparql": central + "/sparql", "api": central + "/api/"}  # fmt: skip
    countries = {p["name"]: p["country"] for p in listing["partners"]}
    assert countries == {"node nl": "NL", "node dk": "DK", "node victim": "SE"}

    turtle = httpx.get(federation.url("central") + "/portals", headers={"accept": "text/turtle"})
    assert turtle.headers["content-type"].startswith("text/turtle")
    triples = list(ox.parse(turtle.content, format=ox.RdfFormat.TURTLE))
    endpoints = {t.object.value for t in triples if t.predicate == VOID_ENDPOINT}
    assert endpoints == set(federation.endpoints.values())


def test_a_partner_is_added_by_url_after_its_catalogue_and_description_check_out(
    federation: Federation, tmp_path: Path
) -> None:
    partner = fetch_partner(federation.url("nl"))
    assert (partner.name, partner.country, partner.sparql) == ("node nl", "NL", federation.endpoints["nl"])

    config = tmp_path / "node.toml"
    result = CliRunner().invoke(add_partner_command, [federation.url("dk"), "--federation", str(config)])
    assert result.exit_code == 0, result.output
    assert [(p.name, p.country, p.api) for p in load_node(config).partners] == [
        ("node dk", "DK", federation.url("dk") + "/api/")
    ]


def _portal(routes: dict[str, httpx.Response]) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(lambda r: routes.get(r.url.path, httpx.Response(404))))


def test_a_partner_without_a_catalogue_or_endpoint_is_refused() -> None:
    service = "<http://x/sparql#service> a <http://www.w3.org/ns/sparql-service-description#Service> ."
    sd = httpx.Response(200, text=service, headers={"content-type": "text/turtle"})
    with pytest.raises(FederationError, match="/catalog: HTTP 404"):
        fetch_partner("http://x", client=_portal({}), country="NL")
    catalog = httpx.Response(200, text="<http://x/catalog> a <http://www.w3.org/ns/dcat#Catalog> .",
                             headers={"content-type": "text/turtle"})  # fmt: skip
    with pytest.raises(FederationError, match="names no sd:endpoint"):
        fetch_partner("http://x", client=_portal({"/catalog": catalog, "/sparql": sd}),
                      country="NL")  # fmt: skip
    not_catalog = httpx.Response(200, text="<http://x/a> <http://x/p> 1 .", headers={"content-type": "text/turtle"})
    with pytest.raises(FederationError, match="no dcat:Catalog"):
        fetch_partner("http://x", client=_portal({"/catalog": not_catalog}), country="NL")


# ---------------------------------------------------------------------------- federated search
def _answer(node: str, *iris: str, error: str | None = None) -> search.PartnerAnswer:
    entries = [{"id": iri.rsplit("/", 1)[-1], "iri": iri, "fields": {}} for iri in iris]
    facets = [{"id": "source", "label": "Source", "total": len(iris),
               "facetValues": [{"label": node, "value": node, "count": len(iris)}]}]  # fmt: skip
    body = None if error else {"hitCount": len(iris), "page": 1, "size": 10, "query": "q", "entries": entries,
                               "facets": facets}  # fmt: skip
    return search.PartnerAnswer(node, f"http://{node}/api/", 0.01, body, error)


def test_merge_deduplicates_by_iri_and_names_the_nodes() -> None:
    partners = [_answer("a", "http://e/2", "http://e/3"), _answer("b", error="no answer within 3 s")]
    merged = search.merge(_answer("here", "http://e/1", "http://e/2"), partners)
    assert [(e["iri"], e["node"], e["nodes"]) for e in merged["entries"]] == [
        ("http://e/1", "here", ["here"]),
        ("http://e/2", "here", ["here", "a"]),
        ("http://e/3", "a", ["a"]),
    ]
    assert merged["hitCount"] == 4
    assert [p.get("error") for p in merged["partners"]] == [None, None, "no answer within 3 s"]
    assert {v["value"]: v["count"] for v in merged["facets"][0]["facetValues"]} == {"here": 2, "a": 2}


def test_fan_out_runs_concurrently_with_a_time_limit_per_partner() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "slow":
            await asyncio.sleep(5)
        return httpx.Response(200, json={"hitCount": 0, "entries": []})

    async def run() -> list[search.PartnerAnswer]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            targets = [search.Target(h, f"http://{h}/api/") for h in ("slow", "fast1", "fast2")]
            return await search.fan_out(targets, "", {"query": "x"}, timeout=0.5, client=client)

    slow, fast1, fast2 = asyncio.run(run())
    assert slow.error == "no answer within 0.5 s" and slow.seconds < 1.5
    assert fast1.body is not None and fast2.body is not None


def test_federated_search_through_the_discovery_api(federation: Federation) -> None:
    response = httpx.get(federation.url("central") + "/api/", params={"query": "*", "size": 5, "federated": "true"},
                         timeout=60)  # fmt: skip
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["federated"] is True
    assert {e["node"] for e in body["entries"]} == {"node central", "node nl", "node dk"}
    assert len({e["iri"] for e in body["entries"]}) == len(body["entries"])
    partners = {p["node"]: p for p in body["partners"]}
    assert set(partners) == {"node central", "node nl", "node dk", "node victim"}
    assert "error" in partners["node victim"] and "ms" in partners["node victim"]
    assert all("error" not in partners[n] and partners[n]["hitCount"] > 0 for n in ("node central", "node nl"))


def test_federated_search_merges_an_entity_held_by_two_nodes(federation: Federation) -> None:
    # the SARS-CoV-2 taxon is mentioned by records at every node: one hit, naming every node that has it
    response = httpx.get(federation.url("dk") + "/api/taxa", params={"query": "2697049", "federated": "true"},
                         timeout=60)  # fmt: skip
    assert response.status_code == 200, response.text
    hits = [e for e in response.json()["entries"] if e["iri"].endswith("NCBITaxon_2697049")]
    assert len(hits) == 1 and len(hits[0]["nodes"]) >= 2, hits
