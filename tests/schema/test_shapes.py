"""The hand-written shapes use only the SHACL Core subset the pipeline's fast validator implements."""

from __future__ import annotations

import rdflib
from rdflib.namespace import RDF, RDFS, SH

from covid_portal import resources

SHAPE_NS = "https://w3id.org/covid-portal/shapes/"
NODE_SHAPE_KEYS = {RDF.type, RDFS.comment, SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.property}
PROPERTY_SHAPE_KEYS = {
    SH.path, SH.minCount, SH.maxCount, SH.datatype, SH.nodeKind, SH["class"], SH.pattern, SH.flags, SH["in"],
    SH.minInclusive, SH.maxInclusive, SH.minLength, SH.maxLength, SH.message, SH.severity, RDFS.comment,
}  # fmt: skip


def _extra() -> rdflib.Graph:
    return rdflib.Graph().parse(resources.path(*resources.HAND_SHAPES), format="turtle")


def test_extra_shapes_use_the_supported_subset() -> None:
    graph = _extra()
    shapes = set(graph.subjects(RDF.type, SH.NodeShape))
    assert shapes, "no node shapes"
    for shape in shapes:
        assert str(shape).startswith(SHAPE_NS), shape
        assert set(graph.predicates(shape)) <= NODE_SHAPE_KEYS, (shape, set(graph.predicates(shape)) - NODE_SHAPE_KEYS)
        assert any(graph.objects(shape, t) for t in (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf)), shape
        for prop in graph.objects(shape, SH.property):
            keys = set(graph.predicates(prop))
            assert keys <= PROPERTY_SHAPE_KEYS, (shape, keys - PROPERTY_SHAPE_KEYS)
            path = graph.value(prop, SH.path)
            assert isinstance(path, rdflib.URIRef), f"{shape}: sh:path must be a single IRI, not {path!r}"
            assert graph.value(prop, SH.message) is not None, f"{shape}: every constraint says what is wrong"
    # nothing but the node shapes and their property shapes
    described = shapes | set(graph.objects(None, SH.property))
    in_lists = {o for s in graph.objects(None, SH["in"]) for o in rdflib.collection.Collection(graph, s)}
    assert set(graph.subjects()) - described - in_lists <= set(), set(graph.subjects()) - described


def test_extra_shapes_target_schema_classes() -> None:
    from linkml_runtime.utils.schemaview import SchemaView

    view = SchemaView(str(resources.path(*resources.SCHEMA)))
    class_uris = {view.get_uri(c, expand=True) for c in view.all_classes()}
    for target in _extra().objects(None, SH.targetClass):
        assert str(target) in class_uris, f"{target} is not the class_uri of a schema class"
