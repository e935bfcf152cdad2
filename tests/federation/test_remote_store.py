"""The scale-out store: the pipeline writes to a remote SPARQL 1.1 store and the server reads from it.

The same records are loaded into an embedded store and into a remote one (Oxigraph server; Virtuoso
where its Debian package is installed); the example queries must answer the same through a real
server on the remote store as on the embedded one. Loaders, the pipeline and the routes are the
ordinary ones: only the ``COVID_PORTAL_STORE_*`` settings differ.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from covid_portal import examples
from covid_portal.pipeline import Pipeline, drop_source, load
from covid_portal.remote_store import RemoteConfig, RemoteStore
from covid_portal.store import StoreDir
from tests.conftest import RunningServer, running_server
from tests.federation.backends import oxigraph_server, virtuoso_missing, virtuoso_server
from tests.federation.conftest import SLICES, rows, store_rows

EXAMPLES = [e for e in examples.examples() if set(e.sources) <= {"biosample", "pride", "ena"}]
PRIDE_TRIPLES = (
    "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
    "FILTER(STRSTARTS(STR(?g), 'https://w3id.org/covid-portal/record/pride/')) }"
)


@dataclass
class Remote:
    config: RemoteConfig
    store: Path  # the store folder (lock, sidecars, version markers)
    server: RunningServer  # a node reading from the remote store

    def env(self) -> dict[str, str]:
        return {
            "COVID_PORTAL_STORE_URL": self.config.query_url.rsplit("/", 1)[0],
            "COVID_PORTAL_STORE_QUERY_URL": self.config.query_url,
            "COVID_PORTAL_STORE_UPDATE_URL": self.config.update_url,
            "COVID_PORTAL_STORE_GSP_URL": self.config.gsp_url,
            "COVID_PORTAL_STORE_UNION": self.config.union,
        }

    def pride_triples(self) -> int:
        return int(next(iter(RemoteStore(self.config).query(PRIDE_TRIPLES)))["n"].value)


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("embedded") / "store"
    Pipeline().run(SLICES["nl"], StoreDir(path, remote=None), fresh=True)
    return path


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def remote(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Remote]:
    """A remote store holding the nl slice, loaded by the ordinary pipeline, and a node serving it."""
    if request.param == "virtuoso" and (reason := virtuoso_missing()):
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp(request.param)
    starter = oxigraph_server if request.param == "oxigraph" else virtuoso_server
    with starter(folder) as config:
        remote = Remote(config, folder / "store", None)  # type: ignore[arg-type]
        with pytest.MonkeyPatch.context() as patch:
            for key, value in remote.env().items():
                patch.setenv(key, value)  # the configuration switch, read by StoreDir
            report = load(SLICES["nl"], remote.store, fresh=True)
        assert report.loaded == report.read > 400
        assert not any((remote.store / "versions" / report.version).iterdir())  # a marker: the graph is remote
        with running_server(remote.store, **remote.env()) as server:
            remote.server = server
            yield remote


def test_the_remote_store_holds_the_same_record_graphs(remote: Remote, embedded: Path) -> None:
    in_remote = {g.value for g in RemoteStore(remote.config).named_graphs() if "/record/" in g.value}
    in_embedded = {g.value for g in StoreDir(embedded, remote=None).open_read().named_graphs() if "/record/" in g.value}
    assert in_remote == in_embedded


def test_reloading_replaces_record_graphs_and_drop_removes_them(remote: Remote, monkeypatch) -> None:
    for key, value in remote.env().items():
        monkeypatch.setenv(key, value)
    before = remote.pride_triples()
    assert before > 0
    load([SLICES["nl"][1]], remote.store)  # the PRIDE files again: each record graph is PUT again
    assert remote.pride_triples() == before
    assert drop_source(remote.store, "pride") == 7
    assert remote.pride_triples() == 0
    load([SLICES["nl"][1]], remote.store)
    assert remote.pride_triples() == before


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.name)
def test_the_server_answers_from_the_remote_store(remote: Remote, embedded: Path, example) -> None:
    response = httpx.post(remote.server.url + "/sparql", data={"query": example.query},
                          headers={"accept": "application/sparql-results+json"}, timeout=60)  # fmt: skip
    assert response.status_code == 200, response.text
    assert rows(response.content) == store_rows(embedded, example.query)


def test_construct_and_the_protocol_dataset_are_forwarded(remote: Remote, embedded: Path) -> None:
    local = StoreDir(embedded, remote=None).open_read()
    graph = sorted(g.value for g in local.named_graphs() if "/record/pride/" in g.value)[0]
    query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    response = httpx.post(remote.server.url + "/sparql", data={"query": query, "default-graph-uri": graph},
                          headers={"accept": "application/n-triples"}, timeout=60)  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/n-triples")
    expected = local.query(query, default_graph=[ox.NamedNode(graph)])
    assert len(response.text.strip().splitlines()) == len(list(expected)) > 10


def test_catalogue_dumps_are_read_from_the_remote_store(remote: Remote, embedded: Path) -> None:
    """The catalogue's downloads come from the remote store too, and hold the same quads as embedded."""
    catalog = httpx.get(remote.server.url + "/catalog", headers={"accept": "application/n-triples"}, timeout=60)
    assert catalog.status_code == 200, catalog.text
    download = "http://www.w3.org/ns/dcat#downloadURL"
    urls = [line.split(" ")[2].strip("<>") for line in catalog.text.splitlines() if f"<{download}>" in line]
    pride = [url for url in urls if url.endswith("/pride.nq")]
    assert pride, urls
    dump = httpx.get(pride[0], timeout=120)
    assert dump.status_code == 200, dump.text[:300]
    served = {line for line in dump.text.splitlines() if "/record/pride/" in line}
    local = StoreDir(embedded, remote=None).open_read()
    graphs = [g for g in local.named_graphs() if "/record/pride/" in g.value]
    expected = {str(q) + " ." for g in graphs for q in local.quads_for_pattern(None, None, None, g)}
    assert served and len(served) == len(expected)
