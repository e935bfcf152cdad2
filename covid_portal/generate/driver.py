"""Write N synthetic records as source files, kind by kind, file by file, and the manifest describing them.

Each kind is written in files of at most ``chunk`` records under ``DIR/<source>/<kind>/``; each file
has its own random generator seeded from (seed, kind, file number), and everything shared between
records is arithmetic on indices (:mod:`covid_portal.generate.plan`), so the output is byte-identical
for the same N and seed, and memory stays flat for any N. Nothing here writes RDF: the files are in
the sources' own formats and reach the graph only through the loaders.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from covid_portal.generate import chembl, ena, europepmc, pdb, portal, pride, uniprot
from covid_portal.generate.distributions import file_rng
from covid_portal.generate.plan import MIX, Plan

log = logging.getLogger(__name__)

Writer = Callable[[Plan, random.Random, range, TextIO], None]
MANIFEST = "manifest.json"
VERSION = 1  # bump when the output for a given N and seed changes


@dataclass(frozen=True)
class Kind:
    name: str
    source: str  # the loader that reads these files
    fmt: str  # the loader's format name
    ext: str
    chunk: int  # records per file
    write: Writer


KINDS: tuple[Kind, ...] = (
    Kind("study", "ena", "json", "json", 50_000, ena.studies),
    Kind("sample", "ena", "json", "json", 50_000, ena.samples),
    Kind("experiment", "ena", "tsv", "tsv", 50_000, ena.experiments),
    Kind("read_run", "ena", "tsv", "tsv", 50_000, ena.runs),
    Kind("sequence", "ena", "json", "json", 50_000, ena.sequences),
    Kind("portal_sequence", "ebisearch", "ebisearch-json", "json", 50_000, portal.sequences),
    Kind("protein", "uniprot", "uniprot-json", "json", 5_000, uniprot.proteins),
    Kind("structure", "pdb", "mmcif", "cif", 10_000, pdb.structures),
    Kind("proteomics", "pride", "pride-project-json", "json", 5_000, pride.projects),
    Kind("target", "chembl", "chembl-ws-json", "json", 20_000, chembl.targets),
    Kind("molecule", "chembl", "chembl-es-json", "json", 20_000, chembl.molecules),
    Kind("assay", "chembl", "chembl-es-json", "json", 20_000, chembl.assays),
    Kind("activity", "chembl", "chembl-es-json", "json", 50_000, chembl.activities),
    Kind("document", "chembl", "chembl-es-json", "json", 20_000, chembl.documents),
    Kind("publication", "europepmc", "rest-json", "json", 10_000, europepmc.publications),
)
assert [k.name for k in KINDS] == list(MIX), "every kind of the mix has a writer"


def generate(n: int, out: Path | str, seed: int = 0, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Write ``n`` records under ``out`` and return the manifest (also written to ``out/manifest.json``).

    The files of an earlier run listed in an existing manifest are removed first, so a smaller N leaves
    no stale files behind; nothing else in ``out`` is touched. ``progress`` is called with the number of
    records written so far after each file.
    """
    if n < len(KINDS):
        raise ValueError(f"at least {len(KINDS)} records are needed (one of each kind), not {n}")
    out = Path(out)
    _remove_previous(out)
    plan = Plan(n, seed)
    files: list[dict[str, Any]] = []
    done = 0
    for kind in KINDS:
        total = plan.count(kind.name)
        folder = out / kind.source / kind.name
        folder.mkdir(parents=True, exist_ok=True)
        for number, start in enumerate(range(0, total, kind.chunk)):
            indices = range(start, min(start + kind.chunk, total))
            path = folder / f"{kind.name}-{number:05d}.{kind.ext}"
            with path.open("w", encoding="utf-8", newline="\n") as fh:
                kind.write(plan, file_rng(seed, kind.name, number), indices, fh)
            files.append(
                {
                    "path": path.relative_to(out).as_posix(),
                    "source": kind.source,
                    "format": kind.fmt,
                    "kind": kind.name,
                    "records": len(indices),
                }
            )
            done += len(indices)
            if progress:
                progress(done)
        log.info("%s: %d records", kind.name, total)
    manifest = _manifest(plan, files)
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def _remove_previous(out: Path) -> None:
    old = out / MANIFEST
    if not old.is_file():
        return
    try:
        listed = [f["path"] for f in json.loads(old.read_text(encoding="utf-8")).get("files", [])]
    except (ValueError, AttributeError, TypeError, KeyError):
        raise ValueError(f"{old} exists but is not a generator manifest; choose another --out") from None
    for rel in listed:
        path = (out / rel).resolve()
        if path.is_relative_to(out.resolve()) and path.is_file():
            path.unlink()
    old.unlink()


def _manifest(plan: Plan, files: list[dict[str, Any]]) -> dict[str, Any]:
    c = plan.counts
    sources: dict[str, int] = {}
    for kind in KINDS:
        sources[kind.source] = sources.get(kind.source, 0) + c[kind.name]
    return {
        "generator": f"covid_portal.generate v{VERSION}",
        "seed": plan.seed,
        "records": plan.n,
        "kinds": dict(c),
        "sources": sources,
        # links every record of a kind has, to a record that is itself in the output
        "links": {
            "experiment -> sample": c["experiment"],
            "experiment -> study": c["experiment"],
            "read_run -> experiment": c["read_run"],
            "read_run -> sample": c["read_run"],
            "read_run -> study": c["read_run"],
            "sample -> study": c["sample"],
            "sequence -> sample": c["sequence"],
            "sequence -> study": c["sequence"],
            "activity -> molecule": c["activity"],
            "activity -> assay": c["activity"],
            "activity -> target": c["activity"],
            "assay -> target": c["assay"],
            "target (protein) -> protein": c["target"] - 1,
            "structure -> protein": c["structure"],
        },
        "files": files,
    }
