"""PDBe: the PDB entries of the harvested proteins, one mmCIF file per entry.

PDB entries are fetched one by one (``entry_path``, ``{id}`` the lower-case PDB id): the ids
configured in ``entries`` plus, with ``from_uniprot``, every PDB cross-reference of the UniProt
entries written by this harvest (so run the uniprot harvest first), plus on update every entry
harvested before. An entry that answers 404 is obsolete: it is left out, and an update withdraws
it. There is no date filter per entry, so updates compare checksums and rewrite only entries whose
file changed. Record ids are upper-case PDB ids, as the pdb loader names them.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any

from covid_portal.harvest.base import Harvester, Page, Record
from covid_portal.harvest.config import PdbeConfig
from covid_portal.harvest.http import BadBody, NotFound
from covid_portal.harvest.manifest import sha256

log = logging.getLogger(__name__)

PDB_ID = re.compile(r"^[0-9][A-Za-z0-9]{3}$")


class PdbeHarvester(Harvester):
    name = "pdbe"
    source = "pdb"
    strategy = "checksum"

    @property
    def cfg(self) -> PdbeConfig:
        return self.config.pdbe

    def query(self) -> dict[str, Any]:
        return {"entries": self.cfg.entries, "from_uniprot": self.cfg.from_uniprot, "entry_path": self.cfg.entry_path}

    def tasks(self, since: str | None) -> list[dict[str, Any]]:
        ids = {e.upper() for e in self.cfg.entries} | set(self.previous)
        if self.cfg.from_uniprot:
            ids |= self._uniprot_structures()
        return [{"key": "entries", "ids": sorted(i for i in ids if PDB_ID.match(i))}]

    def pages(self, task: dict[str, Any], cursor: Any) -> Iterator[Page]:
        ids: list[str] = task["ids"]
        for index in range(cursor or 0, len(ids)):
            pdb_id = ids[index]
            next_cursor = index + 1 if index + 1 < len(ids) else None
            url = self.url(self.cfg.entry_path.format(id=pdb_id.lower()))
            try:
                _, body = self.client.get(url, validate=_mmcif)
            except NotFound:
                log.info("pdbe: %s is obsolete or unknown (404)", pdb_id)
                yield Page([], _one, "cif", next_cursor)
                continue
            yield Page([Record(pdb_id, body, sha256(body))], _one, "cif", next_cursor)
        if not ids:
            yield Page([], _one, "cif", None)

    def _uniprot_structures(self) -> set[str]:
        ids: set[str] = set()
        for path in sorted((self.out / "uniprot").glob("*.json")):
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            for entry in doc.get("results", []) if isinstance(doc, dict) else []:
                for xref in entry.get("uniProtKBCrossReferences", []):
                    if xref.get("database") == "PDB" and xref.get("id"):
                        ids.add(str(xref["id"]).upper())
        return ids


def _one(objs: list[Any]) -> bytes:
    return objs[0]


def _mmcif(response: Any) -> bytes:
    body: bytes = response.content
    text = body.lstrip()
    while text.startswith(b"#"):
        text = text.split(b"\n", 1)[1].lstrip() if b"\n" in text else b""
    if not text.startswith(b"data_"):
        raise BadBody("not an mmCIF file (no data_ block)")
    if not body.rstrip(b" \t").endswith(b"\n"):
        raise BadBody("mmCIF file cut short (no final newline)")
    return body
