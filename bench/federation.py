"""Federated example queries against the same queries on one store holding the union of the data.

Three nodes on 127.0.0.1 serve their slices of the demo records (``central``: UniProt, PDB, ChEMBL,
IntAct, Ensembl, literature; ``nl``: BioSamples and PRIDE; ``dk``: the rest of ENA), each in its own
server process, as in tests/federation. A fourth server holds the union of the three slices. Each
federated example (queries/federated) runs at ``central`` with its SERVICE placeholders replaced by
the nodes' endpoints, and, without its SERVICE clauses, at the union server: same answer (checked),
time compared. Target: the federated query at most 2x the single-store time.

Run: ``python -m bench.federation [--repeat 20] [--no-save]``.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path

import httpx

from bench.common import ROOT, add_common_options, free_port, machine, median, percentile, ratio, report, server, table
from covid_portal import examples
from covid_portal.pipeline import Pipeline
from covid_portal.store import StoreDir

RECORDS = ROOT / "data" / "records"
BIOSAMPLES = RECORDS / "ena" / "biosamples_json_recodid_covid19_samples.json"
SLICES: dict[str, list[Path]] = {
    "central": [RECORDS / name for name in ("uniprot", "pdb", "chembl", "intact", "ensembl", "europepmc")],
    "nl": [BIOSAMPLES, RECORDS / "pride"],
    "dk": [p for p in sorted((RECORDS / "ena").iterdir()) if p.is_file() and p != BIOSAMPLES],
}
SERVE = (
    "from server.config import Settings; from server.run import serve; "
    "serve(Settings(), host='127.0.0.1', port={port}, log_level='warning')"
)
ACCEPT = {"accept": "application/sparql-results+json"}


def _store(path: Path, paths: list[Path]) -> Path:
    """A store of ``paths`` (reused across runs: the records do not change), compacted.

    A published version can carry an unflushed write-ahead log, which a read-only handle replays
    into memory on every open; queries then run up to 1.5x slower (measured on the nl slice: 9.7
    against 6.0 ms after compaction). Every store here is compacted alike, so the comparison is fair.
    """
    store_dir = StoreDir(path, remote=None)
    if not (path / "CURRENT").exists():
        Pipeline().run(paths, store_dir, fresh=True)
    marker = path / "compacted"
    if not marker.exists():
        import pyoxigraph as ox

        live = ox.Store(str(store_dir.live_path()))
        live.optimize()
        live.flush()
        del live
        marker.touch()
    return path


def _time(client: httpx.Client, url: str, query: str) -> tuple[float, bytes]:
    started = time.perf_counter()
    response = client.post(url, data={"query": query}, headers=ACCEPT)
    elapsed = time.perf_counter() - started
    if response.status_code != 200 or "warning" in response.headers:
        raise RuntimeError(f"{url}: HTTP {response.status_code} {response.headers.get('warning', '')} {response.text}")
    return elapsed, response.content


def _p90(values: list[float]) -> float:
    return percentile(values, 90)


def _rows(body: bytes) -> list[tuple[str, ...]]:
    import pyoxigraph as ox

    solutions = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    names = [v.value for v in solutions.variables]
    return sorted(tuple(f"{n}={s[n]}" for n in names if s[n] is not None) for s in solutions)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per query and setup (default 20)")
    add_common_options(parser)
    args = parser.parse_args(argv)
    started_machine = machine()
    work = args.workdir / "federation"
    work.mkdir(parents=True, exist_ok=True)
    stores = {name: _store(work / name, paths) for name, paths in SLICES.items()}
    stores["union"] = _store(work / "union", [p for paths in SLICES.values() for p in paths])
    ports = {name: free_port() for name in stores}
    endpoints = {name: f"http://127.0.0.1:{port}/sparql" for name, port in ports.items()}
    partners = " ".join(endpoints[name] for name in SLICES)
    rows = []
    worst = 0.0
    with contextlib.ExitStack() as stack:
        for name, store in stores.items():
            env = {"COVID_PORTAL_STORE": str(store), "COVID_PORTAL_BASE_URL": f"http://127.0.0.1:{ports[name]}",
                   "COVID_PORTAL_SERVICE_PARTNERS": partners, "COVID_PORTAL_MAX_CONCURRENT_QUERIES": "4"}  # fmt: skip
            probe = f"{endpoints[name]}?query=ASK%7B%7D"
            stack.enter_context(server([sys.executable, "-c", SERVE.format(port=ports[name])], probe, env=env))
        client = stack.enter_context(httpx.Client(timeout=120))
        for example in examples.federated_examples():
            federated = examples.substitute(example.query, {n: endpoints[n] for n in SLICES})
            single = examples.unfederate(example.query)
            _, fed_body = _time(client, endpoints["central"], federated)  # warm-up, and the answers must agree
            _, one_body = _time(client, endpoints["union"], single)
            if _rows(fed_body) != _rows(one_body):
                raise RuntimeError(f"{example.name}: the federated answer differs from the union store's")
            fed_times, one_times = [], []
            for _ in range(args.repeat):
                fed_times.append(_time(client, endpoints["central"], federated)[0])
                one_times.append(_time(client, endpoints["union"], single)[0])
            factor = median(fed_times) / median(one_times)
            worst = max(worst, factor)
            ms = [f"{f(times) * 1000:.1f}" for times in (one_times, fed_times) for f in (median, _p90)]
            rows.append([example.name, len(_rows(fed_body)), *ms, ratio(median(fed_times), median(one_times))])
    body = table(["query", "rows", "one store median ms", "p90 ms", "federated median ms", "p90 ms", "federated / one"],
                 rows)  # fmt: skip
    notes = [
        f"{args.repeat} timed runs per query and setup, alternating, after one warm-up run whose answers were "
        "compared (equal). Each node, and the union store, is its own server process (uvicorn + query "
        "workers) on 127.0.0.1; the federated query is sent to `central`, which calls `nl` and `dk` (and "
        "itself) with SERVICE through its per-query gateway (server/service_gateway.py), which sends the "
        "SERVICE patterns to the nodes in parallel; the single store answers the same query without SERVICE.",
        "Every store is compacted (pyoxigraph optimize) before timing: the published versions carried an "
        "unflushed write-ahead log that made the nl slice 1.5x slower per query than the union store, and "
        "the federated/single ratio 2.1-2.4x. Before the gateway sent SERVICE patterns in parallel and ran "
        "SERVICE to the node itself locally, the ratios were 2.3-2.5x.",
        f"Target: federated at most 2x the single store. Worst ratio: {worst:.2f}x "
        f"({'met' if worst <= 2 else 'NOT met'}).",
    ]
    report("Federation", body, started_machine=started_machine, notes=notes, save=not args.no_save)
    return 0 if worst <= 2 else 1


if __name__ == "__main__":
    raise SystemExit(main())
