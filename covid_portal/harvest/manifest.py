"""What a harvest wrote, and where it stopped: ``MANIFEST.json`` and ``RECORDS.tsv`` in each source folder.

``MANIFEST.json`` names the query, the time window, the task list (fixed when the harvest starts,
so a resumed run pages through the same slices), each task's resume cursor, and every page file
with its record count, size and SHA-256. ``RECORDS.tsv`` lists every record the harvest saw:
``page file, record id, record checksum, written (1) or unchanged and skipped (0)``.

Crash safety: a page file is written under a temporary name and renamed, its records are appended
to RECORDS.tsv, and only then is the manifest (with the page and the next cursor) replaced
atomically. A run killed between those steps leaves a page the manifest does not list; the resumed
run fetches that page again, overwrites the file and ignores RECORDS.tsv lines of unlisted pages,
so no record is counted or written twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

MANIFEST = "MANIFEST.json"
RECORDS = "RECORDS.tsv"


def now() -> str:
    return dt.datetime.now(tz=dt.UTC).replace(microsecond=0).isoformat()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".part")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class Manifest:
    """The manifest of one source's harvest in ``folder`` (created, or read back to resume)."""

    def __init__(self, folder: Path, data: dict[str, Any]) -> None:
        self.folder = folder
        self.data = data

    # ------------------------------------------------------------- lifecycle
    @classmethod
    def read(cls, folder: Path) -> Manifest | None:
        path = folder / MANIFEST
        if not path.exists():
            return None
        return cls(folder, json.loads(path.read_text(encoding="utf-8")))

    @classmethod
    def start(cls, folder: Path, source: str, query: dict[str, Any], since: str | None, until: str) -> Manifest:
        """A new harvest in ``folder``; page files of an earlier harvest listed there are removed."""
        folder.mkdir(parents=True, exist_ok=True)
        old = cls.read(folder)
        if old is not None:
            for path in old.files:
                path.unlink(missing_ok=True)
        (folder / RECORDS).unlink(missing_ok=True)
        data = {
            "source": source,
            "query": query,
            "since": since,
            "until": until,
            "started": now(),
            "finished": None,
            "tasks": None,
            "task_state": {},
            "pages": [],
            "counts": {"records": 0, "written": 0, "unchanged": 0, "duplicates": 0, "pages": 0, "requests": 0},
        }
        manifest = cls(folder, data)
        manifest.save()
        return manifest

    def save(self) -> None:
        write_atomic(self.folder / MANIFEST, json.dumps(self.data, indent=1, ensure_ascii=False).encode("utf-8"))

    # ------------------------------------------------------------- reading
    @property
    def complete(self) -> bool:
        return self.data["finished"] is not None

    @property
    def pages(self) -> list[dict[str, Any]]:
        return list(self.data["pages"])

    @property
    def files(self) -> list[Path]:
        return [self.folder / page["file"] for page in self.data["pages"] if page["written"]]

    def records(self) -> Iterator[tuple[str, str, str, bool]]:
        """(page file, record id, checksum, written) of every record of a listed page, in harvest order."""
        listed = {page["file"] for page in self.data["pages"]}
        path = self.folder / RECORDS
        if not path.exists():
            return
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                parts = line.rstrip("\n").split("\t")
                if len(parts) == 4 and parts[0] in listed:
                    yield parts[0], parts[1], parts[2], parts[3] == "1"

    def record_ids(self) -> dict[str, str]:
        """Every record id seen -> its checksum."""
        return {rid: sha for _, rid, sha, _ in self.records()}

    def written_ids(self) -> set[str]:
        return {rid for _, rid, _, written in self.records() if written}

    # ------------------------------------------------------------- writing
    def task_state(self, key: str) -> dict[str, Any]:
        return self.data["task_state"].setdefault(key, {"cursor": None, "done": False, "pages": 0})

    def add_records(self, file: str, records: list[tuple[str, str, bool]]) -> None:
        """Append (id, checksum, written) lines for the page ``file`` (named even when nothing was written)."""
        with (self.folder / RECORDS).open("a", encoding="utf-8") as fh:
            fh.writelines(f"{file}\t{rid}\t{sha}\t{int(written)}\n" for rid, sha, written in records)
            fh.flush()
            os.fsync(fh.fileno())

    def drop_unlisted_records(self) -> None:
        """Rewrite RECORDS.tsv without lines of pages the manifest does not list (left by an interrupted run)."""
        path = self.folder / RECORDS
        if not path.exists():
            return
        kept = "".join(f"{f}\t{r}\t{s}\t{int(w)}\n" for f, r, s, w in self.records())
        write_atomic(path, kept.encode("utf-8"))
