"""The timeline: events at their real time precision, their filters, and the state of the world on a date.

A view over the model (`model.py`), which reads events, roles, places and sources in
bulk. The filters that narrow the selection (type, actor, place, and a pre-filter on
time) go to the model; the exact time test is made here, because overlap depends on
precision.
"""

from __future__ import annotations

import html
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, NamedTuple

from . import actors as actor_names
from .dates import Precision, Span, When, parse_user_date
from .errors import InputError
from .model import EVENT, PLACE, Document, Event, EventFilter, Model, Vocabulary, local_name, value
from .model import when as read_when
from .namespaces import compact
from .store import Store, bulk_results
from .tables import LazyList, json_document

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
    span: Span | None  # None: no source dates it (listed as undated, never placed on a guess)
    actors: list[ActorRole] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    status: str = ""
    quotes: list[Quote] = field(default_factory=list)
    sources: list[SourceRef] = field(default_factory=list)
    all_types: tuple[str, ...] = ()
    modality: str = ""  # how the source hedges it: planned, possible, rumoured, alleged; "" when stated as fact

    @property
    def type_label(self) -> str:
        return ", ".join(t.label for t in self.types)

    @property
    def date_label(self) -> str:
        return self.span.label if self.span else "undated"

    def sort_key(self) -> tuple[date, Precision, str, str]:
        when = self.span.sort_key() if self.span else (date.max, Precision.DAY)  # undated events last
        return (*when, self.label.casefold(), self.iri)

    def to_json(self) -> dict[str, Any]:
        return {
            "iri": self.iri,
            "label": self.label,
            "comment": self.comment,
            "types": [{"iri": t.iri, "label": t.label} for t in self.types],
            "lane": self.lane.label if self.lane else None,
            "date": self.date_label,
            "start": self.span.begin.iso if self.span else None,
            "end": self.span.finish.iso if self.span and self.span.finish else None,
            "precision": self.span.begin.precision.name.lower() if self.span else None,
            "actors": [{"role": a.role, "iri": a.iri, "label": a.label} for a in self.actors],
            "places": [{"iri": p.iri, "label": p.label} for p in self.places],
            "status": self.status,
            "modality": self.modality,
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

        header, rows = reading_table(self.events, every_source=True)
        held_header, held = relationships_table(self.relationships)
        return (as_html(header, rows, caption=f"events by {self.day.isoformat()}")
                + as_html(held_header, held, caption=f"relationships that held on {self.day.isoformat()}"))

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        from .tables import as_text

        header, rows = reading_table(self.events)
        held_header, held = relationships_table(self.relationships)
        printer.text(as_text(header, rows, caption=f"events by {self.day.isoformat()}") + "\n"
                     + as_text(held_header, held, caption=f"relationships that held on {self.day.isoformat()}"))


# --------------------------------------------------------------------------- classes and lanes


def event_classes(store: Store | Model) -> dict[str, EventClass]:
    """sem:Event and every subclass, with labels and colours from the ontology."""
    vocabulary = _model(store).vocabulary
    inside = vocabulary.subclasses(EVENT)
    found = {}
    for iri in inside:
        term = vocabulary.terms.get(iri)
        label = term.label if term and term.label else "Event" if iri == EVENT else local_name(iri)
        found[iri] = EventClass(iri, label, term.colour if term else None,
                                tuple(p for p in vocabulary.parents(iri) if p in inside))
    return found


def lanes(classes: dict[str, EventClass]) -> list[EventClass]:
    """The top-level event classes (direct subclasses of sem:Event), in label order: one lane each."""
    top = [c for c in classes.values() if EVENT in c.parents]
    return sorted(top, key=lambda c: (c.label.casefold(), c.iri))


def ancestors(classes: dict[str, EventClass], iri: str) -> set[str]:
    """The event class and the event classes above it (for callers holding `event_classes`)."""
    seen: set[str] = set()
    todo = [iri]
    while todo:
        current = todo.pop()
        if current not in seen:
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

    def __init__(self, classes: dict[str, EventClass], vocabulary: Vocabulary) -> None:
        self.classes = classes
        self.vocabulary = vocabulary
        self.top = {c.iri: c for c in lanes(classes)}
        self._done: dict[frozenset[str], Typing] = {}

    def label(self, iri: str) -> str:
        return self.classes[iri].label if iri in self.classes else local_name(iri)

    def __call__(self, types: Iterable[str]) -> Typing:
        key = frozenset(types)
        if key not in self._done:
            expanded = {a for t in key for a in self.vocabulary.ancestors(t) if a in self.classes}
            specific = sorted(self.vocabulary.specific(key), key=lambda t: (self.label(t), t))
            lanes_found = sorted((a for a in expanded if a in self.top), key=lambda i: (self.top[i].label, i))
            lane = TypeRef(lanes_found[0], self.top[lanes_found[0]].label) if lanes_found else None
            self._done[key] = Typing(tuple(TypeRef(t, self.label(t)) for t in specific), tuple(sorted(expanded)), lane)
        return self._done[key]


def resolve_type(store: Store | Model, name: str, classes: dict[str, EventClass] | None = None) -> EventClass:
    """An event class named by IRI, compact IRI, label or local name (case-insensitive)."""
    model = _model(store)
    classes = classes if classes is not None else event_classes(model)
    return classes[model.vocabulary.find_class(name, EVENT, "event type")]


def _model(store: Store | Model) -> Model:
    return store if isinstance(store, Model) else Model(store)


# --------------------------------------------------------------------------- filters


@dataclass(frozen=True)
class Selection:
    """The resolved filters: IRIs for type, actor and place, days for the period."""

    type: EventClass | None = None
    actor: actor_names.Named | None = None
    place: actor_names.Named | None = None
    start: date | None = None
    end: date | None = None

    def filter(self, only: Iterable[str] | None = None) -> EventFilter:
        """What the model narrows the events by; with `only`, just those events."""
        return EventFilter(self.type.iri if self.type else None, self.actor.iri if self.actor else None,
                           self.place.iri if self.place else None, self.start, self.end,
                           frozenset(only) if only is not None else None)


def _day(value: date | str | None, option: str, last: bool) -> tuple[date | None, str]:
    if value is None or isinstance(value, date):
        return value, str(value)
    when = parse_user_date(value, option)
    return (when.end if last else when.start), value


def select(
    store: Store | Model,
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
    model = _model(store)
    first, first_text = _day(start, "--from", last=False)
    last, last_text = _day(end, "--to", last=True)
    if first and last and first > last:
        raise InputError(f"--from {first_text} is later than --to {last_text}; give --from on or before --to")
    return Selection(
        type=resolve_type(model, type, classes) if type else None,
        actor=actor_names.resolve(model.store, actor) if actor else None,
        place=actor_names.resolve(model.store, place, PLACE, "place") if place else None,
        start=first,
        end=last,
    )


# --------------------------------------------------------------------------- events


def events(
    store: Store | Model,
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
    model = _model(store)
    classes = event_classes(model)
    chosen = select(model, actor=actor, type=type, start=start, end=end, place=place, classes=classes)
    return Events(events_for(model, chosen, classes))


class Events(list[TimelineEvent]):
    """A list of events that shows itself as a table in a notebook."""

    def _repr_html_(self) -> str:
        from .tables import as_html

        header, rows = reading_table(self, every_source=True)
        return as_html(header, rows, caption="events")

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        from .tables import as_text

        header, rows = reading_table(self)
        printer.text(as_text(header, rows, caption="events"))


VALUES_LIMIT = 10_000  # above this many events a VALUES block costs more than the patterns it replaces


def events_for(store: Store | Model, chosen: Selection,
               classes: dict[str, EventClass] | None = None) -> list[TimelineEvent]:
    """The events of a resolved Selection (see `select`)."""
    model = _model(store)
    classes = classes if classes is not None else event_classes(model)
    with bulk_results():
        return _events_for(model, chosen, classes)


def _events_for(model: Model, chosen: Selection, classes: dict[str, EventClass]) -> list[TimelineEvent]:
    core: dict[str, tuple[Span | None, Event]] = {}
    dated_only = chosen.start is not None or chosen.end is not None
    for iri, event in model.events(chosen.filter()).items():
        first = read_when(event.begin, iri) or read_when(event.time, iri)
        if first is None:
            if not dated_only:  # no source dates it: listed as undated; a period cannot hold it
                core[iri] = (None, event)
            continue
        span = Span(first, read_when(event.end, iri))
        if span.overlaps(chosen.start, chosen.end):
            core[iri] = (span, event)
    if not core:
        return []
    narrowed = chosen.filter()
    if chosen.start or chosen.end:
        # The period is decided: the other queries need only the events kept. Many of them are
        # cheaper to find again than to name; the rows of any others are skipped here.
        narrowed = chosen.filter(core) if len(core) <= VALUES_LIMIT else replace(narrowed, start=None, end=None)

    vocabulary = model.vocabulary
    roles: dict[str, set[ActorRole]] = {}
    for taking in model.participants(narrowed):
        if taking.event in core:
            who = taking.actor_label or compact(taking.actor)
            roles.setdefault(taking.event, set()).update(
                ActorRole(name, taking.actor, who) for name in vocabulary.labels(taking.role))

    places: dict[str, list[Place]] = {}
    for iri, found in model.places(narrowed).items():
        if iri in core:
            places[iri] = [Place(p.iri, p.label or compact(p.iri)) for p in found]

    quotes, sources = _provenance(model, narrowed, core)

    typing = TypeSummaries(classes, vocabulary)
    result = []
    for iri, (placed_at, event) in core.items():
        typed = typing(event.types or {EVENT})
        acting, placed, quoted = roles.get(iri, ()), places.get(iri, ()), quotes.get(iri, ())
        status = value(event.status_label) or (local_name(event.status) if event.status else "")
        result.append(TimelineEvent(
            iri=iri,
            label=value(event.label) or compact(iri),
            comment=value(event.comment) or "",
            types=list(typed.specific),
            lane=typed.lane,
            span=placed_at,
            actors=sorted(acting, key=_actor_order) if len(acting) > 1 else list(acting),
            places=sorted(placed, key=_place_order) if len(placed) > 1 else list(placed),
            status=status,
            quotes=sorted(quoted, key=_quote_order) if len(quoted) > 1 else list(quoted),
            sources=sources.get(iri, []),
            all_types=typed.expanded,
            modality=event.modality_name,
        ))
    result.sort(key=TimelineEvent.sort_key)
    return result


def _actor_order(actor: ActorRole) -> tuple[str, str, str]:
    return (actor.role, actor.label.casefold(), actor.iri)


def _place_order(place: Place) -> tuple[str, str]:
    return (place.label.casefold(), place.iri)


def _quote_order(quote: Quote) -> tuple[str, str]:
    return (quote.text, quote.excerpt)


def _provenance(
    model: Model, chosen: EventFilter, wanted: Container[str]
) -> tuple[dict[str, set[Quote]], dict[str, list[SourceRef]]]:
    """Quotes and cited documents per event.

    A quote's document is the article or a background source quoted verbatim; where
    a value has several forms (two titles), the smallest wins, so every store agrees.
    """
    uses: dict[str, dict[str, set[str]]] = {}  # event -> document -> {"fact", "date"}
    quoted: dict[str, set[tuple[str, str, str]]] = {}  # event -> (text, excerpt, document)
    for d in model.derivations(chosen):
        if d.node not in wanted:
            continue
        doc = (d.quoted_from or d.source) if d.excerpt else d.source
        uses.setdefault(d.node, {}).setdefault(doc, set()).add(d.use)
        if d.excerpt and d.quote is not None:
            quoted.setdefault(d.node, set()).add((d.quote, d.source, doc))

    cited = {doc for found in uses.values() for doc in found}
    documents = model.documents_of(cited) if chosen.local else model.documents
    titles = {doc: min(documents[doc].titles or documents[doc].labels or {compact(doc)}) if doc in documents
              else compact(doc) for doc in cited}
    refs: dict[tuple[str, tuple[str, ...]], SourceRef] = {}  # a big graph cites few documents, in few ways

    def ref(doc: str, used: set[str]) -> SourceRef:
        used_for = tuple(u for u in ("fact", "date") if u in used)
        key = (doc, used_for)
        if key not in refs:
            d = documents.get(doc) or Document(doc)
            refs[key] = SourceRef(doc, "article" if d.article else "background", titles[doc],
                                  min(d.publishers) if d.publishers else None,
                                  min(u for u, _ in d.urls) if d.urls else None, used_for)
        return refs[key]

    sources = {iri: sorted((ref(doc, used) for doc, used in found.items()), key=_source_order)
               for iri, found in uses.items()}
    quotes = {iri: {Quote(text, excerpt, doc, titles[doc]) for text, excerpt, doc in found}
              for iri, found in quoted.items()}
    return quotes, sources


def _source_order(source: SourceRef) -> tuple[bool, str, str]:
    return (source.kind != "article", source.title.casefold(), source.iri)


# --------------------------------------------------------------------------- as of a date


def relationships(store: Store | Model) -> list[Relationship]:
    """Every tg:Relationship with its source, target and time span."""
    model = _model(store)
    vocabulary = model.vocabulary
    found = []
    for iri, rel in model.relationships.items():
        kind = vocabulary.most_specific(rel.types)
        (source, target), (source_label, target_label) = next(iter(sorted(
            rel.ends.items(), key=lambda item: (item[0][0] or "", item[0][1] or ""))))
        found.append(Relationship(
            iri=iri,
            label=value(rel.label) or compact(iri),
            type=TypeRef(kind, vocabulary.label(kind)),
            source=TypeRef(source or "", value(source_label) or (compact(source) if source else "")),
            target=TypeRef(target or "", value(target_label) or (compact(target) if target else "")),
            begin=read_when(rel.begin, iri),
            end=read_when(rel.end, iri),
        ))
    return sorted(found, key=lambda r: (r.begin.start if r.begin else date.min, r.label.casefold()))


def as_of(
    store: Store | Model,
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
    model = _model(store)
    classes = event_classes(model)
    chosen = select(model, actor=actor, type=type, place=place, end=day, classes=classes)
    so_far = events_for(model, chosen, classes)
    held = [r for r in relationships(model) if r.holds_on(day)]
    if chosen.actor:
        held = [r for r in held if chosen.actor.iri in (r.source.iri, r.target.iri)]
    return AsOf(day, when, so_far, held)


# --------------------------------------------------------------------------- tables and formats


EVENT_HEADER = ["date", "start", "end", "precision", "type", "lane", "event", "actors", "places", "status",
                "modality", "quote", "source", "iri"]


def actors_text(event: TimelineEvent) -> str:
    return "; ".join(f"{a.role}: {a.label}" for a in event.actors)


def source_text(event: TimelineEvent) -> str:
    """The documents behind an event, with what each supports when it is only the date."""
    return "; ".join(s.citation + (" (date)" if s.used_for == ("date",) else "") for s in event.sources)


def events_table(events: Sequence[TimelineEvent]) -> tuple[list[str], list[list[str]]]:
    """One row per event: dates at their precision, type, actors, quote and sources (also used by exports)."""
    return EVENT_HEADER, list(event_rows(events))


def event_rows(events: Iterable[TimelineEvent]) -> Iterator[list[str]]:
    """The rows of `events_table`, one at a time, for writers that stream."""
    for e in events:
        yield [
            e.date_label,
            e.span.begin.iso if e.span else "",
            e.span.finish.iso if e.span and e.span.finish else "",
            e.span.begin.precision.name.lower() if e.span else "",
            e.type_label,
            e.lane.label if e.lane else "",
            e.label,
            actors_text(e),
            "; ".join(p.label for p in e.places),
            e.status,
            e.modality,
            " | ".join(q.text for q in e.quotes),
            source_text(e),
            e.iri,
        ]


def reading_table(events: Sequence[TimelineEvent], every_source: bool = False) -> tuple[list[str], list[list[str]]]:
    """The terminal view: date, type, event, actors and the source (a quote, else the background source).

    `every_source` (a notebook's table, which has the room): each quote with its document, then every
    source cited as a whole, "(date)" marking one that only dates the event."""
    rows = []
    for e in events:
        background = [s.citation for s in e.sources if s.kind == "background"]
        source = f"“{e.quotes[0].text}”" if e.quotes else "; ".join(background)
        if every_source:
            quoted = {q.document for q in e.quotes}
            source = " · ".join([f"“{q.text}” — {q.document_title}" if q.document_title else f"“{q.text}”"
                                 for q in e.quotes]
                                + [s.citation + (" (date)" if s.used_for == ("date",) else "")
                                   for s in e.sources if s.iri not in quoted or "fact" not in s.used_for])
        label = f"{e.label} ({e.modality})" if e.modality else e.label
        rows.append([e.date_label, e.type_label, label, ", ".join(a.label for a in e.actors), source])
    return ["date", "type", "event", "actors", "source"], rows


def relationships_table(held: Sequence[Relationship]) -> tuple[list[str], list[list[str]]]:
    header = ["relationship", "type", "source", "target", "since", "until", "iri"]
    rows = [[r.label, r.type.label, r.source.label, r.target.label, r.since, r.until, r.iri] for r in held]
    return header, rows


def events_json(events: Sequence[TimelineEvent], state: AsOf | None = None) -> str:
    return b"".join(events_json_chunks(events, state)).decode("utf-8")


def events_json_chunks(events: Sequence[TimelineEvent], state: AsOf | None = None) -> Iterator[bytes]:
    """The timeline as JSON, written an event at a time (`events_json` in one piece)."""
    doc: dict[str, object] = {"events": LazyList(lambda: (e.to_json() for e in events))}
    if state is not None:
        doc = {"as_of": state.day.isoformat(), **doc, "relationships": [
            {"iri": r.iri, "label": r.label, "type": r.type.label, "source": r.source.iri, "target": r.target.iri,
             "begin": r.begin.iso if r.begin else None, "end": r.end.iso if r.end else None}
            for r in state.relationships]}
    return json_document(doc, 1)


def _tl_date(when: When) -> dict[str, int]:
    """A TimelineJS date object that holds only the parts the source gives."""
    out = {"year": when.start.year}
    if when.precision >= Precision.MONTH:
        out["month"] = when.start.month
    if when.precision is Precision.DAY:
        out["day"] = when.start.day
    return out


def _tl_source(source: SourceRef) -> str:
    """A source in a slide: its citation, a link where it has a web address, "(date)" when it only dates the event."""
    text = html.escape(source.citation)
    if source.url and source.url.lower().startswith(("https://", "http://")):
        text = f'<a href="{html.escape(source.url, quote=True)}" target="_blank" rel="noopener noreferrer">{text}</a>'
    return text + (" (date)" if source.used_for == ("date",) else "")


def timelinejs(events: Sequence[TimelineEvent], title: str = "tech-graph timeline") -> str:
    return b"".join(timelinejs_chunks(events, title)).decode("utf-8")


def timelinejs_chunks(events: Sequence[TimelineEvent], title: str = "tech-graph timeline") -> Iterator[bytes]:
    """TimelineJS3 JSON, a slide at a time. Its text fields are HTML, so every value is escaped.

    TimelineJS needs a start date, so undated events are left out; the title slide says how many.
    """
    esc = html.escape
    undated = sum(1 for e in events if e.span is None)
    left_out = f"; {undated} undated events are in the table, not here" if undated else ""
    doc = {"title": {"text": {"headline": esc(title), "text": f"<p>{len(events) - undated} events{left_out}</p>"}},
           "events": LazyList(lambda: (_slide(e) for e in events if e.span is not None))}
    return json_document(doc, 1)


def _slide(e: TimelineEvent) -> dict[str, Any]:
    assert e.span is not None
    esc = html.escape
    parts = [f"<p>{esc(e.comment)}</p>"] if e.comment else []
    if e.modality:
        parts.append(f"<p>{esc(e.modality.capitalize())}, per the source.</p>")
    for q in e.quotes:  # each quote with the document it is from
        parts.append(f"<blockquote>{esc(q.text)}</blockquote>"
                     + (f"<p>\u2014 <cite>{esc(q.document_title)}</cite></p>" if q.document_title else ""))
    if e.actors:
        parts.append("<p>" + esc(actors_text(e)) + "</p>")
    if e.sources:
        parts.append(f"<p>Source{'s' if len(e.sources) > 1 else ''}: "
                     + "; ".join(_tl_source(s) for s in e.sources) + "</p>")
    slide: dict[str, Any] = {
        "unique_id": e.iri.rsplit("/", 1)[-1],
        "start_date": {**_tl_date(e.span.begin), "display_date": e.span.begin.label},
        "text": {"headline": esc(e.label), "text": "".join(parts)},
    }
    if e.span.finish:
        slide["end_date"] = {**_tl_date(e.span.finish), "display_date": e.span.finish.label}
    if e.lane:
        slide["group"] = e.lane.label
    return slide
