"""The network projections on hand-made awkward cases, against the graph worked out by hand.

Each expected value below follows from the Turtle in AWKWARD and the rules in `network.py`
and `model.py`: English labels first, then untagged; a role goes by each of its labels or
its local name; the least (quote, source) pair; a relationship with a begin and no end is
open; undated events stay in the network (they cannot be placed in time, not dropped);
literals and blank nodes are no actors.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import pytest

from tech_graph import network
from tech_graph.load import user_sources
from tech_graph.namespaces import TG, TGR
from tech_graph.store import OxigraphStore, memory_store

AWKWARD = """
@prefix tg: <https://w3id.org/tech-graph/ontology#> .
@prefix tgr: <https://w3id.org/tech-graph/id/> .
@prefix sem: <http://semanticweb.cs.vu.nl/2009/11/sem/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

tgr:x-a a tg:Company ; rdfs:label "艾克斯"@zh, "Xa"@en, "Xa plain" ; schema:alternateName "X-A", "Ξ", "X-A" ;
    prov:wasDerivedFrom tgr:x-q1, tgr:x-q2, tgr:x-bg .
tgr:x-b a tg:Company, tg:Platform ; rdfs:label "Xb"@zh ; prov:wasDerivedFrom tgr:x-bg, tgr:x-bg2 .
tgr:x-c a tg:Regulator .
_:blank a tg:Company ; rdfs:label "a blank node is no actor" .
tgr:x-q1 a tg:Excerpt ; prov:value "  zeta \\n  quote " ; prov:wasQuotedFrom tgr:x-doc1 .
tgr:x-q2 a tg:Excerpt ; prov:value "alpha quote"@en ; prov:wasQuotedFrom tgr:x-doc1, tgr:x-doc2 .
tgr:x-q3 a tg:Excerpt ; prov:value "no document" .
tgr:x-doc1 rdfs:label "Doc one"@en, "Doc eins"@de ; schema:url <https://example.org/1> .
tgr:x-doc2 schema:url "https://example.org/2" .
tgr:x-bg a tg:BackgroundSource .
tgr:x-bg2 a tg:BackgroundSource ; rdfs:label "background two" ; schema:url <https://example.org/bg2> .
tg:hasXRole rdfs:subPropertyOf tg:hasTarget ; rdfs:label "x role"@en, "x-Rolle"@de .
tg:hasYRole rdfs:subPropertyOf sem:hasActor .
tgr:x-event a tg:Investigation, tg:Ban ; rdfs:label "X 事件"@zh, "X event"@en-GB ;
    sem:hasBeginTimeStamp "2020-05"^^xsd:gYearMonth ; sem:hasEndTimeStamp "2021"^^xsd:gYear ;
    tg:hasXRole tgr:x-a ; tg:hasYRole tgr:x-b ; sem:hasActor tgr:x-c, tgr:x-a, "a literal is no actor" ;
    prov:wasDerivedFrom tgr:x-q2, tgr:x-q3 ; tg:status tg:Planned .
tgr:x-late a tg:Investigation ; rdfs:label "late" ; sem:hasTimeStamp "2021-03-04"^^xsd:date ;
    sem:hasActor tgr:x-a, tgr:x-b, tgr:x-c ; prov:wasDerivedFrom tgr:x-bg2 .
tgr:x-undated a tg:Investigation ; sem:hasActor tgr:x-a, tgr:x-b .
tgr:x-baddate a tg:Investigation ; sem:hasTimeStamp "soon" ; sem:hasActor tgr:x-a, tgr:x-c .
tgr:x-lonely a tg:IPO ; sem:hasTimeStamp "2020"^^xsd:gYear ; sem:hasActor tgr:x-c .
tgr:x-rel a tg:Stake ; tg:source tgr:x-a ; tg:target tgr:x-b ; sem:hasBeginTimeStamp "2019"^^xsd:gYear .
tgr:x-rel2 a tg:Ownership ; rdfs:label "owns"@en ; tg:source tgr:x-c ; tg:target tgr:x-a ;
    sem:hasBeginTimeStamp "2020-01-02"^^xsd:date ; sem:hasEndTimeStamp "2020-12"^^xsd:gYearMonth ;
    prov:wasDerivedFrom tgr:x-q1 .
tgr:x-rel3 a tg:Ownership ; tg:source tgr:x-c ; tg:target tgr:nobody .
"""

DOC1 = "Doc eins <https://example.org/1>"  # the least of its two labels, with its URL
BG2 = "background two <https://example.org/bg2>"
# actor -> (label, class, alternate names, quote, source)
ACTORS = {
    "x-a": ("Xa", "Company", {"X-A", "Ξ"}, "zeta quote", DOC1),  # "  zeta ..." sorts before "alpha ..."
    "x-b": ("Xb", "Company", set(), "", BG2),  # "background two" before tgr:x-bg
    "x-c": ("x-c", "Regulator", set(), "", ""),
}
X_EVENT = ("Investigation", "X event", "May 2020 – 2021", "2020-05-01", "2021-12-31", "planned", "alpha quote", DOC1)
X_LATE = ("Investigation", "late", "4 Mar 2021", "2021-03-04", "2021-03-04", "", "", BG2)
UNDATED = ("Investigation", "x-undated", "", "", "", "", "", "")
BADDATE = ("Investigation", "x-baddate", "", "", "", "", "", "")
# (actor, actor, edge key) -> (relation, label, date, start, end, status, quote, source), roles, from, to
EDGES = {
    ("x-a", "x-b", "x-event"): (X_EVENT, "Xa: hasActor, x role, x-Rolle; Xb: hasYRole", "", ""),
    ("x-a", "x-c", "x-event"): (X_EVENT, "Xa: hasActor, x role, x-Rolle; x-c: hasActor", "", ""),
    ("x-b", "x-c", "x-event"): (X_EVENT, "Xb: hasYRole; x-c: hasActor", "", ""),
    ("x-a", "x-b", "x-late"): (X_LATE, "Xa: hasActor; Xb: hasActor", "", ""),
    ("x-a", "x-c", "x-late"): (X_LATE, "Xa: hasActor; x-c: hasActor", "", ""),
    ("x-b", "x-c", "x-late"): (X_LATE, "Xb: hasActor; x-c: hasActor", "", ""),
    ("x-a", "x-b", "x-undated"): (UNDATED, "Xa: hasActor; Xb: hasActor", "", ""),
    ("x-a", "x-c", "x-baddate"): (BADDATE, "Xa: hasActor; x-c: hasActor", "", ""),
    ("x-a", "x-b", "x-rel"): (("Stake", "x-rel", "2019", "2019-01-01", "", "", "", ""),
                              "Xa: source actor; Xb: target actor", "x-a", "x-b"),
    ("x-a", "x-c", "x-rel2"): (("Ownership", "owns", "2 Jan 2020 – Dec 2020", "2020-01-02", "2020-12-31", "",
                                "zeta quote", DOC1), "x-c: source actor; Xa: target actor", "x-c", "x-a"),
}


@pytest.fixture(scope="module")
def awkward(tmp_path_factory: pytest.TempPathFactory) -> OxigraphStore:
    path = tmp_path_factory.mktemp("awkward") / "awkward.ttl"
    path.write_text(AWKWARD, encoding="utf-8")
    return memory_store(user_sources([path]))


def local(iri: str) -> str:
    return iri.removeprefix(TGR).removeprefix(TG)


def hand_made(graph: nx.Graph[str]) -> list[str]:
    return sorted(n for n in graph if n.startswith(TGR + "x-"))


def actor_nodes(graph: nx.Graph[str]) -> dict[str, tuple[Any, ...]]:
    out = {}
    for n in hand_made(graph):
        d = graph.nodes[n]
        if d["kind"] == "actor":
            alt = set(d["alt_names"].split("; ")) - {""}
            out[local(n)] = (d["label"], local(d["class"]), alt, d["quote"], d["source"])
    return out


@pytest.mark.parametrize("until", [None, "2020-06"])
def test_actor_network_is_the_hand_made_graph(awkward: OxigraphStore, until: str | None) -> None:
    graph = network.actor_network(awkward, until=until)
    assert actor_nodes(graph) == ACTORS
    edges = {}
    for u, v, key, d in graph.subgraph(hand_made(graph)).edges(keys=True, data=True):
        a, b = sorted((local(u), local(v)))
        edges[(a, b, local(key))] = ((local(d["relation_iri"]), d["event_label"], d["date"], d["start"], d["end"],
                                      d["status"], d["quote"], d["source"]), d["roles"], local(d["from_actor"]),
                                     local(d["to_actor"]))
    # as of June 2020, what began later is gone; what has no date cannot be placed and stays
    assert edges == {k: v for k, v in EDGES.items() if until is None or k[2] != "x-late"}
    assert TGR + "nobody" not in graph  # x-rel3 points at no actor


def test_event_actor_network_is_the_hand_made_graph(awkward: OxigraphStore) -> None:
    graph = network.event_actor_network(awkward)
    assert actor_nodes(graph) == ACTORS
    events = {local(n): (local(graph.nodes[n]["class"]), graph.nodes[n]["date"]) for n in hand_made(graph)
              if graph.nodes[n]["kind"] == "event"}
    assert events == {"x-event": ("Investigation", "May 2020 – 2021"), "x-late": ("Investigation", "4 Mar 2021"),
                      "x-undated": ("Investigation", ""), "x-baddate": ("Investigation", ""),
                      "x-lonely": ("IPO", "2020")}
    roles = {tuple(sorted((local(u), local(v)))): d["role"]
             for u, v, d in graph.subgraph(hand_made(graph)).edges(data=True)}
    assert roles == {
        ("x-a", "x-event"): "hasActor, x role, x-Rolle", ("x-b", "x-event"): "hasYRole",
        ("x-c", "x-event"): "hasActor", ("x-a", "x-late"): "hasActor", ("x-b", "x-late"): "hasActor",
        ("x-c", "x-late"): "hasActor", ("x-a", "x-undated"): "hasActor", ("x-b", "x-undated"): "hasActor",
        ("x-a", "x-baddate"): "hasActor", ("x-baddate", "x-c"): "hasActor", ("x-c", "x-lonely"): "hasActor",
    }


def test_the_same_store_gives_the_same_graph_in_the_same_order(awkward: OxigraphStore) -> None:
    """Nodes go in IRI order, whatever order the store returns rows in."""
    graph = network.actor_network(awkward)
    assert list(graph.nodes) == sorted(graph.nodes)


def graph_contents(graph: nx.Graph[str]) -> tuple[Any, ...]:
    return dict(graph.graph), list(graph.nodes(data=True)), list(graph.edges(keys=True, data=True))


@pytest.mark.parametrize("until", [None, "2020-06"])
@pytest.mark.parametrize(("center", "depth"), [("ant-group", 1), ("ant-group", 2), ("cfius", 3), ("jack-ma", 1)])
def test_a_neighbourhood_read_on_its_own_is_the_one_cut_from_the_whole(store: OxigraphStore, center: str, depth: int,
                                                                        until: str | None) -> None:
    """neighbors, path and render --focus read step by step; the answer is the whole network's."""
    iri = TGR + center
    whole = network.ego(network.actor_network(store, until=until), iri, depth)
    local = network.ego(network.actor_network(store, until=until, around=(iri, depth)), iri, depth)
    assert graph_contents(local) == graph_contents(whole)
    assert network.neighbors_text(local, iri, depth) == network.neighbors_text(whole, iri, depth)


def test_a_path_read_step_by_step_is_the_whole_networks(store: OxigraphStore) -> None:
    whole = network.actor_network(store)
    for a, b in [("cfius", "hellobike"), ("jack-ma", "tiktok"), ("india", "facebook")]:
        graph, source, target, _ = network.connection(store, TGR + a, TGR + b)
        assert network.paths_text(graph, source, target) == network.paths_text(whole, source, target)
