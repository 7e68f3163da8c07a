"""The network page in headless Chromium with every non-file: request blocked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from conftest import PageWatch
from tech_graph import network, render
from tech_graph.namespaces import TGR

pytestmark = pytest.mark.browser


def open_page(watch: PageWatch, path: Path, timeout: float = 60_000) -> Any:
    page = watch.page
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready]", timeout=timeout)
    return page


def click_node(page: Any, node_id: str) -> None:
    """Click where the node is drawn, the way a user would."""
    point = page.evaluate("""id => {
        const p = network.canvasToDOM(network.getPositions([id])[id]);
        const box = document.getElementById('network').getBoundingClientRect();
        return {x: box.left + p.x, y: box.top + p.y};
    }""", node_id)
    page.mouse.click(point["x"], point["y"])


def hidden_count(page: Any) -> int:
    return int(page.evaluate("graphNodes.get({filter: n => n.hidden === true}).length"))


def test_actor_network_page(page: PageWatch, store: Any, tmp_path: Path) -> None:
    graph = network.actor_network(store)
    target = tmp_path / "graph.html"
    target.write_text(render.render(graph).html, encoding="utf-8")
    p = open_page(page, target)

    assert p.evaluate("network.body.data.nodes.length") == graph.number_of_nodes()
    assert p.evaluate("network.body.data.edges.length") == graph.number_of_edges()
    assert p.evaluate("document.querySelector('#network canvas').width") > 0

    # Clicking a node shows its name, type and quote in the side panel.
    ant = TGR + "ant-group"
    p.evaluate("id => network.focus(id, {scale: 1.2, animation: false})", ant)
    click_node(p, ant)
    panel = p.locator("#panel")
    assert panel.locator(".panel-title").inner_text() == "Ant Group"
    quotes = panel.locator("blockquote.quote").all_inner_texts()
    assert quotes and graph.nodes[ant]["quote"] in quotes[0]
    assert any(graph.edges[u, v, k]["quote"] in " ".join(quotes) for u, v, k in graph.edges(ant, keys=True))

    # The type filter hides and shows the nodes of one type.
    companies = sum(1 for _, d in graph.nodes(data=True) if d["class_label"] == "Company")
    box = p.locator("#legend input[data-type='Company']")
    box.uncheck()
    assert hidden_count(p) == companies
    assert p.evaluate(f"network.body.nodes[{ant!r}].options.hidden") is True
    box.check()
    assert hidden_count(p) == 0

    page.assert_clean()


def test_time_slider_hides_later_links(page: PageWatch, store: Any, tmp_path: Path) -> None:
    target = tmp_path / "graph.html"
    target.write_text(render.render(network.actor_network(store)).html, encoding="utf-8")
    p = open_page(page, target)
    p.evaluate("""() => { const s = document.getElementById('time-slider');
        s.value = 0; s.dispatchEvent(new Event('input')); }""")
    hidden_edges = p.evaluate("graphEdges.get({filter: e => e.hidden === true}).length")
    assert hidden_edges > 0
    assert p.locator("#time-value").inner_text().startswith("as of ")
    page.assert_clean()


def test_escaped_data_stays_text(page: PageWatch, tmp_path: Path) -> None:
    graph: nx.MultiGraph[str] = nx.MultiGraph()
    evil = '<img src=x onerror="window.pwned=1">'
    graph.add_node("urn:a", label=evil, class_label="Company", colour="#1f77b4", shape="dot", kind="actor",
                   quote=evil, source=evil)
    graph.add_node("urn:b", label="字节跳动", class_label="Company", colour="#1f77b4", shape="dot", kind="actor")
    graph.add_edge("urn:a", "urn:b", relation=evil, quote=evil)
    target = tmp_path / "evil.html"
    target.write_text(render.render(graph).html, encoding="utf-8")
    p = open_page(page, target)
    click_node(p, "urn:a")
    assert p.locator("#panel .panel-title").inner_text() == evil
    assert p.locator("#panel img").count() == 0
    assert p.evaluate("window.pwned === undefined")
    page.assert_clean()


def test_five_thousand_nodes_render(page: PageWatch, tmp_path: Path) -> None:
    base = nx.barabasi_albert_graph(5000, 1, seed=11)
    kinds = ["Company", "Regulator", "Person", "Platform or product"]
    graph: nx.MultiGraph[str] = nx.MultiGraph()
    for n in base:
        graph.add_node(f"urn:n{n}", label=f"Actor {n}", class_label=kinds[n % 4], colour="#1f77b4",
                       shape="dot", kind="actor", quote=f"quote {n}")
    for u, v in base.edges():
        graph.add_edge(f"urn:n{u}", f"urn:n{v}", relation="Deal", start=f"20{10 + u % 12}-01-01")
    target = tmp_path / "big.html"
    target.write_text(render.render(graph).html, encoding="utf-8")
    p = open_page(page, target, timeout=120_000)
    assert p.evaluate("network.body.data.nodes.length") == 5000
    assert p.evaluate("network.physics.options.enabled") is False
    p.locator("#legend input[data-type='Person']").uncheck()
    assert hidden_count(p) == 1250
    page.assert_clean()


def test_colour_by_community(page: PageWatch, store: Any, tmp_path: Path) -> None:
    graph = network.actor_network(store)
    groups = network.communities(graph)
    target = tmp_path / "graph.html"
    target.write_text(render.render(graph).html, encoding="utf-8")
    p = open_page(page, target)

    facebook = TGR + "facebook"
    colour = "id => graphNodes.get(id).color"
    assert p.evaluate(colour, facebook) == graph.nodes[facebook]["colour"]
    assert p.locator("#community-box").is_hidden()

    p.select_option("#colour-by", "community")
    assert p.locator("#community-box").is_visible()
    assert p.evaluate(colour, facebook) == p.evaluate(colour, TGR + "instagram") != graph.nodes[facebook]["colour"]
    listed = p.locator("#communities .legend-item").count()
    assert listed == sum(1 for n in set(groups.values()) if list(groups.values()).count(n) > 1)

    click_node(p, facebook)
    assert "Instagram" in p.locator("#panel").inner_text()

    p.select_option("#colour-by", "type")
    assert p.evaluate(colour, facebook) == graph.nodes[facebook]["colour"]
    page.assert_clean()


def panel_sources(page: Any, within: str) -> list[dict[str, str]]:
    """What the side panel shows of each source under `within`: quote, document, link."""
    return list(page.evaluate("""sel => [...document.querySelectorAll(sel + ' > .sources > .source-item')].map(item => {
        const q = item.querySelector('blockquote.quote'), d = item.querySelector('.document');
        return {quote: q ? q.textContent : '', document: d.textContent, href: d.getAttribute('href') || '',
                line: item.querySelector('.source').textContent};
    })""", within))


def shown(records: Any) -> list[dict[str, str]]:
    return [{"quote": f"“{r['quote']}”" if r["quote"] else "", "document": r["document"], "href": r["url"]}
            for r in records]


def test_side_panel_lists_every_source(page: PageWatch, store: Any, tmp_path: Path) -> None:
    """A node and a link with several sources: each quote, then its document as a link; each document cited
    whole. The words come from the data through textContent, so a quote shows as written."""
    graph = network.actor_network(store)
    target = tmp_path / "graph.html"
    target.write_text(render.render(graph).html, encoding="utf-8")
    p = open_page(page, target)
    p.evaluate("() => { network.setOptions({physics: false}); network.fit({animation: false}); }")

    node = max(graph.nodes, key=lambda n: (graph.nodes[n]["sources"], n))
    assert graph.nodes[node]["sources"] >= 3
    p.evaluate("id => network.focus(id, {scale: 1.2, animation: false})", node)
    click_node(p, node)
    assert p.locator("#panel .panel-title").inner_text() == graph.nodes[node]["label"]
    got = panel_sources(p, "#panel")
    assert [{k: g[k] for k in ("quote", "document", "href")} for g in got] == shown(graph.nodes[node]["provenance"])
    assert p.locator("#panel > .sources > .sources-head").inner_text() == f"{graph.nodes[node]['sources']} sources"

    # A link with a quote and a document cited whole, the only link between its two actors, clicked on its curve.
    p.evaluate("() => network.fit({animation: false})")
    pairs = [(u, v) for u, v in graph.edges() if graph.number_of_edges(u, v) == 1]
    wanted = [{"from": u, "to": v, "event": graph.edges[u, v, k]["event"]} for u, v in pairs
              for k, d in graph[u][v].items()
              if d["sources"] >= 2 and any(r["quote"] for r in d["provenance"])
              and any(not r["quote"] and r["url"] for r in d["provenance"])]
    assert wanted
    hit = p.evaluate("""wanted => {
        const box = document.getElementById('network').getBoundingClientRect();
        for (const w of wanted) {
            const e = graphEdges.get({filter: e => e.event === w.event &&
                ((e.from === w.from && e.to === w.to) || (e.from === w.to && e.to === w.from))})[0];
            const at = network.canvasToDOM(network.body.edges[e.id].edgeType.getPoint(0.5));
            if (at.x < 0 || at.y < 0 || at.x > box.width || at.y > box.height) continue;
            if (network.getEdgeAt(at) === e.id && network.getNodeAt(at) === undefined)
                return {id: e.id, from: e.from, to: e.to, x: box.left + at.x, y: box.top + at.y};
        }
        return null;
    }""", wanted)
    assert hit, "no link with two sources could be clicked on its own"
    p.mouse.click(hit["x"], hit["y"])
    data = next(iter(graph[hit["from"]][hit["to"]].values()))
    assert p.locator("#panel .panel-title").inner_text() == (
        f"{graph.nodes[hit['from']]['label']} – {graph.nodes[hit['to']]['label']}")
    got = panel_sources(p, "#panel .edge-card")
    assert [{k: g[k] for k in ("quote", "document", "href")} for g in got] == shown(data["provenance"])
    assert len(got) == data["sources"] >= 2
    assert any(g["line"].startswith("Source: ") and g["href"].startswith("http") for g in got)
    page.assert_clean()


def test_side_panel_shows_hostile_sources_as_text(page: PageWatch, tmp_path: Path) -> None:
    """A quote or document that looks like markup stays text, and only an http(s) address becomes a link."""
    evil = '</script><img src=x onerror="window.hacked=1">"&'
    graph: nx.MultiGraph[str] = nx.MultiGraph()
    records = [{"quote": evil, "document": evil, "url": "javascript:window.hacked=1", "used_for": ["fact"]},
               {"quote": "", "document": "a <b>document</b>", "url": "https://example.org/?a=1&b=<2>",
                "used_for": ["date"]}]
    graph.add_node("urn:a", label="A", class_label="Company", kind="actor", provenance=records, sources=2)
    graph.add_node("urn:b", label="B", class_label="Company", kind="actor")
    graph.add_edge("urn:a", "urn:b", relation="r", start="2020-01-01")
    target = tmp_path / "hostile.html"
    target.write_text(render.render(graph).html, encoding="utf-8")
    p = open_page(page, target)
    p.evaluate("id => network.focus(id, {scale: 1.5, animation: false})", "urn:a")
    click_node(p, "urn:a")
    got = panel_sources(p, "#panel")
    assert [g["quote"] for g in got] == [f"“{evil}”", ""]
    assert [g["document"] for g in got] == [evil, "a <b>document</b>"]
    assert [g["href"] for g in got] == ["", "https://example.org/?a=1&b=<2>"]
    assert got[1]["line"].startswith("Date from: ")
    assert p.evaluate("document.querySelectorAll('#panel img').length") == 0
    assert p.evaluate("window.hacked === undefined")
    page.assert_clean()
