"""The full-text and facet index of a store version (SQLite FTS5), and the search over it.

Why a sidecar index: SPARQL has no full-text search, facet counts over the whole graph are slow
queries, and the discovery API must page quickly. So when a load publishes a store version,
:func:`build` derives one SQLite file from that version's graph and puts it in the version's
sidecar folder (``covid_portal.store.Staging.sidecar``). It is published, kept and deleted with the
version, so the index never drifts from the graph it was built from: a reload rebuilds it. A load
that starts from an empty graph builds it from the facts it kept while mapping the records instead
of reading the store back (``covid_portal.index_facts``, decision 0009): the same entries, faster.

One row per entity of a searchable class (``TYPES``: the record types of the COVID-19 Data Portal
API, e.g. ``sequences``, ``proteins``), whether a record describes it or another record only links
to it (then ``described`` is 0). Tables:

``entry``   rowid, iri, curie, id (accession), type, class, source (the describing record's source),
            title, description, date (first public / published), collection_date, described, and
            ``fields`` (JSON: every output field of the entry as a list of strings)
``fts``     FTS5 over id, title, description and text (keywords, names, other text), rowid = entry
``facet``   (rowid, name, value): one row per facet value, e.g. (12, 'country', 'Netherlands')
``meta``    key/value: schema version and counts

Facets are taken from the entity and one link away: the taxon and host names, the collection date
(and its year and month) and country of a sequence or run's sample when it has none itself, the
proteins of a structure, the targets a compound was measured against. :func:`search` runs the API's
query language (EBI Search style: ``spike AND country:Netherlands``, ``collection_date:(202003)``,
``year:[2020 TO 2021]``) as SQL over these tables.
"""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing
import os
import re
import shutil
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from covid_portal import iris
from covid_portal.slots import ClassTerm
from covid_portal.terms import C, S

log = logging.getLogger(__name__)

INDEX_FILE = "search.sqlite"
SCHEMA_VERSION = "1"

# API type name -> class; the order is the order types are listed in (home page, facets)
TYPES: dict[str, ClassTerm] = {
    "sequences": C.NucleotideSequence,
    "raw-reads": C.ReadRun,
    "samples": C.Sample,
    "studies": C.Study,
    "experiments": C.SequencingExperiment,
    "proteins": C.Protein,
    "structures": C.ProteinStructure,
    "proteomics": C.ProteomicsProject,
    "compounds": C.Compound,
    "activities": C.BioactivityMeasurement,
    "assays": C.Assay,
    "targets": C.Target,
    "publications": C.Publication,
    "taxa": C.Taxon,
}
TYPE_LABELS = {
    "sequences": "Sequences",
    "raw-reads": "Raw reads",
    "samples": "Samples",
    "studies": "Studies",
    "experiments": "Sequencing experiments",
    "proteins": "Proteins",
    "structures": "Structures",
    "proteomics": "Proteomics projects",
    "compounds": "Compounds",
    "activities": "Bioactivities",
    "assays": "Assays",
    "targets": "Targets",
    "publications": "Publications",
    "taxa": "Taxa",
}
CLASS_TYPES = {cls.uri: name for name, cls in TYPES.items()}

# literal slots copied into an entry's fields (field name -> slots, first one that has values wins)
TEXT_FIELDS: dict[str, tuple] = {
    "title": (S.title, S.name),
    "description": (S.description, S.function),
    "accession": (S.accession,),
    "keywords": (S.keywords,),
    "gene": (S.gene_name,),
    "synonym": (S.synonym,),
    "strain": (S.strain,),
    "isolate": (S.isolate,),
    "journal": (S.journal,),
    "cell_line": (S.cell_line,),
    "organism_part": (S.organism_part,),
    "center_name": (S.center_name,),
    "library_strategy": (S.library_strategy,),
    "platform": (S.instrument_platform,),
    "instrument": (S.instrument_model,),
    "lineage": (S.lineage,),
    "country": (S.country,),
    "collection_date": (S.collection_date,),
    "method": (S.method,),
    "molecule_type": (S.molecule_type,),
    "molecular_formula": (S.molecular_formula,),
    "inchikey": (S.inchikey,),
    "standard_type": (S.standard_type,),
    "assay_type": (S.assay_type,),
    "target_type": (S.target_type,),
    "date": (S.publication_date, S.first_public),
    "last_updated": (S.last_updated,),
    "publication_year": (S.publication_year,),
    "rank": (S.taxon_rank,),
    "doi": (S.doi,),
}
# searchable text besides title and description
EXTRA_TEXT = ("accession", "keywords", "gene", "synonym", "strain", "isolate", "journal", "cell_line",
              "organism_part", "center_name", "molecular_formula", "inchikey", "doi", "taxon", "host",
              "country", "lineage", "instrument", "protein", "target", "method")  # fmt: skip

# facet name -> label; facets are the exact-match fields of the query language
FACETS: dict[str, str] = {
    "type": "Record type",
    "source": "Source",
    "taxon": "Organism",
    "taxon_id": "NCBI Taxonomy id",
    "host": "Host",
    "country": "Country",
    "collection_year": "Collection year",
    "collection_month": "Collection month",
    "collection_date": "Collection date",
    "lineage": "Lineage",
    "instrument": "Instrument",
    "platform": "Platform",
    "library_strategy": "Library strategy",
    "year": "Year",
    "method": "Experimental method",
    "molecule_type": "Molecule type",
    "journal": "Journal",
    "keyword": "Keyword",
    "protein": "Protein",
    "target": "Target",
    "described": "Described by a record",
}
DEFAULT_FACETS = ("type", "source", "taxon", "host", "country", "collection_year", "lineage", "instrument", "year")
# every field an entry can output (``fields`` parameter of the API)
OUTPUT_FIELDS = tuple(dict.fromkeys(["curie", "iri", "type", "source", *TEXT_FIELDS, *FACETS]))

RECORD_SOURCE = re.compile(re.escape(iris.RECORD_BASE) + r"([^/]+)/")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
PRIMARY_TOPIC = ox.NamedNode("http://xmlns.com/foaf/0.1/primaryTopic")


# ============================================================================ building
# An index build reads each entity as a ``_Node`` (what the graph says about one IRI that the index
# uses) from a ``NodeSource``, the store (``_StoreReader``) or the facts a load recorded
# (``covid_portal.index_facts``), and ``_Assembler`` turns it into an ``_Entity``, the same way
# whichever source it came from. Values are taken in sorted order, so the index does not depend on
# the order a store happens to return them in.
@dataclass
class _Node:
    """What the index reads about one IRI: its searchable type, who types and describes it, its values."""

    iri: str
    type: str | None = None  # its searchable type: the first of its classes in TYPES order
    types: set[str] = field(default_factory=set)  # all its searchable types
    typed_by: set[str] = field(default_factory=set)  # sources whose records type it with a searchable class
    described_by: set[str] = field(default_factory=set)  # sources whose records have it as primary topic
    literals: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # slot IRI -> values
    links: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # link slot IRI -> IRIs

    def typed(self, type_name: str, source: str | None) -> None:
        self.types.add(type_name)
        if self.type is None or _ORDER[type_name] < _ORDER[self.type]:
            self.type = type_name
        if source:
            self.typed_by.add(source)


@dataclass
class _Entity:
    iri: str
    type: str
    values: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    described_by: set[str] = field(default_factory=set)  # sources whose records have it as primary topic
    mentioned_by: set[str] = field(default_factory=set)  # sources whose records type it

    def add(self, name: str, value: str) -> None:
        value = value.strip()
        if value and value not in self.values[name]:
            self.values[name].append(value)


def _source_of(graph: object) -> str | None:
    if isinstance(graph, ox.NamedNode):
        return source_of_graph(graph.value)
    return None


def source_of_graph(iri: str) -> str | None:
    """The source of a record graph (``.../record/<source>/<id>``); None for any other graph."""
    match = RECORD_SOURCE.match(iri)
    return match.group(1) if match else None


def _text(term: object) -> str | None:
    return term.value if isinstance(term, ox.Literal) else None


_ORDER = {name: i for i, name in enumerate(TYPES)}
# slot IRI -> the text fields it fills, with its rank among the field's slots
_SLOT_FIELDS: dict[str, list[tuple[str, int]]] = defaultdict(list)
for _name, _slots in TEXT_FIELDS.items():
    for _rank, _slot in enumerate(_slots):
        _SLOT_FIELDS[_slot.uri].append((_name, _rank))
# the literal slots the index reads: the text fields' and the names of linked things
LITERAL_SLOTS: tuple[str, ...] = tuple(sorted({*_SLOT_FIELDS, S.title.uri, S.name.uri}))
# the slots whose IRI values the index follows (facets one link away)
_LINKS = (S.host, S.taxon, S.polymer_protein, S.target_component, S.activity_target, S.has_activity, S.from_sample)
LINK_SLOTS: tuple[str, ...] = tuple(slot.uri for slot in _LINKS)
# an activity's compound, read the other way: a compound's ``links`` hold its activities under this key
MEASURED_BY = "^" + S.measured_compound.uri


class NodeSource:
    """Where an index build reads nodes from; each method reads the graph it was given."""

    def entities(self) -> Iterator[_Node]:
        """Every entity (a named node with a searchable type), each once, with its type decided."""
        raise NotImplementedError

    def names(self, iri: str) -> tuple[list[str], list[str]]:
        """The title and name literals of a node (to label a linked taxon, host, protein, target)."""
        raise NotImplementedError

    def node(self, iri: str) -> _Node | None:
        """A node's type and values (a linked sample, an activity); None when it has no searchable type."""
        raise NotImplementedError


class _StoreReader(NodeSource):
    """Reads one entity at a time from the store: a subject lookup each (plus its primary topic), so
    memory does not grow with the store. ``k`` of ``n``: only every n-th entity of each type."""

    def __init__(self, store: ox.Store, k: int = 0, n: int = 1) -> None:
        self.store, self.k, self.n = store, k, n
        self._type_nodes = {cls.node: name for name, cls in TYPES.items()}

    def subjects(self, type_name: str) -> Iterator[ox.NamedNode]:
        """The named subjects typed ``type_name``, each once."""
        previous = None
        for quad in self.store.quads_for_pattern(None, RDF_TYPE, TYPES[type_name].node, None):
            subject = quad.subject
            # the index scan gives one quad per (subject, graph), a subject's quads side by side;
            # a repeat that is not (another order) is caught by the entry table's unique iri
            if not isinstance(subject, ox.NamedNode) or subject == previous:
                continue
            previous = subject
            yield subject

    def entities(self) -> Iterator[_Node]:
        for type_name in TYPES:
            for i, subject in enumerate(self.subjects(type_name)):
                if i % self.n != self.k:
                    continue
                node = self._read(subject)
                if node is None or node.type != type_name:
                    continue  # indexed under its earlier type
                for quad in self.store.quads_for_pattern(None, PRIMARY_TOPIC, subject, None):
                    if source := _source_of(quad.graph_name):
                        node.described_by.add(source)
                if type_name == "compounds":
                    measured = self.store.quads_for_pattern(None, S.measured_compound.node, subject, None)
                    node.links[MEASURED_BY] += [q.subject.value for q in measured if isinstance(q.subject, _IRI)]
                yield node

    def _read(self, subject: ox.NamedNode) -> _Node | None:
        node = _Node(subject.value)
        for quad in self.store.quads_for_pattern(subject, None, None, None):
            predicate, obj = quad.predicate.value, quad.object
            if predicate == RDF_TYPE.value:
                if (type_name := self._type_nodes.get(obj)) is not None:  # type: ignore[call-overload]
                    node.typed(type_name, _source_of(quad.graph_name))
            elif predicate in _LITERAL_SET:
                if isinstance(obj, ox.Literal):
                    node.literals[predicate].append(obj.value)
            elif predicate in _LINK_SET and isinstance(obj, ox.NamedNode):
                node.links[predicate].append(obj.value)
        return node if node.type is not None else None

    def names(self, iri: str) -> tuple[list[str], list[str]]:
        subject = ox.NamedNode(iri)
        return tuple(  # type: ignore[return-value]
            [v for q in self.store.quads_for_pattern(subject, slot.node, None, None) if (v := _text(q.object))]
            for slot in (S.title, S.name)
        )

    def node(self, iri: str) -> _Node | None:
        return self._read(ox.NamedNode(iri)) if iri else None


_LITERAL_SET = frozenset(LITERAL_SLOTS)
_IRI = ox.NamedNode
_LINK_SET = frozenset(LINK_SLOTS)


class _Assembler:
    """Turns a source's nodes into index entities, with facets one link away: taxon and host names,
    a structure's proteins, a compound's targets (through its activities), a sequence's sample data.
    What linked entities share is read once and kept in bounded caches."""

    CACHE = 100_000  # entries per cache; a miss costs one lookup in the source

    def __init__(self, source: NodeSource) -> None:
        self.source = source
        self._names: dict[str, str | None] = {}
        self._samples: dict[str, _Entity | None] = {}
        self._activity_targets: dict[str, list[str]] = {}

    @staticmethod
    def _remember(cache: dict, key: str, value: object) -> None:
        if len(cache) >= _Assembler.CACHE:
            cache.pop(next(iter(cache)))  # oldest first: insertion order
        cache[key] = value

    def entities(self) -> Iterator[_Entity]:
        for node in self.source.entities():
            entity = _Entity(node.iri, node.type or "", described_by=node.described_by, mentioned_by=node.typed_by)
            self._own_values(entity, node)
            self._links(entity, node)
            yield entity

    @staticmethod
    def _own_values(entity: _Entity, node: _Node) -> None:
        # per field, the first of its slots (title before name) that has a literal value wins
        chosen: dict[str, tuple[int, list[str]]] = {}
        for predicate, values in node.literals.items():
            for name, rank in _SLOT_FIELDS.get(predicate, ()):
                if values and (name not in chosen or rank < chosen[name][0]):
                    chosen[name] = (rank, values)
        for name in TEXT_FIELDS:
            if name in chosen:
                for value in sorted(chosen[name][1]):
                    entity.add(name, value)

    def name(self, iri: str) -> str | None:
        """A display name for a named thing (taxa, hosts, proteins, targets): its title, else its name."""
        if iri in self._names:
            return self._names[iri]
        titles, names = self.source.names(iri)
        found = min(titles or names, default=None)
        self._remember(self._names, iri, found)
        return found

    def _label(self, iri: str) -> str | None:
        """The name of a linked entity, else its accession (ChEMBL targets are often only linked, not described)."""
        curie = iris.compress(iri)
        return self.name(iri) or (curie.split(":", 1)[1] if curie else None)

    def _host_labels(self, entity: _Entity, node: _Node) -> None:
        for host in sorted(node.links.get(S.host.uri, ())):
            if label := self.name(host):
                entity.add("host", label)

    def _links(self, entity: _Entity, node: _Node) -> None:
        self._host_labels(entity, node)
        for taxon in sorted(node.links.get(S.taxon.uri, ())):
            curie = iris.compress(taxon)
            entity.add("taxon", self.name(taxon) or (curie or taxon))
            if curie and curie.startswith("ncbitaxon:"):
                entity.add("taxon_id", curie.split(":", 1)[1])
        linked = ((S.polymer_protein, "protein"), (S.target_component, "protein"), (S.activity_target, "target"))
        for slot, facet in linked:
            for iri in sorted(node.links.get(slot.uri, ())):
                if label := self._label(iri):
                    entity.add(facet, label)
        if entity.type == "compounds":
            # a compound's targets: compound -> has_activity -> activity_target (and the inverse measured_compound)
            activities = {*node.links.get(S.has_activity.uri, ()), *node.links.get(MEASURED_BY, ())}
            for activity in sorted(activities):
                for target in self._targets_of_activity(activity):
                    entity.add("target", target)
        if entity.type in ("sequences", "raw-reads", "experiments"):
            # sequences and runs without a collection date or country of their own take their sample's
            for iri in sorted(node.links.get(S.from_sample.uri, ())):
                sample = self._sample(iri)
                if sample is None:
                    continue
                for name in ("collection_date", "country", "lineage"):
                    if not entity.values.get(name):
                        for value in sample.values.get(name, []):
                            entity.add(name, value)
                if not entity.values.get("host") and sample.values.get("host"):
                    entity.add("host", sample.values["host"][0])

    def _targets_of_activity(self, iri: str) -> list[str]:
        if iri in self._activity_targets:
            return self._activity_targets[iri]
        targets: list[str] = []
        node = self.source.node(iri)
        if node is not None and "activities" in node.types:
            for target in sorted(node.links.get(S.activity_target.uri, ())):
                label = self._label(target)
                if label and label not in targets:
                    targets.append(label)
        self._remember(self._activity_targets, iri, targets)
        return targets

    def _sample(self, iri: str) -> _Entity | None:
        """A linked sample's own collection data and host (what a sequence or run takes from it)."""
        if iri in self._samples:
            return self._samples[iri]
        sample = None
        # an entity of any searchable type can be a sample's stand-in, as in a whole-store scan
        node = self.source.node(iri)
        if node is not None:
            sample = _Entity(iri, "samples")
            self._own_values(sample, node)
            self._host_labels(sample, node)
        self._remember(self._samples, iri, sample)
        return sample


def _year(value: str) -> str | None:
    match = re.match(r"(\d{4})", value)
    return match.group(1) if match else None


def _facets(entity: _Entity, source: str, described: bool) -> dict[str, list[str]]:
    v = entity.values
    out: dict[str, list[str]] = {
        "type": [entity.type],
        "source": sorted(entity.described_by or entity.mentioned_by) or ([source] if source else []),
        "described": ["yes" if described else "no"],
    }
    for name in ("taxon", "taxon_id", "host", "country", "lineage", "instrument", "platform", "library_strategy",
                 "method", "molecule_type", "journal", "protein", "target", "collection_date"):  # fmt: skip
        if v.get(name):
            out[name] = list(v[name])
    out["keyword"] = [k for k in v.get("keywords", []) if len(k) <= 80]
    dates = v.get("collection_date", [])
    out["collection_year"] = sorted({y for d in dates if (y := _year(d))})
    out["collection_month"] = sorted({d[:7] for d in dates if re.match(r"\d{4}-\d{2}", d)})
    year = v.get("publication_year") or [y for d in v.get("date", []) if (y := _year(d))]
    out["year"] = sorted(set(year[:1]))
    return {name: values for name, values in out.items() if values}


def _local_id(iri: str, curie: str | None, accession: list[str]) -> str:
    if curie:
        return curie.split(":", 1)[1]
    return accession[0] if accession else iri


_FTS_TABLE = (
    "CREATE VIRTUAL TABLE fts USING fts5(id, title, description, text, tokenize = 'unicode61 remove_diacritics 2');"
)
_CREATE = (
    """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE entry (
  rowid INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, curie TEXT, id TEXT NOT NULL, type TEXT NOT NULL,
  class TEXT NOT NULL, source TEXT, title TEXT, description TEXT, date TEXT, collection_date TEXT,
  described INTEGER NOT NULL, fields TEXT NOT NULL);
CREATE TABLE facet (rowid INTEGER NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL);
"""
    + _FTS_TABLE
)
# indexes built once the tables are full: one sort each, instead of a B-tree insert per row
_CREATE_AFTER = """
CREATE INDEX entry_id ON entry (id COLLATE NOCASE);
CREATE INDEX entry_curie ON entry (curie COLLATE NOCASE);
CREATE INDEX entry_type ON entry (type, described);
CREATE INDEX facet_value ON facet (name, value COLLATE NOCASE, rowid);
CREATE INDEX facet_row ON facet (rowid, name);
"""


def build(store: ox.Store, path: Path) -> int:
    """Write the index of ``store`` to ``path`` (replacing it atomically); returns the entries indexed."""
    return build_from(_StoreReader(store), path)


def build_from(source: NodeSource, path: Path, origin: str = "store") -> int:
    """Write the index of the graph ``source`` reads to ``path`` (atomically); returns the entries indexed.
    ``origin`` (what it was read from) is kept in the index's ``meta`` table as ``built_from``."""
    return _finish_db(path, lambda db: _write_entries(db, _Assembler(source).entities(), "fts"), origin)


def _finish_db(path: Path, fill: Callable[[sqlite3.Connection], None], origin: str = "store") -> int:
    """Create the index at ``path`` (atomically), filled by ``fill``; returns its entries."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    try:
        # a crash leaves only the .tmp file, which the next build replaces: no journal needed
        db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
        db.executescript(_CREATE)
        fill(db)
        db.executescript(_CREATE_AFTER)
        counts = dict(db.execute("SELECT type, COUNT(*) FROM entry GROUP BY type ORDER BY type").fetchall())
        entries = sum(counts.values())
        meta = {"schema_version": SCHEMA_VERSION, "entries": str(entries), "types": json.dumps(counts),
                "built_from": origin}  # fmt: skip
        db.executemany("INSERT INTO meta VALUES (?,?)", meta.items())
        db.commit()
    finally:
        db.close()
    os.replace(tmp, path)
    log.info("search index: %d entries -> %s", entries, path)
    return entries


_WRITE_BATCH = 1_000  # entities per batch of inserts: one call per table, not three per entity


def _write_entries(db: sqlite3.Connection, entities: Iterable[_Entity], fts_table: str) -> None:
    rowid = db.execute("SELECT COALESCE(MAX(rowid), 0) FROM entry").fetchone()[0]
    batch = _EntryBatch(db, fts_table)
    for entity in entities:
        v = entity.values
        curie = iris.compress(entity.iri)
        described = bool(entity.described_by)
        source = sorted(entity.described_by or entity.mentioned_by or {""})[0]
        facets = _facets(entity, source, described)
        ident = _local_id(entity.iri, curie, v.get("accession", []))
        title = (v.get("title") or [ident])[0]
        description = " ".join(v.get("description", []))
        fields = {name: list(values) for name, values in v.items() if not name.startswith("_") and values}
        fields.update(facets)
        fields.update({"curie": [curie] if curie else [], "iri": [entity.iri], "title": [title]})
        date = (v.get("date") or [None])[0]
        collection = (v.get("collection_date") or [None])[0]
        rowid += 1
        batch.entries.append(
            (rowid, entity.iri, curie, ident, entity.type, TYPES[entity.type].name, source, title, description,
             date, collection, int(described), json.dumps(fields, ensure_ascii=False)),
        )  # fmt: skip
        batch.facets += [(rowid, name, value) for name, values in facets.items() for value in values]
        text = " ".join(value for name in EXTRA_TEXT for value in fields.get(name, []))
        batch.texts.append((rowid, f"{ident} {curie or ''}", title, description, text))
        if len(batch.entries) >= _WRITE_BATCH:
            batch.flush()
    batch.flush()


class _EntryBatch:
    """Entry, facet and full-text rows of up to ``_WRITE_BATCH`` entities, written with one call per table."""

    def __init__(self, db: sqlite3.Connection, fts_table: str) -> None:
        self.db = db
        self.fts = f"INSERT INTO {fts_table} (rowid, id, title, description, text) VALUES (?,?,?,?,?)"
        self.entries: list[tuple] = []
        self.facets: list[tuple] = []
        self.texts: list[tuple] = []

    def flush(self) -> None:
        if not self.entries:
            return
        before = self.db.total_changes
        self.db.executemany("INSERT OR IGNORE INTO entry VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", self.entries)
        if self.db.total_changes - before != len(self.entries):
            # an IRI indexed already (see _StoreReader.subjects): its row was ignored, and so are its
            # facets and text (the rowid it would have had stays unused)
            first = self.entries[0][0]
            kept = {r for (r,) in self.db.execute("SELECT rowid FROM entry WHERE rowid >= ?", (first,))}
            self.facets = [row for row in self.facets if row[0] in kept]
            self.texts = [row for row in self.texts if row[0] in kept]
        self.db.executemany("INSERT INTO facet VALUES (?,?,?)", self.facets)
        self.db.executemany(self.fts, self.texts)
        self.entries, self.facets, self.texts = [], [], []


# ---------------------------------------------------------------------------- in parallel
class Build:
    """An index build under way (:func:`start_build`); :meth:`wait` ends it and returns its entries.

    With ``jobs`` > 1 and an on-disk store, the graph is first checkpointed (``Store.backup``: hard
    links to its files, so instant and without a copy), and ``jobs`` processes each index every
    ``jobs``-th entity from that checkpoint into a shard, which :meth:`wait` merges. Reading the graph
    is most of the cost (Oxigraph decodes about 150k quads/s per core), so this divides it. The
    checkpoint is what makes the parallel reads safe: opening a store read-only while another process
    may write it is undefined behaviour, and the loading process goes on writing (the VoID graph)
    meanwhile. The index never reads the VoID graph, so it does not matter that the checkpoint lacks it.
    """

    def __init__(self, store: Any, path: Path, jobs: int) -> None:
        self.store, self.path, self.jobs = store, path, jobs
        self._work = path.with_name(path.name + ".build")
        self._procs: list[Any] = []
        if jobs > 1 and isinstance(store, ox.Store):
            shutil.rmtree(self._work, ignore_errors=True)
            self._work.mkdir(parents=True)
            store.flush()
            store.backup(str(self._work / "graph"))
            ctx = multiprocessing.get_context("forkserver")
            for k in range(jobs):
                proc = ctx.Process(
                    target=_build_shard, args=(str(self._work / "graph"), str(self._shard(k)), k, jobs), daemon=True
                )
                proc.start()
                self._procs.append(proc)

    def _shard(self, k: int) -> Path:
        return self._work / f"shard-{k}.sqlite"

    def wait(self) -> int:
        if not self._procs:
            return build(self.store, self.path)
        try:
            for proc in self._procs:
                proc.join()
            failed = [k for k, proc in enumerate(self._procs) if proc.exitcode != 0]
            if failed:
                raise RuntimeError(f"search index: shard builds {failed} failed (see the log above)")
            return _finish_db(self.path, self._merge)
        finally:
            for proc in self._procs:
                if proc.is_alive():
                    proc.kill()
            shutil.rmtree(self._work, ignore_errors=True)

    def _merge(self, db: sqlite3.Connection) -> None:
        for k in range(self.jobs):
            db.execute("ATTACH DATABASE ? AS shard", (str(self._shard(k)),))
            offset = db.execute("SELECT COALESCE(MAX(rowid), 0) FROM entry").fetchone()[0]
            # an entity in two shards (its type quads not side by side in the scan) is kept once
            db.execute("INSERT OR IGNORE INTO entry SELECT rowid + ?, iri, curie, id, type, class, source, title, "
                       "description, date, collection_date, described, fields FROM shard.entry ORDER BY rowid",
                       (offset,))  # fmt: skip
            kept = (
                "JOIN shard.entry e ON e.rowid = s.rowid JOIN main.entry m ON m.rowid = s.rowid + ? AND m.iri = e.iri"
            )
            db.execute(f"INSERT INTO facet SELECT s.rowid + ?, s.name, s.value FROM shard.facet s {kept}",
                       (offset, offset))  # fmt: skip
            db.execute(f"INSERT INTO fts (rowid, id, title, description, text) SELECT s.rowid + ?, s.id, s.title, "
                       f"s.description, s.text FROM shard.ftsrow s {kept}", (offset, offset))  # fmt: skip
            db.commit()
            db.execute("DETACH DATABASE shard")


def start_build(store: Any, path: Path, jobs: int = 1) -> Build:
    """Start building the index of ``store`` into ``path``; call ``wait()`` on the result to end it."""
    return Build(store, path, jobs)


def _build_shard(graph: str, shard: str, k: int, n: int) -> None:
    """A shard build process: every ``n``-th entity from ``k`` of the checkpoint at ``graph``."""
    from covid_portal.procs import die_with_parent

    die_with_parent()
    store = ox.Store.read_only(graph)
    db = sqlite3.connect(shard)
    try:
        db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
        # the shard keeps the text in a plain table: the merge fills the one full-text index
        plain = "CREATE TABLE ftsrow (rowid INTEGER PRIMARY KEY, id, title, description, text);"
        db.executescript(_CREATE.replace(_FTS_TABLE, plain))
        _write_entries(db, _Assembler(_StoreReader(store, k, n)).entities(), "ftsrow")
        db.commit()
    finally:
        db.close()


# ============================================================================ the query language
class QuerySyntaxError(ValueError):
    """A search query that cannot be parsed, or names an unknown field (answered 400)."""


MAX_QUERY_LENGTH = 2000
MAX_DEPTH = 20
# fields answered from the full-text index (FTS5 column filters); "text" is every other text
TEXT_COLUMNS = {"title": "title", "name": "title", "description": "description", "text": "text"}
ID_FIELDS = {"id", "acc", "accession", "curie"}
DATE_FACETS = {"collection_date", "collection_month"}
FIELD_ALIASES = {"TAXON": "taxon_id", "tax_id": "taxon_id", "organism": "taxon", "instrument_model": "instrument",
                 "publication_year": "year", "keywords": "keyword", "record_type": "type"}  # fmt: skip
QUERY_FIELDS = tuple(sorted({*FACETS, *TEXT_COLUMNS, *ID_FIELDS, *FIELD_ALIASES}))

_TOKEN = re.compile(
    r'\s*(?:(?P<lparen>\()|(?P<rparen>\))|(?P<lbracket>\[)|(?P<rbracket>\])|(?P<phrase>"(?:[^"\\]|\\.)*"?)'
    r'|(?P<minus>-)(?=[A-Za-z0-9_("])'
    r"|(?P<field>[A-Za-z_][A-Za-z0-9_]*):|(?P<word>[^\s()\[\]\"]+))"
)


@dataclass
class _Tok:
    kind: str
    text: str


def _tokenize(query: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    while pos < len(query):
        if query[pos:].strip() == "":
            break
        match = _TOKEN.match(query, pos)
        if match is None or match.end() == pos:
            raise QuerySyntaxError(f"cannot read the query at position {pos}: {query[pos : pos + 20]!r}")
        kind = match.lastgroup or "word"
        text = match.group(kind)
        if kind == "phrase":
            if len(text) < 2 or not text.endswith('"') or text.endswith('\\"'):
                raise QuerySyntaxError("a quoted phrase is not closed")
            text = text[1:-1].replace('\\"', '"')
        tokens.append(_Tok(kind, text))
        pos = match.end()
    return tokens


class _Parser:
    """Recursive descent: or := and (OR and)*; and := unary ((AND)? unary)*; unary := (NOT|-) unary | primary."""

    def __init__(self, tokens: list[_Tok]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.depth = 0

    def peek(self) -> _Tok | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise QuerySyntaxError("the query ends too early")
        self.pos += 1
        return tok

    def keyword(self, word: str) -> bool:
        tok = self.peek()
        if tok is not None and tok.kind == "word" and tok.text == word:
            self.pos += 1
            return True
        return False

    def parse(self) -> tuple:
        node = self.or_(None)
        if self.peek() is not None:
            raise QuerySyntaxError(f"unexpected {self.peek().text!r} in the query")  # type: ignore[union-attr]
        return node

    def or_(self, fld: str | None) -> tuple:
        nodes = [self.and_(fld)]
        while self.keyword("OR"):
            nodes.append(self.and_(fld))
        return nodes[0] if len(nodes) == 1 else ("or", nodes)

    def and_(self, fld: str | None) -> tuple:
        nodes = [self.unary(fld)]
        while True:
            tok = self.peek()
            if tok is None or tok.kind == "rparen" or (tok.kind == "word" and tok.text == "OR"):
                break
            self.keyword("AND")
            nodes.append(self.unary(fld))
        return nodes[0] if len(nodes) == 1 else ("and", nodes)

    def unary(self, fld: str | None) -> tuple:
        tok = self.peek()
        if tok is not None and (tok.kind == "minus" or (tok.kind == "word" and tok.text == "NOT")):
            self.pos += 1
            return ("not", self.unary(fld))
        return self.primary(fld)

    def primary(self, fld: str | None) -> tuple:
        tok = self.take()
        if tok.kind == "lparen":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise QuerySyntaxError(f"the query nests parentheses deeper than {MAX_DEPTH}")
            node = self.or_(fld)
            if self.take().kind != "rparen":
                raise QuerySyntaxError("a parenthesis is not closed")
            self.depth -= 1
            return node
        if tok.kind == "field":
            if fld is not None:
                raise QuerySyntaxError(f"field {tok.text!r} inside the value of field {fld!r}")
            nxt = self.peek()
            if _is_curie_prefix(tok.text) and nxt is not None and nxt.kind == "word":
                self.pos += 1  # uniprot:P0DTC2 is an identifier, not a field query
                return ("term", "curie", f"{tok.text}:{nxt.text}", False)
            name = _field_name(tok.text)
            nxt = self.peek()
            if nxt is not None and nxt.kind == "lbracket":
                self.pos += 1
                parts = []
                while (part := self.take()).kind != "rbracket":
                    parts.append(part)
                if len(parts) != 3 or parts[1].text != "TO" or any(p.kind not in ("word", "phrase") for p in parts):
                    raise QuerySyntaxError("a range is written field:[low TO high]")
                return ("range", name, parts[0].text, parts[2].text)
            return self.primary(name)
        if tok.kind in ("word", "phrase"):
            if tok.kind == "word" and tok.text in ("AND", "OR", "NOT"):
                raise QuerySyntaxError(f"{tok.text} needs a term on each side")
            return ("term", fld, tok.text, tok.kind == "phrase")
        raise QuerySyntaxError(f"unexpected {tok.text!r} in the query")


def _is_curie_prefix(name: str) -> bool:
    """Whether ``name:`` starts a CURIE (a known identifier space that is not also a field name)."""
    known = name in FACETS or name in TEXT_COLUMNS or name in ID_FIELDS or name in FIELD_ALIASES
    return not known and name in iris.converter().prefix_map


def _field_name(name: str) -> str:
    resolved = FIELD_ALIASES.get(name) or FIELD_ALIASES.get(name.lower()) or name.lower()
    if resolved not in FACETS and resolved not in TEXT_COLUMNS and resolved not in ID_FIELDS:
        raise QuerySyntaxError(f"unknown field {name!r}; fields: {', '.join(QUERY_FIELDS)}")
    return resolved


def parse_query(query: str) -> tuple | None:
    """The syntax tree of a query (None: match everything). Raises QuerySyntaxError."""
    if len(query) > MAX_QUERY_LENGTH:
        raise QuerySyntaxError(f"the query is longer than {MAX_QUERY_LENGTH} characters")
    tokens = _tokenize(query)
    if not tokens or (len(tokens) == 1 and tokens[0].kind == "word" and tokens[0].text == "*"):
        return None
    return _Parser(tokens).parse()


def _fts_phrase(text: str, prefix: bool) -> str:
    return '"' + text.replace('"', '""') + '"' + ("*" if prefix else "")


def _fts_terms(text: str, phrase: bool) -> str | None:
    """An FTS5 expression for a word or phrase (a trailing * is a prefix search); None if it has no token."""
    prefix = not phrase and text.endswith("*")
    core = text.rstrip("*") if prefix else text
    if not re.search(r"\w", core):
        return None
    return _fts_phrase(core, prefix)


def _norm_date(value: str) -> str:
    """``202003`` or ``2020-03`` -> ``2020-03`` (the portal writes collection months without dashes)."""
    digits = re.sub(r"\D", "", value)
    if value.strip().isdigit() and len(digits) in (6, 8):
        return "-".join(part for part in (digits[:4], digits[4:6], digits[6:8]) if part)
    return value.strip()


def _compile(node: tuple, params: list[object]) -> str:
    kind = node[0]
    if kind in ("and", "or"):
        return "(" + f" {kind.upper()} ".join(_compile(child, params) for child in node[1]) + ")"
    if kind == "not":
        return f"(NOT {_compile(node[1], params)})"
    if kind == "range":
        _, name, low, high = node
        if name not in FACETS:
            raise QuerySyntaxError(f"field {name!r} has no range search")
        if name in DATE_FACETS:
            low, high = _norm_date(low), _norm_date(high)
        conditions, values = ["name = ?"], [name]
        if low != "*":
            conditions.append("value >= ?")
            values.append(low)
        if high != "*":
            conditions.append("value <= ?")
            values.append(high + "\uffff")
        params.extend(values)
        return f"e.rowid IN (SELECT rowid FROM facet WHERE {' AND '.join(conditions)})"
    _, name, text, phrase = node
    if name in ID_FIELDS:
        params.extend([text, text])
        return "(e.id = ? COLLATE NOCASE OR e.curie = ? COLLATE NOCASE)"
    if name in FACETS:
        if name in DATE_FACETS:
            params.extend([name, _norm_date(text).rstrip("*") + "%"])
            return "e.rowid IN (SELECT rowid FROM facet WHERE name = ? AND value LIKE ?)"
        if text.endswith("*") and not phrase:
            params.extend([name, text.rstrip("*").replace("%", "").replace("_", "") + "%"])
            return "e.rowid IN (SELECT rowid FROM facet WHERE name = ? AND value LIKE ?)"
        params.extend([name, text])
        return "e.rowid IN (SELECT rowid FROM facet WHERE name = ? AND value = ? COLLATE NOCASE)"
    expression = _fts_terms(text, phrase)
    if expression is None:
        return "1"  # punctuation only: matches everything, as a search engine ignores it
    if name is not None:
        expression = f"{TEXT_COLUMNS[name]} : {expression}"
    params.append(expression)
    return "e.rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?)"


def _free_text(node: tuple | None) -> list[str]:
    """The positive free-text terms of a query, for relevance ranking."""
    if node is None:
        return []
    kind = node[0]
    if kind in ("and", "or"):
        return [t for child in node[1] for t in _free_text(child)]
    if kind == "term" and (node[1] is None or node[1] in TEXT_COLUMNS):
        expression = _fts_terms(node[2], node[3])
        return [expression] if expression else []
    return []


# ============================================================================ searching
SORT_COLUMNS = {
    "id": "e.id COLLATE NOCASE",
    "title": "e.title COLLATE NOCASE",
    "type": "e.type",
    "source": "e.source",
    "date": "e.date",
    "collection_date": "e.collection_date",
    "described": "e.described",
}
SORT_FIELDS = (*SORT_COLUMNS, "relevance")


@dataclass
class Entry:
    iri: str
    curie: str | None
    id: str
    type: str
    source: str
    title: str
    fields: dict[str, list[str]]


@dataclass
class SearchResult:
    hit_count: int
    entries: list[Entry]
    facets: dict[str, list[tuple[str, int]]]


def parse_sort(sort: str | None) -> list[tuple[str, bool]]:
    """``date:descending,id`` / ``-date`` -> [(field, descending)]; raises QuerySyntaxError."""
    out: list[tuple[str, bool]] = []
    for part in (sort or "").split(","):
        part = part.strip()
        if not part:
            continue
        descending = part.startswith("-")
        name, _, order = part.lstrip("-+").partition(":")
        order = order.strip().lower()
        if order in ("desc", "descending"):
            descending = True
        elif order not in ("", "asc", "ascending"):
            raise QuerySyntaxError(f"sort order {order!r}: use ascending or descending")
        if name not in SORT_FIELDS:
            raise QuerySyntaxError(f"cannot sort by {name!r}; sort fields: {', '.join(SORT_FIELDS)}")
        out.append((name, descending))
    return out


class SearchIndex:
    """A read-only view of one index file (one store version's)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # immutable: a published version's files never change, so SQLite need not lock or check them
        self.db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        self.db.row_factory = sqlite3.Row

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ queries
    def _where(self, query: str | None, types: list[str] | None, params: list[object]) -> tuple[str, tuple | None]:
        tree = parse_query(query or "")
        clauses = []
        if types:
            clauses.append("e.type IN (" + ",".join("?" * len(types)) + ")")
            params.extend(types)
        if tree is not None:
            clauses.append(_compile(tree, params))
        return (" AND ".join(clauses) or "1"), tree

    def search(
        self,
        query: str | None = None,
        *,
        types: list[str] | None = None,
        offset: int = 0,
        limit: int = 15,
        sort: str | None = None,
        facets: list[str] | None = None,
        facet_count: int = 10,
    ) -> SearchResult:
        """Entries matching ``query`` (of ``types``), a page of them, and facet counts over all matches."""
        order = parse_sort(sort)
        params: list[object] = []
        where, tree = self._where(query, types, params)
        try:
            total = self.db.execute(f"SELECT COUNT(*) FROM entry e WHERE {where}", params).fetchone()[0]
            rank_params: list[object] = []
            terms = _free_text(tree)
            order_sql = []
            for name, descending in order or ([("relevance", False)] if terms else []):
                if name == "relevance":
                    if terms:
                        # entries whose id or title holds every term first (BM25 alone favours the
                        # short texts of linked-only entries over a described entry's long one)
                        direction = "" if descending else " DESC"
                        rank_params.append("{id title} : (" + " AND ".join(terms) + ")")
                        order_sql.append(f"(e.rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?)){direction}")
                        rank_params.append(" OR ".join(terms))
                        order_sql.append(
                            "(SELECT bm25(fts, 10.0, 5.0, 1.0, 0.5) FROM fts WHERE fts MATCH ? AND fts.rowid = e.rowid)"
                            + (" DESC" if descending else "")
                        )
                        order_sql.append("e.described DESC")
                    continue
                column = SORT_COLUMNS[name]
                # entries without a value sort last in both directions
                order_sql.append(f"({column.split()[0]} IS NULL), {column}{' DESC' if descending else ''}")
            order_sql += ["e.described DESC", "e.type", "e.id COLLATE NOCASE", "e.rowid"]
            rows = self.db.execute(
                f"SELECT e.* FROM entry e WHERE {where} ORDER BY {', '.join(order_sql)} LIMIT ? OFFSET ?",
                [*params, *rank_params, limit, offset],
            ).fetchall()
            facet_counts = {name: self._facet(name, where, params, facet_count) for name in facets or ()}
        except sqlite3.OperationalError as exc:  # an FTS5 expression it refuses (should not happen)
            raise QuerySyntaxError(f"the query cannot be searched: {exc}") from exc
        return SearchResult(total, [_entry(row) for row in rows], facet_counts)

    def _facet(self, name: str, where: str, params: list[object], count: int) -> list[tuple[str, int]]:
        rows = self.db.execute(
            f"SELECT value, COUNT(*) AS n FROM facet WHERE name = ? AND rowid IN (SELECT e.rowid FROM entry e "
            f"WHERE {where}) GROUP BY value ORDER BY n DESC, value LIMIT ?",
            [name, *params, count],
        ).fetchall()
        return [(row["value"], row["n"]) for row in rows]

    def get(self, type_name: str | None, ident: str) -> Entry | None:
        """The entry of ``ident`` (accession, CURIE or IRI), of ``type_name`` when given."""
        sql = "SELECT * FROM entry WHERE (id = ? COLLATE NOCASE OR curie = ? COLLATE NOCASE OR iri = ?)"
        params: list[object] = [ident, ident, ident]
        if type_name:
            sql += " AND type = ?"
            params.append(type_name)
        row = self.db.execute(sql + " ORDER BY described DESC LIMIT 1", params).fetchone()
        return _entry(row) if row else None

    def by_iris(self, values: list[str]) -> dict[str, Entry]:
        out: dict[str, Entry] = {}
        for start in range(0, len(values), 500):
            chunk = values[start : start + 500]
            rows = self.db.execute(f"SELECT * FROM entry WHERE iri IN ({','.join('?' * len(chunk))})", chunk)
            out.update({row["iri"]: _entry(row) for row in rows})
        return out

    def counts(self) -> dict[str, dict[str, int]]:
        """Entries described by a record, per type and per source (for the home page)."""
        per_type = dict(self.db.execute("SELECT type, COUNT(*) FROM entry GROUP BY type").fetchall())
        per_source = dict(
            self.db.execute("SELECT value, COUNT(*) FROM facet WHERE name = 'source' GROUP BY value").fetchall()
        )
        return {"types": per_type, "sources": per_source}

    def cross_tab(self, types: list[str], row: str, column: str, limit: int = 8) -> dict[str, dict[str, int]]:
        """Counts of entries of ``types`` by (row facet value, column facet value); ``column`` values beyond
        the ``limit`` most frequent are counted as "other", and entries without one as "unknown"."""
        marks = ",".join("?" * len(types))
        top = [
            value
            for (value,) in self.db.execute(
                f"SELECT f.value FROM facet f JOIN entry e ON e.rowid = f.rowid WHERE e.type IN ({marks}) "
                "AND f.name = ? GROUP BY f.value ORDER BY COUNT(*) DESC, f.value LIMIT ?",
                [*types, column, limit],
            )
        ]
        table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        sql = (
            f"SELECT r.value AS r, (SELECT MIN(c.value) FROM facet c WHERE c.rowid = e.rowid AND c.name = ?) AS c "
            f"FROM entry e JOIN facet r ON r.rowid = e.rowid AND r.name = ? WHERE e.type IN ({marks})"
        )
        for item in self.db.execute(sql, [column, row, *types]):
            value = item["c"]
            key = "unknown" if value is None else (value if value in top else "other")
            table[item["r"]][key] += 1
        return {r: dict(cols) for r, cols in sorted(table.items())}

    def top_values(self, type_name: str, facet: str, limit: int = 10) -> list[tuple[str, int]]:
        rows = self.db.execute(
            "SELECT f.value, COUNT(*) AS n FROM facet f JOIN entry e ON e.rowid = f.rowid WHERE e.type = ? "
            "AND f.name = ? GROUP BY f.value ORDER BY n DESC, f.value LIMIT ?",
            [type_name, facet, limit],
        ).fetchall()
        return [(row[0], row[1]) for row in rows]

    def latest(self, limit: int = 10) -> list[Entry]:
        """The most recent entries described by a record (by first-public or publication date)."""
        rows = self.db.execute(
            "SELECT * FROM entry WHERE described = 1 AND date IS NOT NULL ORDER BY date DESC, rowid LIMIT ?", [limit]
        ).fetchall()
        return [_entry(row) for row in rows]


def _entry(row: sqlite3.Row) -> Entry:
    return Entry(row["iri"], row["curie"], row["id"], row["type"], row["source"] or "", row["title"] or "",
                 json.loads(row["fields"]))  # fmt: skip


def index_path(sidecar: Path) -> Path:
    return sidecar / INDEX_FILE


@contextlib.contextmanager
def open_index(sidecar: Path | None) -> Iterator[SearchIndex | None]:
    """The index in a version's sidecar folder, or None when that version has none."""
    if sidecar is None or not index_path(sidecar).is_file():
        yield None
        return
    index = SearchIndex(index_path(sidecar))
    try:
        yield index
    finally:
        index.close()
