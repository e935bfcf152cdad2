"""The app factory: settings in, FastAPI app out; one ``include_router`` line per concern."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from covid_portal import __version__
from server.api import api_router
from server.catalog import catalog_router
from server.config import Settings
from server.described import described_router
from server.entities import entities_router
from server.fair import fair_router
from server.pages import pages_router
from server.portals import portals_router
from server.sparql import SparqlEndpoint, sparql_router
from server.workers import QueryPool


class PortalApp(FastAPI):
    """FastAPI, except that ``GET`` and ``POST /sparql`` go straight to the endpoint (behind CORS).

    A SPARQL request is the one the portal serves most and the one clients repeat fastest; routing it
    through FastAPI cost about 0.2 ms of CPU in the front process per request, against 0.02 ms this
    way, and that process shares two cores with the query workers (docs/benchmarks.md).
    """

    sparql: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.sparql is not None
            and scope["type"] == "http"
            and scope["method"] in ("GET", "POST")
            and _route_path(scope) == "/sparql"
        ):
            scope["app"] = self
            await self.sparql(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def _route_path(scope: Scope) -> str:
    """The path the routes see: without the ``root_path`` a proxy mounts the app under."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root + "/") else path


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app. The query workers start with the app (lifespan) and stop with it.

    Router factories take the worker pool as a parameter (``entities_router(settings, pool)``) to run
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

    app = PortalApp(
        title="covid-portal",
        version=__version__,
        description="A COVID-19 knowledge graph: SPARQL 1.1 endpoint, entity pages and discovery API.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.queries = pool
    cors: dict[str, Any] = {  # read routes are public: browser clients (YASGUI, Comunica) call them directly
        "allow_origins": settings.cors_origins,
        "allow_methods": ["GET", "POST", "OPTIONS"],
        "allow_headers": ["*"],
        "expose_headers": ["Retry-After", "Content-Type", "Vary", "Warning", "X-Federation-Warnings"],
        "max_age": 3600,
    }
    app.add_middleware(CORSMiddleware, **cors)
    sparql = SparqlEndpoint(settings, pool)
    app.sparql = CORSMiddleware(sparql, **cors)
    app.include_router(sparql_router(sparql))
    app.include_router(entities_router(settings, pool))
    app.include_router(fair_router(settings))
    app.include_router(catalog_router(settings, pool))
    app.include_router(described_router(settings, pool))
    app.include_router(api_router(settings, pool))
    app.include_router(portals_router(settings))
    app.include_router(pages_router(settings))
    return app
