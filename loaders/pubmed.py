"""NCBI PubMed efetch XML (``PubmedArticleSet``) -> Publication.

Streams ``PubmedArticle`` elements. Each becomes a Publication whose primary IRI is its PubMed IRI
(the identity rule of covid_portal.publications; the DOI and PMC id from ``ArticleIdList`` or
``ELocationID`` become ``same_as`` links and literals). Mapped: title, journal, volume, issue, pages,
year and date (the electronic ``ArticleDate`` when complete, else a complete ``PubDate``),
publication type, authors (ORCID from ``Identifier Source="ORCID"``, affiliations, position,
collective names), MeSH descriptors and substances as MeSH IRIs (their ``UI``), keywords,
``ReferenceList`` -> ``cites`` (by PubMed id, else PMC id, else DOI), and
``DataBankList/AccessionNumberList`` -> ``mentions`` (GenBank, PDB, UniProtKB, ...).
Abstracts are left out (publisher copyright). ``PubmedBookArticle`` records are quarantined:
books are not described by this loader.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import xml.etree.ElementTree as ET
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
    publication_type,
)
from covid_portal.records import FileFormatError, RawRecord, RecordError, RecordGraph, fail
from covid_portal.terms import C, S
from loaders.base import Loader, iter_xml, read_head

log = logging.getLogger(__name__)

EFETCH = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/efetch.fcgi?db=pubmed&retmode=xml&id="
MONTHS = {
    m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)
}


class PubMedLoader(Loader):
    name = "pubmed"
    title = "PubMed"
    homepage = "https://pubmed.ncbi.nlm.nih.gov/"
    license = "https://www.nlm.nih.gov/databases/download/terms_and_conditions.html"
    formats = ("efetch-xml",)

    def sniff(self, path: Path, head: str) -> str | None:
        text = head.lstrip()
        if text.startswith("<") and ("<PubmedArticleSet" in text or "<PubmedArticle>" in text):
            return "efetch-xml"
        return None

    def parse(self, path: Path, fmt: str) -> Iterator[RawRecord | RecordError]:
        head = read_head(path)
        if head.strip() and "<PubmedArticleSet" not in head:
            raise FileFormatError(str(path), "not a PubMed efetch XML: no PubmedArticleSet element")
        tags = {"PubmedArticle", "PubmedBookArticle"}
        for index, elem in iter_xml(path, tags, {"PubmedArticleSet"}):
            raw = ET.tostring(elem, encoding="unicode")
            position = f"article {index}"
            pmid = _text(elem.find("MedlineCitation/PMID")) or _text(elem.find("BookDocument/PMID"))
            if elem.tag == "PubmedBookArticle":
                yield RecordError(self.name, str(path), position, pmid, "PubmedBookArticle (a book) is not read", raw)
                continue
            if not pmid:
                yield RecordError(self.name, str(path), position, None, "PubmedArticle without a PMID", raw)
                continue
            yield RawRecord(self.name, pmid, copy.deepcopy(elem), str(path), position, raw, fmt, EFETCH + pmid)

    def to_rdf(self, record: RawRecord) -> RecordGraph:
        root: Any = record.data
        citation = root.find("MedlineCitation")
        article = citation.find("Article") if citation is not None else None
        if article is None:
            raise fail(record, "PubmedArticle without MedlineCitation/Article")
        ids = _ids(root.find("PubmedData/ArticleIdList"))
        ids.pmid = record.record_id
        if ids.doi is None:
            for loc in article.findall("ELocationID"):
                if loc.get("EIdType") == "doi":
                    ids = PublicationIds(ids.pmid, ids.pmcid, None, _text(loc))
        if not iris.is_valid("pubmed", record.record_id):
            raise fail(record, f"PMID {record.record_id!r} is not a PubMed id")
        graph, topic = self.new_graph(record, C.Publication, "pubmed", record.record_id)
        add_identifiers(graph, topic, ids)
        graph.add(topic, S.title, _alltext(article.find("ArticleTitle")))
        journal = article.find("Journal")
        if journal is not None:
            graph.add(topic, S.journal, _text(journal.find("Title")) or _text(journal.find("ISOAbbreviation")))
            graph.add(topic, S.volume, _text(journal.find("JournalIssue/Volume")))
            graph.add(topic, S.issue, _text(journal.find("JournalIssue/Issue")))
            year = _year(journal.find("JournalIssue/PubDate"))
            if year is not None:
                graph.add(topic, S.publication_year, year)
        graph.add(topic, S.pages, _pages(article.find("Pagination")))
        date = _date(article.find("ArticleDate")) or _date(article.find("Journal/JournalIssue/PubDate"))
        graph.add(topic, S.publication_date, date)
        types = [_text(t) or "" for t in article.findall("PublicationTypeList/PublicationType")]
        graph.add(topic, S.publication_type, publication_type(types))
        self._authors(graph, topic, article)
        for descriptor in citation.findall("MeshHeadingList/MeshHeading/DescriptorName"):
            _add_mesh(graph, topic, S.mesh_heading, descriptor.get("UI"))
        for substance in citation.findall("ChemicalList/Chemical/NameOfSubstance"):
            _add_mesh(graph, topic, S.chemical, substance.get("UI"))
        keywords = [_alltext(k) for k in citation.findall("KeywordList/Keyword")]
        graph.add(topic, S.keywords, list(dict.fromkeys(k for k in keywords if k)))
        for bank in article.findall("DataBankList/DataBank"):
            database = _text(bank.find("DataBankName")) or ""
            for accession in bank.findall("AccessionNumberList/AccessionNumber"):
                acc = _text(accession)
                if database and acc and not add_mention(graph, topic, database, acc):
                    log.info("%s: PMID %s: no entity for %s:%s", record.file, record.record_id, database, acc)
        for reference in root.findall("PubmedData/ReferenceList/Reference"):
            cited = _ids(reference.find("ArticleIdList")).iri()
            if cited is not None and cited != topic:
                cite(graph, topic, cited)
        return graph

    def _authors(self, graph: RecordGraph, topic: NamedNode, article: Any) -> None:
        for position, author in enumerate(article.findall("AuthorList/Author"), 1):
            family, given = _text(author.find("LastName")), _text(author.find("ForeName"))
            initials = _text(author.find("Initials"))
            name = _text(author.find("CollectiveName")) or " ".join(p for p in (family, initials or given) if p)
            orcid = next((_text(i) for i in author.findall("Identifier") if i.get("Source") == "ORCID"), None)
            affiliations = [_text(a) or "" for a in author.findall("AffiliationInfo/Affiliation")]
            add_author(graph, topic, position, name, given, family, orcid, affiliations)


# ---------------------------------------------------------------------- helpers
def _ids(id_list: Any) -> PublicationIds:
    values: dict[str, str | None] = {"pubmed": None, "pmc": None, "doi": None}
    if id_list is not None:
        for article_id in id_list.findall("ArticleId"):
            kind = (article_id.get("IdType") or "").lower()
            if kind in values and values[kind] is None:
                values[kind] = _text(article_id)
    return PublicationIds(pmid=values["pubmed"], pmcid=values["pmc"], doi=values["doi"])


def _add_mesh(graph: RecordGraph, topic: NamedNode, slot: Any, ui: str | None) -> None:
    if ui and iris.is_valid("mesh", ui.strip()):
        graph.add(topic, slot, iris.entity("mesh", ui))


def _text(elem: Any) -> str | None:
    if elem is None or elem.text is None:
        return None
    return elem.text.strip() or None


def _alltext(elem: Any) -> str | None:
    """All text of an element with inline markup (<i>, <sup>, MathML), whitespace collapsed."""
    if elem is None:
        return None
    text = " ".join("".join(elem.itertext()).split())
    return text or None


def _pages(pagination: Any) -> str | None:
    if pagination is None:
        return None
    pages = _text(pagination.find("MedlinePgn"))
    if pages:
        return pages
    start, end = _text(pagination.find("StartPage")), _text(pagination.find("EndPage"))
    return f"{start}-{end}" if start and end else start


def _year(pub_date: Any) -> int | None:
    if pub_date is None:
        return None
    text = _text(pub_date.find("Year")) or (_text(pub_date.find("MedlineDate")) or "")[:4]
    return int(text) if text.isdigit() and 1500 <= int(text) <= 2100 else None


def _date(elem: Any) -> dt.date | None:
    """A complete Year/Month/Day date (month as number or English abbreviation), else None."""
    if elem is None:
        return None
    year, month, day = (_text(elem.find(k)) for k in ("Year", "Month", "Day"))
    if not (year and month and day):
        return None
    month_no = int(month) if month.isdigit() else MONTHS.get(month[:3].lower())
    try:
        return dt.date(int(year), month_no or 0, int(day))
    except ValueError:
        return None


LOADER = PubMedLoader()
