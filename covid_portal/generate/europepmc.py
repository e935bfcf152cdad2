"""Europe PMC REST search responses, ``resultType=core`` JSON (``{"resultList": {"result": [...]}}``).

Items follow data/records/europepmc/epmc_rest_search_cancer_core.json (``id``/``source``/``pmid``/
``pmcid``/``doi``, ``authorList``, ``journalInfo``, ``pubTypeList``, ``meshHeadingList``, the Y/N
flags, ``firstPublicationDate``); preprints are ``source: PPR`` items with a bioRxiv/medRxiv DOI.
About a third of the articles carry a ``dbCrossReferenceList`` naming generated accessions (ENA
sequences, UniProt proteins, PDB structures, ChEMBL molecules, PRIDE projects) in the shape of
Europe PMC's ``databaseLinks`` (``dbCrossReference[].dbCrossReferenceInfo[].info1``): the
"publication mentions accession" links.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any, TextIO

from covid_portal.generate import distributions as D
from covid_portal.generate.output import envelope, write_json_array
from covid_portal.generate.plan import Plan

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def mentions(plan: Plan, rng: random.Random) -> list[tuple[str, str]]:
    """(database, accession) pairs a paper cites, all generated records; empty for most papers."""
    if rng.random() >= 0.35:
        return []
    out: list[tuple[str, str]] = []
    sequences = plan.count("sequence") + plan.count("portal_sequence")
    choices = (
        ("EMBL", sequences, plan.sequence_accession),
        ("UNIPROT", plan.count("protein"), None),
        ("PDB", plan.count("structure"), plan.pdb_id),
        ("CHEMBL", plan.count("molecule"), plan.molecule_id),
        ("PRIDE", plan.count("proteomics"), None),
    )
    for database, count, accession in choices:
        if count == 0 or rng.random() >= (0.7 if database == "EMBL" else 0.35):
            continue
        for _ in range(rng.choice((1, 1, 2, 3, 5))):
            k = D.heavy_index(rng.random(), count, 2.0)
            if database == "UNIPROT":
                out.append((database, plan.protein(k)[0]))
            elif database == "PRIDE":
                out.append((database, f"PXD{18000 + k:06d}"))
            else:
                assert accession is not None
                out.append((database, str(accession(k))))
    return list(dict.fromkeys(out))


def _in_sentence(name: str) -> str:
    """A protein name inside a title: "Spike glycoprotein" -> "spike glycoprotein", "ORF3a protein" kept."""
    return name[0].lower() + name[1:] if name[1:2].islower() else name


def _xrefs(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    groups: dict[str, list[str]] = {}
    for database, accession in pairs:
        groups.setdefault(database, []).append(accession)
    return {
        "dbCrossReference": [
            {
                "dbName": database,
                "dbCount": len(accessions),
                "dbCrossReferenceInfo": [
                    {
                        "info1": acc,
                        "info2": "",
                        "info3": "",
                        "info4": "",
                        "url1": f"https://www.ebi.ac.uk/ebisearch/search?query={acc}",
                    }
                    for acc in accessions
                ],
            }
            for database, accessions in groups.items()
        ]
    }


def _item(plan: Plan, rng: random.Random, i: int) -> dict[str, Any]:
    pub = plan.publication(i)
    date = dt.date(2020, 3, 1) + dt.timedelta(days=int(rng.random() * 1400))
    country = D.COUNTRY_TABLE.draw(rng)
    topic = rng.choice(D.TOPICS).format(
        lineage=D.lineage(date, rng.random()),
        country=country.name,
        protein=_in_sentence(rng.choice(D.PROTEOME[:13]).name),
        cell=rng.choice(D.CELLS)[0],
        host=D.HOST_CODE[D.HOSTS.draw(rng).name],
    )
    title = topic[0].upper() + topic[1:] + "."
    people = [
        (
            rng.choice(("Anna", "Lars", "Maria", "Wei", "Priya", "John", "Eva", "Kenji", "Ngozi", "Pedro")),
            rng.choice(D.SURNAMES),
        )
        for _ in range(rng.randint(1, 12))
    ]
    authors = [
        {
            "fullName": f"{last} {first[0]}",
            "firstName": first,
            "lastName": last,
            "initials": first[0],
            "authorAffiliationDetailsList": {
                "authorAffiliation": [{"affiliation": f"{country.centers[0]}, {country.name}."}]
            },
        }
        for first, last in people
    ]
    author_string = ", ".join(a["fullName"] for a in authors) + "."
    pairs = mentions(plan, rng)
    open_access = pub.preprint or pub.pmcid is not None
    item: dict[str, Any] = {"id": pub.ppr if pub.preprint else pub.pmid, "source": "PPR" if pub.preprint else "MED"}
    if pub.pmid:
        item["pmid"] = pub.pmid
    if pub.pmcid:
        item["pmcid"] = pub.pmcid
        item["fullTextIdList"] = {"fullTextId": [pub.pmcid]}
    item |= {"doi": pub.doi, "title": title, "authorString": author_string, "authorList": {"author": authors}}
    if pub.preprint:
        item["bookOrReportDetails"] = {"publisher": rng.choice(("bioRxiv", "medRxiv")), "yearOfPublication": date.year}
        item["pubYear"] = str(date.year)
        item["pubTypeList"] = {"pubType": ["Preprint"]}
    else:
        journal, issn = rng.choice(D.JOURNALS)
        first_page = rng.randint(1, 3000)
        item["journalInfo"] = {
            "issue": str(rng.randint(1, 24)),
            "volume": str(rng.randint(1, 600)),
            "dateOfPublication": f"{date.year} {MONTHS[date.month - 1]}",
            "monthOfPublication": date.month,
            "yearOfPublication": date.year,
            "printPublicationDate": date.isoformat(),
            "journal": {"title": journal, "isoabbreviation": journal, "issn": issn},
        }
        item["pubYear"] = str(date.year)
        item["pageInfo"] = f"{first_page}-{first_page + rng.randint(2, 14)}"
        item["pubTypeList"] = {"pubType": ["Journal Article"] if rng.random() < 0.85 else ["Review", "Journal Article"]}
        item["meshHeadingList"] = {
            "meshHeading": [
                {"majorTopic_YN": "Y" if n == 0 else "N", "descriptorName": name}
                for n, (_, name) in enumerate(rng.sample(D.MESH, 3))
            ]
        }
    item["keywordList"] = {"keyword": ["COVID-19", "SARS-CoV-2"]}
    if pairs:
        item["dbCrossReferenceList"] = _xrefs(pairs)
    item |= {
        "isOpenAccess": "Y" if open_access else "N",
        "inEPMC": "Y" if open_access else "N",
        "inPMC": "Y" if pub.pmcid else "N",
        "hasPDF": "Y" if open_access else "N",
        "citedByCount": int(rng.expovariate(1 / 20)),
        "hasDbCrossReferences": "Y" if pairs else "N",
        "hasTMAccessionNumbers": "Y" if pairs and rng.random() < 0.5 else "N",
        "firstPublicationDate": date.isoformat(),
    }
    if open_access:
        item["license"] = rng.choice(("cc by", "cc by", "cc by-nc-nd", "cc by-nc"))
    return item


def publications(plan: Plan, rng: random.Random, indices: range, fh: TextIO) -> None:
    def items() -> Iterator[dict[str, Any]]:
        for i in indices:
            yield _item(plan, rng, i)

    request = {
        "queryString": "SARS-CoV-2 OR COVID-19",
        "resultType": "core",
        "cursorMark": "*",
        "pageSize": len(indices),
        "sort": "",
        "synonym": False,
    }
    head, tail = envelope(
        {"version": "6.9", "hitCount": plan.count("publication"), "request": request}, ["resultList", "result"]
    )
    write_json_array(fh, items(), head, tail)
