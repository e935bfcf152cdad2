"""How a publication is identified and described, shared by the literature loaders.

Europe PMC, PubMed and CORD-19 describe the same articles; to land on one node they must agree on
its primary IRI. The rule, applied to the identifiers a record carries:

    PubMed id  >  PMC id  >  Europe PMC preprint id (PPR...)  >  DOI

The first one present is the primary IRI (``iris.entity`` of its space); the others are added as
``same_as`` (and as the ``pmid``/``pmcid``/``doi`` literals). The rule is deterministic and
needs no lookup, so two loaders reading different records of one article mint the same IRI
whenever the records carry the same best identifier.

Also here: the publication-type and licence vocabularies, author nodes, and the table that turns
a database cross-reference (``UNIPROT:P0DTC2``, ``GenBank:MN908947``) into an entity the
publication ``mentions``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

from pyoxigraph import BlankNode, Literal, NamedNode

from covid_portal import iris
from covid_portal.records import RecordGraph
from covid_portal.slots import ClassTerm
from covid_portal.terms import VOCAB, C, S

log = logging.getLogger(__name__)

# The abstract class Entity has no constant in terms.py; the shapes check ``mentions`` values with
# sh:class cp:Entity and validate without RDFS inference, so a mentioned entity is typed with its
# concrete class and with cp:Entity (which the OWL rendering states anyway).
ENTITY = ClassTerm("Entity", VOCAB + "Entity")

# PublicationTypeEnum meanings (ontology/covid_portal.yaml); the shapes list these IRIs in sh:in.
_FABIO = "http://purl.org/spar/fabio/"
JOURNAL_ARTICLE = NamedNode(_FABIO + "JournalArticle")
PREPRINT = NamedNode(_FABIO + "Preprint")
REVIEW = NamedNode(_FABIO + "ReviewArticle")
BOOK = NamedNode(_FABIO + "Book")
OTHER = Literal("other")

ID_PRIORITY = ("pubmed", "pmc", "ppr", "doi")

_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_ORCID = re.compile(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$")


@dataclass
class PublicationIds:
    """The identifiers a record gives for one publication (any may be missing)."""

    pmid: str | None = None
    pmcid: str | None = None
    ppr: str | None = None
    doi: str | None = None

    def __post_init__(self) -> None:
        self.pmid = _clean(self.pmid)
        self.pmcid = _clean(self.pmcid)
        if self.pmcid and self.pmcid.isdigit():
            self.pmcid = "PMC" + self.pmcid
        self.ppr = _clean(self.ppr)
        self.doi = clean_doi(self.doi)

    def present(self) -> list[tuple[str, str]]:
        """(prefix, id) of every identifier given, best first (the order of ID_PRIORITY)."""
        values = {"pubmed": self.pmid, "pmc": self.pmcid, "ppr": self.ppr, "doi": self.doi}
        return [(prefix, values[prefix]) for prefix in ID_PRIORITY if values[prefix]]  # type: ignore[misc]

    def valid(self) -> list[tuple[str, str]]:
        """Those that fit their identifier space (a malformed id is skipped with a warning)."""
        out = []
        for prefix, local_id in self.present():
            if iris.is_valid(prefix, iris.normalise(prefix, local_id)):
                out.append((prefix, local_id))
            else:
                log.warning("ignoring malformed %s identifier %r", prefix, local_id)
        return out

    def primary(self) -> tuple[str, str] | None:
        found = self.valid()
        return found[0] if found else None

    def iri(self) -> NamedNode | None:
        best = self.primary()
        return iris.entity(*best) if best else None


def _clean(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def clean_doi(value: object) -> str | None:
    """A DOI without resolver prefix, or None when the text is not a whole DOI.

    Reference lists parsed from PDFs hold cut-off DOIs such as ``10.1016/S1470-2045(20``; one with
    unbalanced brackets is rejected rather than minted as a publication that does not exist.
    """
    text = _clean(value)
    if text is None:
        return None
    text = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", "", text, flags=re.IGNORECASE)
    if not _DOI.match(text):
        return None
    if text.count("(") != text.count(")") or text.count("[") != text.count("]"):
        log.warning("ignoring truncated DOI %r", text)
        return None
    return text


def add_identifiers(graph: RecordGraph, subject: NamedNode, ids: PublicationIds) -> None:
    """The pmid/pmcid/doi literals and a same_as link to the IRI of every non-primary identifier."""
    valid = ids.valid()
    for rank, (prefix, local_id) in enumerate(valid):
        if rank > 0:
            graph.add(subject, S.same_as, iris.entity(prefix, local_id))
        if prefix == "pubmed":
            graph.add(subject, S.pmid, local_id)
        elif prefix == "pmc":
            graph.add(subject, S.pmcid, iris.normalise("pmc", local_id))
        elif prefix == "doi":
            graph.add(subject, S.doi, iris.normalise("doi", local_id))


def cite(graph: RecordGraph, citing: NamedNode, cited: NamedNode) -> None:
    """``citing cites cited``, both typed Publication so the record validates on its own."""
    if citing != graph.topic:
        graph.type(citing, C.Publication)
    graph.link(citing, S.cites, cited, C.Publication if cited != graph.topic else None)


# ------------------------------------------------------------------ publication type
def publication_type(types: Iterable[str], preprint: bool = False) -> NamedNode | Literal | None:
    """The PublicationTypeEnum value for a source's list of publication types (None when none given).

    Preprint wins over review, review over journal article; a list naming none of them (erratum,
    news, editorial alone) is "other".
    """
    words = [t.strip().lower() for t in types if t and t.strip()]
    if preprint or any("preprint" in w for w in words):
        return PREPRINT
    if not words:
        return None
    if any("review" in w for w in words):
        return REVIEW
    if any(w in ("journal article", "research-article", "research article", "article") for w in words):
        return JOURNAL_ARTICLE
    if any(w == "book" or w.startswith("book ") for w in words):
        return BOOK
    return OTHER


# ------------------------------------------------------------------ licences
# Europe PMC writes the Creative Commons licence of an open-access article in lower case without a
# version ("cc by", "cc by-nc-nd"); the version-less Creative Commons IRI names that licence family.
_CC = "https://creativecommons.org/licenses/"
_CC_KINDS = {"by", "by-sa", "by-nd", "by-nc", "by-nc-sa", "by-nc-nd"}
CC0 = "https://creativecommons.org/publicdomain/zero/1.0/"


def licence_iri(text: str | None) -> NamedNode | None:
    """The IRI of a licence string ("cc by", "CC BY-NC 4.0", "cc0", a licence URL); None when unknown."""
    value = _clean(text)
    if value is None:
        return None
    if value.startswith(("http://creativecommons.org/", "https://creativecommons.org/")):
        return NamedNode("https://" + value.split("://", 1)[1])
    words = value.lower().replace("_", " ").replace("-", " ").split()
    if not words or words[0] not in ("cc", "cc0"):
        log.debug("no licence IRI for %r", value)
        return None
    if words[0] == "cc0" or words[1:2] == ["0"] or "zero" in words:
        return NamedNode(CC0)
    version = next((w for w in words[1:] if re.fullmatch(r"\d\.\d", w)), None)
    kind = "-".join(w for w in words[1:] if w in ("by", "sa", "nd", "nc"))
    if kind not in _CC_KINDS:
        log.debug("no licence IRI for %r", value)
        return None
    return NamedNode(f"{_CC}{kind}/{version}/" if version else f"{_CC}{kind}/")


# ------------------------------------------------------------------ authors
def add_author(
    graph: RecordGraph,
    publication: NamedNode,
    position: int,
    name: str | None = None,
    given: str | None = None,
    family: str | None = None,
    orcid: str | None = None,
    affiliations: Iterable[str] = (),
) -> BlankNode | None:
    """An Author blank node (name, given/family name, ORCID IRI, affiliation, position)."""
    name = _clean(name) or " ".join(p for p in (_clean(given), _clean(family)) if p) or None
    if name is None:
        return None
    author = BlankNode()
    graph.link(publication, S.author, author, C.Author)
    graph.add(author, S.name, name)
    graph.add(author, S.given_name, _clean(given))
    graph.add(author, S.family_name, _clean(family))
    orcid_iri = orcid_node(orcid)
    if orcid_iri is not None:
        graph.add(author, S.orcid, orcid_iri)
    places = [a.strip() for a in affiliations if a and a.strip()]
    if places:
        graph.add(author, S.affiliation, "; ".join(dict.fromkeys(places)))
    graph.add(author, S.author_position, position)
    return author


def orcid_node(value: str | None) -> NamedNode | None:
    """The ORCID IRI for an ORCID id or URL; None (with a warning) when it is not one."""
    text = _clean(value)
    if text is None:
        return None
    match = _ORCID.search(text.upper())
    if match is None or not iris.is_valid("orcid", match.group(1)):
        log.warning("ignoring malformed ORCID %r", text)
        return None
    return iris.entity("orcid", match.group(1))


def split_author_string(text: str | None) -> list[str]:
    """Author names from Europe PMC's ``authorString`` ("Carfi A, Bernabei R; Group X.")."""
    value = _clean(text)
    if value is None:
        return []
    value = value.rstrip(".")
    return [part.strip() for part in re.split(r"[,;]\s+", value) if part.strip()]


# ------------------------------------------------------------------ mentioned entities
# Database names as Europe PMC (dbCrossReferenceList), PubMed (DataBankName) and EBI Search spell
# them, lower-cased -> (identifier space, class). INSDC accessions are typed by their form.
DATABASES: dict[str, tuple[str, ClassTerm] | None] = {
    "uniprot": ("uniprot", C.Protein),
    "uniprotkb": ("uniprot", C.Protein),
    "swissprot": ("uniprot", C.Protein),
    "pdb": ("pdb", C.ProteinStructure),
    "pdbe": ("pdb", C.ProteinStructure),
    "chembl": ("chembl.compound", C.Compound),
    "chembl-molecule": ("chembl.compound", C.Compound),
    "chembl-target": ("chembl.target", C.Target),
    "chebi": ("chebi", C.Compound),
    "pubchem-compound": ("pubchem.compound", C.Compound),
    "pride": ("pride.project", C.ProteomicsProject),
    "biosamples": ("biosample", C.Sample),
    "biosample": ("biosample", C.Sample),
    "bioproject": ("bioproject", C.Study),
    "refseq": ("refseq", C.NucleotideSequence),
}
INSDC_DATABASES = {"embl", "ena", "genbank", "ddbj", "sra", "insdc"}
# spaces the portal does not load: cross-references, not mentions
SEE_ALSO = {
    "arxpr": "arrayexpress",
    "arrayexpress": "arrayexpress",
    "geo": "geo",
    "interpro": "interpro",
    "intact": "intact",
    "ega": "ega.dataset",
    "reactome": "reactome",
    "ensembl": "ensembl",
}

_SRA_CLASS = {"P": C.Study, "S": C.Sample, "X": C.SequencingExperiment, "R": C.ReadRun}


def insdc_entity(accession: str) -> tuple[NamedNode, ClassTerm] | None:
    """An INSDC accession typed by its form: project, sample, SRA object or sequence."""
    acc = accession.strip()
    if acc.startswith("PRJ"):
        space, cls = "bioproject", C.Study
    elif acc.startswith("SAM"):
        space, cls = "biosample", C.Sample
    elif re.fullmatch(r"[SED]R[PSXR]\d+", acc):
        space, cls = "insdc.sra", _SRA_CLASS[acc[2]]
    elif "_" in acc and iris.is_valid("refseq", acc):
        space, cls = "refseq", C.NucleotideSequence
    else:
        space, cls = "ena.embl", C.NucleotideSequence
    try:
        return iris.entity(space, acc), cls
    except iris.UnknownIdentifier:
        return None


def database_entity(database: str, accession: str) -> tuple[NamedNode, ClassTerm] | None:
    """The entity a cross-reference names, when the portal loads that database; else None."""
    key = database.strip().lower()
    if key in INSDC_DATABASES:
        return insdc_entity(accession)
    entry = DATABASES.get(key)
    if entry is None:
        return None
    space, cls = entry
    try:
        return iris.entity(space, accession), cls
    except iris.UnknownIdentifier:
        log.warning("ignoring %s cross-reference %r: not a valid %s id", database, accession, space)
        return None


def add_mention(graph: RecordGraph, publication: NamedNode, database: str, accession: str) -> bool:
    """``publication mentions X`` (and the inverse) for a cross-reference; see_also for spaces the
    portal does not load. False when the database is unknown or the accession does not fit."""
    found = database_entity(database, accession)
    if found is not None:
        target, cls = found
        graph.link(publication, S.mentions, target, cls)
        graph.type(target, ENTITY)
        graph.link(target, S.mentioned_in, publication)
        return True
    space = SEE_ALSO.get(database.strip().lower())
    if space is not None:
        try:
            graph.add(publication, S.see_also, iris.entity(space, accession))
            return True
        except iris.UnknownIdentifier:
            pass
    log.debug("no entity for cross-reference %s:%s", database, accession)
    return False
