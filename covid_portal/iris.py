"""The one place that mints IRIs.

Entity IRIs are deployment-independent: the source's own RDF IRI where it publishes one
(UniProt, wwPDB, ChEMBL, OBO), else identifiers.org (or bioregistry.io for prefixes that
identifiers.org lacks). Two portals loading the same record therefore mint the same IRI.
The prefix map is resolved from Bioregistry by ``make gen`` into ontology/prefixes.json.

The portal's own IRIs (record graphs, load activities, datasets) live under ``PORTAL_BASE``,
a persistent namespace that redirects to whichever node serves it.
"""

from __future__ import annotations

import json
import re
from functools import cache
from urllib.parse import quote

import curies
from pyoxigraph import NamedNode

from covid_portal import resources

PORTAL_BASE = "https://w3id.org/covid-portal/"
VOCAB = PORTAL_BASE + "vocab/"
RECORD_BASE = PORTAL_BASE + "record/"
DATASET_BASE = PORTAL_BASE + "dataset/"
ACTIVITY_BASE = PORTAL_BASE + "load/"
HOST_BASE = PORTAL_BASE + "host/"
FILE_BASE = PORTAL_BASE + "file/"
CORD19_BASE = PORTAL_BASE + "cord19/"
SAMPLE_BASE = PORTAL_BASE + "sample/"


VERSIONED = {"ena.embl", "refseq"}
VERSION_SUFFIX = re.compile(r"\.\d+$")


class UnknownIdentifier(ValueError):
    """An identifier that does not fit its identifier space (wrong prefix or pattern)."""


@cache
def _prefix_map() -> dict[str, dict[str, object]]:
    with resources.path(*resources.PREFIXES).open(encoding="utf-8") as fh:
        return json.load(fh)


@cache
def converter() -> curies.Converter:
    """A curies converter whose primary URI prefixes are the portal's primary IRIs."""
    records = [
        curies.Record(
            prefix=prefix,
            uri_prefix=str(entry["uri_prefix"]),
            uri_prefix_synonyms=[str(s) for s in entry["uri_prefix_synonyms"]],  # type: ignore[union-attr]
        )
        for prefix, entry in _prefix_map().items()
    ]
    return curies.Converter(records)


@cache
def _pattern(prefix: str) -> re.Pattern[str] | None:
    entry = _prefix_map().get(prefix)
    if entry is None:
        raise UnknownIdentifier(f"unknown identifier space {prefix!r}")
    pattern = entry.get("pattern")
    return re.compile(str(pattern)) if pattern else None


def _uri_prefix(prefix: str) -> str:
    entry = _prefix_map().get(prefix)
    if entry is None:
        raise UnknownIdentifier(f"unknown identifier space {prefix!r}")
    return str(entry["uri_prefix"])


def normalise(prefix: str, local_id: str) -> str:
    """Canonical form of an identifier: trimmed, and upper case where the space is case-insensitive."""
    local_id = local_id.strip()
    if prefix in VERSIONED:
        # INSDC/RefSeq sequence versions (MN908947.3) name revisions of one record; the entity IRI is
        # the unversioned accession so every source's cross-reference (UniProt DR EMBL lines carry no
        # version) meets the sequence record. Loaders keep the version in the `version` slot.
        local_id = VERSION_SUFFIX.sub("", local_id)
    if prefix == "pdb":
        local_id = local_id.upper()
    elif prefix in ("pmc",) and local_id.isdigit():
        local_id = "PMC" + local_id
    elif prefix == "doi":
        local_id = local_id.lower()
    return local_id


def is_valid(prefix: str, local_id: str) -> bool:
    pattern = _pattern(prefix)
    return pattern is None or pattern.search(local_id) is not None


def entity(prefix: str, local_id: str) -> NamedNode:
    """The primary IRI of ``prefix:local_id``; raises UnknownIdentifier when the id cannot be in that space."""
    local_id = normalise(prefix, local_id)
    if not local_id:
        raise UnknownIdentifier(f"empty {prefix} identifier")
    if not is_valid(prefix, local_id):
        raise UnknownIdentifier(f"{local_id!r} is not a valid {prefix} identifier")
    return NamedNode(_uri_prefix(prefix) + _escape(local_id))


def curie(prefix: str, local_id: str) -> str:
    return f"{prefix}:{normalise(prefix, local_id)}"


def expand(value: str) -> str | None:
    """The primary IRI of a CURIE (``uniprot:P0DTC2``), or None when the prefix is unknown."""
    prefix, sep, local_id = value.partition(":")
    if not sep or prefix not in _prefix_map():
        return None
    local_id = normalise(prefix, local_id)
    if not is_valid(prefix, local_id):
        return None
    return _uri_prefix(prefix) + _escape(local_id)


def compress(iri: str) -> str | None:
    """The CURIE of an entity IRI in any of its known forms, or None."""
    return converter().compress(iri, strict=False)


def standardize(iri: str) -> str:
    """Rewrite an IRI in a synonym form (identifiers.org, a web page) to the primary IRI."""
    return converter().standardize_uri(iri, strict=False) or iri


def same_as(prefix: str, local_id: str) -> list[NamedNode]:
    """The other stable IRIs of an entity (identifiers.org, bioregistry.io), for schema:sameAs."""
    local_id = normalise(prefix, local_id)
    entry = _prefix_map()[prefix]
    out = []
    for synonym in entry["uri_prefix_synonyms"]:  # type: ignore[union-attr]
        synonym = str(synonym)
        if "identifiers.org" in synonym or "bioregistry.io" in synonym:
            out.append(NamedNode(synonym + _escape(local_id)))
    return out


# what ``quote`` leaves as it is with the safe characters of _escape: most accessions are only these,
# and one regex match costs a third of a ``quote`` call (minted for nearly every triple's subject)
_UNESCAPED = re.compile(r"[A-Za-z0-9_.\-~:/()]*")


def _escape(local_id: str) -> str:
    # keep ':' and '/' (DOIs, versioned accessions) but never spaces or IRI-breaking characters
    return local_id if _UNESCAPED.fullmatch(local_id) else quote(local_id, safe=":/._-~()")


def _slug(value: str) -> str:
    return quote(value.strip(), safe="._-~")


def record_graph(source: str, record_id: str) -> NamedNode:
    """The named graph (and prov:Entity) holding every triple derived from one source record."""
    return NamedNode(f"{RECORD_BASE}{_slug(source)}/{_slug(record_id)}")


def dataset(source: str) -> NamedNode:
    """The dcat:Dataset describing one source as loaded into the portal."""
    return NamedNode(f"{DATASET_BASE}{_slug(source)}")


def load_activity(run_id: str) -> NamedNode:
    return NamedNode(f"{ACTIVITY_BASE}{_slug(run_id)}")


def host(text: str) -> NamedNode:
    """A host as the source names it ("Homo sapiens", "Bat"); one IRI per normalised text."""
    key = re.sub(r"\s+", " ", text.strip().lower())
    return NamedNode(f"{HOST_BASE}{_slug(key)}")


def sdrf_sample(project: str, source_name: str) -> NamedNode:
    """A sample named in a proteomics project's SDRF: it has no global accession, so the IRI is the
    project accession plus the SDRF ``source name`` (unique within one project's SDRF)."""
    key = re.sub(r"\s+", " ", source_name.strip())
    if not key:
        raise UnknownIdentifier(f"empty SDRF source name in {project}")
    return NamedNode(f"{SAMPLE_BASE}sdrf/{_slug(project)}/{_slug(key)}")


def data_file(url: str) -> NamedNode:
    """A data file: its own URL when it is an http(s) URL, else a portal IRI built from it."""
    url = url.strip()
    if url.startswith(("http://", "https://")):
        return NamedNode(quote(url, safe=":/?#[]@!$&'()*+,;=%-._~"))
    if url.startswith("ftp."):
        return NamedNode("https://" + quote(url, safe=":/?#[]@!$&'()*+,;=%-._~"))
    if url.startswith("ftp://"):
        return NamedNode(quote(url, safe=":/?#[]@!$&'()*+,;=%-._~"))
    return NamedNode(FILE_BASE + _slug(url))


def cord19_paper(paper_id: str) -> NamedNode:
    """A CORD-19 paper known only by its document_parses ``paper_id`` (the SHA-1 of its PDF).

    No registry has an identifier space for these ids, so they live under the portal's namespace.
    Raises UnknownIdentifier when the id is not a 40-digit hex SHA-1.
    """
    sha = paper_id.strip().lower()
    if not re.fullmatch(r"[0-9a-f]{40}", sha):
        raise UnknownIdentifier(f"{paper_id!r} is not a CORD-19 paper id (SHA-1)")
    return NamedNode(CORD19_BASE + sha)
