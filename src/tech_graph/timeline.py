"""The timeline: events at their real time precision, their filters, and the state of the world on a date.

Events are read with a handful of named SPARQL queries (`queries/timeline-*.rq`),
each over the whole selection, never one query per event, so the same code runs
on the bundled graph, a million-triple store or a remote SPARQL endpoint. The
filters that narrow the selection (type, actor, place) are pushed into those
queries; the time filter is applied here, because overlap depends on precision.
"""

from __future__ import annotations

import html
import json
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

import pyoxigraph as ox

from . import actors as actor_names
from .dates import Precision, Span, When, parse_user_date, parse_when
from .errors import InputError
from .namespaces import SEM, TG, compact
from .query import closest, named_query
from .store import Select, Store, Term, bulk_results

EVENT = SEM + "Event"
FILTER_MARK = "#EVENT-FILTERS#"
OTHER_LANE = "other"


class TypeRef(NamedTuple):
    iri: str
    label: str


class ActorRole(NamedTuple):
    """An actor in an event: (role label, actor IRI, actor label)."""

    role: str
    iri: str
    label: str


class Place(NamedTuple):
    iri: str
    label: str


@dataclass(frozen=True)
class EventClass:
    """A class under sem:Event, as the ontology (or the user's data) states it."""

    iri: str
    label: str
    colour: str | None
    parents: tuple[str, ...]


@dataclass(frozen=True)
class Quote:
    """A verbatim excerpt an event is derived from, and the document it is quoted from."""

    text: str
    excerpt: str
    document: str | None
    document_title: str | None


@dataclass(frozen=True)
class SourceRef:
    """A document behind an event: the article (through its excerpts) or a background source.

    `used_for` says what it supports: "fact" (prov:wasDerivedFrom) and/or "date" (tg:dateDerivedFrom).
    """

    iri: str
    kind: str  # "article" or "background"
    title: str
    publisher: str | None = None
    url: str | None = None
    used_for: tuple[str, ...] = ("fact",)

    @property
    def citation(self) -> str:
        who = f"{self.publisher}: " if self.publisher else ""
        return f"{who}{self.title}"


@dataclass(frozen=True)
class TimelineEvent:
    iri: str
    label: str
    comment: str
    types: list[TypeRef]
    lane: TypeRef | None
    span: Span
    actors: list[ActorRole] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    status: str = ""
    quotes: list[Quote] = field(default_factory=list)
    sources: list[SourceRef] = field(default_factory=list)
    all_types: tuple[str, ...] = ()

    @property
    def type_label(self) -> str:
        return ", ".join(t.label for t in self.types)

    def sort_key(self) -> tuple[date, Precision, str, str]:
        return (*self.span.sort_key(), self.label.casefold(), self.iri)

    def to_json(self) -> dict[str, Any]:
        return {
            "iri": self.iri,
            "label": self.label,
            "comment": self.comment,
            "types": [{"iri": t.iri, "label": t.label} for t in self.types],
            "lane": self.lane.label if self.lane else None,
            "date": self.span.label,
            "start": self.span.begin.iso,
            "end": self.span.finish.iso if self.span.finish else None,
            "precision": self.span.begin.precision.name.lower(),
            "actors": [{"role": a.role, "iri": a.iri, "label": a.label} for a in self.actors],
            "places": [{"iri": p.iri, "label": p.label} for p in self.places],
            "status": self.status,
            "quotes": [{"text": q.text, "excerpt": q.excerpt, "document": q.document_title} for q in self.quotes],
            "sources": [
                {"iri": s.iri, "kind": s.kind, "title": s.title, "publisher": s.publisher, "url": s.url,
                 "used_for": list(s.used_for)}
                for s in self.sources
            ],
        }


@dataclass(frozen=True)
class Relationship:
    """A tg:Relationship (ownership, stake, founding, operation) and when it held, where known."""

    iri: str
    label: str
    type: TypeRef
    source: TypeRef
    target: TypeRef
    begin: When | None
    end: When | None

    def holds_on(self, day: date) -> bool:
        """May it hold on `day`? An unknown begin or end leaves that side open."""
        return (self.begin is None or self.begin.start <= day) and (self.end is None or self.end.end >= day)

    @property
    def since(self) -> str:
        return self.begin.label if self.begin else "unknown"

    @property
    def until(self) -> str:
        return self.end.label if self.end else ""


@dataclass(frozen=True)
class AsOf:
    """The world on a day: the events that had begun by then and the relationships that held."""

    day: date
    when: When
    events: list[TimelineEvent]
    relationships: list[Relationship]

    def _repr_html_(self) -> str:
        from .tables import as_html

        header, rows = reading_table(self.events)
        held_header, held = relationships_table(self.relationships)
        return (as_html(header, rows, caption=f"events by {self.day.isoformat()}")
                + as_html(held_header, held, caption=f"relationships that held on {self.day.isoformat()}"))

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        from .tables import as_text

        header, rows = reading_table(self.events)
        held_header, held = relationships_table(self.relationships)
        printer.text(as_text(header, rows, caption=f"events by {self.day.isoformat()}") + "\n"
                     + as_text(held_header, held, caption=f"relationships that held on {self.day.isoformat()}"))


# --------------------------------------------------------------------------- reading terms


def _value(term: Term | None) -> str | None:
    # Called for every cell of every row: getattr beats an isinstance chain (a Triple has no value).
    value: str | None = getattr(term, "value", None)
    return value


def _lang_rank(term: Term | None) -> int:
    """English first, then untagged, then anything else: the label a reader of this tool expects."""
    if not isinstance(term, ox.Literal):
        return 3
    return 0 if (term.language or "").lower().startswith("en") else 1 if not term.language else 2


def _iri_label(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1] or compact(iri)


def _node(iri: str) -> str:
    return str(ox.NamedNode(iri))


def _run(store: Store, name: str, filters: str = "") -> Select:
    text = named_query(name).text.replace(FILTER_MARK, filters)
    result = store.query(text, where=f"named query {name!r}")
    assert isinstance(result, Select), f"named query {name} is not a SELECT"
    return result


# --------------------------------------------------------------------------- classes and lanes


def event_classes(store: Store) -> dict[str, EventClass]:
    """sem:Event and every subclass, with labels and colours from the ontology."""
    labels: dict[str, tuple[int, str]] = {}
    colours: dict[str, str] = {}
    parents: dict[str, set[str]] = {}
    for row in _run(store, "timeline-classes").dicts():
        iri = _value(row["class"])
        if iri is None or not isinstance(row["class"], ox.NamedNode):
            continue
        parents.setdefault(iri, set())
        parent = _value(row["parent"])
        if parent:
            parents[iri].add(parent)
        label = _value(row["label"])
        if label is not None and (iri not in labels or _lang_rank(row["label"]) < labels[iri][0]):
            labels[iri] = (_lang_rank(row["label"]), label)
        colour = _value(row["colour"])
        if colour:
            colours[iri] = colour
    parents.setdefault(EVENT, set())
    return {
        iri: EventClass(iri, labels.get(iri, (0, "Event" if iri == EVENT else _iri_label(iri)))[1],
                        colours.get(iri), tuple(sorted(ps)))
        for iri, ps in parents.items()
    }


def lanes(classes: dict[str, EventClass]) -> list[EventClass]:
    """The top-level event classes (direct subclasses of sem:Event), in label order: one lane each."""
    top = [c for c in classes.values() if EVENT in c.parents]
    return sorted(top, key=lambda c: (c.label.casefold(), c.iri))


def ancestors(classes: dict[str, EventClass], iri: str) -> set[str]:
    seen: set[str] = set()
    todo = [iri]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        todo.extend(classes[current].parents if current in classes else ())
    return seen


@dataclass(frozen=True)
class Typing:
    """What a set of asserted types means: the most specific ones, every ancestor, and the lane."""

    specific: tuple[TypeRef, ...]
    expanded: tuple[str, ...]
    lane: TypeRef | None


class TypeSummaries:
    """Works out each distinct set of types once: a big graph has many events but few type sets."""

    def __init__(self, classes: dict[str, EventClass]) -> None:
        self.classes = classes
        self.top = {c.iri: c for c in lanes(classes)}
        self._ancestors: dict[str, set[str]] = {}
        self._done: dict[frozenset[str], Typing] = {}

    def ancestors(self, iri: str) -> set[str]:
        if iri not in self._ancestors:
            self._ancestors[iri] = ancestors(self.classes, iri)
        return self._ancestors[iri]

    def label(self, iri: str) -> str:
        return self.classes[iri].label if iri in self.classes else _iri_label(iri)

    def __call__(self, types: Iterable[str]) -> Typing:
        key = frozenset(types)
        if key not in self._done:
            expanded = {a for t in key for a in self.ancestors(t)}
            specific = sorted((t for t in key if not any(t != o and t in self.ancestors(o) for o in key)),
                              key=lambda t: (self.label(t), t))
            lanes_found = sorted((a for a in expanded if a in self.top), key=lambda i: (self.top[i].label, i))
            lane = TypeRef(lanes_found[0], self.top[lanes_found[0]].label) if lanes_found else None
            self._done[key] = Typing(tuple(TypeRef(t, self.label(t)) for t in specific), tuple(sorted(expanded)), lane)
        return self._done[key]


def resolve_type(store: Store, name: str, classes: dict[str, EventClass] | None = None) -> EventClass:
    """An event class named by IRI, compact IRI, label or local name (case-insensitive)."""
    classes = classes if classes is not None else event_classes(store)
    iri = actor_names.expand(name)
    wanted = name.strip().casefold()
    for cls in sorted(classes.values(), key=lambda c: c.iri):
        if cls.iri == iri or wanted in (cls.label.casefold(), _iri_label(cls.iri).casefold()):
            return cls
    choices = sorted({c.label for c in classes.values()} | {compact(c.iri) for c in classes.values()})
    raise closest(name, choices, "event type")


# --------------------------------------------------------------------------- filters


@dataclass(frozen=True)
class Selection:
    """The resolved filters: IRIs for type, actor and place, days for the period."""

    type: EventClass | None = None
    actor: actor_names.Named | None = None
    place: actor_names.Named | None = None
    start: date | None = None
    end: date | None = None

    def sparql(self, period: bool = True) -> str:
        """Graph patterns that narrow `?event`, spliced into the timeline queries.

        With `period=False` the pre-filter on time stamps is left out.
        """
        parts = []
        if self.type:
            parts.append(f"?event a/rdfs:subClassOf* {_node(self.type.iri)} .")
        if self.actor:
            parts.append(f"?_role rdfs:subPropertyOf* sem:hasActor . ?event ?_role {_node(self.actor.iri)} .")
        if self.place:
            parts.append(f"?event sem:hasPlace/tg:locatedIn* {_node(self.place.iri)} .")
        if period and (self.start or self.end):
            parts.append(_period_filter(self.start, self.end))
        return "\n      ".join(parts)


# The lexical forms of xsd:gYear, gYearMonth and date sort as strings, and a shorter form sorts before
# every longer form it is a prefix of. So with its own precision (4, 7 or 10 characters) a time stamp
# compares with a day exactly as the dates do: "2020-11" <= "2020-11-15" (it begins on the 1st) and
# "2020-11" >= "2020-11" (it ends on the 30th). Any other literal passes, and Span.overlaps decides.
_TIME_KEYS = (("xsd:gYear", 4), ("xsd:gYearMonth", 7), ("xsd:date", 10), ("xsd:dateTime", 10))
_TIME_ROWS = """OPTIONAL { ?event sem:hasTimeStamp ?_time }
      OPTIONAL { ?event sem:hasBeginTimeStamp ?_begin }
      OPTIONAL { ?event sem:hasEndTimeStamp ?_end }
      BIND (COALESCE(?_begin, ?_time) AS ?_first)
      BIND (COALESCE(?_end, ?_first) AS ?_last)"""


def _time_test(var: str, op: str, day: date) -> str:
    """SPARQL that is true when the time stamp in `var` may begin (<=) or end (>=) on the side of `day`."""
    known = ", ".join(dt for dt, _ in _TIME_KEYS)
    tests = [f"(DATATYPE({var}) = {dt} && SUBSTR(STR({var}), 1, {n}) {op} \"{day.isoformat()[:n]}\")"
             for dt, n in _TIME_KEYS]
    return "(" + " || ".join([*tests, f"!isLiteral({var})", f"DATATYPE({var}) NOT IN ({known})"]) + ")"


def _period_filter(start: date | None, end: date | None) -> str:
    """A conservative pre-filter on the events that may overlap start..end; the exact test is in Python."""
    tests = []
    if end is not None:
        tests.append(_time_test("?_first", "<=", end))
    if start is not None:
        tests.append(_time_test("?_last", ">=", start))
    if not tests:
        return ""
    return _TIME_ROWS + "\n      FILTER (" + "\n        && ".join(tests) + ")"


def _day(value: date | str | None, option: str, last: bool) -> tuple[date | None, str]:
    if value is None or isinstance(value, date):
        return value, str(value)
    when = parse_user_date(value, option)
    return (when.end if last else when.start), value


def select(
    store: Store,
    *,
    actor: str | None = None,
    type: str | None = None,  # as users know it from --type
    start: date | str | None = None,
    end: date | str | None = None,
    place: str | None = None,
    classes: dict[str, EventClass] | None = None,
) -> Selection:
    """Resolve the user's filters, or raise one InputError that says how to fix them.

    `start`/`end` as text take their precision: `start="2020"` means from 1 Jan 2020,
    `end="2020-11"` up to 30 Nov 2020.
    """
    first, first_text = _day(start, "--from", last=False)
    last, last_text = _day(end, "--to", last=True)
    if first and last and first > last:
        raise InputError(f"--from {first_text} is later than --to {last_text}; give --from on or before --to")
    return Selection(
        type=resolve_type(store, type, classes) if type else None,
        actor=actor_names.resolve(store, actor) if actor else None,
        place=actor_names.resolve(store, place, TG + "Place", "place") if place else None,
        start=first,
        end=last,
    )


# --------------------------------------------------------------------------- events


def _when(term: Term | None, event: str) -> When | None:
    if not isinstance(term, ox.Literal):
        return None
    try:
        return parse_when(term.value, term.datatype.value)
    except ValueError:
        raise InputError(
            f"event {compact(event)} has the time {term.value!r}, which is not a date; "
            "use xsd:date, xsd:gYearMonth or xsd:gYear (tech-graph validate shows where)"
        ) from None


def events(
    store: Store,
    *,
    actor: str | None = None,
    type: str | None = None,  # as users know it from --type
    start: date | str | None = None,
    end: date | str | None = None,
    place: str | None = None,
) -> list[TimelineEvent]:
    """The events that pass every filter, sorted by earliest moment, then precision, then label.

    `actor` follows every role sub-property of sem:hasActor; `type` includes subclasses;
    `place` includes places located in it; `start`/`end` keep events whose span overlaps.
    Events without any time stamp cannot be placed and are left out.
    """
    classes = event_classes(store)
    chosen = select(store, actor=actor, type=type, start=start, end=end, place=place, classes=classes)
    return Events(events_for(store, chosen, classes))


class Events(list[TimelineEvent]):
    """A list of events that shows itself as a table in a notebook."""

    def _repr_html_(self) -> str:
        from .tables import as_html

        header, rows = reading_table(self)
        return as_html(header, rows, caption="events")

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        from .tables import as_text

        header, rows = reading_table(self)
        printer.text(as_text(header, rows, caption="events"))


Row = tuple[Term | None, ...]
VALUES_LIMIT = 10_000  # above this many events a VALUES block costs more than the patterns it replaces


def _better(current: Term | None, term: Term | None) -> Term | None:
    """The term a reader expects of two labels: English first, then untagged; the first seen on a tie."""
    if term is None or (current is not None and _lang_rank(term) >= _lang_rank(current)):
        return current
    return term


def _merge(rows: list[Row]) -> tuple[Term | None, ...]:
    """One event's rows of timeline-events as one: (label, comment, time, begin, end, status)."""
    label = comment = time = begin = end = status = None
    for _, lab, com, tim, beg, fin, state, state_label in rows:
        label, comment, status = _better(label, lab), _better(comment, com), _better(status, state_label)
        if status is None and state is not None:
            status = ox.Literal(_iri_label(str(_value(state))))
        time, begin, end = time or tim, begin or beg, end or fin
    return label, comment, time, begin, end, status


def _events_only(iris: Iterable[str]) -> str:
    """A filter that narrows `?event` to these events: a VALUES block, standard SPARQL 1.1."""
    return "VALUES ?event { " + " ".join(_node(iri) for iri in iris) + " }"


def events_for(store: Store, chosen: Selection, classes: dict[str, EventClass] | None = None) -> list[TimelineEvent]:
    """The events of a resolved Selection (see `select`)."""
    classes = classes if classes is not None else event_classes(store)
    with bulk_results():
        return _events_for(store, chosen, classes)


def _events_for(store: Store, chosen: Selection, classes: dict[str, EventClass]) -> list[TimelineEvent]:
    filters = chosen.sparql()

    grouped: dict[str, list[Row]] = {}
    for row in _run(store, "timeline-events", filters).rows:
        iri = _value(row[0])
        if iri is not None:
            found = grouped.get(iri)
            if found is None:
                grouped[iri] = [row]
            else:
                found.append(row)

    core: dict[str, tuple[Span, tuple[Term | None, ...]]] = {}
    for iri, rows in grouped.items():
        if len(rows) == 1:  # the usual case: one label, one time stamp
            _, label, comment, time, begin, end, state, status = rows[0]
            if status is None and state is not None:
                status = ox.Literal(_iri_label(str(_value(state))))
        else:
            label, comment, time, begin, end, status = _merge(rows)
        first = _when(begin, iri) or _when(time, iri)
        if first is None:
            continue
        span = Span(first, _when(end, iri))
        if span.overlaps(chosen.start, chosen.end):
            core[iri] = (span, (label, comment, status))
    if not core:
        return []
    if chosen.start or chosen.end:
        # The period is decided: the other queries need only the events kept. Many of them are
        # cheaper to find again than to name; the rows of any others are skipped here.
        filters = _events_only(core) if len(core) <= VALUES_LIMIT else chosen.sparql(period=False)

    types: dict[str, set[str]] = {}
    for event, cls in _run(store, "timeline-types", filters).rows:
        iri = _value(event)
        if iri in core and cls is not None:
            types.setdefault(iri, set()).add(str(_value(cls)))

    roles: dict[str, set[ActorRole]] = {}
    for event, role, role_label, actor, actor_label in _run(store, "timeline-actors", filters).rows:
        iri, who = _value(event), _value(actor)
        if iri in core and who:
            named = _value(role_label) or _iri_label(str(_value(role)))
            roles.setdefault(iri, set()).add(ActorRole(named, who, _value(actor_label) or compact(who)))

    places: dict[str, set[Place]] = {}
    for event, place, place_label in _run(store, "timeline-places", filters).rows:
        iri, where = _value(event), _value(place)
        if iri in core and where:
            places.setdefault(iri, set()).add(Place(where, _value(place_label) or compact(where)))

    quotes, sources = _provenance(store, filters, core)

    typing = TypeSummaries(classes)
    result = []
    for iri, (span, (label, comment, status)) in core.items():
        typed = typing(types.get(iri, {EVENT}))
        acting, placed, quoted = roles.get(iri, ()), places.get(iri, ()), quotes.get(iri, ())
        result.append(TimelineEvent(
            iri=iri,
            label=_value(label) or compact(iri),
            comment=_value(comment) or "",
            types=list(typed.specific),
            lane=typed.lane,
            span=span,
            actors=sorted(acting, key=_actor_order) if len(acting) > 1 else list(acting),
            places=sorted(placed, key=_place_order) if len(placed) > 1 else list(placed),
            status=_value(status) or "",
            quotes=sorted(quoted, key=_quote_order) if len(quoted) > 1 else list(quoted),
            sources=sources.get(iri, []),
            all_types=typed.expanded,
        ))
    result.sort(key=TimelineEvent.sort_key)
    return result


def _actor_order(actor: ActorRole) -> tuple[str, str, str]:
    return (actor.role, actor.label.casefold(), actor.iri)


def _place_order(place: Place) -> tuple[str, str]:
    return (place.label.casefold(), place.iri)


def _quote_order(quote: Quote) -> tuple[str, str]:
    return (quote.text, quote.excerpt)


@dataclass
class _Document:
    """What the rows of timeline-sources say about one document (the same whichever event cites it)."""

    kinds: set[str] = field(default_factory=set)
    titles: set[str] = field(default_factory=set)
    labels: set[str] = field(default_factory=set)
    publishers: set[str] = field(default_factory=set)
    urls: set[str] = field(default_factory=set)

    def add(self, kind: str | None, title: str | None, label: str | None, publisher: str | None,
            url: str | None) -> None:
        for values, value in ((self.kinds, kind), (self.titles, title), (self.labels, label),
                              (self.publishers, publisher), (self.urls, url)):
            if value:
                values.add(value)


def _provenance(
    store: Store, filters: str, wanted: Container[str]
) -> tuple[dict[str, set[Quote]], dict[str, list[SourceRef]]]:
    """Quotes and cited documents per event, one query for all events.

    A quote's document is the article or a background source quoted verbatim; where
    a value has several forms (two titles), the smallest wins, so every store agrees.
    """
    documents: dict[str, _Document] = {}
    uses: dict[str, dict[str, set[str]]] = {}  # event -> document -> {"fact", "date"}
    quoted: dict[str, set[tuple[str, str, str]]] = {}  # event -> (text, excerpt, document)
    for event, use, source, quote, document, kind, title, label, publisher, url in _run(
            store, "timeline-sources", filters).rows:
        iri, excerpt, doc = _value(event), _value(source), _value(document)
        if iri is None or iri not in wanted or not excerpt or not doc:
            continue
        found = documents.get(doc)
        if found is None:
            found = documents[doc] = _Document()
        found.add(_value(kind), _value(title), _value(label), _value(publisher), _value(url))
        uses.setdefault(iri, {}).setdefault(doc, set()).add(_value(use) or "fact")
        text = _value(quote)
        if text is not None:
            quoted.setdefault(iri, set()).add((text, excerpt, doc))

    titles = {doc: min(d.titles or d.labels or {compact(doc)}) for doc, d in documents.items()}
    refs: dict[tuple[str, tuple[str, ...]], SourceRef] = {}  # a big graph cites few documents, in few ways

    def ref(doc: str, used: set[str]) -> SourceRef:
        used_for = tuple(u for u in ("fact", "date") if u in used)
        key = (doc, used_for)
        if key not in refs:
            d = documents[doc]
            refs[key] = SourceRef(doc, "article" if "article" in d.kinds else "background", titles[doc],
                                  min(d.publishers) if d.publishers else None, min(d.urls) if d.urls else None,
                                  used_for)
        return refs[key]

    sources = {iri: sorted((ref(doc, used) for doc, used in found.items()), key=_source_order)
               for iri, found in uses.items()}
    quotes = {iri: {Quote(text, excerpt, doc, titles[doc]) for text, excerpt, doc in found}
              for iri, found in quoted.items()}
    return quotes, sources


def _source_order(source: SourceRef) -> tuple[bool, str, str]:
    return (source.kind != "article", source.title.casefold(), source.iri)


# --------------------------------------------------------------------------- as of a date


def relationships(store: Store) -> list[Relationship]:
    """Every tg:Relationship with its source, target and time span."""
    found: dict[str, Relationship] = {}
    for row in _run(store, "as-of-relationships").dicts():
        iri = _value(row["relationship"])
        if iri is None or iri in found:
            continue
        source, target, kind = _value(row["source"]), _value(row["target"]), _value(row["type"]) or ""
        found[iri] = Relationship(
            iri=iri,
            label=_value(row["label"]) or compact(iri),
            type=TypeRef(kind, _value(row["typeLabel"]) or _iri_label(kind)),
            source=TypeRef(source or "", _value(row["sourceLabel"]) or (compact(source) if source else "")),
            target=TypeRef(target or "", _value(row["targetLabel"]) or (compact(target) if target else "")),
            begin=_when(row["begin"], iri),
            end=_when(row["end"], iri),
        )
    return sorted(found.values(), key=lambda r: (r.begin.start if r.begin else date.min, r.label.casefold()))


def as_of(
    store: Store,
    when: When | date | str,
    *,
    actor: str | None = None,
    type: str | None = None,  # as users know it from --type
    place: str | None = None,
) -> AsOf:
    """The events so far and the relationships that held on `when`.

    A month or a year means its last day: "as of 2020-11" is the end of November 2020.
    An event counts once it may have begun; a relationship with an unknown begin or end
    is taken to hold on that side. With `actor`, relationships are those it is part of.
    """
    if isinstance(when, str):
        when = parse_user_date(when, "--as-of")
    elif isinstance(when, date):
        when = When(when, Precision.DAY, when)
    day = when.end
    classes = event_classes(store)
    chosen = select(store, actor=actor, type=type, place=place, end=day, classes=classes)
    so_far = events_for(store, chosen, classes)
    held = [r for r in relationships(store) if r.holds_on(day)]
    if chosen.actor:
        held = [r for r in held if chosen.actor.iri in (r.source.iri, r.target.iri)]
    return AsOf(day, when, so_far, held)


# --------------------------------------------------------------------------- tables and formats


EVENT_HEADER = ["date", "start", "end", "precision", "type", "lane", "event", "actors", "places", "status",
                "quote", "source", "iri"]


def actors_text(event: TimelineEvent) -> str:
    return "; ".join(f"{a.role}: {a.label}" for a in event.actors)


def source_text(event: TimelineEvent) -> str:
    """The documents behind an event, with what each supports when it is only the date."""
    return "; ".join(s.citation + (" (date)" if s.used_for == ("date",) else "") for s in event.sources)


def events_table(events: Sequence[TimelineEvent]) -> tuple[list[str], list[list[str]]]:
    """One row per event: dates at their precision, type, actors, quote and sources (also used by exports)."""
    rows = []
    for e in events:
        rows.append([
            e.span.label,
            e.span.begin.iso,
            e.span.finish.iso if e.span.finish else "",
            e.span.begin.precision.name.lower(),
            e.type_label,
            e.lane.label if e.lane else "",
            e.label,
            actors_text(e),
            "; ".join(p.label for p in e.places),
            e.status,
            " | ".join(q.text for q in e.quotes),
            source_text(e),
            e.iri,
        ])
    return EVENT_HEADER, rows


def reading_table(events: Sequence[TimelineEvent]) -> tuple[list[str], list[list[str]]]:
    """The terminal view: date, type, event, actors and the source (a quote, else the background source)."""
    rows = []
    for e in events:
        background = [s.citation for s in e.sources if s.kind == "background"]
        source = f"“{e.quotes[0].text}”" if e.quotes else "; ".join(background)
        rows.append([e.span.label, e.type_label, e.label, ", ".join(a.label for a in e.actors), source])
    return ["date", "type", "event", "actors", "source"], rows


def relationships_table(held: Sequence[Relationship]) -> tuple[list[str], list[list[str]]]:
    header = ["relationship", "type", "source", "target", "since", "until", "iri"]
    rows = [[r.label, r.type.label, r.source.label, r.target.label, r.since, r.until, r.iri] for r in held]
    return header, rows


def events_json(events: Sequence[TimelineEvent], state: AsOf | None = None) -> str:
    doc: dict[str, Any] = {"events": [e.to_json() for e in events]}
    if state is not None:
        doc = {"as_of": state.day.isoformat(), **doc, "relationships": [
            {"iri": r.iri, "label": r.label, "type": r.type.label, "source": r.source.iri, "target": r.target.iri,
             "begin": r.begin.iso if r.begin else None, "end": r.end.iso if r.end else None}
            for r in state.relationships]}
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def _tl_date(when: When) -> dict[str, int]:
    """A TimelineJS date object that holds only the parts the source gives."""
    out = {"year": when.start.year}
    if when.precision >= Precision.MONTH:
        out["month"] = when.start.month
    if when.precision is Precision.DAY:
        out["day"] = when.start.day
    return out


def timelinejs(events: Sequence[TimelineEvent], title: str = "tech-graph timeline") -> str:
    """TimelineJS3 JSON. Its text fields are HTML, so every value is escaped."""
    esc = html.escape
    slides = []
    for e in events:
        parts = [f"<p>{esc(e.comment)}</p>"] if e.comment else []
        parts += [f"<blockquote>{esc(q.text)}</blockquote>" for q in e.quotes]
        if e.actors:
            parts.append("<p>" + esc(actors_text(e)) + "</p>")
        if e.sources:
            parts.append("<p>Source: " + esc(source_text(e)) + "</p>")
        slide: dict[str, Any] = {
            "unique_id": e.iri.rsplit("/", 1)[-1],
            "start_date": {**_tl_date(e.span.begin), "display_date": e.span.begin.label},
            "text": {"headline": esc(e.label), "text": "".join(parts)},
        }
        if e.span.finish:
            slide["end_date"] = {**_tl_date(e.span.finish), "display_date": e.span.finish.label}
        if e.lane:
            slide["group"] = e.lane.label
        slides.append(slide)
    doc = {"title": {"text": {"headline": esc(title), "text": f"<p>{len(slides)} events</p>"}}, "events": slides}
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
