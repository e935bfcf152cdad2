"""The SSSOM mapping sets: they load, convert to RDF, say what they should, and agree with the schema."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest
from linkml_runtime.utils.schemaview import SchemaView

from covid_portal import iris, mappings, resources

FILES = mappings.mapping_files()
SKOS_OF = {
    "exact_mappings": "skos:exactMatch",
    "close_mappings": "skos:closeMatch",
    "broad_mappings": "skos:broadMatch",
    "related_mappings": "skos:relatedMatch",
    "narrow_mappings": "skos:narrowMatch",
}


def rows(name: str) -> list[dict[str, str]]:
    msdf = mappings.load(resources.path("mappings", f"{name}{mappings.SUFFIX}"))
    return msdf.df.fillna("").to_dict("records")


def test_the_three_sets_are_there() -> None:
    assert {"compounds", "covid_portal-schema", "diseases_taxa"} <= {mappings.set_name(p) for p in FILES}


@pytest.mark.parametrize("path", FILES, ids=mappings.set_name)
def test_set_loads_with_full_header(path: Path) -> None:
    msdf = mappings.load(path)
    meta = msdf.metadata
    assert meta["mapping_set_id"] == mappings.MAPPINGS_BASE + mappings.set_name(path)
    assert str(meta["license"]).startswith("https://creativecommons.org/")
    assert meta.get("mapping_set_description")
    assert meta.get("creator_label") or meta.get("creator_id")
    header = path.read_text(encoding="utf-8").split("\n# mapping_set_id", 1)[0]
    assert header.startswith("# curie_map:"), "the curie_map is declared in the file, not borrowed from a default"
    df = msdf.df.fillna("")
    assert len(df) > 0
    assert (df["mapping_justification"].str.startswith("semapv:")).all()
    triples = list(zip(df["subject_id"], df["predicate_id"], df["object_id"], strict=True))
    assert len(triples) == len(set(triples)), "a mapping is stated once"


@pytest.mark.parametrize("path", FILES, ids=mappings.set_name)
def test_set_converts_to_rdf(path: Path) -> None:
    msdf = mappings.load(path)
    quads = mappings.set_quads(msdf)
    graph = mappings.graph_name(msdf)
    assert {q.graph_name for q in quads} == {graph}
    assert not any(type(t).__name__ == "BlankNode" for q in quads for t in (q.subject, q.object)), "no blank nodes"
    # the direct triple of every mapping, and one reified axiom per mapping
    direct = {(q.subject.value, q.predicate.value, q.object.value) for q in quads}
    conv = msdf.converter
    for row in msdf.df.itertuples(index=False):
        assert (conv.expand(row.subject_id), conv.expand(row.predicate_id), conv.expand(row.object_id)) in direct
    axioms = [q for q in quads if q.predicate.value == "http://www.w3.org/2002/07/owl#annotatedSource"]
    assert len(axioms) == len(msdf.df)
    assert quads == mappings.set_quads(msdf), "the same set gives the same quads (deterministic IRIs)"


def test_mapping_quads_covers_every_set() -> None:
    graphs = {q.graph_name.value for q in mappings.mapping_quads()}
    assert graphs == {mappings.MAPPINGS_BASE + mappings.set_name(p) for p in FILES}


def test_wrong_set_id_is_rejected(tmp_path: Path) -> None:
    src = resources.path("mappings", "diseases_taxa.sssom.tsv").read_text(encoding="utf-8")
    bad = tmp_path / "other.sssom.tsv"
    bad.write_text(src, encoding="utf-8")
    with pytest.raises(
        mappings.MappingSetError, match=re.escape("expected 'https://w3id.org/covid-portal/mappings/other'")
    ):
        mappings.load(bad)


@pytest.mark.parametrize("name", ["compounds", "diseases_taxa"])
def test_identifier_sets_expand_to_the_portal_iris(name: str) -> None:
    """Where the portal mints IRIs for a prefix, the set's curie_map uses the same URI prefix."""
    portal = json.loads(resources.path(*resources.PREFIXES).read_text(encoding="utf-8"))
    msdf = mappings.load(resources.path("mappings", f"{name}{mappings.SUFFIX}"))
    for row in msdf.df.itertuples(index=False):
        for curie in (row.subject_id, row.object_id):
            prefix, _, local = curie.partition(":")
            if prefix in portal:
                assert iris.is_valid(prefix, local), curie
                assert msdf.converter.expand(curie) == iris.entity(prefix, local).value, curie


def _component(edges: list[tuple[str, str]], start: str) -> set[str]:
    graph: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
        graph[b].add(a)
    seen, todo = {start}, [start]
    while todo:
        for nxt in graph[todo.pop()] - seen:
            seen.add(nxt)
            todo.append(nxt)
    return seen


def test_remdesivir_across_chebi_mesh_chembl() -> None:
    exact = [(r["subject_id"], r["object_id"]) for r in rows("compounds") if r["predicate_id"] == "skos:exactMatch"]
    assert ("chebi:145994", "mesh:C000606551") in exact  # Biomappings, verbatim
    assert ("chebi:145994", "chembl.compound:CHEMBL4065616") in exact  # chained through DrugCentral 5376
    assert {
        "chebi:145994",
        "mesh:C000606551",
        "chembl.compound:CHEMBL4065616",
        "drugbank:DB14761",
        "ncit:C152185",
        "pubchem.compound:121304016",
    } <= _component(exact, "chebi:145994")


def test_compound_chains_name_their_source() -> None:
    for r in rows("compounds"):
        if r["mapping_justification"] == "semapv:MappingChaining":
            assert "chained through" in r["comment"], r
        if r["subject_id"].startswith(("chebi:", "chembl.compound:", "drugbank:")) and r["object_id"].startswith(
            "drugcentral:"
        ):
            assert "kg-covid-19 DrugCentral" in r["comment"], r
    # a DrugCentral card with several ChEMBL ids (hydroxychloroquine and its sulfate) gives close matches only
    hcq = [r for r in rows("compounds") if r["subject_id"] == "chebi:5801" and r["object_id"].startswith("chembl")]
    assert hcq and all(r["predicate_id"] == "skos:closeMatch" for r in hcq)


def test_covid19_and_sars_cov_2() -> None:
    exact = [(r["subject_id"], r["object_id"]) for r in rows("diseases_taxa") if r["predicate_id"] == "skos:exactMatch"]
    assert ("mesh:D000086382", "doid:0080600") in exact
    assert {"mondo:0100096", "doid:0080600", "mesh:D000086382"} <= _component(exact, "mondo:0100096")
    assert {"ncbitaxon:2697049", "mesh:C000656484", "ncit:C169076"} <= _component(exact, "ncbitaxon:2697049")


def test_host_rows_use_the_portal_host_iris() -> None:
    msdf = mappings.load(resources.path("mappings", "diseases_taxa.sssom.tsv"))
    hosts = {r["subject_label"]: r for r in rows("diseases_taxa") if r["subject_id"].startswith("cphost:")}
    assert hosts["Homo sapiens"]["object_id"] == hosts["Human"]["object_id"] == "ncbitaxon:9606"
    for label, r in hosts.items():
        assert msdf.converter.expand(r["subject_id"]) == iris.host(label).value


# ------------------------------------------------------------------ the schema and its mapping set
def schema_mappings() -> set[tuple[str, str, str]]:
    """(cp:<element>, skos predicate, object CURIE) for every mapping the schema states."""
    view = SchemaView(str(resources.path(*resources.SCHEMA)))
    out: set[tuple[str, str, str]] = set()
    elements = [(n, view.get_class(n), view.get_class(n).class_uri) for n in view.schema.classes]
    elements += [(n, view.get_slot(n), view.get_slot(n).slot_uri) for n in view.schema.slots]
    for name, element, uri in elements:
        subject = f"cp:{name}"
        if uri and not uri.startswith("cp:"):
            out.add((subject, "skos:exactMatch", uri))
        for attr, predicate in SKOS_OF.items():
            out.update((subject, predicate, str(m)) for m in getattr(element, attr) or [])
    return out


def test_schema_mappings_agree() -> None:
    """Like the LinkML project template's overlay_sssom --check: the schema and the curated TSV state the same."""
    in_schema = schema_mappings()
    in_tsv = {(r["subject_id"], r["predicate_id"], r["object_id"]) for r in rows("covid_portal-schema")}
    missing = sorted(in_schema - in_tsv)
    extra = sorted(in_tsv - in_schema)
    assert not missing, f"stated in the schema, missing from mappings/covid_portal-schema.sssom.tsv: {missing}"
    assert not extra, f"in mappings/covid_portal-schema.sssom.tsv, not stated in the schema: {extra}"


def test_schema_set_labels_and_types() -> None:
    view = SchemaView(str(resources.path(*resources.SCHEMA)))
    for r in rows("covid_portal-schema"):
        name = r["subject_id"].removeprefix("cp:")
        assert r["subject_label"] == name
        expected = "owl class" if name in view.schema.classes else "rdf property"
        assert name in view.schema.classes or name in view.schema.slots
        assert r["subject_type"] == expected
        assert r["mapping_justification"] == "semapv:ManualMappingCuration"


def test_schema_set_prefixes_match_the_schema() -> None:
    view = SchemaView(str(resources.path(*resources.SCHEMA)))
    msdf = mappings.load(resources.path("mappings", "covid_portal-schema.sssom.tsv"))
    for prefix, uri in msdf.converter.prefix_map.items():
        if prefix in view.namespaces():
            assert str(view.namespaces()[prefix]) == uri, prefix
