"""The search index built from a load's facts is the index read from the store, on hand-made graphs
with the corner cases real records rarely have (both builds share the assembly, so what differs is
what each reads)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from covid_portal import index_facts, iris
from covid_portal import search_index as si
from covid_portal.terms import S
from covid_portal.void import VOID, void_quads
from tests.search.test_index import _dump

TYPE = si.RDF_TYPE
TOPIC = si.PRIMARY_TOPIC
COMPOUND = NamedNode("http://rdf.ebi.ac.uk/resource/chembl/molecule/CHEMBL9999")
ACTIVITY = NamedNode("http://rdf.ebi.ac.uk/resource/chembl/activity/CHEMBL_ACT_1")
TARGET = NamedNode("http://rdf.ebi.ac.uk/resource/chembl/target/CHEMBL4523582")
RUN = iris.entity("ena.embl", "ERR0000001")
SAMPLE = iris.entity("biosample", "SAMEA0000001")
HOST = iris.host("Homo sapiens")
PROTEIN = iris.entity("uniprot", "P0DTC2")


def graph(source: str, record: str) -> NamedNode:
    return iris.record_graph(source, record)


def records() -> dict[NamedNode, list[Quad]]:
    """Record graphs, by graph: what a load would write."""
    act, cmp, run, smp, uni = (graph("chembl", "a1"), graph("chembl", "c1"), graph("ena", "r1"),
                               graph("biosamples", "s1"), graph("uniprot", "P0DTC2"))  # fmt: skip
    cls = {name: c.node for name, c in si.TYPES.items()}
    quads = [
        # an activity names its compound (measured_compound) but the compound has no has_activity
        Quad(act, TOPIC, ACTIVITY, act),
        Quad(ACTIVITY, TYPE, cls["activities"], act),
        Quad(ACTIVITY, S.measured_compound.node, COMPOUND, act),
        Quad(ACTIVITY, S.activity_target.node, TARGET, act),
        Quad(TARGET, TYPE, cls["targets"], act),  # a target only linked: labelled by its accession
        Quad(cmp, TOPIC, COMPOUND, cmp),
        Quad(COMPOUND, TYPE, cls["compounds"], cmp),
        Quad(COMPOUND, S.name.node, Literal("zeta-compound"), cmp),
        Quad(COMPOUND, S.name.node, Literal("  alpha-compound "), cmp),  # two names: sorted, stripped
        Quad(COMPOUND, S.synonym.node, Literal(""), cmp),  # empty values are not kept
        # a run with no country of its own takes its sample's; the sample's host is labelled by its name
        Quad(run, TOPIC, RUN, run),
        Quad(RUN, TYPE, cls["raw-reads"], run),
        Quad(RUN, TYPE, cls["experiments"], run),  # two searchable types: indexed under the first
        Quad(RUN, S.from_sample.node, SAMPLE, run),
        Quad(RUN, S.host.node, Literal("not an IRI"), run),  # a literal in a link slot is not followed
        Quad(RUN, S.country.node, NamedNode("http://example.org/not-a-literal"), run),  # nor an IRI as text
        Quad(smp, TOPIC, SAMPLE, smp),
        Quad(SAMPLE, TYPE, cls["samples"], smp),
        Quad(SAMPLE, S.country.node, Literal("Netherlands"), smp),
        Quad(SAMPLE, S.collection_date.node, Literal("2020-03-01"), smp),
        Quad(SAMPLE, S.host.node, HOST, smp),
        Quad(HOST, S.name.node, Literal("Homo sapiens"), smp),
        # typed in two sources' records, described by one; a blank node is never an entity
        Quad(uni, TOPIC, PROTEIN, uni),
        Quad(PROTEIN, TYPE, cls["proteins"], uni),
        Quad(PROTEIN, S.title.node, Literal("Spike glycoprotein"), uni),
        Quad(PROTEIN, TYPE, cls["proteins"], cmp),
        Quad(PROTEIN, S.title.node, Literal("Spike glycoprotein"), cmp),  # the same value twice
        Quad(BlankNode("b1"), TYPE, cls["proteins"], uni),
    ]
    # each record names its source (VoID counts per source); one record names two
    for g, source in ((act, "chembl"), (cmp, "chembl"), (run, "ena"), (smp, "biosamples"), (uni, "uniprot")):
        quads.append(Quad(g, S.source_dataset.node, iris.dataset(source), g))
    quads.append(Quad(uni, S.source_dataset.node, iris.dataset("ena"), uni))
    out: dict[NamedNode, list[Quad]] = {}
    for quad in quads:
        out.setdefault(quad.graph_name, []).append(quad)  # type: ignore[arg-type]
    return out


@pytest.mark.parametrize("group_rows", [index_facts._GROUP_ROWS, 1])
def test_facts_and_store_give_the_same_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, group_rows: int) -> None:
    # group_rows=1: the facts are regrouped one graph at a time, so a subject with facts in several
    # graphs (the protein, typed by two sources) has several rows in the scratch table, and the
    # links are counted graph by graph
    monkeypatch.setattr(index_facts, "_GROUP_ROWS", group_rows)
    graphs = records()
    store = ox.Store(str(tmp_path / "graph"))
    store.extend([q for quads in graphs.values() for q in quads])
    si.build(store, tmp_path / "store.sqlite")

    log = index_facts.FactLog(tmp_path / "facts.sqlite", new=True)
    # every record written once, then one written again: its row is replaced, not added
    log.add([g.value for g in graphs], [index_facts.record_facts(g, quads) for g, quads in graphs.items()])
    again = graph("biosamples", "s1")
    log.add([again.value], [index_facts.record_facts(again, graphs[again] * 2)])  # its triples twice
    log.close()
    assert index_facts.FactLog.usable(tmp_path / "facts.sqlite")
    void_out = tmp_path / "void.nq"
    assert index_facts.build_index(tmp_path / "facts.sqlite", tmp_path / "facts-index.sqlite", void_out) == 6
    counted = set(ox.parse(void_out.read_bytes(), format=ox.RdfFormat.N_QUADS))
    assert counted == set(void_quads(store))
    linksets = {q.object.value for q in counted if q.predicate == NamedNode(VOID + "linkPredicate")}
    # run -> sample crosses sources; activity -> compound does not
    assert S.from_sample.uri in linksets and S.measured_compound.uri not in linksets

    ours, theirs = _dump(tmp_path / "facts-index.sqlite"), _dump(tmp_path / "store.sqlite")
    assert (ours[3].pop("built_from"), theirs[3].pop("built_from")) == ("load facts", "store")
    assert ours == theirs
    assert not (tmp_path / "facts-index.sqlite.facts").exists(), "the scratch table is removed"

    with si.SearchIndex(tmp_path / "facts-index.sqlite") as index:
        compound = index.get("compounds", "CHEMBL9999")
        run = index.get("raw-reads", "ERR0000001")
        protein = index.get("proteins", "P0DTC2")
    assert compound is not None and run is not None and protein is not None
    assert compound.title == "alpha-compound"  # the first name in order, stripped
    assert compound.fields["target"] == ["CHEMBL4523582"]  # through measured_compound, read backwards
    assert "synonym" not in compound.fields
    assert (run.fields["country"], run.fields["host"]) == (["Netherlands"], ["Homo sapiens"])
    assert protein.fields["source"] == ["uniprot"] and protein.fields["title"] == ["Spike glycoprotein"]


def test_a_facts_file_of_other_codes_is_not_used(tmp_path: Path) -> None:
    path = tmp_path / "facts.sqlite"
    assert not index_facts.FactLog.usable(path)
    index_facts.FactLog(path, new=True).close()
    assert index_facts.FactLog.usable(path)
    import sqlite3

    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = 'x' WHERE key = 'version'")
    db.commit()
    db.close()
    assert not index_facts.FactLog.usable(path)
    path.write_bytes(b"not a database")
    assert not index_facts.FactLog.usable(path)
