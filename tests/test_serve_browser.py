"""The query page in headless Chromium, with only this server reachable."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, quote, unquote

import pytest

from conftest import watch_page
from tech_graph.query import named_queries
from tech_graph.serve import App, Running, Settings, start_in_thread
from tech_graph.store import OxigraphStore

pytestmark = [pytest.mark.browser, pytest.mark.server]
EXAMPLE = "timeline"  # a named query whose columns fit graph and timeline: IRIs, and dates

# Our own queries of each shape, so that the page is tested on shapes, not on the named queries.
REGULATORS = """SELECT ?date ?event ?eventLabel ?regulator ?regulatorLabel WHERE {
  ?event tg:hasRegulator ?regulator ; rdfs:label ?eventLabel ; sem:hasTimeStamp ?t .
  ?regulator rdfs:label ?regulatorLabel .
  BIND (STR(?t) AS ?date)
} ORDER BY ?date"""
GENERIC_LABEL = """SELECT ?actor ?type ?label WHERE {
  ?actor a ?type ; rdfs:label ?label . ?type rdfs:subClassOf tg:Actor .
}"""
EDGES = """SELECT ?event ?eventLabel ?link ?other ?otherLabel WHERE {
  { ?event tg:causedBy ?other BIND ("caused by" AS ?link) } UNION { ?event tg:despite ?other BIND ("despite" AS ?link) }
  ?event rdfs:label ?eventLabel . ?other rdfs:label ?otherLabel .
}"""
COUNTS = """#defaultView:BarChart
SELECT ?regulator (COUNT(DISTINCT ?e) AS ?actions) WHERE {
  ?e tg:hasRegulator/rdfs:label ?regulator .
} GROUP BY ?regulator ORDER BY DESC(?actions) ?regulator"""
LANGUAGES = """SELECT ?a ?english ?name WHERE {
  ?a schema:alternateName ?zh ; rdfs:label ?english . FILTER (LANG(?english) = "en")
  VALUES ?pick { 1 2 }
  BIND (IF(?pick = 1, ?english, ?zh) AS ?name)
} ORDER BY ?english ?pick"""
SHIJI = "US orders Beijing Shiji to divest StayNTouch"  # one event, two regulators


@pytest.fixture(scope="module")
def server(store: OxigraphStore) -> Iterator[Running]:
    running = start_in_thread(App(store, Settings()))
    yield running
    running.stop()


@pytest.fixture
def watch(browser: Any, server: Running) -> Iterator[Any]:
    watched = watch_page(browser, allow=(server.url.rstrip("/"),))
    dialogs: list[str] = []
    watched.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    yield watched
    watched.assert_clean()
    assert dialogs == []
    watched.page.close()


def open_query(page: Any, server: Running, query: str, view: str = "") -> None:
    page.goto(server.url + "#query=" + quote(query, safe="") + (f"&view={view}" if view else ""))
    page.wait_for_selector("#status:has-text('row')")


def hash_state(page: Any) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(page.url.split("#", 1)[1]).items()}


def enabled(page: Any) -> set[str]:
    buttons = page.locator("#views button[data-view]")
    return {buttons.nth(i).get_attribute("data-view") for i in range(buttons.count())
            if not buttons.nth(i).is_disabled()}


def test_run_a_named_query_switch_views_and_follow_an_entity_to_its_quote(watch: Any, server: Running) -> None:
    assert EXAMPLE in named_queries()
    page = watch.page
    page.goto(server.url)
    page.click(f"#examples a[data-name='{EXAMPLE}']")
    page.wait_for_selector("#result-table tbody tr")
    rows = page.locator("#result-table tbody tr").count()
    assert rows > 10
    assert page.inner_text("#status").startswith(f"{rows} rows")
    # The query travels in the URL, as the example gives it to the editor, so the link can be shared.
    href = page.get_attribute(f"#examples a[data-name='{EXAMPLE}']", "href") or ""
    editor = page.evaluate("window.techGraph.editor.getValue()")
    assert hash_state(page)["query"] == unquote(href.split("=", 1)[1]) == editor
    assert named_queries()[EXAMPLE].title in hash_state(page)["query"]

    page.click("#views button[data-view='graph']")
    page.wait_for_selector("#result-graph[data-ready] canvas")
    assert int(page.get_attribute("#result-graph", "data-nodes") or 0) > 10
    assert page.is_hidden("#result-table")
    assert hash_state(page)["view"] == "graph"

    page.click("#views button[data-view='timeline']")
    page.wait_for_selector("#result-timeline .vis-item")
    assert int(page.get_attribute("#result-timeline", "data-items") or 0) > 10

    page.click("#views button[data-view='table']")
    link = page.locator("#result-table a[href^='/id/']").filter(has_text="tgr:ant-ipo-suspension").first
    link.click()
    page.wait_for_selector("#entity-label")
    assert page.url.endswith("/id/ant-ipo-suspension")
    quote_block = page.locator("#quotes blockquote").first
    assert quote_block.is_visible()
    assert len(quote_block.inner_text()) > 20
    page.wait_for_selector("#entity-timeline .vis-item")

    # A shared link runs its query on opening, in the old bare form too.
    page.goto(server.url + "#" + "ASK%20%7B%20%3Fs%20a%20tg%3AIPO%20%7D")
    page.wait_for_selector("#result-table p.boolean")
    assert page.inner_text("#result-table p.boolean") == "true"


def test_graph_names_nodes_by_their_label_columns_and_labels_edges(watch: Any, server: Running) -> None:
    page = watch.page
    open_query(page, server, REGULATORS, "graph")
    page.wait_for_selector("#result-graph[data-ready]")
    nodes = {n["id"]: n for n in page.evaluate("window.techGraph.graphNodes()")}
    tgr = "https://w3id.org/tech-graph/id/"
    assert nodes[tgr + "cfius"]["name"].startswith("CFIUS")  # ?regulatorLabel names ?regulator
    assert nodes[tgr + "india-tiktok-ban"]["name"] == "India bans TikTok"
    assert not [n for n in nodes.values() if n["name"].startswith("tgr:")]
    assert page.inner_text("#graph-legend").split() == ["?event", "?regulator"]
    # Legible at the default zoom: at least 12 px on screen, and some labels are drawn.
    assert page.evaluate("window.techGraph.graphFontPx()") >= 11.9
    assert page.evaluate("window.techGraph.graphLabelsShown()") >= 5

    # `?label` names the row's key resource, not ?type; of its labels in several languages, the English one.
    open_query(page, server, GENERIC_LABEL, "graph")
    page.wait_for_selector("#result-graph[data-ready]")
    nodes = {n["id"]: n for n in page.evaluate("window.techGraph.graphNodes()")}
    assert nodes[tgr + "ant-group"]["name"] == "Ant Group"
    assert nodes["https://w3id.org/tech-graph/ontology#Company"]["name"] == "tg:Company"

    # A ?link column is not a node: it labels the arrows.
    open_query(page, server, EDGES, "graph")
    page.wait_for_selector("#result-graph[data-ready]")
    columns = {n["column"] for n in page.evaluate("window.techGraph.graphNodes()")}
    assert columns == {"event", "other"}
    edges = page.evaluate("window.techGraph.graphEdges()")
    assert {e["label"] for e in edges} == {"caused by", "despite"}
    assert all(e["shown"] for e in edges)  # few, and they differ: drawn on the arrows
    # With another IRI column, ?link still labels only the arrow between its neighbours.
    open_query(page, server, EDGES.replace("SELECT ?event ?eventLabel ?link ?other ?otherLabel WHERE {",
                                           "SELECT ?event ?eventLabel ?link ?other ?otherLabel ?from WHERE {\n"
                                           "  ?event a ?from ."), "graph")
    page.wait_for_selector("#result-graph[data-ready]")
    edges = page.evaluate("window.techGraph.graphEdges()")
    assert {e["label"] for e in edges if e["shown"]} == {"caused by", "despite"}
    assert {e["label"] for e in edges if not e["shown"]} == {"from"}
    open_query(page, server, EDGES, "graph")
    page.wait_for_selector("#result-graph[data-ready]")
    # Selecting a node opens its panel with the rows it appears in.
    page.evaluate("id => window.techGraph.select('graph', id)", tgr + "alibaba-valuation-fall")
    page.wait_for_selector("#detail:not([hidden])")
    panel = page.inner_text("#detail")
    assert "Alibaba share buy-backs" in panel and "Alibaba's slide weighs on Tencent" in panel


def test_timeline_is_one_item_per_event_with_its_rows_in_the_panel(watch: Any, server: Running) -> None:
    page = watch.page
    open_query(page, server, REGULATORS, "timeline")
    page.wait_for_selector("#result-timeline .vis-item")
    rows = page.locator("#result-table tbody tr").count()
    items = int(page.get_attribute("#result-timeline", "data-items") or 0)
    assert items < rows  # events with two regulators are one item
    assert "without a date" not in page.inner_text("#status")
    shiji = page.locator("#result-timeline .vis-item", has_text=SHIJI)
    assert shiji.count() == 1
    shiji.click()
    page.wait_for_selector("#detail:not([hidden])")
    panel = page.inner_text("#detail")
    assert SHIJI in panel and "CFIUS" in panel and "Trump administration" in panel
    # The item is the column that determines the date, not the one with most values:
    # one event with two regulators is one item, not two regulator items.
    open_query(page, server, REGULATORS.replace("WHERE {", "WHERE { VALUES ?event { tgr:stayntouch-divestment-order }"),
               "timeline")
    page.wait_for_selector("#result-timeline .vis-item")
    assert page.locator("#result-table tbody tr").count() == 2
    assert page.locator("#result-timeline .vis-item-content").all_inner_texts() == [SHIJI]

    # Rows without a date are counted, not silently dropped (here: events with a begin but no time stamp).
    open_query(page, server, """SELECT DISTINCT ?event ?eventLabel ?date WHERE {
      ?event a/rdfs:subClassOf* sem:Event ; rdfs:label ?eventLabel .
      OPTIONAL { ?event sem:hasTimeStamp ?t } BIND (STR(?t) AS ?date)
    }""", "timeline")
    page.wait_for_selector("#result-timeline .vis-item")
    assert "without a date, not on the timeline" in page.inner_text("#status")

    open_query(page, server, REGULATORS, "timeline")
    page.wait_for_selector("#result-timeline .vis-item")
    shiji = page.locator("#result-timeline .vis-item", has_text=SHIJI)
    # Labels are never cut: an item is as wide as its text.
    box = shiji.locator(".vis-item-content").bounding_box()
    assert box and box["width"] >= 7 * len(SHIJI) * 0.8


def test_bar_chart_for_a_group_by_result_and_tags_only_on_mixed_columns(watch: Any, server: Running) -> None:
    page = watch.page
    open_query(page, server, COUNTS)
    page.wait_for_selector("#result-bar .bar")
    assert page.get_attribute("#views button[data-view='bar']", "aria-selected") == "true"
    assert enabled(page) == {"table", "bar"}
    bars = page.locator("#result-bar .bar")
    assert bars.count() == int(page.get_attribute("#result-bar", "data-bars") or 0) >= 3
    assert bars.first.inner_text().startswith("CFIUS")
    widths = [bars.nth(i).locator(".bar-fill").bounding_box()["width"] for i in range(bars.count())]
    assert widths == sorted(widths, reverse=True) and widths[0] > 3 * widths[-1] / 2

    open_query(page, server, LANGUAGES)
    page.wait_for_selector("#result-table tbody tr")
    english = page.locator("#result-table tbody tr td:nth-child(2)")
    names = page.locator("#result-table tbody tr td:nth-child(3)")
    assert english.count() > 4
    assert page.locator("#result-table tbody td:nth-child(2) .tag").count() == 0  # only @en: no tag
    assert "@zh" in names.nth(1).inner_text() and "@en" in names.nth(0).inner_text()


@pytest.mark.parametrize(("width", "height"), [(360, 740), (1366, 768), (1920, 1080)])
def test_layout_fits_the_width_and_shows_editor_and_view_without_scrolling(
        watch: Any, server: Running, width: int, height: int) -> None:
    page = watch.page
    page.set_viewport_size({"width": width, "height": height})
    for view, query, ready in (("table", named_queries()["regulatory-actions"].text, "#result-table tbody tr"),
                               ("graph", REGULATORS, "#result-graph[data-ready]"),
                               ("timeline", REGULATORS, "#result-timeline .vis-item"),
                               ("bar", COUNTS, "#result-bar .bar")):
        open_query(page, server, query, view)
        page.wait_for_selector(ready)
        page.wait_for_timeout(200)
        sizes = page.evaluate("""(view) => {
            const box = (sel) => {
                const r = document.querySelector(sel).getBoundingClientRect();
                return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height};
            };
            return {scroll: document.scrollingElement.scrollWidth, inner: innerWidth, innerHeight: innerHeight,
                    scrollY: scrollY, editor: box('.CodeMirror'), view: box('#result-' + view)};
        }""", view)
        assert sizes["scroll"] <= sizes["inner"], f"{view} at {width} px overflows: {sizes}"
        assert sizes["scrollY"] == 0
        editor, shown = sizes["editor"], sizes["view"]
        assert editor["height"] > 100 and editor["bottom"] <= height and editor["right"] <= width
        assert shown["top"] < height - 150, f"{view} starts below the fold at {width}x{height}: {sizes}"
        if view != "table":  # drawn views fit in the window under the editor (the bar chart: all its bars)
            assert shown["bottom"] <= height, f"{view} at {width}x{height}: {sizes}"
        if view in ("graph", "timeline"):
            assert shown["height"] >= 250, f"{view} at {width}x{height}: {sizes}"
    if width < 900:  # the examples come after the results on a narrow screen
        assert page.locator(".examples").bounding_box()["y"] > page.locator(".result-area").bounding_box()["y"]
    for other in ("downloads", "id/ant-group"):  # the server's other pages fit too
        page.goto(server.url + other)
        assert page.evaluate("document.scrollingElement.scrollWidth") <= width, other


def test_links_hashchange_copy_link_and_reload_keep_query_view_and_selection(
        watch: Any, server: Running) -> None:
    page = watch.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url.rstrip("/"))
    open_query(page, server, REGULATORS, "timeline")
    page.wait_for_selector("#result-timeline .vis-item")
    page.locator("#result-timeline .vis-item", has_text=SHIJI).click()
    page.wait_for_selector("#detail:not([hidden])")
    state = hash_state(page)
    assert state["query"] == REGULATORS and state["view"] == "timeline"
    assert state["item"] == "https://w3id.org/tech-graph/id/stayntouch-divestment-order"

    page.click("#copy-link")
    page.wait_for_selector("#status:has-text('copied')")
    assert page.evaluate("navigator.clipboard.readText()") == page.url

    page.reload()
    page.wait_for_selector("#detail:not([hidden])")
    assert SHIJI in page.inner_text("#detail h3")
    assert page.get_attribute("#views button[data-view='timeline']", "aria-selected") == "true"
    assert "?eventLabel" in page.evaluate("window.techGraph.editor.getValue()")

    # An edit not yet run survives a reload too, beside the result of the query in the URL.
    page.evaluate("t => window.techGraph.editor.setValue(t)", REGULATORS + "\nLIMIT 3")
    page.reload()
    page.wait_for_selector("#detail:not([hidden])")
    assert page.evaluate("window.techGraph.editor.getValue()").endswith("LIMIT 3")
    assert hash_state(page)["query"] == REGULATORS

    # Another link opened in the same tab runs its query (the old result does not stay).
    page.evaluate("q => { location.hash = 'query=' + encodeURIComponent(q); }", COUNTS)
    page.wait_for_selector("#result-bar .bar")
    assert "?regulator" in page.inner_text("#result-table thead")
    # Examples are links: clicking one runs it, and Back returns to the previous query.
    page.click("#examples a[data-name='crackdown-by-country']")
    page.wait_for_selector("#result-table thead th:text-is('?examples')", state="attached")
    page.go_back()
    page.wait_for_selector("#result-table thead th:text-is('?regulator')", state="attached")
    assert page.get_attribute("#views button[data-view='bar']", "aria-selected") == "true"


def test_default_view_comment_and_errors(watch: Any, server: Running) -> None:
    page = watch.page
    page.goto(server.url)
    query = ("#defaultView:Graph\nSELECT ?event ?actor WHERE { ?event tg:hasRegulator ?actor }")
    page.evaluate("q => { window.techGraph.editor.setValue(q); window.techGraph.run(); }", query)
    page.wait_for_selector("#result-graph canvas")
    assert page.get_attribute("#views button[data-view='graph']", "aria-selected") == "true"
    assert page.is_disabled("#views button[data-view='timeline']")  # no dates in these columns
    assert page.get_attribute("#views button[data-view='timeline']", "title") == "needs a date column"

    page.evaluate("q => { window.techGraph.editor.setValue(q); window.techGraph.run(); }", "SELECT ?x WHERE {")
    page.wait_for_selector("#result-table p.error")
    assert "SPARQL syntax error" in page.inner_text("#result-table p.error")
