"""Shared fixtures: the bundled store, the CLI runner and a network-blocked headless Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import virtuoso_server as virtuoso
from tech_graph.load import bundled_sources
from tech_graph.remote import Endpoints, SparqlStore
from tech_graph.store import OxigraphStore, Store, load_disk_store, memory_store, open_disk_store

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
IN_CI = bool(os.environ.get("CI"))


@pytest.fixture(scope="session")
def store() -> OxigraphStore:
    """The bundled graph in memory, shared by the read-only tests."""
    return memory_store()


@pytest.fixture(scope="module")
def actors(store: OxigraphStore) -> Any:
    """The bundled actor network (each module gets its own, so a test may change it)."""
    from tech_graph import network

    return network.actor_network(store)


@pytest.fixture(scope="module")
def two_mode(store: OxigraphStore) -> Any:
    """The bundled event-actor network."""
    from tech_graph import network

    return network.event_actor_network(store)


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


def which(what: str, *names: str) -> str:
    """The first of `names` on PATH; `require`d under the description `what`."""
    path = next((found for name in names if (found := shutil.which(name))), None)
    require(what, path)
    assert path
    return path


@pytest.fixture(scope="session")
def chromium_path() -> str:
    return which("Debian's chromium", "chromium", "chromium-browser")


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
    try:
        from playwright import sync_api
    except ImportError:
        sync_api = None
    require("the playwright Python package", sync_api)
    assert sync_api is not None
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


# --- The real JavaScript consumers of our exports (tests/js/package.json, installed by .ci/run) --

NPM_DIR = Path(os.environ.get("TECH_GRAPH_NPM") or Path.home() / ".cache" / "tech-graph" / "npm")


@pytest.fixture(scope="session")
def node_binary() -> str:
    return which("Node.js (Debian nodejs)", "node", "nodejs")


def npm_package(name: str) -> Path:
    """The folder of an npm package that .ci/run installed from tests/js/package.json."""
    path = NPM_DIR / "node_modules" / name
    require(f"the npm package {name} in {NPM_DIR} (.ci/run installs tests/js/package.json)", path.is_dir())
    return path


# --- Stores: the same tests on memory, oxigraph:PATH and a real SPARQL server ------------------


def oxigraph_binary() -> str | None:
    """The server from the PyPI `oxigraph` package (in the venv's bin, or on PATH)."""
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.is_file() else shutil.which("oxigraph")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_oxigraph(location: Path) -> Iterator[str]:
    """`oxigraph serve` on a free loopback port; yields its query URL and stops it at the end."""
    binary = oxigraph_binary()
    require("the oxigraph server (pip install oxigraph)", binary)
    assert binary
    port = free_port()
    log = (location.parent / f"{location.name}.log").open("wb")
    proc = subprocess.Popen([binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/query"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    require(f"a running oxigraph server (see {log.name})", False)
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Oxigraph SPARQL server for the session; the value is its query URL."""
    with running_oxigraph(tmp_path_factory.mktemp("oxigraph-server") / "data") as url:
        yield url


VIRTUOSO_ENV = "TECH_GRAPH_TEST_VIRTUOSO"  # a sparql: spec; .ci/run starts one server for the whole run


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Virtuoso (Debian's virtuoso-opensource) for the session; the value is its sparql: spec.

    The one .ci/run started if it says so in $TECH_GRAPH_TEST_VIRTUOSO, else our own on free ports.
    """
    started = os.environ.get(VIRTUOSO_ENV)
    if started:
        yield started.removeprefix("sparql:")
        return
    require("Debian's virtuoso-opensource (virtuoso-t and isql-vt)", virtuoso.binary() and virtuoso.isql())
    with virtuoso.running(tmp_path_factory.mktemp("virtuoso")) as spec:
        yield spec


@pytest.fixture(scope="session")
def disk_store(tmp_path_factory: pytest.TempPathFactory) -> OxigraphStore:
    """The bundled graph in an oxigraph:PATH store, loaded the way `tech-graph load` does."""
    path = tmp_path_factory.mktemp("disk-store") / "tech.db"
    load_disk_store(path, bundled_sources())
    return open_disk_store(path)


@pytest.fixture(scope="session")
def server_store(oxigraph_server: str) -> SparqlStore:
    """The bundled graph uploaded to the session's Oxigraph server."""
    store = SparqlStore(Endpoints.parse(oxigraph_server), f"sparql:{oxigraph_server}")
    store.load(bundled_sources())
    return store


@pytest.fixture(scope="session")
def virtuoso_store(virtuoso_server: str) -> SparqlStore:
    """The bundled graph uploaded to the session's Virtuoso."""
    store = SparqlStore(Endpoints.parse(virtuoso_server), f"sparql:{virtuoso_server}")
    store.load(bundled_sources())
    return store


SERVERS = [pytest.param("sparql", marks=pytest.mark.server), pytest.param("virtuoso", marks=pytest.mark.server)]


# Where Virtuoso 7.2.5 gives other answers than the memory store, and why (`check-store` shows each
# cause in one line; README "Other servers"). Keys are test names, then the parameters without
# "virtuoso-"; entries are non-strict xfails. It is empty: the named queries now avoid the last two
# differences themselves, GROUP_CONCAT of tagged labels (plain on Virtuoso, as SPARQL 1.1 section
# 18.5.1.7 says, tagged on Oxigraph: they concatenate STR(?label)) and a computed boolean (Virtuoso
# returns BIND (true AS ?x) as the integer 1: they bind a string and test whether it is bound).
VIRTUOSO_WRONG: dict[str, dict[str, str]] = {}


def virtuoso_wrong(node: pytest.Item) -> str | None:
    """Why Virtuoso answers this test differently, if it is a known case."""
    name, _, params = node.name.partition("[")
    params = params.rstrip("]").removeprefix("virtuoso").removeprefix("-")
    return VIRTUOSO_WRONG.get(name, {}).get(params)


@pytest.fixture(params=["memory", "oxigraph", *SERVERS])
def any_store(request: pytest.FixtureRequest) -> Store:
    """Each kind of store, holding the bundled graph; tests using it run once per kind."""
    name = {"memory": "store", "oxigraph": "disk_store", "sparql": "server_store",
            "virtuoso": "virtuoso_store"}[request.param]
    if request.param == "virtuoso" and (reason := virtuoso_wrong(request.node)):
        request.applymarker(pytest.mark.xfail(strict=False, reason=reason))
    store = request.getfixturevalue(name)
    assert isinstance(store, Store)
    return store


def fetch(url: str, data: bytes | None = None, headers: dict[str, str] | None = None,
          method: str | None = None) -> tuple[int, Any, bytes]:
    """(status, headers, body) for any status, the way curl shows it."""
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()
