"""Typed FastAPI dependencies shared by the routers (``Annotated[..., Depends(...)]``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from server.config import Settings
from server.workers import QueryPool


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_queries(request: Request) -> QueryPool:
    """The app's query worker pool: run bounded queries with ``pool.execute`` / ``await pool.aexecute``."""
    return request.app.state.queries


SettingsDep = Annotated[Settings, Depends(get_settings)]
Queries = Annotated[QueryPool, Depends(get_queries)]
