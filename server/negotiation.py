"""Content negotiation: which of the formats we can produce does the client want?

One function, :func:`negotiate`, serves every route. It honours the ``Accept`` header as RFC 9110
§12.5.1 describes (q-values, ``type/*`` and ``*/*`` wildcards, ``q=0`` meaning "not this one"), and
an explicit ``format`` parameter (a short name such as ``ttl`` or a full media type), which wins
over the header because browsers and ``curl`` users cannot easily set headers.

The format tables live here too so that the SPARQL endpoint, the service description and later
routes (entity pages, VoID) name formats the same way. ``name`` is what query workers receive
(they map it to a pyoxigraph format).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Format:
    """A representation we can produce: its canonical media type and the names clients may use."""

    name: str
    media_type: str
    label: str
    iri: str | None = None  # the W3C format IRI (http://www.w3.org/ns/formats/), for service descriptions
    synonyms: tuple[str, ...] = ()  # older or informal media types, honoured only when named exactly
    names: tuple[str, ...] = field(default=())  # short names for the ``format`` parameter, besides ``name``

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.synonyms)


_W3C = "http://www.w3.org/ns/formats/"

# SELECT and ASK results, in the order we prefer them when the client has no preference.
RESULT_FORMATS: tuple[Format, ...] = (
    Format(
        "json",
        "application/sparql-results+json",
        "SPARQL JSON",
        _W3C + "SPARQL_Results_JSON",
        ("application/json",),
        ("srj",),
    ),
    Format(
        "xml",
        "application/sparql-results+xml",
        "SPARQL XML",
        _W3C + "SPARQL_Results_XML",
        ("application/xml", "text/xml"),
        ("srx",),
    ),
    Format("csv", "text/csv", "SPARQL CSV", _W3C + "SPARQL_Results_CSV"),
    Format("tsv", "text/tab-separated-values", "SPARQL TSV", _W3C + "SPARQL_Results_TSV"),
)

# CONSTRUCT and DESCRIBE results (and any other RDF we serve), Turtle first.
GRAPH_FORMATS: tuple[Format, ...] = (
    Format(
        "ttl", "text/turtle", "Turtle", _W3C + "Turtle", ("application/x-turtle", "application/turtle"), ("turtle",)
    ),
    Format("nt", "application/n-triples", "N-Triples", _W3C + "N-Triples", (), ("ntriples", "n-triples")),
    Format("nq", "application/n-quads", "N-Quads", _W3C + "N-Quads", (), ("nquads", "n-quads")),
    Format(
        "rdf",
        "application/rdf+xml",
        "RDF/XML",
        _W3C + "RDF_XML",
        ("application/xml", "text/xml"),
        ("rdfxml", "rdf+xml", "xml"),
    ),
    Format("jsonld", "application/ld+json", "JSON-LD", _W3C + "JSON-LD", ("application/json",), ("json-ld", "json")),
)

HTML = Format("html", "text/html", "HTML", None, ("application/xhtml+xml",))

ALL_FORMATS: tuple[Format, ...] = (*RESULT_FORMATS, *GRAPH_FORMATS, HTML)


@dataclass(frozen=True)
class _Range:
    type: str
    subtype: str
    q: float
    charset: str | None
    position: int


def negotiate(
    offers: Sequence[Format], accept: str | None = None, override: str | Sequence[str] | None = None
) -> Format | None:
    """Pick the format to answer with, or None when the client accepts none of ``offers``.

    ``override`` (the ``format`` parameter, which clients such as SPARQLWrapper repeat, sometimes
    empty) decides alone when it has a non-empty value: the first value naming one of ``offers``
    wins, and None means none does. Otherwise each offer gets the
    quality of the most specific media range that matches its media type (RFC 9110 §12.5.1); the
    highest quality wins, then the more specific match, then the range named earlier in the header,
    then the order of ``offers`` (our preference). No or an empty ``Accept`` header means ``*/*``.
    A synonym media type (``application/json`` for SPARQL JSON) counts only when named exactly.
    """
    wanted = [override] if isinstance(override, str) else list(override or ())
    wanted = [value for value in wanted if value.strip()]
    if wanted:
        return next((fmt for value in wanted for fmt in offers if _named(fmt, value)), None)
    ranges = _parse_accept(accept or "") or [_Range("*", "*", 1.0, None, 0)]
    best: tuple[float, int, int, int] | None = None
    chosen = None
    for order, fmt in enumerate(offers):
        score = _score(ranges, fmt.media_type, exact_only=False)
        if score is not None and score[0] <= 0:
            continue  # explicitly refused
        for synonym in fmt.synonyms:
            other = _score(ranges, synonym, exact_only=True)
            if other is not None and (score is None or other > score):
                score = other
        if score is None or score[0] <= 0:
            continue
        key = (*score, -order)
        if best is None or key > best:
            best, chosen = key, fmt
    return chosen


def is_known_format(value: str) -> bool:
    """Whether a ``format`` parameter names any format we know (an unknown one is a 400, not a 406)."""
    return any(_named(fmt, value) for fmt in ALL_FORMATS)


def media_types(offers: Sequence[Format]) -> str:
    """The offered media types as a readable list, for 406 messages."""
    return ", ".join(fmt.media_type for fmt in offers)


def _named(fmt: Format, value: str) -> bool:
    value = value.strip().lower()
    if "/" in value:
        return value.split(";", 1)[0].strip() in fmt.media_types
    return value == fmt.name or value in fmt.names


def _parse_accept(header: str) -> list[_Range]:
    """The media ranges of an Accept header; malformed entries are skipped (be liberal in what you accept)."""
    ranges = []
    for position, item in enumerate(header.split(",")):
        parts = [p.strip() for p in item.split(";")]
        if "/" not in parts[0]:
            continue
        main, sub = (s.strip().lower() for s in parts[0].split("/", 1))
        if not main or not sub or (main == "*" and sub != "*"):
            continue
        q, charset, valid = 1.0, None, True
        for param in parts[1:]:
            key, _, value = param.partition("=")
            key, value = key.strip().lower(), value.strip().strip('"').lower()
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    valid = False
                valid = valid and 0.0 <= q <= 1.0
            elif key == "charset":
                charset = value
        if valid:
            ranges.append(_Range(main, sub, q, charset, position))
    return ranges


def _match(media_range: _Range, media_type: str) -> int | None:
    """Specificity of a range's match with a media type (2 exact, 1 ``type/*``, 0 ``*/*``), or None."""
    if media_range.charset not in (None, "utf-8", "utf8", "us-ascii", "ascii", "*"):
        return None  # we only ever write UTF-8
    main, sub = media_type.split("/", 1)
    if media_range.type == "*":
        return 0
    if media_range.type != main:
        return None
    if media_range.subtype == "*":
        return 1
    return 2 if media_range.subtype == sub else None


def _score(ranges: list[_Range], media_type: str, *, exact_only: bool) -> tuple[float, int, int] | None:
    """(quality, specificity, -position) of a media type: the most specific matching range decides."""
    matches = [(spec, r) for r in ranges if (spec := _match(r, media_type)) is not None]
    if exact_only:
        matches = [(spec, r) for spec, r in matches if spec == 2]
    if not matches:
        return None
    top = max(spec for spec, _ in matches)
    quality = max(r.q for spec, r in matches if spec == top)
    position = min(r.position for spec, r in matches if spec == top and r.q == quality)
    return quality, top, -position
