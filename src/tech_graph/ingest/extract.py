"""Candidates from an article: who, what, when and how much, each with its sentence, a confidence and a reason.

Plain rules, each testable on its own: the gazetteer finds known actors and places, the ontology's
trigger terms find events, the position of an actor around the trigger gives its role, dates are
resolved against the publication date, and number patterns read figures. A candidate that matches
an event already in the graph (same type, a shared actor, overlapping time) is proposed as a
second source for it, not as a new event.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date

from ..articles import Sentence
from ..namespaces import TG
from .figures import Figure, find_figures
from .rules import Mention, Rules, Trigger
from .when import Found, find_dates, order_date


@dataclass(frozen=True)
class Known:
    """An event already in the graph, as far as matching needs it."""

    iri: str
    label: str
    types: frozenset[str]  # its most specific classes
    all_types: frozenset[str]  # every class, ancestors included
    actors: frozenset[str]
    start: date | None
    end: date | None


@dataclass
class Candidate:
    id: str
    kind: str  # event, corroboration, actor, figure
    sentence: Sentence
    confidence: float
    reason: str
    label: str = ""
    event_class: str = ""
    roles: list[tuple[str, str]] = field(default_factory=list)  # (role IRI, actor IRI or new-actor id)
    places: list[str] = field(default_factory=list)
    when: Found | None = None
    figures: list[Figure] = field(default_factory=list)
    corroborates: str = ""
    actor_class: str = ""
    phrase: str = ""
    modality: str | None = None  # tg:Possible, tg:Planned ... where the sentence hedges; a hedge never corroborates


# New organisations and people: capitalised names the gazetteer does not know, typed by their last word.
_ORG_WORDS = {
    "Company": ("Group", "Holdings", "Holding", "Inc", "Inc.", "Ltd", "Ltd.", "Limited", "Corp", "Corp.", "Corporation",
                "Co.", "Technologies", "Technology", "plc", "LLC", "Bank", "Airlines", "Motors", "Networks",
                "Software", "Systems", "Capital", "Partners"),
    "Regulator": ("Commission", "Administration", "Agency", "Authority", "Bureau", "Committee", "Regulator",
                  "Exchange", "Court", "Office", "Council", "Ministry", "Department", "Board", "Reserve"),
}
_NAME = r"(?:[A-Z][\w&.'’-]*|of|for|and|the|on|de)"
_CANDIDATE_NAME = re.compile(rf"\b(?:The |the )?([A-Z][\w&.'’-]*(?: {_NAME})*)")
_PERSON = re.compile(r"\b(?:President|Mr\.?|Ms\.?|Mrs\.?|Dr\.?|Chairman|Chief Executive|CEO|founder)\s+"
                     r"([A-Z][a-z]+(?: [A-Z][a-z]+){0,2})")
# Hedges kept as the ontology's modality; the first that occurs before or at the trigger wins.
MODALITIES = (
    ("Rumoured", re.compile(r"\b(?:rumou?r(?:ed|s)?|reportedly|is said to|are said to)\b", re.I)),
    ("Alleged", re.compile(r"\balleg(?:ed|edly|es|ation)\b", re.I)),
    ("Possible", re.compile(r"\b(?:might|may|could|possibl[ey]|considering|weighing)\b", re.I)),
    ("Planned", re.compile(r"\b(?:is set to|are set to|plans? to|planned|intends? to|will|is to|due to)\b", re.I)),
)


def hedge(sentence: str, upto: int) -> str | None:
    """The modality of the words before (or at) the trigger, if any hedge them."""
    for name, pattern in MODALITIES:
        m = pattern.search(sentence)
        if m and m.start() <= upto:
            return TG + name
    return None


_PASSIVE = re.compile(r"\b(?:was|were|been|being|is|are)\s+(?:\w+ly\s+)?$", re.I)


def _new_actors(sentence: str, mentions: Sequence[Mention]) -> list[tuple[str, str, int, int]]:
    """(name, class, start, end) of organisations and people the gazetteer does not know."""
    taken = [(m.start, m.end) for m in mentions]
    found = []
    for m in _PERSON.finditer(sentence):
        if not any(m.start(1) < e and s < m.end(1) for s, e in taken):
            found.append((m.group(1), TG + "Person", m.start(1), m.end(1)))
            taken.append((m.start(1), m.end(1)))
    people = list(taken)
    known = [(m.start, m.end) for m in mentions]
    for m in _CANDIDATE_NAME.finditer(sentence):
        name = m.group(1).rstrip(".,’'")
        words = name.split()
        while words and words[-1] in ("of", "for", "and", "the", "on", "de"):
            words.pop()
        if len(words) < 2:
            continue
        name = " ".join(words)
        # Typed by its last word ("Didi Global Inc."), or by a word before "of"/"for" ("Bank of China").
        start, end = m.start(1), m.start(1) + len(name)
        offsets = [start + len(" ".join(words[:i])) + (1 if i else 0) for i in range(len(words))]
        heads = [len(words) - 1] + [i for i in range(len(words) - 1) if words[i + 1] in ("of", "for")]
        typed = [(i, k) for i in heads for k, ends in _ORG_WORDS.items() if words[i] in ends]
        if not typed:
            continue
        head, kind = typed[0]
        at = offsets[head]
        # A known name after the head word ("China" in "Cyberspace Administration of China") does not block it;
        # one that holds the head word ("Ant Group" in "IPO of Ant Group") does.
        inside = [(s, e) for s, e in known if at + len(words[head]) <= s and e <= end]
        blocked = [(s, e) for s, e in people + known if (s, e) not in inside and start < e and s < end]
        if kind and not blocked:
            found.append((name, TG + kind, start, end))
            people.append((start, end))
    return found


def _roles(trigger: Trigger, span: tuple[int, int], sentence: str, actors: Sequence[tuple[str, int]]) -> tuple[
        list[tuple[str, str]], str]:
    """Roles from where each actor stands: before the trigger the agent, after it the patient (swapped in the
    passive, "was acquired by X")."""
    first, last = span
    participle = re.match(r"\w+", sentence[first:])
    passive = bool(_PASSIVE.search(sentence[:first])) and bool(participle and re.search(
        r"(?:ed|en|wn|ght|ld)$", participle.group(0), re.I))
    roles = []
    seen: set[str] = set()
    for actor, at in actors:
        if actor in seen:  # "the State Administration for Market Regulation (SAMR)": one actor, named twice
            continue
        seen.add(actor)
        before = at < first
        by_agent = passive and not before and re.search(r"\bby\s+(?:the\s+)?$", sentence[last:at], re.I)
        role = trigger.agent_role if (before != passive) or by_agent else trigger.patient_role
        roles.append((role or "http://semanticweb.cs.vu.nl/2009/11/sem/hasActor", actor))
    why = "passive: the actor after 'by' acts" if passive else "actors before the trigger act, after it are acted on"
    return roles, why


def _overlaps(found: Found | None, known: Known) -> bool:
    if found is None or known.start is None:
        return True
    finish = found.finish or found.begin
    return found.begin.start <= (known.end or known.start) and finish.end >= known.start


def extract(sentences: Sequence[Sentence], rules: Rules, published: date, known: Sequence[Known] = ()) -> list[
        Candidate]:
    """Every candidate the rules find, in the order of the text."""
    out: list[Candidate] = []
    new_actor_ids: dict[str, str] = {}
    counter = {"event": 0, "corroboration": 0, "actor": 0, "figure": 0}

    def next_id(kind: str) -> str:
        counter[kind] += 1
        return f"{kind[0]}{counter[kind]:03d}"

    anchor = order_date([s.text for s in sentences])
    for sentence in sentences:
        text = sentence.text
        mentions = rules.gazetteer.find(text)
        actors = [(m.iri, m.start) for m in mentions if not m.place]
        places = sorted({m.iri for m in mentions if m.place})
        for name, cls, start, _end in _new_actors(text, mentions):
            if name not in new_actor_ids:
                new_actor_ids[name] = next_id("actor")
                out.append(Candidate(new_actor_ids[name], "actor", sentence, 0.5,
                                     f"'{name}' is not in the graph; typed {cls.rsplit('#', 1)[-1]} from its last "
                                     f"word", label=name, actor_class=cls, phrase=name))
            actors.append((new_actor_ids[name], start))
        dates = find_dates(text, published, anchor)
        figures = find_figures(text)
        matched = [(t, span) for t in rules.triggers if (span := t.match(text))]
        if not matched:
            for fig in figures:
                if fig.kind == "count" or fig.kind == "money":
                    out.append(Candidate(next_id("figure"), "figure", sentence, 0.4,
                                         f"the figure '{fig.phrase}' with no event trigger in its sentence",
                                         label=fig.phrase, figures=[fig], roles=[(TG + "measuredActor", a)
                                                                                for a, _ in actors[:1]],
                                         places=places, phrase=fig.phrase))
            continue
        longest = len(matched[0][0].words)
        best = [(t, span) for t, span in matched if len(t.words) == longest]
        seen_classes: set[str] = set()
        for trigger, span in best:
            if trigger.event_class in seen_classes:
                continue
            seen_classes.add(trigger.event_class)
            roles, role_reason = _roles(trigger, span, text, sorted(actors, key=lambda a: a[1]))
            when = dates[0] if dates else None
            confidence = min(0.95, 0.45 + 0.15 * min(len(trigger.words), 2) + (0.15 if actors else 0)
                             + (0.1 if when else 0))
            class_label = rules.class_labels.get(trigger.event_class, trigger.event_class.rsplit("#", 1)[-1])
            who = [rules.gazetteer.labels.get(a, a) for _, a in roles if not a[1:].isdigit()]
            reason = (f"trigger '{trigger.term}' of {class_label} ('{text[span[0]:span[1]]}'); {role_reason}; "
                      + (f"date {when.reason}" if when else "no date in the sentence, so none is given"))
            kept = [f for f in figures if rules.figure_property(trigger.event_class, f.kind)]
            left = [f.phrase for f in figures if f not in kept]
            if left:
                reason += f"; not attached: {', '.join(left)} (the ontology has no property for them on {class_label})"
            candidate = Candidate(next_id("event"), "event", sentence, round(confidence, 2), reason,
                                  label=f"{class_label}: {', '.join(who) or 'unknown actors'}",
                                  event_class=trigger.event_class, roles=roles, places=places, when=when,
                                  figures=kept, phrase=text[span[0]:span[1]])
            candidate.modality = hedge(text, span[0])
            agents = {a for role, a in roles if role == trigger.agent_role}
            match = None if candidate.modality else _known_match(candidate, known, agents)
            if match is not None:
                candidate.kind = "corroboration"
                candidate.id = next_id("corroboration")
                candidate.corroborates = match.iri
                candidate.confidence = round(min(0.95, candidate.confidence + 0.1), 2)
                candidate.reason += f"; matches '{match.label}' (same type, a shared actor, overlapping time)"
                candidate.label = match.label
            out.append(candidate)
    return out


def _known_match(candidate: Candidate, known: Sequence[Known], agents: AbstractSet[str] = frozenset()) -> Known | None:
    """The known event the candidate is another source for: same class, shared actors, overlapping time, and
    nobody acting in the candidate who is not in the event ("US agencies banned TikTok" is not India's ban)."""
    mine = {a for _, a in candidate.roles}
    best = None
    for event in known:
        if agents - event.actors:
            continue
        shared = len(mine & event.actors)
        # The same class needs one shared actor; a broader class ("Regulatory action") needs two.
        needed = 1 if candidate.event_class in event.types else 2
        if candidate.event_class not in event.all_types or shared < needed or not _overlaps(candidate.when, event):
            continue
        score = shared
        if best is None or score > best[0]:
            best = (score, event)
    return best[1] if best else None
