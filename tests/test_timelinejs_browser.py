"""`timeline --format timelinejs` in the real TimelineJS3 (npm @knight-lab/timelinejs, installed by
.ci/run from tests/js/package.json), offline in headless Chromium: every event becomes a slide."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import npm_package, watch_page
from tech_graph.cli import cli

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def story() -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["timeline", "--format", "timelinejs"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


def page_for(tmp_path: Path, story: dict[str, Any], options: dict[str, Any]) -> Path:
    dist = npm_package("@knight-lab/timelinejs") / "dist"
    page = tmp_path / "story.html"
    data = json.dumps(story).replace("</", "<\\/")
    page.write_text(f"""<!DOCTYPE html>
<html><head><meta charset="utf-8">
<link rel="stylesheet" href="{(dist / "css" / "timeline.css").as_uri()}">
<script src="{(dist / "js" / "timeline.js").as_uri()}"></script></head>
<body><div id="story" style="width:1200px;height:700px"></div>
<script>
window.timeline = new TL.Timeline("story", {data}, {json.dumps(options)});
window.timeline.on("loaded", () => document.body.dataset.ready = "true");
</script></body></html>""", encoding="utf-8")
    return page


def test_every_event_is_a_slide_and_nothing_is_fetched(browser: Any, tmp_path: Path, story: dict[str, Any]) -> None:
    """`font: null` keeps TimelineJS from loading its default font CSS, which asks fonts.gstatic.com."""
    watch = watch_page(browser)
    try:
        watch.page.goto(page_for(tmp_path, story, {"font": None}).as_uri())
        watch.page.wait_for_selector(".tl-timemarker", state="attached", timeout=30_000)
        ids = watch.page.eval_on_selector_all(".tl-slide[id]", "nodes => nodes.map(n => n.id)")
        headlines = watch.page.eval_on_selector_all(".tl-slide .tl-headline",
                                                    "nodes => nodes.map(n => n.textContent.trim())")
        markers = watch.page.eval_on_selector_all(".tl-timemarker", "nodes => nodes.length")
        watch.assert_clean()
    finally:
        watch.page.close()
    events = story["events"]
    assert events
    assert {e["unique_id"] for e in events} <= set(ids)
    # Headlines are HTML (TimelineJS sets them as such): what shows is the unescaped text.
    assert {html.unescape(e["text"]["headline"]) for e in events} <= set(headlines)
    assert markers == len(events)


def test_the_default_font_goes_to_the_network(browser: Any, tmp_path: Path, story: dict[str, Any]) -> None:
    """What the README warns about: without `font: null`, TimelineJS fetches its default font CSS
    (from cdn.knightlab.com unless `script_path` says otherwise; that CSS loads Google web fonts)."""
    watch = watch_page(browser)
    try:
        watch.page.goto(page_for(tmp_path, story, {}).as_uri())
        watch.page.wait_for_selector(".tl-timemarker", state="attached", timeout=30_000)
        watch.page.wait_for_timeout(500)
    finally:
        watch.page.close()
    assert any(url.endswith("/css/fonts/font.default.css") for url in watch.blocked), watch.blocked


def test_each_slide_shows_every_source(browser: Any, tmp_path: Path, story: dict[str, Any]) -> None:
    """TimelineJS keeps what the slide text says of its sources: each quote, its document, and every
    source as a link to its address (what tests/test_provenance.py checks against the graph)."""
    from bs4 import BeautifulSoup

    watch = watch_page(browser)
    try:
        watch.page.goto(page_for(tmp_path, story, {"font": None}).as_uri())
        watch.page.wait_for_selector(".tl-timemarker", state="attached", timeout=30_000)
        shown = watch.page.eval_on_selector_all(".tl-slide[id]", """nodes => Object.fromEntries(nodes.map(n => [n.id, {
            quotes: [...n.querySelectorAll('.tl-text-content blockquote')].map(q => q.textContent.trim()),
            cites: [...n.querySelectorAll('.tl-text-content cite')].map(c => c.textContent.trim()),
            links: [...n.querySelectorAll('.tl-text-content a')].map(a => a.getAttribute('href'))}]))""")
        watch.assert_clean()
    finally:
        watch.page.close()
    several = 0
    for event in story["events"]:
        text = BeautifulSoup(event["text"]["text"], "html.parser")
        want = {"quotes": [q.get_text() for q in text.find_all("blockquote")],
                "cites": [c.get_text() for c in text.find_all("cite")],
                "links": [a["href"] for a in text.find_all("a")]}
        assert shown[event["unique_id"]] == want, event["unique_id"]
        several += len(want["quotes"]) + len(want["links"]) >= 2
    assert several
