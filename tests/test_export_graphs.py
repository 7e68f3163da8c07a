"""Network exports: GraphML, dynamic GEXF, Neo4j CSV + Cypher, node-link JSON, read back independently."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import networkx as nx
import pytest
from click.testing import CliRunner

from conftest import ROOT, npm_package, require, which
from tech_graph.cli import cli
from tech_graph.export import gexf_bytes, graphml_bytes, neo4j_files, node_link_bytes

SCHEMAS = ROOT / "tests" / "schemas"
GRAPHML_NS = {"g": "http://graphml.graphdrawing.org/xmlns"}

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
    back = nx.node_link_graph(data)  # networkx's defaults: `edges` from 3.6, `links` before
    assert data["edges"] == data["links"]
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
    link = nx.node_link_graph(json.loads(cli_export(tmp_path, "net.json", "--network", which).read_text()))
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


# -- the official schemas and the real readers ----------------------------------------------------


def xmllint(*args: str) -> subprocess.CompletedProcess[str]:
    binary = which("xmllint (Debian libxml2-utils)", "xmllint")
    return subprocess.run([binary, "--noout", "--nonet", *args], capture_output=True, text=True, timeout=120)


def assert_graphml_valid(path: Path) -> None:
    """GraphML 1.1's graphml.xsd, kept under tests/schemas/graphml-1.1 (see its README)."""
    run = xmllint("--schema", str(SCHEMAS / "graphml-1.1" / "graphml.xsd"), str(path))
    assert run.returncode == 0, run.stderr[-3000:]


def assert_gexf_valid(path: Path) -> None:
    """GEXF 1.3 from the gephi/gexf repository: the RelaxNG grammar (the source of the XSD) in full, and
    the XSD too. The published XSD's viz.xsd has no targetNamespace, so it declares viz:color and
    viz:shape in the GEXF namespace instead of the viz one the RelaxNG grammar (and Gephi) use; the
    XSD check therefore reads a copy with those elements moved to the namespace the XSD expects."""
    run = xmllint("--relaxng", str(SCHEMAS / "gexf-1.3" / "gexf.rng"), str(path))
    assert run.returncode == 0, run.stderr[-3000:]
    as_xsd_declares = path.with_suffix(".xsd-view.gexf")
    as_xsd_declares.write_text(re.sub(r"<viz:(\w+)", r"<\1", path.read_text(encoding="utf-8")), encoding="utf-8")
    run = xmllint("--schema", str(SCHEMAS / "gexf-1.3" / "gexf.xsd"), str(as_xsd_declares))
    assert run.returncode == 0, run.stderr[-3000:]


def test_small_network_validates_against_graphml_and_gexf_schemas(tmp_path: Path) -> None:
    g = small_network()
    g.add_node("https://example.org/a b#c", label="odd IRI", **{"odd name": 1, "odd_name": 2.5})  # not NMTOKENs
    g.add_edge("https://example.org/a b#c", "tgr:samr", relation="x", source="doc", target="t", id="i", key="k")
    (tmp_path / "g.graphml").write_bytes(graphml_bytes(g))
    (tmp_path / "g.gexf").write_bytes(gexf_bytes(g))
    assert_graphml_valid(tmp_path / "g.graphml")
    assert_gexf_valid(tmp_path / "g.gexf")


def graphml_parts(data: bytes) -> tuple[Any, list[Any], list[Any], dict[str, str]]:
    root = ElementTree.fromstring(data)
    keys = {k.get("id"): k.get("attr.name") for k in root.findall("g:key", GRAPHML_NS)}
    graph = root.find("g:graph", GRAPHML_NS)
    assert graph is not None
    return graph, graph.findall("g:node", GRAPHML_NS), graph.findall("g:edge", GRAPHML_NS), keys


def test_graphml_ids_names_and_parallel_edges() -> None:
    g = small_network()
    g.add_node("https://w3id.org/tech-graph/id/x", label="X")
    _, nodes, edges, keys = graphml_parts(graphml_bytes(g))
    ids = [n.get("id") for n in nodes]
    assert "tgr:x" in ids and len(set(ids)) == len(ids)
    iri_key = next(k for k, name in keys.items() if name == "iri")
    iris = {n.get("id"): n.findtext(f"g:data[@key='{iri_key}']", namespaces=GRAPHML_NS) for n in nodes}
    assert iris["tgr:x"] == "https://w3id.org/tech-graph/id/x"  # the IRI is kept beside the short id
    edge_ids = [e.get("id") for e in edges]
    assert len(set(edge_ids)) == len(edge_ids) == g.number_of_edges()
    assert not set(keys.values()) & {"source", "target", "id", "key", "networkx_key"}
    assert "data_source" in keys.values()
    label_key = next(k for k, name in keys.items() if name == "label" and k.startswith("e."))
    samr_alibaba = [e.findtext(f"g:data[@key='{label_key}']", namespaces=GRAPHML_NS) for e in edges
                    if {e.get("source"), e.get("target")} == {"tgr:samr", "tgr:alibaba"}]
    assert samr_alibaba == ["hasTarget: SAMR probes Alibaba (2020-12-24)", "hasTarget: SAMR fines Alibaba (2021-04-10)"]
    back = nx.read_graphml(io.BytesIO(graphml_bytes(g)))
    assert sorted(k for *_, k in back.edges(keys=True)) == sorted(edge_ids)  # networkx keeps them as keys


def test_gexf_parallel_edges_stay_apart_for_gephi() -> None:
    g = small_network()
    root = ElementTree.fromstring(gexf_bytes(g))
    edges = root.findall("g:graph/g:edges/g:edge", GEXF_NS)
    assert len({e.get("id") for e in edges}) == len(edges) == g.number_of_edges()
    pair = [e for e in edges if {e.get("source"), e.get("target")} == {"tgr:samr", "tgr:alibaba"}]
    assert len(pair) == 2 and len({e.get("label") for e in pair}) == 2
    assert {e.get("kind") for e in pair} == {"hasTarget"}
    titles = {a.get("title") for a in root.iter("{http://gexf.net/1.3}attribute")}
    assert "networkx_key" not in titles and not titles & {"source", "target", "id", "key"}
    assert root.find("g:graph", GEXF_NS).get("name") is None  # type: ignore[union-attr]
    assert "http://www.w3.org/2001/XMLSchema-instance" not in gexf_bytes(g).decode()


@pytest.mark.parametrize("which", ["actor", "event-actor"])
def test_shipped_networks_validate(tmp_path: Path, network: Any, which: str) -> None:
    assert_graphml_valid(cli_export(tmp_path, f"{which}.graphml", "--network", which))
    assert_gexf_valid(cli_export(tmp_path, f"{which}.gexf", "--network", which))


def run_node(node_binary: str, script: str, *args: str) -> Any:
    run = subprocess.run([node_binary, "--input-type=module", "-e", script, *args], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout)


def test_graphology_graphml_reads_the_actor_network(tmp_path: Path, network: Any, node_binary: str) -> None:
    """graphology-graphml: the parser behind Gephi Lite and sigma.js."""
    graphology, reader = npm_package("graphology"), npm_package("graphology-graphml")
    path = cli_export(tmp_path, "actors.graphml")
    script = f"""
    import {{ createRequire }} from "node:module";
    import fs from "node:fs";
    const require = createRequire({json.dumps(str(reader) + "/")});
    const Graph = require({json.dumps(str(graphology))});
    const {{ parse }} = require({json.dumps(str(reader))});
    const g = parse(Graph, fs.readFileSync(process.argv[1], "utf8"));
    const first = g.nodes()[0];
    const counted = x => [x.sources, JSON.parse(x.provenance || "[]").length];
    console.log(JSON.stringify({{order: g.order, size: g.size, multi: g.multi, node: first,
                                 attrs: g.getNodeAttributes(first), edges: g.edges(),
                                 sources: [...g.mapNodes((n, x) => counted(x)),
                                           ...g.mapEdges((e, x) => counted(x))]}}));
    """
    out = run_node(node_binary, script, str(path))
    # every source of a node or link: `sources` read as a number (declared long), `provenance` as JSON
    assert out["sources"] and all(isinstance(n, int) and n == held for n, held in out["sources"])
    assert any(n >= 2 for n, _ in out["sources"])
    back = nx.read_graphml(path)
    assert (out["order"], out["size"]) == (back.number_of_nodes(), back.number_of_edges())
    assert out["multi"] is True and len(set(out["edges"])) == out["size"]
    assert out["attrs"]["iri"].startswith("https://w3id.org/tech-graph/id/")


def test_d3_force_reads_the_node_link_json(tmp_path: Path, network: Any, node_binary: str) -> None:
    """d3-force's forceLink resolves every link's ends by node id (it throws on an unknown one)."""
    d3 = npm_package("d3-force")
    path = cli_export(tmp_path, "actors.json")
    script = f"""
    import fs from "node:fs";
    const d3 = await import({json.dumps((d3 / "dist" / "d3-force.mjs").as_uri())});
    const data = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    const links = data.links.map(l => ({{...l}}));
    const sim = d3.forceSimulation(data.nodes).force("link", d3.forceLink(links).id(d => d.id))
      .force("charge", d3.forceManyBody()).stop();
    sim.tick(50);
    console.log(JSON.stringify({{nodes: data.nodes.length, links: links.length,
      resolved: links.filter(l => typeof l.source === "object" && typeof l.target === "object").length,
      placed: data.nodes.filter(n => Number.isFinite(n.x) && Number.isFinite(n.y)).length}}));
    """
    out = run_node(node_binary, script, str(path))
    back = nx.node_link_graph(json.loads(path.read_text(encoding="utf-8")))
    assert out == {"nodes": back.number_of_nodes(), "links": back.number_of_edges(),
                   "resolved": back.number_of_edges(), "placed": back.number_of_nodes()}


def test_pandas_and_igraph_get_one_source_column(tmp_path: Path, network: Any) -> None:
    """The reports of issue #14: an edge attribute `source` broke nx.to_pandas_edgelist and gave
    igraph (its own GraphML reader, in C) two `source` columns."""
    try:
        import igraph
        import pandas
    except ImportError:
        igraph = pandas = None
    require("pandas and igraph (the test extras)", igraph and pandas)
    assert igraph is not None
    path = cli_export(tmp_path, "actors.graphml")
    g = nx.read_graphml(path)
    frame = nx.to_pandas_edgelist(g)
    assert len(frame) == g.number_of_edges()
    assert list(frame.columns).count("source") == 1 and set(frame["source"]) <= set(g.nodes)
    assert "data_source" in frame.columns
    read = igraph.Graph.Read_GraphML(str(path))
    assert (read.vcount(), read.ecount()) == (g.number_of_nodes(), g.number_of_edges())
    names = read.es.attributes()
    assert len(names) == len(set(names)) and "source" not in names and "target" not in names
    assert sorted(read.vs["id"]) == sorted(g.nodes)
