"""The command line's conventions: the store given before or after the command's name, and which wins."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).parent / "data"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "covid_portal.cli", "-q", *args], capture_output=True, text=True,
                          timeout=300, check=False)  # fmt: skip


def quads(stats_output: str) -> int:
    line = next(line for line in stats_output.splitlines() if line.startswith("quads"))
    return int(line.split()[1].replace(",", ""))


def test_store_after_the_command_name(tmp_path: Path) -> None:
    store, other = tmp_path / "store", tmp_path / "other"
    loaded = run("load", str(DATA / "uniprot"), "--store", str(store))  # as issue 3 writes it
    assert loaded.returncode == 0, loaded.stderr
    assert (store / "CURRENT").is_file() and not other.exists()
    # the command's own --store wins over the group's, and both read the same version
    after = run("--store", str(other), "stats", "--store", str(store))
    before = run("--store", str(store), "stats")
    assert after.returncode == before.returncode == 0, after.stderr + before.stderr
    assert quads(after.stdout) == quads(before.stdout) > 0
    assert quads(run("stats", "--store", str(other)).stdout) == 0


def test_every_store_command_takes_store() -> None:
    from covid_portal.cli import _STORE_COMMANDS, main

    for name in _STORE_COMMANDS:
        assert any("--store" in p.opts for p in main.commands[name].params), name
