"""ChEMBL records: targets as a web-service page, molecules/assays/activities/documents as Elasticsearch hits.

The Elasticsearch hits follow the kg-covid-19 extracts in data/records/chembl (index ``chembl_28_*``,
``_source`` with the same fields and value styles: numbers as strings where ChEMBL writes them so,
``_metadata`` blocks); the target page follows ``/api/data/target`` (``{"targets": [...],
"page_meta": {...}}``). Target 0 is the SARS-CoV-2 organism target; the others are single proteins
whose component accession is a generated UniProt entry. Every activity names a generated molecule
(popular compounds are measured many times), an assay and that assay's own target and document.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from typing import Any, TextIO

from covid_portal.generate import distributions as D
from covid_portal.generate.output import envelope, write_json_array
from covid_portal.generate.plan import Plan

RELEASE = "28"
_SMILES_PARTS = (
    "c1ccccc1",
    "C(=O)N",
    "CC(C)",
    "N1CCOCC1",
    "c1ccncc1",
    "C(F)(F)F",
    "OC",
    "S(=O)(=O)N",
    "C1CC1",
    "c1ccc2[nH]ccc2c1",
    "C(=O)O",
    "Cl",
    "Br",
    "N",
    "CCN(CC)",
    "C#N",
    "c1cn[nH]c1",
)


def _hit(kind: str, ident: str, source: dict[str, Any]) -> dict[str, Any]:
    return {"_index": f"chembl_{RELEASE}_{kind}", "_type": "_doc", "_id": ident, "_score": 1.0, "_source": source}


def _inchikey(rng: random.Random) -> str:
    """An InChIKey-shaped string: 14 letters, 8 letters + SA (standard, version A), protonation N."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return "".join(rng.choices(letters, k=14)) + "-" + "".join(rng.choices(letters, k=8)) + "SA-N"


def targets(plan: Plan, rng: random.Random, indices: range, fh: TextIO) -> None:
    def items() -> Iterator[dict[str, Any]]:
        for i in indices:
            if i == 0:
                yield {
                    "cross_references": [],
                    "organism": D.SARS_COV_2[1],
                    "pref_name": "SARS-CoV-2",
                    "species_group_flag": False,
                    "target_chembl_id": plan.target_id(0),
                    "target_components": [],
                    "target_type": "ORGANISM",
                    "tax_id": int(D.SARS_COV_2[0]),
                }
                continue
            accession, _, name, taxon, gene, _ = plan.protein(plan.target_protein(i))
            synonyms = [{"component_synonym": name, "syn_type": "UNIPROT"}]
            if gene:
                synonyms.append({"component_synonym": gene, "syn_type": "GENE_SYMBOL"})
            yield {
                "cross_references": [],
                "organism": D.ORGANISM_NAMES[taxon],
                "pref_name": name,
                "species_group_flag": False,
                "target_chembl_id": plan.target_id(i),
                "target_components": [
                    {
                        "accession": accession,
                        "component_description": name,
                        "component_id": 20000 + i,
                        "component_type": "PROTEIN",
                        "relationship": "SINGLE PROTEIN",
                        "target_component_synonyms": synonyms,
                    }
                ],
                "target_type": "SINGLE PROTEIN",
                "tax_id": int(taxon),
            }

    count = plan.count("target")
    head, tail = envelope(
        {},
        ["targets"],
        {
            "page_meta": {
                "limit": len(indices),
                "next": None,
                "offset": indices.start,
                "previous": None,
                "total_count": count,
            }
        },
    )
    write_json_array(fh, items(), head, tail)


def molecules(plan: Plan, rng: random.Random, indices: range, fh: TextIO) -> None:
    def items() -> Iterator[dict[str, Any]]:
        for i in indices:
            ident = plan.molecule_id(i)
            drug = i < len(D.DRUG_NAMES)
            smiles = "".join(rng.choice(_SMILES_PARTS) for _ in range(rng.randint(3, 8)))
            carbons = smiles.count("C") + smiles.count("c")
            weight = f"{120 + rng.random() * 600:.2f}"
            yield _hit(
                "molecule",
                ident,
                {
                    "natural_product": -1,
                    "molecule_type": "Small molecule",
                    "inorganic_flag": -1,
                    "structure_type": "MOL",
                    "polymer_flag": False,
                    "molecule_structures": {"canonical_smiles": smiles, "standard_inchi_key": _inchikey(rng)},
                    "max_phase": rng.choice((4, 3, 2)) if drug else rng.choice((0, 0, 0, 1)),
                    "molecule_synonyms": [{"molecule_synonym": D.DRUG_NAMES[i].title(), "syn_type": "INN"}]
                    if drug
                    else [],
                    "molecule_chembl_id": ident,
                    "chebi_par_id": 145994 + i if drug else None,
                    "_metadata": {"related_activities": {"count": 1}, "related_targets": {"count": 1}},
                    "molecule_properties": {
                        "full_mwt": weight,
                        "full_molformula": f"C{carbons}H{carbons + 3}N2O2",
                        "alogp": f"{rng.uniform(-2, 6):.2f}",
                        "hba": rng.randint(1, 10),
                        "hbd": rng.randint(0, 5),
                        "num_ro5_violations": rng.randint(0, 2),
                    },
                    "pref_name": D.DRUG_NAMES[i] if drug else None,
                },
            )

    write_json_array(fh, items())


def _assay_kind(plan: Plan, assay: int) -> tuple[str, str, str, str, tuple[str, ...]]:
    """Assays against the organism target are cell-based (F/T/A), those against a protein biochemical (B)."""
    organism = plan.assay_target(assay) == 0
    kinds = [k for k in D.ASSAY_KINDS if (k[0] == "B") != organism]
    return kinds[assay % len(kinds)]


def _assay_description(rng: random.Random, plan: Plan, assay: int) -> tuple[str, str, str, str, tuple[str, ...], str]:
    target = plan.assay_target(assay)
    kind, template, bao_label, bao_format, types = _assay_kind(plan, assay)
    cell, _ = D.CELLS[assay % len(D.CELLS)]
    protein = plan.protein(plan.target_protein(target))[2] if target else "main protease"
    text = template.format(
        strain=rng.choice(("USA-WA1/2020", "Delta", "Omicron BA.1")),
        readout="imaging",
        cell=cell,
        moi=rng.choice(("0.01", "0.1", "0.4")),
        protein=protein,
    )
    return kind, text, bao_label, bao_format, types, cell


def assays(plan: Plan, rng: random.Random, indices: range, fh: TextIO) -> None:
    def items() -> Iterator[dict[str, Any]]:
        for i in indices:
            kind, text, bao_label, bao_format, _, cell = _assay_description(rng, plan, i)
            target = plan.assay_target(i)
            taxon = D.CELLS[i % len(D.CELLS)][1] if kind != "B" else plan.protein(plan.target_protein(target))[3]
            ident = plan.assay_id(i)
            document = plan.assay_document(i)
            yield _hit(
                "assay",
                ident,
                {
                    "src_assay_id": None,
                    "assay_type": kind,
                    "assay_tax_id": int(taxon),
                    "assay_cell_type": cell if kind != "B" else None,
                    "src_id": 52,
                    "assay_classifications": [],
                    "description": text,
                    "assay_tissue": None,
                    "assay_strain": None,
                    "bao_label": bao_label,
                    "assay_subcellular_fraction": None,
                    "assay_organism": D.ORGANISM_NAMES.get(taxon),
                    "assay_chembl_id": ident,
                    "document_chembl_id": plan.document_id(document),
                    "target_chembl_id": plan.target_id(target),
                    "tissue_chembl_id": None,
                    "confidence_score": 9 if kind == "B" else 1,
                    "assay_parameters": [],
                    "bao_format": bao_format,
                    "_metadata": {
                        "document_data": {
                            "volume": None,
                            "pubmed_id": None,
                            "journal": None,
                            "year": 2020 + document % 4,
                            "last_page": None,
                            "first_page": None,
                            "doi": f"10.6019/{plan.document_id(document)}",
                        },
                        "source": {"src_description": "SARS-CoV-2 Screening Data"},
                    },
                },
            )

    write_json_array(fh, items())


def activities(plan: Plan, rng: random.Random, indices: range, fh: TextIO) -> None:
    molecules_n, assays_n = plan.count("molecule"), plan.count("assay")

    def items() -> Iterator[dict[str, Any]]:
        for i in indices:
            molecule = D.heavy_index(rng.random(), molecules_n, 2.5)
            assay = int(rng.random() * assays_n)
            target = plan.assay_target(assay)
            kind = _assay_kind(plan, assay)
            standard_type = rng.choice(kind[4])
            units = D.UNITS[standard_type]
            value = 10 ** rng.uniform(0, 5) if units == "nM" else rng.uniform(0, 100 if units == "%" else 1)
            pchembl = f"{9 - math.log10(value):.2f}" if units == "nM" and value > 1 else None
            ident = plan.activity_id(i)
            yield _hit(
                "activity",
                str(ident),
                {
                    "standard_units": units,
                    "standard_type": standard_type,
                    "standard_relation": D.ACTIVITY_RELATIONS.draw(rng),
                    "data_validity_comment": None,
                    "activity_comment": None,
                    "target_pref_name": "SARS-CoV-2" if target == 0 else None,
                    "pchembl_value": pchembl,
                    "bao_label": kind[2],
                    "molecule_pref_name": D.DRUG_NAMES[molecule] if molecule < len(D.DRUG_NAMES) else None,
                    "assay_chembl_id": plan.assay_id(assay),
                    "document_chembl_id": plan.document_id(plan.assay_document(assay)),
                    "target_chembl_id": plan.target_id(target),
                    "activity_id": ident,
                    "molecule_chembl_id": plan.molecule_id(molecule),
                    "standard_value": f"{value:.4g}",
                    "assay_type": kind[0],
                    "document_year": 2020 + assay % 4,
                    "src_id": 52,
                    "potential_duplicate": False,
                    "bao_format": kind[3],
                },
            )

    write_json_array(fh, items())


def documents(plan: Plan, rng: random.Random, indices: range, fh: TextIO) -> None:
    def items() -> Iterator[dict[str, Any]]:
        for i in indices:
            ident = plan.document_id(i)
            authors = ", ".join(
                f"{rng.choice(('Maria', 'Jonas', 'Laura', 'Wei', 'Andrea'))} {rng.choice(D.SURNAMES)}"
                for _ in range(rng.randint(3, 12))
            )
            yield _hit(
                "document",
                ident,
                {
                    "patent_id": None,
                    "src_id": 52,
                    "issue": None,
                    "year": 2020 + i % 4,
                    "last_page": None,
                    "abstract": "Results of a screening campaign against SARS-CoV-2 deposited in ChEMBL.",
                    "title": f"SARS-CoV-2 screening data set {i + 1}: {rng.choice(D.DRUG_NAMES).lower()} and analogues",
                    "volume": None,
                    "pubmed_id": None,
                    "first_page": None,
                    "document_chembl_id": ident,
                    "journal_full_title": None,
                    "doi": f"10.6019/{ident}",
                    "authors": authors,
                    "_metadata": {
                        "source": [
                            {
                                "src_description": "SARS-CoV-2 Screening Data",
                                "src_id": 52,
                                "src_short_name": "SARS_COV_2",
                            }
                        ]
                    },
                },
            )

    write_json_array(fh, items())
