"""Shared fixtures: paths to the bundled real records, and RDF helpers for assertions."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from covid_portal import resources

ROOT = Path(__file__).resolve().parent.parent
RECORDS = ROOT / "data" / "records"
TEST_DATA = ROOT / "tests" / "data"


def to_rdflib_term(term: NamedNode | BlankNode | Literal) -> rdflib.term.Node:
    if isinstance(term, NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    if term.datatype.value == "http://www.w3.org/2001/XMLSchema#string":
        # a simple literal: rdflib keeps it untyped, as in the shapes' sh:in lists (RDF 1.1: the same term)
        return rdflib.Literal(term.value)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def to_rdflib(triples: Iterable[Triple]) -> rdflib.Graph:
    graph = rdflib.Graph()
    for t in triples:
        graph.add((to_rdflib_term(t.subject), to_rdflib_term(t.predicate), to_rdflib_term(t.object)))
    return graph


def shapes_graph() -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(resources.path(*resources.SHAPES), format="turtle")
    extra = resources.path(*resources.HAND_SHAPES)
    if extra.exists():
        graph.parse(extra, format="turtle")
    return graph


_SHAPES: rdflib.Graph | None = None


def shacl_report(data: rdflib.Graph) -> tuple[bool, str]:
    """(conforms, report text) of ``data`` against the generated and hand-written shapes, by pyshacl."""
    import pyshacl

    global _SHAPES
    if _SHAPES is None:
        _SHAPES = shapes_graph()
    conforms, _, text = pyshacl.validate(data, shacl_graph=_SHAPES, inference="none", advanced=True)
    return bool(conforms), str(text)


@pytest.fixture(scope="session")
def records_dir() -> Path:
    return RECORDS


# ------------------------------------------------------------------ a running demo server
@dataclass
class RunningServer:
    url: str  # http://127.0.0.1:PORT
    process: subprocess.Popen
    store: Path

    @property
    def sparql(self) -> str:
        return self.url + "/sparql"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_server(store: Path, port: int | None = None, **env: str) -> Iterator[RunningServer]:
    """covid-portal's server in a subprocess on 127.0.0.1 (as `covid-portal serve` runs it).

    ``env``: COVID_PORTAL_* variables; "{url}" in a value becomes the server's own URL (e.g. its
    endpoint as a SERVICE partner). ``port``: one chosen beforehand (nodes of a federation must
    know each other's URLs before they start).
    """
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    own = {key: value.replace("{url}", url) for key, value in env.items()}
    environment = {**os.environ, "COVID_PORTAL_STORE": str(store), "COVID_PORTAL_BASE_URL": url, **own}
    code = (
        "from server.config import Settings; from server.run import serve; "
        f"serve(Settings(), host='127.0.0.1', port={port}, log_level='warning')"
    )
    process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=environment)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}")
            try:
                if httpx.get(url + "/sparql", params={"query": "ASK {}"}, timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start within 60 s")
            time.sleep(0.2)
        yield RunningServer(url, process, store)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built once per test session from the bundled real records (the demo graph)."""
    from covid_portal.pipeline import load

    path = tmp_path_factory.mktemp("demo") / "store"
    load([RECORDS], path)
    return path


@pytest.fixture(scope="session")
def demo_server(demo_store: Path) -> Iterator[RunningServer]:
    """The demo graph served by a real uvicorn on 127.0.0.1, shared by the tests that need HTTP."""
    with running_server(demo_store, COVID_PORTAL_QUERY_TIMEOUT="20", COVID_PORTAL_MAX_CONCURRENT_QUERIES="3") as srv:
        yield srv
