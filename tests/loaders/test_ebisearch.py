"""The COVID-19 Data Portal / EBI Search loader on a fixture CONSTRUCTED from the documented response shape
(no real response exists; see tests/data/ebisearch/README.md)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import rdflib

from covid_portal import iris
from covid_portal.records import FileFormatError, RawRecord, RecordError, RecordGraph
from covid_portal.terms import C, S
from loaders.base import read_head
from loaders.ebisearch import LOADER
from tests.conftest import RECORDS, TEST_DATA, shacl_report, to_rdflib
from tests.loaders.facts import values as objects
from tests.snapshots import assert_snapshot

DIR = TEST_DATA / "ebisearch"
PAGE = DIR / "ebisearch_covid19_constructed.json"
BAD_ENTRIES = DIR / "ebisearch_bad_entries_constructed.json"


@cache
def parsed(path: Path) -> tuple[list[RawRecord], list[RecordError]]:
    records, errors = [], []
    for item in LOADER.parse(path, "ebisearch-json"):
        (errors if isinstance(item, RecordError) else records).append(item)
    return records, errors


@cache
def graphs() -> dict[str, RecordGraph]:
    return {r.record_id: LOADER.to_rdf(r) for r in parsed(PAGE)[0]}


def rdf(record_id: str) -> rdflib.Graph:
    return to_rdflib(graphs()[record_id].triples)


def node(prefix: str, local_id: str) -> rdflib.URIRef:
    return rdflib.URIRef(iris.entity(prefix, local_id).value)


def is_a(graph: rdflib.Graph, subject: rdflib.term.Node, cls) -> bool:
    return (subject, rdflib.RDF.type, rdflib.URIRef(cls.uri)) in graph


def test_page_is_sniffed_and_read() -> None:
    assert LOADER.sniff(PAGE, read_head(PAGE)) == "ebisearch-json"
    records, errors = parsed(PAGE)
    assert errors == []
    assert [r.record_id for r in records] == ["MN908947", "LR794596", "ERR4080517", "ERX5208595", "P0DTC2", "6M0J"]
    assert records[0].url == "https://www.ebi.ac.uk/ebisearch/ws/rest/embl-covid19/entry/MN908947?format=json"


def test_every_record_conforms_and_snapshot() -> None:
    for record_id, graph in graphs().items():
        conforms, report = shacl_report(to_rdflib(graph.triples))
        assert conforms, f"{record_id}:\n{report}"
    assert_snapshot([t for g in graphs().values() for t in g.triples], f"ebisearch/{PAGE.name}")


def test_sequence_entry() -> None:
    seq = node("ena.embl", "MN908947")
    g = rdf("MN908947")
    assert is_a(g, seq, C.NucleotideSequence)
    assert objects(g, seq, S.collection_date) == {"2019-12"}
    assert objects(g, seq, S.country) == {"China"}
    assert objects(g, seq, S.lineage) == {"B"}
    assert objects(g, seq, S.isolate) == {"Wuhan-Hu-1"}
    assert objects(g, seq, S.molecule_type) == {"genomic RNA"}
    assert objects(g, seq, S.taxon) == {str(node("ncbitaxon", "2697049"))}
    assert is_a(g, node("ncbitaxon", "2697049"), C.Taxon)
    (host,) = objects(g, seq, S.host)
    assert host == iris.host("Homo sapiens").value
    assert objects(g, rdflib.URIRef(host), S.name) == {"Homo sapiens"}


def test_compact_dates_are_normalised() -> None:
    seq = node("ena.embl", "LR794596")
    g = rdf("LR794596")
    assert objects(g, seq, S.first_public) == {"2020-09-11"}
    assert objects(g, seq, S.last_updated) == {"2020-11-19"}


def test_raw_reads_entries_are_typed_by_accession() -> None:
    run, experiment = node("insdc.sra", "ERR4080517"), node("insdc.sra", "ERX5208595")
    g = rdf("ERR4080517")
    assert is_a(g, run, C.ReadRun)
    assert objects(g, run, S.instrument_platform) == {"OXFORD_NANOPORE"}
    assert objects(g, run, S.instrument_model) == {"MinION"}
    assert objects(g, run, S.collection_date) == {"2020-03-17"}
    assert objects(g, run, S.country) == {"Denmark"}
    assert objects(g, run, S.first_public) == {"2020-04-29"}
    g = rdf("ERX5208595")
    assert is_a(g, experiment, C.SequencingExperiment)
    assert objects(g, experiment, S.instrument_platform) == {"ILLUMINA"}


def test_other_domains() -> None:
    protein, structure = node("uniprot", "P0DTC2"), node("pdb", "6M0J")
    g = rdf("P0DTC2")
    assert is_a(g, protein, C.Protein) and objects(g, protein, S.name) == {"Spike glycoprotein"}
    g = rdf("6M0J")
    assert is_a(g, structure, C.ProteinStructure)
    assert objects(g, structure, S.accession) == {"6M0J"}  # acc "6m0j" normalised


def test_bad_entries_are_quarantined_with_a_reason() -> None:
    records, errors = parsed(BAD_ENTRIES)
    assert [e.reason for e in errors] == ["entry has neither id nor acc", "entry is not an object"]
    reasons = {}
    for record in records:
        with pytest.raises(RecordError) as caught:
            LOADER.to_rdf(record)
        reasons[record.record_id] = caught.value.reason
    assert reasons["MTBLS1"].startswith("unknown EBI Search domain 'metabolights' (known: ")
    assert reasons["not an accession!"] == "'not an accession!' is not a valid ena.embl identifier"
    assert reasons["LR794596"] == "collection date: unreadable date 'sometime in 2020'"
    assert reasons["SAMEA6798447"] == (
        "'SAMEA6798447' is not an SRA run or experiment accession (sra-experiment-covid19 entry)"
    )


def test_last_page_without_entries(tmp_path: Path) -> None:
    path = tmp_path / "page.json"
    path.write_text('{"hitCount": 6, "entries": [], "facets": []}', encoding="utf-8")
    assert list(LOADER.parse(path, "ebisearch-json")) == []


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (DIR / "ebisearch_truncated.json", r"JSON ends unexpectedly .* \(truncated file\?\)"),
        (TEST_DATA / "europepmc" / "empty.json", "file is empty"),
        (
            RECORDS / "europepmc" / "epmc_rest_search_cancer.json",
            "not an EBI Search / COVID-19 Data Portal response: expected hitCount, entries, facets",
        ),
    ],
    ids=["truncated", "empty", "wrong-format"],
)
def test_broken_file(path: Path, message: str) -> None:
    with pytest.raises(FileFormatError, match=message):
        list(LOADER.parse(path, "ebisearch-json"))


def test_other_sources_are_not_claimed() -> None:
    for path in (
        RECORDS / "europepmc" / "epmc_rest_search_cancer.json",
        RECORDS / "europepmc" / "epmc_rest_search_cancer.xml",
    ):
        assert LOADER.sniff(path, read_head(path)) is None
