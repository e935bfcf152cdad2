"""Run the app under uvicorn (``covid-portal serve`` calls :func:`serve`)."""

from __future__ import annotations

import logging

import uvicorn

from server.app import create_app
from server.config import Settings

log = logging.getLogger(__name__)


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000, *, log_level: str = "info") -> None:
    """Serve ``settings.store`` on ``host:port`` until interrupted."""
    log.info(
        "serving %s on http://%s:%d (query timeout %g s, %d query workers)",
        settings.store,
        host,
        port,
        settings.query_timeout,
        settings.max_concurrent_queries,
    )
    uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level, timeout_graceful_shutdown=5)
