"""ChEMBL: molecules, targets, assays, activities and documents.

Two wire formats, each a single object, a bare array or a page:

* ``chembl-ws-json``: the web services (``/api/data/molecule`` ...): an object, an array of objects,
  or a page ``{"molecules": [...], "page_meta": {...}}``; the type is read off the page key or,
  for a bare object, off the fields it has;
* ``chembl-es-json``: Elasticsearch hits ``{"_index": "chembl_28_activity", "_id", "_source"}``, a
  bare list of hits or the search envelope ``{"hits": {"hits": [...]}}``; the index names the type
  and the ChEMBL release.

Each object is one record, except drug indications (``/drug_indication``: a page ``{"drug_indications":
[...]}``, an array or one object): a molecule's indications in one file are one record,
``<molecule>/indications`` (so it never replaces the molecule's own record), adding to the Compound an
``indication`` per disease term (EFO, Orphanet, MONDO and MeSH IRIs). The clinical phase per indication
(``max_phase_for_ind``) and the ClinicalTrials/FDA label references are not mapped: ``indication`` is a
plain IRI link with no place for them.

A document is a Publication keyed by the portal-wide rule (PubMed id, else DOI, else the ChEMBL
document IRI), with the ChEMBL document IRI as same_as; every other record links documents the same
way, so both land on one node whenever they carry the same ids.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode

from covid_portal.publications import PublicationIds, add_author, add_identifiers, split_author_string
from covid_portal.records import FileFormatError, RawRecord, RecordError, RecordGraph, fail
from covid_portal.slots import ClassTerm, SlotTerm
from covid_portal.terms import C, S
from loaders._json import read_json_lazily
from loaders.base import Loader, is_array, json_raw, reference

log = logging.getLogger(__name__)

WS_BASE = "https://www.ebi.ac.uk/chembl/api/data/"
WS_URL = WS_BASE + "{}/{}"
TYPES = ("molecule", "target", "assay", "activity", "document", "drug_indication")
_PAGE_KEYS = {"molecules": "molecule", "targets": "target", "assays": "assay", "activities": "activity",
              "documents": "document", "drug_indications": "drug_indication"}  # fmt: skip
# where a page, a dump or a search response holds its records (read one at a time: loaders._json)
_ROUTES = {(), ("hits", "hits"), *((key,) for key in _PAGE_KEYS)}
_ID_FIELD = {
    "molecule": "molecule_chembl_id",
    "target": "target_chembl_id",
    "assay": "assay_chembl_id",
    "activity": "activity_id",
    "document": "document_chembl_id",
    "drug_indication": "molecule_chembl_id",
}
# disease vocabularies of drug indications (efo_id is "EFO:0001075", "Orphanet:145", "MONDO:0004975")
_DISEASE_SPACES = {"EFO": "efo", "Orphanet": "orphanet", "MONDO": "mondo"}
_ES_INDEX = re.compile(r"^chembl_(?P<release>\d+(?:_\d+)?)_(?P<type>molecule|target|assay|activity|document)$")
_WS_FIELDS = re.compile(r'"(?:molecule|target|assay|document)_chembl_id"|"activity_id"')


class ChemblLoader(Loader):
    name = "chembl"
    title = "ChEMBL"
    homepage = "https://www.ebi.ac.uk/chembl/"
    license = "https://creativecommons.org/licenses/by-sa/3.0/"
    formats = ("chembl-ws-json", "chembl-es-json")

    def sniff(self, path: Path, head: str) -> str | None:
        text = head.lstrip()
        if not text.startswith(("{", "[")):
            return None
        if re.search(r'"_index"\s*:\s*"chembl_', text) and '"_source"' in text:
            return "chembl-es-json"
        # mechanisms etc. carry molecule ids too but have no slot in the model
        if _WS_FIELDS.search(text) and '"mec_id"' not in text:
            return "chembl-ws-json"
        return None

    # ------------------------------------------------------------------ parse
    def parse(self, path: Path, fmt: str) -> Iterator[RawRecord | RecordError]:
        data = read_json_lazily(path, _ROUTES)
        if fmt == "chembl-es-json":
            yield from self._parse_es(path, data)
        elif fmt == "chembl-ws-json":
            yield from self._parse_ws(path, data)
        else:
            raise ValueError(f"chembl loader has no format {fmt!r}")

    def _parse_ws(self, path: Path, data: Any) -> Iterator[RawRecord | RecordError]:
        kind: str | None = None
        if isinstance(data, dict):
            page = [key for key in _PAGE_KEYS if is_array(data.get(key))]
            if page:
                kind, items = _PAGE_KEYS[page[0]], data[page[0]]
            else:
                items = [data]
                kind = "drug_indication" if _ws_kind(data) == "drug_indication" else None
        elif is_array(data):
            items = data
            # a web-service array holds one type: an object too damaged to tell takes the others' type
            kinds = Counter(_ws_kind(item) for item in items if isinstance(item, dict))
            kinds.pop(None, None)
            kind = kinds.most_common(1)[0][0] if len(kinds) == 1 else None
        else:
            raise FileFormatError(str(path), "not ChEMBL web-service JSON: expected an object, an array or a page")
        if kind == "drug_indication":
            yield from self._indications_by_molecule(path, items)
            return
        for i, item in enumerate(items, 1):
            position = f"item {i}"
            item_kind = kind or (_ws_kind(item) if isinstance(item, dict) else None)
            yield self._record(path, position, item, item_kind, "chembl-ws-json", None)

    def _indications_by_molecule(self, path: Path, items: list[Any]) -> Iterator[RawRecord | RecordError]:
        """One record per molecule, holding all its indications in the file (first item's position)."""
        groups: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        for i, item in enumerate(items, 1):
            molecule = _text(item.get("molecule_chembl_id")) if isinstance(item, dict) else None
            if molecule is None:
                reason = "drug indication has no molecule_chembl_id"
                yield RecordError(self.name, str(path), f"item {i}", None, reason, json_raw(item))
                continue
            groups.setdefault(molecule, []).append((i, item))
        for molecule, group in groups.items():
            indications = [item for _, item in group]
            yield RawRecord(
                self.name,
                f"{molecule}/indications",
                {"type": "drug_indication", "object": {"molecule_chembl_id": molecule, "indications": indications}},
                str(path),
                f"item {group[0][0]}",
                json_raw(indications),
                "chembl-ws-json",
                url=f"{WS_BASE}drug_indication?molecule_chembl_id={molecule}",
            )

    def _parse_es(self, path: Path, data: Any) -> Iterator[RawRecord | RecordError]:
        if isinstance(data, dict) and isinstance(data.get("hits"), dict):
            hits = data["hits"].get("hits")
        elif isinstance(data, dict) and "_source" in data:
            hits = [data]
        else:
            hits = data
        if not is_array(hits):
            raise FileFormatError(str(path), "not a ChEMBL Elasticsearch response: no list of hits")
        for i, hit in enumerate(hits, 1):
            position = f"hit {i}"
            source = hit.get("_source") if isinstance(hit, dict) else None
            match = _ES_INDEX.match(str(hit.get("_index", ""))) if isinstance(hit, dict) else None
            if not isinstance(source, dict):
                yield RecordError(self.name, str(path), position, None, "hit has no _source object", json_raw(hit))
                continue
            if match is None:
                reason = f"index {hit.get('_index')!r} is not a ChEMBL molecule/target/assay/activity/document index"
                yield RecordError(self.name, str(path), position, str(hit.get("_id") or ""), reason, json_raw(hit))
                continue
            yield self._record(path, position, source, match["type"], "chembl-es-json", match["release"])

    def _record(
        self, path: Path, position: str, item: Any, kind: str | None, fmt: str, release: str | None
    ) -> RawRecord | RecordError:
        raw = json_raw(item)
        if kind is None or not isinstance(item, dict):
            return RecordError(self.name, str(path), position, None, "cannot tell the ChEMBL record type", raw)
        local = item.get(_ID_FIELD[kind])
        if local in (None, ""):
            return RecordError(self.name, str(path), position, None, f"{kind} has no {_ID_FIELD[kind]}", raw)
        record_id = f"CHEMBL_ACT_{local}" if kind == "activity" else str(local).strip()
        return RawRecord(
            self.name,
            record_id,
            {"type": kind, "object": item},
            str(path),
            position,
            raw,
            fmt,
            url=WS_URL.format(kind, local),
            release=release,
        )

    # ------------------------------------------------------------------ to_rdf
    def to_rdf(self, record: RawRecord) -> RecordGraph:
        kind, obj = record.data["type"], record.data["object"]
        mapper = {
            "molecule": self._molecule,
            "target": self._target,
            "assay": self._assay,
            "activity": self._activity,
            "document": self._document,
            "drug_indication": self._indications,
        }[kind]
        return mapper(record, obj)

    def _molecule(self, record: RawRecord, m: dict[str, Any]) -> RecordGraph:
        graph, topic = self.new_graph(record, C.Compound, "chembl.compound", record.record_id)
        name = _text(m.get("pref_name"))
        graph.add(topic, S.name, name)
        synonyms = [s.get("molecule_synonym") or s.get("synonyms") for s in m.get("molecule_synonyms") or []]
        graph.add(topic, S.synonym, _unique([s for s in synonyms if s and s.lower() != (name or "").lower()]))
        structures = m.get("molecule_structures") or {}
        graph.add(topic, S.inchikey, structures.get("standard_inchi_key"))
        graph.add(topic, S.inchi, structures.get("standard_inchi"))
        graph.add(topic, S.smiles, structures.get("canonical_smiles"))
        properties = m.get("molecule_properties") or {}
        graph.add(topic, S.molecular_formula, properties.get("full_molformula"))
        graph.add(topic, S.molecular_weight, properties.get("full_mwt"))
        graph.add(topic, S.max_phase, _number(m.get("max_phase")))
        if m.get("chebi_par_id") not in (None, ""):
            chebi = reference("chebi", str(m["chebi_par_id"]))
            if chebi is None:
                raise fail(record, f"chebi_par_id {m['chebi_par_id']!r} is not a ChEBI id")
            graph.add(topic, S.chebi, chebi)
        return graph

    def _indications(self, record: RawRecord, d: dict[str, Any]) -> RecordGraph:
        graph, topic = self.new_graph(record, C.Compound, "chembl.compound", d["molecule_chembl_id"])
        for item in d["indications"]:
            terms = [_text(item.get("efo_id")), f"MeSH:{item['mesh_id']}" if _text(item.get("mesh_id")) else None]
            for term in filter(None, terms):
                vocabulary, _, local = term.partition(":")
                space = "mesh" if vocabulary == "MeSH" else _DISEASE_SPACES.get(vocabulary)
                if space is None:
                    log.debug("%s: indication %s is in a vocabulary the portal does not map", record.record_id, term)
                    continue
                disease = reference(space, local.strip())
                if disease is None:
                    raise fail(record, f"indication {term!r} is not a valid {space} identifier")
                graph.add(topic, S.indication, disease)
        graph.deduplicate()
        return graph

    def _target(self, record: RawRecord, t: dict[str, Any]) -> RecordGraph:
        graph, topic = self.new_graph(record, C.Target, "chembl.target", record.record_id)
        graph.add(topic, S.name, t.get("pref_name"))
        graph.add(topic, S.target_type, t.get("target_type"))
        _link_taxon(graph, topic, t.get("tax_id"))
        # components without an accession are RNA or other non-protein parts: the model has no slot for them
        for component in t.get("target_components") or []:
            accession = _text(component.get("accession")) if isinstance(component, dict) else None
            if not accession:
                continue
            protein = reference("uniprot", accession)
            if protein is None:
                raise fail(record, f"target component {accession!r} is not a UniProtKB accession")
            graph.link(topic, S.target_component, protein, C.Protein)
            graph.link(protein, S.targeted_by, topic)
        return graph

    def _assay(self, record: RawRecord, a: dict[str, Any]) -> RecordGraph:
        graph, topic = self.new_graph(record, C.Assay, "chembl.assay", record.record_id)
        graph.add(topic, S.description, a.get("description"))
        graph.add(topic, S.assay_type, a.get("assay_type"))
        _link(graph, record, topic, S.assay_target, "chembl.target", a.get("target_chembl_id"), C.Target)
        _link_taxon(graph, topic, a.get("assay_tax_id"))
        graph.add(topic, S.cell_line, _text(a.get("assay_cell_type")))
        document = (a.get("_metadata") or {}).get("document_data") or {}
        _link_document(
            graph, record, topic, a.get("document_chembl_id"), document.get("pubmed_id"), document.get("doi")
        )
        return graph

    def _activity(self, record: RawRecord, a: dict[str, Any]) -> RecordGraph:
        graph, topic = self.new_graph(record, C.BioactivityMeasurement, "chembl.activity", record.record_id)
        compound = _link(graph, record, topic, S.measured_compound, "chembl.compound", a.get("molecule_chembl_id"),
                         C.Compound)  # fmt: skip
        if compound is not None:
            graph.link(compound, S.has_activity, topic)
        _link(graph, record, topic, S.in_assay, "chembl.assay", a.get("assay_chembl_id"), C.Assay)
        _link(graph, record, topic, S.activity_target, "chembl.target", a.get("target_chembl_id"), C.Target)
        graph.add(topic, S.standard_type, a.get("standard_type"))
        graph.add(topic, S.standard_relation, a.get("standard_relation"))
        graph.add(topic, S.standard_value, _number(a.get("standard_value")))
        graph.add(topic, S.standard_units, a.get("standard_units"))
        graph.add(topic, S.pchembl_value, _number(a.get("pchembl_value")))
        _link_document(graph, record, topic, a.get("document_chembl_id"), None, None)
        return graph

    def _document(self, record: RawRecord, d: dict[str, Any]) -> RecordGraph:
        ids = PublicationIds(pmid=_text(d.get("pubmed_id")), doi=d.get("doi"))
        best = ids.primary()
        prefix, local = best if best else ("chembl.document", record.record_id)
        graph, topic = self.new_graph(record, C.Publication, prefix, local)
        add_identifiers(graph, topic, ids)
        if best:
            chembl_document = reference("chembl.document", record.record_id)
            if chembl_document is None:
                raise fail(record, f"{record.record_id!r} is not a ChEMBL document id")
            graph.add(topic, S.same_as, chembl_document)
        graph.add(topic, S.title, d.get("title"))
        graph.add(topic, S.description, d.get("abstract"))
        graph.add(topic, S.journal, d.get("journal_full_title") or d.get("journal"))
        graph.add(topic, S.volume, _text(d.get("volume")))
        graph.add(topic, S.issue, _text(d.get("issue")))
        pages = "-".join(p for p in (_text(d.get("first_page")), _text(d.get("last_page"))) if p)
        graph.add(topic, S.pages, pages)
        graph.add(topic, S.publication_year, d.get("year"))
        for position, author in enumerate(_authors(d.get("authors")), 1):
            add_author(graph, topic, position, name=author)
        return graph


# ---------------------------------------------------------------------- helpers
def _ws_kind(obj: dict[str, Any]) -> str | None:
    """The type of a bare web-service object, from the fields only that type has."""
    if "drugind_id" in obj:
        return "drug_indication"
    if "activity_id" in obj:
        return "activity"
    if "assay_chembl_id" in obj and "assay_type" in obj:
        return "assay"
    if "target_chembl_id" in obj and ("target_components" in obj or "target_type" in obj):
        return "target"
    if "molecule_chembl_id" in obj and any(k in obj for k in ("molecule_structures", "molecule_properties",
                                                              "molecule_type")):  # fmt: skip
        return "molecule"
    if "document_chembl_id" in obj and any(k in obj for k in ("doc_type", "title", "journal")):
        return "document"
    return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _number(value: Any) -> float | None:
    """A numeric field, which ChEMBL gives as a number or a string ("4.0", "0.2037")."""
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _unique(values: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for value in values:
        value = value.strip()
        if value and value.lower() not in seen:
            seen.add(value.lower())
            out.append(value)
    return out


def _authors(text: Any) -> list[str]:
    """Author names from ChEMBL's ``authors`` ("Ward KW, Nagilla R, Jolivette LJ." or "A B, C D, and E F")."""
    names = split_author_string(_text(text))
    return [re.sub(r"^and\s+", "", name) for name in names if name.lower() != "and"]


def _link(
    graph: RecordGraph,
    record: RawRecord,
    subject: NamedNode,
    slot: SlotTerm,
    prefix: str,
    local: Any,
    cls: ClassTerm,
) -> NamedNode | None:
    """``subject slot <prefix:local>`` (typed ``cls``); a malformed id fails the record."""
    local = _text(local)
    if local is None:
        return None
    target = reference(prefix, local)
    if target is None:
        raise fail(record, f"{local!r} is not a valid {prefix} identifier")
    graph.link(subject, slot, target, cls)
    return target


def _link_taxon(graph: RecordGraph, subject: NamedNode, tax_id: Any) -> None:
    taxon = reference("ncbitaxon", str(tax_id)) if tax_id not in (None, "") else None
    if taxon is not None:
        graph.link(subject, S.taxon, taxon, C.Taxon)


def _link_document(
    graph: RecordGraph, record: RawRecord, subject: NamedNode, document: Any, pmid: Any, doi: Any
) -> None:
    """``subject has_publication P`` for a ChEMBL document: P keyed by PubMed id, else DOI, else ChEMBL id."""
    ids = PublicationIds(pmid=_text(pmid), doi=doi)
    publication = ids.iri()
    if publication is None:
        _link(graph, record, subject, S.has_publication, "chembl.document", document, C.Publication)
        return
    graph.link(subject, S.has_publication, publication, C.Publication)
    add_identifiers(graph, publication, ids)
    chembl_document = reference("chembl.document", _text(document) or "")
    if chembl_document is not None:
        graph.add(publication, S.same_as, chembl_document)


LOADER = ChemblLoader()
