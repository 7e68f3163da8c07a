"""The review page: the article on the left with proposing sentences highlighted, the candidates on the right.

One offline HTML file. Every value from the draft travels as JSON in a script element and is put on
the page with textContent only; decisions are downloaded as the JSON file `tech-graph accept` reads.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..articles import read_text, sentences
from ..assets import json_for_script, script_tag, style_tag
from ..namespaces import compact
from .review import Draft

CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="__CSP__">
<title>Review: __TITLE__</title>
__STYLE__</head>
<body>
<header><strong>Review: __TITLE__</strong><span id="counts"></span>
<button id="save" type="button">Download decisions</button>
<span class="meta">then: tech-graph accept __DRAFT__ --decisions FILE</span></header>
<main><section id="article" aria-label="article"></section>
<section id="candidates" aria-label="candidates"></section></main>
<script type="application/json" id="data">__DATA__</script>
__SCRIPT__</body></html>
"""


def review_page(draft: Draft, root: Path, decisions: dict[str, Any]) -> str:
    import html

    from .review import EDITABLE

    text = read_text(root / draft.local_file)
    found = sentences(text)
    by_quote = {s.text: s.index for s in found}
    items = []
    for item in draft.items:
        date = next((o for p, o in item.facts if p.endswith(("hasTimeStamp", "hasBeginTimeStamp", "scheduledFor"))),
                    "")
        items.append({"id": item.id, "kind": item.kind, "label": item.label or compact(item.corroborates),
                      "confidence": item.confidence, "reason": item.reason, "quote": item.quote,
                      "sentence": by_quote.get(item.quote, -1), "date": date,
                      "facts": [[compact(p), compact(o) if o.startswith("http") else o] for p, o in item.facts]})
    data = {"draft": draft.path.name, "decisionsFile": draft.decisions_path.name, "text": text,
            "sentences": [{"index": s.index, "start": s.start, "end": s.end} for s in found],
            "items": items, "decisions": decisions, "editable": list(EDITABLE)}
    values = {"TITLE": html.escape(draft.path.stem), "DRAFT": html.escape(str(draft.path)), "CSP": CSP,
              "STYLE": style_tag("review-page/review-page.css"), "SCRIPT": script_tag("review-page/review-page.js"),
              "DATA": json_for_script(data)}
    # One pass, so no value (a title, a quote) is read again as a placeholder.
    return re.sub(r"__(TITLE|DRAFT|CSP|STYLE|SCRIPT|DATA)__", lambda m: values[m.group(1)], PAGE)
