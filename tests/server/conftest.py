"""A real covid-portal server on 127.0.0.1 for the server tests, over a store built from test data.

The store holds the W3C protocol test data, each file loaded into the named graph the manifest
names (``ut:graphData [ ut:graph <data1.nt> ; rdfs:label "<graph IRI>" ]``), plus a few thousand
triples for the limit tests. The server runs in a subprocess (uvicorn, as ``covid-portal serve``
runs it) with small limits so that they can be reached quickly: a 2 s query timeout, 2 query
workers, a 256 KiB result limit, and its own endpoint as the one SERVICE partner.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from rdflib import RDFS, Namespace

from covid_portal.store import StoreDir
from tests.conftest import RunningServer
from tests.conftest import running_server as base_running_server

ROOT = Path(__file__).resolve().parents[2]
W3C = ROOT.parent / "shared" / "w3c" / "sparql" / "sparql11"
PROTOCOL_MANIFEST = W3C / "protocol" / "manifest.ttl"
SD_MANIFEST = W3C / "service-description" / "manifest.ttl"
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

QUERY_TIMEOUT = 2.0
WORKERS = 2
QUEUE_WAIT = 0.5  # under QUERY_TIMEOUT: a query queued behind explosive ones is refused, not served late
MAX_RESULT_BYTES = 256 * 1024
MAX_BODY_BYTES = 64 * 1024
BULK_GRAPH = "http://example.org/bulk"
BULK_TRIPLES = 3000


Server = RunningServer  # the server fixtures' type (tests.conftest.RunningServer)


def manifest_graph_data() -> dict[str, Path]:
    """Graph IRI -> data file, for every ut:graphData of the protocol manifest."""
    graph = rdflib.Graph().parse(PROTOCOL_MANIFEST, format="turtle")
    data = {}
    for node in graph.objects(None, UT.graphData):
        file = Path(str(graph.value(node, UT.graph)).removeprefix("file://"))
        data[str(graph.value(node, RDFS.label))] = file
    return data


def build_store(path: Path) -> None:
    with StoreDir(path).staging(fresh=True) as staging:
        for graph_iri, file in manifest_graph_data().items():
            staging.store.load(path=str(file), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph_iri))
        bulk = ox.NamedNode(BULK_GRAPH)
        value = ox.NamedNode("http://example.org/value")
        for i in range(BULK_TRIPLES):
            staging.store.add(ox.Quad(ox.NamedNode(f"http://example.org/item/{i}"), value, ox.Literal(i), bulk))


@contextlib.contextmanager
def running_server(store: Path, **settings: object) -> Iterator[Server]:
    """tests.conftest.running_server with settings named like Settings fields."""
    env = {f"COVID_PORTAL_{key.upper()}": str(value) for key, value in settings.items()}
    with base_running_server(store, **env) as server:
        yield server


@pytest.fixture(scope="session")
def protocol_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The store both test servers serve (W3C protocol data + bulk triples)."""
    path = tmp_path_factory.mktemp("server") / "store"
    build_store(path)
    return path


@pytest.fixture(scope="session")
def server(protocol_store: Path) -> Iterator[Server]:
    """The server most tests use: small limits, its own endpoint as SERVICE partner."""
    with running_server(
        protocol_store,
        query_timeout=QUERY_TIMEOUT,
        max_concurrent_queries=WORKERS,
        queue_wait=QUEUE_WAIT,
        max_result_bytes=MAX_RESULT_BYTES,
        max_body_bytes=MAX_BODY_BYTES,
        service_partners="{url}/sparql",
    ) as running:
        yield running


@pytest.fixture
def client(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        yield http


# ---------------------------------------------------------------------------- the demo store (entity pages, FAIR)
DEMO_RECORDS = ROOT / "data" / "records"
SARS_COV_2_TAXON = "http://purl.obolibrary.org/obo/NCBITaxon_2697049"
FAN_IN = 200_000  # synthetic samples linking to the SARS-CoV-2 taxon: entity pages must stay bounded
FAN_IN_GRAPH = "https://w3id.org/covid-portal/test/fan-in"


def build_demo_store(path: Path) -> None:
    """The demo graph (every bundled record, through the real pipeline), plus FAN_IN links to one taxon.

    The extra links sit in one graph without record provenance, so they are not part of any source
    dataset (catalogue, dumps) but count as incoming links of the taxon.
    """
    from covid_portal.pipeline import load

    load([DEMO_RECORDS], path, fresh=True)
    sample_class = ox.NamedNode("http://purl.obolibrary.org/obo/OBI_0000747")
    taxon_slot = ox.NamedNode("https://w3id.org/covid-portal/vocab/taxon")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    taxon, graph = ox.NamedNode(SARS_COV_2_TAXON), ox.NamedNode(FAN_IN_GRAPH)
    with StoreDir(path).staging() as staging:
        quads = []
        for i in range(FAN_IN):
            sample = ox.NamedNode(f"https://w3id.org/covid-portal/sample/test/{i}")
            quads += [ox.Quad(sample, taxon_slot, taxon, graph), ox.Quad(sample, rdf_type, sample_class, graph)]
        staging.store.bulk_extend(quads)


@pytest.fixture(scope="session")
def fanin_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real server on 127.0.0.1 over the demo store plus FAN_IN links (see build_demo_store)."""
    store = tmp_path_factory.mktemp("fanin") / "store"
    build_demo_store(store)
    with running_server(store, query_timeout=20, max_concurrent_queries=3) as server:
        yield server


@pytest.fixture
def demo(fanin_server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fanin_server.url, timeout=60) as http:
        yield http
