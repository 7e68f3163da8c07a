"""Write the README's screenshots (docs/*.png) from the shipped graph; not a test.

    .venv/bin/python bench/screenshots.py [timeline] [graph] [serve] [serve-420]

Each page is opened the way the browser tests open it (Debian's chromium; only file:
or this server's own URLs let through) and the script fails if a page asked for
anything else or raised an error, so a screenshot never shows a broken page.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from click.testing import CliRunner  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from tech_graph.cli import cli  # noqa: E402

DOCS = ROOT / "docs"
TGR = "https://w3id.org/tech-graph/id/"
Stop = Callable[[], None] | None  # what to stop once the picture is taken


def write_page(tmp: Path, *args: str) -> Path:
    """Run a tech-graph command that writes a page, and return the page."""
    target = tmp / "page.html"
    result = CliRunner().invoke(cli, [*args, str(target)])
    if result.exit_code:
        sys.exit(result.output)
    return target


def timeline(page: Any, tmp: Path, _allow: list[str]) -> Stop:
    page.goto(write_page(tmp, "timeline", "--html").as_uri())
    page.wait_for_selector("body[data-ready=true]")
    page.evaluate("w => window.tgTimeline.setWindow(w[0], w[1], {animation: false})", ["2019-11-01", "2021-08-01"])
    page.locator(f'[data-event="{TGR}ant-ipo-suspension"]').click()
    page.wait_for_selector("#tg-detail .tg-quote")
    return None


def graph(page: Any, tmp: Path, _allow: list[str]) -> Stop:
    page.goto(write_page(tmp, "render", "-o").as_uri())
    page.wait_for_selector("body[data-ready]")
    page.select_option("#colour-by", "community")
    page.evaluate("id => { network.selectNodes([id]); network.fit({animation: false}); }", TGR + "ant-group")
    page.evaluate("id => network.body.emitter.emit('click', {nodes: [id], edges: []})", TGR + "ant-group")
    page.wait_for_selector("#panel .panel-title")
    return None


def query_page(page: Any, allow: list[str], example: str, view: str, ready: str, item: str = "") -> Stop:
    """The query page of a fresh server: run an example, pick a view, and select one of its items."""
    from tech_graph.serve import App, Settings, start_in_thread
    from tech_graph.store import memory_store

    running = start_in_thread(App(memory_store(), Settings()))
    allow.append(running.url.rstrip("/"))  # this server, and nothing else
    try:
        page.goto(running.url)
        page.click(f"#examples a[data-name='{example}']")
        page.wait_for_selector("#status:has-text('row')")
        page.click(f"#views button[data-view='{view}']")
        page.wait_for_selector(ready)
        if item:
            page.evaluate("a => window.techGraph.select(a[0], a[1])", [view, item])
            page.wait_for_selector("#detail:not([hidden])")
        page.wait_for_timeout(800)  # let the drawing settle before the picture
    except BaseException:
        running.stop()
        raise
    return running.stop


def serve(page: Any, _tmp: Path, allow: list[str]) -> Stop:
    return query_page(page, allow, "regulatory-actions", "timeline", "#result-timeline .vis-item",
                      TGR + "stayntouch-divestment-order")  # one item, its two regulators in the panel


def serve_420(page: Any, _tmp: Path, allow: list[str]) -> Stop:
    return query_page(page, allow, "crackdown-by-country", "bar", "#result-bar .bar")


SHOTS: dict[str, tuple[Callable[[Any, Path, list[str]], Stop], tuple[int, int]]] = {
    "timeline": (timeline, (1400, 820)),
    "graph": (graph, (1400, 860)),
    "serve": (serve, (1366, 768)),  # a laptop screen: the view shows without scrolling
    "serve-420": (serve_420, (420, 860)),
}


def has_chinese_font() -> bool:
    """Chinese names (阿里巴巴) need a CJK font, or the pictures show empty boxes."""
    import subprocess

    fc_list = shutil.which("fc-list")
    return bool(fc_list and subprocess.run([fc_list, ":lang=zh"], capture_output=True, text=True).stdout.strip())


@contextmanager
def browser() -> Iterator[Any]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        sys.exit("error: Debian's chromium is not installed (apt-get install chromium)")
    if not has_chinese_font():
        sys.exit("error: no Chinese font, so Chinese names would show as boxes (apt-get install fonts-wqy-microhei)")
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()


def shoot(launched: Any, name: str) -> None:
    action, (width, height) = SHOTS[name]
    page = launched.new_page(viewport={"width": width, "height": height})
    problems: list[str] = []
    allowed = ["file:", "data:", "about:", "blob:"]
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if url.startswith(tuple(allowed)):
            request_route.continue_()
        else:
            problems.append(f"network request: {url}")
            request_route.abort()

    page.route("**/*", route)
    with tempfile.TemporaryDirectory() as tmp:
        stop = action(page, Path(tmp), allowed)
        target = DOCS / f"{name}.png"
        page.screenshot(path=str(target))
    page.close()
    if stop:
        stop()
    if problems:
        sys.exit(f"error: {name}: " + "; ".join(problems))
    print(f"wrote {target.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shots", nargs="*", metavar="SHOT", help=f"any of {', '.join(SHOTS)} (default: all)")
    names = parser.parse_args().shots or list(SHOTS)
    if unknown := [n for n in names if n not in SHOTS]:
        parser.error(f"unknown shot {', '.join(unknown)}; use any of {', '.join(SHOTS)}")
    with browser() as launched:
        for name in names:
            shoot(launched, name)


if __name__ == "__main__":
    main()
