"""Network exports: GraphML, dynamic GEXF, Neo4j CSV + Cypher, node-link JSON, read back independently."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import networkx as nx
import pytest
from click.testing import CliRunner

from tech_graph.cli import cli
from tech_graph.export import gexf_bytes, graphml_bytes, neo4j_files, node_link_bytes

TG = "https://w3id.org/tech-graph/ontology#"
GEXF_NS = {"g": "http://gexf.net/1.3"}


def small_network() -> nx.MultiGraph[str]:
    """The attributes network.py's projections carry, including the awkward ones (None, lists)."""
    g: nx.MultiGraph[str] = nx.MultiGraph()
    nodes = [
        ("tgr:samr", "SAMR", "Regulator", "#d62728", "diamond"),
        ("tgr:alibaba", "Alibaba", "Company", "#1f77b4", "dot"),
        ("tgr:ant-group", "Ant Group", "Company", "#1f77b4", "dot"),
        ("tgr:jack-ma", "Jack Ma", "Person", "#e377c2", "star"),
    ]
    for iri, label, cls, colour, shape in nodes:
        g.add_node(iri, label=label, **{"class": TG + cls}, class_label=cls, colour=colour, shape=shape,
                   kind="actor", aliases=["x", "y"] if cls == "Company" else None)
    edges = [
        ("tgr:samr", "tgr:alibaba", "hasTarget", "2020-12-24", "2020-12-24", "SAMR probes Alibaba"),
        ("tgr:samr", "tgr:alibaba", "hasTarget", "2021-04-10", "2021-04-10", "SAMR fines Alibaba"),
        ("tgr:samr", "tgr:ant-group", "hasTarget", "2020-11-03", "2020-11-03", "IPO suspended"),
        ("tgr:jack-ma", "tgr:alibaba", "Founding", "1999-04-04", None, None),
    ]
    for u, v, rel, start, end, event in edges:
        g.add_edge(u, v, relation=rel, relation_iri=TG + rel, event=event, event_label=event, date=start,
                   start=start, end=end, quote=None, source=["tgr:article"])
    return g


def test_graphml_reads_back_with_the_same_counts_and_no_empty_values() -> None:
    g = small_network()
    back = nx.read_graphml(io.BytesIO(graphml_bytes(g)))
    assert back.number_of_nodes() == g.number_of_nodes()
    assert back.number_of_edges() == g.number_of_edges()
    assert back.nodes["tgr:alibaba"]["aliases"] == "x; y"
    assert "aliases" not in back.nodes["tgr:jack-ma"]  # None is left out, not written as "None"
    assert all("quote" not in d for *_, d in back.edges(data=True))


def test_gexf_is_dynamic_and_reads_back() -> None:
    g = small_network()
    data = gexf_bytes(g)
    back = nx.read_gexf(io.BytesIO(data), version="1.3")
    assert back.number_of_nodes() == g.number_of_nodes()
    assert back.number_of_edges() == g.number_of_edges()
    root = ElementTree.fromstring(data)
    graph = root.find("g:graph", GEXF_NS)
    assert graph is not None
    assert graph.get("mode") == "dynamic" and graph.get("timeformat") == "date"
    edges = graph.findall("g:edges/g:edge", GEXF_NS)
    dated = [e for e in edges if e.get("start")]
    assert len(dated) == len(edges)
    starts = {node: [d["start"] for u, v, d in g.edges(data=True) if node in (u, v)] for node in g.nodes}
    for node in graph.findall("g:nodes/g:node", GEXF_NS):
        assert node.get("start") == min(starts[node.get("id")])
        assert node.get("end") == max(d["end"] or d["start"] for u, v, d in g.edges(data=True)
                                      if node.get("id") in (u, v))
    assert b"lastmodifieddate" not in data  # no date of the day in the file


def test_gexf_spreads_a_year_over_its_days() -> None:
    g: nx.Graph[str] = nx.Graph()
    g.add_edge("a", "b", date="2020", start="2020", end=None)
    edge = ElementTree.fromstring(gexf_bytes(g)).find("g:graph/g:edges/g:edge", GEXF_NS)
    assert edge is not None
    assert (edge.get("start"), edge.get("end")) == ("2020-01-01", "2020-12-31")


def test_neo4j_csv_headers_and_ids(tmp_path: Path) -> None:
    g = small_network()
    files = neo4j_files(g)
    assert set(files) == {"nodes.csv", "relationships.csv", "load.cypher"}
    nodes = list(csv.DictReader(io.StringIO(files["nodes.csv"].decode())))
    rels = list(csv.DictReader(io.StringIO(files["relationships.csv"].decode())))
    assert list(nodes[0])[:2] == ["id:ID", ":LABEL"]
    assert list(rels[0])[:3] == [":START_ID", ":END_ID", ":TYPE"]
    assert len(nodes) == g.number_of_nodes() and len(rels) == g.number_of_edges()
    ids = {n["id:ID"] for n in nodes}
    assert all(r[":START_ID"] in ids and r[":END_ID"] in ids for r in rels)
    assert {r[":TYPE"] for r in rels} == {"HAS_TARGET", "FOUNDING"}
    assert {n[":LABEL"] for n in nodes} >= {"TechGraph;Actor;Company", "TechGraph;Actor;Regulator"}
    script = files["load.cypher"].decode()
    for rel_type in ("HAS_TARGET", "FOUNDING"):
        assert f"CREATE (a)-[r:`{rel_type}`]->(b)" in script
    assert script.count("LOAD CSV WITH HEADERS FROM 'file:///nodes.csv'") == len({n[":LABEL"] for n in nodes})


@pytest.mark.parametrize("relation,expected", [("hasRegulator", "HAS_REGULATOR"), ("IPOSuspension", "IPO_SUSPENSION"),
                                               ("co-participant", "CO_PARTICIPANT"), ("", "RELATED")])
def test_neo4j_relationship_types(relation: str, expected: str) -> None:
    from tech_graph.export import neo4j_type

    assert neo4j_type({"relation_iri": TG + relation if relation.isalpha() else "", "relation": relation}) == expected


def test_node_link_json_reads_back() -> None:
    g = small_network()
    data = json.loads(node_link_bytes(g))
    back = nx.node_link_graph(data, edges="links")
    assert back.number_of_nodes() == g.number_of_nodes()
    assert back.number_of_edges() == g.number_of_edges()
    assert {"source", "target"} <= set(data["links"][0])
    # the edge's own `source` attribute (its document) does not overwrite the link's end
    assert {link["source"] for link in data["links"]} <= set(g.nodes)
    assert all(link["data_source"] == "tgr:article" for link in data["links"])


def test_writers_ignore_insertion_order() -> None:
    g = small_network()
    shuffled: nx.MultiGraph[str] = nx.MultiGraph()
    shuffled.add_nodes_from(reversed(list(g.nodes(data=True))))
    shuffled.add_edges_from(reversed(list(g.edges(data=True))))
    for write in (graphml_bytes, gexf_bytes, node_link_bytes):
        assert write(g) == write(shuffled), write.__name__
    assert neo4j_files(g) == neo4j_files(shuffled)


# -- the shipped networks, through the CLI -----------------------------------------------------


@pytest.fixture(scope="module")
def network() -> Any:
    return pytest.importorskip("tech_graph.network", reason="network.py is written by another helper")


def counts(network: Any, which: str) -> tuple[int, int]:
    from tech_graph.store import memory_store

    store = memory_store()
    g = network.actor_network(store) if which == "actor" else network.event_actor_network(store)
    return g.number_of_nodes(), g.number_of_edges()


def cli_export(tmp_path: Path, name: str, *args: str) -> Path:
    out = tmp_path / name
    result = CliRunner().invoke(cli, ["export", "-o", str(out), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("which", ["actor", "event-actor"])
def test_shipped_network_in_every_graph_format(tmp_path: Path, network: Any, which: str) -> None:
    n_nodes, n_edges = counts(network, which)
    assert n_nodes and n_edges
    graphml = nx.read_graphml(cli_export(tmp_path, "net.graphml", "--network", which))
    gexf = nx.read_gexf(cli_export(tmp_path, "net.gexf", "--network", which), version="1.3")
    link = nx.node_link_graph(json.loads(cli_export(tmp_path, "net.json", "--network", which).read_text()),
                              edges="links")
    for g in (graphml, gexf, link):
        assert (g.number_of_nodes(), g.number_of_edges()) == (n_nodes, n_edges)
    with zipfile.ZipFile(cli_export(tmp_path, "neo4j.zip", "--network", which)) as archive:
        assert sorted(archive.namelist()) == ["load.cypher", "nodes.csv", "relationships.csv"]
        nodes = archive.read("nodes.csv").decode().splitlines()
        rels = archive.read("relationships.csv").decode()
    assert len(nodes) - 1 == n_nodes
    assert len(list(csv.reader(io.StringIO(rels)))) - 1 == n_edges


def test_gexf_of_the_shipped_graph_plays_over_time(tmp_path: Path, network: Any) -> None:
    root = ElementTree.parse(cli_export(tmp_path, "net.gexf")).getroot()
    graph = root.find("g:graph", GEXF_NS)
    assert graph is not None and graph.get("mode") == "dynamic"
    starts = sorted({e.get("start") for e in graph.iter("{http://gexf.net/1.3}edge") if e.get("start")})
    assert len(starts) > 3  # many different days: the timeline has something to play


def test_neo4j_to_a_folder_and_deterministic(tmp_path: Path, network: Any) -> None:
    first = cli_export(tmp_path, "neo4j-a", "-f", "neo4j")
    second = cli_export(tmp_path, "neo4j-b", "-f", "neo4j")
    names = sorted(p.name for p in first.iterdir())
    assert names == ["load.cypher", "nodes.csv", "relationships.csv"]
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes()
    assert cli_export(tmp_path, "a.zip").read_bytes() == cli_export(tmp_path, "b.zip").read_bytes()


@pytest.mark.parametrize("suffix", ["graphml", "gexf", "json"])
def test_graph_formats_are_byte_identical(tmp_path: Path, network: Any, suffix: str) -> None:
    assert cli_export(tmp_path, f"a.{suffix}").read_bytes() == cli_export(tmp_path, f"b.{suffix}").read_bytes()


def test_until_limits_the_actor_network(tmp_path: Path, network: Any) -> None:
    early = nx.read_graphml(cli_export(tmp_path, "early.graphml", "--until", "2015"))
    full = nx.read_graphml(cli_export(tmp_path, "full.graphml"))
    assert early.number_of_edges() < full.number_of_edges()
