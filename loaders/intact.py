"""IntAct molecular interactions (PSI-MI XML 2.5) -> MolecularInteraction, linking the Proteins involved.

Format read: ``psi-mi-xml``, PSI-MI XML 2.5 (``entrySet/entry``, namespace ``http://psi.hupo.org/mi/mif``),
in the compact form (an entry's ``experimentList`` and ``interactorList`` referenced by id from its
interactions) or the expanded form (experiments and interactors written inside each interaction).
The file is streamed: an entry's experiments and interactors are reduced to small summaries as they
end, and each ``interaction`` becomes one record as soon as it is read, with what it refers to
resolved into the record, so ``to_rdf`` needs nothing else.

Each interaction is a :class:`MolecularInteraction` named by its IntAct accession (EBI-..., the
``xref`` with ``db="intact"``), with its IMEx id as secondary accession, its participants (the
interactors with a UniProtKB identity; a chain or isoform id such as ``P0C6X7-PRO_0000037317`` names
its entry, ``P0C6X7``), the detection method of its experiments and its interaction type (PSI-MI IRIs),
and the PubMed article of its experiments. Every pair of protein participants gets ``interacts_with``
in both directions, and each protein its taxon (the interactor's ``organism/@ncbiTaxId``).

Not mapped: participants that are not proteins with a UniProtKB id (small molecules, nucleic
acids), experimental roles, features and confidences. A negative interaction (evidence that the
molecules do *not* interact) is a RecordError: the model has no way to say so.
"""

from __future__ import annotations

import gzip
import itertools
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from covid_portal.records import FileFormatError, RawRecord, RecordError, RecordGraph, fail
from covid_portal.terms import C, S
from loaders.base import Loader, link_publication, read_head, reference

FORMAT = "psi-mi-xml"
MIF = "http://psi.hupo.org/mi/mif"
URL = "https://www.ebi.ac.uk/intact/interaction/"
_UNIPROT = re.compile(r"^([A-Z0-9]+)(?:-\S+)?$")  # P0C6X7-PRO_0000037317 (chain), P20290-2 (isoform)
_MI = re.compile(r"^MI:(\d{4})$")
_TAXON = re.compile(r"^\d+$")


@dataclass
class Experiment:
    pmids: list[str] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)  # PSI-MI ids of the interaction detection method


@dataclass
class Interactor:
    uniprot: str | None = None  # the UniProtKB identity, as written
    taxon: str | None = None


@dataclass
class Interaction:
    """One interaction with everything it refers to resolved."""

    accession: str | None
    imex: str | None
    label: str | None
    negative: bool
    types: list[str]
    experiments: list[Experiment]
    participants: list[Interactor]


class IntactLoader(Loader):
    name = "intact"
    title = "IntAct Molecular Interaction Database"
    homepage = "https://www.ebi.ac.uk/intact/"
    license = "https://creativecommons.org/licenses/by/4.0/"
    formats = (FORMAT,)

    def sniff(self, path: Path, head: str) -> str | None:
        text = head.lstrip()
        if text.startswith("<") and "<entrySet" in text and f'"{MIF}"' in text:
            return FORMAT
        return None

    # ------------------------------------------------------------------ parse
    def parse(self, path: Path, fmt: str) -> Iterator[RawRecord | RecordError]:
        if fmt != FORMAT:
            raise FileFormatError(str(path), f"unknown IntAct format {fmt!r} (known: {FORMAT})")
        head = read_head(path)
        if not head.strip():
            raise FileFormatError(str(path), "file is empty")
        if "<entrySet" not in head:
            raise FileFormatError(str(path), "not PSI-MI XML: no entrySet element")
        experiments: dict[str, Experiment] = {}
        interactors: dict[str, Interactor] = {}
        release: str | None = None
        count = 0
        for elem, parents in _stream(path):
            name = _local(elem.tag)
            if name == "entry":
                experiments, interactors, release = {}, {}, None
            elif name == "source" and parents[-1] == "entry":
                release = (elem.get("releaseDate") or "")[:10] or None
            elif name == "experimentDescription" and parents[-2:] == ["entry", "experimentList"]:
                experiments[elem.get("id", "")] = _experiment(elem)
            elif name == "interactor" and parents[-2:] == ["entry", "interactorList"]:
                interactors[elem.get("id", "")] = _interactor(elem)
            elif name == "interaction" and parents[-1] == "interactionList":
                count += 1
                yield self._record(path, elem, count, experiments, interactors, release)
            else:
                continue
            elem.clear()
        if count == 0:
            raise FileFormatError(str(path), "PSI-MI XML holds no <interaction>")

    def _record(
        self,
        path: Path,
        elem: ET.Element,
        count: int,
        experiments: dict[str, Experiment],
        interactors: dict[str, Interactor],
        release: str | None,
    ) -> RawRecord | RecordError:
        raw = ET.tostring(elem, encoding="unicode")
        position = f"interaction {count}"
        accession = _xref_id(elem, "intact")
        resolved_experiments = []
        for child in _children(elem, "experimentList"):
            if _local(child.tag) == "experimentDescription":
                resolved_experiments.append(_experiment(child))
            elif (ref := (child.text or "").strip()) in experiments:
                resolved_experiments.append(experiments[ref])
            else:
                reason = f"experimentRef {ref!r} names no experiment of the entry"
                return RecordError(self.name, str(path), position, accession, reason, raw)
        participants = []
        for participant in _children(elem, "participantList"):
            inline = _child(participant, "interactor")
            ref = _text(_child(participant, "interactorRef"))
            if inline is not None:
                participants.append(_interactor(inline))
            elif ref in interactors:
                participants.append(interactors[ref])
            else:
                reason = f"participant {participant.get('id')!r} refers to interactor {ref!r}, which the entry lacks"
                return RecordError(self.name, str(path), position, accession, reason, raw)
        interaction = Interaction(
            accession=accession,
            imex=elem.get("imexId") or _xref_id(elem, "imex"),
            label=_text(_child(_child(elem, "names"), "shortLabel")),
            negative=_text(_child(elem, "negative")) == "true",
            types=[m for m in map(_mi_id, _children_named(elem, "interactionType")) if m],
            experiments=resolved_experiments,
            participants=participants,
        )
        return RawRecord(
            self.name,
            accession or "",
            interaction,
            str(path),
            position,
            raw,
            FORMAT,
            url=URL + accession if accession else None,
            release=release,
        )

    # ------------------------------------------------------------------ to_rdf
    def to_rdf(self, record: RawRecord) -> RecordGraph:
        i: Interaction = record.data
        if not i.accession:
            raise fail(record, 'interaction has no IntAct accession (xref with db="intact")')
        if i.negative:
            raise fail(record, "negative interaction (evidence that the molecules do not interact): not mapped")
        graph, topic = self.new_graph(record, C.MolecularInteraction, "intact", i.accession)
        graph.add(topic, S.name, i.label)
        graph.add(topic, S.secondary_accession, i.imex)
        proteins = []
        for participant in i.participants:
            match = _UNIPROT.match(participant.uniprot or "")
            protein = reference("uniprot", match.group(1)) if match else None
            if protein is None:
                continue  # not a protein with a UniProtKB id (small molecule, nucleic acid)
            proteins.append(protein)
            graph.link(topic, S.participant, protein, C.Protein)
            taxon = reference("ncbitaxon", participant.taxon) if _TAXON.match(participant.taxon or "") else None
            if taxon is not None:
                graph.link(protein, S.taxon, taxon, C.Taxon)
        if not proteins:
            raise fail(record, "no participant is a protein with a UniProtKB accession")
        for a, b in itertools.combinations(proteins, 2):
            graph.link(a, S.interacts_with, b)
            graph.link(b, S.interacts_with, a)
        for method in dict.fromkeys(m for e in i.experiments for m in e.methods):
            graph.add(topic, S.detection_method, reference("mi", method))
        for kind in dict.fromkeys(i.types):
            graph.add(topic, S.interaction_type, reference("mi", kind))
        for pmid in dict.fromkeys(p for e in i.experiments for p in e.pmids):
            link_publication(graph, topic, pmid, None)
        graph.deduplicate()
        return graph


# ---------------------------------------------------------------------- XML helpers
def _stream(path: Path) -> Iterator[tuple[ET.Element, list[str]]]:
    """Each element as it ends, with the local names of its ancestors; clear() what you are done with."""
    with path.open("rb") as probe:
        compressed = probe.read(2) == b"\x1f\x8b"
    stack: list[str] = []
    try:
        source = gzip.open(path) if compressed else path  # noqa: SIM115 (iterparse closes it)
        for event, elem in ET.iterparse(source, events=("start", "end")):
            if event == "start":
                if not stack and _local(elem.tag) != "entrySet":
                    raise FileFormatError(str(path), f"not PSI-MI XML: root element is {_local(elem.tag)!r}")
                stack.append(_local(elem.tag))
                continue
            stack.pop()
            yield elem, stack
    except ET.ParseError as exc:
        line, column = exc.position
        message = str(exc).split(":")[0]
        if message in ("no element found", "unclosed token", "unclosed CDATA section"):
            raise FileFormatError(str(path), f"XML ends unexpectedly at line {line} (truncated file?)") from None
        raise FileFormatError(str(path), f"XML is not well-formed at line {line}, column {column}: {message}") from None
    except (OSError, EOFError) as exc:
        raise FileFormatError(str(path), f"truncated or corrupt gzip data ({exc})") from None


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _child(elem: ET.Element | None, name: str) -> ET.Element | None:
    if elem is None:
        return None
    return next((c for c in elem if _local(c.tag) == name), None)


def _children(elem: ET.Element, list_name: str) -> list[ET.Element]:
    holder = _child(elem, list_name)
    return list(holder) if holder is not None else []


def _children_named(elem: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in elem if _local(c.tag) == name]


def _text(elem: ET.Element | None) -> str | None:
    text = (elem.text or "").strip() if elem is not None else ""
    return text or None


def _refs(elem: ET.Element | None) -> list[ET.Element]:
    """The primaryRef and secondaryRefs of an element's xref."""
    xref = _child(elem, "xref")
    return [r for r in xref if _local(r.tag) in ("primaryRef", "secondaryRef")] if xref is not None else []


def _xref_id(elem: ET.Element, db: str) -> str | None:
    """The element's own identifier in ``db`` (primaryRef first; identity/imex-primary refs only)."""
    for ref in _refs(elem):
        if ref.get("db") == db and ref.get("refType") in (None, "identity", "imex-primary"):
            return (ref.get("id") or "").strip() or None
    return None


def _mi_id(elem: ET.Element) -> str | None:
    """The PSI-MI id (4 digits) of a controlled-vocabulary element such as interactionType."""
    for ref in _refs(elem):
        match = _MI.match(ref.get("id") or "")
        if ref.get("db") == "psi-mi" and match:
            return match.group(1)
    return None


def _experiment(elem: ET.Element) -> Experiment:
    pmids = [
        ref.get("id", "").strip()
        for ref in _refs(_child(elem, "bibref"))
        if ref.get("db") == "pubmed" and ref.get("id", "").strip().isdigit()
    ]
    methods = [m for m in (_mi_id(e) for e in _children_named(elem, "interactionDetectionMethod")) if m]
    return Experiment(pmids=pmids, methods=methods)


def _interactor(elem: ET.Element) -> Interactor:
    uniprot = next(
        (
            ref.get("id")
            for ref in _refs(elem)
            if ref.get("db") in ("uniprotkb", "uniprot") and ref.get("refType") in (None, "identity")
        ),
        None,
    )
    organism = _child(elem, "organism")
    return Interactor(
        uniprot=uniprot,
        taxon=organism.get("ncbiTaxId") if organism is not None else None,
    )


LOADER = IntactLoader()
