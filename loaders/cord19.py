"""CORD-19 ``document_parses`` full-text JSON (pdf_json and pmc_json) -> Publication.

One file is one paper. Only its bibliographic skeleton enters the graph: the title, the authors
(name, affiliation, position) and the citations of ``bib_entries`` whose ``other_ids`` give a DOI,
PubMed or PMC id (``cites``, with the identity rule of covid_portal.publications). Body text,
abstract, figures and the SciBite ``termite_hits`` stay out: the text is the publishers', and the
graph links papers, it does not hold them.

Identity: a pmc_json file's ``paper_id`` is the PMC id, which gives the paper its PMC IRI. A
pdf_json file's ``paper_id`` is the SHA-1 of the PDF and the JSON holds no DOI or PMID for the
paper itself (they live in CORD-19's metadata.csv), so the paper gets a portal IRI minted from the
SHA-1 (``iris.cord19_paper``); a metadata.csv loader can later state its ``same_as``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode

from covid_portal import iris
from covid_portal.publications import PublicationIds, add_author, cite
from covid_portal.records import FileFormatError, RawRecord, RecordError, RecordGraph, fail
from covid_portal.terms import C, S
from loaders.base import Loader, json_raw, read_json

log = logging.getLogger(__name__)


class Cord19Loader(Loader):
    name = "cord19"
    title = "COVID-19 Open Research Dataset (CORD-19)"
    homepage = "https://github.com/allenai/cord19"
    license = "https://ai2-semanticscholar-cord-19.s3-us-west-2.amazonaws.com/2020-03-13/COVID.DATA.LIC.AGMT.pdf"
    formats = ("document-parses-json",)

    def sniff(self, path: Path, head: str) -> str | None:
        text = head.lstrip()
        if text.startswith("{") and '"paper_id"' in text and '"metadata"' in text:
            return "document-parses-json"
        return None

    def parse(self, path: Path, fmt: str) -> Iterator[RawRecord | RecordError]:
        doc = read_json(path)
        if not isinstance(doc, dict) or "paper_id" not in doc or not isinstance(doc.get("metadata"), dict):
            raise FileFormatError(str(path), "not a CORD-19 document_parses JSON: no paper_id and metadata")
        paper_id = str(doc.get("paper_id") or "").strip()
        # keep the raw record small: the quarantine report needs the id and metadata, not the body text
        skeleton = {"paper_id": paper_id, "metadata": doc["metadata"], "bib_entries": doc.get("bib_entries")}
        raw = json_raw({"paper_id": paper_id, "metadata": doc["metadata"]})
        if not paper_id:
            yield RecordError(self.name, str(path), "paper", None, "empty paper_id", raw)
            return
        yield RawRecord(self.name, paper_id, skeleton, str(path), "paper", raw, fmt)

    def to_rdf(self, record: RawRecord) -> RecordGraph:
        data: dict[str, Any] = record.data
        paper_id = record.record_id
        if paper_id.upper().startswith("PMC"):
            graph, topic = self.new_graph(record, C.Publication, "pmc", paper_id)
            graph.add(topic, S.pmcid, iris.normalise("pmc", paper_id))
        else:
            try:
                topic = iris.cord19_paper(paper_id)
            except iris.UnknownIdentifier as exc:
                raise fail(record, str(exc)) from None
            graph = RecordGraph(
                topic=topic,
                source=self.name,
                record_id=paper_id,
                url=record.url,
                release=record.release,
                license=self.license,
            )
            graph.type(topic, C.Publication)
            graph.add(topic, S.accession, paper_id.lower())
        metadata = data["metadata"]
        graph.add(topic, S.title, _text(metadata.get("title")))
        authors = metadata.get("authors") if isinstance(metadata.get("authors"), list) else []
        for position, author in enumerate((a for a in authors if isinstance(a, dict)), 1):
            given = " ".join(p for p in [_text(author.get("first")), *map(_text, author.get("middle") or [])] if p)
            family = _text(author.get("last"))
            suffix = _text(author.get("suffix"))
            name = " ".join(p for p in (given, family, suffix) if p)
            add_author(graph, topic, position, name or None, given or None, family, None, [_affiliation(author)])
        self._citations(graph, topic, data.get("bib_entries"))
        return graph

    def _citations(self, graph: RecordGraph, topic: NamedNode, entries: Any) -> None:
        if not isinstance(entries, dict):
            return
        for entry in entries.values():
            other = entry.get("other_ids") if isinstance(entry, dict) else None
            if not isinstance(other, dict):
                continue
            ids = PublicationIds(
                pmid=_first(other.get("PMID") or other.get("PubMed")),
                pmcid=_first(other.get("PMCID")),
                doi=_first(other.get("DOI")),
            )
            cited = ids.iri()
            if cited is not None and cited != topic:
                cite(graph, topic, cited)


def _affiliation(author: dict[str, Any]) -> str:
    place = author.get("affiliation")
    if not isinstance(place, dict):
        return ""
    location = place.get("location") if isinstance(place.get("location"), dict) else {}
    parts = [_text(place.get("laboratory")), _text(place.get("institution"))]
    parts += [_text(location.get(k)) for k in ("settlement", "region", "country")]
    return ", ".join(p for p in parts if p)


def _first(value: Any) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if v), None)
    return _text(value)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


LOADER = Cord19Loader()
