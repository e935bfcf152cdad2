"""The pages in a real browser: Playwright (npm playwright-core) drives Debian's Chromium, headless.

``make browser-deps`` (a prerequisite of ``make test``) installs Chromium and the npm package. The
scenario is tests/browser/run.mjs: search and facet, open an entity and follow a cross-link, run an
example query and download its results, check the charts render, phone layout, no foreign requests.
Screenshots and downloads are kept in test-artifacts/browser/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, RunningServer

HERE = Path(__file__).resolve().parent
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
ARTEFACTS = ROOT / "test-artifacts" / "browser"
STEPS = [
    "home page and charts",
    "keyboard: skip link first",
    "search and facet",
    "open an entity and follow a cross-link",
    "run an example query and download the results",
    "phone layout",
    "nothing fetched from other hosts, no script errors",
]


def _missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed"
    if not (HERE / "node_modules" / "playwright-core").is_dir():
        return "playwright-core is not installed in tests/browser"
    return None


@pytest.mark.slow
def test_pages_in_a_browser(demo_server: RunningServer) -> None:
    missing = _missing()
    if missing:
        message = f"{missing}: run `make browser-deps`"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI installs them: a missing one is a broken set-up, not a skip
        pytest.skip(message)
    shutil.rmtree(ARTEFACTS, ignore_errors=True)
    done = subprocess.run(
        ["node", str(HERE / "run.mjs"), demo_server.url, str(ARTEFACTS)],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        env={**os.environ, "CHROMIUM": str(CHROMIUM)},
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert output.strip().splitlines()[-1] == "ALL OK", output
    for step in STEPS:
        assert f"ok {step}" in output, output
    for screenshot in ("home.png", "search.png", "entity.png", "entity-linked.png", "editor.png", "home-phone.png"):
        assert (ARTEFACTS / screenshot).stat().st_size > 1000, screenshot
    assert list(ARTEFACTS.glob("results-*")), "the query results were not downloaded"
