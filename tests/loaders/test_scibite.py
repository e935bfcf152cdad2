"""SciBite loader: the real CORD-19 sentence-annotation TSV snippet, its shapes, snapshot and bad input.

Facts are read off data/records/europepmc/scibite_cord19_cv19_scc_SNIPPET.tsv (99 sentence rows of three
PMC documents; ``entity_uris`` column).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

import loaders
from covid_portal import iris
from covid_portal.publications import ENTITY
from covid_portal.records import FileFormatError, RawRecord, RecordError, RecordGraph
from covid_portal.terms import C, S
from loaders.base import read_head
from tests.conftest import RECORDS, TEST_DATA, shacl_report, to_rdflib
from tests.loaders.facts import typed, values
from tests.snapshots import assert_snapshot

LOADER = loaders.get("scibite")
FILE = RECORDS / "europepmc" / "scibite_cord19_cv19_scc_SNIPPET.tsv"
BAD = TEST_DATA / "scibite"


@cache
def parsed(path: Path) -> tuple[list[RawRecord], list[RecordError]]:
    records, errors = [], []
    for item in LOADER.parse(path, "scibite-tsv"):
        (errors if isinstance(item, RecordError) else records).append(item)
    return records, errors


@cache
def graphs() -> dict[str, RecordGraph]:
    return {r.record_id: LOADER.to_rdf(r) for r in parsed(FILE)[0]}


def test_format_is_detected_from_content() -> None:
    assert loaders.detect(FILE) == (LOADER, "scibite-tsv")


@pytest.mark.parametrize(
    "path", [RECORDS / "ena" / "ena_portal_filereport_bam.tsv", RECORDS / "pride" / "sdrf_PXD018241.sdrf.tsv"]
)
def test_other_tsv_is_not_claimed(path: Path) -> None:
    assert LOADER.sniff(path, read_head(path)) is None


def test_one_record_per_document() -> None:
    records, errors = parsed(FILE)
    assert errors == []
    assert [(r.record_id, r.position) for r in records] == [
        ("PMC2750777", "lines 2-2"),
        ("PMC7094896", "lines 3-15"),
        ("PMC3320336", "lines 16-100"),
    ]


def test_every_record_conforms_to_the_shapes() -> None:
    for record_id, graph in graphs().items():
        conforms, report = shacl_report(to_rdflib(graph.triples))
        assert conforms, f"{record_id}:\n{report}"


def test_snapshot() -> None:
    assert_snapshot([t for g in graphs().values() for t in g.triples], f"scibite/{FILE.name}")


def test_title_sentence_mentions_proteins_and_the_virus() -> None:
    graph = graphs()["PMC2750777"]  # one title sentence: SARS-CoV taxon, spike of SARS-CoV and SARS-CoV-2
    pub = iris.entity("pmc", "PMC2750777")
    assert graph.topic == pub and typed(graph, pub, C.Publication)
    assert values(graph, pub, S.pmcid) == {"PMC2750777"}
    spike2, spike1, taxon = (
        iris.entity("uniprot", "P0DTC2"),
        iris.entity("uniprot", "P59594"),
        iris.entity("ncbitaxon", "227859"),
    )
    assert values(graph, pub, S.mentions) == {spike2.value, spike1.value, taxon.value}
    assert typed(graph, spike2, C.Protein) and typed(graph, taxon, C.Taxon) and typed(graph, taxon, ENTITY)
    assert values(graph, spike2, S.mentioned_in) == {pub.value}
    assert values(graph, taxon, S.mentioned_in) == {pub.value}
    assert values(graph, pub, S.mesh_heading) == {iris.entity("mesh", "D045473").value}  # SPECIES and INDICATION hit


def test_body_sentences_mention_compounds_and_mesh_terms() -> None:
    graph = graphs()["PMC7094896"]
    pub = iris.entity("pmc", "PMC7094896")
    compound = iris.entity("chembl.compound", "CHEMBL1643")  # body_1_1: DRUG#CHEMBL1643
    assert values(graph, pub, S.mentions) == {compound.value}
    assert typed(graph, compound, C.Compound)
    headings = values(graph, pub, S.mesh_heading)
    assert {iris.entity("mesh", d).value for d in ("D045169", "D014777", "D007249")} <= headings
    graph = graphs()["PMC3320336"]
    mentioned = values(graph, iris.entity("pmc", "PMC3320336"), S.mentions)
    assert len(mentioned) == 9  # P0DTC2, P59594, NCBITaxon 227859 and six ChEMBL compounds
    assert iris.entity("chembl.compound", "CHEMBL76").value in mentioned
    # GO, HPO, SciBite's own terms and country codes are not mapped
    objects = {t.object.value for g in graphs().values() for t in g.triples}
    assert not any(term in v for v in objects for term in ("GO_", "HP_", "VIR_"))


# ------------------------------------------------------------------ bad input
def test_bad_rows() -> None:
    records, errors = parsed(BAD / "scibite_bad_rows.tsv")
    assert [r.record_id for r in records] == ["PMC2750777"]
    assert [(e.position, e.reason) for e in errors] == [
        ("line 3", "4 fields, expected 5"),
        ("lines 4-4", "document id 'cord_uid_ab12cd34' is not a PMC id"),
    ]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (BAD / "scibite_no_header.tsv", "not a SciBite CORD-19 annotation TSV"),
        (BAD / "empty.tsv", "file is empty"),
        (RECORDS / "ena" / "ena_portal_filereport_bam.tsv", "not a SciBite CORD-19 annotation TSV"),
    ],
)
def test_bad_files(path: Path, message: str) -> None:
    with pytest.raises(FileFormatError, match=message):
        list(LOADER.parse(path, "scibite-tsv"))
