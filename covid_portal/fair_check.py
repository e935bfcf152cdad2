"""FAIR self-assessment of a landing page: ``covid-portal fair-check URL``.

Fetches a landing page (an entity page, a dataset page, the catalogue; ours or anyone's that uses
FAIR Signposting) over HTTP and checks the machine-checkable points of docs/fair.md:

* the page answers GET and HEAD, and HEAD carries the same ``Link`` header;
* the ``Link`` header parses per RFC 8288 and has the FAIR Signposting level 1 links: one
  ``cite-as``, ``describedby`` with a type, ``type`` (including ``https://schema.org/AboutPage``),
  ``license``; and a ``linkset`` (level 2) in RFC 9264 JSON whose anchors are the page URL;
* every ``describedby`` format is negotiated on the page URL and parses as RDF;
* the RDF metadata (subject: the page URL) has ``foaf:primaryTopic``, ``dct:title``,
  ``dct:description``, the licence as ``dct:license`` and ``schema:license``, COAR access rights,
  a persistence policy and ``dct:conformsTo``; the topic is linked to its identifier;
* the HTML embeds schema.org JSON-LD;
* the shapes named by ``dct:conformsTo`` validate the metadata (pyshacl).

Each check is reported as passed or failed with the reason; the score is the share passed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

import click
import httpx
import rdflib
from pyld import jsonld
from rdflib import RDF, Namespace, URIRef

DCT = Namespace("http://purl.org/dc/terms/")
SDO = Namespace("http://schema.org/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
PIM = Namespace("http://www.w3.org/2000/10/swap/pim/doc#")
COAR = "http://purl.org/coar/access_right/"
ABOUT_PAGE = "https://schema.org/AboutPage"
LINKSET_TYPE = "application/linkset+json"
RDF_PARSERS = {  # media type -> rdflib parser (JSON-LD is expanded with pyld first: its context is remote)
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
    "application/n-quads": "nquads",
}


# ------------------------------------------------------------------------------------------ RFC 8288
class LinkHeaderError(ValueError):
    """A Link header that does not follow the RFC 8288 grammar."""


@dataclass
class ParsedLink:
    target: str
    params: dict[str, str]

    @property
    def rels(self) -> list[str]:
        return self.params.get("rel", "").lower().split()

    @property
    def type(self) -> str | None:
        return self.params.get("type")


_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def parse_link_header(value: str, base: str | None = None) -> list[ParsedLink]:
    """Parse a Link header (RFC 8288 §3): ``<URI>; param=value; param="quoted", <URI>...``.

    Targets are resolved against ``base``. Parameter names are case-insensitive (lower-cased here);
    a parameter given twice keeps its first value (RFC 8288 requires that of ``rel``). Raises
    :class:`LinkHeaderError` on anything the grammar does not allow.
    """
    links: list[ParsedLink] = []
    i, n = 0, len(value)

    def skip_ows() -> None:
        nonlocal i
        while i < n and value[i] in " \t":
            i += 1

    while True:
        while i < n and value[i] in " \t,":  # #rule: empty list elements are allowed
            i += 1
        if i >= n:
            break
        if value[i] != "<":
            raise LinkHeaderError(f"expected '<' at position {i}: {value[i : i + 20]!r}")
        end = value.find(">", i + 1)
        if end < 0:
            raise LinkHeaderError(f"unterminated URI reference at position {i}")
        target = value[i + 1 : end]
        if any(c in target for c in ' <>"'):
            raise LinkHeaderError(f"invalid character in URI reference {target!r}")
        i = end + 1
        params: dict[str, str] = {}
        while True:
            skip_ows()
            if i >= n or value[i] == ",":
                break
            if value[i] != ";":
                raise LinkHeaderError(f"expected ';' or ',' at position {i}: {value[i : i + 20]!r}")
            i += 1
            skip_ows()
            match = _TOKEN.match(value, i)
            if not match:
                raise LinkHeaderError(f"expected a parameter name at position {i}")
            name = match.group(0).lower()
            i = match.end()
            skip_ows()
            param_value = ""
            if i < n and value[i] == "=":
                i += 1
                skip_ows()
                if i < n and value[i] == '"':
                    i += 1
                    chars = []
                    while i < n and value[i] != '"':
                        if value[i] == "\\" and i + 1 < n:
                            i += 1
                        chars.append(value[i])
                        i += 1
                    if i >= n:
                        raise LinkHeaderError("unterminated quoted string")
                    i += 1
                    param_value = "".join(chars)
                else:
                    match = _TOKEN.match(value, i)
                    if not match:
                        raise LinkHeaderError(f"expected a token or quoted string at position {i}")
                    param_value = match.group(0)
                    i = match.end()
            params.setdefault(name, param_value)
        links.append(ParsedLink(urljoin(base, target) if base else target, params))
    return links


# ------------------------------------------------------------------------------------------ the report
@dataclass
class Check:
    name: str
    passed: bool
    detail: str = ""


@dataclass
class Report:
    url: str
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(c.passed for c in self.checks)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def score(self) -> float:
        return self.passed / len(self.checks) if self.checks else 0.0

    def add(self, name: str, passed: bool, detail: str = "") -> bool:
        self.checks.append(Check(name, bool(passed), detail))
        return bool(passed)

    def text(self) -> str:
        lines = [f"FAIR self-assessment of {self.url}"]
        lines += [f"  {'PASS' if c.passed else 'FAIL'}  {c.name}" + (f": {c.detail}" if c.detail else "")
                  for c in self.checks]  # fmt: skip
        lines.append(f"score: {self.passed}/{len(self.checks)} ({self.score:.0%})")
        return "\n".join(lines)


class _Scripts(HTMLParser):
    """The contents of <script type="application/ld+json"> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self._in = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and (dict(attrs).get("type") or "").split(";")[0].strip() == "application/ld+json":
            self._in = True
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in = False

    def handle_data(self, data: str) -> None:
        if self._in:
            self.scripts[-1] += data


def _loader(client: httpx.Client) -> Callable[[str, dict], dict]:
    """A pyld document loader that fetches remote contexts with our HTTP client."""

    def load(url: str, options: dict | None = None) -> dict:
        response = client.get(url, headers={"Accept": "application/ld+json, application/json"})
        response.raise_for_status()
        return {"contextUrl": None, "documentUrl": str(response.url), "document": response.json()}

    return load


def parse_rdf(body: bytes, media_type: str, base: str, client: httpx.Client) -> rdflib.Graph:
    """Parse an RDF document; JSON-LD goes through pyld (which fetches remote contexts with ``client``)."""
    graph = rdflib.Graph()
    if media_type == "application/ld+json":
        doc = json.loads(body)
        nquads = jsonld.to_rdf(doc, {"format": "application/n-quads", "base": base, "documentLoader": _loader(client)})
        graph.parse(data=nquads, format="nquads")
        return graph
    graph.parse(data=body, format=RDF_PARSERS[media_type], publicID=base)
    return graph


# ------------------------------------------------------------------------------------------ the checks
def assess(url: str, client: httpx.Client | None = None) -> Report:
    """Run every check against the landing page at ``url``."""
    own = client is None
    client = client or httpx.Client(timeout=60, follow_redirects=True)
    try:
        return _assess(url, client)
    finally:
        if own:
            client.close()


def _assess(url: str, client: httpx.Client) -> Report:
    report = Report(url)
    try:
        page = client.get(url, headers={"Accept": "text/html"})
    except httpx.HTTPError as exc:
        report.add("GET the landing page", False, str(exc))
        return report
    page_url = str(page.url).split("?", 1)[0].split("#", 1)[0]
    report.add(
        "GET the landing page", page.status_code == 200, f"{page.status_code} {page.headers.get('content-type')}"
    )
    head = client.head(url, headers={"Accept": "text/html"})
    report.add("HEAD works", head.status_code == 200 and not head.content and "link" in head.headers,
               f"{head.status_code}, {len(head.content)} body bytes")  # fmt: skip
    report.add("HEAD has the same Link header as GET", head.headers.get("link") == page.headers.get("link"))

    header = page.headers.get("link", "")
    try:
        links = parse_link_header(header, page_url)
        report.add("Link header parses (RFC 8288)", bool(links), f"{len(links)} links")
    except LinkHeaderError as exc:
        report.add("Link header parses (RFC 8288)", False, str(exc))
        links = []

    def rel(name: str) -> list[ParsedLink]:
        return [link for link in links if name in link.rels]

    cite_as = rel("cite-as")
    report.add("exactly one cite-as link", len(cite_as) == 1, ", ".join(link.target for link in cite_as))
    types = {link.target for link in rel("type")}
    report.add("type links include https://schema.org/AboutPage and another type",
               ABOUT_PAGE in types and len(types) >= 2, ", ".join(sorted(types)))  # fmt: skip
    report.add("license link", bool(rel("license")), ", ".join(link.target for link in rel("license")))
    described = rel("describedby")
    report.add("describedby links, each with a type", bool(described) and all(link.type for link in described),
               ", ".join(str(link.type) for link in described))  # fmt: skip

    _check_linkset(report, client, rel("linkset"), page_url, cite_as)
    metadata = _check_describedby(report, client, described, page_url)
    _check_embedded_jsonld(report, page.text, page_url, client)
    if metadata is not None:
        _check_metadata(report, metadata, page_url, cite_as[0].target if cite_as else None)
        _check_shapes(report, client, metadata, page_url)
    return report


def _check_linkset(report: Report, client: httpx.Client, linksets: list[ParsedLink], page_url: str,
                   cite_as: list[ParsedLink]) -> None:  # fmt: skip
    json_sets = [link for link in linksets if link.type == LINKSET_TYPE]
    if not report.add("linkset link (application/linkset+json)", bool(json_sets)):
        return
    response = client.get(json_sets[0].target, headers={"Accept": LINKSET_TYPE})
    try:
        contexts = response.json()["linkset"]
        anchors = [context["anchor"] for context in contexts]
    except (ValueError, KeyError, TypeError) as exc:
        report.add("linkset is RFC 9264 JSON", False, f"{response.status_code}: {exc!r}")
        return
    report.add("linkset is RFC 9264 JSON", response.status_code == 200 and bool(contexts),
               f"{response.headers.get('content-type')}")  # fmt: skip
    report.add("linkset anchors equal the page URL", all(anchor == page_url for anchor in anchors),
               ", ".join(anchors))  # fmt: skip
    listed = {target.get("href") for context in contexts for target in context.get("cite-as", [])}
    report.add("linkset cite-as matches the Link header", bool(cite_as) and listed == {cite_as[0].target})


def _check_describedby(report: Report, client: httpx.Client, described: list[ParsedLink],
                       page_url: str) -> rdflib.Graph | None:  # fmt: skip
    """Fetch every describedby format (and negotiate it on the page URL); return the metadata graph."""
    metadata: rdflib.Graph | None = None
    for link in described:
        media_type = (link.type or "").split(";")[0].strip()
        if media_type not in RDF_PARSERS:
            report.add(f"describedby {media_type} is an RDF format", False)
            continue
        for where, target, headers in (("link", link.target, {}), ("negotiated", page_url, {"Accept": media_type})):
            response = client.get(target, headers=headers)
            served = response.headers.get("content-type", "").split(";")[0].strip()
            name = f"describedby {media_type} ({where}) parses as RDF"
            if response.status_code != 200 or served != media_type:
                report.add(name, False, f"{response.status_code} {served}")
                continue
            try:
                graph = parse_rdf(response.content, media_type, page_url, client)
            except Exception as exc:  # any parser error is a failed check, reported with its reason
                report.add(name, False, f"{type(exc).__name__}: {exc}")
                continue
            report.add(name, len(graph) > 0, f"{len(graph)} triples")
            if (metadata is None and media_type == "text/turtle") or (metadata is None and where == "link"):
                metadata = graph
    return metadata


def _check_embedded_jsonld(report: Report, html: str, page_url: str, client: httpx.Client) -> None:
    parser = _Scripts()
    parser.feed(html)
    nodes: list[dict] = []
    detail = "no <script type=application/ld+json>"
    for script in parser.scripts:
        try:
            nodes += jsonld.expand(json.loads(script), {"base": page_url, "documentLoader": _loader(client)})
        except Exception as exc:  # a broken script is a failed check
            detail = f"{type(exc).__name__}: {exc}"
    typed = [node for node in nodes if node.get("@type")]
    schema = [node for node in typed if any(str(t).startswith(("http://schema.org/", "https://schema.org/"))
                                            for t in node["@type"])]  # fmt: skip
    if typed:
        detail = ", ".join(str(t) for node in typed for t in node["@type"])
    report.add("HTML embeds schema.org JSON-LD", bool(schema), detail)


def _check_metadata(report: Report, graph: rdflib.Graph, page_url: str, cite_as: str | None) -> None:
    page = URIRef(page_url)
    report.add("metadata is about the page URL", (page, None, None) in graph, page_url)

    def has(predicate: URIRef, name: str, test: Callable[[rdflib.term.Node], bool] = lambda o: True) -> bool:
        values = list(graph.objects(page, predicate))
        return report.add(name, any(test(v) for v in values), ", ".join(str(v)[:80] for v in values[:3]))

    topics = list(graph.objects(page, FOAF.primaryTopic))
    report.add("foaf:primaryTopic", len(topics) == 1, ", ".join(str(t) for t in topics))
    topic = topics[0] if len(topics) == 1 and isinstance(topics[0], URIRef) else None
    has(SDO.mainEntity, "schema:mainEntity is the primary topic", lambda o: o == topic)
    has(DCT.title, "dct:title")
    has(DCT.description, "dct:description")
    is_iri = lambda o: isinstance(o, URIRef)  # noqa: E731
    dct_license = set(graph.objects(page, DCT.license))
    has(DCT.license, "licence as dct:license (IRI)", is_iri)
    has(SDO.license, "licence as schema:license (same IRI)", lambda o: is_iri(o) and o in dct_license)
    has(DCT.accessRights, "access rights as a COAR IRI", lambda o: str(o).startswith(COAR))
    has(PIM.persistencePolicy, "pim:persistencePolicy", is_iri)
    has(DCT.conformsTo, "dct:conformsTo", is_iri)
    has(DCT.publisher, "dct:publisher")
    if topic is not None:
        identifiers = list(graph.objects(topic, DCT.identifier)) + list(graph.objects(topic, SDO.identifier))
        report.add("the topic has an identifier (dct:identifier / schema:identifier)", bool(identifiers),
                   ", ".join(str(i) for i in identifiers))  # fmt: skip
        page_ids = {str(o) for o in graph.objects(page, DCT.identifier)}
        report.add("cite-as is the topic's IRI or the page's dct:identifier",
                   cite_as is not None and (cite_as == str(topic) or cite_as in page_ids), str(cite_as))  # fmt: skip
        report.add("the topic is typed", (topic, RDF.type, None) in graph)


def _check_shapes(report: Report, client: httpx.Client, graph: rdflib.Graph, page_url: str) -> None:
    import pyshacl  # slow to import: only when it is needed

    shapes = rdflib.Graph()
    sources = [str(o) for o in graph.objects(URIRef(page_url), DCT.conformsTo)]
    for source in sources:
        response = client.get(source, headers={"Accept": "text/turtle"})
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        if response.status_code != 200 or media_type not in RDF_PARSERS:
            report.add(f"conformsTo {source} is served as RDF", False, f"{response.status_code} {media_type}")
            return
        shapes.parse(data=response.content, format=RDF_PARSERS[media_type], publicID=source)
    conforms, _, text = pyshacl.validate(graph, shacl_graph=shapes)
    problems = [line.strip() for line in str(text).splitlines() if line.strip().startswith("Message:")]
    report.add("the conformsTo shapes validate the metadata (pyshacl)", bool(conforms),
               f"{len(sources)} shapes files" if conforms else "; ".join(problems[:5]))  # fmt: skip


# ------------------------------------------------------------------------------------------ the command
@click.command("fair-check")
@click.argument("url")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--timeout", default=60.0, show_default=True, help="Seconds per HTTP request.")
def fair_check_command(url: str, as_json: bool, timeout: float) -> None:
    """Check the FAIR landing page at URL (Signposting, linkset, RDF metadata, SHACL) and print a score.

    Exit code 0 when every check passes, 1 otherwise.
    """
    with httpx.Client(timeout=timeout, follow_redirects=True) as client:
        report = assess(url, client)
    if as_json:
        click.echo(json.dumps({"url": report.url, "score": report.score, "passed": report.passed,
                               "checks": [c.__dict__ for c in report.checks]}, indent=1))  # fmt: skip
    else:
        click.echo(report.text())
    raise SystemExit(0 if report.ok else 1)
