"""Every command gives the same bytes on memory, oxigraph:PATH and two real SPARQL servers (Oxigraph, Virtuoso).

The named queries are compared in tests/test_store.py (test_named_queries_agree_with_memory).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tech_graph.cli import cli
from tech_graph.export import EXPORTERS
from tech_graph.store import Store

TIMELINES = [
    ["timeline", "--format", "json"],
    ["timeline", "--format", "csv", "--actor", "Alibaba"],
    ["timeline", "--format", "csv", "--from", "2020-11", "--to", "2021-02"],
    ["timeline", "--format", "csv", "--type", "tg:RegulatoryAction", "--place", "China"],
    ["timeline", "--format", "md", "--as-of", "2020-12-31"],
]


COMMANDS = [
    ["stats"],
    ["central"],
    ["neighbors", "Alibaba"],
    ["path", "Jack Ma", "Tencent Holdings"],
    ["validate"],
    ["query", "--format", "turtle", "CONSTRUCT { ?e rdfs:label ?l } WHERE { ?e a tg:Acquisition ; rdfs:label ?l }"],
    ["query", "--format", "json", "ASK { tgr:alibaba a tg:Company }"],
]


def invoke(runner: CliRunner, spec: str, args: list[str]) -> str:
    result = runner.invoke(cli, ["--store", spec, *args])
    assert result.exit_code == 0, f"{spec} {args}: {result.output}"
    return result.output


@pytest.mark.parametrize("args", TIMELINES, ids=lambda a: " ".join(a[1:]))
def test_timeline_is_the_same(any_store: Store, runner: CliRunner, args: list[str]) -> None:
    mine, reference = invoke(runner, any_store.spec, args), invoke(runner, "memory", args)
    assert mine == reference
    assert mine.count("\n") > 2


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a)[:40])
def test_command_is_the_same(any_store: Store, runner: CliRunner, args: list[str]) -> None:
    mine, reference = invoke(runner, any_store.spec, args), invoke(runner, "memory", args)
    assert mine == reference
    assert mine.strip()


def test_describe_holds_the_resource(any_store: Store, runner: CliRunner) -> None:
    """What DESCRIBE returns is up to the server (SPARQL 1.1, 16.4); each gives at least the resource's own triples."""
    args = ["query", "--format", "nt", "DESCRIBE tgr:alibaba"]
    mine, reference = invoke(runner, any_store.spec, args), invoke(runner, "memory", args)
    assert set(reference.splitlines()) <= set(mine.splitlines()) and reference.count("\n") > 5


def test_timeline_page_is_written(any_store: Store, runner: CliRunner, tmp_path: Path) -> None:
    page = tmp_path / "timeline.html"
    invoke(runner, any_store.spec, ["timeline", "--actor", "Ant Group", "--html", str(page)])
    assert "Ant Group" in page.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(EXPORTERS))
def test_export_is_byte_identical(any_store: Store, runner: CliRunner, tmp_path: Path, name: str) -> None:
    suffix = ".zip" if EXPORTERS[name].multi_file else ""
    mine, reference = tmp_path / f"mine{suffix}", tmp_path / f"reference{suffix}"
    invoke(runner, any_store.spec, ["export", "--format", name, "-o", str(mine)])
    invoke(runner, "memory", ["export", "--format", name, "-o", str(reference)])
    assert mine.read_bytes() == reference.read_bytes()
    assert mine.stat().st_size > 200
