"""The extraction rules, read from the graph: a gazetteer of its names and the ontology's trigger terms.

The gazetteer knows every actor and place by its labels and alternate names in any language,
so "Alibaba’s", "ALIBABA" and "阿里巴巴" all find tgr:alibaba. Trigger terms and roles are data
in `ontology/extraction.ttl`, which a curator extends in Turtle.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ..actors import members
from ..namespaces import TG
from ..store import OxigraphStore, Select, Store


@dataclass(frozen=True)
class Mention:
    """A known actor or place named in a sentence."""

    start: int
    end: int
    phrase: str
    iri: str
    place: bool


@dataclass
class Gazetteer:
    """Names to IRIs. Short names (3 letters or fewer, like "US" or "Ant") must match their case."""

    names: dict[str, set[str]] = field(default_factory=dict)  # casefolded name -> IRIs
    exact: dict[str, set[str]] = field(default_factory=dict)  # short name as written -> IRIs
    places: set[str] = field(default_factory=set)
    labels: dict[str, str] = field(default_factory=dict)
    _pattern: re.Pattern[str] | None = None

    def add(self, iri: str, name: str, place: bool) -> None:
        name = " ".join(name.split())
        if not name:
            return
        self.labels.setdefault(iri, name)
        for variant in variants(name):
            self._add(iri, variant, place)

    def _add(self, iri: str, name: str, place: bool) -> None:
        if place:
            self.places.add(iri)
        if len(name) <= 3 and name.isascii():
            self.exact.setdefault(name, set()).add(iri)
        else:
            self.names.setdefault(name.casefold(), set()).add(iri)
        self._pattern = None

    def pattern(self) -> re.Pattern[str]:
        if self._pattern is None:
            every = sorted({*self.names, *self.exact}, key=len, reverse=True)
            alternatives = "|".join(re.escape(n) for n in every)
            # Word boundaries for Latin names; CJK names stand alone in running text.
            self._pattern = re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])|(?:{alternatives})(?=[^\x00-\x7f])",
                                       re.I)
        return self._pattern

    def find(self, sentence: str) -> list[Mention]:
        """Known names in a sentence, longest first, possessives ("Alibaba’s") included."""
        found = []
        for m in self.pattern().finditer(sentence):
            phrase = m.group(0)
            iris = self.exact.get(phrase) if phrase in self.exact else self.names.get(phrase.casefold())
            if not iris:
                continue  # a short name in the wrong case ("ant", "us")
            for iri in sorted(iris):
                found.append(Mention(m.start(), m.end(), phrase, iri, iri in self.places))
        return found


CORPORATE = ("Holdings", "Group", "Inc.", "Inc", "Ltd.", "Ltd", "Limited", "Corp.", "Corporation", "Co.", "plc")


def variants(name: str) -> list[str]:
    """A name as articles write it: "Tencent Holdings" is also "Tencent", "CFIUS (Committee on ...)" both parts."""
    found = [name]
    m = re.fullmatch(r"(.+?)\s*\((.+)\)", name)
    if m:
        found += [m.group(1).strip(), m.group(2).strip()]
    for item in list(found):
        # "Ministry of ..., India": the country qualifies the name
        qualified = re.fullmatch(r"(.{12,}?),\s+[A-Z][\w ]+", item)
        if qualified:
            found.append(qualified.group(1))
    for item in list(found):
        words = item.split()
        while len(words) > 1 and words[-1] in CORPORATE:
            words = words[:-1]
            found.append(" ".join(words).rstrip(","))
    return list(dict.fromkeys(found))


@dataclass(frozen=True)
class Trigger:
    """Words that suggest an event class, and the roles its actors take."""

    event_class: str
    term: str
    words: tuple[str, ...]
    agent_role: str | None
    patient_role: str | None

    def match(self, sentence: str) -> tuple[int, int] | None:
        """Where the trigger's words begin and end in the sentence, if all occur in order.

        A word of the term matches a word of the text that begins with it and goes on, if at all,
        with an inflection ("ban" finds "bans" and "banned", not "banks").
        """
        pos, first = 0, -1
        end = 0
        for word in self.words:
            m = _word_pattern(word).search(sentence, pos)
            if m is None:
                return None
            first = m.start() if first < 0 else first
            pos = end = m.end()
        return first, end


_INFLECTIONS = ("s", "es", "ed", "d", "ing", "ion", "ions", "ation", "ations", "ment", "ments", "er", "ers", "or",
                "ors", "y", "ies", "ied", "ize", "izes", "ized", "izing", "ise", "ises", "ised", "ising", "al", "ive",
                "ure", "ures", "ure", "e")


@functools.cache
def _word_pattern(word: str) -> re.Pattern[str]:
    endings = "|".join(sorted(_INFLECTIONS, key=len, reverse=True))
    double = re.escape(word[-1]) + "?" if word[-1:].isalpha() else ""
    if word.endswith("e") and len(word) > 4:  # "acquire" finds "acquiring": a final e drops before a vowel
        return re.compile(rf"(?<![\w-]){re.escape(word[:-1])}(?:es|ed|ers|er|ing|e)(?![\w])", re.I)
    return re.compile(rf"(?<![\w-]){re.escape(word)}(?:{double}(?:{endings}))?(?![\w])", re.I)


@dataclass
class Rules:
    gazetteer: Gazetteer
    triggers: list[Trigger]
    class_labels: dict[str, str]
    figures: dict[tuple[str, str], str] = field(default_factory=dict)  # (class, money|percent|count) -> property

    signs: dict[str, int] = field(default_factory=dict)  # class -> -1 where its changes are losses

    def sign(self, event_class: str) -> int:
        return self.signs.get(event_class, 1)

    def figure_property(self, event_class: str, kind: str) -> str | None:
        """The property a figure of this kind takes on an event of this class, where the ontology has one."""
        return self.figures.get((event_class, kind))


RULES_QUERY = """
SELECT ?class ?term ?agent ?patient ?money ?percent ?count ?sign WHERE {
  { ?class tg:triggerTerm ?term } UNION { ?class tg:agentRole ?agent } UNION { ?class tg:patientRole ?patient }
  UNION { ?class tg:moneyProperty ?money } UNION { ?class tg:percentProperty ?percent }
  UNION { ?class tg:countProperty ?count } UNION { ?class tg:changeSign ?sign }
}
"""


def extraction_path() -> Path:
    from ..load import project_root

    return project_root() / "ontology" / "extraction.ttl"


def rules_store() -> OxigraphStore:
    """The extraction rules on their own: they steer ingest and are not part of the published graph."""
    from ..load import Source, load_source
    from ..namespaces import GRAPH_ONTOLOGY

    inner = ox.Store()
    load_source(inner, Source(extraction_path(), GRAPH_ONTOLOGY))
    return OxigraphStore(inner, "extraction rules")


def read_rules(store: Store) -> Rules:
    """The gazetteer from the graph in `store`, the trigger terms and roles from `ontology/extraction.ttl`."""
    from ..timeline import ancestors, event_classes

    gazetteer = Gazetteer()
    for iri, names in members(store, TG + "Place"):
        for name in names:
            gazetteer.add(iri, name, place=True)
    for iri, names in members(store, TG + "Actor"):
        for name in names:
            gazetteer.add(iri, name, place=iri in gazetteer.places)
    result = rules_store().query(RULES_QUERY, where="the extraction rules query")
    assert isinstance(result, Select)
    terms: dict[str, set[str]] = {}
    roles: dict[str, dict[str, str]] = {}
    signs: dict[str, int] = {}
    for cls, term, agent, patient, money, percent, count, sign in result.rows:
        if not isinstance(cls, ox.NamedNode):
            continue
        if isinstance(sign, ox.Literal) and sign.value.lstrip("-").isdigit():
            signs[cls.value] = -1 if int(sign.value) < 0 else 1
        if isinstance(term, ox.Literal):
            terms.setdefault(cls.value, set()).add(term.value)
        for kind, given in (("agent", agent), ("patient", patient), ("money", money), ("percent", percent),
                            ("count", count)):
            if isinstance(given, ox.NamedNode):
                roles.setdefault(cls.value, {})[kind] = given.value
    classes = event_classes(store)

    def nearest_role(cls: str, kind: str) -> str | None:
        """The class's own role (or figure property), else the nearest ancestor's."""
        for ancestor in sorted(ancestors(classes, cls), key=lambda a: (len(ancestors(classes, a)) * -1, a)):
            if kind in roles.get(ancestor, {}):
                return roles[ancestor][kind]
        return None

    triggers = [Trigger(cls, term, tuple(term.split()), nearest_role(cls, "agent"), nearest_role(cls, "patient"))
                for cls, found in terms.items() for term in found]
    triggers.sort(key=lambda t: (-len(t.words), t.event_class, t.term))
    labels = {iri: c.label for iri, c in classes.items()}
    figures = {(cls, kind): prop for cls in classes for kind in ("money", "percent", "count")
               if (prop := nearest_role(cls, kind))}
    inherited = {cls: next((signs[a] for a in sorted(ancestors(classes, cls), key=lambda a: (
        -len(ancestors(classes, a)), a)) if a in signs), 1) for cls in classes}
    return Rules(gazetteer, triggers, labels, figures, inherited)
