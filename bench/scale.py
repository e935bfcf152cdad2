"""Scale curve: load time, store size on disk and the latency of every example query as the graph grows.

For each size N: generate N synthetic records, load them end to end (covid_portal.pipeline, in a
child process: wall time, CPU time, peak memory), measure the published version on disk (the
Oxigraph database and its sidecar search index), then run each example query (queries/*.rq) on
that version in another child process, as the endpoint's workers do (pyoxigraph, union default
graph, results serialized as SPARQL JSON): one warm-up run and ``--repeats`` timed runs, fewer when
one run passes ``--query-budget`` seconds. p50/p99 are over the timed runs. The live aggregates
behind the statistics cubes (covid_portal.statistics), which examples 03, 12 and 15 read instead of
counting at query time, are timed the same way and listed under the examples.

    python -m bench.scale                                  # 10 000 and 100 000 records
    python -m bench.scale --records 10000 100000 1000000   # the documented curve (1M: about half an hour)
    python -m bench.scale --records 10000000 --repeats 3   # the long run (see docs/benchmarks.md)
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from bench import common
from bench.common import median, mib, percentile, si

QUERY_CODE = """
import time
import pyoxigraph as ox
from covid_portal.examples import examples
from covid_portal.statistics import CUBES
store = ox.Store.read_only(ARGS["live"])
out = {}
named = [(e.name, e.query) for e in examples()] + [(LIVE + c.name, c.query) for c in CUBES]
for name, query in named:
    times = []
    for run in range(ARGS["repeats"] + 1):
        t = time.perf_counter()
        result = store.query(query, use_default_graph_as_union=True)
        size = len(result.serialize(format=ox.QueryResultsFormat.JSON))
        elapsed = time.perf_counter() - t
        if run:
            times.append(elapsed)
        if elapsed > ARGS["budget"] and times:
            break
    out[name] = times
print(json.dumps(out))
"""
LIVE = "live aggregate of cube "


def _quads(live: Path) -> int:
    import pyoxigraph as ox

    return len(ox.Store.read_only(str(live)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scale",
        description="Load time, store size on disk and p50/p99 of every example query at growing sizes. "
        "Appends the tables to docs/benchmarks.md.",
    )
    parser.add_argument(
        "--records", type=int, nargs="+", default=[10_000, 100_000],
        help="sizes (default 10000 100000; the documented curve adds 1000000, the long run 10000000)",
    )  # fmt: skip
    parser.add_argument("--repeats", type=int, default=10, help="timed runs of each query after a warm-up (10)")
    parser.add_argument(
        "--query-budget", type=float, default=5.0, help="stop repeating a query once one run takes this long (5 s)"
    )
    parser.add_argument("--keep-store", action="store_true", help="keep the loaded stores in --workdir")
    parser.add_argument(
        "--store", type=Path, default=None,
        help="measure this already loaded store (e.g. from bench.ingest --keep-store) instead of loading; "
        "give its record count as the one --records value",
    )  # fmt: skip
    common.add_common_options(parser)
    args = parser.parse_args(argv)
    if args.store is not None and len(args.records) != 1:
        parser.error("--store measures one store: give its record count as the one --records value")
    args.workdir.mkdir(parents=True, exist_ok=True)
    info = common.machine()
    from covid_portal.store import StoreDir

    load_rows = []
    latencies: dict[int, dict[str, list[float]]] = {}
    for n in args.records:
        if args.store is not None:
            store = args.store
            live = StoreDir(store).live_path()
            assert live is not None, f"{store} holds no published version"
            load = common.Measured(float("nan"), float("nan"), 0, {"quads": _quads(live)})
        else:
            _, paths = common.records(n, args.seed, args.workdir)
            store = args.workdir / f"scale-store-{n}-s{args.seed}"
            print(f"[{n:,}] loading ...", file=sys.stderr, flush=True)
            load = common.load_store(paths, store)
        r = load.result
        live = StoreDir(store).live_path()
        assert live is not None
        db = common.disk_usage(live)
        sidecar = live.with_name(live.name + ".sidecar")
        index = common.disk_usage(sidecar) if sidecar.is_dir() else 0
        load_rows.append([
            f"{n:,}", f"{r['quads']:,}", f"{load.wall:,.0f}", f"{load.cpu:,.0f}",
            f"{r.get('records_s', 0):,.0f} + {r.get('publish_s', 0):,.0f}", si(n / load.wall),
            si(r["quads"] / load.wall), mib(load.max_rss), mib(db), f"{db / max(r['quads'], 1):,.0f}", mib(index),
        ])  # fmt: skip
        print(f"[{n:,}] example queries ...", file=sys.stderr, flush=True)
        queries = common.run_measured(
            f"LIVE = {LIVE!r}\n" + QUERY_CODE, {"live": str(live), "repeats": args.repeats, "budget": args.query_budget}
        )
        latencies[n] = queries.result
        if not args.keep_store and args.store is None:
            shutil.rmtree(store, ignore_errors=True)

    load_table = common.table(
        ["records", "quads", "load wall s", "CPU s", "records + publish s", "records/s", "quads/s", "peak RSS",
         "store on disk", "bytes/quad", "search index"],
        load_rows,
    )  # fmt: skip
    names = list(next(iter(latencies.values())))
    query_rows = []
    for name in names:
        row: list[object] = [name]
        for n in args.records:
            times = latencies[n].get(name, [])
            row.append(f"{median(times) * 1000:,.0f} / {percentile(times, 99) * 1000:,.0f}" if times else "-")
        query_rows.append(row)
    query_table = common.table(["query (p50 / p99 ms)", *[f"{n:,}" for n in args.records]], query_rows)
    slowest = {
        n: max(median(t) for name, t in latencies[n].items() if t and not name.startswith(LIVE)) for n in args.records
    }
    notes = [
        f"queries: {args.repeats} timed runs after a warm-up (fewer when one run took more than "
        f"{args.query_budget:g} s), "
        "in-process pyoxigraph on the published version with the union default graph, SPARQL JSON serialization "
        "included; the HTTP layer is measured by bench.query",
        "the last rows are the live aggregates the statistics cubes are computed from, once per published version "
        "(examples 03, 12 and 15 read the cubes); they are not example queries and not in the slowest figure",
        "slowest example query p50 by size: " + ", ".join(f"{n:,}: {s * 1000:,.0f} ms" for n, s in slowest.items()),
        "Targets: 1M records loaded and validated end to end in under 10 minutes; every example query p50 under 1 s "
        "at 1M records; 10M records loaded with memory bounded (the long run, docs/benchmarks.md).",
    ]
    if args.store is not None:
        notes.append(f"store {args.store} was loaded earlier (bench.ingest --keep-store): its load figures "
                     "(nan here) are in that run's section")  # fmt: skip
    body = load_table + "\n\n" + query_table
    common.report("Scale", body, started_machine=info, notes=notes, save=not args.no_save)
    return 0


if __name__ == "__main__":
    sys.exit(main())
