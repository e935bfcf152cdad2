"""The harvester interface and the one resumable paging loop every harvester runs in.

A harvester knows its API: ``tasks`` splits the harvest into independent queries (ENA date slices,
UniProt queries, one PDB entry), fixed when the harvest starts; ``pages`` pages through one task
from a cursor the way the API does it (offset, cursor URL, cursorMark, page number) and yields
:class:`Page` objects. The loop here owns everything else: dropping records already seen in this
harvest (so overlapping slices or a shifted page never produce duplicates), skipping records whose
checksum has not changed since the last run (``known``), writing page files atomically, and
recording the cursor after each page so an interrupted harvest resumes where it stopped.

Update strategies (how ``covid-portal update`` finds what changed):

* ``modified``: the API filters by modification date; the update harvests records changed since
  the last successful run and lists all current ids (``current_ids``) to find withdrawn ones;
* ``checksum``: no usable date filter but a small record set (PRIDE projects, PDB entries): the
  update fetches everything and writes only records whose checksum changed;
* ``release``: the source publishes numbered releases (ChEMBL): nothing can change between
  releases, so the update harvests only when the release differs from the last run's.
"""

from __future__ import annotations

import hashlib
import json
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from covid_portal.harvest.config import HarvestConfig, SourceConfig
from covid_portal.harvest.http import Client
from covid_portal.harvest.manifest import Manifest, now, sha256, write_atomic

log = logging.getLogger(__name__)


@dataclass
class Record:
    id: str  # the id the source's loader gives the record (so record graphs can be named from it)
    obj: Any  # what the page renderer needs to write it again
    sha: str  # checksum of the record's content


@dataclass
class Page:
    records: list[Record]
    render: Callable[[list[Any]], bytes]  # the bytes of a page file holding these records' objects
    ext: str
    cursor: Any  # where the next page starts (JSON-able); None when the task is finished


def json_sha(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def json_bytes(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"


class Harvester(ABC):
    name: ClassVar[str]  # the config section and the folder name
    source: ClassVar[str]  # the loader that reads what this harvester writes
    strategy: ClassVar[str]  # "modified", "checksum" or "release" (see the module docstring)
    previous: frozenset[str] = frozenset()  # ids the last update harvested (per-entry harvesters re-check them)

    def __init__(self, config: HarvestConfig, client: Client, out: Path) -> None:
        self.config = config
        self.client = client
        self.out = out  # the harvest's root folder (other sources' folders are siblings)

    @property
    def settings(self) -> SourceConfig:
        return self.config.source(self.name)

    def url(self, path: str) -> str:
        return self.settings.base_url.rstrip("/") + path

    @abstractmethod
    def query(self) -> dict[str, Any]:
        """What this harvest asks for, as recorded in the manifest."""

    @abstractmethod
    def tasks(self, since: str | None) -> list[dict[str, Any]]:
        """The independent queries of a harvest of records changed on or after ``since`` (None: all)."""

    @abstractmethod
    def pages(self, task: dict[str, Any], cursor: Any) -> Iterator[Page]:
        """The pages of ``task`` from ``cursor`` (None: the first page)."""

    def current_ids(self) -> set[str] | None:
        """Every record id in the harvest's scope now (``modified`` strategy), or None when not listed."""
        return None

    def release(self) -> str | None:
        """The source's current release, when it publishes numbered releases."""
        return None


class HarvestInterrupted(Exception):
    """Raised by a ``stop_after`` hook (tests, and a user's Ctrl-C is KeyboardInterrupt)."""


def run_harvest(
    harvester: Harvester,
    folder: Path,
    *,
    since: str | None = None,
    until: str | None = None,
    resume: bool = False,
    known: dict[str, str] | None = None,
    stop_after: int | None = None,
) -> Manifest:
    """Harvest into ``folder``; with ``resume`` continue the harvest recorded there (if unfinished).

    ``known`` maps record ids to the checksums of the last run: those records are listed but not
    written again. ``stop_after`` raises :class:`HarvestInterrupted` after that many pages (to test
    resuming). Returns the completed manifest.
    """
    manifest = Manifest.read(folder) if resume else None
    if manifest is not None and manifest.complete:
        log.info("%s: harvest in %s is complete", harvester.name, folder)
        return manifest
    if manifest is None:
        manifest = Manifest.start(folder, harvester.name, harvester.query(), since, until or now())
    else:
        log.info("%s: resuming the harvest in %s", harvester.name, folder)
        manifest.drop_unlisted_records()
    if manifest.data["tasks"] is None:
        manifest.data["tasks"] = harvester.tasks(manifest.data["since"])
        manifest.save()
    seen = {rid for _, rid, _, _ in manifest.records()}
    counts = manifest.data["counts"]
    limit = harvester.settings.limit
    pages_done = 0
    for task in manifest.data["tasks"]:
        state = manifest.task_state(task["key"])
        if state["done"]:
            continue
        if limit and counts["records"] >= limit:
            break
        for page in harvester.pages(task, state["cursor"]):
            if limit and counts["records"] >= limit:
                break
            number = state["pages"] + 1
            file = f"{task['key']}-{number:05d}.{page.ext}"
            fresh: list[Record] = []
            lines: list[tuple[str, str, bool]] = []
            for rec in page.records:
                if rec.id in seen:
                    counts["duplicates"] += 1
                    continue
                if limit and counts["records"] >= limit:
                    break
                seen.add(rec.id)
                counts["records"] += 1
                unchanged = known is not None and known.get(rec.id) == rec.sha
                counts["unchanged" if unchanged else "written"] += 1
                lines.append((rec.id, rec.sha, not unchanged))
                if not unchanged:
                    fresh.append(rec)
            entry: dict[str, Any] = {"task": task["key"], "n": number, "file": file, "records": len(lines),
                                     "written": len(fresh)}  # fmt: skip
            if fresh:
                data = page.render([rec.obj for rec in fresh])
                write_atomic(folder / file, data)
                entry.update(bytes=len(data), sha256=sha256(data))
            if lines:
                manifest.add_records(file, lines)
            manifest.data["pages"].append(entry)
            state.update(cursor=page.cursor, pages=number, done=page.cursor is None)
            counts["pages"] += 1
            manifest.save()
            pages_done += 1
            if stop_after is not None and pages_done >= stop_after:
                raise HarvestInterrupted(f"{harvester.name}: stopped after {pages_done} pages")
        state["done"] = True
        manifest.save()
    counts["requests"] = counts.get("requests", 0) + harvester.client.requests
    manifest.data["finished"] = now()
    manifest.save()
    log.info("%s: %d records (%d written, %d unchanged, %d duplicates dropped) in %d pages",
             harvester.name, counts["records"], counts["written"], counts["unchanged"], counts["duplicates"],
             counts["pages"])  # fmt: skip
    return manifest
