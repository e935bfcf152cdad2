"""parse -> RDF -> validate -> store: the one ingest pipeline every source goes through.

Each record becomes one named graph (its IRI from ``iris.record_graph``) holding the record's
triples and its provenance, so a re-loaded record replaces its old triples and a source can be
dropped on its own. Records that cannot be parsed, mapped or validated are quarantined with
their raw text and the reason; the report accounts for every record read
(read = loaded + quarantined), and a run that breaks that count fails loudly.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from pyoxigraph import Literal, NamedNode, Quad

import loaders
from covid_portal import __version__, index_facts, iris, search_index
from covid_portal.index_facts import FactLog
from covid_portal.mappings import mapping_quads
from covid_portal.producers import CHUNK, Chunk, End, FileTask, Producers, default_jobs, file_messages
from covid_portal.records import FileFormatError, RecordGraph, Terms
from covid_portal.remote_store import RemoteStore
from covid_portal.spool import Spool
from covid_portal.spool import limit as spool_limit
from covid_portal.statistics import STATISTICS_GRAPH, statistics_quads
from covid_portal.store import Staging, StoreDir
from covid_portal.terms import C, S
from covid_portal.validate import Validator, default_validator
from covid_portal.void import VOID_GRAPH, void_quads

log = logging.getLogger(__name__)

# notes and harvest/generator manifests that sit beside record files
SKIPPED_NAMES = {
    "PROVENANCE.md",
    "README.md",
    "SUMMARY.md",
    "NOTES.md",
    ".DS_Store",
    "MANIFEST.json",
    "RECORDS.tsv",
    "manifest.json",
}
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD_DATETIME = NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")


@dataclass
class SourceStats:
    read: int = 0
    loaded: int = 0
    quarantined: int = 0
    triples: int = 0


@dataclass
class LoadReport:
    run_id: str
    sources: dict[str, SourceStats] = field(default_factory=dict)
    files: int = 0
    files_skipped: int = 0  # already loaded by the interrupted run this one resumed
    file_errors: list[str] = field(default_factory=list)
    quarantine_file: Path | None = None
    version: str | None = None
    producer_cpu: float = 0.0  # CPU seconds of the producer processes (covid_portal.producers)
    producer_max_rss: int = 0  # the largest producer's peak memory, bytes
    index_cpu: float = 0.0  # CPU seconds of the process building the search index and VoID from the facts
    index_max_rss: int = 0  # its peak memory, bytes

    def stats(self, source: str) -> SourceStats:
        return self.sources.setdefault(source, SourceStats())

    @property
    def read(self) -> int:
        return sum(s.read for s in self.sources.values())

    @property
    def loaded(self) -> int:
        return sum(s.loaded for s in self.sources.values())

    @property
    def quarantined(self) -> int:
        return sum(s.quarantined for s in self.sources.values())

    @property
    def triples(self) -> int:
        return sum(s.triples for s in self.sources.values())


class StrictModeError(Exception):
    """--strict: the first bad file or record ends the load (nothing is published)."""


class Quarantine:
    """JSON Lines report of every record or file that did not load, with what is needed to fix it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh = None
        self.count = 0

    def add(self, entry: dict[str, object]) -> None:
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("a", encoding="utf-8")
        self._fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self._fh.flush()
        self.count += 1

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()


def iter_files(paths: Iterable[Path]) -> list[Path]:
    """Files to load, in a stable order; folders are walked, notes and hidden files skipped."""
    out: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            out.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file() and p.name not in SKIPPED_NAMES and not any(part.startswith(".") for part in p.parts)
            )
        elif path.exists():
            out.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
    return out


def fingerprint(path: Path) -> str:
    stat = path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def _file_time(path: Path) -> str:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC).replace(microsecond=0).isoformat()


def provenance(rg: RecordGraph, graph: NamedNode, activity: NamedNode, source_file: str, retrieved: str) -> list[Terms]:
    """The PROV-O description of a record, stored in the record's own graph (as ``RecordGraph.terms``)."""
    out: list[Terms] = [
        (graph, RDF_TYPE, C.SourceRecord.node),
        (graph, S.primary_topic.node, rg.topic),
        (graph, S.source_dataset.node, iris.dataset(rg.source)),
        (graph, S.loader_version.node, Literal(f"covid-portal {__version__} loaders.{rg.source}")),
        (graph, S.generated_by.node, activity),
        (activity, RDF_TYPE, C.LoadActivity.node),  # typed here too, so the record validates alone
        (graph, S.source_file.node, Literal(source_file)),
        (graph, S.retrieved_at.node, Literal(rg.retrieved or retrieved, datatype=XSD_DATETIME)),
    ]
    if rg.url:
        out.append((graph, S.source_record_url.node, NamedNode(rg.url)))
    if rg.release:
        out.append((graph, S.source_release.node, Literal(rg.release)))
    if rg.license:
        out.append((graph, S.license.node, NamedNode(rg.license)))
    return out


class _Batch:
    """Record graphs waiting to be written: their IRIs, in order, and their quads as N-Quads."""

    def __init__(self) -> None:
        self.graphs: list[str] = []
        self.members: set[str] = set()
        self.nquads = bytearray()
        self.facts: list[bytes] = []  # each graph's search index facts, when the load keeps them

    def __len__(self) -> int:
        return len(self.graphs)

    def takes(self, chunk: Chunk) -> bool:
        """Whether ``chunk`` can join without a record graph appearing twice (the later must win)."""
        return len(set(chunk.graphs)) == len(chunk.graphs) and self.members.isdisjoint(chunk.graphs)

    def add(self, graphs: list[str], nquads: bytes | bytearray, facts: list[bytes]) -> None:
        self.graphs += graphs
        self.members.update(graphs)
        self.nquads += nquads
        self.facts += facts


def _commit(store: ox.Store, batch: _Batch, facts: FactLog | None = None) -> None:
    """Write a batch of record graphs, replacing earlier versions of the same records.

    The quads go in with ``bulk_load`` of N-Quads (RocksDB files written directly: 2.5-3.5x less CPU
    than a transactional insert, and no Python object per quad; docs/benchmarks.md), parsed without
    re-checking IRIs (``lenient``: every term was built by pyoxigraph and the record validated). It is
    not atomic, which is safe here: the staging version is invisible to readers until it is published,
    and a killed load resumes file by file (``staging.done_files``), re-doing every record of an
    unfinished file, each of which replaces its graph (removed first, below) whatever part of it an
    interrupted write had left.
    A remote store (covid_portal.remote_store) gets one Graph Store PUT per graph: atomic per graph.
    ``facts``: where the batch's search index facts go (committed with the file, by the caller).
    """
    if not batch:
        return
    data = bytes(batch.nquads)
    if isinstance(store, RemoteStore):
        graphs: dict[NamedNode, list[Quad]] = {NamedNode(g): [] for g in batch.graphs}
        for quad in ox.parse(data, format=ox.RdfFormat.N_QUADS):
            graphs[quad.graph_name].append(quad)
        store.replace_graphs(graphs)
        return
    for iri in batch.graphs:
        graph = NamedNode(iri)
        if store.contains_named_graph(graph):
            store.remove_graph(graph)
    store.bulk_load(data, format=ox.RdfFormat.N_QUADS, lenient=True)
    if facts is not None:
        facts.add(batch.graphs, batch.facts)


def _activity_quads(activity: NamedNode, started: str, ended: str) -> list[Quad]:
    g = activity
    return [
        Quad(activity, RDF_TYPE, C.LoadActivity.node, g),
        Quad(activity, S.started_at.node, Literal(started, datatype=XSD_DATETIME), g),
        Quad(activity, S.ended_at.node, Literal(ended, datatype=XSD_DATETIME), g),
        Quad(activity, S.used_software.node, Literal(f"covid-portal {__version__}"), g),
    ]


def dataset_quads(loader: loaders.Loader, modified: str) -> list[Quad]:
    """A minimal dcat:Dataset per source; the server enriches it with statistics from the store."""
    ds = iris.dataset(loader.name)
    return [
        Quad(ds, RDF_TYPE, C.Dataset.node, ds),
        Quad(ds, S.title.node, Literal(loader.title), ds),
        Quad(ds, S.description.node, Literal(f"Records of {loader.title} loaded into the portal."), ds),
        Quad(ds, S.homepage.node, NamedNode(loader.homepage), ds),
        Quad(ds, S.license.node, NamedNode(loader.license), ds),
        Quad(ds, S.modified.node, Literal(modified, datatype=XSD_DATETIME), ds),
    ]


def now() -> str:
    return dt.datetime.now(tz=dt.UTC).replace(microsecond=0).isoformat()


class Pipeline:
    """One load run: files in, record graphs into the staging version, report out."""

    def __init__(
        self,
        *,
        source: str | None = None,
        strict: bool = False,
        batch_size: int = 5000,
        validator: Validator | None = None,
        on_progress: Callable[[int, int], None] | None = None,
        on_stage: Callable[[str], None] | None = None,
        jobs: int | None = None,
        chunk_size: int = CHUNK,
    ) -> None:
        self.source = source
        self.strict = strict
        self.batch_size = batch_size
        self.validator = validator or default_validator()
        # producer processes map and validate records (covid_portal.producers); they use the default
        # validator, so a load with another one runs in this process
        self.jobs = 1 if validator is not None else (jobs or default_jobs())
        self.chunk_size = chunk_size  # records per producer message
        self.on_progress = on_progress  # (records done, bytes done)
        self.on_stage = on_stage  # told when the records are all read and the version is being published
        self.run_id = dt.datetime.now(tz=dt.UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
        self.activity = iris.load_activity(self.run_id)
        self._keep_facts = False  # whether records carry their search index facts (see _fact_log)

    # ------------------------------------------------------------------ records
    def task(self, path: Path) -> tuple[loaders.Loader, FileTask]:
        """What to produce from ``path``: its loader and format (FileFormatError: no loader reads it)."""
        source = self.source_of(path)
        detected = loaders.detect(path, source)
        if detected is None:
            hint = f" as {source}" if source else ""
            raise FileFormatError(str(path), f"not a format any loader reads{hint} (use --source to force one)")
        loader, fmt = detected
        return loader, FileTask(str(path), loader.name, fmt, _file_time(path), self.activity.value, self._keep_facts)

    def source_of(self, path: Path) -> str | None:
        """The loader to read ``path`` with (None: detect it from the content)."""
        return self.source

    def _quarantine(self, quarantine: Quarantine, stats: SourceStats, source: str, file: str, position: str,
                    record_id: str | None, stage: str, reason: str, raw: str) -> None:  # fmt: skip
        stats.quarantined += 1
        quarantine.add({"source": source, "file": file, "position": position, "record_id": record_id,
                        "stage": stage, "reason": reason, "raw": raw})  # fmt: skip
        log.warning("quarantined %s record %s (%s, %s): %s", source, record_id or "?", file, position, reason)
        if self.strict:
            raise StrictModeError(f"{file} ({position}, record {record_id or '?'}): {reason}")

    # --------------------------------------------------------------------- run
    def run(
        self,
        paths: Iterable[Path],
        store_dir: StoreDir,
        *,
        fresh: bool = False,
        finalize: Callable[[ox.Store, str], Iterable[Quad]] | None = None,
    ) -> LoadReport:
        """Load ``paths`` into a new store version. ``finalize(staging store, end time)`` runs last in the
        same version (an update drops withdrawn records there); the quads it returns join the run's
        descriptions (datasets), so everything publishes together or not at all."""
        files = iter_files(paths)
        report = LoadReport(run_id=self.run_id)
        quarantine = Quarantine(store_dir.path / "quarantine" / f"{self.run_id}.jsonl")
        started = now()
        records_done = 0
        bytes_done = 0
        producers = Producers(self.jobs, self.chunk_size) if self.jobs > 1 and files else None
        facts: FactLog | None = None
        spool: Spool | None = None
        try:
            with store_dir.staging(fresh=fresh) as staging:
                facts = self._fact_log(staging, finalize)
                spool = self._spool(staging, facts)
                used: set[str] = set()
                for path in files:
                    size = path.stat().st_size
                    key = str(path.resolve())
                    if staging.done_files.get(key) == fingerprint(path):
                        report.files_skipped += 1
                        bytes_done += size
                        continue
                    report.files += 1
                    try:
                        records_done = self._load_file(
                            path, staging, report, quarantine, used, records_done, bytes_done, producers, facts, spool
                        )
                    except FileFormatError as exc:
                        report.file_errors.append(str(exc))
                        entry = {"source": self.source, "file": str(path), "position": "file", "record_id": None}
                        quarantine.add({**entry, "stage": "file", "reason": exc.reason, "raw": ""})
                        log.error("%s", exc)
                        if self.strict:
                            raise StrictModeError(str(exc)) from exc
                    bytes_done += size
                    if facts is not None:  # before the file is marked done: a resumed load skips it
                        facts.commit()
                    if spool is not None:  # after the facts (covid_portal.spool, "Resuming")
                        spool.commit()
                    store_dir.mark_done(staging, key, fingerprint(path), fresh)
                    if spool is not None and spool.size >= spool_limit():  # bound the disk it takes
                        spool.load(staging.store)
                        spool = Spool(staging.sidecar, new=True)
                    if self.on_progress:
                        self.on_progress(records_done, bytes_done)
                ended = now()
                extra = _activity_quads(self.activity, started, ended)
                for name in sorted(used):
                    extra += dataset_quads(loaders.get(name), ended)
                if finalize is not None:
                    extra += finalize(staging.store, ended)
                self._check_counts(report)
                if producers is not None:  # their memory is not needed while publishing
                    self._close_producers(producers, report)
                    producers = None
                if self.on_stage:  # the records are read; what follows can take as long (a spool's write)
                    self.on_stage("publishing")
                index = finish(staging.store, extra, staging.sidecar, facts, spool)
                if isinstance(index, index_facts.FactBuild):
                    report.index_cpu, report.index_max_rss = index.cpu, index.max_rss
        finally:
            if producers is not None:
                producers.close()
            if spool is not None:
                spool.close()  # uncommitted: the quads of a file that a resumed load re-does
            if facts is not None:
                facts.close(commit=False)  # uncommitted: facts of a file that a resumed load re-does
            quarantine.close()
        report.quarantine_file = quarantine.path if quarantine.count else None
        report.version = store_dir.current_version()
        return report

    def _fact_log(self, staging: Staging, finalize: object) -> FactLog | None:
        """Where this load keeps its records' search index facts, or None when the index of this version
        must be read from the store: the version did not start from an empty graph (the facts would miss
        the graphs it started with), an update's ``finalize`` changes it, the graph is remote, or a
        resumed load has no usable facts from its first run (covid_portal.index_facts)."""
        path = staging.sidecar / index_facts.FACTS_FILE
        usable = isinstance(staging.store, ox.Store) and staging.empty_start and finalize is None
        if usable and staging.resumed and not FactLog.usable(path):
            usable = False
        if not usable:
            path.unlink(missing_ok=True)
            self._keep_facts = False
            return None
        self._keep_facts = True
        return FactLog(path, new=not staging.resumed)

    def _spool(self, staging: Staging, facts: FactLog | None) -> Spool | None:
        """Where this load's record graphs wait to be bulk-loaded in one call (covid_portal.spool), or None
        to write them batch by batch: the spool needs the facts log, to tell a record loaded twice."""
        if facts is None or spool_limit() == 0:
            if Spool.exists(staging.sidecar):  # an interrupted run spooled: its files are done only there
                Spool(staging.sidecar, new=False).load(staging.store)
            return None
        return Spool(staging.sidecar, new=not staging.resumed)

    def _load_file(self, path: Path, staging: Staging, report: LoadReport, quarantine: Quarantine,
                   used: set[str], records_done: int, bytes_done: int, producers: Producers | None = None,
                   facts: FactLog | None = None, spool: Spool | None = None) -> int:  # fmt: skip
        loader, task = self.task(path)
        stats = report.stats(loader.name)
        if producers is not None:
            producers.submit(task)
            messages = producers.messages()
        else:
            messages = file_messages(task, 0, 1, self.chunk_size, validator=self.validator)
        batch = _Batch()
        for message in messages:
            if isinstance(message, End):
                _commit(staging.store, batch, facts)
                if message.error is not None:
                    raise FileFormatError(str(path), message.error)
                break
            stats.read += message.read
            stats.loaded += message.loaded
            stats.triples += message.triples
            for entry in message.quarantined:
                self._quarantine(quarantine, stats, **entry)
            if message.loaded:
                used.add(loader.name)
            if spool is not None and facts is not None:
                self._spool_chunk(spool, message, facts)
            elif not batch.takes(message):  # a record repeated: write in order, so the later one wins
                _commit(staging.store, batch, facts)
                batch = _Batch()
                self._commit_one_by_one(staging.store, message, facts)
            else:
                batch.add(message.graphs, message.nquads, message.facts)
            records_done += message.loaded
            if spool is not None:
                crossed = records_done // self.batch_size != (records_done - message.loaded) // self.batch_size
                if crossed and self.on_progress:
                    self.on_progress(records_done, bytes_done)
            elif len(batch) >= self.batch_size:
                _commit(staging.store, batch, facts)
                batch = _Batch()
                if self.on_progress:
                    self.on_progress(records_done, bytes_done)
        return records_done

    @staticmethod
    def _spool_chunk(spool: Spool, chunk: Chunk, facts: FactLog) -> None:
        """Append a chunk's record graphs to the spool; a graph already in this version (or twice in the
        chunk) goes to the spool's repeats, so that its last version wins."""
        seen = facts.seen(chunk.graphs)
        if not seen and len(set(chunk.graphs)) == len(chunk.graphs):
            spool.write(chunk.nquads)
        else:
            repeats: list[tuple[str, bytes]] = []
            start = 0
            for graph, end in zip(chunk.graphs, chunk.ends, strict=True):
                if graph in seen:
                    repeats.append((graph, bytes(chunk.nquads[start:end])))
                else:
                    seen.add(graph)
                    spool.write(chunk.nquads[start:end])
                start = end
            spool.repeat(repeats)
        facts.add(chunk.graphs, chunk.facts)

    @staticmethod
    def _commit_one_by_one(store: ox.Store, chunk: Chunk, facts: FactLog | None) -> None:
        start = 0
        for i, (graph, end) in enumerate(zip(chunk.graphs, chunk.ends, strict=True)):
            one = _Batch()
            one.add([graph], chunk.nquads[start:end], chunk.facts[i : i + 1])
            _commit(store, one, facts)
            start = end

    @staticmethod
    def _close_producers(producers: Producers, report: LoadReport) -> None:
        producers.close()
        report.producer_cpu = sum(u.cpu for u in producers.usage)
        report.producer_max_rss = max((u.max_rss for u in producers.usage), default=0)

    @staticmethod
    def _check_counts(report: LoadReport) -> None:
        for name, stats in report.sources.items():
            if stats.read != stats.loaded + stats.quarantined:
                raise AssertionError(
                    f"{name}: read {stats.read} != loaded {stats.loaded} + quarantined {stats.quarantined}"
                )


def finish(
    store: ox.Store, extra: list[Quad], sidecar: Path | None, facts: FactLog | None = None, spool: Spool | None = None
) -> search_index.Build | index_facts.FactBuild | None:
    """Before a version is published: replace the graphs ``extra`` describes (load run, datasets) and
    the SSSOM mapping sets (so the graph always holds the curated mappings of this release), then
    recompute the VoID counts and the statistics cubes; last, build the search index into ``sidecar``
    (the staging version's sidecar folder, published with it, so the index never drifts from the graph;
    None: no index). With ``facts`` (the load kept its records' facts, covid_portal.index_facts) the
    index and the VoID counts come from them, in a process beside the compaction and the cubes; else
    from the store. ``spool``: the load's record graphs, not yet in the store (covid_portal.spool),
    written first. Returns the index build (done), for what it used."""
    extra = extra + mapping_quads()
    index: search_index.Build | index_facts.FactBuild | None = None
    if facts is not None:
        if sidecar is not None and facts.add_quads(extra):
            facts.close()
            # from the facts alone, so it starts now, beside the spool's write, the compaction and the cubes
            index = index_facts.start_build(facts.path, search_index.index_path(sidecar))
        else:
            facts.discard()
    try:
        if spool is not None:
            spool.load(store)
        for graph in {q.graph_name for q in extra} | {VOID_GRAPH, STATISTICS_GRAPH}:
            if store.contains_named_graph(graph):
                store.remove_graph(graph)
        store.extend(extra)
        if isinstance(store, ox.Store):
            # Compact before the version is read: a load writes many overlapping SST files, and reads
            # of an uncompacted store get slower as it grows (at 1M records, 15k quads/s against
            # 110k after compaction, which took 3 min; docs/benchmarks.md). The published version is
            # then compact too, for every query the server runs on it.
            # The compaction keeps one core busy, and so do the cubes; they read the quads, which the
            # compaction does not change, and both release the GIL. While the index build from the facts
            # still runs (at the lowest priority beside the spool's write, so it has CPU left when the
            # write ends), the cubes wait for it, so that it keeps a core of its own: the three side by
            # side left it waiting (docs/benchmarks.md, "Ninth round"). They start when it ends or when
            # the compaction does, whichever comes first: never later than one after the other, and
            # beside the compaction once the index build no longer needs the core ("Eleventh round").
            described = _compact_and_count(store, index if isinstance(index, index_facts.FactBuild) else None)
        else:
            described = statistics_quads(store)
        # a build from the store (from a checkpoint, in processes of its own) and VoID (here) go side
        # by side; both, and the cubes, are computed before either graph is added, so none counts another
        if index is None and sidecar is not None:
            index = search_index.start_build(store, search_index.index_path(sidecar), default_jobs())
        if not isinstance(index, index_facts.FactBuild):
            described += void_quads(store)
    finally:
        if index is not None:
            _wait_for_index(index, store, sidecar)
    if isinstance(index, index_facts.FactBuild):  # VoID was counted from the facts, beside the index
        counted = index.void()
        described += void_quads(store) if counted is None else counted
    store.extend(described)
    return index


def _compact_and_count(store: ox.Store, index: index_facts.FactBuild | None) -> list[Quad]:
    """Compact ``store`` and count its statistics cubes (returned), the cubes in a thread that starts
    once ``index`` (a build still running, or None) has ended or the compaction has."""
    compacted = threading.Event()
    started = time.monotonic()

    def cubes() -> list[Quad]:
        if index is not None:
            while not compacted.is_set() and not index.ended(0.5):
                pass
            waited = time.monotonic() - started
            log.info("statistics cubes: started after %.1f s, when the %s ended", waited,
                     "compaction" if compacted.is_set() else "index build from the facts")  # fmt: skip
        begun = time.monotonic()
        quads = statistics_quads(store)
        log.info("statistics cubes: %d quads in %.1f s", len(quads), time.monotonic() - begun)
        return quads

    with ThreadPoolExecutor(1, thread_name_prefix="cubes") as pool:
        counted = pool.submit(cubes)
        try:
            store.optimize()
        finally:
            compacted.set()
        log.info("compaction: %.1f s", time.monotonic() - started)
        return counted.result()


def _wait_for_index(index: search_index.Build | index_facts.FactBuild, store: ox.Store, sidecar: Path | None) -> None:
    if not isinstance(index, index_facts.FactBuild) or sidecar is None:
        index.wait()
        return
    try:
        index.wait()
    except RuntimeError:
        # the graph is complete and the facts only a shortcut: a failed build from them is rebuilt
        # from the store, so a load is never stuck on them (the failure is logged by the build)
        log.exception("search index: the build from the load's facts failed; building it from the store")
        index.facts.unlink(missing_ok=True)
        search_index.start_build(store, search_index.index_path(sidecar), default_jobs()).wait()


def load(paths: Iterable[Path], store: Path | str, **options: object) -> LoadReport:
    """Load files or folders into the store at ``store``; see :class:`Pipeline` for the options."""
    fresh = bool(options.pop("fresh", False))
    pipeline = Pipeline(**options)  # type: ignore[arg-type]
    return pipeline.run([Path(p) for p in paths], StoreDir(store), fresh=fresh)


def drop_source(store: Path | str, source: str) -> int:
    """Remove every record graph of one source (and its dataset description); returns graphs removed."""
    store_dir = StoreDir(store)
    dataset = iris.dataset(source)
    with store_dir.staging() as staging:
        graphs = [
            row["g"]
            for row in staging.store.query(
                f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?g <http://purl.org/dc/terms/source> <{dataset.value}> }} }}"
            )
        ]
        for graph in graphs:
            staging.store.remove_graph(graph)
        if staging.store.contains_named_graph(dataset):
            staging.store.remove_graph(dataset)
        finish(staging.store, [], staging.sidecar)
    return len(graphs)


def remove_records(store: ox.Store, source: str, record_ids: Iterable[str]) -> int:
    """Remove the record graphs of ``source`` named by ``record_ids`` from ``store``; returns graphs removed."""
    removed = 0
    for record_id in record_ids:
        graph = iris.record_graph(source, record_id)
        if store.contains_named_graph(graph):
            store.remove_graph(graph)
            removed += 1
    return removed


def drop_records(store: Path | str, source: str, record_ids: Iterable[str]) -> int:
    """Remove some records of one source (withdrawn, suppressed) in a new store version; returns graphs removed."""
    with StoreDir(store).staging() as staging:
        removed = remove_records(staging.store, source, record_ids)
        finish(staging.store, [], staging.sidecar)
    return removed
