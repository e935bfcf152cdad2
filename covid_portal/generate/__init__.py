"""Realistic synthetic records in the sources' own formats, for load tests and benchmarks (issue 5).

``generate(n, out, seed)`` writes n records (a mix of ENA studies, samples, read runs and sequences,
COVID-19 Data Portal sequences, UniProt, PDB, PRIDE, ChEMBL and Europe PMC records) as the files those
sources serve, with consistent cross-references, and ``out/manifest.json`` describing them. The files
reach the graph only through the real loaders: the generator never writes RDF.
"""

from __future__ import annotations

from covid_portal.generate.driver import KINDS, MANIFEST, generate
from covid_portal.generate.plan import MIX

__all__ = ["KINDS", "MANIFEST", "MIX", "generate"]
