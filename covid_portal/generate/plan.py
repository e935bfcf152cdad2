"""The record mix and the arithmetic that ties records together without keeping any of them.

:class:`Plan` knows only how many records of each kind there are; every identifier and every
cross-reference is a function of a record's index (and the seed's :class:`Hasher`). A read run
finds its experiment with ``run * experiments // runs``, the experiment its sample the same way, the
sample its study from its hashed share of the country table; a structure's UniProt accession is the
accession of a protein index below the protein count, and so on. So any N streams in constant
memory and every reference lands on a record that exists.

The mix (shares of N; documented in docs/generate.md):

=================  ==========================================================  ======
kind               format (loader)                                               share
=================  ==========================================================  ======
study              ENA portal API ``result=study`` JSON (ena)                    0.2 %
sample             ENA portal API ``result=sample`` JSON (ena)                  16 %
experiment         ENA portal API ``result=read_experiment`` TSV (ena)          18 %
read_run           ENA portal API ``result=read_run`` TSV (ena)                 28 %
sequence           ENA portal API ``result=sequence`` JSON (ena)                12 %
portal_sequence    COVID-19 Data Portal ``viral-sequences/sequences`` JSON      12 %
                   (ebisearch), with the Pango lineage
protein            UniProt REST search JSON (uniprot)                            1 %
structure          PDBx/mmCIF header (pdb)                                       0.5 %
proteomics         PRIDE Archive v2 project JSON (pride)                         0.05 %
target             ChEMBL web-service target page JSON (chembl)                  0.05 %
molecule           ChEMBL Elasticsearch molecule hits (chembl)                   2 %
assay              ChEMBL Elasticsearch assay hits (chembl)                      0.3 %
activity           ChEMBL Elasticsearch activity hits (chembl)                   6.85 %
document           ChEMBL Elasticsearch document hits (chembl)                   0.05 %
publication        Europe PMC REST search JSON, resultType=core (europepmc)      3 %
=================  ==========================================================  ======
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from covid_portal.generate import distributions as D

MIX: dict[str, float] = {
    "study": 0.002,
    "sample": 0.16,
    "experiment": 0.18,  # at least as many as samples: every sample has an experiment
    "read_run": 0.28,  # at least as many as experiments: every experiment has a run
    "sequence": 0.12,
    "portal_sequence": 0.12,
    "protein": 0.01,
    "structure": 0.005,
    "proteomics": 0.0005,
    "target": 0.0005,
    "molecule": 0.02,
    "assay": 0.003,
    "activity": 0.0685,
    "document": 0.0005,
    "publication": 0.03,
}

# hash tags (one per derived quantity)
T_SAMPLE_STUDY, T_SAMPLE_DATE, T_SAMPLE_HOST, T_SAMPLE_REGION, T_PREPRINT, T_PROTEIN_TAXON = range(1, 7)
T_PROTEIN_NAME, T_ASSAY_TARGET, T_ASSAY_DOC, T_TARGET_PROTEIN, T_SAMPLE_PRECISION = range(7, 12)
T_INSTRUMENT, T_LIBRARY = range(12, 14)


def split(n: int) -> dict[str, int]:
    """N as whole record counts per kind (largest remainder), each kind at least one when N allows."""
    kinds = list(MIX)
    total = sum(MIX.values())
    if n < len(kinds):
        return {k: (1 if i < n else 0) for i, k in enumerate(kinds)}
    rest = n - len(kinds)
    exact = {k: rest * MIX[k] / total for k in kinds}
    counts = {k: 1 + int(exact[k]) for k in kinds}
    left = n - sum(counts.values())
    for k in sorted(kinds, key=lambda k: (-(exact[k] - int(exact[k])), kinds.index(k)))[:left]:
        counts[k] += 1
    return counts


@dataclass(frozen=True)
class Publication:
    index: int
    pmid: str | None
    pmcid: str | None
    ppr: str | None
    doi: str
    preprint: bool


@dataclass(frozen=True)
class SampleProfile:
    country: D.Country
    region: str
    date: dt.date
    date_text: str  # as the submitter wrote it: the day, or only the month (7 %)
    host: D.Host
    study: int


class Plan:
    """Counts per kind, the seed's hasher, and every id and link as a function of an index."""

    def __init__(self, n: int, seed: int) -> None:
        self.n = n
        self.seed = seed
        self.counts = split(n)
        self.hash = D.Hasher(seed)

    def count(self, kind: str) -> int:
        return self.counts[kind]

    # ------------------------------------------------------------------ ENA
    @staticmethod
    def study_accession(i: int) -> tuple[str, str]:
        return f"PRJEB{37000 + i}", f"ERP{120000 + i}"

    @staticmethod
    def sample_accession(i: int) -> tuple[str, str]:
        return f"SAMEA{6600000 + i}", f"ERS{4400000 + i}"

    @staticmethod
    def run_accession(i: int) -> str:
        return f"ERR{4080000 + i}"

    @staticmethod
    def experiment_accession(i: int) -> str:
        return f"ERX{4000000 + i}"

    @staticmethod
    def sequence_accession(i: int) -> str:
        """ENA assembled-sequence accessions: two letters and six digits, OU000000 onwards."""
        letters = "UVWXYZ"
        block, number = divmod(i, 1_000_000)
        first, second = divmod(block, len(letters))
        return f"{'OMNLKJ'[first % 6]}{letters[second]}{number:06d}"

    def portal_sequence_index(self, i: int) -> int:
        """Portal sequences continue the ENA sequence accession range after the ENA-format ones."""
        return self.count("sequence") + i

    def study_country(self, study: int) -> D.Country:
        """A study's country: studies are spread over the country table in proportion to its weights."""
        return D.COUNTRY_TABLE.at((study + 0.5) / max(self.count("study"), 1))

    def sample_profile(self, i: int) -> SampleProfile:
        """What a sample and every run from it say about place, date and host."""
        h = self.hash
        studies = max(self.count("study"), 1)
        study = min(int(h.unit(T_SAMPLE_STUDY, i) * studies), studies - 1)
        country = self.study_country(study)
        region = country.regions[int(h.unit(T_SAMPLE_REGION, i) * len(country.regions))]
        date = D.collection_day(h.unit(T_SAMPLE_DATE, i))
        text = date.isoformat() if h.unit(T_SAMPLE_PRECISION, i) < 0.93 else date.isoformat()[:7]
        return SampleProfile(country, region, date, text, D.HOSTS.at(h.unit(T_SAMPLE_HOST, i)), study)

    def experiment_sample(self, experiment: int) -> int:
        """The sample an experiment (library) was made from: every sample has one or two."""
        return experiment * max(self.count("sample"), 1) // max(self.count("experiment"), 1)

    def run_experiment(self, run: int) -> int:
        """The experiment a run belongs to: every experiment has one or two runs."""
        return run * max(self.count("experiment"), 1) // max(self.count("read_run"), 1)

    def run_sample(self, run: int) -> int:
        return self.experiment_sample(self.run_experiment(run))

    def experiment_design(self, experiment: int) -> tuple[D.Instrument, str]:
        """(instrument, library strategy) of an experiment, which each of its runs repeats."""
        h = self.hash
        return D.INSTRUMENTS.at(h.unit(T_INSTRUMENT, experiment)), D.LIBRARY_STRATEGIES.at(
            h.unit(T_LIBRARY, experiment)
        )

    def sequence_sample(self, sequence: int) -> int:
        """The sample an ENA-format sequence was assembled from (portal-format sequences name none)."""
        return sequence * max(self.count("sample"), 1) // max(self.count("sequence"), 1)

    # ------------------------------------------------------------------ proteins and structures
    def protein(self, i: int) -> tuple[str, str, str, str, str | None, int]:
        """(accession, entry name, protein name, taxon, gene, length) of protein ``i``."""
        if i < len(D.PROTEOME):
            p = D.PROTEOME[i]
            return p.accession, p.entry_name, p.name, p.taxon, p.gene, p.length
        taxon, _, mnemonic, names = D.OTHER_TAXA.at(self.hash.unit(T_PROTEIN_TAXON, i))
        name, gene = names[int(self.hash.unit(T_PROTEIN_NAME, i) * len(names))]
        accession = self.trembl_accession(i)
        length = 80 + int(self.hash.unit(T_PROTEIN_NAME, i + 7_000_000_000) * 1400)
        return accession, f"{accession}_{mnemonic}", name, taxon, gene, length

    @staticmethod
    def trembl_accession(i: int) -> str:
        """A 10-character UniProtKB accession (A0A...), unique per index."""
        alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        digits = []
        for radix in (10, 36, 36, 26, 10, 36, 36):
            i, r = divmod(i, radix)
            digits.append(r)
        d2, c4, c3, l1, d1, c2, c1 = digits
        return f"A0A{alnum[c1]}{alnum[c2]}{d1}{alnum[10 + l1]}{alnum[c3]}{alnum[c4]}{d2}"

    def protein_index(self, u: float) -> int:
        """A protein for a structure or target: mostly the SARS-CoV-2 proteome and its host factors."""
        proteins = self.count("protein")
        if u < 0.8:
            return D.heavy_index(u / 0.8, min(len(D.PROTEOME), proteins), 2.0)
        return min(int((u - 0.8) / 0.2 * proteins), proteins - 1)

    @staticmethod
    def pdb_id(i: int) -> str:
        """A PDB id: a digit, a letter, two letters or digits (7A00 ...): 303 264 distinct ids."""
        alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        block, rest = divmod(i, 26 * 36 * 36)
        letter, rest = divmod(rest, 36 * 36)
        third, fourth = divmod(rest, 36)
        return f"{'789654321'[block % 9]}{alnum[10 + letter]}{alnum[third]}{alnum[fourth]}"

    # ------------------------------------------------------------------ ChEMBL
    @staticmethod
    def molecule_id(i: int) -> str:
        return f"CHEMBL{5100000 + i}"

    @staticmethod
    def assay_id(i: int) -> str:
        return f"CHEMBL{6400000 + i}"

    @staticmethod
    def target_id(i: int) -> str:
        return f"CHEMBL{6700000 + i}"

    @staticmethod
    def document_id(i: int) -> str:
        return f"CHEMBL{6800000 + i}"

    @staticmethod
    def activity_id(i: int) -> int:
        return 21000000 + i

    def assay_target(self, assay: int) -> int:
        """Half the assays are against the organism target (0), the rest against protein targets."""
        targets = self.count("target")
        u = self.hash.unit(T_ASSAY_TARGET, assay)
        return 0 if u < 0.5 or targets == 1 else 1 + min(int((u - 0.5) / 0.5 * (targets - 1)), targets - 2)

    def assay_document(self, assay: int) -> int:
        return D.heavy_index(self.hash.unit(T_ASSAY_DOC, assay), self.count("document"), 1.5)

    def target_protein(self, target: int) -> int:
        return self.protein_index(self.hash.unit(T_TARGET_PROTEIN, target))

    # ------------------------------------------------------------------ literature
    def publication(self, i: int) -> Publication:
        """Identifiers of publication ``i``: a PubMed article (some in PMC) or a bioRxiv/medRxiv preprint."""
        u = self.hash.unit(T_PREPRINT, i)
        if u < 0.15:
            date = D.START + dt.timedelta(days=int(u / 0.15 * 1400))
            return Publication(i, None, None, f"PPR{200000 + i}", f"10.1101/{date:%Y.%m.%d}.{20000000 + i}", True)
        pmcid = f"PMC{7100000 + i}" if u > 0.55 else None
        return Publication(i, str(32100000 + i), pmcid, None, f"10.{1000 + i % 9000}/covid.{i}", False)

    def cited(self, u: float) -> Publication | None:
        """A generated journal article (never a preprint: other sources cite by PubMed id) for a record to cite."""
        pubs = self.count("publication")
        start = int(u * pubs)
        for k in range(min(pubs, 50)):
            pub = self.publication((start + k) % pubs)
            if pub.pmid:
                return pub
        return None
