"""The example queries in queries/*.rq: parsing their metadata header.

Each file starts with ``# key: value`` lines: title, description, keywords (comma separated),
sources (comma separated loader names, or "all") and any number of ``expect`` lines
(``?var = <iri>`` or ``?var = "literal"`` or ``?var = 2020``) naming a binding the answer on the demo
graph must contain. The first line that is not such a comment starts the query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from covid_portal import resources

_HEADER = re.compile(r"^#\s*([a-z_-]+)\s*:\s*(.*?)\s*$")
_EXPECT = re.compile(r'^\?(\w+)\s*=\s*(<[^>]+>|"[^"]*"|\S+)$')


@dataclass(frozen=True)
class Expectation:
    variable: str
    value: str  # as written: <iri>, "literal" or a bare number

    def matches(self, term: object) -> bool:
        if term is None:
            return False
        text = getattr(term, "value", str(term))
        if self.value.startswith("<"):
            return text == self.value[1:-1] and type(term).__name__ == "NamedNode"
        if self.value.startswith('"'):
            return text == self.value[1:-1]
        return text == self.value


@dataclass(frozen=True)
class Example:
    name: str  # file stem, used in URLs
    title: str
    description: str
    keywords: tuple[str, ...]
    sources: tuple[str, ...]
    query: str
    expectations: tuple[Expectation, ...] = field(default=())


class ExampleError(ValueError):
    pass


def parse(path: Path) -> Example:
    meta: dict[str, list[str]] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    body_start = 0
    for index, line in enumerate(lines):
        match = _HEADER.match(line)
        if not match:
            body_start = index
            break
        meta.setdefault(match.group(1), []).append(match.group(2))
    query = "\n".join(lines[body_start:]).strip() + "\n"
    for key in ("title", "description", "keywords", "sources"):
        if not meta.get(key):
            raise ExampleError(f"{path.name}: missing '# {key}:' header line")
    expectations = []
    for text in meta.get("expect", []):
        match = _EXPECT.match(text)
        if not match:
            raise ExampleError(f"{path.name}: cannot read expectation {text!r}")
        expectations.append(Expectation(match.group(1), match.group(2)))
    return Example(
        name=path.stem,
        title=meta["title"][0],
        description=" ".join(meta["description"]),
        keywords=tuple(k.strip() for k in meta["keywords"][0].split(",") if k.strip()),
        sources=tuple(s.strip() for s in meta["sources"][0].split(",") if s.strip()),
        query=query,
        expectations=tuple(expectations),
    )


@cache
def examples() -> tuple[Example, ...]:
    folder = resources.path("queries")
    return tuple(parse(path) for path in sorted(folder.glob("*.rq")))


def get(name: str) -> Example | None:
    return next((e for e in examples() if e.name == name), None)


SH = "http://www.w3.org/ns/shacl#"
RDFS_COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SCHEMA = "http://schema.org/"
EXAMPLES_BASE = "https://w3id.org/covid-portal/queries/"
_KIND = re.compile(r"^\s*(?:(?:PREFIX|BASE)\s+[^\n]*\n|#[^\n]*\n|\s)*(SELECT|ASK|CONSTRUCT|DESCRIBE)", re.IGNORECASE)


def query_form(query: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE."""
    match = _KIND.match(query)
    return match.group(1).upper() if match else "SELECT"


def examples_triples(endpoint: str) -> list[tuple[str, str, object]]:
    """The examples as SHACL SPARQL executables, the way UniProt and the SIB endpoints publish theirs.

    Returns (subject, predicate, object) with objects as pyoxigraph terms, ready for any serializer.
    """
    from pyoxigraph import Literal, NamedNode

    out: list[tuple[str, str, object]] = []
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    for example in examples():
        subject = EXAMPLES_BASE + example.name
        form = query_form(example.query)
        predicate = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "construct", "DESCRIBE": "describe"}[form]
        kind = {
            "SELECT": "SPARQLSelectExecutable",
            "ASK": "SPARQLAskExecutable",
            "CONSTRUCT": "SPARQLConstructExecutable",
        }
        out.append((subject, rdf_type, NamedNode(SH + "SPARQLExecutable")))
        if form in kind:
            out.append((subject, rdf_type, NamedNode(SH + kind[form])))
        out.append((subject, RDFS_LABEL, Literal(example.title, language="en")))
        out.append((subject, RDFS_COMMENT, Literal(example.description, language="en")))
        out.append((subject, SH + predicate, Literal(example.query)))
        out.append((subject, SCHEMA + "target", NamedNode(endpoint)))
        for keyword in example.keywords:
            out.append((subject, SCHEMA + "keywords", Literal(keyword)))
    return out


# ---------------------------------------------------------------------- federated examples (queries/federated)
# In a federated example each node's endpoint is written <{{name}}> (not a valid IRI, so an example
# can never run by mistake against an endpoint it was not meant for) and its header names the nodes.
_NODE = re.compile(r"<\{\{(\w+)\}\}>")
_SERVICE_NODE = re.compile(r"SERVICE\s+(?:SILENT\s+)?<\{\{\w+\}\}>\s*", re.IGNORECASE)


@cache
def federated_examples() -> tuple[Example, ...]:
    """The examples of queries/federated/*.rq: joins across nodes with SERVICE (see its README)."""
    folder = resources.path("queries") / "federated"
    return tuple(parse(path) for path in sorted(folder.glob("*.rq")))


def nodes(query: str) -> tuple[str, ...]:
    """The node placeholders a federated query calls, in order of first use."""
    return tuple(dict.fromkeys(_NODE.findall(query)))


def substitute(query: str, endpoints: dict[str, str]) -> str:
    """The federated query with each ``<{{name}}>`` replaced by that node's SPARQL endpoint URL."""
    missing = sorted(set(nodes(query)) - set(endpoints))
    if missing:
        raise ExampleError(f"no endpoint given for node(s) {', '.join(missing)}")
    return _NODE.sub(lambda m: f"<{endpoints[m.group(1)]}>", query)


def unfederate(query: str) -> str:
    """The same query for one store holding every node's data: ``SERVICE <{{name}}> { P }`` becomes ``{ P }``."""
    return _SERVICE_NODE.sub("", query)


def get_federated(name: str) -> Example | None:
    return next((e for e in federated_examples() if e.name == name), None)
