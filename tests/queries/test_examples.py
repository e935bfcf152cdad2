"""Every example query parses, answers on the demo graph, and its answer holds the expected facts."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

import loaders
from covid_portal import examples
from covid_portal.pipeline import load
from covid_portal.store import StoreDir
from tests.conftest import RECORDS


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> ox.Store:
    path = tmp_path_factory.mktemp("examples") / "store"
    load([RECORDS], path)
    return StoreDir(path).open_read()


def test_there_are_at_least_fifteen_documented_examples() -> None:
    found = examples.examples()
    assert len(found) >= 15
    for example in found:
        assert example.title and example.description and example.keywords
        assert example.expectations, f"{example.name} states no expected answer"
        assert all(s == "all" or s in loaders.REGISTRY for s in example.sources), example.sources


@pytest.mark.parametrize("example", examples.examples(), ids=lambda e: e.name)
def test_example_answers_on_the_demo_graph(demo_store: ox.Store, example: examples.Example) -> None:
    rows = list(demo_store.query(example.query, use_default_graph_as_union=True))
    assert rows, f"{example.name}: empty answer"
    for expectation in example.expectations:
        assert any(expectation.matches(row[expectation.variable]) for row in rows), (
            f"{example.name}: no row with ?{expectation.variable} = {expectation.value}"
        )


@pytest.mark.parametrize("example", examples.federated_examples(), ids=lambda e: e.name)
def test_federated_example_answers_on_the_demo_graph_without_service(
    demo_store: ox.Store, example: examples.Example
) -> None:
    """queries/federated: every node placeholder is filled in by substitute(), and the query without its
    SERVICE clauses answers on one store with everything (tests/federation runs them across real nodes)."""
    assert examples.nodes(example.query)
    assert "{{" not in examples.substitute(example.query, dict.fromkeys(examples.nodes(example.query), "http://x/"))
    rows = list(demo_store.query(examples.unfederate(example.query), use_default_graph_as_union=True))
    assert rows, f"{example.name}: empty answer"
    for expectation in example.expectations:
        assert any(expectation.matches(row[expectation.variable]) for row in rows), (
            f"{example.name}: no row with ?{expectation.variable} = {expectation.value}"
        )


PLAIN = sorted((Path(__file__).parent / "plain").glob("*.rq"))


@pytest.mark.parametrize("plain", PLAIN, ids=lambda p: p.stem)
def test_example_gives_the_rows_of_its_plain_form(demo_store: ox.Store, plain: Path) -> None:
    """Examples whose joins were rewritten for speed (sub-selects, a selective start) keep their answer."""
    example = examples.get(plain.stem)
    assert example is not None, f"{plain.name}: no example of that name"
    answers = []
    for query in (plain.read_text(encoding="utf-8"), example.query):
        solutions = demo_store.query(query, use_default_graph_as_union=True)
        variables = [v.value for v in solutions.variables]
        answers.append((variables, Counter(tuple(str(row[v]) for v in variables) for row in solutions)))
    assert answers[0][1], f"{plain.stem}: the plain form answers nothing on the demo graph"
    assert answers[1] == answers[0]
