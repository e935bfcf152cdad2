"""Ensembl genome annotation (the genes JSON dump) -> Gene, linked to its protein products and sequence.

Format read: ``genes-json``, the per-species JSON dump of Ensembl's production pipeline
(``{"genes": [...], "dbname": "sars_cov_2_core_101_1", "organism": {...}, "assembly": {...}}``, as
served for the Ensembl COVID-19 browser): each gene with its location, cross-references and transcripts,
each transcript with its translations. The whole document is read at once (a viral genome has a
dozen genes; a large genome's dump should be split before loading). The release is the Ensembl
release in ``dbname`` (``101``).

Why a Gene class: an Ensembl gene is neither a protein (ORF1ab names two genes here, with the products
P0DTC1 and P0DTD1) nor a sequence record, and the record needs a primary topic of its own. So each gene
is one record, a :class:`Gene` (``schema:Gene``) named by its Ensembl stable id, with its symbol
(``name``), description (without the ``[Source:...]`` suffix), taxon, location (``on_sequence`` the
INSDC sequence of its ``seq_region_name``, 1-based ``start_position``/``end_position``, ``strand``)
and ``has_gene_product`` for the UniProtKB entries of its translations (Swiss-Prot, else TrEMBL), with
the inverse ``gene_product_of``. The sequence ``encodes`` each product (and the product is
``encoded_by`` it), as INSDC records say for their CDS features. NCBI Gene, RefSeq peptide, INSDC
protein, InterPro and Pfam cross-references become ``see_also``.

Not mapped: transcript and exon structure, protein features, GO terms and PDB cross-references (the
UniProt and PDB records carry them for the proteins), homologues.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from covid_portal.records import FileFormatError, RawRecord, RecordError, RecordGraph, fail
from covid_portal.terms import C, S
from loaders.base import Loader, json_raw, read_json, reference

FORMAT = "genes-json"
_GENE_ID = re.compile(r'"id"\s*:\s*"ENS[A-Z]*G\d{11}')
_INSDC = re.compile(r"^[A-Z]{1,2}\d{5,8}(\.\d+)?$")
_RELEASE = re.compile(r"_core_(\d+)_")
_SOURCE_NOTE = re.compile(r"\s*\[Source:[^\]]*\]\s*$")
# gene-level cross-reference key of the dump -> identifier space (see_also)
SEE_ALSO = {
    "EntrezGene": "ncbigene",
    "RefSeq_peptide": "refseq",
    "protein_id": "ncbiprotein",
    "Interpro": "interpro",
    "Pfam": "pfam",
}
PRODUCTS = ("Uniprot/SWISSPROT", "Uniprot/SPTREMBL")


class EnsemblLoader(Loader):
    name = "ensembl"
    title = "Ensembl"
    homepage = "https://www.ensembl.org/"
    license = "https://www.ensembl.org/info/about/legal/disclaimer.html"  # "no restrictions on ... use"
    formats = (FORMAT,)

    def sniff(self, path: Path, head: str) -> str | None:
        text = head.lstrip()
        if re.match(r'\{\s*"genes"\s*:\s*\[', text) and _GENE_ID.search(text) and '"seq_region_name"' in text:
            return FORMAT
        return None

    # ------------------------------------------------------------------ parse
    def parse(self, path: Path, fmt: str) -> Iterator[RawRecord | RecordError]:
        if fmt != FORMAT:
            raise FileFormatError(str(path), f"unknown Ensembl format {fmt!r} (known: {FORMAT})")
        document = read_json(path)
        if not isinstance(document, dict) or not isinstance(document.get("genes"), list):
            raise FileFormatError(str(path), 'not an Ensembl genes JSON dump: no "genes" list')
        match = _RELEASE.search(str(document.get("dbname") or ""))
        release = match.group(1) if match else None
        for index, gene in enumerate(document["genes"], 1):
            position = f"gene {index}"
            gene_id = str(gene.get("id") or "").strip() if isinstance(gene, dict) else ""
            if not gene_id:
                yield RecordError(self.name, str(path), position, None, "gene has no id", json_raw(gene))
                continue
            yield RawRecord(self.name, gene_id, gene, str(path), position, json_raw(gene), FORMAT, release=release)

    # ------------------------------------------------------------------ to_rdf
    def to_rdf(self, record: RawRecord) -> RecordGraph:
        gene: dict[str, Any] = record.data
        graph, topic = self.new_graph(record, C.Gene, "ensembl", record.record_id)
        graph.add(topic, S.name, _text(gene.get("name")))
        description = _text(gene.get("description"))
        graph.add(topic, S.description, _SOURCE_NOTE.sub("", description) if description else None)
        taxon = _text(gene.get("taxon_id"))
        if taxon is not None:
            iri = reference("ncbitaxon", taxon)
            if iri is None:
                raise fail(record, f"taxon_id {taxon!r} is not an NCBI Taxonomy id")
            graph.link(topic, S.taxon, iri, C.Taxon)
        region = _text(gene.get("seq_region_name"))
        sequence = reference("ena.embl", region) if region and _INSDC.match(region) else None
        if sequence is not None:
            graph.link(topic, S.on_sequence, sequence, C.NucleotideSequence)
        for slot, key in ((S.start_position, "start"), (S.end_position, "end"), (S.strand, "strand")):
            value = _text(gene.get(key))
            if value is not None and not re.fullmatch(r"-?\d+", value):
                raise fail(record, f"{key} {value!r} is not an integer")
            graph.add(topic, slot, value)
        for accession in _products(gene):
            protein = reference("uniprot", accession)
            if protein is None:
                raise fail(record, f"gene product {accession!r} is not a UniProtKB accession")
            graph.link(topic, S.has_gene_product, protein, C.Protein)
            graph.link(protein, S.gene_product_of, topic)
            if sequence is not None:
                graph.link(sequence, S.encodes, protein)
                graph.link(protein, S.encoded_by, sequence)
        for key, space in SEE_ALSO.items():
            for value in gene.get(key) or []:
                graph.add(topic, S.see_also, reference(space, str(value)))
        return graph


def _products(gene: dict[str, Any]) -> list[str]:
    """UniProtKB accessions of the gene's translations: Swiss-Prot where given, else TrEMBL."""
    found: list[str] = []
    for transcript in gene.get("transcripts") or []:
        for translation in transcript.get("translations") or [] if isinstance(transcript, dict) else []:
            for key in PRODUCTS:
                values = translation.get(key) if isinstance(translation, dict) else None
                if values:
                    found.extend(str(v).strip() for v in values)
                    break
    if not found:  # a dump without transcripts still lists the products on the gene
        for key in PRODUCTS:
            if gene.get(key):
                found.extend(str(v).strip() for v in gene[key])
                break
    return list(dict.fromkeys(found))


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


LOADER = EnsemblLoader()
