"""End to end: the bundled real records load into a cross-linked, validated, provenance-tracked graph."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from covid_portal.iris import ACTIVITY_BASE as ACTIVITY
from covid_portal.pipeline import Pipeline, load
from covid_portal.store import StoreDir
from tests.conftest import RECORDS, TEST_DATA

PREFIXES = """
PREFIX cp: <https://w3id.org/covid-portal/vocab/>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX pav: <http://purl.org/pav/>
PREFIX uniprot: <http://purl.uniprot.org/uniprot/>
PREFIX pdb: <https://rdf.wwpdb.org/pdb/>
PREFIX ena: <https://identifiers.org/ena.embl:>
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[StoreDir, object]:
    path = tmp_path_factory.mktemp("demo") / "store"
    report = load([RECORDS], path)
    return StoreDir(path), report


def ask(store: StoreDir, query: str) -> bool:
    return bool(store.open_read().query(PREFIXES + query, use_default_graph_as_union=True))


def test_every_record_is_accounted_for(demo) -> None:
    store, report = demo
    assert report.read > 1000
    assert report.read == report.loaded + report.quarantined
    for name, stats in report.sources.items():
        assert stats.loaded > 0, f"{name} loaded nothing"
    lines = report.quarantine_file.read_text().splitlines() if report.quarantine_file else []
    assert len([json.loads(line) for line in lines if json.loads(line)["stage"] != "file"]) == report.quarantined
    graphs = sum(1 for g in store.open_read().named_graphs() if "/record/" in g.value)
    assert 0 < graphs <= report.loaded  # duplicates across files replace each other


@pytest.mark.parametrize(
    "query",
    [
        # the spike protein links to the ENA sequence it came from, and back
        "ASK { uniprot:P0DTC2 cp:encodedBy ena:MN908947 . ena:MN908947 cp:encodes uniprot:P0DTC2 }",
        # ... and to its structures, 6M0J among them
        "ASK { uniprot:P0DTC2 cp:hasStructure pdb:6M0J }",
        # 6M0J links to both ACE2 and spike
        "ASK { pdb:6M0J cp:polymerProtein uniprot:Q9BYF1, uniprot:P0DTC2 }",
        # the early 6LU7 release has no UniProt mapping but still loads
        "ASK { pdb:6LU7 dct:identifier '6LU7' FILTER NOT EXISTS { pdb:6LU7 cp:polymerProtein ?p } }",
        # compound -> activity -> assay and target (the replicase polyprotein)
        "ASK { ?c cp:hasActivity ?a . ?a cp:inAssay ?assay ; cp:activityTarget"
        " <http://rdf.ebi.ac.uk/resource/chembl/target/CHEMBL4523582> ."
        " ?assay a <http://www.bioassayontology.org/bao#BAO_0000015> }",
        # the ENA sequence record is a typed, identified entity
        "ASK { ena:MN908947 a <http://edamontology.org/data_2977> ; dct:identifier 'MN908947' }",
    ],
)
def test_cross_links(demo, query: str) -> None:
    store, _ = demo
    assert ask(store, query), query


def test_every_record_graph_carries_provenance(demo) -> None:
    store, _ = demo
    missing = store.open_read().query(
        PREFIXES
        + """SELECT ?g WHERE { GRAPH ?g { ?g foaf:primaryTopic ?t }
             FILTER NOT EXISTS { GRAPH ?g { ?g dct:source ?s ; pav:createdWith ?v ; pav:retrievedOn ?r ;
                                            dct:license ?l ; prov:wasGeneratedBy ?a } } } LIMIT 5"""
    )
    assert [row["g"].value for row in missing] == []


def test_the_caller_hears_when_the_records_are_read_and_publishing_starts(tmp_path: Path) -> None:
    events: list[str] = []
    pipeline = Pipeline(on_progress=lambda records, _: events.append(f"{records} records"), on_stage=events.append)
    report = pipeline.run([RECORDS / "uniprot"], StoreDir(tmp_path / "s"))
    assert report.loaded > 0
    assert events[-1] == "publishing" and events.count("publishing") == 1
    assert events[-2] == f"{report.loaded} records"  # progress first, then the publish step


def test_reloading_a_record_replaces_it(tmp_path: Path) -> None:
    store_path = tmp_path / "s"
    file = RECORDS / "uniprot" / "uniprot_P0DTC2_SPIKE_SARS2.txt"
    load([file], store_path)
    first = quads_without_run_ids(StoreDir(store_path).open_read())
    load([file], store_path)
    second = quads_without_run_ids(StoreDir(store_path).open_read())
    assert first and first == second  # same record graph, not a second copy beside the first


def test_bad_files_are_reported_and_the_rest_loads(tmp_path: Path) -> None:
    bad = tmp_path / "in"
    bad.mkdir()
    (bad / "empty.json").write_text("")
    (bad / "truncated.json").write_text('{"results": [{"primaryAccession": "P0DTC2", ')
    (bad / "latin1.txt").write_bytes("ID   caf\xe9".encode("latin-1"))
    (bad / "unknown.csv").write_text("a,b\n1,2\n")
    good = RECORDS / "pdb" / "6m0j.cif"
    report = load([bad, good], tmp_path / "s")
    assert report.loaded == 1
    assert len(report.file_errors) == 4
    text = "\n".join(report.file_errors)
    assert "empty.json" in text and "truncated.json" in text and "unknown.csv" in text and "latin1.txt" in text
    entries = [json.loads(line) for line in report.quarantine_file.read_text().splitlines()]
    assert {Path(e["file"]).name for e in entries} == {"empty.json", "truncated.json", "latin1.txt", "unknown.csv"}
    assert all(e["reason"] for e in entries)


def test_a_real_file_no_loader_reads_is_a_clear_file_error(tmp_path: Path) -> None:
    # a MassIVE params.xml: well-formed XML from a proteomics archive, but no record in it
    unsupported = TEST_DATA / "unsupported" / "massive_params_xml_example.xml"
    report = load([unsupported, RECORDS / "pdb" / "6m0j.cif"], tmp_path / "s")
    assert report.loaded == 1
    (error,) = report.file_errors
    assert "massive_params_xml_example.xml" in error and "not a format any loader reads" in error
    (entry,) = [json.loads(line) for line in report.quarantine_file.read_text().splitlines()]
    assert entry["stage"] == "file" and Path(entry["file"]).name == "massive_params_xml_example.xml"


def test_strict_mode_stops_and_publishes_nothing(tmp_path: Path) -> None:
    from covid_portal.pipeline import StrictModeError

    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2")
    with pytest.raises(StrictModeError, match=r"bad\.json"):
        Pipeline(strict=True).run([RECORDS / "pdb" / "6m0j.cif", bad], StoreDir(tmp_path / "s"))
    assert StoreDir(tmp_path / "s").current_version() is None


def test_source_can_be_dropped_on_its_own(tmp_path: Path) -> None:
    from covid_portal.pipeline import drop_source

    store_path = tmp_path / "s"
    load([RECORDS / "pdb", RECORDS / "uniprot"], store_path)
    removed = drop_source(store_path, "pdb")
    assert removed >= 2
    store = StoreDir(store_path).open_read()
    assert not bool(
        store.query(PREFIXES + "ASK { GRAPH ?g { ?g dct:source <https://w3id.org/covid-portal/dataset/pdb> } }")
    )
    assert bool(
        store.query(PREFIXES + "ASK { GRAPH ?g { ?g dct:source <https://w3id.org/covid-portal/dataset/uniprot> } }")
    )


def test_test_data_folder_exists() -> None:
    assert TEST_DATA.is_dir()


def quads_without_run_ids(store: ox.Store) -> set[tuple[str, str, str, str]]:
    """The record graphs' quads minus what names the load run (which differs between runs)."""
    skip = {"http://www.w3.org/ns/prov#wasGeneratedBy", "http://purl.org/dc/terms/modified"}
    return {
        (str(q.subject), str(q.predicate), str(q.object), str(q.graph_name))
        for q in store
        if "/record/" in str(q.graph_name)
        and q.predicate.value not in skip
        and not q.subject.value.startswith(ACTIVITY)
    }
