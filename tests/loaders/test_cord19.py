"""The CORD-19 document_parses loader on the two real pdf_json papers and on derived and constructed cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rdflib

from covid_portal import iris
from covid_portal.records import FileFormatError, RawRecord, RecordError, RecordGraph
from covid_portal.terms import C, S
from loaders.base import read_head
from loaders.cord19 import LOADER
from tests.conftest import RECORDS, TEST_DATA, shacl_report, to_rdflib
from tests.loaders.facts import values as objects
from tests.snapshots import assert_snapshot

DIR = RECORDS / "europepmc"
BAD = TEST_DATA / "cord19"
RUSSIAN = DIR / "cord19_pdf_json_0000028b5cc154f68b8a269f6578f21e31f62977.json"
HIGH_RISK = DIR / "cord19_pdf_json_0003793cf9e709bc2b9d0c8111186f78fb73fc04.json"
REAL = [RUSSIAN, HIGH_RISK]


def load(path: Path) -> RecordGraph:
    (record,) = LOADER.parse(path, "document-parses-json")
    assert isinstance(record, RawRecord), str(record)
    return LOADER.to_rdf(record)


def node(prefix: str, local_id: str) -> rdflib.URIRef:
    return rdflib.URIRef(iris.entity(prefix, local_id).value)


def paper(sha: str) -> rdflib.URIRef:
    return rdflib.URIRef(iris.cord19_paper(sha).value)


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_real_file(path: Path) -> None:
    assert LOADER.sniff(path, read_head(path)) == "document-parses-json"
    graph = load(path)
    sha = json.loads(path.read_text(encoding="utf-8"))["paper_id"]
    assert graph.record_id == sha and graph.topic.value == str(paper(sha))
    conforms, report = shacl_report(to_rdflib(graph.triples))
    assert conforms, report
    assert_snapshot(graph.triples, f"cord19/{path.name}")


def test_paper_without_authors_or_citable_references() -> None:
    sha = "0000028b5cc154f68b8a269f6578f21e31f62977"
    g = to_rdflib(load(RUSSIAN).triples)
    assert (paper(sha), rdflib.RDF.type, rdflib.URIRef(C.Publication.uri)) in g
    assert objects(g, paper(sha), S.title) == {'"Multi-faceted" COVID-19: Russian experience'}
    assert objects(g, paper(sha), S.accession) == {sha}
    assert objects(g, paper(sha), S.author) == set()  # metadata.authors is []
    # one of its six bib entries has a DOI: 10.1002/bjs.11706
    assert objects(g, paper(sha), S.cites) == {str(node("doi", "10.1002/bjs.11706"))}


def test_paper_with_authors_and_doi_references() -> None:
    sha = "0003793cf9e709bc2b9d0c8111186f78fb73fc04"
    g = to_rdflib(load(HIGH_RISK).triples)
    pub = paper(sha)
    names = {
        str(n) for a in g.objects(pub, rdflib.URIRef(S.author.uri)) for n in g.objects(a, rdflib.URIRef(S.name.uri))
    }
    assert names == {"Anastasia Vishnevetsky", "Michael Levy"}
    affiliations = {
        str(n)
        for a in g.objects(pub, rdflib.URIRef(S.author.uri))
        for n in g.objects(a, rdflib.URIRef(S.affiliation.uri))
    }
    assert affiliations == {
        "Massachusetts General Hospital, Boston, MA, USA",
        "Harvard Medical School, Boston, MA, USA",
    }
    cited = objects(g, pub, S.cites)
    # ten bib entries carry a DOI; one of them is cut off ("10.1016/S1470-2045(20") and is not minted
    assert len(cited) == 9
    assert str(node("doi", "10.1016/j.ijid.2020.03.017")) in cited
    assert str(node("doi", "10.1016/S1470-2045(20)30149-2")) in cited
    for target in cited:
        assert (rdflib.URIRef(target), rdflib.RDF.type, rdflib.URIRef(C.Publication.uri)) in g


def test_body_text_stays_out() -> None:
    text = " ".join(str(t.object) for t in load(HIGH_RISK).triples)
    body = json.loads(HIGH_RISK.read_text(encoding="utf-8"))["body_text"][0]["text"]
    assert body[:60] not in text


def test_pmc_json_paper_is_identified_by_its_pmc_id() -> None:
    graph = load(BAD / "cord19_pmc_json_constructed.json")
    g = to_rdflib(graph.triples)
    pub = node("pmc", "PMC9999921")
    assert graph.topic.value == str(pub)
    assert objects(g, pub, S.pmcid) == {"PMC9999921"}
    assert objects(g, pub, S.cites) == {str(node("pubmed", "34308300")), str(node("pmc", "PMC7108130"))}
    assert "must not enter the graph" not in " ".join(str(t.object) for t in graph.triples)
    (author,) = g.objects(pub, rdflib.URIRef(S.author.uri))
    assert objects(g, author, S.name) == {"Jane Q Doe Jr"}
    assert objects(g, author, S.given_name) == {"Jane Q"}
    conforms, report = shacl_report(g)
    assert conforms, report


def test_malformed_paper_id_is_a_record_error() -> None:
    (record,) = LOADER.parse(BAD / "cord19_bad_paper_id.json", "document-parses-json")
    with pytest.raises(RecordError, match="'not-a-sha' is not a CORD-19 paper id"):
        LOADER.to_rdf(record)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (BAD / "cord19_truncated.json", r"JSON ends unexpectedly .* \(truncated file\?\)"),
        (TEST_DATA / "europepmc" / "empty.json", "file is empty"),
        (DIR / "epmc_rest_search_cancer.json", "not a CORD-19 document_parses JSON: no paper_id and metadata"),
        (DIR / "pubmed_efetch_xml_pubmed2.xml", "invalid JSON at line 1, column 1"),
    ],
    ids=["truncated", "empty", "wrong-json", "not-json"],
)
def test_broken_file(path: Path, message: str) -> None:
    with pytest.raises(FileFormatError, match=message):
        list(LOADER.parse(path, "document-parses-json"))


def test_other_sources_are_not_claimed() -> None:
    for path in (DIR / "epmc_rest_search_cancer.json", DIR / "pubmed_efetch_xml_pubmed2.xml"):
        assert LOADER.sniff(path, read_head(path)) is None
