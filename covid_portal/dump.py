"""Dumps of the store and local queries (the `export` and `query` commands)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

FORMATS = {
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
}
RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}


def export(store: ox.Store, out: Path, fmt: str) -> int:
    """Write the store to ``out``; formats without named graphs get the merged (union) graph."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    rdf_format = FORMATS[fmt]
    if rdf_format.supports_datasets:
        store.dump(str(out), format=rdf_format)
        return len(store)
    triples = store.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    with out.open("wb") as fh:
        triples.serialize(fh, format=rdf_format)
    return len(store)


def run_query(store: ox.Store, query: str, fmt: str, prefixes: dict[str, str] | None = None) -> bytes:
    result = store.query(query, use_default_graph_as_union=True, prefixes=prefixes)
    if isinstance(result, ox.QueryTriples):
        rdf_format = FORMATS.get(fmt, ox.RdfFormat.TURTLE)
        if rdf_format.supports_datasets:
            rdf_format = ox.RdfFormat.N_TRIPLES
        return result.serialize(format=rdf_format)
    results_format = RESULT_FORMATS.get(fmt, ox.QueryResultsFormat.TSV)
    return result.serialize(format=results_format)
