"""Projections of the RDF graph onto networkx, and the graph questions asked of them.

Each projection is built from a handful of SPARQL SELECTs (named queries
`network-*.rq`), so its cost follows the rows it projects, and it works the same
against the embedded store and a remote SPARQL 1.1 server.

- `actor_network`: a `networkx.MultiGraph` (undirected). Nodes are actor IRIs;
  one edge per pair of actors per shared event, and one per relationship
  (ownership, stake, founding, platform operation).
- `event_actor_network`: a two-mode `networkx.Graph`, events and actors, roles on the edges.
- `construct_network`: a `networkx.MultiDiGraph` from a user's CONSTRUCT query.

Node attributes: `label`, `class`, `class_label`, `colour`, `shape` (from the
ontology's `tg:colour`/`tg:shape`), `kind`, `alt_names`, `quote`, `source`.
Edge attributes of the actor network: `relation`, `relation_iri`, `event`,
`event_label`, `colour`, `date` (label at its precision), `start`, `end` (ISO days, "" when
unknown or open), `roles`, `quote`, `source`, and for relationships `from_actor`,
`to_actor` (the direction the undirected graph does not keep).
"""

from __future__ import annotations

import heapq
import itertools
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import pyoxigraph as ox

from .dates import Span, When, parse_user_date, parse_when
from .errors import InputError
from .namespaces import RDF, RDFS, compact
from .query import run_named
from .store import Select, Store, Term, Triples, bulk_results

if TYPE_CHECKING:
    import networkx as nx

DEFAULT_COLOUR = "#97c2fc"  # vis-network's own default, for classes the ontology gives no colour
DEFAULT_SHAPE = "dot"
CENTRALITIES = ("degree", "betweenness", "pagerank")
Centrality = Literal["degree", "betweenness", "pagerank"]


# -- reading terms -------------------------------------------------------------------------------


def _iri(term: Term | None) -> str | None:
    return term.value if isinstance(term, ox.NamedNode) else None


def _text(term: Term | None) -> str | None:
    return term.value if isinstance(term, ox.Literal) else None


def _lang_rank(term: Term | None) -> int:
    """English first, then untagged, then any other language."""
    if not isinstance(term, ox.Literal):
        return 9
    lang = (term.language or "").lower()
    return 0 if lang.startswith("en") else 1 if not lang else 2


def _local_name(iri: str) -> str:
    return iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _when(term: Term | None) -> When | None:
    if not isinstance(term, ox.Literal):
        return None
    try:
        return parse_when(term.value, term.datatype.value)
    except ValueError:
        return None


# -- classes: types, colours and shapes from the ontology -----------------------------------------


@dataclass
class ClassInfo:
    iri: str
    label: str
    parents: list[str] = field(default_factory=list)
    colour: str | None = None
    shape: str | None = None


@dataclass
class Classes:
    """The ontology's classes, with the presentation hints each inherits from its nearest ancestor."""

    info: dict[str, ClassInfo]
    _ancestors: dict[str, list[str]] = field(default_factory=dict)
    _specific: dict[frozenset[str], str] = field(default_factory=dict)

    @classmethod
    def read(cls, store: Store) -> Classes:
        info: dict[str, ClassInfo] = {}
        ranks: dict[str, int] = {}
        for row in run_named(store, "network-classes").dicts():
            iri = _iri(row["class"])
            if iri is None:
                continue
            item = info.setdefault(iri, ClassInfo(iri, _local_name(iri)))
            label = _text(row["label"])
            if label is not None and _lang_rank(row["label"]) < ranks.get(iri, 9):
                item.label, ranks[iri] = label, _lang_rank(row["label"])
            parent = _iri(row["parent"])
            if parent and parent not in item.parents:
                item.parents.append(parent)
            item.colour = item.colour or _text(row["colour"])
            item.shape = item.shape or _text(row["shape"])
        return cls(info)

    def ancestors(self, iri: str) -> list[str]:
        """The class and its ancestors, nearest first (breadth first)."""
        if iri in self._ancestors:
            return self._ancestors[iri]
        seen, queue, order = {iri}, deque([iri]), []
        while queue:
            current = queue.popleft()
            order.append(current)
            for parent in self.info[current].parents if current in self.info else []:
                if parent not in seen:
                    seen.add(parent)
                    queue.append(parent)
        self._ancestors[iri] = order
        return order

    def depth(self, iri: str) -> int:
        return len(self.ancestors(iri))

    def most_specific(self, types: Iterable[str]) -> str:
        """The type that is no ancestor of another, ties broken by depth then IRI."""
        key = frozenset(types)
        if key not in self._specific:
            self._specific[key] = self._most_specific(key)
        return self._specific[key]

    def _most_specific(self, types: frozenset[str]) -> str:
        candidates = sorted(types)
        covered = {a for t in candidates for a in self.ancestors(t)[1:]}
        best = [t for t in candidates if t not in covered] or candidates
        return max(best, key=lambda t: (self.depth(t), t))

    def label(self, iri: str) -> str:
        return self.info[iri].label if iri in self.info else _local_name(iri)

    def colour(self, iri: str) -> str:
        found = [self.info[a].colour for a in self.ancestors(iri) if a in self.info]
        return next((c for c in found if c), DEFAULT_COLOUR)

    def shape(self, iri: str) -> str:
        found = [self.info[a].shape for a in self.ancestors(iri) if a in self.info]
        return next((s for s in found if s), DEFAULT_SHAPE)

    def node_attrs(self, types: Iterable[str]) -> dict[str, str]:
        cls = self.most_specific(types)
        return {"class": cls, "class_label": self.label(cls), "colour": self.colour(cls), "shape": self.shape(cls)}


# -- provenance ------------------------------------------------------------------------------------


class Provenance(NamedTuple):
    quote: str
    source: str


NO_PROVENANCE = Provenance("", "")


def _document(doc: str, label: Term | None, url: Term | None) -> str:
    """How a source reads: its label (else its URL, else its compact IRI), then its URL in angle brackets."""
    name = _text(label) or _text(url) or compact(doc)
    link = _iri(url) or _text(url)
    return f"{name} <{link}>" if link and link != name else name


def provenance(store: Store) -> dict[str, Provenance]:
    """For each node, its first verbatim quote and where it is from; else its first background source.

    "First" is the least (quote, source) pair, over every label and URL a source document has.
    """
    described: dict[str, list[str]] = defaultdict(list)
    quotes: dict[str, list[tuple[str, str]]] = defaultdict(list)
    backgrounds: dict[str, list[str]] = defaultdict(list)
    for node, quote, doc, label, url in run_named(store, "network-provenance").rows:
        if not isinstance(doc, ox.NamedNode):
            continue
        if node is None:  # a document with one of its label and URL combinations
            described[doc.value].append(_document(doc.value, label, url))
        elif isinstance(node, ox.NamedNode):
            if isinstance(quote, ox.Literal):
                quotes[node.value].append((quote.value, doc.value))
            else:
                backgrounds[node.value].append(doc.value)
    first = {doc: min(names) for doc, names in described.items()}

    def source(doc: str) -> str:
        return first[doc] if doc in first else compact(doc)

    out = {}
    for iri, found in quotes.items():
        if len(found) == 1:
            text, from_doc = found[0]
            out[iri] = Provenance(" ".join(text.split()), source(from_doc))
        else:
            text, described_as = min((q, source(d)) for q, d in found)
            out[iri] = Provenance(" ".join(text.split()), described_as)
    for iri, docs in backgrounds.items():
        if iri not in out:
            out[iri] = Provenance("", min(source(d) for d in docs))
    return out


# -- the pieces the projections are made of ---------------------------------------------------------


@dataclass
class Gathered:
    """A node seen in many result rows: all its types, and its best label (English first)."""

    iri: str
    types: set[str] = field(default_factory=set)
    label: str = ""
    label_rank: int = 9

    def take(self, kind: ox.NamedNode, label: Term | None) -> None:
        self.types.add(kind.value)
        if isinstance(label, ox.Literal):
            lang = label.language
            rank = 1 if not lang else 0 if lang.lower().startswith("en") else 2
            if rank < self.label_rank:
                self.label, self.label_rank = label.value, rank


@dataclass
class Actor(Gathered):
    alt_names: list[str] = field(default_factory=list)


def actors(store: Store) -> dict[str, Actor]:
    found: dict[str, Actor] = {}
    for node, kind, label, alt in run_named(store, "network-actors").rows:
        if not isinstance(node, ox.NamedNode) or not isinstance(kind, ox.NamedNode):
            continue
        actor = found.get(node.value)
        if actor is None:
            actor = found[node.value] = Actor(node.value)
        actor.take(kind, label)
        if isinstance(alt, ox.Literal) and alt.value and alt.value not in actor.alt_names:
            actor.alt_names.append(alt.value)
    for actor in found.values():
        actor.label = actor.label or _local_name(actor.iri)
    return found


@dataclass
class Happening(Gathered):
    """An event or a relationship: what links actors, with its time."""

    span: Span | None = None
    status: str = ""
    open_ended: bool = False

    @property
    def date(self) -> str:
        return self.span.label if self.span else ""

    @property
    def start(self) -> str:
        return self.span.start.isoformat() if self.span else ""

    @property
    def end(self) -> str:
        return "" if self.span is None or self.open_ended else self.span.end.isoformat()


def _span(time: When | None, begin: When | None, end: When | None) -> Span | None:
    first = begin or time
    if first is None:
        return None
    return Span(first, end if end and end != first else None)


Timing = tuple[Span | None, bool]


def _happenings(rows: Iterable[tuple[Term | None, ...]], relationship: bool) -> dict[str, Happening]:
    """Happenings from rows of (iri, type, label, time, begin, end, status)."""
    found: dict[str, Happening] = {}
    timings: dict[tuple[Term | None, ...], Timing] = {}  # big graphs repeat the same few thousand dates
    for node, kind, label, time, begin, end, status in rows:
        if not isinstance(node, ox.NamedNode) or not isinstance(kind, ox.NamedNode):
            continue
        item = found.get(node.value)
        if item is None:
            item = found[node.value] = Happening(node.value)
        item.take(kind, label)
        if item.span is None:
            key = (time, begin, end)
            timing = timings.get(key)
            if timing is None:
                first, last = _when(begin), _when(end)
                # A relationship with a beginning and no end still holds.
                timing = timings[key] = (_span(_when(time), first, last),
                                         relationship and first is not None and last is None)
            item.span, item.open_ended = timing
        if not item.status and isinstance(status, ox.Literal):
            item.status = status.value
    for item in found.values():
        item.label = item.label or _local_name(item.iri)
    return found


def events(store: Store) -> dict[str, Happening]:
    return _happenings(run_named(store, "network-events").rows, relationship=False)


class Role(NamedTuple):
    """An actor taking part in an event; sorts by event, actor, role."""

    event: str
    actor: str
    role: str


def roles(store: Store) -> list[Role]:
    """Every participation, once per role label (a role without one goes by its local name), sorted."""
    return [Role(event, actor, name) for event, members in participants(store).items()
            for actor, names in members.items() for name in names]


def participants(store: Store) -> dict[str, dict[str, list[str]]]:
    """Event -> actor -> the names of its roles there; events and actors in IRI order, names sorted.

    A role goes by each of its labels, or by its local name when it has none.
    """
    taking_part: dict[str, dict[str, list[str]]] = {}  # event -> actor -> role IRIs
    labels: dict[str, list[str]] = defaultdict(list)
    for event, prop, actor, label in run_named(store, "network-roles").rows:
        if not isinstance(prop, ox.NamedNode):
            continue
        if event is None:  # a role with one of its labels
            labels[prop.value].append(_text(label) or _local_name(prop.value))
        elif isinstance(event, ox.NamedNode) and isinstance(actor, ox.NamedNode):
            members = taking_part.get(event.value)
            if members is None:
                members = taking_part[event.value] = {}
            props = members.get(actor.value)
            if props is None:
                members[actor.value] = [prop.value]
            else:
                props.append(prop.value)
    names = {prop: sorted(set(found)) for prop, found in labels.items()}

    def named(props: list[str]) -> list[str]:
        if len(props) == 1 and props[0] in names:
            return list(names[props[0]])
        return sorted({name for prop in props for name in names.get(prop) or [_local_name(prop)]})

    return {event: {actor: named(members[actor]) for actor in sorted(members)}
            for event, members in sorted(taking_part.items())}


@dataclass(frozen=True)
class Link:
    """A relationship between two actors, directed from `source` to `target`."""

    happening: Happening
    source: str
    target: str
    source_role: str
    target_role: str


def relationships(store: Store) -> list[Link]:
    rows = run_named(store, "network-relationships").rows
    # (rel, type, label, time, begin, end) + status, which relationships do not have
    items = _happenings(((r[0], r[1], r[2], r[5], r[6], r[7], None) for r in rows), relationship=True)
    links = {}
    for rel, _, _, src, dst, _, _, _, from_role, to_role in rows:
        if isinstance(rel, ox.NamedNode) and isinstance(src, ox.NamedNode) and isinstance(dst, ox.NamedNode) \
                and rel.value in items:
            links[(rel.value, src.value, dst.value)] = Link(items[rel.value], src.value, dst.value,
                                                            _text(from_role) or "source", _text(to_role) or "target")
    return [links[k] for k in sorted(links)]


# -- projections -------------------------------------------------------------------------------------


def _until_day(until: date | str | None) -> date | None:
    if until is None or isinstance(until, date):
        return until
    return parse_user_date(until, "--until").end


def _after(item: Happening, day: date | None) -> bool:
    """True when the item starts after the day, so that a view as of that day leaves it out."""
    return day is not None and item.span is not None and item.span.start > day


def _actor_attrs(actor: Actor, classes: Classes, prov: dict[str, Provenance]) -> dict[str, Any]:
    quote, source = prov.get(actor.iri, NO_PROVENANCE)
    return {"label": actor.label, **classes.node_attrs(actor.types), "kind": "actor",
            "alt_names": "; ".join(actor.alt_names), "quote": quote, "source": source}


@dataclass
class _Describer:
    """Edge and node attributes of happenings; what many happenings share (class, time) is worked out once."""

    classes: Classes
    prov: dict[str, Provenance]
    _kinds: dict[frozenset[str], tuple[str, str, str]] = field(default_factory=dict)
    # keyed by the span's identity: happenings with the same time literals share one Span (see _happenings),
    # which the value holds on to; hashing a Span by value costs more than the texts it saves
    _times: dict[tuple[int, bool], tuple[Span | None, str, str, str]] = field(default_factory=dict)

    def attrs(self, item: Happening) -> dict[str, Any]:
        types = frozenset(item.types)
        kind = self._kinds.get(types)
        if kind is None:
            cls = self.classes.most_specific(types)
            kind = self._kinds[types] = (self.classes.label(cls), cls, self.classes.colour(cls))
        when = (id(item.span), item.open_ended)
        times = self._times.get(when)
        if times is None:
            times = self._times[when] = (item.span, item.date, item.start, item.end)
        quote, source = self.prov.get(item.iri, NO_PROVENANCE)
        return {"relation": kind[0], "relation_iri": kind[1], "colour": kind[2],
                "event": item.iri, "event_label": item.label,
                "date": times[1], "start": times[2], "end": times[3], "status": item.status,
                "quote": quote, "source": source}


def _read_parts(store: Store, until: date | str | None) -> tuple[
        date | None, Classes, dict[str, Provenance], dict[str, Actor], dict[str, Happening], _Describer]:
    """What both projections are built from: the cut-off day, classes, provenance, actors and events."""
    classes = Classes.read(store)
    prov = provenance(store)
    return _until_day(until), classes, prov, actors(store), events(store), _Describer(classes, prov)


@bulk_results()
def actor_network(store: Store, *, until: date | str | None = None) -> nx.MultiGraph[str]:
    """Actors joined by the events they share and the relationships between them (undirected, multi-edge).

    With `until`, only what had begun by that day (inclusive) is kept, with the actors it links;
    undated relationships are kept. Edge keys are the event or relationship IRIs.
    """
    import networkx as nx

    day, classes, prov, people, happened, describe = _read_parts(store, until)
    graph: nx.MultiGraph[str] = nx.MultiGraph(name="actor network", until=day.isoformat() if day else "")
    if day is None:
        for actor in people.values():
            graph.add_node(actor.iri, **_actor_attrs(actor, classes, prov))

    def add_actors(*nodes: str) -> None:
        for node in nodes:
            if node not in graph:
                graph.add_node(node, **_actor_attrs(people[node], classes, prov))

    for event_iri, members in participants(store).items():
        event = happened.get(event_iri)
        if event is None or len(members) < 2 or _after(event, day):
            continue
        taking = [(u, f"{people[u].label}: {', '.join(names)}") for u, names in members.items() if u in people]
        if len(taking) < 2:
            continue
        attrs = describe.attrs(event)
        for i, (u, u_roles) in enumerate(taking):
            for v, v_roles in taking[i + 1 :]:
                if day is not None:
                    add_actors(u, v)
                graph.add_edge(u, v, key=event_iri, **attrs, roles=f"{u_roles}; {v_roles}", from_actor="", to_actor="")
    for link in relationships(store):
        if link.source not in people or link.target not in people or _after(link.happening, day):
            continue
        attrs = describe.attrs(link.happening)
        who = f"{people[link.source].label}: {link.source_role}; {people[link.target].label}: {link.target_role}"
        add_actors(link.source, link.target)
        graph.add_edge(link.source, link.target, key=link.happening.iri,
                       **attrs, roles=who, from_actor=link.source, to_actor=link.target)
    return graph


@bulk_results()
def event_actor_network(store: Store, *, until: date | str | None = None) -> nx.Graph[str]:
    """A two-mode graph: events and actors as nodes (`kind`), an edge per participation with its `role`."""
    import networkx as nx

    day, classes, prov, people, happened, describe = _read_parts(store, until)
    graph: nx.Graph[str] = nx.Graph(name="event-actor network", until=day.isoformat() if day else "")
    taking_part = participants(store)
    for event_iri in sorted(happened):
        event = happened[event_iri]
        if _after(event, day):
            continue
        attrs = describe.attrs(event)
        cls = attrs["relation_iri"]
        graph.add_node(event_iri, label=event.label, **{"class": cls}, class_label=attrs["relation"],
                       colour=attrs["colour"], shape=classes.shape(cls), kind="event", alt_names="",
                       date=attrs["date"], start=attrs["start"], end=attrs["end"], status=event.status,
                       quote=attrs["quote"], source=attrs["source"])
    for event_iri, members in taking_part.items():
        if event_iri not in happened or _after(happened[event_iri], day):
            continue
        attrs = graph.nodes[event_iri]
        for actor_iri, names in members.items():
            if actor_iri not in people:
                continue
            if actor_iri not in graph:
                graph.add_node(actor_iri, **_actor_attrs(people[actor_iri], classes, prov))
            graph.add_edge(event_iri, actor_iri, role=", ".join(names), relation=", ".join(names),
                           date=attrs["date"], start=attrs["start"], end=attrs["end"])
    return graph


def construct_network(store: Store, query_text: str, where: str = "the query") -> nx.MultiDiGraph[str]:
    """A directed multigraph from a CONSTRUCT: IRI and blank-node objects become edges, never literals.

    `rdf:type` sets a node's class and `rdfs:label` its label instead of adding edges; nodes the result
    does not label or type are looked up in the store.
    """
    import networkx as nx

    result = store.query(query_text, where=where)
    if not isinstance(result, Triples):
        raise InputError(f"{where} must be a CONSTRUCT or DESCRIBE query to give a network; it is not")
    classes = Classes.read(store)
    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph(name="constructed network")
    labels: dict[str, str] = {}
    types: dict[str, set[str]] = defaultdict(set)

    def node_id(term: Any) -> str:
        return term.value if isinstance(term, ox.NamedNode) else f"_:{term.value}"

    for triple in result.triples:
        subject, predicate, obj = triple.subject, triple.predicate.value, triple.object
        if not isinstance(subject, ox.NamedNode | ox.BlankNode):
            continue
        s = node_id(subject)
        graph.add_node(s)
        if predicate == RDF + "type" and isinstance(obj, ox.NamedNode):
            types[s].add(obj.value)
        elif isinstance(obj, ox.Literal):
            if predicate == RDFS + "label" and s not in labels:
                labels[s] = obj.value
        elif isinstance(obj, ox.NamedNode | ox.BlankNode):
            o = node_id(obj)
            graph.add_edge(s, o, key=predicate, relation=classes.label(predicate) if predicate in classes.info
                           else _local_name(predicate), relation_iri=predicate)
    missing = [n for n in graph if not n.startswith("_:") and (n not in labels or n not in types)]
    for chunk in range(0, len(missing), 400):
        values = " ".join(f"<{n}>" for n in missing[chunk : chunk + 400])
        found = store.query(f"SELECT ?n ?label ?type WHERE {{ VALUES ?n {{ {values} }} "
                            f"OPTIONAL {{ ?n rdfs:label ?label }} OPTIONAL {{ ?n a ?type }} }}")
        assert isinstance(found, Select)
        for n, label, kind in found.rows:
            iri = _iri(n)
            if iri is None:
                continue
            if iri not in labels and _text(label):
                labels[iri] = _text(label) or ""
            if _iri(kind):
                types[iri].add(_iri(kind) or "")
    for n in graph:
        attrs: dict[str, Any] = {"label": labels.get(n) or _local_name(n), "kind": "node", "alt_names": "",
                                 "quote": "", "source": ""}
        if types.get(n):
            attrs.update(classes.node_attrs(types[n]))
        else:
            attrs.update({"class": "", "class_label": "untyped", "colour": DEFAULT_COLOUR, "shape": DEFAULT_SHAPE})
        graph.nodes[n].update(attrs)
    return graph


# -- views ---------------------------------------------------------------------------------------------


def ego(graph: nx.Graph[str], center: str, depth: int) -> nx.Graph[str]:
    """The actors within `depth` steps of `center`, and every edge among them."""
    import networkx as nx

    if depth < 1:
        raise InputError(f"--depth must be 1 or more, not {depth}")
    if center not in graph:
        raise InputError(f"{graph.nodes.get(center, {}).get('label', compact(center))} is not in this view; "
                         "try without --until or another --view")
    return graph.subgraph(nx.single_source_shortest_path_length(graph, center, cutoff=depth)).copy()


# -- graph questions -------------------------------------------------------------------------------------


def find_node(graph: nx.Graph[str], store: Store, name: str) -> str:
    """The actor a user names (IRI, compact IRI, label or alternate name), which must be in the graph."""
    from .actors import resolve

    named = resolve(store, name)
    if named.iri not in graph:
        raise InputError(f"actor {named.label!r} has no connections in this network; "
                         "try another actor or drop --until")
    return named.iri


def edges_between(graph: nx.Graph[str], u: str, v: str) -> list[dict[str, Any]]:
    """The edges between two nodes, oldest first (undated last)."""
    data = graph.get_edge_data(u, v) or {}
    found = list(data.values()) if graph.is_multigraph() else [data]
    return sorted(found, key=lambda d: (d.get("start") or "9999", d.get("event_label", "")))


@dataclass(frozen=True)
class Neighbour:
    depth: int
    actor: str
    via: str
    edges: tuple[dict[str, Any], ...]


def neighbors(graph: nx.Graph[str], center: str, depth: int = 1) -> list[Neighbour]:
    """Every actor within `depth` steps, with the edges that join it to the actor one step closer."""
    if depth < 1:
        raise InputError(f"--depth must be 1 or more, not {depth}")
    label = _labeller(graph)
    seen = {center: 0}
    frontier = [center]
    out: list[Neighbour] = []
    for level in range(1, depth + 1):
        found: dict[str, str] = {}
        for node in sorted(frontier, key=label):
            for other in sorted(graph.neighbors(node), key=label):
                if other not in seen and other not in found:
                    found[other] = node
        for other, via in sorted(found.items(), key=lambda item: label(item[0])):
            seen[other] = level
            out.append(Neighbour(level, other, via, tuple(edges_between(graph, via, other))))
        frontier = list(found)
    return out


def _labeller(graph: nx.Graph[str]) -> Any:
    return lambda n: (str(graph.nodes[n].get("label", n)).casefold(), n)


@dataclass(frozen=True)
class Hop:
    source: str
    target: str
    edges: tuple[dict[str, Any], ...]


def paths(graph: nx.Graph[str], source: str, target: str, limit: int = 5) -> list[list[Hop]]:
    """The shortest connections between two actors (up to `limit` of them), each as a chain of hops."""
    import networkx as nx

    if source == target:
        raise InputError("give two different actors")
    try:
        found = list(itertools.islice(nx.all_shortest_paths(graph, source, target), limit))
    except nx.NetworkXNoPath:
        return []
    return [[Hop(u, v, tuple(edges_between(graph, u, v))) for u, v in itertools.pairwise(p)] for p in found]


@dataclass(frozen=True)
class Ranked:
    actor: str
    label: str
    class_label: str
    score: float
    links: int


def central(graph: nx.Graph[str], by: str = "degree", top: int = 20) -> list[Ranked]:
    """Actors ranked by degree (distinct neighbours), betweenness or PageRank (weighted by shared links)."""
    import networkx as nx

    if by not in CENTRALITIES:
        raise InputError(f"unknown centrality {by!r}; use one of {', '.join(CENTRALITIES)}")
    simple = simple_graph(graph)
    scores: dict[str, float]
    if by == "degree":
        scores = {n: float(d) for n, d in simple.degree()}
    elif by == "betweenness":
        scores = nx.betweenness_centrality(simple)
    else:
        scores = nx.pagerank(simple, weight="weight") if simple.number_of_edges() else {n: 0.0 for n in simple}
    best = heapq.nsmallest(top, scores, key=lambda n: (-scores[n], str(graph.nodes[n].get("label", n)), n))
    return [Ranked(n, str(graph.nodes[n].get("label", n)), str(graph.nodes[n].get("class_label", "")), scores[n],
                   graph.degree(n)) for n in best]


def communities(graph: nx.Graph[str], seed: int = 1) -> dict[str, int]:
    """Each node's community, 1 being the largest: Louvain modularity over links weighted by their number.

    Seeded, so the same graph always gets the same grouping and numbering; a node with no
    links is a community of its own.
    """
    import networkx as nx

    groups = nx.community.louvain_communities(simple_graph(graph), weight="weight", seed=seed)
    ordered = sorted(groups, key=lambda group: (-len(group), min(group)))
    return {node: number for number, group in enumerate(ordered, 1) for node in group}


def simple_graph(graph: nx.Graph[str]) -> nx.Graph[str]:
    """One undirected edge per linked pair, `weight` = how many links join them."""
    import networkx as nx

    simple: nx.Graph[str] = nx.Graph()
    simple.add_nodes_from(graph.nodes)
    for u, v in graph.edges():
        if u == v:
            continue
        if simple.has_edge(u, v):
            simple[u][v]["weight"] += 1
        else:
            simple.add_edge(u, v, weight=1)
    return simple


# -- answers as text, for the command line ------------------------------------------------------------


def _format(header: list[str], rows: list[list[str]], fmt: str) -> str:
    from .tables import as_delimited, as_markdown, as_table

    if fmt == "csv":
        return as_delimited(header, rows, ",")
    if fmt == "tsv":
        return as_delimited(header, rows, "\t")
    if fmt == "md":
        return as_markdown(header, rows)
    return as_table(header, rows, max_width=70)


TEXT_FORMATS = ("table", "csv", "tsv", "md")


def neighbors_text(graph: nx.Graph[str], center: str, depth: int = 1, fmt: str = "table") -> str:
    """One row per neighbour and connecting event or relationship."""
    rows = []
    for found in neighbors(graph, center, depth):
        for edge in found.edges:
            rows.append([str(found.depth), graph.nodes[found.actor]["label"],
                         graph.nodes[found.actor].get("class_label", ""), graph.nodes[found.via]["label"],
                         edge.get("relation", ""), edge.get("event_label", ""), edge.get("date", "")])
    return _format(["depth", "neighbour", "type", "via", "relation", "event or relationship", "date"], rows, fmt)


def paths_text(graph: nx.Graph[str], source: str, target: str, limit: int = 5) -> str:
    """Each shortest connection as a numbered chain of hops, each hop with its events, dates and quotes."""
    label = {n: str(graph.nodes[n].get("label", n)) for n in (source, target)}
    found = paths(graph, source, target, limit)
    if not found:
        return f"no connection between {label[source]} and {label[target]} in this network\n"
    steps = len(found[0])
    lines = [f"{label[source]} → {label[target]}: {steps} step{'s' if steps > 1 else ''}, "
             f"{len(found)} shortest path{'s' if len(found) > 1 else ''}"
             + (f" (first {limit} shown)" if len(found) == limit else "")]
    for number, path in enumerate(found, 1):
        chain = " → ".join([str(graph.nodes[path[0].source]["label"])]
                           + [str(graph.nodes[h.target]["label"]) for h in path])
        lines += ["", f"{number}. {chain}"]
        for hop in path:
            lines.append(f"   {graph.nodes[hop.source]['label']} — {graph.nodes[hop.target]['label']}:")
            for edge in hop.edges:
                when = f" ({edge['date']})" if edge.get("date") else ""
                lines.append(f"     - {edge.get('relation', '')}: {edge.get('event_label', '')}{when}")
                if edge.get("quote"):
                    lines.append(f"       “{edge['quote']}” — {edge.get('source', '')}")
                elif edge.get("source"):
                    lines.append(f"       source: {edge['source']}")
    return "\n".join(lines) + "\n"


def central_text(graph: nx.Graph[str], by: str = "degree", top: int = 20, fmt: str = "table") -> str:
    ranked = central(graph, by, top)
    digits = 0 if by == "degree" else 4
    rows = [[str(i), r.label, r.class_label, f"{r.score:.{digits}f}", str(r.links)] for i, r in enumerate(ranked, 1)]
    return _format(["rank", "actor", "type", by, "links"], rows, fmt)
