"""The DCAT catalogue (``/catalog``), one landing page per source dataset (``/dataset/{source}``), and dumps.

The catalogue is a ``dcat:Catalog`` with one ``dcat:Dataset`` per source loaded (read from the
store's dataset graphs, with the VoID statistics the load computed), each with downloadable dumps
(N-Quads, Turtle, JSON-LD) as ``dcat:Distribution``, and a ``dcat:DataService`` for the SPARQL
endpoint and one for the discovery API. :func:`catalog_triples` returns the same description for
reuse (the VoID document links it).

Dumps are made per store version, lazily, the first time the catalogue or a dataset page is asked
for: ``<store>/dumps/<version>/<source>.<ext>``, written with :func:`covid_portal.dump.export` to a
temporary file and renamed, so a download never sees half a file and ``dcat:byteSize`` is the size
of the file served. Dumps of versions that no longer exist are deleted.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, Response

from covid_portal import iris
from covid_portal.dump import export
from covid_portal.store import StoreDir
from covid_portal.terms import C, S
from covid_portal.void import VOID, VOID_GRAPH
from server import fair
from server.config import Settings
from server.entities import CLASS_NAMES
from server.workers import QueryError, QueryPool, QueryTask

log = logging.getLogger(__name__)

DCAT = "http://www.w3.org/ns/dcat#"
IANA = "https://www.iana.org/assignments/media-types/"
METADATA_LICENSE = "https://creativecommons.org/publicdomain/zero/1.0/"  # the catalogue's own metadata
ENGLISH = "http://id.loc.gov/vocabulary/iso639-1/en"
SPARQL_PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"
OPENAPI = "https://spec.openapis.org/oas/v3.1.0"


@dataclass(frozen=True)
class DumpFormat:
    ext: str  # a covid_portal.dump.FORMATS key
    media_type: str
    label: str


DUMP_FORMATS = (
    DumpFormat("nq", "application/n-quads", "N-Quads (one named graph per record)"),
    DumpFormat("ttl", "text/turtle", "Turtle (the records' triples merged)"),
    DumpFormat("jsonld", "application/ld+json", "JSON-LD (one named graph per record)"),
)
_DUMP_NAME = re.compile(r"^([A-Za-z0-9._-]+)\.(nq|ttl|jsonld)$")


@dataclass
class Dump:
    fmt: DumpFormat
    url: str
    size: int


@dataclass
class DatasetInfo:
    source: str
    iri: str
    title: str
    description: str
    homepage: str | None = None
    license: str | None = None
    modified: str | None = None
    triples: int | None = None
    entities: int | None = None
    records: int | None = None
    classes: list[tuple[str, int]] = field(default_factory=list)
    dumps: list[Dump] = field(default_factory=list)


# ------------------------------------------------------------------------------------------ dumps
class Dumps:
    """Per-version dump files of each source, made on first use."""

    def __init__(self, store: Path) -> None:
        self.store_dir = StoreDir(store)
        self._lock = threading.Lock()

    def folder(self, version: str) -> Path:
        return self.store_dir.path / "dumps" / version

    def ensure(self, version: str, sources: list[str]) -> dict[tuple[str, str], Path]:
        """Paths of every (source, ext) dump of ``version``, writing the missing ones."""
        folder = self.folder(version)
        paths = {(s, f.ext): folder / f"{s}.{f.ext}" for s in sources for f in DUMP_FORMATS}
        if all(p.exists() for p in paths.values()):
            return paths
        with self._lock:
            missing = [(key, path) for key, path in paths.items() if not path.exists()]
            if missing:
                self._write(version, folder, missing)
                self._collect(keep=version)
        return paths

    def _write(self, version: str, folder: Path, missing: list[tuple[tuple[str, str], Path]]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if self.store_dir.remote is not None:
            store = self.store_dir.open_read()  # a remote store has one state: read it through the protocol
        else:
            store = ox.Store.read_only(str(self.store_dir.versions_dir / version))
        by_source: dict[str, list[tuple[str, Path]]] = {}
        for (source, ext), path in missing:
            by_source.setdefault(source, []).append((ext, path))
        for source, outputs in by_source.items():
            # one source's record graphs and its dataset graph, in a scratch store that export() writes
            dataset = iris.dataset(source)
            scratch = ox.Store()
            graphs = [row["g"] for row in store.query(
                f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?g <{S.source_dataset.uri}> {dataset} }} }}")]  # fmt: skip
            for graph in [*graphs, dataset]:
                scratch.extend(store.quads_for_pattern(None, None, None, graph))
            for ext, path in outputs:
                tmp = path.with_name(path.name + ".tmp")
                export(scratch, tmp, ext)
                os.replace(tmp, path)
                log.info("wrote dump %s (%d bytes)", path, path.stat().st_size)

    def _collect(self, keep: str) -> None:
        live = (
            {p.name for p in self.store_dir.versions_dir.iterdir()} if self.store_dir.versions_dir.is_dir() else set()
        )
        for folder in (self.store_dir.path / "dumps").iterdir():
            if folder.name != keep and folder.name not in live:
                shutil.rmtree(folder, ignore_errors=True)


# ------------------------------------------------------------------------------------------ the catalogue
class Catalog:
    """Reads the datasets from the store (through the query workers) and describes them in DCAT."""

    def __init__(self, settings: Settings, pool: QueryPool) -> None:
        self.settings = settings
        self.pool = pool
        self.dumps = Dumps(settings.store)

    def _select(self, query: str) -> list[ox.QuerySolution]:
        try:
            body = self.pool.execute(QueryTask(query, results_format="json", graph_format=None)).body
        except QueryError as exc:
            raise HTTPException(exc.status, exc.message, headers=exc.headers or None) from None
        return list(ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON))  # type: ignore[arg-type]

    def version(self) -> str | None:
        return self.dumps.store_dir.current_version()

    def datasets(self, base: str) -> list[DatasetInfo]:
        """Every source dataset in the store, with statistics and (current) dumps."""
        rows = self._select(f"""SELECT ?ds ?p ?o WHERE {{ GRAPH ?ds {{ ?ds a <{C.Dataset.uri}> ; ?p ?o }} }}""")
        values: dict[str, dict[str, str]] = {}
        for row in rows:
            values.setdefault(row["ds"].value, {})[row["p"].value] = row["o"].value
        stats = {
            row["ds"].value: row
            for row in self._select(
                f"""SELECT ?ds ?t ?e ?d WHERE {{ GRAPH {VOID_GRAPH} {{ ?ds <{VOID}triples> ?t
                  OPTIONAL {{ ?ds <{VOID}entities> ?e }} OPTIONAL {{ ?ds <{VOID}documents> ?d }} }} }}"""
            )
        }
        classes: dict[str, list[tuple[str, int]]] = {}
        for row in self._select(
            f"""SELECT ?ds ?c ?n WHERE {{ GRAPH {VOID_GRAPH} {{ ?ds <{VOID}classPartition> ?part .
              ?part <{VOID}class> ?c ; <{VOID}entities> ?n }} }} ORDER BY DESC(?n)"""
        ):
            classes.setdefault(row["ds"].value, []).append((row["c"].value, int(row["n"].value)))
        out = []
        for ds, props in sorted(values.items()):
            source = ds.removeprefix(iris.DATASET_BASE)
            row = stats.get(ds)
            out.append(DatasetInfo(
                source=source, iri=ds, title=props.get(S.title.uri, source),
                description=props.get(S.description.uri, f"Records of {source} loaded into the portal."),
                homepage=props.get(S.homepage.uri), license=props.get(S.license.uri),
                modified=props.get(S.modified.uri),
                triples=_int(row, "t"), entities=_int(row, "e"), records=_int(row, "d"), classes=classes.get(ds, []),
            ))  # fmt: skip
        version = self.version()
        if version and out:
            paths = self.dumps.ensure(version, [d.source for d in out])
            for info in out:
                for fmt in DUMP_FORMATS:
                    path = paths[(info.source, fmt.ext)]
                    url = f"{base}/dumps/{version}/{path.name}"
                    info.dumps.append(Dump(fmt, url, path.stat().st_size))
        return out

    # RDF
    def triples(self, base: str, datasets: list[DatasetInfo] | None = None) -> list[ox.Triple]:
        """The catalogue in DCAT: catalogue, datasets with distributions, data services, publisher."""
        datasets = self.datasets(base) if datasets is None else datasets
        org, out = fair.publisher(self.settings)
        catalog = _n(fair.pid(self.settings, "catalog"))
        modified = max((d.modified for d in datasets if d.modified), default=None)
        add = _adder(out)
        add(catalog, fair.RDF_TYPE, _n(C.Catalog.uri))
        add(catalog, S.accession.uri, ox.Literal("catalog"))
        add(catalog, S.title.uri, ox.Literal(f"{self.settings.publisher_name} COVID-19 data catalogue"))
        add(catalog, S.description.uri, ox.Literal(
            "The source datasets loaded into this covid-portal node's knowledge graph, their downloads, "
            "and the services (SPARQL endpoint, discovery API) that serve them."))  # fmt: skip
        add(catalog, S.publisher.uri, org)
        add(catalog, S.license.uri, _n(METADATA_LICENSE))
        if modified:
            add(catalog, S.modified.uri, _dt(modified))
        add(catalog, S.homepage.uri, _n(base + "/"))
        add(catalog, S.language.uri, _n(ENGLISH))
        for keyword in ("COVID-19", "SARS-CoV-2", "knowledge graph", "linked data"):
            add(catalog, S.keywords.uri, ox.Literal(keyword))
        for shapes in fair.shape_urls(base):
            add(catalog, S.conforms_to.uri, _n(shapes))
        for info in datasets:
            add(catalog, S.dataset.uri, _n(info.iri))
            out += dataset_triples(info, org, base)
        for service in self.services(base, datasets):
            add(catalog, S.service.uri, service[0].subject)  # type: ignore[arg-type]
            out += service
        return out

    def services(self, base: str, datasets: list[DatasetInfo]) -> list[list[ox.Triple]]:
        described = []
        for name, title, description, url, spec, standard in (
            ("sparql", "SPARQL endpoint", "SPARQL 1.1 Protocol endpoint over the whole graph (read-only); "
             "GET it without a query for its service description.", f"{base}/sparql", f"{base}/sparql",
             SPARQL_PROTOCOL),
            ("api", "Discovery API", "JSON API to search and browse the graph's entities.", f"{base}/api",
             f"{base}/openapi.json", OPENAPI),
        ):  # fmt: skip
            service = _n(fair.pid(self.settings, f"service/{name}"))
            triples: list[ox.Triple] = []
            add = _adder(triples)
            add(service, fair.RDF_TYPE, _n(C.DataService.uri))
            add(service, S.title.uri, ox.Literal(title))
            add(service, S.description.uri, ox.Literal(description))
            add(service, S.endpoint_url.uri, _n(url))
            add(service, S.endpoint_description.uri, _n(spec))
            add(service, S.conforms_to.uri, _n(standard))
            for info in datasets:
                add(service, S.serves_dataset.uri, _n(info.iri))
            described.append(triples)
        return described


def dataset_triples(info: DatasetInfo, org: ox.NamedNode, base: str) -> list[ox.Triple]:
    """One source dataset in DCAT (with VoID statistics) and its distributions."""
    out: list[ox.Triple] = []
    add = _adder(out)
    ds = _n(info.iri)
    add(ds, fair.RDF_TYPE, _n(C.Dataset.uri))
    add(ds, S.accession.uri, ox.Literal(info.source))
    add(ds, S.title.uri, ox.Literal(info.title))
    add(ds, S.description.uri, ox.Literal(info.description))
    add(ds, S.publisher.uri, org)
    if info.license:
        add(ds, S.license.uri, _n(info.license))
    if info.modified:
        add(ds, S.modified.uri, _dt(info.modified))
    if info.homepage:
        add(ds, S.homepage.uri, _n(info.homepage))
    for keyword in ("COVID-19", "SARS-CoV-2", info.title):
        add(ds, S.keywords.uri, ox.Literal(keyword))
    for shapes in fair.shape_urls(base)[:2]:
        add(ds, S.conforms_to.uri, _n(shapes))
    if info.triples is not None:
        add(ds, S.triples.uri, _integer(info.triples))
    if info.entities is not None:
        add(ds, S.entities.uri, _integer(info.entities))
    for dump in info.dumps:
        dist = _n(f"{info.iri}/distribution/{dump.fmt.ext}")
        add(ds, S.distribution.uri, dist)
        add(dist, fair.RDF_TYPE, _n(C.Distribution.uri))
        add(dist, S.title.uri, ox.Literal(f"{info.title}: {dump.fmt.label}"))
        add(dist, S.media_type.uri, _n(IANA + dump.fmt.media_type))
        add(dist, S.byte_size.uri, _integer(dump.size))
        add(dist, S.download_url.uri, _n(dump.url))
        if info.license:
            add(dist, S.license.uri, _n(info.license))
    return out


def catalog_triples(settings: Settings, pool: QueryPool, base: str) -> list[ox.Triple]:
    """The DCAT catalogue of this node (for reuse, e.g. in the VoID description)."""
    return Catalog(settings, pool).triples(base)


# ------------------------------------------------------------------------------------------ helpers
def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _dt(value: str) -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(fair.XSD + "dateTime"))


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(fair.XSD + "integer"))


def _int(row: ox.QuerySolution | None, var: str) -> int | None:
    if row is None or row[var] is None:
        return None
    return int(row[var].value)


def _adder(out: list[ox.Triple]):
    def add(subject: ox.NamedNode, predicate: str, obj: ox.NamedNode | ox.Literal) -> None:
        out.append(ox.Triple(subject, ox.NamedNode(predicate), obj))

    return add


# ------------------------------------------------------------------------------------------ landing pages
def catalog_landing(settings: Settings, base: str, catalog: Catalog, datasets: list[DatasetInfo]) -> fair.Landing:
    topic = fair.pid(settings, "catalog")
    modified = max((d.modified for d in datasets if d.modified), default=None)
    return fair.Landing(
        url=f"{base}/catalog", cite_as=topic, topic=topic,
        title=f"{settings.publisher_name} COVID-19 data catalogue",
        description="The source datasets of this covid-portal node, with their statistics and downloads, and the "
        "services that serve them (SPARQL endpoint, discovery API), described in DCAT.",
        schema_types=[fair.SCHEMA + "DataCatalog"], licenses=[METADATA_LICENSE],
        items=[fair.Link(d.url, "item", d.fmt.media_type) for info in datasets for d in info.dumps],
        derived_from=[info.iri for info in datasets], keywords=["COVID-19", "SARS-CoV-2", "data catalogue"],
        issued=modified, modified=modified, triples=catalog.triples(base, datasets),
    )  # fmt: skip


def dataset_landing(settings: Settings, base: str, info: DatasetInfo) -> fair.Landing:
    org, org_triples = fair.publisher(settings)
    return fair.Landing(
        url=f"{base}/dataset/{info.source}", cite_as=fair.pid(settings, f"dataset/{info.source}"), topic=info.iri,
        title=info.title, description=info.description, schema_types=[fair.SCHEMA + "Dataset"],
        licenses=[info.license] if info.license else [METADATA_LICENSE],
        items=[fair.Link(d.url, "item", d.fmt.media_type) for d in info.dumps],
        related=[info.homepage] if info.homepage else [], derived_from=[info.iri],
        keywords=["COVID-19", "SARS-CoV-2", info.title], issued=info.modified, modified=info.modified,
        triples=dataset_triples(info, org, base) + org_triples,
    )  # fmt: skip


def catalog_router(settings: Settings, pool: QueryPool) -> APIRouter:
    """``/catalog``, ``/dataset/{source}`` and ``/dumps/{version}/{file}``."""
    router = APIRouter(tags=["Catalogue"])
    catalog = Catalog(settings, pool)
    responses = {200: {"content": {fmt.media_type: {} for fmt in fair.PAGE_OFFERS}}}

    @router.api_route("/catalog", methods=["GET", "HEAD"], response_class=Response, responses=responses,
                      summary="The DCAT catalogue of this node (HTML, RDF formats or linkset)")  # fmt: skip
    def catalog_page(request: Request) -> Response:
        base = fair.base_url(settings, request)
        datasets = catalog.datasets(base)
        page = catalog_landing(settings, base, catalog, datasets)
        services = [(t[0].subject.value, {x.predicate.value: x.object.value for x in t})
                    for t in catalog.services(base, datasets)]  # fmt: skip
        extra = {
            "dataset": [
                {"@id": d.iri, "@type": "Dataset", "name": d.title, "url": f"{base}/dataset/{d.source}"}
                for d in datasets
            ],
            "publisher": {"@type": "Organization", "@id": settings.publisher_url, "name": settings.publisher_name},
        }
        return fair.respond(request, page, settings, "catalog.html",
                            {"datasets": datasets, "services": services, "active": "Catalogue"}, extra)  # fmt: skip

    @router.api_route("/dataset/{source}", methods=["GET", "HEAD"], response_class=Response, responses=responses,
                      summary="A source dataset's landing page")  # fmt: skip
    def dataset_page(request: Request, source: str) -> Response:
        base = fair.base_url(settings, request)
        info = next((d for d in catalog.datasets(base) if d.source == source), None)
        if info is None:
            raise HTTPException(404, f"no dataset {source!r} in this graph (see /catalog)")
        page = dataset_landing(settings, base, info)
        extra = {
            "distribution": [{"@type": "DataDownload", "contentUrl": d.url, "encodingFormat": d.fmt.media_type,
                              "contentSize": str(d.size)} for d in info.dumps],
            "includedInDataCatalog": {"@id": fair.pid(settings, "catalog"), "@type": "DataCatalog"},
            "publisher": {"@type": "Organization", "@id": settings.publisher_url, "name": settings.publisher_name},
            "isBasedOn": info.homepage,
        }  # fmt: skip
        context = {"info": info, "active": "Catalogue", "class_names": CLASS_NAMES}
        return fair.respond(request, page, settings, "dataset.html", context, extra)

    @router.api_route("/dumps/{version}/{name}", methods=["GET", "HEAD"], summary="A dump file of a source dataset")
    def dump_file(version: str, name: str) -> FileResponse:
        match = _DUMP_NAME.match(name)
        folder = catalog.dumps.folder(version) if re.fullmatch(r"v\d+", version) else None
        if match is None or folder is None or not (folder / name).is_file():
            raise HTTPException(404, f"no dump {version}/{name} (the catalogue lists the current ones)")
        media_type = next(f.media_type for f in DUMP_FORMATS if f.ext == match.group(2))
        return FileResponse(folder / name, media_type=media_type, filename=name)

    return router
