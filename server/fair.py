"""FAIR landing pages: the metadata every page carries, FAIR Signposting, and the negotiated answer.

Every landing page (an entity, a source dataset, the catalogue) is described by a :class:`Landing`.
From it this module builds

* the page's RDF metadata: the page URL is the subject (a ``schema:AboutPage``), linked to the
  thing it describes by ``foaf:primaryTopic`` and ``schema:mainEntity``, with title, description,
  creator/publisher, issued/modified, keywords, licence (``dct:license`` and ``schema:license``),
  access rights (a COAR IRI), provenance (PROV-O/PAV), ``pim:persistencePolicy`` and
  ``dct:conformsTo`` the SHACL shapes that validate the whole document;
* FAIR Signposting (https://signposting.org/FAIR/) levels 1 and 2: ``Link`` headers (cite-as,
  describedby per RDF format, item, license, type, author, linkset) and the RFC 9264 linkset;
* the response in the format the client negotiated (HTML, Turtle, N-Triples, RDF/XML, JSON-LD
  compacted with the generated context, or the linkset).

The router here serves what the metadata points at on this node: the SHACL shapes, the ontology
files (the JSON-LD context), the persistence policy, and the stylesheet.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pyld import jsonld

from covid_portal import __version__, iris, resources
from covid_portal.void import PORTAL_DATASET
from server.config import Settings
from server.negotiation import GRAPH_FORMATS, HTML, Format, is_known_format, media_types, negotiate
from server.workers import GRAPH_FORMATS as OX_FORMATS

SCHEMA = "http://schema.org/"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
PROV = "http://www.w3.org/ns/prov#"
PAV = "http://purl.org/pav/"
PIM = "http://www.w3.org/2000/10/swap/pim/doc#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
COAR_OPEN_ACCESS = "http://purl.org/coar/access_right/c_abf2"
ABOUT_PAGE = SCHEMA + "AboutPage"
PREFIXES = {
    "schema": SCHEMA,
    "dct": DCT,
    "foaf": FOAF,
    "prov": PROV,
    "pav": PAV,
    "pim": PIM,
    "rdfs": RDFS,
    "xsd": XSD,
    "dcat": "http://www.w3.org/ns/dcat#",
    "void": "http://rdfs.org/ns/void#",
    "cp": iris.VOCAB,
    "skos": "http://www.w3.org/2004/02/skos/core#",
}

LINKSET = Format("linkset", "application/linkset+json", "Linkset (RFC 9264)", None, (), ("linkset+json",))
RDF_OFFERS: tuple[Format, ...] = tuple(fmt for fmt in GRAPH_FORMATS if fmt.name in ("ttl", "jsonld", "nt", "rdf"))
PAGE_OFFERS: tuple[Format, ...] = (HTML, *RDF_OFFERS, LINKSET)
# The shapes a landing page's metadata conforms to (files under shapes/, served at /shapes/<name>).
SHAPE_FILES = ("covid_portal.shacl.ttl", "covid_portal.extra.shacl.ttl", "landing_page.shacl.ttl")
CONTEXT_FILE = "covid_portal.context.jsonld"
MAX_HEADER_ITEMS = 20  # item links in the Link header; the linkset lists up to MAX_LINKSET_ITEMS
MAX_LINKSET_ITEMS = 200

_SERVER_DIR = Path(__file__).resolve().parent
_MEDIA_BY_SUFFIX = {".ttl": "text/turtle", ".jsonld": "application/ld+json", ".json": "application/json",
                    ".yaml": "application/yaml"}  # fmt: skip


# ------------------------------------------------------------------------------------------ the model
@dataclass(frozen=True)
class Link:
    """One typed link (RFC 8288): written ``<href>;rel="rel";type="type"`` in a Link header."""

    href: str
    rel: str
    type: str | None = None

    def header(self) -> str:
        value = f'<{self.href}>;rel="{self.rel}"'
        return value + (f';type="{self.type}"' if self.type else "")


@dataclass
class Landing:
    """What a landing page is about and what its metadata says; the routers fill it in."""

    url: str  # the page URL (no query): the subject of the metadata and the linkset anchor
    cite_as: str  # the persistent identifier (an entity IRI, or an IRI under the PID base)
    topic: str  # IRI of the thing described (foaf:primaryTopic, schema:mainEntity)
    title: str
    description: str
    schema_types: list[str]  # schema.org types of the topic (http://schema.org/X)
    licenses: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)  # ORCID (or other) IRIs
    items: list[Link] = field(default_factory=list)  # downloads (rel="item")
    related: list[str] = field(default_factory=list)  # pages on other hosts (rdfs:seeAlso)
    derived_from: list[str] = field(default_factory=list)  # record graphs / datasets the page is made from
    keywords: list[str] = field(default_factory=list)
    issued: str | None = None  # xsd:dateTime
    modified: str | None = None
    triples: list[ox.Triple] = field(default_factory=list)  # the description of the topic


# ------------------------------------------------------------------------------------------ URLs
def base_url(settings: Settings, request: Request) -> str:
    """Public URL of this node: the configured one, else the URL the request was sent to."""
    return settings.base_url or str(request.base_url).rstrip("/")


def pid(settings: Settings, path: str) -> str:
    """The persistent identifier of one of the node's own resources (catalogue, dataset pages, policy)."""
    return settings.pid_base + path


def shape_urls(base: str) -> list[str]:
    return [f"{base}/shapes/{name}" for name in SHAPE_FILES]


def context_url(base: str) -> str:
    return f"{base}/ontology/{CONTEXT_FILE}"


def format_url(page: str, fmt: Format) -> str:
    return f"{page}?format={fmt.name}"


# ------------------------------------------------------------------------------------------ metadata
def _iri(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


def _dt(value: str) -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(XSD + "dateTime"))


def publisher(settings: Settings) -> tuple[ox.NamedNode, list[ox.Triple]]:
    """The node's publisher, a schema:Organization (name and homepage or ROR IRI)."""
    org = _iri(settings.publisher_url)
    return org, [
        ox.Triple(org, _iri(RDF_TYPE), _iri(SCHEMA + "Organization")),
        ox.Triple(org, _iri(SCHEMA + "name"), ox.Literal(settings.publisher_name)),
    ]


def page_triples(landing: Landing, settings: Settings, base: str) -> list[ox.Triple]:
    """The metadata of the page itself (subject: the page URL)."""
    page = _iri(landing.url)
    org, org_triples = publisher(settings)

    def add(predicate: str, obj: ox.NamedNode | ox.Literal) -> None:
        out.append(ox.Triple(page, _iri(predicate), obj))

    out: list[ox.Triple] = []
    add(RDF_TYPE, _iri(ABOUT_PAGE))
    add(FOAF + "primaryTopic", _iri(landing.topic))
    add(SCHEMA + "mainEntity", _iri(landing.topic))
    add(DCT + "title", ox.Literal(landing.title))
    add(DCT + "description", ox.Literal(landing.description))
    add(DCT + "creator", org)
    add(DCT + "publisher", org)
    for license_iri in landing.licenses:
        add(DCT + "license", _iri(license_iri))
        add(SCHEMA + "license", _iri(license_iri))
    add(DCT + "accessRights", _iri(COAR_OPEN_ACCESS))
    add(PIM + "persistencePolicy", _iri(pid(settings, "policy/persistence")))
    for shapes in shape_urls(base):
        add(DCT + "conformsTo", _iri(shapes))
    add(DCT + "source", PORTAL_DATASET)
    add(PAV + "createdWith", ox.Literal(f"covid-portal {__version__}"))
    for keyword in landing.keywords:
        add(SCHEMA + "keywords", ox.Literal(keyword))
    if landing.issued:
        add(DCT + "issued", _dt(landing.issued))
    if landing.modified:
        add(DCT + "modified", _dt(landing.modified))
    for source in landing.derived_from:
        add(PROV + "wasDerivedFrom", _iri(source))
    for related in landing.related:
        add(RDFS + "seeAlso", _iri(related))
    if landing.cite_as != landing.topic:
        add(DCT + "identifier", ox.Literal(landing.cite_as))
    return out + org_triples


def document(landing: Landing, settings: Settings, base: str) -> list[ox.Triple]:
    """The whole RDF answer of a landing page: the topic's description plus the page metadata."""
    seen: set[ox.Triple] = set()
    out = []
    for triple in (*landing.triples, *page_triples(landing, settings, base)):
        if triple not in seen:
            seen.add(triple)
            out.append(triple)
    return out


# ------------------------------------------------------------------------------------------ signposting
def signposting(landing: Landing, base: str) -> list[Link]:
    """FAIR Signposting level 1 links of a landing page (the Link header and the linkset)."""
    links = [Link(landing.cite_as, "cite-as")]
    links += [Link(format_url(landing.url, fmt), "describedby", fmt.media_type) for fmt in RDF_OFFERS]
    links += [Link(author, "author") for author in landing.authors]
    links += [Link(license_iri, "license") for license_iri in landing.licenses]
    for schema_type in (*landing.schema_types, ABOUT_PAGE):
        links.append(Link(schema_type.replace("http://schema.org/", "https://schema.org/"), "type"))
    links += landing.items[:MAX_LINKSET_ITEMS]
    return links


def link_header(landing: Landing, links: list[Link]) -> str:
    header = [link for link in links if link.rel != "item"]
    header += [link for link in links if link.rel == "item"][:MAX_HEADER_ITEMS]
    header.append(Link(format_url(landing.url, LINKSET), "linkset", LINKSET.media_type))
    return ", ".join(link.header() for link in header)


def linkset(landing: Landing, links: list[Link]) -> dict[str, object]:
    """The RFC 9264 JSON linkset of a page; its one anchor is the page URL."""
    context: dict[str, object] = {"anchor": landing.url}
    for link in links:
        target: dict[str, str] = {"href": link.href}
        if link.type:
            target["type"] = link.type
        context.setdefault(link.rel, []).append(target)  # type: ignore[union-attr]
    return {"linkset": [context]}


# ------------------------------------------------------------------------------------------ formats
@cache
def jsonld_context() -> dict[str, object]:
    with resources.path("ontology", CONTEXT_FILE).open(encoding="utf-8") as fh:
        return json.load(fh)["@context"]


def to_jsonld(triples: list[ox.Triple], base: str, first: tuple[str, ...] = ()) -> dict[str, object]:
    """JSON-LD compacted with the schema's generated context, referenced by URL (so it stays small).

    The nodes whose ``@id`` is in ``first`` (the page, then its topic) open the ``@graph``.
    """
    nquads = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
    expanded = jsonld.from_rdf(nquads, {"format": "application/n-quads"})
    compacted = jsonld.compact(expanded, {"@context": jsonld_context()})
    graph = compacted.get("@graph")
    if isinstance(graph, list):
        order = {iri: i for i, iri in enumerate(first)}
        graph.sort(key=lambda node: order.get(node.get("id", ""), len(order)))
    return {"@context": context_url(base), **{k: v for k, v in compacted.items() if k != "@context"}}


def serialize(triples: list[ox.Triple], fmt: Format, base: str, first: tuple[str, ...] = ()) -> bytes:
    if fmt.name == "jsonld":
        return json.dumps(to_jsonld(triples, base, first), indent=1, ensure_ascii=False).encode("utf-8")
    prefixes = PREFIXES if fmt.name in ("ttl", "rdf") else None
    return ox.serialize(triples, format=OX_FORMATS[fmt.name], prefixes=prefixes)


def choose_format(request: Request) -> Format:
    """The negotiated format of a landing page; 400 for an unknown ``format``, 406 when none fits."""
    override = request.query_params.get("format")
    if override is not None and override.strip() and negotiate(PAGE_OFFERS, None, override) is None:
        if not is_known_format(override):
            names = ", ".join(fmt.name for fmt in PAGE_OFFERS)
            raise HTTPException(400, f"unknown format '{override}': use one of {names} or a media type")
        raise HTTPException(406, f"this page is available as: {media_types(PAGE_OFFERS)}")
    fmt = negotiate(PAGE_OFFERS, request.headers.get("accept"), override)
    if fmt is None:
        raise HTTPException(406, f"this page is available as: {media_types(PAGE_OFFERS)}")
    return fmt


@cache
def templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(_SERVER_DIR / "templates"), autoescape=select_autoescape(), trim_blocks=True,
        lstrip_blocks=True,
    )  # fmt: skip
    return env


def schema_org(landing: Landing, extra: dict[str, object] | None = None) -> str:
    """The schema.org JSON-LD embedded in the HTML (http://schema.org/ IRIs, no remote context)."""
    node: dict[str, object] = {
        "@context": {"@vocab": SCHEMA},
        "@id": landing.topic,
        "@type": [t.removeprefix(SCHEMA) for t in landing.schema_types] or "Thing",
        "name": landing.title,
        "description": landing.description,
        "url": landing.url,
        "identifier": landing.cite_as,
        "mainEntityOfPage": {"@id": landing.url},
    }
    if landing.licenses:
        node["license"] = [{"@id": license_iri} for license_iri in landing.licenses]
    if landing.keywords:
        node["keywords"] = landing.keywords
    if landing.modified:
        node["dateModified"] = landing.modified
    if landing.authors:
        node["author"] = [{"@id": author, "@type": "Person"} for author in landing.authors]
    node.update(extra or {})
    # "</" would end the <script> element early
    return json.dumps(node, indent=1, ensure_ascii=False).replace("</", "<\\/")


def respond(request: Request, landing: Landing, settings: Settings, template: str, context: dict[str, object],
            schema_extra: dict[str, object] | None = None) -> Response:  # fmt: skip
    """The landing page in the negotiated format, with its Signposting Link header."""
    fmt = choose_format(request)
    base = base_url(settings, request)
    links = signposting(landing, base)
    headers = {"Link": link_header(landing, links), "Vary": "Accept"}
    if fmt is LINKSET:
        body = json.dumps(linkset(landing, links), indent=1).encode("utf-8")
        return Response(body, media_type=LINKSET.media_type, headers=headers)
    if fmt is HTML:
        page = templates().get_template(template).render(
            landing=landing, links=links, base=base, formats=RDF_OFFERS, linkset_url=format_url(landing.url, LINKSET),
            schema_org=schema_org(landing, schema_extra), publisher_name=settings.publisher_name, **context,
        )  # fmt: skip
        return HTMLResponse(page, headers=headers)
    body = serialize(document(landing, settings, base), fmt, base, (landing.url, landing.topic))
    return Response(body, media_type=fmt.media_type, headers=headers)


# ------------------------------------------------------------------------------------------ served files
def _served_file(folder: str, name: str) -> Path:
    directory = resources.path(folder)
    names = {p.name for p in directory.iterdir() if p.is_file()}
    if name not in names:  # only files that are there: never a path built from the request
        raise HTTPException(404, f"no file {name} in {folder}/")
    return directory / name


def fair_router(settings: Settings) -> APIRouter:
    """Files and pages the FAIR metadata points at: shapes, ontology, persistence policy, stylesheet."""
    router = APIRouter(tags=["FAIR"])

    @router.api_route("/shapes/{name}", methods=["GET", "HEAD"], summary="A SHACL shapes file")
    def shapes_file(name: str) -> FileResponse:
        return FileResponse(_served_file("shapes", name), media_type="text/turtle")

    @router.api_route("/ontology/{name}", methods=["GET", "HEAD"], summary="An ontology file (schema, context, OWL)")
    def ontology_file(name: str) -> FileResponse:
        path = _served_file("ontology", name)
        return FileResponse(path, media_type=_MEDIA_BY_SUFFIX.get(path.suffix, "application/octet-stream"))

    @router.api_route("/policy/persistence", methods=["GET", "HEAD"], response_class=HTMLResponse,
                      summary="The persistence policy of this node's identifiers and metadata")  # fmt: skip
    def persistence_policy(request: Request) -> HTMLResponse:
        page = (
            templates()
            .get_template("policy.html")
            .render(base=base_url(settings, request), pid_base=settings.pid_base, publisher=settings.publisher_name)
        )
        return HTMLResponse(page)

    @router.api_route("/static/{name}", methods=["GET", "HEAD"], include_in_schema=False)
    def static_file(name: str) -> Response:
        path = _SERVER_DIR / "static" / name
        if name not in {p.name for p in (_SERVER_DIR / "static").iterdir()}:
            return PlainTextResponse("not found\n", status_code=404)
        return FileResponse(path, media_type="text/css" if name.endswith(".css") else None)

    return router


def entity_path(curie: str) -> str:
    """The path of an entity's page (CURIE characters kept readable)."""
    return "/entity/" + quote(curie, safe=":/._-~()")


def unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))
