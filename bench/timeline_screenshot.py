"""Write docs/timeline.png: the timeline page of the shipped graph, one event selected (not a test).

    .venv/bin/python bench/timeline_screenshot.py [--output docs/timeline.png]

Opens the page the way the browser test does (Debian's chromium, file://, every
other request aborted) and fails if the page asked for anything or raised an error.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from click.testing import CliRunner  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from tech_graph.cli import cli  # noqa: E402

SELECTED = "https://w3id.org/tech-graph/id/ant-ipo-suspension"
WINDOW = ("2019-11-01", "2021-08-01")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=str(ROOT / "docs" / "timeline.png"))
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        sys.exit("error: Debian's chromium is not installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as tmp:
        page_file = Path(tmp) / "timeline.html"
        result = CliRunner().invoke(cli, ["timeline", "--html", str(page_file)])
        if result.exit_code:
            sys.exit(result.output)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1400, "height": 820})
            problems: list[str] = []
            page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))

            def route(request_route: object) -> None:
                url = request_route.request.url  # type: ignore[attr-defined]
                if url.startswith(("file:", "data:", "about:")):
                    request_route.continue_()  # type: ignore[attr-defined]
                else:
                    problems.append(f"network request: {url}")
                    request_route.abort()  # type: ignore[attr-defined]

            page.route("**/*", route)
            page.goto(page_file.as_uri())
            page.wait_for_selector("body[data-ready=true]")
            page.evaluate("w => window.tgTimeline.setWindow(w[0], w[1], {animation: false})", list(WINDOW))
            page.locator(f'[data-event="{SELECTED}"]').click()
            page.wait_for_selector("#tg-detail .tg-quote")
            page.screenshot(path=args.output)
            browser.close()
    if problems:
        sys.exit("error: " + "; ".join(problems))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
