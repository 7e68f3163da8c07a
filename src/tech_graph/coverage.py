"""Coverage: which sentences of each local source text are cited by an excerpt, and which facts cite them.

A curator's view of what the graph still misses. A sentence is cited when the
quote of some tg:Excerpt of that document overlaps it (after collapsing
whitespace, as `validate` compares quotes); the facts citing it are every node
whose prov:wasDerivedFrom is such an excerpt.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from . import articles
from .load import project_root
from .namespaces import PROV, RDF, RDFS, TG, compact
from .store import Select, Store


def collapse(text: str) -> str:
    return " ".join(text.split())


def read_source(name: str) -> str | None:
    """The text of a tg:localFile (relative to the project root), or None if it cannot be read."""
    path = Path(name) if Path(name).is_absolute() else project_root() / name
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


@dataclass(frozen=True)
class Fact:
    """A node that cites an excerpt: an event, actor, claim, link, figure or relationship."""

    iri: str
    label: str
    kind: str

    @property
    def name(self) -> str:
        return compact(self.iri)


@dataclass
class Sentence:
    number: int
    paragraph: int
    start: int  # offsets in the collapsed text
    end: int
    text: str
    excerpts: set[str] = field(default_factory=set)
    facts: dict[str, Fact] = field(default_factory=dict)

    @property
    def cited(self) -> bool:
        return bool(self.excerpts)


@dataclass
class DocumentCoverage:
    iri: str
    label: str
    file: str
    sentences: list[Sentence]
    unplaced: list[str]  # excerpts whose quote is not in the text (validate reports them too)

    @property
    def cited(self) -> int:
        return sum(s.cited for s in self.sentences)

    @property
    def share(self) -> float:
        return 100.0 * self.cited / len(self.sentences) if self.sentences else 0.0

    @property
    def uncited(self) -> list[Sentence]:
        return [s for s in self.sentences if not s.cited]


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of a stored text (as `articles.sentences` splits it, for ingest too), numbered from 1, with their
    paragraph and offsets in collapse(text)."""
    found: list[Sentence] = []
    flat = collapse(text)
    at = 0
    for sentence in articles.sentences(text):
        begin = flat.index(sentence.text, at)
        at = begin + len(sentence.text)
        found.append(Sentence(sentence.index + 1, sentence.paragraph, begin, at, sentence.text))
    return found


_CITATIONS = f"""
    SELECT ?doc ?docLabel ?file ?excerpt ?quote ?fact ?factLabel ?kind WHERE {{
        ?doc <{TG}localFile> ?file .
        OPTIONAL {{ ?doc <{RDFS}label> ?docLabel }}
        OPTIONAL {{
            ?excerpt <{PROV}wasQuotedFrom> ?doc ; <{PROV}value> ?quote .
            OPTIONAL {{
                ?fact <{PROV}wasDerivedFrom> ?excerpt .
                OPTIONAL {{ ?fact <{RDFS}label> ?factLabel FILTER (LANGMATCHES(LANG(?factLabel), "en")) }}
                OPTIONAL {{ ?fact <{RDF}type> ?class . ?class <{RDFS}label> ?kind }}
            }}
        }}
    }}"""


def coverage(store: Store) -> list[DocumentCoverage]:
    """Coverage of every document with a tg:localFile, in the order of their files."""
    result = store.query(_CITATIONS)
    assert isinstance(result, Select)
    docs: dict[str, tuple[str, str]] = {}
    quotes: dict[str, dict[str, str]] = {}
    facts: dict[str, dict[str, Fact]] = {}
    for doc, doc_label, file, excerpt, quote, fact, fact_label, kind in result.rows:
        d = _text(doc)
        docs.setdefault(d, (_text(doc_label) or compact(d), _text(file)))
        if excerpt is None:
            continue
        quotes.setdefault(d, {})[_text(excerpt)] = _text(quote)
        if fact is not None:
            cited, iri = facts.setdefault(_text(excerpt), {}), _text(fact)
            known = cited.get(iri, Fact(iri, compact(iri), ""))  # a fact comes once per label and class
            cited[iri] = Fact(iri, _text(fact_label) or known.label, known.kind or _text(kind))
    found = []
    for d, (label, name) in sorted(docs.items(), key=lambda item: item[1][1]):
        text = read_source(name)
        if text is None:
            continue  # validate reports the unreadable file
        found.append(_place(d, label, name, text, quotes.get(d, {}), facts))
    return found


def _place(doc: str, label: str, file: str, text: str, quotes: dict[str, str],
           facts: dict[str, dict[str, Fact]]) -> DocumentCoverage:
    sentences = split_sentences(text)
    flat = collapse(text)
    unplaced = []
    for excerpt, quote in sorted(quotes.items()):
        needle = collapse(quote)
        at = flat.find(needle) if needle else -1
        if at < 0:
            unplaced.append(excerpt)
            continue
        for sentence in sentences:
            if sentence.start < at + len(needle) and at < sentence.end:
                sentence.excerpts.add(excerpt)
                sentence.facts.update(facts.get(excerpt, {}))
    return DocumentCoverage(doc, label, file, sentences, unplaced)


def _text(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None) -> str:
    return "" if term is None else str(getattr(term, "value", term))


# ----------------------------------------------------------------------------- output


def report(docs: list[DocumentCoverage], uncited_only: bool = False) -> str:
    """Plain text: a summary line per document, then each sentence (or each uncited one) and its facts."""
    out = []
    for doc in docs:
        out.append(f"{doc.file}: {doc.label}: {doc.cited} of {len(doc.sentences)} sentences cited "
                   f"({doc.share:.1f}%), {len(doc.uncited)} uncited")
        for sentence in doc.uncited if uncited_only else doc.sentences:
            mark = " " if uncited_only else ("+" if sentence.cited else "-")
            out.append(f"{sentence.number:4d} {mark} {sentence.text}")
            if not uncited_only:
                out.extend(f"         {fact.name}" for fact in sorted(sentence.facts.values(), key=lambda f: f.iri))
        if doc.unplaced:
            out.append("  excerpts whose quote is not in the text: " + ", ".join(map(compact, doc.unplaced)))
    return "\n".join(out) + "\n"


def as_json(docs: list[DocumentCoverage]) -> str:
    return json.dumps([{
        "document": d.iri, "label": d.label, "file": d.file, "sentences": len(d.sentences), "cited": d.cited,
        "share": round(d.share, 1), "unplaced_excerpts": d.unplaced,
        "items": [{"number": s.number, "paragraph": s.paragraph, "text": s.text, "cited": s.cited,
                   "excerpts": sorted(s.excerpts),
                   "facts": [{"iri": f.iri, "label": f.label, "kind": f.kind}
                             for f in sorted(s.facts.values(), key=lambda f: f.iri)]}
                  for s in d.sentences],
    } for d in docs], ensure_ascii=False, indent=2) + "\n"


_CSS = """
body { font: 16px/1.6 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem 2rem; color: #222; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
.summary { color: #444; }
p.para { margin: 0 0 1rem; }
.s { border-radius: 3px; padding: 0 1px; }
.s.cited { background: #fff1a8; }
.s.cited a { color: inherit; text-decoration: none; }
.s.uncited { background: #fde2e1; text-decoration: underline dotted #c00; }
.s:target, .fact:target { outline: 2px solid #1f77b4; }
sup { color: #1f77b4; font-size: 0.7em; } sup a { margin: 0 1px; }
ul.facts { list-style: none; padding: 0; } ul.facts li { margin: 0.2rem 0; }
.fact { padding: 0.3rem 0.5rem; border-left: 3px solid #1f77b4; margin: 0.6rem 0; }
.fact code { color: #555; } .kind { color: #777; font-size: 0.9em; }
.legend span { padding: 0 0.4rem; margin-right: 1rem; }
"""


def html_page(docs: list[DocumentCoverage]) -> str:
    """One offline page: each article with cited sentences highlighted and linked to the facts citing them."""
    esc = html.escape
    body = ['<h1>Coverage of the source texts</h1>',
            '<p class="legend"><span class="s cited">cited by an excerpt</span>'
            '<span class="s uncited">not cited</span></p>']
    for n, doc in enumerate(docs, 1):
        fact_ids: dict[str, str] = {}
        cited_in: dict[str, list[int]] = {}
        for s in doc.sentences:
            for iri in sorted(s.facts):
                fact_ids.setdefault(iri, f"d{n}-f{len(fact_ids) + 1}")
                cited_in.setdefault(iri, []).append(s.number)
        order = {iri: int(fid.rsplit("-f", 1)[1]) for iri, fid in fact_ids.items()}  # footnote numbers
        body.append(f'<section class="document" data-document="{esc(doc.iri)}">')
        body.append(f"<h2>{esc(doc.label)}</h2>")
        body.append(f'<p class="summary" id="d{n}-summary">{esc(doc.file)}: {doc.cited} of {len(doc.sentences)} '
                    f"sentences cited ({doc.share:.1f}%)</p>")
        paragraph = 0
        for s in doc.sentences:
            if s.paragraph != paragraph:
                body.append(("</p>" if paragraph else "") + '<p class="para">')
                paragraph = s.paragraph
            sid = f"d{n}-s{s.number}"
            if s.cited:
                first = fact_ids[min(s.facts, key=order.__getitem__)] if s.facts else ""
                href = f' href="#{first}"' if first else ""
                links = ",".join(f'<a href="#{fact_ids[i]}" title="{esc(s.facts[i].label)}">{order[i]}</a>'
                                 for i in sorted(s.facts, key=order.__getitem__))
                body.append(f'<span class="s cited" id="{sid}" data-sentence="{s.number}" '
                            f'data-facts="{esc(" ".join(sorted(s.facts)))}"><a{href}>{esc(s.text)}</a>'
                            f"<sup>[{links}]</sup></span> ")
            else:
                body.append(f'<span class="s uncited" id="{sid}" data-sentence="{s.number}">{esc(s.text)}</span> ')
        if paragraph:
            body.append("</p>")
        body.append(f"<h2>Facts citing {esc(doc.label)}</h2>")
        facts = {f.iri: f for s in doc.sentences for f in s.facts.values()}
        for iri, fid in fact_ids.items():
            fact = facts[iri]
            back = ", ".join(f'<a href="#d{n}-s{k}">{k}</a>' for k in cited_in[iri])
            body.append(f'<div class="fact" id="{fid}" data-fact="{esc(iri)}">{fid.rsplit("-f", 1)[1]}. '
                        f'<strong>{esc(fact.label)}</strong> '
                        f'<span class="kind">{esc(fact.kind)}</span><br><code>{esc(fact.name)}</code>'
                        f" &middot; sentence {back}</div>")
        body.append("</section>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>tech-graph coverage</title><style>{_CSS}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")
