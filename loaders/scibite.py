"""SciBite CORD-19 sentence annotations -> Publication ``mentions`` the entities named in it.

Format read: ``scibite-tsv``, the sentence co-occurrence TSV SciBite released for CORD-19
(``cv19_scc.tsv``: ``document_id``, ``sentence_id``, ``entity_uris``, ``entity_types_plus_ids``,
``sentence_loc``), streamed line by line. One record per document: its consecutive rows (the file
is grouped by document), with every entity URI they give. The document id is the PMC full text
(``PMC2750777.xml``), so the Publication gets its PMC IRI (see covid_portal.publications: the PubMed
IRI of the same article meets it through the ``same_as`` other sources give).

Mapped, as ``mentions`` with the inverse ``mentioned_in``, the target typed with its class:
UniProt proteins (``CVPROT``), ChEMBL compounds (``DRUG``) and NCBI taxa (``SARSCOV``/``SPECIES``).
MeSH descriptors (``INDICATION``/``SPECIES`` hits) become ``mesh_heading`` IRIs: note that they are
text-mined terms, not the NLM indexing that Europe PMC and PubMed records give in the same slot.
Not mapped: GO, HPO and SciBite's own (VIR_, PHRMBC...) terms and country codes: the model has no
slot for a mined vocabulary term of those kinds. The sentences themselves are not in the file.

Licence: the SciBite README states the annotations and vocabularies are released under the GPL
(the repository's LICENSE file, cited as the licence IRI); the underlying CORD-19 articles keep their
own licences, which these records do not copy (no text, only identifiers).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from covid_portal import iris
from covid_portal.publications import ENTITY
from covid_portal.records import FileFormatError, RawRecord, RecordError, RecordGraph
from covid_portal.slots import ClassTerm
from covid_portal.terms import C, S
from loaders.base import Loader, iter_lines, reference

FORMAT = "scibite-tsv"
HEADER = "document_id\tsentence_id\tentity_uris"
COLUMNS = 5
# entity URI -> (identifier space, class of a mentioned entity); None: a MeSH heading, not a mention
ENTITIES: tuple[tuple[re.Pattern[str], str, ClassTerm | None], ...] = (
    (re.compile(r"^https?://(?:www\.uniprot\.org/uniprot(?:kb)?|purl\.uniprot\.org/uniprot)/([A-Z0-9]+)$"),
     "uniprot", C.Protein),
    (re.compile(r"^https?://www\.ebi\.ac\.uk/chembl/compound_report_card/(CHEMBL\d+)$"), "chembl.compound", C.Compound),
    (re.compile(r"^https?://purl\.obolibrary\.org/obo/NCBITaxon_(\d+)$"), "ncbitaxon", C.Taxon),
    (re.compile(r"^https?://id\.nlm\.nih\.gov/mesh/([CDQ]\d+)$"), "mesh", None),
)  # fmt: skip
_PMC = re.compile(r"^PMC\d+$")


class ScibiteLoader(Loader):
    name = "scibite"
    title = "SciBite CORD-19 annotations"
    homepage = "https://github.com/SciBiteLabs/CORD19"
    license = "https://github.com/SciBiteLabs/CORD19/blob/master/LICENSE"
    formats = (FORMAT,)

    def sniff(self, path: Path, head: str) -> str | None:
        return FORMAT if head.lstrip().startswith(HEADER) else None

    # ------------------------------------------------------------------ parse
    def parse(self, path: Path, fmt: str) -> Iterator[RawRecord | RecordError]:
        """One record per document: its consecutive sentence rows, with every entity URI they give."""
        if fmt != FORMAT:
            raise FileFormatError(str(path), f"unknown SciBite format {fmt!r} (known: {FORMAT})")
        document: str | None = None
        first = 0
        lines: list[str] = []
        entities: list[str] = []
        header_seen = False

        def flush() -> RawRecord | RecordError:
            raw = "".join(lines)
            position = f"lines {first}-{first + len(lines) - 1}"
            if not _PMC.match(document or ""):
                reason = f"document id {document!r} is not a PMC id"
                return RecordError(self.name, str(path), position, document, reason, raw)
            data = {"document": document, "entities": list(dict.fromkeys(entities))}
            return RawRecord(self.name, str(document), data, str(path), position, raw, FORMAT)

        for lineno, line in iter_lines(path):
            if not header_seen:
                if not line.startswith(HEADER):
                    raise FileFormatError(str(path), f"not a SciBite CORD-19 annotation TSV: header is not {HEADER!r}")
                header_seen = True
                continue
            if not line.strip():
                continue
            cells = line.rstrip("\r\n").split("\t")
            if len(cells) != COLUMNS:
                reason = f"{len(cells)} fields, expected {COLUMNS}"
                yield RecordError(self.name, str(path), f"line {lineno}", None, reason, line)
                continue
            doc_id = cells[0].strip().removesuffix(".xml")
            if doc_id != document:
                if document is not None:
                    yield flush()
                document, first, lines, entities = doc_id, lineno, [], []
            lines.append(line)
            entities.extend(u.strip() for u in cells[2].split("|") if u.strip())
        if document is not None:
            yield flush()

    # ------------------------------------------------------------------ to_rdf
    def to_rdf(self, record: RawRecord) -> RecordGraph:
        document = record.data["document"]
        graph, topic = self.new_graph(record, C.Publication, "pmc", document)
        graph.add(topic, S.pmcid, iris.normalise("pmc", document))
        for uri in record.data["entities"]:
            for pattern, space, cls in ENTITIES:
                match = pattern.match(uri)
                if match is None:
                    continue
                target = reference(space, match.group(1))
                if cls is None:
                    graph.add(topic, S.mesh_heading, target)
                elif target is not None:
                    graph.link(topic, S.mentions, target, cls)
                    graph.type(target, ENTITY)
                    graph.link(target, S.mentioned_in, topic)
                break
        graph.deduplicate()
        return graph


LOADER = ScibiteLoader()
