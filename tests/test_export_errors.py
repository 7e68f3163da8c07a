"""Bad input to `tech-graph export`: one line, non-zero exit, no half-written file; tables; a broken pipe."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tech_graph.actors import members
from tech_graph.cli import cli
from tech_graph.export import EXPORTERS
from tech_graph.namespaces import TG
from tech_graph.store import memory_store
from tech_graph.timeline import events


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def one_error_line(result: Result) -> str:
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    return lines[0]


def test_unknown_format_lists_the_formats() -> None:
    line = one_error_line(invoke("export", "--format", "turtel"))
    assert "did you mean turtle" in line
    for name in EXPORTERS:
        assert name in line


def test_unknown_suffix_asks_for_a_format(tmp_path: Path) -> None:
    out = tmp_path / "graph.xyz"
    line = one_error_line(invoke("export", "-o", str(out)))
    assert "--format" in line and "graph.xyz" in line
    assert not out.exists()


def test_ambiguous_suffix_names_the_candidates(tmp_path: Path) -> None:
    line = one_error_line(invoke("export", "-o", str(tmp_path / "t.csv")))
    assert "events-csv" in line and "actors-csv" in line


def test_unreadable_data_file_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "broken.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e \"unterminated .\n")
    out = tmp_path / "out.ttl"
    line = one_error_line(invoke("export", "--data", str(bad), "-o", str(out)))
    assert f"{bad}:3" in line
    assert not out.exists()


def test_missing_data_file(tmp_path: Path) -> None:
    line = one_error_line(invoke("--data", str(tmp_path / "nope.ttl"), "export"))
    assert "nope.ttl" in line and "no such file" in line


def test_failed_export_keeps_the_old_file_and_leaves_no_temp(tmp_path: Path) -> None:
    out = tmp_path / "out.nt"
    out.write_text("previous export\n")
    bad = tmp_path / "broken.nt"
    bad.write_text("<http://example.org/a> <http://example.org/b> .\n")
    one_error_line(invoke("export", "--data", str(bad), "-o", str(out)))
    assert out.read_text() == "previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.nt", "out.nt"]


@pytest.mark.parametrize("where", ["missing-folder/out.ttl", "a-folder"])
def test_unwritable_output(tmp_path: Path, where: str) -> None:
    (tmp_path / "a-folder").mkdir()
    line = one_error_line(invoke("export", "-f", "turtle", "-o", str(tmp_path / where)))
    assert "cannot write" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-folder"]
    assert list((tmp_path / "a-folder").iterdir()) == []


def test_neo4j_needs_a_folder_or_zip(tmp_path: Path) -> None:
    line = one_error_line(invoke("export", "-f", "neo4j"))
    assert "-o FOLDER" in line
    afile = tmp_path / "afile"
    afile.write_text("x")
    assert "it is a file" in one_error_line(invoke("export", "-f", "neo4j", "-o", str(afile)))


def test_graph_options_that_exclude_each_other() -> None:
    assert "exclude each other" in one_error_line(invoke("export", "--include-ontology", "--data-only"))
    assert "not an RDF format" in one_error_line(invoke("export", "-f", "actors-csv", "--include-ontology"))
    assert "--until" in one_error_line(invoke("export", "-f", "graphml", "--until", "soon"))


def test_broken_pipe_ends_quietly() -> None:
    """`tech-graph export -f nt | head -n 1` with a real pipe: no traceback, exit 0."""
    script = "from tech_graph.cli import main; main()"
    command = f"set -o pipefail; '{sys.executable}' -c '{script}' export -f nt | head -n 1"
    run = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    assert run.stdout.startswith("<https://w3id.org/tech-graph/id/") and run.stdout.count("\n") == 1


# -- tables ---------------------------------------------------------------------------------------


def rows(result: Result, delimiter: str) -> list[dict[str, str]]:
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout), delimiter=delimiter))


@pytest.mark.parametrize("kind,delimiter", [("csv", ","), ("tsv", "\t")])
def test_events_table_has_one_row_per_event(kind: str, delimiter: str) -> None:
    table = rows(invoke("export", "-f", f"events-{kind}"), delimiter)
    expected = events(memory_store())
    assert len(table) == len(expected)
    assert {"date", "actors", "source"} <= set(table[0])
    assert [r["iri"] for r in table] == [e.iri for e in expected]


@pytest.mark.parametrize("kind,delimiter", [("csv", ","), ("tsv", "\t")])
def test_actors_table_has_one_row_per_actor(kind: str, delimiter: str) -> None:
    table = rows(invoke("export", "-f", f"actors-{kind}"), delimiter)
    actors = {iri for iri, _names in members(memory_store(), TG + "Actor")}
    assert sorted(r["iri"] for r in table) == sorted(actors)
    assert all(r["label"] and r["class"].startswith("tg:") for r in table)
