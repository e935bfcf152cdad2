"""PDBx/mmCIF entry headers (no coordinates), one ``data_`` block per structure, many blocks per file.

The categories and their layout follow the real 6M0J/6LU7 files in data/records/pdb: ``_entry``,
``_database_2``, ``_pdbx_audit_revision_history``, ``_pdbx_database_status``, ``_audit_author``,
``_citation``, ``_entity``, ``_entity_src_gen``, ``_chem_comp`` (standard residues and 0-5 ligands),
``_exptl``, ``_refine``/``_em_3d_reconstruction``, ``_struct``, ``_struct_keywords`` and
``_struct_ref`` naming the UniProt (UNP) entries of the polymers, always generated proteins.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from typing import Any, TextIO

from covid_portal.generate import distributions as D
from covid_portal.generate.plan import Plan

_BARE = re.compile(r"^[^\s'\"#_$;\[\]][^\s#]*$")
_RESIDUES = (
    ("ALA", "ALANINE", "C3 H7 N O2", "89.093"),
    ("GLY", "GLYCINE", "C2 H5 N O2", "75.067"),
    ("LEU", "LEUCINE", "C6 H13 N O2", "131.173"),
    ("SER", "SERINE", "C3 H7 N O3", "105.093"),
)
_TITLES = {
    "X-RAY DIFFRACTION": "Crystal structure",
    "ELECTRON MICROSCOPY": "Cryo-EM structure",
    "SOLUTION NMR": "NMR structure",
}
_HOSTS = (
    ("Escherichia coli", "562"),
    ("Homo sapiens", "9606"),
    ("Trichoplusia ni", "7111"),
    ("Spodoptera frugiperda", "7108"),
)


def cif(value: Any) -> str:
    """A CIF value: bare when it can be, else quoted (double quotes when it holds a single quote)."""
    if value is None:
        return "?"
    text = str(value)
    if text in ("?", ".") or _BARE.match(text):  # "." (inapplicable) and "?" (unknown) are bare
        return text
    return f'"{text}"' if "'" in text else f"'{text}'"


def _loop(fh: TextIO, category: str, items: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    fh.write("loop_\n")
    for item in items:
        fh.write(f"_{category}.{item} \n")
    for row in rows:
        fh.write(" ".join(cif(v) for v in row) + " \n")
    fh.write("# \n")


def _pairs(fh: TextIO, category: str, pairs: list[tuple[str, Any]]) -> None:
    width = max(len(item) for item, _ in pairs) + len(category) + 4
    for item, value in pairs:
        fh.write(f"_{category}.{item}".ljust(width) + cif(value) + " \n")
    fh.write("# \n")


def _block(plan: Plan, rng: random.Random, i: int, fh: TextIO) -> None:
    pdb_id = plan.pdb_id(i)
    proteins = list(dict.fromkeys(plan.protein_index(rng.random()) for _ in range(rng.choice((1, 1, 1, 2, 2, 3)))))
    released = dt.date(2020, 3, 1) + dt.timedelta(days=int(rng.random() * 1500))
    deposited = released - dt.timedelta(days=14 + int(rng.random() * 60))
    later = sorted(released + dt.timedelta(days=int(rng.random() * 900)) for _ in range(rng.randint(0, 3)))
    revisions = [released, *later]
    method = D.METHODS.draw(rng)
    names = [plan.protein(p) for p in proteins]
    subject = names[0][2]
    ligands = list(dict.fromkeys(D.LIGANDS.draw(rng) for _ in range(D.LIGAND_COUNT.draw(rng))))
    cited = plan.cited(rng.random()) if rng.random() < 0.7 else None
    authors = [f"{rng.choice(D.SURNAMES)}, {rng.choice(D.INITIALS)}." for _ in range(rng.randint(2, 6))]
    title = f"{_TITLES[method]} of {subject}" + (f" in complex with {ligands[-1][1].lower()}" if ligands else "")

    fh.write(f"data_{pdb_id}\n# \n_entry.id   {pdb_id} \n# \n")
    _loop(
        fh,
        "database_2",
        ("database_id", "database_code", "pdbx_database_accession", "pdbx_DOI"),
        [("PDB", pdb_id, f"pdb_0000{pdb_id.lower()}", f"10.2210/pdb{pdb_id.lower()}/pdb")],
    )
    _loop(
        fh,
        "pdbx_audit_revision_history",
        ("ordinal", "data_content_type", "major_revision", "minor_revision", "revision_date"),
        [
            (n, "Structure model", 1 if n == 1 else 2, 0 if n == 1 else n - 2, d.isoformat())
            for n, d in enumerate(revisions, 1)
        ],
    )
    _pairs(
        fh,
        "pdbx_database_status",
        [
            ("status_code", "REL"),
            ("entry_id", pdb_id),
            ("recvd_initial_deposition_date", deposited.isoformat()),
            ("deposit_site", rng.choice(("PDBE", "RCSB", "PDBJ"))),
            ("process_site", rng.choice(("PDBE", "RCSB", "PDBJ"))),
        ],
    )
    _loop(fh, "audit_author", ("name", "pdbx_ordinal"), [(a, n) for n, a in enumerate(authors, 1)])
    _pairs(
        fh,
        "citation",
        [
            ("id", "primary"),
            ("journal_abbrev", rng.choice(D.JOURNALS)[0] if cited else "To Be Published"),
            ("title", f"{title}." if cited else None),
            ("year", released.year if cited else None),
            ("pdbx_database_id_DOI", cited.doi if cited else None),
            ("pdbx_database_id_PubMed", cited.pmid if cited else None),
        ],
    )
    entities = [(n, "polymer", "man", p[2], f"{p[5] * 110.2:.3f}", rng.randint(1, 3)) for n, p in enumerate(names, 1)]
    entities += [
        (len(names) + n, "non-polymer", "syn", lig[1], lig[3], rng.randint(1, 4)) for n, lig in enumerate(ligands, 1)
    ]
    _loop(
        fh,
        "entity",
        ("id", "type", "src_method", "pdbx_description", "formula_weight", "pdbx_number_of_molecules"),
        entities,
    )
    host = rng.choice(_HOSTS)
    _loop(
        fh,
        "entity_src_gen",
        (
            "entity_id",
            "pdbx_gene_src_gene",
            "pdbx_gene_src_scientific_name",
            "pdbx_gene_src_ncbi_taxonomy_id",
            "pdbx_host_org_scientific_name",
            "pdbx_host_org_ncbi_taxonomy_id",
        ),
        [(n, p[4], D.ORGANISM_NAMES[p[3]], p[3], host[0], host[1]) for n, p in enumerate(names, 1)],
    )
    components = [(r[0], "L-peptide linking", "y", r[1], None, r[2], r[3]) for r in _RESIDUES]
    components += [(lig[0], "non-polymer", ".", lig[1], None, lig[2], lig[3]) for lig in ligands]
    _loop(
        fh,
        "chem_comp",
        ("id", "type", "mon_nstd_flag", "name", "pdbx_synonyms", "formula", "formula_weight"),
        sorted(components),
    )
    _pairs(fh, "exptl", [("entry_id", pdb_id), ("method", method)])
    if method == "X-RAY DIFFRACTION":
        _pairs(fh, "refine", [("entry_id", pdb_id), ("ls_d_res_high", f"{rng.uniform(1.1, 3.2):.4f}")])
    elif method == "ELECTRON MICROSCOPY":
        _pairs(fh, "em_3d_reconstruction", [("entry_id", pdb_id), ("resolution", f"{rng.uniform(2.2, 4.5):.2f}")])
    _pairs(fh, "struct", [("entry_id", pdb_id), ("title", title)])
    kind = "VIRAL PROTEIN" if names[0][3] != "9606" else "HYDROLASE"
    _pairs(
        fh,
        "struct_keywords",
        [("entry_id", pdb_id), ("text", f"SARS-CoV-2, COVID-19, {kind}"), ("pdbx_keywords", kind)],
    )
    _loop(
        fh,
        "struct_ref",
        ("id", "db_name", "db_code", "pdbx_db_accession", "entity_id", "pdbx_align_begin"),
        [(n, "UNP", p[1], p[0], n, 1) for n, p in enumerate(names, 1)],
    )


def structures(plan: Plan, rng: random.Random, indices: range, fh: TextIO) -> None:
    for i in indices:
        _block(plan, rng, i, fh)
