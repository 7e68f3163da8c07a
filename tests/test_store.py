"""The three kinds of store answer the same queries the same way, and fail clearly."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from conftest import running_oxigraph
from tech_graph.cli import cli
from tech_graph.errors import InputError, StoreError
from tech_graph.load import bundled_sources
from tech_graph.namespaces import ALL_GRAPHS, GRAPH_DATA, GRAPH_USER, TG, TGR
from tech_graph.query import named_queries, run_named
from tech_graph.remote import Endpoints, SparqlStore
from tech_graph.store import Ask, OxigraphStore, Select, Store, Triples
from tech_graph.stores import open_store

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def count(store: Store, text: str = COUNT) -> int:
    result = store.query(text)
    assert isinstance(result, Select)
    cell = result.rows[0][0]
    assert isinstance(cell, ox.Literal)
    return int(cell.value)


def rows(result: object) -> set[tuple[object, ...]]:
    assert isinstance(result, Select)
    return set(result.rows)


def unordered(cell: object) -> object:
    """GROUP_CONCAT's order is up to the engine: compare its parts as a set."""
    if isinstance(cell, ox.Literal):
        return (sorted(re.split(r"; | \| |, ", cell.value)), cell.datatype, cell.language)
    return cell


def bad_file(tmp_path: Path) -> Path:
    path = tmp_path / "broken.ttl"
    path.write_text("@prefix tgr: <https://w3id.org/tech-graph/id/> .\ntgr:a tgr:b tgr:c ;\n  tgr:d \"open .\n")
    return path


def extra_file(tmp_path: Path) -> Path:
    path = tmp_path / "extra.nt"
    path.write_text(f'<{TGR}extra-thing> <http://www.w3.org/2000/01/rdf-schema#label> "Extra thing" .\n')
    return path


# --- the same answers everywhere ------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(named_queries()))
def test_named_queries_agree_with_memory(any_store: Store, store: OxigraphStore, name: str) -> None:
    mine, reference = run_named(any_store, name), run_named(store, name)
    assert mine.variables == reference.variables
    assert sorted(map(repr, (tuple(map(unordered, r)) for r in mine.rows))) == sorted(
        map(repr, (tuple(map(unordered, r)) for r in reference.rows)))


def test_default_graph_is_the_union_and_graph_sees_named_graphs(any_store: Store, store: OxigraphStore) -> None:
    assert count(any_store) == count(store) > 0
    graphs = any_store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert {g.value for (g,) in rows(graphs) if isinstance(g, ox.NamedNode)} <= set(ALL_GRAPHS)
    assert (ox.NamedNode(GRAPH_DATA),) in rows(graphs)


def test_ask_and_construct(any_store: Store, store: OxigraphStore) -> None:
    ask = any_store.query("ASK { ?e a tg:Investigation }")
    assert isinstance(ask, Ask) and ask.value is True
    assert any_store.query("ASK { tgr:nothing-here ?p ?o }") == Ask(False)
    text = "CONSTRUCT { ?a rdfs:label ?l } WHERE { ?a a tg:Company ; rdfs:label ?l }"
    built, expected = any_store.query(text), store.query(text)
    assert isinstance(built, Triples) and isinstance(expected, Triples)
    assert set(built.triples) == set(expected.triples) and built.triples


def test_quads_are_the_same(any_store: Store, store: OxigraphStore) -> None:
    assert set(any_store.quads()) == set(store.quads())


def test_syntax_error_has_line_and_column(any_store: Store) -> None:
    with pytest.raises(InputError, match=r"SPARQL syntax error in my query at line 2, column \d+"):
        any_store.query("SELECT ?x WHERE {\n  ?x ?y }", where="my query")


def test_cli_query_same_output_on_every_store(any_store: Store, store: OxigraphStore, runner: CliRunner) -> None:
    args = ["query", "--name", "stats-actor-degree", "--format", "csv"]
    mine = runner.invoke(cli, ["--store", any_store.spec, *args])
    reference = runner.invoke(cli, ["--store", "memory", *args])
    assert mine.exit_code == 0, mine.output
    assert mine.output == reference.output and mine.output.count("\n") > 3


def test_store_from_environment(disk_store: OxigraphStore, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["query", COUNT, "--format", "csv"], env={"TECH_GRAPH_STORE": disk_store.spec})
    assert result.exit_code == 0, result.output
    assert result.output.split() == ["n", str(count(disk_store))]


def test_unknown_store_kind(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--store", "postgres:db", "query", COUNT])
    assert result.exit_code == 2
    assert "unknown store 'postgres:db'; use memory, oxigraph:PATH or sparql:URL" in result.output


# --- the rdflib API over the default store ------------------------------------------------------


def test_rdflib_dataset_shares_the_oxigraph_store(store: OxigraphStore) -> None:
    import rdflib

    dataset = store.rdflib_dataset()
    data = dataset.graph(rdflib.URIRef(GRAPH_DATA))
    companies = {str(c) for c in data.subjects(rdflib.RDF.type, rdflib.URIRef(TG + "Company"))}
    result = store.query(f"SELECT ?c WHERE {{ GRAPH <{GRAPH_DATA}> {{ ?c a tg:Company }} }}")
    assert isinstance(result, Select)
    assert companies == {c.value for (c,) in result.rows if c is not None}
    assert TGR + "alibaba" in companies


# --- oxigraph:PATH --------------------------------------------------------------------------


def test_load_then_open_without_parsing(tmp_path: Path, runner: CliRunner, store: OxigraphStore) -> None:
    spec = f"oxigraph:{tmp_path / 'tech.db'}"
    loaded = runner.invoke(cli, ["load", "--store", spec, "--data", str(extra_file(tmp_path))])
    assert loaded.exit_code == 0, loaded.output
    assert loaded.output.startswith(f"loaded {count(store) + 1} quads from {len(bundled_sources()) + 1} files")
    opened = open_store(spec)
    assert count(opened) == count(store) + 1
    assert count(opened, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH_USER}> {{ ?s ?p ?o }} }}") == 1


def test_failed_load_keeps_previous_store(tmp_path: Path, runner: CliRunner) -> None:
    spec = f"oxigraph:{tmp_path / 'tech.db'}"
    assert runner.invoke(cli, ["load", "--store", spec, "--data", str(extra_file(tmp_path))]).exit_code == 0
    before = set(open_store(spec).quads())
    failed = runner.invoke(cli, ["load", "--store", spec, "--data", str(bad_file(tmp_path))])
    assert failed.exit_code == 2
    assert failed.output.startswith(f"error: {tmp_path / 'broken.ttl'}:3:")
    assert set(open_store(spec).quads()) == before
    # No staging folder is left; the lock file beside the store stays (locks.py).
    assert sorted(p.name for p in tmp_path.iterdir()) == [".tech.db.lock", "broken.ttl", "extra.nt", "tech.db"]


def test_missing_empty_or_foreign_store_says_run_load(tmp_path: Path, runner: CliRunner) -> None:
    missing = runner.invoke(cli, ["--store", f"oxigraph:{tmp_path / 'none'}", "query", COUNT])
    assert missing.exit_code == 1
    assert f"no store at {tmp_path / 'none'}; run `tech-graph load --store oxigraph:" in missing.output
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("keep me")
    foreign = runner.invoke(cli, ["load", "--store", f"oxigraph:{tmp_path / 'notes'}"])
    assert foreign.exit_code == 2 and "is not an Oxigraph store; choose a new folder" in foreign.output
    assert (tmp_path / "notes" / "todo.txt").read_text() == "keep me"


def test_data_with_a_persistent_store_points_to_load(disk_store: OxigraphStore, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--store", disk_store.spec, "--data", "x.ttl", "query", COUNT])
    assert result.exit_code == 2
    assert f"--data works with the memory store only; add files to {disk_store.spec} once with" in result.output


def test_load_needs_a_persistent_store(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["load"])
    assert result.exit_code == 2 and "load needs a persistent store" in result.output


# --- sparql:URL -------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("http://h:7878/query",
     Endpoints("http://h:7878/query", "http://h:7878/update", "http://h:7878/store", oxigraph=True)),
    ("http://h:3030/ds/query|http://h:3030/ds/update|http://h:3030/ds/data",
     Endpoints("http://h:3030/ds/query", "http://h:3030/ds/update", "http://h:3030/ds/data")),
    ("https://neptune:8182/sparql", Endpoints("https://neptune:8182/sparql", "https://neptune:8182/sparql", None)),
])
def test_endpoints(text: str, expected: Endpoints) -> None:
    assert Endpoints.parse(text) == expected


def test_bad_endpoint() -> None:
    with pytest.raises(InputError, match="bad SPARQL endpoint 'localhost:7878'"):
        Endpoints.parse("localhost:7878")


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[str]:
    """A server of its own, for tests that replace what is loaded."""
    with running_oxigraph(tmp_path / "server") as url:
        yield url


@pytest.mark.server
def test_load_twice_replaces_instead_of_duplicating(fresh_server: str, runner: CliRunner,
                                                    store: OxigraphStore, tmp_path: Path) -> None:
    spec = f"sparql:{fresh_server}"
    for _ in range(2):
        loaded = runner.invoke(cli, ["load", "--store", spec, "--data", str(extra_file(tmp_path))])
        assert loaded.exit_code == 0, loaded.output
    server = open_store(spec)
    assert count(server) == count(store) + 1
    # Nothing left behind: only our graphs, no staging graphs.
    everything = SparqlStore(Endpoints.parse(fresh_server), spec)
    everything._dataset = []  # ask the server itself, outside our dataset
    graphs = everything.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert {g.value for (g,) in rows(graphs) if isinstance(g, ox.NamedNode)} == set(ALL_GRAPHS)


@pytest.mark.server
def test_upload_without_graph_store_endpoint(fresh_server: str, store: OxigraphStore) -> None:
    """Servers without the Graph Store protocol (Neptune) get INSERT DATA in chunks."""
    base = fresh_server.removesuffix("query")
    server = SparqlStore(Endpoints(fresh_server, base + "update", None), "sparql:test")
    server.load(bundled_sources())
    assert set(server.quads()) == set(store.quads())


@pytest.mark.server
def test_failed_upload_keeps_previous_graphs(fresh_server: str, runner: CliRunner, tmp_path: Path) -> None:
    spec = f"sparql:{fresh_server}"
    assert runner.invoke(cli, ["load", "--store", spec]).exit_code == 0
    before = set(open_store(spec).quads())
    bad = runner.invoke(cli, ["load", "--store", spec, "--data", str(extra_file(tmp_path)),
                              "--data", str(bad_file(tmp_path))])
    assert bad.exit_code == 2 and "broken.ttl:3:" in bad.output
    base = fresh_server.removesuffix("query")
    wrong = f"sparql:{fresh_server}|{base}update|{base}no-such-service"
    failed = runner.invoke(cli, ["load", "--store", wrong, "--data", str(extra_file(tmp_path))])
    assert failed.exit_code == 1
    assert f"error: the SPARQL server at {base}no-such-service refused the upload (HTTP 404)" in failed.output
    assert set(open_store(spec).quads()) == before


def test_unreachable_server_names_the_url(runner: CliRunner) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound but not listening: connections are refused
        url = f"http://127.0.0.1:{port}/query"
        for args in (["query", COUNT], ["load"], ["stats"]):
            result = runner.invoke(cli, ["--store", f"sparql:{url}", *args])
            assert result.exit_code == 1, args
            if args != ["load"]:
                assert result.output.startswith(f"error: cannot reach the SPARQL server at {url}:")
            # load names the Graph Store endpoint next to the query endpoint
            assert result.output.startswith(f"error: cannot reach the SPARQL server at http://127.0.0.1:{port}/")
            assert "Connection refused; check that it runs and the URL is right" in result.output


def test_silent_server_times_out(runner: CliRunner) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        accepted: list[socket.socket] = []
        thread = threading.Thread(target=lambda: accepted.append(sock.accept()[0]), daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/query"
        result = runner.invoke(cli, ["--store", f"sparql:{url}", "query", COUNT], env={"TECH_GRAPH_TIMEOUT": "0.3"})
        for conn in accepted:
            conn.close()
    assert result.exit_code == 1
    assert f"error: the SPARQL server at {url} did not answer the query within 0.3 s; raise TECH_GRAPH_TIMEOUT" in (
        result.output)


def test_bad_timeout_setting(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--store", "sparql:http://127.0.0.1:9/query", "query", COUNT],
                           env={"TECH_GRAPH_TIMEOUT": "soon"})
    assert result.exit_code == 2 and "TECH_GRAPH_TIMEOUT='soon' is not a number of seconds" in result.output


@pytest.mark.server
def test_server_error_is_a_store_error(server_store: SparqlStore) -> None:
    broken = SparqlStore(Endpoints(server_store.endpoints.query + "-nope", "", None), "sparql:x")
    with pytest.raises(StoreError, match=r"refused the query \(HTTP 404\)"):
        broken.query(COUNT)



def test_line_files_load_in_pieces(tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """N-Triples load in pieces of whole lines: every triple arrives, a blank node stays one node across
    pieces, and an error names its line in the whole file, not in its piece."""
    from tech_graph import load

    monkeypatch.setattr(load, "PIECE", 200)  # a few lines per piece
    lines = [f"<http://x/s{i}> <http://x/p> \"{i}\" .\n" for i in range(60)]
    plain = tmp_path / "plain.nt"
    plain.write_text("".join(lines))
    blank = tmp_path / "blank.nt"
    blank.write_text("".join(lines[:20]) + "_:b <http://x/p> \"a\" .\n" + "".join(lines[20:40])
                     + "_:b <http://x/q> \"b\" .\n")
    inner = ox.Store()
    load.load_sources(inner, load.user_sources([plain, blank]), bulk=True)
    assert len(inner) == 62  # the same 60 triples twice, and the blank node's two
    subjects = {q.subject for q in inner if isinstance(q.subject, ox.BlankNode)}
    assert len(subjects) == 1

    bad = tmp_path / "bad.nt"
    bad.write_text("".join(lines[:45]) + "<http://x/a> <http://x/b> .\n" + "".join(lines[45:]))
    with pytest.raises(InputError, match=r"bad\.nt:46:"):
        load.load_sources(ox.Store(), load.user_sources([bad]), bulk=True)
    db = tmp_path / "db"
    result = runner.invoke(cli, ["load", "--store", f"oxigraph:{db}", "--data", str(plain), "--data", str(blank)])
    assert result.exit_code == 0, result.output
    assert open_store(f"oxigraph:{db}").query("ASK { <http://x/s59> <http://x/p> \"59\" }").value  # type: ignore[union-attr]
