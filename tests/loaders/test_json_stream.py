"""loaders._json reads the same documents as json.loads, and fails on the same files with the same
messages, whatever the block size; its arrays are read from the file item by item."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path
from typing import Any

import pytest

from covid_portal.records import FileFormatError
from loaders import _json
from loaders._json import JsonItems, read_json_lazily
from loaders.base import read_json
from tests.conftest import TEST_DATA

ROUTES = {(), ("results",), ("entries",), ("resultList", "result"), ("molecules",), ("hits", "hits")}
SAMPLES = sorted(p for p in TEST_DATA.rglob("*.json") if p.stat().st_size < 400_000)


def materialise(value: Any) -> Any:
    if isinstance(value, JsonItems):
        return [materialise(item) for item in value]
    if isinstance(value, dict):
        return {key: materialise(item) for key, item in value.items()}
    return value


def outcome(read, path: Path) -> tuple[str, Any]:
    try:
        return "ok", materialise(read(path))
    except FileFormatError as exc:
        return "error", exc.reason


@pytest.fixture(params=[7, 64, 1 << 20], ids=["block7", "block64", "block1M"])
def block(request, monkeypatch) -> int:
    monkeypatch.setattr(_json, "BLOCK", request.param)
    return request.param


def test_real_records_read_as_json_loads_reads_them(block: int) -> None:
    assert len(SAMPLES) > 20
    for path in SAMPLES:
        assert outcome(lambda p: read_json_lazily(p, ROUTES), path) == outcome(read_json, path), path


def test_damaged_files_fail_with_json_loads_messages(block: int, tmp_path: Path) -> None:
    """Truncated at random points, a byte replaced, a byte dropped: the same document or the same error."""
    rng = random.Random(block)
    sources = [p for p in SAMPLES if 0 < p.stat().st_size < 60_000][:16]
    out = tmp_path / "damaged.json"
    checked = errors = 0
    for path in sources:
        data = path.read_bytes()
        for _ in range(5):
            cut = rng.randrange(len(data))
            for damaged in (data[:cut], data[:cut] + b"x" + data[cut + 1 :], data[:cut] + data[cut + 1 :]):
                out.write_bytes(damaged)
                expected = outcome(read_json, out)
                assert outcome(lambda p: read_json_lazily(p, ROUTES), out) == expected, (path, cut, expected)
                checked += 1
                errors += expected[0] == "error"
    assert checked > 200 and errors > checked // 3  # the damage is mostly fatal, as it should be


def test_array_items_are_read_one_at_a_time(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(_json, "BLOCK", 4096)
    items = [{"accession": f"MN{i:06d}", "description": "x" * 200, "n": i} for i in range(2000)]
    path = tmp_path / "page.json.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        json.dump({"meta": {"total": 2000}, "results": items, "next": None}, fh)
    document = read_json_lazily(path, {("results",)})
    results = document["results"]
    assert isinstance(results, JsonItems) and len(results) == 2000 and results
    assert document["meta"] == {"total": 2000} and document["next"] is None
    assert list(results) == items and list(results) == items  # iterable again
    assert results[1999] == items[1999] and results[-1] == items[-1]
    # what the reader holds while it iterates: a few blocks, not the file
    iterator = iter(results)
    next(iterator)
    stream = iterator.gi_frame.f_locals["stream"]
    assert len(stream.buf) < 3 * 4096


def test_empty_and_undecodable_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text("  \n ")
    with pytest.raises(FileFormatError, match="file is empty"):
        read_json_lazily(empty, ROUTES)
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes('[{"country": "Espa\u00f1a"}]'.encode("latin-1"))
    with pytest.raises(FileFormatError, match="not valid UTF-8 at byte 18"):
        read_json_lazily(latin1, ROUTES)
    with pytest.raises(FileFormatError, match="not valid UTF-8 at byte 18"):
        read_json(latin1)
