"""The app factory: settings in, FastAPI app out; one ``include_router`` line per concern."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from covid_portal import __version__
from server.api import api_router
from server.catalog import catalog_router
from server.config import Settings
from server.described import described_router
from server.entities import entities_router
from server.fair import fair_router
from server.pages import pages_router
from server.portals import portals_router
from server.sparql import sparql_router
from server.workers import QueryPool


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app. The query workers start with the app (lifespan) and stop with it.

    Router factories take the worker pool as a parameter (``sparql_router(settings, pool)``) to run
    bounded queries of their own; it is also ``request.app.state.queries``.
    """
    settings = settings or Settings()
    pool = QueryPool(
        settings.store,
        size=settings.max_concurrent_queries,
        timeout=settings.query_timeout,
        max_result_bytes=settings.max_result_bytes,
        queue_wait=settings.queue_wait,
        max_queued=settings.max_queued_queries,
        start_method=settings.worker_start_method,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # each running query waits on its worker in a thread: leave threads for the other routes
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = max(
            limiter.total_tokens, 2 * settings.max_concurrent_queries + settings.max_queued_queries + 20
        )
        await anyio.to_thread.run_sync(pool.start)
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(pool.close)

    app = FastAPI(
        title="covid-portal",
        version=__version__,
        description="A COVID-19 knowledge graph: SPARQL 1.1 endpoint, entity pages and discovery API.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.queries = pool
    app.add_middleware(
        CORSMiddleware,  # read routes are public: browser clients (YASGUI, Comunica) call them directly
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=["Retry-After", "Content-Type", "Vary", "Warning", "X-Federation-Warnings"],
        max_age=3600,
    )
    app.include_router(sparql_router(settings, pool))
    app.include_router(entities_router(settings, pool))
    app.include_router(fair_router(settings))
    app.include_router(catalog_router(settings, pool))
    app.include_router(described_router(settings, pool))
    app.include_router(api_router(settings, pool))
    app.include_router(portals_router(settings))
    app.include_router(pages_router(settings))
    return app
