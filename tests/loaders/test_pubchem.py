"""PubChem loader: SD files (3D conformer and 2D records), streamed record by record."""

from __future__ import annotations

from pathlib import Path

import pytest

import loaders
from covid_portal import iris
from covid_portal.records import FileFormatError, RawRecord, RecordError, RecordGraph
from covid_portal.terms import S
from covid_portal.validate import default_validator
from loaders.base import read_head
from tests.conftest import RECORDS, TEST_DATA, shacl_report, to_rdflib
from tests.snapshots import assert_snapshot

LOADER = loaders.get("pubchem")
BAD = TEST_DATA / "pubchem"
REMDESIVIR_3D = RECORDS / "chembl" / "pubchem_sdf_3d_CID121304016_remdesivir.sdf"
ASPIRIN_2D = BAD / "pubchem_sdf_2d_CID2244_aspirin.sdf"


def graphs(path: Path) -> list[RecordGraph]:
    fmt = LOADER.sniff(path, read_head(path))
    assert fmt == "pubchem-sdf"
    out = []
    for record in LOADER.parse(path, fmt):
        assert not isinstance(record, RecordError), str(record)
        out.append(LOADER.to_rdf(record))
    return out


def values(graph: RecordGraph, slot) -> set[str]:
    return {t.object.value for t in graph.triples if t.subject == graph.topic and t.predicate == slot.node}


@pytest.mark.parametrize(("path", "cid"), [(REMDESIVIR_3D, "121304016"), (ASPIRIN_2D, "2244")])
def test_records_conform_and_match_snapshot(path: Path, cid: str) -> None:
    assert loaders.detect(path) == (LOADER, "pubchem-sdf")  # no other loader claims it
    (graph,) = graphs(path)
    assert graph.record_id == cid
    assert graph.topic == iris.entity("pubchem.compound", cid)
    assert values(graph, S.accession) == {cid}
    assert default_validator().check(graph.triples) == []
    conforms, report = shacl_report(to_rdflib(graph.triples))
    assert conforms, report
    assert_snapshot(graph.triples, f"pubchem/CID{cid}")


def test_3d_conformer_record_has_only_its_cid() -> None:
    (graph,) = graphs(REMDESIVIR_3D)
    assert graph.topic.value == "http://rdf.ncbi.nlm.nih.gov/pubchem/compound/CID121304016"
    assert values(graph, S.inchikey) == set()  # 3D conformer SDFs carry no computed descriptors


def test_2d_record_descriptors() -> None:
    (graph,) = graphs(ASPIRIN_2D)
    assert values(graph, S.inchikey) == {"BSYNRYMUTXBXSQ-UHFFFAOYSA-N"}
    assert values(graph, S.inchi) == {"InChI=1S/C9H8O4/c1-6(10)13-8-5-3-2-4-7(8)9(11)12/h2-5H,1H3,(H,11,12)"}
    assert values(graph, S.smiles) == {"CC(=O)OC1=CC=CC=C1C(=O)O"}
    assert values(graph, S.molecular_formula) == {"C9H8O4"}
    assert values(graph, S.molecular_weight) == {"180.16"}
    assert values(graph, S.name) == {"2-acetyloxybenzoic acid"}


def test_records_stream_in_order_and_a_bad_one_is_quarantined() -> None:
    out = list(LOADER.parse(BAD / "two_records_second_without_cid.sdf", "pubchem-sdf"))
    assert isinstance(out[0], RawRecord) and out[0].record_id == "2244"
    assert isinstance(out[1], RecordError)
    assert out[1].reason == "record has no PUBCHEM_COMPOUND_CID"
    assert out[1].position.startswith("record 2, line ")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (BAD / "empty.sdf", "file is empty"),
        (BAD / "CID121304016_truncated.sdf", "has no '\\$\\$\\$\\$' terminator \\(truncated file\\?\\)"),
        (RECORDS / "chembl" / "chembl_ws_molecule_CHEMBL25.json", "not an SD file"),
    ],
)
def test_bad_files(path: Path, message: str) -> None:
    with pytest.raises(FileFormatError, match=message):
        list(LOADER.parse(path, "pubchem-sdf"))


def test_other_files_are_not_claimed() -> None:
    path = RECORDS / "chembl" / "chembl_ws_molecule_CHEMBL25.json"
    assert LOADER.sniff(path, read_head(path)) is None
