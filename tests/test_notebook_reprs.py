"""What a notebook shows: the network never blank (a static SVG under the iframe), one-line text,
and tables for timelines and query results."""

from __future__ import annotations

import base64
import re

from bs4 import BeautifulSoup

from tech_graph import network, render, run, timeline
from tech_graph.store import OxigraphStore


def test_network_bundle_has_a_still_picture_under_the_iframe(store: OxigraphStore) -> None:
    shown = render.render(network.actor_network(store))
    bundle = shown._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain", "image/svg+xml"}
    assert len(bundle["text/plain"]) < 200 and f"{shown.nodes} nodes" in bundle["text/plain"]
    assert "<svg" not in bundle["text/plain"] and "<html" not in bundle["text/plain"]
    soup = BeautifulSoup(bundle["text/html"], "html.parser")
    # What JupyterLab's sanitizer leaves of an untrusted output: no iframe, no script; the <img> stays.
    img, iframe = soup.find("img"), soup.find("iframe")
    assert img is not None and iframe is not None
    svg = base64.b64decode(str(img["src"]).split(",", 1)[1]).decode("utf-8")
    assert svg == bundle["image/svg+xml"]
    assert svg.count("<circle") == shown.nodes and svg.count("<line") == shown.edges
    assert "Alibaba" in svg
    page = BeautifulSoup(str(iframe["srcdoc"]), "html.parser")
    assert page.find(id="graph-data") is not None


def test_svg_escapes_names(store: OxigraphStore) -> None:
    import networkx as nx

    g: nx.MultiGraph[str] = nx.MultiGraph()
    g.add_node("a", label="<script>alert(1)</script>", colour='"><x')
    g.add_edge("a", "b")
    svg = render.static_svg(g)
    assert "<script>" not in svg and '"><x' not in svg


def test_timeline_and_query_results_are_tables(store: OxigraphStore) -> None:
    events = timeline.events(store)
    table = BeautifulSoup(events._repr_html_(), "html.parser")
    assert len(table.find_all("tr")) == len(events) + 1
    as_of = BeautifulSoup(timeline.as_of(store, "2021-01-01")._repr_html_(), "html.parser")
    assert len(as_of.find_all("table")) == 2
    result = run(store, "SELECT ?s ?label WHERE { ?s a tg:Company ; rdfs:label ?label } ORDER BY ?s")
    rows = BeautifulSoup(result._repr_html_(), "html.parser").find_all("tr")
    assert len(rows) == len(result.rows) + 1  # type: ignore[union-attr]
    assert re.search(r"tgr:alibaba", result._repr_html_())  # type: ignore[union-attr]
