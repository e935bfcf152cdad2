"""Source loaders: one module per source, registered in the one table below.

Each module is named after its source's Bioregistry-style prefix and exposes ``LOADER``, an
instance of :class:`loaders.base.Loader`. ``tests/loaders/test_meta.py`` fails when a module in
this folder is missing from the table (or the table names a module that is not there).
"""

from __future__ import annotations

import importlib
from functools import cache
from pathlib import Path

from loaders.base import Loader, read_head

# Order matters for format detection: the first loader whose sniff() claims a file wins, so
# more specific formats come before more general ones.
REGISTRY: dict[str, str] = {
    "ena": "loaders.ena",
    "ensembl": "loaders.ensembl",
    "biosample": "loaders.biosample",
    "uniprot": "loaders.uniprot",
    "intact": "loaders.intact",
    "pdb": "loaders.pdb",
    "pride": "loaders.pride",
    "chembl": "loaders.chembl",
    "pubchem": "loaders.pubchem",
    "europepmc": "loaders.europepmc",
    "pubmed": "loaders.pubmed",
    "cord19": "loaders.cord19",
    "scibite": "loaders.scibite",
    "ebisearch": "loaders.ebisearch",
}


@cache
def get(name: str) -> Loader:
    """The loader registered under ``name``; KeyError names the known ones."""
    if name not in REGISTRY:
        raise KeyError(f"unknown source {name!r}; known sources: {', '.join(REGISTRY)}")
    module = importlib.import_module(REGISTRY[name])
    loader: Loader = module.LOADER
    return loader


def all_loaders() -> list[Loader]:
    return [get(name) for name in REGISTRY]


def detect(path: Path, source: str | None = None) -> tuple[Loader, str] | None:
    """(loader, format) for a file, from its content; ``source`` restricts the choice to one loader."""
    head = read_head(path)
    candidates = [get(source)] if source else all_loaders()
    for loader in candidates:
        fmt = loader.sniff(path, head)
        if fmt:
            return loader, fmt
    return None
