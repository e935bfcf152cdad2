"""Every loader module is registered, and every registered loader honours the interface."""

from __future__ import annotations

from pathlib import Path

import pytest

import loaders
from loaders.base import Loader

FOLDER = Path(loaders.__file__).parent
NOT_SOURCES = {"__init__", "base"}


def test_every_module_is_registered() -> None:
    modules = {p.stem for p in FOLDER.glob("*.py") if p.stem not in NOT_SOURCES and not p.stem.startswith("_")}
    registered = set(loaders.REGISTRY)
    assert modules - registered == set(), "modules in loaders/ missing from loaders.REGISTRY"
    assert registered - modules == set(), "loaders.REGISTRY names modules that do not exist"


@pytest.mark.parametrize("name", list(loaders.REGISTRY))
def test_registered_loader_follows_the_interface(name: str) -> None:
    loader = loaders.get(name)
    assert isinstance(loader, Loader)
    assert loader.name == name == loaders.REGISTRY[name].rsplit(".", 1)[-1]
    assert loader.title and loader.formats
    assert loader.homepage.startswith("http") and loader.license.startswith("http")


def test_unknown_source_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="known sources"):
        loaders.get("nosuchsource")
