"""EBI BioSamples: sample documents from the BioSamples JSON API.

One format, ``json``, in the three shapes the API serves: a JSON array of sample documents, a single
document (``/biosamples/samples/SAMEA...``) and a HAL search page (``_embedded.samples``).

Every characteristic becomes a schema:PropertyValue (name, text, ontology term); the well-known ones
(collection date, geographic location, host, disease, cell line, organism part, latitude/longitude)
also fill the Sample's own slots, read with the INSDC conventions shared with the ENA loader (``loaders._insdc``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode

from covid_portal import iris
from covid_portal.records import FileFormatError, RawRecord, RecordError, RecordGraph, fail
from covid_portal.terms import C, S
from loaders._insdc import add_sample_attributes, add_secondary, add_taxon, full_date, is_missing, sample_prefix
from loaders._json import read_json_lazily
from loaders.base import Loader, is_array, json_raw, reference

_EGA_DATASET = re.compile(r"\b(EGAD\d{11})\b")
_ARRAYEXPRESS = re.compile(r"\b([AEP]-[A-Z]{4}-\d+)\b")
_ENA_VIEW = re.compile(r"/ena/(?:browser/view|data/view)/([A-Za-z0-9_.]+)")


class BioSampleLoader(Loader):
    name = "biosample"
    title = "BioSamples"
    homepage = "https://www.ebi.ac.uk/biosamples/"
    license = "https://www.ebi.ac.uk/about/terms-of-use"
    formats = ("json",)

    def sniff(self, path: Path, head: str) -> str | None:
        text = head.lstrip()
        if not text.startswith(("[", "{")):
            return None
        if re.search(r'"_embedded"\s*:\s*\{\s*"samples"', text):
            return "json"
        if re.search(r'"accession"\s*:\s*"SAM[NED]', text) and re.search(r'"characteristics"\s*:\s*\{', text):
            return "json"
        return None

    def parse(self, path: Path, fmt: str) -> Iterator[RawRecord | RecordError]:
        data = read_json_lazily(path, {(), ("_embedded", "samples")})
        if isinstance(data, dict) and isinstance(data.get("_embedded"), dict):
            docs = data["_embedded"].get("samples")
        elif isinstance(data, dict) and ("accession" in data or "characteristics" in data):
            docs = [data]
        else:
            docs = data
        if not is_array(docs):
            raise FileFormatError(str(path), "expected BioSamples sample documents (array, document or HAL page)")
        if not docs:
            raise FileFormatError(str(path), "no sample documents in the file")
        for i, doc in enumerate(docs, 1):
            position = f"record {i}"
            acc = doc.get("accession") if isinstance(doc, dict) else None
            if not isinstance(acc, str) or not acc.strip():
                yield RecordError(
                    self.name, str(path), position, None, "sample document has no accession", json_raw(doc)
                )
                continue
            acc = acc.strip()
            yield RawRecord(
                self.name,
                acc,
                doc,
                str(path),
                position,
                json_raw(doc),
                fmt="json",
                url=f"https://www.ebi.ac.uk/biosamples/samples/{acc}",
            )

    def to_rdf(self, record: RawRecord) -> RecordGraph:
        doc: dict[str, Any] = record.data
        characteristics = doc.get("characteristics")
        characteristics = {} if characteristics is None else characteristics
        if not isinstance(characteristics, dict):
            raise fail(record, "characteristics is not an object")
        graph, sample = self.new_graph(record, C.Sample, "biosample", record.record_id)
        graph.add(sample, S.name, doc.get("name"))
        add_taxon(graph, sample, doc.get("taxId"))
        try:
            graph.add(sample, S.first_public, full_date(doc.get("release")))
            graph.add(sample, S.last_updated, full_date(doc.get("update")))
        except ValueError as exc:
            raise fail(record, f"release/update date: {exc}") from None

        attributes: list[tuple[str, str, list[str] | None]] = []
        for name, values in characteristics.items():
            if not isinstance(values, list):
                raise fail(record, f"characteristic {name!r} is not a list of values")
            for value in values:
                if not isinstance(value, dict) or "text" not in value:
                    raise fail(record, f"characteristic {name!r} has a value without text")
                attributes.append((name, str(value["text"]), value.get("ontologyTerms")))
        add_sample_attributes(record, graph, sample, attributes)

        def first(*names: str) -> str | None:
            for name in names:
                for value in characteristics.get(name) or []:
                    if not is_missing(value.get("text")):
                        return str(value["text"]).strip()
            return None

        for secondary in characteristics.get("SRA accession") or []:
            add_secondary(graph, sample, "insdc.sra", secondary.get("text"))
        graph.add(sample, S.description, first("description", "sample description"))
        organizations = [o.get("Name") for o in doc.get("organization") or [] if isinstance(o, dict)]
        graph.add(sample, S.center_name, first("INSDC center name") or next((o for o in organizations if o), None))
        self._relationships(record, graph, sample)
        self._external_references(graph, sample, doc.get("externalReferences") or [])
        return graph

    def _relationships(self, record: RawRecord, graph: RecordGraph, sample: NamedNode) -> None:
        for rel in record.data.get("relationships") or []:
            if not isinstance(rel, dict) or str(rel.get("type", "")).lower() != "derived from":
                continue
            source, target = str(rel.get("source", "")).strip(), str(rel.get("target", "")).strip()
            if record.record_id not in (source, target):
                continue
            nodes = [reference(sample_prefix(acc), acc) for acc in (source, target)]
            if nodes[0] is None or nodes[1] is None:
                raise fail(record, f"relationship {source} derived from {target}: not sample accessions")
            graph.link(nodes[0], S.derived_from, nodes[1], C.Sample)
            if nodes[0] != sample:
                graph.type(nodes[0], C.Sample)

    def _external_references(self, graph: RecordGraph, sample: NamedNode, refs: list[Any]) -> None:
        for ref in refs:
            url = str(ref.get("url", "")).strip() if isinstance(ref, dict) else ""
            if not url:
                continue
            graph.add(sample, S.see_also, _xref(url, sample))


def _xref(url: str, sample: NamedNode) -> NamedNode | None:
    """An external reference as the referenced entity's IRI where it is one we can name, else the URL."""
    if m := _EGA_DATASET.search(url):
        return reference("ega.dataset", m.group(1))
    if m := _ARRAYEXPRESS.search(url):
        return reference("arrayexpress", m.group(1))
    if m := _ENA_VIEW.search(url):
        acc = m.group(1)
        node = reference(sample_prefix(acc), acc) if acc.startswith(("SAM", "ERS", "SRS", "DRS")) else None
        if node == sample:
            return None  # the ENA view of this very sample
        if node is not None:
            return node
    if url.startswith(("http://", "https://")):
        return NamedNode(iris.standardize(url))
    return None


LOADER = BioSampleLoader()
