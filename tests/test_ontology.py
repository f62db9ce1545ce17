"""The ontology and the shapes are well formed, documented and in step with docs/model.md."""

from __future__ import annotations

import re

import pyoxigraph
import pytest
from conftest import KG, ONTOLOGY_PATH, ROOT, SH, SHAPES_PATH
from rdflib import OWL, RDF, RDFS, SKOS, Graph, URIRef
from rdflib.collection import Collection

MODEL_DOC = ROOT / "docs" / "model.md"
DECLARED_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


def kg_terms(graph: Graph, rdf_type: URIRef) -> set[URIRef]:
    return {s for s in graph.subjects(RDF.type, rdf_type) if str(s).startswith(str(KG))}


def english(graph: Graph, subject: URIRef, predicate: URIRef) -> list[str]:
    return [
        str(o) for o in graph.objects(subject, predicate) if getattr(o, "language", None) == "en"
    ]


def superclasses(graph: Graph, cls: URIRef) -> set[URIRef]:
    return set(graph.transitive_objects(cls, RDFS.subClassOf))


def classes_of(graph: Graph, node) -> set:
    """A class expression's named classes (the members of an owl:unionOf, or the class itself)."""
    union = graph.value(node, OWL.unionOf)
    return set(Collection(graph, union)) if union is not None else {node}


@pytest.mark.parametrize("path", [ONTOLOGY_PATH, SHAPES_PATH], ids=lambda p: p.name)
def test_parses_with_rdflib(path):
    assert len(Graph().parse(path, format="turtle")) > 100


@pytest.mark.parametrize("path", [ONTOLOGY_PATH, SHAPES_PATH], ids=lambda p: p.name)
def test_parses_with_pyoxigraph(path):
    triples = list(pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE))
    assert len(triples) > 100


def test_ontology_header(ontology):
    header = URIRef("https://w3id.org/kgtool/ontology")
    assert (header, RDF.type, OWL.Ontology) in ontology
    for predicate in ("title", "description", "license"):
        assert ontology.value(header, URIRef(f"http://purl.org/dc/terms/{predicate}")) is not None
    assert ontology.value(header, OWL.versionInfo) is not None
    assert not list(ontology.objects(None, OWL.imports)), "reuse by rdfs:seeAlso, not owl:imports"


@pytest.mark.parametrize("rdf_type", DECLARED_TYPES, ids=lambda t: t.split("#")[-1])
def test_every_kg_term_has_english_label_and_definition(ontology, rdf_type):
    terms = kg_terms(ontology, rdf_type)
    assert terms or rdf_type == OWL.AnnotationProperty
    for term in terms:
        assert len(english(ontology, term, RDFS.label)) == 1, f"{term} needs one rdfs:label @en"
        assert len(english(ontology, term, SKOS.definition)) == 1, (
            f"{term} needs one skos:definition @en"
        )


def test_every_kg_concept_has_english_label_definition_and_scheme(ontology):
    concepts = kg_terms(ontology, SKOS.Concept)
    # modalities, approximations, time resolutions, trend directions, reading kinds
    assert len(concepts) == 9 + 4 + 2 + 2 + 7
    for concept in concepts:
        assert len(english(ontology, concept, SKOS.prefLabel)) == 1, concept
        assert len(english(ontology, concept, SKOS.definition)) == 1, concept
        scheme = ontology.value(concept, SKOS.inScheme)
        assert (scheme, RDF.type, SKOS.ConceptScheme) in ontology, concept
        assert (scheme, SKOS.hasTopConcept, concept) in ontology, concept


def test_no_kg_iri_is_both_a_class_and_an_individual(ontology):
    classes = kg_terms(ontology, OWL.Class)
    individuals = kg_terms(ontology, SKOS.Concept) | kg_terms(ontology, SKOS.ConceptScheme)
    assert not classes & individuals


def test_no_property_is_both_object_and_datatype_property(ontology):
    both = set(ontology.subjects(RDF.type, OWL.ObjectProperty)) & set(
        ontology.subjects(RDF.type, OWL.DatatypeProperty)
    )
    assert not both


def test_every_kg_term_of_the_model_exists(ontology):
    used = set(re.findall(r"\bkg:([A-Za-z][A-Za-z0-9]*)", MODEL_DOC.read_text(encoding="utf-8")))
    defined = {str(s)[len(str(KG)) :] for s in ontology.subjects() if str(s).startswith(str(KG))}
    missing = sorted(used - defined)
    assert not missing, f"terms named in docs/model.md but not in the ontology: {missing}"


def test_entity_valued_fact_properties_are_sub_properties_of_involves(ontology):
    entity_classes = {
        c for c in ontology.subjects(RDF.type, OWL.Class) if KG.Entity in superclasses(ontology, c)
    }
    checked = 0
    for prop in kg_terms(ontology, OWL.ObjectProperty) - {KG.involves}:
        ranges = set(ontology.objects(prop, RDFS.range))
        domains = set().union(
            *(classes_of(ontology, d) for d in ontology.objects(prop, RDFS.domain))
        )
        on_facts = any(KG.Fact in superclasses(ontology, d) for d in domains)
        if on_facts and ranges & entity_classes:
            checked += 1
            assert KG.involves in set(ontology.transitive_objects(prop, RDFS.subPropertyOf)), prop
    assert checked >= 20


def test_every_kg_class_has_a_shape(ontology, shapes):
    targeted = set(shapes.objects(None, SH.targetClass))
    missing = sorted(str(c) for c in kg_terms(ontology, OWL.Class) if c not in targeted)
    assert not missing, f"classes without a shape (sh:targetClass): {missing}"


def test_every_constraint_has_a_message(shapes):
    constraints = set(shapes.objects(None, SH.property)) | set(shapes.objects(None, SH.sparql))
    assert len(constraints) > 100
    for node in constraints:
        assert english(shapes, node, SH.message), f"constraint without an sh:message @en: {node}"


def test_node_level_constraints_have_a_message(shapes):
    node_level = (SH.nodeKind, SH["not"], SH["or"], SH["class"], SH.datatype, SH.pattern)
    for shape in shapes.subjects(RDF.type, SH.NodeShape):
        if any(shapes.value(shape, p) is not None for p in node_level):
            assert english(shapes, shape, SH.message), shape


def test_sparql_constraints_are_named_and_declare_their_prefixes(shapes):
    declared = URIRef("https://w3id.org/kgtool/shapes")
    assert (declared, RDF.type, OWL.Ontology) in shapes
    for node in set(shapes.objects(None, SH.sparql)):
        assert isinstance(node, URIRef), "name every SPARQL constraint so reports can cite it"
        assert shapes.value(node, SH.prefixes) == declared, node
        assert "$this" in str(shapes.value(node, SH.select)), node


def test_enumerations_in_shapes_match_the_concept_schemes(ontology, shapes):
    schemes = {
        KG.modality: KG.ModalityScheme,
        KG.approximation: KG.ApproximationScheme,
        KG.resolution: KG.TimeResolutionScheme,
        KG.trendDirection: KG.TrendDirectionScheme,
    }
    for prop, scheme in schemes.items():
        members = set(ontology.subjects(SKOS.inScheme, scheme))
        lists = [shapes.value(ps, SH["in"]) for ps in shapes.subjects(SH.path, prop)]
        lists = [lst for lst in lists if lst is not None]
        assert lists, prop
        for lst in lists:
            assert set(Collection(shapes, lst)) == members, prop
