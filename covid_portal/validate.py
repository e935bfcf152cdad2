"""Fast validation of one record's triples against the portal's SHACL shapes.

pyshacl is the reference implementation, but it validates a few thousand triples a second, far
below what ingest needs. The shapes the portal uses (generated from the schema, plus the
hand-written ones) keep to a small part of SHACL Core, so they are compiled once into plain
Python checks run per record. Compilation refuses any SHACL feature outside that part, so the
two can never silently disagree; tests/test_validate.py checks they agree on every example and
source record. ``covid-portal validate`` runs pyshacl over the whole store when a full report
is wanted.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Triple
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from covid_portal import resources
from covid_portal.records import Terms

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = RDF.type.toPython()

SUPPORTED = {
    SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.property, SH.closed, SH.ignoredProperties,
    SH.path, SH.minCount, SH.maxCount, SH.datatype, SH.nodeKind, SH["class"], SH.pattern, SH.flags, SH["in"],
    SH.minInclusive, SH.maxInclusive, SH.minLength, SH.maxLength, SH.message, SH.severity, SH.order,
    SH.description, SH.name, SH.deactivated, rdflib.RDFS.comment, rdflib.RDFS.label, SH.group,
}  # fmt: skip
IGNORED_PREDICATES = {RDF.type, rdflib.RDFS.label, rdflib.RDFS.comment}


class UnsupportedShape(ValueError):
    """A shape uses a SHACL feature the fast validator does not implement."""


@dataclass(frozen=True)
class Violation:
    focus: str
    path: str | None
    component: str  # e.g. "MinCountConstraintComponent"
    message: str
    shape: str

    def __str__(self) -> str:
        where = f" {self.path}" if self.path else ""
        return f"<{self.focus}>{where}: {self.message}"


@dataclass
class PropertyCheck:
    path: str
    min_count: int | None = None
    max_count: int | None = None
    datatype: str | None = None
    node_kind: str | None = None
    classes: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None
    allowed: frozenset[tuple[str, str]] | None = None  # (kind, lexical) pairs
    min_inclusive: rdflib.Literal | None = None
    max_inclusive: rdflib.Literal | None = None
    min_length: int | None = None
    max_length: int | None = None
    message: str | None = None


@dataclass(eq=False)  # compared by identity: one object per shape (Validator.check dedupes focus checks)
class NodeCheck:
    shape: str
    target_classes: tuple[str, ...] = ()
    target_subjects_of: tuple[str, ...] = ()
    target_objects_of: tuple[str, ...] = ()
    closed: bool = False
    allowed_predicates: frozenset[str] = frozenset()
    properties: list[PropertyCheck] = field(default_factory=list)
    # what Validator._conforms runs: the (path, min count) of required properties, and per path the
    # (max count, value tests) of its property shapes (see _value_tests)
    required: tuple[tuple[str, int], ...] = ()
    by_path: dict[str, list[tuple[float, tuple[ValueTest, ...]]]] = field(default_factory=dict)


ValueTest = Callable[[NamedNode | BlankNode | Literal, dict], bool]


def _term_kind(term: NamedNode | BlankNode | Literal) -> str:
    if isinstance(term, NamedNode):
        return "IRI"
    if isinstance(term, BlankNode):
        return "BlankNode"
    return "Literal"


_NODE_KINDS = {
    str(SH.IRI): {"IRI"},
    str(SH.Literal): {"Literal"},
    str(SH.BlankNode): {"BlankNode"},
    str(SH.BlankNodeOrIRI): {"BlankNode", "IRI"},
    str(SH.IRIOrLiteral): {"IRI", "Literal"},
    str(SH.BlankNodeOrLiteral): {"BlankNode", "Literal"},
}

_LEXICAL = {
    XSD + "integer": re.compile(r"^[+-]?\d+$"),
    XSD + "double": re.compile(r"^([+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]?INF|NaN)$"),
    XSD + "float": re.compile(r"^([+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]?INF|NaN)$"),
    XSD + "decimal": re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$"),
    XSD + "boolean": re.compile(r"^(true|false|1|0)$"),
    XSD + "date": re.compile(r"^-?\d{4,}-\d{2}-\d{2}(Z|[+-]\d{2}:\d{2})?$"),
    XSD + "dateTime": re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$"),
}


def _well_formed(literal: Literal) -> bool:
    datatype = literal.datatype.value
    pattern = _LEXICAL.get(datatype)
    if pattern is None or not pattern.match(literal.value):
        return pattern is None
    if datatype == XSD + "date":
        try:
            dt.date.fromisoformat(literal.value[:10])
        except ValueError:
            return False
    return True


def _value_key(term: NamedNode | BlankNode | Literal) -> tuple[str, str]:
    if isinstance(term, Literal):
        return ("Literal", term.value)
    return (_term_kind(term), term.value)


def _compare(value: Literal, bound: rdflib.Literal) -> int | None:
    """-1/0/1 comparing a data literal with a shape bound, or None when they are not comparable."""
    return _compare_python(value, bound.toPython())


def _compare_python(value: Literal, python: object) -> int | None:
    """:func:`_compare` with the bound already converted by rdflib's ``toPython``."""
    try:
        if isinstance(python, bool):
            return None
        if isinstance(python, (int, float)):
            number = float(value.value)
            return (number > python) - (number < python)
        if isinstance(python, (dt.date, dt.datetime)):
            other = python.isoformat()
            mine = value.value[: len(other)]
            return (mine > other) - (mine < other)
    except ValueError:
        return None
    return None


class Validator:
    """The compiled shapes; ``check(triples)`` returns the violations of one record's triples."""

    def __init__(self, shape_files: Sequence[Path]) -> None:
        graph = rdflib.Graph()
        for path in shape_files:
            graph.parse(path, format="turtle")
        self.nodes = [self._compile_node(graph, shape) for shape in sorted(set(graph.subjects(RDF.type, SH.NodeShape)))]
        self.by_class: dict[str, list[NodeCheck]] = defaultdict(list)
        self.by_subject_of: dict[str, list[NodeCheck]] = defaultdict(list)
        self.by_object_of: dict[str, list[NodeCheck]] = defaultdict(list)
        for node in self.nodes:
            for cls in node.target_classes:
                self.by_class[cls].append(node)
            for pred in node.target_subjects_of:
                self.by_subject_of[pred].append(node)
            for pred in node.target_objects_of:
                self.by_object_of[pred].append(node)

    # ------------------------------------------------------------- compiling
    @staticmethod
    def _compile_node(graph: rdflib.Graph, shape: rdflib.term.Node) -> NodeCheck:
        for pred in set(graph.predicates(shape)):
            if pred != RDF.type and pred not in SUPPORTED:
                raise UnsupportedShape(f"shape {shape}: {pred} is not supported by the fast validator")
        node = NodeCheck(
            shape=str(shape),
            target_classes=tuple(str(o) for o in graph.objects(shape, SH.targetClass)),
            target_subjects_of=tuple(str(o) for o in graph.objects(shape, SH.targetSubjectsOf)),
            target_objects_of=tuple(str(o) for o in graph.objects(shape, SH.targetObjectsOf)),
            closed=bool(graph.value(shape, SH.closed, default=rdflib.Literal(False)).toPython()),
        )
        allowed = {str(RDF.type)}
        for ignored_list in graph.objects(shape, SH.ignoredProperties):
            allowed.update(str(item) for item in Collection(graph, ignored_list))
        for prop in graph.objects(shape, SH.property):
            check = Validator._compile_property(graph, shape, prop)
            node.properties.append(check)
            allowed.add(check.path)
        node.allowed_predicates = frozenset(allowed)
        node.required = tuple((p.path, p.min_count) for p in node.properties if p.min_count)
        for p in node.properties:
            limit = math.inf if p.max_count is None else p.max_count
            node.by_path.setdefault(p.path, []).append((limit, _value_tests(p)))
        return node

    @staticmethod
    def _compile_property(graph: rdflib.Graph, shape: rdflib.term.Node, prop: rdflib.term.Node) -> PropertyCheck:
        for pred in set(graph.predicates(prop)):
            if pred not in SUPPORTED:
                raise UnsupportedShape(f"shape {shape}: property constraint {pred} is not supported")
        path = graph.value(prop, SH.path)
        if not isinstance(path, rdflib.URIRef):
            raise UnsupportedShape(f"shape {shape}: only single-IRI sh:path is supported, got {path!r}")

        def one(pred: rdflib.URIRef) -> rdflib.term.Node | None:
            return graph.value(prop, pred)

        def integer(pred: rdflib.URIRef) -> int | None:
            value = one(pred)
            return int(value.toPython()) if value is not None else None

        pattern = one(SH.pattern)
        flags = str(one(SH.flags) or "")
        allowed = None
        in_list = one(SH["in"])
        if in_list is not None:
            allowed = frozenset(
                ("Literal" if isinstance(item, rdflib.Literal) else "IRI", str(item))
                for item in Collection(graph, in_list)
            )
        return PropertyCheck(
            path=str(path),
            min_count=integer(SH.minCount),
            max_count=integer(SH.maxCount),
            datatype=str(one(SH.datatype)) if one(SH.datatype) is not None else None,
            node_kind=str(one(SH.nodeKind)) if one(SH.nodeKind) is not None else None,
            classes=tuple(str(c) for c in graph.objects(prop, SH["class"])),
            pattern=re.compile(str(pattern), re.IGNORECASE if "i" in flags else 0) if pattern is not None else None,
            allowed=allowed,
            min_inclusive=one(SH.minInclusive),  # type: ignore[arg-type]
            max_inclusive=one(SH.maxInclusive),  # type: ignore[arg-type]
            min_length=integer(SH.minLength),
            max_length=integer(SH.maxLength),
            message=str(one(SH.message)) if one(SH.message) is not None else None,
        )

    # -------------------------------------------------------------- checking
    def check(self, triples: Iterable[Triple | Quad]) -> list[Violation]:
        """The violations of one record's triples (the record must validate on its own)."""
        return self.check_terms((t.subject, t.predicate, t.object) for t in triples)

    def check_terms(self, terms: Iterable[Terms]) -> list[Violation]:
        """:meth:`check` over triples given as ``(subject, predicate, object)`` terms (``RecordGraph.terms``).

        Subjects and objects are keyed by their pyoxigraph terms (hashed in Rust, so no string is
        built per triple). Each focus node is first checked by :meth:`_conforms`, which only answers
        yes or no with the tests compiled per property; only a node that fails it goes through
        :meth:`_check_node`, which reports every violation with its message. Both apply the same
        constraints (tests/test_validate.py), so the fast path never changes a result.
        """
        out: dict[NamedNode | BlankNode, dict[str, list]] = {}
        types: dict[NamedNode | BlankNode, set[str]] = {}
        focus: dict[NamedNode | BlankNode, list[NodeCheck]] = {}
        by_class, by_subject_of, by_object_of = self.by_class, self.by_subject_of, self.by_object_of

        def add_focus(term: NamedNode | BlankNode, checks: list[NodeCheck]) -> None:
            entry = focus.get(term)
            if entry is None:
                focus[term] = list(checks)  # the lists of by_class etc. hold each shape once
                return
            for c in checks:
                if c not in entry:
                    entry.append(c)

        for subject, predicate, o in terms:
            p = predicate.value
            props = out.get(subject)
            if props is None:
                out[subject] = {p: [o]}
            else:
                values = props.get(p)
                if values is None:
                    props[p] = [o]
                else:
                    values.append(o)
            if p == RDF_TYPE:
                cls = o.value
                known = types.get(subject)
                if known is None:
                    types[subject] = {cls}
                else:
                    known.add(cls)
                checks = by_class.get(cls)
                if checks:
                    add_focus(subject, checks)
            if p in by_subject_of:
                add_focus(subject, by_subject_of[p])
            if p in by_object_of and type(o) is not Literal:
                add_focus(o, by_object_of[p])

        violations: list[Violation] = []
        empty: dict[str, list] = {}
        for term, checks in focus.items():
            props = out.get(term, empty)
            for node in checks:
                if not self._conforms(props, types, node):
                    key = term.value if type(term) is NamedNode else "_:" + term.value
                    violations.extend(self._check_node(key, props, types, node))
        return violations

    @staticmethod
    def _conforms(props: dict[str, list], types: dict, node: NodeCheck) -> bool:
        """True when ``node`` reports nothing for this focus node (the fast path of :meth:`check`)."""
        for path, min_count in node.required:
            values = props.get(path)
            if values is None or len(values) < min_count:
                return False
        by_path = node.by_path
        for pred, values in props.items():
            shapes = by_path.get(pred)
            if shapes is None:
                if node.closed and pred not in node.allowed_predicates:
                    return False
                continue
            for max_count, tests in shapes:
                if len(values) > max_count:
                    return False
                for test in tests:
                    for value in values:
                        if not test(value, types):
                            return False
        return True

    def _check_node(self, key: str, props: dict[str, list], types: dict, node: NodeCheck) -> list[Violation]:
        found: list[Violation] = []

        def violation(path: str | None, component: str, message: str, custom: str | None = None) -> None:
            found.append(Violation(key, path, component, custom or message, node.shape))

        for prop in node.properties:
            values = props.get(prop.path, [])
            if prop.min_count is not None and len(values) < prop.min_count:
                violation(
                    prop.path,
                    "MinCountConstraintComponent",
                    f"needs at least {prop.min_count} value(s), has {len(values)}",
                    prop.message,
                )
            if prop.max_count is not None and len(values) > prop.max_count:
                violation(
                    prop.path,
                    "MaxCountConstraintComponent",
                    f"allows at most {prop.max_count} value(s), has {len(values)}",
                    prop.message,
                )
            for value in values:
                self._check_value(prop, value, types, violation)
        if node.closed:
            for pred in props:
                if pred not in node.allowed_predicates:
                    violation(pred, "ClosedConstraintComponent", f"predicate not allowed by closed shape {node.shape}")
        return found

    @staticmethod
    def _check_value(prop: PropertyCheck, value, types: dict, violation) -> None:
        kind = _term_kind(value)
        if prop.node_kind is not None and kind not in _NODE_KINDS.get(prop.node_kind, set()):
            violation(
                prop.path,
                "NodeKindConstraintComponent",
                f"value {value} is not of node kind {prop.node_kind}",
                prop.message,
            )
        if prop.datatype is not None:
            if kind != "Literal" or value.datatype.value != prop.datatype or value.language:
                violation(
                    prop.path,
                    "DatatypeConstraintComponent",
                    f"value {value} is not a {prop.datatype} literal",
                    prop.message,
                )
            elif not _well_formed(value):
                violation(
                    prop.path,
                    "DatatypeConstraintComponent",
                    f"value {value} is not a well-formed {prop.datatype}",
                    prop.message,
                )
        if prop.classes and (kind == "Literal" or not all(c in types.get(value, ()) for c in prop.classes)):
            violation(
                prop.path,
                "ClassConstraintComponent",
                f"value {value} is not typed {', '.join(prop.classes)} in this record",
                prop.message,
            )
        if prop.pattern is not None and kind != "BlankNode" and not prop.pattern.search(value.value):
            violation(
                prop.path,
                "PatternConstraintComponent",
                f"value {value.value!r} does not match {prop.pattern.pattern}",
                prop.message,
            )
        if prop.allowed is not None and _value_key(value) not in prop.allowed:
            violation(
                prop.path,
                "InConstraintComponent",
                f"value {value.value!r} is not one of the allowed values",
                prop.message,
            )
        if kind == "Literal":
            if prop.min_inclusive is not None:
                cmp = _compare(value, prop.min_inclusive)
                if cmp is None or cmp < 0:
                    violation(
                        prop.path,
                        "MinInclusiveConstraintComponent",
                        f"value {value.value} is below {prop.min_inclusive}",
                        prop.message,
                    )
            if prop.max_inclusive is not None:
                cmp = _compare(value, prop.max_inclusive)
                if cmp is None or cmp > 0:
                    violation(
                        prop.path,
                        "MaxInclusiveConstraintComponent",
                        f"value {value.value} is above {prop.max_inclusive}",
                        prop.message,
                    )
        if kind != "BlankNode":
            if prop.min_length is not None and len(value.value) < prop.min_length:
                violation(
                    prop.path,
                    "MinLengthConstraintComponent",
                    f"value {value.value!r} is shorter than {prop.min_length}",
                    prop.message,
                )
            if prop.max_length is not None and len(value.value) > prop.max_length:
                violation(
                    prop.path,
                    "MaxLengthConstraintComponent",
                    f"value {value.value!r} is longer than {prop.max_length}",
                    prop.message,
                )


_RESOURCE = (NamedNode, BlankNode)
_TERM = (NamedNode, BlankNode, Literal)


def _at_least(cmp: int | None) -> bool:
    return cmp is not None and cmp >= 0


def _at_most(cmp: int | None) -> bool:
    return cmp is not None and cmp <= 0


_KIND_TYPES = {name: {{"IRI": NamedNode, "BlankNode": BlankNode, "Literal": Literal}[k] for k in kinds}
               for name, kinds in _NODE_KINDS.items()}  # fmt: skip


def _value_tests(prop: PropertyCheck) -> tuple[ValueTest, ...]:
    """Yes/no tests of one value against ``prop``, one per constraint it has (for Validator._conforms)."""
    tests: list[ValueTest] = []
    if prop.node_kind is not None:
        kinds = _KIND_TYPES.get(prop.node_kind, set())
        tests.append(lambda v, _types: type(v) in kinds)
    if prop.datatype is not None:
        datatype = NamedNode(prop.datatype)
        lexical = prop.datatype in _LEXICAL
        tests.append(
            lambda v, _types: (
                type(v) is Literal and v.datatype == datatype and not v.language and (not lexical or _well_formed(v))
            )
        )
    if prop.classes:
        classes = prop.classes
        tests.append(lambda v, types: type(v) in _RESOURCE and all(c in types.get(v, ()) for c in classes))
    if prop.pattern is not None:
        search = prop.pattern.search
        tests.append(lambda v, _types: type(v) is BlankNode or (type(v) in _TERM and search(v.value) is not None))
    if prop.allowed is not None:
        allowed = prop.allowed
        tests.append(lambda v, _types: type(v) in _TERM and _value_key(v) in allowed)
    if prop.min_inclusive is not None:
        low = prop.min_inclusive.toPython()
        tests.append(lambda v, _types: type(v) in _RESOURCE or _at_least(_compare_python(v, low)))
    if prop.max_inclusive is not None:
        high = prop.max_inclusive.toPython()
        tests.append(lambda v, _types: type(v) in _RESOURCE or _at_most(_compare_python(v, high)))
    if prop.min_length is not None:
        shortest = prop.min_length
        tests.append(lambda v, _types: type(v) is BlankNode or (type(v) in _TERM and len(v.value) >= shortest))
    if prop.max_length is not None:
        longest = prop.max_length
        tests.append(lambda v, _types: type(v) is BlankNode or (type(v) in _TERM and len(v.value) <= longest))
    return tuple(tests)


def shape_files() -> list[Path]:
    files = [resources.path(*resources.SHAPES)]
    extra = resources.path(*resources.HAND_SHAPES)
    if extra.exists():
        files.append(extra)
    return files


@cache
def default_validator() -> Validator:
    return Validator(shape_files())
