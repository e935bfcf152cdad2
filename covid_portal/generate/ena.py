"""ENA portal API records: studies and samples (JSON), experiments and read runs (TSV), sequences (JSON).

Field names and value styles follow the real portal responses in data/records/ena: flat objects
with lower-case field names, every value a string, dates ``YYYY-MM-DD``, ``;``-separated file lists
with matching md5 and byte lists, the ``vol1/fastq/ERR408/007/ERR4080517/`` path layout.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any, TextIO

from covid_portal.generate import distributions as D
from covid_portal.generate.output import tsv_line, write_json_array
from covid_portal.generate.plan import Plan, SampleProfile

RUN_FIELDS = (
    "run_accession",
    "sample_accession",
    "secondary_sample_accession",
    "experiment_accession",
    "study_accession",
    "secondary_study_accession",
    "tax_id",
    "scientific_name",
    "center_name",
    "instrument_platform",
    "instrument_model",
    "library_strategy",
    "library_layout",
    "read_count",
    "base_count",
    "first_public",
    "last_updated",
    "collection_date",
    "country",
    "host",
    "host_tax_id",
    "fastq_ftp",
    "fastq_md5",
    "fastq_bytes",
)


def _released(rng: random.Random, collected: dt.date) -> tuple[str, str]:
    first = collected + dt.timedelta(days=D.publication_lag(rng))
    updated = first + dt.timedelta(days=int(rng.expovariate(1 / 120)))
    return first.isoformat(), updated.isoformat()


def _date_text(rng: random.Random, date: dt.date) -> str:
    """Collection dates as submitters give them: mostly the day, sometimes only the month."""
    return date.isoformat() if rng.random() < 0.93 else date.isoformat()[:7]


def studies(plan: Plan, rng: random.Random, indices: range, fh: TextIO) -> None:
    def items() -> Iterator[dict[str, Any]]:
        for i in indices:
            primary, secondary = plan.study_accession(i)
            country = plan.study_country(i)
            center = country.centers[i % len(country.centers)]
            first = D.START + dt.timedelta(days=60 + int(rng.random() * 1100))
            yield {
                "study_accession": primary,
                "secondary_study_accession": secondary,
                "study_title": f"SARS-CoV-2 genome sequencing in {country.name} ({center}, batch {i + 1})",
                "description": f"Whole-genome sequencing of SARS-CoV-2 from clinical and surveillance samples "
                f"collected in {country.name}, submitted by {center}.",
                "center_name": center,
                "tax_id": D.SARS_COV_2[0],
                "scientific_name": D.SARS_COV_2[1],
                "first_public": first.isoformat(),
                "last_updated": (first + dt.timedelta(days=int(rng.random() * 400))).isoformat(),
            }

    write_json_array(fh, items())


def samples(plan: Plan, rng: random.Random, indices: range, fh: TextIO) -> None:
    def items() -> Iterator[dict[str, Any]]:
        for i in indices:
            primary, secondary = plan.sample_accession(i)
            p = plan.sample_profile(i)
            first, updated = _released(rng, p.date)
            center = p.country.centers[p.study % len(p.country.centers)]
            yield {
                "sample_accession": primary,
                "secondary_sample_accession": secondary,
                "study_accession": plan.study_accession(p.study)[0],
                "tax_id": D.SARS_COV_2[0],
                "scientific_name": D.SARS_COV_2[1],
                "sample_alias": f"{p.country.code}-{center.split()[0].upper()}-{i:07d}",
                "sample_title": f"SARS-CoV-2/{D.HOST_CODE[p.host.name]}/{p.country.code}/{i:07d}/{p.date.year}",
                "center_name": center,
                "collection_date": p.date_text,
                "country": f"{p.country.name}:{p.region}" if rng.random() < 0.6 else p.country.name,
                "host": p.host.name,
                "host_tax_id": p.host.taxon,
                "first_public": first,
                "last_updated": updated,
            }

    write_json_array(fh, items())


def _fastq(rng: random.Random, run: str, layout: str, reads: int, read_length: int) -> tuple[str, str, str]:
    """The fastq_ftp, fastq_md5 and fastq_bytes cells of a run (two files for paired layouts)."""
    folder = f"ftp.sra.ebi.ac.uk/vol1/fastq/{run[:6]}/{run[-3:].rjust(3, '0')}/{run}/"
    names = [f"{run}_1.fastq.gz", f"{run}_2.fastq.gz"] if layout == "PAIRED" else [f"{run}_1.fastq.gz"]
    size = reads * (read_length * 2 + 60) // 3  # gzip of reads with headers and qualities
    md5s = [D.md5_hex(rng) for _ in names]
    sizes = [str(size + 997 * k) for k in range(len(names))]
    return ";".join(folder + n for n in names), ";".join(md5s), ";".join(sizes)


EXPERIMENT_FIELDS = (
    "experiment_accession",
    "study_accession",
    "secondary_study_accession",
    "sample_accession",
    "secondary_sample_accession",
    "experiment_title",
    "tax_id",
    "scientific_name",
    "center_name",
    "instrument_platform",
    "instrument_model",
    "library_strategy",
    "library_source",
    "library_selection",
    "library_layout",
)


def experiments(plan: Plan, rng: random.Random, indices: range, fh: TextIO) -> None:
    fh.write(tsv_line(EXPERIMENT_FIELDS))
    for i in indices:
        sample = plan.experiment_sample(i)
        p = plan.sample_profile(sample)
        instrument, strategy = plan.experiment_design(i)
        study, secondary_study = plan.study_accession(p.study)
        sample_acc, secondary_sample = plan.sample_accession(sample)
        row = {
            "experiment_accession": plan.experiment_accession(i),
            "study_accession": study,
            "secondary_study_accession": secondary_study,
            "sample_accession": sample_acc,
            "secondary_sample_accession": secondary_sample,
            "experiment_title": f"{instrument.model} {'paired end' if instrument.layout == 'PAIRED' else 'single'} "
            f"sequencing; SARS-CoV-2/{D.HOST_CODE[p.host.name]}/{p.country.code}/{sample:07d}/{p.date.year}",
            "tax_id": D.SARS_COV_2[0],
            "scientific_name": D.SARS_COV_2[1],
            "center_name": p.country.centers[p.study % len(p.country.centers)],
            "instrument_platform": instrument.platform,
            "instrument_model": instrument.model,
            "library_strategy": strategy,
            "library_source": "VIRAL RNA" if rng.random() < 0.97 else "METATRANSCRIPTOMIC",
            "library_selection": "PCR" if strategy == "AMPLICON" else "RANDOM",
            "library_layout": instrument.layout,
        }
        fh.write(tsv_line(row[f] for f in EXPERIMENT_FIELDS))


def runs(plan: Plan, rng: random.Random, indices: range, fh: TextIO) -> None:
    fh.write(tsv_line(RUN_FIELDS))
    last: tuple[int, SampleProfile] | None = None
    for i in indices:
        run = plan.run_accession(i)
        experiment = plan.run_experiment(i)
        sample = plan.experiment_sample(experiment)
        if last is None or last[0] != sample:  # consecutive runs share samples: compute each profile once
            last = (sample, plan.sample_profile(sample))
        p = last[1]
        instrument, strategy = plan.experiment_design(experiment)
        reads = D.read_count(rng, instrument)
        first, updated = _released(rng, p.date)
        ftp, md5, size = _fastq(rng, run, instrument.layout, reads, instrument.read_length)
        mates = 2 if instrument.layout == "PAIRED" else 1
        study, secondary_study = plan.study_accession(p.study)
        sample_acc, secondary_sample = plan.sample_accession(sample)
        row = {
            "run_accession": run,
            "sample_accession": sample_acc,
            "secondary_sample_accession": secondary_sample,
            "experiment_accession": plan.experiment_accession(experiment),
            "study_accession": study,
            "secondary_study_accession": secondary_study,
            "tax_id": D.SARS_COV_2[0],
            "scientific_name": D.SARS_COV_2[1],
            "center_name": p.country.centers[p.study % len(p.country.centers)],
            "instrument_platform": instrument.platform,
            "instrument_model": instrument.model,
            "library_strategy": strategy,
            "library_layout": instrument.layout,
            "read_count": reads,
            "base_count": reads * instrument.read_length * mates,
            "first_public": first,
            "last_updated": updated,
            "collection_date": p.date_text,
            "country": p.country.name,
            "host": p.host.name,
            "host_tax_id": p.host.taxon,
            "fastq_ftp": ftp,
            "fastq_md5": md5,
            "fastq_bytes": size,
        }
        fh.write(tsv_line(row[f] for f in RUN_FIELDS))


def sequence_fields(plan: Plan, rng: random.Random, index: int, sample: SampleProfile | None = None) -> dict[str, Any]:
    """The facts of one assembled genome, shared by the ENA and the COVID-19 Data Portal writers.

    With ``sample``, place, date and host are the sample's (an ENA sequence assembled from it);
    without, they are drawn from the portal-wide tables.
    """
    if sample is not None:
        country, region, date, host = sample.country, sample.region, sample.date, sample.host
        date_text, center = sample.date_text, country.centers[sample.study % len(country.centers)]
    else:
        country = D.COUNTRY_TABLE.draw(rng)
        date = D.collection_day(rng.random())
        host = D.HOSTS.draw(rng)
        region = country.regions[int(rng.random() * len(country.regions))]
        date_text, center = _date_text(rng, date), country.centers[int(rng.random() * len(country.centers))]
    first, updated = _released(rng, date)
    isolate = f"SARS-CoV-2/{D.HOST_CODE[host.name]}/{country.code}/{country.code[:2]}-{index:07d}/{date.year}"
    return {
        "accession": plan.sequence_accession(index),
        "country": country,
        "region": region,
        "date": date,
        "date_text": date_text,
        "host": host,
        "lineage": D.lineage(date, rng.random()),
        "isolate": isolate,
        "center": center,
        "length": 29903 - int(rng.expovariate(1 / 60)),
        "first_public": first,
        "last_updated": updated,
        "coverage": round(rng.uniform(0.9, 1.0) * 100, 1),
    }


def sequences(plan: Plan, rng: random.Random, indices: range, fh: TextIO) -> None:
    def items() -> Iterator[dict[str, Any]]:
        for i in indices:
            sample = plan.sequence_sample(i)
            profile = plan.sample_profile(sample)
            s = sequence_fields(plan, rng, i, profile)
            yield {
                "accession": s["accession"],
                "sequence_version": "1",
                "sample_accession": plan.sample_accession(sample)[0],
                "study_accession": plan.study_accession(profile.study)[0],
                "description": f"Severe acute respiratory syndrome coronavirus 2 genome assembly, complete genome: "
                f"monopartite, isolate {s['isolate']}",
                "collection_date": s["date_text"],
                "country": f"{s['country'].name}:{s['region']}",
                "host": s["host"].name,
                "host_tax_id": s["host"].taxon,
                "isolate": s["isolate"],
                "mol_type": "genomic RNA",
                "topology": "linear",
                "base_count": str(s["length"]),
                "sequence_md5": D.md5_hex(rng),
                "tax_id": D.SARS_COV_2[0],
                "scientific_name": D.SARS_COV_2[1],
                "first_public": s["first_public"],
                "last_updated": s["last_updated"],
            }

    write_json_array(fh, items())
