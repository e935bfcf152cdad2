"""The synthetic record generator: deterministic, streaming, and its output loads cleanly with its links intact."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import loaders
from covid_portal import iris
from covid_portal.generate import KINDS, MANIFEST, MIX, driver, generate
from covid_portal.generate.cli import generate_command
from covid_portal.generate.plan import Plan, split
from covid_portal.pipeline import iter_files, load
from covid_portal.store import StoreDir

PREFIXES = """
PREFIX cp: <https://w3id.org/covid-portal/vocab/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX schema: <http://schema.org/>
"""


def files_of(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------------- determinism
def test_same_seed_same_bytes(tmp_path: Path) -> None:
    generate(1500, tmp_path / "a", seed=7)
    generate(1500, tmp_path / "b", seed=7)
    a, b = files_of(tmp_path / "a"), files_of(tmp_path / "b")
    assert a.keys() == b.keys()
    assert [name for name in a if a[name] != b[name]] == []


def test_different_seeds_differ(tmp_path: Path) -> None:
    generate(1500, tmp_path / "a", seed=7)
    generate(1500, tmp_path / "b", seed=8)
    a, b = files_of(tmp_path / "a"), files_of(tmp_path / "b")
    assert a.keys() == b.keys()  # same N: same files and record counts ...
    differing = [name for name in a if name != MANIFEST and a[name] != b[name]]
    assert len(differing) == len(a) - 1  # ... but every data file has other content


# ---------------------------------------------------------------------- the mix and the ids
@pytest.mark.parametrize("n", [len(MIX), len(MIX) + 1, 2000, 123_457, 10_000_000])
def test_split_adds_up_and_keeps_every_kind(n: int) -> None:
    counts = split(n)
    assert sum(counts.values()) == n
    assert list(counts) == list(MIX)
    assert min(counts.values()) >= 1
    if n >= 100_000:  # sequences and reads dominate
        reads_and_sequences = {"read_run", "experiment", "sample", "sequence", "portal_sequence"}
        top = sorted(counts, key=counts.get, reverse=True)[:5]  # type: ignore[arg-type]
        assert set(top) == reads_and_sequences
        assert sum(counts[k] for k in reads_and_sequences) > 0.85 * n


@pytest.mark.parametrize("index", [0, 1, 35, 46_655, 999_999, 1_000_000, 3_500_000, 9_999_999])
def test_accessions_fit_their_identifier_spaces(index: int) -> None:
    plan = Plan(10_000_000, 0)
    ids = {
        "bioproject": plan.study_accession(index)[0],
        "biosample": plan.sample_accession(index)[0],
        "insdc.sra": plan.run_accession(index),
        "ena.embl": plan.sequence_accession(index),
        "uniprot": plan.protein(index)[0],
        "pdb": plan.pdb_id(index % 300_000),
        "chembl.compound": plan.molecule_id(index),
        "chembl.activity": f"CHEMBL_ACT_{plan.activity_id(index)}",
        "pride.project": f"PXD{18000 + index % 900_000:06d}",
    }
    for prefix, local_id in ids.items():
        assert iris.is_valid(prefix, local_id), (prefix, local_id)
    for prefix in ("insdc.sra",):
        assert iris.is_valid(prefix, plan.study_accession(index)[1])
        assert iris.is_valid(prefix, plan.sample_accession(index)[1])
        assert iris.is_valid(prefix, plan.experiment_accession(index))


def test_generated_ids_are_unique() -> None:
    plan = Plan(10_000_000, 0)
    for make, count in ((plan.sequence_accession, 200_000), (Plan.trembl_accession, 200_000), (plan.pdb_id, 200_000)):
        assert len({make(i) for i in range(count)}) == count


def test_regenerating_removes_the_previous_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(driver, "KINDS", tuple(dataclasses.replace(kind, chunk=50) for kind in KINDS))
        big = generate(3000, tmp_path, seed=1)
    (tmp_path / "notes.txt").write_text("mine")
    small = generate(20, tmp_path, seed=1)
    written = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert written == {f["path"] for f in small["files"]} | {MANIFEST, "notes.txt"}
    assert len(big["files"]) > len(small["files"])


def test_files_are_split_into_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    small = tuple(dataclasses.replace(kind, chunk=50) for kind in KINDS)
    monkeypatch.setattr(driver, "KINDS", small)
    manifest = generate(3000, tmp_path, seed=1)
    assert all(f["records"] <= 50 for f in manifest["files"])
    per_kind: dict[str, int] = {}
    for f in manifest["files"]:
        per_kind[f["kind"]] = per_kind.get(f["kind"], 0) + f["records"]
        assert (tmp_path / f["path"]).is_file()
    assert per_kind == manifest["kinds"]
    assert len([f for f in manifest["files"] if f["kind"] == "read_run"]) > 1


# ---------------------------------------------------------------------- through the real loaders
@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("generated") / "records"
    return root, generate(2000, root, seed=42)


@pytest.fixture(scope="module")
def loaded(generated, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, object, StoreDir]:
    root, manifest = generated
    store = tmp_path_factory.mktemp("store") / "store"
    report = load(sorted(p for p in root.iterdir() if p.is_dir()), store)
    return manifest, report, StoreDir(store)


def count(store: StoreDir, query: str) -> int:
    rows = list(store.open_read().query(PREFIXES + query, use_default_graph_as_union=True))
    return int(rows[0]["n"].value)


def test_every_file_is_detected_as_the_format_it_was_written_in(generated) -> None:
    root, manifest = generated
    for f in manifest["files"]:
        found = loaders.detect(root / f["path"])
        assert found is not None, f["path"]
        assert (found[0].name, found[1]) == (f["source"], f["format"]), f["path"]


@pytest.mark.slow
def test_loads_with_nothing_quarantined(loaded) -> None:
    manifest, report, _ = loaded
    assert report.file_errors == []
    assert report.quarantined == 0, report.quarantine_file and report.quarantine_file.read_text()[:2000]
    assert {name: stats.loaded for name, stats in report.sources.items()} == manifest["sources"]
    assert report.loaded == manifest["records"] == 2000


READ_RUN, SAMPLE = "<http://edamontology.org/data_3494>", "<http://purl.obolibrary.org/obo/OBI_0000747>"
SEQUENCE, EXPERIMENT = "<http://edamontology.org/data_2977>", "<http://purl.obolibrary.org/obo/OBI_0000626>"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("link", "subject_class", "slot"),
    [
        ("experiment -> sample", EXPERIMENT, "cp:fromSample"),
        ("experiment -> study", EXPERIMENT, "cp:partOfStudy"),
        ("read_run -> experiment", READ_RUN, "cp:fromExperiment"),
        ("read_run -> sample", READ_RUN, "cp:fromSample"),
        ("read_run -> study", READ_RUN, "cp:partOfStudy"),
        ("sample -> study", SAMPLE, "cp:partOfStudy"),
        ("sequence -> sample", SEQUENCE, "cp:fromSample"),
        ("sequence -> study", SEQUENCE, "cp:partOfStudy"),
        ("activity -> molecule", None, "cp:measuredCompound"),
        ("activity -> assay", None, "cp:inAssay"),
        ("activity -> target", None, "cp:activityTarget"),
        ("assay -> target", None, "cp:assayTarget"),
        ("target (protein) -> protein", None, "cp:targetComponent"),
        ("structure -> protein", None, "cp:polymerProtein"),
    ],
)
def test_every_link_lands_on_a_generated_record(loaded, link: str, subject_class: str | None, slot: str) -> None:
    """As many records link with ``slot`` to an existing record as the manifest says (every record of the kind)."""
    manifest, _, store = loaded
    typed = f"?r a {subject_class} . " if subject_class else ""
    where = f"?gr foaf:primaryTopic ?r . {typed}?r {slot} ?x . ?gx foaf:primaryTopic ?x"
    query = f"SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE {{ {where} }}"
    assert count(store, query) == manifest["links"][link]


@pytest.mark.slow
@pytest.mark.parametrize(
    "slot",
    [
        *("cp:fromSample", "cp:fromExperiment", "cp:partOfStudy", "cp:measuredCompound", "cp:inAssay"),
        *("cp:activityTarget", "cp:assayTarget", "cp:targetComponent", "cp:polymerProtein", "cp:mentions"),
        *("cp:encodedBy", "cp:hasPublication"),
    ],
)
def test_no_reference_dangles(loaded, slot: str) -> None:
    """Every entity a record points to with ``slot`` is described by a record of its own, or is another name
    (schema:sameAs) of one: ChEMBL activities cite their document by its ChEMBL id, the document record is
    keyed by its DOI."""
    _, _, store = loaded
    query = (
        f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?s {slot} ?x FILTER NOT EXISTS {{ ?g foaf:primaryTopic ?x }} "
        "FILTER NOT EXISTS { ?g2 foaf:primaryTopic ?y . ?y schema:sameAs ?x } }"
    )
    assert count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s {slot} ?x }}") > 0
    assert count(store, query) == 0


@pytest.mark.slow
def test_realistic_content(loaded) -> None:
    _, _, store = loaded
    rows = store.open_read().query(
        PREFIXES + "SELECT ?c (COUNT(*) AS ?n) WHERE { ?s a <http://edamontology.org/data_2977> ; cp:country ?c } "
        "GROUP BY ?c ORDER BY DESC(?n) LIMIT 2",
        use_default_graph_as_union=True,
    )
    assert [r["c"].value for r in rows] == ["United Kingdom", "USA"]
    # lineages follow the calendar: no Omicron before November 2021, no Alpha before autumn 2020
    too_early = "(STRSTARTS(?l, 'BA.') && STR(?d) < '2021-11') || (?l = 'B.1.1.7' && STR(?d) < '2020-10')"
    assert (
        count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s cp:lineage ?l ; cp:collectionDate ?d FILTER({too_early}) }}")
        == 0
    )
    assert count(store, "SELECT (COUNT(DISTINCT ?l) AS ?n) WHERE { ?s cp:lineage ?l }") >= 10
    assert count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?p cp:mentions ?x }") > 0


@pytest.mark.slow
def test_the_index_from_the_load_facts_is_the_one_from_the_store(loaded, tmp_path: Path) -> None:
    """Generated records have every kind of link the index follows (a compound's activities and their
    targets, a run's sample): built from the load's facts, the index is the one read from the graph."""
    from tests.search.test_index import assert_same_as_a_build_from_the_store

    _, _, store = loaded
    assert_same_as_a_build_from_the_store(store.path, tmp_path)


# ---------------------------------------------------------------------- command line and memory
def test_command_writes_the_manifest(tmp_path: Path) -> None:
    result = CliRunner().invoke(generate_command, ["--records", "500", "--out", str(tmp_path), "--seed", "3"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    assert manifest["seed"] == 3 and manifest["records"] == 500
    assert sum(f["records"] for f in manifest["files"]) == 500
    assert sorted(str(p.relative_to(tmp_path)) for p in iter_files([tmp_path]) if p.name != MANIFEST) == sorted(
        f["path"] for f in manifest["files"]
    )


def test_command_rejects_too_few_records(tmp_path: Path) -> None:
    result = CliRunner().invoke(generate_command, ["--records", "3", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "at least 15 records are needed" in result.output


@pytest.mark.slow
def test_memory_stays_bounded(tmp_path: Path) -> None:
    """200 000 records stream out with a flat footprint (generous bound: the interpreter alone is ~20 MB)."""
    # VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss over fork+exec, so the child would
    # report the (large) pytest process's peak; VmHWM is the peak of the child's own memory map.
    code = (
        "import sys\n"
        "from covid_portal.generate import generate\n"
        "generate(200_000, sys.argv[1], seed=5)\n"
        "print(next(line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM:')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True)
    peak_mb = int(out.stdout.strip()) / 1024  # VmHWM is in kB
    assert peak_mb < 300, f"peak RSS {peak_mb:.0f} MB"
    assert json.loads((tmp_path / MANIFEST).read_text())["records"] == 200_000
