"""What every benchmark shares: the machine description, timing in child processes (wall, CPU,
peak RSS), percentiles, synthetic records, servers in subprocesses, and the results file.

Every measured step that loads or serves data runs in its own process, so its peak memory is its
own (``os.wait4`` returns the child's rusage) and nothing it caches helps the next step.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "docs" / "benchmarks.md"
DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "covid-portal-bench"


# ------------------------------------------------------------------------------------------- machine
def machine() -> dict[str, str]:
    """nproc, memory, CPU model, Python and pyoxigraph versions, and the load average right now."""
    import pyoxigraph

    cpu = platform.processor() or "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "?"
    with contextlib.suppress(OSError, ValueError, IndexError):
        kib = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    return {
        "nproc": str(os.cpu_count()),
        "memory": memory,
        "cpu": cpu,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "pyoxigraph": pyoxigraph.__version__ if hasattr(pyoxigraph, "__version__") else _dist_version("pyoxigraph"),
        "load average": load_average(),
    }


def load_average() -> str:
    """The 1/5/15-minute load average: above nproc, other work shared the cores with the benchmark."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def _dist_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


# --------------------------------------------------------------------------------------- statistics
def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between closest ranks; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def si(value: float, digits: int = 0) -> str:
    """12,345 style, for rates and counts."""
    return f"{value:,.{digits}f}"


def mib(nbytes: float) -> str:
    return f"{nbytes / (1 << 20):,.0f} MiB"


def disk_usage(path: Path) -> int:
    """Bytes of the files under ``path`` (hard links counted once)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for item in path.rglob("*"):
        with contextlib.suppress(OSError):
            st = item.lstat()
            if item.is_file() and (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_size
    return total


# ------------------------------------------------------------------------------------ child processes
@dataclass
class Measured:
    """A child process's wall time, CPU time (user + system, its own and its children's) and peak RSS."""

    wall: float
    cpu: float
    max_rss: int  # bytes
    result: dict  # the JSON object the child printed last

    @property
    def cpu_share(self) -> float:
        """CPU seconds per wall second: below 1 for a single-threaded step means it waited for a core."""
        return self.cpu / self.wall if self.wall else 0.0


def run_measured(code: str, args: dict, *, timeout: float | None = None) -> Measured:
    """Run ``code`` (Python source reading the JSON object ``ARGS``; its last stdout line is JSON) in a
    fresh interpreter; return its wall time, CPU time and peak resident memory."""
    prelude = f"import json, sys; ARGS = json.loads({json.dumps(json.dumps(args))})\n"
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-c", prelude + code], cwd=ROOT, stdout=out)
        deadline = None if timeout is None else started + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.perf_counter() > deadline:
                process.kill()
                os.wait4(process.pid, 0)
                raise TimeoutError(f"the measured step did not finish within {timeout:.0f} s")
            time.sleep(0.05)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        lines = out.read().decode("utf-8", errors="replace").strip().splitlines()
    if process.returncode != 0 or not lines:
        raise RuntimeError(f"the measured step failed (exit {process.returncode})")
    return Measured(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, json.loads(lines[-1]))


# ------------------------------------------------------------------------------------------ records
def records(n: int, seed: int, workdir: Path) -> tuple[Path, list[Path]]:
    """Synthetic records from covid_portal.generate (made once per N and seed, then reused):
    the folder and the per-source subfolders to load."""
    from covid_portal.generate import MANIFEST, generate

    folder = workdir / f"records-{n}-s{seed}"
    manifest = folder / MANIFEST
    stamp = workdir / f"records-{n}-s{seed}.code"  # the generator that made them
    fingerprint = code_fingerprint(("covid_portal/generate",))
    fresh = True
    if manifest.is_file() and stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == fingerprint:
        with contextlib.suppress(ValueError, OSError):
            meta = json.loads(manifest.read_text(encoding="utf-8"))
            fresh = not (meta.get("records") == n and meta.get("seed") == seed)
    if fresh:
        started = time.perf_counter()
        print(f"generating {n:,} records (seed {seed}) in {folder} ...", file=sys.stderr, flush=True)
        stamp.unlink(missing_ok=True)
        shutil.rmtree(folder, ignore_errors=True)
        generate(n, folder, seed)
        stamp.write_text(fingerprint + "\n", encoding="utf-8")
        print(f"  generated in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return folder, sorted(p for p in folder.iterdir() if p.is_dir())


# What decides the graph a load builds: a store kept in --workdir is reused only if these are unchanged.
GRAPH_SOURCES = ("covid_portal", "loaders", "ontology", "shapes", "mappings")


def code_fingerprint(tops: Sequence[str] = GRAPH_SOURCES) -> str:
    """A digest of every file under ``tops``; by default what the loaded graph depends on (loaders,
    pipeline, model, shapes, mappings)."""
    digest = hashlib.sha256()
    for top in tops:
        for path in sorted((ROOT / top).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


LOAD_CODE = """
import logging, resource, time
from pathlib import Path
from covid_portal import pipeline

# the publish step's timeline (compaction, cubes) on stderr, beside the bench's own progress lines
logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s", stream=sys.stderr)
logging.getLogger("covid_portal.pipeline").setLevel(logging.INFO)
from covid_portal.store import StoreDir

phases = {}
real_finish = pipeline.finish
def timed_finish(*a, **k):
    phases["records_s"] = time.perf_counter() - started
    phases["records_max_rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    t = time.perf_counter()
    index = real_finish(*a, **k)
    phases["publish_s"] = time.perf_counter() - t
    return index
pipeline.finish = timed_finish
from covid_portal.spool import Spool
real_spool_load = Spool.load
def timed_spool_load(self, store):
    t = time.perf_counter()
    real_spool_load(self, store)
    phases["spool_s"] = phases.get("spool_s", 0.0) + time.perf_counter() - t
Spool.load = timed_spool_load
started = time.perf_counter()
report = pipeline.load([Path(p) for p in ARGS["paths"]], ARGS["store"], fresh=True, **ARGS.get("options", {}))
live = StoreDir(ARGS["store"]).live_path()
import pyoxigraph as ox
quads = len(ox.Store.read_only(str(live)))
print(json.dumps({"read": report.read, "loaded": report.loaded, "quarantined": report.quarantined,
                  "record_triples": report.triples, "quads": quads, "live": str(live),
                  "producer_cpu": report.producer_cpu, "producer_max_rss": report.producer_max_rss,
                  "index_cpu": report.index_cpu, "index_max_rss": report.index_max_rss, **phases}))
"""


def load_store(
    paths: Sequence[Path], store: Path, options: dict | None = None, timeout: float | None = None
) -> Measured:
    """covid_portal.pipeline.load of ``paths`` into a new store at ``store``, measured in a child process."""
    import shutil

    shutil.rmtree(store, ignore_errors=True)
    args = {"paths": [str(p) for p in paths], "store": str(store), "options": options or {}}
    measured = run_measured(LOAD_CODE, args, timeout=timeout)
    # the producer processes are the fork server's children, not in the load's rusage: add them
    measured.cpu += measured.result.get("producer_cpu", 0.0) + measured.result.get("index_cpu", 0.0)
    return measured


# ------------------------------------------------------------------------------------------ servers
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def server(
    argv: Sequence[str], probe: str, *, env: dict[str, str] | None = None, startup: float = 600
) -> Iterator[subprocess.Popen]:
    """A server subprocess on 127.0.0.1, ready when GET ``probe`` answers 200; stopped (SIGTERM, then
    SIGKILL) when the block ends, whatever happens."""
    environment = {**os.environ, **(env or {})}
    process = subprocess.Popen(list(argv), cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + startup
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{shlex.join(argv[:3])} exited with {process.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(probe, timeout=5).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{shlex.join(argv[:3])} did not start within {startup:.0f} s")
            time.sleep(0.3)
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# ------------------------------------------------------------------------------------------ results
def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table (also readable as plain text)."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    return "\n".join([line(cells[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, cells[1:])])


def command_line() -> str:
    """The command that ran this benchmark, as a user would type it."""
    module = sys.modules["__main__"].__spec__.name if sys.modules["__main__"].__spec__ else sys.argv[0]
    return shlex.join(["python", "-m", module, *sys.argv[1:]])


def report(
    title: str, body: str, *, started_machine: dict[str, str], notes: Sequence[str] = (), save: bool = True
) -> None:
    """Print the results and append them to docs/benchmarks.md as a dated section."""
    now = dt.datetime.now(tz=dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    info = started_machine
    lines = [
        f"### {title} ({now})",
        "",
        f"Command: `{command_line()}`  ",
        f"Machine: {info['nproc']} cores ({info['cpu']}), {info['memory']} RAM, {info['os']}, "
        f"Python {info['python']}, pyoxigraph {info['pyoxigraph']}, oxigraph CLI {_dist_version('oxigraph')}, "
        f"rdflib {_dist_version('rdflib')}, pyshacl {_dist_version('pyshacl')}  ",
        f"Load average at start / end: {info['load average']} / {load_average()} "
        f"({'shared machine, other work running' if _busy(info['load average']) else 'quiet machine'})",
        "",
        body,
        "",
        *[f"- {note}" for note in notes],
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if save:
        with RESULTS.open("a", encoding="utf-8") as fh:
            fh.write("\n" + text)
        print(f"(appended to {RESULTS.relative_to(ROOT)})", file=sys.stderr)


def _busy(load: str) -> bool:
    try:
        return float(load.split()[0]) > 0.5 * (os.cpu_count() or 1)
    except (ValueError, IndexError):
        return False


def add_common_options(parser) -> None:  # argparse.ArgumentParser
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=DEFAULT_WORKDIR,
        help=f"where records and stores are written (default {DEFAULT_WORKDIR}); generated records are reused",
    )
    parser.add_argument(
        "--no-save", action="store_true", help="print the table only; do not append to docs/benchmarks.md"
    )
