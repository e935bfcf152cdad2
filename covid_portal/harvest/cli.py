"""``covid-portal harvest`` and ``covid-portal update``: thin commands over covid_portal.harvest and .update.

Registered on the main group by covid_portal/cli.py (``main.add_command(harvest_command)``). Both
read the store from the group's context when there is one (``--store``), and exit 1 on a failed
harvest or update (what was fetched so far stays for ``--resume`` / the next update).
"""

from __future__ import annotations

from pathlib import Path

import click

from covid_portal.harvest import HARVESTERS

CONFIG_HELP = "Harvest config file (default: config/harvest.toml; see docs/harvest.md)."


def _config(path: Path | None):
    from covid_portal.harvest.config import ConfigError, load_config

    try:
        return load_config(path)
    except ConfigError as exc:
        raise click.BadParameter(str(exc), param_hint="--config") from None


def _check_sources(sources: tuple[str, ...]) -> None:
    unknown = [s for s in sources if s not in HARVESTERS]
    if unknown:
        raise click.BadParameter(f"unknown source(s) {', '.join(unknown)}; known: {', '.join(HARVESTERS)}",
                                 param_hint="SOURCE")  # fmt: skip


@click.command("harvest")
@click.argument("sources", nargs=-1)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for the raw records (one subfolder per source, each with MANIFEST.json).",
)
@click.option("--config", "config_path", type=click.Path(dir_okay=False, exists=True, path_type=Path), help=CONFIG_HELP)
@click.option("--resume", is_flag=True, help="Continue an interrupted harvest in --out instead of starting over.")
def harvest_command(sources: tuple[str, ...], out: Path, config_path: Path | None, resume: bool) -> None:
    """Fetch raw records from the source APIs into --out, in the formats the loaders read.

    SOURCE is one or more of ena, uniprot, pdbe, pride, chembl, europepmc (default: every source
    enabled in the config). Load the result with `covid-portal load OUT`.
    """
    from covid_portal.harvest import harvest
    from covid_portal.harvest.http import HttpError

    _check_sources(sources)
    config = _config(config_path)
    try:
        manifests = harvest(config, out, sources, resume=resume)
    except HttpError as exc:
        click.echo(f"error: {exc}; run again with --resume to continue", err=True)
        raise SystemExit(1) from None
    for name, manifest in manifests.items():
        c = manifest.data["counts"]
        click.echo(f"{name:10} {c['records']:>8,} records in {c['pages']:,} pages ({c['duplicates']:,} duplicates "
                   f"dropped) -> {manifest.folder}")  # fmt: skip


@click.command("update")
@click.argument("sources", nargs=-1)
@click.option("--config", "config_path", type=click.Path(dir_okay=False, exists=True, path_type=Path), help=CONFIG_HELP)
@click.pass_context
def update_command(ctx: click.Context, sources: tuple[str, ...], config_path: Path | None) -> None:
    """Harvest what changed since the last successful update and load it as a new store version.

    Changed and new records replace their old versions, withdrawn records are removed, and the
    dataset descriptions record the new release. Readers see the previous version until the update
    is complete; a failed update changes nothing and the next one resumes it.
    """
    from covid_portal.harvest.http import HttpError
    from covid_portal.store import DEFAULT_STORE, StoreError
    from covid_portal.update import UpdateError, update

    _check_sources(sources)
    config = _config(config_path)
    store = getattr(ctx.obj, "store", None)
    path = store.path if store is not None else DEFAULT_STORE
    try:
        report = update(path, config, sources)
    except (HttpError, UpdateError, StoreError) as exc:
        click.echo(f"error: update failed, the store is unchanged: {exc}", err=True)
        raise SystemExit(1) from None
    for name, r in report.sources.items():
        if r.skipped:
            click.echo(f"{name:10} release {r.release} already loaded")
            continue
        since = f"since {r.since}" if r.since else "full harvest"
        click.echo(f"{name:10} {since}: {r.written:,} changed, {len(r.withdrawn):,} withdrawn")
    click.echo(f"store version {report.version}")
