"""`tech-graph validate` passes on the shipped graph and fails, clearly, on broken copies of it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tech_graph.cli import cli

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A private copy of graph/ and ontology/, to break on purpose."""
    for folder in ("graph", "ontology"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, start: str) -> int:
    """The 1-based number of the first line of `path` that starts with `start`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.startswith(start))


def validate(runner: CliRunner, home: Path | None = None, *args: str) -> tuple[int, str]:
    env = {"TECH_GRAPH_HOME": str(home)} if home else {}
    result = runner.invoke(cli, ["validate", *args], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_shipped_graph_is_valid(runner: CliRunner) -> None:
    code, out = validate(runner)
    assert code == 0, out
    assert out.startswith("ok:")


def test_broken_quote(runner: CliRunner, copy: Path) -> None:
    edit(copy / "graph" / "sources.ttl", "Between December 24th and 28th", "Between December 25th and 28th")
    code, out = validate(runner, copy)
    assert code == 1
    lines = [line for line in out.splitlines() if "quote-in-source" in line]
    assert len(lines) == 1
    assert re.match(r"^\S*graph/sources\.ttl:\d+: tgr:q-\S+: \[quote-in-source\] quote does not occur", lines[0])


def test_missing_actor(runner: CliRunner, copy: Path) -> None:
    edit(copy / "graph" / "events.ttl", "    tg:hasRegulator tgr:samr ;\n    tg:hasTarget tgr:alibaba ;\n", "")
    code, out = validate(runner, copy)
    assert code == 1
    (line,) = [line for line in out.splitlines() if "tgr:samr-alibaba-investigation" in line]
    assert f"graph/events.ttl:{line_of(copy / 'graph' / 'events.ttl', 'tgr:samr-alibaba-investigation a')}:" in line
    assert "at least one actor" in line


def test_wrong_datatype(runner: CliRunner, copy: Path) -> None:
    edit(copy / "graph" / "events.ttl", 'sem:hasTimeStamp "2020-11-03"^^xsd:date', 'sem:hasTimeStamp "2020-11-03"')
    code, out = validate(runner, copy)
    assert code == 1
    (line,) = [line for line in out.splitlines() if "TimeStamp" in line]
    assert "tgr:ant-ipo-suspension" in line and "graph/events.ttl:" in line
    assert "xsd:date, xsd:gYearMonth, xsd:gYear" in line


def test_undescribed_iri(runner: CliRunner, copy: Path) -> None:
    edit(copy / "graph" / "events.ttl", "tg:hasTarget tgr:alibaba ;", "tg:hasTarget tgr:alibabba ;")
    code, out = validate(runner, copy)
    assert code == 1
    assert "tgr:alibabba: [described] is used but never described" in out


def test_malformed_turtle_names_file_and_line(runner: CliRunner, copy: Path) -> None:
    edit(copy / "graph" / "events.ttl", "tg:hasTarget tgr:alibaba ;", "tg:hasTarget tgr:alibaba ;;; ]")
    code, out = validate(runner, copy)
    assert code == 2
    number = line_of(copy / "graph" / "events.ttl", "    tg:hasTarget tgr:alibaba ;;; ]")
    assert re.match(rf"^error: \S*graph/events\.ttl:{number}:\d+: invalid Turtle: .+", out), out
    assert "Traceback" not in out
