"""Fixtures for the harvest tests: the replay server loaded with real records, and a config pointing at it.

The replayed records are the real ones in data/records (see data/records/PROVENANCE.md); the only
thing the tests add is each record's modification date, which the replay server keeps beside the
record (never inside it) for the date filters.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from covid_portal import iris
from covid_portal.harvest.config import HarvestConfig, load_config
from covid_portal.terms import S
from tests.conftest import RECORDS
from tests.harvest.replay import Dataset, Replay

ENA_TSVS = (
    "ena_portal_read_run_sars-cov-2_ERR5423903.tsv",
    "ena_portal_read_run_sars-cov-2_illumina.tsv",
    "ena_portal_read_run_sars-cov-2_nanopore.tsv",
)
RUN_DATES = {"ERR5423903": "2021-03-10", "ERR4080517": "2020-04-20"}  # the illumina runs: 2022-06-01
CHEMBL_TARGETS = ("CHEMBL4303835", "CHEMBL4523582")


def _tsv_rows(path: Path) -> list[dict[str, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    rows = []
    for line in lines[1:]:
        cells = line.split("\t")
        if any(c.strip() for c in cells):
            rows.append({k: v for k, v in zip(header, cells, strict=True) if v.strip()})
    return rows


def _xml_elements(path: Path) -> dict[str, str]:
    root = ET.parse(path).getroot()
    return {elem.get("accession"): ET.tostring(elem, encoding="unicode").strip() for elem in root}  # type: ignore[misc]


def build_dataset() -> Dataset:
    """The replayed state: real records from data/records, with test-chosen modification dates."""
    ena_dir = RECORDS / "ena"
    runs = [row for name in ENA_TSVS for row in _tsv_rows(ena_dir / name)]
    sequence = json.loads((ena_dir / "ena_portal_search_sequence_MN908947.json").read_text())
    data = Dataset()
    data.ena["read_run"] = [(row, RUN_DATES.get(row["run_accession"], "2022-06-01")) for row in runs]
    data.ena["sequence"] = [(row, "2020-01-20") for row in sequence]
    data.ena_xml.update(_xml_elements(ena_dir / "ena_browser_xml_study_SRP178136.xml"))
    data.ena_xml.update(_xml_elements(ena_dir / "ena_browser_xml_sample_SRS4237519.xml"))
    data.ena["study"] = [({"secondary_study_accession": "SRP178136", "study_accession": "PRJNA514051"}, "2019-01-10")]
    data.ena["sample"] = [({"secondary_sample_accession": "SRS4237519", "sample_accession": "SAMN10719598"},
                           "2019-01-10")]  # fmt: skip

    up = RECORDS / "uniprot"
    entries = json.loads((up / "uniprot_rest_json_search_F1MAB7_OR_O14975.json").read_text())["results"]
    entries.append(json.loads((up / "uniprot_rest_json_O00115_DNS2A_HUMAN.json").read_text()))
    data.uniprot = [(e, e["entryAudit"]["lastAnnotationUpdateDate"]) for e in entries]
    data.uniprot_tags = {e["primaryAccession"]: {"UPTEST"} for e in entries}

    data.pdbe = {name: (RECORDS / "pdb" / f"{name}.cif").read_bytes() for name in ("6lu7", "6m0j")}
    data.pride = [json.loads((RECORDS / "pride" / f"pride_archive_v2_project_{acc}.json").read_text())
                  for acc in ("PXD000001", "PXD059645")]  # fmt: skip

    chembl = RECORDS / "chembl"
    molecules = [h["_source"] for h in json.loads((chembl / "kgcovid19_es_chembl_molecule_records.json").read_text())]
    known = {m["molecule_chembl_id"] for m in molecules}
    activities = [h["_source"] for h in json.loads((chembl / "kgcovid19_es_chembl_activity_records.json").read_text())]
    data.chembl["activity"] = [a for a in activities if a["molecule_chembl_id"] in known][:7] + [
        a for a in activities if a["target_chembl_id"] not in CHEMBL_TARGETS
    ][:2]
    data.chembl["molecule"] = molecules

    epmc = json.loads((RECORDS / "europepmc" / "epmc_rest_search_cancer_core.json").read_text())
    data.europepmc = [(r, r["firstIndexDate"]) for r in epmc["resultList"]["result"]]
    return data


def write_config(path: Path, base: str, **overrides: Any) -> Path:
    """A harvest.toml pointing every source at the replay server ``base`` (fast retries, short timeout)."""
    read_run_fields = sorted({k for name in ENA_TSVS for row in _tsv_rows(RECORDS / "ena" / name) for k in row})
    text = f"""
[client]
user_agent = "covid-portal-tests"
timeout = 0.5
rate = 0
retries = 4
backoff = 0.01
max_backoff = 0.05
max_retry_after = 2

[ena]
base_url = "{base}/ena/portal/api"
browser_url = "{base}/ena/browser/api"
page_size = 1
start_date = 2019-01-01
slice_days = 800
max_results = 2
[[ena.queries]]
name = "sequence"
result = "sequence"
query = "tax_tree(2697049)"
fields = ["accession", "description", "collection_date", "tax_id"]
[[ena.queries]]
name = "read-run"
result = "read_run"
query = "tax_tree(2697049)"
fields = {json.dumps(read_run_fields)}
[[ena.queries]]
name = "study"
result = "study"
query = "tax_tree(10090)"
xml = true
[[ena.queries]]
name = "sample"
result = "sample"
query = "tax_tree(10090)"
xml = true

[uniprot]
base_url = "{base}/uniprot"
page_size = 1
interactors = true
[[uniprot.queries]]
name = "proteome"
query = "proteome:UPTEST"

[pdbe]
base_url = "{base}/pdbe"
entries = ["6LU7", "6M0J"]

[pride]
base_url = "{base}/pride"
page_size = 1

[chembl]
base_url = "{base}/chembl/api/data"
page_size = 3
targets = {json.dumps(list(CHEMBL_TARGETS))}

[europepmc]
base_url = "{base}/europepmc"
page_size = 10
"""
    for key, value in overrides.items():
        section, _, name = key.partition("__")
        text = text.replace(f"[{section}]\n", f"[{section}]\n{name} = {json.dumps(value)}\n", 1)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def replay() -> Iterator[Replay]:
    server = Replay(build_dataset(), slow_seconds=1.5).start()
    yield server
    server.stop()


@pytest.fixture
def config_file(tmp_path: Path, replay: Replay) -> Path:
    return write_config(tmp_path / "harvest.toml", replay.url)


@pytest.fixture
def config(config_file: Path) -> HarvestConfig:
    return load_config(config_file)


# ------------------------------------------------------------------ reference loads
def reference_files(data: Dataset, folder: Path, sources: tuple[str, ...]) -> list[Path]:
    """The replayed state written straight in the loaders' formats (no harvester code): a clean load's input."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []

    def dump(name: str, value: Any) -> None:
        path = folder / name
        path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
        files.append(path)

    if "ena" in sources:
        for result in ("sequence", "read_run"):
            rows = [row for row, _ in data.ena[result]]
            if rows:
                dump(f"ena-{result}.json", rows)
        for acc, xml in data.ena_xml.items():
            tag = re.match(r"<(\w+)", xml).group(1)  # type: ignore[union-attr]
            path = folder / f"ena-{acc}.xml"
            path.write_text(f"<{tag}_SET>\n{xml}\n</{tag}_SET>\n", encoding="utf-8")
            files.append(path)
    if "uniprot" in sources:
        dump("uniprot.json", {"results": [e for e, _ in data.uniprot]})
    if "pdbe" in sources:
        for name, body in data.pdbe.items():
            (folder / f"{name}.cif").write_bytes(body)
            files.append(folder / f"{name}.cif")
    if "pride" in sources:
        dump("pride.json", data.pride)
    if "chembl" in sources:
        activities = [a for a in data.chembl["activity"] if a["target_chembl_id"] in CHEMBL_TARGETS]
        tested = {a["molecule_chembl_id"] for a in activities}
        dump("chembl-activities.json", {"activities": activities})
        molecules = [m for m in data.chembl["molecule"] if m["molecule_chembl_id"] in tested]
        dump("chembl-molecules.json", {"molecules": molecules})
    if "europepmc" in sources:
        results = [r for r, _ in data.europepmc]
        dump("europepmc.json", {"request": {"resultType": "core"}, "resultList": {"result": results}})
    return files


SKIP = {
    "http://www.w3.org/ns/prov#wasGeneratedBy",  # the load run
    "http://purl.org/dc/terms/modified",
    S.source_file.node.value,  # where the file was: the harvest folder vs the reference folder
    S.retrieved_at.node.value,  # when the file was written
}


def record_quads(store: ox.Store) -> set[tuple[str, str, str, str]]:
    """The record graphs' quads minus what names the load run or the file a record was read from.

    Like tests/test_pipeline.py's ``quads_without_run_ids``, and also ignoring ``cp:sourceFile`` and
    ``pav:retrievedOn``, which describe the file (its path and time), not the record, and the load
    run's own description. Blank nodes are
    canonicalised so two loads of the same records compare equal.
    """
    graphs: dict[str, ox.Dataset] = {}
    for q in store:
        if "/record/" in str(q.graph_name) and q.predicate.value not in SKIP and not _is_run(q.subject):
            graphs.setdefault(q.graph_name.value, ox.Dataset()).add(q)
    out = set()
    for dataset in graphs.values():  # canonicalise each record graph alone: blank nodes (authors) get stable labels
        dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
        out |= {(str(q.subject), str(q.predicate), str(q.object), str(q.graph_name)) for q in dataset}
    return out


def _is_run(term: object) -> bool:
    return isinstance(term, ox.NamedNode) and term.value.startswith(iris.ACTIVITY_BASE)


def record_graphs(store: ox.Store) -> set[str]:
    return {g.value for g in store.named_graphs() if "/record/" in g.value}
