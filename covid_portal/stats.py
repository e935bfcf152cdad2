"""Counts of what the store holds, per source and per class."""

from __future__ import annotations

import pyoxigraph as ox

PER_SOURCE = """
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT ?source (COUNT(DISTINCT ?g) AS ?records) WHERE {
  GRAPH ?g { ?g foaf:primaryTopic ?topic ; dct:source ?source }
} GROUP BY ?source ORDER BY ?source
"""

PER_CLASS = """
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT ?class (COUNT(DISTINCT ?topic) AS ?entities) WHERE {
  GRAPH ?g { ?g foaf:primaryTopic ?topic . ?topic a ?class }
} GROUP BY ?class ORDER BY DESC(?entities)
"""


def per_source(store: ox.Store) -> list[tuple[str, int]]:
    return [(row["source"].value, int(row["records"].value)) for row in store.query(PER_SOURCE)]


def per_class(store: ox.Store) -> list[tuple[str, int]]:
    return [(row["class"].value, int(row["entities"].value)) for row in store.query(PER_CLASS)]


def stats_lines(store: ox.Store) -> list[str]:
    lines = [f"quads\t{len(store)}", "", "records per source"]
    lines += [f"  {source.rsplit('/', 1)[-1]}\t{count}" for source, count in per_source(store)]
    lines += ["", "entities per class (records' primary topics)"]
    lines += [f"  {cls}\t{count}" for cls, count in per_class(store)]
    return lines
