"""UniProtKB entries -> Protein, from the three formats UniProt serves.

* ``uniprot-txt``: the flat text format (``ID``/``AC``/``DT``/... lines, each entry ends with ``//``),
  streamed entry by entry;
* ``uniprot-json``: rest.uniprot.org JSON, one entry object or a search result ``{"results": [...]}``;
* ``uniprot-xml``: UniProt XML (uniprot.xsd), ``entry`` elements read one at a time with iterparse;
* ``goa-gpi`` / ``goa-gpa``: UniProt-GOA GPI 1.x (names, taxa) and GPA 1.x (GO annotations) files.

Each format is first reduced to one :class:`Entry` (only the fields the portal maps), so the
entry -> RDF mapping is written once and the formats cannot drift apart.
Cross-references become links where the portal models the target (EMBL -> NucleotideSequence,
PDB -> ProteinStructure, ChEMBL -> Target, PubMed -> Publication, with the inverse link the schema
declares) and ``see_also`` where the identifier space is in the portal's prefix map; references to
other databases are skipped, as are ids that do not fit their space.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode

from covid_portal.records import FileFormatError, RawRecord, RecordError, RecordGraph, fail
from covid_portal.terms import C, S
from loaders._json import read_json_lazily
from loaders.base import Loader, is_array, iter_lines, json_raw, link_publication, read_head, reference

TXT, JSON, XML = "uniprot-txt", "uniprot-json", "uniprot-xml"
GPI, GPA = "goa-gpi", "goa-gpa"  # UniProt-GOA gene product information / association files, version 1.x
NS = "{http://uniprot.org/uniprot}"
REST = "https://rest.uniprot.org/uniprotkb/"

# UniProt cross-reference database -> portal identifier space, for rdfs:seeAlso. A space missing
# from the prefix map (covid_portal/codegen.py IRI_POLICY) is skipped by reference().
SEE_ALSO: dict[str, str] = {
    "RefSeq": "refseq",
    "DrugBank": "drugbank",
    "Reactome": "reactome",
    "InterPro": "interpro",
    "Pfam": "pfam",
    "IntAct": "intact",
    "Ensembl": "ensembl",
    "GeneID": "ncbigene",
    "ChEBI": "chebi",
}
# Properties of a cross-reference that are identifiers themselves (JSON keys; XML and text are mapped to these).
ID_PROPERTIES = ("ProteinId", "GeneId", "NucleotideSequenceId")
XML_PROPERTY = {
    "protein sequence ID": "ProteinId",
    "gene ID": "GeneId",
    "gene designation": "GeneId",
    "nucleotide sequence ID": "NucleotideSequenceId",
}

_ID_LINE = re.compile(r"^ID   (\S+)\s+(Reviewed|Unreviewed|STANDARD|PRELIMINARY);.*?(\d+) AA\.", re.MULTILINE)
_EVIDENCE = re.compile(r"\s*\{[^{}]*\}")
_MONTHS = {
    m: i for i, m in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1)
}
_PARTNER = re.compile(r"^([A-Z0-9]+)(?:-\S+)?$")


@dataclass
class Entry:
    """The fields of a UniProtKB entry that the portal maps, whatever format it came in."""

    accession: str
    secondary: list[str] = field(default_factory=list)
    name: str | None = None
    genes: list[str] = field(default_factory=list)
    taxon: str | None = None
    reviewed: bool | None = None
    length: str | None = None
    crc64: str | None = None
    version: str | None = None
    first_public: dt.date | None = None
    last_updated: dt.date | None = None
    function: list[str] = field(default_factory=list)
    go: list[str] = field(default_factory=list)
    xrefs: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)  # (database, id, properties)
    citations: list[tuple[str | None, str | None]] = field(default_factory=list)  # (PubMed id, DOI)
    interactions: list[str] = field(default_factory=list)  # partner accessions as written


class UniprotLoader(Loader):
    name = "uniprot"
    title = "UniProt Knowledgebase"
    homepage = "https://www.uniprot.org/"
    license = "https://creativecommons.org/licenses/by/4.0/"
    formats = (TXT, JSON, XML, GPI, GPA)

    # ------------------------------------------------------------------ sniff
    def sniff(self, path: Path, head: str) -> str | None:
        text = head.lstrip()
        if _ID_LINE.match(text):
            return TXT
        if text.startswith("<") and "http://uniprot.org/uniprot" in head and "<uniprot" in head:
            return XML
        if text.startswith("{") and '"primaryAccession"' in head and ('"entryType"' in head or '"results"' in head):
            return JSON
        if text.startswith("!gpi-version"):
            return GPI
        if text.startswith("!gpa-version"):
            return GPA
        return None

    # ------------------------------------------------------------------ parse
    def parse(self, path: Path, fmt: str) -> Iterator[RawRecord | RecordError]:
        if fmt == TXT:
            yield from self._parse_txt(path)
        elif fmt == JSON:
            yield from self._parse_json(path)
        elif fmt == XML:
            yield from self._parse_xml(path)
        elif fmt in (GPI, GPA):
            yield from self._parse_goa(path, fmt)
        else:
            raise FileFormatError(str(path), f"unknown UniProt format {fmt!r} (known: {', '.join(self.formats)})")

    def _parse_txt(self, path: Path) -> Iterator[RawRecord | RecordError]:
        lines: list[str] = []
        start = 0
        for lineno, line in iter_lines(path):
            if not lines:
                if not line.strip():
                    continue
                if not line.startswith("ID   "):
                    raise FileFormatError(
                        str(path),
                        f"line {lineno}: expected an 'ID' line starting a UniProtKB entry, found {line[:40]!r}",
                    )
                start = lineno
            if line.startswith("//"):
                yield self._txt_record(path, lines, start)
                lines = []
                continue
            lines.append(line.rstrip("\r\n"))
        if lines:
            record = self._txt_record(path, lines, start)
            yield fail(record, "entry does not end with '//' (truncated file?)")

    def _txt_record(self, path: Path, lines: list[str], start: int) -> RawRecord:
        accession = ""
        for line in lines:
            if line.startswith("AC   "):
                accession = line[5:].split(";")[0].strip()
                break
        return RawRecord(
            source=self.name,
            record_id=accession or lines[0][5:].split()[0],
            data=lines,
            file=str(path),
            position=f"line {start}",
            raw="\n".join(lines) + "\n//\n",
            fmt=TXT,
            url=f"{REST}{accession}.txt" if accession else None,
        )

    def _parse_json(self, path: Path) -> Iterator[RawRecord | RecordError]:
        document = read_json_lazily(path, {("results",)})
        if isinstance(document, dict) and is_array(document.get("results")):
            entries, where = document["results"], "results[{}]"
        elif isinstance(document, dict) and "primaryAccession" in document:
            entries, where = [document], "entry {}"
        else:
            raise FileFormatError(str(path), "not a UniProt JSON entry or search result (no primaryAccession/results)")
        for index, entry in enumerate(entries):
            accession = str(entry.get("primaryAccession", "")) if isinstance(entry, dict) else ""
            record = RawRecord(
                source=self.name,
                record_id=accession,
                data=entry,
                file=str(path),
                position=where.format(index),
                raw=json_raw(entry),
                fmt=JSON,
                url=f"{REST}{accession}.json" if accession else None,
            )
            if not isinstance(entry, dict) or not accession:
                yield fail(record, "entry has no primaryAccession")
                continue
            yield record

    def _parse_xml(self, path: Path) -> Iterator[RawRecord | RecordError]:
        if not read_head(path).strip():
            raise FileFormatError(str(path), "file is empty")
        count = 0
        with path.open("rb") as probe:
            compressed = probe.read(2) == b"\x1f\x8b"
        try:
            source = gzip.open(path) if compressed else path  # noqa: SIM115 (iterparse closes it)
            context = ET.iterparse(source, events=("start", "end"))
            root = None
            for event, elem in context:
                if root is None:
                    root = elem
                    if elem.tag != f"{NS}uniprot":
                        raise FileFormatError(str(path), f"not UniProt XML: root element is {elem.tag!r}")
                if event != "end" or elem.tag != f"{NS}entry":
                    continue
                count += 1
                accession = elem.findtext(f"{NS}accession", "").strip()
                yield RawRecord(
                    source=self.name,
                    record_id=accession,
                    data=_xml_entry(elem),
                    file=str(path),
                    position=f"entry {count}",
                    raw=ET.tostring(elem, encoding="unicode"),
                    fmt=XML,
                    url=f"{REST}{accession}.xml" if accession else None,
                )
                root.clear()  # drop the finished entry (and any before it): constant memory
        except ET.ParseError as exc:
            line, column = exc.position
            if "no element found" in str(exc) or "unclosed token" in str(exc):
                raise FileFormatError(str(path), f"XML ends unexpectedly at line {line} (truncated file?)") from None
            raise FileFormatError(str(path), f"invalid XML at line {line}, column {column + 1}: {exc}") from None
        if count == 0:
            raise FileFormatError(str(path), "UniProt XML holds no <entry>")

    def _parse_goa(self, path: Path, fmt: str) -> Iterator[RawRecord | RecordError]:
        """GPI: one record per row. GPA: one record per run of rows about the same object (files are sorted).

        The record ids are ``<accession>.gpi`` / ``<accession>.gpa``, so these records never replace the
        UniProtKB entry record of the same protein.
        """
        kind = fmt.removeprefix("goa-")
        version: str | None = None
        group: list[list[str]] = []
        start = 0

        def record(rows: list[list[str]], lineno: int) -> RawRecord:
            return RawRecord(
                source=self.name,
                record_id=f"{rows[0][1]}.{kind}",
                data=rows,
                file=str(path),
                position=f"line {lineno}",
                raw="\n".join("\t".join(row) for row in rows),
                fmt=fmt,
            )

        for lineno, line in iter_lines(path):
            text = line.rstrip("\r\n")
            if text.startswith("!") or not text.strip():
                if match := re.match(rf"!{kind}-version:\s*(\S+)", text):
                    version = match.group(1)
                continue
            if version is None:
                raise FileFormatError(str(path), f"line {lineno}: no '!{kind}-version' header before the first row")
            if not version.startswith("1."):
                raise FileFormatError(str(path), f"{kind.upper()} version {version} is not supported (only 1.x)")
            row = text.split("\t")
            if len(row) < GOA_COLUMNS[kind]:
                if group:
                    yield record(group, start)
                group = []
                yield fail(
                    record([row], lineno),
                    f"expected at least {GOA_COLUMNS[kind]} tab-separated columns, found {len(row)}",
                )
                continue
            if group and (kind == "gpi" or group[0][:2] != row[:2]):
                yield record(group, start)
                group = []
            if not group:
                start = lineno
            group.append(row)
            if kind == "gpi":
                yield record(group, start)
                group = []
        if group:
            yield record(group, start)
        if version is None:
            raise FileFormatError(str(path), f"no '!{kind}-version' header (not a UniProt-GOA {kind.upper()} file?)")

    # ------------------------------------------------------------------ to_rdf
    def to_rdf(self, record: RawRecord) -> RecordGraph:
        if record.fmt == TXT:
            entry = _txt_entry(record)
        elif record.fmt == JSON:
            entry = _json_entry(record)
        elif record.fmt == XML:
            entry = record.data
        elif record.fmt in (GPI, GPA):
            entry = _goa_entry(record)
        else:
            raise fail(record, f"unknown format {record.fmt!r}")
        return self._map(record, entry)

    def _map(self, record: RawRecord, e: Entry) -> RecordGraph:
        graph, topic = self.new_graph(record, C.Protein, "uniprot", e.accession)
        graph.add(topic, S.secondary_accession, [a for a in e.secondary if a != e.accession])
        graph.add(topic, S.name, e.name)
        graph.add(topic, S.gene_name, e.genes)
        graph.add(topic, S.reviewed, e.reviewed)
        graph.add(topic, S.sequence_length, e.length)
        if e.crc64:
            graph.add(topic, S.checksum, f"CRC64:{e.crc64}")
        graph.add(topic, S.version, e.version)
        graph.add(topic, S.first_public, e.first_public)
        graph.add(topic, S.last_updated, e.last_updated)
        graph.add(topic, S.function, "\n".join(e.function) if e.function else None)
        if e.taxon:
            taxon = reference("ncbitaxon", e.taxon)
            if taxon is None:
                raise fail(record, f"organism taxon {e.taxon!r} is not an NCBI Taxonomy id")
            graph.link(topic, S.taxon, taxon, C.Taxon)
        for go in dict.fromkeys(e.go):
            iri = reference("go", go.removeprefix("GO:"))
            if iri is not None:
                graph.add(topic, S.go_annotation, iri)
        for pmid, doi in e.citations:
            link_publication(graph, topic, pmid, doi)
        for partner in dict.fromkeys(e.interactions):
            match = _PARTNER.match(partner.strip())
            iri = reference("uniprot", match.group(1)) if match else None
            if iri is not None:
                graph.link(topic, S.interacts_with, iri, C.Protein)
        for database, ident, props in e.xrefs:
            _xref(graph, topic, database, ident, props)
        graph.deduplicate()  # the same xref may be listed once per isoform
        return graph


def _xref(graph: RecordGraph, topic: NamedNode, database: str, ident: str, props: dict[str, str]) -> None:
    """Map one cross-reference: a typed link (and its inverse) where the portal models the target, else see_also."""
    if database == "EMBL":
        sequence = reference("ena.embl", ident)
        if sequence is not None:
            graph.link(topic, S.encoded_by, sequence, C.NucleotideSequence)
            graph.link(sequence, S.encodes, topic)
        protein_id = props.get("ProteinId", "")
        if protein_id and protein_id != "-":
            iri = reference("ncbiprotein", protein_id)
            if iri is not None:
                graph.add(topic, S.see_also, iri)
        return
    if database == "PDB":
        structure = reference("pdb", ident)
        if structure is not None:
            graph.link(topic, S.has_structure, structure, C.ProteinStructure)
            graph.link(structure, S.polymer_protein, topic)
        return
    if database == "ChEMBL":
        target = reference("chembl.target", ident)
        if target is not None:
            graph.link(topic, S.targeted_by, target, C.Target)
            graph.link(target, S.target_component, topic)
        return
    prefix = SEE_ALSO.get(database)
    if prefix is None:
        return
    for value in [ident, *(props.get(key, "") for key in ID_PROPERTIES)]:
        value = value.strip()
        if value and value != "-":
            iri = reference(prefix, value)
            if iri is not None:
                graph.add(topic, S.see_also, iri)


# ---------------------------------------------------------------------- flat text
def _txt_entry(record: RawRecord) -> Entry:
    lines: list[str] = record.data
    match = _ID_LINE.match(lines[0]) if lines else None
    if match is None:
        raise fail(record, f"malformed ID line {lines[0][:60]!r}" if lines else "empty entry")
    accessions = [a.strip() for line in lines if line.startswith("AC   ") for a in line[5:].split(";") if a.strip()]
    if not accessions:
        raise fail(record, "entry has no AC line")
    e = Entry(accession=accessions[0], secondary=accessions[1:])
    e.reviewed = match.group(2) in ("Reviewed", "STANDARD")
    e.length = match.group(3)
    blocks: dict[str, list[str]] = {}
    for line in lines[1:]:
        blocks.setdefault(line[:2], []).append(line[5:])
    for text in blocks.get("DT", []):
        date = _txt_date(record, text.split(",")[0])
        if "integrated into" in text:
            e.first_public = date
        elif "entry version" in text:
            e.last_updated = date
            e.version = text.rsplit("entry version", 1)[1].strip(" .")
    e.name = _txt_name(blocks.get("DE", []))
    for text in blocks.get("GN", []):
        for part in text.split(";"):
            key, _, value = part.strip().partition("=")
            if key == "Name":
                e.genes.append(_EVIDENCE.sub("", value).strip())
    for text in blocks.get("OX", []):
        if match := re.search(r"NCBI_TaxID=(\w+)", text):
            e.taxon = match.group(1)
    sq = blocks.get("SQ", [""])[0]
    if match := re.search(r"(\d+) AA;\s+\d+ MW;\s+([0-9A-F]+) CRC64;", sq):
        e.length, e.crc64 = match.group(1), match.group(2)
    e.citations = _txt_citations(lines)
    _txt_comments(blocks.get("CC", []), e)
    for text in blocks.get("DR", []):
        fields = [f.strip() for f in text.rstrip(".").split(";")]
        if len(fields) < 2:
            continue
        database, ident, rest = fields[0], fields[1], fields[2:]
        if database == "GO":
            e.go.append(ident)
        elif database == "EMBL":
            e.xrefs.append((database, ident, {"ProteinId": rest[0] if rest else "-"}))
        elif database == "RefSeq":
            e.xrefs.append((database, ident, {"NucleotideSequenceId": rest[0] if rest else "-"}))
        elif database == "Ensembl":
            e.xrefs.append((database, ident, dict(zip(("ProteinId", "GeneId"), rest[:2], strict=False))))
        else:
            e.xrefs.append((database, ident, {}))
    return e


def _txt_date(record: RawRecord, text: str) -> dt.date:
    match = re.match(r"^(\d{2})-([A-Z]{3})-(\d{4})$", text.strip())
    if match is None or match.group(2) not in _MONTHS:
        raise fail(record, f"malformed DT date {text.strip()!r}")
    return dt.date(int(match.group(3)), _MONTHS[match.group(2)], int(match.group(1)))


def _txt_name(de_lines: list[str]) -> str | None:
    """The recommended (or submitted) full name of the entry itself, not of a chain it contains."""
    for text in de_lines:
        if text.startswith(("Contains:", "Includes:")):
            break
        if match := re.match(r"^(?:RecName|SubName): Full=(.*?);?$", text):
            return _EVIDENCE.sub("", match.group(1)).strip().rstrip(";")
    return None


def _txt_citations(lines: list[str]) -> list[tuple[str | None, str | None]]:
    out: list[tuple[str | None, str | None]] = []
    rx = ""
    for line in [*lines, "RN   [end]"]:
        if line.startswith("RN   ") and rx:
            pmid = re.search(r"PubMed=(\d+)", rx)
            doi = re.search(r"DOI=(\S+?);", rx)
            if pmid or doi:
                out.append((pmid.group(1) if pmid else None, doi.group(1) if doi else None))
            rx = ""
        elif line.startswith("RX   "):
            rx += " " + line[5:]
    return out


def _txt_comments(cc_lines: list[str], e: Entry) -> None:
    """CC FUNCTION text (evidence tags removed) and CC INTERACTION partners."""
    topic, text = "", ""

    def flush() -> None:
        if topic == "FUNCTION" and text.strip():
            clean = _EVIDENCE.sub("", text).strip()  # "... endosomes. {ECO:...}." -> "... endosomes.."
            e.function.append(clean[:-1] if clean.endswith("..") else clean)

    for line in cc_lines:
        if line.startswith("-!- "):
            flush()
            topic, _, text = line[4:].partition(":")
            text = text.strip()
        elif line.startswith("----") or line.startswith("Copyrighted") or line.startswith("Distributed"):
            flush()
            topic, text = "", ""
        elif topic == "INTERACTION":
            parts = [p.strip() for p in line.split(";")]
            if ":" in parts[0]:  # before 2019: "Q9BYF1:ACE2; NbExp=..."
                e.interactions.append(parts[0].split(":")[0])
            elif parts[0] == "Self":
                e.interactions.append(e.accession)
            elif len(parts) > 1 and ":" in parts[1]:  # "P0DTC2; Q9BYF1: ACE2; Xeno; NbExp=..."
                e.interactions.append(parts[1].split(":")[0])
        else:
            piece = line.strip()
            text = text + piece if text.endswith("-") else f"{text} {piece}"
    flush()


# ---------------------------------------------------------------------- JSON
def _json_entry(record: RawRecord) -> Entry:
    d: dict[str, Any] = record.data
    entry_type = str(d.get("entryType", ""))
    if "inactive" in entry_type.lower():
        reason = (d.get("inactiveReason") or {}).get("inactiveReasonType", "inactive")
        raise fail(record, f"entry is inactive ({reason}): no data to map")
    e = Entry(accession=str(d["primaryAccession"]), secondary=[str(a) for a in d.get("secondaryAccessions", [])])
    e.reviewed = "Swiss-Prot" in entry_type if entry_type else None
    audit = d.get("entryAudit") or {}
    e.first_public = _iso_date(record, audit.get("firstPublicDate"))
    e.last_updated = _iso_date(record, audit.get("lastAnnotationUpdateDate"))
    e.version = str(audit["entryVersion"]) if audit.get("entryVersion") is not None else None
    description = d.get("proteinDescription") or {}
    for key in ("recommendedName", "submissionNames"):
        names = description.get(key)
        names = names[0] if isinstance(names, list) and names else names
        if isinstance(names, dict) and (value := (names.get("fullName") or {}).get("value")):
            e.name = str(value)
            break
    e.genes = [str(g["geneName"]["value"]) for g in d.get("genes", []) if (g.get("geneName") or {}).get("value")]
    taxon = (d.get("organism") or {}).get("taxonId")
    e.taxon = str(taxon) if taxon is not None else None
    sequence = d.get("sequence") or {}
    e.length = str(sequence["length"]) if sequence.get("length") is not None else None
    e.crc64 = sequence.get("crc64")
    for comment in d.get("comments", []):
        if comment.get("commentType") == "FUNCTION":
            e.function += [str(t["value"]) for t in comment.get("texts", []) if t.get("value")]
        elif comment.get("commentType") == "INTERACTION":
            for interaction in comment.get("interactions", []):
                partner = (interaction.get("interactantTwo") or {}).get("uniProtKBAccession")
                if partner:
                    e.interactions.append(str(partner))
    for reference_ in d.get("references", []):
        refs = {
            x.get("database"): x.get("id")
            for x in (reference_.get("citation") or {}).get("citationCrossReferences", [])
        }
        if refs.get("PubMed") or refs.get("DOI"):
            e.citations.append((refs.get("PubMed"), refs.get("DOI")))
    for xref in d.get("uniProtKBCrossReferences", []):
        database, ident = str(xref.get("database", "")), str(xref.get("id", ""))
        if database == "GO":
            e.go.append(ident)
        else:
            props = {str(p.get("key")): str(p.get("value")) for p in xref.get("properties", [])}
            e.xrefs.append((database, ident, props))
    return e


def _iso_date(record: RawRecord, value: Any) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise fail(record, f"malformed date {value!r}") from None


# ---------------------------------------------------------------------- XML
def _xml_entry(elem: ET.Element) -> Entry:
    """Read one <entry> into an Entry while the element is still in memory (it is cleared after)."""
    accessions = [a.text.strip() for a in elem.findall(f"{NS}accession") if a.text]
    e = Entry(accession=accessions[0] if accessions else "", secondary=accessions[1:])
    dataset = elem.get("dataset")
    e.reviewed = dataset == "Swiss-Prot" if dataset else None
    e.version = elem.get("version")
    for attr, slot in (("created", "first_public"), ("modified", "last_updated")):
        value = elem.get(attr)
        if value:
            with contextlib.suppress(ValueError):  # a malformed date is left unset, not worth losing the entry
                setattr(e, slot, dt.date.fromisoformat(value))
    protein = elem.find(f"{NS}protein")
    if protein is not None:
        for path in (f"{NS}recommendedName/{NS}fullName", f"{NS}submittedName/{NS}fullName"):
            name = protein.findtext(path)
            if name:
                e.name = name.strip()
                break
    for gene in elem.findall(f"{NS}gene/{NS}name[@type='primary']"):
        if gene.text:
            e.genes.append(gene.text.strip())
    taxon = elem.find(f"{NS}organism/{NS}dbReference[@type='NCBI Taxonomy']")
    e.taxon = taxon.get("id") if taxon is not None else None
    sequence = elem.find(f"{NS}sequence")
    if sequence is not None:
        e.length, e.crc64 = sequence.get("length"), sequence.get("checksum")
    for citation in elem.findall(f"{NS}reference/{NS}citation"):
        refs = {x.get("type"): x.get("id") for x in citation.findall(f"{NS}dbReference")}
        if refs.get("PubMed") or refs.get("DOI"):
            e.citations.append((refs.get("PubMed"), refs.get("DOI")))
    for comment in elem.findall(f"{NS}comment"):
        kind = comment.get("type")
        if kind == "function":
            e.function += [t.text.strip() for t in comment.findall(f"{NS}text") if t.text]
        elif kind == "interaction":
            interactants = comment.findall(f"{NS}interactant")
            partner = interactants[-1].findtext(f"{NS}id") if len(interactants) == 2 else None
            e.interactions.append(partner.strip() if partner else e.accession)
    for xref in elem.findall(f"{NS}dbReference"):
        database, ident = xref.get("type", ""), xref.get("id", "")
        if database == "GO":
            e.go.append(ident)
            continue
        props = {
            XML_PROPERTY.get(p.get("type", ""), p.get("type", "")): p.get("value", "")
            for p in xref.findall(f"{NS}property")
        }
        e.xrefs.append((database, ident, props))
    return e


# ---------------------------------------------------------------------- UniProt-GOA GPI / GPA 1.x
GOA_COLUMNS = {"gpi": 7, "gpa": 10}  # the required columns of GPI 1.2 and GPA 1.1


def _goa_entry(record: RawRecord) -> Entry:
    rows: list[list[str]] = record.data
    database, accession = rows[0][0], rows[0][1]
    if database != "UniProtKB":
        raise fail(record, f"object {database}:{accession} is not a UniProtKB entry")
    e = Entry(accession=accession)
    if record.fmt == GPI:
        row = rows[0] + [""] * 10
        symbol, name, taxon, properties = row[2], row[3], row[6], row[9]
        e.name = name or None
        e.genes = [symbol] if symbol and symbol != accession else []
        e.taxon = taxon.removeprefix("taxon:").split("|")[0] or None
        subset = dict(p.split("=", 1) for p in properties.split("|") if "=" in p).get("db_subset")
        e.reviewed = subset == "Swiss-Prot" if subset else None
    else:
        # a NOT qualifier states that the product does *not* have the function: no annotation
        e.go = [row[3] for row in rows if "NOT" not in row[2].split("|")]
    return e


LOADER = UniprotLoader()
