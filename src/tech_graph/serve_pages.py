"""The server's HTML pages. Every string from the data or the request goes through `esc`.

Scripts and styles are served from the package (`/assets/...`); data for a
page's script travels as JSON in a `<script type="application/json">` element.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol
from urllib.parse import quote

import pyoxigraph as ox

from .assets import json_for_script
from .dates import Span, parse_when
from .namespaces import PREFIXES, TGR, XSD, compact
from .store import Term

XSD_STRING = XSD + "string"


class Limits(Protocol):
    """What the query page says of serve's limits (serve.Limits has them; no import, so no circle)."""

    @property
    def max_rows(self) -> int: ...

    @property
    def timeout(self) -> float: ...

    def describe(self) -> str: ...


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


class Example(NamedTuple):
    name: str
    title: str
    text: str


class Download(NamedTuple):
    name: str
    suffix: str
    media_type: str
    title: str = ""


class EventRow(NamedTuple):
    iri: Term
    label: str
    role: str
    when: str  # lexical form of the time stamp or begin; "" if unknown
    end: str


class Quote(NamedTuple):
    excerpt: Term
    text: str
    via: Term
    via_label: str


@dataclass
class Entity:
    iri: str
    label: str
    facts: list[tuple[Term, str, Term, str]]  # predicate, its label, object, its label
    incoming: list[tuple[Term, str, Term, str]]  # subject, its label, predicate, its label
    events: list[EventRow]
    quotes: list[Quote]


def link_for(iri: str) -> str:
    """Where a browser finds an IRI on this server: /id/... for ours, /resource?iri=... for the rest."""
    if iri.startswith(TGR):
        return "/id/" + quote(iri[len(TGR):], safe="/-_.~")
    return "/resource?iri=" + quote(iri, safe="")


def term_html(term: Term | None, label: str = "") -> str:
    """A term for reading: a link for an IRI, the value (with its language or type) for a literal."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        shown = label or compact(term.value)
        title = f' title="{esc(term.value)}"'
        return f'<a href="{esc(link_for(term.value))}"{title}>{esc(shown)}</a>'
    if isinstance(term, ox.Literal):
        extra = ""
        if term.language:
            extra = f' <span class="tag">@{esc(term.language)}</span>'
        elif term.datatype.value != XSD_STRING:
            extra = f' <span class="tag">{esc(compact(term.datatype.value))}</span>'
        return f"{esc(term.value)}{extra}"
    return esc(str(term))


def layout(title: str, body: str, *, scripts: Sequence[str] = (), styles: Sequence[str] = (),
           data: dict[str, Any] | None = None, page: str = "") -> str:
    links = "".join(f'<link rel="stylesheet" href="/assets/{esc(s)}">' for s in ("serve/serve.css", *styles))
    tags = "".join(f'<script src="/assets/{esc(s)}"></script>' for s in (*scripts, "serve/serve.js"))
    payload = f'<script id="page-data" type="application/json">{json_for_script(data or {})}</script>'
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} · tech-graph</title>
<link rel="icon" href="data:,">
{links}
</head>
<body data-page="{esc(page)}">
<header class="top">
  <a class="brand" href="/">tech-graph</a>
  <nav><a href="/">Query</a><a href="/downloads">Downloads</a><a href="/id/article">Source article</a></nav>
</header>
{body}
<footer>SPARQL 1.1 endpoint: <code>/sparql</code> · read-only · everything served from this machine</footer>
{payload}
{tags}
</body>
</html>
"""


def query_page(examples: Sequence[Example], limits: Limits) -> str:
    items = "".join(
        f'<li><a href="#query={esc(quote(e.text, safe=""))}" class="example" data-name="{esc(e.name)}">'
        f'{esc(e.name)}</a><span>{esc(e.title)}</span></li>'
        for e in examples
    )
    first = examples[0].text if examples else "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 10"
    body = f"""<main class="query-page">
<section class="workbench">
  <form id="query-form" method="get" action="/sparql">
    <textarea id="query" name="query" spellcheck="false" rows="10">{esc(first)}</textarea>
    <div class="actions">
      <button id="run" type="submit">Run ▶</button>
      <span class="hint">Ctrl+Enter runs. Prefixes tg:, tgr:, sem:, prov:, schema:, rdfs:, xsd: … are predeclared.
        <code>#defaultView:Graph</code>, <code>Timeline</code> or <code>BarChart</code> picks a view;
        <code>?x</code> with <code>?xLabel</code> names a node.
        Limits: {esc(limits.describe())}; SERVICE and LOAD are refused.</span>
    </div>
  </form>
  <div id="views">
    <span role="tablist" aria-label="views">
      <button type="button" role="tab" data-view="table" data-why="">Table</button>
      <button type="button" role="tab" data-view="graph" data-why="needs a row linking two IRIs">Graph</button>
      <button type="button" role="tab" data-view="timeline" data-why="needs a date column">Timeline</button>
      <button type="button" role="tab" data-view="bar" data-why="needs a number column and a label">Bar chart</button>
    </span>
    <button type="button" id="copy-link" title="copy a link to this query, view and selection">Copy link</button>
    <span id="status" role="status"></span>
  </div>
  <div class="result-area">
    <div id="result-table" class="result" data-view="table"></div>
    <div id="result-graph" class="result" data-view="graph" hidden></div>
    <div id="result-timeline" class="result" data-view="timeline" hidden></div>
    <div id="result-bar" class="result" data-view="bar" hidden></div>
    <pre id="result-text" class="result" hidden></pre>
    <aside id="detail" aria-live="polite" hidden></aside>
    <div id="graph-legend" aria-label="node colours" hidden></div>
  </div>
</section>
<aside class="examples">
  <h2>Examples</h2>
  <ul id="examples">{items}</ul>
</aside>
</main>"""
    return layout(
        "Query", body, page="query",
        scripts=("codemirror/codemirror.js", "codemirror/sparql.js", "vis-network/vis-network.min.js",
                 "vis-timeline/vis-timeline-graph2d.min.js"),
        styles=("codemirror/codemirror.css", "vis-network/vis-network.min.css",
                "vis-timeline/vis-timeline-graph2d.min.css"),
        data={"prefixes": PREFIXES, "idBase": TGR},
    )


def span_of(row: EventRow) -> Span | None:
    try:
        begin = parse_when(row.when)
    except ValueError:
        return None
    try:
        end = parse_when(row.end) if row.end else None
    except ValueError:
        end = None
    return Span(begin, end)


def event_order(pair: tuple[EventRow, Span | None]) -> tuple[Any, ...]:
    """Dated events in time order, then undated ones by label."""
    row, span = pair
    return (0, span.sort_key(), row.label) if span else (1, row.label)


def entity_page(entity: Entity) -> str:
    types = [(o, ol) for p, _pl, o, ol in entity.facts if isinstance(p, ox.NamedNode) and p.value.endswith("#type")]
    comments = [o for p, _pl, o, _ol in entity.facts
                if isinstance(p, ox.NamedNode) and p.value.endswith("#comment") and isinstance(o, ox.Literal)]
    title = entity.label or compact(entity.iri)
    parts = [f'<h1 id="entity-label">{esc(title)}</h1>',
             f'<p class="iri"><code>{esc(entity.iri)}</code> · as '
             f'<a href="?format=turtle">Turtle</a> · <a href="?format=jsonld">JSON-LD</a> · '
             f'<a href="?format=nt">N-Triples</a> · <a href="?format=rdfxml">RDF/XML</a></p>']
    if types:
        parts.append('<p class="types">' + ", ".join(term_html(t, lab) for t, lab in types) + "</p>")
    parts += [f'<p class="comment">{esc(c.value)}</p>' for c in comments if isinstance(c, ox.Literal)]

    if entity.quotes:
        quotes = []
        for q in entity.quotes:
            via = "" if q.via == q.excerpt else f" — for {term_html(q.via, q.via_label)}"
            quotes.append(f'<blockquote class="quote">“{esc(q.text)}”'
                          f'<cite>{term_html(q.excerpt, "excerpt")}{via}</cite></blockquote>')
        parts.append('<section id="quotes"><h2>Quotes from the source</h2>' + "".join(quotes) + "</section>")

    dated = [(row, span_of(row)) for row in entity.events]
    timeline_items = []
    if entity.events:
        rows = []
        for row, span in sorted(dated, key=event_order):
            label = span.label if span else ""
            rows.append(f"<tr><td>{esc(label)}</td><td>{term_html(row.iri, row.label)}</td>"
                        f"<td>{esc(row.role)}</td></tr>")
            if span and isinstance(row.iri, ox.NamedNode):
                timeline_items.append({"label": row.label, "href": link_for(row.iri.value), "when": span.label,
                                       "start": span.start.isoformat(), "end": span.end.isoformat(),
                                       "point": span.start == span.end})
        parts.append('<section id="events"><h2>Events</h2><table class="grid"><thead><tr><th>When</th>'
                     '<th>Event</th><th>Role</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table></section>")
    if timeline_items:
        parts.append('<section><h2>Timeline</h2><div id="entity-timeline"></div></section>')

    parts.append(facts_table("Facts", "facts", [(p, pl, o, ol) for p, pl, o, ol in entity.facts]))
    if entity.incoming:
        parts.append(facts_table("Referred to by", "incoming",
                                 [(p, pl, s, sl) for s, sl, p, pl in entity.incoming]))
    body = '<main class="entity">' + "".join(parts) + "</main>"
    scripts: tuple[str, ...] = ("vis-timeline/vis-timeline-graph2d.min.js",) if timeline_items else ()
    styles: tuple[str, ...] = ("vis-timeline/vis-timeline-graph2d.min.css",) if timeline_items else ()
    return layout(title, body, page="entity", scripts=scripts, styles=styles, data={"timeline": timeline_items})


def facts_table(title: str, ident: str, rows: Iterable[tuple[Term, str, Term, str]]) -> str:
    cells = "".join(f"<tr><th>{term_html(p, pl)}</th><td>{term_html(o, ol)}</td></tr>" for p, pl, o, ol in rows)
    return (f'<section id="{ident}"><h2>{esc(title)}</h2>'
            f'<table class="grid facts"><tbody>{cells}</tbody></table></section>')


def downloads_page(downloads: Sequence[Download]) -> str:
    rows = "".join(
        f'<tr><td><a href="/download/{esc(quote(d.name))}" download>{esc(d.name)}</a></td>'
        f"<td>{esc(d.title)}</td><td><code>{esc(d.media_type)}</code></td><td><code>{esc(d.suffix)}</code></td></tr>"
        for d in downloads
    )
    body = f"""<main class="downloads"><h1>Downloads</h1>
<p>The whole graph (data, sources and ontology) in every export format.</p>
<div class="scroll"><table class="grid"><thead><tr><th>Format</th><th>What</th><th>Media type</th><th>Suffix</th></tr>
</thead><tbody>{rows}</tbody></table></div></main>"""
    return layout("Downloads", body, page="downloads")


def error_page(status: int, phrase: str, message: str) -> str:
    body = f'<main class="error"><h1>{status} {esc(phrase)}</h1><p id="error-message">{esc(message)}</p></main>'
    return layout(f"{status} {phrase}", body, page="error")
