"""The SSSOM mapping sets (mappings/*.sssom.tsv) as RDF for the graph: one named graph per set.

Each set is parsed with sssom-py and rendered with its SSSOM-RDF writer (a ``sssom:MappingSet`` with one
reified ``owl:Axiom`` per mapping, carrying justification, author and comment). Two things are added so
the graph is useful and reloadable:

* the direct triple ``subject predicate object`` of every mapping, so a query can follow
  ``skos:exactMatch`` without unpacking the axioms;
* deterministic IRIs instead of the writer's blank nodes (``<set id>/mapping/<hash of the content>``),
  so loading a set twice yields the same quads and a mapping can be linked to.

The named graph of a set is its ``mapping_set_id``, which must lie under :data:`MAPPINGS_BASE`.
"""

from __future__ import annotations

import hashlib
import logging
from functools import cache
from pathlib import Path

import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, Quad
from sssom.parsers import parse_sssom_table
from sssom.util import MappingSetDataFrame
from sssom.writers import to_rdf_graph

from covid_portal import iris, resources

log = logging.getLogger(__name__)

MAPPINGS_BASE = iris.PORTAL_BASE + "mappings/"
MAPPINGS_DIR = ("mappings",)
SUFFIX = ".sssom.tsv"


class MappingSetError(ValueError):
    """A mapping set that cannot be loaded (unparseable, or its id outside the portal's namespace)."""


def mapping_files(folder: Path | None = None) -> list[Path]:
    """The mapping set files, sorted by name."""
    folder = folder if folder is not None else resources.path(*MAPPINGS_DIR)
    return sorted(folder.glob(f"*{SUFFIX}"))


def set_name(path: Path) -> str:
    """``compounds`` for ``mappings/compounds.sssom.tsv``."""
    return path.name.removesuffix(SUFFIX)


@cache
def load(path: Path) -> MappingSetDataFrame:
    """Parse one set with sssom-py; its mapping_set_id must be ``MAPPINGS_BASE + <file stem>``."""
    try:
        msdf = parse_sssom_table(path)
    except Exception as exc:  # sssom-py raises many types (yaml, pandas, pydantic) for a bad file
        raise MappingSetError(f"{path}: not a readable SSSOM TSV file ({exc})") from exc
    set_id = str(msdf.metadata.get("mapping_set_id", ""))
    expected = MAPPINGS_BASE + set_name(path)
    if set_id != expected:
        raise MappingSetError(f"{path}: mapping_set_id is {set_id!r}, expected {expected!r}")
    return msdf


def graph_name(msdf: MappingSetDataFrame) -> NamedNode:
    """The named graph holding a set: its mapping_set_id."""
    return NamedNode(str(msdf.metadata["mapping_set_id"]))


def set_quads(msdf: MappingSetDataFrame) -> list[Quad]:
    """One set as quads in its own named graph."""
    graph = graph_name(msdf)
    rdf = to_rdf_graph(msdf)
    skolem = _Skolemizer(rdf, graph.value + "/mapping/")
    quads = {Quad(skolem.term(s), skolem.term(p), skolem.term(o), graph) for s, p, o in rdf}  # type: ignore[arg-type]
    converter = msdf.converter
    for row in msdf.df.itertuples(index=False):
        s, p, o = (converter.expand(str(getattr(row, col))) for col in ("subject_id", "predicate_id", "object_id"))
        if not (s and p and o):
            raise MappingSetError(f"{graph.value}: cannot expand {row.subject_id} {row.predicate_id} {row.object_id}")
        quads.add(Quad(NamedNode(s), NamedNode(p), NamedNode(o), graph))
    return sorted(quads, key=str)


def mapping_quads(folder: Path | None = None) -> list[Quad]:
    """Every mapping set in ``folder`` (default: the project's mappings/) as quads, one named graph per set."""
    out: list[Quad] = []
    for path in mapping_files(folder):
        msdf = load(path)
        quads = set_quads(msdf)
        log.info("mapping set %s: %d mappings, %d quads", set_name(path), len(msdf.df), len(quads))
        out.extend(quads)
    return out


class _Skolemizer:
    """Replace the blank nodes of an rdflib graph by IRIs derived from what they describe."""

    def __init__(self, graph: rdflib.Graph, base: str) -> None:
        self.graph = graph
        self.base = base
        self._keys: dict[rdflib.BNode, str] = {}

    def _key(self, node: rdflib.BNode, seen: frozenset[rdflib.BNode] = frozenset()) -> str:
        if node in self._keys:
            return self._keys[node]
        if node in seen:  # a cycle of blank nodes: not produced by the SSSOM writer
            raise MappingSetError("cyclic blank nodes in a mapping set graph")
        parts = []
        for p, o in self.graph.predicate_objects(node):
            value = self._key(o, seen | {node}) if isinstance(o, rdflib.BNode) else o.n3()
            parts.append(f"{p.n3()} {value}")
        key = hashlib.sha256("\n".join(sorted(parts)).encode("utf-8")).hexdigest()[:20]
        self._keys[node] = key
        return key

    def term(self, node: rdflib.term.Node) -> NamedNode | BlankNode | Literal:
        if isinstance(node, rdflib.BNode):
            return NamedNode(self.base + self._key(node))
        if isinstance(node, rdflib.URIRef):
            return NamedNode(str(node))
        if isinstance(node, rdflib.Literal):
            if node.language:
                return Literal(str(node), language=node.language)
            if node.datatype is not None:
                return Literal(str(node), datatype=NamedNode(str(node.datatype)))
            return Literal(str(node))
        raise TypeError(f"unexpected RDF term {node!r}")
