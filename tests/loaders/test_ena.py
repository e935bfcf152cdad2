"""The ENA loader on the bundled real records (portal JSON/TSV, browser XML, EMBL and GenBank flat files)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
import rdflib

from covid_portal import iris
from covid_portal.records import FileFormatError, RawRecord, RecordError, RecordGraph
from covid_portal.terms import C, S
from loaders import detect
from loaders._insdc import insdc_date, is_missing, split_country
from loaders.base import read_head
from loaders.ena import LOADER, result_type
from tests.conftest import RECORDS, TEST_DATA, shacl_report, to_rdflib
from tests.snapshots import assert_snapshot

ENA = RECORDS / "ena"
BAD = TEST_DATA / "ena"
RDF_TYPE = rdflib.RDF.type

# every ENA file bundled, with its format and the number of records it holds (counted in the file)
FILES = {
    "NC_045512.2.genbank.gb": ("genbank", 1),
    "ena_embl_flatfile_LR794596_sars-cov-2_CON.embl": ("embl", 1),
    "ena_portal_search_sequence_MN908947.json": ("json", 1),
    "ena_portal_read_run_sars-cov-2_ERR5423903.tsv": ("tsv", 1),
    "ena_portal_read_run_sars-cov-2_illumina.tsv": ("tsv", 2),
    "ena_portal_read_run_sars-cov-2_nanopore.tsv": ("tsv", 1),  # rows 3-4 are empty: not records
    "ena_portal_filereport_read_run_SRR8426358.tsv": ("tsv", 1),
    "ena_portal_filereport_bam.tsv": ("tsv", 1),
    "ena_browser_xml_study_SRP178136.xml": ("xml", 1),
    "ena_browser_xml_sample_SRS4237519.xml": ("xml", 1),
    "ena_browser_xml_experiment_SRX3517583.xml": ("xml", 1),
    "ena_browser_xml_run_SRR6835844.xml": ("xml", 1),
}


def load(path: Path, fmt: str | None = None) -> list[RecordGraph]:
    fmt = fmt or LOADER.sniff(path, read_head(path))
    assert fmt, f"ena does not recognise {path.name}"
    graphs = []
    for record in LOADER.parse(path, fmt):
        assert isinstance(record, RawRecord), str(record)
        graphs.append(LOADER.to_rdf(record))
    return graphs


def graph_of(name: str) -> rdflib.Graph:
    return to_rdflib(t for g in load(ENA / name) for t in g.triples)


def ref(prefix: str, local_id: str) -> rdflib.URIRef:
    return rdflib.URIRef(iris.entity(prefix, local_id).value)


def p(slot) -> rdflib.URIRef:
    return rdflib.URIRef(slot.uri)


def values(graph: rdflib.Graph, subject: rdflib.term.Node, slot) -> set[str]:
    return {str(o) for o in graph.objects(subject, p(slot))}


def one(graph: rdflib.Graph, subject: rdflib.term.Node, slot) -> str:
    found = values(graph, subject, slot)
    assert len(found) == 1, f"{slot.name} of {subject}: {found}"
    return found.pop()


def is_a(graph: rdflib.Graph, node: rdflib.term.Node, cls) -> bool:
    return (node, RDF_TYPE, rdflib.URIRef(cls.uri)) in graph


# ------------------------------------------------------------------ detection, counts, SHACL, snapshots
@pytest.mark.parametrize("name", sorted(FILES))
def test_detect_format(name: str) -> None:
    found = detect(ENA / name, "ena")
    assert found is not None and found[1] == FILES[name][0]


@pytest.mark.parametrize("name", sorted(FILES))
def test_record_count(name: str) -> None:
    assert len(load(ENA / name)) == FILES[name][1]


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_record_conforms(name: str) -> None:
    for graph in load(ENA / name):
        conforms, text = shacl_report(to_rdflib(graph.triples))
        assert conforms, f"{graph.record_id}:\n{text}"


@pytest.mark.parametrize("name", sorted(FILES))
def test_snapshot(name: str) -> None:
    assert_snapshot([t for g in load(ENA / name) for t in g.triples], f"ena/{name}")


def test_foreign_files_are_not_claimed() -> None:
    """No other source's file (and not the BioSamples JSON) is taken for an ENA one."""
    others = [f for f in RECORDS.rglob("*") if f.is_file() and f.parent.name != "ena" and not f.name.endswith(".md")]
    others.append(ENA / "biosamples_json_recodid_covid19_samples.json")
    claimed = [f.name for f in others if LOADER.sniff(f, read_head(f))]
    assert claimed == []


# ------------------------------------------------------------------ flat files
def test_genbank_refseq_record() -> None:
    g = graph_of("NC_045512.2.genbank.gb")
    seq = ref("refseq", "NC_045512")
    assert is_a(g, seq, C.NucleotideSequence)
    assert one(g, seq, S.accession) == "NC_045512"
    assert one(g, seq, S.version) == "2"  # VERSION NC_045512.2
    assert one(g, seq, S.sequence_length) == "29903"  # LOCUS ... 29903 bp
    assert one(g, seq, S.molecule_type) == "genomic RNA"  # /mol_type, not the LOCUS "ss-RNA"
    assert one(g, seq, S.topology) == "linear"
    assert one(g, seq, S.collection_date) == "2019-12"  # /collection_date="Dec-2019"
    assert one(g, seq, S.country) == "China"
    assert one(g, seq, S.isolate) == "Wuhan-Hu-1"
    assert one(g, seq, S.last_updated) == "2020-03-30"  # LOCUS date
    assert values(g, seq, S.taxon) == {str(ref("ncbitaxon", "2697049"))}
    assert values(g, seq, S.part_of_study) == {str(ref("bioproject", "PRJNA485481"))}  # DBLINK
    assert values(g, seq, S.has_publication) == {str(ref("pubmed", x)) for x in ("15680415", "15630477", "10482585")}
    host = rdflib.URIRef(iris.host("Homo sapiens").value)
    assert values(g, seq, S.host) == {str(host)} and one(g, host, S.name) == "Homo sapiens"
    assert values(g, host, S.host_taxon) == set()  # the record names the host but gives no taxon id
    see_also = values(g, seq, S.see_also)
    assert str(ref("refseq", "YP_009724389")) in see_also  # CDS /protein_id="YP_009724389.1"
    assert str(ref("ena.embl", "MN908947")) in see_also  # COMMENT "identical to MN908947"
    assert values(g, seq, S.encodes) == set()  # no UniProt cross-reference in a RefSeq CDS


def test_genbank_checksum_is_md5_of_the_origin_sequence() -> None:
    text = (ENA / "NC_045512.2.genbank.gb").read_text()
    origin = text.split("\nORIGIN", 1)[1].split("\n//", 1)[0]
    sequence = re.sub(r"[^a-z]", "", origin).upper()
    assert len(sequence) == 29903
    g = graph_of("NC_045512.2.genbank.gb")
    assert one(g, ref("refseq", "NC_045512"), S.checksum) == "md5:" + hashlib.md5(sequence.encode()).hexdigest()


def test_embl_con_record_without_sequence() -> None:
    g = graph_of("ena_embl_flatfile_LR794596_sars-cov-2_CON.embl")
    seq = ref("ena.embl", "LR794596")
    assert one(g, seq, S.version) == "1"  # ID LR794596; SV 1
    assert one(g, seq, S.sequence_length) == "29706"
    assert one(g, seq, S.molecule_type) == "genomic RNA"
    assert one(g, seq, S.checksum) == "md5:72a7159a4439aa5481e40c0e51754075"  # the DR MD5 line: no sequence here
    assert one(g, seq, S.first_public) == "2020-09-11"  # DT ... Created
    assert one(g, seq, S.last_updated) == "2020-11-19"  # DT ... Last updated
    assert one(g, seq, S.isolate) == "nasopharyngeal"
    assert values(g, seq, S.part_of_study) == {str(ref("bioproject", "PRJEB37722"))}  # PR Project:
    assert values(g, seq, S.from_sample) == {str(ref("biosample", "SAMEA6660144"))}  # DR BioSample
    assert str(ref("ena.embl", "CADIOH010000000")) in values(g, seq, S.see_also)  # DR ENA ... SET
    assert values(g, seq, S.taxon) == {str(ref("ncbitaxon", "2697049"))}


def test_cds_uniprot_xref_is_an_encoded_protein() -> None:
    (graph,) = load(BAD / "cds_uniprot.embl")
    g = to_rdflib(graph.triples)
    seq, protein = ref("ena.embl", "LR794596"), ref("uniprot", "P0DTC2")
    assert values(g, seq, S.encodes) == {str(protein)}
    assert values(g, protein, S.encoded_by) == {str(seq)}  # the inverse, as the schema declares
    assert is_a(g, protein, C.Protein)
    assert str(ref("ncbiprotein", "QHD43416.1")) in values(g, seq, S.see_also)
    conforms, text = shacl_report(g)
    assert conforms, text


# ------------------------------------------------------------------ portal JSON and TSV
def test_portal_json_sequence() -> None:
    g = graph_of("ena_portal_search_sequence_MN908947.json")
    seq = ref("ena.embl", "MN908947")
    assert is_a(g, seq, C.NucleotideSequence)
    assert one(g, seq, S.collection_date) == "2019-12"  # "Dec-2019"
    assert one(g, seq, S.description).startswith("Severe acute respiratory syndrome coronavirus 2 isolate Wuhan-Hu-1")
    assert values(g, seq, S.taxon) == {str(ref("ncbitaxon", "2697049"))}


def test_portal_tsv_run_links() -> None:
    g = graph_of("ena_portal_read_run_sars-cov-2_ERR5423903.tsv")
    run = ref("insdc.sra", "ERR5423903")
    assert is_a(g, run, C.ReadRun)
    study, sample = ref("bioproject", "PRJEB43435"), ref("biosample", "SAMEA8215347")
    assert values(g, run, S.part_of_study) == {str(study)}
    assert values(g, study, S.secondary_accession) == {"ERP127397"}
    assert values(g, run, S.from_sample) == {str(sample)}
    assert values(g, sample, S.secondary_accession) == {"ERS5901934"}
    assert values(g, run, S.from_experiment) == {str(ref("insdc.sra", "ERX5208595"))}
    assert one(g, run, S.instrument_platform) == "ILLUMINA"
    assert one(g, ref("ncbitaxon", "2697049"), S.name) == "Severe acute respiratory syndrome coronavirus 2"
    files = {str(f) for f in g.objects(run, p(S.has_file))}
    first = "https://ftp.dcc-private.ebi.ac.uk/vol1/fastq/ERR542/003/ERR5423903/ERR5423903_1.fastq.gz"
    assert first in files and len(files) == 2
    assert one(g, rdflib.URIRef(first), S.checksum) == "md5:e85de5c2215da89236a924f81384c394"
    assert one(g, rdflib.URIRef(first), S.download_url) == first


def test_portal_tsv_crlf_and_file_sizes() -> None:
    g = graph_of("ena_portal_read_run_sars-cov-2_illumina.tsv")
    runs = {str(s) for s in g.subjects(RDF_TYPE, rdflib.URIRef(C.ReadRun.uri))}
    assert runs == {str(ref("insdc.sra", "ERR9769168")), str(ref("insdc.sra", "ERR9769169"))}
    run = ref("insdc.sra", "ERR9769168")
    assert one(g, run, S.instrument_model) == "NextSeq 2000"  # the CR of the CRLF line end is not kept
    sizes = {one(g, f, S.byte_size) for f in g.objects(run, p(S.has_file))}
    assert sizes == {"2695635", "2822546"}


def test_portal_tsv_day_first_dates_and_empty_rows() -> None:
    g = graph_of("ena_portal_read_run_sars-cov-2_nanopore.tsv")
    run = ref("insdc.sra", "ERR4080517")
    assert one(g, run, S.first_public) == "2020-04-29"  # 29/04/2020
    assert one(g, run, S.collection_date) == "2020-03-17"  # 17/03/2020
    assert one(g, run, S.country) == "Denmark"
    assert one(g, run, S.instrument_platform) == "OXFORD_NANOPORE"
    assert one(g, run, S.instrument_model) == "MinION"
    (file,) = list(g.objects(run, p(S.has_file)))
    assert one(g, file, S.byte_size) == "118130460"
    assert one(g, file, S.checksum) == "md5:cb63af2481b24e64aea76b49ff057f19"


def test_filereport_fastq_and_submitted_files() -> None:
    g = graph_of("ena_portal_filereport_read_run_SRR8426358.tsv")
    run = ref("insdc.sra", "SRR8426358")
    sizes = {one(g, f, S.byte_size) for f in g.objects(run, p(S.has_file))}
    assert sizes == {"5507959060", "7194107512"}
    g = graph_of("ena_portal_filereport_bam.tsv")
    run = ref("insdc.sra", "SRR6835844")
    formats = {one(g, f, S.file_format): one(g, f, S.byte_size) for f in g.objects(run, p(S.has_file))}
    assert formats == {"BAM": "17093057664", "BAI": "7163216"}  # submitted_format BAM;BAI


def test_portal_result_types_from_fields() -> None:
    path = BAD / "portal_result_types.json"
    assert LOADER.sniff(path, read_head(path)) == "json"
    study_graph, sample_graph, exp_graph = load(path)
    g = to_rdflib(study_graph.triples)
    study = ref("bioproject", "PRJEB43435")
    assert study_graph.topic.value == str(study) and is_a(g, study, C.Study)
    assert values(g, study, S.secondary_accession) == {"ERP127397"}
    assert one(g, study, S.center_name).startswith("Greek Genome Center")
    g = to_rdflib(sample_graph.triples)
    sample = ref("biosample", "SAMEA8215347")
    assert sample_graph.topic.value == str(sample) and is_a(g, sample, C.Sample)
    assert values(g, sample, S.secondary_accession) == {"ERS5901934"}
    g = to_rdflib(exp_graph.triples)
    exp = ref("insdc.sra", "ERX5208595")
    assert is_a(g, exp, C.SequencingExperiment)
    assert values(g, exp, S.part_of_study) == {str(study)} and values(g, exp, S.from_sample) == {str(sample)}
    for graph in (study_graph, sample_graph, exp_graph):
        conforms, text = shacl_report(to_rdflib(graph.triples))
        assert conforms, text


@pytest.mark.parametrize(
    ("row", "kind"),
    [
        ({"run_accession": "ERR1", "study_accession": "PRJEB1"}, "read_run"),
        ({"experiment_accession": "ERX1", "sample_accession": "SAMEA1"}, "read_experiment"),
        ({"sample_accession": "SAMEA1"}, "sample"),
        ({"study_accession": "PRJEB1"}, "study"),
        ({"accession": "SAMEA1", "description": "x"}, "sample"),
        ({"accession": "MN908947", "description": "x"}, "sequence"),
        ({"accession": "MN908947", "sample_accession": "SAMN1", "study_accession": "PRJNA1"}, "sequence"),
    ],
)
def test_result_type(row: dict[str, str], kind: str) -> None:
    assert result_type(row) == kind


# ------------------------------------------------------------------ browser XML
def test_xml_study() -> None:
    g = graph_of("ena_browser_xml_study_SRP178136.xml")
    study = ref("bioproject", "PRJNA514051")  # EXTERNAL_ID namespace="BioProject"
    assert is_a(g, study, C.Study)
    assert values(g, study, S.secondary_accession) == {"SRP178136"}
    assert str(ref("insdc.sra", "SRP178136")) in values(g, study, S.same_as)
    assert values(g, study, S.see_also) == {str(ref("geo", "GSE124872"))}
    assert one(g, study, S.name) == "Multi-modal analysis of the aging mouse lung at cellular resolution"
    assert one(g, study, S.center_name) == "GEO"
    assert values(g, study, S.has_publication) == {str(ref("pubmed", "30814501"))}
    assert one(g, study, S.first_public) == "2019-01-26"
    assert one(g, study, S.last_updated) == "2019-03-14"
    samples = values(g, study, S.has_sample)  # ENA-SAMPLE SRS4237518-SRS4237558
    assert len(samples) == 41 and str(ref("insdc.sra", "SRS4237519")) in samples
    assert values(g, ref("insdc.sra", "SRS4237519"), S.part_of_study) == {str(study)}


def test_xml_sample() -> None:
    g = graph_of("ena_browser_xml_sample_SRS4237519.xml")
    sample = ref("biosample", "SAMN10719598")
    assert is_a(g, sample, C.Sample)
    assert values(g, sample, S.secondary_accession) == {"SRS4237519"}
    assert values(g, sample, S.see_also) == {str(ref("geo", "GSM3557675"))}
    assert one(g, sample, S.name) == "old_Dropseq_1"
    assert values(g, sample, S.taxon) == {str(ref("ncbitaxon", "10090"))}
    study = ref("insdc.sra", "SRP178136")
    assert values(g, sample, S.part_of_study) == {str(study)}
    assert values(g, study, S.has_sample) == {str(sample)}
    assert one(g, sample, S.organism_part) == "Whole lung"  # tissue
    chars = {(one(g, c, S.property_name), one(g, c, S.property_value)) for c in g.objects(sample, p(S.characteristic))}
    assert chars == {
        ("source_name", "Whole lung"),
        ("tissue", "Whole lung"),
        ("age", "24 months"),
        ("number of cells", "799"),
    }  # ENA-* attributes are statistics, not characteristics
    assert one(g, sample, S.first_public) == "2019-01-11"


def test_xml_experiment() -> None:
    g = graph_of("ena_browser_xml_experiment_SRX3517583.xml")
    exp = ref("insdc.sra", "SRX3517583")
    assert is_a(g, exp, C.SequencingExperiment)
    assert values(g, exp, S.part_of_study) == {str(ref("insdc.sra", "SRP127624"))}
    assert values(g, exp, S.from_sample) == {str(ref("insdc.sra", "SRS2792433"))}
    assert (one(g, exp, S.library_strategy), one(g, exp, S.library_source), one(g, exp, S.library_selection)) == (
        "RNA-Seq",
        "TRANSCRIPTOMIC",
        "cDNA",
    )
    assert one(g, exp, S.library_layout) == "PAIRED"
    assert one(g, exp, S.instrument_platform) == "ILLUMINA"
    assert one(g, exp, S.instrument_model) == "HiSeq X Ten"


def test_xml_run() -> None:
    g = graph_of("ena_browser_xml_run_SRR6835844.xml")
    run = ref("insdc.sra", "SRR6835844")
    assert values(g, run, S.from_experiment) == {str(ref("insdc.sra", "SRX3791763"))}
    assert values(g, run, S.part_of_study) == {str(ref("insdc.sra", "SRP131661"))}
    assert values(g, run, S.from_sample) == {str(ref("insdc.sra", "SRS3044236"))}
    assert one(g, run, S.read_count) == "137766536"
    assert one(g, run, S.base_count) == "12398988240"
    assert one(g, run, S.first_public) == "2018-03-30"


# ------------------------------------------------------------------ INSDC values
@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2020-03-16", "2020-03-16"),
        ("17/03/2020", "2020-03-17"),
        ("Dec-2019", "2019-12"),
        ("11-SEP-2020", "2020-09-11"),
        ("2020", "2020"),
        ("2020-05-20T17:07:13Z", "2020-05-20"),
        ("not provided", None),
        ("missing: control sample", None),
    ],
)
def test_insdc_date(text: str, iso: str | None) -> None:
    assert insdc_date(text) == iso


@pytest.mark.parametrize("text", ["32/13/2020", "2020-02-30", "spring 2020"])
def test_insdc_date_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        insdc_date(text)


def test_country_region_and_missing_values() -> None:
    assert split_country("China: Wuhan") == ("China", "China: Wuhan")
    assert split_country("Denmark") == ("Denmark", None)
    assert is_missing("restricted access") and not is_missing("Homo sapiens")
    # a term alone or followed by ':' and a reason, in any case and spacing around; nothing else
    for value in (None, "", "  ", "Missing", " not provided ", "missing: control sample", "N/A", "unknown:"):
        assert is_missing(value), value
    for value in ("missingness", "unknown host", "not provided yet", "n/a2", "missing : reason", "Wuhan: unknown"):
        assert not is_missing(value), value


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("name", "fmt", "reason"),
    [
        ("empty.tsv", "tsv", "file is empty"),
        ("truncated_read_run.tsv", "tsv", "cut short (truncated file?)"),
        ("truncated_run.xml", "xml", "XML ends unexpectedly"),
        ("truncated_con.embl", "embl", "not closed by '//' (truncated file?)"),
        ("truncated_sequence.json", "json", "JSON ends unexpectedly"),
    ],
)
def test_bad_file(name: str, fmt: str, reason: str) -> None:
    with pytest.raises(FileFormatError, match=re.escape(reason)) as info:
        list(LOADER.parse(BAD / name, fmt))
    assert name in str(info.value)


def test_wrong_format() -> None:
    with pytest.raises(FileFormatError, match="XML is not well-formed"):
        list(LOADER.parse(ENA / "NC_045512.2.genbank.gb", "xml"))
    with pytest.raises(FileFormatError, match="expected a JSON array of ENA portal search results"):
        list(LOADER.parse(RECORDS / "pride" / "pride_archive_v2_project_PXD000001.json", "json"))
    with pytest.raises(FileFormatError, match="names no ENA portal fields"):
        list(LOADER.parse(RECORDS / "pride" / "sdrf_PXD018241.sdrf.tsv", "tsv"))


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("invalid_md5_count.tsv", "fastq_md5 lists 1 values for 2 files in fastq_ftp"),
        ("invalid_collection_date.tsv", "collection date: month must be in 1..12"),
    ],
)
def test_invalid_record_fails_in_to_rdf(name: str, reason: str) -> None:
    path = BAD / name
    (record,) = list(LOADER.parse(path, "tsv"))
    assert isinstance(record, RawRecord)
    with pytest.raises(RecordError, match=re.escape(reason)) as info:
        LOADER.to_rdf(record)
    assert info.value.record_id == record.record_id and info.value.raw


@pytest.mark.parametrize(
    ("name", "fmt", "reason", "good"),
    [
        ("invalid_field_count.tsv", "tsv", "row has 2 fields, the header has 15", 0),
        ("invalid_embl_record.embl", "embl", "unreadable embl record", 1),
        ("invalid_no_accession.xml", "xml", "<RUN> has no accession", 0),
    ],
)
def test_invalid_record_is_reported_and_the_rest_loads(name: str, fmt: str, reason: str, good: int) -> None:
    out = list(LOADER.parse(BAD / name, fmt))
    errors = [r for r in out if isinstance(r, RecordError)]
    assert len(errors) == 1 and reason in errors[0].reason and errors[0].raw
    assert len([r for r in out if isinstance(r, RawRecord)]) == good


def test_unknown_accession_space_is_a_record_error() -> None:
    record = RawRecord(
        "ena", "not-an-accession", {"run_accession": "not-an-accession"}, "x.tsv", "line 2", "", fmt="tsv"
    )
    with pytest.raises(RecordError, match=r"not a valid insdc\.sra identifier"):
        LOADER.to_rdf(record)


def test_gzipped_file_streams(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "illumina.tsv.gz"
    path.write_bytes(gzip.compress((ENA / "ena_portal_read_run_sars-cov-2_illumina.tsv").read_bytes()))
    assert LOADER.sniff(path, read_head(path)) == "tsv"
    assert [g.record_id for g in load(path)] == ["ERR9769168", "ERR9769169"]


def test_collection_date_interval_is_left_out() -> None:
    record = RawRecord(
        "ena",
        "MN908947",
        {"accession": "MN908947", "collection_date": "2019-12/2020-01"},
        "x.json",
        "record 1",
        "",
        fmt="json",
    )
    graph = to_rdflib(LOADER.to_rdf(record).triples)
    assert values(graph, ref("ena.embl", "MN908947"), S.collection_date) == set()
