"""Remote SPARQL stores for the scale-out tests: Oxigraph server (pip package ``oxigraph``) and, where the
Debian package ``virtuoso-opensource`` is installed, Virtuoso, each started on 127.0.0.1 in a temporary folder."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from covid_portal.remote_store import RemoteConfig
from tests.conftest import free_port

VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
STARTUP = 60.0


def _oxigraph_binary() -> str | None:
    return shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")


def virtuoso_missing() -> str | None:
    """Why Virtuoso cannot be used here (None: it can)."""
    if shutil.which("virtuoso-t") is None or shutil.which("isql-vt") is None or not VIRTUOSO_INI.exists():
        return "Virtuoso is not installed (Debian: apt-get install virtuoso-opensource)"
    return None


def _wait(url: str, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + STARTUP
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, params={"query": "ASK {}"}, timeout=5).status_code == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"{what} did not answer within {STARTUP:g} s")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def oxigraph_server(folder: Path) -> Iterator[RemoteConfig]:
    """``oxigraph serve`` on a free loopback port; its /query, /update and /store."""
    binary = _oxigraph_binary()
    if binary is None:
        raise RuntimeError("the oxigraph command (pip package oxigraph) is not installed")
    port = free_port()
    log = (folder / "oxigraph.log").open("w")
    process = subprocess.Popen([binary, "serve", "--location", str(folder / "db"), "--bind", f"127.0.0.1:{port}"],
                               stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        _wait(base + "/query", process, "oxigraph serve")
        yield RemoteConfig(base + "/query", base + "/update", base + "/store", union="param")
    finally:
        _stop(process)
        log.close()


@contextlib.contextmanager
def virtuoso_server(folder: Path) -> Iterator[RemoteConfig]:
    """Virtuoso Open Source with its database in ``folder``, SQL and HTTP on loopback ports; anonymous SPARQL
    update and Graph Store writes allowed (a test instance only: never do this on a reachable server)."""
    sql_port, http_port = free_port(), free_port()
    ini = VIRTUOSO_INI.read_text(encoding="utf-8")
    ini = ini.replace("/var/lib/virtuoso-opensource-7/db", str(folder))
    ini = ini.replace("ServerPort               = 1111", f"ServerPort               = 127.0.0.1:{sql_port}")
    ini = ini.replace("ServerPort                  = 8890", f"ServerPort                  = 127.0.0.1:{http_port}")
    # Virtuoso cuts SPARQL answers at ResultSetMaxRows (10,000) without saying so, and stops queries at
    # MaxQueryExecutionTime: the portal needs whole answers (search index, VoID); see docs/deploy.md
    ini = ini.replace("ResultSetMaxRows           = 10000", "ResultSetMaxRows           = 100000000")
    ini = ini.replace("MaxQueryExecutionTime      = 60", "MaxQueryExecutionTime      = 0")
    (folder / "virtuoso.ini").write_text(ini, encoding="utf-8")
    log = (folder / "virtuoso.out").open("w")
    process = subprocess.Popen(["virtuoso-t", "+foreground", "+configfile", str(folder / "virtuoso.ini")],
                               cwd=folder, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        base = f"http://127.0.0.1:{http_port}"
        _wait(base + "/sparql", process, "virtuoso-t")
        for statement in ('GRANT SPARQL_UPDATE TO "SPARQL"', "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7)"):
            subprocess.run(["isql-vt", f"127.0.0.1:{sql_port}", "dba", "dba", f"exec={statement};"],
                           check=True, capture_output=True, timeout=60)  # fmt: skip
        yield RemoteConfig(base + "/sparql", base + "/sparql", base + "/sparql-graph-crud", union="native")
    finally:
        _stop(process)
        log.close()
