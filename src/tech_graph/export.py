"""Export: every exporter is a small function in one registry, behind one interface.

An exporter takes an `ExportRequest` (the store and the user's choices) and
returns the bytes of one file, or `{name: bytes}` for formats that are several
files (Neo4j). Three kinds:

- rdf: the triples, in every format of `rdfformats.RDF_FORMATS`;
- graph: the actor or event-actor network from `network.py` (GraphML, GEXF, Neo4j CSV, node-link JSON);
- table: events or actors as CSV or TSV.

Every writer is deterministic: the same graph gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from .errors import InputError
from .namespaces import GRAPH_ONTOLOGY, GRAPH_SOURCES
from .rdfformats import RDF_FORMATS, find_rdf_format, serialize_quads, stream_lines
from .store import Store
from .tables import LazyList, json_document

if TYPE_CHECKING:
    import networkx as nx

Files = dict[str, bytes]
Written = bytes | Files
Streamed = Written | Iterator[bytes]  # an iterator streams (N-Triples, N-Quads)
Writer = Callable[["ExportRequest"], Streamed]

NETWORKS = ("actor", "event-actor")
# Graphs left out by default: the ontology is the vocabulary, not the story.
DEFAULT_EXCLUDED = (GRAPH_ONTOLOGY,)


@dataclass(frozen=True)
class ExportRequest:
    """What to export from which store; `excluded` names the graphs the RDF formats leave out."""

    store: Store
    excluded: tuple[str, ...] = DEFAULT_EXCLUDED
    network: str = "actor"
    until: date | None = None


@dataclass(frozen=True)
class Exporter:
    name: str
    kind: str  # rdf, graph or table
    suffixes: tuple[str, ...]
    description: str
    write: Writer
    multi_file: bool = False


EXPORTERS: dict[str, Exporter] = {}


def exporter(name: str, kind: str, suffixes: tuple[str, ...], description: str, *,
             multi_file: bool = False) -> Callable[[Writer], Writer]:
    """Register a writer under a format name."""

    def register(func: Writer) -> Writer:
        EXPORTERS[name] = Exporter(name, kind, suffixes, description, func, multi_file)
        return func

    return register


def graph_selection(include_ontology: bool, data_only: bool) -> tuple[str, ...]:
    """The named graphs to leave out. By default everything but the ontology goes out: the data,
    the sources and the user's files, including any graphs of their own in N-Quads or TriG."""
    if include_ontology and data_only:
        raise InputError("--include-ontology and --data-only exclude each other; choose one")
    if data_only:
        return (GRAPH_ONTOLOGY, GRAPH_SOURCES)
    if include_ontology:
        return ()
    return DEFAULT_EXCLUDED


# -- choosing a format ---------------------------------------------------------------------------


def known_formats() -> str:
    return ", ".join(EXPORTERS)


def find_exporter(name: str | None, output: str) -> Exporter:
    """The exporter named by --format, else the one the output's suffix implies, else Turtle."""
    if name:
        fmt = find_rdf_format(name)
        key = fmt.name if fmt else name.lower()
        if key not in EXPORTERS:
            import difflib

            near = difflib.get_close_matches(key, list(EXPORTERS), n=2, cutoff=0.6)
            hint = f"did you mean {' or '.join(near)}? " if near else ""
            raise InputError(f"unknown format {name!r}; {hint}use one of {known_formats()}")
        return EXPORTERS[key]
    if output == "-":
        return EXPORTERS["turtle"]
    suffixes = [s.lower() for s in Path(output).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    last = suffixes[-1] if suffixes else ""
    matches = [e for e in EXPORTERS.values() if last and last in e.suffixes]
    if len(matches) == 1:
        return matches[0]
    if matches:
        names = " or ".join(e.name for e in matches)
        raise InputError(f"{output}: the suffix {last} fits {names}; choose with --format")
    raise InputError(f"{output}: cannot tell the format from the file name; use --format (one of {known_formats()})")


# -- RDF -----------------------------------------------------------------------------------------


def _rdf_writer(name: str) -> Writer:
    def write(request: ExportRequest) -> Streamed:
        left_out = set(request.excluded)
        quads = (q for q in request.store.quads() if getattr(q.graph_name, "value", None) not in left_out)
        fmt = RDF_FORMATS[name]
        if fmt.ox_format in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS):
            return stream_lines(quads, fmt)
        return serialize_quads(quads, name)

    return write


for _fmt in RDF_FORMATS.values():
    _graphs = "named graphs kept" if _fmt.quads else "union of the graphs"
    exporter(_fmt.name, "rdf", (_fmt.suffix, *_fmt.suffixes), f"{_fmt.title} ({_graphs})")(_rdf_writer(_fmt.name))


# -- networks ------------------------------------------------------------------------------------


def projection(request: ExportRequest) -> nx.Graph[Any]:
    """The actor network (actors linked through events and relationships) or the event-actor network,
    as of `until` if given."""
    from . import network

    if request.network == "actor":
        return network.actor_network(request.store, until=request.until)
    if request.network == "event-actor":
        return network.event_actor_network(request.store, until=request.until)
    raise InputError(f"unknown network {request.network!r}; use one of {', '.join(NETWORKS)}")


def _records(value: Any) -> bool:
    return isinstance(value, list | tuple) and bool(value) and all(isinstance(v, Mapping) for v in value)


Memo = dict[int, tuple[Any, str]]  # a records list (shared by every edge of an event) -> its JSON, kept alive


def _scalar(value: Any, memo: Memo | None = None) -> str | int | float | bool | None:
    """A value GraphML and GEXF can hold: no None, no lists. A list of records (every source of a node
    or edge) goes out as a JSON array, which keeps each quote with its document."""
    if value is None:
        return None
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if _records(value):
        if memo is None:
            return json.dumps(list(value), ensure_ascii=False)
        if id(value) not in memo:
            memo[id(value)] = (value, json.dumps(list(value), ensure_ascii=False))
        return memo[id(value)][1]
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(str(v) for v in value if v is not None) if isinstance(value, set | frozenset) else [
            str(v) for v in value if v is not None]
        return "; ".join(items) if items else None
    return str(value)


# Names that readers take for themselves: GraphML and GEXF readers put the ends of an edge under
# `source` and `target` (nx.to_pandas_edgelist then loses our `source` document, igraph gets two
# `source` columns), and `id`/`key` are the node's and edge's own. Ours go out as `data_NAME`.
RESERVED = frozenset({"id", "key", "source", "target"})


def clean(attrs: Mapping[str, Any], records: bool = False, memo: Memo | None = None) -> dict[str, Any]:
    """Plain values under names no reader reserves; with `records`, lists of records stay lists (for JSON)."""
    out = {}
    for key in sorted(attrs, key=str):
        raw = attrs[key]
        value = [dict(r) for r in raw] if records and _records(raw) else _scalar(raw, memo)
        if value is not None:
            name = str(key)
            out[f"data_{name}" if name in RESERVED else name] = value
    return out


def tidy(graph: nx.Graph[Any], records: bool = False) -> nx.Graph[Any]:
    """A copy with plain attribute values under names no reader reserves, nodes and edges in a stable order."""
    out = graph.__class__()
    memo: Memo = {}
    out.graph.update(clean(graph.graph))
    for node in sorted(graph.nodes, key=str):
        out.add_node(node, **clean(graph.nodes[node], records, memo))
    if graph.is_multigraph():
        edges = sorted(graph.edges(keys=True, data=True), key=lambda e: _edge_key(e[0], e[1], e[3], e[2], memo))
        for u, v, key, data in edges:
            # networkx's own integer keys depend on insertion order; let them be numbered afresh.
            out.add_edge(u, v, key=key if isinstance(key, str) else None, **clean(data, records, memo))
    else:
        for u, v, data in sorted(graph.edges(data=True), key=lambda e: _edge_key(e[0], e[1], e[2], memo=memo)):
            out.add_edge(u, v, **clean(data, records, memo))
    return out


def _edge_key(u: Any, v: Any, data: Mapping[str, Any], key: Any = "", memo: Memo | None = None) -> tuple[str, ...]:
    """Order by ends, date, relation and event, then by every attribute, never by insertion order."""
    a, b = sorted((str(u), str(v)))
    return (a, b, str(data.get("start") or data.get("date") or ""), str(data.get("relation") or ""),
            str(data.get("event") or ""), json.dumps(clean(data, memo=memo), sort_keys=True, default=str),
            key if isinstance(key, str) else "")


def _edges(g: nx.Graph[Any]) -> list[tuple[Any, Any, dict[str, Any]]]:
    return [(u, v, d) for u, v, d in g.edges(data=True)]


_NOT_NMTOKEN = re.compile(r"[^\w.:-]")
# Characters XML 1.0 cannot hold at all, not even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def node_ids(g: nx.Graph[Any]) -> dict[Any, str]:
    """An xs:NMTOKEN id for each node, as GraphML requires: `tgr:alibaba` for an IRI we have a prefix
    for, other characters replaced by `_`, a `-2`, `-3` suffix where two would collide. The full IRI
    goes out as the node's `iri` attribute."""
    from .namespaces import compact

    ids: dict[Any, str] = {}
    taken: set[str] = set()
    for node in g.nodes:  # already sorted by tidy
        text = str(node)
        short = compact(text)
        base = _NOT_NMTOKEN.sub("_", text if short.startswith("<") else short) or "_"
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}-{n}"
        taken.add(candidate)
        ids[node] = candidate
    return ids


def edge_label(data: Mapping[str, Any]) -> str:
    """What tells parallel edges apart in Gephi: the relation, the event and the date."""
    parts = [str(data.get(k) or "") for k in ("relation", "event_label")]
    label = ": ".join(p for p in parts if p)
    when = str(data.get("date") or data.get("start") or "")
    return f"{label} ({when})" if label and when else label or when


def _xml_text(value: Any) -> str:
    from xml.sax.saxutils import escape

    text = "true" if value is True else "false" if value is False else str(value)
    return escape(_NOT_XML.sub("\ufffd", text))


def _xml_attr(value: Any) -> str:
    from xml.sax.saxutils import quoteattr

    text = "true" if value is True else "false" if value is False else str(value)
    return quoteattr(_NOT_XML.sub("\ufffd", text), {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _attr_type(values: Iterable[Any], names: Mapping[type, str]) -> str:
    """The narrowest declared type all values fit; strings otherwise."""
    kinds = {type(v) for v in values}
    if kinds == {bool}:
        return names[bool]
    if kinds and kinds <= {int}:
        return names[int]
    if kinds and kinds <= {int, float}:
        return names[float]
    return "string"


def _key_id(scope: str, name: str, taken: set[str]) -> str:
    """`n.label`, `e.relation`: an NMTOKEN id for an attribute, unique even where names differ only
    in characters an NMTOKEN cannot hold."""
    base = f"{scope[0]}.{_NOT_NMTOKEN.sub('_', name)}"
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}-{n}"
    taken.add(key)
    return key


def _columns(items: Iterable[Mapping[str, Any]]) -> dict[str, list[Any]]:
    columns: dict[str, list[Any]] = {}
    for data in items:
        for name, value in data.items():
            columns.setdefault(name, []).append(value)
    return dict(sorted(columns.items()))


GRAPHML_TYPES = {bool: "boolean", int: "long", float: "double"}
XSI = "http://www.w3.org/2001/XMLSchema-instance"


@exporter("graphml", "graph", (".graphml",), "GraphML 1.1 of the network (yEd, Cytoscape, Gephi, igraph)")
def write_graphml(request: ExportRequest) -> Streamed:
    return graphml_chunks(projection(request))


def graphml_bytes(graph: nx.Graph[Any]) -> bytes:
    return b"".join(graphml_chunks(graph))


def graphml_chunks(graph: nx.Graph[Any]) -> Iterator[bytes]:
    """GraphML that validates against the GraphML 1.1 schema: NMTOKEN node ids with the IRI as `iri`,
    edges `e0`, `e1`, ... with a `label`, keys named after their attribute."""
    g = tidy(graph)
    ids = node_ids(g)
    nodes = [{"iri": str(node), **data} for node, data in g.nodes(data=True)]
    edges = [{"label": label, **d} if (label := edge_label(d)) else d for *_, d in _edges(g)]
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f'<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="{XSI}" '
             'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
             'http://graphml.graphdrawing.org/xmlns/1.1/graphml.xsd">']
    keys: dict[tuple[str, str], str] = {}
    taken: set[str] = set()
    for scope, items in (("graph", [g.graph]), ("node", nodes), ("edge", edges)):
        for name, values in _columns(items).items():
            key = keys[scope, name] = _key_id(scope, name, taken)
            lines.append(f'  <key id={_xml_attr(key)} for="{scope}" attr.name={_xml_attr(_NOT_NMTOKEN.sub("_", name))} '
                         f'attr.type="{_attr_type(values, GRAPHML_TYPES)}"/>')
    direction = "directed" if g.is_directed() else "undirected"
    lines.append(f'  <graph id="G" edgedefault="{direction}">')

    def data_lines(scope: str, data: Mapping[str, Any], indent: str) -> list[str]:
        return [f'{indent}<data key={_xml_attr(keys[scope, k])}>{_xml_text(v)}</data>' for k, v in data.items()]

    lines += data_lines("graph", g.graph, "    ")
    for node, data in zip(g.nodes, nodes, strict=True):
        lines.append(f"    <node id={_xml_attr(ids[node])}>")
        lines += data_lines("node", data, "      ")
        lines.append("    </node>")
    for i, ((u, v, _), data) in enumerate(zip(_edges(g), edges, strict=True)):
        lines.append(f'    <edge id="e{i}" source={_xml_attr(ids[u])} target={_xml_attr(ids[v])}>')
        lines += data_lines("edge", data, "      ")
        lines.append("    </edge>")
    lines += ["  </graph>", "</graphml>", ""]
    return _joined(lines)


GEXF_SHAPES = {"dot": "disc", "ellipse": "disc", "circle": "disc", "square": "square", "box": "square",
               "triangle": "triangle", "triangleDown": "triangle", "diamond": "diamond"}


def _rgb(colour: str) -> dict[str, int] | None:
    m = re.fullmatch(r"#?([0-9a-fA-F]{2})([0-9a-fA-F]{2})([0-9a-fA-F]{2})", colour.strip())
    if not m:
        return None
    r, g, b = (int(x, 16) for x in m.groups())
    return {"r": r, "g": g, "b": b}


def _day(value: Any, last: bool) -> str | None:
    """An ISO day for GEXF's date timeformat: "2020" starts on 2020-01-01 and ends on 2020-12-31."""
    from .dates import parse_when

    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()
    try:
        when = parse_when(str(value))
    except ValueError:
        return None
    return (when.end if last else when.start).isoformat()


def dynamic(graph: nx.Graph[Any]) -> nx.Graph[Any]:
    """Start and end on edges (their dates) and nodes (first and last date they appear), for Gephi's timeline.

    `start` and `end` become ISO days; the node's colour and shape become `viz` (GEXF's viz module)."""
    out = tidy(graph)
    first: dict[Any, str] = {}
    last: dict[Any, str] = {}
    for u, v, data in out.edges(data=True):
        start = _day(data.get("start"), False) or _day(data.get("date"), False)
        end = _day(data.get("end"), True) or _day(data.get("date"), True)
        for key in ("start", "end"):
            data.pop(key, None)
        if start:
            data["start"] = start
        if end and (not start or end >= start):
            data["end"] = end
        for node in (u, v):
            for when in (start, end):
                if when:
                    first[node] = min(first.get(node, when), when)
                    last[node] = max(last.get(node, when), when)
    for node, data in out.nodes(data=True):
        # An event node keeps its own dates; an actor lives from its first to its last dated edge.
        start, end = _day(data.pop("start", None), False), _day(data.pop("end", None), True)
        if start:
            data["start"], data["end"] = start, end or _day(start, True)
        elif node in first:
            data["start"], data["end"] = first[node], last[node]
        viz: dict[str, Any] = {}
        rgb = _rgb(str(data.get("colour", "")))
        if rgb:
            viz["color"] = rgb
        shape = GEXF_SHAPES.get(str(data.get("shape", "")))
        if shape:
            viz["shape"] = shape
        if viz:
            data["viz"] = viz
    return out


GEXF_TYPES = {bool: "boolean", int: "long", float: "double"}
GEXF_NS = "http://gexf.net/1.3"
# On the element itself, not as attributes (GEXF has its own `label`, `start`, `end`, `viz`).
_GEXF_OWN = frozenset({"label", "start", "end", "viz"})


@exporter("gexf", "graph", (".gexf",), "GEXF 1.3, dynamic: Gephi's timeline plays the events in order")
def write_gexf(request: ExportRequest) -> Streamed:
    return gexf_chunks(projection(request))


def gexf_bytes(graph: nx.Graph[Any]) -> bytes:
    return b"".join(gexf_chunks(graph))


def gexf_chunks(graph: nx.Graph[Any]) -> Iterator[bytes]:
    """GEXF 1.3 that validates against the gephi/gexf schema: edges `e0`, `e1`, ... with a `label`
    (relation, event, date) and a `kind` (the relation), so Gephi keeps parallel edges apart; the
    graph's name goes in `<meta><description>` since `<graph>` has no name."""
    g = dynamic(graph)
    ids = node_ids(g)
    nodes = [(node, {"iri": str(node), **{k: v for k, v in d.items() if k not in _GEXF_OWN}}, d)
             for node, d in g.nodes(data=True)]
    edges = [(u, v, {k: x for k, x in d.items() if k not in _GEXF_OWN}, d) for u, v, d in _edges(g)]
    description = "; ".join(f"{k}: {v}" for k, v in g.graph.items() if v != "")
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             # No xsi:schemaLocation: GEXF's RelaxNG schema allows no attributes but its own.
             f'<gexf xmlns="{GEXF_NS}" xmlns:viz="{GEXF_NS}/viz" version="1.3">',
             "  <meta>", "    <creator>tech-graph</creator>"]
    if description:
        lines.append(f"    <description>{_xml_text(description)}</description>")
    lines.append("  </meta>")
    direction = "directed" if g.is_directed() else "undirected"
    lines.append(f'  <graph defaultedgetype="{direction}" mode="dynamic" timeformat="date">')
    attr_ids: dict[tuple[str, str], str] = {}
    taken: set[str] = set()
    for scope, items in (("node", [n[1] for n in nodes]), ("edge", [e[2] for e in edges])):
        columns = _columns(items)
        if not columns:
            continue
        lines.append(f'    <attributes class="{scope}" mode="static">')
        for name, column in columns.items():
            attr_ids[scope, name] = _key_id(scope, name, taken)
            lines.append(f'      <attribute id={_xml_attr(attr_ids[scope, name])} title={_xml_attr(name)} '
                         f'type="{_attr_type(column, GEXF_TYPES)}"/>')
        lines.append("    </attributes>")

    def when(data: Mapping[str, Any]) -> str:
        return "".join(f" {k}={_xml_attr(data[k])}" for k in ("start", "end") if data.get(k))

    def values(scope: str, data: Mapping[str, Any], indent: str) -> list[str]:
        if not data:
            return []
        return [f"{indent}<attvalues>",
                *(f'{indent}  <attvalue for={_xml_attr(attr_ids[scope, k])} value={_xml_attr(v)}/>'
                  for k, v in data.items()),
                f"{indent}</attvalues>"]

    lines.append(f'    <nodes count="{len(nodes)}">')
    for node, data, own in nodes:
        label = f" label={_xml_attr(own['label'])}" if own.get("label") else ""
        lines.append(f"      <node id={_xml_attr(ids[node])}{label}{when(own)}>")
        lines += values("node", data, "        ")
        viz = own.get("viz") or {}
        if "color" in viz:
            c = viz["color"]
            lines.append(f'        <viz:color r="{c["r"]}" g="{c["g"]}" b="{c["b"]}"/>')
        if "shape" in viz:
            lines.append(f'        <viz:shape value="{viz["shape"]}"/>')
        lines.append("      </node>")
    lines += ["    </nodes>", f'    <edges count="{len(edges)}">']
    for i, (u, v, data, own) in enumerate(edges):
        label = edge_label(own)
        kind = str(own.get("relation") or "")
        extra = (f" label={_xml_attr(label)}" if label else "") + (f" kind={_xml_attr(kind)}" if kind else "")
        lines.append(f'      <edge id="e{i}" source={_xml_attr(ids[u])} target={_xml_attr(ids[v])}{extra}{when(own)}>')
        lines += values("edge", data, "        ")
        lines.append("      </edge>")
    lines += ["    </edges>", "  </graph>", "</gexf>", ""]
    return _joined(lines)


def _joined(lines: list[str], batch: int = 5_000) -> Iterator[bytes]:
    """`"\\n".join(lines)`, encoded a batch of lines at a time: the text is never held whole, nor its bytes."""
    for start in range(0, len(lines), batch):
        end = start + batch
        yield ("\n".join(lines[start:end]) + ("\n" if end < len(lines) else "")).encode("utf-8")


@exporter("node-link", "graph", (".json",), "node-link JSON, as d3-force and networkx read it")
def write_node_link(request: ExportRequest) -> Streamed:
    return node_link_chunks(projection(request))


def node_link_bytes(graph: nx.Graph[Any]) -> bytes:
    return b"".join(node_link_chunks(graph))


def node_link_chunks(graph: nx.Graph[Any]) -> Iterator[bytes]:
    """{"nodes": [{"id", ...}], "edges": [{"source", "target", ...}], "links": the same list}.

    networkx 3.6 reads `edges` by default, 3.4 and 3.5 `links` (with a FutureWarning), before them
    `links`; d3-force's examples read `links`. Both keys hold the same list, so each reads it with
    its defaults. Attributes named like the reserved keys go out as `data_NAME`; `provenance` is a list
    of objects, one per source.
    """
    g = tidy(graph, records=True)
    multi = g.is_multigraph()

    def links() -> Iterator[dict[str, Any]]:
        for u, v, key, data in (g.edges(keys=True, data=True) if multi else ((u, v, None, d) for u, v, d in
                                                                                 g.edges(data=True))):
            yield {"source": u, "target": v, **({"key": key} if multi else {}), **data}

    doc = {"directed": g.is_directed(), "multigraph": multi, "graph": g.graph,
           "nodes": LazyList(lambda: ({"id": node, **data} for node, data in g.nodes(data=True))),
           "edges": LazyList(links), "links": LazyList(links)}
    return json_document(doc, 2)


# Neo4j: what `neo4j-admin database import full` reads, and a Cypher script that loads the same files.

NEO4J_BASE_LABEL = "TechGraph"


def _local(iri: str) -> str:
    return re.split(r"[#/]", iri.rstrip("/#"))[-1]


def neo4j_type(data: Mapping[str, Any]) -> str:
    """`tg:hasRegulator` -> HAS_REGULATOR, `tg:IPOSuspension` -> IPO_SUSPENSION, `co-participant` -> CO_PARTICIPANT."""
    name = _local(str(data.get("relation_iri") or "")) or str(data.get("relation") or "related")
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper() or "RELATED"


def neo4j_labels(data: Mapping[str, Any]) -> list[str]:
    """TechGraph, then the node's kind (Actor, Event) and its class (Company, Investigation)."""
    labels = [NEO4J_BASE_LABEL]
    for name in (str(data.get("kind") or "").title(), _local(str(data.get("class") or ""))):
        name = re.sub(r"[^A-Za-z0-9_]", "", name)
        if name and name not in labels:
            labels.append(name)
    return labels


def _csv(header: list[str], rows: Iterable[list[str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _cypher_string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _cypher_name(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _neo4j_headers(items: Iterable[Mapping[str, Any]], props: list[str]) -> list[str]:
    """Each property's CSV header: `sources:long` where every value is an integer (neo4j-admin reads the
    type from it; load.cypher converts), else the plain name, a string."""
    columns = _columns(items)
    return [f"{p}:long" if _attr_type(columns.get(p, []), GRAPHML_TYPES) == "long" else p for p in props]


def neo4j_files(graph: nx.Graph[Any]) -> Files:
    """nodes.csv, relationships.csv and load.cypher; every source of a node or relationship is in its
    `provenance` property, a JSON array (`apoc.convert.fromJsonList` reads it), and their number in `sources`."""
    g = tidy(graph)
    skip = {"id", "labels"}
    node_props = sorted({k for _, d in g.nodes(data=True) for k in d if k not in skip})
    edges = list(g.edges(data=True))
    edge_props = sorted({k for *_, d in edges for k in d})
    node_rows = []
    label_sets: dict[str, list[str]] = {}
    for node, data in g.nodes(data=True):
        labels = neo4j_labels(data)
        label_sets[";".join(labels)] = labels
        node_rows.append([str(node), ";".join(labels), *(str(data.get(k, "")) for k in node_props)])
    rel_rows = []
    types = set()
    for u, v, data in edges:
        rel_type = neo4j_type(data)
        types.add(rel_type)
        rel_rows.append([str(u), str(v), rel_type, *(str(data.get(k, "")) for k in edge_props)])
    node_headers = _neo4j_headers((d for _, d in g.nodes(data=True)), node_props)
    edge_headers = _neo4j_headers((d for *_, d in edges), edge_props)
    nodes_csv = _csv(["id:ID", ":LABEL", *node_headers], node_rows)
    rels_csv = _csv([":START_ID", ":END_ID", ":TYPE", *edge_headers], rel_rows)
    return {"nodes.csv": nodes_csv, "relationships.csv": rels_csv,
            "load.cypher": neo4j_script(label_sets, sorted(types), node_headers, edge_headers).encode("utf-8")}


def _cypher_set(var: str, header: str) -> str:
    name, typed = header.removesuffix(":long"), header.endswith(":long")
    read = f"row.{_cypher_name(header)}"
    return f"{var}.{_cypher_name(name)} = " + (f"toInteger({read})" if typed else read)


def neo4j_script(label_sets: Mapping[str, list[str]], types: list[str], node_props: list[str],
                 edge_props: list[str]) -> str:
    """LOAD CSV statements that build the same graph as neo4j-admin would from the CSV files.

    The props are the CSV headers: `name:long` is read back as an integer, as neo4j-admin reads it."""
    lines = [
        "// tech-graph network for Neo4j 5 and later: the constraint below uses Neo4j 5's",
        "// CREATE CONSTRAINT ... FOR ... REQUIRE syntax (Neo4j 5 refuses the older ON ... ASSERT form).",
        "// Copy nodes.csv and relationships.csv into Neo4j's import folder, then run:",
        "//   cypher-shell -u neo4j -p PASSWORD -f load.cypher",
        "// (Or, into an empty database: neo4j-admin database import full neo4j "
        "--nodes=nodes.csv --relationships=relationships.csv)",
        "// FalkorDB and Kuzu (as tried, issue #14) load the rest: delete the CREATE CONSTRAINT line,",
        "// which is Neo4j's own syntax.",
        f"CREATE CONSTRAINT tech_graph_id IF NOT EXISTS FOR (n:{NEO4J_BASE_LABEL}) REQUIRE n.id IS UNIQUE;",
        "",
    ]
    node_set = [_cypher_set("n", p) for p in node_props]
    for key in sorted(label_sets):
        extra = "".join(f":{_cypher_name(label)}" for label in label_sets[key][1:])
        assignments = ([f"n{extra}"] if extra else []) + node_set
        lines += [
            "LOAD CSV WITH HEADERS FROM 'file:///nodes.csv' AS row",
            f"WITH row WHERE row.`:LABEL` = {_cypher_string(key)}",
            f"MERGE (n:{NEO4J_BASE_LABEL} {{id: row.`id:ID`}})"
            + (f"\nSET {', '.join(assignments)};" if assignments else ";"),
            "",
        ]
    edge_set = ", ".join(_cypher_set("r", p) for p in edge_props)
    for rel_type in types:
        lines += [
            "LOAD CSV WITH HEADERS FROM 'file:///relationships.csv' AS row",
            f"WITH row WHERE row.`:TYPE` = {_cypher_string(rel_type)}",
            f"MATCH (a:{NEO4J_BASE_LABEL} {{id: row.`:START_ID`}}), (b:{NEO4J_BASE_LABEL} {{id: row.`:END_ID`}})",
            f"CREATE (a)-[r:{_cypher_name(rel_type)}]->(b)" + (f"\nSET {edge_set};" if edge_set else ";"),
            "",
        ]
    return "\n".join(lines)


@exporter("neo4j", "graph", (".zip",),
          "Neo4j: nodes.csv + relationships.csv (neo4j-admin import) + load.cypher; -o FOLDER or FILE.zip",
          multi_file=True)
def write_neo4j(request: ExportRequest) -> Written:
    return neo4j_files(projection(request))


# -- tables --------------------------------------------------------------------------------------


ACTOR_HEADER = ["iri", "label", "class", "class_label", "alternate_names", "country", "events", "sources",
                "provenance"]
PROVENANCE_COLUMNS = ["sources", "provenance"]


def provenance_cells(prov: Mapping[str, Any], iri: str) -> list[str]:
    """How many sources a row's node has, and every one of them as a JSON array (see network.Provenance)."""
    from .network import NO_PROVENANCE

    attrs = prov.get(iri, NO_PROVENANCE).attrs
    return [str(attrs["sources"]), json.dumps(attrs["provenance"], ensure_ascii=False)]


def actors_table(store: Store) -> tuple[list[str], list[list[str]]]:
    """One row per actor: its most specific class, names, country, how many events it is in, and its sources."""
    from .model import Model, value
    from .namespaces import compact
    from .network import provenance

    model = Model(store)
    prov = provenance(model)
    vocabulary = model.vocabulary
    events: dict[str, set[str]] = {}
    for taking in model.participants():
        events.setdefault(taking.actor, set()).add(taking.event)
    rows = []
    for iri, actor in model.actors.items():
        label = value(actor.label)
        if label is None:
            continue
        cls = vocabulary.most_specific(actor.types)
        country, term = actor.country, vocabulary.terms.get(cls)
        rows.append([iri, label, compact(cls), (term.label if term else None) or "",
                     "; ".join(actor.alt_names), (country[1] or country[0]) if country else "",
                     str(len(events.get(iri, ()))), *provenance_cells(prov, iri)])
    rows.sort(key=lambda r: (r[1].lower(), r[0], r[2]))
    return ACTOR_HEADER, rows


def events_table(store: Store) -> tuple[list[str], Iterable[list[str]]]:
    """One row per event, from the timeline's own table, and every source of each (`sources`, `provenance`),
    each row made as it is written."""
    from . import timeline
    from .model import Model
    from .network import provenance

    model = Model(store)
    found = timeline.events(model)
    prov = provenance(model)
    rows = ([*row, *provenance_cells(prov, event.iri)]
            for row, event in zip(timeline.event_rows(found), found, strict=True))
    return [*timeline.EVENT_HEADER, *PROVENANCE_COLUMNS], rows


def _table_writer(build: Callable[[Store], tuple[list[str], Iterable[list[str]]]],
                  delimiter: str) -> Writer:
    def write(request: ExportRequest) -> Streamed:
        from .tables import delimited_chunks

        header, rows = build(request.store)
        return delimited_chunks(header, rows, delimiter)

    return write


for _table, _build in (("events", events_table), ("actors", actors_table)):
    for _kind, _delim in (("csv", ","), ("tsv", "\t")):
        exporter(f"{_table}-{_kind}", "table", (f".{_kind}",),
                 f"{_table}, one row each, {_kind.upper()}")(_table_writer(_build, _delim))


# -- writing -------------------------------------------------------------------------------------


def export(request: ExportRequest, exp: Exporter) -> Written:
    written = exp.write(request)
    return written if isinstance(written, bytes | dict) else b"".join(written)


def export_stream(request: ExportRequest, exp: Exporter) -> Streamed:
    """`export`, with the big line formats as chunks to write as they come, in bounded memory."""
    return exp.write(request)


def check_target(exp: Exporter, output: str) -> None:
    """Refuse an output the format cannot go to, before any work is done."""
    if not exp.multi_file:
        return
    if output == "-":
        raise InputError(f"{exp.name} writes several files; give -o FOLDER or -o FILE.zip")
    target = Path(output)
    if target.suffix.lower() != ".zip" and target.exists() and not target.is_dir():
        raise InputError(f"cannot write {target}: it is a file; give a folder or a .zip name")


def write_files(output: str, files: Files) -> list[str]:
    """Several files into a folder (replaced as a set) or a .zip, never a mix of old and new files."""
    from .output import write_folder, write_output

    if output == "-":
        raise InputError("this format writes several files; give -o FOLDER or -o FILE.zip")
    target = Path(output)
    if target.suffix.lower() == ".zip":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(files):
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, files[name])
        write_output(target, buf.getvalue())
        return [str(target)]
    return write_folder(target, files)
