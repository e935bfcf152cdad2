"""Full and resumed harvests against the replay server, through its faults, compared with a clean load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import loaders
from covid_portal.harvest import harvest, make
from covid_portal.harvest.base import HarvestInterrupted, run_harvest
from covid_portal.harvest.cli import harvest_command
from covid_portal.harvest.config import ConfigError, HarvestConfig, load_config
from covid_portal.harvest.manifest import RECORDS, Manifest, sha256
from covid_portal.pipeline import load
from covid_portal.store import StoreDir
from tests.harvest.conftest import CHEMBL_TARGETS, record_quads, reference_files, write_config
from tests.harvest.replay import Replay, _cursor

LOADED = ("ena", "uniprot", "pdbe", "pride", "chembl", "europepmc")


def inject_faults(replay: Replay) -> None:
    """One of each fault, on pages in the middle of the harvests."""
    replay.fault("/europepmc/search", "429", cursorMark=_cursor(10))
    replay.fault("/europepmc/search", "truncate", cursorMark=_cursor(20))
    replay.fault("/uniprot/uniprotkb/search", "500", times=2, cursor=_cursor(1))
    replay.fault("/ena/portal/api/search", "slow", result="read_run", offset="1")
    replay.fault("/ena/browser/api/xml/SRS4237519", "truncate")
    replay.fault("/pride/projects/PXD059645", "500")
    replay.fault("/chembl/api/data/activity.json", "truncate", offset="3")
    replay.fault("/pdbe/entry-files/download/6m0j_updated.cif", "slow")


def assert_no_duplicates(manifest: Manifest) -> None:
    ids = [rid for _, rid, _, _ in manifest.records()]
    assert len(ids) == len(set(ids)), manifest.folder
    assert manifest.data["counts"]["records"] == len(ids)


def assert_same_as_clean_load(replay: Replay, out: Path, tmp_path: Path) -> None:
    """Loading the harvest gives the record graphs a clean load of the served records gives."""
    harvested = load([out / name for name in LOADED], tmp_path / "harvested-store")
    assert harvested.quarantined == 0 and not harvested.file_errors
    clean = load(reference_files(replay.data, tmp_path / "reference", LOADED), tmp_path / "clean-store")
    assert harvested.loaded == clean.loaded
    assert record_quads(StoreDir(tmp_path / "harvested-store").open_read()) == record_quads(
        StoreDir(tmp_path / "clean-store").open_read()
    )


@pytest.mark.slow
def test_full_harvest_comes_through_every_fault(replay: Replay, config: HarvestConfig, tmp_path: Path) -> None:
    inject_faults(replay)
    out = tmp_path / "out"
    manifests = harvest(config, out)
    assert sorted(kind for _, kind in replay.faults_served) == sorted(
        ["429", "truncate", "500", "500", "slow", "truncate", "500", "truncate", "slow"]
    )
    for manifest in manifests.values():
        assert manifest.complete
        assert_no_duplicates(manifest)
        for page in manifest.pages:  # the manifest's checksums are the files'
            if page["written"]:
                assert sha256((manifest.folder / page["file"]).read_bytes()) == page["sha256"]
    counts = {name: m.data["counts"]["records"] for name, m in manifests.items()}
    assert counts == {"ena": 7, "uniprot": 3, "pdbe": 2, "pride": 2, "chembl": 14, "europepmc": 25}
    assert_same_as_clean_load(replay, out, tmp_path)


def test_harvested_ids_are_the_loaders_record_ids(replay: Replay, config: HarvestConfig, tmp_path: Path) -> None:
    """Updates drop withdrawn records by id, so a harvester must name records as its loader does."""
    manifests = harvest(config, tmp_path / "out", list(LOADED))
    for name, manifest in manifests.items():
        harvester = make(name, config, tmp_path / "out")
        parsed = set()
        for path in manifest.files:
            loader, fmt = loaders.detect(path, harvester.source)  # type: ignore[misc]
            parsed |= {r.record_id for r in loader.parse(path, fmt)}
        assert parsed == manifest.written_ids(), name


def test_chembl_pages_follow_page_meta_next(replay: Replay, config: HarvestConfig, tmp_path: Path) -> None:
    manifest = harvest(config, tmp_path / "out", ["chembl"])["chembl"]
    served = [a for a in replay.data.chembl["activity"] if a["target_chembl_id"] in CHEMBL_TARGETS]
    molecules = {a["molecule_chembl_id"] for a in served}
    assert manifest.written_ids() == {f"CHEMBL_ACT_{a['activity_id']}" for a in served} | molecules
    pages = [json.loads(p.read_text()) for p in manifest.files]
    assert [len(p.get("activities", p.get("molecules"))) for p in pages] == [3, 3, 1, 3, 3, 1]


def test_ena_never_asks_past_the_end(replay: Replay, config: HarvestConfig, tmp_path: Path) -> None:
    """The portal answers 500 past the last row; the slices' counts keep the harvester short of it."""
    manifest = harvest(config, tmp_path / "out", ["ena"])["ena"]
    assert manifest.complete
    for params in replay.requests("/ena/portal/api/search"):
        task = next(t for t in manifest.data["tasks"] if t["from"] in params["query"] and
                    params["result"] in t["key"].replace("-", "_"))  # fmt: skip
        assert int(params["offset"]) < task["count"]
    # the slices were halved until none holds more than max_results (2)
    assert all(task["count"] <= 2 for task in manifest.data["tasks"])


def test_a_national_node_harvests_its_country(replay: Replay, tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path / "h.toml", replay.url, ena__filter='country="Denmark"'))
    config.ena.queries = [q for q in config.ena.queries if q.name == "read-run"]
    manifest = harvest(config, tmp_path / "out", ["ena"])["ena"]
    assert manifest.written_ids() == {"ERR4080517"}  # the one run whose country is Denmark
    assert all('country="Denmark"' in p["query"] for p in replay.requests("/ena/portal/api/search"))


@pytest.mark.parametrize("name", ["ena", "uniprot", "pdbe", "pride", "chembl", "europepmc"])
def test_an_interrupted_harvest_resumes_without_duplicates(
    replay: Replay, config: HarvestConfig, tmp_path: Path, name: str
) -> None:
    out = tmp_path / "out"
    if name == "pdbe":  # pdbe reads the uniprot harvest's cross-references
        harvest(config, out, ["uniprot"])
    harvester = make(name, config, out)
    with pytest.raises(HarvestInterrupted):
        run_harvest(harvester, out / name, stop_after=1)
    first = Manifest.read(out / name)
    assert first is not None and not first.complete and len(first.pages) == 1
    # a crash between writing a page and updating the manifest leaves a stray page and RECORDS lines
    (out / name / "stray-00001.json").write_text("[]")
    with (out / name / RECORDS).open("a") as fh:
        fh.write("stray-00001.json\tX1\tabc\t1\n")
    resumed = run_harvest(make(name, config, out), out / name, resume=True)
    assert resumed.complete
    assert_no_duplicates(resumed)
    fresh = run_harvest(make(name, config, tmp_path / "again"), tmp_path / "again" / name)
    assert resumed.record_ids() == fresh.record_ids()
    assert [p["file"] for p in resumed.pages] == [p["file"] for p in fresh.pages]
    for a, b in zip(resumed.files, fresh.files, strict=True):
        assert a.read_bytes() == b.read_bytes()


@pytest.mark.slow
def test_cli_harvest_fails_then_resumes(replay: Replay, config_file: Path, tmp_path: Path) -> None:
    """`covid-portal harvest` stops on a page that keeps failing (exit 1); --resume finishes the job."""
    out = tmp_path / "out"
    replay.fault("/europepmc/search", "500", times=100, cursorMark=_cursor(20))
    runner = CliRunner()
    args = ["--out", str(out), "--config", str(config_file)]
    result = runner.invoke(harvest_command, ["europepmc", "uniprot", "pdbe", *args])
    assert result.exit_code == 1 and "--resume" in result.output
    assert not Manifest.read(out / "europepmc").complete  # type: ignore[union-attr]
    replay.faults.clear()
    result = runner.invoke(harvest_command, [*LOADED, *args, "--resume"])
    assert result.exit_code == 0, result.output
    assert "europepmc" in result.output and "25 records" in result.output
    cursors = [p["cursorMark"] for p in replay.requests("/europepmc/search") if p["cursorMark"] != _cursor(20)]
    assert cursors.count("*") == 1  # resumed at the failed page, not from the start
    for name in LOADED:
        assert_no_duplicates(Manifest.read(out / name))  # type: ignore[arg-type]
    assert_same_as_clean_load(replay, out, tmp_path)


def test_cli_rejects_unknown_sources_and_bad_config(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(harvest_command, ["genbank", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "unknown source" in result.output
    bad = tmp_path / "bad.toml"
    bad.write_text("[ena]\npage_sise = 10\n")
    result = runner.invoke(harvest_command, ["ena", "--out", str(tmp_path), "--config", str(bad)])
    assert result.exit_code == 2 and "page_sise" in result.output
    # a sequence row asking for sample_accession would be named after its sample by the ena loader
    bad.write_text('[[ena.queries]]\nname = "s"\nresult = "sequence"\nquery = "x"\n'
                   'fields = ["accession", "sample_accession"]\n')  # fmt: skip
    result = runner.invoke(harvest_command, ["ena", "--out", str(tmp_path), "--config", str(bad)])
    assert result.exit_code == 2 and "must include accession and none of" in result.output


def test_the_default_config_is_valid_and_documented(tmp_path: Path) -> None:
    config = load_config()
    assert config.ena.queries and config.uniprot.queries and config.chembl.targets
    docs = (Path(__file__).resolve().parents[2] / "docs" / "harvest.md").read_text()
    for section in ("client", "ena", "uniprot", "pdbe", "pride", "chembl", "europepmc"):
        for key in type(getattr(config, section)).model_fields:
            assert f"`{key}`" in docs, f"docs/harvest.md does not document [{section}] {key}"
    bad = tmp_path / "bad.toml"
    bad.write_text("[ena\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)
