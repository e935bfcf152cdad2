"""A node's records in the EBI Search index JSON shape, for the central portal to ingest.

The document (one per node and release)::

    {"name": "covid-portal NL", "release": "v000007", "release_date": "2026-11-22", "entry_count": 2,
     "entries": [{"id": "SAMEA6798400", "acc": "SAMEA6798400", "source": "biosamples",
                  "fields": {"name": ["..."], "country": ["Netherlands"], "TAXON": ["2697049"], ...}}]}

``name``, ``release``, ``release_date`` and ``entry_count`` are EBI Search's dump header; each entry
has the id, the EBI Search domain it belongs to (``source``) and its ``fields``, every value a list
of strings, named as the portal's backend and EBI Search name them. Only the entities this node's
own records describe (their ``foaf:primaryTopic``) are exported, one entry each, for the record
types that have an EBI Search domain.

The import side is the ``ebisearch`` loader (``covid-portal load export.json``), which reads this
shape as well as EBI Search's responses: what one node exports, another node or the central portal
loads, and the same entity IRIs come out (``tests/federation/test_index_exchange.py``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from covid_portal import iris
from covid_portal.store import StoreDir
from covid_portal.terms import C, S
from loaders import ebisearch

log = logging.getLogger(__name__)

# record class -> (EBI Search domain, identifier spaces the domain's accessions belong to)
DOMAINS: dict[str, tuple[str, tuple[str, ...]]] = {
    "NucleotideSequence": ("embl-covid19", ("ena.embl", "refseq")),
    "ReadRun": ("sra-experiment-covid19", ("insdc.sra",)),
    "SequencingExperiment": ("sra-experiment-covid19", ("insdc.sra",)),
    "Protein": ("uniprot", ("uniprot",)),
    "ProteinStructure": ("pdbe", ("pdb",)),
    "ProteomicsProject": ("pride", ("pride.project",)),
    "Compound": ("chembl-molecule", ("chembl.compound",)),
    "Target": ("chembl-target", ("chembl.target",)),
    "Sample": ("biosamples", ("biosample",)),
}
# slot IRI -> field name, the inverse of what the ebisearch loader reads
LITERAL_FIELDS: dict[str, str] = {
    **{slot.uri: name for name, slot in ebisearch.TEXT_FIELDS.items()},
    **{slot.uri: name for name, slot in ebisearch.COUNT_FIELDS.items() if name != "length"},
    S.first_public.uri: "first_public",
    S.last_updated.uri: "last_updated",
    S.collection_date.uri: "collection_date",
    S.molecule_type.uri: "molecule_type",
}
TAXON_PREFIX = "http://purl.obolibrary.org/obo/NCBITaxon_"
PRIMARY_TOPIC = "http://xmlns.com/foaf/0.1/primaryTopic"


def _query(cls_uri: str) -> str:
    return f"""
SELECT ?e ?p ?o ?label WHERE {{
  GRAPH ?g {{
    ?g <{PRIMARY_TOPIC}> ?e . ?e a <{cls_uri}> ; ?p ?o .
    OPTIONAL {{ ?o <{S.name.uri}> ?label }}
  }}
}}"""


def entries(store: ox.Store) -> list[dict[str, Any]]:
    """The exported entries of every record type with an EBI Search domain, sorted by domain and id."""
    out: list[dict[str, Any]] = []
    for class_name, (domain, prefixes) in DOMAINS.items():
        allowed = ebisearch.CLASS_SLOTS[class_name]
        by_entity: dict[str, dict[str, list[str]]] = {}
        for row in store.query(_query(getattr(C, class_name).uri), use_default_graph_as_union=False):
            entity, predicate, obj, label = row["e"], row["p"].value, row["o"], row["label"]
            fields = by_entity.setdefault(entity.value, {})
            name, value = _field(predicate, obj, label)
            if name is not None and value is not None and (name in allowed or (name == "TAXON" and "taxon" in allowed)):
                values = fields.setdefault(name, [])
                if value not in values:
                    values.append(value)
        for iri, fields in by_entity.items():
            curie = iris.compress(iri)
            if curie is None or curie.split(":", 1)[0] not in prefixes:
                log.debug("not exported (no %s accession): %s", domain, iri)
                continue
            accession = curie.split(":", 1)[1]
            _place(fields)
            out.append({"id": accession, "acc": accession, "source": domain,
                        "fields": {k: sorted(v) for k, v in sorted(fields.items())}})  # fmt: skip
    out.sort(key=lambda e: (e["source"], e["id"]))
    return out


def _field(predicate: str, obj: Any, label: Any) -> tuple[str | None, str | None]:
    if predicate in LITERAL_FIELDS and isinstance(obj, ox.Literal):
        return LITERAL_FIELDS[predicate], obj.value
    if predicate == S.country.uri and isinstance(obj, ox.Literal):
        return "country", obj.value
    if predicate == S.location.uri and isinstance(obj, ox.Literal):
        return "location", obj.value
    if predicate == S.host.uri and isinstance(label, ox.Literal):
        return "host", label.value
    if predicate == S.taxon.uri and isinstance(obj, ox.NamedNode) and obj.value.startswith(TAXON_PREFIX):
        return "TAXON", obj.value.removeprefix(TAXON_PREFIX)
    return None, None


def _place(fields: dict[str, list[str]]) -> None:
    """INSDC writes ``Country: Region`` in one field; the location slot already holds that text."""
    location = fields.pop("location", None)
    if location:
        fields["country"] = location


def export_index(store_dir: StoreDir, out: Path, *, name: str) -> int:
    """Write the node's records to ``out`` in the EBI Search index JSON shape; returns the entry count."""
    found = entries(store_dir.open_read())
    release = store_dir.current_version() or "unreleased"
    doc = {
        "name": name,
        "release": release,
        "release_date": dt.datetime.now(tz=dt.UTC).date().isoformat(),
        "entry_count": len(found),
        "entries": found,
    }
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(out)
    log.info("exported %d entries of release %s to %s", len(found), release, out)
    return len(found)
