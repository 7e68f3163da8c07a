"""The README documents every command, and its first screen keeps the two set-up commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from tech_graph.cli import cli
from tech_graph.query import named_queries

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_is_in_the_readme(command: str) -> None:
    assert f"$ tech-graph {command}" in README, f"README has no `$ tech-graph {command}` example"


def test_first_screen_has_the_two_setup_commands() -> None:
    first_screen = "\n".join(README.splitlines()[:30])
    assert "python3 bootstrap.py\n" in first_screen or "python3 bootstrap.py " in first_screen
    assert "python3 bootstrap.py test" in first_screen


def test_named_queries_are_listed() -> None:
    for name in named_queries():
        assert name in README, f"named query {name} is not in the README"
