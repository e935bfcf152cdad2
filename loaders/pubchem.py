"""PubChem compounds from SD files (2D or 3D), streamed record by record.

An SD file is a run of records, each a molfile block (ending ``M  END``) followed by data items
(``> <PUBCHEM_IUPAC_INCHIKEY>`` then value lines up to a blank line) and closed by ``$$$$``. Only
the data items are read: the CID names the Compound, and the computed InChI, InChIKey, SMILES,
formula, weight and IUPAC name describe it. The atom block is skipped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from covid_portal.records import FileFormatError, RawRecord, RecordError, RecordGraph
from covid_portal.terms import C, S
from loaders.base import Loader, iter_lines

log = logging.getLogger(__name__)

RECORD_URL = "https://pubchem.ncbi.nlm.nih.gov/rest/pug/compound/cid/{}/SDF"
_ITEM = re.compile(r"^>\s*(?:[^<]*)<([^>]+)>")
# SMILES items, best first: PubChem renamed them in 2025 (PUBCHEM_SMILES is the isomeric one)
_SMILES = ("PUBCHEM_OPENEYE_CAN_SMILES", "PUBCHEM_SMILES", "PUBCHEM_OPENEYE_ISO_SMILES", "PUBCHEM_CONNECTIVITY_SMILES")


class PubchemLoader(Loader):
    name = "pubchem"
    title = "PubChem Compound"
    homepage = "https://pubchem.ncbi.nlm.nih.gov/"
    license = "https://www.ncbi.nlm.nih.gov/home/about/policies/"
    formats = ("pubchem-sdf",)

    def sniff(self, path: Path, head: str) -> str | None:
        if "<PUBCHEM_COMPOUND_CID>" in head and ("V2000" in head or "V3000" in head):
            return "pubchem-sdf"
        return None

    def parse(self, path: Path, fmt: str) -> Iterator[RawRecord | RecordError]:
        if fmt != "pubchem-sdf":
            raise ValueError(f"pubchem loader has no format {fmt!r}")
        lines: list[str] = []
        start = 1
        count = 0
        for line_no, line in iter_lines(path):
            if line.rstrip("\r\n") == "$$$$":
                count += 1
                yield self._record(path, count, start, lines)
                lines = []
                start = line_no + 1
            else:
                lines.append(line)
        if any(line.strip() for line in lines):
            if count == 0 and not any(line.startswith("M  END") for line in lines):
                raise FileFormatError(str(path), "not an SD file: no molfile block ('M  END') and no '$$$$'")
            raise FileFormatError(
                str(path), f"the record starting at line {start} has no '$$$$' terminator (truncated file?)"
            )
        if count == 0:
            raise FileFormatError(str(path), "file is empty")

    def _record(self, path: Path, index: int, start: int, lines: list[str]) -> RawRecord | RecordError:
        raw = "".join(lines)
        position = f"record {index}, line {start}"
        items = _data_items(lines)
        if not any(line.startswith("M  END") for line in lines):
            return RecordError(self.name, str(path), position, None, "record has no molfile block ('M  END')", raw)
        cid = (items.get("PUBCHEM_COMPOUND_CID") or "").strip()
        if not cid:
            return RecordError(self.name, str(path), position, None, "record has no PUBCHEM_COMPOUND_CID", raw)
        return RawRecord(self.name, cid, items, str(path), position, raw, "pubchem-sdf", url=RECORD_URL.format(cid))

    def to_rdf(self, record: RawRecord) -> RecordGraph:
        items: dict[str, str] = record.data
        graph, topic = self.new_graph(record, C.Compound, "pubchem.compound", record.record_id)
        graph.add(topic, S.name, items.get("PUBCHEM_IUPAC_NAME"))
        graph.add(topic, S.inchikey, items.get("PUBCHEM_IUPAC_INCHIKEY"))
        graph.add(topic, S.inchi, items.get("PUBCHEM_IUPAC_INCHI"))
        graph.add(topic, S.smiles, next((items[k] for k in _SMILES if items.get(k)), None))
        graph.add(topic, S.molecular_formula, items.get("PUBCHEM_MOLECULAR_FORMULA"))
        graph.add(topic, S.molecular_weight, _float(items.get("PUBCHEM_MOLECULAR_WEIGHT")))
        return graph


def _data_items(lines: list[str]) -> dict[str, str]:
    """The ``> <NAME>`` data items after the molfile block: name -> value (lines joined by newline)."""
    items: dict[str, str] = {}
    name: str | None = None
    value: list[str] = []
    for line in lines:
        text = line.rstrip("\r\n")
        match = _ITEM.match(text)
        if match:
            name, value = match.group(1).strip(), []
        elif name is not None and text.strip():
            value.append(text)
        elif name is not None:
            items.setdefault(name, "\n".join(value).strip())
            name = None
    if name is not None:
        items.setdefault(name, "\n".join(value).strip())
    return items


def _float(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


LOADER = PubchemLoader()
