"""The shared HTTP client against the replay server's faults: each is retried and the right body comes back."""

from __future__ import annotations

import pytest

from covid_portal.harvest.http import Client, ClientSettings, HttpError, NotFound
from tests.harvest.replay import Replay

SEARCH = "/europepmc/search"
PARAMS = {"query": "x", "format": "json", "resultType": "core", "pageSize": 5, "cursorMark": "*"}


def client(sleeps: list[float], **overrides: float) -> Client:
    settings = {"user_agent": "covid-portal-tests", "timeout": 0.5, "rate": 0.0, "retries": 3, "backoff": 0.01,
                "max_backoff": 0.02, **overrides}  # fmt: skip
    return Client(ClientSettings(**settings), sleep=sleeps.append)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["429", "500", "slow", "truncate"])
def test_a_fault_is_retried_and_the_page_comes_through(replay: Replay, kind: str) -> None:
    replay.fault(SEARCH, kind)
    sleeps: list[float] = []
    with client(sleeps) as c:
        _, doc = c.get_json(replay.url + SEARCH, PARAMS)
    assert [r["id"] for r in doc["resultList"]["result"]] == [r["id"] for r, _ in replay.data.europepmc[:5]]
    assert replay.faults_served == [(SEARCH, kind)]
    assert c.retried == 1 and len(replay.requests(SEARCH)) == 2
    if kind == "429":
        assert sleeps == [1.0]  # the server's Retry-After, not the (much shorter) backoff
    else:
        assert len(sleeps) == 1 and 0.005 <= sleeps[0] <= 0.01  # half to all of the first backoff step


def test_retry_after_is_capped(replay: Replay) -> None:
    replay.fault(SEARCH, "429")
    sleeps: list[float] = []
    with client(sleeps, max_retry_after=0.25) as c:
        c.get_json(replay.url + SEARCH, PARAMS)
    assert sleeps == [0.25]


def test_backoff_grows_exponentially_and_then_gives_up(replay: Replay) -> None:
    replay.fault(SEARCH, "500", times=10)
    sleeps: list[float] = []
    with client(sleeps, backoff=1.0, max_backoff=100.0) as c, pytest.raises(HttpError, match="HTTP 500 after 4"):
        c.get_json(replay.url + SEARCH, PARAMS)
    assert len(sleeps) == 3
    for attempt, delay in enumerate(sleeps):
        assert 2**attempt / 2 <= delay <= 2**attempt


def test_not_found_is_not_retried(replay: Replay) -> None:
    with client([]) as c, pytest.raises(NotFound):
        c.get(replay.url + "/pdbe/entry-files/download/9zzz_updated.cif")
    assert len(replay.requests("9zzz_updated.cif")) == 1


def test_requests_name_the_project_and_keep_to_the_rate(replay: Replay) -> None:
    sleeps: list[float] = []
    with client(sleeps, rate=5.0) as c:
        for _ in range(3):
            c.get_json(replay.url + SEARCH, PARAMS)
    assert replay.agents == {"covid-portal-tests"}
    assert len(sleeps) == 2 and all(0 < s <= 0.2 for s in sleeps)  # 5 requests/s: at least 0.2 s apart
