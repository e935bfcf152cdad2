"""An independent federation engine, Comunica, over the three nodes' endpoints gets the union store's answer.

Comunica (npm package @comunica/query-sparql, installed into tests/federation/node_modules by
``make federation-deps``) is given the federated examples without their SERVICE clauses and the
three endpoints as sources: it splits the query over the endpoints itself. The answer must equal the
same query on one store holding the union of the three slices, as our own SERVICE federation does.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from covid_portal import examples
from tests.federation.conftest import SLICES, Federation, rows, store_rows

HERE = Path(__file__).parent
RUNNER = HERE / "comunica.mjs"
INSTALLED = HERE / "node_modules" / "@comunica" / "query-sparql"


@pytest.fixture(scope="module")
def node() -> str:
    binary = shutil.which("node")
    if binary is None or not INSTALLED.is_dir():
        pytest.skip("Comunica is not installed: run `make federation-deps` (Node.js and npm needed)")
    return binary


@pytest.mark.parametrize("example", examples.federated_examples(), ids=lambda e: e.name)
def test_comunica_over_the_three_endpoints_equals_the_union_store(
    federation: Federation, node: str, tmp_path: Path, example: examples.Example
) -> None:
    query = tmp_path / "query.rq"
    query.write_text(examples.unfederate(example.query), encoding="utf-8")
    sources = [federation.endpoints[name] for name in SLICES]
    done = subprocess.run([node, str(RUNNER), str(query), *sources], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    answer = json.loads(done.stdout)
    answer.pop("metadata", None)  # Comunica's own statistics, not part of SPARQL JSON results
    found = rows(json.dumps(answer).encode())
    assert found, f"{example.name}: Comunica found nothing"
    assert found == store_rows(federation.union, examples.unfederate(example.query))
