"""The timeline as one offline HTML page, drawn with the vendored vis-timeline.

`page_data` turns events into the JSON the page draws (items, lanes, type filter,
details); `render_page` wraps any such data into the self-contained page. They are
separate so that other views (the local server) can reuse the data or the page.

Every string from the graph reaches the page as JSON and is put into the DOM with
`textContent`, never as HTML; colours from the ontology are checked before use.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from .assets import json_for_script, script_tag, style_tag
from .dates import Precision, When
from .timeline import OTHER_LANE, EventClass, TimelineEvent, lanes

VIS_JS = "vis-timeline/vis-timeline-graph2d.min.js"
VIS_CSS = "vis-timeline/vis-timeline-graph2d.min.css"
DEFAULT_COLOUR = "#7f7f7f"
# Nothing but the page itself: even injected markup could not fetch anything.
CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"
_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")


def safe_colour(value: str | None) -> str:
    """A CSS hex colour, or the default: an ontology value never reaches CSS unchecked."""
    return value if value and _COLOUR.match(value) else DEFAULT_COLOUR


def _precision_class(when: When) -> str:
    return {Precision.DAY: "day", Precision.MONTH: "month", Precision.YEAR: "year"}[when.precision]


def _item(event: TimelineEvent, colour: str) -> dict[str, Any]:
    """A vis-timeline item: a point for a day, a range over the whole month, year or span otherwise.

    A hedged event (rumoured, planned...) says so in its text and is drawn dashed.
    """
    span = event.span
    assert span is not None, "undated events are listed, not placed"
    finish = span.finish or span.begin
    imprecise = span.begin.precision is not Precision.DAY or finish.precision is not Precision.DAY
    is_span = span.finish is not None and span.finish != span.begin
    classes = ["tg-event", f"tg-prec-{_precision_class(span.begin)}"]
    if event.modality:
        classes.append("tg-hedged")
    if imprecise:
        classes.append("tg-imprecise")
    if is_span:
        classes.append("tg-span")
    item: dict[str, Any] = {
        "id": event.iri,
        "group": event.lane.iri if event.lane else OTHER_LANE,
        "start": span.start.isoformat(),
        "text": f"{event.label} ({event.modality})" if event.modality else event.label,
        "when": span.label if (imprecise or is_span) else "",
        "className": " ".join(classes),
        "types": list(event.all_types),
    }
    if imprecise or is_span:
        item["type"] = "range"
        item["end"] = (span.end + timedelta(days=1)).isoformat()  # vis ranges end exclusive
        item["style"] = (
            f"border-color:{colour};"
            + (f"background:repeating-linear-gradient(135deg,{colour}33 0 6px,#ffffff 6px 12px);"
               if imprecise else f"background-color:{colour}55;")
        )
    else:
        item["type"] = "point"
        item["style"] = f"border-color:{colour};"
    return item


def _precision_note(event: TimelineEvent) -> str:
    if event.span is None:
        return "no source dates it"
    notes = []
    for part, when in (("begin", event.span.begin), ("end", event.span.finish)):
        if when is not None and when.precision is not Precision.DAY:
            unit = "month" if when.precision is Precision.MONTH else "year"
            notes.append(f"{part} known only to the {unit}" if event.span.finish else f"known only to the {unit}")
    return "; ".join(notes)


def _detail(event: TimelineEvent) -> dict[str, Any]:
    return {
        "label": event.label,
        "date": event.date_label,
        "precision": _precision_note(event),
        "types": event.type_label,
        "lane": event.lane.label if event.lane else "",
        "actors": [[a.role, a.label] for a in event.actors],
        "places": [p.label for p in event.places],
        "status": event.status,
        "modality": event.modality,
        "comment": event.comment,
        "quotes": [{"text": q.text, "document": q.document_title or ""} for q in event.quotes],
        "sources": [
            {"title": s.title, "publisher": s.publisher or "", "url": s.url or "", "kind": s.kind,
             "usedFor": list(s.used_for)}
            for s in event.sources
        ],
        "iri": event.iri,
    }


def page_data(events: Sequence[TimelineEvent], classes: dict[str, EventClass]) -> dict[str, Any]:
    """The page's JSON: `items` and `groups` for vis-timeline, `types` for the filter, `details` by item id.

    Lanes are the top-level event classes of the ontology that have events, in label order,
    plus an "Other events" lane for events outside them.
    """
    top = lanes(classes)
    colours = {c.iri: safe_colour(c.colour) for c in top}
    undated = [e for e in events if e.span is None]  # no source dates them: listed under the timeline
    events = [e for e in events if e.span is not None]
    used = {e.lane.iri if e.lane else OTHER_LANE for e in events}
    groups = [{"id": c.iri, "label": c.label, "colour": colours[c.iri]} for c in top if c.iri in used]
    if OTHER_LANE in used:
        groups.append({"id": OTHER_LANE, "label": "Other events", "colour": DEFAULT_COLOUR})
    items = [_item(e, colours.get(e.lane.iri, DEFAULT_COLOUR) if e.lane else DEFAULT_COLOUR) for e in events]

    present = {t for e in events for t in e.all_types}
    types = []
    for lane in top:
        if lane.iri not in present:
            continue
        types.append({"iri": lane.iri, "label": lane.label, "depth": 0})
        subs = sorted((c for c in classes.values() if c.iri in present and c.iri != lane.iri
                       and lane.iri in c.parents), key=lambda c: c.label.casefold())
        types += [{"iri": c.iri, "label": c.label, "depth": 1} for c in subs]
    return {
        "items": items,
        "groups": groups,
        "types": types,
        "details": {e.iri: _detail(e) for e in [*events, *undated]},
        "undated": [{"id": e.iri, "text": f"{e.label} ({e.modality})" if e.modality else e.label,
                     "types": e.type_label} for e in undated],
    }


PAGE_CSS = """
html, body { margin: 0; height: 100%; font: 14px/1.4 system-ui, sans-serif; color: #222; }
body { display: flex; flex-direction: column; }
header { display: flex; gap: 1em; align-items: center; flex-wrap: wrap; padding: .5em 1em;
         border-bottom: 1px solid #ddd; background: #fafafa; }
header h1 { font-size: 1.1em; margin: 0 1em 0 0; }
main { flex: 1; display: flex; min-height: 0; }
#tg-timeline { flex: 1; min-width: 0; overflow: auto; }
#tg-detail { width: 26em; overflow: auto; padding: 0 1em 1em; border-left: 1px solid #ddd; }
#tg-detail blockquote { margin: .5em 0; padding: .3em .8em; border-left: 3px solid #999; background: #f4f4f4; }
#tg-detail dt { font-weight: 600; margin-top: .4em; }
#tg-detail dd { margin-left: 0; }
#tg-detail .tg-iri { font-size: .8em; color: #666; word-break: break-all; }
.tg-legend { font-size: .85em; color: #555; display: flex; gap: .8em; align-items: center; }
.tg-swatch { display: inline-block; width: 1.6em; height: .9em; border: 1px solid #555; vertical-align: middle; }
.tg-swatch.tg-imprecise { border-style: dashed;
  background: repeating-linear-gradient(135deg, #5553 0 4px, #fff 4px 8px); }
.vis-item.tg-event { color: #222; font-size: 12px; }
.vis-item.tg-imprecise { border-style: dashed; opacity: .9; }
.vis-item.vis-point .vis-dot { border-color: inherit; border-width: 5px; border-radius: 5px; }
.vis-item.vis-point.vis-selected { background: #fff3b0; }
.vis-item.vis-selected { border-color: #000 !important; border-width: 2px; }
.vis-item.tg-hedged { border-style: dashed !important; }
#tg-undated { margin: 0 1rem 1rem; }
.tg-when { font-style: italic; color: #555; margin-right: .4em; }
.tg-group { padding-left: .4em; border-left: 6px solid; }
"""

PAGE_JS = """
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("tg-data").textContent);
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }
  var colour = /^#(?:[0-9a-fA-F]{3}){1,2}$/;
  var items = new vis.DataSet(data.items);
  var groups = new vis.DataSet(data.groups.map(function (g) { return {id: g.id, label: g.label,
    colour: colour.test(g.colour) ? g.colour : "#7f7f7f", visible: true}; }));
  var wanted = "";
  var view = new vis.DataView(items, {filter: function (item) {
    return !wanted || item.types.indexOf(wanted) >= 0;
  }});
  var options = {
    stack: true, showCurrentTime: false, orientation: "top", zoomMin: 1000 * 60 * 60 * 24 * 7,
    margin: {item: {horizontal: 4, vertical: 4}},
    template: function (item) {
      var box = el("span", null, "tg-content");
      box.setAttribute("data-event", item.id);
      if (item.when) box.appendChild(el("span", item.when, "tg-when"));
      box.appendChild(el("span", item.text, "tg-label"));
      return box;
    },
    groupTemplate: function (group) {
      var label = el("div", group.label, "tg-group");
      label.style.borderLeftColor = group.colour;
      return label;
    }
  };
  var container = document.getElementById("tg-timeline");
  var timeline = new vis.Timeline(container, view, groups, options);
  window.tgTimeline = timeline;

  var count = document.getElementById("tg-count");
  function showCount() {
    count.textContent = view.length + " of " + items.length + " events";
  }

  var select = document.getElementById("tg-type");
  data.types.forEach(function (t) {
    var option = el("option", (t.depth ? "\\u2003" : "") + t.label);
    option.value = t.iri;
    select.appendChild(option);
  });
  select.addEventListener("change", function () {
    wanted = select.value;
    view.refresh();
    var lanesInUse = {};
    view.get().forEach(function (item) { lanesInUse[item.group] = true; });
    groups.update(groups.getIds().map(function (id) { return {id: id, visible: !!lanesInUse[id]}; }));
    timeline.setSelection([]);
    showDetail(null);
    showCount();
    if (view.length) timeline.fit({animation: false});
  });

  document.getElementById("tg-fit").addEventListener("click", function () {
    timeline.fit({animation: false});
  });

  var panel = document.getElementById("tg-detail");
  function row(list, term, value) {
    if (!value || (value.length !== undefined && value.length === 0)) return;
    list.appendChild(el("dt", term));
    if (typeof value === "string") { list.appendChild(el("dd", value)); return; }
    value.forEach(function (v) { list.appendChild(el("dd", v)); });
  }
  function showDetail(id) {
    while (panel.firstChild) panel.removeChild(panel.firstChild);
    var d = id && data.details[id];
    if (!d) {
      panel.appendChild(el("p", "Click an event to see its date, actors, quote and sources.", "tg-hint"));
      return;
    }
    panel.appendChild(el("h2", d.label));
    var dl = el("dl");
    row(dl, "Date", d.date + (d.precision ? " (" + d.precision + ")" : ""));
    row(dl, "Type", d.types + (d.lane && d.lane !== d.types ? " \\u2014 " + d.lane : ""));
    row(dl, "Actors", d.actors.map(function (a) { return a[0] + ": " + a[1]; }));
    row(dl, "Places", d.places);
    row(dl, "Status", d.status);
    row(dl, "Modality", d.modality ? d.modality + ", per the source" : "");
    panel.appendChild(dl);
    if (d.quotes.length) {
      panel.appendChild(el("h3", d.quotes.length > 1 ? "Quotes" : "Quote"));
      d.quotes.forEach(function (q) {
        var quote = el("blockquote", q.text, "tg-quote");
        panel.appendChild(quote);
        if (q.document) panel.appendChild(el("div", "\\u2014 " + q.document, "tg-quote-source"));
      });
    }
    if (d.sources.length) {
      panel.appendChild(el("h3", "Sources"));
      var list = el("ul", null, "tg-sources");
      d.sources.forEach(function (s) {
        var li = el("li");
        var name = (s.publisher ? s.publisher + ": " : "") + s.title;
        if (/^https?:\\/\\//.test(s.url)) {
          var link = el("a", name);
          link.setAttribute("href", s.url);
          link.setAttribute("rel", "noopener noreferrer");
          link.setAttribute("target", "_blank");
          li.appendChild(link);
        } else {
          li.appendChild(el("span", name));
        }
        var uses = s.usedFor.indexOf("date") >= 0 ? (s.usedFor.length > 1 ? " (facts and date)" : " (date)") : "";
        if (uses) li.appendChild(el("span", uses));
        list.appendChild(li);
      });
      panel.appendChild(list);
    }
    if (d.comment) { panel.appendChild(el("h3", "Notes")); panel.appendChild(el("p", d.comment)); }
    panel.appendChild(el("div", d.iri, "tg-iri"));
  }
  timeline.on("select", function (props) { showDetail(props.items[0]); });
  var undated = document.getElementById("tg-undated");
  if (data.undated.length) {
    undated.hidden = false;
    var ul = undated.querySelector("ul");
    data.undated.forEach(function (u) {
      var li = el("li");
      var link = el("a", u.text);
      link.setAttribute("href", "#");
      link.addEventListener("click", function (ev) {
        ev.preventDefault(); timeline.setSelection([]); showDetail(u.id);
      });
      li.appendChild(link);
      li.appendChild(el("span", " \u2014 " + u.types));
      ul.appendChild(li);
    });
  }
  showDetail(null);
  showCount();
  timeline.fit({animation: false});
  document.body.setAttribute("data-ready", "true");
})();
"""


def render_page(data: dict[str, Any], *, title: str = "tech-graph timeline") -> str:
    """The whole page for `page_data` output: vis-timeline inlined, the data as JSON, nothing fetched."""
    t = html.escape(title)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>{t}</title>
{style_tag(VIS_CSS)}
<style>{PAGE_CSS}</style>
</head>
<body>
<header>
  <h1>{t}</h1>
  <label>Type <select id="tg-type"><option value="">All types</option></select></label>
  <button id="tg-fit" type="button">Zoom to fit</button>
  <span id="tg-count"></span>
  <span class="tg-legend">
    <span><span class="tg-swatch"></span> exact day</span>
    <span><span class="tg-swatch tg-imprecise"></span> month or year only, drawn over the whole period</span>
  </span>
</header>
<main>
  <div id="tg-timeline"></div>
  <aside id="tg-detail" aria-live="polite"></aside>
</main>
<section id="tg-undated" hidden><h2>Undated</h2>
  <p>No source dates these events, so they are not placed on the time line.</p><ul></ul></section>
<script type="application/json" id="tg-data">{json_for_script(data)}</script>
{script_tag(VIS_JS)}
<script>{PAGE_JS}</script>
</body>
</html>
"""


def timeline_page(
    events: Sequence[TimelineEvent], classes: dict[str, EventClass], *, title: str = "tech-graph timeline"
) -> str:
    """The page for a list of events."""
    return render_page(page_data(events, classes), title=title)
