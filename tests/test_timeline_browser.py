"""The timeline page in headless Chromium, opened from file:// with every other request aborted."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import PageWatch
from tech_graph.cli import cli
from tech_graph.store import OxigraphStore, Select

pytestmark = pytest.mark.browser

ITEMS = ".vis-item [data-event]"
# Events with a time of their own; undated ones (issue #12: no source dates them) are not placed yet.
DATED = "FILTER EXISTS { ?e sem:hasTimeStamp|sem:hasBeginTimeStamp ?t }"
ALL_EVENTS = "SELECT DISTINCT ?e WHERE { ?c rdfs:subClassOf* sem:Event . ?e a ?c " + DATED + " }"


def rows(store: OxigraphStore, sparql: str) -> list[tuple[str, ...]]:
    result = store.query(sparql)
    assert isinstance(result, Select)
    return [tuple(t.value for t in row if t is not None) for row in result.rows]


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("timeline") / "timeline.html"
    result = CliRunner().invoke(cli, ["timeline", "--html", str(path)])
    assert result.exit_code == 0, result.output
    return path


def open_page(page: PageWatch, path: Path) -> None:
    page.page.goto(path.as_uri())
    page.page.wait_for_selector("body[data-ready=true]", timeout=15_000)


def rendered(page: PageWatch) -> set[str]:
    ids = page.page.eval_on_selector_all(ITEMS, "nodes => nodes.map(n => n.getAttribute('data-event'))")
    return set(ids)


def settled(page: PageWatch, done: Callable[[set[str]], bool], seconds: float = 10.0) -> set[str]:
    """The rendered items once `done` holds of them, or after `seconds`: vis-timeline redraws on its next
    frame, which on a busy machine can come after a filter change returns. Polled from Python, since the
    page's CSP (no 'unsafe-eval') refuses Playwright's string predicates."""
    deadline = time.monotonic() + seconds
    found = rendered(page)
    while not done(found) and time.monotonic() < deadline:
        page.page.wait_for_timeout(100)
        found = rendered(page)
    return found


def test_timeline_renders_every_event(page: PageWatch, page_file: Path, store: OxigraphStore) -> None:
    open_page(page, page_file)
    events = {r[0] for r in rows(store, ALL_EVENTS)}
    assert page.page.locator(".vis-timeline").is_visible()
    assert page.page.locator(ITEMS).count() == len(events)
    assert rendered(page) == events
    lanes = rows(store, "SELECT DISTINCT ?l WHERE { ?c rdfs:subClassOf sem:Event ; rdfs:label ?l }")
    labels = page.page.locator(".vis-label .tg-group").all_text_contents()
    assert labels and set(labels) <= {r[0] for r in lanes}
    page.assert_clean()


def test_clicking_an_event_shows_its_quote_and_source(page: PageWatch, page_file: Path,
                                                      store: OxigraphStore) -> None:
    open_page(page, page_file)
    event, quote, title = rows(store, """
        SELECT ?e ?quote ?title WHERE {
          ?c rdfs:subClassOf* sem:Event . ?e a ?c ; prov:wasDerivedFrom ?x .
          ?x a tg:Excerpt ; prov:value ?quote ; prov:wasQuotedFrom/dcterms:title ?title .
        """ + DATED + """
        } ORDER BY ?e ?quote LIMIT 1""")[0]
    page.page.evaluate("id => window.tgTimeline.focus(id, {animation: false})", event)
    page.page.locator(f'[data-event="{event}"]').click()
    detail = page.page.locator("#tg-detail")
    assert quote in detail.locator(".tg-quote").all_text_contents()
    assert title in detail.inner_text()
    total = len(rows(store, ALL_EVENTS))
    assert page.page.locator(ITEMS).count() < total  # focused on one event
    page.page.click("#tg-fit")
    assert page.page.locator(ITEMS).count() == total
    page.assert_clean()


def test_type_filter_keeps_only_that_type(page: PageWatch, page_file: Path, store: OxigraphStore) -> None:
    open_page(page, page_file)
    deals = {r[0] for r in rows(store, "SELECT DISTINCT ?e WHERE { ?e a/rdfs:subClassOf* tg:Deal " + DATED + " }")}
    assert deals
    page.page.select_option("#tg-type", label="Deal")
    assert settled(page, lambda ids: ids == deals) == deals
    assert page.page.locator("#tg-count").inner_text().startswith(f"{len(deals)} of ")
    page.page.select_option("#tg-type", value="")
    assert len(settled(page, lambda ids: len(ids) > len(deals))) > len(deals)
    page.assert_clean()


def test_data_with_markup_stays_text(page: PageWatch, tmp_path: Path) -> None:
    fixture = Path(__file__).parent / "data" / "timeline-fixture.ttl"
    path = tmp_path / "fixture.html"
    result = CliRunner().invoke(cli, ["timeline", "--data", str(fixture), "--html", str(path)])
    assert result.exit_code == 0, result.output
    open_page(page, path)
    merger = page.page.locator('[data-event="https://example.org/fixture/merger"]')
    assert "<img" in merger.inner_text()
    assert page.page.evaluate("window.pwned") is None
    assert page.page.locator(".vis-item img").count() == 0
    page.assert_clean()
