"""Realistic synthetic records in the sources' own formats, for load tests and benchmarks (issue 5).

``generate(n, out, seed)`` writes n records as the files those sources serve: ENA studies, samples,
experiments, read runs and sequences, COVID-19 Data Portal sequences, and UniProt, PDB, PRIDE,
ChEMBL and Europe PMC records. Their cross-references are consistent, and ``out/manifest.json``
describes them. The files reach the graph only through the real loaders: the generator never
writes RDF. See docs/generate.md.

The names below load on first use, so that importing the ``generate`` command keeps ``covid-portal``
start-up fast.
"""

from __future__ import annotations

from typing import Any

__all__ = ["KINDS", "MANIFEST", "MIX", "generate"]


def __getattr__(name: str) -> Any:
    if name in ("KINDS", "MANIFEST", "generate"):
        from covid_portal.generate import driver

        return getattr(driver, name)
    if name == "MIX":
        from covid_portal.generate.plan import MIX

        return MIX
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
