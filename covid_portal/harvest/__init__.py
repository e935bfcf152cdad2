"""Harvesters: fetch raw records from the source APIs into files the loaders read, resumably.

One module per API (``HARVESTERS`` below, in the order they run: PDBe reads the UniProt entries
and ChEMBL molecules follow its activities), a shared HTTP client (:mod:`.http`), the manifest of
each harvest (:mod:`.manifest`), the config file (:mod:`.config`) and the paging loop (:mod:`.base`).
``covid-portal harvest`` writes files; ``covid-portal update`` (:mod:`covid_portal.update`) harvests
what changed since its last run and loads it.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from covid_portal.harvest.base import Harvester, run_harvest
from covid_portal.harvest.config import HarvestConfig
from covid_portal.harvest.http import Client
from covid_portal.harvest.manifest import Manifest

HARVESTERS: dict[str, str] = {
    "ena": "covid_portal.harvest.ena:EnaHarvester",
    "uniprot": "covid_portal.harvest.uniprot:UniProtHarvester",
    "pdbe": "covid_portal.harvest.pdbe:PdbeHarvester",
    "pride": "covid_portal.harvest.pride:PrideHarvester",
    "chembl": "covid_portal.harvest.chembl:ChemblHarvester",
    "europepmc": "covid_portal.harvest.europepmc:EuropePmcHarvester",
}


def harvester_class(name: str) -> type[Harvester]:
    if name not in HARVESTERS:
        raise KeyError(f"unknown harvest source {name!r}; known: {', '.join(HARVESTERS)}")
    module, _, cls = HARVESTERS[name].partition(":")
    return getattr(importlib.import_module(module), cls)


def make(name: str, config: HarvestConfig, out: Path) -> Harvester:
    """The harvester ``name`` with its own client (its own rate limit) writing under ``out``."""
    return harvester_class(name)(config, Client(config.client_settings(name)), out)


def selected(config: HarvestConfig, names: tuple[str, ...] | list[str] = ()) -> list[str]:
    """The sources to run, in harvest order: those named (enabled or not), else every enabled one."""
    for name in names:
        harvester_class(name)
    if names:
        return [n for n in HARVESTERS if n in names]
    return [n for n in HARVESTERS if config.source(n).enabled]


def harvest(
    config: HarvestConfig, out: Path, names: tuple[str, ...] | list[str] = (), *, resume: bool = False
) -> dict[str, Manifest]:
    """Harvest the selected sources into ``out/<source>/``; with ``resume`` finish an interrupted harvest."""
    manifests: dict[str, Manifest] = {}
    for name in selected(config, names):
        harvester = make(name, config, out)
        with harvester.client:
            manifests[name] = run_harvest(harvester, out / name, resume=resume)
    return manifests
