"""`--data PATH`: the user's own RDF files join the graph for query, timeline, render, export and validate."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner, Result

from tech_graph.cli import cli
from tech_graph.namespaces import GRAPH_USER, PREFIXES

LABEL = "User event: an audit reported by another article"
USER_EVENT = f"""\
@prefix tg: <https://w3id.org/tech-graph/ontology#> .
@prefix tgr: <https://w3id.org/tech-graph/id/> .
@prefix sem: <http://semanticweb.cs.vu.nl/2009/11/sem/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix schema: <https://schema.org/> .

tgr:user-audit a tg:Investigation ;
    rdfs:label "{LABEL}"@en ;
    tg:hasRegulator tgr:samr ;
    tg:hasTarget tgr:alibaba ;
    tg:status tg:Completed ;
    sem:hasTimeStamp "2021-03-12"^^xsd:date ;
    tg:dateDerivedFrom tgr:user-source ;
    prov:wasDerivedFrom tgr:user-quote .

tgr:user-quote a tg:Excerpt ;
    rdfs:label "Excerpt from the user's article"@en ;
    prov:value "Regulators audited the company." ;
    prov:wasQuotedFrom tgr:user-source .

tgr:user-source a tg:BackgroundSource ;
    rdfs:label "Another article"@en ;
    dcterms:title "Another article" ;
    schema:publisher "Example News" ;
    schema:url <https://example.org/another-article> ;
    schema:datePublished "2021-03-13"^^xsd:date .
"""

# Two problems on purpose: an event with no source, and a typed node with no label.
BAD_EVENT = """\
@prefix tg: <https://w3id.org/tech-graph/ontology#> .
@prefix tgr: <https://w3id.org/tech-graph/id/> .
@prefix sem: <http://semanticweb.cs.vu.nl/2009/11/sem/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

tgr:user-unsourced a tg:Investigation ;
    rdfs:label "Unsourced investigation"@en ;
    tg:hasRegulator tgr:samr ;
    sem:hasTimeStamp "2021-05"^^xsd:gYearMonth .

tgr:user-nameless a tg:Company .
"""


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(params=["ttl", "nt", "jsonld", "rdf"])
def user_file(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """The same user event in Turtle, N-Triples, JSON-LD and RDF/XML."""
    triples = [q.triple for q in ox.parse(USER_EVENT.encode(), format=ox.RdfFormat.TURTLE)]
    formats = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
               "rdf": ox.RdfFormat.RDF_XML}
    path = tmp_path / f"user-events.{request.param}"
    path.write_bytes(ox.serialize(triples, format=formats[request.param], prefixes=PREFIXES) or b"")
    return path


QUERY = "SELECT ?label WHERE { tgr:user-audit rdfs:label ?label }"


def test_query_sees_the_user_file_as_a_global_and_a_command_option(user_file: Path) -> None:
    for args in (["--data", str(user_file), "query", QUERY], ["query", QUERY, "--data", str(user_file)]):
        result = invoke(*args, "--format", "csv")
        assert result.exit_code == 0, result.output
        assert LABEL in result.stdout


def test_without_data_the_event_is_absent() -> None:
    result = invoke("query", QUERY, "--format", "csv")
    assert result.exit_code == 0
    assert LABEL not in result.stdout


def test_timeline_shows_the_user_event(user_file: Path) -> None:
    result = invoke("timeline", "--data", str(user_file), "--format", "csv")
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if LABEL in line)
    assert "12 Mar 2021" in line


def test_render_includes_the_user_event(tmp_path: Path, user_file: Path) -> None:
    if "render" not in cli.commands:  # type: ignore[attr-defined]
        pytest.skip("the render command is written by another helper")
    out = tmp_path / "network.html"
    result = invoke("render", "--data", str(user_file), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert LABEL in out.read_text(encoding="utf-8")


def test_export_puts_the_user_file_in_its_named_graph(user_file: Path) -> None:
    result = invoke("export", "--data", str(user_file), "-f", "nq")
    assert result.exit_code == 0, result.output
    quads = list(ox.parse(result.stdout_bytes, format=ox.RdfFormat.N_QUADS))
    expected = {q.triple for q in ox.parse(USER_EVENT.encode(), format=ox.RdfFormat.TURTLE)}
    assert {q.triple for q in quads if q.graph_name.value == GRAPH_USER} == expected


def test_export_keeps_the_users_own_named_graphs(tmp_path: Path) -> None:
    trig = tmp_path / "mine.trig"
    trig.write_text("<http://example.org/g1> { <http://example.org/a> <http://example.org/b> \"c\" . }\n")
    for fmt in ("nq", "trig"):
        result = invoke("export", "--data", str(trig), "-f", fmt)
        assert result.exit_code == 0, result.output
        kind = ox.RdfFormat.N_QUADS if fmt == "nq" else ox.RdfFormat.TRIG
        graphs = {q.graph_name.value for q in ox.parse(result.stdout_bytes, format=kind)}
        assert "http://example.org/g1" in graphs


def test_export_events_table_includes_the_user_event(user_file: Path) -> None:
    result = invoke("--data", str(user_file), "export", "-f", "events-csv")
    assert result.exit_code == 0, result.output
    assert LABEL in result.stdout


def test_validate_names_the_user_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("extra.ttl").write_text(BAD_EVENT, encoding="utf-8")
    result = invoke("validate", "--data", "extra.ttl")
    assert result.exit_code == 1
    ours = [line for line in result.stdout.splitlines() if line.startswith("extra.ttl:")]
    unsourced = [line for line in ours if "tgr:user-unsourced" in line]
    nameless = [line for line in ours if "tgr:user-nameless" in line]
    assert unsourced and all(line.startswith("extra.ttl:7:") for line in unsourced), ours
    assert nameless and nameless[0].startswith("extra.ttl:12:"), ours


def test_validate_finds_nothing_wrong_in_a_good_user_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("good.ttl").write_text(USER_EVENT, encoding="utf-8")
    result = invoke("validate", "--data", "good.ttl")
    assert not [line for line in result.stdout.splitlines() if line.startswith("good.ttl")], result.stdout


@pytest.mark.parametrize("command", [["query", QUERY], ["timeline"], ["render"], ["export"], ["validate"]])
def test_a_broken_user_file_stops_every_command(tmp_path: Path, command: list[str]) -> None:
    bad = tmp_path / "broken.ttl"
    bad.write_text('@prefix ex: <http://example.org/> .\n\nex:a ex:b "no end .\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["--data", str(bad), *command])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {bad}:3") and result.stderr.count("\n") == 1, result.stderr
