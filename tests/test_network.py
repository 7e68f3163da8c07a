"""The networkx projections and the graph questions, on the shipped graph, as the library and the CLI."""

from __future__ import annotations

from typing import Any

import networkx as nx
import pyoxigraph as ox
import pytest

from tech_graph import network
from tech_graph.cli import cli
from tech_graph.errors import InputError
from tech_graph.namespaces import TG, TGR
from tech_graph.store import Select

CFIUS, BYTEDANCE, HELLOBIKE, ANT = TGR + "cfius", TGR + "bytedance", TGR + "hellobike", TGR + "ant-group"


def count(store: Any, sparql: str) -> int:
    result = store.query(sparql)
    assert isinstance(result, Select)
    (value,) = result.rows[0]
    assert isinstance(value, ox.Literal)
    return int(value.value)


def test_every_actor_is_a_node_and_nothing_else(store: Any, actors: nx.MultiGraph[str]) -> None:
    expected = count(store, "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a/rdfs:subClassOf* tg:Actor }")
    assert actors.number_of_nodes() == expected
    assert all(n.startswith(TGR) for n in actors)  # IRIs only: no literals, classes or schema terms
    assert not any(n.startswith(TG) for n in actors)


def test_edge_count_is_actor_pairs_per_event_plus_relationships(store: Any, actors: nx.MultiGraph[str]) -> None:
    pairs = count(store, """SELECT (COUNT(*) AS ?n) WHERE {
        { SELECT DISTINCT ?e ?a ?b WHERE {
            ?e a/rdfs:subClassOf* sem:Event ; ?r ?a ; ?s ?b .
            ?r rdfs:subPropertyOf* sem:hasActor . ?s rdfs:subPropertyOf* sem:hasActor .
            ?a a/rdfs:subClassOf* tg:Actor . ?b a/rdfs:subClassOf* tg:Actor .
            FILTER (STR(?a) < STR(?b)) } } }""")
    links = count(store, """SELECT (COUNT(DISTINCT ?rel) AS ?n) WHERE {
        ?rel a/rdfs:subClassOf* tg:Relationship ; tg:source ?a ; tg:target ?b }""")
    assert actors.number_of_edges() == pairs + links


def test_known_event_edge_has_its_attributes(actors: nx.MultiGraph[str]) -> None:
    edge = actors.get_edge_data(CFIUS, BYTEDANCE)[TGR + "musically-divestment-order"]
    assert edge["relation"] == "Forced divestment"
    assert edge["relation_iri"] == TG + "ForcedDivestment"
    assert edge["event_label"] == "US orders ByteDance to divest Musical.ly"
    assert (edge["date"], edge["start"], edge["end"]) == ("14 Aug 2020", "2020-08-14", "2020-08-14")
    assert "regulator" in edge["roles"] and "target" in edge["roles"]
    assert edge["quote"] and edge["source"]


def test_known_relationship_edge_keeps_direction_and_precision(actors: nx.MultiGraph[str]) -> None:
    stake = actors.get_edge_data(ANT, HELLOBIKE)[TGR + "rel-ant-stake-hellobike"]
    assert (stake["relation"], stake["from_actor"], stake["to_actor"]) == ("Stake", ANT, HELLOBIKE)
    assert stake["quote"] == "At least one sale might include its stake in Chinese bike-sharing startup Hellobike."
    owns = actors.get_edge_data(TGR + "facebook", TGR + "instagram")[TGR + "rel-facebook-owns-instagram"]
    assert (owns["date"], owns["start"], owns["end"]) == ("2012", "2012-01-01", "")  # begun, still held


def test_nodes_take_colour_and_shape_from_the_ontology(store: Any, actors: nx.MultiGraph[str]) -> None:
    hints = store.query("SELECT ?colour ?shape WHERE { tg:Regulator tg:colour ?colour ; tg:shape ?shape }")
    assert isinstance(hints, Select)
    colour, shape = (t.value for t in hints.rows[0] if t is not None)
    cfius = actors.nodes[CFIUS]
    assert (cfius["class"], cfius["class_label"], cfius["kind"]) == (TG + "Regulator", "Regulator", "actor")
    assert (cfius["colour"], cfius["shape"]) == (colour, shape)
    assert "阿里巴巴" in actors.nodes[TGR + "alibaba"]["alt_names"]


def test_until_keeps_only_what_had_begun(store: Any, actors: nx.MultiGraph[str]) -> None:
    early = network.actor_network(store, until="2020-06")
    assert 0 < early.number_of_edges() < actors.number_of_edges()
    assert all(not d["start"] or d["start"] <= "2020-06-30" for _, _, d in early.edges(data=True))
    assert not early.has_edge(CFIUS, BYTEDANCE)  # the Musical.ly order came in August 2020


def test_event_actor_network_is_two_mode_with_roles(two_mode: nx.Graph[str]) -> None:
    kinds = {d["kind"] for _, d in two_mode.nodes(data=True)}
    assert kinds == {"event", "actor"}
    assert nx.is_bipartite(two_mode)
    assert two_mode.edges[TGR + "musically-divestment-order", CFIUS]["role"] == "regulator"
    roles = two_mode.edges[TGR + "stayntouch-divestment-order", TGR + "beijing-shiji"]["role"]
    assert roles == "target"  # ordered to divest; no source says it sold, so it is not a seller


def test_construct_network_uses_iris_only(store: Any) -> None:
    graph = network.construct_network(store, """CONSTRUCT { ?a tg:headquarteredIn ?c ; rdfs:label ?l }
        WHERE { ?a tg:headquarteredIn ?c ; rdfs:label ?l }""")
    assert graph.number_of_edges() > 0
    assert all(not isinstance(n, ox.Literal) and n.startswith(TGR) for n in graph)
    assert graph.nodes[TGR + "china"]["class_label"] == "Country"  # looked up in the store
    with pytest.raises(InputError, match="CONSTRUCT"):
        network.construct_network(store, "SELECT * WHERE { ?s ?p ?o } LIMIT 1")


def test_path_from_cfius_to_hellobike_is_a_chain_of_events(actors: nx.MultiGraph[str]) -> None:
    found = network.paths(actors, CFIUS, HELLOBIKE)
    assert found
    expected = nx.shortest_path_length(actors, CFIUS, HELLOBIKE)
    for chain in found:
        assert len(chain) == expected
        assert chain[0].source == CFIUS and chain[-1].target == HELLOBIKE
        assert all(actors.has_edge(h.source, h.target) and h.edges for h in chain)
    assert found[0][-1].source == ANT  # Hellobike's only link is its owner, Ant Group


def test_neighbours_at_depth_one_are_the_graph_neighbours(actors: nx.MultiGraph[str]) -> None:
    found = network.neighbors(actors, ANT, 1)
    assert {n.actor for n in found} == set(actors.neighbors(ANT))
    deeper = network.neighbors(actors, ANT, 2)
    assert {n.actor for n in deeper if n.depth == 2} == set(nx.ego_graph(actors, ANT, 2)) - set(
        nx.ego_graph(actors, ANT, 1))


@pytest.mark.parametrize("by", network.CENTRALITIES)
def test_central_ranks_in_order(actors: nx.MultiGraph[str], by: str) -> None:
    ranked = network.central(actors, by, 5)
    assert len(ranked) == 5
    assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)
    if by == "degree":
        simple = nx.Graph(actors)
        assert ranked[0].score == max(d for _, d in simple.degree())


def test_cli_path_explains_with_dates_and_quotes(runner: Any) -> None:
    result = runner.invoke(cli, ["path", "cfius", "hellobike"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("CFIUS (Committee on Foreign Investment in the U.S.) → Hellobike:")
    assert "(14 Aug 2020)" in result.output and "“" in result.output


def test_cli_neighbors_by_chinese_name(runner: Any) -> None:
    result = runner.invoke(cli, ["neighbors", "蚂蚁集团", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "Hellobike" in result.output and result.output.startswith("depth,neighbour,type,via,")


def test_cli_central(runner: Any) -> None:
    result = runner.invoke(cli, ["central", "--by", "pagerank", "--top", "3"])
    assert result.exit_code == 0, result.output
    assert len(result.output.splitlines()) == 5  # header, rule, three actors


def test_cli_unknown_actor_is_one_clear_line(runner: Any) -> None:
    result = runner.invoke(cli, ["path", "CFIUS", "Alibabba"])
    assert result.exit_code == 2
    assert result.output.startswith("error: unknown actor 'Alibabba'; did you mean Alibaba")
    assert "Traceback" not in result.output


def test_communities_group_what_belongs_together(store: Any) -> None:
    graph = network.actor_network(store)
    groups = network.communities(graph)
    assert set(groups) == set(graph.nodes), "every actor is in exactly one community"
    assert groups == network.communities(graph), "seeded: the same graph groups the same way"
    same = [("facebook", "instagram", "whatsapp"), ("alibaba", "ant-group"), ("bytedance", "tiktok")]
    for names in same:
        assert len({groups[TGR + n] for n in names}) == 1, names
    assert groups[TGR + "facebook"] != groups[TGR + "alibaba"]
    sizes = [list(groups.values()).count(n) for n in sorted(set(groups.values()))]
    assert sizes == sorted(sizes, reverse=True), "community 1 is the largest"
