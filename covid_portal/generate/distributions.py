"""The realistic distributions the synthetic records are drawn from, and the seeded hash they use.

Two kinds of randomness:

* a per-file ``random.Random`` (seeded from seed, record kind and file number) for values no other
  record needs to know;
* :class:`Hasher`: a stateless hash of (seed, tag, index) -> uniform number, for values that other
  records must recompute without storing anything (a sample's country and collection date, which its
  runs repeat; a publication's kind, which decides whether other records may cite it by PubMed id).

The tables are coarse but shaped like the COVID-19 Data Portal's holdings: sequencing heavily
concentrated in a few countries (United Kingdom, USA, Germany, Denmark, ...), collection dates in
waves from 2020 to 2023, the Pango lineage of the day (B.1 and B.1.177 in 2020, Alpha from late 2020,
Delta in 2021, Omicron BA.1/BA.2/BA.5 in 2022, XBB and JN.1 in 2023), almost every host human, and
Illumina/Oxford Nanopore instruments.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Generic, TypeVar

T = TypeVar("T")
_MASK = (1 << 64) - 1
_TWO64 = float(1 << 64)


# ---------------------------------------------------------------------- seeded hashing
def _splitmix(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


class Hasher:
    """Uniform numbers as a pure function of (seed, tag, index): the same answer wherever it is asked."""

    def __init__(self, seed: int) -> None:
        self.base = int.from_bytes(hashlib.sha256(f"covid-portal-generate:{seed}".encode()).digest()[:8], "big")
        self.keys = [_splitmix(self.base ^ (tag << 44)) for tag in range(64)]

    def bits(self, tag: int, index: int) -> int:
        return _splitmix(self.keys[tag] ^ index)

    def unit(self, tag: int, index: int) -> float:
        return self.bits(tag, index) / _TWO64


def md5_hex(rng: random.Random) -> str:
    """32 hex digits, an MD5-like checksum."""
    return f"{rng.getrandbits(128):032x}"


def file_rng(seed: int, kind: str, number: int) -> random.Random:
    """The generator for one output file: string seeds are hashed with SHA-512, so stable across runs."""
    return random.Random(f"{seed}/{kind}/{number}")


# ---------------------------------------------------------------------- weighted tables
@dataclass(frozen=True)
class Weighted(Generic[T]):
    """Values with weights, drawn by inverse CDF from one uniform number (so a hash can drive it)."""

    values: tuple[T, ...]
    cumulative: tuple[float, ...]

    @classmethod
    def of(cls, pairs: Sequence[tuple[T, float]]) -> Weighted[T]:
        total = sum(w for _, w in pairs)
        return cls(tuple(v for v, _ in pairs), tuple(c / total for c in accumulate(w for _, w in pairs)))

    def at(self, u: float) -> T:
        return self.values[min(bisect.bisect_right(self.cumulative, u), len(self.values) - 1)]

    def draw(self, rng: random.Random) -> T:
        return self.at(rng.random())


def heavy_index(u: float, n: int, power: float = 3.0) -> int:
    """An index in [0, n) with a heavy head: index 0 is the most likely (big studies, popular compounds)."""
    return min(int(n * u**power), n - 1)


# ---------------------------------------------------------------------- places
@dataclass(frozen=True)
class Country:
    name: str  # INSDC country vocabulary
    weight: float  # share of the portal's sequences, roughly
    regions: tuple[str, ...]
    centers: tuple[str, ...]
    code: str  # three-letter code used in isolate names


COUNTRIES: tuple[Country, ...] = (
    Country(
        "United Kingdom",
        3000,
        ("England", "Scotland", "Wales", "Northern Ireland"),
        ("Wellcome Sanger Institute", "COG-UK", "Public Health England"),
        "GBR",
    ),
    Country(
        "USA",
        1500,
        ("California", "New York", "Texas", "Washington", "Massachusetts", "Florida", "Michigan"),
        ("CDC", "Broad Institute", "University of Washington"),
        "USA",
    ),
    Country(
        "Germany",
        650,
        ("Berlin", "Bavaria", "Hamburg", "North Rhine-Westphalia"),
        ("Robert Koch Institute", "Charite Universitaetsmedizin Berlin"),
        "DEU",
    ),
    Country("Denmark", 560, ("Hovedstaden", "Midtjylland", "Syddanmark"), ("Statens Serum Institut",), "DNK"),
    Country("Switzerland", 180, ("Zurich", "Geneva", "Basel"), ("ETH Zurich", "University Hospital Geneva"), "CHE"),
    Country("France", 170, ("Ile-de-France", "Auvergne-Rhone-Alpes"), ("Institut Pasteur",), "FRA"),
    Country("Sweden", 150, ("Stockholm", "Vastra Gotaland"), ("Public Health Agency of Sweden",), "SWE"),
    Country("Netherlands", 120, ("North Holland", "South Holland"), ("RIVM", "Erasmus MC"), "NLD"),
    Country("Japan", 110, ("Tokyo", "Osaka"), ("National Institute of Infectious Diseases",), "JPN"),
    Country("Canada", 100, ("Ontario", "Quebec", "British Columbia"), ("Public Health Agency of Canada",), "CAN"),
    Country("Spain", 90, ("Madrid", "Catalonia", "Valencia"), ("SeqCOVID-Spain",), "ESP"),
    Country("Belgium", 80, ("Flanders", "Brussels"), ("KU Leuven",), "BEL"),
    Country("Ireland", 60, ("Dublin", "Cork"), ("University College Dublin",), "IRL"),
    Country("Austria", 55, ("Vienna", "Tyrol"), ("CeMM", "AGES"), "AUT"),
    Country("Italy", 50, ("Lombardy", "Lazio"), ("Istituto Superiore di Sanita",), "ITA"),
    Country("India", 45, ("Maharashtra", "Delhi", "Kerala"), ("NCDC", "CSIR-IGIB"), "IND"),
    Country("Brazil", 40, ("Sao Paulo", "Rio de Janeiro", "Amazonas"), ("Fiocruz",), "BRA"),
    Country("South Africa", 35, ("Gauteng", "Western Cape", "KwaZulu-Natal"), ("NICD", "KRISP"), "ZAF"),
    Country("Australia", 30, ("New South Wales", "Victoria"), ("Doherty Institute",), "AUS"),
    Country("Norway", 25, ("Oslo",), ("Norwegian Institute of Public Health",), "NOR"),
    Country("Finland", 20, ("Uusimaa",), ("THL",), "FIN"),
    Country("Poland", 18, ("Masovia",), ("National Institute of Public Health",), "POL"),
    Country("Czech Republic", 15, ("Prague",), ("National Institute of Public Health",), "CZE"),
    Country("Portugal", 14, ("Lisbon",), ("INSA",), "PRT"),
    Country("Israel", 12, ("Tel Aviv",), ("Ministry of Health Israel",), "ISR"),
    Country("Slovakia", 10, ("Bratislava",), ("Slovak Academy of Sciences",), "SVK"),
    Country("Kenya", 8, ("Nairobi", "Kilifi"), ("KEMRI-Wellcome Trust",), "KEN"),
    Country("Nigeria", 6, ("Lagos",), ("NCDC Nigeria",), "NGA"),
    Country("Peru", 5, ("Lima",), ("Instituto Nacional de Salud",), "PER"),
    Country("Greece", 5, ("Attica",), ("Biomedical Research Foundation Academy of Athens",), "GRC"),
)
COUNTRY_TABLE: Weighted[Country] = Weighted.of([(c, c.weight) for c in COUNTRIES])


# ---------------------------------------------------------------------- dates
START = dt.date(2020, 1, 1)
END = dt.date(2023, 12, 31)
DAYS = (END - START).days + 1

# (centre, width in days, height): the epidemic waves as sequenced (sequencing ramped up over 2020)
_WAVES = (
    (dt.date(2020, 4, 1), 25, 0.6),
    (dt.date(2020, 11, 15), 30, 1.4),
    (dt.date(2021, 1, 5), 25, 2.6),  # Alpha
    (dt.date(2021, 7, 20), 45, 3.0),  # Delta
    (dt.date(2021, 12, 28), 18, 5.0),  # Omicron BA.1
    (dt.date(2022, 3, 20), 25, 3.2),  # BA.2
    (dt.date(2022, 7, 5), 30, 2.2),  # BA.5
    (dt.date(2022, 11, 1), 40, 1.2),
    (dt.date(2023, 3, 1), 60, 0.6),
    (dt.date(2023, 10, 1), 60, 0.35),
)


def _day_weight(day: int) -> float:
    date = START + dt.timedelta(days=day)
    weight = 0.03
    for centre, width, height in _WAVES:
        weight += height * math.exp(-0.5 * ((date - centre).days / width) ** 2)
    return weight


_DAY_CUMULATIVE = tuple(
    c / s for s in [sum(_day_weight(d) for d in range(DAYS))] for c in accumulate(_day_weight(d) for d in range(DAYS))
)


def collection_day(u: float) -> dt.date:
    """A collection date in 2020-2023, following the sequencing waves."""
    return START + dt.timedelta(days=min(bisect.bisect_right(_DAY_CUMULATIVE, u), DAYS - 1))


def publication_lag(rng: random.Random) -> int:
    """Days from collection to first public release (one to ten weeks, sometimes months)."""
    return int(7 + rng.expovariate(1 / 25))


# ---------------------------------------------------------------------- lineages
# (lineage, first day seen, peak, last day seen, relative size): prevalence is a triangle over the period
_LINEAGES = (
    ("B", "2020-01-01", "2020-02-15", "2020-05-01", 0.6),
    ("B.1", "2020-02-15", "2020-04-01", "2020-10-01", 1.0),
    ("B.1.1", "2020-03-01", "2020-05-01", "2020-11-01", 0.8),
    ("B.1.1.7", "2020-10-01", "2021-01-15", "2021-07-01", 2.5),
    ("B.1.177", "2020-06-01", "2020-10-15", "2021-02-01", 1.2),
    ("B.1.351", "2020-11-01", "2021-02-15", "2021-06-01", 0.15),
    ("P.1", "2020-12-15", "2021-03-15", "2021-08-01", 0.15),
    ("B.1.617.2", "2021-04-01", "2021-07-15", "2021-12-31", 1.5),
    ("AY.4", "2021-05-01", "2021-09-01", "2022-01-15", 1.6),
    ("AY.4.2", "2021-08-01", "2021-11-01", "2022-01-31", 0.7),
    ("BA.1", "2021-11-20", "2021-12-25", "2022-03-01", 1.5),
    ("BA.1.1", "2021-12-01", "2022-01-10", "2022-03-15", 1.4),
    ("BA.2", "2022-01-01", "2022-03-20", "2022-07-01", 2.2),
    ("BA.4", "2022-04-01", "2022-06-15", "2022-09-01", 0.4),
    ("BA.5", "2022-04-15", "2022-07-01", "2022-10-01", 1.2),
    ("BA.5.2", "2022-05-15", "2022-08-01", "2022-12-01", 1.0),
    ("BQ.1.1", "2022-09-01", "2022-11-20", "2023-02-15", 0.9),
    ("CH.1.1", "2022-10-15", "2023-01-15", "2023-04-01", 0.4),
    ("XBB.1.5", "2022-12-01", "2023-03-01", "2023-08-01", 1.0),
    ("XBB.1.16", "2023-02-15", "2023-05-15", "2023-09-01", 0.5),
    ("EG.5.1", "2023-05-01", "2023-09-01", "2023-12-31", 0.6),
    ("BA.2.86", "2023-08-01", "2023-10-01", "2023-12-31", 0.2),
    ("JN.1", "2023-09-15", "2023-12-31", "2023-12-31", 0.8),
)


def _lineage_tables() -> tuple[Weighted[str], ...]:
    """One lineage table per month of 2020-2023 (index: months since January 2020)."""
    tables = []
    for month in range(48):
        mid = dt.date(2020 + month // 12, month % 12 + 1, 15)
        pairs = []
        for name, first, peak, last, size in _LINEAGES:
            a, p, b = (dt.date.fromisoformat(x) for x in (first, peak, last))
            if a <= mid <= b:
                span = (mid - a).days / max((p - a).days, 1) if mid <= p else (b - mid).days / max((b - p).days, 1)
                pairs.append((name, size * (0.05 + span)))
        tables.append(Weighted.of(pairs or [("B.1", 1.0)]))
    return tuple(tables)


_LINEAGE_BY_MONTH = _lineage_tables()


def lineage(date: dt.date, u: float) -> str:
    """The Pango lineage of a sequence collected on ``date``."""
    month = min(max((date.year - 2020) * 12 + date.month - 1, 0), 47)
    return _LINEAGE_BY_MONTH[month].at(u)


# ---------------------------------------------------------------------- hosts
@dataclass(frozen=True)
class Host:
    name: str  # as submitters write it (scientific name)
    taxon: str


HOSTS: Weighted[Host] = Weighted.of(
    [
        (Host("Homo sapiens", "9606"), 99.2),
        (Host("Neovison vison", "452646"), 0.3),  # farmed mink (Denmark, Netherlands 2020)
        (Host("Odocoileus virginianus", "9874"), 0.15),  # white-tailed deer
        (Host("Felis catus", "9685"), 0.1),
        (Host("Mesocricetus auratus", "10036"), 0.08),  # experimental infections
        (Host("Canis lupus familiaris", "9615"), 0.05),
        (Host("Chlorocebus sabaeus", "60711"), 0.04),
        (Host("Panthera tigris", "9694"), 0.02),
        (Host("Rhinolophus affinis", "59477"), 0.02),  # horseshoe bat
        (Host("Mus musculus", "10090"), 0.04),
    ]
)
HOST_CODE = {
    "Homo sapiens": "human",
    "Neovison vison": "mink",
    "Odocoileus virginianus": "deer",
    "Felis catus": "cat",
    "Mesocricetus auratus": "hamster",
    "Canis lupus familiaris": "dog",
    "Chlorocebus sabaeus": "monkey",
    "Panthera tigris": "tiger",
    "Rhinolophus affinis": "bat",
    "Mus musculus": "mouse",
}

SARS_COV_2 = ("2697049", "Severe acute respiratory syndrome coronavirus 2")


# ---------------------------------------------------------------------- sequencing
@dataclass(frozen=True)
class Instrument:
    platform: str
    model: str
    layout: str
    reads: float  # median read count (log-normal)
    read_length: int


INSTRUMENTS: Weighted[Instrument] = Weighted.of(
    [
        (Instrument("ILLUMINA", "Illumina NovaSeq 6000", "PAIRED", 900_000, 150), 22),
        (Instrument("ILLUMINA", "NextSeq 500", "PAIRED", 600_000, 150), 14),
        (Instrument("ILLUMINA", "Illumina MiSeq", "PAIRED", 300_000, 250), 16),
        (Instrument("ILLUMINA", "NextSeq 550", "PAIRED", 600_000, 150), 6),
        (Instrument("ILLUMINA", "NextSeq 2000", "PAIRED", 800_000, 150), 5),
        (Instrument("ILLUMINA", "Illumina HiSeq 2500", "PAIRED", 1_200_000, 125), 3),
        (Instrument("ILLUMINA", "Illumina iSeq 100", "PAIRED", 200_000, 150), 2),
        (Instrument("OXFORD_NANOPORE", "GridION", "SINGLE", 150_000, 450), 15),
        (Instrument("OXFORD_NANOPORE", "MinION", "SINGLE", 100_000, 450), 10),
        (Instrument("OXFORD_NANOPORE", "PromethION", "SINGLE", 250_000, 450), 3),
        (Instrument("ION_TORRENT", "Ion Torrent S5", "SINGLE", 400_000, 200), 2),
        (Instrument("PACBIO_SMRT", "Sequel II", "SINGLE", 50_000, 1500), 1),
    ]
)
LIBRARY_STRATEGIES: Weighted[str] = Weighted.of([("AMPLICON", 88), ("WGS", 6), ("RNA-Seq", 4), ("Targeted-Capture", 2)])


def read_count(rng: random.Random, instrument: Instrument) -> int:
    return max(1000, int(rng.lognormvariate(math.log(instrument.reads), 0.8)))


# ---------------------------------------------------------------------- proteins
@dataclass(frozen=True)
class ProteinSeed:
    accession: str
    entry_name: str
    name: str
    gene: str
    taxon: str
    length: int


# The SARS-CoV-2 reference proteome (UniProt UP000464024) and the human host factors studied with it.
PROTEOME: tuple[ProteinSeed, ...] = (
    ProteinSeed("P0DTD1", "R1AB_SARS2", "Replicase polyprotein 1ab", "rep", "2697049", 7096),
    ProteinSeed("P0DTC2", "SPIKE_SARS2", "Spike glycoprotein", "S", "2697049", 1273),
    ProteinSeed("P0DTC9", "NCAP_SARS2", "Nucleoprotein", "N", "2697049", 419),
    ProteinSeed("P0DTC1", "R1A_SARS2", "Replicase polyprotein 1a", "rep", "2697049", 4405),
    ProteinSeed("P0DTC3", "AP3A_SARS2", "ORF3a protein", "3a", "2697049", 275),
    ProteinSeed("P0DTC4", "VEMP_SARS2", "Envelope small membrane protein", "E", "2697049", 75),
    ProteinSeed("P0DTC5", "VME1_SARS2", "Membrane protein", "M", "2697049", 222),
    ProteinSeed("P0DTC6", "NS6_SARS2", "ORF6 protein", "6", "2697049", 61),
    ProteinSeed("P0DTC7", "NS7A_SARS2", "ORF7a protein", "7a", "2697049", 121),
    ProteinSeed("P0DTD8", "NS7B_SARS2", "ORF7b protein", "7b", "2697049", 43),
    ProteinSeed("P0DTC8", "NS8_SARS2", "ORF8 protein", "8", "2697049", 121),
    ProteinSeed("P0DTD2", "ORF9B_SARS2", "ORF9b protein", "9b", "2697049", 97),
    ProteinSeed("P0DTD3", "Y14_SARS2", "Putative ORF9c protein", "9c", "2697049", 73),
    ProteinSeed("Q9BYF1", "ACE2_HUMAN", "Angiotensin-converting enzyme 2", "ACE2", "9606", 805),
    ProteinSeed("O15393", "TMPS2_HUMAN", "Transmembrane protease serine 2", "TMPRSS2", "9606", 492),
    ProteinSeed("P09958", "FURIN_HUMAN", "Furin", "FURIN", "9606", 794),
    ProteinSeed("O14786", "NRP1_HUMAN", "Neuropilin-1", "NRP1", "9606", 923),
    ProteinSeed("P07711", "CATL1_HUMAN", "Procathepsin L", "CTSL", "9606", 333),
    ProteinSeed("P27487", "DPP4_HUMAN", "Dipeptidyl peptidase 4", "DPP4", "9606", 766),
    ProteinSeed("Q01628", "IFM3_HUMAN", "Interferon-induced transmembrane protein 3", "IFITM3", "9606", 133),
    ProteinSeed("P00973", "OAS1_HUMAN", "2'-5'-oligoadenylate synthase 1", "OAS1", "9606", 400),
    ProteinSeed("Q99720", "SGMR1_HUMAN", "Sigma non-opioid intracellular receptor 1", "SIGMAR1", "9606", 223),
    ProteinSeed("P62820", "RAB1A_HUMAN", "Ras-related protein Rab-1A", "RAB1A", "9606", 205),
    ProteinSeed("P62937", "PPIA_HUMAN", "Peptidyl-prolyl cis-trans isomerase A", "PPIA", "9606", 165),
)

# Other proteins: (taxon, organism, mnemonic suffix, weight, (name, gene) pool)
_VIRAL_NAMES = (
    ("Spike glycoprotein", "S"),
    ("Nucleoprotein", "N"),
    ("ORF1ab polyprotein", "ORF1ab"),
    ("Membrane protein", "M"),
    ("Envelope small membrane protein", "E"),
    ("ORF3a protein", "ORF3a"),
    ("ORF8 protein", "ORF8"),
    ("ORF7a protein", "ORF7a"),
)
_HUMAN_NAMES = (
    ("Basigin", "BSG"),
    ("Lymphocyte antigen 6E", "LY6E"),
    ("Interferon alpha/beta receptor 2", "IFNAR2"),
    ("Non-receptor tyrosine-protein kinase TYK2", "TYK2"),
    ("C-C chemokine receptor type 2", "CCR2"),
    ("Histone deacetylase 2", "HDAC2"),
    ("Ras-related protein Rab-7a", "RAB7A"),
    ("Interleukin-6", "IL6"),
    ("Toll-like receptor 7", "TLR7"),
    ("Cathepsin B", "CTSB"),
    ("Heme oxygenase 1", "HMOX1"),
    ("Stimulator of interferon genes protein", "STING1"),
    ("Uncharacterized protein", None),
)
OTHER_TAXA: Weighted[tuple[str, str, str, tuple[tuple[str, str | None], ...]]] = Weighted.of(
    [
        (("9606", "Homo sapiens", "HUMAN", _HUMAN_NAMES), 55),
        (("2697049", "Severe acute respiratory syndrome coronavirus 2", "SARS2", _VIRAL_NAMES), 25),
        (("694009", "Severe acute respiratory syndrome coronavirus", "SARS", _VIRAL_NAMES), 6),
        (("1335626", "Middle East respiratory syndrome-related coronavirus", "MERS1", _VIRAL_NAMES), 4),
        (("2709072", "Bat coronavirus RaTG13", "BCRTG", _VIRAL_NAMES), 3),
        (("10090", "Mus musculus", "MOUSE", _HUMAN_NAMES), 4),
        (("60711", "Chlorocebus sabaeus", "CHLSB", _HUMAN_NAMES), 3),
    ]
)
ORGANISM_NAMES = {
    "2697049": SARS_COV_2[1],
    "9606": "Homo sapiens",
    "694009": "Severe acute respiratory syndrome coronavirus",
    "1335626": "Middle East respiratory syndrome-related coronavirus",
    "2709072": "Bat coronavirus RaTG13",
    "10090": "Mus musculus",
    "60711": "Chlorocebus sabaeus",
}
GO_TERMS = (
    "GO:0005829",
    "GO:0016020",
    "GO:0019031",
    "GO:0039654",
    "GO:0046718",
    "GO:0005886",
    "GO:0044423",
    "GO:0005515",
    "GO:0042802",
    "GO:0006508",
    "GO:0039520",
    "GO:0075509",
    "GO:0019062",
    "GO:0005576",
)


# ---------------------------------------------------------------------- structures
METHODS: Weighted[str] = Weighted.of([("X-RAY DIFFRACTION", 70), ("ELECTRON MICROSCOPY", 27), ("SOLUTION NMR", 3)])
# (component id, name, formula, weight): common PDB ligands plus fragment-screen hits
LIGANDS: Weighted[tuple[str, str, str, str]] = Weighted.of(
    [
        (("NAG", "2-acetamido-2-deoxy-beta-D-glucopyranose", "C8 H15 N O6", "221.208"), 30),
        (("ZN", "ZINC ION", "Zn 2", "65.409"), 12),
        (("CL", "CHLORIDE ION", "Cl -1", "35.453"), 10),
        (("SO4", "SULFATE ION", "O4 S -2", "96.063"), 10),
        (("GOL", "GLYCEROL", "C3 H8 O3", "92.094"), 10),
        (("EDO", "1,2-ETHANEDIOL", "C2 H6 O2", "62.068"), 8),
        (("DMS", "DIMETHYL SULFOXIDE", "C2 H6 O S", "78.133"), 8),
        (("PEG", "DI(HYDROXYETHYL)ETHER", "C4 H10 O3", "106.120"), 5),
        (("NA", "SODIUM ION", "Na 1", "22.990"), 5),
        (("MG", "MAGNESIUM ION", "Mg 2", "24.305"), 4),
        (("BMA", "beta-D-mannopyranose", "C6 H12 O6", "180.156"), 4),
        (("02J", "5-METHYLISOXAZOLE-3-CARBOXYLIC ACID", "C5 H5 N O3", "127.098"), 2),
        (("PJE", "(E,4S)-4-[(phenylmethyl)oxycarbonylamino]pent-2-enoic acid", "C13 H15 N O4", "249.262"), 2),
        (("4WI", "Nirmatrelvir", "C23 H32 F3 N5 O4", "499.526"), 3),
        (("GRL", "GRL0617", "C20 H20 N2 O", "304.386"), 2),
        (("SAM", "S-ADENOSYLMETHIONINE", "C15 H22 N6 O5 S", "398.437"), 2),
        (("ANP", "PHOSPHOAMINOPHOSPHONIC ACID-ADENYLATE ESTER", "C10 H17 N6 O12 P3", "506.196"), 1),
        (("F86", "remdesivir triphosphate", "C12 H16 N5 O13 P3", "531.200"), 1),
        (("K36", "GC376", "C21 H31 N3 O8 S", "485.551"), 2),
    ]
)
LIGAND_COUNT: Weighted[int] = Weighted.of([(0, 25), (1, 30), (2, 20), (3, 12), (4, 8), (5, 5)])


# ---------------------------------------------------------------------- chemistry
DRUG_NAMES = (
    "REMDESIVIR",
    "NIRMATRELVIR",
    "MOLNUPIRAVIR",
    "FAVIPIRAVIR",
    "HYDROXYCHLOROQUINE",
    "CHLOROQUINE",
    "LOPINAVIR",
    "RITONAVIR",
    "IVERMECTIN",
    "DEXAMETHASONE",
    "BARICITINIB",
    "TOCILIZUMAB",
    "CAMOSTAT",
    "NAFAMOSTAT",
    "ENSITRELVIR",
    "BOCEPREVIR",
    "TELAPREVIR",
    "AZITHROMYCIN",
    "NITAZOXANIDE",
    "FLUVOXAMINE",
    "COLCHICINE",
    "TOFISOPAM",
    "APILIMOD",
    "NELFINAVIR",
    "ATAZANAVIR",
)
ASSAY_KINDS = (
    (
        "F",
        "Antiviral activity against SARS-CoV-2 ({strain} strain) measured by {readout} in {cell} cells at MOI {moi}",
        "organism-based format",
        "BAO_0000218",
        ("IC50", "EC50", "Inhibition", "Hit score"),
    ),
    (
        "B",
        "Inhibition of SARS-CoV-2 {protein} using FRET substrate",
        "single protein format",
        "BAO_0000357",
        ("IC50", "Ki", "Inhibition"),
    ),
    (
        "T",
        "Cytotoxicity in {cell} cells assessed as reduction in cell viability by CellTiter-Glo assay",
        "cell-based format",
        "BAO_0000219",
        ("CC50", "Viability"),
    ),
    ("A", "Metabolic stability in human liver microsomes", "subcellular format", "BAO_0000251", ("T1/2", "CL")),
)
CELLS = (
    ("Vero E6", "60711"),
    ("Calu-3", "9606"),
    ("Caco-2", "9606"),
    ("HRCE", "9606"),
    ("A549-ACE2", "9606"),
    ("Huh-7", "9606"),
)
UNITS = {
    "IC50": "nM",
    "EC50": "nM",
    "Ki": "nM",
    "CC50": "nM",
    "Inhibition": "%",
    "Hit score": None,
    "Viability": "%",
    "T1/2": "min",
    "CL": "mL.min-1.g-1",
}
ACTIVITY_RELATIONS: Weighted[str] = Weighted.of([("=", 85), (">", 10), ("<", 5)])


# ---------------------------------------------------------------------- literature
JOURNALS = (
    ("Nature", "0028-0836"),
    ("Science", "0036-8075"),
    ("Cell", "0092-8674"),
    ("The Lancet", "0140-6736"),
    ("N Engl J Med", "0028-4793"),
    ("Nat Commun", "2041-1723"),
    ("PLoS Pathog", "1553-7366"),
    ("J Virol", "0022-538X"),
    ("Viruses", "1999-4915"),
    ("Euro Surveill", "1025-496X"),
    ("Virus Evol", "2057-1577"),
    ("Cell Host Microbe", "1931-3128"),
    ("J Med Chem", "0022-2623"),
    ("Proc Natl Acad Sci U S A", "0027-8424"),
    ("Emerg Infect Dis", "1080-6040"),
)
TOPICS = (
    "genomic surveillance of SARS-CoV-2 lineage {lineage} in {country}",
    "structural basis of {protein} inhibition by small molecules",
    "transmission dynamics of the {lineage} variant in {country}",
    "neutralising antibody escape by SARS-CoV-2 {lineage}",
    "proteomic profiling of SARS-CoV-2 infected {cell} cells",
    "drug repurposing screen against SARS-CoV-2 {protein}",
    "SARS-CoV-2 infection in {host} populations",
    "long-term outcomes after COVID-19 in {country}",
)
SURNAMES = (
    "Smith",
    "Jones",
    "Williams",
    "Brown",
    "Taylor",
    "Muller",
    "Schmidt",
    "Jensen",
    "Nielsen",
    "Hansen",
    "Garcia",
    "Martinez",
    "Rossi",
    "Dubois",
    "Wang",
    "Li",
    "Zhang",
    "Chen",
    "Liu",
    "Kumar",
    "Singh",
    "Tanaka",
    "Sato",
    "Silva",
    "Santos",
    "Kim",
    "Lee",
    "Park",
    "Andersson",
    "Johansson",
    "Murphy",
    "O'Sullivan",
    "Novak",
    "Kowalski",
    "Cohen",
    "Okafor",
    "Mwangi",
    "Naidoo",
    "de Oliveira",
    "Peeters",
)
INITIALS = "ABCDEFGHIJKLMNOPRSTVW"
MESH = (
    ("D000086382", "COVID-19"),
    ("D000086402", "SARS-CoV-2"),
    ("D006801", "Humans"),
    ("D017153", "Genome, Viral"),
    ("D014780", "Viral Proteins"),
    ("D000998", "Antiviral Agents"),
    ("D064370", "Spike Glycoprotein, Coronavirus"),
    ("D058917", "Pandemics"),
    ("D017360", "Phylogeny"),
)
