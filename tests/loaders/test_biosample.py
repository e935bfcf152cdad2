"""The BioSamples loader on the ReCoDID COVID-19 sample documents (458 samples) and derived edge cases."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest
import rdflib

from covid_portal import iris
from covid_portal.records import FileFormatError, RawRecord, RecordError, RecordGraph
from covid_portal.terms import C, S
from loaders import detect
from loaders.base import read_head
from loaders.biosample import LOADER
from tests.conftest import RECORDS, TEST_DATA, shacl_report, to_rdflib
from tests.loaders.facts import values
from tests.snapshots import assert_snapshot

SAMPLES = RECORDS / "ena" / "biosamples_json_recodid_covid19_samples.json"
BAD = TEST_DATA / "biosample"


@cache
def graphs(path: Path = SAMPLES) -> dict[str, RecordGraph]:
    out = {}
    for record in LOADER.parse(path, "json"):
        assert isinstance(record, RawRecord), str(record)
        out[record.record_id] = LOADER.to_rdf(record)
    return out


def rdf(accession: str) -> rdflib.Graph:
    return to_rdflib(graphs()[accession].triples)


def ref(prefix: str, local_id: str) -> rdflib.URIRef:
    return rdflib.URIRef(iris.entity(prefix, local_id).value)


def one(graph: rdflib.Graph, subject: rdflib.term.Node, slot) -> str:
    found = values(graph, subject, slot)
    assert len(found) == 1, f"{slot.name} of {subject}: {found}"
    return found.pop()


def characteristics(graph: rdflib.Graph, sample: rdflib.term.Node) -> dict[str, tuple[str, set[str]]]:
    out = {}
    for node in graph.objects(sample, rdflib.URIRef(S.characteristic.uri)):
        out[one(graph, node, S.property_name)] = (one(graph, node, S.property_value), values(graph, node, S.value_term))
    return out


# ------------------------------------------------------------------ the real file
def test_detected_as_biosamples() -> None:
    found = detect(SAMPLES)
    assert found is not None and (found[0].name, found[1]) == ("biosample", "json")


def test_every_document_is_a_record() -> None:
    raw = json.loads(SAMPLES.read_text())
    assert len(raw) == 458
    assert set(graphs()) == {doc["accession"] for doc in raw}


@pytest.mark.slow
def test_every_record_conforms() -> None:
    for accession, graph in graphs().items():
        conforms, text = shacl_report(to_rdflib(graph.triples))
        assert conforms, f"{accession}:\n{text}"


@pytest.mark.parametrize("accession", ["SAMEA6847861", "SAMEA112152876", "SAMEA8662282"])
def test_snapshot(accession: str) -> None:
    assert_snapshot(graphs()[accession].triples, f"biosample/{accession}")


def test_sars_cov_2_sample() -> None:
    g, sample = rdf("SAMEA6847861"), ref("biosample", "SAMEA6847861")
    assert one(g, sample, S.name) == "Run187_BC19"
    assert values(g, sample, S.taxon) == {str(ref("ncbitaxon", "2697049"))}  # taxId
    assert values(g, sample, S.secondary_accession) == {"ERS4575459"}  # SRA accession
    assert str(ref("insdc.sra", "ERS4575459")) in values(g, sample, S.same_as)
    assert one(g, sample, S.collection_date) == "2020-03-16"
    assert one(g, sample, S.country) == "Netherlands"
    assert one(g, sample, S.first_public) == "2020-05-20"  # release 2020-05-20T17:07:13Z
    assert one(g, sample, S.last_updated) == "2022-07-15"  # update 2022-07-15T18:37:39.016Z
    assert one(g, sample, S.center_name) == "ERASMUS MC, UNIVERISTY MEDICAL CENTER"
    assert values(g, sample, S.derived_from) == {str(ref("biosample", "SAMEA12928719"))}
    assert values(g, sample, S.see_also) == {str(ref("ega.dataset", "EGAD00001009748"))}  # ENA view of itself dropped
    host = rdflib.URIRef(iris.host("Homo sapiens").value)
    assert values(g, sample, S.host) == {str(host)}
    assert values(g, host, S.host_taxon) == {str(ref("ncbitaxon", "9606"))}  # the host's ontology term
    chars = characteristics(g, sample)
    assert chars["GISAID Accession ID"] == ("EPI_ISL_422848", set())
    assert chars["host scientific name"] == ("Homo sapiens", {str(ref("ncbitaxon", "9606"))})
    doc = next(d for d in json.loads(SAMPLES.read_text()) if d["accession"] == "SAMEA6847861")
    assert set(chars) == set(doc["characteristics"])  # one per characteristic in the document


def test_human_sample_with_disease_and_tissue_term() -> None:
    g, sample = rdf("SAMEA112152876"), ref("biosample", "SAMEA112152876")
    assert values(g, sample, S.disease) == {"http://purl.obolibrary.org/obo/DOID_0080600"}  # COVID-19
    assert values(g, sample, S.taxon) == {str(ref("ncbitaxon", "9606"))}
    assert characteristics(g, sample)["sample soure name"] == ("Blood", {"http://purl.obolibrary.org/obo/NCIT_C12434"})
    assert values(g, sample, S.derived_from) == {str(ref("biosample", "SAMEA12928717"))}
    assert values(g, sample, S.see_also) == {
        str(ref("ega.dataset", "EGAD00001009748")),
        str(ref("arrayexpress", "E-MTAB-12161")),  # .../biostudies/arrayexpress/studies/E-MTAB-12161
    }


def test_country_and_region_make_the_location() -> None:
    g, sample = rdf("SAMEA8662282"), ref("biosample", "SAMEA8662282")
    assert one(g, sample, S.country) == "Netherlands"
    assert one(g, sample, S.location) == "Netherlands:Zuid-Holland"


def test_counts_over_the_file() -> None:
    g = to_rdflib(t for graph in graphs().values() for t in graph.triples)
    with_sra = {s for s in g.subjects(rdflib.URIRef(S.secondary_accession.uri), None)}
    assert len(with_sra) == 80  # the SARS-CoV-2 samples carry an SRA accession
    with_disease = {s for s in g.subjects(rdflib.URIRef(S.disease.uri), None)}
    assert len(with_disease) == 376  # disease with an ontology term (2 more give text only)
    derived = set(g.subject_objects(rdflib.URIRef(S.derived_from.uri)))
    assert len(derived) >= 307  # the relationships whose source is the document's own sample


# ------------------------------------------------------------------ other shapes of the API
def test_hal_page_and_single_document() -> None:
    page = [g.record_id for g in graphs(BAD / "hal_page.json").values()]
    assert sorted(page) == ["SAMEA112152876", "SAMEA6847861"]
    assert LOADER.sniff(BAD / "hal_page.json", read_head(BAD / "hal_page.json")) == "json"
    single = graphs(BAD / "single_document.json")
    assert list(single) == ["SAMEA112152876"]
    assert to_rdflib(single["SAMEA112152876"].triples).isomorphic(rdf("SAMEA112152876"))


def test_foreign_files_are_not_claimed() -> None:
    others = [f for f in RECORDS.rglob("*") if f.is_file() and f != SAMPLES and not f.name.endswith(".md")]
    assert [f.name for f in others if LOADER.sniff(f, read_head(f))] == []


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty.json", "file is empty"),
        ("truncated.json", "JSON ends unexpectedly"),
        ("wrong_format.json", "expected BioSamples sample documents"),
    ],
)
def test_bad_file(name: str, reason: str) -> None:
    with pytest.raises(FileFormatError, match=re.escape(reason)) as info:
        list(LOADER.parse(BAD / name, "json"))
    assert name in str(info.value)


def test_invalid_records() -> None:
    out = list(LOADER.parse(BAD / "invalid_records.json", "json"))
    assert isinstance(out[0], RecordError) and "has no accession" in out[0].reason and out[0].raw
    assert isinstance(out[1], RawRecord)
    with pytest.raises(RecordError, match=re.escape("collection date: month must be in 1..12")) as info:
        LOADER.to_rdf(out[1])
    assert info.value.record_id == "SAMEA6847861"


def test_characteristics_must_be_an_object() -> None:
    record = RawRecord(
        "biosample",
        "SAMEA6847861",
        {"accession": "SAMEA6847861", "characteristics": []},
        "x.json",
        "record 1",
        "{}",
        fmt="json",
    )
    with pytest.raises(RecordError, match="characteristics is not an object"):
        LOADER.to_rdf(record)


def test_biosample_class() -> None:
    g = rdf("SAMEA6847861")
    assert (ref("biosample", "SAMEA6847861"), rdflib.RDF.type, rdflib.URIRef(C.Sample.uri)) in g


def test_checklist_attributes_fill_sample_slots() -> None:
    """Attribute names of the ENA virus checklist that the ReCoDID file does not use."""
    doc = {
        "accession": "SAMEA6847861",
        "characteristics": {
            "geographic location (latitude)": [{"text": "33.9 S"}],
            "geographic location (longitude)": [{"text": "18.4 E"}],
            "geographic location (country and/or sea)": [{"text": "South Africa: Cape Town"}],
            "cell line": [{"text": "Vero E6", "ontologyTerms": ["EFO_0001182"]}],
            "host": [{"text": "Homo sapiens"}],
            "host taxid": [{"text": "9606"}],
            "collection date": [{"text": "missing: control sample"}],
        },
    }
    record = RawRecord("biosample", "SAMEA6847861", doc, "x.json", "record 1", "{}", fmt="json")
    graph = LOADER.to_rdf(record)
    g, sample = to_rdflib(graph.triples), ref("biosample", "SAMEA6847861")
    assert one(g, sample, S.latitude) == "-33.9" and one(g, sample, S.longitude) == "18.4"
    assert (one(g, sample, S.country), one(g, sample, S.location)) == ("South Africa", "South Africa: Cape Town")
    assert one(g, sample, S.cell_line) == "Vero E6"
    assert characteristics(g, sample)["cell line"] == ("Vero E6", {"http://www.ebi.ac.uk/efo/EFO_0001182"})
    host = rdflib.URIRef(iris.host("Homo sapiens").value)
    assert values(g, host, S.host_taxon) == {str(ref("ncbitaxon", "9606"))}
    assert values(g, sample, S.collection_date) == set()
    conforms, text = shacl_report(g)
    assert conforms, text
