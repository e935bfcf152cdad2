"""IntAct loader: the real PSI-MI XML 2.5 file (coronavirus dataset), its shapes, snapshot and bad input.

Facts are read off data/records/intact/intact_psimi25_coronavirus_sars-cov-1_test.xml: the interactions'
``xref/primaryRef db="intact"``, the interactors' UniProtKB identities and ``organism/@ncbiTaxId``, the
experiments' ``bibref`` and ``interactionDetectionMethod``.
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import pytest

import loaders
from covid_portal import iris
from covid_portal.records import FileFormatError, RawRecord, RecordError, RecordGraph
from covid_portal.terms import C, S
from loaders.base import read_head
from tests.conftest import RECORDS, TEST_DATA, shacl_report, to_rdflib
from tests.loaders.facts import typed, values
from tests.snapshots import assert_snapshot

LOADER = loaders.get("intact")
FILE = RECORDS / "intact" / "intact_psimi25_coronavirus_sars-cov-1_test.xml"
BAD = TEST_DATA / "intact"
NSP10 = iris.entity("uniprot", "P0C6X7")  # the interactor P0C6X7-PRO_0000037317 is a chain of P0C6X7
HUMAN_PARTNERS = {"P20290": "BTF3", "P03901": "MT-ND4L", "P00403": "MT-CO2", "Q9Y2D1": "ATF5"}


@cache
def graphs() -> dict[str, RecordGraph]:
    out = {}
    for record in LOADER.parse(FILE, "psi-mi-xml"):
        assert isinstance(record, RawRecord), str(record)
        out[record.record_id] = LOADER.to_rdf(record)
    return out


# ------------------------------------------------------------------ detection, counts, validity
def test_format_is_detected_from_content() -> None:
    assert loaders.detect(FILE) == (LOADER, "psi-mi-xml")


@pytest.mark.parametrize(
    "path",
    [
        RECORDS / "uniprot" / "uniprot_xml_Q13639_5HT4R_HUMAN.xml",
        RECORDS / "pride" / "proteomexchange_xml_PXD008955.xml",
    ],
)
def test_other_xml_is_not_claimed(path: Path) -> None:
    assert LOADER.sniff(path, read_head(path)) is None


def test_one_record_per_interaction_named_by_its_intact_accession() -> None:
    records = [r for r in LOADER.parse(FILE, "psi-mi-xml") if isinstance(r, RawRecord)]
    assert [r.record_id for r in records] == [
        "EBI-25487623", "EBI-25487628", "EBI-25487633", "EBI-25487647",
        "EBI-25487614", "EBI-25487652", "EBI-25487657", "EBI-25487662",
    ]  # fmt: skip
    assert {r.release for r in records} == {"2020-03-31"}  # source/@releaseDate="2020-03-31+01:00"
    assert records[0].url == "https://www.ebi.ac.uk/intact/interaction/EBI-25487623"


def test_every_record_conforms_to_the_shapes() -> None:
    for record_id, graph in graphs().items():
        conforms, report = shacl_report(to_rdflib(graph.triples))
        assert conforms, f"{record_id}:\n{report}"


def test_snapshot() -> None:
    assert_snapshot([t for g in graphs().values() for t in g.triples], f"intact/{FILE.name}")


# ------------------------------------------------------------------ facts read off the file
def test_first_interaction() -> None:
    graph = graphs()["EBI-25487623"]  # rep-btf3-1: nsp10 (SARS-CoV) with human BTF3, yeast two hybrid
    topic = iris.entity("intact", "EBI-25487623")
    btf3 = iris.entity("uniprot", "P20290")
    assert graph.topic == topic and typed(graph, topic, C.MolecularInteraction)
    assert values(graph, topic, S.name) == {"rep-btf3-1"}
    assert values(graph, topic, S.secondary_accession) == {"IM-27827-3"}  # imexId
    assert values(graph, topic, S.participant) == {btf3.value, NSP10.value}
    assert typed(graph, btf3, C.Protein) and typed(graph, NSP10, C.Protein)
    assert values(graph, btf3, S.interacts_with) == {NSP10.value}
    assert values(graph, NSP10, S.interacts_with) == {btf3.value}
    assert values(graph, btf3, S.taxon) == {iris.entity("ncbitaxon", "9606").value}
    assert values(graph, NSP10, S.taxon) == {iris.entity("ncbitaxon", "694009").value}
    assert values(graph, topic, S.detection_method) == {"http://purl.obolibrary.org/obo/MI_0018"}  # two hybrid
    assert values(graph, topic, S.interaction_type) == {"http://purl.obolibrary.org/obo/MI_0915"}  # physical assoc.
    publication = iris.entity("pubmed", "16157265")  # experiment li-2005-6, bibref
    assert values(graph, topic, S.has_publication) == {publication.value}
    assert values(graph, publication, S.pmid) == {"16157265"} and typed(graph, publication, C.Publication)


def test_nsp10_meets_its_four_human_partners() -> None:
    partners = set()
    for graph in graphs().values():
        partners |= values(graph, NSP10, S.interacts_with)
    assert partners == {iris.entity("uniprot", acc).value for acc in HUMAN_PARTNERS}


def test_expanded_form_gives_the_same_graphs(tmp_path: Path) -> None:
    # the real file rewritten in PSI-MI's expanded form: experiments and interactors inside each interaction
    ns = "{http://psi.hupo.org/mi/mif}"
    ET.register_namespace("", ns[1:-1])
    tree = ET.parse(FILE)
    entry = tree.getroot().find(f"{ns}entry")
    assert entry is not None
    experiments = {e.get("id"): e for e in entry.iter(f"{ns}experimentDescription")}
    interactors = {i.get("id"): i for i in entry.iter(f"{ns}interactor")}
    refs = (("experimentList", "experimentRef", experiments), ("participant", "interactorRef", interactors))
    for interaction in entry.iter(f"{ns}interaction"):
        for holder, tag, table in refs:
            for parent in interaction.iter(f"{ns}{holder}"):
                for ref in parent.findall(f"{ns}{tag}"):
                    index = list(parent).index(ref)
                    parent.remove(ref)
                    parent.insert(index, copy.deepcopy(table[(ref.text or "").strip()]))
    for name in ("experimentList", "interactorList"):
        entry.remove(entry.find(f"{ns}{name}"))  # type: ignore[arg-type]
    expanded = tmp_path / "expanded.xml"
    tree.write(expanded, encoding="utf-8", xml_declaration=True)
    assert LOADER.sniff(expanded, read_head(expanded)) == "psi-mi-xml"
    found = {r.record_id: LOADER.to_rdf(r) for r in LOADER.parse(expanded, "psi-mi-xml")}  # type: ignore[arg-type]
    assert found.keys() == graphs().keys()
    for record_id, graph in found.items():
        assert set(graph.triples) == set(graphs()[record_id].triples), record_id


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("path", "message"),
    [
        (BAD / "empty.xml", "file is empty"),
        (BAD / "intact_truncated.xml", "truncated file"),
        (RECORDS / "uniprot" / "uniprot_xml_Q13639_5HT4R_HUMAN.xml", "not PSI-MI XML"),
        (RECORDS / "chembl" / "chembl_ws_molecule_CHEMBL25.json", "not PSI-MI XML"),
    ],
)
def test_bad_files(path: Path, message: str) -> None:
    with pytest.raises(FileFormatError, match=message):
        list(LOADER.parse(path, "psi-mi-xml"))


def test_invalid_interactions() -> None:
    out = list(LOADER.parse(BAD / "intact_invalid_interactions.xml", "psi-mi-xml"))
    assert len(out) == 8
    assert isinstance(out[0], RecordError)
    assert out[0].record_id == "EBI-25487623" and out[0].position == "interaction 1"
    assert "refers to interactor '9999999', which the entry lacks" in out[0].reason
    with pytest.raises(RecordError, match="negative interaction"):
        LOADER.to_rdf(out[1])  # type: ignore[arg-type]
    with pytest.raises(RecordError, match='no IntAct accession \\(xref with db="intact"\\)'):
        LOADER.to_rdf(out[2])  # type: ignore[arg-type]
    assert all(isinstance(r, RawRecord) for r in out[1:])
