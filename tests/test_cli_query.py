"""`tech-graph query`, `queries` and `stats` as a user meets them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyoxigraph as ox
from click.testing import CliRunner

from tech_graph.cli import cli

IPO = "SELECT ?e WHERE { ?e a tg:IPOSuspension }"


def invoke(runner: CliRunner, *args: str, input: str | None = None) -> tuple[int, str]:
    result = runner.invoke(cli, list(args), input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_query_argument_csv(runner: CliRunner) -> None:
    code, out = invoke(runner, "query", IPO, "--format", "csv")
    assert code == 0
    assert list(csv.reader(io.StringIO(out))) == [["e"], ["https://w3id.org/tech-graph/id/ant-ipo-suspension"]]


def test_query_from_file_stdin_and_name_agree(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "q.rq").write_text(IPO)
    outputs = {
        invoke(runner, "query", "-f", str(tmp_path / "q.rq"), "--format", "csv")[1],
        invoke(runner, "query", "--format", "csv", input=IPO)[1],
        invoke(runner, "query", "-", "--format", "csv", input=IPO)[1],
    }
    assert len(outputs) == 1
    code, out = invoke(runner, "query", "--name", "acquisitions", "--format", "csv")
    assert code == 0 and "Instagram" in out


def test_json_is_sparql_results_json(runner: CliRunner) -> None:
    _code, out = invoke(runner, "query", "--name", "value-losses", "--format", "json")
    doc = json.loads(out)
    assert "company" in doc["head"]["vars"]
    alibaba = next(b for b in doc["results"]["bindings"] if b["companyLabel"]["value"] == "Alibaba")
    assert alibaba["amount"] == {"type": "literal", "value": "-91000000000",
                                 "datatype": "http://www.w3.org/2001/XMLSchema#integer"}
    # pyoxigraph parses what we wrote as standard results.
    parsed = ox.parse_query_results(out.encode(), ox.QueryResultsFormat.JSON)
    assert isinstance(parsed, ox.QuerySolutions) and len(list(parsed)) == len(doc["results"]["bindings"])


def test_tsv_parses_as_sparql_tsv(runner: CliRunner) -> None:
    _code, out = invoke(runner, "query", "--name", "acquisitions", "--format", "tsv")
    parsed = ox.parse_query_results(out.encode(), ox.QueryResultsFormat.TSV)
    assert isinstance(parsed, ox.QuerySolutions) and len(list(parsed)) == 2


def test_table_and_markdown(runner: CliRunner) -> None:
    _code, out = invoke(runner, "query", "--name", "acquisitions", "--format", "table")
    header, rule, *body = out.splitlines()
    assert header.split()[:4] == ["date", "event", "eventLabel", "acquirer"] and set(rule) <= {"-", " "}
    assert len(body) == 2
    _code, md = invoke(runner, "query", "--name", "acquisitions", "--format", "md")
    assert md.splitlines()[0].startswith("| date | event | eventLabel |") and md.splitlines()[1].startswith("|---|")


def test_ask_and_construct(runner: CliRunner) -> None:
    assert invoke(runner, "query", "ASK { tgr:ant-ipo-suspension a tg:IPOSuspension }")[1] == "true\n"
    code, out = invoke(runner, "query", "CONSTRUCT { ?e rdfs:label ?l } WHERE { ?e a tg:Acquisition ; rdfs:label ?l }")
    triples = list(ox.parse(out.encode(), ox.RdfFormat.TURTLE))
    assert len(triples) == 4  # Facebook's two, and the two the Musical.ly and StayNTouch orders state
    code, nt = invoke(runner, "query", "DESCRIBE tgr:ant-ipo-suspension", "--format", "nt")
    assert code == 0 and len(list(ox.parse(nt.encode(), ox.RdfFormat.N_TRIPLES))) > 5


def test_output_file(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    code, out = invoke(runner, "query", IPO, "--format", "csv", "-o", str(target))
    assert code == 0 and out == "" and target.read_bytes().startswith(b"e\r\n")
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"], "no temp files left behind"


def test_malformed_sparql_is_one_line_with_position(runner: CliRunner) -> None:
    code, out = invoke(runner, "query", "SELECT ?x WHERE {\n  ?x ?y \n}")
    assert code == 2
    assert out.count("\n") == 1
    assert out.startswith("error: SPARQL syntax error in the query argument at line 3, column 1:")


def test_unknown_named_query_suggests(runner: CliRunner) -> None:
    code, out = invoke(runner, "query", "--name", "acquisition")
    assert code == 2 and out == "error: unknown named query 'acquisition'; did you mean acquisitions?\n"


def test_bad_format_and_conflicting_inputs(runner: CliRunner) -> None:
    code, out = invoke(runner, "query", IPO, "--format", "xlsx")
    assert code == 2 and "use one of table, csv, tsv, json, md" in out
    code, out = invoke(runner, "query", IPO, "--name", "claims")
    assert code == 2 and "one way only" in out


def test_unwritable_output(runner: CliRunner, tmp_path: Path) -> None:
    code, out = invoke(runner, "query", IPO, "-o", str(tmp_path / "missing" / "x.csv"))
    assert code == 2 and "does not exist" in out


def test_queries_lists_every_named_query(runner: CliRunner) -> None:
    from tech_graph.query import named_queries

    code, out = invoke(runner, "queries")
    assert code == 0
    for name, q in named_queries().items():
        assert f"{name}  " in out and q.title[:40] in out


def test_stats(runner: CliRunner) -> None:
    code, out = invoke(runner, "stats")
    assert code == 0
    assert "Nodes by class" in out and "Events per year" in out and "Actors by degree" in out
    assert "tgr:ant-group" in out


def test_stats_and_central_mean_the_same_degree_and_links(runner: CliRunner) -> None:
    """One meaning of degree (distinct neighbouring actors) and of links, in both commands."""
    stats = runner.invoke(cli, ["stats"]).output.split("Actors by degree\n", 1)[1]
    central = runner.invoke(cli, ["central", "--top", "50"]).output

    def numbers(text: str, label: str) -> list[str]:
        line = next(line for line in text.splitlines() if f" {label} " in line)
        return line.split()[-2:]

    assert stats.splitlines()[0].split()[-2:] == ["degree", "links"]
    for actor in ("Ant Group", "ByteDance", "Jack Ma"):
        assert numbers(stats, actor) == numbers(central, actor)
    assert "distinct neighbouring actors" in runner.invoke(cli, ["central", "--help"]).output
    assert "distinct neighbours" in runner.invoke(cli, ["stats", "--help"]).output


def test_timeline_without_matches_says_so(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["timeline", "--from", "1990", "--to", "1991"])
    assert result.exit_code == 0
    assert result.stdout == "" and result.stderr == "no events match\n"
    # Machine formats still get their (empty) document.
    result = runner.invoke(cli, ["timeline", "--actor", "Alibaba", "--to", "1990", "--format", "json"])
    assert result.exit_code == 0 and result.stderr == "no events match\n" and result.stdout.strip()


def test_click_usage_errors_are_one_line(runner: CliRunner) -> None:
    code, out = invoke(runner, "render", "--view", "foo")
    assert code == 2
    assert out == "error: Invalid value for '--view': 'foo' is not one of 'actors', 'events'; see 'cli render --help'\n"
    code, out = invoke(runner, "query", "--bogus")
    assert code == 2 and out.count("\n") == 1 and out.startswith("error: No such option '--bogus'")
