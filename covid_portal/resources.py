"""Where the project's data folders (ontology/, shapes/, mappings/, queries/) are found.

In a source checkout (and an editable install) they sit at the repository root; a built wheel
carries them inside the package under ``covid_portal/_resources`` (see pyproject.toml).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def root() -> Path:
    """The folder holding ontology/, shapes/, mappings/ and queries/."""
    bundled = _PACKAGE / "_resources"
    if (bundled / "ontology").is_dir():
        return bundled
    return _PACKAGE.parent


def path(*parts: str) -> Path:
    return root().joinpath(*parts)


SCHEMA = ("ontology", "covid_portal.yaml")
CONTEXT = ("ontology", "covid_portal.context.jsonld")
OWL = ("ontology", "covid_portal.owl.ttl")
SHAPES = ("shapes", "covid_portal.shacl.ttl")
HAND_SHAPES = ("shapes", "covid_portal.extra.shacl.ttl")
PREFIXES = ("ontology", "prefixes.json")
