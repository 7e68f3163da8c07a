"""`tech-graph ingest`: an article in, a draft of candidate facts out, for a curator to review.

The draft is Turtle in `graph/drafts/<slug>.ttl`: the source document, one verbatim excerpt per
sentence that proposes something, and the candidates, each typed `tg:Candidate` with its
confidence and reason. The text itself is saved as `graph/sources/<slug>.txt`, so every quote
can be checked against it. Nothing in `graph/*.ttl` changes until `tech-graph accept`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyoxigraph as ox

from ..articles import Sentence, read_text, sentences, slug
from ..dates import When
from ..errors import InputError
from ..namespaces import PROV, RDF, RDFS, SCHEMA, SEM, TG, TGR, XSD
from ..store import Store
from .extract import Candidate, Known, extract
from .figures import Figure
from .rules import Rules, read_rules

DRAFT_BASE = "https://w3id.org/tech-graph/draft/"
DCTERMS = "http://purl.org/dc/terms/"
@dataclass(frozen=True)
class Document:
    """The new source, as the user describes it on the command line."""

    slug: str
    title: str
    published: date
    publisher: str | None
    url: str | None
    known: str | None = None  # a source already in the graph with the same --url: the draft adds its text to it
    has: frozenset[str] = frozenset()  # the properties that source already has, which the draft leaves as they are

    @property
    def iri(self) -> str:
        return self.known or f"{TGR}doc-{self.slug}"


def known_source(store: Store, url: str | None) -> tuple[str | None, frozenset[str]]:
    """The source already in the graph at `url`, and its properties; (None, {}) if there is none."""
    if url is None:
        return None, frozenset()
    from ..store import Select

    result = store.query(f"SELECT DISTINCT ?doc ?p ?o WHERE {{ ?doc <{SCHEMA}url> <{url}> ; ?p ?o }}")
    assert isinstance(result, Select)
    docs: dict[str, set[str]] = {}
    files = {}
    for doc, prop, obj in result.rows:
        if not isinstance(doc, ox.NamedNode) or not isinstance(prop, ox.NamedNode):
            continue
        docs.setdefault(doc.value, set()).add(prop.value)
        if prop.value == TG + "localFile" and isinstance(obj, ox.Literal):
            files[doc.value] = obj.value
    if len(docs) != 1:
        return None, frozenset()  # none, or several to choose from: the draft makes its own
    (iri, props), = docs.items()
    if iri in files:
        raise InputError(f"{url} is already in the graph with its text, as {iri} ({files[iri]}); "
                         "nothing to ingest again")
    return iri, frozenset(props)


def parse_published(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--published: cannot read {text!r} as a day; use YYYY-MM-DD (e.g. 2021-02-03)") from None


def graph_digest(root: Path) -> str:
    """A digest of the curated graph's files, so `accept` can tell that the graph changed since the draft."""
    h = hashlib.sha256()
    for path in sorted((root / "graph").glob("*.ttl")):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return "sha256:" + h.hexdigest()


def known_events(store: Store) -> list[Known]:
    from ..timeline import events

    return [Known(e.iri, e.label, frozenset(t.iri for t in e.types), frozenset(e.all_types),
                  frozenset(a.iri for a in e.actors), e.span.start, e.span.end) for e in events(store) if e.span]


def draft_path(root: Path, name: str) -> Path:
    return root / "graph" / "drafts" / f"{name}.ttl"


def ingest(store: Store, root: Path, file: Path, title: str, published: str, publisher: str | None = None,
           url: str | None = None) -> tuple[Path, list[Candidate]]:
    """Read `file`, write its text and its draft under `root/graph/`, and return the draft's path and candidates."""
    if not title.strip():
        raise InputError("--title is empty; give the article's title")
    if url is not None and not re.match(r"https?://[^\s<>\"{}|\\^`]+$", url):
        raise InputError(f"--url {url!r} is not a web address; give it as https://...")
    day = parse_published(published)
    text = read_text(file)
    doc = Document(slug(title), title.strip(), day, publisher, url, *known_source(store, url))
    text_path = root / "graph" / "sources" / f"{doc.slug}.txt"
    target = draft_path(root, doc.slug)
    saved = text if text.endswith("\n") else text + "\n"
    # A text shipped in graph/sources/ under its own name may be ingested in place.
    same_text = text_path.exists() and text_path.read_bytes() == saved.encode("utf-8")
    for path in (text_path, target):
        if path.exists() and not (path == text_path and same_text):
            raise InputError(f"{path} exists already; this article was ingested before (give another --title, "
                             "or remove the old draft and text)")
    found = sentences(text)
    rules = read_rules(store)
    candidates = extract(found, rules, day, known_events(store))
    turtle = draft_turtle(doc, found, candidates, graph_digest(root), text_path.relative_to(root).as_posix(), rules)
    from ..output import write_output

    text_path.parent.mkdir(parents=True, exist_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not same_text:
        write_output(text_path, saved)
    write_output(target, turtle)
    return target, candidates


def _lit(value: str, lang: str | None = None) -> ox.Literal:
    return ox.Literal(value, language=lang) if lang else ox.Literal(value)


def _time(when: When) -> ox.Literal:
    return ox.Literal(when.iso, datatype=ox.NamedNode(when.datatype))


def draft_turtle(doc: Document, found: Sequence[Sentence], candidates: Sequence[Candidate], digest: str,
                 local_file: str, rules: Rules) -> str:
    """The draft as Turtle, candidates in text order."""
    from ..rdfformats import serialize_triples

    base = f"{DRAFT_BASE}{doc.slug}/"
    n = ox.NamedNode
    t: list[ox.Triple] = []

    def add(s: ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal) -> None:
        t.append(ox.Triple(s, n(p), o))

    draft = n(base)
    add(draft, RDF + "type", n(TG + "Draft"))
    add(draft, RDFS + "label", _lit(f"Draft from {doc.title}", "en"))
    add(draft, TG + "draftOf", n(doc.iri))
    add(draft, TG + "graphDigest", _lit(digest))
    document = n(doc.iri)

    def describe(p: str, o: ox.NamedNode | ox.Literal) -> None:
        if p not in doc.has:  # a source already in the graph keeps its own label, title, date and publisher
            add(document, p, o)

    add(document, RDF + "type", n(TG + "Article"))
    if doc.publisher and doc.url:  # a source that can date facts, as the shapes ask of one
        add(document, RDF + "type", n(TG + "BackgroundSource"))
    describe(RDFS + "label", _lit(doc.title, "en"))
    describe(DCTERMS + "title", _lit(doc.title))
    describe(SCHEMA + "datePublished", ox.Literal(doc.published.isoformat(), datatype=n(XSD + "date")))
    add(document, TG + "localFile", _lit(local_file))
    if doc.publisher:
        describe(SCHEMA + "publisher", _lit(doc.publisher))
    if doc.url:
        describe(SCHEMA + "url", n(doc.url))
    quoted = sorted({c.sentence.index for c in candidates})
    by_index = {s.index: s for s in found}
    for index in quoted:
        excerpt = n(f"{TGR}q-{doc.slug}-{index + 1}")
        add(excerpt, RDF + "type", n(TG + "Excerpt"))
        add(excerpt, RDFS + "label", _lit(f"Excerpt {index + 1} of {doc.title}", "en"))
        add(excerpt, PROV + "value", _lit(by_index[index].text))
        add(excerpt, PROV + "wasQuotedFrom", document)
    for c in candidates:
        node = n(base + c.id)
        excerpt = n(f"{TGR}q-{doc.slug}-{c.sentence.index + 1}")
        add(node, RDF + "type", n(TG + "Candidate"))
        add(node, TG + "confidence", ox.Literal(f"{c.confidence:.2f}", datatype=n(XSD + "decimal")))
        add(node, TG + "reason", _lit(c.reason))
        add(node, PROV + "wasDerivedFrom", excerpt)
        if c.kind == "corroboration":
            add(node, TG + "corroborates", n(c.corroborates))
            add(node, RDFS + "label", _lit(f"Second source for: {c.label}", "en"))
            for i, fig in enumerate(c.figures, 1):  # accept adds a value that differs as a second value
                _figure(add, node, f"{base}{c.id}-f{i}", fig, rules.figure_property(c.event_class, fig.kind) or "",
                        rules.sign(c.event_class), excerpt)
            continue
        add(node, RDFS + "label", _lit(c.label, "en"))
        if c.kind == "actor":
            add(node, RDF + "type", n(c.actor_class))
            continue
        if c.kind == "figure":
            add(node, RDF + "type", n(TG + ("UserCount" if c.figures[0].kind == "count" else "Measurement")))
            for _, actor in c.roles:
                add(node, TG + "measuredActor", n(actor if actor.startswith("http") else base + actor))
            for place in c.places:
                add(node, TG + "market", n(place))
            _figure(add, node, base + c.id + "-value", c.figures[0], TG + "quantity", 1, excerpt)
            add(node, TG + "asOf", document)
            continue
        add(node, RDF + "type", n(c.event_class))
        for role, actor in c.roles:
            add(node, role, n(actor if actor.startswith("http") else base + actor))
        for place in c.places:
            add(node, SEM + "hasPlace", n(place))
        hedge = c.modality
        if hedge:
            add(node, TG + "modality", n(hedge))
        if c.when is not None:
            if hedge in (TG + "Planned", TG + "Possible"):
                add(node, TG + "scheduledFor", _time(c.when.begin))
            elif c.when.finish is None:
                add(node, SEM + "hasTimeStamp", _time(c.when.begin))
            else:
                add(node, SEM + "hasBeginTimeStamp", _time(c.when.begin))
                add(node, SEM + "hasEndTimeStamp", _time(c.when.finish))
            if c.when.approximate:
                add(node, TG + "approximateTime", ox.Literal("true", datatype=n(XSD + "boolean")))
            add(node, TG + "dateDerivedFrom", document)
        for i, fig in enumerate(c.figures, 1):
            _figure(add, node, f"{base}{c.id}-f{i}", fig, rules.figure_property(c.event_class, fig.kind) or "",
                    rules.sign(c.event_class), excerpt)
    body = serialize_triples(t, "turtle").decode("utf-8")
    known = f"# The source is {doc.known}, already in the graph at this --url; the draft adds its text.\n" \
        if doc.known else ""
    head = (f"# Draft by tech-graph ingest from {doc.title!r} ({doc.published}).\n" + known +
            "# Review it with `tech-graph review`, then `tech-graph accept`; nothing here is in the graph yet.\n"
            f"@prefix draft: <{base}> .\n")
    return head + body


def _figure(add: Callable[[ox.NamedNode, str, ox.NamedNode | ox.Literal], None], node: ox.NamedNode, iri: str,
            fig: Figure, prop: str, sign: int, excerpt: ox.NamedNode) -> None:
    """A figure as the curated graph holds one: a value node in base units, the phrase, and its excerpt.

    A change of a kind the rules call negative ("valuation fell by $91bn") gets its sign.
    """
    n = ox.NamedNode
    value = n(iri)
    add(node, prop, value)
    money = fig.kind == "money"
    add(value, RDF + "type", n(SCHEMA + ("MonetaryAmount" if money else "QuantitativeValue")))
    number = str(-fig.value if sign < 0 and fig.kind in ("money", "percent") else fig.value)
    add(value, SCHEMA + "value", ox.Literal(number, datatype=n(XSD + ("integer" if number.lstrip("-").isdigit()
                                                                     else "decimal"))))
    add(value, SCHEMA + ("currency" if money else "unitCode"), ox.Literal(fig.unit))
    add(value, TG + "originalPhrase", ox.Literal(fig.phrase))
    add(value, RDFS + "label", _lit(fig.phrase, "en"))
    if fig.lower_bound:
        add(value, TG + "isLowerBound", ox.Literal("true", datatype=n(XSD + "boolean")))
    if fig.approximate:
        add(value, TG + "isApproximate", ox.Literal("true", datatype=n(XSD + "boolean")))
    add(value, PROV + "wasDerivedFrom", excerpt)
