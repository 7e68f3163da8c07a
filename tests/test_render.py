"""The network page as HTML: self-contained, escaped, cut with a message, shown inline in notebooks."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from bs4 import BeautifulSoup

from tech_graph import network, render
from tech_graph.cli import cli
from tech_graph.namespaces import TGR


def page_json(page: str) -> dict[str, Any]:
    soup = BeautifulSoup(page, "html.parser")
    data = soup.find("script", id="graph-data")
    assert data is not None
    parsed: dict[str, Any] = json.loads(data.string or "")
    return parsed


def hostile_graph() -> nx.MultiGraph[str]:
    graph: nx.MultiGraph[str] = nx.MultiGraph()
    evil = '</script><img src=x onerror=alert(1)>"&'
    graph.add_node("urn:a", label=evil, class_label="Company", colour="#1f77b4", shape="dot", kind="actor",
                   quote=evil, source=evil)
    graph.add_node("urn:b", label="阿里巴巴", class_label="Company", colour="#1f77b4", shape="dot", kind="actor")
    graph.add_edge("urn:a", "urn:b", relation=evil, quote=evil, start="2020-01-01")
    return graph


def test_page_loads_nothing_from_the_network(store: Any) -> None:
    page = render.render(network.actor_network(store)).html
    soup = BeautifulSoup(page, "html.parser")
    assert not soup.find_all(src=True) and not soup.find_all("link")
    assert "@import" not in page and "url(http" not in page.replace(" ", "")
    assert "cdnjs" not in page and "unpkg" not in page and "bootstrap" not in page.lower()


def test_data_is_escaped_in_the_page() -> None:
    page = render.render_page(hostile_graph(), title="<b>t</b>")
    soup = BeautifulSoup(page, "html.parser")
    assert not soup.find_all("img")
    assert soup.title is not None and soup.title.string == "<b>t</b>"
    data = page_json(page)
    names = {n["name"] for n in data["nodes"]}
    assert '</script><img src=x onerror=alert(1)>"&' in names and "阿里巴巴" in names


def test_page_holds_every_node_and_edge_with_the_legend(store: Any) -> None:
    graph = network.actor_network(store)
    data = page_json(render.render_page(graph))
    assert len(data["nodes"]) == graph.number_of_nodes()
    assert len(data["edges"]) == graph.number_of_edges()
    legend = {e["type"]: e for e in data["legend"]}
    assert set(legend) == {d["class_label"] for _, d in graph.nodes(data=True)}
    assert legend["Regulator"]["colour"] == graph.nodes[TGR + "cfius"]["colour"]
    assert data["options"]["physics"]["enabled"] is True  # a small graph settles in the browser


def test_large_graph_gets_positions_and_no_physics() -> None:
    graph = nx.gnm_random_graph(render.LAYOUT_THRESHOLD + 50, 500, seed=3)
    named = nx.relabel_nodes(graph, {n: f"urn:n{n}" for n in graph})
    data = page_json(render.render_page(named))
    assert data["options"]["physics"]["enabled"] is False
    points = {(n["x"], n["y"]) for n in data["nodes"]}
    assert len(points) == named.number_of_nodes()  # every node has its own place


def test_cut_keeps_the_most_connected_and_says_so() -> None:
    graph = nx.star_graph(20)
    graph.add_edge(30, 31)
    shown = render.render(nx.relabel_nodes(graph, str), limit=5)
    assert shown.nodes == 5 and "0" in {n["id"] for n in page_json(shown.html)["nodes"]}  # the hub stays
    assert shown.notes and shown.notes[0].startswith("showing 5 of 23 nodes")
    assert "showing 5 of 23 nodes" in shown.html


def test_repr_html_is_an_iframe_with_the_escaped_page(store: Any) -> None:
    shown = render.render(network.actor_network(store))
    frame = BeautifulSoup(shown._repr_html_(), "html.parser").find("iframe")
    assert frame is not None
    assert frame["srcdoc"] == shown.html  # the parser unescapes what we escaped
    assert "allow-scripts" in frame["sandbox"]
    assert html.escape(shown.html[:50], quote=True) in shown._repr_html_()


def test_cli_render_writes_a_page(runner: Any, tmp_path: Path, store: Any) -> None:
    target = tmp_path / "graph.html"
    result = runner.invoke(cli, ["render", "-o", str(target)])
    assert result.exit_code == 0, result.output
    data = page_json(target.read_text(encoding="utf-8"))
    assert len(data["nodes"]) == network.actor_network(store).number_of_nodes()


def test_cli_render_views(runner: Any, tmp_path: Path) -> None:
    focus = runner.invoke(cli, ["render", "--focus", "Hellobike", "--depth", "1", "-o", str(tmp_path / "f.html")])
    assert focus.exit_code == 0, focus.output
    names = {n["name"] for n in page_json((tmp_path / "f.html").read_text(encoding="utf-8"))["nodes"]}
    assert names == {"Hellobike", "Ant Group"}
    events = runner.invoke(cli, ["render", "--view", "events", "--until", "2020", "-o", str(tmp_path / "e.html")])
    assert events.exit_code == 0, events.output
    kinds = {n["kind"] for n in page_json((tmp_path / "e.html").read_text(encoding="utf-8"))["nodes"]}
    assert kinds == {"event", "actor"}
    query = tmp_path / "q.rq"
    query.write_text("CONSTRUCT { ?a tg:headquarteredIn ?c } WHERE { ?a tg:headquarteredIn ?c }", encoding="utf-8")
    own = runner.invoke(cli, ["render", "--query", str(query), "-o", str(tmp_path / "q.html")])
    assert own.exit_code == 0, own.output


@pytest.mark.parametrize("args, message", [
    (["render", "--until", "last year"], "error: "),
    (["render", "--focus", "Nobody Inc"], "error: unknown actor 'Nobody Inc'"),
    (["render", "--query", "/no/such.rq"], "error: cannot read query file /no/such.rq"),
])
def test_cli_render_bad_input(runner: Any, tmp_path: Path, args: list[str], message: str) -> None:
    target = tmp_path / "out.html"
    result = runner.invoke(cli, [*args, "-o", str(target)])
    assert result.exit_code == 2
    assert result.output.startswith(message) and "Traceback" not in result.output
    assert not target.exists()
