"""Ensembl loader: the real SARS-CoV-2 genes JSON dump, its shapes, snapshot and bad input.

Facts are read off data/records/ensembl/ensembl_covid19_sars_cov_2_genes.json (12 genes of assembly
ASM985889v3 on MN908947.3, ``dbname`` sars_cov_2_core_101_1).
"""

from __future__ import annotations

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

LOADER = loaders.get("ensembl")
FILE = RECORDS / "ensembl" / "ensembl_covid19_sars_cov_2_genes.json"
BAD = TEST_DATA / "ensembl"
GENOME = iris.entity("ena.embl", "MN908947")


@cache
def graphs() -> dict[str, RecordGraph]:
    out = {}
    for record in LOADER.parse(FILE, "genes-json"):
        assert isinstance(record, RawRecord), str(record)
        out[record.record_id] = LOADER.to_rdf(record)
    return out


def test_format_is_detected_from_content() -> None:
    assert loaders.detect(FILE) == (LOADER, "genes-json")


@pytest.mark.parametrize(
    "path",
    [
        RECORDS / "ena" / "biosamples_json_recodid_covid19_samples.json",
        RECORDS / "ena" / "ena_portal_search_sequence_MN908947.json",
        RECORDS / "uniprot" / "uniprot_rest_json_O00115_DNS2A_HUMAN.json",
    ],
)
def test_other_json_is_not_claimed(path: Path) -> None:
    assert LOADER.sniff(path, read_head(path)) is None


def test_one_record_per_gene() -> None:
    records = [r for r in LOADER.parse(FILE, "genes-json") if isinstance(r, RawRecord)]
    assert len(records) == 12
    assert records[0].record_id == "ENSSASG00005000004" and records[-1].record_id == "ENSSASG00005000010"
    assert {r.release for r in records} == {"101"}  # dbname sars_cov_2_core_101_1


def test_every_record_conforms_to_the_shapes() -> None:
    for record_id, graph in graphs().items():
        conforms, report = shacl_report(to_rdflib(graph.triples))
        assert conforms, f"{record_id}:\n{report}"


def test_snapshot() -> None:
    assert_snapshot([t for g in graphs().values() for t in g.triples], f"ensembl/{FILE.name}")


def test_spike_gene() -> None:
    graph = graphs()["ENSSASG00005000004"]
    gene, spike = iris.entity("ensembl", "ENSSASG00005000004"), iris.entity("uniprot", "P0DTC2")
    assert graph.topic == gene and typed(graph, gene, C.Gene)
    assert values(graph, gene, S.name) == {"S"}
    assert values(graph, gene, S.description) == {"surface glycoprotein"}  # without "[Source:NCBI gene ...]"
    assert values(graph, gene, S.taxon) == {iris.entity("ncbitaxon", "2697049").value}
    assert values(graph, gene, S.on_sequence) == {GENOME.value}  # seq_region_name MN908947.3
    assert typed(graph, GENOME, C.NucleotideSequence)
    assert values(graph, gene, S.start_position) == {"21563"}
    assert values(graph, gene, S.end_position) == {"25384"}
    assert values(graph, gene, S.strand) == {"1"}
    assert values(graph, gene, S.has_gene_product) == {spike.value}
    assert values(graph, spike, S.gene_product_of) == {gene.value} and typed(graph, spike, C.Protein)
    assert values(graph, GENOME, S.encodes) == {spike.value}
    assert values(graph, spike, S.encoded_by) == {GENOME.value}
    see_also = values(graph, gene, S.see_also)
    for prefix, ident in (
        ("ncbigene", "43740568"),
        ("refseq", "YP_009724390"),
        ("ncbiprotein", "QHD43416"),
        ("interpro", "IPR043473"),
        ("pfam", "PF01601"),
    ):
        assert iris.entity(prefix, ident).value in see_also


def test_orf1ab_is_two_genes_and_orf10_has_a_trembl_product() -> None:
    found = graphs()
    products = {
        gene_id: values(found[gene_id], iris.entity("ensembl", gene_id), S.has_gene_product)
        for gene_id in ("ENSSASG00005000003", "ENSSASG00005000002", "ENSSASG00005000013")
    }
    assert products == {
        "ENSSASG00005000003": {iris.entity("uniprot", "P0DTC1").value},  # ORF1ab 266-13483: pp1a
        "ENSSASG00005000002": {iris.entity("uniprot", "P0DTD1").value},  # ORF1ab 266-21555: pp1ab
        "ENSSASG00005000013": {iris.entity("uniprot", "A0A663DJA2").value},  # ORF10: Uniprot/SPTREMBL only
    }


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("path", "message"),
    [
        (BAD / "empty.json", "file is empty"),
        (BAD / "ensembl_genes_truncated.json", "truncated file"),
        (RECORDS / "ena" / "ena_portal_search_sequence_MN908947.json", "not an Ensembl genes JSON dump"),
        (RECORDS / "pdb" / "6m0j.cif", "invalid JSON"),
    ],
)
def test_bad_files(path: Path, message: str) -> None:
    with pytest.raises(FileFormatError, match=message):
        list(LOADER.parse(path, "genes-json"))


def test_invalid_genes() -> None:
    out = list(LOADER.parse(BAD / "ensembl_genes_invalid.json", "genes-json"))
    assert isinstance(out[0], RawRecord) and out[0].record_id == "ENSSASG00005000004"
    assert isinstance(out[1], RecordError)
    assert (out[1].position, out[1].reason) == ("gene 2", "gene has no id")
    assert isinstance(out[2], RawRecord)
    with pytest.raises(RecordError, match="gene product 'SPIKE' is not a UniProtKB accession"):
        LOADER.to_rdf(out[2])
