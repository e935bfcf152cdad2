"""A node's identity and its partner portals: the federation file, and adding a partner by URL.

The file (TOML or JSON, named by the server setting ``COVID_PORTAL_FEDERATION``)::

    name = "covid-portal NL"
    country = "NL"                      # ISO 3166-1 alpha-2
    base_url = "https://covid.example.nl"

    [[partners]]
    name = "European COVID-19 Data Portal"
    country = "EU"
    base_url = "https://covid.example.eu"
    sparql = "https://covid.example.eu/sparql"     # default: <base_url>/sparql
    api = "https://covid.example.eu/api/"          # default: <base_url>/api/

Each partner's SPARQL endpoint may then be called with ``SERVICE`` from this node's endpoint, its
discovery API is searched by ``federated=true``, and the node publishes the list at ``/portals``.

:func:`add_partner` joins a portal by its base URL: it fetches the partner's DCAT catalogue
(``/catalog``) and SPARQL service description (``/sparql``), checks the catalogue against the
shapes and that the description names an ``sd:endpoint``, and only then returns the partner.
"""

from __future__ import annotations

import json
import logging
import tomllib
from pathlib import Path

import httpx
import pyoxigraph as ox
from pydantic import BaseModel, Field, field_validator, model_validator

log = logging.getLogger(__name__)

SD = "http://www.w3.org/ns/sparql-service-description#"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


class FederationError(ValueError):
    """A federation file that cannot be read, or a partner that does not check out."""


def _strip(url: str) -> str:
    return url.strip().rstrip("/")


class Partner(BaseModel):
    """A partner portal: who it is, where its SPARQL endpoint and discovery API are."""

    name: str = Field(min_length=1)
    country: str = Field(min_length=2, description="ISO 3166-1 alpha-2 code, or EU for a European node")
    base_url: str
    sparql: str = ""
    api: str = ""

    @field_validator("base_url")
    @classmethod
    def _base(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return _strip(value)

    @model_validator(mode="after")
    def _defaults(self) -> Partner:
        self.sparql = _strip(self.sparql) if self.sparql else f"{self.base_url}/sparql"
        self.api = self.api if self.api else f"{self.base_url}/api/"
        self.api = self.api if self.api.endswith("/") else self.api + "/"
        return self


class Node(BaseModel):
    """This node: its name, country and public base URL, and its partners."""

    name: str = "covid-portal"
    country: str = ""
    base_url: str = ""
    partners: list[Partner] = Field(default_factory=list)

    @field_validator("base_url")
    @classmethod
    def _base(cls, value: str) -> str:
        return _strip(value)

    def partner(self, name_or_url: str) -> Partner | None:
        key = _strip(name_or_url)
        return next((p for p in self.partners if key in (p.name, p.base_url, p.sparql)), None)


def load_node(path: Path | str) -> Node:
    """Read a federation file (``.toml`` or ``.json``)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
        return Node.model_validate(data)
    except (OSError, ValueError) as exc:  # tomllib/json/pydantic errors are ValueErrors
        raise FederationError(f"federation file {path}: {exc}") from exc


def save_node(node: Node, path: Path | str) -> None:
    """Write the federation file (JSON for ``.json``, else TOML), replacing it atomically."""
    path = Path(path)
    data = node.model_dump()
    if path.suffix == ".json":
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    else:
        lines = [f"{key} = {json.dumps(data[key], ensure_ascii=False)}" for key in ("name", "country", "base_url")]
        for partner in data["partners"]:
            lines += ["", "[[partners]]"]
            lines += [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in partner.items()]
        text = "\n".join(lines) + "\n"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


# ---------------------------------------------------------------------- joining a partner
def fetch_partner(base_url: str, *, client: httpx.Client | None = None, country: str | None = None,
                  name: str | None = None) -> Partner:  # fmt: skip
    """Check the portal at ``base_url`` and describe it as a partner; FederationError when it does not check out.

    Its ``/portals`` self-description gives the name and country when it has one (a covid-portal node);
    ``name``/``country`` override it. Its ``/catalog`` must be RDF that conforms to the shapes and holds a
    ``dcat:Catalog``; its ``/sparql`` service description must name an ``sd:endpoint``.
    """
    base = _strip(base_url)
    own = client is None
    http = client or httpx.Client(timeout=30, follow_redirects=True)
    try:
        identity = _identity(http, base)
        catalog = _rdf(http, f"{base}/catalog", "the catalogue")
        _check_catalog(catalog, base)
        description = _rdf(http, f"{base}/sparql", "the SPARQL service description")
        endpoint = _sd_endpoint(description, base)
    finally:
        if own:
            http.close()
    name = name or identity.get("name") or _catalog_title(catalog) or base
    country = country or identity.get("country")
    if not country:
        raise FederationError(f"{base}: its /portals does not say its country; give it (--country)")
    return Partner(name=name, country=country, base_url=base, sparql=endpoint, api=identity.get("api") or "")


def add_partner(node: Node, partner: Partner) -> Node:
    """``node`` with ``partner`` added (replacing a partner with the same base URL)."""
    others = [p for p in node.partners if p.base_url != partner.base_url]
    return node.model_copy(update={"partners": [*others, partner]})


def _identity(http: httpx.Client, base: str) -> dict[str, str]:
    try:
        response = http.get(f"{base}/portals", headers={"accept": "application/json"})
        if response.status_code == 200:
            return dict(response.json().get("node") or {})
    except (httpx.HTTPError, ValueError, AttributeError):
        pass
    return {}


def _rdf(http: httpx.Client, url: str, what: str) -> list[ox.Triple]:
    try:
        response = http.get(url, headers={"accept": "text/turtle"})
    except httpx.HTTPError as exc:
        raise FederationError(f"{what} at {url} cannot be fetched: {exc}") from exc
    if response.status_code != 200:
        raise FederationError(f"{what} at {url}: HTTP {response.status_code}")
    media = response.headers.get("content-type", "").split(";")[0].strip()
    fmt = ox.RdfFormat.from_media_type(media) or ox.RdfFormat.TURTLE
    try:
        return [q.triple for q in ox.parse(response.content, format=fmt, base_iri=url)]
    except SyntaxError as exc:
        raise FederationError(f"{what} at {url} is not valid {fmt.name}: {exc}") from exc


def _check_catalog(triples: list[ox.Triple], base: str) -> None:
    catalog_class = ox.NamedNode(DCAT + "Catalog")
    if not any(t.predicate == RDF_TYPE and t.object == catalog_class for t in triples):
        raise FederationError(f"{base}/catalog holds no dcat:Catalog")
    import pyshacl
    import rdflib

    from covid_portal import resources

    data = rdflib.Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    shapes = rdflib.Graph().parse(resources.path(*resources.SHAPES), format="turtle")
    extra = resources.path(*resources.HAND_SHAPES)
    if extra.exists():
        shapes.parse(extra, format="turtle")
    conforms, _, text = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=True)
    if not conforms:
        raise FederationError(f"{base}/catalog does not conform to the shapes:\n{str(text)[:2000]}")


def _sd_endpoint(triples: list[ox.Triple], base: str) -> str:
    endpoints = [t.object.value for t in triples if t.predicate == ox.NamedNode(SD + "endpoint")]
    if not endpoints:
        raise FederationError(f"{base}/sparql: the service description names no sd:endpoint")
    return _strip(endpoints[0])


def _catalog_title(triples: list[ox.Triple]) -> str | None:
    catalogs = {t.subject for t in triples if t.predicate == RDF_TYPE and t.object == ox.NamedNode(DCAT + "Catalog")}
    return next(
        (t.object.value for t in triples if t.subject in catalogs and t.predicate == ox.NamedNode(DCT + "title")), None
    )
