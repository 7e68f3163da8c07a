"""`check-store`: known-answer queries that show what a SPARQL server gets wrong.

Each probe runs on a small graph of its own, uploaded into four probe graphs (four, because
that is how many default graphs our queries name) and dropped at the end, and compares the
server's answer with the answer the SPARQL 1.1 spec gives. Nothing names a server: a probe
passes or says in one line what came back instead.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox

from .errors import InputError, StoreError
from .namespaces import GRAPH_BASE
from .remote import Endpoints, SparqlStore
from .store import Ask, Result, Select, Triples

EX = "https://w3id.org/tech-graph/check-store#"
PROBE_GRAPHS = tuple(f"{GRAPH_BASE}check-store-{n}" for n in range(1, 5))
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_PROLOGUE = f"PREFIX ex: <{EX}>\n"

# Graph 1 holds the class tree, graph 2 the things, graph 3 their labels, graph 4 literals; graphs 3
# and 4 share one triple, which the merged default graph (an RDF merge, SPARQL 1.1 section 13.2) holds once.
_GRAPHS = {
    PROBE_GRAPHS[0]: f"""
<{EX}B> <{_RDFS}subClassOf> <{EX}A> .
<{EX}C> <{_RDFS}subClassOf> <{EX}B> .
<{EX}D> <{_RDFS}subClassOf> <{EX}A> .
""",
    PROBE_GRAPHS[1]: f"""
<{EX}x1> <{_TYPE}> <{EX}B> .
<{EX}x1> <{EX}link> <{EX}y1> .
<{EX}x2> <{_TYPE}> <{EX}C> .
<{EX}x2> <{_TYPE}> <{EX}B> .
<{EX}x2> <{EX}link> <{EX}y2> .
<{EX}x3> <{_TYPE}> <{EX}D> .
<{EX}x3> <{EX}link> <{EX}y3> .
<{EX}x4> <{_TYPE}> <{EX}Other> .
<{EX}x4> <{EX}link> <{EX}y1> .
""",
    PROBE_GRAPHS[2]: f"""
<{EX}y1> <{_RDFS}label> "one"@en .
<{EX}y1> <{_RDFS}label> "eins"@de .
<{EX}y2> <{_RDFS}label> "two"@en-GB .
<{EX}y3> <{_RDFS}label> "three" .
<{EX}s> <{EX}shared> "in graphs 3 and 4" .
""",
    PROBE_GRAPHS[3]: f"""
<{EX}s> <{EX}shared> "in graphs 3 and 4" .
<{EX}v> <{EX}big> "19000000000"^^<{_XSD}integer> .
<{EX}v> <{EX}flag> "true"^^<{_XSD}boolean> .
<{EX}v> <{EX}ratio> "1.50"^^<{_XSD}decimal> .
""",
}


def _iri(local: str) -> ox.NamedNode:
    return ox.NamedNode(EX + local)


def _lit(value: str, language: str | None = None, datatype: str | None = None) -> ox.Literal:
    if language:
        return ox.Literal(value, language=language)
    return ox.Literal(value, datatype=ox.NamedNode(_XSD + datatype)) if datatype else ox.Literal(value)


@dataclass(frozen=True)
class Probe:
    name: str
    query: str
    expected: object  # a set of rows, a bool, a set of triples, or a check function's expectation
    check: Callable[[Result], object] | None = None  # what to compare with `expected`; default: rows
    graphs: tuple[str, ...] = PROBE_GRAPHS  # the default graphs (default-graph-uri)
    named: tuple[str, ...] = PROBE_GRAPHS  # the named graphs (named-graph-uri)


def _rows(result: Result) -> object:
    if not isinstance(result, Select):
        return f"a {type(result).__name__} answer, not a table"
    return sorted(tuple(result.rows), key=repr)


def _triples(result: Result) -> object:
    if not isinstance(result, Triples):
        return f"a {type(result).__name__} answer, not triples"
    return set(result.triples)


def _boolean(result: Result) -> object:
    return result.value if isinstance(result, Ask) else f"a {type(result).__name__} answer, not yes or no"


def _concat_parts(result: Result) -> object:
    if not isinstance(result, Select) or len(result.rows) != 1 or not isinstance(result.rows[0][0], ox.Literal):
        return _rows(result)
    return sorted(result.rows[0][0].value.split("|"))


def _describes(result: Result) -> object:
    """DESCRIBE's answer is up to the server; it must at least hold the resource's own triples."""
    if not isinstance(result, Triples):
        return _triples(result)
    wanted = {ox.Triple(_iri("y1"), ox.NamedNode(_RDFS + "label"), _lit("one", "en")),
              ox.Triple(_iri("y1"), ox.NamedNode(_RDFS + "label"), _lit("eins", "de"))}
    return wanted <= set(result.triples)


def _sorted(*rows: tuple[object, ...]) -> list[tuple[object, ...]]:
    return sorted(rows, key=repr)


def probes() -> list[Probe]:
    x1, x2, x3 = (_iri(f"x{n}") for n in range(1, 4))
    one, eins, two, three = _lit("one", "en"), _lit("eins", "de"), _lit("two", "en-GB"), _lit("three")
    return [
        Probe("a * property path joined with other patterns",
              "SELECT ?x ?l WHERE { ?x a ?c ; ex:link ?y . ?y rdfs:label ?l . ?c rdfs:subClassOf* ex:A }",
              _sorted((x1, one), (x1, eins), (x2, two), (x2, two), (x3, three))),
        Probe("a + property path joined with other patterns",
              "SELECT DISTINCT ?x WHERE { ?x a ?c ; ex:link ?y . ?y rdfs:label ?l . ?c rdfs:subClassOf+ ex:A }",
              _sorted((x1,), (x2,), (x3,))),
        Probe("a + path inside FILTER NOT EXISTS (most specific type)",
              "SELECT ?x ?c WHERE { ?x a ?c . ?c rdfs:subClassOf+ ex:A "
              "FILTER NOT EXISTS { ?x a ?sub . ?sub rdfs:subClassOf+ ?c } }",
              _sorted((x1, _iri("B")), (x2, _iri("C")), (x3, _iri("D")))),
        Probe("OPTIONAL with a FILTER on the language",
              'SELECT ?y ?l WHERE { ?x ex:link ?y OPTIONAL { ?y rdfs:label ?l FILTER (LANG(?l) = "de") } }',
              _sorted((_iri("y1"), eins), (_iri("y2"), None), (_iri("y3"), None), (_iri("y1"), eins))),
        Probe("GROUP_CONCAT with a separator",
              'SELECT (GROUP_CONCAT(DISTINCT STR(?l); SEPARATOR="|") AS ?all) WHERE { ?y rdfs:label ?l }',
              ["eins", "one", "three", "two"], _concat_parts),
        # SPARQL 1.1 section 18.5.1.7 defines GROUP_CONCAT through CONCAT with "" and the separator,
        # both simple literals, so the result is a simple literal even when every part is @en.
        Probe("GROUP_CONCAT of language-tagged strings gives a plain string",
              'SELECT (GROUP_CONCAT(?l; SEPARATOR="|") AS ?all) WHERE { ex:y1 rdfs:label ?l FILTER (LANG(?l) = "en") }',
              [(_lit("one"),)]),
        Probe("langMatches on a language range (en matches en-GB)",
              'SELECT ?l WHERE { ?y rdfs:label ?l FILTER langMatches(LANG(?l), "en") }', _sorted((one,), (two,))),
        Probe("langMatches ignores case (EN-gb)",
              'SELECT ?l WHERE { ?y rdfs:label ?l FILTER langMatches(LANG(?l), "EN-gb") }', [(two,)]),
        Probe("literals come back as uploaded (integer beyond 32 bits, boolean, decimal)",
              "SELECT ?big ?flag ?ratio WHERE { ex:v ex:big ?big ; ex:flag ?flag ; ex:ratio ?ratio }",
              [(_lit("19000000000", datatype="integer"), _lit("true", datatype="boolean"),
                _lit("1.50", datatype="decimal"))]),
        Probe("a boolean the query computes comes back as xsd:boolean",
              "SELECT ?yes ?no WHERE { BIND (true AS ?yes) BIND (1 = 2 AS ?no) }",
              [(_lit("true", datatype="boolean"), _lit("false", datatype="boolean"))]),
        Probe("VALUES joined with a pattern",
              "SELECT ?y ?l WHERE { VALUES ?y { ex:y2 ex:y3 } ?y rdfs:label ?l }",
              _sorted((_iri("y2"), two), (_iri("y3"), three))),
        Probe("VALUES inside FILTER NOT EXISTS (most specific type, the hierarchy passed in)",
              "SELECT ?x ?c WHERE { ?x a ?c VALUES ?c { ex:B ex:C } "
              "FILTER NOT EXISTS { ?x a ?sub VALUES (?sub ?c) { (ex:C ex:B) } } }",
              _sorted((x1, _iri("B")), (x2, _iri("C")))),
        Probe("ASK", "ASK { ex:x1 ex:link ex:y1 }", True, _boolean),
        Probe("CONSTRUCT with language-tagged literals",
              "CONSTRUCT { ?x ex:named ?l } WHERE { ?x ex:link ?y . ?y rdfs:label ?l FILTER (?x != ex:x4) }",
              {ox.Triple(x1, _iri("named"), one), ox.Triple(x1, _iri("named"), eins),
               ox.Triple(x2, _iri("named"), two), ox.Triple(x3, _iri("named"), three)}, _triples),
        Probe("DESCRIBE", "DESCRIBE ex:y1", True, _describes),
        Probe("several default-graph-uri: their merge, a shared triple counted once",
              "SELECT (COUNT(*) AS ?n) WHERE { ?s ex:shared ?o }", [(_lit("1", datatype="integer"),)],
              graphs=PROBE_GRAPHS[2:], named=()),
        Probe("one default-graph-uri: only that graph",
              "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", [(_lit("3", datatype="integer"),)],
              graphs=PROBE_GRAPHS[:1], named=()),
        Probe("named-graph-uri: GRAPH ?g sees those graphs only",
              "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
              _sorted((ox.NamedNode(PROBE_GRAPHS[0]),), (ox.NamedNode(PROBE_GRAPHS[1]),)),
              graphs=(), named=PROBE_GRAPHS[:2]),
    ]


@dataclass(frozen=True)
class Finding:
    probe: str
    problem: str | None  # None: the server got it right

    def line(self) -> str:
        return f"ok     {self.probe}" if self.problem is None else f"WRONG  {self.probe}: {self.problem}"


def _show(value: object) -> str:
    if isinstance(value, list | set):
        items = sorted(value, key=repr) if isinstance(value, set) else value
        text = "; ".join(_show(v) for v in items[:6]) + ("; …" if len(items) > 6 else "")
        noun = "row" if isinstance(value, list) else "triple"
        return f"{len(items)} {noun}{'' if len(items) == 1 else 's'} [{text}]"
    if isinstance(value, tuple):
        return " ".join("-" if v is None else _term(v) for v in value)
    if isinstance(value, ox.Triple):
        return f"{_term(value.subject)} {_term(value.predicate)} {_term(value.object)}"
    return str(value)


def _term(term: object) -> str:
    if isinstance(term, ox.NamedNode):
        return term.value.replace(EX, "ex:").replace(GRAPH_BASE, "graph/")
    if not isinstance(term, ox.Literal):
        return str(term)
    text = json.dumps(term.value, ensure_ascii=False)
    if term.language:
        return f"{text}@{term.language}"
    datatype = term.datatype.value
    if datatype == _XSD + "string":
        return text
    return f"{text}^^xsd:{datatype.removeprefix(_XSD)}" if datatype.startswith(_XSD) else f"{text}^^<{datatype}>"


@contextlib.contextmanager
def probe_graphs(server: SparqlStore) -> Iterator[None]:
    """The probe graphs on the server for the length of the block, uploaded the way `load` uploads."""
    drop = " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in PROBE_GRAPHS)
    server.update(drop, "check-store")
    try:
        for graph, ntriples in _GRAPHS.items():
            server.send(graph, ntriples.strip().encode("utf-8") + b"\n")
        yield
    finally:
        with contextlib.suppress(StoreError):
            server.update(drop, "clean-up")


def check(server: SparqlStore) -> list[Finding]:
    """Run every probe; a probe the server refuses is a finding too."""
    findings = []
    with probe_graphs(server):
        for probe in probes():
            dataset = [("default-graph-uri", g) for g in probe.graphs] + [("named-graph-uri", g) for g in probe.named]
            try:
                result = server.query_with(_PROLOGUE + probe.query, dataset, where=f"the probe {probe.name!r}")
            except StoreError as exc:
                findings.append(Finding(probe.name, f"refused: {str(exc).split(': ', 1)[-1][:200]}"))
                continue
            got = (probe.check or _rows)(result)
            problem = None if got == probe.expected else f"got {_show(got)}, expected {_show(probe.expected)}"
            findings.append(Finding(probe.name, problem))
    return findings


def report(spec: str | None) -> tuple[list[str], bool]:
    """`tech-graph check-store`: one line per probe and a summary; True if the server got all right."""
    kind, _, rest = (spec or "").partition(":")
    if kind != "sparql" or not rest:
        raise InputError("check-store probes a SPARQL server; use --store sparql:URL")
    findings = check(SparqlStore(Endpoints.parse(rest), spec or ""))
    wrong = sum(f.problem is not None for f in findings)
    summary = (f"{spec}: all {len(findings)} probes right" if not wrong
               else f"{spec}: {wrong} of {len(findings)} probes wrong")
    return [*(f.line() for f in findings), summary], not wrong
