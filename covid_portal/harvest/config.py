"""The harvest configuration: one TOML file (``harvest.toml``) with base URLs, queries and limits.

Every key has a default here, so a node's file only names what it changes; ``config/harvest.toml``
spells out the defaults with comments and docs/harvest.md documents each key. Unknown keys are an
error (a misspelt ``page_sise`` would otherwise be silently ignored). A national node sets its
slice with ``[ena] filter = 'country="Sweden"'`` and the other sources' queries.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from covid_portal.harvest.http import DEFAULT_USER_AGENT, ClientSettings

DEFAULT_CONFIG = Path(__file__).resolve().parents[2] / "config" / "harvest.toml"


class ConfigError(Exception):
    """The config file cannot be read or does not validate."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ClientConfig(_Model):
    user_agent: str = DEFAULT_USER_AGENT
    timeout: float = Field(60.0, gt=0)
    rate: float = Field(2.0, ge=0)
    retries: int = Field(6, ge=0)
    backoff: float = Field(1.0, ge=0)
    max_backoff: float = Field(120.0, ge=0)
    max_retry_after: float = Field(600.0, ge=0)


class SourceConfig(_Model):
    enabled: bool = True
    base_url: str
    page_size: int = Field(500, gt=0)
    limit: int = Field(0, ge=0)  # stop after this many records (0: no limit), for trial runs
    rate: float | None = Field(None, ge=0)  # overrides [client] rate for this source
    timeout: float | None = Field(None, gt=0)


# the ena loader names a portal row by the first of these fields it has; each result's own comes first
ENA_ID_RANK = ("run_accession", "experiment_accession", "sample_accession", "study_accession", "accession")
ENA_OWN_ID = {"read_run": "run_accession", "read_experiment": "experiment_accession",
              "sample": "sample_accession", "study": "study_accession", "sequence": "accession"}  # fmt: skip


class EnaQuery(_Model):
    name: str = Field(pattern=r"^[a-z0-9_-]+$")
    result: Literal["sequence", "read_run", "read_experiment", "sample", "study"]
    query: str
    fields: list[str] = []
    date_field: str = "last_updated"  # the field date slices and updates filter on
    xml: bool = False  # fetch the records' ENA browser XML instead of the portal's JSON rows

    @model_validator(mode="after")
    def _own_accession_names_the_row(self) -> EnaQuery:
        """A row must be named by its own accession: asking a sequence query for ``sample_accession``
        would make the loader name the sequence after its sample (and collide with the sample record)."""
        if self.xml:
            return self
        own = ENA_OWN_ID[self.result]
        ranked = [f for f in ENA_ID_RANK if f in self.fields]
        if not ranked or ranked[0] != own:
            raise ValueError(f"fields of a {self.result} query must include {own} and none of "
                             f"{', '.join(ENA_ID_RANK[: ENA_ID_RANK.index(own)]) or '-'}")  # fmt: skip
        return self


class EnaConfig(SourceConfig):
    base_url: str = "https://www.ebi.ac.uk/ena/portal/api"
    browser_url: str = "https://www.ebi.ac.uk/ena/browser/api"
    page_size: int = Field(1000, gt=0)
    filter: str = ""  # ANDed to every query: a national node's slice, e.g. country="Sweden"
    start_date: dt.date = dt.date(2019, 12, 1)
    slice_days: int = Field(31, gt=0)  # first cut of the date range; slices over max_results are halved
    max_results: int = Field(100_000, gt=0)
    queries: list[EnaQuery] = []


class UniProtQuery(_Model):
    name: str = Field(pattern=r"^[a-z0-9_-]+$")
    query: str


class UniProtConfig(SourceConfig):
    base_url: str = "https://rest.uniprot.org"
    queries: list[UniProtQuery] = []
    interactors: bool = True  # also harvest the partners named in the entries' INTERACTION comments
    interactor_query: str = "organism_id:9606"  # which partners (ANDed to their accessions)
    date_field: str = "date_modified"


class PdbeConfig(SourceConfig):
    base_url: str = "https://www.ebi.ac.uk/pdbe"
    entry_path: str = "/entry-files/download/{id}_updated.cif"
    entries: list[str] = []
    from_uniprot: bool = True  # also every PDB entry the harvested UniProt entries cross-reference


class PrideConfig(SourceConfig):
    base_url: str = "https://www.ebi.ac.uk/pride/ws/archive/v2"
    keyword: str = "COVID-19"
    filter: str = ""  # PRIDE search filter, e.g. organisms==Homo sapiens (Human)
    page_size: int = Field(100, gt=0)


class ChemblConfig(SourceConfig):
    base_url: str = "https://www.ebi.ac.uk/chembl/api/data"
    page_size: int = Field(1000, gt=0)
    targets: list[str] = []  # activities against these targets, and the molecules they tested
    molecules: bool = True


class EuropePmcConfig(SourceConfig):
    base_url: str = "https://www.ebi.ac.uk/europepmc/webservices/rest"
    query: str = '"COVID-19" OR "SARS-CoV-2"'
    result_type: Literal["core", "lite"] = "core"
    page_size: int = Field(1000, gt=0, le=1000)
    date_field: str = "UPDATE_DATE"  # FIRST_IDATE would find new records only, not revised ones
    withdrawals: bool = True  # list every id on update to find withdrawn records (one idlist pass)


class HarvestConfig(_Model):
    client: ClientConfig = ClientConfig()
    ena: EnaConfig = EnaConfig()
    uniprot: UniProtConfig = UniProtConfig()
    pdbe: PdbeConfig = PdbeConfig()
    pride: PrideConfig = PrideConfig()
    chembl: ChemblConfig = ChemblConfig()
    europepmc: EuropePmcConfig = EuropePmcConfig()

    def source(self, name: str) -> SourceConfig:
        value = getattr(self, name)
        assert isinstance(value, SourceConfig)
        return value

    def client_settings(self, source: str) -> ClientSettings:
        c, s = self.client, self.source(source)
        return ClientSettings(
            user_agent=c.user_agent,
            timeout=s.timeout or c.timeout,
            rate=c.rate if s.rate is None else s.rate,
            retries=c.retries,
            backoff=c.backoff,
            max_backoff=c.max_backoff,
            max_retry_after=c.max_retry_after,
        )


def load_config(path: Path | str | None = None) -> HarvestConfig:
    """The configuration in ``path`` (default: config/harvest.toml of this checkout, else built-in defaults)."""
    if path is None:
        if not DEFAULT_CONFIG.exists():
            return HarvestConfig()
        path = DEFAULT_CONFIG
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    try:
        return HarvestConfig.model_validate(data)
    except ValidationError as exc:
        lines = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise ConfigError(f"{path}: " + "; ".join(lines)) from None
