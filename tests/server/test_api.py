"""The discovery API (/api/) on the demo graph: paging, facets, formats, fields, sort, xref, bad parameters."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import RunningServer


@pytest.fixture(scope="module")
def portal(demo_server: RunningServer) -> RunningServer:
    """The demo graph as a load publishes it (with its search index), served on 127.0.0.1."""
    return demo_server


@pytest.fixture(scope="module")
def api(portal: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=portal.url + "/api", timeout=30) as client:
        yield client


def get(api: httpx.Client, path: str = "/", **params: object) -> httpx.Response:
    return api.get(path, params=params)


# ------------------------------------------------------------------ paging
def test_paging_walks_every_hit_and_ends_with_an_empty_page(api: httpx.Client) -> None:
    total = get(api, "/structures", size=1).json()["hitCount"]
    assert total > 100
    seen: list[str] = []
    page = 1
    while True:
        body = get(api, "/structures", page=page, size=100, facets="").json()
        assert body["hitCount"] == total and body["page"] == page and body["size"] == 100
        if not body["entries"]:
            break
        seen += [e["id"] for e in body["entries"]]
        page += 1
    assert len(seen) == total == len(set(seen))  # no entry twice, none missed
    assert page == -(-total // 100) + 1  # the first empty page is the one after the last full one


@pytest.mark.parametrize("page", [10_000, 999_999, 1_000_000])
def test_pages_past_the_end_are_empty_not_errors(api: httpx.Client, page: int) -> None:
    response = get(api, query="spike", page=page, size=1000)
    assert response.status_code == 200
    assert response.json()["entries"] == [] and response.json()["hitCount"] > 0


@pytest.mark.parametrize(
    "params",
    [{"page": 0}, {"page": -1}, {"page": "x"}, {"page": 1_000_001}, {"size": 0}, {"size": 1001}, {"size": "many"}],
)
def test_out_of_range_paging_is_a_client_error(api: httpx.Client, params: dict) -> None:
    assert get(api, **params).status_code == 422


# ------------------------------------------------------------------ queries and facets
def test_free_text_and_field_queries(api: httpx.Client) -> None:
    body = get(api, query="spike AND type:proteins", fields="title,taxon_id").json()
    assert [(e["id"], e["source"], e["type"]) for e in body["entries"]] == [("P0DTC2", "uniprot", "proteins")]
    entry = body["entries"][0]
    assert entry["fields"] == {"title": ["Spike glycoprotein"], "taxon_id": ["2697049"]}
    assert entry["curie"] == "uniprot:P0DTC2" and entry["url"] == "/entity/uniprot:P0DTC2"
    assert entry["iri"] == "http://purl.uniprot.org/uniprot/P0DTC2"


def test_country_query_as_in_the_portal(api: httpx.Client) -> None:
    body = get(api, "/samples", query="country:Netherlands", facets="country,collection_year").json()
    assert body["hitCount"] > 0
    facets = {f["id"]: f for f in body["facets"]}
    assert facets["country"]["facetValues"] == [
        {"label": "Netherlands", "value": "Netherlands", "count": body["hitCount"]}
    ]
    years = {v["value"]: v["count"] for v in facets["collection_year"]["facetValues"]}
    assert "2020" in years and sum(years.values()) <= body["hitCount"]


def test_facet_counts_match_the_filtered_hit_counts(api: httpx.Client) -> None:
    body = get(api, query="spike", facets="type,source", facetcount=50).json()
    types = body["facets"][0]
    assert types["id"] == "type" and types["label"] == "Record type"
    assert types["total"] == sum(v["count"] for v in types["facetValues"]) == body["hitCount"]
    for value in types["facetValues"]:
        narrowed = get(api, query=f"spike AND type:{value['value']}", facets="").json()
        assert narrowed["hitCount"] == value["count"]


def test_default_facets_are_listed(api: httpx.Client) -> None:
    ids = [f["id"] for f in get(api).json()["facets"]]
    assert ids[:3] == ["type", "source", "taxon"]
    assert {"country", "collection_year", "lineage", "instrument", "year", "host"} <= set(ids)


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"query": "nosuchfield:x"}, 400),
        ({"query": "spike AND"}, 400),
        ({"query": '"unclosed'}, 400),
        ({"query": "((((("}, 400),
        ({"query": "x" * 3000}, 422),
        ({"facets": "nosuchfacet"}, 400),
        ({"fields": "title,nosuchfield"}, 400),
        ({"sort": "nosuchfield"}, 400),
        ({"sort": "date:sideways"}, 400),
        ({"format": "xml"}, 422),
        ({"facetcount": 0}, 422),
    ],
)
def test_bad_parameters_are_client_errors(api: httpx.Client, params: dict, status: int) -> None:
    response = get(api, **params)
    assert response.status_code == status
    assert response.json()["detail"]


def test_unknown_type_is_refused(api: httpx.Client) -> None:
    assert api.get("/nosuchtype").status_code == 422


def test_federated_parameter_is_accepted(api: httpx.Client) -> None:
    assert get(api, query="spike", federated="true").status_code == 200


# ------------------------------------------------------------------ formats and fields
def test_tsv_has_a_header_and_one_row_per_entry(api: httpx.Client) -> None:
    response = get(api, "/proteins", query="spike", format="tsv", fields="title,taxon")
    assert response.headers["content-type"].startswith("text/tab-separated-values")
    lines = response.text.splitlines()
    assert lines[0] == "id\ttitle\ttaxon"
    assert "P0DTC2\tSpike glycoprotein\tSevere acute respiratory syndrome coronavirus 2" in lines[1:]


def test_idlist_is_one_id_a_line(api: httpx.Client) -> None:
    response = get(api, "/structures", format="idlist", size=5, sort="id")
    assert response.headers["content-type"].startswith("text/plain")
    ids = response.text.splitlines()
    json_ids = [e["id"] for e in get(api, "/structures", size=5, sort="id").json()["entries"]]
    assert ids == json_ids and len(ids) == 5


def test_formats_page_the_same_way(api: httpx.Client) -> None:
    params = {"query": "type:structures", "size": 7, "page": 3, "sort": "id"}
    ids = get(api, format="idlist", **params).text.splitlines()
    tsv = [line.split("\t")[0] for line in get(api, format="tsv", **params).text.splitlines()[1:]]
    assert ids == tsv == [e["id"] for e in get(api, **params).json()["entries"]]


def test_fields_selection(api: httpx.Client) -> None:
    entry = get(api, "/structures", query="6M0J", fields="title,method,protein").json()["entries"][0]
    assert set(entry["fields"]) == {"title", "method", "protein"}
    assert entry["fields"]["method"] == ["X-RAY DIFFRACTION"]
    assert get(api, "/structures", query="6M0J", fields="").json()["entries"][0]["fields"] == {}


def test_a_portal_client_request_works_unchanged(api: httpx.Client) -> None:
    """The request a COVID-19 Data Portal client (covigator) sends, with the portal's field names."""
    fields = "lineage,collection_date,country,host,TAXON,creation_date,last_modification_date,center_name,isolate"
    body = get(api, "/sequences", page=1, size=1000, query="collection_date:(201912)", fields=fields).json()
    entries = {e["id"]: e["fields"] for e in body["entries"]}
    assert body["hitCount"] == len(entries) > 0
    assert entries["NC_045512"]["TAXON"] == ["2697049"]  # RefSeq NC_045512: /db_xref="taxon:2697049"
    assert entries["NC_045512"]["country"] == ["China"]
    assert get(api, "/sequences", page=2, size=1000, query="collection_date:(201912)").json()["entries"] == []
    assert get(api, "/sequences", format="idlist", fields="acc").status_code == 200


def test_field_list_is_described(api: httpx.Client) -> None:
    body = api.get("/fields").json()
    assert "sequences" in [t["name"] for t in body["types"]]
    assert {"query", "country", "TAXON"} & set(body["queryFields"]) == {"country", "TAXON"}


# ------------------------------------------------------------------ sorting
def test_sort_by_date_descending_and_ascending(api: httpx.Client) -> None:
    def dates(sort: str) -> list[str]:
        body = get(api, "/publications", sort=sort, size=50, fields="date").json()
        return [e["fields"]["date"][0] for e in body["entries"] if e["fields"]["date"]]

    newest = dates("date:descending")
    assert newest == sorted(newest, reverse=True) and len(newest) > 10
    assert dates("-date") == newest
    oldest = dates("date")
    assert oldest == sorted(oldest)


def test_relevance_ranks_title_matches_first(api: httpx.Client) -> None:
    body = get(api, query="spike glycoprotein", fields="title").json()
    assert "spike glycoprotein" in body["entries"][0]["fields"]["title"][0].lower()


# ------------------------------------------------------------------ per-type endpoints and xref
@pytest.mark.parametrize(
    "type_name", ["sequences", "proteins", "structures", "proteomics", "compounds", "publications"]
)
def test_portal_type_endpoints(api: httpx.Client, type_name: str) -> None:
    body = get(api, f"/{type_name}", size=5).json()
    assert body["hitCount"] > 0
    assert {e["type"] for e in body["entries"]} == {type_name}


def test_one_entry(api: httpx.Client) -> None:
    entry = api.get("/proteins/P0DTC2").json()
    assert entry["fields"]["title"] == ["Spike glycoprotein"]
    assert api.get("/proteins/uniprot:P0DTC2").json()["id"] == "P0DTC2"
    assert api.get("/proteins/NOSUCH").status_code == 404
    assert api.get("/structures/P0DTC2").status_code == 404  # not a structure


def test_xref_summary_counts_linked_entries_per_type(api: httpx.Client) -> None:
    body = api.get("/proteins/P0DTC2/xref").json()
    xrefs = {x["type"]: x for x in body["xrefs"]}
    assert xrefs["structures"]["count"] > 100  # UniProt DR PDB lines of P0DTC2
    assert xrefs["structures"]["url"] == "/api/proteins/P0DTC2/xref/structures"
    assert "sequences" in xrefs  # DR EMBL MN908947


def test_xref_entries_page_and_agree_with_the_summary(api: httpx.Client) -> None:
    summary = {x["type"]: x["count"] for x in api.get("/proteins/P0DTC2/xref").json()["xrefs"]}
    body = get(api, "/proteins/P0DTC2/xref/structures", size=50, fields="title").json()
    assert body["hitCount"] == summary["structures"]
    ids = {e["id"] for e in body["entries"]}
    assert "6M0J" in ids or get(api, "/proteins/P0DTC2/xref/structures", size=1000).json()["entries"]
    last = -(-body["hitCount"] // 50)
    assert get(api, "/proteins/P0DTC2/xref/structures", size=50, page=last + 1).json()["entries"] == []
    sequences = get(api, "/proteins/P0DTC2/xref/sequences", format="idlist").text.split()
    assert "MN908947" in sequences


def test_xref_goes_both_ways(api: httpx.Client) -> None:
    proteins = get(api, "/structures/6M0J/xref/proteins", format="idlist").text.split()
    assert "P0DTC2" in proteins


def test_xref_of_unknown_entry_is_404(api: httpx.Client) -> None:
    assert api.get("/proteins/NOSUCH/xref").status_code == 404
    assert api.get("/proteins/NOSUCH/xref/structures").status_code == 404
    assert api.get("/proteins/P0DTC2/xref/nosuchtype").status_code == 422


def test_openapi_documents_the_api(portal: RunningServer) -> None:
    spec = httpx.get(portal.url + "/openapi.json").json()
    search = spec["paths"]["/api/"]["get"]
    params = {p["name"] for p in search["parameters"]}
    assert {"query", "page", "size", "fields", "format", "facets", "sort"} <= params
    content = search["responses"]["200"]["content"]
    assert {"application/json", "text/tab-separated-values", "text/plain"} <= set(content)
    assert content["application/json"]["example"]["entries"][0]["id"] == "P0DTC2"
    assert "/api/{type}/{id}/xref/{target}" in spec["paths"]


# ------------------------------------------------------------------ the OpenAPI contract, fuzzed
def test_schemathesis_finds_no_server_error(portal: RunningServer, tmp_path: Path) -> None:
    """Schemathesis generates requests from the OpenAPI spec for every /api/ route: none may answer 5xx."""
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{portal.url}/openapi.json",
        "--include-path-regex",
        "^/api/",
        "--checks",
        "not_a_server_error",
        "--max-examples",
        "25",
        "--generation-deterministic",
        "--phases",
        "examples,coverage,fuzzing",
        "--workers",
        "1",
    ]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "passed" in done.stdout and "failed" not in done.stdout.split("SUMMARY")[-1]
