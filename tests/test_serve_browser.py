"""The query page in headless Chromium, with only this server reachable."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import pytest

from conftest import watch_page
from tech_graph.hierarchy import Hierarchies, expand
from tech_graph.query import named_queries
from tech_graph.serve import App, Running, Settings, start_in_thread
from tech_graph.store import OxigraphStore, memory_store

pytestmark = [pytest.mark.browser, pytest.mark.server]
EXAMPLE = "timeline"  # a named query whose columns fit all three views: IRIs, and dates


@pytest.fixture(scope="module")
def server(store: OxigraphStore) -> Iterator[Running]:
    running = start_in_thread(App(store, Settings()))
    yield running
    running.stop()


def test_run_a_named_query_switch_views_and_follow_an_entity_to_its_quote(browser: Any, server: Running) -> None:
    assert EXAMPLE in named_queries()
    origin = server.url.rstrip("/")
    watch = watch_page(browser, allow=(origin,))
    dialogs: list[str] = []
    page = watch.page
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(server.url)
        page.click(f"#examples a[data-name='{EXAMPLE}']")
        page.wait_for_selector("#result-table tbody tr")
        rows = page.locator("#result-table tbody tr").count()
        assert rows > 10
        assert page.inner_text("#status").startswith(f"{rows} rows")
        # The query travels in the URL, so the link can be shared.
        # The query travels in the URL, as it runs: hierarchies expanded (hierarchy.py).
        assert unquote(page.url.split("#", 1)[1]) == expand(named_queries()[EXAMPLE].text, Hierarchies.read(
            memory_store()))

        page.click("#views button[data-view='graph']")
        page.wait_for_selector("#result-graph canvas")
        assert int(page.get_attribute("#result-graph", "data-nodes") or 0) > 10
        assert page.is_hidden("#result-table")

        page.click("#views button[data-view='timeline']")
        page.wait_for_selector("#result-timeline .vis-item")
        assert int(page.get_attribute("#result-timeline", "data-items") or 0) > 10

        page.click("#views button[data-view='table']")
        link = page.locator("#result-table a[href^='/id/']").filter(has_text="tgr:ant-ipo-suspension").first
        link.click()
        page.wait_for_selector("#entity-label")
        assert page.url.endswith("/id/ant-ipo-suspension")
        quote = page.locator("#quotes blockquote").first
        assert quote.is_visible()
        assert len(quote.inner_text()) > 20
        page.wait_for_selector("#entity-timeline .vis-item")

        # A shared link runs its query on opening.
        page.goto(server.url + "#" + "ASK%20%7B%20%3Fs%20a%20tg%3AIPO%20%7D")
        page.wait_for_selector("#result-table p.boolean")
        assert page.inner_text("#result-table p.boolean") == "true"
        watch.assert_clean()
        assert dialogs == []
    finally:
        page.close()


def test_default_view_comment_and_errors(browser: Any, server: Running) -> None:
    origin = server.url.rstrip("/")
    watch = watch_page(browser, allow=(origin,))
    page = watch.page
    try:
        page.goto(server.url)
        query = ("#defaultView:Graph\nSELECT ?event ?actor WHERE { ?event tg:hasRegulator ?actor }")
        page.evaluate("q => { window.techGraph.editor.setValue(q); window.techGraph.run(); }", query)
        page.wait_for_selector("#result-graph canvas")
        assert page.get_attribute("#views button[data-view='graph']", "aria-selected") == "true"
        assert page.is_disabled("#views button[data-view='timeline']")  # no dates in these columns

        page.evaluate("q => { window.techGraph.editor.setValue(q); window.techGraph.run(); }", "SELECT ?x WHERE {")
        page.wait_for_selector("#result-table p.error")
        assert "SPARQL syntax error" in page.inner_text("#result-table p.error")
        watch.assert_clean()
    finally:
        page.close()
