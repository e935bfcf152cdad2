"""The fast per-record validator finds what pyshacl finds, on constructed and on real records."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, Triple

import loaders
from covid_portal.records import RDF_TYPE, RecordError
from covid_portal.terms import C, S
from covid_portal.validate import UnsupportedShape, Validator, default_validator
from tests.conftest import RECORDS, TEST_DATA, shacl_report, to_rdflib

XSD = "http://www.w3.org/2001/XMLSchema#"
P = NamedNode("http://purl.uniprot.org/uniprot/P0DTC2")


def protein(*extra: Triple) -> list[Triple]:
    return [
        Triple(P, RDF_TYPE, C.Protein.node),
        Triple(P, S.accession.node, Literal("P0DTC2")),
        Triple(P, S.name.node, Literal("Spike glycoprotein")),
        *extra,
    ]


def components(triples: list[Triple]) -> set[str]:
    return {v.component for v in default_validator().check(triples)}


def test_a_valid_record_has_no_violations() -> None:
    assert (
        default_validator().check(
            protein(Triple(P, S.sequence_length.node, Literal("1273", datatype=NamedNode(XSD + "integer"))))
        )
        == []
    )


@pytest.mark.parametrize(
    ("extra", "component"),
    [
        (Triple(P, S.sequence_length.node, Literal("long")), "DatatypeConstraintComponent"),
        (
            Triple(P, S.sequence_length.node, Literal("x1", datatype=NamedNode(XSD + "integer"))),
            "DatatypeConstraintComponent",
        ),
        (
            Triple(P, S.sequence_length.node, Literal("0", datatype=NamedNode(XSD + "integer"))),
            "MinInclusiveConstraintComponent",
        ),
        (Triple(P, S.has_structure.node, NamedNode("https://rdf.wwpdb.org/pdb/6M0J")), "ClassConstraintComponent"),
        (Triple(P, S.taxon.node, Literal("2697049")), "NodeKindConstraintComponent"),
        (Triple(P, NamedNode("http://example.org/unknown"), Literal("x")), "ClosedConstraintComponent"),
        (Triple(P, S.checksum.node, Literal("not a checksum")), "PatternConstraintComponent"),
    ],
)
def test_each_kind_of_violation_is_found(extra: Triple, component: str) -> None:
    triples = protein(extra)
    assert component in components(triples)
    conforms, _ = shacl_report(to_rdflib(triples))
    assert not conforms  # pyshacl agrees that the record is invalid


def test_unsupported_shape_features_are_refused(tmp_path: Path) -> None:
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .\n"
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:sparql [ sh:select 'SELECT $this {}' ] .\n"
    )
    with pytest.raises(UnsupportedShape, match="sparql"):
        Validator([shapes])


def _example_files() -> list[Path]:
    folder = TEST_DATA / "examples"
    return sorted(folder.rglob("*.ttl")) if folder.exists() else []


def _oxi(term: rdflib.term.Node) -> NamedNode | BlankNode | Literal:
    if isinstance(term, rdflib.URIRef):
        return NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return BlankNode(str(term))
    if term.language:
        return Literal(str(term), language=term.language)
    return Literal(str(term), datatype=NamedNode(str(term.datatype or XSD + "string")))


@pytest.mark.parametrize("path", _example_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_agrees_with_pyshacl_on_examples(path: Path) -> None:
    graph = rdflib.Graph().parse(path, format="turtle")
    triples = [Triple(_oxi(s), _oxi(p), _oxi(o)) for s, p, o in graph]
    conforms, text = shacl_report(graph)
    ours = default_validator().check(triples)
    assert (not ours) == conforms, f"pyshacl conforms={conforms}, ours={[str(v) for v in ours]}\n{text}"


def _sample_records(limit_per_file: int = 5) -> list[tuple[str, list[Triple]]]:
    out = []
    for path in sorted(p for p in RECORDS.rglob("*") if p.is_file() and p.suffix != ".md"):
        detected = loaders.detect(path)
        if detected is None:
            continue
        loader, fmt = detected
        count = 0
        for item in loader.parse(path, fmt):
            if isinstance(item, RecordError):
                continue
            try:
                graph = loader.to_rdf(item)
            except RecordError:
                continue
            out.append((f"{path.name}#{item.record_id}", graph.triples))
            count += 1
            if count >= limit_per_file:
                break
    return out


def test_agrees_with_pyshacl_on_real_records() -> None:
    records = _sample_records()
    assert len(records) >= 30
    for name, triples in records:
        conforms, text = shacl_report(to_rdflib(triples))
        ours = default_validator().check(triples)
        assert (not ours) == conforms, (
            f"{name}: pyshacl conforms={conforms}, ours={[str(v) for v in ours][:5]}\n{text[:2000]}"
        )
