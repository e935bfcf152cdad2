"""Server settings, read from arguments and ``COVID_PORTAL_*`` environment variables.

Built by the caller (the CLI or a test) and handed to :func:`server.app.create_app`; nothing reads
the environment at import time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from covid_portal.store import DEFAULT_STORE


def _default_workers() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return 2 * cores


class Settings(BaseSettings):
    """What a running node needs to know. Every field can be set as ``COVID_PORTAL_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="COVID_PORTAL_", extra="ignore")

    store: Path = Field(DEFAULT_STORE, description="Store directory (see covid_portal.store).")
    base_url: str | None = Field(
        None,
        description="Public URL of this node, e.g. https://covid.example.org; the SPARQL endpoint is "
        "<base_url>/sparql. Default: the URL each request was sent to.",
    )
    query_timeout: float = Field(30.0, gt=0, description="Seconds a query may run (and stream) before it is stopped.")
    max_concurrent_queries: int = Field(
        default_factory=_default_workers,
        ge=1,
        description="Query worker processes (queries run at once); more wait in a bounded queue.",
    )
    queue_wait: float = Field(
        5.0, ge=0, description="Seconds a query may wait for a free worker before it gets 503 (0: no waiting)."
    )
    max_queued_queries: int = Field(
        64, ge=0, description="Queries that may wait for a worker at once; more get 503 at once."
    )
    max_body_bytes: int = Field(1 << 20, ge=1024, description="Largest request body (a query) accepted; else 413.")
    max_result_bytes: int = Field(
        256 << 20, ge=1024, description="Largest serialized query result; a query producing more is stopped."
    )
    service_partners: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="SPARQL endpoints a query may call with SERVICE (comma- or space-separated in the "
        "environment). Any other SERVICE endpoint is refused with 400.",
    )
    service_timeout: float = Field(
        10.0,
        gt=0,
        description="Seconds one SERVICE call to a partner may take (connect and whole answer); a "
        "slower partner is left out of a SERVICE SILENT answer with a warning, or fails a plain SERVICE (502).",
    )
    service_max_bytes: int = Field(
        16 << 20,
        ge=1024,
        description="Largest answer accepted from one SERVICE call (a larger one fails like a "
        "slow partner: never truncated).",
    )
    federation: Path | None = Field(
        None,
        description="The node's federation file (TOML or JSON: its name, country, base URL and partners; "
        "see covid_portal.federation.config). Its partners' SPARQL endpoints join service_partners.",
    )
    read_only: bool = Field(True, description="The public endpoint never writes; loads go through the CLI.")
    admin_token: SecretStr | None = Field(None, description="Bearer token for admin routes (none: no admin routes).")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["*"], description="Origins allowed to call the read routes from a browser."
    )
    pid_base: str = Field(
        "https://w3id.org/covid-portal/",
        description="Persistent namespace of this node's own resources (catalogue, dataset pages, shapes): a "
        "w3id/purl namespace that redirects to base_url (see docs/fair.md). Entity PIDs are the entity IRIs.",
    )
    publisher_name: str = Field("covid-portal", description="Who publishes this node (dct:publisher).")
    publisher_url: str = Field(
        "https://w3id.org/covid-portal/", description="The publisher's homepage or ROR IRI (https://ror.org/...)."
    )
    worker_start_method: Literal["forkserver", "spawn"] = Field(
        "forkserver", description="How query workers are started (never 'fork': the server has threads)."
    )

    @field_validator("service_partners", "cors_origins", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return [item for item in value.replace(",", " ").split() if item]
        return value

    @field_validator("pid_base")
    @classmethod
    def _end_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else value

    @model_validator(mode="after")
    def _federation_partners(self) -> Settings:
        """The partners named in the federation file may be called with SERVICE, like service_partners."""
        if self.federation is not None:
            from covid_portal.federation.config import load_node

            for partner in load_node(self.federation).partners:
                if partner.sparql not in self.service_partners:
                    self.service_partners.append(partner.sparql)
        return self

    def endpoint_url(self, request_url: str) -> str:
        """The SPARQL endpoint's URL: from base_url when set, else the URL the request used."""
        if self.base_url:
            return f"{self.base_url}/sparql"
        return request_url.split("?", 1)[0].split("#", 1)[0]
