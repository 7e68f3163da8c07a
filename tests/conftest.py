"""Shared fixtures: the bundled store, the CLI runner and a network-blocked headless Chromium."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tech_graph.store import OxigraphStore, memory_store

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
IN_CI = bool(os.environ.get("CI"))


@pytest.fixture(scope="session")
def store() -> OxigraphStore:
    """The bundled graph in memory, shared by the read-only tests."""
    return memory_store()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def require(what: str, found: object) -> None:
    """Skip on a developer machine without `what`; in CI a missing tool is a failure."""
    if not found:
        message = f"{what} is not installed (.ci/run installs it)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    require("Debian's chromium", path)
    assert path
    return path


@dataclass
class PageWatch:
    """A page whose every non-file: request is aborted and recorded, with its errors."""

    page: Any
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.blocked == [], f"page asked the network for {self.blocked}"
        assert self.errors == [], f"page errors: {self.errors}"
        assert self.failed == [], f"failed requests: {self.failed}"


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium_path,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


def watch_page(browser: Any, allow: tuple[str, ...] = ("file:",)) -> PageWatch:
    """A new page that lets through only URLs starting with one of `allow`."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    watch = PageWatch(page)

    def route(route: Any) -> None:
        url = route.request.url
        if url.startswith(allow) or url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            watch.blocked.append(url)
            route.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda exc: watch.errors.append(str(exc)))
    page.on("requestfailed", lambda req: watch.failed.append(req.url) if req.url not in watch.blocked else None)
    return watch


@pytest.fixture
def page(browser: Any) -> Iterator[PageWatch]:
    watch = watch_page(browser)
    yield watch
    watch.page.close()
