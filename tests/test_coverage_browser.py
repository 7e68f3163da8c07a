"""The coverage page in headless Chromium, from file:// with every other request aborted."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import PageWatch
from tech_graph import coverage as cov
from tech_graph.cli import cli
from tech_graph.store import Store

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("coverage") / "coverage.html"
    result = CliRunner().invoke(cli, ["coverage", "--html", str(path)])
    assert result.exit_code == 0, result.output
    return path


def test_cited_passages_are_highlighted_and_uncited_ones_marked(page: PageWatch, page_file: Path,
                                                                 store: Store) -> None:
    docs = cov.coverage(store)  # the article first, then the texts in graph/sources/
    doc = docs[0]
    console: list[str] = []
    page.page.on("console", lambda msg: console.append(msg.text) if msg.type == "error" else None)
    page.page.goto(page_file.as_uri())
    assert page.page.locator(".document .s.cited").count() == sum(d.cited for d in docs)
    assert page.page.locator(".document .s.uncited").count() == sum(len(d.uncited) for d in docs)
    assert page.page.locator(".document").first.locator(".s.cited").count() == doc.cited
    colour = page.page.eval_on_selector(".document .s.cited", "n => getComputedStyle(n).backgroundColor")
    assert colour == "rgb(255, 241, 168)"
    summary = page.page.locator("#d1-summary").inner_text()
    assert f"{doc.cited} of {len(doc.sentences)} sentences cited" in summary
    page.assert_clean()
    assert console == []


def test_a_cited_sentence_links_to_its_facts_and_back(page: PageWatch, page_file: Path) -> None:
    page.page.goto(page_file.as_uri())
    sentence = page.page.locator('#d1-s12')
    assert sentence.inner_text().startswith("Between December 24th and 28th")
    facts = sentence.get_attribute("data-facts").split()
    assert "https://w3id.org/tech-graph/id/alibaba-valuation-fall" in facts
    sentence.locator("sup a").first.click()
    target = page.page.evaluate("location.hash")
    fact = page.page.locator(target)
    assert fact.get_attribute("data-fact") in facts
    assert fact.is_visible()
    fact.locator('a[href="#d1-s12"]').click()
    assert page.page.evaluate("location.hash") == "#d1-s12"
    page.assert_clean()
