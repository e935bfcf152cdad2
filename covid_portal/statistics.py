"""Statistics of the graph as RDF Data Cube observations, computed when a load publishes a version.

The portal's summary views (samples per country and month, read runs per platform, records per
source and licence) count every record of a kind. Answered live, such an aggregate reads millions of
rows at 1M records (3-28 s in Oxigraph, by query form: docs/benchmarks.md); no index makes a
whole-graph count cheaper. They are therefore computed once per store version, like the VoID counts, from the same
aggregate queries, and kept as ``qb:Observation`` resources in their own named graph
(``STATISTICS_GRAPH``). Reading a cube is a lookup of a few thousand observations.

The counts are exactly what the live query gives on that version: each cube keeps the query that
computes it (``Cube.query``), and ``tests/queries/test_examples.py`` checks, on the demo graph, that
the example reading a cube gives the same rows as the live aggregate.

Dimension and measure properties live in the cube's own namespace (``STAT``), not in the portal's
vocabulary, so an observation never matches a pattern meant for records (``?s cp:country ?c``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pyoxigraph as ox
from pyoxigraph import Literal, NamedNode, Quad

from covid_portal import iris

QB = "http://purl.org/linked-data/cube#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
DCT = "http://purl.org/dc/terms/"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
STATISTICS_GRAPH = NamedNode(iris.PORTAL_BASE + "statistics")
STAT = iris.PORTAL_BASE + "statistics#"
CUBE_BASE = iris.PORTAL_BASE + "statistics/"

_PREFIXES = """PREFIX cp: <https://w3id.org/covid-portal/vocab/>
PREFIX schema: <http://schema.org/>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX pav: <http://purl.org/pav/>
"""


@dataclass(frozen=True)
class Cube:
    """One aggregate of the graph: ``query`` projects the dimensions, then the measures, in order."""

    name: str
    title: str
    dimensions: tuple[str, ...]
    measures: tuple[str, ...]
    query: str

    @property
    def iri(self) -> NamedNode:
        return NamedNode(CUBE_BASE + self.name)


# The queries join their patterns in one group, which Oxigraph evaluates as nested loops (an index
# lookup per row) in memory that does not grow with the store: 130-200 MiB at 1M records. Joined as
# sub-selects they run 3-6x faster (16 s against 62 s of CPU at 1M), but Oxigraph then hash-joins
# them, and at 1M records that holds 480-930 MiB (docs/benchmarks.md). They run in a thread beside the
# compaction of the version (covid_portal.pipeline.finish), which keeps only one core busy: at 1M
# records they took 48 s after it, and beside it the end of the publish step went from 137-139 s to
# 104 s (docs/benchmarks.md, "Eighth round").
# They run over the union default graph of the version being published, before STATISTICS_GRAPH is added.
CUBES: tuple[Cube, ...] = (
    Cube(
        name="records-by-country-month",
        title="Samples, read runs and sequences by country and month of collection",
        dimensions=("country", "month"),
        measures=("records",),
        query=_PREFIXES
        + """SELECT ?country ?month (COUNT(DISTINCT ?item) AS ?records) WHERE {
  ?item cp:collectionDate ?date ; cp:country ?country .
  BIND(SUBSTR(STR(?date), 1, 7) AS ?month)
  FILTER(STRLEN(?month) = 7)
}
GROUP BY ?country ?month""",
    ),
    Cube(
        name="read-runs-by-platform",
        title="Raw read runs by sequencing platform and instrument model, with the bytes of their files",
        dimensions=("platform", "model"),
        measures=("runs", "totalBytes"),
        query=_PREFIXES
        + """SELECT ?platform ?model (COUNT(DISTINCT ?run) AS ?runs) (SUM(?bytes) AS ?totalBytes) WHERE {
  ?run a <http://edamontology.org/data_3494> ; cp:instrumentPlatform ?platform .
  OPTIONAL { ?run cp:instrumentModel ?model }
  OPTIONAL { ?run schema:distribution/dcat:byteSize ?bytes }
}
GROUP BY ?platform ?model""",
    ),
    Cube(
        name="records-by-source-licence",
        title="Record graphs by source and licence, with their latest retrieval",
        dimensions=("source", "license"),
        measures=("records", "lastRetrieved"),
        query=_PREFIXES
        + """SELECT ?source ?license (COUNT(DISTINCT ?record) AS ?records) (MAX(?retrieved) AS ?lastRetrieved) WHERE {
  GRAPH ?record {
    ?record foaf:primaryTopic ?entity ; dct:source ?source ; dct:license ?license ; pav:retrievedOn ?retrieved
  }
}
GROUP BY ?source ?license""",
    ),
)

# What each dimension or measure property means (its rdfs:label and comment in the graph).
PROPERTIES: dict[str, tuple[str, str]] = {
    "country": ("country", "The country of collection, as the record states it."),
    "month": ("month of collection", "The first seven characters (YYYY-MM) of the collection date."),
    "records": ("records", "The number of distinct records (entities or record graphs) counted."),
    "platform": ("sequencing platform", "The instrument platform of the read runs (ENA vocabulary)."),
    "model": ("instrument model", "The instrument model of the read runs, when stated."),
    "runs": ("read runs", "The number of distinct read runs."),
    "totalBytes": ("total bytes", "The sum of the sizes of the runs' data files, when stated."),
    "source": ("source", "The source database (the portal's dataset for it)."),
    "license": ("licence", "The licence the record graphs are under."),
    "lastRetrieved": ("last retrieved", "The latest retrieval time among the records."),
}


def _iri(local: str) -> NamedNode:
    return NamedNode(QB + local)


def _observation(cube: Cube, row: ox.QuerySolution) -> NamedNode:
    key = "\x1f".join(str(row[d]) if row[d] is not None else "\x00" for d in cube.dimensions)
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]
    return NamedNode(f"{CUBE_BASE}{cube.name}/{digest}")


def _structure(cube: Cube, g: NamedNode) -> list[Quad]:
    dsd = NamedNode(f"{CUBE_BASE}{cube.name}/structure")
    out = [
        Quad(cube.iri, RDF_TYPE, _iri("DataSet"), g),
        Quad(cube.iri, NamedNode(DCT + "title"), Literal(cube.title), g),
        Quad(cube.iri, _iri("structure"), dsd, g),
        Quad(dsd, RDF_TYPE, _iri("DataStructureDefinition"), g),
    ]
    for kind, names in (("dimension", cube.dimensions), ("measure", cube.measures)):
        for name in names:
            component = NamedNode(f"{CUBE_BASE}{cube.name}/structure/{name}")
            out += [
                Quad(dsd, _iri("component"), component, g),
                Quad(component, _iri(kind), NamedNode(STAT + name), g),
            ]
    return out


def _properties(g: NamedNode) -> list[Quad]:
    out = []
    kinds = {name: "DimensionProperty" for cube in CUBES for name in cube.dimensions}
    kinds |= {name: "MeasureProperty" for cube in CUBES for name in cube.measures}
    for name, kind in kinds.items():
        label, comment = PROPERTIES[name]
        prop = NamedNode(STAT + name)
        out += [
            Quad(prop, RDF_TYPE, _iri(kind), g),
            Quad(prop, NamedNode(RDFS + "label"), Literal(label, language="en"), g),
            Quad(prop, NamedNode(RDFS + "comment"), Literal(comment, language="en"), g),
        ]
    return out


def statistics_quads(store: ox.Store) -> list[Quad]:
    """The cubes of everything in ``store`` (which should not yet hold a STATISTICS_GRAPH)."""
    g = STATISTICS_GRAPH
    out = _properties(g)
    for cube in CUBES:
        out += _structure(cube, g)
        for row in store.query(cube.query, use_default_graph_as_union=True):
            obs = _observation(cube, row)
            out += [Quad(obs, RDF_TYPE, _iri("Observation"), g), Quad(obs, _iri("dataSet"), cube.iri, g)]
            for name in cube.dimensions + cube.measures:
                value = row[name]
                if value is not None:
                    out.append(Quad(obs, NamedNode(STAT + name), value, g))
    return out
