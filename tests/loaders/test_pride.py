"""PRIDE loader: project JSON (both wire formats), file lists, ProteomeXchange XML and SDRF, on real records."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode

import loaders
from covid_portal import iris
from covid_portal.records import RDF_TYPE, FileFormatError, RecordError, RecordGraph
from covid_portal.terms import C, S
from covid_portal.validate import default_validator
from loaders.base import read_head
from tests.conftest import RECORDS, TEST_DATA, shacl_report, to_rdflib
from tests.loaders.facts import values
from tests.snapshots import assert_snapshot

PRIDE = RECORDS / "pride"
BAD = TEST_DATA / "pride"
MASSIVE = TEST_DATA / "unsupported" / "massive_params_xml_example.xml"  # a real file no loader reads
LOADER = loaders.get("pride")

FILES = {
    "pride_archive_v2_project_PXD000001.json": ("pride-project-json", ["PXD000001"]),
    "pride_archive_v2_project_PXD059645.json": ("pride-project-json", ["PXD059645"]),
    "pride_archive_v2_files_PXD000001.json": ("pride-files-json", ["PXD000001/files"]),
    "proteomexchange_xml_PXD008955.xml": ("px-xml", ["PXD008955/px"]),
    "sdrf_PXD017710-tmt.sdrf.tsv": ("sdrf-tsv", ["PXD017710/sdrf"]),
    "sdrf_PXD018241.sdrf.tsv": ("sdrf-tsv", ["PXD018241/sdrf"]),
    "sdrf_PXD018594.sdrf.tsv": ("sdrf-tsv", ["PXD018594/sdrf"]),
}


def graphs(path: Path) -> list[RecordGraph]:
    fmt = LOADER.sniff(path, read_head(path))
    assert fmt is not None
    out = []
    for record in LOADER.parse(path, fmt):
        assert not isinstance(record, RecordError), str(record)
        out.append(LOADER.to_rdf(record))
    return out


def one(path: Path) -> RecordGraph:
    (graph,) = graphs(path)
    return graph


def subjects_of_type(graph: RecordGraph, cls) -> set:
    return {t.subject for t in graph.triples if t.predicate == RDF_TYPE and t.object == cls.node}


def project(acc: str) -> NamedNode:
    return iris.entity("pride.project", acc)


# ------------------------------------------------------------------ detection, counts, validity
@pytest.mark.parametrize("name", sorted(FILES))
def test_format_is_detected_from_content(name: str) -> None:
    # no source given: no loader earlier in the registry may claim the file
    path = PRIDE / name
    assert loaders.detect(path) == (LOADER, FILES[name][0])


def test_massive_params_is_not_claimed() -> None:
    assert LOADER.sniff(MASSIVE, read_head(MASSIVE)) is None


@pytest.mark.parametrize("name", sorted(FILES))
def test_records_and_shacl_conformance(name: str) -> None:
    found = graphs(PRIDE / name)
    assert [g.record_id for g in found] == FILES[name][1]
    for graph in found:
        assert default_validator().check(graph.triples) == []
        conforms, report = shacl_report(to_rdflib(graph.triples))
        assert conforms, report


@pytest.mark.parametrize(
    "name",
    ["pride_archive_v2_project_PXD059645.json", "pride_archive_v2_files_PXD000001.json",
     "proteomexchange_xml_PXD008955.xml", "sdrf_PXD018241.sdrf.tsv"],
)  # fmt: skip
def test_snapshot(name: str) -> None:
    assert_snapshot(one(PRIDE / name).triples, f"pride/{name}")


# ------------------------------------------------------------------ facts read off the files
def test_project_json_older_format() -> None:
    graph = one(PRIDE / "pride_archive_v2_project_PXD000001.json")
    p = project("PXD000001")
    assert graph.topic == p
    assert values(graph, p, S.name) == {"TMT spikes -  Using R and Bioconductor for proteomics data analysis"}
    assert values(graph, p, S.instrument_model) == {"LTQ Orbitrap Velos"}
    assert values(graph, p, S.taxon) == {iris.entity("ncbitaxon", "554").value}
    assert values(graph, p, S.submission_type) == {"COMPLETE"}
    assert values(graph, p, S.first_public) == {"2012-03-07"}
    assert values(graph, p, S.license) == {"https://www.ebi.ac.uk/about/terms-of-use"}
    assert iris.entity("doi", "10.6019/PXD000001").value in values(graph, p, S.same_as)
    assert values(graph, p, S.keywords) >= {"Spikes", "Tmt", "Eriwinia", "Prime-xs project"}
    assert "monohydroxylated residue" in values(graph, p, S.ptm)
    publication = iris.entity("pubmed", "23692960")
    assert values(graph, p, S.has_publication) == {publication.value}
    assert values(graph, publication, S.doi) == {"10.1016/j.bbapap.2013.04.032"}
    (submitter,) = [t.object for t in graph.triples if t.subject == p and t.predicate == S.submitter.node]
    assert values(graph, submitter, S.name) == {"Laurent Gatto"}
    assert values(graph, submitter, S.affiliation) == {"Department of Biochemistry, University of Cambridge"}


def test_project_json_2025_format() -> None:
    graph = one(PRIDE / "pride_archive_v2_project_PXD059645.json")
    p = project("PXD059645")
    assert values(graph, p, S.taxon) == {iris.entity("ncbitaxon", "7227").value}
    assert values(graph, p, S.disease) == {"http://purl.obolibrary.org/obo/DOID_0111441"}
    assert values(graph, p, S.license) == {"https://creativecommons.org/publicdomain/zero/1.0/"}
    assert values(graph, p, S.has_publication) == {iris.entity("pubmed", "40202868").value}
    assert values(graph, p, S.see_also) == {iris.entity("pride.project", "PXD059584").value}
    # one keyword string "Zebrafish; drosophila; mitochondria; optic atrophy; visual impairment."
    assert values(graph, p, S.keywords) == {
        "Zebrafish",
        "drosophila",
        "mitochondria",
        "optic atrophy",
        "visual impairment",
    }
    assert values(graph, p, S.organism_part) == {"Head"}
    assert values(graph, p, S.instrument_model) == {"timsTOF Pro"}
    (lab_head,) = [t.object for t in graph.triples if t.subject == p and t.predicate == S.lab_head.node]
    assert values(graph, lab_head, S.family_name) == {"O'Sullivan"}
    (submitter,) = [t.object for t in graph.triples if t.subject == p and t.predicate == S.submitter.node]
    assert values(graph, submitter, S.orcid) == {"https://orcid.org/0000-0002-2845-3090"}


def test_files_json_gives_data_files() -> None:
    graph = one(PRIDE / "pride_archive_v2_files_PXD000001.json")
    p = project("PXD000001")
    files = {NamedNode(v) for v in values(graph, p, S.has_file)}
    assert len(files) == 8
    raw = NamedNode(
        "ftp://ftp.pride.ebi.ac.uk/pride/data/archive/2012/03/PXD000001/TMT_Erwinia_1uLSike_Top10HCD_isol2_45stepped_60min_01.raw"
    )
    assert raw in files
    assert values(graph, raw, S.name) == {"TMT_Erwinia_1uLSike_Top10HCD_isol2_45stepped_60min_01.raw"}
    assert values(graph, raw, S.byte_size) == {"220475548"}
    assert values(graph, raw, S.checksum) == {"sha1:5e050c8abc697891e2286271e062a8144518108a"}
    assert values(graph, raw, S.file_category) == {"RAW"}
    assert values(graph, raw, S.file_format) == {"raw"}
    assert values(graph, raw, S.download_url) == {raw.value}
    assert files <= subjects_of_type(graph, C.DataFile)


def test_px_xml() -> None:
    graph = one(PRIDE / "proteomexchange_xml_PXD008955.xml")
    p = project("PXD008955")
    assert values(graph, p, S.name) == {"Protein quality control by MARCH6/TRC8"}
    assert values(graph, p, S.first_public) == {"2018-04-18"}
    assert values(graph, p, S.taxon) == {iris.entity("ncbitaxon", "9606").value}
    assert values(graph, p, S.instrument_model) == {"Orbitrap Fusion"}
    assert values(graph, p, S.has_publication) == {iris.entity("pubmed", "29519897").value}
    assert values(graph, p, S.keywords) >= {"MARCH6", "TRC8", "ERAD", "Biological"}
    assert "http://www.ebi.ac.uk/pride/archive/projects/PXD008955" in values(graph, p, S.see_also)
    assert len(values(graph, p, S.has_file)) == 2
    (lab_head,) = [t.object for t in graph.triples if t.subject == p and t.predicate == S.lab_head.node]
    assert values(graph, lab_head, S.name) == {"James Nathan"}
    (submitter,) = [t.object for t in graph.triples if t.subject == p and t.predicate == S.submitter.node]
    assert values(graph, submitter, S.name) == {"James Williamson"}


@pytest.mark.parametrize(
    ("name", "acc", "samples", "files", "cell_line", "instrument", "taxon"),
    [
        ("sdrf_PXD017710-tmt.sdrf.tsv", "PXD017710", 9, 24, "CaCo-2", "Q Exactive HF", "9606"),
        ("sdrf_PXD018241.sdrf.tsv", "PXD018241", 1, 20, "Vero C1008", "Orbitrap Fusion Lumos", None),
        ("sdrf_PXD018594.sdrf.tsv", "PXD018594", 20, 20, "Vero E6", "Q Exactive HF", "60711"),
    ],
)
def test_sdrf_samples_and_project(name, acc, samples, files, cell_line, instrument, taxon) -> None:
    graph = one(PRIDE / name)
    p = project(acc)
    assert graph.topic == p
    assert len(values(graph, p, S.has_sample)) == samples
    assert len(values(graph, p, S.has_file)) == files
    assert values(graph, p, S.cell_line) == {cell_line}
    assert values(graph, p, S.instrument_model) == {instrument}
    # "Cercopithecus" (PXD018241) is a genus name the loader does not resolve to a taxon
    assert values(graph, p, S.taxon) == ({iris.entity("ncbitaxon", taxon).value} if taxon else set())
    sample = iris.sdrf_sample(acc, "Sample 1")
    assert sample.value in values(graph, p, S.has_sample)
    assert values(graph, sample, S.accession) == {f"{acc}:Sample 1"}
    assert values(graph, sample, S.cell_line) == {cell_line}


def test_sdrf_characteristics() -> None:
    graph = one(PRIDE / "sdrf_PXD018241.sdrf.tsv")
    sample = iris.sdrf_sample("PXD018241", "Sample 1")
    nodes = [t.object for t in graph.triples if t.subject == sample and t.predicate == S.characteristic.node]
    pairs = {
        (next(iter(values(graph, n, S.property_name))), next(iter(values(graph, n, S.property_value)))) for n in nodes
    }
    assert ("infect", "Severe acute respiratory syndrome coronavirus 2") in pairs
    assert ("organism", "Cercopithecus") in pairs
    assert ("organism part", "kidney") in pairs
    # "not applicable" (disease) is the SDRF's word for a missing value
    assert not any(name == "disease" for name, _ in pairs)
    assert values(graph, project("PXD018241"), S.ptm) == {"Carbamidomethyl", "Oxidation", "Acetyl", "Met-loss+Acetyl"}
    data_file = NamedNode("https://ftp.pride.ebi.ac.uk/pride/data/archive/2020/03/PXD018241/020320_Total_1.raw")
    assert values(graph, data_file, S.name) == {"020320_Total_1.raw"}


def test_sdrf_value_term() -> None:
    from loaders.pride import _term

    assert _term("NT=Orbitrap Fusion Lumos;AC=MS:1002732") == ("Orbitrap Fusion Lumos", None)
    assert _term("NT=COVID-19;AC=MONDO:0100096") == (
        "COVID-19",
        NamedNode("http://purl.obolibrary.org/obo/MONDO_0100096"),
    )
    assert _term("Homo sapiens") == ("Homo sapiens", None)


def test_sdrf_accession_from_a_column(tmp_path: Path) -> None:
    text = (PRIDE / "sdrf_PXD018594.sdrf.tsv").read_text()
    path = tmp_path / "sample_sheet.sdrf.tsv"
    path.write_text(text)  # no accession in the name: it comes from the comment[file uri] column
    assert [g.record_id for g in graphs(path)] == ["PXD018594/sdrf"]


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("name", "fmt", "message"),
    [
        ("empty.json", "pride-project-json", "file is empty"),
        ("project_PXD000001_truncated.json", "pride-project-json", "truncated file"),
        ("px_PXD008955_truncated.xml", "px-xml", "XML ends unexpectedly"),
        ("sdrf_PXD018241_truncated.sdrf.tsv", "sdrf-tsv", "truncated file"),
    ],
)
def test_bad_files(name: str, fmt: str, message: str) -> None:
    with pytest.raises(FileFormatError, match=message):
        list(LOADER.parse(BAD / name, fmt))


@pytest.mark.parametrize(
    ("path", "fmt", "message"),
    [
        (MASSIVE, "px-xml", "not a ProteomeXchange dataset"),
        (PRIDE / "pride_archive_v2_project_PXD000001.json", "sdrf-tsv", "not an SDRF file"),
        (RECORDS / "chembl" / "chembl_ws_molecule_CHEMBL25.json", "pride-files-json", "not a PRIDE file list"),
    ],
)
def test_wrong_format(path: Path, fmt: str, message: str) -> None:
    with pytest.raises(FileFormatError, match=message):
        list(LOADER.parse(path, fmt))


def test_file_without_name_is_quarantined_and_the_rest_loads() -> None:
    out = list(LOADER.parse(BAD / "files_PXD000001_missing_filename.json", "pride-files-json"))
    errors = [r for r in out if isinstance(r, RecordError)]
    assert [e.reason for e in errors] == ["file has no fileName"]
    assert errors[0].position == "file 3"
    (record,) = [r for r in out if not isinstance(r, RecordError)]
    assert len(values(LOADER.to_rdf(record), project("PXD000001"), S.has_file)) == 7


def test_sdrf_short_row_is_quarantined() -> None:
    out = list(LOADER.parse(BAD / "sdrf_PXD018241_short_row.sdrf.tsv", "sdrf-tsv"))
    errors = [r for r in out if isinstance(r, RecordError)]
    assert len(errors) == 1
    assert errors[0].position == "line 4"
    assert "row has 10 columns, the header has 31" in errors[0].reason
    (record,) = [r for r in out if not isinstance(r, RecordError)]
    assert len(values(LOADER.to_rdf(record), project("PXD018241"), S.has_file)) == 19


def test_invalid_accession_fails_the_record() -> None:
    (record,) = LOADER.parse(BAD / "project_invalid_accession.json", "pride-project-json")
    with pytest.raises(RecordError, match=r"'PXD00001' is not a valid pride\.project identifier"):
        LOADER.to_rdf(record)


def test_literals_use_schema_datatypes() -> None:
    graph = one(PRIDE / "pride_archive_v2_files_PXD000001.json")
    sizes = [t.object for t in graph.triples if t.predicate == S.byte_size.node]
    assert sizes and all(isinstance(o, Literal) and o.datatype.value.endswith("#integer") for o in sizes)
