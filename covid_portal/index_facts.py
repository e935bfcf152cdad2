"""What the search index needs of each record, kept by a load as it maps the record, and the index
built from it instead of from the store.

Why: reading the graph back is most of the cost of building the search index. Oxigraph decodes about
130k quads/s per core, each term a lookup of its own, and an index build reads every entity's quads,
then its links (docs/benchmarks.md, "Sixth round"). While the load maps a record, the producer
already holds its triples as Python objects. So it also keeps the few facts the index uses, in one
compact blob per record (:func:`record_facts`): searchable types, primary topics, the literal slots
of the text fields and the link slots. The writer keeps the blobs in ``facts.sqlite`` in the staging
version's sidecar, one row per record graph, replaced when the record is (:class:`FactLog`). At
publish, :func:`start_build` regroups them by subject, a bounded number of graphs at a time, into one
table read in subject order (SQLite's own external sort, so memory stays bounded), reads it entity by
entity and hands each to the same assembly code as a build from the store
(``search_index.build_from``). The facts file is deleted once the index is built: it is never published.

When: only for a version that started from an empty graph (a fresh load, or the first load of a
store) in the pipeline, because only then do the facts cover every graph of the version. Updates,
drops and loads into a store that already has data build the index from the store, as before
(``covid_portal.pipeline.finish``). The facts are committed with each file the load marks done, so
a killed load resumes with facts for every file it skips, and a resumed record replaces its row.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import logging
import marshal
import multiprocessing
import multiprocessing.connection
import os
import resource
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from operator import itemgetter
from pathlib import Path

import pyoxigraph as ox
from pyoxigraph import Literal, NamedNode, Quad, Triple

from covid_portal import search_index as si
from covid_portal import void
from covid_portal.records import Terms

log = logging.getLogger(__name__)

FACTS_FILE = "facts.sqlite"
# kinds of fact: (kind, subject, code, value)
TYPE, TOPIC, LITERAL, LINK, MEASURED = range(5)
_TYPE_NAMES = tuple(si.TYPES)
_TYPE_CODE = {cls.uri: i for i, cls in enumerate(si.TYPES.values())}
_LITERAL_CODE = {uri: i for i, uri in enumerate(si.LITERAL_SLOTS)}
_LINK_CODE = {uri: i for i, uri in enumerate(si.LINK_SLOTS)}
_TITLE, _NAME = _LITERAL_CODE[si.S.title.uri], _LITERAL_CODE[si.S.name.uri]
# the codes above are only valid for the code that wrote them: a facts file from another version of
# the tables (a load resumed after an upgrade) is not used
_FORMAT = "3"  # the blob's layout (strings, index rows, VoID part)
VERSION = hashlib.sha1("\n".join([_FORMAT, *_TYPE_CODE, *si.LITERAL_SLOTS, *si.LINK_SLOTS]).encode()).hexdigest()[:16]


# predicate -> (kind, code); a slot that is both a literal and a link slot is read as a literal, as the
# store reader does. Keyed by the term itself: hashing it costs less than reading its string.
_DISPATCH: dict[NamedNode, tuple[int, int]] = {NamedNode(uri): (LITERAL, code) for uri, code in _LITERAL_CODE.items()}
_DISPATCH.setdefault(si.RDF_TYPE, (TYPE, 0))
for _uri, _code in _LINK_CODE.items():
    _DISPATCH.setdefault(NamedNode(_uri), (LINK, _code))
_DISPATCH.setdefault(si.PRIMARY_TOPIC, (TOPIC, 0))
_DISPATCH.setdefault(si.S.measured_compound.node, (MEASURED, 0))
_DCT_SOURCE = si.S.source_dataset.node


def record_facts(graph: NamedNode, triples: Iterable[Triple | Quad]) -> bytes:
    """:func:`facts_of_terms` of triples or quads (those of ``graph``)."""
    return facts_of_terms(graph, [(t.subject, t.predicate, t.object) for t in triples])


def facts_of_terms(graph: NamedNode, terms: list[Terms]) -> bytes:
    """The facts of one record graph, as a ``marshal`` blob: those the index uses, (kind, subject, code,
    value) tuples taken as ``search_index._StoreReader`` reads them from the store (literal slots before
    link slots, named subjects only), and the graph's VoID counts (:func:`_void_part`). Every string is
    stored once, in a table the tuples point into: a record repeats its topic's IRI in most facts, and
    the blobs travel between processes and are written to disk (2.4 KB a record without the table)."""
    strings: dict[str, int] = {}

    def ix(value: str) -> int:
        return strings.setdefault(value, len(strings))

    rows, void = _index_rows(terms, ix), _void_part(graph, terms, ix)
    return marshal.dumps((list(strings), rows, void))


def _index_rows(terms: list[Terms], ix: Callable[[str], int]) -> list[tuple[int, int, int, int]]:
    rows: list[tuple[int, int, int, int]] = []
    empty = ix("")
    for subject, predicate, obj in terms:
        hit = _DISPATCH.get(predicate)
        if hit is None:
            continue
        kind, code = hit
        if kind == TOPIC:  # of any subject (the record graph)
            if isinstance(obj, NamedNode):
                rows.append((TOPIC, ix(obj.value), 0, empty))
            continue
        if not isinstance(subject, NamedNode):
            continue
        if kind == LITERAL:
            if isinstance(obj, Literal):
                rows.append((LITERAL, ix(subject.value), code, ix(obj.value)))
        elif isinstance(obj, NamedNode):
            if kind == LINK:
                rows.append((LINK, ix(subject.value), code, ix(obj.value)))
            elif kind == TYPE:
                if (type_code := _TYPE_CODE.get(obj.value)) is not None:
                    rows.append((TYPE, ix(subject.value), type_code, empty))
            else:  # MEASURED, read the other way: the compound's
                rows.append((MEASURED, ix(obj.value), 0, ix(subject.value)))
    return rows


def _void_part(graph: NamedNode, terms: list[Terms], ix: Callable[[str], int]) -> tuple | None:
    """What ``covid_portal.void``'s three queries count in one graph: its sources (``<graph> dct:source``),
    its distinct triples, its primary topics, their classes, and their triples whose object is an IRI
    (a link when that IRI is another source's topic). None when a source, topic or class is not an IRI:
    then the VoID description is counted from the store."""
    distinct = set(terms)
    sources, topics = [], []
    for subject, predicate, obj in distinct:
        if subject == graph:
            if predicate == _DCT_SOURCE:
                sources.append(obj)
            elif predicate == si.PRIMARY_TOPIC:
                topics.append(obj)
    if not all(isinstance(term, NamedNode) for term in (*sources, *topics)):
        return None
    topic_set = set(topics)
    classes: list[tuple[int, int]] = []
    links: list[tuple[int, int, int]] = []
    for subject, predicate, obj in distinct:
        if subject in topic_set:
            if isinstance(obj, NamedNode):
                links.append((ix(subject.value), ix(predicate.value), ix(obj.value)))
                if predicate == si.RDF_TYPE:
                    classes.append((ix(subject.value), ix(obj.value)))
            elif predicate == si.RDF_TYPE:
                return None
    return [ix(t.value) for t in sources], len(distinct), [ix(t.value) for t in topics], classes, links


class FactLog:
    """The facts of every record graph of a staging version (one row each), in ``facts.sqlite``."""

    def __init__(self, path: Path, *, new: bool) -> None:
        self.path = path
        self._closed = False
        if new:
            path.unlink(missing_ok=True)
        # committed with each file the load marks done; a killed process loses only what was not
        self.db = sqlite3.connect(path)
        self.db.executescript(
            "PRAGMA synchronous = OFF;"
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);"
            "CREATE TABLE IF NOT EXISTS record (graph TEXT PRIMARY KEY, facts BLOB NOT NULL);"
        )
        if new:
            self.db.execute("INSERT INTO meta VALUES ('version', ?)", (VERSION,))
            self.db.commit()

    @staticmethod
    def usable(path: Path) -> bool:
        """Whether ``path`` is a facts file this code can read (kept by an interrupted load)."""
        if not path.is_file():
            return False
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                row = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
            finally:
                db.close()
        except sqlite3.Error:
            return False
        return row is not None and row[0] == VERSION

    def add(self, graphs: list[str], facts: list[bytes]) -> None:
        """Record (or replace) the facts of record graphs, in order: a graph given twice keeps the later."""
        self.db.executemany("INSERT OR REPLACE INTO record VALUES (?, ?)", zip(graphs, facts, strict=True))

    def seen(self, graphs: list[str]) -> set[str]:
        """Those of ``graphs`` that already have facts: written earlier in this version (committed or not)."""
        found: set[str] = set()
        for i in range(0, len(graphs), 500):  # under SQLite's limit on bound parameters
            part = graphs[i : i + 500]
            query = f"SELECT graph FROM record WHERE graph IN ({','.join('?' * len(part))})"
            found.update(graph for (graph,) in self.db.execute(query, part))
        return found

    def add_quads(self, quads: Iterable[Quad]) -> bool:
        """Record the graphs ``quads`` make up whole (the publish step's own: load run, datasets,
        mapping sets); False, recording nothing, when one is not a named graph."""
        graphs: dict[str, list[Quad]] = {}
        for quad in quads:
            if not isinstance(quad.graph_name, NamedNode):
                return False
            graphs.setdefault(quad.graph_name.value, []).append(quad)
        self.add(list(graphs), [record_facts(NamedNode(g), group) for g, group in graphs.items()])
        return True

    def commit(self) -> None:
        self.db.commit()

    def close(self, *, commit: bool = True) -> None:
        """Close the file (again: no-op); without ``commit``, what was added since the last commit is dropped."""
        if self._closed:
            return
        self._closed = True
        if commit:
            self.db.commit()
        self.db.close()

    def discard(self) -> None:
        """Close and delete the file (it cannot be used for this version's index)."""
        with contextlib.suppress(sqlite3.Error):
            self.close(commit=False)
        self.path.unlink(missing_ok=True)


# ---------------------------------------------------------------------------- the index from the facts
class FactSource(si.NodeSource):
    """Nodes read from the expanded facts: table ``f``, one row per subject and chunk of graphs (its facts
    there, a ``marshal`` list of (kind, code, value, source) tuples), read in subject order through its
    covering index."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    @staticmethod
    def _node(iri: str, blobs: Iterable[tuple[str, bytes]]) -> si._Node:
        # the order of a node's facts does not matter: the assembler sorts every value it reads
        node = si._Node(iri)
        literals, links = node.literals, node.links
        for _, blob in blobs:
            for kind, code, value, source in marshal.loads(blob):
                if kind == LITERAL:
                    literals[si.LITERAL_SLOTS[code]].append(value)
                elif kind == LINK:
                    links[si.LINK_SLOTS[code]].append(value)
                elif kind == TYPE:
                    node.typed(_TYPE_NAMES[code], source)
                elif kind == TOPIC:
                    if source:
                        node.described_by.add(source)
                else:
                    links[si.MEASURED_BY].append(value)
        return node

    def entities(self) -> Iterator[si._Node]:
        rows = self.db.execute("SELECT s, facts FROM f ORDER BY s")
        for iri, group in itertools.groupby(rows, key=itemgetter(0)):
            node = self._node(iri, group)
            if node.type is not None:
                yield node

    def names(self, iri: str) -> tuple[list[str], list[str]]:
        titles: list[str] = []
        names: list[str] = []
        for (blob,) in self.db.execute("SELECT facts FROM f WHERE s = ?", (iri,)):
            for kind, code, value, _ in marshal.loads(blob):
                if kind == LITERAL and value and code in (_TITLE, _NAME):
                    (titles if code == _TITLE else names).append(value)
        return titles, names

    def node(self, iri: str) -> si._Node | None:
        node = self._node(iri, self.db.execute("SELECT s, facts FROM f WHERE s = ?", (iri,)))
        return node if node.type is not None else None


# Fact rows grouped by subject in memory before they are written, one row per subject: most subjects
# have all their facts in one record graph, so the scratch table holds about a tenth of the rows it
# would with a row per fact (1.6M fact rows for 100k records, on 147k subjects), and sorting it costs
# as much less. The bound keeps memory flat however many records there are.
_GROUP_ROWS = 400_000
_EXPAND_BATCH = 100_000  # rows per insert into the VoID tables


_VOID_TABLES = """
CREATE TABLE vgraph (g INTEGER PRIMARY KEY, n INTEGER NOT NULL);
CREATE TABLE vsrc (g INTEGER NOT NULL, src TEXT NOT NULL);
CREATE TABLE vtopic (g INTEGER NOT NULL, t TEXT NOT NULL);
CREATE TABLE vclass (g INTEGER NOT NULL, t TEXT NOT NULL, c TEXT NOT NULL);
CREATE TABLE vlink (src TEXT NOT NULL, p TEXT NOT NULL, o TEXT NOT NULL, n INTEGER NOT NULL);
"""
# covid_portal.void's three queries, over the graphs' VoID parts (same multiplicities: a graph with two
# sources counts under each; a link counts once per graph of another source whose topic it points to).
# The links are counted per (source, predicate, object) as they are read (a few hundred graphs at a
# time): most point to the same taxa, classes and studies, so the table holds far fewer rows.
_VOID_TRIPLES = "SELECT s.src, SUM(v.n), COUNT(DISTINCT s.g) FROM vsrc s JOIN vgraph v ON v.g = s.g GROUP BY s.src"
_VOID_CLASSES = "SELECT s.src, c.c, COUNT(DISTINCT c.t) FROM vclass c JOIN vsrc s ON s.g = c.g GROUP BY s.src, c.c"
_VOID_LINKS = (
    "SELECT l.src, b.src, l.p, SUM(l.n) FROM vlink l JOIN vtopic h ON h.t = l.o "
    "JOIN vsrc b ON b.g = h.g WHERE l.src != b.src GROUP BY l.src, b.src, l.p"
)


def build_index(facts: Path, index: Path, void_out: Path | None = None) -> int:
    """Build the search index at ``index`` from the facts file ``facts``; returns the entries indexed.
    With ``void_out``, also write the VoID description of the graphs there (N-Quads), unless a graph's
    facts could not hold it (then there is no file, and the caller counts it from the store)."""
    work = index.with_name(index.name + ".facts")
    work.unlink(missing_ok=True)
    if void_out is not None:
        void_out.unlink(missing_ok=True)
    db = sqlite3.connect(work)
    try:
        # a scratch file: no journal; the sort and the scans get a bounded page cache (256 MiB)
        db.executescript(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -262144;"
            "CREATE TABLE f (s TEXT NOT NULL, facts BLOB NOT NULL);" + _VOID_TABLES
        )
        void_ok = _expand(facts, db)
        db.execute("CREATE INDEX f_node ON f (s, facts)")  # covering: the scans never read the table
        db.commit()
        entries = si.build_from(FactSource(db), index, origin="load facts")
        if void_out is not None and void_ok:
            tmp = void_out.with_name(void_out.name + ".tmp")
            tmp.write_bytes(ox.serialize(_void_quads(db), format=ox.RdfFormat.N_QUADS) or b"")
            tmp.replace(void_out)
        return entries
    finally:
        db.close()
        work.unlink(missing_ok=True)


class _Rows:
    """Rows for one table, inserted a batch at a time."""

    def __init__(self, db: sqlite3.Connection, table: str, width: int) -> None:
        self.db, self.rows = db, []  # type: ignore[var-annotated]
        self.sql = f"INSERT INTO {table} VALUES ({','.join('?' * width)})"

    def add(self, rows: Iterable[tuple]) -> None:
        self.rows += rows
        if len(self.rows) >= _EXPAND_BATCH:
            self.flush()

    def flush(self) -> None:
        self.db.executemany(self.sql, self.rows)
        self.rows = []


def _expand(facts: Path, db: sqlite3.Connection) -> bool:
    """Expand every graph's facts into the scratch tables; whether every graph had its VoID part."""
    log_db = sqlite3.connect(f"file:{facts}?mode=ro", uri=True)
    void_ok = True
    tables = {name: _Rows(db, name, width) for name, width in
              (("vgraph", 2), ("vsrc", 2), ("vtopic", 2), ("vclass", 3))}  # fmt: skip
    groups: dict[str, list[tuple[int, int, str, str]]] = {}
    links: Counter[tuple[str, str, str]] = Counter()
    held = 0
    try:
        for g, (graph, blob) in enumerate(log_db.execute("SELECT graph, facts FROM record")):
            st, rows, void = marshal.loads(blob)  # strings, and tuples pointing into them
            source = si.source_of_graph(graph) or ""
            for kind, subject, code, value in rows:
                fact = (kind, code, st[value], source)
                if (group := groups.get(st[subject])) is None:
                    groups[st[subject]] = [fact]
                else:
                    group.append(fact)
            held += len(rows)
            if held >= _GROUP_ROWS:
                _write_groups(db, groups)
                _write_links(db, links)
                held = 0
            if void is None:
                void_ok = False
                continue
            sources, n, topics, classes, graph_links = void
            tables["vgraph"].add([(g, n)])
            tables["vsrc"].add((g, st[src]) for src in sources)
            tables["vtopic"].add((g, st[t]) for t in topics)
            tables["vclass"].add((g, st[t], st[c]) for t, c in classes)
            for src in sources:
                links.update((st[src], st[p], st[o]) for _, p, o in graph_links)
        _write_groups(db, groups)
        _write_links(db, links)
        for table in tables.values():
            table.flush()
    finally:
        log_db.close()
    return void_ok


def _write_groups(db: sqlite3.Connection, groups: dict[str, list[tuple[int, int, str, str]]]) -> None:
    db.executemany("INSERT INTO f VALUES (?, ?)", ((s, marshal.dumps(facts)) for s, facts in groups.items()))
    groups.clear()


def _write_links(db: sqlite3.Connection, links: Counter[tuple[str, str, str]]) -> None:
    db.executemany("INSERT INTO vlink VALUES (?, ?, ?, ?)", ((*key, n) for key, n in links.items()))
    links.clear()


def _void_quads(db: sqlite3.Connection) -> list[Quad]:
    db.executescript("CREATE INDEX vsrc_g ON vsrc (g, src); CREATE INDEX vtopic_t ON vtopic (t, g);")
    iri = NamedNode
    triples = [(iri(src), n, records) for src, n, records in db.execute(_VOID_TRIPLES)]
    classes = [(iri(src), iri(cls), n) for src, cls, n in db.execute(_VOID_CLASSES)]
    links = [(iri(a), iri(b), iri(p), n) for a, b, p, n in db.execute(_VOID_LINKS)]
    return void.describe(triples, classes, links)


class FactBuild:
    """An index build from the facts, in a process of its own (:func:`start_build`); ``wait()`` ends it.
    The same process counts the VoID description (``void()``, after ``wait()``)."""

    def __init__(self, facts: Path, index: Path) -> None:
        self.facts, self.index = facts, index
        self.void_path = index.with_name(index.name + ".void.nq")
        self.usage_path = index.with_name(index.name + ".usage")
        self.cpu = 0.0  # the process's CPU seconds and peak memory (bytes), known after wait()
        self.max_rss = 0
        ctx = multiprocessing.get_context("forkserver")
        args = (str(facts), str(index), str(self.void_path), str(self.usage_path))
        self._proc = ctx.Process(target=_build_process, args=args, daemon=True)
        self._proc.start()

    def running(self) -> bool:
        """Whether the build is still running."""
        return self._proc.is_alive()

    def ended(self, timeout: float) -> bool:
        """Whether the build's process has ended, waiting up to ``timeout`` seconds. It only waits on the
        process's sentinel, so another thread may call it while this one joins or polls the process."""
        return bool(multiprocessing.connection.wait([self._proc.sentinel], timeout))

    def wait(self) -> int:
        """Wait for the build; returns its entries. The facts file is deleted once the index is built."""
        try:
            self._proc.join()
        finally:
            if self._proc.is_alive():
                self._proc.kill()
        with contextlib.suppress(OSError, ValueError):
            cpu, max_rss = self.usage_path.read_text().split()
            self.cpu, self.max_rss = float(cpu), int(max_rss)
        self.usage_path.unlink(missing_ok=True)
        if self._proc.exitcode != 0:
            raise RuntimeError(f"search index: the build from {self.facts} failed (see the log above)")
        self.facts.unlink(missing_ok=True)
        db = sqlite3.connect(f"file:{self.index}?mode=ro", uri=True)
        try:
            return int(db.execute("SELECT value FROM meta WHERE key = 'entries'").fetchone()[0])
        finally:
            db.close()

    def void(self) -> list[Quad] | None:
        """The VoID description counted from the facts (once, after ``wait()``); None when the store must
        count it (a graph whose facts could not hold it)."""
        if not self.void_path.is_file():
            return None
        try:
            return list(ox.parse(self.void_path.read_bytes(), format=ox.RdfFormat.N_QUADS))
        finally:
            self.void_path.unlink(missing_ok=True)


def start_build(facts: Path, index: Path) -> FactBuild:
    """Start building the index at ``index`` (and counting VoID) from the facts file ``facts``, closed by
    its writer."""
    return FactBuild(facts, index)


def _build_process(facts: str, index: str, void_out: str, usage_out: str) -> None:
    from covid_portal.procs import die_with_parent

    die_with_parent()
    # The build runs beside the spool's bulk_load (covid_portal.pipeline.finish), which is most of the
    # publish step and can use both cores. At the lowest priority the build takes only what the bulk
    # load leaves idle (about half a core), and finishes after it with a core of its own (finish runs
    # the compaction and the cubes on the other): at 1M records the bulk load took 314-333 s instead of
    # 409-422 s (docs/benchmarks.md, "Ninth round").
    os.nice(19)
    try:
        build_index(Path(facts), Path(index), Path(void_out))
    finally:
        # a child of the fork server: the loading process cannot read its usage, so it is handed over
        usage = resource.getrusage(resource.RUSAGE_SELF)
        Path(usage_out).write_text(f"{usage.ru_utime + usage.ru_stime} {usage.ru_maxrss * 1024}")
