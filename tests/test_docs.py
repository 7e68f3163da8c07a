"""The README documents every command, its first screen keeps the two set-up commands, and its
`$ command` examples print what the README shows."""

from __future__ import annotations

import os
import pty
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tech_graph.cli import cli
from tech_graph.query import named_queries

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


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


# --- The README's `$ command` examples show their real output ------------------------------------

# Examples that need a running server or a tool the README only mentions; everything else runs.
NOT_RUN = ("tech-graph serve", "curl ", "rapper ", "neo4j-admin ", "sparql:")
README_FILES = Path(__file__).resolve().parent / "data" / "readme"  # the files the examples name
ELISION = "..."


@dataclass
class Example:
    line: int  # in README.md
    command: str
    expected: list[str]


def readme_examples() -> list[Example]:
    examples: list[Example] = []
    fenced = plain = False  # inside a code block; one without a language (python, json: not run)
    for number, line in enumerate(README.splitlines(), 1):
        if line.startswith("```"):
            fenced, plain = not fenced, not fenced and line == "```"
            block_start = number
            continue
        if not (fenced and plain):
            continue
        if line.startswith("$ "):
            examples.append(Example(number, line[2:], []))
        elif examples and examples[-1].line > block_start:
            examples[-1].expected.append(line.rstrip())
    for example in examples:
        while example.expected and not example.expected[-1]:
            example.expected.pop()
    return examples


def shown_rows_are_real(expected: list[str], actual: list[str]) -> bool:
    """Equal, except where the README marks what it leaves out with `...`.

    A `...` line stands for rows left out on purpose; each run of shown lines must appear whole
    and in order, so a row dropped silently between two shown rows is caught. A line ending in
    `...` shows the start of a longer line.
    """
    segments: list[list[str]] = [[]]
    for line in expected:
        if line.strip() == ELISION:
            segments.append([])
        else:
            segments[-1].append(line)
    if len(segments) == 1:
        return _lines_match(segments[0], actual)
    first, *middle, last = segments
    tail = actual[len(actual) - len(last):] if last else []
    if not _lines_match(first, actual[: len(first)]) or not _lines_match(last, tail):
        return False
    at = len(first)
    for segment in middle:
        while at <= len(actual) - len(segment) and not _lines_match(segment, actual[at: at + len(segment)]):
            at += 1
        if at > len(actual) - len(segment):
            return False
        at += len(segment)
    return at <= len(actual) - len(last)


def _lines_match(shown: list[str], actual: list[str]) -> bool:
    if len(shown) != len(actual):
        return False
    return all(a == s or (s.endswith(ELISION) and a.startswith(s[: -len(ELISION)]))
               for s, a in zip(shown, actual, strict=True))


def run_on_terminal(command: str, cwd: Path, env: dict[str, str]) -> str:
    """What a user sees: the command's standard output and error on a terminal (tables, not CSV)."""
    primary, secondary = pty.openpty()
    proc = subprocess.Popen(["sh", "-c", command], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=secondary, stderr=secondary)
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # EIO: the terminal's other side closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    proc.wait(timeout=600)
    return b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")


@pytest.fixture(scope="module")
def readme_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[int, list[str]]:
    """Run every example in README order in one folder (later ones read what earlier ones wrote)."""
    # The examples run in a copy of the project (graph, ontology and the files they name), so no example
    # can change ours and the paths `ingest` prints (graph/drafts/...) work in the next example.
    folder = home = tmp_path_factory.mktemp("readme-home")
    for source in README_FILES.iterdir():
        shutil.copy(source, folder / source.name)
    for part in ("graph", "ontology"):
        shutil.copytree(ROOT / part, home / part, ignore=shutil.ignore_patterns("drafts"))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "TECH_GRAPH_PROGRESS": "0", "TECH_GRAPH_HOME": str(home)}
    env.pop("TECH_GRAPH_STORE", None)
    outputs = {}
    for example in readme_examples():
        if any(marker in example.command for marker in NOT_RUN):
            continue
        if example.command.startswith("tech-graph ingest "):
            _take_out_landing(home, example.command)
        text = run_on_terminal(example.command, folder, env)
        outputs[example.line] = [line.rstrip() for line in text.rstrip("\n").splitlines()] if text.strip() else []
    return outputs


def _take_out_landing(home: Path, command: str) -> None:
    """The README lands a shipped source step by step: the copy starts without that landing, which the
    example's `accept` puts back (tests/test_ingest.py checks that it gives the same file)."""
    from tech_graph.articles import slug

    words = shlex.split(command)
    title = words[words.index("--title") + 1]
    (home / "graph" / f"{slug(title)}.ttl").unlink(missing_ok=True)


@pytest.mark.parametrize("example", readme_examples(), ids=lambda e: f"README.md:{e.line}")
def test_readme_output_is_real(example: Example, readme_runs: dict[int, list[str]]) -> None:
    if example.line not in readme_runs:
        pytest.skip(f"needs a server or a tool the README only mentions: {example.command}")
    actual = readme_runs[example.line]
    assert shown_rows_are_real(example.expected, actual), (
        f"README.md:{example.line}: `$ {example.command}` prints\n" + "\n".join(actual))


def test_elision_must_keep_shown_rows_whole() -> None:
    rows = ["a", "b", "c", "d"]
    assert shown_rows_are_real(["a", "b", "..."], rows)
    assert shown_rows_are_real(["a", "...", "c", "d"], rows)
    assert not shown_rows_are_real(["a", "c", "..."], rows)  # b dropped silently
    assert not shown_rows_are_real(["a", "b"], rows)
    assert shown_rows_are_real(["a", "b", "c", "d..."], ["a", "b", "c", "dee"])
    assert not shown_rows_are_real(["a", "b", "c", "e..."], ["a", "b", "c", "dee"])
