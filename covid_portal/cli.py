"""The ``covid-portal`` command: a thin layer over the library (one library call per command).

Exit codes: 0 success; 1 the operation failed (bad input in --strict mode, validation failed,
store busy or damaged); 2 usage errors (click's own).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

import click

from covid_portal import __version__
from covid_portal.store import DEFAULT_STORE, StoreDir, StoreError

log = logging.getLogger("covid_portal")

PREFIXES = {
    "cp": "https://w3id.org/covid-portal/vocab/",
    "schema": "http://schema.org/",
    "dct": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "prov": "http://www.w3.org/ns/prov#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "pav": "http://purl.org/pav/",
}


class Context:
    def __init__(self, store: Path, verbosity: int) -> None:
        self.store = StoreDir(store)
        self.verbosity = verbosity


pass_ctx = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="covid-portal")
@click.option(
    "--store",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="COVID_PORTAL_STORE",
    default=DEFAULT_STORE,
    show_default=True,
    help="Store directory (env COVID_PORTAL_STORE).",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.pass_context
def main(ctx: click.Context, store: Path, verbose: int, quiet: bool) -> None:
    """covid-portal: load COVID-19 research records into a knowledge graph and serve it.

    \b
    Typical use:
      covid-portal load data/records          # build the graph from harvested records
      covid-portal stats                      # what is in it
      covid-portal serve --port 8000          # SPARQL endpoint, entity pages, API
    """
    verbosity = -1 if quiet else verbose
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    ctx.obj = Context(store, verbosity)


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    raise SystemExit(1)


# ---------------------------------------------------------------------- load
@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--source", help="Force the loader instead of detecting the format (see `covid-portal sources`).")
@click.option("--strict", is_flag=True, help="Stop at the first bad file or record (nothing is published).")
@click.option("--replace", is_flag=True, help="Build the graph from these files only, replacing the whole store.")
@click.option("--batch-size", default=5000, show_default=True, help="Records written to the store per batch.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    envvar="COVID_PORTAL_LOAD_JOBS",
    help="Processes that map and validate records (default: one per core; 1: all in this process).",
)
@pass_ctx
def load(
    ctx: Context,
    paths: tuple[Path, ...],
    source: str | None,
    strict: bool,
    replace: bool,
    batch_size: int,
    jobs: int | None,
) -> None:
    """Load record files or folders (formats detected from content) into the store.

    Every record is parsed, mapped to RDF, validated against the shapes and written with its
    provenance; a record that fails any step is quarantined (see the report file) and the rest
    loads. Readers keep seeing the previous version until the load is complete; an interrupted
    load resumes where it stopped when run again.
    """
    import loaders
    from covid_portal.pipeline import Pipeline, StrictModeError, iter_files

    if source is not None and source not in loaders.REGISTRY:
        raise click.BadParameter(
            f"unknown source {source!r}; known: {', '.join(loaders.REGISTRY)}", param_hint="--source"
        )
    files = iter_files(paths)
    total = sum(p.stat().st_size for p in files)
    progress = _Progress(total, enabled=ctx.verbosity >= 0 and sys.stderr.isatty())
    pipeline = Pipeline(
        source=source,
        strict=strict,
        batch_size=batch_size,
        on_progress=progress.update,
        on_stage=progress.stage,
        jobs=jobs,
    )
    try:
        with progress:
            report = pipeline.run(files, ctx.store, fresh=replace)
    except StrictModeError as exc:
        _fail(f"--strict: {exc}")
    except StoreError as exc:
        _fail(str(exc))
    elapsed = progress.elapsed()
    if ctx.verbosity >= 0:
        _print_report(report, elapsed)


class _Progress:
    """A rich progress bar over bytes read, showing records/s and the ETA (only on a terminal)."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total = total
        self.enabled = enabled
        self.started = time.monotonic()
        self._progress = None
        self._task = None

    def __enter__(self) -> _Progress:
        self.started = time.monotonic()
        if self.enabled:
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            self._progress = Progress(
                TextColumn("{task.fields[stage]}"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                TextColumn("{task.fields[records]} records, {task.fields[rate]} records/s"),
                TimeRemainingColumn(),
                transient=True,
            )
            self._progress.__enter__()
            self._task = self._progress.add_task("load", total=self.total or 1, records=0, rate="-", stage="loading")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def stage(self, name: str) -> None:
        """The records are all read: say what the load is doing now (writing the graph, indexing it)."""
        log.info("%s: writing the graph, the search index and the statistics", name)
        if self._progress is not None:
            self._progress.update(self._task, completed=self.total or 1, stage=f"{name} (graph, search index)")

    def update(self, records: int, bytes_done: int) -> None:
        if self._progress is None:
            return
        rate = records / max(self.elapsed(), 1e-6)
        self._progress.update(self._task, completed=bytes_done, records=records, rate=f"{rate:,.0f}")


def _print_report(report, elapsed: float) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"load {report.run_id}", show_footer=True)
    table.add_column("source", footer="total")
    for name, attr in (("read", "read"), ("loaded", "loaded"), ("quarantined", "quarantined"), ("triples", "triples")):
        table.add_column(name, justify="right", footer=f"{getattr(report, attr):,}")
    for source, stats in sorted(report.sources.items()):
        table.add_row(source, f"{stats.read:,}", f"{stats.loaded:,}", f"{stats.quarantined:,}", f"{stats.triples:,}")
    console = Console(stderr=True)
    console.print(table)
    rate = report.loaded / elapsed if elapsed > 0 else 0.0
    console.print(
        f"{report.files} files ({report.files_skipped} already loaded), {elapsed:.1f} s, {rate:,.0f} records/s; "
        f"store version {report.version}"
    )
    for error in report.file_errors:
        console.print(f"[red]file not loaded[/red]: {error}")
    if report.quarantine_file:
        console.print(f"quarantine report: {report.quarantine_file}")


# -------------------------------------------------------------------- others
@main.command()
def sources() -> None:
    """List the source loaders and the formats each reads."""
    import loaders

    for loader in loaders.all_loaders():
        click.echo(f"{loader.name:10} {loader.title}: {', '.join(loader.formats)}")


@main.command()
@click.argument("source")
@pass_ctx
def drop(ctx: Context, source: str) -> None:
    """Remove every record of one source from the store."""
    from covid_portal.pipeline import drop_source

    try:
        removed = drop_source(ctx.store.path, source)
    except StoreError as exc:
        _fail(str(exc))
    click.echo(f"removed {removed} {source} records")


@main.command()
@click.option(
    "--pyshacl", "use_pyshacl", is_flag=True, help="Validate the whole graph with pyshacl (slow) instead of per record."
)
@click.option("--limit", default=50, show_default=True, help="Violations to print at most.")
@pass_ctx
def validate(ctx: Context, use_pyshacl: bool, limit: int) -> None:
    """Validate the stored graph against the SHACL shapes; exit 1 when it does not conform."""
    from covid_portal.quality import validate_store

    try:
        store = ctx.store.open_read()
    except StoreError as exc:
        _fail(str(exc))
    result = validate_store(store, use_pyshacl=use_pyshacl)
    for line in result.messages[:limit]:
        click.echo(line)
    click.echo(f"{result.checked:,} record graphs checked, {result.failed:,} with violations")
    raise SystemExit(0 if result.conforms else 1)


@main.command()
@pass_ctx
def stats(ctx: Context) -> None:
    """Count records and entities per source and per class."""
    from covid_portal.stats import stats_lines

    try:
        store = ctx.store.open_read()
    except StoreError as exc:
        _fail(str(exc))
    for line in stats_lines(store):
        click.echo(line)


@main.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["nq", "trig", "ttl", "nt", "jsonld"]),
    default=None,
    help="Dump format (default: OUT's extension); nq/trig/jsonld keep record graphs, ttl/nt merge them.",
)
@pass_ctx
def export(ctx: Context, out: Path, fmt: str | None) -> None:
    """Dump the graph to a file."""
    from covid_portal.dump import export as dump_store

    fmt = fmt or out.suffix.lstrip(".")
    try:
        count = dump_store(ctx.store.open_read(), out, fmt)
    except (StoreError, ValueError) as exc:
        _fail(str(exc))
    click.echo(f"wrote {count:,} quads to {out}", err=True)


@main.command()
@click.argument("query", required=False)
@click.option("-f", "--file", "query_file", type=click.File("r"), help="Read the query from a file.")
@click.option(
    "--format", "fmt", default="tsv", show_default=True, type=click.Choice(["tsv", "csv", "json", "xml", "ttl", "nt"])
)
@pass_ctx
def query(ctx: Context, query: str | None, query_file, fmt: str) -> None:
    """Run a SPARQL query on the local store (default graph = union of all records)."""
    from covid_portal.dump import run_query

    text = query_file.read() if query_file else query
    if not text:
        raise click.UsageError("give a QUERY or --file")
    try:
        output = run_query(ctx.store.open_read(), text, fmt, prefixes=PREFIXES)
    except SyntaxError as exc:
        _fail(f"query syntax: {exc}")
    except StoreError as exc:
        _fail(str(exc))
    sys.stdout.buffer.write(output)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, envvar="COVID_PORTAL_HOST")
@click.option("--port", default=8000, show_default=True, envvar="COVID_PORTAL_PORT")
@click.option(
    "--query-timeout", type=float, envvar="COVID_PORTAL_QUERY_TIMEOUT", help="Seconds per query (default 30)."
)
@click.option("--base-url", envvar="COVID_PORTAL_BASE_URL", help="Public URL of this node (default http://HOST:PORT).")
@pass_ctx
def serve(ctx: Context, host: str, port: int, query_timeout: float | None, base_url: str | None) -> None:
    """Serve the store: SPARQL endpoint, entity pages, discovery API and web pages."""
    from server.config import Settings
    from server.run import serve as run_server

    overrides: dict[str, object] = {"store": ctx.store.path}
    if query_timeout is not None:
        overrides["query_timeout"] = query_timeout
    if base_url:
        overrides["base_url"] = base_url
    elif "COVID_PORTAL_BASE_URL" not in os.environ:
        overrides["base_url"] = f"http://{host}:{port}"
    run_server(Settings(**overrides), host=host, port=port)


def _store_here(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    if value is not None:  # after the group's own --store (its callback has run): this one wins
        ctx.ensure_object(Context).store = StoreDir(value)  # type: ignore[call-arg]


# commands that read or write the store also take --store after their name (`load PATHS --store DIR`)
_STORE_COMMANDS = ("load", "drop", "validate", "stats", "export", "query", "serve", "update", "export-index")


def _store_option() -> click.Option:
    return click.Option(
        ["--store"],
        type=click.Path(file_okay=False, path_type=Path),
        expose_value=False,
        callback=_store_here,
        help="Store directory (as `covid-portal --store DIR COMMAND`; env COVID_PORTAL_STORE).",
    )


def _register_commands() -> None:
    """Commands that live beside the library code they drive."""
    from covid_portal.fair_check import fair_check_command
    from covid_portal.federation.cli import add_partner_command, export_index_command
    from covid_portal.generate.cli import generate_command
    from covid_portal.harvest.cli import harvest_command, update_command

    main.add_command(add_partner_command, "add-partner")
    main.add_command(export_index_command, "export-index")
    main.add_command(fair_check_command, "fair-check")
    main.add_command(generate_command, "generate")
    main.add_command(harvest_command, "harvest")
    main.add_command(update_command, "update")
    for name in _STORE_COMMANDS:
        main.commands[name].params.append(_store_option())


_register_commands()

if __name__ == "__main__":
    main()
