"""JSON-LD export: read back by JSON-LD 1.0 and 1.1 processors (Jena riot's jsonld-java, pyld in both
modes), and the same document pyld's own compaction makes, written in time linear in the triples."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner
from rdflib.compare import isomorphic

from conftest import ROOT, require
from tech_graph.cli import cli
from tech_graph.rdfformats import canonical, jsonld_context, offline_loader, serialize_quads
from tech_graph.store import memory_store

JAVA_DIR = Path("/usr/share/java")
# Debian's libapache-jena-java 4.5 and the jars of the packages it depends on (Depends: of the
# package) that riot needs to read JSON-LD 1.0 (jsonld-java) and start up.
JENA_JARS = ["jena-arq", "jena-base", "jena-cmds", "jena-core", "jena-iri", "commons-cli", "commons-codec",
             "commons-compress", "commons-csv", "commons-io", "commons-lang3", "dexx.collection", "gson", "guava",
             "httpclient", "httpclient-cache", "httpcore", "jackson-core", "jackson-databind",
             "jackson-annotations", "jsonld-java", "jakarta.json-api", "titanium-json-ld", "protobuf", "thrift",
             "slf4j-api", "slf4j-nop"]

AWKWARD = """\
@prefix tg: <https://w3id.org/tech-graph/ontology#> .
@prefix tgr: <https://w3id.org/tech-graph/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
tgr:odd a tg:Company, <https://example.org/Other> ;
    rdfs:label "Odd"@en, "奇"@zh, "no language" ;
    schema:alternateName "Odd Co"@en, "Odd Inc"@en, "plain alt" ;
    schema:value 12, -0, 007, 123456789012345678901, 1.5, "1e3"^^xsd:double, true, "1"^^xsd:boolean ;
    tg:headquarteredIn tgr:china, _:b ;
    tg:quote "a quote"@en ;
    rdfs:seeAlso "not an IRI" ;
    <https://example.org/p#x> <https://example.org/o> ;
    tg:source tgr:article ;
    tg:status tg:Completed, <https://example.org/status> .
_:b rdfs:label "a blank place" .
"""


def quads_of(text: str) -> list[ox.Quad]:
    return [ox.Quad(t.subject, t.predicate, t.object) for t in ox.parse(text.encode(), format=ox.RdfFormat.TURTLE)]


def graph_of(quads: list[ox.Quad]) -> rdflib.Graph:
    return rdflib.Graph().parse(data=ox.serialize(quads, format=ox.RdfFormat.N_QUADS).decode(), format="nt")


def pyld_triples(doc: dict[str, Any], mode: str) -> rdflib.Graph:
    from pyld import jsonld

    nquads = jsonld.to_rdf(doc, {"documentLoader": offline_loader, "format": "application/n-quads",
                                 "processingMode": mode})
    return rdflib.Graph().parse(data=nquads, format="nt")


def bundled_jsonld(tmp_path: Path) -> Path:
    out = tmp_path / "tech-graph.jsonld"
    result = CliRunner().invoke(cli, ["export", "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


def test_context_declares_no_version_it_does_not_need() -> None:
    """`@version: 1.1` makes JSON-LD 1.0 processors refuse the document; nothing in it needs 1.1."""
    context = json.loads((ROOT / "ontology" / "context.jsonld").read_text(encoding="utf-8"))["@context"]
    assert "@version" not in context
    for name, definition in context.items():
        if isinstance(definition, dict):
            assert set(definition) <= {"@id", "@type", "@language", "@container"}, name
            assert definition.get("@container") in (None, "@language", "@set"), name


@pytest.mark.parametrize("mode", ["json-ld-1.0", "json-ld-1.1"])
def test_pyld_reads_it_in_both_modes(mode: str) -> None:
    quads = quads_of(AWKWARD)
    doc = json.loads(serialize_quads(quads, "jsonld"))
    assert isomorphic(pyld_triples(doc, mode), graph_of(quads))


@pytest.mark.parametrize("mode", ["json-ld-1.0", "json-ld-1.1"])
def test_bundled_graph_reads_back_in_both_modes(tmp_path: Path, mode: str) -> None:
    doc = json.loads(bundled_jsonld(tmp_path).read_text(encoding="utf-8"))
    expected = [q for q in memory_store().quads() if "ontology" not in q.graph_name.value]
    assert isomorphic(pyld_triples(doc, mode), graph_of([ox.Quad(q.subject, q.predicate, q.object)
                                                         for q in expected]))


def sorted_json(value: Any) -> Any:
    if isinstance(value, list):
        return sorted((sorted_json(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, dict):
        return {k: sorted_json(v) for k, v in value.items()}
    return value


@pytest.mark.parametrize("which", ["awkward", "bundled"])
def test_same_document_as_pyld_compaction(which: str) -> None:
    """Node for node what pyld's compaction (JSON-LD 1.1) makes of the same triples, but for the
    order of values in arrays."""
    from pyld import jsonld

    if which == "awkward":
        quads = quads_of(AWKWARD)
    else:
        quads = [ox.Quad(q.subject, q.predicate, q.object) for q in memory_store().quads()
                 if "ontology" not in q.graph_name.value]
    quads = canonical(quads)  # the blank-node labels ours get
    ours = json.loads(serialize_quads(quads, "jsonld"))
    nquads = ox.serialize(quads, format=ox.RdfFormat.N_QUADS).decode()
    # Native numbers and booleans where they read back unchanged, as ours.
    expanded = jsonld.from_rdf(nquads, {"format": "application/n-quads", "useNativeTypes": which == "bundled"})
    reference = jsonld.compact(expanded, jsonld_context(), {"documentLoader": offline_loader})
    graph = reference.get("@graph") or [{k: v for k, v in reference.items() if k != "@context"}]
    theirs = {node["id"]: sorted_json(node) for node in graph}
    mine = {node["id"]: sorted_json(node) for node in ours["@graph"]}
    assert set(mine) == set(theirs)
    if which == "awkward":
        # pyld without native types keeps every number typed; compare the rest.
        for node in (*mine.values(), *theirs.values()):
            node.pop("value", None)
        # A string with no language: JSON-LD 1.1 puts it under the language map's "@none" key, which a
        # 1.0 processor would read as a language tag. Ours keeps it beside the map, under the compact IRI.
        odd_mine, odd_theirs = mine["tgr:odd"], theirs["tgr:odd"]
        assert odd_theirs["alternateName"].pop("@none") == odd_mine.pop("schema:alternateName") == "plain alt"
    assert mine == theirs


def jena_classpath(tmp_path: Path) -> str:
    """Debian's Jena jars, plus the message bundles of the XML Schema datatypes it embeds: Debian's
    jena-core 4.5 holds those classes under `xerces.` but their .properties only under
    `org/apache/jena/ext/xerces/`, and Jena fails to start ("internal error") without them."""
    require("Jena (Debian libapache-jena-java)", (JAVA_DIR / "jena-cmds.jar").is_file() and shutil.which("java"))
    bundles = tmp_path / "jena-xerces-messages"
    prefix = "org/apache/jena/ext/xerces/"
    with zipfile.ZipFile(JAVA_DIR / "jena-core.jar") as jar:
        for name in jar.namelist():
            if name.startswith(prefix) and name.endswith(".properties"):
                target = bundles / "xerces" / name[len(prefix):]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(jar.read(name))
    jars = [JAVA_DIR / f"{name}.jar" for name in JENA_JARS]
    missing = [j.name for j in jars if not j.is_file()]
    assert not missing, f"missing jars: {missing}"
    return ":".join([str(bundles), *map(str, jars)])


def riot_triples(classpath: str, path: Path) -> rdflib.Graph:
    run = subprocess.run(["java", "-cp", classpath, "riotcmd.riot", "--syntax=jsonld10", "--output=nt", str(path)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    return rdflib.Graph().parse(data=run.stdout, format="nt")


def test_jena_riot_reads_it_as_json_ld_1_0(tmp_path: Path) -> None:
    """riot's JSON-LD 1.0 reader (jsonld-java). Debian ships no jakarta.json provider for Jena's
    JSON-LD 1.1 reader (titanium), so 1.1 is checked with pyld above."""
    classpath = jena_classpath(tmp_path)
    bundled = bundled_jsonld(tmp_path)
    expected = [ox.Quad(q.subject, q.predicate, q.object) for q in memory_store().quads()
                if "ontology" not in q.graph_name.value]
    assert isomorphic(riot_triples(classpath, bundled), graph_of(expected))
    awkward = tmp_path / "awkward.jsonld"
    awkward.write_bytes(serialize_quads(quads_of(AWKWARD), "jsonld"))
    assert isomorphic(riot_triples(classpath, awkward), graph_of(quads_of(AWKWARD)))
    # What riot refused before: the 1.1 marker in the context.
    versioned = json.loads(bundled.read_text(encoding="utf-8"))
    versioned["@context"] = {"@version": 1.1, **versioned["@context"]}
    (tmp_path / "versioned.jsonld").write_text(json.dumps(versioned), encoding="utf-8")
    run = subprocess.run(["java", "-cp", classpath, "riotcmd.riot", "--syntax=jsonld10", "--count",
                          str(tmp_path / "versioned.jsonld")], capture_output=True, text=True, timeout=300)
    assert run.returncode != 0
