"""The model of the graph: what its classes, properties, events, actors, relationships and sources are.

One reader for everything the views show. The timeline, the network projections, the
exports and serve's entity pages are views over it and ask the store nothing themselves.
Each part is read in bulk with one named query (`queries/model-*.rq`), over the whole
selection and never once per item, with the class and property hierarchies read once
and passed as VALUES (`hierarchy.py`), so the same code runs on the bundled graph, a
million-triple store or a remote server.

What is read is kept close to the graph (IRIs, best labels, time literals parsed at their
precision); how a view presents it (a lane, an edge's attributes, a citation) is the view's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

import pyoxigraph as ox

from .dates import When, parse_user_date, parse_when
from .errors import InputError
from .hierarchy import Hierarchies, node, values
from .namespaces import SEM, TG, compact
from .progress import Bar
from .query import closest, expanded, fill, run_named
from .store import Select, SelectStream, Store, Term, bulk_results

EVENT = SEM + "Event"
ACTOR = TG + "Actor"
RELATIONSHIP = TG + "Relationship"
PLACE = TG + "Place"
HAS_ACTOR = SEM + "hasActor"
DEFAULT_COLOUR = "#97c2fc"  # vis-network's own default, for classes the ontology gives no colour
DEFAULT_SHAPE = "dot"
T = TypeVar("T")
VALUES_CHUNK = 5_000  # IRIs per VALUES block when a view names what it wants


# --------------------------------------------------------------------------- reading terms


def value(term: Term | None) -> str | None:
    """The IRI or lexical form of a term, None where unbound (called for every cell of every row)."""
    found: str | None = getattr(term, "value", None)
    return found


def lang_rank(term: Term | None) -> int:
    """English first, then untagged, then anything else: the label a reader of this tool expects."""
    if not isinstance(term, ox.Literal):
        return 3
    lang = term.language
    return 1 if not lang else 0 if lang.lower().startswith("en") else 2


def better(current: Term | None, term: Term | None) -> Term | None:
    """Of two labels the better ranked; the first seen on a tie."""
    if term is None or (current is not None and lang_rank(term) >= lang_rank(current)):
        return current
    return term


def local_name(iri: str) -> str:
    """The last part of an IRI: `tg:IPOSuspension` -> IPOSuspension."""
    return iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1] or compact(iri)


def when(term: Term | None, node_iri: str) -> When | None:
    """A time literal at its precision; an InputError that says where for one that is not a date."""
    if not isinstance(term, ox.Literal):
        return None
    try:
        return parse_when(term.value, term.datatype.value)
    except ValueError:
        raise InputError(
            f"{compact(node_iri)} has the time {term.value!r}, which is not a date; "
            "use xsd:date, xsd:gYearMonth or xsd:gYear (tech-graph validate shows where)"
        ) from None


def lenient_when(term: Term | None) -> When | None:
    """A time literal at its precision, or None for one that is not a date."""
    try:
        return when(term, "")
    except InputError:
        return None


# --------------------------------------------------------------------------- the vocabulary


@dataclass(frozen=True)
class VocabTerm:
    """A class or property: its labels (best first), colour and shape, as the ontology or the data give them."""

    iri: str
    labels: tuple[str, ...] = ()
    colour: str | None = None
    shape: str | None = None

    @property
    def label(self) -> str | None:
        return self.labels[0] if self.labels else None


@dataclass
class Vocabulary:
    """The class and property trees with their labels and presentation hints: small, read once."""

    hierarchies: Hierarchies
    terms: dict[str, VocabTerm]
    _nearest: dict[str, list[str]] = field(default_factory=dict)
    _specific: dict[frozenset[str], str] = field(default_factory=dict)

    @classmethod
    def read(cls, store: Store) -> Vocabulary:
        hierarchies = Hierarchies.read(store)
        labels: dict[str, list[Term]] = {}
        colours: dict[str, str] = {}
        shapes: dict[str, str] = {}
        for term, label, colour, shape in run_named(store, "model-terms", hierarchies).rows:
            iri = value(term)
            if iri is None:
                continue
            found = labels.setdefault(iri, [])
            if isinstance(label, ox.Literal) and label not in found:
                found.append(label)
            if isinstance(colour, ox.Literal):
                colours.setdefault(iri, colour.value)
            if isinstance(shape, ox.Literal):
                shapes.setdefault(iri, shape.value)
        terms = {iri: VocabTerm(iri, tuple(lab.value for lab in sorted(found, key=lang_rank)),  # type: ignore[union-attr]
                            colours.get(iri), shapes.get(iri))
                 for iri, found in labels.items()}
        return cls(hierarchies, terms)

    # classes

    def subclasses(self, root: str) -> frozenset[str]:
        """The class and every class below it: what `?c rdfs:subClassOf* root` matches."""
        return self.hierarchies.classes.within(root)

    def parents(self, iri: str) -> tuple[str, ...]:
        return tuple(sorted(self.hierarchies.classes.parents.get(iri, ())))

    def is_class(self, iri: str) -> bool:
        return iri in self.terms

    def label(self, iri: str) -> str:
        """The class's or property's best label, else its local name."""
        term = self.terms.get(iri)
        return term.labels[0] if term and term.labels else local_name(iri)

    def labels(self, iri: str) -> list[str]:
        """Every label of a term, sorted, or its local name when it has none (how roles are named)."""
        term = self.terms.get(iri)
        return sorted(set(term.labels)) if term and term.labels else [local_name(iri)]

    def nearest(self, iri: str) -> list[str]:
        """The class and its ancestors, nearest first (breadth first, parents in IRI order)."""
        if iri not in self._nearest:
            seen, order, queue = {iri}, [], [iri]
            while queue:
                current = queue.pop(0)
                order.append(current)
                for parent in self.parents(current):
                    if parent not in seen:
                        seen.add(parent)
                        queue.append(parent)
            self._nearest[iri] = order
        return self._nearest[iri]

    def ancestors(self, iri: str) -> frozenset[str]:
        return self.hierarchies.classes.above(iri) | {iri}

    def most_specific(self, types: Iterable[str]) -> str:
        """Of a node's types the one no other is below; ties go to the deeper class, then the IRI."""
        key = frozenset(types)
        if key not in self._specific:
            candidates = sorted(key)
            covered = {a for t in candidates for a in self.hierarchies.classes.above(t)}
            best = [t for t in candidates if t not in covered] or candidates
            self._specific[key] = max(best, key=lambda t: (len(self.nearest(t)), t))
        return self._specific[key]

    def specific(self, types: Iterable[str]) -> list[str]:
        """Every type no other type of the node is below."""
        key = set(types)
        return [t for t in key if not any(t != o and t in self.ancestors(o) for o in key)]

    def colour(self, iri: str) -> str:
        """The colour of the class or of its nearest ancestor that has one."""
        found = (self.terms[a].colour for a in self.nearest(iri) if a in self.terms)
        return next((c for c in found if c), DEFAULT_COLOUR)

    def shape(self, iri: str) -> str:
        found = (self.terms[a].shape for a in self.nearest(iri) if a in self.terms)
        return next((s for s in found if s), DEFAULT_SHAPE)

    def find_class(self, name: str, root: str, what: str) -> str:
        """A class under `root` named by IRI, compact IRI, label or local name (any case)."""
        from .actors import expand

        iri = expand(name)
        wanted = name.strip().casefold()
        known = sorted(self.subclasses(root))
        for cls in known:
            if cls == iri or wanted in (self.label(cls).casefold(), local_name(cls).casefold()):
                return cls
        raise closest(name, sorted({self.label(c) for c in known} | {compact(c) for c in known}), what)

    # properties

    def roles(self) -> frozenset[str]:
        """sem:hasActor and every property below it."""
        return self.hierarchies.properties.within(HAS_ACTOR)


# --------------------------------------------------------------------------- what narrows the events


@dataclass(frozen=True)
class EventFilter:
    """Events of a class (and its subclasses), with an actor (in any role), in a place (or within it),
    overlapping a period; `only` names the events outright."""

    type: str | None = None
    actor: str | None = None
    place: str | None = None
    start: date | None = None
    end: date | None = None
    only: frozenset[str] | None = None
    actors: frozenset[str] | None = None  # events any of these actors take part in

    def sparql(self, vocabulary: Vocabulary, var: str = "event", period: bool = True) -> str:
        """Graph patterns that narrow `?var`, with the hierarchies as VALUES."""
        v = f"?{var}"
        parts = []
        if self.only is not None:
            parts.append(values(var, self.only))
        if self.type:
            parts.append(f"{v} a ?_type . {values('_type', vocabulary.subclasses(self.type))}")
        if self.actor:
            parts.append(f"{values('_role', vocabulary.roles())} {v} ?_role {node(self.actor)} .")
        if self.actors is not None:
            parts.append(f"{values('_who', self.actors)} {values('_as', vocabulary.roles())} {v} ?_as ?_who .")
        if self.place:
            within = vocabulary.hierarchies.places.within(self.place)
            parts.append(f"{v} sem:hasPlace ?_place . {values('_place', within)}")
        if period and (self.start or self.end) and self.only is None:
            parts.append(_period_filter(v, self.start, self.end))
        return "\n      ".join(parts)

    @property
    def narrowed(self) -> bool:
        return any((self.type, self.actor, self.place, self.start, self.end, self.only is not None,
                    self.actors is not None))

    @property
    def local(self) -> bool:
        """Events found from a few actors or named outright: a neighbourhood, not a slice of the whole graph."""
        return self.actor is not None or self.actors is not None or self.only is not None


# The lexical forms of xsd:gYear, gYearMonth and date sort as strings, and a shorter form sorts before
# every longer form it is a prefix of. So with its own precision (4, 7 or 10 characters) a time stamp
# compares with a day exactly as the dates do: "2020-11" <= "2020-11-15" (it begins on the 1st) and
# "2020-11" >= "2020-11" (it ends on the 30th). Any other literal passes, and the view decides.
_TIME_KEYS = (("xsd:gYear", 4), ("xsd:gYearMonth", 7), ("xsd:date", 10), ("xsd:dateTime", 10))


def _time_test(var: str, op: str, day: date) -> str:
    """SPARQL that is true when the time stamp in `var` may begin (<=) or end (>=) on the side of `day`."""
    known = ", ".join(dt for dt, _ in _TIME_KEYS)
    tests = [f"(DATATYPE({var}) = {dt} && SUBSTR(STR({var}), 1, {n}) {op} \"{day.isoformat()[:n]}\")"
             for dt, n in _TIME_KEYS]
    return "(" + " || ".join([*tests, f"!isLiteral({var})", f"DATATYPE({var}) NOT IN ({known})"]) + ")"


def _period_filter(v: str, start: date | None, end: date | None) -> str:
    """A conservative pre-filter on the events that may overlap start..end; the exact test is the view's."""
    tests = []
    if end is not None:
        tests.append(_time_test("?_first", "<=", end))
    if start is not None:
        tests.append(_time_test("?_last", ">=", start))
    return (f"OPTIONAL {{ {v} sem:hasTimeStamp ?_time }}\n      OPTIONAL {{ {v} sem:hasBeginTimeStamp ?_begin }}\n"
            f"      OPTIONAL {{ {v} sem:hasEndTimeStamp ?_end }}\n"
            "      BIND (COALESCE(?_begin, ?_time) AS ?_first)\n      BIND (COALESCE(?_end, ?_first) AS ?_last)\n"
            "      FILTER (" + "\n        && ".join(tests) + ")")


def until_day(until: date | str | None, option: str = "--until") -> date | None:
    if until is None or isinstance(until, date):
        return until
    return parse_user_date(until, option).end


# --------------------------------------------------------------------------- the things in the graph


@dataclass
class Event:
    """An event as the graph states it: types, best label and comment, time stamps, status."""

    iri: str
    types: set[str] = field(default_factory=set)
    label: Term | None = None
    comment: Term | None = None
    time: Term | None = None
    begin: Term | None = None
    end: Term | None = None
    status: str | None = None  # the status individual's IRI
    status_label: Term | None = None
    modality: str | None = None  # the tg:Modality individual's IRI: planned, possible, rumoured, alleged
    modality_label: Term | None = None

    @property
    def modality_name(self) -> str:
        """How the source hedges it ("rumoured"), or "" when it states it as fact."""
        return value(self.modality_label) or (local_name(self.modality).lower() if self.modality else "")


@dataclass(frozen=True)
class Participation:
    event: str
    role: str  # the property's IRI
    actor: str
    actor_label: str | None


@dataclass
class Actor:
    iri: str
    types: set[str] = field(default_factory=set)
    label: Term | None = None
    alt_names: list[str] = field(default_factory=list)
    countries: dict[str, Term | None] = field(default_factory=dict)  # headquarters, jurisdiction or location

    @property
    def country(self) -> tuple[str, str | None] | None:
        """The first of its countries by IRI, with its best label."""
        if not self.countries:
            return None
        first = min(self.countries)
        return first, value(self.countries[first])


@dataclass
class Relationship:
    """A tg:Relationship: its types, ends (with their best labels) and time stamps."""

    iri: str
    types: set[str] = field(default_factory=set)
    label: Term | None = None
    ends: dict[tuple[str | None, str | None], tuple[Term | None, Term | None]] = field(default_factory=dict)
    time: Term | None = None
    begin: Term | None = None
    end: Term | None = None


@dataclass(frozen=True)
class Derivation:
    """A node derived from (use "fact") or dated by (use "date") a source: an excerpt or a document."""

    node: str
    use: str
    source: str
    excerpt: bool  # the source is a tg:Excerpt
    quote: str | None  # its verbatim words (prov:value)
    quoted_from: str | None  # the document it is quoted from


@dataclass
class Document:
    """An article or background source, with every form of its title, label, publisher and URL."""

    iri: str
    article: bool = False
    background: bool = False
    titles: set[str] = field(default_factory=set)
    labels: set[str] = field(default_factory=set)
    publishers: set[str] = field(default_factory=set)
    urls: set[tuple[str, bool]] = field(default_factory=set)  # (URL, given as an IRI)


@dataclass
class Place:
    iri: str
    label: str | None


Typed = TypeVar("Typed", Actor, Relationship)


def _gather(found: dict[str, Typed], make: Callable[[str], Typed], iri: Term | None, kind: Term | None,
            label: Term | None) -> Typed | None:
    """The node a row is about, made on its first row: each row adds a type and maybe a better label."""
    key = value(iri)
    if key is None or kind is None:
        return None
    item = found.get(key)
    if item is None:
        item = found[key] = make(key)
    item.types.add(kind.value)  # type: ignore[union-attr]
    item.label = better(item.label, label)
    return item


# Local reads: the same terms as the model-* queries, for the few events of a neighbourhood. There the
# events are bound first, so a hierarchy of roles is a FILTER, not VALUES (see Model._roles_test).
LOCAL_PARTICIPANTS = """SELECT ?event ?role ?actor ?actorLabel WHERE {
  { SELECT DISTINCT ?event WHERE { ?class rdfs:subClassOf* sem:Event . ?event a ?class . #EVENT-FILTERS# } }
  ?event ?role ?actor . #ROLES#
  FILTER (isIRI(?actor))
  OPTIONAL { ?actor rdfs:label ?actorLabel }
}"""
# model-documents finds the documents from every excerpt; named, each is a lookup (EXISTS stops at one).
LOCAL_DOCUMENTS = """SELECT ?document ?article ?background ?title ?label ?publisher ?url WHERE { #DOCUMENTS#
  FILTER EXISTS { { [] prov:wasQuotedFrom ?document } UNION { ?document a tg:BackgroundSource }
                  UNION { ?document a tg:Article } }
  OPTIONAL { ?document a tg:Article . BIND ("article" AS ?article) }
  OPTIONAL { ?document a tg:BackgroundSource . BIND ("background" AS ?background) }
  OPTIONAL { ?document dcterms:title ?title }
  OPTIONAL { ?document rdfs:label ?label }
  OPTIONAL { ?document schema:publisher ?publisher }
  OPTIONAL { ?document schema:url ?url }
}"""
LOCAL_SHARED = """SELECT ?event WHERE { #ACTORS# ?event ?role ?actor . #ROLES# FILTER (isIRI(?event)) }
GROUP BY ?event HAVING (COUNT(DISTINCT ?actor) > 1)"""


class Model:
    """The graph of one store as the views see it. Each part is read on first use, once."""

    def __init__(self, store: Store, bar: Bar | None = None) -> None:
        self.store = store
        self.bar = bar or Bar()  # advanced by the rows read, on a terminal
        self._vocabulary: Vocabulary | None = None
        self._actors: dict[str, Actor] | None = None
        self._relationships: dict[str, Relationship] | None = None
        self._documents: dict[str, Document] | None = None
        self._read: dict[tuple[str, EventFilter | None, bool], Any] = {}  # what a view asked for, kept for the next

    def _once(self, what: str, chosen: EventFilter | None, period: bool, read: Callable[[], T]) -> T:
        key = (what, chosen if chosen and chosen.narrowed else None, period)
        if key not in self._read:
            self._read[key] = read()
        found: T = self._read[key]
        return found

    @property
    def vocabulary(self) -> Vocabulary:
        if self._vocabulary is None:
            self._vocabulary = Vocabulary.read(self.store)
        return self._vocabulary

    def _rows(self, name: str, **marks: str) -> Iterator[tuple[Term | None, ...]]:
        """A named query's rows as the store gives them: each is dropped once read, never all held at once."""
        self.bar.describe(f"reading {name.removeprefix('model-')}")
        result = self.store.query_stream(expanded(self.store, name, self.vocabulary.hierarchies, **marks),
                                         where=f"named query {name!r}")
        assert isinstance(result, SelectStream), f"named query {name} is not a SELECT"
        read = 0
        for read, row in enumerate(result.rows, 1):
            yield row
            if not read % 10_000:
                self.bar.advance(10_000)
        self.bar.advance(read % 10_000)

    def _local_rows(self, what: str, text: str, **marks: str) -> Iterator[tuple[Term | None, ...]]:
        """The rows of one of the local queries below, its marks filled and its hierarchies expanded."""
        self.bar.describe(f"reading {what}")
        result = self.store.query(fill(text, self.vocabulary.hierarchies, **marks), where=f"the query for {what}")
        assert isinstance(result, Select)
        self.bar.advance(len(result.rows))
        return iter(result.rows)

    def _roles_test(self, var: str) -> str:
        """`?var` is sem:hasActor or below it, as a test once `?var` is bound: a lookup per role (VALUES) reads
        every participation in the graph, while the few events of a neighbourhood have a few triples each."""
        return f"FILTER (?{var} IN ({', '.join(node(r) for r in sorted(self.vocabulary.roles()))}))"

    def _events_filter(self, chosen: EventFilter | None, var: str = "event", period: bool = True) -> str:
        return chosen.sparql(self.vocabulary, var, period) if chosen and chosen.narrowed else ""

    # events

    def events(self, chosen: EventFilter | None = None, period: bool = True) -> dict[str, Event]:
        """The events that pass the filter (the period only as a pre-filter), with their types."""
        return self._once("events", chosen, period, lambda: self._events(chosen, period))

    def _events(self, chosen: EventFilter | None, period: bool) -> dict[str, Event]:
        found: dict[str, Event] = {}
        with bulk_results():
            filters = self._events_filter(chosen, period=period)
            for iri, label, comment, time, begin, end, status, status_label, modality, modality_label in self._rows(
                    "model-events", event_filters=filters):
                key = value(iri)
                if key is None:
                    continue
                event = found.get(key)
                if event is None:
                    found[key] = Event(key, label=label, comment=comment, time=time, begin=begin, end=end,
                                       status=value(status), status_label=status_label, modality=value(modality),
                                       modality_label=modality_label)
                    continue
                event.modality = event.modality or value(modality)
                event.modality_label = better(event.modality_label, modality_label)
                event.label, event.comment = better(event.label, label), better(event.comment, comment)
                event.status_label = better(event.status_label, status_label)
                event.time, event.begin, event.end = event.time or time, event.begin or begin, event.end or end
                event.status = event.status or value(status)
            if filters and len(found) <= VALUES_CHUNK:  # the events are known: name them, do not find them again
                filters = values("event", found)
            for iri, kind in self._rows("model-event-types", event_filters=filters):
                event = found.get(value(iri) or "")
                if event is not None and kind is not None:
                    event.types.add(kind.value)  # type: ignore[union-attr]
        return found

    def participants(self, chosen: EventFilter | None = None) -> list[Participation]:
        """Who takes part in the chosen events, in which role; one row per participation."""
        return self._once("participants", chosen, True, lambda: self._participants(chosen))

    def _participants(self, chosen: EventFilter | None) -> list[Participation]:
        found: dict[tuple[str, str, str], Term | None] = {}
        if chosen is not None and chosen.local:
            rows = self._local_rows("participants", LOCAL_PARTICIPANTS, event_filters=self._events_filter(chosen),
                                    roles=self._roles_test("role"))
        else:
            rows = self._rows("model-participants", event_filters=self._events_filter(chosen))
        with bulk_results():
            for event, role, actor, label in rows:
                key = (value(event), value(role), value(actor))
                if None in key:
                    continue
                found[key] = better(found.get(key), label)  # type: ignore[arg-type, index]
        return [Participation(e, r, a, value(label)) for (e, r, a), label in found.items()]

    def shared_events(self, actors: Iterable[str]) -> set[str]:
        """The events, or anything else, that two or more of these actors take part in (a local read).

        One lookup per actor, grouped in the store: what links a neighbourhood's actors among themselves,
        without bringing every role they take into Python. The caller keeps the events it can read.
        """
        rows = self._local_rows("shared events", LOCAL_SHARED, roles=self._roles_test("role"),
                                actors=values("actor", actors))
        return {iri for (event,) in rows if (iri := value(event)) is not None}

    def places(self, chosen: EventFilter | None = None) -> dict[str, list[Place]]:
        """Where each chosen event happened."""
        labels: dict[tuple[str, str], Term | None] = {}
        for event, place, label in self._rows("model-places", event_filters=self._events_filter(chosen)):
            key = (value(event), value(place))
            if None not in key:
                labels[key] = better(labels.get(key), label)  # type: ignore[index, arg-type]
        found: dict[str, list[Place]] = {}
        for (event_iri, place_iri), label in labels.items():
            found.setdefault(event_iri, []).append(Place(place_iri, value(label)))
        return found

    # actors and relationships

    @property
    def actors(self) -> dict[str, Actor]:
        """Every actor (a member of tg:Actor or a subclass) with its types, best label and alternate names."""
        if self._actors is None:
            self._actors = self._read_actors("")
        return self._actors

    def actors_among(self, iris: Iterable[str]) -> dict[str, Actor]:
        """Those of these nodes that are actors, read on their own (for views that need a few)."""
        return _among(self._actors, iris, "actor", self._read_actors)

    def _read_actors(self, filters: str) -> dict[str, Actor]:
        found: dict[str, Actor] = {}
        with bulk_results():
            for iri, kind, label, alt, country, country_label in self._rows("model-actors",
                                                                             actor_filters=filters):
                actor = _gather(found, Actor, iri, kind, label)
                if actor is None:
                    continue
                if isinstance(alt, ox.Literal) and alt.value and alt.value not in actor.alt_names:
                    actor.alt_names.append(alt.value)
                if isinstance(country, ox.NamedNode):
                    actor.countries[country.value] = better(actor.countries.get(country.value), country_label)
        for actor in found.values():
            actor.alt_names.sort()  # in one order, whatever order the store gave
        return found

    @property
    def relationships(self) -> dict[str, Relationship]:
        """Every tg:Relationship with its types, ends and time stamps."""
        if self._relationships is None:
            self._relationships = self.relationships_of(None)
        return self._relationships

    def relationships_of(self, actors: Iterable[str] | None) -> dict[str, Relationship]:
        """The relationships with one of these actors at either end (all of them for None)."""
        filters = ""
        if actors is not None:
            filters = (f"{values('_end', actors)} {{ ?relationship tg:source ?_end }} "
                       "UNION { ?relationship tg:target ?_end }")
        found: dict[str, Relationship] = {}
        for row in self._rows("model-relationships", relationship_filters=filters):
            iri, kind, label, source, source_label, target, target_label, time, begin, end = row
            rel = _gather(found, Relationship, iri, kind, label)
            if rel is None:
                continue
            ends = (source.value if isinstance(source, ox.NamedNode) else None,
                    target.value if isinstance(target, ox.NamedNode) else None)
            labels = rel.ends.get(ends, (None, None))
            rel.ends[ends] = (better(labels[0], source_label), better(labels[1], target_label))
            rel.time, rel.begin, rel.end = rel.time or time, rel.begin or begin, rel.end or end
        return found

    def labels_and_types(self, iris: Iterable[str]) -> dict[str, tuple[str | None, set[str]]]:
        """The best label and every type of each node, for nodes a view met outside the model."""
        found: dict[str, tuple[Term | None, set[str]]] = {}
        wanted = sorted(set(iris))
        for chunk in range(0, len(wanted), 400):
            result = self.store.query(f"SELECT ?n ?label ?type WHERE {{ {values('n', wanted[chunk : chunk + 400])} "
                                      "OPTIONAL { ?n rdfs:label ?label } OPTIONAL { ?n a ?type } }")
            assert isinstance(result, Select)
            for n, label, kind in result.rows:
                if not isinstance(n, ox.NamedNode):
                    continue
                best, kinds = found.setdefault(n.value, (None, set()))
                if isinstance(kind, ox.NamedNode):
                    kinds.add(kind.value)
                if isinstance(label, ox.Literal):
                    found[n.value] = (better(best, label), kinds)
        return {iri: (value(label), kinds) for iri, (label, kinds) in found.items()}

    # provenance

    def derivations(self, chosen: EventFilter | None = None, nodes: Iterable[str] | None = None) -> list[Derivation]:
        """What nodes are derived from or dated by: the chosen events', these nodes', or every node's."""
        if nodes is not None:
            wanted = sorted(set(nodes))
            return [d for i in range(0, len(wanted), VALUES_CHUNK)
                    for d in self._derivations(None, values("node", wanted[i : i + VALUES_CHUNK]))]
        return self._once("derivations", chosen, True, lambda: self._derivations(chosen))

    def _derivations(self, chosen: EventFilter | None, nodes: str = "") -> list[Derivation]:
        if chosen is not None and chosen.narrowed:
            nodes = ("{ SELECT DISTINCT ?node WHERE { ?_class rdfs:subClassOf* sem:Event . ?node a ?_class .\n      "
                     + chosen.sparql(self.vocabulary, "node") + " } }")
        found: dict[Derivation, None] = {}
        with bulk_results():
            for iri, use, source, excerpt, quote, quoted_from in self._rows("model-derivations", nodes=nodes):
                key, src = value(iri), value(source)
                if key is None or src is None:
                    continue
                found[Derivation(key, value(use) or "fact", src, excerpt is not None,
                                 quote.value if isinstance(quote, ox.Literal) else None,
                                 quoted_from.value if isinstance(quoted_from, ox.NamedNode) else None)] = None
        return list(found)

    @property
    def documents(self) -> dict[str, Document]:
        """Every document quoted from or cited."""
        if self._documents is None:
            self._documents = _documents(self._rows("model-documents"))
        return self._documents

    def documents_of(self, iris: Iterable[str]) -> dict[str, Document]:
        """Those of these nodes that are documents, read on their own (for views that cite a few)."""
        return _among(self._documents, iris, "document",
                      lambda named: _documents(self._local_rows("documents", LOCAL_DOCUMENTS, documents=named)))


Named = TypeVar("Named", Actor, Document)


def _among(whole: dict[str, Named] | None, iris: Iterable[str], var: str,
           read: Callable[[str], dict[str, Named]]) -> dict[str, Named]:
    """Those of these nodes that `read` finds: taken from the whole list if it is read, else by name (VALUES)."""
    if whole is not None:
        return {iri: whole[iri] for iri in iris if iri in whole}
    wanted = sorted(set(iris))
    found: dict[str, Named] = {}
    for i in range(0, len(wanted), VALUES_CHUNK):
        found.update(read(values(var, wanted[i : i + VALUES_CHUNK])))
    return found


def _documents(rows: Iterable[tuple[Term | None, ...]]) -> dict[str, Document]:
    found: dict[str, Document] = {}
    for iri, article, background, title, label, publisher, url in rows:
        key = value(iri)
        if key is None:
            continue
        doc = found.get(key)
        if doc is None:
            doc = found[key] = Document(key)
        doc.article = doc.article or article is not None
        doc.background = doc.background or background is not None
        for into, term in ((doc.titles, title), (doc.labels, label), (doc.publishers, publisher)):
            if term is not None:
                into.add(term.value)  # type: ignore[union-attr]
        if url is not None:
            doc.urls.add((url.value, isinstance(url, ox.NamedNode)))  # type: ignore[union-attr]
    return found

