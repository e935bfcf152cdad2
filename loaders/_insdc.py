"""INSDC conventions shared by the ENA and BioSamples loaders.

Both sources speak the INSDC sample vocabulary: the missing-value terms ("not provided",
"restricted access"), dates at day, month or year precision in several spellings, ``Country:Region``
locations, and checklist attribute names (collection date, host, geographic location, ...). The
helpers here read those values and add the matching triples, so the two loaders map them alike.
A module, not a source: the leading underscore keeps it out of the loader registry.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from pyoxigraph import BlankNode, NamedNode

from covid_portal import iris
from covid_portal.records import RawRecord, RecordGraph, fail
from covid_portal.terms import C, S
from loaders.base import reference

log = logging.getLogger(__name__)

# ---------------------------------------------------------------- INSDC value conventions
# INSDC "missing value" vocabulary (https://www.insdc.org/technical-specifications/missing-value-reporting/)
_MISSING = frozenset(
    ("missing", "not applicable", "not collected", "not provided", "restricted access", "unknown", "n/a")
)
_MONTHS = {
    m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)
}
_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:[T ][0-9:.]+(?:Z|[+-][0-9:]+)?)?$")
_DAY_FIRST = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_DAY_MON_YEAR = re.compile(r"^(?:(\d{1,2})-)?([A-Za-z]{3})-(\d{4})$")


def is_missing(text: Any) -> bool:
    """True for None, blank text and the INSDC missing-value terms ("not provided", "missing: ...")."""
    if text is None:
        return True
    value = str(text).strip().lower()
    # a term, or a term then ":" and a reason; no term holds a ":", so the text before the first one
    # decides (one set lookup: this runs for most values of an ENA record, and a loop over the terms
    # was 6% of a producer's CPU)
    return not value or value.partition(":")[0] in _MISSING


def insdc_date(text: Any) -> str | None:
    """An INSDC date (2020-03-17, 17/03/2020, 17-Mar-2020, Dec-2019, 2019) in ISO 8601 at its own precision.

    None for a missing value; ValueError for text that is not a date. ``dd/mm/yyyy`` is read day first,
    as ENA spreadsheets write it.
    """
    if is_missing(text):
        return None
    value = str(text).strip()
    if m := _ISO.match(value):
        year, month, day = m.group(1), m.group(2), m.group(3)
    elif m := _DAY_FIRST.match(value):
        day, month, year = m.group(1).zfill(2), m.group(2).zfill(2), m.group(3)
    elif (m := _DAY_MON_YEAR.match(value)) and m.group(2).lower() in _MONTHS:
        day = m.group(1).zfill(2) if m.group(1) else None
        month, year = f"{_MONTHS[m.group(2).lower()]:02d}", m.group(3)
    else:
        raise ValueError(f"unreadable date {value!r}")
    dt.date(int(year), int(month or 1), int(day or 1))  # range check: ValueError on 2020-13-40
    return "-".join(part for part in (year, month, day) if part)


def full_date(text: Any) -> dt.date | None:
    """A day-precision date (first public, last updated); None when missing or coarser than a day."""
    iso = insdc_date(text)
    return dt.date.fromisoformat(iso) if iso and len(iso) == 10 else None


def collection_date(record: RawRecord, text: Any) -> str | None:
    """The collection date of a record; an interval (valid INSDC, not expressible in the slot) is logged."""
    if isinstance(text, str) and "/" in text and not _DAY_FIRST.match(text.strip()):
        log.info("%s: collection date interval %r kept out of collection_date", record.record_id, text)
        return None
    try:
        return insdc_date(text)
    except ValueError as exc:
        raise fail(record, f"collection date: {exc}") from None


def split_country(text: Any) -> tuple[str | None, str | None]:
    """(country, location) from INSDC ``Country:Region`` text; location only when a region is given."""
    if is_missing(text):
        return None, None
    value = re.sub(r"\s+", " ", str(text).strip())
    country, sep, region = value.partition(":")
    country = country.strip()
    return (country or None), (value if sep and region.strip() else None)


def add_place(graph: RecordGraph, subject: NamedNode, text: Any, region: Any = None) -> None:
    """country and location of a subject from ``Country:Region`` text (and a separate region, if any)."""
    country, location = split_country(text)
    if country and location is None and not is_missing(region):
        location = f"{country}:{str(region).strip()}"
    graph.add(subject, S.country, country)
    graph.add(subject, S.location, location)


def add_host(graph: RecordGraph, subject: NamedNode, text: Any, taxon_id: Any = None) -> None:
    """The host as the source names it; its taxon only when the record gives the taxon id."""
    if is_missing(text):
        return
    host = iris.host(str(text))
    graph.link(subject, S.host, host, C.Host)
    graph.add(host, S.name, str(text).strip())
    taxon = taxon_ref(taxon_id)
    if taxon is not None:
        graph.link(host, S.host_taxon, taxon, C.Taxon)


def taxon_ref(taxon_id: Any) -> NamedNode | None:
    if is_missing(taxon_id):
        return None
    value = str(taxon_id).strip()
    value = value.removeprefix("NCBITaxon:").removeprefix("NCBITaxon_").removeprefix("taxon:")
    return reference("ncbitaxon", value) if value.isdigit() else None


def add_taxon(graph: RecordGraph, subject: NamedNode, taxon_id: Any, name: Any = None) -> None:
    taxon = taxon_ref(taxon_id)
    if taxon is None:
        return
    graph.link(subject, S.taxon, taxon, C.Taxon)
    if not is_missing(name):
        graph.add(taxon, S.name, str(name).strip())


def study_prefix(accession: str) -> str:
    """BioProject for PRJ..., else the SRA study space (ERP/SRP/DRP)."""
    return "bioproject" if accession.startswith("PRJ") else "insdc.sra"


def sample_prefix(accession: str) -> str:
    """BioSample for SAM..., else the SRA sample space (ERS/SRS/DRS)."""
    return "biosample" if accession.startswith("SAM") else "insdc.sra"


def sequence_prefix(accession: str) -> str:
    return "refseq" if iris.is_valid("refseq", accession) and "_" in accession else "ena.embl"


def link_study(graph: RecordGraph, subject: NamedNode, accession: Any, *, sample: bool = False) -> NamedNode | None:
    """subject part_of_study the study; a sample is also listed by the study (has_sample, the inverse)."""
    if is_missing(accession):
        return None
    acc = str(accession).strip()
    study = reference(study_prefix(acc), acc)
    if study is None:
        log.warning("%s: %r is not a study accession", graph.record_id, acc)
        return None
    graph.link(subject, S.part_of_study, study, C.Study)
    if sample:
        graph.link(study, S.has_sample, subject)
    return study


def link_sample(graph: RecordGraph, subject: NamedNode, accession: Any) -> NamedNode | None:
    if is_missing(accession):
        return None
    acc = str(accession).strip()
    sample = reference(sample_prefix(acc), acc)
    if sample is None:
        log.warning("%s: %r is not a sample accession", graph.record_id, acc)
        return None
    graph.link(subject, S.from_sample, sample, C.Sample)
    return sample


def add_secondary(graph: RecordGraph, subject: NamedNode, prefix: str, accession: Any) -> None:
    """A secondary accession (ERS/ERP/SRS/SRP) and its IRI as another name of the same entity."""
    if is_missing(accession):
        return
    acc = str(accession).strip()
    node = reference(prefix, acc)
    graph.add(subject, S.secondary_accession, acc)
    if node is not None:
        graph.add(subject, S.same_as, node)


def md5_checksum(value: Any) -> str | None:
    if is_missing(value):
        return None
    text = str(value).strip().lower()
    if not re.fullmatch(r"[0-9a-f]{32}", text):
        raise ValueError(f"{value!r} is not an MD5 checksum")
    return f"md5:{text}"


# ---------------------------------------------------------------- sample attributes (shared with BioSamples)
_COUNTRY_KEYS = ("geographic location (country and/or sea)", "geo_loc_name", "country")
_REGION_KEYS = ("geographic location (region and locality)",)


def add_sample_attributes(
    record: RawRecord, graph: RecordGraph, sample: NamedNode, attributes: list[tuple[str, str, list[str] | None]]
) -> None:
    """Each (name, value, ontology term IRIs) as a Characteristic, and the well-known ones as sample slots.

    Well-known names follow the ENA/BioSamples checklists: collection date, geographic location, host,
    host taxid, disease, cell line, organism part/tissue, latitude/longitude.
    """
    values: dict[str, tuple[str, list[str]]] = {}
    for name, value, terms in attributes:
        node = BlankNode()
        graph.link(sample, S.characteristic, node, C.Characteristic)
        graph.add(node, S.property_name, name)
        graph.add(node, S.property_value, value)
        term_iris = [iri for iri in (term_iri(t) for t in terms or []) if iri]
        if term_iris:
            graph.add(node, S.value_term, term_iris[0])
        values.setdefault(name.strip().lower(), (value, term_iris))

    def get(*names: str) -> tuple[str | None, list[str]]:
        for name in names:
            if name in values and not is_missing(values[name][0]):
                return values[name]
        return None, []

    graph.add(sample, S.collection_date, collection_date(record, get("collection date", "collection_date")[0]))
    add_place(graph, sample, get(*_COUNTRY_KEYS)[0], get(*_REGION_KEYS)[0])
    host_text, host_terms = get("host scientific name", "host", "specific_host", "specific host")
    host_taxid = get("host taxid", "host_taxid")[0] or next((t for t in host_terms if "NCBITaxon_" in t), None)
    add_host(graph, sample, host_text, host_taxid.rsplit("_", 1)[-1] if host_taxid else None)
    for slot, names in ((S.cell_line, ("cell line", "cell_line")), (S.organism_part, ("organism part", "tissue"))):
        graph.add(sample, slot, get(*names)[0])
    disease_text, disease_terms = get("disease")
    if disease_text:
        graph.add(sample, S.disease, [NamedNode(t) for t in disease_terms])
    for slot, names, low, high in (
        (S.latitude, ("geographic location (latitude)", "lat"), -90, 90),
        (S.longitude, ("geographic location (longitude)", "lon"), -180, 180),
    ):
        text = get(*names)[0]
        if text is None:
            continue
        parts = text.split()
        try:
            number = float(parts[0]) * (-1 if parts[1:2] in (["S"], ["W"]) else 1)  # "33.9 S" is -33.9
        except (ValueError, IndexError):
            raise fail(record, f"{names[0]}: {text!r} is not a number") from None
        if not low <= number <= high:
            raise fail(record, f"{names[0]}: {number} is out of range")
        graph.add(sample, slot, number)


def term_iri(term: str) -> str | None:
    """An ontology term as the portal's primary IRI: full IRIs standardised, CURIEs/OBO ids expanded."""
    term = term.strip()
    if term.startswith(("http://", "https://")):
        return iris.standardize(term)
    m = re.fullmatch(r"([A-Za-z]+)[:_](\w+)", term)
    if m:
        return iris.expand(f"{m.group(1).lower()}:{m.group(2)}")
    return None
