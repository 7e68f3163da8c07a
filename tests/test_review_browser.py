"""The review page in headless Chromium: decide on the page, download the decisions, accept them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import PageWatch
from test_ingest import ARTICLE, ROOT, run

pytestmark = pytest.mark.browser


@pytest.fixture
def drafted(tmp_path: Path) -> tuple[Path, Path]:
    for part in ("graph", "ontology"):
        shutil.copytree(ROOT / part, tmp_path / part)
    (tmp_path / "new.txt").write_text(ARTICLE + "\nA quote with </script><b>markup</b> stays text.\n",
                                      encoding="utf-8")
    run(tmp_path, "ingest", "new.txt", "--title", "Didi banned", "--published", "2021-07-06", "--publisher", "Ex",
        "--url", "https://example.org/d")
    draft = tmp_path / "graph" / "drafts" / "didi-banned.ttl"
    run(tmp_path, "review", str(draft), "-o", str(tmp_path / "review.html"))
    return tmp_path, draft


def test_decide_on_the_page_then_accept(page: PageWatch, drafted: tuple[Path, Path]) -> None:
    home, draft = drafted
    page.page.goto((home / "review.html").as_uri())
    cards = page.page.locator(".cand")
    assert cards.count() >= 3
    assert page.page.locator("#article b").count() == 0  # the article's text is never markup
    assert "</script>" in page.page.inner_text("#article")
    cited = page.page.locator("#article span.cited")
    assert cited.count() >= 3
    ban = page.page.locator(".cand", has_text="Ban").first
    ban.locator("input[value=accept]").check()
    ban.locator("input[name^=label]").fill("China bans Didi")
    ban.locator("input[name^=label]").dispatch_event("change")
    for card in page.page.locator(".cand", has_text="actor").all():
        card.locator("input[value=accept]").check()
    assert "accepted" in page.page.inner_text("#counts")
    with page.page.expect_download() as download:
        page.page.click("#save")
    saved = home / "decisions.json"
    download.value.save_as(saved)
    page.assert_clean()
    done = run(home, "accept", str(draft), "--decisions", str(saved))
    assert "China bans Didi" in done.stdout
    assert "China bans Didi" in run(home, "timeline", "--format", "csv").stdout
