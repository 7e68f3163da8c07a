"""A real notebook run: `jupyter nbconvert --execute` on tests/notebooks/tech-graph.ipynb in a fresh
kernel, then every output checked: what JupyterLab would show trusted and untrusted, and the text."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from typing import Any

import pytest
from bs4 import BeautifulSoup

from conftest import ROOT, require

NOTEBOOK = ROOT / "tests" / "notebooks" / "tech-graph.ipynb"


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    try:
        import ipykernel
        import nbconvert
    except ImportError:
        nbconvert = ipykernel = None
    require("nbconvert and ipykernel (the test extras)", nbconvert and ipykernel)
    out = tmp_path_factory.mktemp("notebook")
    run = subprocess.run([sys.executable, "-m", "nbconvert", "--to", "notebook", "--execute",
                          "--ExecutePreprocessor.timeout=300", "--ExecutePreprocessor.kernel_name=python3",
                          "--output-dir", str(out), str(NOTEBOOK)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    notebook = json.loads((out / NOTEBOOK.name).read_text(encoding="utf-8"))
    cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    for cell in cells:
        assert not [o for o in cell["outputs"] if o["output_type"] == "error"], cell["outputs"]
    return cells


def result(cell: dict[str, Any]) -> dict[str, str]:
    outputs = [o for o in cell["outputs"] if o["output_type"] == "execute_result"]
    assert len(outputs) == 1, cell["outputs"]
    return {k: "".join(v) if isinstance(v, list) else v for k, v in outputs[0]["data"].items()}


def untrusted_view(markup: str) -> BeautifulSoup:
    """What JupyterLab's sanitizer (packages/apputils/src/sanitizer.ts) keeps: no iframe, no script."""
    soup = BeautifulSoup(markup, "html.parser")
    for tag in soup.find_all(["iframe", "script"]):
        tag.decompose()
    return soup


def test_network_output_is_never_blank(executed: list[dict[str, Any]]) -> None:
    data = result(executed[1])
    assert set(data) == {"text/html", "image/svg+xml", "text/plain"}
    assert data["text/plain"].startswith("<tech-graph network:") and len(data["text/plain"]) < 200
    trusted = BeautifulSoup(data["text/html"], "html.parser")
    frame = trusted.find("iframe")
    assert frame is not None and "graph-data" in str(frame["srcdoc"])
    img = untrusted_view(data["text/html"]).find("img")
    assert img is not None
    svg = base64.b64decode(str(img["src"]).split(",", 1)[1]).decode("utf-8")
    assert svg == data["image/svg+xml"] and svg.count("<circle") > 10


def test_timeline_and_query_outputs_are_tables(executed: list[dict[str, Any]]) -> None:
    events = BeautifulSoup(result(executed[2])["text/html"], "html.parser")
    assert "Alibaba" in events.get_text() and len(events.find_all("tr")) > 2
    as_of = BeautifulSoup(result(executed[3])["text/html"], "html.parser")
    assert len(as_of.find_all("table")) == 2
    companies = result(executed[4])
    table = BeautifulSoup(companies["text/html"], "html.parser")
    assert [th.get_text() for th in table.find_all("th")] == ["company", "label"]
    assert "tgr:alibaba" in table.get_text()
    # text/plain is the terminal table (IPython's _repr_pretty_), not a list of Python objects.
    assert result(executed[2])["text/plain"].startswith("events: ")
    assert result(executed[4])["text/plain"].splitlines()[1].split() == ["company", "label"]
    for cell in executed[2:]:
        assert len(result(cell)["text/plain"]) < 20_000
