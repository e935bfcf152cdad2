"""Benchmarks that compare covid-portal with named anchors in one run (issue 5).

One module per benchmark, each runnable as ``python -m bench.<name> --help``: ``bench.ingest``
(end-to-end load beside pyoxigraph's bulk load and pyshacl), ``bench.query`` (the example-query mix
over HTTP beside ``oxigraph serve-read-only`` and rdflib-endpoint) and ``bench.scale`` (load time,
store size and per-query latency as the graph grows). Each prints a table and appends a dated
section (machine, command, figures) to docs/benchmarks.md. Shared helpers are in :mod:`bench.common`.
"""
