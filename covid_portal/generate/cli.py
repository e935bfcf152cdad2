"""``covid-portal generate``: write realistic synthetic source records (registered in covid_portal.cli)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click


@click.command("generate")
@click.option(
    "--records",
    "-n",
    type=click.IntRange(min=14),
    required=True,
    help="How many records to write, across all sources (sequences and reads dominate).",
)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Output folder: one subfolder per source, files of at most 50 000 records, manifest.json.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Same records and seed give byte-identical files.")
def generate_command(records: int, out: Path, seed: int) -> None:
    """Write realistic synthetic records in the sources' own formats (ENA, UniProt, PDB, PRIDE, ChEMBL,
    Europe PMC, COVID-19 Data Portal), with consistent cross-references, for load tests and benchmarks.

    Load them with `covid-portal load DIR/<source> ...`; DIR/manifest.json lists every file and its record count.
    """
    from covid_portal.generate import generate

    started = time.perf_counter()
    manifest = generate(records, out, seed)
    elapsed = time.perf_counter() - started
    summary = ", ".join(f"{source} {count:,}" for source, count in manifest["sources"].items())
    click.echo(
        f"wrote {records:,} records in {len(manifest['files'])} files to {out} "
        f"({elapsed:.1f} s, {records / max(elapsed, 1e-9):,.0f} records/s): {summary}",
        err=not sys.stdout.isatty(),
    )
