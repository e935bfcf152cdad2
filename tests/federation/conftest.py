"""Three portal nodes on 127.0.0.1, each serving its own slice of the demo records, federated with each other.

``central`` holds UniProt, PDB, ChEMBL, IntAct, Ensembl and the literature; ``nl`` the BioSamples
records and PRIDE; ``dk`` the rest of ENA (see queries/federated/README.md). Every node may call
every node (itself included) with SERVICE, and ``victim``, a port reserved for a node the tests
start and kill. A fourth store holds the union of the three slices, loaded the same way, for the
"same answer as one store" comparisons. Nodes are real servers (tests.conftest.running_server).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from covid_portal.federation.config import Node, Partner, save_node
from covid_portal.pipeline import load
from covid_portal.store import StoreDir
from tests.conftest import RECORDS, RunningServer, free_port, running_server

BIOSAMPLES = RECORDS / "ena" / "biosamples_json_recodid_covid19_samples.json"
SLICES: dict[str, list[Path]] = {
    "central": [RECORDS / name for name in ("uniprot", "pdb", "chembl", "intact", "ensembl", "europepmc")],
    "nl": [BIOSAMPLES, RECORDS / "pride"],
    "dk": [p for p in sorted((RECORDS / "ena").iterdir()) if p.is_file() and p != BIOSAMPLES],
}
COUNTRIES = {"central": "EU", "nl": "NL", "dk": "DK", "victim": "SE"}
SERVICE_TIMEOUT = 3.0


@dataclass
class Federation:
    nodes: dict[str, RunningServer]
    stores: dict[str, Path]
    union: Path  # a store with the union of the three slices
    victim_port: int
    endpoints: dict[str, str] = field(default_factory=dict)  # node name -> SPARQL endpoint

    def url(self, name: str) -> str:
        return self.nodes[name].url


def build_store(path: Path, paths: list[Path]) -> Path:
    report = load(paths, path, fresh=True)
    assert report.loaded > 0 and not report.file_errors, report.file_errors
    return path


def rows(body: bytes, media_type: str = "application/sparql-results+json") -> list[tuple[str, ...]]:
    """A SELECT answer as sorted rows of (variable=term) strings, for order-free comparison."""
    fmt = ox.QueryResultsFormat.from_media_type(media_type) or ox.QueryResultsFormat.JSON
    solutions = ox.parse_query_results(body, format=fmt)
    names = [v.value for v in solutions.variables]
    return _cells(solutions, names)


def _cells(solutions: object, names: list[str]) -> list[tuple[str, ...]]:
    """Bound variables only: an unbound one is absent, as in SPARQL JSON results."""
    return sorted(tuple(f"{n}={s[n]}" for n in names if s[n] is not None) for s in solutions)  # type: ignore[attr-defined]


def store_rows(store: Path, query: str) -> list[tuple[str, ...]]:
    solutions = StoreDir(store).open_read().query(query, use_default_graph_as_union=True)
    return _cells(solutions, [v.value for v in solutions.variables])


@pytest.fixture(scope="session")
def federation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Federation]:
    base = tmp_path_factory.mktemp("federation")
    stores = {name: build_store(base / name, paths) for name, paths in SLICES.items()}
    union = build_store(base / "union", [p for paths in SLICES.values() for p in paths])
    ports = {name: free_port() for name in [*SLICES, "victim"]}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    endpoints = {name: f"{url}/sparql" for name, url in urls.items()}
    with contextlib.ExitStack() as stack:
        nodes = {}
        for name in SLICES:
            partners = [
                Partner(name=f"node {other}", country=COUNTRIES[other], base_url=urls[other])
                for other in urls
                if other != name
            ]
            config = base / f"{name}.toml"
            save_node(Node(name=f"node {name}", country=COUNTRIES[name], base_url=urls[name], partners=partners),
                      config)  # fmt: skip
            nodes[name] = stack.enter_context(
                running_server(
                    stores[name],
                    port=ports[name],
                    COVID_PORTAL_SERVICE_PARTNERS=" ".join(endpoints.values()),  # itself included
                    COVID_PORTAL_FEDERATION=str(config),
                    COVID_PORTAL_SERVICE_TIMEOUT=str(SERVICE_TIMEOUT),
                    COVID_PORTAL_QUERY_TIMEOUT="60",
                    COVID_PORTAL_MAX_CONCURRENT_QUERIES="6",
                )
            )
        yield Federation(nodes, stores, union, ports["victim"], endpoints)


@pytest.fixture
def sparql(federation: Federation):
    """POST a query to a node; returns the httpx response."""

    def run(node: str, query: str, accept: str = "application/sparql-results+json", timeout: float = 60):
        return httpx.post(
            federation.endpoints[node], data={"query": query}, headers={"accept": accept}, timeout=timeout
        )

    return run


def dumps(value: object) -> str:
    return json.dumps(value, indent=1, sort_keys=True)
