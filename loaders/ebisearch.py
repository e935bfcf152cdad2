"""COVID-19 Data Portal / EBI Search JSON -> sequences, read runs and other entries by accession.

The portal's backend (``/api/backend/viral-sequences/sequences``, ``.../raw-reads``) and EBI Search
(``/ebisearch/ws/rest/<domain>?format=json``) answer with one shape::

    {"hitCount": 123, "entries": [{"id": "MN908947", "acc": "MN908947", "source": "embl-covid19",
                                   "fields": {"collection_date": ["2019-12"], "TAXON": ["2697049"]}}],
     "facets": []}

Every ``fields`` value is a list of strings (the first value is used for single-valued slots). The
record id is ``id``, else ``acc``. An empty or absent ``entries`` list is a valid last page.

No real response of either API was available (see the project's portal_api notes); the mapping
follows the documented shape and the field names that client code requests, and the test fixture
is constructed from that documentation.

Domains (``source``) and what their entries become:

* ``embl-covid19`` / ``sequences``: NucleotideSequence (ENA accession), with collection date,
  country (and location when the value is ``country: region``), host, taxon (``TAXON``), lineage,
  isolate, strain, molecule type, centre name, first public (``creation_date``) and last updated;
* ``sra-experiment-covid19`` / ``raw-reads``: by accession form, ReadRun (``ERR``/``SRR``/``DRR``)
  or SequencingExperiment (``ERX``/...), with instrument, library, counts and sample fields;
* ``uniprot``, ``pdbe``, ``pride``, ``chembl-molecule``, ``chembl-target``, ``biosamples``: the
  entity of that accession (Protein, ProteinStructure, ProteomicsProject, Compound, Target,
  Sample) with its name and description where given.

Sequence and read values follow the INSDC conventions the ENA loader reads too (``loaders._insdc``:
missing-value terms, ``Country:Region``, dates such as ``Dec-2019``; EBI Search's compact dates
``20200911`` are read as well). Any other domain, an accession that does not fit its domain, or an
unreadable collection date is a RecordError (quarantined). Fields the schema has no slot for
(coverage, phylogeny, WHO label) are not loaded.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode

from covid_portal.publications import DATABASES, insdc_entity
from covid_portal.records import FileFormatError, RawRecord, RecordError, RecordGraph, fail
from covid_portal.slots import ClassTerm, SlotTerm
from covid_portal.terms import ENUMS, C, S
from loaders import _insdc as insdc
from loaders._json import read_json_lazily
from loaders.base import Loader, is_array, json_raw

log = logging.getLogger(__name__)

EBI_SEARCH = "https://www.ebi.ac.uk/ebisearch/ws/rest/"
RESPONSE_KEYS = {"hitCount", "entries", "facets"}
# the index (dump) shape partner nodes export for the central portal (covid_portal.federation.index_export)
INDEX_KEYS = {"name", "release", "release_date", "entry_count", "entries"}
SEQUENCE_DOMAINS = {"embl-covid19", "sequences"}
READ_DOMAINS = {"sra-experiment-covid19", "raw-reads"}
OTHER_DOMAINS = ("uniprot", "pdbe", "pride", "chembl-molecule", "chembl-target", "biosamples")

MOLECULE_TYPES = ENUMS["MoleculeTypeEnum"]  # the INSDC /mol_type vocabulary, from the schema
# field name in the portal / EBI Search -> schema slot (literal fields)
TEXT_FIELDS: dict[str, SlotTerm] = {
    "lineage": S.lineage,
    "isolate": S.isolate,
    "strain": S.strain,
    "center_name": S.center_name,
    "instrument_platform": S.instrument_platform,
    "instrument_model": S.instrument_model,
    "library_strategy": S.library_strategy,
    "library_source": S.library_source,
    "library_selection": S.library_selection,
    "library_layout": S.library_layout,
    "name": S.name,
    "description": S.description,
}
COUNT_FIELDS: dict[str, SlotTerm] = {
    "read_count": S.read_count,
    "base_count": S.base_count,
    "sequence_length": S.sequence_length,
    "length": S.sequence_length,
}
DATE_FIELDS: dict[str, SlotTerm] = {
    "creation_date": S.first_public,
    "first_public": S.first_public,
    "last_modification_date": S.last_updated,
    "last_updated": S.last_updated,
}
# which slots each target class has (the shapes are closed)
CLASS_SLOTS: dict[str, set[str]] = {
    "NucleotideSequence": {
        "collection_date", "country", "location", "host", "taxon", "lineage", "isolate", "strain",
        "molecule_type", "center_name", "sequence_length", "first_public", "last_updated", "name", "description",
    },
    "ReadRun": {
        "collection_date", "country", "host", "taxon", "instrument_platform", "instrument_model",
        "library_strategy", "library_layout", "read_count", "base_count", "center_name", "first_public",
        "last_updated", "name", "description",
    },
    "SequencingExperiment": {
        "instrument_platform", "instrument_model", "library_strategy", "library_source", "library_selection",
        "library_layout", "name", "description",
    },
    "Protein": {"taxon", "sequence_length", "first_public", "last_updated", "name", "description"},
    "ProteinStructure": {"taxon", "first_public", "last_updated", "name", "description"},
    "ProteomicsProject": {"taxon", "first_public", "last_updated", "name", "description"},
    "Sample": {"taxon", "host", "collection_date", "country", "location", "center_name", "first_public",
               "last_updated", "name", "description"},
    "Compound": {"name", "description"},
    "Target": {"taxon", "name", "description"},
}  # fmt: skip


class EBISearchLoader(Loader):
    name = "ebisearch"
    title = "COVID-19 Data Portal / EBI Search"
    homepage = "https://www.covid19dataportal.org/"
    license = "https://www.ebi.ac.uk/about/terms-of-use"
    formats = ("ebisearch-json",)

    def sniff(self, path: Path, head: str) -> str | None:
        text = head.lstrip()
        if text.startswith("{") and '"entries"' in text and ('"hitCount"' in text or '"entry_count"' in text):
            return "ebisearch-json"
        return None

    def parse(self, path: Path, fmt: str) -> Iterator[RawRecord | RecordError]:
        doc = read_json_lazily(path, {("entries",)})
        # an absent entries list is a valid last page, but only in a document of this shape
        index = isinstance(doc, dict) and "entry_count" in doc and not set(doc) - INDEX_KEYS
        if not index and (
            not isinstance(doc, dict) or not ("entries" in doc or "hitCount" in doc) or set(doc) - RESPONSE_KEYS
        ):
            raise FileFormatError(
                str(path),
                "not an EBI Search / COVID-19 Data Portal response: expected hitCount, entries, facets "
                "(or an index export: name, release, release_date, entry_count, entries)",
            )
        entries = doc.get("entries") or []
        if not is_array(entries):
            raise FileFormatError(str(path), "entries is not a list")
        for index, entry in enumerate(entries, 1):
            position, raw = f"entry {index}", json_raw(entry)
            if not isinstance(entry, dict):
                yield RecordError(self.name, str(path), position, None, "entry is not an object", raw)
                continue
            record_id = _text(entry.get("id")) or _text(entry.get("acc"))
            if record_id is None:
                yield RecordError(self.name, str(path), position, None, "entry has neither id nor acc", raw)
                continue
            domain = _text(entry.get("source")) or ""
            url = f"{EBI_SEARCH}{domain}/entry/{record_id}?format=json" if domain else None
            yield RawRecord(self.name, record_id, entry, str(path), position, raw, fmt, url)

    # ------------------------------------------------------------------ to_rdf
    def to_rdf(self, record: RawRecord) -> RecordGraph:
        entry: dict[str, Any] = record.data
        domain = (_text(entry.get("source")) or "").lower()
        accession = _text(entry.get("acc")) or record.record_id
        fields = entry.get("fields") if isinstance(entry.get("fields"), dict) else {}
        if domain in SEQUENCE_DOMAINS:
            prefix, cls = insdc.sequence_prefix(accession), C.NucleotideSequence
        elif domain in READ_DOMAINS:
            found = insdc_entity(accession)
            if found is None or found[1] not in (C.ReadRun, C.SequencingExperiment):
                raise fail(record, f"{accession!r} is not an SRA run or experiment accession ({domain} entry)")
            prefix, cls = "insdc.sra", found[1]
        elif domain in OTHER_DOMAINS:
            entry_db = DATABASES[domain]
            assert entry_db is not None
            prefix, cls = entry_db
        elif not domain:
            raise fail(record, "entry has no source domain")
        else:
            known = sorted(SEQUENCE_DOMAINS | READ_DOMAINS | set(OTHER_DOMAINS))
            raise fail(record, f"unknown EBI Search domain {domain!r} (known: {', '.join(known)})")
        graph, topic = self.new_graph(record, cls, prefix, accession)
        self._fields(graph, topic, cls, fields, record)
        return graph

    def _fields(
        self, graph: RecordGraph, topic: NamedNode, cls: ClassTerm, fields: dict[str, Any], record: RawRecord
    ) -> None:
        allowed = CLASS_SLOTS.get(cls.name, set())

        def put(slot: SlotTerm, value: Any) -> None:
            if slot.name in allowed and value is not None:
                graph.add(topic, slot, value)

        for name, slot in TEXT_FIELDS.items():
            put(slot, _first(fields, name))
        for name, slot in COUNT_FIELDS.items():
            value = _first(fields, name)
            put(slot, int(value) if value and value.isdigit() else None)
        for name, slot in DATE_FIELDS.items():
            put(slot, _day(_first(fields, name), record, name))
        put(S.collection_date, insdc.collection_date(record, _dashed(_first(fields, "collection_date"))))
        country, location = insdc.split_country(_first(fields, "country"))
        put(S.country, country)
        put(S.location, location)
        molecule = _first(fields, "molecule_type")
        if molecule in MOLECULE_TYPES:
            put(S.molecule_type, molecule)
        elif molecule:
            log.warning("%s: %s: molecule type %r is not an INSDC mol_type", record.file, record.record_id, molecule)
        if "host" in allowed:
            insdc.add_host(graph, topic, _first(fields, "host"))
        if "taxon" in allowed:
            for tax_id in _all(fields, "TAXON", "tax_id", "taxonomy"):
                insdc.add_taxon(graph, topic, tax_id)


# ---------------------------------------------------------------------- helpers
def _values(fields: dict[str, Any], name: str) -> list[str]:
    value = fields.get(name)
    items = value if isinstance(value, list) else [value]
    return [t for t in (_text(v) for v in items) if t]


def _first(fields: dict[str, Any], name: str) -> str | None:
    values = _values(fields, name)
    return values[0] if values else None


def _all(fields: dict[str, Any], *names: str) -> list[str]:
    return list(dict.fromkeys(v for name in names for v in _values(fields, name)))


def _dashed(text: str | None) -> str | None:
    """EBI Search writes dates compactly (20200911, 202003); INSDC text is passed through as it is."""
    if text and re.fullmatch(r"\d{8}|\d{6}", text):
        return "-".join(p for p in (text[:4], text[4:6], text[6:8]) if p)
    return text


def _day(text: str | None, record: RawRecord, field: str) -> dt.date | None:
    """A day-precision date (first public, last updated); an unreadable one is logged and left out."""
    try:
        return insdc.full_date(_dashed(text))
    except ValueError:
        log.warning("%s: %s: %s %r is not a date; not loaded", record.file, record.record_id, field, text)
        return None


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


LOADER = EBISearchLoader()
