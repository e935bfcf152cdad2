"""Query benchmark: the example-query mix over HTTP, our server beside Oxigraph's and rdflib-endpoint.

One store is built from N synthetic records (covid_portal.generate -> covid_portal.pipeline). Three
servers answer the same data on 127.0.0.1: ours (uvicorn, as ``covid-portal serve`` runs it),
``oxigraph serve-read-only --union-default-graph`` on the store's live version (the pip package
oxigraph; without a time limit, see ``start``), and rdflib-endpoint over an rdflib Dataset with a
union default graph, loaded from the store's N-Quads export (rdflib holds everything in Python
objects, so ``--rdflib-records`` can give it a smaller data size; the table says which size each
server had). Each server first answers every
example query once (a check that the servers agree on the number of results, and a warm-up), then,
for each client count, that many threads send the queries of ``queries/*.rq`` in turn, each thread
starting at a different query, for ``--duration`` seconds. Throughput counts successful answers per
second; p50/p99 are their latencies. Everything runs on loopback and stops by itself: the loops are
bounded by time, every request by ``--timeout``, and the servers are stopped when the run ends.

    python -m bench.query                         # 10 000 records, 1/4/16 clients, a few minutes
    python -m bench.query --records 100000 --rdflib-records 10000
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench import common
from bench.common import median, percentile, ratio, si

ACCEPT = "application/sparql-results+json"

RDFLIB_CODE = """
import sys, rdflib, uvicorn
from rdflib_endpoint import SparqlEndpoint
data = rdflib.Dataset(default_union=True)
data.parse(sys.argv[1], format="nquads")
app = SparqlEndpoint(graph=data, path="/sparql", public_url=f"http://127.0.0.1:{sys.argv[2]}/sparql")
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""

OURS_CODE = (
    "import sys; from server.config import Settings; from server.run import serve; "
    "serve(Settings(), host='127.0.0.1', port=int(sys.argv[1]), log_level='warning')"
)


@dataclass
class Cell:
    """The answers of one server to one client count."""

    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0


def examples() -> list[tuple[str, str]]:
    from covid_portal.examples import examples as all_examples

    return [(e.name, e.query) for e in all_examples()]


def ask(client: httpx.Client, url: str, query: str) -> tuple[str, int]:
    """("ok", rows) or (error name, 0); the whole answer is read."""
    try:
        response = client.get(url, params={"query": query}, headers={"Accept": ACCEPT})
    except httpx.TimeoutException:
        return "timeout", 0
    except httpx.HTTPError as exc:
        return type(exc).__name__, 0
    if response.status_code != 200:
        return f"HTTP {response.status_code}", 0
    try:
        return "ok", len(response.json()["results"]["bindings"])
    except (ValueError, KeyError):
        return "bad answer", 0


def check(url: str, mix: list[tuple[str, str]], timeout: float) -> dict[str, tuple[str, int, float]]:
    """Each query once: name -> (status, rows, seconds)."""
    out = {}
    with httpx.Client(timeout=timeout) as client:
        for name, query in mix:
            started = time.perf_counter()
            status, rows = ask(client, url, query)
            out[name] = (status, rows, time.perf_counter() - started)
    return out


def drive(url: str, mix: list[tuple[str, str]], clients: int, duration: float, timeout: float) -> Cell:
    """``clients`` threads sending the mix for ``duration`` seconds (each request bounded by ``timeout``)."""
    cell = Cell()
    lock = threading.Lock()
    started = time.perf_counter()
    deadline = started + duration

    def client_loop(offset: int) -> None:
        with httpx.Client(timeout=timeout) as client:
            i = offset
            while time.perf_counter() < deadline:
                _, query = mix[i % len(mix)]
                t = time.perf_counter()
                status, _ = ask(client, url, query)
                elapsed = time.perf_counter() - t
                with lock:
                    if status == "ok":
                        cell.latencies.append(elapsed)
                    else:
                        cell.errors[status] = cell.errors.get(status, 0) + 1
                i += 1

    threads = [threading.Thread(target=client_loop, args=(k * len(mix) // clients,)) for k in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cell.elapsed = time.perf_counter() - started
    return cell


def build_store(n: int, args: argparse.Namespace) -> Path:
    """A store of ``n`` synthetic records in --workdir (built once, reused by later runs)."""
    from covid_portal.store import StoreDir

    store = args.workdir / f"query-store-{n}-s{args.seed}"
    stamp = args.workdir / f"query-store-{n}-s{args.seed}.code"  # the code that built it
    fingerprint = common.code_fingerprint()
    built_by = stamp.read_text(encoding="utf-8").strip() if stamp.is_file() else None
    if args.rebuild or StoreDir(store).current_version() is None or built_by != fingerprint:
        if built_by is not None and built_by != fingerprint:
            print(f"{store} was built by other code: rebuilding it", file=sys.stderr, flush=True)
        stamp.unlink(missing_ok=True)
        shutil.rmtree(store, ignore_errors=True)
        (args.workdir / f"query-{n}-s{args.seed}.nq").unlink(missing_ok=True)  # exported from the old store
        _, paths = common.records(n, args.seed, args.workdir)
        print(f"loading {n:,} records into {store} ...", file=sys.stderr, flush=True)
        common.load_store(paths, store)
        stamp.write_text(fingerprint + "\n", encoding="utf-8")
    return store


def export_nq(store: Path, out: Path) -> Path:
    import pyoxigraph as ox

    from covid_portal.dump import export
    from covid_portal.store import StoreDir

    if not out.exists():
        export(ox.Store.read_only(str(StoreDir(store).live_path())), out, "nq")
    return out


def _server_workers() -> int:
    from server.config import Settings

    return Settings().max_concurrent_queries


@contextlib.contextmanager
def start(kind: str, store: Path, nq: Path | None, args: argparse.Namespace):
    """Yield the SPARQL endpoint URL of one running server."""
    from covid_portal.store import StoreDir

    port = common.free_port()
    base = f"http://127.0.0.1:{port}"
    if kind == "covid-portal":
        env = {
            "COVID_PORTAL_STORE": str(store),
            "COVID_PORTAL_BASE_URL": base,
            "COVID_PORTAL_QUERY_TIMEOUT": str(args.timeout),
            # the queue wait covers the longest query so that no answer is a 503: the benchmark
            # measures answers, and a client would retry a 503 anyway
            "COVID_PORTAL_QUEUE_WAIT": str(args.timeout),
        }
        if args.workers:
            env["COVID_PORTAL_MAX_CONCURRENT_QUERIES"] = str(args.workers)
        argv = [sys.executable, "-c", OURS_CODE, str(port)]
        url = base + "/sparql"
    elif kind == "oxigraph":
        binary = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
        live = StoreDir(store).live_path()
        # No --timeout-s: Oxigraph's server (0.5.13) starts a thread per request that lives for the whole
        # time limit, so at 500 requests/s and 60 s it reaches the machine's thread limit and answers
        # 500 ("Resource temporarily unavailable"). Without a limit it is also at its fastest, the
        # strictest anchor for ours, which keeps its limit (docs/benchmarks.md, fourth round).
        argv = [binary, "serve-read-only", "--location", str(live), "--bind", f"127.0.0.1:{port}",
                "--union-default-graph"]  # fmt: skip
        env = {}
        url = base + "/query"
    else:
        argv = [sys.executable, "-c", RDFLIB_CODE, str(nq), str(port)]
        env = {}
        url = base + "/sparql"
    with common.server(argv, url + "?query=ASK%7B%7D", env=env, startup=args.startup):
        yield url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.query",
        description="The example-query mix over HTTP with concurrent clients: covid-portal's server beside "
        "`oxigraph serve-read-only` and rdflib-endpoint on the same data, in one run. Appends the table to "
        "docs/benchmarks.md.",
    )
    parser.add_argument("--records", type=int, default=10_000, help="records in the store (default 10000)")
    parser.add_argument(
        "--rdflib-records", type=int, default=None,
        help="records for rdflib-endpoint when it cannot hold --records (default: the same as --records)",
    )  # fmt: skip
    parser.add_argument("--skip-rdflib", action="store_true", help="leave rdflib-endpoint out")
    parser.add_argument(
        "--clients", type=int, nargs="+", default=[1, 4, 16], help="concurrent clients (default 1 4 16)"
    )
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per server and client count (20)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds a single request may take (60)")
    parser.add_argument(
        "--workers", type=int, default=0,
        help="covid-portal query workers (default: the server's own default, 2 per core; more queries wait "
        "for a worker in its queue)",
    )  # fmt: skip
    parser.add_argument("--startup", type=float, default=900.0, help="seconds a server may take to start (900)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the store even if --workdir has one")
    common.add_common_options(parser)
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    info = common.machine()
    mix = examples()

    store = build_store(args.records, args)
    servers: list[tuple[str, Path, Path | None, int]] = [
        ("covid-portal", store, None, args.records),
        ("oxigraph", store, None, args.records),
    ]
    if not args.skip_rdflib:
        n = args.rdflib_records or args.records
        rdflib_store = store if n == args.records else build_store(n, args)
        nq = export_nq(rdflib_store, args.workdir / f"query-{n}-s{args.seed}.nq")
        servers.append(("rdflib-endpoint", rdflib_store, nq, n))

    results: dict[tuple[str, int], Cell] = {}
    answers: dict[str, dict[str, tuple[str, int, float]]] = {}
    for kind, path, nq, n in servers:
        print(f"starting {kind} on {n:,} records ...", file=sys.stderr, flush=True)
        with start(kind, path, nq, args) as url:
            answers[kind] = check(url, mix, args.timeout)
            for clients in args.clients:
                print(f"  {kind}: {clients} client(s) for {args.duration:.0f} s", file=sys.stderr, flush=True)
                results[kind, clients] = drive(url, mix, clients, args.duration, args.timeout)

    rows = []
    for kind, _, _, n in servers:
        for clients in args.clients:
            cell = results[kind, clients]
            anchor = results["oxigraph", clients]
            errors = ", ".join(f"{k}: {v}" for k, v in sorted(cell.errors.items())) or "0"
            rows.append([
                kind, f"{n:,}", clients, len(cell.latencies), errors, si(cell.throughput, 2),
                f"{median(cell.latencies) * 1000:,.0f}", f"{percentile(cell.latencies, 99) * 1000:,.0f}",
                ratio(cell.throughput, anchor.throughput),
                ratio(percentile(cell.latencies, 99), percentile(anchor.latencies, 99)),
            ])  # fmt: skip
    headers = ["server", "records", "clients", "answers", "errors", "queries/s", "p50 ms", "p99 ms",
               "throughput vs oxigraph", "p99 vs oxigraph"]  # fmt: skip
    body = common.table(headers, rows)

    # per query, one client: the warm-up pass
    per_query = []
    for name, _ in mix:
        row: list[object] = [name]
        for kind, *_ in servers:
            status, count, seconds = answers[kind][name]
            row.append(f"{seconds * 1000:,.0f} ms, {count} rows" if status == "ok" else status)
        per_query.append(row)
    body += "\n\nEach query once (the warm-up pass, one client):\n\n" + common.table(
        ["query", *[kind for kind, *_ in servers]], per_query
    )
    notes = [
        f"{len(mix)} example queries (queries/*.rq); each client starts at a different query and sends them in turn "
        f"for {args.duration:.0f} s; request timeout {args.timeout:.0f} s; covid-portal with "
        f"{args.workers or _server_workers()} query workers and a queue (COVID_PORTAL_QUEUE_WAIT = request timeout)",
    ]
    for clients in args.clients:
        ours, anchor = results["covid-portal", clients], results["oxigraph", clients]
        text = (
            f"{clients} client(s): covid-portal / oxigraph throughput {ratio(ours.throughput, anchor.throughput)}, "
            f"p99 {ratio(percentile(ours.latencies, 99), percentile(anchor.latencies, 99))}"
        )
        if ("rdflib-endpoint", clients) in results:
            slow = results["rdflib-endpoint", clients]
            text += f"; covid-portal / rdflib-endpoint throughput {ratio(ours.throughput, slow.throughput)}"
        notes.append(text)
    agree = [name for name, _ in mix if answers["covid-portal"][name][:2] == answers["oxigraph"][name][:2]]
    notes.append(f"covid-portal and oxigraph return the same number of rows on {len(agree)}/{len(mix)} queries")
    notes.append(
        "Targets: throughput at least 0.8x Oxigraph's server, p99 within 1.25x of it, at least 10x rdflib-endpoint."
    )
    common.report("Query", body, started_machine=info, notes=notes, save=not args.no_save)
    return 0


if __name__ == "__main__":
    sys.exit(main())
