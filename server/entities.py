"""Entity pages, ``/entity/{curie}``, and the resolver ``/resolve?iri=...``.

An entity page describes one entity of the graph: its properties, its outgoing and incoming links
grouped by predicate (with counts and a bounded sample, so that an entity with a million incoming
links, such as the SARS-CoV-2 taxon, still answers fast), and the provenance of the records it
comes from. It is a FAIR landing page (``server.fair``): HTML, Turtle, N-Triples, RDF/XML, JSON-LD
and the Signposting linkset are negotiated on the same URL.

Every query is bounded (LIMIT per predicate) and runs in the query workers (``pool.execute`` from
plain ``def`` routes). Incoming links are looked up per predicate of the schema: the shapes are
closed, so every triple in the store uses a schema slot, and a lookup with predicate and object
bound is an index seek, where "all incoming links" would scan them all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

import pyoxigraph as ox
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from covid_portal import iris
from covid_portal.slots import SlotTerm
from covid_portal.terms import ENTITY_CLASS_URIS, C, S
from server import fair
from server.config import Settings
from server.workers import QueryError, QueryPool, QueryTask

MAX_OUTGOING = 5000  # distinct (predicate, object) pairs read for one entity
MAX_COUNT = 1000  # incoming links counted per predicate; more is shown as "1000+"
SHOWN = 20  # links listed per predicate on the HTML page (and incoming links in the RDF)
MAX_RECORDS = 20  # source records whose provenance is shown

# Entities the portal names under its own namespace (decision 0004), with a CURIE prefix for their pages.
# Hosts (free text as the source wrote it) have no identifier slot and no page.
PORTAL_SPACES = {"cord19": iris.CORD19_BASE, "sample": iris.SAMPLE_BASE}

# Common prefix synonyms people type (Bioregistry's synonyms for the spaces we use).
PREFIX_ALIASES = {
    "ena": "ena.embl", "insdc": "ena.embl", "genbank": "ena.embl", "embl": "ena.embl",
    "uniprotkb": "uniprot", "pride": "pride.project", "px": "pride.project",
    "chembl": "chembl.compound", "pubchem": "pubchem.compound", "taxonomy": "ncbitaxon", "ncbi.taxon": "ncbitaxon",
    "sra": "insdc.sra", "pmid": "pubmed", "pmcid": "pmc", "rcsb": "pdb", "pdbe": "pdb",
}  # fmt: skip

SCHEMA_TYPES = {  # schema.org type of each class (Bioschemas where schema.org has one)
    C.Protein.uri: "Protein", C.Compound.uri: "MolecularEntity", C.Publication.uri: "ScholarlyArticle",
    C.ProteomicsProject.uri: "Dataset", C.ProteinStructure.uri: "Dataset", C.NucleotideSequence.uri: "BioChemEntity",
    C.ReadRun.uri: "Dataset", C.SequencingExperiment.uri: "Dataset", C.Study.uri: "ResearchProject",
    C.Sample.uri: "BioChemEntity", C.Taxon.uri: "Taxon", C.Host.uri: "Taxon", C.Target.uri: "BioChemEntity",
    C.Assay.uri: "Dataset", C.BioactivityMeasurement.uri: "Observation", C.Gene.uri: "Gene",
    C.MolecularInteraction.uri: "BioChemEntity",
}  # fmt: skip
ENTITY_CLASSES = ENTITY_CLASS_URIS  # is_a Entity in the schema (generated)
CLASS_NAMES = {term.uri: re.sub(r"(?<!^)(?=[A-Z])", " ", term.name).lower() for term in vars(C).values()
               if hasattr(term, "uri")}  # fmt: skip
SLOTS = [term for term in vars(S).values() if isinstance(term, SlotTerm)]
SLOT_NAMES: dict[str, str] = {}
for _term in sorted(SLOTS, key=lambda term: len(term.name)):  # several slots share a predicate: the shortest name
    SLOT_NAMES.setdefault(_term.uri, _term.name.replace("_", " "))
SCHEMA_PREDICATES = {t.uri for t in SLOTS} | {fair.RDF_TYPE}
INCOMING_PREDICATES = sorted({t.uri for t in SLOTS if t.kind == "iri" and t.uri != S.primary_topic.uri})
HIDDEN_PROVENANCE = {S.source_file.uri}  # a path on the loading machine: not public metadata
RDF_TYPE = fair.RDF_TYPE
ABSTRACT_ENTITY = iris.VOCAB + "Entity"  # every entity's abstract class: not worth showing
LABEL_PREDICATES = ("http://schema.org/name", "http://purl.org/dc/terms/title")


# ------------------------------------------------------------------------------------------ the page model
@dataclass
class Node:
    term: ox.NamedNode | ox.BlankNode | ox.Literal
    curie: str | None = None
    label: str | None = None
    types: list[str] = field(default_factory=list)

    @property
    def href(self) -> str | None:
        """The entity page of this node, when it has one: a known identifier space, typed in the graph."""
        return fair.entity_path(self.curie) if self.curie and self.types else None

    @property
    def text(self) -> str:
        if isinstance(self.term, ox.Literal):
            return self.term.value
        return self.label or self.curie or (self.term.value if isinstance(self.term, ox.NamedNode) else "(blank node)")


@dataclass
class LinkGroup:
    predicate: str
    name: str  # the schema slot's name ("has structure")
    count: int
    capped: bool  # count is a lower bound
    shown: list[Node]


@dataclass
class Record:
    iri: str
    source: str | None = None
    url: str | None = None
    retrieved: str | None = None
    release: str | None = None
    license: str | None = None
    loader: str | None = None
    activity: str | None = None


@dataclass
class EntityView:
    iri: str
    curie: str
    types: list[str]
    triples: list[ox.Triple]
    properties: list[LinkGroup]
    outgoing: list[LinkGroup]
    incoming: list[LinkGroup]
    records: list[Record]
    licenses: list[str]
    label: str | None
    description: str | None


# ------------------------------------------------------------------------------------------ queries
class EntityQueries:
    """The bounded queries behind an entity page, run in the query workers."""

    def __init__(self, pool: QueryPool) -> None:
        self.pool = pool

    def _run(self, task: QueryTask) -> bytes:
        try:
            return self.pool.execute(task).body
        except QueryError as exc:
            raise HTTPException(exc.status, exc.message, headers=exc.headers or None) from None

    def select(self, query: str) -> list[ox.QuerySolution]:
        body = self._run(QueryTask(query, results_format="json", graph_format=None))
        return list(ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON))  # type: ignore[arg-type]

    def construct(self, query: str) -> list[ox.Triple]:
        body = self._run(QueryTask(query, results_format=None, graph_format="nt"))
        # a CONSTRUCT writes a triple once per solution that makes it: keep one
        return _dedup([quad.triple for quad in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)])

    # the page
    def view(self, iri: str, curie: str) -> EntityView | None:
        e = str(ox.NamedNode(iri))
        # Two queries, not one with two OPTIONALs: Oxigraph then evaluates the second one unbound (a full scan).
        outgoing = f"{{ SELECT DISTINCT ?p ?o WHERE {{ {e} ?p ?o }} LIMIT {MAX_OUTGOING} }}"
        out = self.construct(f"CONSTRUCT {{ {e} ?p ?o . ?o a ?t }} WHERE {{ {outgoing} OPTIONAL {{ ?o a ?t }} }}")
        subject = ox.NamedNode(iri)
        own = [t for t in out if t.subject == subject]
        if not own:
            return None
        if any(isinstance(t.object, ox.BlankNode) for t in own):
            # nested things (authors, characteristics) with their own triples; blank node labels are local to
            # one result, so the blank-node part of the first result is replaced by this one's
            nested = "OPTIONAL { ?o ?bp ?bo FILTER(isBlank(?o)) }"
            more = self.construct(f"CONSTRUCT {{ {e} ?p ?o . ?o ?bp ?bo }} WHERE {{ {outgoing} {nested} }}")
            out = [t for t in out if not _has_blank(t)] + [t for t in more if _has_blank(t)]
            own = [t for t in out if t.subject == subject]
        types = sorted({t.object.value for t in own if t.predicate.value == RDF_TYPE} - {ABSTRACT_ENTITY})
        incoming_counts = self._incoming_counts(e)
        incoming = self.construct(self._incoming_sample_query(e, list(incoming_counts))) if incoming_counts else []
        records, record_triples, licenses = self._provenance(e)
        triples = _dedup(out + incoming + record_triples)
        triples += _identifiers(subject, curie, types, triples)
        labels = self._labels(triples, subject)
        # The RDF holds what the schema can state (so the schema's shapes validate it); other statements about
        # the entity (the curated SSSOM mappings, skos:exactMatch ...) are shown on the HTML page only.
        described = [t for t in triples if t.subject != subject or t.predicate.value in SCHEMA_PREDICATES]
        view = EntityView(
            iri=iri, curie=curie, types=types, triples=described,
            properties=_properties(own), outgoing=_outgoing(own, triples, labels, len(own) >= MAX_OUTGOING),
            incoming=_incoming(incoming, incoming_counts, subject, labels), records=records, licenses=licenses,
            label=_first(own, LABEL_PREDICATES), description=_first(own, ("http://purl.org/dc/terms/description",)),
        )  # fmt: skip
        return view

    def _incoming_counts(self, e: str) -> dict[str, tuple[int, bool]]:
        branches = " UNION ".join(
            f"{{ {{ SELECT DISTINCT ?s WHERE {{ ?s <{p}> {e} }} LIMIT {MAX_COUNT + 1} }} BIND(<{p}> AS ?p) }}"
            for p in INCOMING_PREDICATES
        )
        rows = self.select(f"SELECT ?p (COUNT(?s) AS ?n) WHERE {{ {branches} }} GROUP BY ?p")
        counts = {}
        for row in rows:
            n = int(row["n"].value)
            counts[row["p"].value] = (min(n, MAX_COUNT), n > MAX_COUNT)
        return counts

    @staticmethod
    def _incoming_sample_query(e: str, predicates: list[str]) -> str:
        branches = " UNION ".join(
            f"{{ {{ SELECT DISTINCT ?s WHERE {{ ?s <{p}> {e} }} LIMIT {SHOWN} }} BIND(<{p}> AS ?p) }}"
            for p in predicates
        )
        # a blank-node subject (a sample characteristic) comes with its own triples: it has no page of its own
        return f"""CONSTRUCT {{ ?s ?p {e} . ?s a ?t . ?s ?bp ?bo }} WHERE {{ {branches}
          OPTIONAL {{ ?s a ?t }} OPTIONAL {{ FILTER(isBlank(?s)) ?s ?bp ?bo }} }}"""

    def _provenance(self, e: str) -> tuple[list[Record], list[ox.Triple], list[str]]:
        """The records whose primary topic is the entity (their PROV-O triples), and the licences."""
        foaf = "<http://xmlns.com/foaf/0.1/primaryTopic>"
        rows = self.select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?g {foaf} {e} }} }} LIMIT {MAX_RECORDS}")
        graphs = [row["g"] for row in rows]
        triples: list[ox.Triple] = []
        records: list[Record] = []
        if graphs:
            values = " ".join(str(g) for g in graphs)
            triples = self.construct(
                f"""CONSTRUCT {{ ?g ?p ?o . ?a a ?at }} WHERE {{
                  {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?g ?p ?o }} }}
                  UNION {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?g <{S.generated_by.uri}> ?a . ?a a ?at }} }} }}"""
            )
            triples = [t for t in triples if t.predicate.value not in HIDDEN_PROVENANCE]
            records = [_record(g, triples) for g in graphs]
            licenses = fair.unique(r.license for r in records if r.license)
        else:
            # an entity only referenced by other records: their licences cover what the page shows
            lic = f"<{S.license.uri}>"
            rows = self.select(
                f"SELECT DISTINCT ?l WHERE {{ GRAPH ?g {{ {e} ?p ?o . ?g {lic} ?l }} }} LIMIT {MAX_RECORDS}"
            )
            licenses = [row["l"].value for row in rows]
        return records, triples, licenses

    def _labels(self, triples: list[ox.Triple], subject: ox.NamedNode) -> dict[str, str]:
        """Names or titles of the linked entities shown (one query, bounded by what is shown)."""
        nodes = {t.object for t in triples if t.subject == subject and isinstance(t.object, ox.NamedNode)}
        nodes |= {t.subject for t in triples if t.object == subject and isinstance(t.subject, ox.NamedNode)}
        nodes = {n for n in nodes if n.value != RDF_TYPE}
        if not nodes:
            return {}
        # the shown ones only: SHOWN per predicate
        values = " ".join(str(n) for n in sorted(nodes, key=lambda n: n.value)[: SHOWN * 40])
        rows = self.select(
            f"""SELECT ?x (SAMPLE(?l) AS ?label) WHERE {{ VALUES ?x {{ {values} }}
              ?x <http://schema.org/name>|<http://purl.org/dc/terms/title> ?l }} GROUP BY ?x"""
        )
        return {row["x"].value: row["label"].value for row in rows if row["label"] is not None}


# ------------------------------------------------------------------------------------------ shaping
def _has_blank(triple: ox.Triple) -> bool:
    return isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode)


def _dedup(triples: list[ox.Triple]) -> list[ox.Triple]:
    return list(dict.fromkeys(triples))


def _first(triples: list[ox.Triple], predicates: tuple[str, ...]) -> str | None:
    for predicate in predicates:
        for t in triples:
            if t.predicate.value == predicate and isinstance(t.object, ox.Literal):
                return t.object.value
    return None


def _identifiers(subject: ox.NamedNode, curie: str, types: list[str], triples: list[ox.Triple]) -> list[ox.Triple]:
    """dct:identifier (when only referenced, the entity has none yet) and schema:sameAs forms."""
    prefix, _, local = curie.partition(":")
    out = []
    have = {t.predicate.value for t in triples if t.subject == subject}
    if S.accession.uri not in have:
        out.append(ox.Triple(subject, S.accession.node, ox.Literal(local)))
    if types and set(types) <= ENTITY_CLASSES and prefix not in PORTAL_SPACES:
        existing = {t.object for t in triples if t.subject == subject and t.predicate == S.same_as.node}
        out += [
            ox.Triple(subject, S.same_as.node, node) for node in iris.same_as(prefix, local) if node not in existing
        ]
    return out


def _node(term: ox.Term, triples_by_subject: dict[ox.Term, list[ox.Triple]], labels: dict[str, str]) -> Node:
    if isinstance(term, ox.NamedNode):
        types = [t.object.value for t in triples_by_subject.get(term, []) if t.predicate.value == RDF_TYPE]
        return Node(term, entity_curie(term.value), labels.get(term.value), types)
    if isinstance(term, ox.BlankNode):
        parts = [f"{SLOT_NAMES.get(t.predicate.value, t.predicate.value)}: {t.object.value}"
                 for t in triples_by_subject.get(term, []) if t.predicate.value != RDF_TYPE]  # fmt: skip
        return Node(term, None, "; ".join(parts) or None)
    return Node(term)


def _group(pairs: list[tuple[str, Node]], counts: dict[str, tuple[int, bool]] | None = None) -> list[LinkGroup]:
    groups: dict[str, LinkGroup] = {}
    for predicate, node in pairs:
        group = groups.get(predicate)
        if group is None:
            count, capped = (counts or {}).get(predicate, (0, False))
            group = groups[predicate] = LinkGroup(predicate, SLOT_NAMES.get(predicate, _short(predicate)), count,
                                                  capped, [])  # fmt: skip
        if counts is None:
            group.count += 1
        if len(group.shown) < SHOWN:
            group.shown.append(node)
    for group in groups.values():
        group.shown.sort(key=lambda n: n.text.lower())
    return sorted(groups.values(), key=lambda g: g.name)


def _properties(own: list[ox.Triple]) -> list[LinkGroup]:
    pairs = [(t.predicate.value, Node(t.object)) for t in own if isinstance(t.object, ox.Literal)]
    return _group(pairs)


def _outgoing(own: list[ox.Triple], triples: list[ox.Triple], labels: dict[str, str], capped: bool) -> list[LinkGroup]:
    by_subject: dict[ox.Term, list[ox.Triple]] = {}
    for t in triples:
        by_subject.setdefault(t.subject, []).append(t)
    # sameAs IRIs are other names of this entity, listed under Identifiers, not links to other entities
    skipped = (RDF_TYPE, S.same_as.uri)
    pairs = [(t.predicate.value, _node(t.object, by_subject, labels)) for t in own
             if not isinstance(t.object, ox.Literal) and t.predicate.value not in skipped]  # fmt: skip
    groups = _group(pairs)
    for group in groups:
        group.capped = capped
    return groups


def _incoming(incoming: list[ox.Triple], counts: dict[str, tuple[int, bool]], subject: ox.NamedNode,
              labels: dict[str, str]) -> list[LinkGroup]:  # fmt: skip
    by_subject: dict[ox.Term, list[ox.Triple]] = {}
    for t in incoming:
        by_subject.setdefault(t.subject, []).append(t)
    pairs = [(t.predicate.value, _node(t.subject, by_subject, labels)) for t in incoming if t.object == subject]
    return _group(pairs, counts)


def _record(graph: ox.NamedNode, triples: list[ox.Triple]) -> Record:
    values = {t.predicate.value: t.object.value for t in triples if t.subject == graph}
    return Record(
        iri=graph.value, source=values.get(S.source_dataset.uri), url=values.get(S.source_record_url.uri),
        retrieved=values.get(S.retrieved_at.uri), release=values.get(S.source_release.uri),
        license=values.get(S.license.uri), loader=values.get(S.loader_version.uri),
        activity=values.get(S.generated_by.uri),
    )  # fmt: skip


def _short(iri: str) -> str:
    for prefix, namespace in fair.PREFIXES.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def entity_curie(iri: str) -> str | None:
    """The CURIE of an entity IRI in any known form (including the portal's own spaces), or None."""
    for prefix, namespace in PORTAL_SPACES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iris.compress(iri)


def _portal_iri(prefix: str, local: str) -> str | None:
    """The IRI of an entity in one of the portal's own spaces (minted by covid_portal.iris), or None."""
    try:
        if prefix == "cord19":
            return iris.cord19_paper(local).value
        kind, _, rest = local.partition("/")
        project, _, name = rest.partition("/")
        if kind == "sdrf" and project and name:
            return iris.sdrf_sample(project, name).value
    except iris.UnknownIdentifier:
        return None
    return None


def canonical_curie(value: str) -> tuple[str, str] | None:
    """(CURIE, IRI) of a CURIE in any accepted spelling (prefix alias, case, version), or None."""
    prefix, sep, local = value.strip().partition(":")
    if not sep or not local:
        return None
    prefix = PREFIX_ALIASES.get(prefix.lower(), prefix.lower())
    if prefix in PORTAL_SPACES:
        iri = _portal_iri(prefix, local)
    else:
        iri = iris.expand(f"{prefix}:{local}")
    if iri is None:
        return None
    curie = entity_curie(iri)
    return (curie, iri) if curie else None


# ------------------------------------------------------------------------------------------ landing
def landing(view: EntityView, settings: Settings, base: str) -> fair.Landing:
    page = base + fair.entity_path(view.curie)
    class_names = [CLASS_NAMES.get(t, _short(t)) for t in view.types]
    kind = class_names[0] if class_names else "entity"
    title = f"{view.label} ({view.curie})" if view.label else f"{kind.capitalize()} {view.curie}"
    description = view.description or f"The {kind} {view.curie} as described in the covid-portal knowledge graph, " \
        "with its links to other entities and the provenance of the records it comes from."  # fmt: skip
    schema_types = fair.unique(fair.SCHEMA + SCHEMA_TYPES[t] for t in view.types if t in SCHEMA_TYPES)
    retrieved = sorted(r.retrieved for r in view.records if r.retrieved)
    authors = [t.object.value for t in view.triples if t.predicate.value == S.orcid.uri]
    items = [fair.Link(t.object.value, "item") for t in view.triples
             if t.subject.value == view.iri and t.predicate == S.has_file.node and isinstance(t.object, ox.NamedNode)
             and t.object.value.startswith(("http://", "https://", "ftp://"))]  # fmt: skip
    related = fair.unique(r.url for r in view.records if r.url)
    see_also = [t.object.value for t in view.triples if t.subject.value == view.iri
                and t.predicate == S.see_also.node and isinstance(t.object, ox.NamedNode)]  # fmt: skip
    related += see_also[: fair.MAX_HEADER_ITEMS]
    return fair.Landing(
        url=page, cite_as=view.iri, topic=view.iri, title=title, description=description, schema_types=schema_types,
        licenses=view.licenses, authors=fair.unique(authors)[: fair.MAX_HEADER_ITEMS], items=items,
        related=fair.unique(related), derived_from=[r.iri for r in view.records],
        keywords=fair.unique(["COVID-19", "SARS-CoV-2", *class_names, view.curie.partition(":")[0]]),
        issued=retrieved[0] if retrieved else None, modified=retrieved[-1] if retrieved else None,
        triples=view.triples,
    )  # fmt: skip


# ------------------------------------------------------------------------------------------ router
def entities_router(settings: Settings, pool: QueryPool) -> APIRouter:
    """``/entity/{curie}``, ``/linkset/{curie}`` and ``/resolve`` over the query pool."""
    router = APIRouter(tags=["Entities"])
    queries = EntityQueries(pool)

    def load(curie: str) -> tuple[EntityView | None, str | None]:
        found = canonical_curie(unquote(curie))
        if found is None:
            raise HTTPException(404, f"{curie!r} is not an identifier of a known identifier space (prefix:id)")
        canonical, iri = found
        if canonical != curie:
            return None, canonical
        view = queries.view(iri, canonical)
        if view is None:
            raise HTTPException(404, f"{canonical} ({iri}) is not in this graph")
        return view, None

    @router.api_route(
        "/entity/{curie:path}", methods=["GET", "HEAD"], response_class=Response,
        summary="An entity's page (HTML, Turtle, N-Triples, RDF/XML, JSON-LD or its linkset)",
        responses={200: {"content": {fmt.media_type: {} for fmt in fair.PAGE_OFFERS}},
                   301: {"description": "Not the canonical CURIE: redirect to it."},
                   404: {"description": "Unknown identifier space, or an entity not in the graph."},
                   406: {"description": "No acceptable format."}},
    )  # fmt: skip
    def entity_page(request: Request, curie: str) -> Response:
        view, canonical = load(curie)
        if view is None:
            return _redirect(request, fair.entity_path(canonical or ""), 301)
        base = fair.base_url(settings, request)
        page = landing(view, settings, base)
        same_as = [
            t.object.value for t in view.triples if t.subject.value == view.iri and t.predicate == S.same_as.node
        ]
        extra = {"sameAs": same_as, "identifier": [view.iri, view.curie]} if same_as else {}
        return fair.respond(request, page, settings, "entity.html", {"view": view, "class_names": CLASS_NAMES}, extra)

    @router.api_route("/linkset/{curie:path}", methods=["GET", "HEAD"], response_class=Response,
                      summary="The FAIR Signposting linkset (RFC 9264) of an entity page")  # fmt: skip
    def entity_linkset(request: Request, curie: str) -> Response:
        found = canonical_curie(unquote(curie))
        if found is None:
            raise HTTPException(404, f"{curie!r} is not an identifier of a known identifier space")
        return _redirect(request, fair.entity_path(found[0]) + "?format=linkset", 303, keep_query=False)

    @router.api_route("/resolve", methods=["GET", "HEAD"], response_class=Response, status_code=303,
                      summary="Redirect (303) from any known form of an entity IRI or CURIE to its page")  # fmt: skip
    def resolve(request: Request, iri: str = Query(..., description="An entity IRI in any known form, or a CURIE")):
        target = resolve_path(iri)
        if target is None:
            raise HTTPException(404, f"no page for {iri!r}: not an IRI or CURIE of a known identifier space")
        return _redirect(request, target, 303, keep_query=False)

    return router


def resolve_path(value: str) -> str | None:
    """The page path of an IRI (primary, identifiers.org, bioregistry.io, source web page) or CURIE."""
    value = value.strip()
    if value.startswith(iris.DATASET_BASE):
        return "/dataset/" + quote(value.removeprefix(iris.DATASET_BASE), safe="")
    if value.rstrip("/") in (iris.PORTAL_BASE + "catalog", iris.PORTAL_BASE.rstrip("/")):
        return "/catalog"
    if value.startswith(("http://", "https://")):
        curie = entity_curie(iris.standardize(value))
        if curie is None:
            return None
        value = curie
    found = canonical_curie(value)
    return fair.entity_path(found[0]) if found else None


def _redirect(request: Request, path: str, status: int, *, keep_query: bool = True) -> RedirectResponse:
    query = request.url.query
    return RedirectResponse(path + (f"?{query}" if keep_query and query else ""), status_code=status)
