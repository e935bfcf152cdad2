"""FAIR landing pages (issue 6) against a real server over the demo store: the self-assessment of every
landing page kind, Signposting headers (RFC 8288), linksets (RFC 9264), the DCAT catalogue and its
dumps, and the ``covid-portal fair-check`` command."""

from __future__ import annotations

import httpx
import pytest
import rdflib
from click.testing import CliRunner
from rdflib import RDF, Literal, Namespace, URIRef

from covid_portal.fair_check import LinkHeaderError, assess, fair_check_command, parse_link_header
from tests.server.conftest import Server

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
VOID = Namespace("http://rdfs.org/ns/void#")

LANDING_PAGES = {
    "sequence": "/entity/ena.embl:MN908947",
    "protein": "/entity/uniprot:P0DTC2",
    "structure": "/entity/pdb:6M0J",
    "proteomics project": "/entity/pride.project:PXD018241",
    "compound": "/entity/chembl.compound:CHEMBL429298",
    "publication": "/entity/pubmed:29963580",
    "cited publication": "/entity/pubmed:32225176",
    "taxon": "/entity/ncbitaxon:2697049",
    "SDRF sample": "/entity/sample:sdrf/PXD017710/Sample%25207",  # the portal's own IRI space
    "CORD-19 paper": "/entity/cord19:0003793cf9e709bc2b9d0c8111186f78fb73fc04",
    "source dataset": "/dataset/uniprot",
    "another source dataset": "/dataset/chembl",
    "catalogue": "/catalog",
}
CORE_SOURCES = {"chembl", "ena", "europepmc", "pdb", "pride", "uniprot"}


@pytest.mark.parametrize("path", LANDING_PAGES.values(), ids=LANDING_PAGES.keys())
def test_every_landing_page_passes_the_self_assessment(fanin_server: Server, demo: httpx.Client, path: str) -> None:
    report = assess(fanin_server.url + path, demo)
    assert report.ok, report.text()
    assert len(report.checks) >= 30


@pytest.mark.parametrize("path", LANDING_PAGES.values(), ids=LANDING_PAGES.keys())
def test_signposting_headers_and_linkset(fanin_server: Server, demo: httpx.Client, path: str) -> None:
    page_url = fanin_server.url + path
    head = demo.head(path)
    assert head.status_code == 200 and head.content == b""
    header = head.headers["link"]
    links = parse_link_header(header, page_url)
    rels = [rel for link in links for rel in link.rels]
    for rel in ("cite-as", "describedby", "type", "license", "linkset"):
        assert rel in rels, rel
    assert rels.count("cite-as") == 1
    # describedby is written exactly as FAIR Signposting shows it, one per RDF format
    for media_type in ("text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json"):
        assert f"<{page_url}?format=" in header
        assert f';rel="describedby";type="{media_type}"' in header
    assert '<https://schema.org/AboutPage>;rel="type"' in header
    linkset_url = next(link.target for link in links if "linkset" in link.rels)
    linkset = demo.get(linkset_url)
    assert linkset.headers["content-type"] == "application/linkset+json"
    contexts = linkset.json()["linkset"]
    assert [context["anchor"] for context in contexts] == [page_url]
    assert contexts[0]["cite-as"] == [{"href": next(link.target for link in links if "cite-as" in link.rels)}]


def test_entity_cite_as_is_the_entity_iri_and_dataset_cite_as_the_pid(demo: httpx.Client) -> None:
    def cite_as(path: str) -> str:
        links = parse_link_header(demo.head(path).headers["link"])
        return next(link.target for link in links if "cite-as" in link.rels)

    assert cite_as("/entity/uniprot:P0DTC2") == "http://purl.uniprot.org/uniprot/P0DTC2"
    assert cite_as("/entity/pdb:6M0J") == "https://rdf.wwpdb.org/pdb/6M0J"
    assert cite_as("/dataset/uniprot") == "https://w3id.org/covid-portal/dataset/uniprot"
    assert cite_as("/catalog") == "https://w3id.org/covid-portal/catalog"


def test_items_and_authors_where_known(demo: httpx.Client) -> None:
    # a PRIDE project lists its data files; a dataset page its dumps, typed
    pride = parse_link_header(demo.head("/entity/pride.project:PXD018241").headers["link"])
    assert any("item" in link.rels and link.target.startswith(("http", "ftp")) for link in pride)
    # a publication names its authors' ORCIDs (read off the PubMed record of 29963580)
    paper = parse_link_header(demo.head("/entity/pubmed:29963580").headers["link"])
    assert "https://orcid.org/0000-0002-4590-7461" in {link.target for link in paper if "author" in link.rels}
    dataset = parse_link_header(demo.head("/dataset/pdb").headers["link"])
    items = {link.type for link in dataset if "item" in link.rels}
    assert items == {"application/n-quads", "text/turtle", "application/ld+json"}


def test_catalogue_is_dcat_with_dumps_that_match(demo: httpx.Client) -> None:
    graph = rdflib.Graph().parse(data=demo.get("/catalog", params={"format": "ttl"}).text, format="turtle")
    catalog = URIRef("https://w3id.org/covid-portal/catalog")
    assert (catalog, RDF.type, DCAT.Catalog) in graph
    datasets = set(graph.objects(catalog, DCAT.dataset))
    # one dataset per source that has records in the store
    query = "SELECT DISTINCT ?s WHERE { GRAPH ?g { ?g <http://purl.org/dc/terms/source> ?s } }"
    rows = demo.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    loaded = {row["s"]["value"] for row in rows.json()["results"]["bindings"]}
    assert {str(d) for d in datasets} == loaded
    assert {str(d).rsplit("/", 1)[-1] for d in datasets} >= CORE_SOURCES
    for dataset in datasets:
        assert (dataset, RDF.type, DCAT.Dataset) in graph
        assert int(graph.value(dataset, VOID.triples)) > 0
        distributions = set(graph.objects(dataset, DCAT.distribution))
        media_types = {str(graph.value(d, DCAT.mediaType)) for d in distributions}
        assert media_types == {"https://www.iana.org/assignments/media-types/" + t
                               for t in ("application/n-quads", "text/turtle", "application/ld+json")}  # fmt: skip
    # every download of one dataset is served with the advertised size and media type, and parses
    uniprot = URIRef("https://w3id.org/covid-portal/dataset/uniprot")
    for distribution in graph.objects(uniprot, DCAT.distribution):
        url = str(graph.value(distribution, DCAT.downloadURL))
        response = demo.get(url)
        assert response.status_code == 200
        assert len(response.content) == int(graph.value(distribution, DCAT.byteSize))
        media_type = str(graph.value(distribution, DCAT.mediaType)).rsplit("/", 2)[-2:]
        assert response.headers["content-type"].split(";")[0] == "/".join(media_type)
        head = demo.head(url)
        assert int(head.headers["content-length"]) == len(response.content)
    nquads = demo.get(str(graph.value(URIRef(str(uniprot) + "/distribution/nq"), DCAT.downloadURL)))
    dataset = rdflib.Dataset()
    dataset.parse(data=nquads.content, format="nquads")
    assert any(str(g.identifier).startswith("https://w3id.org/covid-portal/record/uniprot/") for g in dataset.graphs())
    # the data services: SPARQL endpoint and discovery API
    services = set(graph.objects(catalog, DCAT.service))
    endpoints = {str(graph.value(s, DCAT.endpointURL)) for s in services}
    assert {str(demo.base_url) + "/sparql", str(demo.base_url) + "/api"} == endpoints
    for service in services:
        assert (service, RDF.type, DCAT.DataService) in graph
        assert graph.value(service, DCAT.endpointDescription) is not None
    assert (catalog, DCT.title, None) in graph and (catalog, DCT.identifier, Literal("catalog")) in graph


def test_dataset_page_states_the_source_licence_and_stats(demo: httpx.Client) -> None:
    graph = rdflib.Graph().parse(data=demo.get("/dataset/pdb", params={"format": "ttl"}).text, format="turtle")
    dataset = URIRef("https://w3id.org/covid-portal/dataset/pdb")
    assert (URIRef(f"{demo.base_url}/dataset/pdb"), URIRef("http://xmlns.com/foaf/0.1/primaryTopic"), dataset) in graph
    assert graph.value(dataset, VOID.entities) is not None
    html = demo.get("/dataset/pdb", headers={"Accept": "text/html"}).text
    assert "Downloads" in html and "/dumps/" in html


def test_dumps_refuse_other_paths(demo: httpx.Client) -> None:
    for path in ("/dumps/v000001/..%2FCURRENT", "/dumps/../CURRENT", "/dumps/v000001/uniprot.exe",
                 "/dumps/x/uniprot.nq", "/dumps/v999999/uniprot.nq"):  # fmt: skip
        assert demo.get(path).status_code == 404, path


def test_shapes_ontology_and_policy_are_served(demo: httpx.Client) -> None:
    for name in ("covid_portal.shacl.ttl", "covid_portal.extra.shacl.ttl", "landing_page.shacl.ttl"):
        response = demo.get(f"/shapes/{name}")
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
        rdflib.Graph().parse(data=response.text, format="turtle")
    context = demo.get("/ontology/covid_portal.context.jsonld")
    assert context.headers["content-type"] == "application/ld+json" and "@context" in context.json()
    assert demo.get("/shapes/nope.ttl").status_code == 404
    assert demo.get("/ontology/..%2Fpyproject.toml").status_code == 404
    assert demo.get("/policy/persistence").status_code == 200
    assert demo.get("/static/portal.css").headers["content-type"].startswith("text/css")


def test_fair_check_command(fanin_server: Server) -> None:
    runner = CliRunner()
    ok = runner.invoke(fair_check_command, [fanin_server.url + "/entity/pdb:6M0J"])
    assert ok.exit_code == 0, ok.output
    assert "score: " in ok.output and "(100%)" in ok.output
    missing = runner.invoke(fair_check_command, [fanin_server.url + "/entity/uniprot:P99999"])
    assert missing.exit_code == 1
    assert "FAIL  GET the landing page: 404" in missing.output
    as_json = runner.invoke(fair_check_command, ["--json", fanin_server.url + "/catalog"])
    assert as_json.exit_code == 0 and '"score": 1.0' in as_json.output


# ------------------------------------------------------------------------------------------ RFC 8288 parser
def test_link_header_parser_follows_rfc_8288() -> None:
    header = (
        '<https://ex.org/a>;rel="cite-as", <https://ex.org/a.ttl> ; rel=describedby ; type="text/turtle",'
        '<b>; rel="item license"; title="a, b; c", <https://ex.org/c>;REL="author";rel="ignored", ,'
        '<https://ex.org/d>; anchor="#x"; rel="type"; hreflang=en'
    )
    links = parse_link_header(header, "https://ex.org/page")
    assert [link.target for link in links] == ["https://ex.org/a", "https://ex.org/a.ttl", "https://ex.org/b",
                                               "https://ex.org/c", "https://ex.org/d"]  # fmt: skip
    assert links[1].rels == ["describedby"] and links[1].type == "text/turtle"
    assert links[2].rels == ["item", "license"] and links[2].params["title"] == "a, b; c"
    assert links[3].rels == ["author"]  # the first rel wins
    assert links[4].params == {"anchor": "#x", "rel": "type", "hreflang": "en"}
    assert parse_link_header("") == []


@pytest.mark.parametrize(
    "header",
    [
        'https://ex.org/a; rel="x"',
        '<https://ex.org/a; rel="x"',
        '<https://ex.org/a> rel="x"',
        '<https://ex.org/a>; rel="x',
        '<https://ex.org/a>; ="x"',
        "<https://ex.org/a b>",
    ],
)
def test_link_header_parser_rejects_malformed(header: str) -> None:
    with pytest.raises(LinkHeaderError):
        parse_link_header(header)


def test_pid_base_is_configurable(fanin_server: Server) -> None:
    """A national node registers its own namespace: its pages cite PIDs under it; entity PIDs do not change."""
    from fastapi.testclient import TestClient

    from server.app import create_app
    from server.config import Settings

    settings = Settings(store=fanin_server.store, pid_base="https://purl.example.org/covid-node", base_url="https://node.example.org",
                        max_concurrent_queries=1)  # fmt: skip
    with TestClient(create_app(settings)) as client:

        def cite_as(path: str) -> str:
            links = parse_link_header(client.head(path).headers["link"])
            return next(link.target for link in links if "cite-as" in link.rels)

        assert cite_as("/dataset/pdb") == "https://purl.example.org/covid-node/dataset/pdb"
        assert cite_as("/catalog") == "https://purl.example.org/covid-node/catalog"
        assert cite_as("/entity/pdb:6M0J") == "https://rdf.wwpdb.org/pdb/6M0J"
        page = client.get("/entity/pdb:6M0J", params={"format": "linkset"}).json()
        assert page["linkset"][0]["anchor"] == "https://node.example.org/entity/pdb:6M0J"
