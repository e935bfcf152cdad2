"""Generators run by ``make gen`` besides LinkML's own (gen-shacl, gen-jsonld-context, gen-owl).

* ``terms``: ``covid_portal/terms.py``, one constant per class and slot of the schema, so loaders
  write ``S.sequence_length`` instead of spelling IRIs (and a renamed slot breaks at import time).
* ``prefixes``: ``ontology/prefixes.json``, the prefix map the IRI minter uses, resolved from
  Bioregistry for the identifier spaces listed in ``IRI_POLICY``.

Both outputs are committed; CI regenerates them and fails on any difference.
"""

from __future__ import annotations

import argparse
import json
import keyword
from pathlib import Path

from covid_portal import resources

# Which IRI is the *primary* IRI of an entity in each identifier space.
#   "rdf":  the source's own RDF IRI as Bioregistry records it (rdf_uri_format)
#   "obo":  the OBO PURL (Bioregistry's default URI format for OBO ontologies)
#   "identifiers": https://identifiers.org/<miriam prefix>:<id>
# ChEMBL publishes RDF IRIs for targets, assays, activities and documents that Bioregistry does
# not record; EXTRA_RDF lists them (from the ChEMBL-RDF release notes).
IRI_POLICY: dict[str, str] = {
    "uniprot": "rdf",
    "pdb": "rdf",
    "ncbitaxon": "rdf",
    "chembl.compound": "rdf",
    "chembl.target": "rdf",
    "chembl.assay": "rdf",
    "chembl.activity": "rdf",
    "chembl.document": "rdf",
    "pubchem.compound": "rdf",
    "chebi": "rdf",
    "go": "rdf",
    "doid": "rdf",
    "mondo": "rdf",
    "ncit": "rdf",
    "efo": "rdf",
    "orphanet": "rdf",
    "mi": "rdf",
    "mesh": "rdf",
    "orcid": "rdf",
    "ena.embl": "identifiers",
    "refseq": "identifiers",
    "biosample": "identifiers",
    "bioproject": "identifiers",
    "insdc.sra": "identifiers",
    "pride.project": "identifiers",
    "pubmed": "identifiers",
    "pmc": "identifiers",
    "doi": "identifiers",
    "ppr": "bioregistry",
    "pdb.ligand": "identifiers",
    "drugbank": "identifiers",
    "interpro": "identifiers",
    "pfam": "identifiers",
    "reactome": "identifiers",
    "ensembl": "identifiers",
    "ncbigene": "identifiers",
    "ncbiprotein": "identifiers",
    "intact": "identifiers",
    "geo": "identifiers",
    "arrayexpress": "identifiers",
    "ega.dataset": "identifiers",
    "ror": "rdf",
}

EXTRA_RDF: dict[str, str] = {
    "chembl.target": "http://rdf.ebi.ac.uk/resource/chembl/target/",
    "chembl.assay": "http://rdf.ebi.ac.uk/resource/chembl/assay/",
    "chembl.activity": "http://rdf.ebi.ac.uk/resource/chembl/activity/",
    "chembl.document": "http://rdf.ebi.ac.uk/resource/chembl/document/",
    "ror": "https://ror.org/",
    "orphanet": "http://www.orpha.net/ORDO/Orphanet_",  # the IRIs of ORDO and of EFO's imported Orphanet terms
}

# Identifier patterns Bioregistry lacks, so that a malformed id is rejected rather than minted.
# ChEMBL assays and documents are CHEMBL ids; ChEMBL-RDF names an activity CHEMBL_ACT_<activity_id>.
EXTRA_PATTERN: dict[str, str] = {
    "chembl.assay": "^CHEMBL\\d+$",
    "chembl.document": "^CHEMBL\\d+$",
    "chembl.activity": "^CHEMBL_ACT_\\d+$",
}


def build_prefix_map() -> dict[str, dict[str, object]]:
    """Resolve IRI_POLICY against Bioregistry into {prefix: {uri_prefix, synonyms, pattern}}."""
    import bioregistry

    out: dict[str, dict[str, object]] = {}
    taken: set[str] = set()  # a URI prefix may belong to one identifier space only
    for prefix, policy in sorted(IRI_POLICY.items()):
        resource = bioregistry.get_resource(prefix)
        synonyms: list[str] = []
        pattern = EXTRA_PATTERN.get(prefix) or (resource.get_pattern() if resource else None)
        identifiers = None
        if resource is not None:
            miriam = bioregistry.get_identifiers_org_iri(prefix, "$1")
            if miriam:
                identifiers = miriam.replace("$1", "")
        rdf = EXTRA_RDF.get(prefix)
        if rdf is None and resource is not None:
            fmt = resource.get_rdf_uri_format()
            rdf = fmt.replace("$1", "") if fmt and fmt.endswith("$1") else None
        if policy == "rdf" and rdf:
            primary = rdf
        elif policy in ("rdf", "identifiers") and identifiers:
            primary = identifiers
        else:
            primary = f"https://bioregistry.io/{prefix}:"
        for candidate in (rdf, identifiers, f"https://bioregistry.io/{prefix}:"):
            if candidate and candidate != primary and candidate not in synonyms:
                synonyms.append(candidate)
        if resource is not None:
            fmt = resource.get_uri_format()
            if fmt and fmt.endswith("$1"):
                page = fmt.replace("$1", "")
                if page != primary and page not in synonyms:
                    synonyms.append(page)
        synonyms = [s for s in synonyms if s not in taken]
        taken.update(synonyms)
        taken.add(primary)
        out[prefix] = {"uri_prefix": primary, "uri_prefix_synonyms": synonyms, "pattern": pattern}
    return out


def _ident(name: str) -> str:
    return f"{name}_" if keyword.iskeyword(name) else name


def render_terms() -> str:
    """Render covid_portal/terms.py from the schema."""
    from linkml_runtime.utils.schemaview import SchemaView

    view = SchemaView(str(resources.path(*resources.SCHEMA)))
    lines = [
        '"""Class and slot IRIs of the covid-portal schema.',
        "",
        "GENERATED by `make gen` (covid_portal/codegen.py) from ontology/covid_portal.yaml: do not edit.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from covid_portal.slots import ClassTerm, SlotTerm",
        "",
        f"VOCAB = {str(view.namespaces()[view.schema.default_prefix])!r}",
        "",
        "",
        "class C:",
        '    """Classes (rdf:type values)."""',
        "",
    ]
    for name in sorted(view.all_classes()):
        cls = view.get_class(name)
        if cls.abstract:
            continue
        uri = view.get_uri(cls, expand=True)
        lines.append(f"    {_ident(name)} = ClassTerm({name!r}, {uri!r})")
    lines += [
        "",
        "",
        "class S:",
        '    """Slots (predicates), with the range that decides a literal\'s datatype."""',
        "",
    ]
    types = {
        "string": None,
        "integer": "http://www.w3.org/2001/XMLSchema#integer",
        "float": "http://www.w3.org/2001/XMLSchema#float",
        "double": "http://www.w3.org/2001/XMLSchema#double",
        "boolean": "http://www.w3.org/2001/XMLSchema#boolean",
        "date": "http://www.w3.org/2001/XMLSchema#date",
        "datetime": "http://www.w3.org/2001/XMLSchema#dateTime",
    }
    for name in sorted(view.all_slots()):
        slot = view.get_slot(name)
        if slot.identifier:
            continue
        uri = view.get_uri(slot, expand=True)
        rng = slot.range or view.schema.default_range
        if rng in view.all_classes() or rng in ("uri", "uriorcurie"):
            kind, datatype = "iri", None
        elif rng in view.all_enums():
            kind, datatype = "literal", None
        else:
            kind, datatype = "literal", types.get(rng)
        lines.append(
            f"    {_ident(name)} = SlotTerm({name!r}, {uri!r}, {kind!r}, {datatype!r}, {bool(slot.multivalued)!r})"
        )
    entity_uris = sorted(
        view.get_uri(view.get_class(name), expand=True)
        for name in view.class_descendants("Entity", reflexive=False)
        if not view.get_class(name).abstract
    )
    lines += ["", "", "# Permissible values of each enum of the schema.", "ENUMS: dict[str, frozenset[str]] = {"]
    for name in sorted(view.all_enums()):
        values = sorted(view.get_enum(name).permissible_values or {})
        lines.append(f"    {name!r}: frozenset({values!r}),")
    lines.append("}")
    lines += [
        "",
        "",
        "# Classes that are `is_a: Entity` (accession, same_as, see_also, mentioned_in...): the portal's entities.",
        "ENTITY_CLASS_URIS = frozenset(",
        "    {",
        *[f"        {uri!r}," for uri in entity_uris],
        "    }",
        ")",
        "",
    ]
    return "\n".join(lines)


def render_model_doc() -> str:
    """Render docs/model.md: every class with its URI and slots, and a Mermaid diagram of the links."""
    from linkml_runtime.utils.schemaview import SchemaView

    view = SchemaView(str(resources.path(*resources.SCHEMA)))
    classes = sorted(view.all_classes())
    out = [
        "# The knowledge model",
        "",
        "GENERATED by `make gen` from `ontology/covid_portal.yaml` (covid_portal/codegen.py):"
        " edit the schema, not this file.",
        "",
        f"{view.schema.description}",
        "",
        "## How the classes link",
        "",
        "Each arrow is a slot whose range is another class (the slot name labels the arrow).",
        "",
        "```mermaid",
        "classDiagram",
    ]
    edges: list[str] = []
    for name in classes:
        cls = view.get_class(name)
        if cls.abstract:
            continue
        for slot in view.class_induced_slots(name):
            if slot.range in view.all_classes() and slot.name not in ("mentioned_in",):
                card = '"*"' if slot.multivalued else '"1"'
                edges.append(f"  {name} --> {card} {slot.range} : {slot.name}")
    out += sorted(set(edges))
    out += ["```", "", "## Classes", ""]
    for name in classes:
        cls = view.get_class(name)
        uri = view.get_uri(cls, expand=False)
        mappings = ", ".join(sorted((cls.exact_mappings or []) + (cls.close_mappings or [])))
        out.append(f"### {name}{' (abstract)' if cls.abstract else ''}")
        out.append("")
        out.append(f"`{uri}`" + (f" (also: {mappings})" if mappings else ""))
        out.append("")
        if cls.description:
            out += [" ".join(cls.description.split()), ""]
        out.append("| slot | predicate | range | card. |")
        out.append("|---|---|---|---|")
        for slot in sorted(view.class_induced_slots(name), key=lambda s: s.name):
            if slot.identifier:
                continue
            pred = view.get_uri(view.get_slot(slot.name), expand=False)
            card = ("1" if slot.required else "0") + ("..*" if slot.multivalued else "..1")
            out.append(f"| {slot.name} | `{pred}` | {slot.range or view.schema.default_range} | {card} |")
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["terms", "prefixes", "model-doc", "all"])
    args = parser.parse_args(argv)
    if args.what in ("terms", "all"):
        target = Path(__file__).with_name("terms.py")
        target.write_text(render_terms(), encoding="utf-8")
    if args.what in ("prefixes", "all"):
        target = resources.path(*resources.PREFIXES)
        target.write_text(json.dumps(build_prefix_map(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    if args.what in ("model-doc", "all"):
        target = resources.root() / "docs" / "model.md"
        target.write_text(render_model_doc(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
