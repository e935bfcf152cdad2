"""JSON documents whose big arrays are read from the file one item at a time.

Why: the sources deliver pages and dumps as one JSON document with the records in an array (an ENA
search result, a ChEMBL page, a Europe PMC result list), and ``json.loads`` of a 500,000-record dump
would hold every record in memory at once, in every producer process. :func:`read_json_lazily`
returns the same document as ``json.loads`` except that each array at one of the given ``routes``
(key paths; ``()`` for a top-level array) is a :class:`JsonItems`: its length, and its items decoded
from the file again each time it is iterated. Memory is then bounded by the largest item, not the
file.

The file is scanned once up front, so that a truncated or malformed file fails before any record is
read (as with ``json.loads``: a loader never yields half a file), with the same messages, line and
column. Values are decoded with the standard library's scanner (``JSONDecoder.raw_decode``) on a
buffer read in blocks; only the containers along the routes are walked here.
"""

from __future__ import annotations

import codecs
import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from covid_portal.records import FileFormatError

BLOCK = 1 << 20  # characters read at a time
_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\n\r"

Route = tuple[str, ...]


class JsonItems:
    """The items of one array of a JSON file, decoded from the file on each iteration."""

    def __init__(self, path: Path, route: Route, count: int) -> None:
        self.path = path
        self.route = route
        self.count = count

    def __len__(self) -> int:
        return self.count

    def __bool__(self) -> bool:
        return self.count > 0

    def __iter__(self) -> Iterator[Any]:
        stream = _Stream(self.path)
        try:
            yield from _walk(stream, (), {self.route}, self.route)
        finally:
            stream.close()

    def __getitem__(self, index: int) -> Any:
        if index < 0:
            index += self.count
        for i, item in enumerate(self):
            if i == index:
                return item
        raise IndexError(index)

    def __repr__(self) -> str:
        return f"JsonItems({self.path.name}, {'.'.join(self.route) or '[]'}, {self.count} items)"


def read_json_lazily(path: Path, routes: set[Route]) -> Any:
    """``path``'s JSON document, with the arrays found at ``routes`` as :class:`JsonItems`."""
    stream = _Stream(path)
    try:
        walker = _walk(stream, (), routes, None)
        while True:  # nothing is yielded without a target route; the document is the return value
            try:
                next(walker)
            except StopIteration as done:
                document = done.value
                break
        if stream.peek() != "":
            stream.fail("Extra data", stream.pos)
        return document
    finally:
        stream.close()


def _walk(stream: _Stream, route: Route, routes: set[Route], target: Route | None) -> Iterator[Any]:
    """Read one value at ``route``: yield the items of the ``target`` array, return the value."""
    char = stream.peek()
    if char == "":
        if stream.start:
            raise FileFormatError(str(stream.path), "file is empty")
        stream.fail("Expecting value", stream.pos)
    stream.start = False
    if char == "[" and route in routes:
        stream.pos += 1
        count = 0
        if stream.peek() == "]":
            stream.pos += 1
            return JsonItems(stream.path, route, 0)
        while True:
            item = stream.value()
            count += 1
            if route == target:
                yield item
            char = stream.peek()
            stream.pos += 1
            if char == "]":
                return JsonItems(stream.path, route, count)
            if char != ",":
                stream.fail("Expecting ',' delimiter", stream.pos - 1)
    if char == "{" and any(r[: len(route)] == route and len(r) > len(route) for r in routes):
        stream.pos += 1
        document: dict[str, Any] = {}
        if stream.peek() == "}":
            stream.pos += 1
            return document
        while True:
            if stream.peek() != '"':
                stream.fail("Expecting property name enclosed in double quotes", stream.pos)
            key = stream.value()
            if stream.peek() != ":":
                stream.fail("Expecting ':' delimiter", stream.pos)
            stream.pos += 1
            document[key] = yield from _walk(stream, (*route, key), routes, target)
            char = stream.peek()
            stream.pos += 1
            if char == "}":
                return document
            if char != ",":
                stream.fail("Expecting ',' delimiter", stream.pos - 1)
    return stream.value()


class _Stream:
    """The decoded text of a file (UTF-8, BOM allowed, gzip transparently), read in blocks."""

    def __init__(self, path: Path) -> None:
        import gzip

        self.path = path
        try:
            with path.open("rb") as probe:
                compressed = probe.read(2) == b"\x1f\x8b"
            self._raw = gzip.open(path, "rb") if compressed else path.open("rb")  # noqa: SIM115 (closed by close)
        except OSError as exc:
            raise FileFormatError(str(path), f"cannot read file: {exc.strerror or exc}") from None
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._bytes = 0  # bytes read from the file so far
        self.buf = ""
        self.pos = 0  # position in buf
        self.eof = False
        self.start = True  # no value read yet (an empty file is reported as such)
        # where buf starts in the whole text: for line and column numbers in messages
        self._lines = 0  # newlines before buf
        self._column = 0  # characters after the last newline before buf
        self._first = True

    def close(self) -> None:
        self._raw.close()

    # ------------------------------------------------------------------ reading
    def _fill(self) -> bool:
        """Read another block onto the buffer (dropping what was consumed); False at the end."""
        if self.eof:
            return False
        if self.pos:
            dropped = self.buf[: self.pos]
            newlines = dropped.count("\n")
            self._lines += newlines
            self._column = len(dropped) - dropped.rfind("\n") - 1 if newlines else self._column + len(dropped)
            self.buf = self.buf[self.pos :]
            self.pos = 0
        import gzip

        try:
            data = self._raw.read(BLOCK)
        except (OSError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise FileFormatError(str(self.path), f"truncated or corrupt gzip data ({exc})") from None
        final = not data
        pending = len(self._decoder.getstate()[0])  # bytes of a character cut by the last block
        try:
            text = self._decoder.decode(data, final)
        except UnicodeDecodeError as exc:
            offset = self._bytes - pending + exc.start
            raise FileFormatError(
                str(self.path), f"not valid UTF-8 at byte {offset} (wrong encoding? re-save the file as UTF-8)"
            ) from None
        self._bytes += len(data)
        if self._first and text:
            text = text.lstrip("\ufeff")
            self._first = False
        self.buf += text
        self.eof = final
        return True

    def peek(self) -> str:
        """The next character that is not whitespace ('' at the end of the file); pos moves to it."""
        while True:
            buf, pos = self.buf, self.pos
            while pos < len(buf) and buf[pos] in _WHITESPACE:
                pos += 1
            self.pos = pos
            if pos < len(buf):
                return buf[pos]
            if not self._fill():
                return ""

    def value(self) -> Any:
        """Decode the JSON value at the current position (after whitespace) and move past it."""
        self.peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                # the value may go on past the buffer: read more, unless the error is well inside it
                near_end = exc.pos >= len(self.buf) - 8 or exc.msg.startswith("Unterminated string")
                if near_end and self._fill():
                    continue
                self.fail(exc.msg, exc.pos)
            if end >= len(self.buf) and self._fill():
                continue  # a number (or literal) that ends the buffer may go on in the next block
            self.pos = end
            return value

    # ------------------------------------------------------------------- errors
    def where(self, pos: int) -> str:
        newline = self.buf.rfind("\n", 0, pos)
        line = self._lines + self.buf.count("\n", 0, pos) + 1
        column = pos - newline if newline >= 0 else self._column + pos + 1
        return f"line {line}, column {column}"

    def fail(self, message: str, pos: int) -> None:
        """Raise the FileFormatError for a syntax error at ``pos`` of the buffer, worded as read_json
        words it: an error at the end of the text (only whitespace after it) means a truncated file."""
        where = self.where(pos)
        truncated = message.startswith("Unterminated string") or not self.buf[pos + 1 :].strip()
        self.pos = len(self.buf)
        while truncated and self._fill():  # the rest of the file, a block at a time
            truncated = not self.buf.strip()
            self.pos = len(self.buf)
        if truncated:
            raise FileFormatError(str(self.path), f"JSON ends unexpectedly at {where} (truncated file?)")
        raise FileFormatError(str(self.path), f"invalid JSON at {where}: {message}")
