"""Every command has a deadline and a memory budget, and Ctrl-C stops it: one line, no traceback.

The commands run as the user runs them, in a fresh process: a test process with threads (servers,
disk stores opened by other tests) runs commands in place, since forking it would be unsafe.
"""

from __future__ import annotations

import ast
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from tech_graph.cli import cli
from tech_graph.limits import budget, parse_size

CROSS_JOIN = "SELECT (COUNT(*) AS ?n) {?a ?b ?c . ?d ?e ?f . ?g ?h ?i}"
ENTRY = [sys.executable, "-c", "from tech_graph.cli import main; main()"]


@dataclass
class Run:
    exit_code: int
    output: str


def tech_graph(args: list[str], env: dict[str, str] | None = None, input: str | None = None) -> Run:
    """`tech-graph ARGS` in a fresh process, standard error after standard output."""
    done = subprocess.run([*ENTRY, *args], input=input, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "TECH_GRAPH_TIMEOUT": "60", **(env or {})})
    return Run(done.returncode, done.stdout + done.stderr)


def one_line(result: object) -> str:
    output = getattr(result, "output", "")
    assert "Traceback" not in output
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    return lines[0]


def test_the_cross_join_stops_at_its_deadline() -> None:
    start = time.monotonic()
    result = tech_graph(["query", "--timeout", "1", CROSS_JOIN])
    assert time.monotonic() - start < 10
    assert result.exit_code == 1
    assert one_line(result) == ("error: the command ran longer than 1 s and was stopped; narrow it (a LIMIT, "
                                "fewer patterns) or raise --timeout / TECH_GRAPH_TIMEOUT")


def test_the_deadline_comes_from_the_environment_too() -> None:
    result = tech_graph(["query", CROSS_JOIN], env={"TECH_GRAPH_TIMEOUT": "0.5"})
    assert result.exit_code == 1
    assert "ran longer than 0.5 s" in one_line(result)
    bad = tech_graph(["query", "ASK {}"], env={"TECH_GRAPH_TIMEOUT": "soon"})
    assert bad.exit_code == 2
    assert one_line(bad) == ("error: TECH_GRAPH_TIMEOUT='soon' is not a number of seconds; "
                             "use e.g. TECH_GRAPH_TIMEOUT=120")


def test_a_10_mb_query_with_a_million_item_in_list_is_bounded(tmp_path: Path) -> None:
    big = tmp_path / "big.rq"
    big.write_text("SELECT * WHERE { ?s ?p ?o FILTER (?o IN (" + ",".join(map(str, range(1_100_000))) + ")) }")
    assert big.stat().st_size > 7_000_000
    start = time.monotonic()
    result = tech_graph(["--timeout", "2", "query", "-f", str(big)])
    assert time.monotonic() - start < 15
    assert result.exit_code == 1
    assert one_line(result).startswith("error: the command ran longer than 2 s")


def billion_laughs(path: Path) -> Path:
    entities = ['<!ENTITY a0 "laughlaughlaughlaugh">'] + [
        f'<!ENTITY a{i} "' + f"&a{i - 1};" * 10 + '">' for i in range(1, 9)]
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n' + "\n".join(entities) + "]>\n"
                    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                    'xmlns:ex="http://example.org/">\n<rdf:Description rdf:about="http://example.org/x">'
                    "<ex:p>&a8;</ex:p></rdf:Description>\n</rdf:RDF>\n")
    return path


def test_a_billion_laughs_file_is_stopped_by_the_memory_budget(tmp_path: Path) -> None:
    laughs = billion_laughs(tmp_path / "laughs.rdf")
    assert laughs.stat().st_size < 1024
    result = tech_graph(["query", "--max-memory", "500M", "--data", str(laughs), "ASK {}"])
    # Refused at the parse (external and internal entities are refused in load.py) or stopped by the budget.
    assert result.exit_code in (1, 2)
    line = one_line(result)
    assert line.startswith("error: ")
    assert "memory allocation" not in line


def test_a_memory_bomb_query_is_one_line() -> None:
    bomb = ('SELECT ?x WHERE { BIND("0123456789abcdef" AS ?x0) '
            + " ".join(f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(30)) + " BIND(STRLEN(?x30) AS ?x) }")
    result = tech_graph(["query", "--max-memory", "300M", bomb])
    assert result.exit_code == 1
    assert one_line(result) == ("error: the command needed more than 300M of memory and was stopped; narrow it "
                                "or raise --max-memory / TECH_GRAPH_MAX_MEMORY")


def test_output_errors_and_exit_codes_come_back_from_the_child() -> None:
    ok = tech_graph(["query", "--format", "csv", "SELECT ?c WHERE { ?c a tg:Company } ORDER BY ?c LIMIT 2"])
    assert ok.exit_code == 0
    assert ok.output.splitlines()[0] == "c"
    bad = tech_graph(["query", "SELECT ?x WHERE {"])
    assert bad.exit_code == 2
    assert one_line(bad).startswith("error: SPARQL syntax error in the query argument")
    stdin = tech_graph(["query"], input="ASK { ?s ?p ?o }")
    assert stdin.output == "true\n"


RELAY = """
from click.testing import CliRunner
from tech_graph.cli import cli
runner = CliRunner()
ok = runner.invoke(cli, ["query", "--format", "csv", "SELECT ?c WHERE { ?c a tg:Company } ORDER BY ?c LIMIT 1"])
bad = runner.invoke(cli, ["query", "--timeout", "0.5", "SELECT (COUNT(*) AS ?n) {?a ?b ?c . ?d ?e ?f . ?g ?h ?i}"])
stdin = runner.invoke(cli, ["query"], input="ASK { ?s ?p ?o }")
print(repr((ok.exit_code, ok.output, bad.exit_code, bad.output, stdin.output)))
"""


def test_click_s_test_runner_sees_what_the_child_writes() -> None:
    """CliRunner swaps sys.stdout for a buffer in its own process; the child's output is relayed into it."""
    done = subprocess.run([sys.executable, "-c", RELAY], capture_output=True, text=True, timeout=120)
    ok_code, ok_out, bad_code, bad_out, stdin_out = ast.literal_eval(done.stdout)
    assert (ok_code, ok_out) == (0, "c\nhttps://w3id.org/tech-graph/id/alibaba\n")
    assert bad_code == 1 and bad_out.startswith("error: the command ran longer than 0.5 s")
    assert stdin_out == "true\n"


def test_ctrl_c_stops_a_command_within_a_second(tmp_path: Path) -> None:
    proc = subprocess.Popen([*ENTRY, "query", CROSS_JOIN], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "TECH_GRAPH_TIMEOUT": "120"})
    time.sleep(2)  # it is computing now
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=30)
    assert time.monotonic() - sent < 1.0
    assert proc.returncode == 130
    assert err.decode().strip() == "error: interrupted"


@pytest.mark.parametrize(("text", "size"), [("4G", 4 << 30), ("512M", 512 << 20), ("1.5G", 3 << 29), ("1000", 1000),
                                            ("2gb", 2 << 30)])
def test_memory_sizes(text: str, size: int) -> None:
    assert parse_size(text) == size


def test_defaults_options_and_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TECH_GRAPH_TIMEOUT", raising=False)
    monkeypatch.delenv("TECH_GRAPH_MAX_MEMORY", raising=False)
    assert budget() == budget(600, "4G")
    assert budget(serve=True).timeout == 10
    monkeypatch.setenv("TECH_GRAPH_MAX_MEMORY", "2G")
    assert budget(serve=True).memory == 2 << 30
    assert budget(given_memory="1G").memory == 1 << 30


def test_help_shows_the_limits(runner: CliRunner) -> None:
    text = runner.invoke(cli, ["query", "--help"]).output
    assert "--timeout" in text and "--max-memory" in text
    serve = runner.invoke(cli, ["serve", "--help"]).output
    for option in ("--timeout", "--max-memory", "--workers", "--queue-wait", "--max-rows"):
        assert option in serve


def test_serve_refuses_data_that_does_not_fit_the_budget(tmp_path: Path) -> None:
    """The server loads --data in its own process, so a child first proves the parse fits."""
    laughs = billion_laughs(tmp_path / "laughs.rdf")
    result = tech_graph(["serve", "--port", "0", "--max-memory", "300M", "--data", str(laughs)])
    assert result.exit_code in (1, 2)
    assert one_line(result).startswith("error: ")
