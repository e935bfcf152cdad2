"""ENA / INSDC: studies, samples, experiments, read runs and assembled sequences.

Five formats, told apart by content:

* ``json``: ENA portal API search results (``/search?format=json``), a JSON array of flat objects;
  the result type (sequence, read_run, read_experiment, sample, study) follows from the fields;
* ``tsv``: ENA portal API search / filereport TSV, one header row of field names; rows made only of
  tabs (a file re-saved from a spreadsheet) are not records; ``;``-separated file lists become DataFiles;
* ``xml``: ENA browser API XML (STUDY_SET, SAMPLE_SET, EXPERIMENT_SET, RUN_SET), read with iterparse;
* ``embl`` / ``genbank``: EMBL and GenBank flat files, split on ``//`` and parsed record by record
  with Biopython (a CON record has no sequence and still loads).

Accession spaces: sequences ``ena.embl`` (``refseq`` for NC_/NZ_... accessions), studies ``bioproject``
(ERP/SRP secondary), samples ``biosample`` (ERS/SRS secondary), experiments and runs ``insdc.sra``.

The INSDC value conventions (missing-value terms, date forms, ``Country:Region``, sample attribute
names) live in ``loaders._insdc``, shared with the BioSamples loader.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode

from covid_portal import iris
from covid_portal.records import FileFormatError, RawRecord, RecordError, RecordGraph, fail
from covid_portal.terms import ENUMS, C, S
from loaders._insdc import (
    add_host,
    add_place,
    add_sample_attributes,
    add_secondary,
    add_taxon,
    collection_date,
    full_date,
    is_missing,
    link_sample,
    link_study,
    md5_checksum,
    sample_prefix,
    sequence_prefix,
    split_country,
    study_prefix,
)
from loaders._json import read_json_lazily
from loaders.base import Loader, is_array, iter_lines, iter_xml, json_raw, reference

log = logging.getLogger(__name__)

# ---------------------------------------------------------------- the loader
_ACCESSION_FIELDS = ("run_accession", "experiment_accession", "accession", "sample_accession", "study_accession")
_ENA_MARKERS = {
    "run_accession",
    "experiment_accession",
    "sample_accession",
    "secondary_sample_accession",
    "study_accession",
    "secondary_study_accession",
    "tax_id",
    "fastq_ftp",
    "submitted_ftp",
}
_XML_SETS = {"STUDY_SET": "STUDY", "SAMPLE_SET": "SAMPLE", "EXPERIMENT_SET": "EXPERIMENT", "RUN_SET": "RUN"}
_FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# (url field, md5 field, bytes field, format field, default format, category) of the portal file lists
_FILE_GROUPS = (
    ("fastq_ftp", "fastq_md5", "fastq_bytes", None, "FASTQ", "fastq"),
    ("submitted_ftp", "submitted_md5", "submitted_bytes", "submitted_format", None, "submitted"),
    ("sra_ftp", "sra_md5", "sra_bytes", None, "SRA", "sra"),
    ("bam_ftp", "bam_md5", "bam_bytes", None, "BAM", "bam"),
)


# fields of a result=sequence search, which names its accession plainly "accession"
_SEQUENCE_FIELDS = {
    "description",
    "tax_id",
    "scientific_name",
    "base_count",
    "sequence_md5",
    "mol_type",
    "collection_date",
    "country",
    "sequence_version",
    "topology",
}


def _portal_fields(names: Any) -> bool:
    """Whether field names are ENA portal API field names (lower-case snake case, with ENA's accession fields)."""
    keys = set(names)
    if not keys or not all(_FIELD_NAME.match(k) for k in keys):
        return False
    return bool(keys & _ENA_MARKERS) or ("accession" in keys and bool(keys & _SEQUENCE_FIELDS))


def result_type(row: dict[str, Any]) -> str:
    """The ENA portal result a flat row belongs to, from the fields present.

    A run or experiment row names its own accession field; a ``result=sequence`` row says ``accession``
    and may also carry the sample and study it links to, so ``accession`` is read by its prefix first.
    """
    if row.get("run_accession"):
        return "read_run"
    if row.get("experiment_accession"):
        return "read_experiment"
    acc = str(row.get("accession") or "").strip()
    if acc:
        if acc.startswith("SAM") or re.match(r"^[SED]RS\d+$", acc):
            return "sample"
        if acc.startswith("PRJ") or re.match(r"^[SED]RP\d+$", acc):
            return "study"
        return "sequence"
    if row.get("sample_accession"):
        return "sample"
    if row.get("study_accession"):
        return "study"
    return "sequence"


def _row_id(row: dict[str, Any]) -> str | None:
    for name in _ACCESSION_FIELDS:
        value = row.get(name)
        if value not in (None, ""):
            return str(value).strip()
    return None


class EnaLoader(Loader):
    name = "ena"
    title = "European Nucleotide Archive"
    homepage = "https://www.ebi.ac.uk/ena/browser/"
    license = "https://www.insdc.org/policy/"
    formats = ("json", "tsv", "xml", "embl", "genbank")

    # ------------------------------------------------------------ sniff
    def sniff(self, path: Path, head: str) -> str | None:
        text = head.lstrip()
        if re.match(r"ID   \S+;", text):
            return "embl"
        if text.startswith("LOCUS       "):
            return "genbank"
        if text.startswith("<"):
            body = re.sub(r"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", "", text, flags=re.S).lstrip()
            root = re.match(r"<([\w.:-]+)", body)
            return "xml" if root and root.group(1) in _XML_SETS else None
        if text.startswith("["):
            first = text[: text.find("}") + 1] if "}" in text else text
            return "json" if _portal_fields(re.findall(r'"([^"]+)"\s*:', first)) else None
        header = text.splitlines()[0] if text else ""
        return "tsv" if "\t" in header and _portal_fields(f.strip() for f in header.split("\t") if f.strip()) else None

    # ------------------------------------------------------------ parse
    def parse(self, path: Path, fmt: str) -> Iterator[RawRecord | RecordError]:
        if fmt == "json":
            yield from self._parse_json(path)
        elif fmt == "tsv":
            yield from self._parse_tsv(path)
        elif fmt == "xml":
            yield from self._parse_xml(path)
        elif fmt in ("embl", "genbank"):
            yield from self._parse_flat(path, fmt)
        else:
            raise ValueError(f"ena: unknown format {fmt!r}")

    def _parse_json(self, path: Path) -> Iterator[RawRecord | RecordError]:
        data = read_json_lazily(path, {()})  # a search result can hold millions of rows
        if not is_array(data):
            raise FileFormatError(str(path), "expected a JSON array of ENA portal search results")
        if not data:
            raise FileFormatError(str(path), "the JSON array holds no records")
        for i, item in enumerate(data, 1):
            position = f"record {i}"
            rid = _row_id(item) if isinstance(item, dict) else None
            if not isinstance(item, dict) or rid is None:
                yield RecordError(
                    self.name, str(path), position, rid, "not an ENA result object with an accession", json_raw(item)
                )
                continue
            yield RawRecord(
                self.name,
                rid,
                item,
                str(path),
                position,
                json_raw(item),
                fmt="json",
                url=f"https://www.ebi.ac.uk/ena/browser/api/xml/{rid}",
            )

    def _parse_tsv(self, path: Path) -> Iterator[RawRecord | RecordError]:
        header: list[str] | None = None
        for number, text in iter_lines(path):
            ended = text.endswith("\n")
            line = text.rstrip("\r\n")
            cells = line.split("\t")
            if header is None:
                if not line.strip():
                    continue
                header = [c.strip() for c in cells]
                if not _portal_fields(h for h in header if h):
                    raise FileFormatError(str(path), "the header row names no ENA portal fields")
                continue
            if not any(c.strip() for c in cells):
                continue  # a row of empty cells (a re-saved spreadsheet) is not a record
            position = f"line {number}"
            if len(cells) != len(header):
                if not ended:
                    raise FileFormatError(str(path), f"last line ({number}) is cut short (truncated file?)")
                yield RecordError(
                    self.name,
                    str(path),
                    position,
                    cells[0] or None,
                    f"row has {len(cells)} fields, the header has {len(header)}",
                    line,
                )
                continue
            row = {name: cell.strip() for name, cell in zip(header, cells, strict=True) if name}
            rid = _row_id(row)
            if rid is None:
                yield RecordError(self.name, str(path), position, None, "row has no accession", line)
                continue
            yield RawRecord(
                self.name,
                rid,
                row,
                str(path),
                position,
                line,
                fmt="tsv",
                url=f"https://www.ebi.ac.uk/ena/browser/api/xml/{rid}",
            )
        if header is None:
            raise FileFormatError(str(path), "file is empty")

    def _parse_xml(self, path: Path) -> Iterator[RawRecord | RecordError]:
        count = 0
        for count, elem in iter_xml(path, set(_XML_SETS.values()), parents=set(_XML_SETS)):
            yield self._xml_record(path, elem, count)
        if count == 0:
            raise FileFormatError(str(path), "no STUDY, SAMPLE, EXPERIMENT or RUN records in an ENA *_SET element")

    def _xml_record(self, path: Path, elem: ET.Element, count: int) -> RawRecord | RecordError:
        raw = ET.tostring(elem, encoding="unicode")
        elem = ET.fromstring(raw)  # a copy: iter_xml clears the streamed element once we move on
        acc = elem.get("accession") or (elem.findtext("IDENTIFIERS/PRIMARY_ID") or "").strip()
        position = f"<{elem.tag}> {count}"
        if not acc:
            return RecordError(self.name, str(path), position, None, f"<{elem.tag}> has no accession", raw)
        return RawRecord(
            self.name,
            acc,
            elem,
            str(path),
            position,
            raw,
            fmt="xml",
            url=f"https://www.ebi.ac.uk/ena/browser/api/xml/{acc}",
        )

    def _parse_flat(self, path: Path, fmt: str) -> Iterator[RawRecord | RecordError]:
        from Bio import SeqIO

        lines: list[str] = []
        start = 1
        seen = False
        for number, text in iter_lines(path):
            line = text.rstrip("\r\n")
            if not lines and not line.strip():
                start = number + 1
                continue
            if not seen and not lines and not re.match(r"(ID|LOCUS) ", line):
                kind = "an EMBL" if fmt == "embl" else "a GenBank"
                raise FileFormatError(str(path), f"not {kind} flat file (line {number} starts {line[:20]!r})")
            lines.append(line)
            if line.rstrip() != "//":
                continue
            seen = True
            chunk = "\n".join(lines) + "\n"
            rid = _flat_id(lines[0])
            position = f"line {start}"
            lines, start = [], number + 1
            try:
                seq_record = SeqIO.read(io.StringIO(chunk), fmt)
            except (ValueError, IndexError) as exc:  # what Biopython raises for a malformed record
                yield RecordError(self.name, str(path), position, rid, f"unreadable {fmt} record: {exc}", chunk)
                continue
            seq_record.annotations.update(_flat_dates(chunk, fmt))
            rid = rid or seq_record.id
            url = (
                f"https://www.ebi.ac.uk/ena/browser/api/embl/{rid}"
                if fmt == "embl"
                else f"https://www.ncbi.nlm.nih.gov/nuccore/{seq_record.id}"
            )
            yield RawRecord(self.name, rid, seq_record, str(path), position, chunk, fmt=fmt, url=url)
        if lines:
            raise FileFormatError(str(path), f"record at line {start} is not closed by '//' (truncated file?)")
        if not seen:
            raise FileFormatError(str(path), "file is empty")

    # ------------------------------------------------------------ to_rdf
    def to_rdf(self, record: RawRecord) -> RecordGraph:
        if record.fmt in ("json", "tsv"):
            kind = result_type(record.data)
            return {
                "read_run": self._run_row,
                "read_experiment": self._experiment_row,
                "sample": self._sample_row,
                "study": self._study_row,
                "sequence": self._sequence_row,
            }[kind](record)
        if record.fmt == "xml":
            elem: ET.Element = record.data
            return {
                "STUDY": self._study_xml,
                "SAMPLE": self._sample_xml,
                "EXPERIMENT": self._experiment_xml,
                "RUN": self._run_xml,
            }[elem.tag](record)
        if record.fmt in ("embl", "genbank"):
            return self._flat(record)
        raise fail(record, f"unknown format {record.fmt!r}")

    # ---- portal rows (JSON objects and TSV rows share field names)
    def _run_row(self, record: RawRecord) -> RecordGraph:
        row = record.data
        acc = row["run_accession"]
        graph, run = self.new_graph(record, C.ReadRun, "insdc.sra", acc)
        study = link_study(graph, run, row.get("study_accession"))
        if study is not None:
            add_secondary(graph, study, "insdc.sra", row.get("secondary_study_accession"))
        sample = link_sample(graph, run, row.get("sample_accession") or row.get("secondary_sample_accession"))
        if sample is not None and row.get("sample_accession"):
            add_secondary(graph, sample, "insdc.sra", row.get("secondary_sample_accession"))
        if not is_missing(row.get("experiment_accession")):
            exp = self._ref(record, "insdc.sra", row["experiment_accession"])
            graph.link(run, S.from_experiment, exp, C.SequencingExperiment)
        add_taxon(graph, run, row.get("tax_id"), row.get("scientific_name"))
        add_host(graph, run, row.get("host"), row.get("host_tax_id"))
        self._common_row(record, graph, run)
        for slot, field in (
            (S.instrument_platform, "instrument_platform"),
            (S.instrument_model, "instrument_model"),
            (S.library_strategy, "library_strategy"),
            (S.library_layout, "library_layout"),
            (S.read_count, "read_count"),
            (S.base_count, "base_count"),
        ):
            graph.add(run, slot, _value(row.get(field)))
        graph.add(run, S.collection_date, collection_date(record, row.get("collection_date")))
        graph.add(run, S.country, split_country(row.get("country"))[0])
        self._files(record, graph, run)
        return graph

    def _experiment_row(self, record: RawRecord) -> RecordGraph:
        row = record.data
        graph, exp = self.new_graph(record, C.SequencingExperiment, "insdc.sra", row["experiment_accession"])
        link_study(graph, exp, row.get("study_accession"))
        link_sample(graph, exp, row.get("sample_accession") or row.get("secondary_sample_accession"))
        graph.add(exp, S.name, _value(row.get("experiment_title")))
        graph.add(exp, S.description, _value(row.get("description")))
        for slot, field in (
            (S.instrument_platform, "instrument_platform"),
            (S.instrument_model, "instrument_model"),
            (S.library_strategy, "library_strategy"),
            (S.library_source, "library_source"),
            (S.library_selection, "library_selection"),
            (S.library_layout, "library_layout"),
        ):
            graph.add(exp, slot, _value(row.get(field)))
        return graph

    def _sample_row(self, record: RawRecord) -> RecordGraph:
        row = record.data
        acc = str(row.get("sample_accession") or row.get("accession")).strip()
        graph, sample = self.new_graph(record, C.Sample, sample_prefix(acc), acc)
        if acc.startswith("SAM"):
            add_secondary(graph, sample, "insdc.sra", row.get("secondary_sample_accession"))
        link_study(graph, sample, row.get("study_accession"), sample=True)
        add_taxon(graph, sample, row.get("tax_id"), row.get("scientific_name"))
        add_host(graph, sample, row.get("host"), row.get("host_tax_id"))
        graph.add(sample, S.name, _value(row.get("sample_title") or row.get("sample_alias")))
        graph.add(sample, S.center_name, _value(row.get("center_name")))
        graph.add(sample, S.collection_date, collection_date(record, row.get("collection_date")))
        add_place(graph, sample, row.get("country"))
        self._common_row(record, graph, sample)
        return graph

    def _study_row(self, record: RawRecord) -> RecordGraph:
        row = record.data
        acc = str(row.get("study_accession") or row.get("accession")).strip()
        secondary = row.get("secondary_study_accession")
        if not acc.startswith("PRJ") and str(secondary or "").startswith("PRJ"):
            acc, secondary = str(secondary), acc
        graph, study = self.new_graph(record, C.Study, study_prefix(acc), acc)
        if acc.startswith("PRJ"):
            add_secondary(graph, study, "insdc.sra", secondary)
        graph.add(study, S.name, _value(row.get("study_title")))
        graph.add(study, S.center_name, _value(row.get("center_name")))
        add_taxon(graph, study, row.get("tax_id"), row.get("scientific_name"))
        self._common_row(record, graph, study)
        return graph

    def _sequence_row(self, record: RawRecord) -> RecordGraph:
        row = record.data
        acc, _, version = str(row["accession"]).strip().partition(".")
        graph, seq = self.new_graph(record, C.NucleotideSequence, sequence_prefix(acc), acc)
        graph.add(seq, S.version, version or _value(row.get("sequence_version")))
        add_taxon(graph, seq, row.get("tax_id"), row.get("scientific_name"))
        add_host(graph, seq, row.get("host"), row.get("host_tax_id"))
        graph.add(seq, S.collection_date, collection_date(record, row.get("collection_date")))
        add_place(graph, seq, row.get("country"))
        graph.add(seq, S.isolate, _value(row.get("isolate")))
        graph.add(seq, S.strain, _value(row.get("strain")))
        graph.add(seq, S.topology, _value(row.get("topology")))
        graph.add(seq, S.molecule_type, _molecule_type(row.get("mol_type")))
        graph.add(seq, S.sequence_length, _value(row.get("base_count") or row.get("sequence_length")))
        try:
            graph.add(seq, S.checksum, md5_checksum(row.get("sequence_md5")))
        except ValueError as exc:
            raise fail(record, str(exc)) from None
        link_study(graph, seq, row.get("study_accession"))
        link_sample(graph, seq, row.get("sample_accession"))
        self._common_row(record, graph, seq)
        return graph

    def _common_row(self, record: RawRecord, graph: RecordGraph, subject: NamedNode) -> None:
        graph.add(subject, S.description, _value(record.data.get("description")))
        try:
            graph.add(subject, S.first_public, full_date(record.data.get("first_public")))
            graph.add(subject, S.last_updated, full_date(record.data.get("last_updated")))
        except ValueError as exc:
            raise fail(record, f"release date: {exc}") from None

    def _files(self, record: RawRecord, graph: RecordGraph, run: NamedNode) -> None:
        row = record.data
        for url_field, md5_field, bytes_field, format_field, default_format, category in _FILE_GROUPS:
            urls = _split(row.get(url_field))
            if not urls:
                continue
            md5s, sizes, formats = (
                _split(row.get(md5_field)),
                _split(row.get(bytes_field)),
                _split(row.get(format_field)),
            )
            for name, values in ((md5_field, md5s), (bytes_field, sizes), (format_field, formats)):
                if values and len(values) != len(urls):
                    raise fail(record, f"{name} lists {len(values)} values for {len(urls)} files in {url_field}")
            for i, url in enumerate(urls):
                node = iris.data_file(url)
                graph.link(run, S.has_file, node, C.DataFile)
                graph.add(node, S.download_url, node)
                graph.add(node, S.name, url.rstrip("/").rsplit("/", 1)[-1])
                graph.add(node, S.file_format, formats[i] if formats else default_format)
                graph.add(node, S.file_category, category)
                try:
                    graph.add(node, S.checksum, md5_checksum(md5s[i]) if md5s else None)
                except ValueError as exc:
                    raise fail(record, f"{md5_field}: {exc}") from None
                if sizes:
                    if not sizes[i].isdigit():
                        raise fail(record, f"{bytes_field}: {sizes[i]!r} is not a byte count")
                    graph.add(node, S.byte_size, int(sizes[i]))

    def _ref(self, record: RawRecord, prefix: str, accession: str) -> NamedNode:
        node = reference(prefix, accession)
        if node is None:
            raise fail(record, f"{accession!r} is not a valid {prefix} accession")
        return node

    # ---- browser XML
    def _xml_topic(self, record: RawRecord, cls: Any, kind: str) -> tuple[RecordGraph, NamedNode]:
        """Start a study/sample graph: the BioProject/BioSample id is primary, the SRA accession secondary."""
        elem: ET.Element = record.data
        sra = record.record_id
        namespace = "BioProject" if kind == "study" else "BioSample"
        prefix = "bioproject" if kind == "study" else "biosample"
        primary = None
        for ext in elem.iterfind("IDENTIFIERS/EXTERNAL_ID"):
            if (ext.get("namespace") or "").lower() == namespace.lower() and ext.text:
                primary = ext.text.strip()
                break
        if primary is None:
            for sec in elem.iterfind("IDENTIFIERS/SECONDARY_ID"):
                if sec.text and sec.text.strip().startswith("PRJ" if kind == "study" else "SAM"):
                    primary = sec.text.strip()
                    break
        if primary is None:
            primary = sra
            prefix = study_prefix(sra) if kind == "study" else sample_prefix(sra)
        graph, topic = self.new_graph(record, cls, prefix, primary)
        if primary != sra:
            add_secondary(graph, topic, "insdc.sra", sra)
        for sec in elem.iterfind("IDENTIFIERS/SECONDARY_ID"):
            value = (sec.text or "").strip()
            if value and value not in (primary, sra) and iris.is_valid("insdc.sra", value):
                add_secondary(graph, topic, "insdc.sra", value)
        for ext in elem.iterfind("IDENTIFIERS/EXTERNAL_ID"):
            ns, value = (ext.get("namespace") or "").lower(), (ext.text or "").strip()
            if ns == "geo":
                graph.add(topic, S.see_also, reference("geo", value))
            elif ns in ("bioproject", "biosample") and value != primary:
                graph.add(topic, S.secondary_accession, value)
                graph.add(topic, S.same_as, reference(ns, value))
        graph.add(topic, S.center_name, _value(elem.get("center_name")))
        return graph, topic

    def _study_xml(self, record: RawRecord) -> RecordGraph:
        elem: ET.Element = record.data
        graph, study = self._xml_topic(record, C.Study, "study")
        graph.add(study, S.name, _text(elem, "DESCRIPTOR/STUDY_TITLE") or _text(elem, "TITLE"))
        graph.add(
            study,
            S.description,
            _text(elem, "DESCRIPTOR/STUDY_ABSTRACT") or _text(elem, "DESCRIPTOR/STUDY_DESCRIPTION"),
        )
        for db, ident in _xrefs(elem, "STUDY_LINKS/STUDY_LINK"):
            if db.lower() in ("pubmed", "medline") and ident.isdigit():
                graph.link(study, S.has_publication, self._ref(record, "pubmed", ident), C.Publication)
            elif db == "ENA-SAMPLE":
                for acc in _expand_range(ident):
                    sample = reference(sample_prefix(acc), acc)
                    if sample is not None:
                        graph.link(study, S.has_sample, sample, C.Sample)
                        graph.link(sample, S.part_of_study, study)
        self._xml_dates(record, graph, study, "STUDY_ATTRIBUTES/STUDY_ATTRIBUTE")
        return graph

    def _sample_xml(self, record: RawRecord) -> RecordGraph:
        elem: ET.Element = record.data
        graph, sample = self._xml_topic(record, C.Sample, "sample")
        graph.add(sample, S.name, _text(elem, "TITLE"))
        graph.add(sample, S.description, _text(elem, "DESCRIPTION"))
        add_taxon(graph, sample, _text(elem, "SAMPLE_NAME/TAXON_ID"), _text(elem, "SAMPLE_NAME/SCIENTIFIC_NAME"))
        for db, ident in _xrefs(elem, "SAMPLE_LINKS/SAMPLE_LINK"):
            if db == "ENA-STUDY":
                for acc in _expand_range(ident):
                    link_study(graph, sample, acc, sample=True)
        attributes: list[tuple[str, str, list[str] | None]] = []
        for attr in elem.iterfind("SAMPLE_ATTRIBUTES/SAMPLE_ATTRIBUTE"):
            tag, value = (attr.findtext("TAG") or "").strip(), (attr.findtext("VALUE") or "").strip()
            if tag and not tag.startswith("ENA-"):  # ENA-* are archive statistics and dates, not characteristics
                attributes.append((tag, value, None))
        add_sample_attributes(record, graph, sample, attributes)
        self._xml_dates(record, graph, sample, "SAMPLE_ATTRIBUTES/SAMPLE_ATTRIBUTE")
        return graph

    def _experiment_xml(self, record: RawRecord) -> RecordGraph:
        elem: ET.Element = record.data
        graph, exp = self.new_graph(record, C.SequencingExperiment, "insdc.sra", record.record_id)
        graph.add(exp, S.name, _text(elem, "TITLE"))
        link_study(graph, exp, _ref_accession(elem.find("STUDY_REF")))
        descriptor = elem.find("DESIGN/SAMPLE_DESCRIPTOR")
        if descriptor is not None:
            biosample = next(
                (
                    e.text.strip()
                    for e in descriptor.iterfind("IDENTIFIERS/EXTERNAL_ID")
                    if (e.get("namespace") or "").lower() == "biosample" and e.text
                ),
                None,
            )
            link_sample(graph, exp, biosample or _ref_accession(descriptor))
        lib = elem.find("DESIGN/LIBRARY_DESCRIPTOR")
        if lib is not None:
            graph.add(exp, S.library_strategy, _text(lib, "LIBRARY_STRATEGY"))
            graph.add(exp, S.library_source, _text(lib, "LIBRARY_SOURCE"))
            graph.add(exp, S.library_selection, _text(lib, "LIBRARY_SELECTION"))
            layout = lib.find("LIBRARY_LAYOUT")
            if layout is not None and len(layout):
                graph.add(exp, S.library_layout, layout[0].tag)
        platform = elem.find("PLATFORM")
        if platform is not None and len(platform):
            graph.add(exp, S.instrument_platform, platform[0].tag)
            graph.add(exp, S.instrument_model, _text(platform[0], "INSTRUMENT_MODEL"))
        return graph

    def _run_xml(self, record: RawRecord) -> RecordGraph:
        elem: ET.Element = record.data
        graph, run = self.new_graph(record, C.ReadRun, "insdc.sra", record.record_id)
        graph.add(run, S.name, _text(elem, "TITLE"))
        exp_acc = _ref_accession(elem.find("EXPERIMENT_REF"))
        if exp_acc:
            graph.link(run, S.from_experiment, self._ref(record, "insdc.sra", exp_acc), C.SequencingExperiment)
        for db, ident in _xrefs(elem, "RUN_LINKS/RUN_LINK"):
            if db == "ENA-STUDY":
                link_study(graph, run, ident)
            elif db == "ENA-SAMPLE":
                for acc in _expand_range(ident):
                    link_sample(graph, run, acc)
        for tag, value in _attributes(elem, "RUN_ATTRIBUTES/RUN_ATTRIBUTE"):
            if tag == "ENA-SPOT-COUNT":
                graph.add(run, S.read_count, value)
            elif tag == "ENA-BASE-COUNT":
                graph.add(run, S.base_count, value)
        self._xml_dates(record, graph, run, "RUN_ATTRIBUTES/RUN_ATTRIBUTE")
        return graph

    def _xml_dates(self, record: RawRecord, graph: RecordGraph, subject: NamedNode, path: str) -> None:
        for tag, value in _attributes(record.data, path):
            slot = {"ENA-FIRST-PUBLIC": S.first_public, "ENA-LAST-UPDATE": S.last_updated}.get(tag)
            if slot is not None:
                try:
                    graph.add(subject, slot, full_date(value))
                except ValueError as exc:
                    raise fail(record, f"{tag}: {exc}") from None

    # ---- flat files
    def _flat(self, record: RawRecord) -> RecordGraph:
        from Bio.Seq import UndefinedSequenceError

        rec = record.data
        ann = rec.annotations
        accessions = ann.get("accessions") or [rec.id.split(".")[0]]
        acc = accessions[0]
        graph, seq = self.new_graph(record, C.NucleotideSequence, sequence_prefix(acc), acc)
        for other in accessions[1:]:
            graph.add(seq, S.secondary_accession, other)
        graph.add(seq, S.version, ann.get("sequence_version"))
        graph.add(
            seq,
            S.description,
            rec.description.rstrip(".") if rec.description not in ("", "<unknown description>") else None,
        )
        graph.add(seq, S.topology, ann.get("topology"))
        graph.add(seq, S.sequence_length, len(rec.seq) if len(rec.seq) else None)
        try:
            sequence = bytes(rec.seq).upper() if len(rec.seq) else None
            graph.add(seq, S.checksum, "md5:" + hashlib.md5(sequence).hexdigest() if sequence else None)
        except UndefinedSequenceError:  # a CON record: the checksum ENA states, if any
            stated = next((x.split(":", 1)[1] for x in rec.dbxrefs if x.upper().startswith("MD5:")), None)
            try:
                graph.add(seq, S.checksum, md5_checksum(stated))
            except ValueError as exc:
                raise fail(record, str(exc)) from None
        try:
            graph.add(seq, S.first_public, full_date(ann.get("cp_created")))
            graph.add(seq, S.last_updated, full_date(ann.get("cp_updated") or ann.get("date")))
        except ValueError as exc:
            raise fail(record, f"entry date: {exc}") from None
        source = next((f for f in rec.features if f.type == "source"), None)
        quals: dict[str, list[str]] = source.qualifiers if source is not None else {}

        def first(name: str) -> str | None:
            values = quals.get(name) or []
            return values[0] if values and not is_missing(values[0]) else None

        graph.add(seq, S.molecule_type, _molecule_type(first("mol_type") or ann.get("molecule_type")))
        taxon_ids = [x.split(":", 1)[1] for x in quals.get("db_xref", []) if x.startswith("taxon:")]
        for taxon_id in taxon_ids:
            add_taxon(graph, seq, taxon_id, first("organism") if len(taxon_ids) == 1 else None)
        add_host(graph, seq, first("host"))
        graph.add(seq, S.collection_date, collection_date(record, first("collection_date")))
        add_place(graph, seq, first("geo_loc_name") or first("country"))
        graph.add(seq, S.isolate, first("isolate"))
        graph.add(seq, S.strain, first("strain"))
        for xref in rec.dbxrefs:
            db, _, ident = (part.strip() for part in xref.partition(":"))
            db_l = db.lower()
            if db_l in ("project", "bioproject"):
                link_study(graph, seq, ident)
            elif db_l == "biosample":
                link_sample(graph, seq, ident)
            elif db_l in ("sequence read archive", "sra"):
                graph.add(seq, S.see_also, reference("insdc.sra", ident))
            elif db_l == "ena" and ident:
                graph.add(seq, S.see_also, reference("ena.embl", ident))
        for ref in ann.get("references", []):
            pmid = (getattr(ref, "pubmed_id", "") or "").strip()
            if pmid:
                graph.link(seq, S.has_publication, self._ref(record, "pubmed", pmid), C.Publication)
        if m := re.search(r"identical to ([A-Z]{1,2}\d{5,8}(?:\.\d+)?)", ann.get("comment", "")):
            graph.add(seq, S.see_also, reference("ena.embl", m.group(1).split(".")[0]))
        for feature in rec.features:
            if feature.type == "CDS":
                self._cds(graph, seq, feature.qualifiers)
        return graph

    def _cds(self, graph: RecordGraph, seq: NamedNode, quals: dict[str, list[str]]) -> None:
        """A CDS: UniProt cross-references are encoded proteins; INSDC/RefSeq protein ids are references."""
        for protein_id in quals.get("protein_id", []):
            prefix = "refseq" if iris.is_valid("refseq", protein_id) else "ncbiprotein"
            graph.add(seq, S.see_also, reference(prefix, protein_id))
        for xref in quals.get("db_xref", []):
            db, _, ident = xref.partition(":")
            if db.startswith("UniProtKB") or db == "UniProt":
                protein = reference("uniprot", ident.strip())
                if protein is not None:
                    graph.link(seq, S.encodes, protein, C.Protein)
                    graph.link(protein, S.encoded_by, seq)
            elif db == "GeneID":
                graph.add(seq, S.see_also, reference("ncbigene", ident.strip()))


# ---------------------------------------------------------------- small readers
def _flat_id(first_line: str) -> str | None:
    m = re.match(r"^(?:ID|LOCUS)\s+([A-Za-z0-9_]+)", first_line)
    return m.group(1) if m else None


def _flat_dates(text: str, fmt: str) -> dict[str, str]:
    """EMBL DT lines: the Created and Last updated dates (Biopython keeps neither)."""
    out: dict[str, str] = {}
    if fmt != "embl":
        return out
    for m in re.finditer(r"^DT   (\d{2}-[A-Z]{3}-\d{4}) \((.*?)\)", text, flags=re.M):
        if "Created" in m.group(2):
            out["cp_created"] = m.group(1)
        elif "Last updated" in m.group(2):
            out["cp_updated"] = m.group(1)
    return out


def _value(value: Any) -> Any:
    return None if is_missing(value) else value


def _split(value: Any) -> list[str]:
    if is_missing(value):
        return []
    return [part.strip() for part in str(value).split(";") if part.strip()]


_MOLECULE_TYPES = ENUMS["MoleculeTypeEnum"]  # the INSDC /mol_type vocabulary, from the schema


def _molecule_type(value: Any) -> str | None:
    if is_missing(value):
        return None
    text = str(value).strip()
    if text in _MOLECULE_TYPES:
        return text
    log.info("molecule type %r is not an INSDC mol_type value; not mapped", text)
    return None


def _text(elem: ET.Element, path: str) -> str | None:
    value = elem.findtext(path)
    return value.strip() or None if value else None


def _ref_accession(elem: ET.Element | None) -> str | None:
    if elem is None:
        return None
    return elem.get("accession") or _text(elem, "IDENTIFIERS/PRIMARY_ID")


def _xrefs(elem: ET.Element, path: str) -> Iterator[tuple[str, str]]:
    for link in elem.iterfind(path):
        db, ident = link.findtext("XREF_LINK/DB"), link.findtext("XREF_LINK/ID")
        if db and ident:
            yield db.strip(), ident.strip()


def _attributes(elem: ET.Element, path: str) -> Iterator[tuple[str, str]]:
    for attr in elem.iterfind(path):
        tag, value = attr.findtext("TAG"), attr.findtext("VALUE")
        if tag and value:
            yield tag.strip(), value.strip()


_RANGE_LIMIT = 100_000


def _expand_range(ident: str) -> list[str]:
    """ENA link ids: ``SRS1,SRS2`` and ranges ``SRS4237518-SRS4237558`` as single accessions."""
    out: list[str] = []
    for part in ident.split(","):
        part = part.strip()
        m = re.fullmatch(r"([A-Z]+)(\d+)-([A-Z]+)(\d+)", part)
        if m and m.group(1) == m.group(3) and len(m.group(2)) == len(m.group(4)):
            low, high = int(m.group(2)), int(m.group(4))
            if 0 <= high - low <= _RANGE_LIMIT:
                width = len(m.group(2))
                out.extend(f"{m.group(1)}{n:0{width}d}" for n in range(low, high + 1))
                continue
        if part:
            out.append(part)
    return out


LOADER = EnaLoader()
