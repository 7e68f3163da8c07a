"""The interactive network page: one self-contained HTML file that loads nothing from the network.

vis-network draws it; the page around it is ours (`assets/network-page/`), with the
nodes, edges and options as JSON (`page_data`). Graphs above `LAYOUT_THRESHOLD`
nodes get their layout here (pivot MDS, a few BFS and one SVD) with physics off, so
a 5,000-node page is ready in seconds; smaller ones settle in the browser.
"""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .assets import json_for_script, script_tag, style_tag
from .errors import InputError

if TYPE_CHECKING:
    import networkx as nx

NODE_LIMIT = 5000
LAYOUT_THRESHOLD = 300
EDGE_LABEL_LIMIT = 300  # above this many nodes, edge labels are left to the side panel
SPACING = 110.0  # pixels per edge in the precomputed layout


@dataclass
class Rendered:
    """A rendered page. In Jupyter or VS Code it shows itself inline.

    JupyterLab shows an untrusted notebook's text/html sanitized (scripts and iframes removed) and
    does not render image/svg+xml there at all (its SVG renderer is not "safe"). So the HTML holds a
    static SVG picture of the network as an <img> under the interactive iframe: trusted, the iframe
    covers it; untrusted, the picture is what is left. `text/plain` is one line, not the page.
    """

    html: str = field(repr=False)
    nodes: int
    edges: int
    notes: list[str] = field(default_factory=list)
    height: int = 640
    shown: nx.Graph[str] | None = field(default=None, repr=False, compare=False)  # what the page draws

    @cached_property
    def svg(self) -> str:
        """The still picture, drawn on first use: a notebook shows it, the command line never asks."""
        return static_svg(self.shown) if self.shown is not None else ""

    def _repr_html_(self) -> str:
        import base64

        picture = ""
        if self.svg:
            data = base64.b64encode(self.svg.encode("utf-8")).decode("ascii")
            picture = (f'<img src="data:image/svg+xml;base64,{data}" alt="{html.escape(self.summary())}" '
                       f'style="position:absolute;top:0;left:0;width:100%;height:100%;object-fit:contain">')
        return (f'<div style="position:relative;width:100%;height:{self.height}px">{picture}'
                f'<iframe srcdoc="{html.escape(self.html, quote=True)}" title="tech-graph network" '
                'style="position:absolute;top:0;left:0;width:100%;height:100%;border:1px solid #ddd;'
                'background:#fff" sandbox="allow-scripts"></iframe></div>')

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        bundle = {"text/html": self._repr_html_(), "text/plain": repr(self)}
        if self.svg:
            bundle["image/svg+xml"] = self.svg
        return bundle

    def summary(self) -> str:
        return f"tech-graph network: {self.nodes:,} nodes, {self.edges:,} links"

    def __repr__(self) -> str:
        size = len(self.html.encode("utf-8"))
        return f"<{self.summary()}; page {size / 1000:,.0f} kB; .save(PATH) writes it>"

    def save(self, path: str | Path) -> None:
        from .output import write_output

        write_output(path, self.html)


def render(graph: nx.Graph[str], *, title: str = "tech-graph network", limit: int = NODE_LIMIT,
           notes: list[str] | None = None) -> Rendered:
    """The page for a graph from `network.py`, cut to `limit` nodes (the most connected) if larger."""
    shown, cut_note = cut(graph, limit)
    all_notes = [*(notes or []), *([cut_note] if cut_note else [])]
    page = render_page(shown, title=title, notes=all_notes)
    return Rendered(page, shown.number_of_nodes(), shown.number_of_edges(), all_notes, shown=shown)


def cut(graph: nx.Graph[str], limit: int) -> tuple[nx.Graph[str], str | None]:
    """The `limit` most connected nodes, and a message saying so, when the graph has more."""
    if limit < 1:
        raise InputError(f"--limit must be 1 or more, not {limit}")
    total = graph.number_of_nodes()
    if total <= limit:
        return graph, None
    ranked = sorted(graph.nodes, key=lambda n: (-graph.degree(n), str(graph.nodes[n].get("label", n)), str(n)))
    kept = graph.subgraph(ranked[:limit]).copy()
    note = (f"showing {limit:,} of {total:,} nodes (the most connected); narrow the view with "
            "--focus ACTOR --depth N or --until DATE, or raise --limit")
    return kept, note


def page_data(graph: nx.Graph[str]) -> dict[str, Any]:
    """What the page script needs: vis-network nodes, edges and options, the legend and the dates."""
    from .network import communities

    large = graph.number_of_nodes() > LAYOUT_THRESHOLD
    positions = layout(graph) if large else {}
    community = communities(graph)
    first: dict[str, str] = {}
    undated: set[str] = set()
    edges: list[dict[str, Any]] = []
    multi = graph.is_multigraph()
    for i, link in enumerate(graph.edges(keys=True, data=True) if multi else graph.edges(data=True)):
        u, v, data = link[0], link[1], link[-1]
        start = str(data.get("start") or "")
        for node in (u, v):
            if not start:
                undated.add(node)
            elif node not in first or start < first[node]:
                first[node] = start
        relation = str(data.get("relation") or data.get("role") or "")
        edge = {
            "id": i, "from": str(u), "to": str(v), "relation": relation,
            "event_label": str(data.get("event_label") or ""), "event": str(data.get("event") or ""),
            "date": str(data.get("date") or ""), "start": start, "roles": str(data.get("roles") or
                                                                            data.get("role") or ""),
            "status": str(data.get("status") or ""), "modality": str(data.get("modality") or ""),
            "sources": page_sources(data), "colour": str(data.get("colour") or ""),
            "color": {"color": str(data.get("colour") or "#9aa5b1"), "opacity": 0.75},
        }
        if edge["modality"]:  # hedged by its source: dashed, and said on the label
            edge["dashes"] = True
        if not large:
            edge["label"] = relation + (f" ({edge['modality']})" if edge["modality"] else "")
        edges.append(edge)
    degree = dict(graph.degree())
    nodes: list[dict[str, Any]] = []
    for node, data in graph.nodes(data=True):
        name = str(data.get("label") or node)
        alt = str(data.get("alt_names") or "")
        own_start = str(data.get("start") or "")
        first_seen = "" if node in undated or (not first.get(node) and not own_start) else min(
            x for x in (first.get(node), own_start) if x)
        item: dict[str, Any] = {
            "id": str(node), "name": name, "alt": alt,
            "label": name + ("\n" + alt.split("; ")[0] if alt else ""),
            "type": str(data.get("class_label") or "untyped"), "class": str(data.get("class") or ""),
            "colour": str(data.get("colour") or "#97c2fc"), "color": str(data.get("colour") or "#97c2fc"),
            "shape": str(data.get("shape") or "dot"), "kind": str(data.get("kind") or ""),
            "date": str(data.get("date") or ""), "status": str(data.get("status") or ""),
            "modality": str(data.get("modality") or ""),
            "sources": page_sources(data), "first": first_seen, "size": 12 + 4 * min(degree.get(node, 0), 16) ** 0.5,
            "community": community[node],
        }
        if node in positions:
            item["x"], item["y"] = positions[node]
        nodes.append(item)
    counts = Counter(str(n["type"]) for n in nodes)
    seen: dict[str, dict[str, Any]] = {}
    for n in nodes:
        seen.setdefault(n["type"], {"type": n["type"], "colour": n["colour"], "shape": n["shape"],
                                    "count": counts[n["type"]], "kind": n["kind"]})
    legend = sorted(seen.values(), key=lambda e: (e["kind"] != "actor", e["type"].casefold()))
    days = sorted({e["start"] for e in edges if e["start"]} | {n["first"] for n in nodes if n["first"]})
    return {"nodes": nodes, "edges": edges, "options": vis_options(large, graph.is_directed()), "legend": legend,
            "days": days, "communities": community_legend(nodes, degree)}


def vis_options(large: bool, directed: bool) -> dict[str, Any]:
    """vis-network's options: a small graph settles by physics (ForceAtlas2), a large one keeps our layout.

    Keys in the order the page has always had them (pyvis's sorted defaults, then ours), so pages stay
    byte-identical. Written out rather than taken from pyvis, which imports IPython: half a second per page.
    """
    physics: dict[str, Any] = {"enabled": not large}
    if not large:
        physics["forceAtlas2Based"] = {"avoidOverlap": 0.4, "centralGravity": 0.015, "damping": 0.4,
                                       "gravitationalConstant": -60, "springConstant": 0.06, "springLength": 110}
        physics["solver"] = "forceAtlas2Based"
    physics["stabilization"] = {"enabled": not large, "iterations": 400, "fit": True}
    edges: dict[str, Any] = {"color": {"inherit": True}, "smooth": {"enabled": not large, "type": "dynamic"},
                             "font": {"size": 10, "align": "middle", "color": "#555"}, "width": 1.2}
    if directed:
        edges["arrows"] = {"to": {"enabled": True, "scaleFactor": 0.5}}
    return {
        "configure": {"enabled": False},
        "edges": edges,
        "interaction": {"dragNodes": True, "hideEdgesOnDrag": large, "hideNodesOnDrag": False, "hover": True,
                        "tooltipDelay": 300, "navigationButtons": False, "keyboard": False},
        "physics": physics,
        "layout": {"improvedLayout": not large, "randomSeed": 7},
        "nodes": {"font": {"size": 14, "face": "system-ui, sans-serif"}, "borderWidth": 1,
                  "scaling": {"label": {"drawThreshold": 3}}, "widthConstraint": {"maximum": 170}},
    }


def page_sources(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Every source of a node or edge as the side panel lists it: the quote, the document and its URL,
    and what it supports."""
    from .network import source_records

    return [{"quote": str(s.get("quote") or ""), "document": str(s.get("document") or ""),
             "url": str(s.get("url") or ""), "used_for": [str(u) for u in s.get("used_for") or ["fact"]]}
            for s in source_records(data)]


COMMUNITY_COLOURS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
                     "#9c755f", "#2f4b7c", "#a05195", "#665191"]
LONE_COLOUR = "#c9c9c9"  # nodes with no links: each its own community, all drawn alike


def community_legend(nodes: list[dict[str, Any]], degree: dict[Any, int]) -> list[dict[str, Any]]:
    """Each community with its colour, size and its three best-connected members."""
    members: dict[int, list[dict[str, Any]]] = {}
    for node in nodes:
        members.setdefault(node["community"], []).append(node)
    legend = []
    for number in sorted(members):
        group = sorted(members[number], key=lambda n: (-degree.get(n["id"], 0), n["name"].casefold()))
        colour = LONE_COLOUR if len(group) == 1 else COMMUNITY_COLOURS[(number - 1) % len(COMMUNITY_COLOURS)]
        legend.append({"id": number, "size": len(group), "colour": colour,
                       "members": [n["name"] for n in group[:3]]})
    return legend


def render_page(graph: nx.Graph[str], *, title: str = "tech-graph network", notes: list[str] | None = None) -> str:
    """The complete HTML page; every asset inlined, every string from the data escaped."""
    data = page_data(graph)
    kinds = Counter(str(d.get("kind") or "node") for _, d in graph.nodes(data=True))
    summary = ", ".join(f"{count:,} {kind}{'' if count == 1 else 's'}" for kind, count in sorted(kinds.items()))
    summary += f", {graph.number_of_edges():,} link{'' if graph.number_of_edges() == 1 else 's'}"
    note_html = "".join(f'<span class="note">{html.escape(n)}</span>' for n in notes or [])
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; \
style-src 'unsafe-inline'; img-src data:; font-src data:">
<title>{html.escape(title)}</title>
{style_tag("network-page/network-page.css")}
</head>
<body>
<header><h1>{html.escape(title)}</h1><span class="meta">{html.escape(summary)}</span>{note_html}</header>
<aside id="side">
  <h2>Find</h2>
  <input id="search" list="search-names" placeholder="name or 中文名" aria-label="find a node">
  <datalist id="search-names"></datalist>
  <h2>Colour by</h2>
  <select id="colour-by" aria-label="colour the nodes by">
    <option value="type">type</option><option value="community">community</option></select>
  <h2>Types</h2>
  <ul id="legend" class="legend"></ul>
  <div id="community-box" hidden><h2>Communities</h2><ul id="communities" class="legend"></ul></div>
  <div id="time"><h2>Time</h2>
    <input id="time-slider" type="range" aria-label="show the graph as of a date">
    <div id="time-value">all dates</div></div>
  <div id="shown"></div>
</aside>
<div id="network"></div>
<section id="panel" aria-live="polite"><p class="hint">Click a node or a link to see its type, dates,
roles, and every source behind it.</p></section>
<script type="application/json" id="graph-data">{json_for_script(data)}</script>
{script_tag("vis-network/vis-network.min.js")}
{script_tag("network-page/network-page.js")}
</body>
</html>
"""


# -- layout of large graphs -----------------------------------------------------------------------------


def layout(graph: nx.Graph[str], seed: int = 7) -> dict[str, tuple[float, float]]:
    """Positions for every node: pivot MDS per connected component, components packed in rows.

    Pivot MDS (Brandes and Pich 2006) needs one BFS per pivot and one small SVD, so it is
    linear in the graph's size, where networkx's spring layout takes about a minute at 5,000 nodes.
    """
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components, shortest_path

    order = list(graph.nodes)
    n = len(order)
    if n == 0:
        return {}
    index = {node: i for i, node in enumerate(order)}
    pairs = [(index[u], index[v]) for u, v in graph.edges() if u != v]
    rows = np.array([p[0] for p in pairs] + [p[1] for p in pairs], dtype=np.int64)
    cols = np.array([p[1] for p in pairs] + [p[0] for p in pairs], dtype=np.int64)
    adjacency = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n)).tocsr()
    count, labels = connected_components(adjacency, directed=False)
    rng = np.random.default_rng(seed)
    parts = []
    for comp in sorted((np.flatnonzero(labels == c) for c in range(count)), key=lambda c: (-len(c), c[0])):
        size = len(comp)
        if size == 1:
            coords = np.zeros((1, 2))
        elif size <= 3:
            angles = np.arange(size) * 2 * np.pi / size
            coords = np.column_stack([np.cos(angles), np.sin(angles)]) * 0.6
        else:
            sub = adjacency[comp][:, comp]
            pivots = min(40, size)
            distances = []
            nearest = np.full(size, np.inf)
            pivot = 0
            for _ in range(pivots):
                d = shortest_path(sub, directed=False, unweighted=True, indices=pivot)
                distances.append(d)
                nearest = np.minimum(nearest, d)
                pivot = int(np.argmax(nearest))
                if nearest[pivot] == 0:
                    break
            squared = np.array(distances).T ** 2
            centred = -0.5 * (squared - squared.mean(axis=0) - squared.mean(axis=1)[:, None] + squared.mean())
            left, sizes, _ = np.linalg.svd(centred, full_matrices=False)
            coords = left[:, :2] * sizes[:2]
            sub_coo = sub.tocoo()
            lengths = np.linalg.norm(coords[sub_coo.row] - coords[sub_coo.col], axis=1)
            typical = float(np.median(lengths[lengths > 0])) if np.any(lengths > 0) else 1.0
            coords = coords / typical
            # Leaves of one hub share a distance profile; spread them a little.
            coords += rng.normal(scale=0.3, size=coords.shape)
        parts.append((comp, coords - coords.mean(axis=0)))
    positions: dict[str, tuple[float, float]] = {}
    total_area = sum((np.ptp(c[:, 0]) + 2) * (np.ptp(c[:, 1]) + 2) for _, c in parts)
    row_width = max(float(np.sqrt(total_area)) * 1.2, 4.0)
    x = y = row_height = 0.0
    for comp, coords in parts:
        width, height = float(np.ptp(coords[:, 0])) + 2, float(np.ptp(coords[:, 1])) + 2
        if x > 0 and x + width > row_width:
            x, y, row_height = 0.0, y + row_height, 0.0
        offset = np.array([x + width / 2 - (coords[:, 0].max() + coords[:, 0].min()) / 2,
                           y + height / 2 - (coords[:, 1].max() + coords[:, 1].min()) / 2])
        for i, point in zip(comp, coords + offset, strict=True):
            positions[order[i]] = (round(float(point[0]) * SPACING, 1), round(float(point[1]) * SPACING, 1))
        x += width
        row_height = max(row_height, height)
    return positions


def static_svg(graph: nx.Graph[str], width: int = 960, height: int = 640) -> str:
    """The network as a still SVG picture, on the page's precomputed layout (`layout`): what a
    notebook shows where scripts may not run. Labels for up to EDGE_LABEL_LIMIT nodes."""
    positions = layout(graph)
    if not positions:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
                '<text x="20" y="40" font-family="sans-serif">empty network</text></svg>')
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    pad = 40.0
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1.0)
    scale = min((width - 2 * pad) / max(max(xs) - min(xs), 1.0), (height - 2 * pad) / max(max(ys) - min(ys), 1.0),
                (width - 2 * pad) / span * 4)

    def at(node: str) -> tuple[float, float]:
        x, y = positions[node]
        return round(pad + (x - min(xs)) * scale, 1), round(pad + (y - min(ys)) * scale, 1)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" font-family="system-ui, sans-serif" font-size="11">',
             f'<rect width="{width}" height="{height}" fill="#fff"/>', '<g stroke="#9aa5b1" stroke-opacity="0.6">']
    for u, v in graph.edges():
        (x1, y1), (x2, y2) = at(u), at(v)
        parts.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}"/>')
    parts.append("</g><g>")
    labelled = graph.number_of_nodes() <= EDGE_LABEL_LIMIT
    for node, data in graph.nodes(data=True):
        x, y = at(node)
        colour = html.escape(str(data.get("colour") or "#97c2fc"), quote=True)
        name = html.escape(str(data.get("label") or node))
        parts.append(f'<circle cx="{x}" cy="{y}" r="6" fill="{colour}" stroke="#333" stroke-width="0.5">'
                     f'<title>{name}</title></circle>')
        if labelled:
            parts.append(f'<text x="{x + 8}" y="{y + 4}">{name}</text>')
    parts.append("</g></svg>")
    return "".join(parts)
