"""Index exchange: a node's export in the EBI Search index shape loads into another store as the same entities."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from covid_portal import iris
from covid_portal.federation.cli import export_index_command
from covid_portal.federation.index_export import DOMAINS
from covid_portal.pipeline import Pipeline
from covid_portal.store import StoreDir
from covid_portal.terms import C
from tests.federation.conftest import Federation

TOPICS = """SELECT DISTINCT ?e WHERE {{ GRAPH ?g {{
  ?g <http://xmlns.com/foaf/0.1/primaryTopic> ?e . ?e a ?class VALUES ?class {{ {classes} }} }} }}"""


def _export(store: Path, out: Path, name: str) -> dict:
    @click.group()
    @click.pass_context
    def group(ctx: click.Context) -> None:
        ctx.obj = type("Context", (), {"store": StoreDir(store, remote=None)})()

    group.add_command(export_index_command)
    result = CliRunner().invoke(group, ["export-index", str(out), "--name", name])
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text(encoding="utf-8"))


def _topics(store: Path, classes: list[str]) -> set[str]:
    query = TOPICS.format(classes=" ".join(f"<{getattr(C, c).uri}>" for c in classes))
    return {row["e"].value for row in StoreDir(store, remote=None).open_read().query(query)}


@pytest.mark.parametrize("node", ["central", "nl", "dk"])
def test_export_then_import_gives_the_same_entities(federation: Federation, tmp_path: Path, node: str) -> None:
    doc = _export(federation.stores[node], tmp_path / "index.json", f"node {node}")
    assert set(doc) == {"name", "release", "release_date", "entry_count", "entries"}
    assert doc["name"] == f"node {node}" and doc["release"].startswith("v")
    assert doc["entry_count"] == len(doc["entries"]) > 0
    for entry in doc["entries"]:
        assert entry["id"] and entry["source"] and all(isinstance(v, list) for v in entry["fields"].values())

    imported = tmp_path / "imported"
    report = Pipeline().run([tmp_path / "index.json"], StoreDir(imported, remote=None), fresh=True)
    assert report.loaded == doc["entry_count"] and report.quarantined == 0
    spaces = {prefix for _, prefixes in DOMAINS.values() for prefix in prefixes}  # those with an EBI Search domain
    exported = {iri for iri in _topics(federation.stores[node], list(DOMAINS))
                if (iris.compress(iri) or ":").split(":")[0] in spaces}  # fmt: skip
    assert exported and _topics(imported, list(DOMAINS)) == exported


def test_exported_fields_come_back(federation: Federation, tmp_path: Path) -> None:
    doc = _export(federation.stores["nl"], tmp_path / "index.json", "nl")
    sample = next(e for e in doc["entries"] if e["source"] == "biosamples" and "country" in e["fields"])
    assert sample["fields"]["country"][0].startswith("Netherlands")
    assert sample["fields"]["TAXON"] == ["2697049"]
    imported = tmp_path / "imported"
    Pipeline().run([tmp_path / "index.json"], StoreDir(imported, remote=None), fresh=True)
    cp = "https://w3id.org/covid-portal/vocab/"
    query = (
        f"SELECT ?country ?taxon WHERE {{ <https://identifiers.org/biosample:{sample['id']}> "
        f"<{cp}country> ?country ; <{cp}taxon> ?taxon }}"
    )
    rows = StoreDir(imported, remote=None).open_read().query(query, use_default_graph_as_union=True)
    found = [(r["country"].value, r["taxon"].value) for r in rows]
    assert found == [("Netherlands", "http://purl.obolibrary.org/obo/NCBITaxon_2697049")]
