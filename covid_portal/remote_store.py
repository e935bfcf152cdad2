"""A remote SPARQL 1.1 store (Protocol + Graph Store Protocol) behind the same calls as an embedded one.

The portal keeps its graph in embedded Oxigraph by default. A larger deployment can keep it in a
separate triple store (Oxigraph server, Virtuoso, ...) instead: set ``COVID_PORTAL_STORE_URL`` (and,
when the store does not use Oxigraph server's paths, the query, update and graph store URLs; see
:meth:`RemoteConfig.from_env`). Then :class:`covid_portal.store.StoreDir` hands out a
:class:`RemoteStore` wherever it handed out a ``pyoxigraph.Store``: the pipeline writes record
graphs through it, and the server's query workers forward queries to it. Loaders and routes have
no code of their own for it.

What the remote store is asked to do:

- writes (``replace_graphs``): one Graph Store Protocol ``PUT`` per record graph, which replaces that
  graph atomically; ``remove_graph`` is a GSP ``DELETE``; ``extend`` a GSP ``POST`` per graph;
- reads (``query``, ``quads_for_pattern``, ``len``): SPARQL Protocol queries, answers parsed with
  pyoxigraph into the same Python types an embedded store returns;
- the server's queries (``stream``): the query is forwarded with the same dataset (``default-graph-uri``
  / ``named-graph-uri``; the union default graph as Oxigraph server's ``union-default-graph``
  parameter, or nothing for stores whose default graph already is the union, such as Virtuoso), and
  the answer's bytes are streamed back unchanged in the negotiated format.

What it does not give: the embedded store's versions. Writes are visible as they happen (each
record graph switches atomically, a whole load does not), and ``load --replace`` first empties the
remote store. See docs/deploy.md.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox

log = logging.getLogger(__name__)

SYSTEM_GRAPHS = ("http://www.openlinksw.com/", "http://localhost:8890/")  # Virtuoso's own graphs: never dropped
RESULTS_JSON = "application/sparql-results+json"
TURTLE = "text/turtle"


class RemoteStoreError(OSError):
    """The remote store refused a request or cannot be reached."""


@dataclass(frozen=True)
class RemoteConfig:
    """Where the remote store answers: SPARQL query and update endpoints and the Graph Store endpoint."""

    query_url: str
    update_url: str
    gsp_url: str
    union: str = "param"  # "param": ask for the union default graph (Oxigraph); "native": it already is one
    timeout: float = 300.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> RemoteConfig | None:
        """``COVID_PORTAL_STORE_URL`` (Oxigraph server's base URL: /query, /update, /store below it), with
        ``COVID_PORTAL_STORE_QUERY_URL``, ``_UPDATE_URL``, ``_GSP_URL`` and ``_UNION`` (param or native) to
        override; None when the store is embedded."""
        env = os.environ if env is None else env
        base = env.get("COVID_PORTAL_STORE_URL", "").strip().rstrip("/")
        if not base:
            return None
        union = env.get("COVID_PORTAL_STORE_UNION", "param")
        if union not in ("param", "native"):
            raise ValueError(f"COVID_PORTAL_STORE_UNION must be param or native, not {union!r}")
        return cls(
            query_url=env.get("COVID_PORTAL_STORE_QUERY_URL") or base + "/query",
            update_url=env.get("COVID_PORTAL_STORE_UPDATE_URL") or base + "/update",
            gsp_url=env.get("COVID_PORTAL_STORE_GSP_URL") or base + "/store",
            union=union,
        )


class RemoteStore:
    """The subset of ``pyoxigraph.Store`` the portal uses, over HTTP."""

    def __init__(self, config: RemoteConfig) -> None:
        self.config = config
        self._http = httpx.Client(timeout=config.timeout)

    def __repr__(self) -> str:
        return f"RemoteStore({self.config.query_url})"

    # ------------------------------------------------------------------ reads
    def _params(self, query: str, base_iri: str | None, use_default_graph_as_union: bool,
                default_graph: Any, named_graphs: Any) -> list[tuple[str, str]]:  # fmt: skip
        if base_iri:
            query = f"BASE <{base_iri}>\n{query}"  # the protocol has no base parameter; BASE may repeat
        params = [("query", query)]
        graphs = default_graph if isinstance(default_graph, list) else [default_graph] if default_graph else []
        params += [("default-graph-uri", g.value) for g in graphs if isinstance(g, ox.NamedNode)]
        params += [("named-graph-uri", g.value) for g in named_graphs or () if isinstance(g, ox.NamedNode)]
        if use_default_graph_as_union and default_graph is None and self.config.union == "param":
            params.append(("union-default-graph", ""))
        return params

    @contextlib.contextmanager
    def stream(self, query: str, accept: Iterable[str], *, base_iri: str | None = None,
               use_default_graph_as_union: bool = False, default_graph: Any = None,
               named_graphs: Any = None) -> Iterator[tuple[str, Iterator[bytes]]]:  # fmt: skip
        """Run ``query`` remotely: (the answer's media type, its bytes in chunks). SyntaxError for a query
        the store rejects as malformed (400), RemoteStoreError for any other failure."""
        params = self._params(query, base_iri, use_default_graph_as_union, default_graph, named_graphs)
        headers = {"accept": ", ".join(accept), "content-type": "application/x-www-form-urlencoded"}
        try:
            with self._http.stream("POST", self.config.query_url, content=urlencode(params).encode("ascii"),
                                   headers=headers) as response:  # fmt: skip
                if response.status_code != 200:
                    text = response.read().decode("utf-8", "replace").strip()[:500]
                    if response.status_code == 400:
                        raise SyntaxError(f"the store refused the query: {text}")
                    raise RemoteStoreError(f"the store answered HTTP {response.status_code}: {text}")
                media_type = response.headers.get("content-type", "").split(";")[0].strip()
                yield media_type, response.iter_bytes()
        except httpx.HTTPError as exc:
            raise RemoteStoreError(f"the store at {self.config.query_url} cannot be reached: {exc}") from exc

    def query(self, query: str, *, base_iri: str | None = None, use_default_graph_as_union: bool = False,
              default_graph: Any = None, named_graphs: Any = None, **_: Any) -> Any:  # fmt: skip
        """Like ``pyoxigraph.Store.query``: solutions, a boolean, or a list of triples."""
        accept = [RESULTS_JSON, "application/n-triples;q=0.9"]
        with self.stream(query, accept, base_iri=base_iri, use_default_graph_as_union=use_default_graph_as_union,
                         default_graph=default_graph, named_graphs=named_graphs) as (media_type, chunks):  # fmt: skip
            body = b"".join(chunks)
        results_format = ox.QueryResultsFormat.from_media_type(media_type)
        if results_format is not None:
            if results_format == ox.QueryResultsFormat.JSON and b'"bnode"' in body:
                body = _valid_bnodes(body)
            return ox.parse_query_results(body, format=results_format)
        rdf_format = ox.RdfFormat.from_media_type(media_type) or ox.RdfFormat.N_TRIPLES
        return [quad.triple for quad in ox.parse(body, format=rdf_format)]

    def quads_for_pattern(self, subject: Any, predicate: Any, object: Any, graph_name: Any = None) -> list[ox.Quad]:
        """The quads of the named graphs matching the pattern (None: any term)."""
        terms = {"s": subject, "p": predicate, "o": object, "g": graph_name}
        values = {k: (str(v) if v is not None and not isinstance(v, ox.DefaultGraph) else f"?{k}") for k, v in
                  terms.items()}  # fmt: skip
        query = f"SELECT * WHERE {{ GRAPH {values['g']} {{ {values['s']} {values['p']} {values['o']} }} }}"
        out = []
        for row in self.query(query):
            s, p, o, g = (row[k] if terms[k] is None else terms[k] for k in "spog")
            out.append(ox.Quad(s, p, o, g))
        return out

    def contains_named_graph(self, graph: ox.NamedNode) -> bool:
        return bool(self.query(f"ASK {{ GRAPH {graph} {{ ?s ?p ?o }} }}"))

    def named_graphs(self) -> list[ox.NamedNode]:
        return [row["g"] for row in self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")]

    def __len__(self) -> int:
        rows = list(self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"))
        return int(rows[0]["n"].value) if rows else 0

    # ------------------------------------------------------------------ writes
    def _gsp(self, method: str, graph: ox.NamedNode, body: bytes | None = None) -> None:
        headers = {"content-type": TURTLE} if body is not None else {}
        try:
            response = self._http.request(
                method, self.config.gsp_url, params={"graph": graph.value}, content=body, headers=headers
            )
        except httpx.HTTPError as exc:
            raise RemoteStoreError(f"the store at {self.config.gsp_url} cannot be reached: {exc}") from exc
        if response.status_code >= 300 and not (method == "DELETE" and response.status_code == 404):
            raise RemoteStoreError(
                f"{method} of graph {graph.value} failed: HTTP {response.status_code} {response.text[:300]}"
            )

    def replace_graphs(self, batch: Mapping[ox.NamedNode, Iterable[ox.Quad]]) -> None:
        """Write each graph, replacing what it held (GSP PUT: atomic per graph)."""
        for graph, quads in batch.items():
            self._gsp("PUT", graph, _ntriples(quads))

    def remove_graph(self, graph: ox.NamedNode) -> None:
        self._gsp("DELETE", graph)

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads (GSP POST per graph; every quad must be in a named graph)."""
        by_graph: dict[ox.NamedNode, list[ox.Quad]] = {}
        for quad in quads:
            if not isinstance(quad.graph_name, ox.NamedNode):
                raise RemoteStoreError(f"only named graphs are written to a remote store, not {quad}")
            by_graph.setdefault(quad.graph_name, []).append(quad)
        for graph, items in by_graph.items():
            self._gsp("POST", graph, _ntriples(items))

    bulk_extend = extend

    def add(self, quad: ox.Quad) -> None:
        self.extend([quad])

    def clear(self) -> None:
        """Remove every graph (but the store's own system graphs): the start of a ``load --replace``."""
        for graph in self.named_graphs():
            if isinstance(graph, ox.NamedNode) and not graph.value.startswith(SYSTEM_GRAPHS):
                self.remove_graph(graph)

    def flush(self) -> None:
        """Every write is sent at once: nothing to flush."""


def _ntriples(quads: Iterable[ox.Quad]) -> bytes:
    return ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES)


def _valid_bnodes(body: bytes) -> bytes:
    """SPARQL JSON results with blank node labels pyoxigraph accepts (Virtuoso answers ``nodeID://b10001``)."""
    doc = json.loads(body)
    for binding in (doc.get("results") or {}).get("bindings") or []:
        for term in binding.values():
            if term.get("type") == "bnode":
                term["value"] = re.sub(r"\W", "_", term["value"])
    return json.dumps(doc).encode()
