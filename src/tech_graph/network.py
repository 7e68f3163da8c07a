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
ontology's `tg:colour`/`tg:shape`), `kind`, `alt_names`, and the provenance attributes.
Edge attributes of the actor network: `relation`, `relation_iri`, `event`,
`event_label`, `colour`, `date` (label at its precision), `start`, `end` (ISO days, "" when
unknown or open), `roles`, the provenance attributes, and for relationships `from_actor`,
`to_actor` (the direction the undirected graph does not keep).

Provenance attributes (see `Provenance`): `quote` and `source`, the first source of the fact;
`sources`, how many sources there are; `provenance`, every one of them as a record
(`quote`, `document`, `url`, `iri`, `kind`, `used_for`), in a tuple shared by the edges of one
event. networkx's own GraphML and GEXF writers take no tuples: write with `export.graphml_bytes`
or `export.gexf_bytes`, or flatten with `export.tidy` (which turns them into JSON).
"""

from __future__ import annotations

import heapq
import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import pyoxigraph as ox

from .dates import Span
from .errors import InputError
from .model import (
    DEFAULT_COLOUR,
    DEFAULT_SHAPE,
    VALUES_CHUNK,
    Actor,
    Document,
    EventFilter,
    Model,
    Vocabulary,
    lenient_when,
    local_name,
    value,
)
from .model import until_day as _until_day
from .namespaces import RDF, RDFS, TG, compact
from .store import Store, Term, Triples, bulk_results

if TYPE_CHECKING:
    import networkx as nx

CENTRALITIES = ("degree", "betweenness", "pagerank")
Centrality = Literal["degree", "betweenness", "pagerank"]


# -- classes: types, colours and shapes from the ontology -----------------------------------------


class Classes:
    """The vocabulary as the projections name classes: label, colour and shape, inherited from the nearest
    ancestor that has one."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary

    @classmethod
    def read(cls, store: Store | Model) -> Classes:
        return cls(_model(store).vocabulary)

    def most_specific(self, types: Iterable[str]) -> str:
        return self.vocabulary.most_specific(types)

    def label(self, iri: str) -> str:
        return self.vocabulary.label(iri)

    def colour(self, iri: str) -> str:
        return self.vocabulary.colour(iri)

    def shape(self, iri: str) -> str:
        return self.vocabulary.shape(iri)

    def node_attrs(self, types: Iterable[str]) -> dict[str, str]:
        cls = self.most_specific(types)
        return {"class": cls, "class_label": self.label(cls), "colour": self.colour(cls), "shape": self.shape(cls)}


def _model(store: Store | Model) -> Model:
    return store if isinstance(store, Model) else Model(store)


# -- provenance ------------------------------------------------------------------------------------


def citation(label: str, url: str) -> str:
    """A document as one line names it: its label, then its URL in angle brackets unless the label is the URL."""
    return f"{label} <{url}>" if url and url != label else label


@dataclass(frozen=True)
class Source:
    """One source of a node: a verbatim quote and the document it is from, or a document cited as a whole."""

    quote: str  # the verbatim words, whitespace collapsed; "" for a document cited as a whole
    document: str  # the document's IRI
    label: str  # how the document reads: its label, else its URL, else its compact IRI
    url: str  # "" when it has none
    kind: str  # "article" or "background"
    used_for: tuple[str, ...]  # what it supports: ("fact",), ("date",) or ("fact", "date")

    @property
    def citation(self) -> str:
        """The document as the `source` attribute names it: its label, then its URL in angle brackets."""
        return citation(self.label, self.url)

    def record(self) -> dict[str, Any]:
        return {"quote": self.quote, "document": self.label, "url": self.url, "iri": self.document,
                "kind": self.kind, "used_for": list(self.used_for)}


@dataclass(frozen=True)
class Provenance:
    """Every source of a node, in a stable order: its quotes (by their words), then the documents cited
    as a whole for the fact (background sources first), then those that only date it.

    `quote` and `source` are the first source of the fact, as the one-quote columns always were.
    """

    sources: tuple[Source, ...] = ()

    @property
    def first(self) -> Source | None:
        return next((s for s in self.sources if "fact" in s.used_for), None)

    @property
    def quote(self) -> str:
        return self.first.quote if self.first else ""

    @property
    def source(self) -> str:
        return self.first.citation if self.first else ""

    @cached_property
    def attrs(self) -> dict[str, Any]:
        """What a node or edge carries: `quote`, `source`, `sources` (how many) and `provenance` (all, as records)."""
        return {"quote": self.quote, "source": self.source, "sources": len(self.sources),
                "provenance": tuple(s.record() for s in self.sources)}


NO_PROVENANCE = Provenance()
PROVENANCE_ATTRS = ("quote", "source", "sources", "provenance")


def _document(doc: Document) -> tuple[str, str]:
    """How a source reads: its label (else its URL, else its compact IRI), and its URL.

    Of several labels and URLs, the pair whose citation reads least."""
    found = []
    labels: Iterable[str | None] = doc.labels or [None]
    urls: Iterable[tuple[str, bool] | None] = doc.urls or [None]
    for label in labels:
        for url in urls:
            name = label or (url[0] if url and not url[1] else None) or compact(doc.iri)
            link = url[0] if url else ""
            found.append((citation(name, link), name, link))
    _, name, link = min(found)
    return name, link


def provenance(store: Store | Model, nodes: Iterable[str] | None = None) -> dict[str, Provenance]:
    """For each node (of all, or these), every source: each verbatim quote with the document it is
    from, and each document cited for it as a whole, with what each supports (the fact, the date).

    A quote's words count once per document, however many excerpts repeat them.
    """
    model = _model(store)
    # node -> (words, document) or ("", document) -> {"fact", "date"}; the raw words sort the quotes, as always
    cited: dict[str, dict[tuple[str, str], set[str]]] = defaultdict(dict)
    words: dict[tuple[str, str], str] = {}
    for d in model.derivations(nodes=nodes):
        if d.excerpt and d.quote is not None:
            key = (" ".join(d.quote.split()), d.quoted_from or d.source)
            words[key] = min(words.get(key, d.quote), d.quote)
        else:
            key = ("", (d.quoted_from or d.source) if d.excerpt else d.source)
        cited[d.node].setdefault(key, set()).add(d.use)
    documents = model.documents if nodes is None else model.documents_of(  # a few nodes cite a few documents
        {doc for found in cited.values() for _, doc in found})
    names: dict[str, tuple[str, str, str]] = {}

    def named(doc: str) -> tuple[str, str, str]:
        if doc not in names:
            found = documents.get(doc)
            label, url = _document(found) if found else (compact(doc), "")
            names[doc] = (label, url, "article" if found and found.article else "background")
        return names[doc]

    made: dict[tuple[str, str, tuple[str, ...]], Source] = {}  # a big graph cites few documents, in few ways

    def source(key: tuple[str, str], uses: set[str]) -> Source:
        used_for = tuple(u for u in ("fact", "date") if u in uses)
        if (*key, used_for) not in made:
            made[(*key, used_for)] = Source(key[0], key[1], *named(key[1]), used_for)
        return made[(*key, used_for)]

    def order(item: Source) -> tuple[bool, bool, str, bool, str]:
        whole = item.quote == ""
        background = item.document in documents and documents[item.document].background
        return ("fact" not in item.used_for, whole, words.get((item.quote, item.document), ""),
                whole and not background, item.citation)

    return {node: Provenance(tuple(sorted((source(key, uses) for key, uses in found.items()), key=order)))
            for node, found in cited.items()}


# -- the pieces the projections are made of ---------------------------------------------------------


@dataclass
class Happening:
    """An event or a relationship: what links actors, with its time."""

    iri: str
    types: set[str]
    label: str
    span: Span | None = None
    status: str = ""
    open_ended: bool = False
    modality: str = ""  # planned, possible, rumoured, alleged; "" when the source states it as fact

    @property
    def date(self) -> str:
        return self.span.label if self.span else ""

    @property
    def start(self) -> str:
        return self.span.start.isoformat() if self.span else ""

    @property
    def end(self) -> str:
        return "" if self.span is None or self.open_ended else self.span.end.isoformat()


Timing = tuple[Span | None, bool]


class _Timings:
    """Spans from time literals; big graphs repeat the same few thousand dates, so each is worked out once."""

    def __init__(self) -> None:
        self.found: dict[tuple[Term | None, ...], Timing] = {}

    def __call__(self, time: Term | None, begin: Term | None, end: Term | None, relationship: bool) -> Timing:
        key = (time, begin, end)
        timing = self.found.get(key)
        if timing is None:
            first, last = lenient_when(begin), lenient_when(end)
            start = first or lenient_when(time)
            span = Span(start, last if last and last != start else None) if start else None
            # A relationship with a beginning and no end still holds.
            timing = self.found[key] = (span, relationship and first is not None and last is None)
        return timing


def _label(term: Term | None, iri: str) -> str:
    return term.value if isinstance(term, ox.Literal) else local_name(iri)


def events(store: Store | Model, chosen: EventFilter | None = None) -> dict[str, Happening]:
    timing = _Timings()
    found = {}
    for iri, event in _model(store).events(chosen).items():
        span, open_ended = timing(event.time, event.begin, event.end, False)
        found[iri] = Happening(iri, event.types, _label(event.label, iri), span,
                               value(event.status_label) or "", open_ended, event.modality_name)
    return found


def participants(store: Store | Model, chosen: EventFilter | None = None) -> dict[str, dict[str, list[str]]]:
    """Event -> actor -> the names of its roles there; events and actors in IRI order, names sorted.

    A role goes by each of its labels, or by its local name when it has none.
    """
    model = _model(store)
    taking_part: dict[str, dict[str, set[str]]] = {}
    for taking in model.participants(chosen):
        taking_part.setdefault(taking.event, {}).setdefault(taking.actor, set()).update(
            model.vocabulary.labels(taking.role))
    return {event: {actor: sorted(members[actor]) for actor in sorted(members)}
            for event, members in sorted(taking_part.items())}


@dataclass(frozen=True)
class Link:
    """A relationship between two actors, directed from `source` to `target`."""

    happening: Happening
    source: str
    target: str
    source_role: str
    target_role: str


def relationships(store: Store | Model, around: Iterable[str] | None = None) -> list[Link]:
    """Relationships between two actors (all, or those with one of `around` at an end), in IRI order."""
    model = _model(store)
    timing = _Timings()
    from_role, to_role = model.vocabulary.label(TG + "source"), model.vocabulary.label(TG + "target")
    links = {}
    found = model.relationships if around is None else model.relationships_of(around)
    for iri, rel in found.items():
        span, open_ended = timing(rel.time, rel.begin, rel.end, True)
        item = Happening(iri, rel.types, _label(rel.label, iri), span, "", open_ended)
        for source, target in rel.ends:
            if source and target:
                links[(iri, source, target)] = Link(item, source, target, from_role, to_role)
    return [links[k] for k in sorted(links)]


# -- projections -------------------------------------------------------------------------------------


def _after(item: Happening, day: date | None) -> bool:
    """True when the item starts after the day, so that a view as of that day leaves it out."""
    return day is not None and item.span is not None and item.span.start > day


def _actor_attrs(actor: Actor, classes: Classes, prov: dict[str, Provenance]) -> dict[str, Any]:
    return {"label": _label(actor.label, actor.iri), **classes.node_attrs(actor.types), "kind": "actor",
            "alt_names": "; ".join(actor.alt_names), **prov.get(actor.iri, NO_PROVENANCE).attrs}


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
        attrs = {"relation": kind[0], "relation_iri": kind[1], "colour": kind[2],
                 "event": item.iri, "event_label": item.label,
                 "date": times[1], "start": times[2], "end": times[3], "status": item.status,
                 **self.prov.get(item.iri, NO_PROVENANCE).attrs}
        if item.modality:  # only where a source hedges, so files of plain facts keep their columns
            attrs["modality"] = item.modality
        return attrs


def _read_parts(model: Model, until: date | str | None) -> tuple[
        date | None, Classes, dict[str, Provenance], dict[str, Actor], dict[str, Happening], _Describer]:
    """What both projections are built from: the cut-off day, classes, provenance, actors and events."""
    classes = Classes(model.vocabulary)
    prov = provenance(model)
    return _until_day(until), classes, prov, model.actors, events(model), _Describer(classes, prov)


@dataclass
class _Part:
    """The events, participations and relationships a projection is built from, and the actors they reach."""

    happened: dict[str, Happening]
    taking_part: dict[str, dict[str, list[str]]]
    links: list[Link]
    reached: set[str] | None = None  # None: every actor
    exhausted: bool = True  # nothing more lies beyond what was reached
    people: dict[str, Actor] | None = None  # the actors read, when not all of them


def _whole(model: Model) -> _Part:
    return _Part(events(model), participants(model), relationships(model))


def _around(model: Model, center: str, depth: int, day: date | None, target: str | None = None,
            closed: bool = True) -> _Part:
    """What lies within `depth` steps of `center`, read step by step, never the whole network.

    Each step reads the events and relationships of the actors reached last. `closed` adds
    the links among the actors at the last step (what `ego` keeps); `neighbors` and `path` do
    not need them. With `target`, it stops at the step that reaches it.
    """
    people = model.actors_among([center])
    reached, frontier = {center}, {center}
    part = _Part({}, {}, [], reached, people=people)

    def read(actors: set[str]) -> set[str]:
        chosen = EventFilter(actors=frozenset(actors))
        happened = events(model, chosen)
        if not happened:
            return set()
        taking_part = participants(model, EventFilter(only=frozenset(happened)) if len(happened) <= VALUES_CHUNK
                                   else chosen)
        links = [link for link in relationships(model, actors) if not _after(link.happening, day)]
        found: set[str] = set()
        for event_iri, members in taking_part.items():
            event = happened.get(event_iri)
            if event is not None and not _after(event, day) and event_iri not in part.happened:
                part.happened[event_iri], part.taking_part[event_iri] = event, members
                found.update(members)
        _add_links(part, links)
        found.update(end for link in links for end in (link.source, link.target))
        people.update(model.actors_among(found - people.keys()))
        return found & people.keys()

    for _ in range(depth):
        frontier = read(frontier) - reached
        reached |= frontier
        if not frontier or (target is not None and target in frontier):
            break
    part.exhausted = not frontier
    if closed and frontier:
        _close(model, part, frontier, day)
    part.links = sorted((link for link in part.links if link.source in people and link.target in people),
                        key=lambda link: (link.happening.iri, link.source, link.target))
    part.taking_part = dict(sorted(part.taking_part.items()))
    return part


def _add_links(part: _Part, links: list[Link]) -> None:
    known = {link.happening.iri for link in part.links}
    part.links += [link for link in links if link.happening.iri not in known]


def _close(model: Model, part: _Part, frontier: set[str], day: date | None) -> None:
    """Add the events and relationships that link two actors of the last step.

    Every event of an actor reached earlier is read already, so what is missing is an event
    that two of the last step's actors share: found in the store from their own roles, then
    read by name.
    """
    shared = sorted(model.shared_events(frontier) - part.happened.keys())
    for i in range(0, len(shared), VALUES_CHUNK):
        happened = events(model, EventFilter(only=frozenset(shared[i : i + VALUES_CHUNK])))
        taking_part = participants(model, EventFilter(only=frozenset(happened)))
        for event_iri, event in happened.items():
            if event_iri in taking_part and not _after(event, day):
                part.happened[event_iri], part.taking_part[event_iri] = event, taking_part[event_iri]
    _add_links(part, [link for link in relationships(model, frontier) if not _after(link.happening, day)])


@bulk_results()
def actor_network(store: Store | Model, *, until: date | str | None = None,
                  around: tuple[str, int] | None = None) -> nx.MultiGraph[str]:
    """Actors joined by the events they share and the relationships between them (undirected, multi-edge).

    With `until`, only what had begun by that day (inclusive) is kept, with the actors it links;
    undated relationships are kept. Edge keys are the event or relationship IRIs. With
    `around=(actor, depth)`, only the actors within `depth` steps of it (and the links among
    them) are read and kept: `ego` of the whole network, at the cost of that neighbourhood.
    """
    model = _model(store)
    day = _until_day(until)
    part = _whole(model) if around is None else _around(model, *around, day)
    return _actor_graph(model, day, part)


def _actor_graph(model: Model, day: date | None, part: _Part, cited: bool = True) -> nx.MultiGraph[str]:
    import networkx as nx

    people = part.people if part.people is not None else model.actors
    classes = Classes(model.vocabulary)
    reached = part.reached
    if not cited:
        prov: dict[str, Provenance] = {}
    elif reached is None:
        prov = provenance(model)
    else:
        prov = provenance(model, [*reached, *part.happened, *(link.happening.iri for link in part.links)])
    describe = _Describer(classes, prov)
    names = {iri: _label(actor.label, iri) for iri, actor in people.items()}
    graph: nx.MultiGraph[str] = nx.MultiGraph(name="actor network", until=day.isoformat() if day else "")
    if day is None:
        for iri, actor in sorted(people.items()):  # in IRI order, whatever order the store gave
            if reached is None or iri in reached:
                graph.add_node(iri, **_actor_attrs(actor, classes, prov))

    def add_actors(*nodes: str) -> None:
        for node in nodes:
            if node not in graph:
                graph.add_node(node, **_actor_attrs(people[node], classes, prov))

    def kept(actor: str) -> bool:
        return actor in people and (reached is None or actor in reached)

    for event_iri, members in part.taking_part.items():
        event = part.happened.get(event_iri)
        if event is None or len(members) < 2 or _after(event, day):
            continue
        taking = [(u, f"{names[u]}: {', '.join(roles)}") for u, roles in members.items() if kept(u)]
        if len(taking) < 2:
            continue
        attrs = describe.attrs(event)
        for i, (u, u_roles) in enumerate(taking):
            for v, v_roles in taking[i + 1 :]:
                if day is not None:
                    add_actors(u, v)
                graph.add_edge(u, v, key=event_iri, **attrs, roles=f"{u_roles}; {v_roles}", from_actor="", to_actor="")
    for link in part.links:
        if not kept(link.source) or not kept(link.target) or _after(link.happening, day):
            continue
        attrs = describe.attrs(link.happening)
        who = f"{names[link.source]}: {link.source_role}; {names[link.target]}: {link.target_role}"
        add_actors(link.source, link.target)
        graph.add_edge(link.source, link.target, key=link.happening.iri,
                       **attrs, roles=who, from_actor=link.source, to_actor=link.target)
    return graph


@bulk_results()
def event_actor_network(store: Store | Model, *, until: date | str | None = None) -> nx.Graph[str]:
    """A two-mode graph: events and actors as nodes (`kind`), an edge per participation with its `role`."""
    import networkx as nx

    model = _model(store)
    day, classes, prov, people, happened, describe = _read_parts(model, until)
    graph: nx.Graph[str] = nx.Graph(name="event-actor network", until=day.isoformat() if day else "")
    taking_part = participants(model)
    for event_iri in sorted(happened):
        event = happened[event_iri]
        if _after(event, day):
            continue
        attrs = describe.attrs(event)
        cls = attrs["relation_iri"]
        graph.add_node(event_iri, label=event.label, **{"class": cls}, class_label=attrs["relation"],
                       colour=attrs["colour"], shape=classes.shape(cls), kind="event", alt_names="",
                       date=attrs["date"], start=attrs["start"], end=attrs["end"], status=event.status,
                       **{k: attrs[k] for k in PROVENANCE_ATTRS},
                       **({"modality": event.modality} if event.modality else {}))
    for event_iri, members in taking_part.items():
        if event_iri not in happened or _after(happened[event_iri], day):
            continue
        attrs = graph.nodes[event_iri]
        for actor_iri, role_names in members.items():
            if actor_iri not in people:
                continue
            if actor_iri not in graph:
                graph.add_node(actor_iri, **_actor_attrs(people[actor_iri], classes, prov))
            graph.add_edge(event_iri, actor_iri, role=", ".join(role_names), relation=", ".join(role_names),
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
    model = Model(store)
    classes = Classes(model.vocabulary)
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
            graph.add_edge(s, o, key=predicate, relation=local_name(predicate), relation_iri=predicate)
    missing = [n for n in graph if not n.startswith("_:") and (n not in labels or n not in types)]
    for iri, (label, kinds) in model.labels_and_types(missing).items():
        if iri not in labels and label:
            labels[iri] = label
        types[iri].update(kinds)
    for n in graph:
        attrs: dict[str, Any] = {"label": labels.get(n) or local_name(n), "kind": "node", "alt_names": "",
                                 **NO_PROVENANCE.attrs}
        if types.get(n):
            attrs.update(classes.node_attrs(types[n]))
        else:
            attrs.update({"class": "", "class_label": "untyped", "colour": DEFAULT_COLOUR, "shape": DEFAULT_SHAPE})
        graph.nodes[n].update(attrs)
    return graph


# -- views ---------------------------------------------------------------------------------------------


def ego(graph: nx.Graph[str], center: str, depth: int) -> nx.Graph[str]:
    """The actors within `depth` steps of `center`, and every edge among them.

    Nodes in IRI order and edges by key, then ends: the same neighbourhood gives the same graph
    whether it was cut from the whole network or read on its own.
    """
    import networkx as nx

    if depth < 1:
        raise InputError(f"--depth must be 1 or more, not {depth}")
    if center not in graph:
        raise InputError(f"{graph.nodes.get(center, {}).get('label', compact(center))} is not in this view; "
                         "try without --until or another --view")
    keep = sorted(nx.single_source_shortest_path_length(graph, center, cutoff=depth))
    out = graph.__class__()
    out.graph.update(graph.graph)
    out.add_nodes_from((n, graph.nodes[n]) for n in keep)
    inside = graph.subgraph(keep)
    if inside.is_multigraph():
        for u, v, key, data in sorted(inside.edges(keys=True, data=True), key=lambda e: (str(e[2]), *sorted(e[:2]))):
            out.add_edge(*sorted((u, v)), key=key, **data)
    else:
        for u, v, data in sorted(inside.edges(data=True), key=lambda e: tuple(sorted(e[:2]))):
            out.add_edge(*sorted((u, v)), **data)
    return out


# -- graph questions -------------------------------------------------------------------------------------


PATH_STEPS = 6  # how far `path` looks from the first actor


def neighbourhood(store: Store | Model, name: str, depth: int, until: date | str | None = None,
                  closed: bool = False, cited: bool = True) -> tuple[nx.MultiGraph[str], str]:
    """The actor network around the actor a user names, read `depth` steps out, and that actor.

    `closed`: with the links among the actors at the last step (for drawing it; see `_around`).
    `cited=False` leaves `quote` and `source` empty, unread (a list of neighbours shows neither).
    """
    from .actors import resolve

    model = _model(store)
    named = resolve(model.store, name)
    day = _until_day(until)
    graph = _actor_graph(model, day, _around(model, named.iri, depth, day, closed=closed), cited)
    return graph, _present(graph, named.iri, named.label)


def connection(store: Store | Model, source: str, target: str, until: date | str | None = None,
               steps: int = PATH_STEPS) -> tuple[nx.MultiGraph[str], str, str, bool]:
    """The network read out from `source` until it reaches `target` (at most `steps` steps), the two
    actors, and whether the whole reachable network was read (so that no path means none at all).

    Quotes and sources are read for the links on the shortest paths only, which is what `paths_text`
    shows; elsewhere `quote` and `source` are empty.
    """
    from .actors import resolve

    model = _model(store)
    a, b = resolve(model.store, source), resolve(model.store, target)
    if a.iri == b.iri:
        raise InputError("give two different actors")
    day = _until_day(until)
    part = _around(model, a.iri, steps, day, target=b.iri, closed=False)
    graph = _actor_graph(model, day, part, cited=False)
    _present(graph, a.iri, a.label)
    if b.iri not in graph:
        own = _actor_graph(model, day, _around(model, b.iri, 1, day, closed=False), cited=False)
        _present(own, b.iri, b.label)
        graph.add_node(b.iri, **own.nodes[b.iri])
    _cite_shortest(model, graph, a.iri, b.iri)
    return graph, a.iri, b.iri, part.exhausted


def _cite_shortest(model: Model, graph: nx.MultiGraph[str], a: str, b: str) -> None:
    """Fill in the quote and source of every link that lies on a shortest path from a to b."""
    import networkx as nx

    from_a = nx.single_source_shortest_path_length(graph, a)
    if b not in from_a:
        return
    from_b = nx.single_source_shortest_path_length(graph, b)
    far = len(from_a) + len(from_b)  # longer than any path

    def on_path(u: str, v: str) -> bool:
        return bool(from_a.get(u, far) + 1 + from_b.get(v, far) == from_a[b])

    links = [(data, key) for u, v, key, data in graph.edges(keys=True, data=True) if on_path(u, v) or on_path(v, u)]
    cited = provenance(model, {key for _, key in links})
    for data, key in links:
        data.update(cited.get(key, NO_PROVENANCE).attrs)


def _present(graph: nx.Graph[str], iri: str, label: str) -> str:
    if iri not in graph:
        raise InputError(f"actor {label!r} has no connections in this network; "
                         "try another actor or drop --until")
    return iri


def find_node(graph: nx.Graph[str], store: Store, name: str) -> str:
    """The actor a user names (IRI, compact IRI, label or alternate name), which must be in the graph."""
    from .actors import resolve

    named = resolve(store, name)
    return _present(graph, named.iri, named.label)


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


def source_records(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every source of a node or edge as records (see `Source.record`). A graph without `provenance`
    (one of the user's) gives its `quote` and `source` as one record, or none."""
    found = data.get("provenance")
    if isinstance(found, list | tuple):
        return [s for s in found if isinstance(s, Mapping)]
    quote, source = str(data.get("quote") or ""), str(data.get("source") or "")
    return [{"quote": quote, "document": source, "url": "", "used_for": ["fact"]}] if quote or source else []


def source_lines(data: dict[str, Any]) -> list[str]:
    """Every source of a node or edge, one line each: “quote” — document, else source: document, or date: document
    for one that only dates it. Without `provenance` (a graph of the user's), its `quote` and `source`."""
    lines = []
    for s in source_records(data):
        url, document = str(s.get("url") or ""), str(s.get("document") or "")
        where = citation(document, url)
        dated = list(s.get("used_for") or ["fact"]) == ["date"]
        if s.get("quote"):
            lines.append(f"“{s['quote']}” — {where}" + (" (for the date)" if dated else ""))
        elif where:
            lines.append(f"{'date' if dated else 'source'}: {where}")
    return lines


def paths_text(graph: nx.Graph[str], source: str, target: str, limit: int = 5, within: int | None = None) -> str:
    """Each shortest connection as a numbered chain of hops, each hop with its events, dates and quotes.

    `within`: the graph holds only what lies that many steps from `source`.
    """
    label = {n: str(graph.nodes[n].get("label", n)) for n in (source, target)}
    found = paths(graph, source, target, limit)
    if not found:
        where = f"within {within} steps" if within else "in this network"
        return f"no connection between {label[source]} and {label[target]} {where}\n"
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
                lines += [f"       {line}" for line in source_lines(edge)]
    return "\n".join(lines) + "\n"


def central_text(graph: nx.Graph[str], by: str = "degree", top: int = 20, fmt: str = "table") -> str:
    ranked = central(graph, by, top)
    digits = 0 if by == "degree" else 4
    rows = [[str(i), r.label, r.class_label, f"{r.score:.{digits}f}", str(r.links)] for i, r in enumerate(ranked, 1)]
    return _format(["rank", "actor", "type", by, "links"], rows, fmt)
