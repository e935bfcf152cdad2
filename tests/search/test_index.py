"""The search index: built by every publish from the version's graph, and the query language over it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from covid_portal import search_index as si
from covid_portal.pipeline import drop_source, load
from covid_portal.statistics import STATISTICS_GRAPH
from covid_portal.store import StoreDir
from covid_portal.void import VOID_GRAPH, void_quads
from tests.conftest import RECORDS

SPIKE = RECORDS / "uniprot" / "uniprot_P0DTC2_SPIKE_SARS2.txt"
COUNT_PER_CLASS = """
SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a <%s> FILTER(isIRI(?s)) }
"""


def live_index(store: Path) -> si.SearchIndex:
    sidecar = StoreDir(store).live_sidecar()
    assert sidecar is not None, "the live version has no sidecar folder"
    assert si.index_path(sidecar).is_file(), "the live version has no search index"
    return si.SearchIndex(si.index_path(sidecar))


# ------------------------------------------------------------------ built by a load
def test_demo_load_indexes_every_entity_of_every_type(demo_store: Path) -> None:
    graph = StoreDir(demo_store).open_read()
    with live_index(demo_store) as index:
        counts = index.counts()["types"]
    for name, cls in si.TYPES.items():
        (row,) = graph.query(COUNT_PER_CLASS % cls.uri, use_default_graph_as_union=True)
        assert counts.get(name, 0) == int(row["n"].value), name


@pytest.mark.parametrize(
    ("ident", "type_name", "source", "title"),
    [
        # uniprot_P0DTC2_SPIKE_SARS2.txt: "DE   RecName: Full=Spike glycoprotein"
        ("P0DTC2", "proteins", "uniprot", "Spike glycoprotein"),
        # 6m0j.cif: _struct.title
        ("6M0J", "structures", "pdb", "Crystal structure of SARS-CoV-2 spike receptor-binding domain bound with ACE2"),
    ],
)
def test_loaded_records_are_in_the_index(demo_store: Path, ident: str, type_name: str, source: str, title: str) -> None:
    with live_index(demo_store) as index:
        entry = index.get(type_name, ident)
        assert entry is not None
        assert (entry.source, entry.title) == (source, title)
        assert entry.fields["described"] == ["yes"]
        assert any(e.id == ident for e in index.search(title.split()[0], types=[type_name], limit=50).entries)


def test_facets_come_from_the_entity_and_its_links(demo_store: Path) -> None:
    with live_index(demo_store) as index:
        spike = index.get("proteins", "P0DTC2")
        structure = index.get("structures", "6M0J")
    assert spike is not None and structure is not None
    assert spike.fields["taxon_id"] == ["2697049"]  # OX   NCBI_TaxID=2697049
    assert "Spike glycoprotein" in structure.fields["protein"]  # 6M0J's polymer is P0DTC2
    assert structure.fields["method"] == ["X-RAY DIFFRACTION"]


def test_samples_carry_collection_month_and_country(demo_store: Path) -> None:
    with live_index(demo_store) as index:
        result = index.search("collection_date:(202003) AND country:Netherlands", types=["samples"], facets=["country"])
    assert result.hit_count > 0
    assert result.facets["country"] == [("Netherlands", result.hit_count)]
    assert all(d.startswith("2020-03") for e in result.entries for d in e.fields["collection_date"])


# ------------------------------------------------------------------ kept current by every publish
def test_reload_of_a_changed_record_changes_the_index(tmp_path: Path) -> None:
    record = tmp_path / "records" / SPIKE.name
    record.parent.mkdir()
    shutil.copy(SPIKE, record)
    store = tmp_path / "store"
    load([record], store)
    first_sidecar = StoreDir(store).live_sidecar()
    with live_index(store) as index:
        assert index.get("proteins", "P0DTC2").title == "Spike glycoprotein"  # type: ignore[union-attr]
        assert index.search("Zanzibarglycoprotein").hit_count == 0

    text = record.read_text(encoding="utf-8")
    record.write_text(text.replace("Full=Spike glycoprotein {", "Full=Zanzibarglycoprotein {", 1), encoding="utf-8")
    load([record], store)

    assert StoreDir(store).live_sidecar() != first_sidecar  # a new version, with its own index
    with live_index(store) as index:
        assert index.get("proteins", "P0DTC2").title == "Zanzibarglycoprotein"  # type: ignore[union-attr]
        assert [e.id for e in index.search("Zanzibarglycoprotein", types=["proteins"]).entries] == ["P0DTC2"]
        # facets from links follow too: the structures of P0DTC2 now name the new protein name
        assert index.search("protein:Zanzibarglycoprotein AND type:structures").hit_count > 0
        assert index.search('title:"Spike glycoprotein"').hit_count == 0
    # the previous version (which in-flight readers may still use) keeps the index of its own graph
    with si.SearchIndex(si.index_path(first_sidecar)) as old:  # type: ignore[arg-type]
        assert old.get("proteins", "P0DTC2").title == "Spike glycoprotein"  # type: ignore[union-attr]


def test_dropping_a_source_removes_its_entries(tmp_path: Path) -> None:
    store = tmp_path / "store"
    load([SPIKE], store)
    with live_index(store) as index:
        assert index.get("proteins", "P0DTC2") is not None
    drop_source(store, "uniprot")
    with live_index(store) as index:
        assert index.get("proteins", "P0DTC2") is None
        assert index.search("").hit_count == 0


# ------------------------------------------------------------------ the query language
@pytest.fixture(scope="module")
def index(demo_store: Path):
    with live_index(demo_store) as opened:
        yield opened


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("uniprot:P0DTC2", {"P0DTC2"}),
        ("id:P0DTC2", {"P0DTC2"}),
        ("acc:p0dtc2", {"P0DTC2"}),
        ('title:"spike glycoprotein" AND type:proteins', {"P0DTC2"}),
        ("TAXON:2697049 AND type:proteins AND spike", {"P0DTC2"}),
        ("pdb:6m0j", {"6M0J"}),
    ],
)
def test_queries_find(index: si.SearchIndex, query: str, expected: set[str]) -> None:
    assert {e.id for e in index.search(query, limit=100).entries} == expected


def test_boolean_operators_combine(index: si.SearchIndex) -> None:
    spike = index.search("spike").hit_count
    structures = index.search("spike AND type:structures").hit_count
    others = index.search("spike AND NOT type:structures").hit_count
    assert structures + others == spike
    assert index.search("spike -type:structures").hit_count == others
    assert index.search("type:proteins OR type:structures").hit_count == sum(
        index.search(f"type:{t}").hit_count for t in ("proteins", "structures")
    )


def test_ranges_and_dates(index: si.SearchIndex) -> None:
    in_2020 = index.search("year:2020").hit_count
    assert index.search("year:[2020 TO 2020]").hit_count == in_2020
    assert index.search("collection_date:(202003)").hit_count == index.search("collection_month:2020-03").hit_count


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("spike AND", "ends too early"),
        ("(spike", "ends too early"),
        ('"spike', "not closed"),
        ("nosuchfield:x", "unknown field"),
        ("year:[2020 2021]", "range"),
        ("(" * 30 + "x" + ")" * 30, "deeper than"),
        ("x" * (si.MAX_QUERY_LENGTH + 1), "longer than"),
    ],
)
def test_bad_queries_are_refused_with_a_reason(index: si.SearchIndex, query: str, message: str) -> None:
    with pytest.raises(si.QuerySyntaxError, match=message):
        index.search(query)


def test_sorting(index: si.SearchIndex) -> None:
    dates = [e.fields["date"][0] for e in index.search("type:publications", sort="date:descending", limit=20).entries]
    assert dates == sorted(dates, reverse=True)
    ids = [e.id for e in index.search("type:structures", sort="id", limit=20).entries]
    assert ids == sorted(ids, key=str.lower)
    with pytest.raises(si.QuerySyntaxError, match="cannot sort"):
        index.search("", sort="nonsense")


# ------------------------------------------------------------------ built in parallel
def _dump(path: Path) -> tuple[list, list, list, dict]:
    import sqlite3

    db = sqlite3.connect(path)
    try:
        entries = sorted(db.execute("SELECT iri, curie, id, type, class, source, title, description, date, "
                                    "collection_date, described, fields FROM entry"))  # fmt: skip
        facets = sorted(db.execute("SELECT e.iri, f.name, f.value FROM facet f JOIN entry e USING (rowid)"))
        texts = sorted(db.execute("SELECT e.iri, f.id, f.title, f.description, f.text FROM fts f JOIN entry e "
                                  "ON e.rowid = f.rowid"))  # fmt: skip
        meta = dict(db.execute("SELECT key, value FROM meta"))
    finally:
        db.close()
    return entries, facets, texts, meta


@pytest.mark.parametrize("jobs", [2, 3])
def test_a_parallel_build_gives_the_same_index(demo_store: Path, tmp_path: Path, jobs: int) -> None:
    # a writable copy: the parallel build checkpoints the store it is given
    copy = tmp_path / "store"
    shutil.copytree(StoreDir(demo_store).live_path(), copy)
    import pyoxigraph as ox

    store = ox.Store(str(copy))
    single = si.build(store, tmp_path / "single.sqlite")
    parallel = si.start_build(store, tmp_path / "parallel.sqlite", jobs).wait()
    assert parallel == single > 0
    assert _dump(tmp_path / "parallel.sqlite") == _dump(tmp_path / "single.sqlite")
    assert not (tmp_path / "parallel.sqlite.build").exists(), "the checkpoint and shards are removed"
    with si.SearchIndex(tmp_path / "parallel.sqlite") as index:  # and it answers like the other
        assert index.search("spike").hit_count > 0


# ------------------------------------------------------------------ built from the load's facts
def _meta(path: Path) -> dict[str, str]:
    import sqlite3

    db = sqlite3.connect(path)
    try:
        return dict(db.execute("SELECT key, value FROM meta"))
    finally:
        db.close()


def assert_same_as_a_build_from_the_store(store: Path, tmp_path: Path) -> None:
    """The live index equals the one read back from the live graph, row for row (but its origin), and
    the live VoID description the one the store's queries count."""
    import pyoxigraph as ox

    live = si.index_path(StoreDir(store).live_sidecar())  # type: ignore[arg-type]
    copy = tmp_path / "graph-copy"
    shutil.copytree(StoreDir(store).live_path(), copy)  # type: ignore[arg-type]
    graph = ox.Store(str(copy))
    si.build(graph, tmp_path / "from-store.sqlite")
    ours, theirs = _dump(live), _dump(tmp_path / "from-store.sqlite")
    assert ours[3].pop("built_from") == "load facts"
    assert theirs[3].pop("built_from") == "store"
    assert ours[0], "the index has entries"
    for name, mine, other in zip(("entries", "facets", "texts", "meta"), ours, theirs, strict=True):
        assert mine == other, name
    # and so is the VoID description, counted from the same facts
    counted_from_facts = set(graph.quads_for_pattern(None, None, None, VOID_GRAPH))
    graph.remove_graph(VOID_GRAPH)
    graph.remove_graph(STATISTICS_GRAPH)
    assert counted_from_facts and counted_from_facts == set(void_quads(graph))


def test_a_first_load_builds_the_index_from_its_facts(demo_store: Path, tmp_path: Path) -> None:
    # the demo store was loaded into an empty store: its records' facts were kept, and not published
    sidecar = StoreDir(demo_store).live_sidecar()
    assert sidecar is not None and not (sidecar / "facts.sqlite").exists()
    assert_same_as_a_build_from_the_store(demo_store, tmp_path)


def test_only_a_version_started_empty_uses_facts(tmp_path: Path) -> None:
    store = tmp_path / "store"
    report = load([SPIKE], store)
    assert _meta(si.index_path(StoreDir(store).live_sidecar()))["built_from"] == "load facts"  # type: ignore[arg-type]
    assert report.index_cpu > 0 and report.index_max_rss > 0, "the build process hands over what it used"
    # on top of a live version the facts would miss its graphs: read from the store
    load([RECORDS / "pdb" / "6m0j.cif"], store)
    with live_index(store) as index:
        assert index.get("proteins", "P0DTC2") is not None and index.get("structures", "6M0J") is not None
    assert _meta(si.index_path(StoreDir(store).live_sidecar()))["built_from"] == "store"  # type: ignore[arg-type]
    load([RECORDS / "pdb" / "6m0j.cif", SPIKE], store, fresh=True)  # a fresh load starts empty again
    assert_same_as_a_build_from_the_store(store, tmp_path)


@pytest.mark.parametrize("facts_kept", [True, False])
def test_a_resumed_load_uses_the_facts_of_its_first_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, facts_kept: bool
) -> None:
    import covid_portal.pipeline as pipeline

    store = tmp_path / "store"
    files = [RECORDS / "pdb" / "6m0j.cif", SPIKE]

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # the first run stops once every file is done, before it publishes

    with monkeypatch.context() as patch:
        patch.setattr(pipeline, "finish", interrupted)
        with pytest.raises(KeyboardInterrupt):
            load(files, store)
    assert StoreDir(store).current_version() is None
    facts = store / "staging.sidecar" / "facts.sqlite"
    assert facts.is_file()
    if not facts_kept:  # facts written by another version of the code are not used
        import sqlite3

        db = sqlite3.connect(facts)
        db.execute("UPDATE meta SET value = 'another' WHERE key = 'version'")
        db.commit()
        db.close()
    report = load(files, store)
    assert report.files_skipped == 2, "the rerun resumed the first run"
    origin = _meta(si.index_path(StoreDir(store).live_sidecar()))["built_from"]  # type: ignore[arg-type]
    assert origin == ("load facts" if facts_kept else "store")
    if facts_kept:
        assert_same_as_a_build_from_the_store(store, tmp_path)


# ------------------------------------------------------------------ an entity read twice
class _Repeating(si.NodeSource):
    """Proteins p0..p5 with p2 read a second time (with another title) after p4, as a store scan can."""

    def entities(self):
        reads = [(0, "alpha"), (1, "beta"), (2, "gamma"), (3, "delta"), (4, "epsilon"), (2, "zeta"), (5, "eta")]
        for i, title in reads:
            node = si._Node(f"https://example.org/p{i}")
            node.typed("proteins", "uniprot")
            node.literals[si.S.title.uri].append(title)
            yield node

    def names(self, iri: str) -> tuple[list[str], list[str]]:
        return [], []

    def node(self, iri: str) -> si._Node | None:
        return None


@pytest.mark.parametrize("batch", [1, 3, 1000])  # the repeat alone in its batch, in a later batch, in the same
def test_an_entity_read_twice_is_indexed_once_with_its_first_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    monkeypatch.setattr(si, "_WRITE_BATCH", batch)
    path = tmp_path / "index.sqlite"
    assert si.build_from(_Repeating(), path) == 6
    with si.SearchIndex(path) as index:
        assert index.search("gamma").hit_count == 1
        assert index.search("zeta").hit_count == 0
        assert {e.title for e in index.search("type:proteins", limit=10).entries} == {
            "alpha", "beta", "gamma", "delta", "epsilon", "eta"}  # fmt: skip
    import sqlite3

    db = sqlite3.connect(path)
    try:  # no facet or text row is left without its entry
        assert db.execute("SELECT COUNT(*) FROM facet WHERE rowid NOT IN (SELECT rowid FROM entry)").fetchone() == (0,)
        assert db.execute("SELECT COUNT(*) FROM fts WHERE rowid NOT IN (SELECT rowid FROM entry)").fetchone() == (0,)
        assert db.execute("SELECT COUNT(*) FROM fts").fetchone() == (6,)
    finally:
        db.close()
