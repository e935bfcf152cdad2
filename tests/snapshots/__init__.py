"""Snapshot comparison of RDF by graph isomorphism.

``assert_snapshot(triples, "uniprot/P0DTC2")`` compares with tests/snapshots/uniprot/P0DTC2.nt. The file is
(re)written only when UPDATE_SNAPSHOTS=1, so a change in a loader's output fails until someone looks at the
diff and accepts it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import rdflib
from pyoxigraph import Triple
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from tests.conftest import to_rdflib

SNAPSHOTS = Path(__file__).resolve().parent


def assert_snapshot(triples: Iterable[Triple], name: str) -> None:
    graph = to_rdflib(triples)
    path = SNAPSHOTS / f"{name}.nt"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1" or not path.exists():
        if not path.exists() and os.environ.get("CI"):
            raise AssertionError(f"snapshot {path} is missing (run with UPDATE_SNAPSHOTS=1 and commit it)")
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = sorted(graph.serialize(format="nt").splitlines())
        path.write_text("\n".join(line for line in lines if line.strip()) + "\n", encoding="utf-8")
        return
    expected = rdflib.Graph().parse(path, format="nt")
    if not isomorphic(graph, expected):
        _, only_new, only_old = graph_diff(to_isomorphic(graph), to_isomorphic(expected))
        new = sorted(only_new.serialize(format="nt").splitlines())[:20]
        old = sorted(only_old.serialize(format="nt").splitlines())[:20]
        raise AssertionError(
            f"RDF differs from snapshot {path.name}:\n+ " + "\n+ ".join(new) + "\n- " + "\n- ".join(old)
        )
