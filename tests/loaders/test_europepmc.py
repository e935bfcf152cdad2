"""The Europe PMC loader on the real search (idlist/lite/core, JSON and XML), citations and references
responses, and on derived and constructed edge cases."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
import rdflib
from rdflib.compare import isomorphic

from covid_portal import iris
from covid_portal.publications import JOURNAL_ARTICLE, OTHER, PREPRINT, REVIEW, licence_iri
from covid_portal.records import FileFormatError, RawRecord, RecordError, RecordGraph
from covid_portal.terms import C, S
from loaders.base import read_head
from loaders.europepmc import LOADER
from tests.conftest import RECORDS, TEST_DATA, shacl_report, to_rdflib
from tests.loaders.facts import values as objects
from tests.snapshots import assert_snapshot

DIR = RECORDS / "europepmc"
BAD = TEST_DATA / "europepmc"
CITATIONS = DIR / "epmc_rest_citations_MED_34308300_covid.FROM_NOTEBOOK_REPR.json"
REFERENCES = DIR / "epmc_rest_references_MED_34308300_covid.FROM_NOTEBOOK_REPR.json"
CORE = DIR / "epmc_rest_search_cancer_core.json"
LITE = DIR / "epmc_rest_search_cancer.json"
LITE_XML = DIR / "epmc_rest_search_cancer.xml"
IDLIST = DIR / "epmc_rest_search_cancer_idlist.json"
LONG_COVID = DIR / "epmc_rest_search_long_covid_lite.FROM_NOTEBOOK_REPR.json"
XREFS = BAD / "epmc_core_xrefs_constructed.json"

# file -> (format, number of records): every real response holds 25 items (pageSize 25)
REAL = {
    CITATIONS: ("citations-json", 25),
    REFERENCES: ("references-json", 25),
    CORE: ("rest-json", 25),
    LITE: ("rest-json", 25),
    LITE_XML: ("rest-xml", 25),
    IDLIST: ("rest-json", 25),
    LONG_COVID: ("rest-json", 25),
}


def fmt(path: Path) -> str:
    found = LOADER.sniff(path, read_head(path))
    assert found, f"{path.name} not recognised"
    return found


@cache
def parsed(path: Path) -> tuple[list[RawRecord], list[RecordError]]:
    records, errors = [], []
    for item in LOADER.parse(path, fmt(path)):
        (errors if isinstance(item, RecordError) else records).append(item)
    return records, errors


@cache
def graphs(path: Path) -> dict[str, RecordGraph]:
    return {r.record_id: LOADER.to_rdf(r) for r in parsed(path)[0]}


def rdf(path: Path, record_id: str) -> rdflib.Graph:
    return to_rdflib(graphs(path)[record_id].triples)


def node(prefix: str, local_id: str) -> rdflib.URIRef:
    return rdflib.URIRef(iris.entity(prefix, local_id).value)


def authors(graph: rdflib.Graph, pub: rdflib.term.Node) -> dict[int, dict[str, set[str]]]:
    out = {}
    for author in graph.objects(pub, rdflib.URIRef(S.author.uri)):
        fields = {
            slot.name: objects(graph, author, slot)
            for slot in (S.name, S.given_name, S.family_name, S.orcid, S.affiliation)
        }
        (position,) = objects(graph, author, S.author_position)
        out[int(position)] = fields
    return out


def source_items(path: Path, list_key: str, item_key: str) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))[list_key][item_key]


# ------------------------------------------------------------------ real files
@pytest.mark.parametrize("path", list(REAL), ids=lambda p: p.name)
def test_real_file_is_sniffed_and_every_item_is_a_record(path: Path) -> None:
    expected_fmt, count = REAL[path]
    assert fmt(path) == expected_fmt
    records, errors = parsed(path)
    assert errors == []
    assert len(records) == count
    assert len(graphs(path)) == count  # record ids are unique


@pytest.mark.parametrize("path", list(REAL), ids=lambda p: p.name)
def test_every_record_conforms_to_the_shapes(path: Path) -> None:
    for record_id, graph in graphs(path).items():
        conforms, report = shacl_report(to_rdflib(graph.triples))
        assert conforms, f"{path.name} {record_id}:\n{report}"


@pytest.mark.parametrize("path", list(REAL), ids=lambda p: p.name)
def test_snapshot(path: Path) -> None:
    triples = [t for g in graphs(path).values() for t in g.triples]
    assert_snapshot(triples, f"europepmc/{path.name}")


def test_core_result_facts() -> None:
    # 40468710: cc by licence, two ORCIDs, first author Al-Abbadey with two affiliations
    pub = node("pubmed", "40468710")
    g = rdf(CORE, "core/MED:40468710")
    assert (pub, rdflib.RDF.type, rdflib.URIRef(C.Publication.uri)) in g
    assert objects(g, pub, S.title) == {
        "The role of psychological flexibility in relation to health outcomes in people in remission from cancer."
    }
    assert objects(g, pub, S.journal) == {"British journal of health psychology"}
    assert objects(g, pub, S.doi) == {"10.1111/bjhp.12807"}
    assert objects(g, pub, S.license) == {"https://creativecommons.org/licenses/by/"}
    assert objects(g, pub, S.publication_year) == {"2025"}
    people = authors(g, pub)
    assert len(people) == 7
    assert people[1]["name"] == {"Al-Abbadey M"} and people[1]["given_name"] == {"Miznah"}
    assert people[1]["orcid"] == {"https://orcid.org/0000-0002-6307-9196"}
    assert "University of Portsmouth" in next(iter(people[1]["affiliation"]))
    assert "Chronic Pain Service" in next(iter(people[1]["affiliation"]))
    # Europe PMC core gives MeSH names without descriptor ids: they become keywords, not IRIs
    assert {"Humans", "Neoplasms", "Cancer", "Longitudinal"} <= objects(g, pub, S.keywords)
    assert objects(g, pub, S.mesh_heading) == set()


@pytest.mark.parametrize(
    ("record_id", "expected"),
    [
        ("MED:39709209", JOURNAL_ARTICLE),  # Journal Article
        ("MED:39709208", OTHER),  # Published Erratum; correction
        ("MED:40464630", REVIEW),  # Review; Journal Article
        ("MED:40536727", OTHER),  # News
    ],
)
def test_publication_type(record_id: str, expected) -> None:
    pub = node("pubmed", record_id.split(":")[1])
    g = rdf(CORE, f"core/{record_id}")
    assert objects(g, pub, S.publication_type) == {expected.value}


def test_each_result_type_is_a_record_of_its_own() -> None:
    # the core, lite and idlist views of one article must not replace each other in the store
    views = {path: {rid.split("/")[0] for rid in graphs(path)} for path in (CORE, LITE, LITE_XML, IDLIST)}
    assert views == {CORE: {"core"}, LITE: {"lite"}, LITE_XML: {"lite"}, IDLIST: {"idlist"}}


def test_every_identifier_is_linked() -> None:
    # 39709208 has pmid, pmcid and doi: PubMed IRI primary, the others same_as
    pub = node("pubmed", "39709208")
    for path, view in ((CORE, "core"), (LITE, "lite"), (LITE_XML, "lite"), (IDLIST, "idlist")):
        g = rdf(path, f"{view}/MED:39709208")
        assert objects(g, pub, S.pmcid) == {"PMC12124214"}
        assert str(node("pmc", "PMC12124214")) in objects(g, pub, S.same_as)
    assert str(node("doi", "10.1016/s0140-6736(24)02716-8")) in objects(rdf(CORE, "core/MED:39709208"), pub, S.same_as)
    with_pmc = sum(1 for g in graphs(IDLIST).values() for t in g.triples if t.predicate.value == S.pmcid.uri)
    assert with_pmc == sum(1 for item in source_items(IDLIST, "resultList", "result") if "pmcid" in item) == 9


def test_json_and_xml_forms_give_the_same_graph() -> None:
    assert graphs(LITE).keys() == graphs(LITE_XML).keys()
    for record_id in graphs(LITE):
        assert isomorphic(rdf(LITE, record_id), rdf(LITE_XML, record_id)), record_id


def test_lite_authors_come_from_the_author_string() -> None:
    pub = node("pubmed", "39709209")
    people = authors(rdf(LITE, "lite/MED:39709209"), pub)
    assert [people[i]["name"] for i in (1, 2, 3)] == [{"Schoenfeld JD"}, {"Haas-Kogan DA"}, {"O'Neill AF"}]


def test_open_access_flag() -> None:
    items = source_items(LONG_COVID, "resultList", "result")
    assert all(item["isOpenAccess"] == "Y" for item in items)
    for item in items:
        g = rdf(LONG_COVID, f"lite/MED:{item['id']}")
        assert objects(g, node("pubmed", item["id"]), S.is_open_access) == {"true"}


def test_database_names_without_accessions_mention_nothing() -> None:
    # 39164752 lists dbName EMBL but no accession
    g = rdf(LONG_COVID, "lite/MED:39164752")
    assert objects(g, node("pubmed", "39164752"), S.mentions) == set()


def test_citations_cite_the_queried_article() -> None:
    queried = node("pubmed", "34308300")
    items = source_items(CITATIONS, "citationList", "citation")
    for item in items:
        citing = node("pubmed", item["id"]) if item["source"] == "MED" else node("ppr", item["id"])
        g = rdf(CITATIONS, f"{item['source']}:{item['id']}/cites/MED:34308300")
        assert (citing, rdflib.URIRef(S.cites.uri), queried) in g
    preprint = rdf(CITATIONS, "PPR:PPR1078485/cites/MED:34308300")
    assert objects(preprint, node("ppr", "PPR1078485"), S.publication_type) == {PREPRINT.value}
    assert sum(1 for item in items if item["source"] == "PPR") == 2


def test_references_are_cited_by_the_queried_article() -> None:
    first = source_items(REFERENCES, "referenceList", "reference")[0]
    assert first["id"] == "32150622" and first["citedOrder"] == 1
    g = rdf(REFERENCES, "MED:34308300/cites/MED:32150622")
    cited = node("pubmed", "32150622")
    assert (node("pubmed", "34308300"), rdflib.URIRef(S.cites.uri), cited) in g
    assert objects(g, cited, S.title) == {"Diagnostic Testing for the Novel Coronavirus."}
    assert objects(g, cited, S.journal) == {"JAMA"}
    assert objects(g, cited, S.volume) == {"323"} and objects(g, cited, S.pages) == {"1437-1438"}
    assert objects(g, cited, S.publication_type) == {JOURNAL_ARTICLE.value}


def test_queried_article_from_the_file_name(tmp_path: Path) -> None:
    doc = json.loads(CITATIONS.read_text(encoding="utf-8"))
    del doc["request"]
    path = tmp_path / "saved_MED_34308300_citations.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    records = [r for r in LOADER.parse(path, "citations-json") if isinstance(r, RawRecord)]
    g = to_rdflib(LOADER.to_rdf(records[1]).triples)
    assert (node("pubmed", "40903751"), rdflib.URIRef(S.cites.uri), node("pubmed", "34308300")) in g


def test_without_queried_article_items_are_recorded_alone() -> None:
    path = BAD / "epmc_citations_no_request.json"
    records, errors = parsed(path)
    assert [r.record_id for r in records] == ["PPR:PPR1078485", "MED:40903751", "PAT:WO2021000000"]
    assert [e.reason for e in errors] == ["item has no id (unmatched reference?)"]
    for record in records[:2]:
        g = to_rdflib(LOADER.to_rdf(record).triples)
        assert not list(g.triples((None, rdflib.URIRef(S.cites.uri), None)))
    with pytest.raises(RecordError, match="no PubMed, PMC, preprint \\(PPR\\) or DOI identifier"):
        LOADER.to_rdf(records[2])


# ------------------------------------------------------------------ constructed cross-references
def test_cross_references_become_mentions() -> None:
    g = rdf(XREFS, "core/MED:99999911")
    pub = node("pubmed", "99999911")
    mentions = objects(g, pub, S.mentions)
    assert mentions == {
        str(node("uniprot", "P0DTC2")),
        str(node("pdb", "6M0J")),
        str(node("ena.embl", "MN908947")),
        str(node("insdc.sra", "ERR4080517")),
    }
    assert (node("insdc.sra", "ERR4080517"), rdflib.RDF.type, rdflib.URIRef(C.ReadRun.uri)) in g
    assert (node("uniprot", "P0DTC2"), rdflib.URIRef(S.mentioned_in.uri), pub) in g
    assert objects(g, pub, S.see_also) == {str(node("arrayexpress", "E-MTAB-9221"))}
    assert objects(g, pub, S.mesh_heading) == {str(node("mesh", "D000086382"))}
    assert objects(g, pub, S.chemical) == {str(node("mesh", "C000606551"))}
    assert objects(g, pub, S.keywords) == {"Humans"}
    assert objects(g, pub, S.license) == {"https://creativecommons.org/licenses/by-nc/4.0/"}
    assert objects(g, pub, S.publication_type) == {REVIEW.value}
    assert objects(g, pub, S.publication_date) == set()  # 2021-02-30 is not a date
    people = authors(g, pub)
    assert people[1]["name"] == {"Constructed Consortium"}
    assert people[2]["orcid"] == {"https://orcid.org/0000-0002-1825-0097"}
    conforms, report = shacl_report(g)
    assert conforms, report


def test_preprint_with_doi_is_identified_by_its_ppr_id() -> None:
    g = rdf(XREFS, "core/PPR:PPR999912")
    pub = node("ppr", "PPR999912")
    assert objects(g, pub, S.doi) == {"10.1101/2020.01.01.999912"}
    assert objects(g, pub, S.same_as) == {str(node("doi", "10.1101/2020.01.01.999912"))}
    assert objects(g, pub, S.publication_type) == {PREPRINT.value}
    assert objects(g, pub, S.publication_date) == {"2020-01-02"}


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("name", "form", "message"),
    [
        ("epmc_search_truncated.json", "rest-json", "JSON ends unexpectedly .* \\(truncated file\\?\\)"),
        (
            "epmc_search_truncated.xml",
            "rest-xml",
            "XML ends unexpectedly at line 1, column \\d+ \\(truncated file\\?\\)",
        ),
        ("empty.json", "rest-json", "file is empty"),
    ],
)
def test_broken_file(name: str, form: str, message: str) -> None:
    with pytest.raises(FileFormatError, match=message):
        list(LOADER.parse(BAD / name, form))


def test_wrong_format(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="no resultList, citationList or referenceList"):
        list(LOADER.parse(TEST_DATA / "ebisearch" / "ebisearch_covid19_constructed.json", "rest-json"))
    with pytest.raises(FileFormatError, match="no responseWrapper element"):
        list(LOADER.parse(DIR / "pubmed_efetch_xml_pubmed2.xml", "rest-xml"))
    not_xml = tmp_path / "broken.xml"
    not_xml.write_text(LITE_XML.read_text(encoding="utf-8").replace("</title>", "</titel>", 1), encoding="utf-8")
    with pytest.raises(FileFormatError, match=r"XML is not well-formed at line 1, column \d+: mismatched tag"):
        list(LOADER.parse(not_xml, "rest-xml"))


@pytest.mark.parametrize(
    "path", [DIR / "pubmed_efetch_xml_pubmed2.xml", TEST_DATA / "ebisearch" / "ebisearch_covid19_constructed.json"]
)
def test_other_sources_are_not_claimed(path: Path) -> None:
    assert LOADER.sniff(path, read_head(path)) is None


def test_item_that_is_not_an_object(tmp_path: Path) -> None:
    path = tmp_path / "odd.json"
    path.write_text(json.dumps({"resultList": {"result": ["39709209"]}}), encoding="utf-8")
    (error,) = LOADER.parse(path, "rest-json")
    assert isinstance(error, RecordError) and error.reason == "item is not an object"


def test_references_in_xml_form(tmp_path: Path) -> None:
    # the XML form of /MED/34308300/references, written from the first two items of the real JSON
    items = source_items(REFERENCES, "referenceList", "reference")[:2]
    body = "".join(
        f"<reference><id>{i['id']}</id><source>{i['source']}</source><title>{i['title']}</title>"
        f"<pubYear>{i['pubYear']}</pubYear></reference>"
        for i in items
    )
    path = tmp_path / "references.xml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><responseWrapper><version>6.9</version><hitCount>30</hitCount>'
        f"<request><id>34308300</id><source>MED</source></request><referenceList>{body}</referenceList></responseWrapper>",
        encoding="utf-8",
    )
    records = list(LOADER.parse(path, fmt(path)))
    assert [r.record_id for r in records] == ["MED:34308300/cites/MED:32150622", "MED:34308300/cites/MED:34316551"]
    g = to_rdflib(LOADER.to_rdf(records[0]).triples)
    assert (node("pubmed", "34308300"), rdflib.URIRef(S.cites.uri), node("pubmed", "32150622")) in g


@pytest.mark.parametrize(
    ("text", "iri"),
    [
        ("cc by", "https://creativecommons.org/licenses/by/"),
        ("cc by-nc-nd", "https://creativecommons.org/licenses/by-nc-nd/"),
        ("CC BY-SA 4.0", "https://creativecommons.org/licenses/by-sa/4.0/"),
        ("cc0", "https://creativecommons.org/publicdomain/zero/1.0/"),
        ("http://creativecommons.org/licenses/by/3.0/", "https://creativecommons.org/licenses/by/3.0/"),
        ("other-oa", None),
        ("cc nc", None),
    ],
)
def test_licence_strings(text: str, iri: str | None) -> None:
    found = licence_iri(text)
    assert (found.value if found else None) == iri
