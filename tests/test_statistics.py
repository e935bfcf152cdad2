"""The statistics cubes computed at publish: complete, well-formed, kept apart from the records, and
recomputed whenever a new version is published."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from covid_portal.pipeline import drop_source, load
from covid_portal.statistics import CUBES, QB, STAT, STATISTICS_GRAPH, Cube
from covid_portal.store import StoreDir
from tests.conftest import RECORDS

BY_SOURCE = next(c for c in CUBES if c.name == "records-by-source-licence")


def _observations(store: ox.Store, cube: Cube) -> Counter[tuple[str, ...]]:
    """Each observation of ``cube`` as the tuple of its dimension and measure values."""
    names = cube.dimensions + cube.measures
    optional = " ".join(f"OPTIONAL {{ ?obs <{STAT}{n}> ?{n} }}" for n in names)
    rows = store.query(
        f"SELECT * WHERE {{ GRAPH <{STATISTICS_GRAPH.value}> {{ ?obs <{QB}dataSet> <{cube.iri.value}> {optional} }} }}"
    )
    return Counter(tuple(str(row[n]) for n in names) for row in rows)


def _live(store: ox.Store, cube: Cube) -> Counter[tuple[str, ...]]:
    names = cube.dimensions + cube.measures
    rows = store.query(cube.query, use_default_graph_as_union=True)
    return Counter(tuple(str(row[n]) for n in names) for row in rows)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> ox.Store:
    path = tmp_path_factory.mktemp("stats") / "store"
    load([RECORDS], path)
    return StoreDir(path).open_read()


@pytest.mark.parametrize("cube", CUBES, ids=lambda c: c.name)
def test_each_cube_holds_exactly_the_live_aggregate(demo: ox.Store, cube: Cube) -> None:
    observed = _observations(demo, cube)
    assert observed, f"{cube.name}: no observations on the demo graph"
    assert observed == _live(demo, cube)


@pytest.mark.parametrize("cube", CUBES, ids=lambda c: c.name)
def test_each_cube_declares_its_structure(demo: ox.Store, cube: Cube) -> None:
    """qb integrity: the data set has a structure whose components are the cube's properties, each
    declared with its kind and a label; every observation names its data set once."""
    rows = demo.query(
        f"""SELECT ?kind ?property ?label WHERE {{ GRAPH <{STATISTICS_GRAPH.value}> {{
          <{cube.iri.value}> a <{QB}DataSet> ; <{QB}structure> ?dsd .
          ?dsd a <{QB}DataStructureDefinition> ; <{QB}component> ?c .
          ?c ?kind ?property . ?property <http://www.w3.org/2000/01/rdf-schema#label> ?label }} }}"""
    )
    components = {(row["kind"].value.removeprefix(QB), row["property"].value) for row in rows}
    expected = {("dimension", STAT + d) for d in cube.dimensions} | {("measure", STAT + m) for m in cube.measures}
    assert components == expected
    assert not bool(
        demo.query(
            f"""ASK {{ GRAPH <{STATISTICS_GRAPH.value}> {{ ?obs <{QB}dataSet> <{cube.iri.value}> .
              FILTER NOT EXISTS {{ ?obs a <{QB}Observation> }} }} }}"""
        )
    )


def test_observations_do_not_match_record_patterns(demo: ox.Store) -> None:
    """No observation uses a predicate of the records but rdf:type, so record queries count the same."""
    predicates = {
        row["p"].value
        for row in demo.query(
            f"SELECT DISTINCT ?p WHERE {{ GRAPH <{STATISTICS_GRAPH.value}> {{ ?s a <{QB}Observation> ; ?p ?o }} }}"
        )
    }
    assert predicates
    record_predicates = {
        row["p"].value
        for row in demo.query(
            "SELECT DISTINCT ?p WHERE { GRAPH ?g { ?g <http://xmlns.com/foaf/0.1/primaryTopic> ?t . ?s ?p ?o } }"
        )
    }
    assert predicates & record_predicates <= {"http://www.w3.org/1999/02/22-rdf-syntax-ns#type"}


def test_cubes_are_recomputed_when_a_source_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "s"
    load([RECORDS / "pdb", RECORDS / "uniprot"], path)
    sources = {key[0] for key in _observations(StoreDir(path).open_read(), BY_SOURCE)}
    assert sources == {"<https://w3id.org/covid-portal/dataset/pdb>", "<https://w3id.org/covid-portal/dataset/uniprot>"}
    drop_source(path, "pdb")
    store = StoreDir(path).open_read()
    after = _observations(store, BY_SOURCE)
    assert {key[0] for key in after} == {"<https://w3id.org/covid-portal/dataset/uniprot>"}
    assert after == _live(store, BY_SOURCE)
