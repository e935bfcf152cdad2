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
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from pyoxigraph import NamedNode

from covid_portal import iris
from covid_portal.records import FileFormatError, RawRecord, RecordError, RecordGraph
from covid_portal.slots import ClassTerm
from covid_portal.terms import C, S

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
    def new_graph(
        self, record: RawRecord, cls: ClassTerm, prefix: str, accession: str
    ) -> tuple[RecordGraph, NamedNode]:
        """Start the graph of a record about ``prefix:accession``: typed, identified, sameAs-linked."""
        try:
            topic = iris.entity(prefix, accession)
        except iris.UnknownIdentifier as exc:
            raise RecordError(
                record.source, record.file, record.position, record.record_id, str(exc), record.raw
            ) from None
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


def link_publication(graph: RecordGraph, subject: NamedNode, pmid: str | None, doi: str | None) -> None:
    """Link ``subject`` to a publication it cites, named by its PubMed id, else by its DOI.

    The Publication is typed here (so the record validates on its own) and carries the identifiers
    that let other sources' records of the same article meet it. Ids that do not fit are skipped.
    """
    doi = iris.normalise("doi", doi) if doi and _DOI.match(doi.strip()) else None
    pmid = pmid.strip() if pmid else None
    if pmid and (iri := reference("pubmed", pmid)) is not None:
        graph.link(subject, S.has_publication, iri, C.Publication)
        graph.add(iri, S.pmid, pmid)
        graph.add(iri, S.doi, doi)
    elif doi and (iri := reference("doi", doi)) is not None:
        graph.link(subject, S.has_publication, iri, C.Publication)
        graph.add(iri, S.doi, doi)


_DOI = re.compile(r"^10\.[0-9]{4,9}/\S+$")


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
        # a string still open at the end of the text is reported where it starts, not at the end
        if exc.pos >= len(text.rstrip()) - 1 or exc.msg.startswith("Unterminated string"):
            raise FileFormatError(str(path), f"JSON ends unexpectedly at {where} (truncated file?)") from None
        raise FileFormatError(str(path), f"invalid JSON at {where}: {exc.msg}") from None


def is_array(value: Any) -> bool:
    """A JSON array, read whole (list) or item by item (loaders._json.JsonItems)."""
    from loaders._json import JsonItems

    return isinstance(value, list | JsonItems)


def json_raw(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=False)


def iter_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Stream a text file as (1-based line number, line with its newline); UTF-8, gzip transparently.

    For loaders that read big files record by record. Raises FileFormatError for an unreadable,
    empty, non-UTF-8 or truncated-gzip file (naming the line where decoding failed).
    """
    import gzip
    import zlib

    try:
        with path.open("rb") as probe:
            compressed = probe.read(2) == b"\x1f\x8b"
        stream = gzip.open(path, "rb") if compressed else path.open("rb")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise FileFormatError(str(path), f"cannot read file: {exc.strerror or exc}") from None
    seen_text = False
    with stream:
        lineno = 0
        try:
            for lineno, data in enumerate(stream, 1):
                try:
                    line = data.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise FileFormatError(
                        str(path),
                        f"not valid UTF-8 on line {lineno}, column {exc.start + 1}"
                        " (wrong encoding? re-save the file as UTF-8)",
                    ) from None
                if lineno == 1:
                    line = line.lstrip("\ufeff")
                seen_text = seen_text or bool(line.strip())
                yield lineno, line
        except (OSError, EOFError, zlib.error) as exc:
            raise FileFormatError(str(path), f"truncated or corrupt gzip data after line {lineno} ({exc})") from None
    if not seen_text:
        raise FileFormatError(str(path), "file is empty")


def iter_xml(
    path: Path, tags: frozenset[str] | set[str], parents: frozenset[str] | set[str] | None = None
) -> Iterator[tuple[int, Any]]:
    """Stream the elements of an XML file whose local name is in ``tags``, as (1-based index, element).

    With ``parents``, only elements whose parent's local name is in it (so ``result`` under
    ``resultList`` but not a nested ``result``). Each element is cleared after the caller has handled
    it, so big files stream in constant memory. Raises FileFormatError for an empty, truncated or
    not well-formed file (with line and column).
    """
    import gzip
    import xml.etree.ElementTree as ET

    try:
        with path.open("rb") as probe:
            head = probe.read(2)
        stream = gzip.open(path, "rb") if head == b"\x1f\x8b" else path.open("rb")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise FileFormatError(str(path), f"cannot read file: {exc.strerror or exc}") from None
    if not read_head(path).strip():
        stream.close()
        raise FileFormatError(str(path), "file is empty")
    index = 0
    stack: list[str] = []
    with stream:
        try:
            for event, elem in ET.iterparse(stream, events=("start", "end")):
                name = elem.tag.rpartition("}")[2]
                if event == "start":
                    stack.append(name)
                    continue
                stack.pop()
                if name in tags and (parents is None or (stack and stack[-1] in parents)):
                    index += 1
                    yield index, elem
                    elem.clear()
        except ET.ParseError as exc:
            line, column = exc.position
            message = str(exc).split(":")[0]
            # expat reports these only when the input ends: a truncated (or empty) file
            if message in ("no element found", "unclosed token", "unclosed CDATA section"):
                reason = f"XML ends unexpectedly at line {line}, column {column} (truncated file?)"
                raise FileFormatError(str(path), reason) from None
            where = f"line {line}, column {column}"
            raise FileFormatError(str(path), f"XML is not well-formed at {where}: {message}") from None
        except (OSError, EOFError) as exc:
            raise FileFormatError(str(path), f"truncated or corrupt gzip data ({exc})") from None
