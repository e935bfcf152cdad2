"""Whole-store validation: every record graph against the shapes."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from covid_portal.validate import default_validator, shape_files


@dataclass
class ValidationResult:
    checked: int = 0
    failed: int = 0
    messages: list[str] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        return self.failed == 0


def _graphs(store: ox.Store) -> list[ox.NamedNode]:
    return [g for g in store.named_graphs() if isinstance(g, ox.NamedNode)]


def validate_store(store: ox.Store, *, use_pyshacl: bool = False) -> ValidationResult:
    """Check each named graph on its own (fast validator), or the merged graph with pyshacl."""
    result = ValidationResult()
    if use_pyshacl:
        import pyshacl
        import rdflib

        data = rdflib.Dataset()
        data.parse(data=store.dump(format=ox.RdfFormat.N_QUADS), format="nquads")
        merged = rdflib.Graph()
        for s, p, o, _ in data.quads((None, None, None, None)):
            merged.add((s, p, o))
        shapes = rdflib.Graph()
        for path in shape_files():
            shapes.parse(path, format="turtle")
        conforms, _report, text = pyshacl.validate(merged, shacl_graph=shapes, inference="none")
        result.checked = len(_graphs(store))
        if not conforms:
            result.failed = 1
            result.messages = str(text).splitlines()
        return result
    validator = default_validator()
    for graph in _graphs(store):
        triples = [q.triple for q in store.quads_for_pattern(None, None, None, graph)]
        result.checked += 1
        violations = validator.check(triples)
        if violations:
            result.failed += 1
            result.messages.extend(f"{graph.value}: {v}" for v in violations)
    return result
