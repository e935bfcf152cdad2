"""The small interface every source module implements, and the file-reading helpers they share.

A loader does three things and no I/O beyond reading the file it is given:

* ``sniff(path, head)``: the format name when the file is one this loader reads, else None;
* ``parse(path, fmt)``: yield one :class:`RawRecord` per record (or a :class:`RecordError` for a
  record that cannot be read, so the rest of the file still loads); raise
  :class:`FileFormatError` when the file as a whole is unreadable;
* ``to_rdf(record)``: the pure record -> RDF step, returning a :class:`RecordGraph`; raise
  ``fail(record, reason)`` for a record that cannot be mapped.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from pyoxigraph import NamedNode

from covid_portal import iris
from covid_portal.records import FileFormatError, RawRecord, RecordError, RecordGraph
from covid_portal.slots import ClassTerm
from covid_portal.terms import S

HEAD_BYTES = 65536


class Loader(ABC):
    name: ClassVar[str]  # Bioregistry-style prefix of the source; also the module name
    title: ClassVar[str]  # human name of the source database
    homepage: ClassVar[str]
    license: ClassVar[str]  # IRI of the licence of the source's data
    formats: ClassVar[tuple[str, ...]]  # format names this loader reads

    @abstractmethod
    def sniff(self, path: Path, head: str) -> str | None:
        """The format of ``path`` if this loader reads it; ``head`` is its first 64 KiB, decoded."""

    @abstractmethod
    def parse(self, path: Path, fmt: str) -> Iterator[RawRecord | RecordError]:
        """Yield the file's records in order."""

    @abstractmethod
    def to_rdf(self, record: RawRecord) -> RecordGraph:
        """Map one record to RDF; pure (no I/O, no clock)."""

    # ------------------------------------------------------------ shared steps
    def new_graph(self, record: RawRecord, cls: ClassTerm, prefix: str, accession: str) -> tuple[RecordGraph, NamedNode]:
        """Start the graph of a record about ``prefix:accession``: typed, identified, sameAs-linked."""
        try:
            topic = iris.entity(prefix, accession)
        except iris.UnknownIdentifier as exc:
            raise RecordError(record.source, record.file, record.position, record.record_id, str(exc), record.raw) from None
        graph = RecordGraph(
            topic=topic,
            source=self.name,
            record_id=record.record_id,
            url=record.url,
            release=record.release,
            license=self.license,
        )
        graph.type(topic, cls)
        graph.add(topic, S.accession, iris.normalise(prefix, accession))
        graph.add(topic, S.same_as, iris.same_as(prefix, accession))
        return graph, topic


def reference(prefix: str, local_id: str) -> NamedNode | None:
    """The IRI of a cross-referenced entity, or None when the id does not fit its space."""
    try:
        return iris.entity(prefix, local_id)
    except iris.UnknownIdentifier:
        return None


# ---------------------------------------------------------------- file reading
def read_head(path: Path) -> str:
    """The first 64 KiB of a file, decoded leniently (only for sniffing)."""
    with path.open("rb") as fh:
        data = fh.read(HEAD_BYTES)
    if data.startswith(b"\x1f\x8b"):
        import gzip

        with gzip.open(path, "rb") as gz:
            data = gz.read(HEAD_BYTES)
    return data.decode("utf-8", errors="replace").lstrip("\ufeff")


def read_text(path: Path) -> str:
    """A whole file as text; UTF-8 (BOM allowed), gzip transparently; clear errors otherwise."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileFormatError(str(path), f"cannot read file: {exc.strerror or exc}") from None
    if data.startswith(b"\x1f\x8b"):
        import gzip

        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise FileFormatError(str(path), f"truncated or corrupt gzip data ({exc})") from None
    if not data.strip():
        raise FileFormatError(str(path), "file is empty")
    try:
        return data.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise FileFormatError(
            str(path), f"not valid UTF-8 at byte {exc.start} (wrong encoding? re-save the file as UTF-8)"
        ) from None


def read_json(path: Path) -> Any:
    """A whole JSON document, with the line and column of a syntax error or truncation."""
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        if exc.pos >= len(text.rstrip()) - 1:
            raise FileFormatError(str(path), f"JSON ends unexpectedly at {where} (truncated file?)") from None
        raise FileFormatError(str(path), f"invalid JSON at {where}: {exc.msg}") from None


def json_raw(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=False)
