"""`tech-graph export` in the RDF formats, read back by rdflib, pyoxigraph, raptor's rapper and pyld."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner, Result
from rdflib.compare import isomorphic

from conftest import require
from tech_graph.cli import cli
from tech_graph.load import user_sources
from tech_graph.namespaces import GRAPH_DATA, GRAPH_ONTOLOGY, GRAPH_SOURCES, GRAPH_USER, RDFS
from tech_graph.rdfformats import CONTEXT_IRI, RDF_FORMATS, offline_loader
from tech_graph.store import memory_store

# A user's file with blank nodes, a language map and a typed number, to exercise the writers.
EXTRA = """\
@prefix tg: <https://w3id.org/tech-graph/ontology#> .
@prefix tgr: <https://w3id.org/tech-graph/id/> .
@prefix sem: <http://semanticweb.cs.vu.nl/2009/11/sem/> .
@prefix schema: <https://schema.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

tgr:extra-fine a tg:RegulatoryAction ;
    rdfs:label "Extra: a fine for a test"@en , "额外罚款"@zh ;
    tg:hasRegulator tgr:samr ;
    tg:hasTarget tgr:alibaba ;
    sem:hasTimeStamp "2021-04-10"^^xsd:date ;
    tg:dealValue [ a schema:MonetaryAmount ; schema:value 18228000000 ; schema:currency "CNY" ] ;
    tg:count [ a schema:QuantitativeValue ; schema:value 1 ; schema:unitCode "C62" ] .
"""

RDF_NAMES = list(RDF_FORMATS)


@pytest.fixture(scope="module")
def extra(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("user") / "extra.ttl"
    path.write_text(EXTRA, encoding="utf-8")
    return path


def invoke(args: list[str]) -> Result:
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    return result


def export_file(tmp_path: Path, name: str, *args: str) -> Path:
    out = tmp_path / f"out{RDF_FORMATS[name].suffix}"
    result = invoke(["export", "-o", str(out), *args])
    assert result.exit_code == 0, result.output
    return out


def expected_quads(extra: Path | None, graphs: tuple[str, ...]) -> list[ox.Quad]:
    store = memory_store(user_sources([extra]) if extra else [])
    return [q for q in store.quads() if q.graph_name.value in graphs]


def as_rdflib(quads: list[ox.Quad]) -> rdflib.Dataset:
    data = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
    return rdflib.Dataset().parse(data=data, format="nquads")


def union(dataset: rdflib.Dataset) -> rdflib.Graph:
    graph = rdflib.Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


DEFAULT = (GRAPH_DATA, GRAPH_SOURCES, GRAPH_USER)


@pytest.mark.parametrize("name", RDF_NAMES)
def test_round_trip_is_isomorphic(tmp_path: Path, extra: Path, name: str) -> None:
    out = export_file(tmp_path, name, "--data", str(extra))
    fmt = RDF_FORMATS[name]
    expected = as_rdflib(expected_quads(extra, DEFAULT))
    rdflib_format = {"turtle": "turtle", "nt": "nt", "nq": "nquads", "trig": "trig", "jsonld": "json-ld",
                     "rdfxml": "xml"}[name]
    if fmt.quads:
        parsed = rdflib.Dataset().parse(out, format=rdflib_format)
        graphs = {str(g.identifier) for g in parsed.graphs() if len(g)}
        assert graphs == set(DEFAULT)
        for iri in DEFAULT:
            assert isomorphic(parsed.graph(rdflib.URIRef(iri)), expected.graph(rdflib.URIRef(iri))), iri
    else:
        parsed_graph = rdflib.Graph().parse(out, format=rdflib_format)
        assert isomorphic(parsed_graph, union(expected))


@pytest.mark.parametrize("name", RDF_NAMES)
def test_pyoxigraph_parses_every_export_with_the_same_count(tmp_path: Path, extra: Path, name: str) -> None:
    out = export_file(tmp_path, name, "--data", str(extra), "--include-ontology")
    quads = expected_quads(extra, (GRAPH_ONTOLOGY, *DEFAULT))
    fmt = RDF_FORMATS[name]
    parsed = list(ox.parse(path=str(out), format=fmt.ox_format))
    if fmt.quads:
        assert len(parsed) == len(set(quads))
        assert {q.graph_name.value for q in parsed} == {GRAPH_ONTOLOGY, *DEFAULT}
    else:
        assert len(parsed) == len({q.triple for q in quads})


@pytest.mark.parametrize("name,syntax", [("turtle", "turtle"), ("nt", "ntriples"), ("rdfxml", "rdfxml")])
def test_rapper_parses_turtle_ntriples_and_rdfxml(tmp_path: Path, extra: Path, name: str, syntax: str) -> None:
    rapper = shutil.which("rapper")
    require("rapper (Debian raptor2-utils)", rapper)
    assert rapper
    out = export_file(tmp_path, name, "--data", str(extra))
    run = subprocess.run([rapper, "-i", syntax, "-c", str(out)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    m = re.search(r"returned (\d+) triples", run.stderr)
    assert m, run.stderr
    assert int(m.group(1)) == len({q.triple for q in expected_quads(extra, DEFAULT)})


def test_jsonld_expands_with_pyld_to_the_same_triples(tmp_path: Path, extra: Path) -> None:
    from pyld import jsonld

    out = export_file(tmp_path, "jsonld", "--data", str(extra))
    doc = json.loads(out.read_text(encoding="utf-8"))
    options = {"documentLoader": offline_loader, "format": "application/n-quads"}
    nquads = jsonld.to_rdf(doc, options)
    parsed = rdflib.Graph().parse(data=nquads, format="nt")
    assert isomorphic(parsed, union(as_rdflib(expected_quads(extra, DEFAULT))))


def test_jsonld_reads_as_plain_json(tmp_path: Path) -> None:
    """Short keys from the published context, English labels as plain strings, ids as compact IRIs."""
    out = export_file(tmp_path, "jsonld")
    doc = json.loads(out.read_text(encoding="utf-8"))
    published = json.loads((Path(__file__).parents[1] / "ontology" / "context.jsonld").read_text(encoding="utf-8"))
    assert doc["@context"] == published["@context"]
    nodes = {node["id"]: node for node in doc["@graph"]}
    store = memory_store()
    labels = store.query(f'SELECT ?s ?label WHERE {{ ?s <{RDFS}label> ?label FILTER(LANG(?label) = "en") }}')
    checked = 0
    for s, label in labels.rows:  # type: ignore[union-attr]
        compact_id = s.value.replace("https://w3id.org/tech-graph/id/", "tgr:")
        if compact_id in nodes:
            value = nodes[compact_id]["label"]
            assert label.value in (value if isinstance(value, list) else [value])
            checked += 1
    assert checked > 10
    assert all("type" in node for node in nodes.values())


def test_jsonld_by_reference_uses_the_local_context() -> None:
    """A document that names the context by IRI expands offline: the loader serves ontology/context.jsonld."""
    from pyld import jsonld

    doc = {"@context": CONTEXT_IRI, "id": "tgr:x", "type": "Company", "label": "X", "headquarteredIn": "tgr:china"}
    nquads = jsonld.to_rdf(doc, {"documentLoader": offline_loader, "format": "application/n-quads"})
    assert '<https://w3id.org/tech-graph/id/x> <https://w3id.org/tech-graph/ontology#headquarteredIn>' in nquads
    with pytest.raises(jsonld.JsonLdError) as raised:
        jsonld.expand({"@context": "https://example.org/other.jsonld"}, {"documentLoader": offline_loader})
    assert "does not fetch" in str(raised.value.__cause__)


def test_context_covers_every_ontology_property() -> None:
    """Each tg: property has a short term; object properties turn IRIs into plain strings."""
    context = json.loads((Path(__file__).parents[1] / "ontology" / "context.jsonld").read_text())["@context"]
    store = memory_store()
    rows = store.query("""SELECT ?p ?kind WHERE { GRAPH <https://w3id.org/tech-graph/graph/ontology> {
        ?p a ?kind FILTER (?kind IN (owl:ObjectProperty, owl:DatatypeProperty, owl:AnnotationProperty)) } }""")
    props = rows.rows  # type: ignore[union-attr]
    assert props
    for p, kind in props:
        name = p.value.split("#")[-1]
        assert name in context, name
        assert context[name]["@id"] == "tg:" + name
        if kind.value.endswith("ObjectProperty"):
            assert context[name].get("@type") in ("@id", "@vocab"), name


@pytest.mark.parametrize("name", RDF_NAMES)
def test_two_exports_are_byte_identical(tmp_path: Path, extra: Path, name: str) -> None:
    """Separate runs parse the blank nodes afresh; canonical labels and sorting give the same bytes."""
    outputs = []
    for run in ("a", "b"):
        (tmp_path / run).mkdir()
        outputs.append(export_file(tmp_path / run, name, "--data", str(extra)).read_bytes())
    assert outputs[0] == outputs[1]
    assert b"c14n0" in outputs[0]  # the blank nodes went out, under their canonical RDFC-1.0 labels


def test_output_is_sorted_with_stable_prefixes(tmp_path: Path) -> None:
    out = export_file(tmp_path, "turtle")
    lines = out.read_text(encoding="utf-8").splitlines()
    prefixes = [line.split()[1] for line in lines if line.startswith("@prefix")]
    from tech_graph.namespaces import PREFIXES

    assert prefixes == [p + ":" for p in PREFIXES if p + ":" in prefixes]
    nt = export_file(tmp_path, "nt").read_bytes().splitlines()
    assert nt == sorted(set(nt)), "N-Triples lines are unique and sorted"
    subjects = [line.split(b" ", 1)[0] for line in nt]
    runs = [s for i, s in enumerate(subjects) if i == 0 or subjects[i - 1] != s]
    assert len(runs) == len(set(runs)), "each subject's statements stand together"


def test_named_graphs_follow_the_options(tmp_path: Path, extra: Path) -> None:
    def graphs(*args: str) -> set[str]:
        result = invoke(["export", "-f", "nq", "--data", str(extra), *args])
        assert result.exit_code == 0, result.output
        return {q.graph_name.value for q in ox.parse(result.stdout_bytes, format=ox.RdfFormat.N_QUADS)}

    assert graphs() == {GRAPH_DATA, GRAPH_SOURCES, GRAPH_USER}
    assert graphs("--include-ontology") == {GRAPH_ONTOLOGY, GRAPH_DATA, GRAPH_SOURCES, GRAPH_USER}
    assert graphs("--data-only") == {GRAPH_DATA, GRAPH_USER}


def test_trig_puts_each_graph_in_its_block(tmp_path: Path) -> None:
    out = export_file(tmp_path, "trig", "--include-ontology")
    blocks = re.findall(r"^<([^>]+)> \{", out.read_text(encoding="utf-8"), re.M)
    assert blocks == sorted({GRAPH_ONTOLOGY, GRAPH_DATA, GRAPH_SOURCES})


def test_format_from_suffix_and_gzip(tmp_path: Path) -> None:
    plain = invoke(["export", "-f", "nt"])
    assert plain.exit_code == 0
    out = tmp_path / "graph.nt.gz"
    result = invoke(["export", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert gzip.decompress(out.read_bytes()) == plain.stdout_bytes


def test_default_is_turtle_on_stdout() -> None:
    result = invoke(["export"])
    assert result.exit_code == 0
    triples = list(ox.parse(result.stdout_bytes, format=ox.RdfFormat.TURTLE))
    assert len(triples) == len({q.triple for q in expected_quads(None, DEFAULT)})


def test_query_construct_uses_the_same_writers() -> None:
    result = invoke(["query", "--format", "jsonld",
                     "CONSTRUCT { ?s a ?c ; rdfs:label ?l } WHERE { ?s a tg:Company ; a ?c ; rdfs:label ?l }"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["@graph"] and all(node["id"].startswith("tgr:") for node in doc["@graph"])
