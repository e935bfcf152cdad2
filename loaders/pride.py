"""PRIDE Archive and ProteomeXchange: proteomics projects, their files and their SDRF sample sheets.

Four formats, told apart by content:

* ``pride-project-json``: PRIDE Archive v2 ``/projects/{acc}`` (the older and the 2025 wire format;
  also a list of such objects or the HAL page ``{"_embedded": {"projects": [...]}}``);
* ``pride-files-json``: v2 ``/projects/{acc}/files``, a list of file objects (or its HAL page); one
  record per project, holding the project's DataFile nodes;
* ``px-xml``: a ProteomeXchange dataset XML (read with iterparse, the file list can be long);
* ``sdrf-tsv``: an SDRF-Proteomics sample sheet. One file describes one project; each distinct
  ``source name`` is a Sample with the ``characteristics[...]`` columns as Characteristic nodes.

Record ids differ by format (``PXD000001``, ``PXD000001/files``, ``PXD000001/px``,
``PXD000001/sdrf``) so that each lands in its own record graph and none replaces another.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pyoxigraph import BlankNode, NamedNode

from covid_portal import iris
from covid_portal.publications import PublicationIds, add_identifiers, orcid_node
from covid_portal.records import FileFormatError, RawRecord, RecordError, RecordGraph, fail
from covid_portal.slots import SlotTerm
from covid_portal.terms import C, S
from loaders._json import read_json_lazily
from loaders.base import Loader, is_array, iter_lines, iter_xml, json_raw, reference

log = logging.getLogger(__name__)

PROJECT_URL = "https://www.ebi.ac.uk/pride/ws/archive/v2/projects/{}"
PX_URL = "https://proteomecentral.proteomexchange.org/cgi/GetDataset?ID={}&outputMode=XML"
_ACCESSION = re.compile(r"P[XR]D\d{6}")
# SDRF-Proteomics reserved words for a missing value ("none" is a value: not infected, no label)
_MISSING = {"", "not available", "not applicable"}
_COMPRESSION = {"gz", "zip", "bz2", "xz", "7z", "tar", "tgz"}

# Licence texts PRIDE writes, and the IRIs they name.
_LICENSES = {
    "ebi terms of use": "https://www.ebi.ac.uk/about/terms-of-use",
    "creative commons public domain (cc0)": "https://creativecommons.org/publicdomain/zero/1.0/",
    "cc0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "cc-by 4.0": "https://creativecommons.org/licenses/by/4.0/",
}

# SDRF organisms are NCBI Taxonomy *names*; without a taxonomy dump only these common ones resolve
# to a taxon (the name is always kept as a Characteristic). An AC=NCBITaxon:<id> value resolves too.
_TAXA = {
    "homo sapiens": "9606",
    "mus musculus": "10090",
    "rattus norvegicus": "10116",
    "chlorocebus sabaeus": "60711",
    "macaca mulatta": "9544",
    "mesocricetus auratus": "10036",
    "bos taurus": "9913",
    "sus scrofa": "9823",
    "danio rerio": "7955",
    "drosophila melanogaster": "7227",
    "saccharomyces cerevisiae": "4932",
    "escherichia coli": "562",
    "severe acute respiratory syndrome coronavirus 2": "2697049",
}

# PRIDE CV file categories (PX XML gives the term, the v2 JSON its short value).
_FILE_CATEGORIES = {
    "PRIDE:0000404": "RAW",
    "PRIDE:0000408": "SEARCH",
    "PRIDE:0000409": "PEAK",
    "PRIDE:0000410": "OTHER",
    "PRIDE:1002848": "RESULT",
    "PRIDE:0000448": "FASTA",
}

# PSI-MS terms used in PX XML.
_MS_TAXID = "MS:1001467"
_MS_PUBMED = "MS:1000879"
_MS_DOI = "MS:1001922"
_MS_CONTACT_NAME = "MS:1000586"
_MS_AFFILIATION = "MS:1000590"
_MS_SUBMITTER = "MS:1002037"
_MS_LAB_HEAD = "MS:1002332"


class PrideLoader(Loader):
    name = "pride"
    title = "PRIDE Archive / ProteomeXchange"
    homepage = "https://www.ebi.ac.uk/pride/"
    license = "https://www.ebi.ac.uk/about/terms-of-use"
    formats = ("pride-project-json", "pride-files-json", "px-xml", "sdrf-tsv")

    # ------------------------------------------------------------------ sniff
    def sniff(self, path: Path, head: str) -> str | None:
        text = head.lstrip()
        if text.startswith(("{", "[")):
            if '"projectAccessions"' in text and '"fileName"' in text:
                return "pride-files-json"
            if re.search(r'"accession"\s*:\s*"P[XR]D\d{6}"', text) and (
                '"projectDescription"' in text or '"submissionType"' in text
            ):
                return "pride-project-json"
            return None
        if text.startswith("<") and "<ProteomeXchangeDataset" in text:
            return "px-xml"
        first = text.split("\n", 1)[0].lower()
        if first.startswith("source name\t") and "characteristics[" in first:
            return "sdrf-tsv"
        return None

    # ------------------------------------------------------------------ parse
    def parse(self, path: Path, fmt: str) -> Iterator[RawRecord | RecordError]:
        if fmt == "pride-project-json":
            yield from self._parse_projects(path)
        elif fmt == "pride-files-json":
            yield from self._parse_files(path)
        elif fmt == "px-xml":
            yield from self._parse_px(path)
        elif fmt == "sdrf-tsv":
            yield from self._parse_sdrf(path)
        else:
            raise ValueError(f"pride loader has no format {fmt!r}")

    def _parse_projects(self, path: Path) -> Iterator[RawRecord | RecordError]:
        data = read_json_lazily(path, _ROUTES)
        items = _embedded(data, "projects", "compactprojects") if isinstance(data, dict) else data
        if isinstance(data, dict) and "accession" in data:
            items = [data]
        if not is_array(items):
            raise FileFormatError(str(path), "not a PRIDE project: expected an object with an 'accession'")
        for i, item in enumerate(items, 1):
            position = f"project {i}"
            accession = item.get("accession") if isinstance(item, dict) else None
            if not isinstance(accession, str) or not accession.strip():
                yield RecordError(self.name, str(path), position, None, "project has no accession", json_raw(item))
                continue
            accession = accession.strip()
            yield RawRecord(
                self.name,
                accession,
                item,
                str(path),
                position,
                json_raw(item),
                "pride-project-json",
                url=PROJECT_URL.format(accession),
            )

    def _parse_files(self, path: Path) -> Iterator[RawRecord | RecordError]:
        data = read_json_lazily(path, _ROUTES)
        items = _embedded(data, "files") if isinstance(data, dict) else data
        if not is_array(items):
            raise FileFormatError(str(path), "not a PRIDE file list: expected a JSON array of file objects")
        groups: dict[str, list[dict[str, Any]]] = {}
        for i, item in enumerate(items, 1):
            position = f"file {i}"
            projects = item.get("projectAccessions") if isinstance(item, dict) else None
            name = item.get("fileName") if isinstance(item, dict) else None
            if not projects or not isinstance(projects, list) or not isinstance(projects[0], str):
                yield RecordError(self.name, str(path), position, None, "file has no projectAccessions", json_raw(item))
                continue
            if not isinstance(name, str) or not name.strip():
                yield RecordError(self.name, str(path), position, projects[0], "file has no fileName", json_raw(item))
                continue
            groups.setdefault(projects[0].strip(), []).append(item)
        for accession, files in groups.items():
            yield RawRecord(
                self.name,
                f"{accession}/files",
                {"accession": accession, "files": files},
                str(path),
                f"project {accession}",
                json_raw(files),
                "pride-files-json",
                url=PROJECT_URL.format(accession) + "/files",
            )

    def _parse_px(self, path: Path) -> Iterator[RawRecord | RecordError]:
        data = _read_px(path)
        accession = data.get("id") or ""
        if not accession:
            yield RecordError(self.name, str(path), "dataset", None, "ProteomeXchangeDataset has no id", json_raw(data))
            return
        yield RawRecord(
            self.name,
            f"{accession}/px",
            data,
            str(path),
            "dataset",
            json_raw(data),
            "px-xml",
            url=PX_URL.format(accession),
        )

    def _parse_sdrf(self, path: Path) -> Iterator[RawRecord | RecordError]:
        rows: list[tuple[int, list[str]]] = []
        header: list[str] = []
        last = ""
        for line_no, line in iter_lines(path):
            last = line
            cells = [c.strip() for c in line.rstrip("\r\n").split("\t")]
            if line_no == 1:
                header = [c.lower() for c in cells]
            elif any(cells):
                rows.append((line_no, cells))
        if header[0] != "source name":
            raise FileFormatError(str(path), "not an SDRF file: the first column is not 'source name'")
        if rows and not last.endswith("\n") and len(rows[-1][1]) < len(header):
            line_no, cells = rows[-1]
            reason = f"last line {line_no} has {len(cells)} of {len(header)} columns (truncated file?)"
            raise FileFormatError(str(path), reason)
        accession = _sdrf_accession(path, header, rows)
        if accession is None:
            raise FileFormatError(str(path), "cannot tell the project accession (no PXD in the file name or columns)")
        good: list[tuple[int, list[str]]] = []
        for line_no, cells in rows:
            raw = "\t".join(cells)
            if len(cells) != len(header):
                reason = f"row has {len(cells)} columns, the header has {len(header)}"
                yield RecordError(self.name, str(path), f"line {line_no}", accession, reason, raw)
            elif not cells[0]:
                yield RecordError(self.name, str(path), f"line {line_no}", accession, "row has no source name", raw)
            else:
                good.append((line_no, cells))
        if not good:
            raise FileFormatError(str(path), "SDRF has a header but no sample rows")
        data = {"accession": accession, "header": header, "rows": good}
        yield RawRecord(
            self.name,
            f"{accession}/sdrf",
            data,
            str(path),
            f"lines 2-{good[-1][0]}",
            json_raw({"header": header, "rows": [r for _, r in good[:3]]}),
            "sdrf-tsv",
        )

    # ------------------------------------------------------------------ to_rdf
    def to_rdf(self, record: RawRecord) -> RecordGraph:
        mappers = {
            "pride-project-json": self._project_rdf,
            "pride-files-json": self._files_rdf,
            "px-xml": self._px_rdf,
            "sdrf-tsv": self._sdrf_rdf,
        }
        if record.fmt not in mappers:
            raise fail(record, f"unknown format {record.fmt!r}")
        return mappers[record.fmt](record)

    def _project_rdf(self, record: RawRecord) -> RecordGraph:
        p = record.data
        graph, topic = self.new_graph(record, C.ProteomicsProject, "pride.project", record.record_id)
        graph.add(topic, S.name, p.get("title"))
        graph.add(topic, S.description, p.get("projectDescription"))
        graph.add(topic, S.keywords, _split_keywords([*(p.get("keywords") or []), *(p.get("projectTags") or [])]))
        graph.add(topic, S.submission_type, p.get("submissionType"))
        graph.add(topic, S.first_public, _date(p.get("publicationDate")))
        if p.get("doi"):
            graph.add(topic, S.same_as, reference("doi", str(p["doi"])))
        graph.add(topic, S.license, _license(p.get("license")))
        graph.add(topic, S.see_also, [_expand(link) for link in p.get("otherOmicsLinks") or []])

        attributes = _sample_attributes(p.get("sampleAttributes") or [])
        graph.add(topic, S.instrument_model, _unique(_cv_names(p.get("instruments"))))
        graph.add(topic, S.ptm, _unique(_cv_names(p.get("identifiedPTMStrings") or p.get("ptms"))))
        graph.add(topic, S.organism_part, _unique([*_cv_names(p.get("organismParts")), *attributes["organism part"]]))
        graph.add(topic, S.cell_line, _unique(_cv_names(attributes.get("cell line_params"))))
        organisms = [*(p.get("organisms") or []), *attributes["organism_params"]]
        for taxon in _unique(_taxon(o.get("accession")) for o in organisms if isinstance(o, dict)):
            graph.link(topic, S.taxon, taxon, C.Taxon)
        diseases = [*(p.get("diseases") or []), *attributes["disease_params"]]
        graph.add(topic, S.disease, _unique(_expand(d.get("accession")) for d in diseases if isinstance(d, dict)))

        for ref in p.get("references") or []:
            if isinstance(ref, dict):
                _link_publication(graph, topic, ref.get("pubmedID") or ref.get("pubmedId"), ref.get("doi"))
        for slot, people in ((S.submitter, p.get("submitters")), (S.lab_head, p.get("labPIs"))):
            for person in people or []:
                if isinstance(person, dict):
                    _add_person(graph, topic, slot, person)
        return graph

    def _files_rdf(self, record: RawRecord) -> RecordGraph:
        accession = record.data["accession"]
        graph, topic = self.new_graph(record, C.ProteomicsProject, "pride.project", accession)
        for item in record.data["files"]:
            name = str(item["fileName"]).strip()
            locations = [loc.get("value") for loc in item.get("publicFileLocations") or [] if isinstance(loc, dict)]
            url = next((u for u in locations if isinstance(u, str) and u.startswith("ftp://")), None)
            url = url or next(
                (u for u in locations if isinstance(u, str) and u.startswith(("http://", "https://"))), None
            )
            category = item.get("fileCategory") or {}
            _add_file(
                graph,
                topic,
                accession,
                name,
                url,
                category=category.get("value") or _FILE_CATEGORIES.get(category.get("accession", "")),
                size=item.get("fileSizeBytes"),
                checksum=item.get("checksum"),
            )
        return graph

    def _px_rdf(self, record: RawRecord) -> RecordGraph:
        d = record.data
        graph, topic = self.new_graph(record, C.ProteomicsProject, "pride.project", d["id"])
        graph.add(topic, S.name, d.get("title"))
        graph.add(topic, S.description, d.get("description"))
        graph.add(topic, S.first_public, _date(d.get("announce_date")))
        graph.add(topic, S.keywords, _split_keywords(d.get("keywords") or []))
        graph.add(topic, S.instrument_model, _unique(d.get("instruments") or []))
        graph.add(topic, S.ptm, _unique(d.get("modifications") or []))
        for taxid in _unique(d.get("taxa") or []):
            taxon = _taxon(taxid)
            if taxon is not None:
                graph.link(topic, S.taxon, taxon, C.Taxon)
        for pub in d.get("publications") or []:
            _link_publication(graph, topic, pub.get("pubmed"), pub.get("doi"))
        for contact in d.get("contacts") or []:
            slot = S.lab_head if contact.get("role") == "lab head" else S.submitter
            _add_person(graph, topic, slot, {"name": contact.get("name"), "affiliation": contact.get("affiliation")})
        graph.add(topic, S.see_also, [NamedNode(u) for u in _unique(d.get("links") or []) if _is_url(u)])
        for f in d.get("files") or []:
            _add_file(graph, topic, d["id"], f.get("name") or "", f.get("url"), category=f.get("category"))
        return graph

    def _sdrf_rdf(self, record: RawRecord) -> RecordGraph:
        accession = record.data["accession"]
        header: list[str] = record.data["header"]
        graph, topic = self.new_graph(record, C.ProteomicsProject, "pride.project", accession)
        columns = [_column(h) for h in header]
        samples: dict[str, dict[str, Any]] = {}
        instruments: list[str] = []
        ptms: list[str] = []
        files: dict[str, str] = {}
        for _, cells in record.data["rows"]:
            sample = samples.setdefault(cells[0], {"characteristics": []})
            data_file = uri = ""
            for (kind, key), value in zip(columns, cells, strict=True):
                if not value or value.lower() in _MISSING:
                    continue
                if kind == "characteristics":
                    if (key, value) not in sample["characteristics"]:
                        sample["characteristics"].append((key, value))
                elif kind == "comment" and key == "instrument":
                    instruments.append(_term(value)[0])
                elif kind == "comment" and key == "modification parameters":
                    ptms.append(_term(value)[0])
                elif kind == "comment" and key == "file uri":
                    uri = value
                elif kind == "comment" and key == "data file":
                    data_file = value
            if uri or data_file:
                files.setdefault(uri or data_file, data_file)

        taxa: list[NamedNode] = []
        diseases: list[NamedNode] = []
        cell_lines: list[str] = []
        parts: list[str] = []
        for source_name, sample in samples.items():
            try:
                node = iris.sdrf_sample(accession, source_name)
            except iris.UnknownIdentifier as exc:
                raise fail(record, str(exc)) from None
            graph.link(topic, S.has_sample, node, C.Sample)
            graph.add(node, S.accession, f"{accession}:{source_name}")
            graph.add(node, S.name, source_name)
            for key, value in sample["characteristics"]:
                label, term = _term(value)
                characteristic = BlankNode()
                graph.link(node, S.characteristic, characteristic, C.Characteristic)
                graph.add(characteristic, S.property_name, key)
                graph.add(characteristic, S.property_value, label)
                graph.add(characteristic, S.value_term, term)
                if key == "organism":
                    taxon = _taxon(term) if term else reference("ncbitaxon", _TAXA.get(label.lower(), ""))
                    if taxon is not None:
                        graph.link(node, S.taxon, taxon, C.Taxon)
                        taxa.append(taxon)
                elif key == "disease" and term is not None:
                    graph.add(node, S.disease, term)
                    diseases.append(term)
                elif key == "cell line":
                    graph.add(node, S.cell_line, label)
                    cell_lines.append(label)
                elif key == "organism part":
                    graph.add(node, S.organism_part, label)
                    parts.append(label)
        for taxon in _unique(taxa):
            graph.link(topic, S.taxon, taxon, C.Taxon)
        graph.add(topic, S.disease, _unique(diseases))
        graph.add(topic, S.cell_line, _unique(cell_lines))
        graph.add(topic, S.organism_part, _unique(parts))
        graph.add(topic, S.instrument_model, _unique(instruments))
        graph.add(topic, S.ptm, _unique(ptms))
        for key, name in files.items():
            url = key if _is_url(key) else None
            _add_file(graph, topic, accession, name or key.rsplit("/", 1)[-1], url)
        return graph


# ---------------------------------------------------------------------- helpers
# where a page holds its records (read one at a time: loaders._json)
_ROUTES = {(), ("_embedded", "projects"), ("_embedded", "compactprojects"), ("_embedded", "files")}


def _embedded(data: dict[str, Any], *keys: str) -> Any:
    embedded = data.get("_embedded")
    if isinstance(embedded, dict):
        for key in keys:
            if is_array(embedded.get(key)):
                return embedded[key]
    return None


def _unique(values: Iterable[Any]) -> list[Any]:
    """Distinct non-empty values in order; strings compare case-insensitively."""
    seen: set[Any] = set()
    out = []
    for value in values:
        if value is None or value == "":
            continue
        key = value.lower() if isinstance(value, str) else value
        if key not in seen:
            seen.add(key)
            out.append(value)
    return out


def _cv_names(params: Any) -> list[str]:
    return [str(p["name"]).strip() for p in params or [] if isinstance(p, dict) and p.get("name")]


def _sample_attributes(tuples: list[Any]) -> dict[str, list[Any]]:
    """The v2 ``sampleAttributes`` tuples, by key name: CvParams under "<key>_params", names under "<key>"."""
    out: dict[str, list[Any]] = {"organism part": [], "organism_params": [], "disease_params": []}
    for item in tuples:
        if not isinstance(item, dict) or not isinstance(item.get("key"), dict):
            continue
        key = str(item["key"].get("name", "")).strip().lower()
        values = [v for v in item.get("value") or [] if isinstance(v, dict)]
        out.setdefault(f"{key}_params", []).extend(values)
        out.setdefault(key, []).extend(_cv_names(values))
    return out


def _split_keywords(values: Iterable[Any]) -> list[str]:
    words: list[str] = []
    for value in values:
        for word in re.split(r"[;,]", str(value)):
            word = word.strip().rstrip(".").strip()
            if word:
                words.append(word)
    return _unique(words)


def _date(value: Any) -> str | None:
    match = re.match(r"\d{4}-\d{2}-\d{2}", str(value or ""))
    return match.group(0) if match else None


def _license(value: Any) -> NamedNode | None:
    text = str(value or "").strip()
    if _is_url(text):
        return NamedNode(text)
    iri = _LICENSES.get(text.lower())
    return NamedNode(iri) if iri else None


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://", "ftp://"))


def _expand(curie: Any) -> NamedNode | None:
    """The IRI of a CURIE as sources write it (``DOID:0111441``, ``pride.project:PXD1``), or None."""
    text = str(curie or "").strip()
    prefix, sep, local = text.partition(":")
    if not sep:
        return None
    iri = iris.expand(f"{prefix.lower()}:{local}")
    return NamedNode(iri) if iri else None


def _taxon(accession: Any) -> NamedNode | None:
    """An NCBI taxon from ``554``, ``NEWT:7227``, ``NCBITaxon:9606`` or an IRI-less id."""
    if isinstance(accession, NamedNode):
        return accession if "NCBITaxon_" in accession.value else None
    match = re.fullmatch(r"(?:(?:NEWT|NCBITaxon|taxonomy|ncbitaxon):)?\s*(\d+)", str(accession or "").strip())
    return reference("ncbitaxon", match.group(1)) if match else None


def _term(value: str) -> tuple[str, NamedNode | None]:
    """(label, term IRI) of an SDRF value: ``NT=Q Exactive HF;AC=MS:1002523`` or plain text."""
    if not re.match(r"^[A-Z]{2}=", value):
        return value, None
    fields: dict[str, str] = {}
    for part in value.split(";"):
        key, sep, val = part.partition("=")
        if sep and key.strip() not in fields:
            fields[key.strip()] = val.strip()
    label = fields.get("NT") or fields.get("AC") or value
    return label, _expand(fields.get("AC"))


def _column(name: str) -> tuple[str, str]:
    """("characteristics", "organism") for ``characteristics[organism]``; ("", name) otherwise."""
    match = re.fullmatch(r"\s*(characteristics|comment|factor value)\s*\[\s*(.*?)\s*\]\s*", name)
    return (match.group(1), match.group(2)) if match else ("", name.strip())


def _sdrf_accession(path: Path, header: list[str], rows: list[tuple[int, list[str]]]) -> str | None:
    match = _ACCESSION.search(path.name)
    if match:
        return match.group(0)
    wanted = [i for i, h in enumerate(header) if "proteomexchange" in h or h == "comment[project accession]"]
    uris = [i for i, h in enumerate(header) if h == "comment[file uri]"]
    for _, cells in rows:
        for i in wanted + uris:
            if i < len(cells):
                match = _ACCESSION.search(cells[i])
                if match:
                    return match.group(0)
    return None


def _link_publication(graph: RecordGraph, topic: NamedNode, pmid: Any, doi: Any) -> None:
    """``topic has_publication P``, P keyed by the portal-wide rule (PubMed id, else DOI)."""
    ids = PublicationIds(pmid=str(pmid) if pmid not in (None, "", 0) else None, doi=doi)
    publication = ids.iri()
    if publication is None:
        return
    graph.link(topic, S.has_publication, publication, C.Publication)
    add_identifiers(graph, publication, ids)


def _add_person(graph: RecordGraph, topic: NamedNode, slot: SlotTerm, person: dict[str, Any]) -> None:
    name = person.get("name") or " ".join(p for p in (person.get("firstName"), person.get("lastName")) if p)
    if not str(name or "").strip():
        return
    node = BlankNode()
    graph.link(topic, slot, node, C.Author)
    graph.add(node, S.name, name)
    graph.add(node, S.given_name, person.get("firstName"))
    graph.add(node, S.family_name, person.get("lastName"))
    graph.add(node, S.affiliation, person.get("affiliation"))
    graph.add(node, S.orcid, orcid_node(person.get("orcid")))


def _add_file(
    graph: RecordGraph,
    topic: NamedNode,
    project: str,
    name: str,
    url: str | None,
    *,
    category: str | None = None,
    size: Any = None,
    checksum: Any = None,
) -> None:
    node = iris.data_file(url) if url else iris.data_file(f"{project}/{name}")
    graph.link(topic, S.has_file, node, C.DataFile)
    graph.add(node, S.name, name)
    graph.add(node, S.file_format, _file_format(name))
    graph.add(node, S.file_category, category)
    if isinstance(size, int) or (isinstance(size, str) and size.isdigit()):
        graph.add(node, S.byte_size, int(size))
    graph.add(node, S.checksum, _checksum(checksum))
    if url:
        graph.add(node, S.download_url, url)


def _file_format(name: str) -> str | None:
    """The format a file name says, compression suffixes aside: ``x.mztab.gz`` -> ``mztab``."""
    parts = name.lower().rsplit("/", 1)[-1].split(".")[1:]
    while parts and parts[-1] in _COMPRESSION:
        parts.pop()
    return parts[-1] if parts else None


def _checksum(value: Any) -> str | None:
    text = str(value or "").strip().lower()
    algorithm = {32: "md5", 40: "sha1", 64: "sha256"}.get(len(text))
    if algorithm and re.fullmatch(r"[0-9a-f]+", text):
        return f"{algorithm}:{text}"
    return None


# ---------------------------------------------------------------------- PX XML
_PX_TAGS = frozenset(
    {
        "DatasetSummary", "Species", "Instrument", "ModificationList", "KeywordList", "Contact", "Publication",
        "FullDatasetLink", "DatasetFile", "ProteomeXchangeDataset",
    }
)  # fmt: skip


def _read_px(path: Path) -> dict[str, Any]:
    """The parts of a ProteomeXchange XML the portal maps, read element by element (files stream)."""
    out: dict[str, Any] = {
        "taxa": [], "instruments": [], "modifications": [], "contacts": [], "publications": [],
        "keywords": [], "links": [], "files": [],
    }  # fmt: skip
    for _, elem in iter_xml(path, _PX_TAGS):
        tag = elem.tag.rsplit("}", 1)[-1]
        if tag == "ProteomeXchangeDataset":
            out["id"] = (elem.get("id") or "").strip()
        elif tag == "DatasetSummary":
            out["title"] = elem.get("title")
            out["announce_date"] = elem.get("announceDate")
            description = next((c for c in elem if c.tag.rsplit("}", 1)[-1] == "Description"), None)
            out["description"] = (description.text or "").strip() if description is not None else None
        elif tag == "Species":
            out["taxa"] += [p.get("value") for p in _params(elem) if p.get("accession") == _MS_TAXID]
        elif tag == "Instrument":
            out["instruments"] += [p.get("name") for p in _params(elem)[:1]]
        elif tag == "ModificationList":
            out["modifications"] += [p.get("name") for p in _params(elem)]
        elif tag == "KeywordList":
            out["keywords"] += [p.get("value") for p in _params(elem)]
        elif tag == "Contact":
            out["contacts"].append(_px_contact(elem))
        elif tag == "Publication":
            params = {p.get("accession"): (p.get("value") or "").strip() for p in _params(elem)}
            out["publications"].append({"pubmed": params.get(_MS_PUBMED), "doi": params.get(_MS_DOI)})
        elif tag == "FullDatasetLink":
            out["links"] += [p.get("value") for p in _params(elem)]
        elif tag == "DatasetFile":
            param = next(iter(_params(elem)), None)
            if param is not None:
                category = _FILE_CATEGORIES.get(param.get("accession", ""), param.get("name"))
                out["files"].append({"name": elem.get("name"), "url": param.get("value"), "category": category})
    if "id" not in out:
        raise FileFormatError(str(path), "not a ProteomeXchange dataset (no ProteomeXchangeDataset element)")
    return out


def _params(elem: ET.Element) -> list[ET.Element]:
    return [child for child in elem if child.tag.rsplit("}", 1)[-1] == "cvParam"]


def _px_contact(elem: ET.Element) -> dict[str, Any]:
    params = _params(elem)
    values = {p.get("accession"): p.get("value") for p in params}
    accessions = set(values)
    role = "lab head" if _MS_LAB_HEAD in accessions or elem.get("id") == "project_lab_head" else "submitter"
    if _MS_SUBMITTER in accessions:
        role = "submitter"
    return {"role": role, "name": values.get(_MS_CONTACT_NAME), "affiliation": values.get(_MS_AFFILIATION)}


LOADER = PrideLoader()
