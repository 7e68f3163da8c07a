"""Synthetic graphs of the same shape as ours, at any size, for benchmarks and scale tests.

The generator writes N-Triples lines directly (no RDF library in the loop), so a
million triples take a few seconds. The same seed gives the same bytes. The
result passes `ontology/shapes.ttl` together with the ontology; only the check
that quotes occur in the article text fails, since the article is invented.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from .namespaces import PROV, RDF, RDFS, SCHEMA, SEM, TG, TGR, XSD

DCTERMS = "http://purl.org/dc/terms/"
ARTICLE = f"<{TGR}synth-article>"
BACKGROUND = f"<{TGR}synth-background>"  # the source every synthetic time is derived from
DATED = f"<{TG}dateDerivedFrom> {BACKGROUND}"
A = f"<{RDF}type>"
LABEL = f"<{RDFS}label>"
DERIVED = f"<{PROV}wasDerivedFrom>"

COUNTRIES = ["China", "United States", "Japan", "Germany", "India", "Brazil", "Korea", "France",
             "Singapore", "Canada", "Australia", "Israel", "Sweden", "Kenya", "Mexico", "Indonesia"]
STEMS = ["Nova", "Quanta", "Lumen", "Vertex", "Harbor", "Cinder", "Atlas", "Zephyr", "Orbit", "Kestrel",
         "Pioneer", "Meridian", "Sable", "Tundra", "Helix", "Aurora", "Beacon", "Cobalt", "Delta", "Ember"]
GIVEN = ["Li", "Wang", "Anna", "James", "Mei", "Ravi", "Sofia", "Kenji", "Lucas", "Amara", "Chen", "Olga"]
FAMILY = ["Zhang", "Smith", "Tanaka", "Garcia", "Okafor", "Novak", "Kim", "Patel", "Rossi", "Haddad"]
# "Rumoured" is a tg:Modality, not a tg:status; it is written as one (see event()).
STATUSES = ["Completed", "Ongoing", "Proposed", "Rumoured", "Ongoing"]
CURRENCIES = ["USD", "CNY", "EUR", "HKD"]

# Actor kinds in the synthetic population, with their share.
KINDS = [("Company", 0.5), ("Person", 0.2), ("Regulator", 0.15), ("Platform", 0.15)]


@dataclass(frozen=True)
class EventKind:
    """An event class of ours and the SEM role sub-properties it uses, with the actor kind each takes."""

    cls: str
    roles: tuple[tuple[str, str], ...]
    deal: bool = False


EVENT_KINDS = [
    *(EventKind(c, (("hasRegulator", "Regulator"), ("hasTarget", "Company")))
      for c in ("Investigation", "AntitrustRules", "IPOSuspension", "ForcedDivestment",
                "UnwindLawsuit", "DealReview")),
    EventKind("Ban", (("hasRegulator", "Regulator"), ("hasTarget", "Platform"))),
    EventKind("Acquisition", (("hasAcquirer", "Company"), ("hasAcquiree", "Company")), deal=True),
    EventKind("Divestment", (("hasSeller", "Company"), ("hasBuyer", "Company")), deal=True),
    EventKind("IPO", (("hasIssuer", "Company"),), deal=True),
    EventKind("ShareBuyback", (("hasIssuer", "Company"),), deal=True),
    EventKind("ValuationDrop", (("hasSubject", "Company"),)),
    EventKind("ExecutiveDisappearance", (("hasSubject", "Person"),)),
    EventKind("ExecutiveReappearance", (("hasSubject", "Person"),)),
    EventKind("CompetitiveConduct", (("hasInitiator", "Company"), ("hasAffected", "Company"))),
    EventKind("ExpansionOrHiring", (("hasInitiator", "Company"),)),
    EventKind("PolicyAnnouncement", (("hasInitiator", "Regulator"), ("hasAffected", "Company"))),
    EventKind("PoliticalPressure", (("hasInitiator", "Regulator"), ("hasAffected", "Person"))),
    EventKind("OfferOfHelp", (("hasInitiator", "Company"), ("hasRecipient", "Regulator"))),
]

# Roughly how many triples one event brings with it (event, excerpt, amounts, relationships).
TRIPLES_PER_EVENT = 15


def lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def typed(text: str, datatype: str) -> str:
    return f'"{text}"^^<{XSD}{datatype}>'


def en(text: str) -> str:
    return lit(text) + "@en"


class Synth:
    """One generator run: the seed fixes every choice."""

    def __init__(self, triples: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.target = triples
        events = max(10, triples // TRIPLES_PER_EVENT)
        self.n_actors = max(len(KINDS) * 3, events // 6)

    # helpers -----------------------------------------------------------------------------

    def pick(self, pool: list[str]) -> str:
        """A skewed choice: a few actors take part in many events, as in real news."""
        return pool[int(len(pool) * self.rng.random() ** 3)]

    def when(self) -> tuple[str, str]:
        """A time literal at mixed precision, and a sortable text of it."""
        year = self.rng.randint(2000, 2021)
        month = self.rng.randint(1, 12)
        draw = self.rng.random()
        if draw < 0.6:
            text = f"{year}-{month:02d}-{self.rng.randint(1, 28):02d}"
            return typed(text, "date"), text
        if draw < 0.85:
            text = f"{year}-{month:02d}"
            return typed(text, "gYearMonth"), text
        return typed(str(year), "gYear"), str(year)

    # parts -------------------------------------------------------------------------------

    def header(self) -> Iterator[str]:
        yield f"{ARTICLE} {A} <{TG}Article> ."
        yield f"{ARTICLE} {LABEL} {en('Synthetic article (tech-graph synth)')} ."
        yield f"{ARTICLE} <{DCTERMS}title> {lit('Synthetic article')} ."
        yield f"{ARTICLE} <{TG}localFile> {lit('synthetic.txt')} ."
        yield f"{ARTICLE} <{SCHEMA}datePublished> {typed('2021', 'gYear')} ."
        yield f"{BACKGROUND} {A} <{TG}BackgroundSource> ."
        yield f"{BACKGROUND} {LABEL} {en('Synthetic background source (tech-graph synth)')} ."
        yield f"{BACKGROUND} <{DCTERMS}title> {lit('Synthetic background source')} ."
        yield f"{BACKGROUND} <{SCHEMA}publisher> {lit('tech-graph synth')} ."
        yield f"{BACKGROUND} <{SCHEMA}url> <https://example.org/synthetic-background> ."
        yield f"{BACKGROUND} <{SCHEMA}datePublished> {typed('2021', 'gYear')} ."

    def excerpt(self, name: str, quote: str) -> tuple[str, list[str]]:
        iri = f"<{TGR}synth-q-{name}>"
        return iri, [
            f"{iri} {A} <{TG}Excerpt> .",
            f"{iri} {LABEL} {en('Excerpt: ' + quote[:40])} .",
            f"{iri} <{PROV}value> {lit(quote)} .",
            f"{iri} <{PROV}wasQuotedFrom> {ARTICLE} .",
        ]

    def places(self) -> tuple[list[str], list[str]]:
        iris, lines = [], []
        for i, name in enumerate(COUNTRIES):
            iri = f"<{TGR}synth-country-{i}>"
            q, q_lines = self.excerpt(f"country-{i}", f"{name} is named in the article.")
            iris.append(iri)
            lines += [f"{iri} {A} <{TG}Country> .", f"{iri} {LABEL} {en(name + ' (synthetic)')} .",
                      f"{iri} {DERIVED} {q} .", *q_lines]
        return iris, lines

    def actors(self, countries: list[str]) -> tuple[dict[str, list[str]], list[str]]:
        pools: dict[str, list[str]] = {kind: [] for kind, _ in KINDS}
        lines: list[str] = []
        for kind, share in KINDS:
            for i in range(max(3, int(self.n_actors * share))):
                iri = f"<{TGR}synth-{kind.lower()}-{i}>"
                if kind == "Person":
                    label = f"{GIVEN[i % len(GIVEN)]} {FAMILY[(i // len(GIVEN)) % len(FAMILY)]} {i}"
                else:
                    label = f"{STEMS[i % len(STEMS)]} {kind} {i}"
                q, q_lines = self.excerpt(f"{kind.lower()}-{i}", f"{label} is named in the article.")
                pools[kind].append(iri)
                lines += [f"{iri} {A} <{TG}{kind}> .", f"{iri} {LABEL} {en(label)} .", f"{iri} {DERIVED} {q} .",
                          *q_lines]
                if kind in ("Company", "Regulator"):
                    lines.append(f"{iri} <{TG}headquarteredIn> {self.pick(countries)} .")
        return pools, lines

    def relationships(self, pools: dict[str, list[str]], count: int) -> Iterator[str]:
        companies, owners = pools["Company"], pools["Company"] + pools["Person"]
        for i in range(count):
            iri = f"<{TGR}synth-rel-{i}>"
            kind = "Ownership" if i % 2 else "Stake"
            source, target = self.pick(owners), self.rng.choice(companies)
            literal, _ = self.when()
            q, q_lines = self.excerpt(f"rel-{i}", f"A {kind.lower()} numbered {i} is reported.")
            yield f"{iri} {A} <{TG}{kind}> ."
            yield f"{iri} {LABEL} {en(f'{kind} {i}')} ."
            yield f"{iri} <{TG}source> {source} ."
            yield f"{iri} <{TG}target> {target} ."
            yield f"{iri} <{SEM}hasBeginTimeStamp> {literal} ."
            yield f"{iri} {DATED} ."
            yield f"{iri} {DERIVED} {q} ."
            yield from q_lines

    def event(self, i: int, pools: dict[str, list[str]], countries: list[str]) -> Iterator[str]:
        kind = EVENT_KINDS[i % len(EVENT_KINDS)]
        iri = f"<{TGR}synth-event-{i}>"
        q, q_lines = self.excerpt(f"event-{i}", f"Event number {i}, a {kind.cls}, is reported.")
        yield f"{iri} {A} <{TG}{kind.cls}> ."
        yield f"{iri} {LABEL} {en(f'{kind.cls} {i}')} ."
        for role, actor_kind in kind.roles:
            yield f"{iri} <{TG}{role}> {self.pick(pools[actor_kind])} ."
        yield f"{iri} <{SEM}hasPlace> {self.pick(countries)} ."
        state = self.rng.choice(STATUSES)
        yield f"{iri} <{TG}{'modality' if state == 'Rumoured' else 'status'}> <{TG}{state}> ."
        literal, text = self.when()
        if self.rng.random() < 0.15:  # a span; its end is a later year at the same precision
            end_year = int(text[:4]) + self.rng.randint(0, 2)
            end_text = str(end_year) + text[4:]
            datatype = {10: "date", 7: "gYearMonth", 4: "gYear"}[len(text)]
            yield f"{iri} <{SEM}hasBeginTimeStamp> {literal} ."
            yield f"{iri} <{SEM}hasEndTimeStamp> {typed(end_text, datatype)} ."
        else:  # something under way has a begin, not an instant
            yield f"{iri} <{SEM}{'hasBeginTimeStamp' if state == 'Ongoing' else 'hasTimeStamp'}> {literal} ."
        yield f"{iri} {DATED} ."
        yield f"{iri} {DERIVED} {q} ."
        yield from q_lines
        if kind.deal:
            amount = f"<{TGR}synth-amount-{i}>"
            value = self.rng.randint(1, 900) * 10 ** self.rng.randint(6, 9)
            currency = self.rng.choice(CURRENCIES)
            yield f"{iri} <{TG}dealValue> {amount} ."
            yield f"{amount} {A} <{SCHEMA}MonetaryAmount> ."
            yield f"{amount} {LABEL} {en(f'Deal value {i}')} ."
            yield f"{amount} <{SCHEMA}value> {typed(str(value), 'integer')} ."
            yield f"{amount} <{SCHEMA}currency> {lit(currency)} ."
            yield f"{amount} <{TG}originalPhrase> {lit(f'{value} {currency}')} ."

    def lines(self) -> Iterator[str]:
        """Lines until the target is reached (the last event may overshoot it by a few)."""
        count = 0

        def emit(lines: Iterator[str] | list[str]) -> Iterator[str]:
            nonlocal count
            for line in lines:
                count += 1
                yield line

        yield from emit(self.header())
        countries, place_lines = self.places()
        yield from emit(place_lines)
        pools, actor_lines = self.actors(countries)
        yield from emit(actor_lines)
        yield from emit(self.relationships(pools, max(2, self.n_actors // 4)))
        i = 0
        while count < self.target:
            yield from emit(self.event(i, pools, countries))
            i += 1


def synth_ntriples(triples: int, seed: int = 0) -> bytes:
    """About `triples` N-Triples lines of a graph shaped like ours; the same seed gives the same bytes."""
    return ("\n".join(Synth(triples, seed).lines()) + "\n").encode("utf-8")

