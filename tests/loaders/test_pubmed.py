"""The PubMed efetch XML loader on the two real PubmedArticleSet files and on derived and constructed cases."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import rdflib

from covid_portal import iris
from covid_portal.publications import JOURNAL_ARTICLE, PREPRINT
from covid_portal.records import FileFormatError, RawRecord, RecordError, RecordGraph
from covid_portal.terms import C, S
from loaders.base import read_head
from loaders.pubmed import LOADER
from tests.conftest import RECORDS, TEST_DATA, shacl_report, to_rdflib
from tests.loaders.facts import values as objects
from tests.snapshots import assert_snapshot

DIR = RECORDS / "europepmc"
BAD = TEST_DATA / "pubmed"
PUBMED2 = DIR / "pubmed_efetch_xml_pubmed2.xml"
PUBMED7 = DIR / "pubmed_efetch_xml_pubmed7.xml"
EDGE = BAD / "pubmed_edge_cases_constructed.xml"
REAL = {PUBMED2: ["11748933", "11700088"], PUBMED7: ["29963580"]}


@cache
def parsed(path: Path) -> tuple[list[RawRecord], list[RecordError]]:
    records, errors = [], []
    for item in LOADER.parse(path, "efetch-xml"):
        (errors if isinstance(item, RecordError) else records).append(item)
    return records, errors


@cache
def graphs(path: Path) -> dict[str, RecordGraph]:
    return {r.record_id: LOADER.to_rdf(r) for r in parsed(path)[0]}


def rdf(path: Path, pmid: str) -> rdflib.Graph:
    return to_rdflib(graphs(path)[pmid].triples)


def node(prefix: str, local_id: str) -> rdflib.URIRef:
    return rdflib.URIRef(iris.entity(prefix, local_id).value)


def authors(graph: rdflib.Graph, pub: rdflib.term.Node) -> dict[int, dict[str, set[str]]]:
    out = {}
    for author in graph.objects(pub, rdflib.URIRef(S.author.uri)):
        slots = (S.name, S.given_name, S.family_name, S.orcid, S.affiliation)
        (position,) = objects(graph, author, S.author_position)
        out[int(position)] = {slot.name: objects(graph, author, slot) for slot in slots}
    return out


# ------------------------------------------------------------------ real files
@pytest.mark.parametrize("path", list(REAL), ids=lambda p: p.name)
def test_real_file(path: Path) -> None:
    assert LOADER.sniff(path, read_head(path)) == "efetch-xml"
    records, errors = parsed(path)
    assert errors == []
    assert [r.record_id for r in records] == REAL[path]
    for pmid, graph in graphs(path).items():
        conforms, report = shacl_report(to_rdflib(graph.triples))
        assert conforms, f"{pmid}:\n{report}"
    assert_snapshot([t for g in graphs(path).values() for t in g.triples], f"pubmed/{path.name}")


def test_article_with_mesh() -> None:
    pub = node("pubmed", "11748933")
    g = rdf(PUBMED2, "11748933")
    assert (pub, rdflib.RDF.type, rdflib.URIRef(C.Publication.uri)) in g
    assert objects(g, pub, S.journal) == {"Cryobiology"}
    assert objects(g, pub, S.volume) == {"42"} and objects(g, pub, S.issue) == {"4"}
    assert objects(g, pub, S.pages) == {"244-55"}
    assert objects(g, pub, S.publication_year) == {"2001"}
    assert objects(g, pub, S.publication_date) == set()  # PubDate 2001 Jun has no day
    assert objects(g, pub, S.doi) == {"10.1006/cryo.2001.2328"}
    assert objects(g, pub, S.publication_type) == {JOURNAL_ARTICLE.value}
    mesh = objects(g, pub, S.mesh_heading)
    assert len(mesh) == 11  # eleven MeshHeading elements
    assert {str(node("mesh", "D000818")), str(node("mesh", "D013094"))} <= mesh  # Animals, Spermatozoa
    people = authors(g, pub)
    assert len(people) == 8
    assert people[1]["name"] == {"Taddei AR"} and people[1]["given_name"] == {"A R"}
    assert "Viterbo" in next(iter(people[1]["affiliation"]))
    assert people[8]["family_name"] == {"Mazzini"}


def test_article_with_references_and_orcids() -> None:
    pub = node("pubmed", "29963580")
    g = rdf(PUBMED7, "29963580")
    assert objects(g, pub, S.pmcid) == {"PMC6022861"}
    assert str(node("pmc", "PMC6022861")) in objects(g, pub, S.same_as)
    assert objects(g, pub, S.doi) == {"10.1117/1.jmi.5.2.026002"}
    assert objects(g, pub, S.publication_date) == {"2018-06-28"}  # ArticleDate Electronic
    assert objects(g, pub, S.pages) == {"026002"}
    cited = objects(g, pub, S.cites)
    assert len(cited) == 49  # 49 references, each with a PubMed id
    assert {str(node("pubmed", "25144646")), str(node("pubmed", "18216052"))} <= cited
    people = authors(g, pub)
    assert len(people) == 9
    assert people[2]["orcid"] == {"https://orcid.org/0000-0002-4590-7461"}
    assert people[7]["orcid"] == {"https://orcid.org/0000-0003-3525-2788"}
    assert len(next(iter(people[1]["affiliation"])).split("; ")) == 3
    assert people[9]["name"] == {"Canadian Respiratory Research Network"}
    assert objects(g, pub, S.keywords) == {
        "asthma",
        "chronic obstructive lung disease",
        "image processing, biomarkers",
        "magnetic resonance imaging",
        "thoracic computed tomography",
    }
    # MathML in the abstract never reaches the graph; the title has no markup
    assert objects(g, pub, S.title) == {
        "Development of a pulmonary imaging biomarker pipeline for phenotyping of chronic lung disease."
    }


# ------------------------------------------------------------------ constructed cases
def test_data_banks_substances_and_bad_articles() -> None:
    records, errors = parsed(EDGE)
    assert [r.record_id for r in records] == ["99999901"]
    assert [(e.record_id, e.reason) for e in errors] == [
        (None, "PubmedArticle without a PMID"),
        ("99999903", "PubmedBookArticle (a book) is not read"),
    ]
    pub = node("pubmed", "99999901")
    g = rdf(EDGE, "99999901")
    assert objects(g, pub, S.mentions) == {
        str(node("ena.embl", "MN908947")),
        str(node("pdb", "6M0J")),
        str(node("uniprot", "P0DTC2")),
    }  # ClinicalTrials.gov is not a space the portal knows
    assert (node("pdb", "6M0J"), rdflib.URIRef(S.mentioned_in.uri), pub) in g
    assert objects(g, pub, S.chemical) == {str(node("mesh", "C000606551"))}
    assert objects(g, pub, S.publication_type) == {PREPRINT.value}
    assert objects(g, pub, S.publication_year) == {"2020"}  # MedlineDate "2020 Mar-Apr"
    assert objects(g, pub, S.pages) == {"10-19"}
    assert objects(g, pub, S.title) == {"A constructed SARS-CoV-2 article with data bank links."}
    assert objects(g, pub, S.cites) == {str(node("doi", "10.5555/constructed.2"))}
    people = authors(g, pub)
    assert people[1]["orcid"] == {"https://orcid.org/0000-0002-1825-0097"}
    assert people[2]["orcid"] == set()  # "not-an-orcid" is dropped
    conforms, report = shacl_report(g)
    assert conforms, report


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("path", "message"),
    [
        (BAD / "pubmed_truncated.xml", r"XML ends unexpectedly at line \d+, column \d+ \(truncated file\?\)"),
        (BAD / "pubmed_not_well_formed.xml", r"XML is not well-formed at line 4, column \d+: mismatched tag"),
        (TEST_DATA / "europepmc" / "empty.json", "file is empty"),
        (DIR / "epmc_rest_search_cancer.xml", "not a PubMed efetch XML: no PubmedArticleSet element"),
    ],
    ids=["truncated", "not-well-formed", "empty", "wrong-format"],
)
def test_broken_file(path: Path, message: str) -> None:
    with pytest.raises(FileFormatError, match=message):
        list(LOADER.parse(path, "efetch-xml"))


def test_other_sources_are_not_claimed() -> None:
    for path in (DIR / "epmc_rest_search_cancer.xml", DIR / "epmc_rest_search_cancer.json"):
        assert LOADER.sniff(path, read_head(path)) is None
