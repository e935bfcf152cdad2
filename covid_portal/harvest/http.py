"""The one HTTP client every harvester uses: polite, patient and strict about what it accepts.

* polite: a User-Agent naming the project and a minimum interval between requests (``rate``
  requests per second, per client, i.e. per source);
* patient: 429, 5xx, timeouts, dropped connections and truncated bodies are retried with
  exponential backoff and jitter, and a ``Retry-After`` header (seconds or HTTP date) is
  honoured, capped at ``max_retry_after``;
* strict: a body that fails the caller's ``validate`` check (a JSON page cut short) counts as a
  failed attempt, so a truncated response is fetched again instead of being written to disk.

Other 4xx answers are not retried: 404 raises :class:`NotFound` (a withdrawn entry, for
example), anything else :class:`HttpError`.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from covid_portal import __version__

log = logging.getLogger(__name__)

RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
DEFAULT_USER_AGENT = f"covid-portal-harvester/{__version__} (+https://w3id.org/covid-portal/)"


class HttpError(Exception):
    """A request that failed for good (after the retries, or at once for a client error)."""

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status


class NotFound(HttpError):
    """404: the resource does not exist (any more)."""


class BadBody(ValueError):
    """Raised by a ``validate`` callback: the body is not what the API sends (truncated, wrong type)."""


@dataclass(frozen=True)
class ClientSettings:
    user_agent: str = DEFAULT_USER_AGENT
    timeout: float = 60.0  # seconds per request (connect, read, write, pool)
    rate: float = 2.0  # requests per second at most
    retries: int = 6  # attempts after the first
    backoff: float = 1.0  # first retry waits up to this many seconds, doubling each time
    max_backoff: float = 120.0
    max_retry_after: float = 600.0  # cap on a server's Retry-After


class Client:
    """A rate-limited, retrying wrapper around one :class:`httpx.Client`."""

    def __init__(
        self,
        settings: ClientSettings | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings = settings or ClientSettings()
        self._sleep = sleep
        self._last = 0.0
        self._http = httpx.Client(
            timeout=self.settings.timeout,
            headers={"User-Agent": self.settings.user_agent},
            follow_redirects=True,
            transport=transport,
        )
        self.requests = 0  # attempts made, for the manifest and the tests
        self.retried = 0

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- requests
    def get(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        validate: Callable[[httpx.Response], Any] | None = None,
    ) -> tuple[httpx.Response, Any]:
        """GET ``url``; returns the response and what ``validate`` made of it (None without one)."""
        attempt = 0
        while True:
            self._wait_turn()
            self.requests += 1
            wait: float | None = None
            try:
                response = self._http.get(url, params=params, headers=headers)
            except httpx.TimeoutException as exc:
                reason = f"timed out ({type(exc).__name__})"
            except httpx.TransportError as exc:  # refused, reset, body cut short of its Content-Length
                reason = f"{type(exc).__name__}: {exc}"
            else:
                status = response.status_code
                if status == 404:
                    raise NotFound(str(response.url), "404 Not Found", status)
                if status in RETRY_STATUS:
                    reason = f"HTTP {status}"
                    wait = self._retry_after(response)
                elif status >= 400:
                    raise HttpError(str(response.url), f"HTTP {status}: {response.text[:200]}", status)
                else:
                    try:
                        value = validate(response) if validate else None
                    except (BadBody, ValueError) as exc:
                        reason = f"bad body ({exc})"
                    else:
                        return response, value
                if attempt >= self.settings.retries:
                    raise HttpError(str(response.url), f"{reason} after {attempt + 1} attempts", status)
            if attempt >= self.settings.retries:
                raise HttpError(_full(url, params), f"{reason} after {attempt + 1} attempts")
            delay = wait if wait is not None else self._backoff(attempt)
            attempt += 1
            self.retried += 1
            log.warning("%s: %s; retry %d/%d in %.1f s", _full(url, params), reason, attempt, self.settings.retries,
                        delay)  # fmt: skip
            self._sleep(delay)

    def get_json(self, url: str, params: Mapping[str, Any] | None = None, **kwargs: Any) -> tuple[httpx.Response, Any]:
        """GET a JSON document; a body that is not complete JSON is retried like a 5xx."""
        return self.get(url, params, validate=_json_body, **kwargs)

    # ------------------------------------------------------------------ pacing
    def _wait_turn(self) -> None:
        if self.settings.rate <= 0:
            return
        gap = 1.0 / self.settings.rate - (time.monotonic() - self._last)
        if gap > 0:
            self._sleep(gap)
        self._last = time.monotonic()

    def _backoff(self, attempt: int) -> float:
        # "equal jitter": between half and all of min(cap, base * 2^attempt), so clients that failed together
        # spread out while each still waits at least half its exponential delay
        ceiling = min(self.settings.max_backoff, self.settings.backoff * 2**attempt)
        return random.uniform(ceiling / 2, ceiling)

    def _retry_after(self, response: httpx.Response) -> float | None:
        value = response.headers.get("Retry-After")
        if not value:
            return None
        value = value.strip()
        if value.isdigit():
            seconds = float(value)
        else:
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                return None
            seconds = when.timestamp() - time.time()
        return max(0.0, min(seconds, self.settings.max_retry_after))


def _json_body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise BadBody(f"not complete JSON: {exc}") from None


def _full(url: str, params: Mapping[str, Any] | None) -> str:
    return str(httpx.URL(url, params=params)) if params else url
