"""PDB entries -> ProteinStructure, from PDBx/mmCIF files and two PDBe JSON services.

* ``mmcif``: PDBx/mmCIF entry files (wwPDB, RCSB, PDBe), one record per ``data_`` block. A small
  tokenizer reads ``_category.item value`` pairs and ``loop_`` tables (quoted strings, ``;`` text
  fields) and keeps only the header categories the portal maps. The rows of every other loop
  (``_atom_site`` above all) are counted, to detect a truncated table, but never held; reading
  goes on past the coordinates because header categories may follow them (6LU7's revision history).
* ``pdbe-summary``: the PDBe REST entry summary, ``{"1cbs": [{...}]}``.
* ``pdbe-solr``: PDBe search (Solr) documents, one document, a list, or a ``select`` response;
  a document describes one polymer entity, so the documents of one entry make one record.

Each format is reduced to one :class:`Structure` so the RDF mapping is written once.
Structures link to their UniProt entries (``_struct_ref`` with ``db_name`` UNP) in both directions;
early releases that reference only the PDB itself (6LU7) load without a UniProt link.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from covid_portal.records import FileFormatError, RawRecord, RecordError, RecordGraph, fail
from covid_portal.terms import ENUMS, C, S
from loaders.base import Loader, iter_lines, json_raw, link_publication, read_json, reference

log = logging.getLogger(__name__)

MMCIF, SUMMARY, SOLR = "mmcif", "pdbe-summary", "pdbe-solr"
RAW_LIMIT = 20000  # characters of an mmCIF header kept for the quarantine report

# The mmCIF categories the mapping reads; the rows of all others are skipped.
WANTED = frozenset(
    {
        "entry",
        "struct",
        "struct_keywords",
        "exptl",
        "refine",
        "reflns",
        "em_3d_reconstruction",
        "pdbx_database_status",
        "pdbx_audit_revision_history",
        "database_PDB_rev",
        "struct_ref",
        "entity_src_gen",
        "entity_src_nat",
        "chem_comp",
        "citation",
    }
)
# Chemical components that are not ligands: water and the standard polymer residues.
NOT_LIGANDS = frozenset(
    (
        *("HOH", "DOD", "WAT", "UNK", "UNX", "UNL", "PYL", "SEC"),
        *("ALA", "ARG", "ASN", "ASP", "CYS", "GLN", "GLU", "GLY", "HIS", "ILE"),
        *("LEU", "LYS", "MET", "PHE", "PRO", "SER", "THR", "TRP", "TYR", "VAL"),
        *("A", "C", "G", "U", "I", "N", "DA", "DC", "DG", "DT", "DI", "DN", "DU"),
    )
)


@dataclass
class Ligand:
    id: str
    name: str | None = None
    formula: str | None = None
    weight: str | None = None


@dataclass
class Structure:
    """The fields of a PDB entry that the portal maps, whatever format it came in."""

    pdb_id: str
    title: str | None = None
    methods: list[str] = field(default_factory=list)
    resolution: str | None = None
    first_public: dt.date | None = None
    last_updated: dt.date | None = None
    taxa: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    uniprot: list[str] = field(default_factory=list)
    ligands: list[Ligand] = field(default_factory=list)
    citations: list[tuple[str | None, str | None]] = field(default_factory=list)  # (PubMed id, DOI)


class PdbLoader(Loader):
    name = "pdb"
    title = "Protein Data Bank"
    homepage = "https://www.wwpdb.org/"
    license = "https://creativecommons.org/publicdomain/zero/1.0/"
    formats = (MMCIF, SUMMARY, SOLR)

    # ------------------------------------------------------------------ sniff
    def sniff(self, path: Path, head: str) -> str | None:
        body = re.sub(r"^(\s*#[^\n]*\n)*\s*", "", head)
        if body.startswith("data_") and re.search(r"^_(entry\.id|exptl\.|atom_site\.)", head, re.MULTILINE):
            return MMCIF
        if body.startswith("{"):
            if re.match(r'\{\s*"[0-9][A-Za-z0-9]{3}"\s*:\s*\[', body) and '"release_date"' in head:
                return SUMMARY
            if '"pdb_id"' in head and '"experimental_method"' in head:
                return SOLR
        elif body.startswith("[") and '"pdb_id"' in head and '"experimental_method"' in head:
            return SOLR
        return None

    # ------------------------------------------------------------------ parse
    def parse(self, path: Path, fmt: str) -> Iterator[RawRecord | RecordError]:
        if fmt == MMCIF:
            yield from self._parse_mmcif(path)
        elif fmt == SUMMARY:
            yield from self._parse_summary(path)
        elif fmt == SOLR:
            yield from self._parse_solr(path)
        else:
            raise FileFormatError(str(path), f"unknown PDB format {fmt!r} (known: {', '.join(self.formats)})")

    def _parse_mmcif(self, path: Path) -> Iterator[RawRecord | RecordError]:
        try:
            for block in read_blocks(iter_lines(path), WANTED):
                entry_id = (_first(block.categories, "entry", "id") or block.name).upper()
                yield RawRecord(
                    source=self.name,
                    record_id=entry_id,
                    data=block.categories,
                    file=str(path),
                    position=f"line {block.start}",
                    raw=block.raw,
                    fmt=MMCIF,
                    url=f"https://files.rcsb.org/download/{entry_id}.cif",
                )
        except CifError as exc:
            raise FileFormatError(str(path), f"line {exc.line}: {exc.reason}") from None

    def _parse_summary(self, path: Path) -> Iterator[RawRecord | RecordError]:
        document = read_json(path)
        if not isinstance(document, dict) or not all(isinstance(v, list) for v in document.values()):
            raise FileFormatError(str(path), 'not a PDBe entry summary ({"<pdb id>": [{...}]})')
        for pdb_id, entries in document.items():
            for index, entry in enumerate(entries):
                record = RawRecord(
                    source=self.name,
                    record_id=pdb_id.upper(),
                    data=entry,
                    file=str(path),
                    position=f"{pdb_id}[{index}]",
                    raw=json_raw(entry),
                    fmt=SUMMARY,
                    url=f"https://www.ebi.ac.uk/pdbe/api/pdb/entry/summary/{pdb_id.lower()}",
                )
                if not isinstance(entry, dict):
                    yield fail(record, "summary is not a JSON object")
                    continue
                yield record

    def _parse_solr(self, path: Path) -> Iterator[RawRecord | RecordError]:
        document = read_json(path)
        if isinstance(document, dict) and isinstance(document.get("response"), dict):
            docs = document["response"].get("docs", [])
        elif isinstance(document, dict):
            docs = [document]
        elif isinstance(document, list):
            docs = document
        else:
            raise FileFormatError(str(path), "not a PDBe search document, list of documents or select response")
        entries: dict[str, list[dict[str, Any]]] = {}
        for index, doc in enumerate(docs):
            pdb_id = str(doc.get("pdb_id", "")).upper() if isinstance(doc, dict) else ""
            if not pdb_id:
                raw = json_raw(doc)
                yield RecordError(self.name, str(path), f"document {index}", None, "document has no pdb_id", raw)
                continue
            entries.setdefault(pdb_id, []).append(doc)
        for pdb_id, group in entries.items():
            yield RawRecord(
                source=self.name,
                record_id=pdb_id,
                data=group,
                file=str(path),
                position=f"pdb_id {pdb_id.lower()}",
                raw=json_raw(group),
                fmt=SOLR,
                url=f"https://www.ebi.ac.uk/pdbe/search/pdb/select?q=pdb_id:{pdb_id.lower()}&wt=json",
            )

    # ------------------------------------------------------------------ to_rdf
    def to_rdf(self, record: RawRecord) -> RecordGraph:
        if record.fmt == MMCIF:
            structure = _mmcif_structure(record)
        elif record.fmt == SUMMARY:
            structure = _summary_structure(record)
        elif record.fmt == SOLR:
            structure = _solr_structure(record)
        else:
            raise fail(record, f"unknown format {record.fmt!r}")
        return self._map(record, structure)

    def _map(self, record: RawRecord, s: Structure) -> RecordGraph:
        graph, topic = self.new_graph(record, C.ProteinStructure, "pdb", s.pdb_id)
        graph.add(topic, S.name, s.title)
        graph.add(topic, S.method, [_method(m) for m in dict.fromkeys(s.methods)])
        graph.add(topic, S.resolution, s.resolution)
        graph.add(topic, S.first_public, s.first_public)
        graph.add(topic, S.last_updated, s.last_updated)
        graph.add(topic, S.keywords, list(dict.fromkeys(s.keywords)))
        for taxon_id in dict.fromkeys(s.taxa):
            taxon = reference("ncbitaxon", taxon_id)
            if taxon is not None:
                graph.link(topic, S.taxon, taxon, C.Taxon)
        for accession in dict.fromkeys(s.uniprot):
            protein = reference("uniprot", accession)
            if protein is None:
                log.debug("%s: %r is not a UniProt accession", record.record_id, accession)
                continue
            graph.link(topic, S.polymer_protein, protein, C.Protein)
            graph.link(protein, S.has_structure, topic)
        for ligand in s.ligands:
            compound = reference("pdb.ligand", ligand.id)
            if compound is None:
                continue
            graph.link(topic, S.ligand, compound, C.Compound)
            graph.add(compound, S.accession, ligand.id)
            graph.add(compound, S.name, ligand.name)
            graph.add(compound, S.molecular_formula, ligand.formula)
            graph.add(compound, S.molecular_weight, ligand.weight)
        for pmid, doi in s.citations:
            link_publication(graph, topic, pmid, doi)
        return graph


METHODS = ENUMS["StructureMethodEnum"]  # generated from the schema (the one source of truth)


def _method(text: str) -> str:
    value = text.strip().upper()
    if value not in METHODS:
        log.info("experimental method %r is not in StructureMethodEnum; recorded as OTHER", text)
        return "OTHER"
    return value


# ---------------------------------------------------------------------- mmCIF reading
class CifError(Exception):
    """Malformed or truncated mmCIF, at a line."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


@dataclass
class Block:
    """One ``data_`` block: the wanted categories as lists of rows (a pair category is one row)."""

    name: str
    start: int
    categories: dict[str, list[dict[str, str | None]]] = field(default_factory=dict)
    raw_parts: list[str] = field(default_factory=list)
    raw_size: int = 0

    @property
    def raw(self) -> str:
        return "".join(self.raw_parts)

    def keep(self, line: str) -> None:
        if self.raw_size < RAW_LIMIT:
            self.raw_parts.append(line)
            self.raw_size += len(line)


# A quoted string ends at a quote followed by whitespace (so "O5'" style quotes inside are kept).
_TOKEN = re.compile(r"'(.*?)'(?=\s|$)|\"(.*?)\"(?=\s|$)|(\S+)")
_RESERVED = ("data_", "loop_", "save_", "global_", "stop_")


def _tokens(line: str, lineno: int) -> list[tuple[str, bool]]:
    """(text, quoted) tokens of one line, up to a comment."""
    out = []
    for match in _TOKEN.finditer(line):
        bare = match.group(3)
        if bare is None:
            out.append((match.group(1) if match.group(1) is not None else match.group(2), True))
            continue
        if bare.startswith("#"):
            break
        if bare[0] in "'\"":
            raise CifError(lineno, f"unterminated quoted string {bare[:30]!r} (truncated file?)")
        out.append((bare, False))
    return out


class _Reader:
    """The tokenizer's state between lines: current block, pending tag, open loop, open text field."""

    def __init__(self, wanted: frozenset[str]) -> None:
        self.wanted = wanted
        self.block: Block | None = None
        self.done: list[Block] = []
        self.pending: str | None = None
        self.pending_line = 0
        self.loop_tags: list[str] | None = None
        self.loop_header = False
        self.loop_wanted = False
        self.loop_values: list[str | None] = []
        self.loop_count = 0
        self.loop_line = 0
        self.text: list[str] | None = None
        self.text_line = 0

    # ------------------------------------------------------------ lines
    def feed(self, lineno: int, line: str) -> None:
        if self.text is not None:
            if not line.startswith(";"):
                self.text.append(line.rstrip("\r\n"))
                self._keep(line)
                return
            value = "\n".join(self.text).strip()
            self.text = None
            self._value(value, lineno)
            self._keep(line)
            for token, quoted in _tokens(line[1:], lineno):
                self._token(token, quoted, lineno)
            return
        if line.startswith(";"):
            self.text = [line[1:].rstrip("\r\n")]
            self.text_line = lineno
            self._keep(line)
            return
        if self._skippable(line):
            self.loop_count += len(line.split())
            return
        self._keep(line)
        for token, quoted in _tokens(line, lineno):
            self._token(token, quoted, lineno)

    def _skippable(self, line: str) -> bool:
        """A plain row of a loop the mapping does not read: counted with split(), never tokenized or held."""
        if self.loop_tags is None or self.loop_header or self.loop_wanted:
            return False
        if "'" in line or '"' in line or "#" in line:
            return False
        head = line.lstrip()
        return bool(head) and not head.startswith("_") and not head.lower().startswith(_RESERVED)

    def _keep(self, line: str) -> None:
        if self.block is not None:
            self.block.keep(line)

    # ------------------------------------------------------------ tokens
    def _token(self, token: str, quoted: bool, lineno: int) -> None:
        lower = token.lower()
        if not quoted and lower.startswith("data_"):
            self.end_block(lineno)
            self.block = Block(token[5:], lineno)
            self.block.keep(f"{token}\n")
            return
        if not quoted and lower == "loop_":
            self._close(lineno)
            self.loop_tags, self.loop_header, self.loop_line = [], True, lineno
            return
        if not quoted and token.startswith("_"):
            if self.loop_header and self.loop_tags is not None:
                self.loop_tags.append(token)
                return
            self._close(lineno)
            self.pending, self.pending_line = token, lineno
            return
        if not quoted and lower.startswith(_RESERVED):
            raise CifError(lineno, f"unsupported CIF construct {token!r}")
        self._value(None if not quoted and token in ("?", ".") else token, lineno)

    def _value(self, value: str | None, lineno: int) -> None:
        if self.block is None:
            raise CifError(lineno, "data before the first data_ block header (not an mmCIF file?)")
        if self.pending is not None:
            category, item = _split_tag(self.pending)
            if category in self.wanted:
                rows = self.block.categories.setdefault(category, [])
                if not rows:
                    rows.append({})
                rows[0][item] = value
            self.pending = None
            return
        if self.loop_tags is not None:
            if self.loop_header:
                if not self.loop_tags:
                    raise CifError(lineno, "loop_ without item names")
                self.loop_header = False
                self.loop_wanted = _split_tag(self.loop_tags[0])[0] in self.wanted
                self.loop_values, self.loop_count = [], 0
            self.loop_count += 1
            if self.loop_wanted:
                self.loop_values.append(value)
            return
        raise CifError(lineno, f"value {str(value)[:30]!r} has no item name")

    def _close(self, lineno: int) -> None:
        """End the open loop (if any): check it is complete and store its rows when wanted."""
        if self.pending is not None:
            raise CifError(self.pending_line, f"{self.pending} has no value")
        if self.loop_tags is None:
            return
        tags, self.loop_tags = self.loop_tags, None
        if self.loop_header:
            raise CifError(self.loop_line, "loop_ has item names but no values (truncated file?)")
        width = len(tags)
        category = _split_tag(tags[0])[0]
        if self.loop_count % width:
            raise CifError(
                lineno,
                f"loop of _{category} ends with an incomplete row: {self.loop_count} values "
                f"for {width} items per row (truncated file?)",
            )
        if self.loop_wanted and self.block is not None:
            items = [_split_tag(t)[1] for t in tags]
            rows = self.block.categories.setdefault(category, [])
            values = self.loop_values
            rows.extend(dict(zip(items, values[i : i + width], strict=True)) for i in range(0, len(values), width))
        self.loop_values = []

    def end_block(self, lineno: int) -> None:
        if self.text is not None:
            raise CifError(self.text_line, "text field opened with ';' is never closed (truncated file?)")
        self._close(lineno)
        if self.block is not None:
            self.done.append(self.block)
        self.block = None


def _split_tag(tag: str) -> tuple[str, str]:
    category, _, item = tag[1:].partition(".")
    return category, item


def read_blocks(lines: Iterable[tuple[int, str]], wanted: frozenset[str]) -> Iterator[Block]:
    """Stream the ``data_`` blocks of an mmCIF file with the ``wanted`` categories; raises CifError."""
    reader = _Reader(wanted)
    last = 0
    for lineno, line in lines:
        last = lineno
        if reader.block is None and not reader.done and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if reader.block is None and not line.lstrip().lower().startswith("data_"):
            raise CifError(lineno, f"expected a data_ block header, found {line.strip()[:40]!r} (not an mmCIF file?)")
        reader.feed(lineno, line)
        yield from reader.done
        reader.done.clear()
    reader.end_block(last)
    yield from reader.done


# ---------------------------------------------------------------------- mmCIF -> Structure
def _first(categories: dict[str, list[dict[str, str | None]]], category: str, item: str) -> str | None:
    for row in categories.get(category, []):
        if row.get(item):
            return row[item]
    return None


def _values(categories: dict[str, list[dict[str, str | None]]], category: str, item: str) -> list[str]:
    return [str(row[item]) for row in categories.get(category, []) if row.get(item)]


def _mmcif_structure(record: RawRecord) -> Structure:
    cats: dict[str, list[dict[str, str | None]]] = record.data
    s = Structure(pdb_id=record.record_id)
    s.title = _first(cats, "struct", "title")
    s.methods = _values(cats, "exptl", "method")
    for category, item in (
        ("refine", "ls_d_res_high"),
        ("em_3d_reconstruction", "resolution"),
        ("reflns", "d_resolution_high"),
    ):
        numeric = [v for v in _values(cats, category, item) if _is_number(v)]
        if numeric:
            s.resolution = min(numeric, key=float)
            break
    history = cats.get("pdbx_audit_revision_history", [])
    dates = [_date(record, row["revision_date"]) for row in history if row.get("revision_date")]
    if not dates:  # files from before the 2014 remediation of revision records
        dates = [_date(record, v) for v in _values(cats, "database_PDB_rev", "date")]
    initial = [
        _date(record, str(row["revision_date"]))
        for row in history
        if row.get("ordinal") == "1" and row.get("revision_date")
    ]
    s.first_public = initial[0] if initial else min(dates, default=None)
    s.last_updated = max(dates, default=None)
    for category, item in (
        ("entity_src_gen", "pdbx_gene_src_ncbi_taxonomy_id"),
        ("entity_src_nat", "pdbx_ncbi_taxonomy_id"),
    ):
        for value in _values(cats, category, item):
            s.taxa += [t.strip() for t in value.split(",") if t.strip().isdigit()]
    keywords = _first(cats, "struct_keywords", "text")
    s.keywords = [k.strip() for k in keywords.split(",") if k.strip()] if keywords else []
    if pdbx_keywords := _first(cats, "struct_keywords", "pdbx_keywords"):
        s.keywords.append(pdbx_keywords.strip())
    s.uniprot = [
        str(row["pdbx_db_accession"])
        for row in cats.get("struct_ref", [])
        if row.get("db_name") == "UNP" and row.get("pdbx_db_accession")
    ]
    for row in cats.get("chem_comp", []):
        comp_id = row.get("id")
        if not comp_id or comp_id.upper() in NOT_LIGANDS or row.get("mon_nstd_flag") == "y":
            continue
        weight = row.get("formula_weight")
        s.ligands.append(
            Ligand(comp_id, row.get("name"), row.get("formula"), weight if weight and _is_number(weight) else None)
        )
    for row in cats.get("citation", []):
        if row.get("id") == "primary":
            s.citations.append((row.get("pdbx_database_id_PubMed"), row.get("pdbx_database_id_DOI")))
    return s


def _date(record: RawRecord, value: Any) -> dt.date:
    text = str(value).strip()
    try:
        if re.fullmatch(r"\d{8}", text):
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise fail(record, f"malformed date {text!r}") from None


def _is_number(text: Any) -> bool:
    try:
        float(text)
    except (TypeError, ValueError):
        return False
    return True


# ---------------------------------------------------------------------- PDBe JSON -> Structure
def _summary_structure(record: RawRecord) -> Structure:
    d: dict[str, Any] = record.data
    s = Structure(pdb_id=record.record_id, title=d.get("title"))
    s.methods = [str(m) for m in d.get("experimental_method") or []]
    s.first_public = _date(record, d["release_date"]) if d.get("release_date") else None
    s.last_updated = _date(record, d["revision_date"]) if d.get("revision_date") else None
    return s


def _solr_structure(record: RawRecord) -> Structure:
    docs: list[dict[str, Any]] = record.data
    s = Structure(pdb_id=record.record_id)
    for doc in docs:
        s.title = s.title or doc.get("title")
        s.methods += [str(m) for m in _list(doc.get("experimental_method"))]
        resolution = doc.get("resolution")
        if s.resolution is None and _is_number(resolution):
            s.resolution = str(resolution)
        if doc.get("release_date") and s.first_public is None:
            s.first_public = _date(record, doc["release_date"])
        if doc.get("revision_date") and s.last_updated is None:
            s.last_updated = _date(record, doc["revision_date"])
        s.taxa += [str(t) for t in _list(doc.get("tax_id"))]
        s.uniprot += [str(a) for a in _list(doc.get("uniprot_accession"))]
        names = dict(_split_name(n) for n in _list(doc.get("compound_name")))
        ids = [str(c) for c in _list(doc.get("compound_id"))]
        weights = _list(doc.get("compound_weight"))
        weights = weights if len(weights) == len(ids) else [None] * len(ids)
        for comp_id, weight in zip(ids, weights, strict=True):
            if comp_id.upper() not in NOT_LIGANDS and all(lig.id != comp_id for lig in s.ligands):
                s.ligands.append(Ligand(comp_id, names.get(comp_id), None, str(weight) if _is_number(weight) else None))
        if doc.get("pubmed_id") or doc.get("citation_doi"):
            citation = (_scalar(doc.get("pubmed_id")), _scalar(doc.get("citation_doi")))
            if citation not in s.citations:
                s.citations.append(citation)
    return s


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _scalar(value: Any) -> str | None:
    values = _list(value)
    return str(values[0]) if values else None


def _split_name(text: Any) -> tuple[str, str]:
    """ "D2F : 5-[(1E)-2-..." -> ("D2F", "5-[(1E)-2-...")."""
    comp_id, _, name = str(text).partition(" : ")
    return comp_id.strip(), name.strip()


LOADER = PdbLoader()
