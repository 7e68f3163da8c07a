"""Synthetic graphs: our shape, our shapes, and the same bytes for the same seed."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from tech_graph.cli import cli
from tech_graph.load import ontology_path, shapes_path, user_sources
from tech_graph.namespaces import SCHEMA, SEM, TG, XSD
from tech_graph.store import Select, memory_store
from tech_graph.synth import EVENT_KINDS, synth_ntriples


@pytest.fixture(scope="module")
def small() -> bytes:
    return synth_ntriples(3000, seed=7)


def graph_of(data: bytes) -> ox.Store:
    store = ox.Store()
    store.load(data, ox.RdfFormat.N_TRIPLES)
    return store


def test_same_seed_same_bytes_other_seed_other_bytes(small: bytes) -> None:
    assert synth_ntriples(3000, seed=7) == small
    assert synth_ntriples(3000, seed=8) != small


@pytest.mark.parametrize("size", [100, 3000, 20000])
def test_about_the_asked_number_of_triples(size: int) -> None:
    data = synth_ntriples(size, seed=1)
    lines = data.count(b"\n")
    assert size <= lines <= size * 1.05 + 400
    assert len(graph_of(data)) == lines  # valid N-Triples, no duplicate lines


def test_our_shape(small: bytes) -> None:
    store = graph_of(small)

    def values(query: str) -> set[str]:
        result = store.query(query)
        assert isinstance(result, ox.QuerySolutions)
        return {sol[0].value for sol in result}

    classes = values("SELECT DISTINCT ?c WHERE { ?x a ?c }")
    assert {TG + k.cls for k in EVENT_KINDS} <= classes
    assert {TG + "Company", TG + "Regulator", TG + "Person", TG + "Platform", TG + "Country", TG + "Excerpt",
            TG + "Article", TG + "Ownership", TG + "Stake", SCHEMA + "MonetaryAmount"} <= classes
    datatypes = values(f"SELECT DISTINCT (DATATYPE(?t) AS ?d) WHERE {{ ?e <{SEM}hasTimeStamp> ?t }}")
    assert datatypes == {XSD + "date", XSD + "gYearMonth", XSD + "gYear"}
    assert values(f"SELECT ?e WHERE {{ ?e <{SEM}hasEndTimeStamp> ?t }}")
    assert values(f"SELECT ?r WHERE {{ ?r a <{TG}Ownership> ; <{SEM}hasBeginTimeStamp> ?t }}")


def test_passes_the_shapes_with_the_ontology(small: bytes) -> None:
    import pyshacl
    import rdflib

    data = rdflib.Graph()
    data.parse(data=small, format="nt")
    data.parse(ontology_path(), format="turtle")
    shapes = rdflib.Graph().parse(shapes_path(), format="turtle")
    conforms, _, text = pyshacl.validate(data, shacl_graph=shapes, advanced=True, inference="none")
    assert conforms, text


def test_cli_synth_then_every_command_runs_on_it(tmp_path: Path, runner: CliRunner) -> None:
    out = tmp_path / "synth.nt"
    made = runner.invoke(cli, ["synth", "--triples", "2000", "--seed", "3", "-o", str(out)])
    assert made.exit_code == 0, made.output
    assert out.read_bytes() == synth_ntriples(2000, seed=3)
    stats = runner.invoke(cli, ["--data", str(out), "stats"])
    assert stats.exit_code == 0, stats.output
    assert "tg:Excerpt" in stats.output
    # validate: the shapes pass; only the invented article's text cannot be found
    checked = runner.invoke(cli, ["--data", str(out), "validate"])
    problems = [line for line in checked.output.splitlines() if line.strip() and "problem(s) found" not in line]
    assert problems and all("[quote-in-source]" in line for line in problems), checked.output


def test_actor_timeline_query_finds_events(tmp_path: Path) -> None:
    path = tmp_path / "s.nt"
    path.write_bytes(synth_ntriples(5000, seed=2))
    store = memory_store(user_sources([path]))
    result = store.query("""
        SELECT ?event WHERE { ?event ?role tgr:synth-company-0 . ?role rdfs:subPropertyOf* sem:hasActor }""")
    assert isinstance(result, Select) and len(result.rows) > 5


def test_bad_size(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["synth", "--triples", "0"])
    assert result.exit_code == 2 and "--triples" in result.output
