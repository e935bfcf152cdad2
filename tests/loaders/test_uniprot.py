"""UniProt loader: the real flat-text, REST JSON and XML records, their shapes, snapshots and bad input.

The facts asserted here are read off the source files in data/records/uniprot/ (ID/AC/DT/DR/SQ lines,
JSON fields, XML elements), not copied from the loader's output.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path

import pytest
from pyoxigraph import NamedNode

from covid_portal import iris
from covid_portal.records import FileFormatError, RecordError, RecordGraph
from covid_portal.terms import C, S
from loaders import detect, get
from loaders.base import read_head
from tests.conftest import RECORDS, TEST_DATA, shacl_report, to_rdflib
from tests.loaders.facts import typed, values
from tests.snapshots import assert_snapshot

LOADER = get("uniprot")
REAL = RECORDS / "uniprot"
BAD = TEST_DATA / "uniprot"
UP = "http://purl.uniprot.org/uniprot/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

# file -> (format, primary accessions in file order)
FILES: dict[str, tuple[str, list[str]]] = {
    "uniprot_P0DTC2_SPIKE_SARS2.txt": ("uniprot-txt", ["P0DTC2"]),
    "uniprot_txt_Q13639_5HT4R_HUMAN.txt": ("uniprot-txt", ["Q13639"]),
    "uniprot_xml_Q13639_5HT4R_HUMAN.xml": ("uniprot-xml", ["Q13639"]),
    "uniprot_rest_json_O00115_DNS2A_HUMAN.json": ("uniprot-json", ["O00115"]),
    "uniprot_rest_json_search_F1MAB7_OR_O14975.json": ("uniprot-json", ["F1MAB7", "O14975"]),
    # UniProt-GOA records are named <accession>.gpi / .gpa so they never replace the entry record
    "uniprot_goa_sars-cov-2_SNIPPET.gpi": ("goa-gpi", ["P0DTD2.gpi", "A0A663DJA2.gpi"]),
    "uniprot_goa_sars-cov-2_SNIPPET.gpa": ("goa-gpa", ["P0DTC1.gpa"]),
}


@cache
def graphs(name: str) -> tuple[RecordGraph, ...]:
    path = REAL / name
    out = []
    for record in LOADER.parse(path, FILES[name][0]):
        assert not isinstance(record, RecordError), str(record)
        out.append(LOADER.to_rdf(record))
    return tuple(out)


def graph_of(name: str, accession: str) -> RecordGraph:
    return next(g for g in graphs(name) if g.record_id == accession)


def has(graph: RecordGraph, subject: str, slot: object, obj: str) -> bool:
    return obj in values(graph, subject, slot)


# ---------------------------------------------------------------------- every real file
@pytest.mark.parametrize("name", FILES)
def test_format_is_detected_from_content(name: str) -> None:
    found = detect(REAL / name, "uniprot")
    assert found is not None and found[1] == FILES[name][0]


@pytest.mark.parametrize("name", FILES)
def test_records_are_the_entries_of_the_file(name: str) -> None:
    assert [g.record_id for g in graphs(name)] == FILES[name][1]
    for graph in graphs(name):
        assert graph.topic == NamedNode(UP + graph.record_id.split(".")[0])
        assert typed(graph, graph.topic.value, C.Protein)


@pytest.mark.parametrize("name", FILES)
def test_every_record_conforms_to_the_shapes(name: str) -> None:
    for graph in graphs(name):
        conforms, report = shacl_report(to_rdflib(graph.triples))
        assert conforms, report


@pytest.mark.parametrize("name", FILES)
def test_snapshot(name: str) -> None:
    assert_snapshot([t for g in graphs(name) for t in g.triples], f"uniprot/{name}")


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("flat text of a PDB file", RECORDS / "pdb" / "6lu7.cif"),
        ("ENA EMBL flat file", RECORDS / "ena" / "ena_embl_flatfile_LR794596_sars-cov-2_CON.embl"),
    ],
)
def test_other_files_are_not_claimed(name: str, path: Path) -> None:
    assert LOADER.sniff(path, read_head(path)) is None, name


# ---------------------------------------------------------------------- P0DTC2 flat text
def test_p0dtc2_entry_fields() -> None:
    g = graph_of("uniprot_P0DTC2_SPIKE_SARS2.txt", "P0DTC2")
    p = UP + "P0DTC2"
    assert values(g, p, S.name) == {"Spike glycoprotein"}  # DE RecName, not the S1/S2 chains
    assert values(g, p, S.gene_name) == {"S"}
    assert values(g, p, S.reviewed) == {"true"}
    assert values(g, p, S.sequence_length) == {"1273"}
    assert values(g, p, S.checksum) == {"CRC64:B17BE6D9F1C4EA34"}
    assert values(g, p, S.version) == {"8"}
    assert values(g, p, S.first_public) == {"2020-04-22"}
    assert values(g, p, S.last_updated) == {"2021-06-02"}
    assert values(g, p, S.taxon) == {"http://purl.obolibrary.org/obo/NCBITaxon_2697049"}
    (function,) = values(g, p, S.function)
    assert function.startswith("[Spike protein S1]: attaches the virion to the cell membrane")
    assert "[Spike protein S2]: mediates fusion" in function and "{ECO:" not in function


def test_p0dtc2_links_to_its_embl_sequence_both_ways() -> None:
    g = graph_of("uniprot_P0DTC2_SPIKE_SARS2.txt", "P0DTC2")
    p, seq = UP + "P0DTC2", "https://identifiers.org/ena.embl:MN908947"
    assert values(g, p, S.encoded_by) == {seq}  # DR   EMBL; MN908947; QHD43416.1; -; Genomic_RNA.
    assert has(g, seq, S.encodes, p) and typed(g, seq, C.NucleotideSequence)
    assert has(g, p, S.see_also, "https://identifiers.org/ncbiprotein:QHD43416.1")


def test_p0dtc2_links_to_its_structures_both_ways() -> None:
    g = graph_of("uniprot_P0DTC2_SPIKE_SARS2.txt", "P0DTC2")
    p, s = UP + "P0DTC2", "https://rdf.wwpdb.org/pdb/6M0J"
    structures = values(g, p, S.has_structure)
    assert s in structures and "https://rdf.wwpdb.org/pdb/6VSB" in structures
    assert len(structures) == 428  # the file's 428 "DR   PDB;" lines
    assert has(g, s, S.polymer_protein, p) and typed(g, s, C.ProteinStructure)


def test_p0dtc2_publications_interactions_and_cross_references() -> None:
    g = graph_of("uniprot_P0DTC2_SPIKE_SARS2.txt", "P0DTC2")
    p = UP + "P0DTC2"
    pubs = values(g, p, S.has_publication)
    assert len(pubs) == 34  # 34 "RX   PubMed=" lines
    assert has(g, "https://identifiers.org/pubmed:32225176", S.doi, "10.1038/s41586-020-2180-5")
    assert {UP + "Q9BYF1", UP + "O14786"} <= values(g, p, S.interacts_with)  # CC INTERACTION: ACE2, NRP1
    assert UP + "Q8IUN9" in values(g, p, S.interacts_with)  # the isoform Q8IUN9-2 is an interaction with Q8IUN9
    assert "http://purl.obolibrary.org/obo/GO_0046718" in values(g, p, S.go_annotation)
    assert len(values(g, p, S.go_annotation)) == 17
    see_also = values(g, p, S.see_also)
    for prefix, ident in (
        ("refseq", "YP_009724390.1"),  # DR   RefSeq; YP_009724390.1; NC_045512.2.
        ("drugbank", "DB15691"),
        ("reactome", "R-HSA-9694614"),
        ("interpro", "IPR044366"),
        ("pfam", "PF09408"),
        ("ncbigene", "43740568"),
    ):
        assert iris.entity(prefix, ident).value in see_also
    assert not any("CPX-5682" in iri or "UP000464024" in iri for iri in see_also)  # spaces the portal does not map


# ---------------------------------------------------------------------- Q13639: text and XML agree
def test_q13639_text_and_xml_give_the_same_graph() -> None:
    text = to_rdflib(graph_of("uniprot_txt_Q13639_5HT4R_HUMAN.txt", "Q13639").triples)
    xml = to_rdflib(graph_of("uniprot_xml_Q13639_5HT4R_HUMAN.xml", "Q13639").triples)
    assert set(text) == set(xml)


@pytest.mark.parametrize("name", ["uniprot_txt_Q13639_5HT4R_HUMAN.txt", "uniprot_xml_Q13639_5HT4R_HUMAN.xml"])
def test_q13639_fields(name: str) -> None:
    g = graph_of(name, "Q13639")
    p = UP + "Q13639"
    assert values(g, p, S.secondary_accession) == {
        "Q96KH9", "Q96KI0", "Q9H199", "Q9NY73", "Q9UBM6", "Q9UBT4", "Q9UE22", "Q9UE23", "Q9UQR6",
    }  # fmt: skip
    assert values(g, p, S.name) == {"5-hydroxytryptamine receptor 4"}
    assert values(g, p, S.gene_name) == {"HTR4"}
    assert values(g, p, S.version) == {"95"}
    assert values(g, p, S.first_public) == {"1997-11-01"}
    assert values(g, p, S.last_updated) == {"2010-01-19"}
    assert values(g, p, S.checksum) == {"CRC64:7FCFEC60E7BDF560"}
    assert len(values(g, p, S.encoded_by)) == 14  # 14 EMBL cross-references
    assert not any("REACT_14797" in iri for iri in values(g, p, S.see_also))  # old Reactome id: not a valid id
    assert "https://identifiers.org/ensembl:ENSG00000164270" in values(g, p, S.see_also)


# ---------------------------------------------------------------------- REST JSON
def test_o00115_json_fields_and_chembl_target() -> None:
    g = graph_of("uniprot_rest_json_O00115_DNS2A_HUMAN.json", "O00115")
    p, target = UP + "O00115", "http://rdf.ebi.ac.uk/resource/chembl/target/CHEMBL1250342"
    assert values(g, p, S.name) == {"Deoxyribonuclease-2-alpha"}
    assert values(g, p, S.secondary_accession) == {"B2RD06", "B7Z4K6", "O43910"}
    assert values(g, p, S.version) == {"196"}
    assert values(g, p, S.first_public) == {"1998-07-15"}
    assert values(g, p, S.checksum) == {"CRC64:DF1BBFBA8A9676EA"}
    assert values(g, p, S.targeted_by) == {target}
    assert has(g, target, S.target_component, p) and typed(g, target, C.Target)
    assert "https://identifiers.org/ensembl:ENSG00000105612.10" in values(g, p, S.see_also)
    assert has(g, p, S.has_publication, "https://identifiers.org/pubmed:9924608")


def test_search_result_entries() -> None:
    rat = graph_of("uniprot_rest_json_search_F1MAB7_OR_O14975.json", "F1MAB7")
    assert values(rat, UP + "F1MAB7", S.taxon) == {"http://purl.obolibrary.org/obo/NCBITaxon_10116"}
    assert values(rat, UP + "F1MAB7", S.interacts_with) == {UP + "Q62696", UP + "Q63622", UP + "P31016"}
    human = graph_of("uniprot_rest_json_search_F1MAB7_OR_O14975.json", "O14975")
    assert values(human, UP + "O14975", S.gene_name) == {"SLC27A2"}
    assert values(human, UP + "O14975", S.taxon) == {"http://purl.obolibrary.org/obo/NCBITaxon_9606"}


def test_trembl_xml_entry_with_interactions(tmp_path: Path) -> None:
    # a minimal uniprot.xsd entry: TrEMBL, submitted name, one self and one xeno interaction
    path = tmp_path / "trembl.xml"
    path.write_text(
        '<?xml version="1.0"?><uniprot xmlns="http://uniprot.org/uniprot">'
        '<entry dataset="TrEMBL" created="2020-04-22" modified="2021-02-10" version="3">'
        "<accession>A0A6C0M3L0</accession><protein><submittedName><fullName>Surface glycoprotein</fullName>"
        "</submittedName></protein>"
        '<organism><dbReference type="NCBI Taxonomy" id="2697049"/></organism>'
        '<comment type="interaction"><interactant intactId="EBI-1"/><interactant intactId="EBI-1"/></comment>'
        '<comment type="interaction"><interactant intactId="EBI-1"/><interactant intactId="EBI-2">'
        "<id>Q9BYF1</id><label>ACE2</label></interactant></comment>"
        '<sequence length="1273" mass="141178" checksum="B17BE6D9F1C4EA34" version="1">MFVF</sequence>'
        "</entry></uniprot>"
    )
    (record,) = list(LOADER.parse(path, "uniprot-xml"))
    graph = LOADER.to_rdf(record)  # type: ignore[arg-type]
    p = UP + "A0A6C0M3L0"
    assert values(graph, p, S.reviewed) == {"false"}
    assert values(graph, p, S.name) == {"Surface glycoprotein"}
    assert values(graph, p, S.interacts_with) == {p, UP + "Q9BYF1"}
    assert values(graph, p, S.checksum) == {"CRC64:B17BE6D9F1C4EA34"}
    conforms, report = shacl_report(to_rdflib(graph.triples))
    assert conforms, report


# ---------------------------------------------------------------------- UniProt-GOA
def test_gpi_rows() -> None:
    name = "uniprot_goa_sars-cov-2_SNIPPET.gpi"
    orf9b, orf10 = graph_of(name, "P0DTD2.gpi"), graph_of(name, "A0A663DJA2.gpi")
    assert values(orf9b, UP + "P0DTD2", S.name) == {"Protein 9b"}
    assert values(orf9b, UP + "P0DTD2", S.taxon) == {"http://purl.obolibrary.org/obo/NCBITaxon_2697049"}
    assert values(orf10, UP + "A0A663DJA2", S.gene_name) == {"ORF10"}


def test_gpa_rows_of_one_protein_are_one_record() -> None:
    (record,) = list(LOADER.parse(REAL / "uniprot_goa_sars-cov-2_SNIPPET.gpa", "goa-gpa"))
    assert record.position == "line 21" and len(record.data) == 2  # type: ignore[union-attr]
    g = graph_of("uniprot_goa_sars-cov-2_SNIPPET.gpa", "P0DTC1.gpa")
    assert values(g, UP + "P0DTC1", S.go_annotation) == {
        "http://purl.obolibrary.org/obo/GO_0003723",
        "http://purl.obolibrary.org/obo/GO_0090305",
    }


def test_goa_bad_rows_and_versions(tmp_path: Path) -> None:
    path = tmp_path / "bad.gpa"
    path.write_text(
        "!gpa-version: 1.1\n"
        "UniProtKB\tP0DTC2\tNOT|enables\tGO:0003723\tPMID:1\tECO:0000314\t\t\t20200321\tUniProt\n"
        "UniProtKB\tP0DTC2\tenables\tGO:0046789\tPMID:1\tECO:0000314\t\t\t20200321\tUniProt\n"
        "UniProtKB\tP0DTD1-PRO_0000449637\tenables\tGO:0003723\tPMID:1\tECO:0000314\t\t\t20200321\tUniProt\n"
        "UniProtKB\tP0DTC9\tenables\n"
    )
    spike, chain, short = list(LOADER.parse(path, "goa-gpa"))
    graph = LOADER.to_rdf(spike)  # type: ignore[arg-type]
    assert values(graph, UP + "P0DTC2", S.go_annotation) == {"http://purl.obolibrary.org/obo/GO_0046789"}  # NOT: none
    with pytest.raises(RecordError, match="'P0DTD1-PRO_0000449637' is not a valid uniprot identifier"):
        LOADER.to_rdf(chain)  # type: ignore[arg-type]
    assert isinstance(short, RecordError) and "expected at least 10 tab-separated columns, found 3" in short.reason
    path.write_text("!gpi-version: 2.0\nUniProtKB:P0DTD2\tORF9b\n")
    with pytest.raises(FileFormatError, match=r"GPI version 2.0 is not supported \(only 1.x\)"):
        list(LOADER.parse(path, "goa-gpi"))


# ---------------------------------------------------------------------- bad input
def test_flat_file_missing_its_terminator_gives_a_record_error() -> None:
    (error,) = list(LOADER.parse(BAD / "P0DTC2_missing_terminator.txt", "uniprot-txt"))
    assert isinstance(error, RecordError)
    assert error.record_id == "P0DTC2" and "does not end with '//' (truncated file?)" in error.reason


def test_truncated_last_entry_does_not_lose_the_entries_before_it() -> None:
    first, second = list(LOADER.parse(BAD / "Q13639_then_truncated_entry.txt", "uniprot-txt"))
    assert not isinstance(first, RecordError) and first.record_id == "Q13639"
    assert isinstance(second, RecordError) and second.position == "line 244"


@pytest.mark.parametrize(
    ("name", "fmt", "message"),
    [
        ("O00115_truncated.json", "uniprot-json", r"JSON ends unexpectedly at line 217, column 5 \(truncated file\?\)"),
        ("Q13639_truncated.xml", "uniprot-xml", r"XML ends unexpectedly at line \d+ \(truncated file\?\)"),
    ],
)
def test_truncated_file(name: str, fmt: str, message: str) -> None:
    with pytest.raises(FileFormatError, match=message):
        list(LOADER.parse(BAD / name, fmt))


@pytest.mark.parametrize("fmt", LOADER.formats)
def test_empty_file(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "empty"
    path.write_text("\n")
    with pytest.raises(FileFormatError, match="file is empty"):
        list(LOADER.parse(path, fmt))


@pytest.mark.parametrize(
    ("path", "fmt", "message"),
    [
        (RECORDS / "pdb" / "6lu7.cif", "uniprot-txt", "line 1: expected an 'ID' line starting a UniProtKB entry"),
        (RECORDS / "pdb" / "pdbe_api_entry_summary_1cbs.FROM_NOTEBOOK_REPR.json", "uniprot-json", "not a UniProt JSON"),
        (RECORDS / "pdb" / "6lu7.cif", "uniprot-xml", "invalid XML at line 1"),
    ],
)
def test_wrong_format(path: Path, fmt: str, message: str) -> None:
    with pytest.raises(FileFormatError, match=message):
        list(LOADER.parse(path, fmt))


def _json_records(tmp_path: Path, entries: list[dict[str, object]]) -> list[object]:
    path = tmp_path / "search.json"
    path.write_text(json.dumps({"results": entries}))
    return list(LOADER.parse(path, "uniprot-json"))


def test_invalid_json_records(tmp_path: Path) -> None:
    inactive = {
        "entryType": "Inactive",
        "primaryAccession": "P12345",
        "inactiveReason": {"inactiveReasonType": "DELETED"},
    }
    bad_accession = {"entryType": "UniProtKB reviewed (Swiss-Prot)", "primaryAccession": "NOT-AN-ACCESSION"}
    no_accession = {"entryType": "UniProtKB reviewed (Swiss-Prot)"}
    first, second, third = _json_records(tmp_path, [inactive, bad_accession, no_accession])
    with pytest.raises(RecordError, match=r"entry is inactive \(DELETED\)"):
        LOADER.to_rdf(first)  # type: ignore[arg-type]
    with pytest.raises(RecordError, match="'NOT-AN-ACCESSION' is not a valid uniprot identifier"):
        LOADER.to_rdf(second)  # type: ignore[arg-type]
    assert isinstance(third, RecordError) and third.reason == "entry has no primaryAccession"


def test_invalid_flat_record(tmp_path: Path) -> None:
    text = (REAL / "uniprot_txt_Q13639_5HT4R_HUMAN.txt").read_text().replace("19-JAN-2010", "19-XYZ-2010")
    path = tmp_path / "bad_date.txt"
    path.write_text(text)
    (record,) = list(LOADER.parse(path, "uniprot-txt"))
    with pytest.raises(RecordError, match="malformed DT date '19-XYZ-2010'"):
        LOADER.to_rdf(record)  # type: ignore[arg-type]


def test_first_public_is_a_date() -> None:
    g = graph_of("uniprot_P0DTC2_SPIKE_SARS2.txt", "P0DTC2")
    (literal,) = [t.object for t in g.triples if t.predicate == S.first_public.node]
    assert dt.date.fromisoformat(literal.value) == dt.date(2020, 4, 22)
    assert literal.datatype.value == "http://www.w3.org/2001/XMLSchema#date"
