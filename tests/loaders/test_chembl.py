"""ChEMBL loader: web-service JSON and Elasticsearch hits for every record type, on real records."""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from pyoxigraph import NamedNode

import loaders
from covid_portal import iris
from covid_portal.records import FileFormatError, RawRecord, RecordError, RecordGraph
from covid_portal.terms import C, S
from covid_portal.validate import default_validator
from loaders.base import read_head
from tests.conftest import RECORDS, TEST_DATA, shacl_report, to_rdflib
from tests.loaders.facts import typed, values
from tests.snapshots import assert_snapshot

CHEMBL = RECORDS / "chembl"
BAD = TEST_DATA / "chembl"
LOADER = loaders.get("chembl")
SHACL_SAMPLE = 30  # pyshacl is slow: the fast validator checks every record, pyshacl about this many per file

FILES = {
    "kgcovid19_es_chembl_activity_records.json": ("chembl-es-json", 499),
    "kgcovid19_es_chembl_assay_records.json": ("chembl-es-json", 57),
    "kgcovid19_es_chembl_document_records.json": ("chembl-es-json", 10),
    "kgcovid19_es_chembl_molecule_records.json": ("chembl-es-json", 499),
    "chembl_es_activity_page_sample.json": ("chembl-es-json", 10),
    "chembl_ws_molecule_CHEMBL25.json": ("chembl-ws-json", 1),
    "chembl_ws_molecule_collection_sample.json": ("chembl-ws-json", 5),
    "chembl_ws_target_CHEMBL2363965.json": ("chembl-ws-json", 1),
    "chembl_ws_document_CHEMBL1614631.json": ("chembl-ws-json", 1),
    "chembl_ws_drug_indication_CHEMBL1094636.json": ("chembl-ws-json", 1),
}


@cache
def graphs(name: str) -> dict[str, RecordGraph]:
    path = CHEMBL / name
    fmt = LOADER.sniff(path, read_head(path))
    assert fmt is not None
    out = {}
    for record in LOADER.parse(path, fmt):
        assert not isinstance(record, RecordError), str(record)
        out[record.record_id] = LOADER.to_rdf(record)
    return out


def ref(prefix: str, local: str) -> NamedNode:
    return iris.entity(prefix, local)


# ------------------------------------------------------------------ detection, counts, validity
@pytest.mark.parametrize("name", sorted(FILES))
def test_format_is_detected_from_content(name: str) -> None:
    # no source given: no loader earlier in the registry may claim the file
    assert loaders.detect(CHEMBL / name) == (LOADER, FILES[name][0])


@pytest.mark.parametrize("name", ["pubchem_sdf_3d_CID121304016_remdesivir.sdf"])
def test_files_without_a_mapping_are_not_claimed(name: str) -> None:
    path = CHEMBL / name
    assert LOADER.sniff(path, read_head(path)) is None


@pytest.mark.parametrize("name", sorted(FILES))
def test_record_counts_and_conformance(name: str) -> None:
    found = list(graphs(name).values())
    assert len(found) == FILES[name][1]
    validator = default_validator()
    for graph in found:
        assert validator.check(graph.triples) == [], graph.record_id
    step = max(1, len(found) // SHACL_SAMPLE)
    for graph in found[::step]:
        conforms, report = shacl_report(to_rdflib(graph.triples))
        assert conforms, report


@pytest.mark.parametrize(
    ("name", "record_id"),
    [
        ("kgcovid19_es_chembl_activity_records.json", "CHEMBL_ACT_18838924"),
        ("kgcovid19_es_chembl_assay_records.json", "CHEMBL4303827"),
        ("kgcovid19_es_chembl_document_records.json", "CHEMBL4303773"),
        ("kgcovid19_es_chembl_molecule_records.json", "CHEMBL1201736"),
        ("chembl_ws_molecule_CHEMBL25.json", "CHEMBL25"),
        ("chembl_ws_document_CHEMBL1614631.json", "CHEMBL1614631"),
    ],
)
def test_snapshot(name: str, record_id: str) -> None:
    assert_snapshot(graphs(name)[record_id].triples, f"chembl/{record_id}")


# ------------------------------------------------------------------ facts read off the files
def test_es_activities() -> None:
    found = graphs("kgcovid19_es_chembl_activity_records.json")
    targets = Counter(v for g in found.values() for v in values(g, g.topic, S.activity_target))
    assert targets[ref("chembl.target", "CHEMBL4303835").value] == 307  # SARS-CoV-2 (organism)
    assert targets[ref("chembl.target", "CHEMBL4523582").value] == 149  # replicase polyprotein 1ab
    graph = found["CHEMBL_ACT_18838924"]
    act = ref("chembl.activity", "CHEMBL_ACT_18838924")
    compound = ref("chembl.compound", "CHEMBL53325")
    assert graph.topic == act
    assert values(graph, act, S.measured_compound) == {compound.value}
    assert values(graph, compound, S.has_activity) == {act.value}
    assert typed(graph, compound, C.Compound)
    assert values(graph, act, S.in_assay) == {ref("chembl.assay", "CHEMBL4303088").value}
    assert values(graph, act, S.activity_target) == {ref("chembl.target", "CHEMBL1916").value}
    assert values(graph, act, S.has_publication) == {ref("chembl.document", "CHEMBL4303773").value}
    assert values(graph, act, S.standard_type) == {"Ki"}
    assert values(graph, act, S.standard_relation) == {"="}
    assert values(graph, act, S.standard_units) == {"nM"}
    assert float(next(iter(values(graph, act, S.standard_value)))) == pytest.approx(478.63)
    assert float(next(iter(values(graph, act, S.pchembl_value)))) == pytest.approx(6.32)
    # an activity with no value (standard_type "Activity") still loads, without a value
    empty = found["CHEMBL_ACT_18827411"]
    assert values(empty, empty.topic, S.standard_value) == set()


def test_es_release_comes_from_the_index() -> None:
    path = CHEMBL / "chembl_es_activity_page_sample.json"
    records = [r for r in LOADER.parse(path, "chembl-es-json") if isinstance(r, RawRecord)]
    assert {r.release for r in records} == {"24_1"}
    graph = graphs("chembl_es_activity_page_sample.json")["CHEMBL_ACT_8999529"]
    assert values(graph, graph.topic, S.standard_type) == {"GI50"}
    assert values(graph, graph.topic, S.standard_value) == {"100000.0"}


def test_es_assay() -> None:
    graph = graphs("kgcovid19_es_chembl_assay_records.json")["CHEMBL4303827"]
    assay = ref("chembl.assay", "CHEMBL4303827")
    assert values(graph, assay, S.assay_type) == {"T"}
    assert values(graph, assay, S.taxon) == {ref("ncbitaxon", "60711").value}
    assert values(graph, assay, S.cell_line) == {"Vero C1008"}
    # the hit's document_data gives the DOI, so the publication is keyed by it
    publication = ref("doi", "10.1101/2020.03.25.008482")
    assert values(graph, assay, S.has_publication) == {publication.value}
    assert ref("chembl.document", "CHEMBL4303087").value in values(graph, publication, S.same_as)


def test_es_documents() -> None:
    found = graphs("kgcovid19_es_chembl_document_records.json")
    gordon = found["CHEMBL4303773"]
    assert gordon.topic == ref("pubmed", "32353859")
    assert values(gordon, gordon.topic, S.doi) == {"10.1038/s41586-020-2286-9"}
    assert values(gordon, gordon.topic, S.pmid) == {"32353859"}
    assert values(gordon, gordon.topic, S.journal) == {"Nature."}
    assert values(gordon, gordon.topic, S.publication_year) == {"2020"}
    assert ref("chembl.document", "CHEMBL4303773").value in values(gordon, gordon.topic, S.same_as)
    deposited = found["CHEMBL4495564"]  # no PubMed id: keyed by its DOI
    assert deposited.topic == ref("doi", "10.6019/CHEMBL4495564")
    assert values(deposited, deposited.topic, S.title) == {
        "Identification of inhibitors of SARS-Cov2 M-Pro enzymatic activity using a small molecule repurposing screen"
    }
    assert len(values(deposited, deposited.topic, S.author)) == 33


def test_es_molecules() -> None:
    found = graphs("kgcovid19_es_chembl_molecule_records.json")
    graph = found["CHEMBL1201736"]
    assert values(graph, graph.topic, S.molecular_formula) == {"C19H25ClN6O5S2"}
    assert values(graph, graph.topic, S.molecular_weight) == {"517.03"}
    assert sum(1 for g in found.values() if values(g, g.topic, S.smiles)) == 492


def test_ws_molecule() -> None:
    graph = graphs("chembl_ws_molecule_CHEMBL25.json")["CHEMBL25"]
    m = ref("chembl.compound", "CHEMBL25")
    assert values(graph, m, S.name) == {"ASPIRIN"}
    assert values(graph, m, S.chebi) == {ref("chebi", "15365").value}
    assert values(graph, m, S.inchikey) == {"BSYNRYMUTXBXSQ-UHFFFAOYSA-N"}
    assert values(graph, m, S.inchi) == {"InChI=1S/C9H8O4/c1-6(10)13-8-5-3-2-4-7(8)9(11)12/h2-5H,1H3,(H,11,12)"}
    assert values(graph, m, S.smiles) == {"CC(=O)Oc1ccccc1C(=O)O"}
    assert values(graph, m, S.molecular_formula) == {"C9H8O4"}
    assert values(graph, m, S.max_phase) == {"4.0"}
    assert {"Acetylsalicylic Acid", "Ecotrin"} <= values(graph, m, S.synonym)
    collection = graphs("chembl_ws_molecule_collection_sample.json")
    assert list(collection) == ["CHEMBL6939", "CHEMBL22", "CHEMBL6941", "CHEMBL6942", "CHEMBL6944"]
    assert values(collection["CHEMBL22"], ref("chembl.compound", "CHEMBL22"), S.chebi) == {ref("chebi", "45924").value}


def test_ws_drug_indications() -> None:
    # a page of 9 indications of one molecule (olaparib): one record that never replaces the molecule's own
    found = graphs("chembl_ws_drug_indication_CHEMBL1094636.json")
    assert list(found) == ["CHEMBL1094636/indications"]
    graph = found["CHEMBL1094636/indications"]
    m = ref("chembl.compound", "CHEMBL1094636")
    assert graph.topic == m
    indications = values(graph, m, S.indication)
    assert ref("efo", "0001075").value in indications  # OVARIAN CARCINOMA
    assert ref("mesh", "D010051").value in indications  # OVARIAN NEOPLASMS
    assert ref("orphanet", "145").value == "http://www.orpha.net/ORDO/Orphanet_145"  # efo_id "Orphanet:145"
    assert ref("orphanet", "145").value in indications
    # 9 EFO/Orphanet terms, 8 distinct MeSH descriptors (D009369 NEOPLASMS is given twice)
    assert len(indications) == 17
    assert values(graph, m, S.max_phase) == set()  # the phase per indication is not the molecule's max phase
    path = CHEMBL / "chembl_ws_drug_indication_CHEMBL1094636.json"
    (record,) = LOADER.parse(path, "chembl-ws-json")
    assert isinstance(record, RawRecord)
    assert record.url == "https://www.ebi.ac.uk/chembl/api/data/drug_indication?molecule_chembl_id=CHEMBL1094636"
    assert_snapshot(graph.triples, "chembl/CHEMBL1094636_indications")


def test_ws_target_components_and_inverse() -> None:
    graph = graphs("chembl_ws_target_CHEMBL2363965.json")["CHEMBL2363965"]
    t = ref("chembl.target", "CHEMBL2363965")
    assert values(graph, t, S.name) == {"70S ribosome"}
    assert values(graph, t, S.target_type) == {"PROTEIN NUCLEIC-ACID COMPLEX"}
    assert values(graph, t, S.taxon) == {ref("ncbitaxon", "1773").value}
    components = values(graph, t, S.target_component)
    assert len(components) == 57  # 60 components, 3 of them RNA without an accession
    protein = ref("uniprot", "P9WHE1")
    assert protein.value in components
    assert values(graph, protein, S.targeted_by) == {t.value}
    assert typed(graph, protein, C.Protein)


def test_ws_document() -> None:
    graph = graphs("chembl_ws_document_CHEMBL1614631.json")["CHEMBL1614631"]
    assert graph.topic == ref("pubmed", "16019946")
    assert values(graph, graph.topic, S.pages) == {"191-210"}
    assert values(graph, graph.topic, S.volume) == {"35"}
    assert values(graph, graph.topic, S.journal) == {
        "Xenobiotica; the fate of foreign compounds in biological systems."
    }
    authors = [t.object for t in graph.triples if t.subject == graph.topic and t.predicate == S.author.node]
    names = {n for a in authors for n in values(graph, a, S.name)}
    assert names == {"Ward KW", "Nagilla R", "Jolivette LJ"}


def test_chembl_ids_have_patterns() -> None:
    assert (
        iris.entity("chembl.assay", "CHEMBL4495565").value == "http://rdf.ebi.ac.uk/resource/chembl/assay/CHEMBL4495565"
    )
    assert iris.entity("chembl.activity", "CHEMBL_ACT_18836030").value.endswith("/activity/CHEMBL_ACT_18836030")
    for prefix, bad in (("chembl.assay", "4495565"), ("chembl.activity", "18836030"), ("chembl.document", "doc1")):
        with pytest.raises(iris.UnknownIdentifier):
            iris.entity(prefix, bad)


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("path", "fmt", "message"),
    [
        (BAD / "empty.json", "chembl-es-json", "file is empty"),
        (BAD / "es_assay_truncated.json", "chembl-es-json", "truncated file"),
        (CHEMBL / "chembl_ws_molecule_CHEMBL25.json", "chembl-es-json", "no list of hits"),
        (CHEMBL / "pubchem_sdf_3d_CID121304016_remdesivir.sdf", "chembl-ws-json", "invalid JSON"),
    ],
)
def test_bad_files(path: Path, fmt: str, message: str) -> None:
    with pytest.raises(FileFormatError, match=message):
        list(LOADER.parse(path, fmt))


def test_invalid_records() -> None:
    out = list(LOADER.parse(BAD / "es_activity_invalid_records.json", "chembl-es-json"))
    assert isinstance(out[0], RawRecord)
    assert isinstance(out[1], RecordError)
    assert "chembl_28_mechanism" in out[1].reason
    assert isinstance(out[2], RawRecord)
    with pytest.raises(RecordError, match=r"'ASPIRIN' is not a valid chembl\.compound identifier"):
        LOADER.to_rdf(out[2])
    out = list(LOADER.parse(BAD / "ws_drug_indication_invalid.json", "chembl-ws-json"))
    assert isinstance(out[0], RecordError)
    assert (out[0].position, out[0].reason) == ("item 2", "drug indication has no molecule_chembl_id")
    assert [r.record_id for r in out[1:]] == ["CHEMBL1094636/indications", "CHEMBL25/indications"]
    with pytest.raises(RecordError, match=r"indication 'EFO:12' is not a valid efo identifier"):
        LOADER.to_rdf(out[2])  # type: ignore[arg-type]
    out = list(LOADER.parse(BAD / "ws_molecule_missing_id.json", "chembl-ws-json"))
    assert isinstance(out[0], RawRecord)
    assert isinstance(out[1], RecordError)
    assert out[1].reason == "molecule has no molecule_chembl_id"
    assert out[1].position == "item 2"
