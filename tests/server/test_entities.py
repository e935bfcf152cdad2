"""Entity pages and the resolver, against a real server over the demo store (tests/server/conftest.py).

Facts checked here are read off the bundled records (data/records): UniProt P0DTC2 lists PDB 6M0J
among its structures and is encoded by ENA MN908947; PDB 6M0J's record names its polymer proteins.
"""

from __future__ import annotations

import json
import time

import httpx
import pytest
import rdflib
from pyld import jsonld
from rdflib.compare import isomorphic

from covid_portal.fair_check import parse_rdf
from tests.server.conftest import FAN_IN, SARS_COV_2_TAXON

ENTITIES = {
    "sequence": "ena.embl:MN908947",
    "protein": "uniprot:P0DTC2",
    "structure": "pdb:6M0J",
    "proteomics project": "pride.project:PXD018241",
    "compound": "chembl.compound:CHEMBL429298",
    "publication": "pubmed:29963580",
    "referenced publication": "pubmed:32225176",  # only cited by others: no record of its own
    "taxon": "ncbitaxon:2697049",
}
RDF_MEDIA_TYPES = {
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "rdf": "application/rdf+xml",
    "jsonld": "application/ld+json",
}


def _graph(response: httpx.Response, client: httpx.Client) -> rdflib.Graph:
    media_type = response.headers["content-type"].split(";")[0]
    return parse_rdf(response.content, media_type, str(response.url), client)


@pytest.mark.parametrize("curie", ENTITIES.values(), ids=ENTITIES.keys())
@pytest.mark.parametrize("name", RDF_MEDIA_TYPES)
def test_each_format_is_negotiated(demo: httpx.Client, curie: str, name: str) -> None:
    media_type = RDF_MEDIA_TYPES[name]
    by_accept = demo.get(f"/entity/{curie}", headers={"Accept": media_type})
    by_param = demo.get(f"/entity/{curie}", params={"format": name}, headers={"Accept": "text/html"})
    for response in (by_accept, by_param):
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].split(";")[0] == media_type
        assert "Accept" in response.headers["vary"]
        assert len(_graph(response, demo)) > 0


@pytest.mark.parametrize("curie", ENTITIES.values(), ids=ENTITIES.keys())
def test_jsonld_round_trips_to_the_turtle_triples(demo: httpx.Client, curie: str) -> None:
    turtle = rdflib.Graph().parse(data=demo.get(f"/entity/{curie}", params={"format": "ttl"}).text, format="turtle")
    doc = demo.get(f"/entity/{curie}", params={"format": "jsonld"}).json()
    # usable as plain JSON: one short context URL, short keys from the generated context
    assert isinstance(doc["@context"], str) and doc["@context"].endswith("/ontology/covid_portal.context.jsonld")
    page = doc["@graph"][0]
    assert page["id"].endswith(f"/entity/{curie}") and "title" in page

    def loader(url: str, options: dict | None = None) -> dict:
        return {"contextUrl": None, "documentUrl": url, "document": demo.get(url).json()}

    expanded = jsonld.expand(doc, {"documentLoader": loader})
    nquads = jsonld.to_rdf(expanded, {"format": "application/n-quads"})
    from_jsonld = rdflib.Graph().parse(data=nquads, format="nquads")
    assert isomorphic(rdflib.Graph() + from_jsonld, turtle), f"{len(from_jsonld)} vs {len(turtle)} triples"


def test_q_values_decide(demo: httpx.Client) -> None:
    path = "/entity/uniprot:P0DTC2"
    cases = {
        "text/turtle;q=0.5, application/ld+json;q=0.9": "application/ld+json",
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8": "text/html",  # a browser
        "application/n-triples, text/html;q=0.1": "application/n-triples",
        "application/rdf+xml": "application/rdf+xml",
        "*/*": "text/html",
        "application/linkset+json": "application/linkset+json",
    }
    for accept, expected in cases.items():
        response = demo.get(path, headers={"Accept": accept})
        assert response.status_code == 200
        assert response.headers["content-type"].split(";")[0] == expected, accept
    assert demo.get(path, headers={"Accept": "image/png"}).status_code == 406
    assert demo.get(path, params={"format": "csv"}).status_code == 406  # a format we know, not for pages
    assert demo.get(path, params={"format": "bogus"}).status_code == 400


def test_html_page_links_both_ways_with_provenance(demo: httpx.Client) -> None:
    html = demo.get("/entity/uniprot:P0DTC2", headers={"Accept": "text/html"}).text
    # outgoing links are clickable entity pages, grouped by predicate with counts
    outgoing = html.split('id="outgoing"', 1)[1].split('id="incoming"', 1)[0]
    assert 'href="' + str(demo.base_url) + '/entity/ena.embl:MN908947"' in outgoing
    assert 'has structure <span class="count">(4' in outgoing  # 428 structures, 20 of them listed
    assert outgoing.count("/entity/pdb:") == 20
    assert "encoded by" in outgoing
    # incoming links: the structures name the protein as their polymer protein, the sequence encodes it
    incoming = html.split('id="incoming"', 1)[1].split('id="provenance"', 1)[0]
    assert "polymer protein" in incoming and "encodes" in incoming
    assert "/entity/pdb:" in incoming
    # provenance: source dataset, record URL, retrieval time, licence, loader
    provenance = html.split('id="provenance"', 1)[1]
    assert "/dataset/uniprot" in provenance
    assert "rest.uniprot.org" in provenance or "uniprot.org" in provenance
    assert "creativecommons.org/licenses/by/4.0" in provenance
    assert "covid-portal" in provenance and "loaders.uniprot" in provenance
    # Dublin Core and schema.org
    assert (
        '<meta name="DC.title"' in html
        and '<meta name="DC.identifier" content="http://purl.uniprot.org/uniprot/P0DTC2"' in html
    )
    script = html.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    data = json.loads(script)
    assert data["@context"] == {"@vocab": "http://schema.org/"}
    assert data["@type"] == ["Protein"] and data["@id"] == "http://purl.uniprot.org/uniprot/P0DTC2"


def test_head_matches_get(demo: httpx.Client) -> None:
    for path in ("/entity/pdb:6M0J", "/entity/pdb:6M0J?format=ttl"):
        get, head = demo.get(path), demo.head(path)
        assert head.status_code == 200 and head.content == b""
        for name in ("content-type", "link", "content-length"):
            assert head.headers[name] == get.headers[name], name


@pytest.mark.parametrize(
    "path",
    [
        "/entity/uniprot:P99999",  # a valid accession that is not loaded
        "/entity/nosuchprefix:123",  # an unknown identifier space
        "/entity/pdb:not-a-pdb-id",  # not a PDB identifier
        "/entity/no-colon",
        "/resolve?iri=https://example.org/thing/1",
        "/resolve?iri=https://identifiers.org/uniprot:P99999x",
        "/dataset/nosuchsource",
    ],
)
def test_unknown_is_404(demo: httpx.Client, path: str) -> None:
    assert demo.get(path).status_code == 404
    assert demo.head(path).status_code == 404


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/entity/ena:MN908947", "/entity/ena.embl:MN908947"),  # a prefix synonym
        ("/entity/ena.embl:MN908947.3", "/entity/ena.embl:MN908947"),  # a sequence version
        ("/entity/pdb:6m0j", "/entity/pdb:6M0J"),  # case
        ("/entity/PDB:6M0J?format=ttl", "/entity/pdb:6M0J?format=ttl"),  # the query is kept
    ],
)
def test_non_canonical_curies_redirect(demo: httpx.Client, path: str, target: str) -> None:
    response = demo.get(path)
    assert response.status_code == 301
    assert response.headers["location"] == target


@pytest.mark.parametrize(
    ("iri", "target"),
    [
        ("http://purl.uniprot.org/uniprot/P0DTC2", "/entity/uniprot:P0DTC2"),  # the primary IRI
        ("https://identifiers.org/uniprot:P0DTC2", "/entity/uniprot:P0DTC2"),
        ("https://bioregistry.io/uniprot:P0DTC2", "/entity/uniprot:P0DTC2"),
        ("https://identifiers.org/pdb:6M0J", "/entity/pdb:6M0J"),
        ("https://www.ebi.ac.uk/ena/browser/view/MN908947", "/entity/ena.embl:MN908947"),  # a web page
        ("uniprot:P0DTC2", "/entity/uniprot:P0DTC2"),  # a CURIE
        ("https://w3id.org/covid-portal/dataset/uniprot", "/dataset/uniprot"),
        (
            "https://w3id.org/covid-portal/cord19/0003793cf9e709bc2b9d0c8111186f78fb73fc04",
            "/entity/cord19:0003793cf9e709bc2b9d0c8111186f78fb73fc04",
        ),
    ],
)
def test_resolver_redirects_303(demo: httpx.Client, iri: str, target: str) -> None:
    response = demo.get("/resolve", params={"iri": iri})
    assert response.status_code == 303, response.text
    assert response.headers["location"] == target
    assert demo.get(target).status_code == 200


def test_an_entity_with_many_incoming_links_answers_fast(demo: httpx.Client) -> None:
    """The demo store adds FAN_IN samples linking to the SARS-CoV-2 taxon: counts are capped, samples bounded."""
    started = time.monotonic()
    html = demo.get("/entity/ncbitaxon:2697049", headers={"Accept": "text/html"})
    elapsed = time.monotonic() - started
    assert html.status_code == 200
    assert elapsed < 5, f"{elapsed:.1f} s"
    assert FAN_IN > 1000 and "(1000+)" in html.text
    turtle = rdflib.Graph().parse(data=demo.get("/entity/ncbitaxon:2697049?format=ttl").text, format="turtle")
    incoming = set(turtle.subjects(rdflib.URIRef("https://w3id.org/covid-portal/vocab/taxon"),
                                   rdflib.URIRef(SARS_COV_2_TAXON)))  # fmt: skip
    assert 0 < len(incoming) <= 20 * 5  # a bounded sample per predicate


def test_linkset_route(demo: httpx.Client) -> None:
    response = demo.get("/linkset/uniprot:P0DTC2", follow_redirects=True)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/linkset+json"
    assert response.json()["linkset"][0]["anchor"] == f"{demo.base_url}/entity/uniprot:P0DTC2"
