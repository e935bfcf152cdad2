"""UniProt REST search results (``/uniprotkb/search?format=json``): ``{"results": [entry, ...]}``.

Entries follow rest.uniprot.org's JSON (data/records/uniprot/uniprot_rest_json_search_*.json):
``entryType``, ``primaryAccession``, ``uniProtkbId``, ``entryAudit``, ``organism``,
``proteinDescription``, ``genes``, ``comments``, ``references`` with ``citationCrossReferences``,
``uniProtKBCrossReferences`` and ``sequence``. SARS-CoV-2 proteins cross-reference a generated ENA
genome (EMBL) so the protein -> sequence link lands on a record that exists; references cite
generated PubMed articles.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any, TextIO

from covid_portal.generate import distributions as D
from covid_portal.generate.output import envelope, write_json_array
from covid_portal.generate.plan import Plan

AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"
_LINEAGE = {
    "2697049": [
        "Viruses",
        "Riboviria",
        "Orthornavirae",
        "Pisuviricota",
        "Pisoniviricetes",
        "Nidovirales",
        "Cornidovirineae",
        "Coronaviridae",
        "Orthocoronavirinae",
        "Betacoronavirus",
        "Sarbecovirus",
    ],
    "9606": [
        "Eukaryota",
        "Metazoa",
        "Chordata",
        "Craniata",
        "Vertebrata",
        "Euteleostomi",
        "Mammalia",
        "Eutheria",
        "Euarchontoglires",
        "Primates",
        "Haplorrhini",
        "Catarrhini",
        "Hominidae",
        "Homo",
    ],
}


def _entry(plan: Plan, rng: random.Random, i: int) -> dict[str, Any]:
    accession, entry_name, name, taxon, gene, length = plan.protein(i)
    reviewed = i < len(D.PROTEOME) or rng.random() < 0.1
    first = (
        dt.date(2020, 4, 22) + dt.timedelta(days=int(rng.random() * 1200))
        if taxon == "2697049"
        else (dt.date(1995, 1, 1) + dt.timedelta(days=int(rng.random() * 10000)))
    )
    updated = max(first, dt.date(2024, 7, 24) - dt.timedelta(days=int(rng.random() * 700)))
    viral = taxon in ("2697049", "694009", "1335626", "2709072")
    xrefs: list[dict[str, Any]] = []
    if taxon == "2697049" and plan.count("sequence"):
        sequence = plan.sequence_accession(int(rng.random() * plan.count("sequence")))
        xrefs.append(
            {
                "database": "EMBL",
                "id": sequence,
                "properties": [
                    {"key": "ProteinId", "value": f"QHD{43000 + i}.1"},
                    {"key": "Status", "value": "-"},
                    {"key": "MoleculeType", "value": "Genomic_RNA"},
                ],
            }
        )
    elif taxon == "9606":
        xrefs.append(
            {
                "database": "RefSeq",
                "id": f"NP_{1000000 + i}.1",
                "properties": [{"key": "NucleotideSequenceId", "value": f"NM_{2000000 + i}.2"}],
            }
        )
        xrefs.append(
            {
                "database": "Ensembl",
                "id": f"ENST{i:011d}.4",
                "properties": [
                    {"key": "ProteinId", "value": f"ENSP{i:011d}.3"},
                    {"key": "GeneId", "value": f"ENSG{i:011d}.9"},
                ],
            }
        )
    for go in sorted(rng.sample(D.GO_TERMS, rng.randint(1, 5))):
        xrefs.append(
            {
                "database": "GO",
                "id": go,
                "properties": [{"key": "GoTerm", "value": "C:-"}, {"key": "GoEvidenceType", "value": "IEA:InterPro"}],
            }
        )
    xrefs.append(
        {
            "database": "InterPro",
            "id": f"IPR{(i * 37) % 999999:06d}",
            "properties": [{"key": "EntryName", "value": "-"}],
        }
    )
    references = []
    for number in range(1, rng.choice((1, 1, 2, 3)) + 1):
        cited = plan.cited(rng.random())
        if cited is None or cited.pmid is None:
            break
        pmid = cited.pmid
        references.append(
            {
                "referenceNumber": number,
                "citation": {
                    "id": pmid,
                    "citationType": "journal article",
                    "authors": [f"{rng.choice(D.SURNAMES)} {rng.choice(D.INITIALS)}." for _ in range(3)],
                    "citationCrossReferences": [
                        {"database": "PubMed", "id": pmid},
                        {"database": "DOI", "id": cited.doi},
                    ],
                    "title": f"Characterisation of {name}.",
                    "publicationDate": str(first.year + 1),
                },
                "referencePositions": ["NUCLEOTIDE SEQUENCE [GENOMIC RNA]" if viral else "FUNCTION"],
            }
        )
    sequence = "M" + "".join(rng.choices(AMINO_ACIDS, k=length - 1))
    description_key = "recommendedName" if reviewed else "submissionNames"
    full_name: dict[str, Any] = {"fullName": {"value": name}}
    entry: dict[str, Any] = {
        "entryType": "UniProtKB reviewed (Swiss-Prot)" if reviewed else "UniProtKB unreviewed (TrEMBL)",
        "primaryAccession": accession,
        "uniProtkbId": entry_name,
        "entryAudit": {
            "firstPublicDate": first.isoformat(),
            "lastAnnotationUpdateDate": updated.isoformat(),
            "lastSequenceUpdateDate": first.isoformat(),
            "entryVersion": 1 + (updated - first).days // 60,
            "sequenceVersion": 1,
        },
        "annotationScore": 5.0 if reviewed else float(rng.randint(1, 3)),
        "organism": {
            "scientificName": D.ORGANISM_NAMES[taxon],
            "taxonId": int(taxon),
            "lineage": _LINEAGE.get(taxon, ["Viruses"] if viral else ["Eukaryota", "Metazoa"]),
        },
        "proteinExistence": "1: Evidence at protein level" if reviewed else "3: Inferred from homology",
        "proteinDescription": {description_key: full_name if reviewed else [full_name]},
    }
    if gene:
        entry["genes"] = [{"geneName": {"value": gene}}]
    if reviewed:
        entry["comments"] = [{"texts": [{"value": f"{name} of {D.ORGANISM_NAMES[taxon]}."}], "commentType": "FUNCTION"}]
    entry["references"] = references
    entry["uniProtKBCrossReferences"] = xrefs
    entry["sequence"] = {
        "value": sequence,
        "length": length,
        "molWeight": length * 110,
        "crc64": D.md5_hex(rng)[:16].upper(),
        "md5": D.md5_hex(rng).upper(),
    }
    return entry


def proteins(plan: Plan, rng: random.Random, indices: range, fh: TextIO) -> None:
    def items() -> Iterator[dict[str, Any]]:
        for i in indices:
            yield _entry(plan, rng, i)

    head, tail = envelope({}, ["results"])
    write_json_array(fh, items(), head, tail)
