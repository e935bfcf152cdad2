"""IRIs are the sources' own published forms, deterministic, and round-trip through CURIEs."""

from __future__ import annotations

import pytest

from covid_portal import iris

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


AWKWARD_IDS = ["MN908947.3", "10.1016/S0140-6736(20)30183-5", "a b", "a\n", "x#y?z", "50%", "Müller", "", "~_-.:/()"]


@pytest.mark.parametrize("local_id", AWKWARD_IDS)
def test_local_ids_are_escaped_as_quote_escapes_them(local_id: str) -> None:
    # the fast path for plain accessions must give what percent-encoding gives for every input
    from urllib.parse import quote

    assert iris._escape(local_id) == quote(local_id, safe=":/._-~()")
