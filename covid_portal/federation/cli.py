"""Federation commands, registered on the ``covid-portal`` group by covid_portal/cli.py:

- ``covid-portal export-index OUT`` (:data:`export_index_command`): this node's records in the EBI
  Search index JSON shape, for the central portal (covid_portal.federation.index_export);
- ``covid-portal add-partner URL --federation FILE`` (:data:`add_partner_command`): check a portal's
  catalogue and SPARQL service description and add it to the node's federation file.

Both use the group's context object (its ``store``: a covid_portal.store.StoreDir).
"""

from __future__ import annotations

from pathlib import Path

import click

from covid_portal.federation.config import FederationError, Node, add_partner, fetch_partner, load_node, save_node

FEDERATION_OPTION = click.option(
    "--federation",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="COVID_PORTAL_FEDERATION",
    help="The node's federation file, TOML or JSON (env COVID_PORTAL_FEDERATION).",
)


@click.command("export-index")
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--name", help="The index name (default: the node's name in its federation file).")
@FEDERATION_OPTION
@click.pass_obj
def export_index_command(ctx: object, out: Path, name: str | None, federation: Path | None) -> None:
    """Write this node's records to OUT in the EBI Search index JSON shape (name, release, release_date,
    entry_count, entries with fields) that the central portal ingests; partners load it with
    `covid-portal load OUT`."""
    from covid_portal.federation.index_export import export_index

    try:
        node_name = name or (load_node(federation).name if federation else "covid-portal")
    except FederationError as exc:
        raise click.ClickException(str(exc)) from exc
    count = export_index(ctx.store, out, name=node_name)  # type: ignore[attr-defined]
    click.echo(f"{count} entries written to {out}", err=True)


@click.command("add-partner")
@click.argument("url")
@click.option("--country", help="ISO 3166-1 alpha-2 country of the partner (default: what its /portals says).")
@click.option("--name", help="The partner's name (default: what its /portals or catalogue says).")
@FEDERATION_OPTION
def add_partner_command(url: str, country: str | None, name: str | None, federation: Path | None) -> None:
    """Check the portal at URL (its /catalog against the shapes, its /sparql service description) and
    add it to the federation file. Restart the server to use it (SERVICE allow-list, federated search)."""
    if federation is None:
        raise click.UsageError("give the federation file (--federation or COVID_PORTAL_FEDERATION)")
    try:
        node = load_node(federation) if federation.exists() else Node()
        partner = fetch_partner(url, country=country, name=name)
    except FederationError as exc:
        raise click.ClickException(str(exc)) from exc
    save_node(add_partner(node, partner), federation)
    click.echo(f"added {partner.name} ({partner.country}): SPARQL {partner.sparql}, API {partner.api}", err=True)
