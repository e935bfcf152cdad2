"""COVID-19 Data Portal sequences (``/api/backend/viral-sequences/sequences``), the EBI Search JSON shape.

``{"hitCount": n, "entries": [{"id", "acc", "source": "embl-covid19", "fields": {name: [values]}}],
"facets": []}`` with the fields the portal's clients request (lineage, coverage, collection_date,
country, host, TAXON, creation_date, last_modification_date, center_name, isolate, molecule_type).
Every field value is a list of strings, as the portal writes them. These are the only generated
records carrying the Pango lineage: the ENA portal's sequence result has no lineage field.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any, TextIO

from covid_portal.generate import distributions as D
from covid_portal.generate.ena import sequence_fields
from covid_portal.generate.output import envelope, write_json_array
from covid_portal.generate.plan import Plan


def sequences(plan: Plan, rng: random.Random, indices: range, fh: TextIO) -> None:
    def items() -> Iterator[dict[str, Any]]:
        for i in indices:
            s = sequence_fields(plan, rng, plan.portal_sequence_index(i))
            yield {
                "id": s["accession"],
                "acc": s["accession"],
                "source": "embl-covid19",
                "fields": {
                    "lineage": [s["lineage"]],
                    "coverage": [str(s["coverage"])],
                    "collection_date": [s["date_text"]],
                    "country": [f"{s['country'].name}: {s['region']}"],
                    "host": [s["host"].name],
                    "TAXON": [D.SARS_COV_2[0]],
                    "creation_date": [s["first_public"]],
                    "last_modification_date": [s["last_updated"]],
                    "center_name": [s["center"]],
                    "isolate": [s["isolate"]],
                    "molecule_type": ["genomic RNA"],
                },
            }

    head, tail = envelope({"hitCount": plan.count("portal_sequence")}, ["entries"], {"facets": []})
    write_json_array(fh, items(), head, tail)
