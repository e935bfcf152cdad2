"""Writing the generated files: JSON documents streamed item by item, TSV rows, and the manifest.

Nothing here holds more than one record: a JSON array is written as ``head``, the items separated by
commas, then ``tail``, so a file of 50 000 records costs the memory of one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

_COMPACT = json.JSONEncoder(ensure_ascii=False)


def dumps(value: Any, indent: int | None = None) -> str:
    return _COMPACT.encode(value) if indent is None else json.dumps(value, ensure_ascii=False, indent=indent)


def write_json_array(
    fh: TextIO, items: Iterable[Any], head: str = "[\n", tail: str = "\n]\n", indent: int | None = None
) -> None:
    """``head`` item, item, ... ``tail``: a JSON array (possibly inside an envelope) written as it is produced."""
    fh.write(head)
    first = True
    for item in items:
        if not first:
            fh.write(",\n")
        fh.write(dumps(item, indent))
        first = False
    fh.write(tail)


def envelope(prefix: dict[str, Any], list_path: list[str], suffix: dict[str, Any] | None = None) -> tuple[str, str]:
    """(head, tail) strings around a list at ``list_path`` inside a JSON object, e.g. ``{"results": [ ... ]}``.

    ``prefix`` keys come before the list, ``suffix`` keys after it, in order (as the real responses have them).
    """
    head = "{" + "".join(f"{json.dumps(k)}: {dumps(v)}, " for k, v in prefix.items())
    tail = ""
    for depth, key in enumerate(list_path):
        head += f"{json.dumps(key)}: " + ("[\n" if depth == len(list_path) - 1 else "{")
    tail = "\n]" + "}" * (len(list_path) - 1)
    if suffix:
        tail += "".join(f", {json.dumps(k)}: {dumps(v)}" for k, v in suffix.items())
    return head, tail + "}\n"


def tsv_line(values: Iterable[Any]) -> str:
    return "\t".join("" if v is None else str(v) for v in values) + "\n"
