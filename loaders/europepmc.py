"""Europe PMC REST responses -> Publication.

Formats read (one file = one saved response):

* ``rest-json``: ``/search`` JSON, resultType ``idlist``, ``lite`` or ``core``
  (``{"resultList": {"result": [...]}}``);
* ``rest-xml``: the same search response as XML (``responseWrapper/resultList/result``), streamed;
* ``citations-json`` / ``references-json``: ``/{SRC}/{id}/citations`` (``citationList.citation[]``)
  and ``/{SRC}/{id}/references`` (``referenceList.reference[]``). Each item is a Publication
  record of its own, and carries the citation: for ``/MED/X/citations`` the item cites X, for
  ``/MED/X/references`` X cites the item. X comes from the response's ``request`` block, else from
  a file name containing ``_MED_<id>_`` (or ``_PMC_``/``_PPR_``); when neither says, the items are
  recorded without the citation (and a warning is logged). The XML forms of these two responses
  are read too;

Identity (see covid_portal.publications): the primary IRI is the PubMed IRI when the article has a
PMID, else PMC, else the Europe PMC preprint id (source ``PPR``), else the DOI; the other ids are
``same_as`` links and ``pmid``/``pmcid``/``doi`` literals. An item with none of them (a patent, an
unmatched reference) is a RecordError.

Mapped: title, journal, volume, issue, pages, publication year and date (``firstPublicationDate``),
publication type (preprint / review / journal article / other), authors (ORCID, affiliation,
position; from ``authorString`` when there is no ``authorList``), open access, licence (Creative
Commons IRIs), keywords (``keywordList`` and MeSH descriptor names without a MeSH id), MeSH and
chemical IRIs where an id is given, and ``mentions`` for the accessions of an explicit
``dbCrossReferenceList`` (UniProt, PDB, ENA, PRIDE, ChEMBL, ...). Abstracts are left out (publisher
copyright), and accessions are never mined from free text.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode

from covid_portal import iris
from covid_portal.publications import (
    PublicationIds,
    add_author,
    add_identifiers,
    add_mention,
    cite,
    licence_iri,
    publication_type,
    split_author_string,
)
from covid_portal.records import FileFormatError, RawRecord, RecordError, RecordGraph, fail
from covid_portal.terms import C, S
from loaders._json import read_json_lazily
from loaders.base import Loader, is_array, iter_xml, json_raw, read_head

log = logging.getLogger(__name__)

REST = "https://www.ebi.ac.uk/europepmc/webservices/rest/"
# list key -> (item key, format, relation of each item to the queried article)
LISTS: dict[str, tuple[str, str, str | None]] = {
    "resultList": ("result", "rest-json", None),
    "citationList": ("citation", "citations-json", "cites"),
    "referenceList": ("reference", "references-json", "cited_by"),
}
_FILE_ID = re.compile(r"(?:^|_)(MED|PMC|PPR)_([A-Za-z0-9]+?)(?=[_.]|$)")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MESH = re.compile(r"^[CDQ]\d+$")


class EuropePMCLoader(Loader):
    name = "europepmc"
    title = "Europe PMC"
    homepage = "https://europepmc.org/"
    license = "https://europepmc.org/Copyright"
    formats = ("rest-json", "citations-json", "references-json", "rest-xml")

    def sniff(self, path: Path, head: str) -> str | None:
        text = head.lstrip()
        if text.startswith("<") and "<responseWrapper" in text:
            return "rest-xml"
        if text.startswith("{"):
            for key, (_, fmt, _) in LISTS.items():
                if f'"{key}"' in text:
                    return fmt
        return None

    # ------------------------------------------------------------------ parse
    def parse(self, path: Path, fmt: str) -> Iterator[RawRecord | RecordError]:
        if fmt == "rest-xml":
            yield from self._parse_xml(path)
            return
        doc = read_json_lazily(path, {(key, item_key) for key, (item_key, _, _) in LISTS.items()})
        if not isinstance(doc, dict):
            raise FileFormatError(str(path), "not a Europe PMC response: the JSON is not an object")
        found = [key for key in LISTS if key in doc]
        if not found:
            raise FileFormatError(str(path), "not a Europe PMC response: no resultList, citationList or referenceList")
        key = found[0]
        item_key, list_fmt, relation = LISTS[key]
        container = doc[key]
        items = container.get(item_key, []) if isinstance(container, dict) else None
        if not is_array(items):
            raise FileFormatError(str(path), f"{key}.{item_key} is not a list")
        queried = _queried_article(doc.get("request"), path) if relation else None
        view = None if relation else _view(doc.get("request"))
        for index, item in enumerate(items, 1):
            yield self._record(path, f"{item_key} {index}", item, json_raw(item), list_fmt, relation, queried, view)

    def _parse_xml(self, path: Path) -> Iterator[RawRecord | RecordError]:
        import xml.etree.ElementTree as ET

        head = read_head(path)
        if head.strip() and "<responseWrapper" not in head:
            raise FileFormatError(str(path), "not a Europe PMC XML response: no responseWrapper element")
        queried: PublicationIds | None = None
        request: Any = None
        item_tags = {"result": None, "citation": "cites", "reference": "cited_by"}
        tags = {"request", *item_tags}
        parents = {"responseWrapper", "resultList", "citationList", "referenceList"}
        counts: dict[str, int] = {}
        for _, elem in iter_xml(path, tags, parents):
            name = elem.tag.rpartition("}")[2]
            if name == "request":
                request = _xml_native(elem)
                continue
            relation = item_tags[name]
            if relation and queried is None:
                queried = _queried_article(request, path)
            counts[name] = counts.get(name, 0) + 1
            item = _xml_native(elem)
            raw = ET.tostring(elem, encoding="unicode")
            view = None if relation else _view(request)
            yield self._record(path, f"{name} {counts[name]}", item, raw, "rest-xml", relation, queried, view)

    def _record(
        self,
        path: Path,
        position: str,
        item: Any,
        raw: str,
        fmt: str,
        relation: str | None,
        queried: PublicationIds | None,
        view: str | None = None,
    ) -> RawRecord | RecordError:
        """The record of one item. Its id is ``SRC:id``; a search result's id is prefixed with the
        result type (``core/MED:123``), so the core, lite and idlist views of one article, which say
        different amounts, are separate records and loading one never replaces another; a citation's
        id names both ends (``MED:1/cites/MED:2``)."""
        if not isinstance(item, dict):
            return RecordError(self.name, str(path), position, None, "item is not an object", raw)
        source = str(item.get("source") or "").strip()
        local_id = str(item.get("id") or "").strip()
        record_id = f"{source}:{local_id}" if source and local_id else (local_id or None)
        if record_id is None:
            return RecordError(self.name, str(path), position, None, "item has no id (unmatched reference?)", raw)
        url = f"{REST}search?query=EXT_ID:{local_id}%20AND%20SRC:{source}&resultType=core&format=json"
        if relation and queried is not None and queried.primary() is not None:
            target = _label(queried)
            record_id = f"{record_id}/cites/{target}" if relation == "cites" else f"{target}/cites/{record_id}"
        elif view:
            record_id = f"{view}/{record_id}"
        data = {"item": item, "relation": relation if queried is not None else None, "queried": queried}
        return RawRecord(self.name, record_id, data, str(path), position, raw, fmt, url)

    # ------------------------------------------------------------------ to_rdf
    def to_rdf(self, record: RawRecord) -> RecordGraph:
        item: dict[str, Any] = record.data["item"]
        ids = item_ids(item)
        best = ids.primary()
        if best is None:
            raise fail(record, "no PubMed, PMC, preprint (PPR) or DOI identifier")
        graph, topic = self.new_graph(record, C.Publication, *best)
        add_identifiers(graph, topic, ids)
        self._describe(graph, topic, item)
        relation, queried = record.data.get("relation"), record.data.get("queried")
        other = queried.iri() if isinstance(queried, PublicationIds) else None
        if relation == "cites" and other is not None:
            cite(graph, topic, other)
        elif relation == "cited_by" and other is not None:
            cite(graph, other, topic)
        return graph

    def _describe(self, graph: RecordGraph, topic: NamedNode, item: dict[str, Any]) -> None:
        info = item.get("journalInfo") if isinstance(item.get("journalInfo"), dict) else {}
        journal = info.get("journal") if isinstance(info.get("journal"), dict) else {}
        graph.add(topic, S.title, _text(item.get("title")))
        graph.add(
            topic, S.journal, _text(journal.get("title") or item.get("journalTitle") or item.get("journalAbbreviation"))
        )
        graph.add(topic, S.volume, _text(info.get("volume") or item.get("journalVolume") or item.get("volume")))
        graph.add(topic, S.issue, _text(info.get("issue") or item.get("issue")))
        graph.add(topic, S.pages, _text(item.get("pageInfo")))
        year = _text(item.get("pubYear"))
        if year and year.isdigit() and 1500 <= int(year) <= 2100:
            graph.add(topic, S.publication_year, int(year))
        graph.add(topic, S.publication_date, iso_date(_text(item.get("firstPublicationDate"))))
        types = _as_list(_dig(item, "pubTypeList", "pubType"))
        for key in ("pubType", "citationType"):
            if item.get(key):
                types += str(item[key]).split(";")
        graph.add(topic, S.publication_type, publication_type(types, preprint=item.get("source") == "PPR"))
        if item.get("isOpenAccess") in ("Y", "N"):
            graph.add(topic, S.is_open_access, item["isOpenAccess"] == "Y")
        graph.add(topic, S.license, licence_iri(_text(item.get("license"))))
        self._authors(graph, topic, item)
        keywords = [_text(k) for k in _as_list(_dig(item, "keywordList", "keyword"))]
        for heading in _as_list(_dig(item, "meshHeadingList", "meshHeading")):
            if not isinstance(heading, dict):
                continue
            ui = _text(heading.get("descriptorUI"))
            if ui and _MESH.match(ui):
                graph.add(topic, S.mesh_heading, iris.entity("mesh", ui))
            else:
                keywords.append(_text(heading.get("descriptorName")))
        graph.add(topic, S.keywords, list(dict.fromkeys(k for k in keywords if k)))
        for chemical in _as_list(_dig(item, "chemicalList", "chemical")):
            if isinstance(chemical, dict):
                number = _text(chemical.get("registryNumber"))
                if number and _MESH.match(number):
                    graph.add(topic, S.chemical, iris.entity("mesh", number))
        for xref in _as_list(_dig(item, "dbCrossReferenceList", "dbCrossReference")):
            if not isinstance(xref, dict):
                continue
            database = _text(xref.get("dbName")) or ""
            for info in _as_list(xref.get("dbCrossReferenceInfo")):
                accession = _text(info.get("info1")) if isinstance(info, dict) else None
                if database and accession:
                    add_mention(graph, topic, database, accession)

    def _authors(self, graph: RecordGraph, topic: NamedNode, item: dict[str, Any]) -> None:
        authors = _as_list(_dig(item, "authorList", "author"))
        if not authors:
            for position, name in enumerate(split_author_string(_text(item.get("authorString"))), 1):
                add_author(graph, topic, position, name=name)
            return
        for position, author in enumerate(authors, 1):
            if not isinstance(author, dict):
                continue
            orcid = None
            for ident in _as_list(author.get("authorId")):
                if isinstance(ident, dict) and str(ident.get("type", "")).upper() == "ORCID":
                    orcid = _text(ident.get("value"))
            affiliations = [
                _text(a.get("affiliation")) or ""
                for a in _as_list(_dig(author, "authorAffiliationDetailsList", "authorAffiliation"))
                if isinstance(a, dict)
            ]
            add_author(
                graph,
                topic,
                position,
                name=_text(author.get("fullName") or author.get("collectiveName")),
                given=_text(author.get("firstName")),
                family=_text(author.get("lastName")),
                orcid=orcid,
                affiliations=affiliations,
            )


# ---------------------------------------------------------------------- helpers
def item_ids(item: dict[str, Any]) -> PublicationIds:
    """The identifiers of a Europe PMC result/citation/reference item."""
    source = str(item.get("source") or "").upper()
    local_id = _text(item.get("id"))
    pmcid = _text(item.get("pmcid"))
    if pmcid is None:
        pmcid = next((t for t in map(_text, _as_list(_dig(item, "fullTextIdList", "fullTextId"))) if t), None)
    return PublicationIds(
        pmid=_text(item.get("pmid")) or (local_id if source == "MED" else None),
        pmcid=pmcid or (local_id if source == "PMC" else None),
        ppr=local_id if source == "PPR" else None,
        doi=_text(item.get("doi")),
    )


def iso_date(text: str | None) -> dt.date | None:
    """A YYYY-MM-DD date, or None (a partial or malformed date is not an xsd:date)."""
    if not text or not _DATE.match(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _queried_article(request: Any, path: Path) -> PublicationIds | None:
    """The article a /citations or /references response is about: its request block, else the file name."""
    source = local_id = None
    if isinstance(request, dict):
        source, local_id = _text(request.get("source")), _text(request.get("id"))
    if not (source and local_id):
        match = _FILE_ID.search(path.name)
        if match:
            source, local_id = match.group(1), match.group(2)
    if not (source and local_id):
        log.warning("%s: the queried article is not known (no request block, no _MED_<id>_ in the name)", path)
        return None
    ids = item_ids({"source": source, "id": local_id})
    if ids.primary() is None:
        log.warning("%s: cannot identify the queried article %s:%s", path, source, local_id)
        return None
    return ids


def _view(request: Any) -> str | None:
    """The search result type (idlist, lite, core) named in a response's request block."""
    kind = _text(request.get("resultType")) if isinstance(request, dict) else None
    return kind.lower() if kind and kind.lower() in ("idlist", "lite", "core") else None


def _label(ids: PublicationIds) -> str:
    best = ids.primary()
    assert best is not None
    return {"pubmed": "MED", "pmc": "PMC", "ppr": "PPR", "doi": "DOI"}[best[0]] + ":" + best[1]


def _xml_native(elem: Any) -> Any:
    """An element as the JSON form of the same response: text, or a dict (repeated children -> list)."""
    children = list(elem)
    if not children:
        return (elem.text or "").strip()
    if (elem.text or "").strip():  # mixed content (markup inside a title): keep the text
        return " ".join("".join(elem.itertext()).split())
    out: dict[str, Any] = {}
    for child in children:
        key = child.tag.rpartition("}")[2]
        value = _xml_native(child)
        if key in out:
            if not isinstance(out[key], list):
                out[key] = [out[key]]
            out[key].append(value)
        else:
            out[key] = value
    return out


def _dig(value: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list) else [value]


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


LOADER = EuropePMCLoader()
