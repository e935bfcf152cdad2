"""`covid-portal update` against the replay server: adds, changes and withdrawals end as a clean load would."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from covid_portal import iris
from covid_portal.harvest.cli import update_command
from covid_portal.harvest.config import HarvestConfig
from covid_portal.harvest.http import HttpError
from covid_portal.pipeline import drop_records, load
from covid_portal.store import StoreDir
from covid_portal.terms import S
from covid_portal.update import STATE, update
from tests.harvest.conftest import record_graphs, record_quads, reference_files
from tests.harvest.replay import Dataset, Replay, _cursor

SOURCES = ("ena", "uniprot", "pdbe", "pride", "europepmc")
TODAY = dt.date.today().isoformat()


def hold_back(data: Dataset) -> dict[str, object]:
    """Take some records out of the served state (they are 'added' later); returns them."""
    held = {
        "run": next(r for r in data.ena["read_run"] if r[0]["run_accession"] == "ERR4080517"),
        "uniprot": next(e for e in data.uniprot if e[0]["primaryAccession"] == "O00115"),
        "pride": data.pride[1],
        "epmc": data.europepmc[22:],
    }
    data.ena["read_run"].remove(held["run"])  # type: ignore[arg-type]
    data.uniprot.remove(held["uniprot"])  # type: ignore[arg-type]
    data.pride.remove(held["pride"])  # type: ignore[arg-type]
    del data.europepmc[22:]
    return held


def evolve(data: Dataset, held: dict[str, object]) -> dict[str, set[str]]:
    """Add the held-back records, change some, withdraw others (all dated today); returns what changed."""
    run, _ = held["run"]  # type: ignore[misc]
    data.ena["read_run"].append((run, TODAY))
    row, _ = next(r for r in data.ena["read_run"] if r[0]["run_accession"] == "ERR5423903")
    data.ena["read_run"] = [r for r in data.ena["read_run"] if r[0] is not row] + [
        ({**row, "center_name": "Greek Genome Center (renamed)"}, TODAY)
    ]
    data.ena["sequence"] = []  # MN908947 suppressed
    entry, _ = held["uniprot"]  # type: ignore[misc]
    data.uniprot.append((entry, TODAY))
    o14975 = next(e for e, _ in data.uniprot if e["primaryAccession"] == "O14975")
    changed = json.loads(json.dumps(o14975))
    changed["proteinDescription"]["recommendedName"]["fullName"]["value"] = "Renamed protein"
    data.uniprot = [(e, d) for e, d in data.uniprot if e["primaryAccession"] not in ("O14975", "F1MAB7")]
    data.uniprot.append((changed, TODAY))
    del data.pdbe["6lu7"]  # obsolete
    data.pride[0] = {**data.pride[0], "title": data.pride[0]["title"] + " (revised)"}
    data.pride.append(held["pride"])  # type: ignore[arg-type]
    first = dict(data.europepmc[0][0], title="A revised title")
    data.europepmc = (
        [(first, TODAY)]
        + data.europepmc[1:5]
        + data.europepmc[7:]
        + [
            (r, TODAY)
            for r, _ in held["epmc"]  # type: ignore[attr-defined]
        ]
    )
    return {
        "ena": {"ERR4080517", "ERR5423903"},
        "uniprot": {"O00115", "O14975"},
        "pdbe": set(),
        "pride": {"PXD000001", "PXD059645"},
        "europepmc": {f"core/MED:{r['id']}" for r, d in data.europepmc if d == TODAY},
    }


WITHDRAWN = {"ena": ["MN908947"], "uniprot": ["F1MAB7"], "pdbe": ["6LU7"], "pride": []}


def assert_store_is_clean_load(replay: Replay, store: Path, tmp_path: Path, sources: tuple[str, ...] = SOURCES) -> None:
    name = f"clean-{len(list(tmp_path.glob('clean-*')))}"
    clean = load(reference_files(replay.data, tmp_path / f"{name}-files", sources), tmp_path / name)
    assert clean.quarantined == 0
    got, want = StoreDir(store).open_read(), StoreDir(tmp_path / name).open_read()
    assert record_graphs(got) == record_graphs(want)
    assert record_quads(got) == record_quads(want)


def dataset_version(store: Path, source: str) -> str | None:
    ds = iris.dataset(source)
    values = [q.object.value for q in StoreDir(store).open_read().quads_for_pattern(ds, S.version.node, None, ds)]
    return values[0] if values else None


@pytest.mark.slow
def test_update_adds_changes_and_withdraws(replay: Replay, config: HarvestConfig, tmp_path: Path) -> None:
    store = tmp_path / "store"
    held = hold_back(replay.data)
    first = update(store, config, SOURCES)
    assert all(r.since is None for r in first.sources.values())  # the first update harvests everything
    assert_store_is_clean_load(replay, store, tmp_path)
    version = StoreDir(store).current_version()

    expected = evolve(replay.data, held)
    second = update(store, config, SOURCES)
    assert StoreDir(store).current_version() != version
    for name, result in second.sources.items():
        assert result.since == (first.until if name in ("ena", "uniprot", "europepmc") else None)
        written = set((second.folder / name / "RECORDS.tsv").read_text().split("\n")[:-1])
        written_ids = {line.split("\t")[1] for line in written if line.endswith("\t1")}
        assert written_ids == expected[name], name  # only the changed records were written and loaded
        if name in WITHDRAWN:
            assert result.withdrawn == WITHDRAWN[name]
    assert len(second.sources["europepmc"].withdrawn) == 2
    assert_store_is_clean_load(replay, store, tmp_path)

    state = json.loads((store / STATE).read_text())
    assert state["sources"]["uniprot"]["until"] == second.until
    assert dataset_version(store, "uniprot") == second.until  # the new release is recorded in DCAT
    assert [p.name for p in (store / "harvest").iterdir() if p.is_dir()] == [second.folder.name]

    # nothing changed: the next update loads nothing and withdraws nothing
    third = update(store, config, SOURCES)
    assert all(r.written == 0 and not r.withdrawn for r in third.sources.values())
    assert_store_is_clean_load(replay, store, tmp_path)


@pytest.mark.slow
def test_a_failed_update_leaves_the_previous_version(
    replay: Replay, config: HarvestConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    held = hold_back(replay.data)
    update(store, config, SOURCES)
    version = StoreDir(store).current_version()
    before = record_quads(StoreDir(store).open_read())
    state = (store / STATE).read_text()
    evolve(replay.data, held)

    # 1. the harvest fails: the second page of Europe PMC's id listing (for withdrawals) keeps answering 500
    replay.fault("/europepmc/search", "500", times=100, cursorMark=_cursor(10), resultType="idlist")
    with pytest.raises(HttpError):
        update(store, config, SOURCES)
    assert StoreDir(store).current_version() == version
    assert record_quads(StoreDir(store).open_read()) == before
    assert (store / STATE).read_text() == state

    # 2. the load fails after records were written to the staging version
    replay.faults.clear()
    import covid_portal.update as update_module

    def broken(*args: object) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(update_module, "remove_records", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        update(store, config, SOURCES)
    assert StoreDir(store).current_version() == version
    assert record_quads(StoreDir(store).open_read()) == before
    assert (store / STATE).read_text() == state
    monkeypatch.undo()

    # 3. the next update resumes the pending one and ends where a clean load of the final state is
    searches = len(replay.requests("/europepmc/search"))
    update(store, config, SOURCES)
    assert len(replay.requests("/europepmc/search")) == searches  # its harvest was finished by attempt 2
    assert_store_is_clean_load(replay, store, tmp_path)


@pytest.mark.slow
def test_chembl_updates_only_on_a_new_release(replay: Replay, config: HarvestConfig, tmp_path: Path) -> None:
    """ChEMBL publishes numbered releases: nothing to fetch until the release changes."""
    store = tmp_path / "store"
    first = update(store, config, ["chembl"]).sources["chembl"]
    assert first.release == "ChEMBL_28" and first.written == 14
    assert dataset_version(store, "chembl") == "ChEMBL_28"
    assert_store_is_clean_load(replay, store, tmp_path, ("chembl",))
    again = update(store, config, ["chembl"]).sources["chembl"]
    assert again.skipped and again.written == 0
    assert len(replay.requests("/activity.json")) == 3  # only the first update's three pages
    replay.data.chembl_release = "ChEMBL_29"
    dropped = replay.data.chembl["activity"].pop(0)
    newer = update(store, config, ["chembl"]).sources["chembl"]
    assert newer.release == "ChEMBL_29" and not newer.skipped
    # the activity the new release dropped, and its molecule, which no other activity tested
    assert newer.withdrawn == sorted([f"CHEMBL_ACT_{dropped['activity_id']}", dropped["molecule_chembl_id"]])
    assert dataset_version(store, "chembl") == "ChEMBL_29"
    assert_store_is_clean_load(replay, store, tmp_path, ("chembl",))


def test_cli_update(replay: Replay, config_file: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    obj = SimpleNamespace(store=StoreDir(store))
    runner = CliRunner()
    result = runner.invoke(update_command, ["pride", "pdbe", "--config", str(config_file)], obj=obj)
    assert result.exit_code == 0, result.output
    assert "full harvest" in result.output and "store version v000001" in result.output
    replay.fault("/pride/search/projects", "500", times=100)
    result = runner.invoke(update_command, ["pride", "--config", str(config_file)], obj=obj)
    assert result.exit_code == 1 and "the store is unchanged" in result.output
    assert StoreDir(store).current_version() == "v000001"


def test_drop_records_removes_only_the_named_records(tmp_path: Path) -> None:
    from tests.conftest import RECORDS

    store = tmp_path / "store"
    load([RECORDS / "pdb"], store)
    removed = drop_records(store, "pdb", ["6LU7", "1ABC"])
    assert removed == 1
    graphs = record_graphs(StoreDir(store).open_read())
    assert iris.record_graph("pdb", "6M0J").value in graphs
    assert iris.record_graph("pdb", "6LU7").value not in graphs
    assert isinstance(StoreDir(store).open_read(), ox.Store)
