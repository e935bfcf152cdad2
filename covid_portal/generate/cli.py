"""``covid-portal generate``: write realistic synthetic source records (registered in covid_portal.cli)."""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path

import click


@click.command("generate")
@click.option(
    "--records",
    "-n",
    type=click.IntRange(min=1),
    required=True,
    help="How many records to write, across all sources (sequences and reads dominate); at least one of each kind.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Output folder: one subfolder per source, files of at most 50 000 records, and manifest.json.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Same --records and --seed: byte-identical files.")
def generate_command(records: int, out: Path, seed: int) -> None:
    """Write realistic synthetic records in the sources' own formats, with consistent cross-references.

    \b
    ENA portal JSON/TSV (studies, samples, read runs, sequences), COVID-19 Data Portal sequences,
    UniProt JSON, PDBx/mmCIF headers, PRIDE project JSON, ChEMBL JSON and Europe PMC JSON: the
    files the loaders read, for load tests and benchmarks. Nothing is written as RDF.

    \b
    Example:
      covid-portal generate --records 1000000 --out synthetic --seed 1
      covid-portal load synthetic             # manifest.json is skipped
    """
    from covid_portal.generate import generate

    show = sys.stderr.isatty()
    bar = click.progressbar(length=records, label="generating", file=sys.stderr) if show else None
    started = time.perf_counter()
    done = 0

    def progress(count: int) -> None:
        nonlocal done
        if bar is not None:
            bar.update(count - done)
        done = count

    try:
        with bar if bar is not None else contextlib.nullcontext():
            manifest = generate(records, out, seed, progress=progress)
    except ValueError as exc:  # too few records, or --out holds a file that is not a generator manifest
        raise click.BadParameter(str(exc)) from None
    elapsed = time.perf_counter() - started
    summary = ", ".join(f"{source} {count:,}" for source, count in manifest["sources"].items())
    click.echo(
        f"wrote {records:,} records in {len(manifest['files'])} files to {out} "
        f"({elapsed:.1f} s, {records / max(elapsed, 1e-9):,.0f} records/s): {summary}"
    )
