"""PRIDE Archive v2 projects (``/projects/{accession}``, 2025 wire format), as a JSON array of projects.

Objects follow data/records/pride/pride_archive_v2_project_PXD059645.json: CvParam lists
(``instruments``, ``organisms``, ``diseases``, ``identifiedPTMStrings``), ``sampleAttributes`` tuples,
``submitters``/``labPIs`` and ``references`` with ``pubmedID`` of a generated article.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any, TextIO

from covid_portal.generate import distributions as D
from covid_portal.generate.output import write_json_array
from covid_portal.generate.plan import Plan

_INSTRUMENTS = (
    ("MS:1002523", "Q Exactive HF"),
    ("MS:1003005", "timsTOF Pro"),
    ("MS:1002732", "Orbitrap Fusion Lumos"),
    ("MS:1001911", "Q Exactive"),
    ("MS:1003028", "Orbitrap Exploris 480"),
)
_PTMS = (
    ("MOD:00394", "acetylated residue"),
    ("MOD:00425", "monohydroxylated residue"),
    ("MOD:00397", "iodoacetamide derivatized residue"),
    ("MOD:00696", "phosphorylated residue"),
)
_PARTS = (
    ("BTO:0000763", "lung"),
    ("BTO:0000089", "blood"),
    ("BTO:0000131", "blood plasma"),
    ("BTO:0001253", "nasopharynx"),
)
_ORGANISMS = (
    (("9606", "Homo sapiens (human)"),),
    (("9606", "Homo sapiens (human)"), ("2697049", D.SARS_COV_2[1])),
    (("60711", "Chlorocebus sabaeus (green monkey)"), ("2697049", D.SARS_COV_2[1])),
)


def _cv(label: str, accession: str, name: str) -> dict[str, Any]:
    return {"@type": "CvParam", "cvLabel": label, "accession": accession, "name": name, "value": ""}


def _person(rng: random.Random, affiliation: str, country: str) -> dict[str, Any]:
    first, last = rng.choice(("Anna", "Lars", "Maria", "Wei", "Priya", "John", "Eva", "Kenji")), rng.choice(D.SURNAMES)
    ident = str(rng.randint(1_000_000, 99_999_999))
    return {
        "title": "Dr",
        "firstName": first,
        "lastName": last,
        "identifier": ident,
        "affiliation": affiliation,
        "email": f"{first.lower()}.{last.lower().replace(' ', '').replace(chr(39), '')}@example.org",
        "country": country,
        "orcid": "",
        "name": f"{first} {last}",
        "id": ident,
    }


def _project(plan: Plan, rng: random.Random, i: int) -> dict[str, Any]:
    accession = f"PXD{18000 + i:06d}"
    country = D.COUNTRY_TABLE.draw(rng)
    affiliation = country.centers[0]
    submitted = dt.date(2020, 3, 15) + dt.timedelta(days=int(rng.random() * 1300))
    published = submitted + dt.timedelta(days=30 + int(rng.random() * 200))
    organisms = rng.choice(_ORGANISMS)
    part = rng.choice(_PARTS)
    instrument = rng.choice(_INSTRUMENTS)
    cited = plan.cited(rng.random()) if rng.random() < 0.6 else None
    subject = rng.choice(
        ("SARS-CoV-2 infected cells", "COVID-19 patient plasma", "COVID-19 patient lung tissue", "SARS-CoV-2 virion")
    )
    return {
        "accession": accession,
        "title": f"Proteomic analysis of {subject} ({country.name}, {i + 1})",
        "additionalAttributes": [],
        "projectDescription": f"Quantitative proteomics of {subject} to characterise host and viral protein changes.",
        "sampleProcessingProtocol": "Proteins were reduced, alkylated and digested with trypsin.",
        "dataProcessingProtocol": "Raw files were processed with MaxQuant against UniProt human and SARS-CoV-2.",
        "projectTags": ["COVID-19"],
        "keywords": ["SARS-CoV-2; COVID-19; proteomics"],
        "doi": f"10.6019/{accession}",
        "submissionType": rng.choice(("COMPLETE", "PARTIAL", "PARTIAL")),
        "license": "Creative Commons Public Domain (CC0)",
        "submissionDate": submitted.isoformat(),
        "publicationDate": published.isoformat(),
        "submitters": [_person(rng, affiliation, country.name)],
        "labPIs": [_person(rng, affiliation, country.name)],
        "instruments": [_cv("MS", instrument[0], instrument[1])],
        "softwares": [{"@type": "CvParam", "cvLabel": "MS", "accession": "MS:1001583", "name": "MaxQuant"}],
        "experimentTypes": [
            {"@type": "CvParam", "cvLabel": "PRIDE", "accession": "PRIDE:0000428", "name": "Bottom-up proteomics"}
        ],
        "quantificationMethods": [
            {"@type": "CvParam", "cvLabel": "PRIDE", "accession": "EFO:0030054", "name": "label-free quantification"}
        ],
        "countries": [country.name],
        "sampleAttributes": [
            {
                "@type": "Tuple",
                "key": {"cvLabel": "EFO", "accession": "EFO:0000635", "name": "organism part"},
                "value": [{"cvLabel": "BTO", "accession": part[0], "name": part[1], "value": ""}],
            },
            {
                "@type": "Tuple",
                "key": {"cvLabel": "EFO", "accession": "EFO:0000408", "name": "disease"},
                "value": [{"cvLabel": "DOID", "accession": "DOID:0080600", "name": "COVID-19", "value": ""}],
            },
        ],
        "organisms": [_cv("NEWT", f"NEWT:{taxon}", name) for taxon, name in organisms],
        "organismParts": [_cv("BTO", part[0], part[1].title())],
        "diseases": [_cv("DOID", "DOID:0080600", "COVID-19")],
        "references": [
            {
                "referenceLine": f"{rng.choice(D.SURNAMES)} et al. {rng.choice(D.JOURNALS)[0]}. {published.year}",
                "pubmedID": int(cited.pmid),
                "doi": cited.doi,
            }
        ]
        if cited and cited.pmid
        else [],
        "identifiedPTMStrings": [_cv("MOD", acc, name) for acc, name in rng.sample(_PTMS, rng.randint(1, 3))],
        "totalFileDownloads": rng.randint(0, 5000),
    }


def projects(plan: Plan, rng: random.Random, indices: range, fh: TextIO) -> None:
    def items() -> Iterator[dict[str, Any]]:
        for i in indices:
            yield _project(plan, rng, i)

    write_json_array(fh, items(), indent=2)
