"""The two term types the generated ``covid_portal.terms`` module is made of."""

from __future__ import annotations

from dataclasses import dataclass, field

from pyoxigraph import NamedNode


@dataclass(frozen=True)
class ClassTerm:
    name: str
    uri: str
    node: NamedNode = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "node", NamedNode(self.uri))


@dataclass(frozen=True)
class SlotTerm:
    """A schema slot: its predicate, whether it takes IRIs or literals, and the literal datatype."""

    name: str
    uri: str
    kind: str  # "iri" or "literal"
    datatype: str | None
    multivalued: bool
    node: NamedNode = field(init=False, compare=False, repr=False)
    datatype_node: NamedNode | None = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "node", NamedNode(self.uri))
        object.__setattr__(self, "datatype_node", NamedNode(self.datatype) if self.datatype else None)
