"""Ingest benchmark: records -> validated RDF -> store, beside pyoxigraph's bulk load and pyshacl.

For each size N: generate N synthetic records (covid_portal.generate, the sources' own formats),
load them end to end with covid_portal.pipeline (parse, map, validate every record, write, publish)
in a child process; export the resulting store as N-Quads and bulk-load that file into a fresh
pyoxigraph store in another child process (the raw-write anchor: the same quads, no parsing of
source formats, no validation); and validate a fixed sample of the same records' triples with
pyshacl and with the portal's compiled validator (pyshacl is far too slow for the whole input, so
its rate comes from the sample). Rates use the same numerator for both loads: the quads in the
final store.

    python -m bench.ingest                        # 10 000 records, a few minutes
    python -m bench.ingest --records 100000       # or 1000000; several sizes show how memory scales
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench import common
from bench.common import mib, ratio, si

BULK_CODE = """
import pyoxigraph as ox
store = ox.Store(ARGS["store"])
store.bulk_load(path=ARGS["nq"], format=ox.RdfFormat.N_QUADS)
store.flush()
print(json.dumps({"quads": len(store)}))
"""

SHACL_CODE = """
import time
import pyoxigraph as ox
import pyshacl
import rdflib
from covid_portal.validate import default_validator
from tests.conftest import shapes_graph, to_rdflib_term

store = ox.Store.read_only(ARGS["live"])
from covid_portal.terms import C
graphs = sorted(row["g"].value for row in store.query(
    f"SELECT ?g WHERE {{ GRAPH ?g {{ ?g a <{C.SourceRecord.node.value}> }} }}"))
step = max(1, len(graphs) // ARGS["sample"])
sample = graphs[::step][: ARGS["sample"]]
records = [
    [ox.Triple(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, ox.NamedNode(g))]
    for g in sample
]
triples = sum(len(r) for r in records)
validator = default_validator()
t = time.perf_counter()
ours_violations = sum(len(validator.check(r)) for r in records)
ours_s = time.perf_counter() - t
data = rdflib.Graph()
for r in records:
    for x in r:
        data.add((to_rdflib_term(x.subject), to_rdflib_term(x.predicate), to_rdflib_term(x.object)))
shapes = shapes_graph()
t = time.perf_counter()
conforms, _, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=True)
pyshacl_s = time.perf_counter() - t
print(json.dumps({"records": len(sample), "triples": triples, "pyshacl_s": pyshacl_s, "conforms": bool(conforms),
                  "ours_s": ours_s, "ours_violations": ours_violations}))
"""


def run_size(n: int, args: argparse.Namespace) -> tuple[list[list[object]], list[str], dict[str, float]]:
    workdir: Path = args.workdir
    _, paths = common.records(n, args.seed, workdir)
    store = workdir / f"ingest-store-{n}"
    print(f"[{n:,}] covid-portal load ...", file=sys.stderr, flush=True)
    ours = common.load_store(paths, store, {"batch_size": args.batch_size} if args.batch_size else None)
    r = ours.result
    quads = r["quads"]

    print(f"[{n:,}] exporting N-Quads and bulk-loading them ...", file=sys.stderr, flush=True)
    import pyoxigraph as ox

    from covid_portal.dump import export

    nq = workdir / f"ingest-{n}.nq"
    export(ox.Store.read_only(r["live"]), nq, "nq")
    bulk_store = workdir / f"bulk-store-{n}"
    import shutil

    shutil.rmtree(bulk_store, ignore_errors=True)
    bulk = common.run_measured(BULK_CODE, {"store": str(bulk_store), "nq": str(nq)})
    shutil.rmtree(bulk_store, ignore_errors=True)
    nq.unlink(missing_ok=True)

    print(f"[{n:,}] pyshacl on a sample of {args.shacl_sample} records ...", file=sys.stderr, flush=True)
    shacl = common.run_measured(SHACL_CODE, {"live": r["live"], "sample": args.shacl_sample})
    s = shacl.result
    if not args.keep_store:
        shutil.rmtree(store, ignore_errors=True)

    ours_rate = quads / ours.wall
    bulk_rate = bulk.result["quads"] / bulk.wall
    pyshacl_rate = s["triples"] / s["pyshacl_s"]
    ours_validate_rate = s["triples"] / s["ours_s"] if s["ours_s"] else float("inf")
    records_s = r.get("records_s", ours.wall)
    publish_s = r.get("publish_s", 0.0)
    rows = [
        [f"{n:,}", "covid-portal load, end to end", f"{ours.wall:,.1f}", f"{ours.cpu:,.1f}", si(n / ours.wall),
         si(ours_rate), mib(ours.max_rss), ratio(ours_rate, bulk_rate)],
        [f"{n:,}", "  records: parse, map, validate, spool", f"{records_s:,.1f}", "", si(n / records_s),
         si(r["record_triples"] / records_s), mib(r.get("records_max_rss", 0)), ""],
        [f"{n:,}", "  of which producer processes (parse, map, validate)", "",
         f"{r.get('producer_cpu', 0.0):,.1f}", "", "", mib(r.get("producer_max_rss", 0)) + " each", ""],
        [f"{n:,}", "  publish: write, mappings, VoID, search index, compaction", f"{publish_s:,.1f}", "", "", "",
         "", ""],
        [f"{n:,}", "    of which writing the spooled records (bulk_load)", f"{r.get('spool_s', 0.0):,.1f}", "", "",
         "", "", ""],
        [f"{n:,}", "    beside it, the search index and VoID process (from the facts)", "",
         f"{r.get('index_cpu', 0.0):,.1f}", "", "", mib(r.get("index_max_rss", 0)), ""],
        [f"{n:,}", "pyoxigraph bulk_load, same N-Quads", f"{bulk.wall:,.1f}", f"{bulk.cpu:,.1f}", si(n / bulk.wall),
         si(bulk_rate), mib(bulk.max_rss), "1.00x"],
        [f"{n:,}", f"pyshacl, {s['records']} sampled records ({s['triples']:,} triples)", f"{s['pyshacl_s']:,.1f}",
         "", si(s["records"] / s["pyshacl_s"]), si(pyshacl_rate), "", ratio(pyshacl_rate, bulk_rate)],
        [f"{n:,}", "covid_portal.validate, same sample", f"{s['ours_s']:,.2f}", "",
         si(s["records"] / s["ours_s"]) if s["ours_s"] else "", si(ours_validate_rate), "",
         ratio(ours_validate_rate, bulk_rate)],
    ]  # fmt: skip
    notes = [
        f"{n:,} records: {r['loaded']:,} loaded, {r['quarantined']:,} quarantined, {r['record_triples']:,} record "
        f"triples, {quads:,} quads in the store (record graphs + provenance + mappings + VoID)",
        f"{n:,} records: end to end / bulk_load = {ratio(ours_rate, bulk_rate)} by wall time, "
        f"{ratio(bulk.cpu, ours.cpu)} by CPU time; "
        f"records phase alone (the write is in publish) {ratio(quads / records_s, bulk_rate)}; "
        f"end to end / pyshacl = {ratio(ours_rate, pyshacl_rate)}; compiled validator / pyshacl on the same sample = "
        f"{ratio(ours_validate_rate, pyshacl_rate)} (pyshacl conforms: {s['conforms']}, "
        f"compiled validator violations: {s['ours_violations']})",
        "the load's CPU includes its producer processes and the index process (reported by them); its peak RSS "
        "is the loading process's, each helper's is on its own row",
    ]
    figures = {"ours_rate": ours_rate, "bulk_rate": bulk_rate, "max_rss": ours.max_rss}
    return rows, notes, figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.ingest",
        description="End-to-end ingest (covid_portal.pipeline) beside pyoxigraph bulk_load of the same N-Quads "
        "and pyshacl on a sample of the same triples, in one run. Appends the table to docs/benchmarks.md.",
    )
    parser.add_argument(
        "--records", type=int, nargs="+", default=[10_000],
        help="record counts to run, e.g. --records 10000 100000 1000000 (default 10000: a few minutes)",
    )  # fmt: skip
    parser.add_argument(
        "--shacl-sample", type=int, default=300, help="records whose triples pyshacl validates (default 300)"
    )
    parser.add_argument("--batch-size", type=int, default=0, help="pipeline batch size (default: the pipeline's)")
    parser.add_argument("--keep-store", action="store_true", help="keep the loaded store in --workdir")
    common.add_common_options(parser)
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    info = common.machine()
    rows: list[list[object]] = []
    notes: list[str] = []
    figures = []
    for n in args.records:
        size_rows, size_notes, size_figures = run_size(n, args)
        rows += size_rows
        notes += size_notes
        figures.append((n, size_figures))
    if len(figures) > 1:
        notes.append("peak RSS of the load by size: " + ", ".join(f"{n:,}: {mib(f['max_rss'])}" for n, f in figures))
    notes.append(
        "Target: end to end, validation included, at least 0.6x the bulk-load rate; memory that does not grow with "
        "input size. pyshacl validates the sample as one graph (its fastest mode); the compiled validator checks it "
        "record by record, as the pipeline does."
    )
    headers = ["records", "step", "wall s", "CPU s", "records/s", "triples/s", "peak RSS", "vs bulk_load"]
    common.report("Ingest", common.table(headers, rows), started_machine=info, notes=notes, save=not args.no_save)
    return 0


if __name__ == "__main__":
    sys.exit(main())
