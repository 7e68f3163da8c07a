"""Invariants of the ontology and the shapes: the public contract users' queries rely on."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from tech_graph.load import ontology_path, shapes_path
from tech_graph.namespaces import ONTOLOGY_IRI, SEM, TG
from tech_graph.vocab import TG as TG_NS

OWL = "http://www.w3.org/2002/07/owl#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"


@pytest.fixture(scope="module")
def onto() -> ox.Store:
    store = ox.Store()
    store.load(path=str(ontology_path()))
    return store


def ask(store: ox.Store, where: str) -> list[str]:
    rows = store.query(f"SELECT DISTINCT ?x WHERE {{ {where} }} ORDER BY ?x",
                       prefixes={"owl": OWL, "rdfs": RDFS, "tg": TG, "sem": SEM})
    return [row["x"].value for row in rows]  # type: ignore[union-attr]


def our_terms(store: ox.Store, kind: str) -> list[str]:
    return [t for t in ask(store, f"?x a {kind}") if t.startswith(TG)]


def test_ontology_header(onto: ox.Store) -> None:
    assert ask(onto, f"<{ONTOLOGY_IRI}> owl:versionInfo ?x"), "owl:versionInfo is missing"
    assert ask(onto, f"<{ONTOLOGY_IRI}> a owl:Ontology . BIND(1 AS ?x)")


@pytest.mark.parametrize("kind", ["owl:Class", "owl:ObjectProperty", "owl:DatatypeProperty", "owl:AnnotationProperty"])
def test_every_term_has_label_and_comment(onto: ox.Store, kind: str) -> None:
    terms = our_terms(onto, kind)
    assert terms
    ours = "FILTER STRSTARTS(STR(?x), STR(tg:))"
    assert ask(onto, f"?x a {kind} FILTER NOT EXISTS {{ ?x rdfs:label ?l }} {ours}") == []
    assert ask(onto, f"?x a {kind} FILTER NOT EXISTS {{ ?x rdfs:comment ?c }} {ours}") == []


@pytest.mark.parametrize("kind", ["owl:ObjectProperty", "owl:DatatypeProperty"])
def test_every_property_has_domain_and_range(onto: ox.Store, kind: str) -> None:
    assert ask(onto, f"?x a {kind} FILTER NOT EXISTS {{ ?x rdfs:domain ?d }}") == []
    assert ask(onto, f"?x a {kind} FILTER NOT EXISTS {{ ?x rdfs:range ?r }}") == []


REQUIRED_EVENT_CLASSES = [
    "Investigation", "AntitrustRules", "IPOSuspension", "ForcedDivestment", "UnwindLawsuit", "Ban",
    "Acquisition", "Divestment", "IPO", "ShareBuyback", "ValuationDrop", "ExecutiveDisappearance",
    "OfferOfHelp", "ExpansionOrHiring", "PolicyAnnouncement",
]


@pytest.mark.parametrize("name", REQUIRED_EVENT_CLASSES)
def test_event_classes_are_sem_events(onto: ox.Store, name: str) -> None:
    assert ask(onto, f"tg:{name} rdfs:subClassOf+ sem:Event . BIND(1 AS ?x)"), f"tg:{name} is not a sem:Event"


def test_measurement_classes(onto: ox.Store) -> None:
    assert set(ask(onto, "?x rdfs:subClassOf tg:Measurement")) == {TG + "RevenueShare", TG + "UserCount"}


def test_roles_are_sub_properties_of_has_actor(onto: ox.Store) -> None:
    roles = [t for t in our_terms(onto, "owl:ObjectProperty") if t.removeprefix(TG).startswith("has")]
    assert len(roles) >= 10
    assert ask(onto, "?x rdfs:subPropertyOf sem:hasActor") == roles


def test_vocab_matches_ontology(onto: ox.Store) -> None:
    declared = {t.removeprefix(TG) for t in ask(onto, "?x ?p ?o") if t.startswith(TG)}
    assert declared == set(TG_NS.__annotations__)
    with pytest.raises(AttributeError):
        TG_NS.Compny  # noqa: B018 - a typo must fail loudly


def test_shapes_parse_and_target_our_classes() -> None:
    shapes = ox.Store()
    shapes.load(path=str(shapes_path()))
    targets = ask(shapes, "?s <http://www.w3.org/ns/shacl#targetClass> ?x")
    assert SEM + "Event" in targets and TG + "Excerpt" in targets and TG + "Relationship" in targets
