"""The web pages (home, search, SPARQL editor, partners): they render, are accessible, and their links resolve."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from covid_portal import examples
from server.app import create_app
from server.config import Settings
from tests.conftest import RunningServer

PAGES = ["/", "/search", "/search?query=spike", "/search?query=spike&type=proteins", "/editor", "/partners",
         "/editor?example=" + examples.examples()[0].name]  # fmt: skip


class Page(HTMLParser):
    """What the tests look at in a page: links, form controls and their labels, headings, charts."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.links: list[str] = []
        self.controls: list[dict[str, str | None]] = []
        self.labels: set[str] = set()
        self.h1 = 0
        self.html_lang: str | None = None
        self.charts: list[dict[str, str | None]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.html_lang = a.get("lang")
        if tag in ("a", "link") and a.get("href"):
            self.links.append(a["href"])  # type: ignore[arg-type]
        if tag == "script" and a.get("src"):
            self.links.append(a["src"])  # type: ignore[arg-type]
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.controls.append(a)
        if tag == "label" and a.get("for"):
            self.labels.add(a["for"])  # type: ignore[arg-type]
        if tag == "h1":
            self.h1 += 1
        if tag == "svg":
            self.charts.append(a)


@pytest.fixture(scope="module")
def portal(demo_server: RunningServer) -> RunningServer:
    """The demo graph as a load publishes it (with its search index), served on 127.0.0.1."""
    return demo_server


@pytest.fixture(scope="module")
def http(portal: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=portal.url, timeout=30) as client:
        yield client


def fetch(http: httpx.Client, path: str) -> Page:
    response = http.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, (path, response.text[:300])
    assert response.headers["content-type"].startswith("text/html")
    return Page(response.text)


@pytest.mark.parametrize("path", PAGES)
def test_pages_render_accessibly(http: httpx.Client, path: str) -> None:
    page = fetch(http, path)
    assert page.html_lang == "en"
    assert page.h1 == 1
    for control in page.controls:  # every visible form control has a label
        assert control.get("id") in page.labels or control.get("aria-label"), control
    for chart in page.charts:
        assert chart.get("role") == "img" and chart.get("aria-labelledby"), chart
    assert not [link for link in page.links if link.startswith("//") or "cdn" in link]  # nothing from other hosts


def test_links_resolve(http: httpx.Client, portal: RunningServer) -> None:
    """Every local link and asset of the pages answers (entity pages, catalogue, API, static files)."""
    targets: set[str] = set()
    for path in PAGES:
        for link in fetch(http, path).links:
            url = urljoin(portal.url + path, link)
            if url.startswith(portal.url) and "#" not in link:
                targets.add(url.removeprefix(portal.url))
    assert any(t.startswith("/entity/") for t in targets)
    assert "/catalog" in targets and "/static/pages.css" in targets and "/static/editor.js" in targets
    broken = []
    for target in sorted(targets):
        response = http.get(target, headers={"Accept": "text/html"}, follow_redirects=True)
        if response.status_code != 200:
            broken.append((target, response.status_code))
    assert broken == []


def test_home_shows_counts_charts_and_latest(http: httpx.Client) -> None:
    text = http.get("/").text
    page = Page(text)
    chart_ids = {c.get("id") for c in page.charts}
    assert {"chart-lineage", "chart-country", "chart-samples", "chart-structures", "chart-compounds"} <= chart_ids
    assert "Spike glycoprotein" in text  # 428 structures of P0DTC2 in the structures-per-protein chart
    assert "Netherlands" in text  # samples per month by country
    counts = http.get("/api/fields").json()  # every record type is listed with its count
    for record_type in counts["types"]:
        assert f"/search?type={record_type['name']}" in text
    assert "Latest additions" in text


def test_search_page_facets_and_links(http: httpx.Client) -> None:
    text = http.get("/search", params={"query": "spike"}).text
    api = http.get("/api/", params={"query": "spike", "facets": "type"}).json()
    assert f"{api['hitCount']:,} results" in text
    for value in api["facets"][0]["facetValues"]:
        assert f"type={value['value']}" in text
    narrowed = http.get("/search", params={"query": "spike", "type": "proteins"}).text
    assert "1 result" in narrowed and "/entity/uniprot:P0DTC2" in narrowed
    filtered = http.get("/search", params={"filter": "country:Netherlands"}).text
    samples = http.get("/api/", params={"query": "country:Netherlands"}).json()["hitCount"]
    assert f"{samples:,} results" in filtered


def test_search_page_pages_and_refuses_bad_input(http: httpx.Client) -> None:
    last = http.get("/search", params={"query": "spike", "page": 100000})
    assert last.status_code == 200 and "No results on this page" in last.text
    assert http.get("/search", params={"query": "nosuchfield:x"}).status_code == 400
    assert http.get("/search", params={"type": "nosuchtype"}).status_code == 400
    assert http.get("/search", params={"filter": "nofacet"}).status_code == 400
    assert http.get("/search", params={"page": 0}).status_code == 422


def test_editor_lists_every_example_and_prefills_prefixes(http: httpx.Client) -> None:
    text = http.get("/editor").text
    for example in http.get("/queries", headers={"Accept": "application/json"}).json()["queries"]:
        assert f"/editor?example={example['name']}" in text
    assert "PREFIX cp: &lt;https://w3id.org/covid-portal/vocab/&gt;" in text
    chosen = examples.examples()[0]
    assert http.get("/editor", params={"example": chosen.name}).text.count(chosen.title) >= 2
    assert http.get("/editor", params={"example": "nosuch"}).status_code == 404


def test_editor_download_form_runs_the_query(http: httpx.Client) -> None:
    """Without JavaScript the editor's form is a GET to /sparql with the chosen format."""
    page = http.get("/editor").text
    assert 'action="' in page and '/sparql" method="get"' in page
    query = examples.examples()[0].query
    for fmt, media in [("csv", "text/csv"), ("tsv", "text/tab-separated-values"), ("json", "sparql-results+json")]:
        response = http.get("/sparql", params={"query": query, "format": fmt})
        assert response.status_code == 200 and media in response.headers["content-type"]


def test_partners_page_explains_the_empty_state(demo_store: Path) -> None:
    client = TestClient(create_app(Settings(store=demo_store, service_partners=[])))  # no lifespan: no workers
    assert "no partner portals configured" in client.get("/partners").text
    partner = "https://partner.example.org/sparql"
    client = TestClient(create_app(Settings(store=demo_store, service_partners=[partner])))
    text = client.get("/partners").text
    assert partner in text and "no partner portals" not in text


def test_pages_without_a_search_index_say_so(tmp_path: Path) -> None:
    client = TestClient(create_app(Settings(store=tmp_path / "empty")))
    response = client.get("/")
    assert response.status_code == 200 and "no search index" in response.text
    assert client.get("/api/").status_code == 503


def test_query_string_helpers_keep_filters(http: httpx.Client) -> None:
    text = http.get("/search", params={"query": "spike", "filter": "source:uniprot"}).text
    page = Page(text)
    hrefs = [link for link in page.links if link.startswith("/search?")]
    assert hrefs and all("source%3Auniprot" in h or "filter" not in h for h in hrefs)
    pager = [h for h in hrefs if "page=2" in h]
    assert pager and parse_qs(urlsplit(pager[0]).query)["filter"] == ["source:uniprot"]
