"""IRIs are the sources' own published forms, deterministic, and round-trip through CURIEs."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from covid_portal import iris
from covid_portal.store import StoreDir

# The primary IRI forms each source documents for its own RDF (UniProt, wwPDB, ChEMBL-RDF, OBO).
PUBLISHED = [
    ("uniprot", "P0DTC2", "http://purl.uniprot.org/uniprot/P0DTC2"),
    ("pdb", "6m0j", "https://rdf.wwpdb.org/pdb/6M0J"),
    ("ncbitaxon", "2697049", "http://purl.obolibrary.org/obo/NCBITaxon_2697049"),
    ("chembl.compound", "CHEMBL4065616", "http://rdf.ebi.ac.uk/resource/chembl/molecule/CHEMBL4065616"),
    ("chembl.target", "CHEMBL4523582", "http://rdf.ebi.ac.uk/resource/chembl/target/CHEMBL4523582"),
    ("chebi", "145994", "http://purl.obolibrary.org/obo/CHEBI_145994"),
    ("ena.embl", "MN908947.3", "https://identifiers.org/ena.embl:MN908947"),
    ("biosample", "SAMEA6660144", "https://identifiers.org/biosample:SAMEA6660144"),
    ("pubmed", "32225176", "https://identifiers.org/pubmed:32225176"),
]


@pytest.mark.parametrize(("prefix", "local_id", "expected"), PUBLISHED)
def test_primary_iri_is_the_published_form(prefix: str, local_id: str, expected: str) -> None:
    assert iris.entity(prefix, local_id).value == expected
    assert iris.compress(expected) == iris.curie(prefix, local_id)


def test_synonym_forms_compress_to_the_same_curie() -> None:
    assert iris.compress("https://identifiers.org/uniprot:P0DTC2") == "uniprot:P0DTC2"
    assert iris.standardize("https://identifiers.org/uniprot:P0DTC2") == "http://purl.uniprot.org/uniprot/P0DTC2"
    assert iris.same_as("uniprot", "P0DTC2")[0].value == "https://identifiers.org/uniprot:P0DTC2"


@pytest.mark.parametrize(("prefix", "local_id"), [("uniprot", "not-an-id"), ("pdb", "12345"), ("nosuch", "1")])
def test_invalid_identifiers_are_refused(prefix: str, local_id: str) -> None:
    with pytest.raises(iris.UnknownIdentifier):
        iris.entity(prefix, local_id)


def test_record_graphs_are_deterministic_and_safe() -> None:
    first = iris.record_graph("pride", "PXD018241 sample 1")
    assert first == iris.record_graph("pride", "PXD018241 sample 1")
    assert " " not in first.value and first.value.startswith(iris.RECORD_BASE)
    assert iris.expand("pdb:6m0j") == "https://rdf.wwpdb.org/pdb/6M0J"
    assert iris.expand("unknown:1") is None


def _candidate_iris(demo_store: Path) -> set[str]:
    store = StoreDir(demo_store).open_read()
    found = {term.value for quad in store for term in (quad.subject, quad.object) if isinstance(term, ox.NamedNode)}
    # every known URI prefix with an id after it, alone, cut short by one character, and with overlaps
    for record in iris.converter().records:
        for uri in (record.uri_prefix, *record.uri_prefix_synonyms):
            found.update({uri + "X1", uri, uri[:-1], uri + "/", uri.upper() + "1"})
    return found | {"", "x", "urn:uuid:1", "http://purl.obolibrary.org/obo/", "http://purl.obolibrary.org/obo/GO_"}


def test_compress_gives_the_converters_answer_for_every_iri(demo_store: Path) -> None:
    # iris.compress looks prefixes up by length instead of walking the converter's trie: same answers
    candidates = _candidate_iris(demo_store)
    assert len(candidates) > 1000
    converter = iris.converter()
    different = {iri: (iris.compress(iri), converter.compress(iri, strict=False)) for iri in candidates
                 if iris.compress(iri) != converter.compress(iri, strict=False)}  # fmt: skip
    assert not different
    assert sum(iris.compress(iri) is not None for iri in candidates) > 500


def test_compress_takes_the_longest_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    # the portal's own prefixes do not overlap today; a converter whose prefixes do (as OBO's) must
    # still give the converter's answer, the longest match
    import curies

    obo = "http://purl.obolibrary.org/obo/"
    overlapping = curies.Converter.from_prefix_map({"OBO": obo, "GO": obo + "GO_", "GOX": obo + "GO_X"})
    monkeypatch.setattr(iris, "converter", lambda: overlapping)
    iris._uri_prefixes.cache_clear()
    try:
        for iri in (obo + "GO_0032571", obo + "go.owl", obo + "GO_X1", obo + "GO_", obo, "http://x/"):
            assert iris.compress(iri) == overlapping.compress(iri, strict=False)
        assert iris.compress(obo + "GO_X1") == "GOX:1"
    finally:
        iris._uri_prefixes.cache_clear()
