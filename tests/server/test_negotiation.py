"""Content negotiation (server.negotiation.negotiate): q-values, wildcards, specificity, the format parameter."""

from __future__ import annotations

import pytest

from server.negotiation import GRAPH_FORMATS, HTML, RESULT_FORMATS, is_known_format, negotiate


def results(accept: str | None, override: str | list[str] | None = None) -> str | None:
    fmt = negotiate(RESULT_FORMATS, accept, override)
    return fmt.name if fmt else None


def graphs(accept: str | None, override: str | list[str] | None = None) -> str | None:
    fmt = negotiate((*GRAPH_FORMATS, HTML), accept, override)
    return fmt.name if fmt else None


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "json"),  # no header: our preference
        ("", "json"),
        ("*/*", "json"),
        ("text/*", "csv"),
        ("text/tab-separated-values", "tsv"),
        ("application/sparql-results+xml, application/sparql-results+json", "xml"),  # equal q: header order
        ("application/sparql-results+json;q=0.5, text/csv", "csv"),
        ("text/csv;q=0.2, */*;q=0.5", "json"),  # the wildcard's q for the others beats csv's
        ("application/sparql-results+json;q=0, */*", "xml"),  # q=0 refuses
        ("text/*;q=0.9, text/csv;q=0.1", "tsv"),  # the most specific range sets csv's quality
        ("application/json", "json"),  # synonym named exactly
        ("application/*", "json"),
        ("text/turtle", None),
        ("image/png, text/html", None),
        ("application/sparql-results+json;charset=utf-16", None),  # we only write UTF-8
        ("application/sparql-results+json;charset=UTF-8", "json"),
        ("garbage, text/csv;q=oops, text/tab-separated-values", "tsv"),  # malformed ranges skipped
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "xml"),  # a browser
    ],
)
def test_results_accept(accept: str | None, expected: str | None) -> None:
    assert results(accept) == expected


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "ttl"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml;q=0.9, application/ld+json", "jsonld"),
        ("text/turtle;q=0.8, application/n-quads;q=0.9", "nq"),
        ("application/x-turtle", "ttl"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html"),
        ("application/xml", "rdf"),
        ("application/sparql-results+json", None),
    ],
)
def test_graph_accept(accept: str | None, expected: str | None) -> None:
    assert graphs(accept) == expected


def test_format_parameter_overrides_accept() -> None:
    assert results("application/sparql-results+json", "csv") == "csv"
    assert results(None, "application/sparql-results+xml") == "xml"
    assert results(None, "json") == "json"
    assert graphs(None, "json") == "jsonld"
    assert graphs(None, "xml") == "rdf"
    assert results(None, "ttl") is None
    assert results(None, ["tsv", "text/tab-separated-values"]) == "tsv"  # SPARQLWrapper repeats it
    assert results("text/csv", ["", ""]) == "csv"  # empty values are no override
    assert graphs(None, ["json-ld", ""]) == "jsonld"


def test_known_formats() -> None:
    assert all(is_known_format(name) for name in ["json", "xml", "csv", "tsv", "ttl", "nt", "nq", "rdf", "jsonld"])
    assert is_known_format("text/turtle; charset=utf-8")
    assert not is_known_format("pdf")
