"""Example instances of every class: valid ones conform, invalid ones fail with exactly the violation they state.

tests/data/examples/<ClassName>/valid-*.ttl and invalid-*.ttl; each invalid file starts with
``# expect: <constraint component> <result path>`` (one line per expected violation, path ``-`` for none).
Both the generated shapes and the hand-written ones (shapes/covid_portal.extra.shacl.ttl) apply.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from linkml_runtime.utils.schemaview import SchemaView
from rdflib.namespace import SH

from covid_portal import resources
from tests.conftest import TEST_DATA, shacl_report, shapes_graph

EXAMPLES = TEST_DATA / "examples"
VALID = sorted(EXAMPLES.glob("*/valid-*.ttl"))
INVALID = sorted(EXAMPLES.glob("*/invalid-*.ttl"))
# Biolink too: it names things (a pairwise molecular interaction) the other vocabularies lack
WELL_KNOWN = (
    "schema:", "dcat:", "dct:", "prov:", "foaf:", "edam:", "OBI:", "IAO:", "BAO:", "NCIT:", "SIO:", "biolink:",
)  # fmt: skip


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def _view() -> SchemaView:
    return SchemaView(str(resources.path(*resources.SCHEMA)))


def _load(path: Path) -> rdflib.Graph:
    return rdflib.Graph(bind_namespaces="none").parse(path, format="turtle")


def expected_violations(path: Path, graph: rdflib.Graph) -> set[tuple[str, str]]:
    """The (component, path) pairs an invalid example states in its ``# expect:`` lines, as full IRIs."""
    out = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("# expect:"):
            continue
        component, result_path = line.removeprefix("# expect:").split()
        component_iri = str(SH) + component.removeprefix("sh:")
        path_iri = "" if result_path == "-" else str(graph.namespace_manager.expand_curie(result_path))
        out.add((component_iri, path_iri))
    return out


_SHAPES: rdflib.Graph | None = None


def violations(data: rdflib.Graph) -> set[tuple[str, str]]:
    """(sh:sourceConstraintComponent, sh:resultPath) of every result pyshacl reports."""
    import pyshacl

    global _SHAPES
    if _SHAPES is None:
        _SHAPES = shapes_graph()
    _, report, _ = pyshacl.validate(data, shacl_graph=_SHAPES, inference="none", advanced=True)
    out = set()
    for result in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        component = report.value(result, SH.sourceConstraintComponent)
        result_path = report.value(result, SH.resultPath)
        out.add((str(component), "" if result_path is None else str(result_path)))
    return out


def test_every_class_has_valid_and_invalid_examples() -> None:
    classes = set(_view().all_classes())
    folders = {p.name for p in EXAMPLES.iterdir() if p.is_dir()}
    assert folders == classes, f"missing: {sorted(classes - folders)}, unknown: {sorted(folders - classes)}"
    for name in classes:
        assert list((EXAMPLES / name).glob("valid-*.ttl")), f"{name}: no valid example"
        assert list((EXAMPLES / name).glob("invalid-*.ttl")), f"{name}: no invalid example"


@pytest.mark.parametrize("path", VALID, ids=_id)
def test_valid_example_conforms(path: Path) -> None:
    graph = _load(path)
    uri = _view().get_uri(path.parent.name, expand=True)
    assert (None, rdflib.RDF.type, rdflib.URIRef(uri)) in graph, f"no instance of {path.parent.name} ({uri})"
    conforms, text = shacl_report(graph)
    assert conforms, text


@pytest.mark.parametrize("path", INVALID, ids=_id)
def test_invalid_example_fails_as_stated(path: Path) -> None:
    graph = _load(path)
    expected = expected_violations(path, graph)
    assert expected, f"{path.name}: no '# expect: <component> <path>' line"
    assert violations(graph) == expected


def test_class_uris_reuse_well_known_vocabularies() -> None:
    view = _view()
    for name in view.all_classes():
        cls = view.get_class(name)
        if cls.abstract:
            continue
        assert cls.class_uri, f"{name} has no class_uri"
        assert cls.class_uri.startswith(WELL_KNOWN), (
            f"{name}: class_uri {cls.class_uri} is not from a well-known vocabulary"
        )


@pytest.mark.parametrize("path", VALID + INVALID, ids=_id)
def test_fast_validator_agrees(path: Path) -> None:
    """The pipeline's own validator reaches the same verdict, with the same components and paths."""
    import pyoxigraph

    from covid_portal.validate import default_validator

    triples = [q.triple for q in pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE)]
    found = {(str(SH) + v.component, v.path or "") for v in default_validator().check(triples)}
    expected = expected_violations(path, _load(path)) if path.name.startswith("invalid-") else set()
    assert found == expected
