"""PDB loader: the real mmCIF files and PDBe JSON records, their shapes, snapshots, and bad input.

The facts asserted here are read off the source files in data/records/pdb/ (mmCIF items and loops,
JSON fields), not copied from the loader's output.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from covid_portal.records import FileFormatError, RecordError, RecordGraph
from covid_portal.terms import C, S
from loaders import detect, get
from loaders.base import read_head
from loaders.pdb import WANTED, CifError, read_blocks
from tests.conftest import RECORDS, TEST_DATA, shacl_report, to_rdflib
from tests.loaders.facts import typed, values
from tests.snapshots import assert_snapshot

LOADER = get("pdb")
REAL = RECORDS / "pdb"
BAD = TEST_DATA / "pdb"
PDB = "https://rdf.wwpdb.org/pdb/"
UP = "http://purl.uniprot.org/uniprot/"
TAXON = "http://purl.obolibrary.org/obo/NCBITaxon_"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

# file -> (format, PDB ids in file order)
FILES: dict[str, tuple[str, list[str]]] = {
    "6lu7.cif": ("mmcif", ["6LU7"]),
    "6m0j.cif": ("mmcif", ["6M0J"]),
    "pdbe_api_entry_summary_1cbs.FROM_NOTEBOOK_REPR.json": ("pdbe-summary", ["1CBS"]),
    "pdbe_search_solr_doc_example.FROM_NOTEBOOK_REPR.json": ("pdbe-solr", ["3NXV"]),
}


@cache
def graphs(name: str) -> tuple[RecordGraph, ...]:
    out = []
    for record in LOADER.parse(REAL / name, FILES[name][0]):
        assert not isinstance(record, RecordError), str(record)
        out.append(LOADER.to_rdf(record))
    return tuple(out)


def graph_of(name: str) -> RecordGraph:
    (graph,) = graphs(name)
    return graph


# ---------------------------------------------------------------------- every real file
@pytest.mark.parametrize("name", FILES)
def test_format_is_detected_from_content(name: str) -> None:
    found = detect(REAL / name, "pdb")
    assert found is not None and found[1] == FILES[name][0]


@pytest.mark.parametrize("name", FILES)
def test_records_are_the_entries_of_the_file(name: str) -> None:
    assert [g.record_id for g in graphs(name)] == FILES[name][1]
    for graph in graphs(name):
        assert graph.topic.value == PDB + graph.record_id
        assert typed(graph, graph.topic.value, C.ProteinStructure)


@pytest.mark.parametrize("name", FILES)
def test_every_record_conforms_to_the_shapes(name: str) -> None:
    for graph in graphs(name):
        conforms, report = shacl_report(to_rdflib(graph.triples))
        assert conforms, report


@pytest.mark.parametrize("name", FILES)
def test_snapshot(name: str) -> None:
    assert_snapshot([t for g in graphs(name) for t in g.triples], f"pdb/{Path(name).name.split('.')[0]}")


@pytest.mark.parametrize(
    "path",
    [
        RECORDS / "uniprot" / "uniprot_P0DTC2_SPIKE_SARS2.txt",
        RECORDS / "uniprot" / "uniprot_rest_json_O00115_DNS2A_HUMAN.json",
        RECORDS / "ena" / "ena_embl_flatfile_LR794596_sars-cov-2_CON.embl",
    ],
)
def test_other_files_are_not_claimed(path: Path) -> None:
    assert LOADER.sniff(path, read_head(path)) is None


# ---------------------------------------------------------------------- 6M0J
def test_6m0j_links_ace2_and_spike_both_ways() -> None:
    g = graph_of("6m0j.cif")
    s = PDB + "6M0J"
    # _struct_ref: 1 UNP ACE2_HUMAN Q9BYF1, 2 UNP SPIKE_SARS2 P0DTC2
    assert values(g, s, S.polymer_protein) == {UP + "Q9BYF1", UP + "P0DTC2"}
    for accession in ("Q9BYF1", "P0DTC2"):
        assert values(g, UP + accession, S.has_structure) == {s}
        assert typed(g, UP + accession, C.Protein)


def test_6m0j_header_fields() -> None:
    g = graph_of("6m0j.cif")
    s = PDB + "6M0J"
    assert values(g, s, S.name) == {"Crystal structure of SARS-CoV-2 spike receptor-binding domain bound with ACE2"}
    assert values(g, s, S.method) == {"X-RAY DIFFRACTION"}
    assert float(next(iter(values(g, s, S.resolution)))) == 2.45  # _refine.ls_d_res_high 2.4500
    assert values(g, s, S.first_public) == {"2020-03-18"}  # revision 1 (1.0)
    assert values(g, s, S.last_updated) == {"2024-10-23"}  # revision 9 (2.7)
    # the source organisms, not the expression host (Trichoplusia ni, 7111)
    assert values(g, s, S.taxon) == {TAXON + "9606", TAXON + "2697049"}
    assert {"spike", "receptor binding", "VIRAL PROTEIN/HYDROLASE"} <= values(g, s, S.keywords)
    assert values(g, s, S.has_publication) == {"https://identifiers.org/pubmed:32225176"}
    assert values(g, "https://identifiers.org/pubmed:32225176", S.doi) == {"10.1038/s41586-020-2180-5"}


def test_6m0j_ligands_skip_water_and_amino_acids() -> None:
    g = graph_of("6m0j.cif")
    ligands = values(g, PDB + "6M0J", S.ligand)
    assert ligands == {f"https://identifiers.org/pdb.ligand:{c}" for c in ("CL", "NAG", "ZN")}
    zinc = "https://identifiers.org/pdb.ligand:ZN"
    assert values(g, zinc, S.name) == {"ZINC ION"}
    assert values(g, zinc, S.molecular_formula) == {"Zn 2"}
    assert float(next(iter(values(g, zinc, S.molecular_weight)))) == pytest.approx(65.409)
    assert typed(g, zinc, C.Compound)


# ---------------------------------------------------------------------- 6LU7, the early release
def test_6lu7_early_release_loads_without_a_uniprot_link() -> None:
    g = graph_of("6lu7.cif")
    s = PDB + "6LU7"
    assert values(g, s, S.polymer_protein) == set()  # _struct_ref db_name is PDB, not UNP
    assert values(g, s, S.taxon) == {TAXON + "1508227"}  # 'Bat SARS-like coronavirus'
    assert values(g, s, S.has_publication) == set()  # _citation.pdbx_database_id_PubMed ?
    assert values(g, s, S.first_public) == {"2020-02-05"}
    assert values(g, s, S.last_updated) == {"2020-02-19"}  # the revision history follows _atom_site
    assert float(next(iter(values(g, s, S.resolution)))) == 2.16
    assert values(g, s, S.keywords) == {"protease", "VIRAL PROTEIN"}
    ligands = {iri.rsplit(":", 1)[1] for iri in values(g, s, S.ligand)}
    assert ligands == {"010", "02J", "PJE"}  # the non-standard components of inhibitor N3


# ---------------------------------------------------------------------- PDBe JSON
def test_pdbe_summary_fields() -> None:
    g = graph_of("pdbe_api_entry_summary_1cbs.FROM_NOTEBOOK_REPR.json")
    s = PDB + "1CBS"
    assert values(g, s, S.method) == {"X-RAY DIFFRACTION"}  # "X-ray diffraction"
    assert values(g, s, S.first_public) == {"1995-01-26"}  # "release_date": "19950126"
    assert values(g, s, S.last_updated) == {"2011-07-13"}
    assert next(iter(values(g, s, S.name))).startswith("CRYSTAL STRUCTURE OF CELLULAR RETINOIC-ACID-BINDING")


def test_pdbe_solr_document_fields() -> None:
    g = graph_of("pdbe_search_solr_doc_example.FROM_NOTEBOOK_REPR.json")
    s = PDB + "3NXV"
    assert values(g, s, S.polymer_protein) == {UP + "P00374"}  # the isoform P00374-2 is not an entry
    assert values(g, UP + "P00374", S.has_structure) == {s}
    assert values(g, s, S.taxon) == {TAXON + "9606"}
    assert float(next(iter(values(g, s, S.resolution)))) == 1.9
    assert values(g, s, S.first_public) == {"2010-12-01"}
    assert values(g, s, S.has_publication) == {"https://identifiers.org/pubmed:21123866"}
    assert {iri.rsplit(":", 1)[1] for iri in values(g, s, S.ligand)} == {"D2F", "NDP", "SO4"}


# ---------------------------------------------------------------------- the tokenizer
def test_tokenizer_reads_pairs_loops_quotes_and_text_fields() -> None:
    text = """data_TEST
_entry.id   TEST
_struct.title  'the enzyme's title'
loop_
_citation.id
_citation.title
_citation.pdbx_database_id_PubMed
primary
;a text field
over two lines
;
12345
second "double quoted" ?
#
loop_
_atom_site.id
_atom_site.label_atom_id
1 "O5'"
2 CA
"""
    lines = enumerate(text.splitlines(keepends=True), 1)
    (block,) = list(read_blocks(lines, WANTED))
    assert block.name == "TEST"
    assert block.categories["struct"] == [{"title": "the enzyme's title"}]
    assert block.categories["citation"] == [
        {"id": "primary", "title": "a text field\nover two lines", "pdbx_database_id_PubMed": "12345"},
        {"id": "second", "title": "double quoted", "pdbx_database_id_PubMed": None},
    ]
    assert "atom_site" not in block.categories  # counted, never held


def test_every_data_block_is_a_record(tmp_path: Path) -> None:
    path = tmp_path / "two.cif"
    path.write_text("data_1ABC\n_entry.id 1ABC\n_exptl.method 'SOLUTION NMR'\ndata_2XYZ\n_entry.id 2XYZ\n")
    records = list(LOADER.parse(path, "mmcif"))
    assert [r.record_id for r in records] == ["1ABC", "2XYZ"]  # type: ignore[union-attr]
    assert values(LOADER.to_rdf(records[0]), PDB + "1ABC", S.method) == {"SOLUTION NMR"}  # type: ignore[arg-type]


# ---------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "6lu7_truncated_in_text_field.cif",
            r"line 128: text field opened with ';' is never closed \(truncated file\?\)",
        ),
        (
            "6lu7_truncated_in_atom_site.cif",
            r"loop of _atom_site ends with an incomplete row: \d+ values for 21 items per row \(truncated file\?\)",
        ),
    ],
)
def test_truncated_mmcif(name: str, message: str) -> None:
    with pytest.raises(FileFormatError, match=message) as info:
        list(LOADER.parse(BAD / name, "mmcif"))
    assert info.value.file.endswith(name)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("data_1ABC\n_struct.title 'never closed\n", "unterminated quoted string"),
        ("data_1ABC\n_struct.title\n", "_struct.title has no value"),
        ("data_1ABC\nloop_\n_citation.id\n_citation.title\n", "loop_ has item names but no values"),
    ],
)
def test_malformed_mmcif(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.cif"
    path.write_text(text)
    with pytest.raises(FileFormatError, match=message):
        list(LOADER.parse(path, "mmcif"))


def test_tokenizer_error_names_the_line() -> None:
    with pytest.raises(CifError) as info:
        list(read_blocks(enumerate(["data_X\n", "_a.b 1\n", "orphan\n"], 1), WANTED))
    assert info.value.line == 3 and "has no item name" in info.value.reason


@pytest.mark.parametrize("fmt", LOADER.formats)
def test_empty_file(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "empty"
    path.write_text("")
    with pytest.raises(FileFormatError, match="file is empty"):
        list(LOADER.parse(path, fmt))


@pytest.mark.parametrize(
    ("path", "fmt", "message"),
    [
        (RECORDS / "uniprot" / "uniprot_txt_Q13639_5HT4R_HUMAN.txt", "mmcif", "line 1: expected a data_ block header"),
        (RECORDS / "uniprot" / "uniprot_rest_json_O00115_DNS2A_HUMAN.json", "pdbe-summary", "not a PDBe entry summary"),
    ],
)
def test_wrong_format(path: Path, fmt: str, message: str) -> None:
    with pytest.raises(FileFormatError, match=message):
        list(LOADER.parse(path, fmt))


def test_invalid_records(tmp_path: Path) -> None:
    path = tmp_path / "bad_id.cif"
    path.write_text("data_XXXX\n_entry.id XXXX\n")
    (record,) = list(LOADER.parse(path, "mmcif"))
    with pytest.raises(RecordError, match="'XXXX' is not a valid pdb identifier"):
        LOADER.to_rdf(record)  # type: ignore[arg-type]
    path = tmp_path / "bad_date.cif"
    path.write_text("data_1ABC\n_entry.id 1ABC\nloop_\n_pdbx_audit_revision_history.ordinal\n"
                    "_pdbx_audit_revision_history.revision_date\n1 2020-13-45\n")  # fmt: skip
    (record,) = list(LOADER.parse(path, "mmcif"))
    with pytest.raises(RecordError, match="malformed date '2020-13-45'"):
        LOADER.to_rdf(record)  # type: ignore[arg-type]
    path = tmp_path / "solr.json"
    path.write_text('[{"title": "no id", "experimental_method": ["X-ray diffraction"]}]')
    (error,) = list(LOADER.parse(path, "pdbe-solr"))
    assert isinstance(error, RecordError) and error.reason == "document has no pdb_id"


def test_unknown_method_is_recorded_as_other(tmp_path: Path) -> None:
    path = tmp_path / "method.cif"
    path.write_text("data_1ABC\n_entry.id 1ABC\n_exptl.method 'CRYSTAL BALL GAZING'\n")
    (record,) = list(LOADER.parse(path, "mmcif"))
    graph = LOADER.to_rdf(record)  # type: ignore[arg-type]
    assert values(graph, PDB + "1ABC", S.method) == {"OTHER"}
    conforms, report = shacl_report(to_rdflib(graph.triples))
    assert conforms, report
