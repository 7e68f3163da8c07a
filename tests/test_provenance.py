"""Every source of a fact reaches the network view and every export (issue 15, "several sources for one fact").

What "every source" is comes from the graph files read with rdflib, not through tech-graph's model:
each verbatim quote (an excerpt's prov:value, whitespace collapsed) with the document it is quoted
from, and each document a node is derived from (prov:wasDerivedFrom) or dated by (tg:dateDerivedFrom)
as a whole. Each export is read back by its own reader (networkx, csv, json, BeautifulSoup).
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
import rdflib
from bs4 import BeautifulSoup
from click.testing import CliRunner

from conftest import ROOT
from tech_graph import network, render
from tech_graph.cli import cli
from test_export_graphs import cli_export as export

Key = tuple[str, str]  # (quote, document IRI); "" for a document cited as a whole

SOURCES = """
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX tg: <https://w3id.org/tech-graph/ontology#>
SELECT ?node ?use ?source ?excerpt ?quote ?document WHERE {
  { ?node prov:wasDerivedFrom ?source BIND ("fact" AS ?use) }
  UNION { ?node tg:dateDerivedFrom ?source BIND ("date" AS ?use) }
  OPTIONAL { ?source a tg:Excerpt BIND (true AS ?excerpt) }
  OPTIONAL { ?source prov:value ?quote }
  OPTIONAL { ?source prov:wasQuotedFrom ?document }
}
"""


@pytest.fixture(scope="module")
def graph() -> rdflib.Graph:
    g = rdflib.Graph()
    for path in sorted((ROOT / "graph").glob("*.ttl")):
        g.parse(path, format="turtle")
    return g


@pytest.fixture(scope="module")
def expected(graph: rdflib.Graph) -> dict[str, dict[Key, set[str]]]:
    """Node -> each of its sources -> what it supports ("fact", "date")."""
    found: dict[str, dict[Key, set[str]]] = defaultdict(dict)
    for row in graph.query(SOURCES):
        node, use, source, excerpt, quote, document = (str(x) if x is not None else None for x in row)
        if excerpt and quote is not None:
            key = (" ".join(quote.split()), document or str(source))
        else:
            key = ("", (document or str(source)) if excerpt else str(source))
        found[str(node)].setdefault(key, set()).add(str(use))
    return found


def keys(records: Any) -> set[Key]:
    return {(r["quote"], r["iri"]) for r in records}


def test_the_bundled_graph_has_facts_with_several_sources(expected: dict[str, dict[Key, set[str]]],
                                                          actors: nx.MultiGraph[str]) -> None:
    """Otherwise the tests below would prove nothing."""
    events = {k for *_, k in actors.edges(keys=True)}
    assert any(len(expected[n]) >= 3 for n in actors.nodes)
    assert any(len(expected[e]) >= 3 for e in events)
    both = [e for e in events if {q != "" for q, _ in expected[e]} == {True, False}]
    assert both, "an event with a quote and a document cited as a whole"
    assert any(uses == {"date"} for e in events for uses in expected[e].values()), "a source for the date only"


def check(records: Any, count: Any, want: dict[Key, set[str]], what: str) -> None:
    assert int(count) == len(want), what
    assert keys(records) == set(want), what
    assert {(r["quote"], r["iri"]): set(r["used_for"]) for r in records} == want, what


def test_every_node_and_edge_carries_every_source(expected: dict[str, dict[Key, set[str]]],
                                                  actors: nx.MultiGraph[str], two_mode: nx.Graph[str]) -> None:
    for g in (actors, two_mode):
        for node, data in g.nodes(data=True):
            check(data["provenance"], data["sources"], expected.get(node, {}), node)
    for _, _, key, data in actors.edges(keys=True, data=True):
        check(data["provenance"], data["sources"], expected.get(key, {}), key)


def test_the_first_source_stays_in_the_quote_and_source_columns(actors: nx.MultiGraph[str]) -> None:
    """Quotes come first (the least words first), then documents cited for the fact, then those for the date."""
    for data in [*(d for _, d in actors.nodes(data=True)), *(d for *_, d in actors.edges(data=True))]:
        records = list(data["provenance"])
        facts = [r for r in records if "fact" in r["used_for"]]
        assert records[: len(facts)] == facts  # what only dates it comes last
        if not facts:
            assert data["quote"] == data["source"] == ""
            continue
        quoted = [r for r in facts if r["quote"]]
        assert facts[: len(quoted)] == quoted  # quotes before documents cited as a whole
        first = facts[0]
        assert data["quote"] == first["quote"] == (min(r["quote"] for r in quoted) if quoted else "")
        assert data["source"] == (f"{first['document']} <{first['url']}>" if first["url"] else first["document"])


@pytest.mark.parametrize("which", ["actor", "event-actor"])
def test_graphml_and_gexf_hold_every_source(tmp_path: Path, expected: dict[str, dict[Key, set[str]]],
                                            which: str) -> None:
    """networkx's readers: `sources` comes back an integer (declared long), `provenance` a JSON array."""
    graphml = nx.read_graphml(export(tmp_path, "n.graphml", "--network", which))
    gexf = nx.read_gexf(export(tmp_path, "n.gexf", "--network", which), version="1.3")
    for back in (graphml, gexf):
        for _, data in back.nodes(data=True):
            assert isinstance(data["sources"], int)
            want = expected.get(data["iri"], {})
            check(json.loads(data.get("provenance", "[]")), data["sources"], want, data["iri"])
        for *_, data in back.edges(data=True):
            if "event" in data:  # the actor network's; the two-mode network's edges are roles
                check(json.loads(data.get("provenance", "[]")), data["sources"], expected.get(data["event"], {}),
                      data["event"])


def test_node_link_json_holds_every_source_as_objects(tmp_path: Path,
                                                      expected: dict[str, dict[Key, set[str]]]) -> None:
    data = json.loads(export(tmp_path, "n.json").read_text(encoding="utf-8"))
    for node in data["nodes"]:
        check(node["provenance"], node["sources"], expected.get(node["id"], {}), node["id"])
        assert all(set(r) == {"quote", "document", "url", "iri", "kind", "used_for"} for r in node["provenance"])
    for link in data["links"]:
        check(link["provenance"], link["sources"], expected.get(link["event"], {}), link["event"])
    back = nx.node_link_graph(data, edges="edges")
    assert all(isinstance(d["provenance"], list) for _, d in back.nodes(data=True))


def test_neo4j_files_hold_every_source(tmp_path: Path, expected: dict[str, dict[Key, set[str]]]) -> None:
    folder = export(tmp_path, "neo4j", "-f", "neo4j")
    nodes = list(csv.DictReader(io.StringIO((folder / "nodes.csv").read_text(encoding="utf-8"))))
    rels = list(csv.DictReader(io.StringIO((folder / "relationships.csv").read_text(encoding="utf-8"))))
    for row in nodes:
        check(json.loads(row["provenance"] or "[]"), row["sources:long"], expected.get(row["id:ID"], {}), row["id:ID"])
    for row in rels:
        check(json.loads(row["provenance"] or "[]"), row["sources:long"], expected.get(row["event"], {}), row["event"])
    script = (folder / "load.cypher").read_text(encoding="utf-8")
    assert "n.`sources` = toInteger(row.`sources:long`)" in script
    assert "r.`sources` = toInteger(row.`sources:long`)" in script


@pytest.mark.parametrize("table", ["events-csv", "actors-csv"])
def test_tables_have_a_column_with_every_source(tmp_path: Path, expected: dict[str, dict[Key, set[str]]],
                                                table: str) -> None:
    rows = list(csv.DictReader(io.StringIO(export(tmp_path, "t.csv", "-f", table).read_text(encoding="utf-8"))))
    assert rows
    for row in rows:
        check(json.loads(row["provenance"]), row["sources"], expected.get(row["iri"], {}), row["iri"])


def test_timelinejs_slides_hold_every_source(graph: rdflib.Graph, expected: dict[str, dict[Key, set[str]]]) -> None:
    """Each quote as a blockquote followed by its document; every document, by its URL where it has one."""
    result = CliRunner().invoke(cli, ["timeline", "--format", "timelinejs"], catch_exceptions=False)
    schema_url = rdflib.URIRef("https://schema.org/url")
    title = rdflib.URIRef("http://purl.org/dc/terms/title")
    slides = json.loads(result.output)["events"]
    assert slides
    for slide in slides:
        iri = "https://w3id.org/tech-graph/id/" + slide["unique_id"]
        text = BeautifulSoup(slide["text"]["text"], "html.parser")
        want = expected.get(iri, {})
        assert sorted(q.get_text() for q in text.find_all("blockquote")) == sorted(q for q, _ in want if q), iri
        hrefs = {a["href"] for a in text.find_all("a")}
        for document in {d for _, d in want}:
            url = graph.value(rdflib.URIRef(document), schema_url)
            if url is not None:
                assert str(url) in hrefs, (iri, document)
            else:
                assert str(graph.value(rdflib.URIRef(document), title)) in text.get_text(), (iri, document)


def test_the_page_data_holds_every_source(actors: nx.MultiGraph[str],
                                          expected: dict[str, dict[Key, set[str]]]) -> None:
    data = render.page_data(actors)
    for node in data["nodes"]:
        assert len(node["sources"]) == len(expected.get(node["id"], {}))
    for edge in data["edges"]:
        assert len(edge["sources"]) == len(expected.get(edge["event"], {}))
        assert sorted(s["quote"] for s in edge["sources"] if s["quote"]) == sorted(
            q for q, _ in expected.get(edge["event"], {}) if q)


def test_path_lists_every_source_of_each_link(actors: nx.MultiGraph[str],
                                              expected: dict[str, dict[Key, set[str]]]) -> None:
    for _, _, key, data in actors.edges(keys=True, data=True):
        assert len(network.source_lines(data)) == len(expected.get(key, {})), key


def test_the_notebook_table_of_events_shows_every_source(store: Any,
                                                         expected: dict[str, dict[Key, set[str]]]) -> None:
    """`timeline.events(store)` in a notebook: each quote, and each document cited as a whole, of every event."""
    import html

    from tech_graph import timeline

    found = timeline.events(store)
    page = BeautifulSoup(found._repr_html_(), "html.parser")
    rows = page.find_all("tr")[1:]
    assert len(rows) == len(found)
    several = 0
    for event, row in zip(found, rows, strict=True):
        cell = row.find_all("td")[-1].get_text()
        for quote, document in expected.get(event.iri, {}):
            # a document cited whole shows by its title (beside a quote from it, if there is one)
            assert (f"“{quote}”" if quote else html.unescape(next(
                s.title for s in event.sources if s.iri == document))) in cell, (event.iri, quote, document)
        several += len(expected.get(event.iri, {})) >= 2
    assert several
