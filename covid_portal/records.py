"""What a loader hands the pipeline: raw records in, RDF for one record out.

A loader's ``parse`` yields :class:`RawRecord` (or :class:`RecordError` for a record it could
not read, so the stream goes on); its pure ``to_rdf`` turns one RawRecord into a
:class:`RecordGraph`. The pipeline adds provenance, validates and stores.

A RecordGraph keeps its triples as ``(subject, predicate, object)`` tuples of pyoxigraph terms, not as
``Triple`` objects: pyoxigraph's ``Triple()`` tries each kind of term in turn and pays for every miss
(about 2 us for a literal object against 0.17 us for an IRI, pyoxigraph 0.5), and a load builds a few
dozen triples per record. The pipeline validates the tuples, takes the index facts from them and
writes them as N-Quads (:func:`nquads`) without a ``Triple`` in between; ``RecordGraph.triples`` builds
the ``Triple`` objects for the code that wants them (tests, tools).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from covid_portal.slots import ClassTerm, SlotTerm

RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = NamedNode(XSD + "string")

Subject = NamedNode | BlankNode
Term = NamedNode | BlankNode | Literal
Terms = tuple[Subject, NamedNode, Term]  # one triple as its three terms


@dataclass(frozen=True)
class RawRecord:
    """One record exactly as the source delivered it, located in its file."""

    source: str  # the loader's name (Bioregistry-style prefix)
    record_id: str  # the record's accession in its source
    data: Any  # the parsed native structure (dict, list of lines, Bio.SeqRecord, ...)
    file: str
    position: str  # "line 12", "record 3", "byte 4096": where to find it again
    raw: str  # the record's own text, kept for the quarantine report
    fmt: str = ""  # which of the loader's formats it came from
    url: str | None = None  # the record's URL in the source's API, when known
    release: str | None = None  # source release, when the file says


class LoaderError(Exception):
    """Base of the errors a loader raises on bad input (never for programming errors)."""


class FileFormatError(LoaderError):
    """A whole file cannot be read: wrong format, truncated, empty, wrong encoding."""

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason


@dataclass
class RecordError(LoaderError):
    """One record cannot be parsed or mapped; it is quarantined with this reason."""

    source: str
    file: str
    position: str
    record_id: str | None
    reason: str
    raw: str = ""

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        rid = self.record_id or "?"
        return f"{self.file} ({self.position}, record {rid}): {self.reason}"


def fail(record: RawRecord, reason: str) -> RecordError:
    """The RecordError for a record that cannot be mapped; ``raise fail(rec, "...")``."""
    return RecordError(record.source, record.file, record.position, record.record_id, reason, record.raw)


@dataclass
class RecordGraph:
    """The triples derived from one record, and what the record is about."""

    topic: NamedNode  # the record's primary entity
    source: str
    record_id: str
    terms: list[Terms] = field(default_factory=list)  # the triples, in the order they were added
    url: str | None = None
    release: str | None = None
    license: str | None = None
    retrieved: str | None = None  # ISO date-time the record was harvested, when known

    @property
    def triples(self) -> list[Triple]:
        """The triples as pyoxigraph ``Triple`` objects (built on each call; the pipeline reads ``terms``)."""
        return [Triple(s, p, o) for s, p, o in self.terms]

    # ------------------------------------------------------------------ building
    def type(self, subject: Subject, cls: ClassTerm) -> None:
        self.terms.append((subject, RDF_TYPE, cls.node))

    def add(self, subject: Subject, slot: SlotTerm, value: Any) -> None:
        """Add ``subject slot value``; None, "" and NaN are skipped, lists add one triple each."""
        if value is None:
            return
        if isinstance(value, (list, tuple, set, frozenset)):
            for item in value:
                self.add(subject, slot, item)
            return
        obj = self._object(slot, value)
        if obj is not None:
            self.terms.append((subject, slot.node, obj))

    def link(
        self, subject: Subject, slot: SlotTerm, target: NamedNode | BlankNode, cls: ClassTerm | None = None
    ) -> None:
        """Add an object link; with ``cls`` the target is typed too, so it validates in this record."""
        self.terms.append((subject, slot.node, target))
        if cls is not None:
            self.terms.append((target, RDF_TYPE, cls.node))

    def extend(self, triples: Iterable[Triple]) -> None:
        self.terms.extend((t.subject, t.predicate, t.object) for t in triples)

    def deduplicate(self) -> None:
        """Drop repeated triples, keeping the first of each (a source may list the same fact twice)."""
        self.terms = list(dict.fromkeys(self.terms))

    @staticmethod
    def _object(slot: SlotTerm, value: Any) -> NamedNode | BlankNode | Literal | None:
        if isinstance(value, (NamedNode, BlankNode, Literal)):
            return value
        if slot.kind == "iri":
            text = str(value).strip()
            return NamedNode(text) if text else None
        if isinstance(value, float) and math.isnan(value):
            return None
        if isinstance(value, bool):
            return Literal("true" if value else "false", datatype=NamedNode(XSD + "boolean"))
        if isinstance(value, dt.datetime):
            return Literal(value.isoformat(), datatype=NamedNode(XSD + "dateTime"))
        if isinstance(value, dt.date):
            return Literal(value.isoformat(), datatype=NamedNode(XSD + "date"))
        text = str(value).strip()
        if not text:
            return None
        if slot.datatype_node is not None:
            if slot.datatype == XSD + "integer":
                text = str(int(float(text))) if _is_number(text) else text
            elif slot.datatype in (XSD + "double", XSD + "float"):
                text = repr(float(text)) if _is_number(text) else text
            return Literal(text, datatype=slot.datatype_node)
        return Literal(text)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def nquads(terms: Iterable[Terms], graph: NamedNode) -> bytes:
    """The N-Quads of ``terms`` in ``graph``, one line each, as ``pyoxigraph.serialize`` writes them:
    a term's ``str()`` is its N-Triples form (the same Rust ``Display`` the serializer uses). ``!s`` calls
    ``str()`` directly: a plain ``{term}`` goes through ``format()`` first, which made each line a third slower."""
    end = f" {graph} .\n"
    return "".join([f"{s!s} {p!s} {o!s}{end}" for s, p, o in terms]).encode()
