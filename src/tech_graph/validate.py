"""Validation: the SHACL shapes through pyshacl, plus the checks SHACL cannot express."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox

from .coverage import collapse, read_source
from .load import Source, project_root, shapes_path
from .namespaces import PROV, RDF, RDFS, TG, TGR, compact
from .store import Store
from .tables import short

_PREFIX = re.compile(r"@prefix\s+([\w.-]*):\s*<([^>]*)>", re.I)


@dataclass(frozen=True, order=True)
class Problem:
    """One broken rule on one node, with where the node is written down."""

    where: str
    node: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.node}: [{self.rule}] {self.message}"


class Locator:
    """Finds the file and line where a node is described, by reading the Turtle as text."""

    def __init__(self, sources: Sequence[Source]) -> None:
        self.sources = sources

    @cached_property
    def _files(self) -> list[tuple[str, list[str], dict[str, str]]]:
        files = []
        for source in self.sources:
            try:
                text = source.path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            files.append((display_path(source.path), text.splitlines(), dict(_PREFIX.findall(text))))
        return files

    def __call__(self, iri: str) -> str:
        fallback = None
        for name, lines, prefixes in self._files:
            spellings = [f"<{iri}>"] + [
                f"{p}:{iri[len(ns):]}" for p, ns in prefixes.items() if ns and iri.startswith(ns)
            ]
            pattern = re.compile(r"(?:^|[\s;,(\[])(" + "|".join(map(re.escape, spellings)) + r")(?=[\s;,.)\]]|$)")
            for number, line in enumerate(lines, 1):
                if pattern.search(line):
                    if line.startswith(tuple(spellings)):
                        return f"{name}:{number}"
                    fallback = fallback or f"{name}:{number}"
        return fallback or "(graph)"


def display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def shacl_problems(store: Store, locate: Locator) -> list[Problem]:
    """Run the shapes over the union of all graphs (the ontology supplies rdfs:subClassOf)."""
    import pyshacl
    import rdflib
    from rdflib.namespace import SH

    data = rdflib.Graph()
    data.parse(data=ox.serialize((q.triple for q in store.quads()), format=ox.RdfFormat.N_TRIPLES), format="nt")
    shapes = rdflib.Graph().parse(shapes_path(), format="turtle")
    conforms, report, _ = pyshacl.validate(data, shacl_graph=shapes, advanced=True, inference="none")
    if conforms:
        return []
    problems = []
    assert isinstance(report, rdflib.Graph)
    for result in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        shape = report.value(result, SH.sourceShape)
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        message = str(report.value(result, SH.resultMessage) or "violates a shape")
        if value is not None and isinstance(value, rdflib.Literal):
            message += f" (found {value.n3(data.namespace_manager)})"
        rule = str(shape).rsplit("#", 1)[-1] if isinstance(shape, rdflib.URIRef) else "shape"
        if path is not None and isinstance(path, rdflib.URIRef):
            rule += f" {compact(str(path))}"
        node = compact(str(focus)) if isinstance(focus, rdflib.URIRef) else str(focus)
        problems.append(Problem(locate(str(focus)), node, rule, message))
    return problems


def quote_problems(store: Store, locate: Locator) -> list[Problem]:
    """Every excerpt of a local article must occur in its text, whitespace collapsed."""
    rows = store.query(f"""
        SELECT ?excerpt ?quote ?file WHERE {{
            ?excerpt a <{TG}Excerpt> ; <{PROV}value> ?quote ; <{PROV}wasQuotedFrom> ?doc .
            ?doc <{TG}localFile> ?file .
        }}""")
    texts: dict[str, str | None] = {}
    problems = []
    for excerpt, quote, file in getattr(rows, "rows", []):
        name = short(file)
        if name not in texts:
            raw = read_source(name)
            texts[name] = None if raw is None else collapse(raw)
        text = texts[name]
        iri = excerpt.value if isinstance(excerpt, ox.NamedNode) else short(excerpt)
        if text is None:
            message = f"cannot read the source text {name}"
            problems.append(Problem(locate(iri), short(excerpt), "quote-in-source", message))
        elif collapse(short(quote)) not in text:
            problems.append(Problem(locate(iri), short(excerpt), "quote-in-source",
                                    f"quote does not occur in {name}: {short(quote)[:70]!r}; copy it verbatim"))
    return problems


def description_problems(store: Store, locate: Locator) -> list[Problem]:
    """IRIs of ours used but never described, and typed nodes without a label."""
    used = store.query(f"""
        SELECT DISTINCT ?node WHERE {{
            {{ ?node ?p ?o }} UNION {{ ?s ?p ?node }}
            FILTER (isIRI(?node) && STRSTARTS(STR(?node), "{TGR}"))
            FILTER NOT EXISTS {{ ?node <{RDF}type> ?type }}
        }} ORDER BY ?node""")
    unlabelled = store.query(f"""
        SELECT DISTINCT ?node WHERE {{
            ?node <{RDF}type> ?type .
            FILTER (isIRI(?node))
            FILTER NOT EXISTS {{ ?node <{RDFS}label> ?label }}
        }} ORDER BY ?node""")
    problems = []
    for (node,) in getattr(used, "rows", []):
        assert isinstance(node, ox.NamedNode)
        problems.append(Problem(locate(node.value), compact(node.value), "described",
                                "is used but never described; give it an rdf:type and an rdfs:label"))
    for (node,) in getattr(unlabelled, "rows", []):
        assert isinstance(node, ox.NamedNode)
        problems.append(Problem(locate(node.value), compact(node.value), "labelled",
                                "has no rdfs:label; add one"))
    return problems


# Words by which a source hedges what it says; a claim resting on them keeps a hedge or a tg:modality.
HEDGES = re.compile(r"\b(might|may|could|alleged|rumou?red|haven.t heard|not heard|is set to|possibl[ey])\b", re.I)


def hedge_problems(store: Store, locate: Locator) -> list[Problem]:
    """A claim whose quote hedges ("might", "alleged", "we haven't heard") must not state it as plain fact."""
    rows = store.query(f"""
        SELECT ?claim ?text (GROUP_CONCAT(?quote; SEPARATOR=" ") AS ?quotes) (SAMPLE(?m) AS ?modality) WHERE {{
            ?claim a <{TG}Claim> ; <{TG}claimText> ?text ; <{PROV}wasDerivedFrom>/<{PROV}value> ?quote .
            OPTIONAL {{ ?claim <{TG}modality> ?m }}
        }} GROUP BY ?claim ?text""")
    problems = []
    for claim, text, quotes, modality in getattr(rows, "rows", []):
        hedge = HEDGES.search(short(quotes))
        if hedge and modality is None and not HEDGES.search(short(text)):
            iri = claim.value if isinstance(claim, ox.NamedNode) else short(claim)
            problems.append(Problem(locate(iri), short(claim), "claim-hedge",
                                    f"its quote hedges ({hedge.group(0)!r}) but tg:claimText states it as fact; "
                                    "keep the hedge in the text or give the claim a tg:modality"))
    return problems


def imports_path() -> Path:
    """PROV-O as W3C publishes it, kept for checking our sub-properties offline (see ontology/imports/)."""
    return project_root() / "ontology" / "imports" / "prov-o.ttl"


def range_problems(store: Store, locate: Locator) -> list[Problem]:
    """A sub-property of a PROV-O property must keep its range: tg:claimedIn must not make an article an agent."""
    check = ox.Store()
    check.load(path=str(imports_path()), format=ox.RdfFormat.TURTLE)
    kept = (RDFS + "subPropertyOf", RDFS + "subClassOf", RDFS + "range")
    check.extend(ox.Quad(q.subject, q.predicate, q.object) for q in store.quads() if q.predicate.value in kept)
    rows = check.query(f"""
        SELECT DISTINCT ?p ?range ?super ?superRange WHERE {{
            ?p <{RDFS}subPropertyOf>+ ?super ; <{RDFS}range> ?range .
            ?super <{RDFS}range> ?superRange .
            FILTER (STRSTARTS(STR(?super), "{PROV}") && !STRSTARTS(STR(?p), "{PROV}"))
            FILTER (isIRI(?superRange) && ?superRange != <http://www.w3.org/2002/07/owl#Thing>)
            FILTER NOT EXISTS {{ ?range <{RDFS}subClassOf>* ?superRange }}
        }} ORDER BY ?p ?super""")
    problems = []
    for row in rows:  # type: ignore[union-attr]
        prop, rng, sup, sup_range = (compact(row[k].value) for k in ("p", "range", "super", "superRange"))
        problems.append(Problem(locate(row["p"].value), prop, "super-property-range",
                                f"its range {rng} is not a {sup_range}, the range of its super-property {sup}; "
                                "choose a super-property whose range fits (or none)"))
    return problems


def validate(store: Store, sources: Iterable[Source]) -> list[Problem]:
    """All problems, sorted by file and line; an empty list means the graph is clean."""
    locate = Locator(list(sources))
    problems = (shacl_problems(store, locate) + quote_problems(store, locate) + description_problems(store, locate)
                + range_problems(store, locate) + hedge_problems(store, locate))
    return sorted(set(problems), key=lambda p: (p.where.rsplit(":", 1)[0], _line(p.where), p.node, p.rule))


def _line(where: str) -> int:
    tail = where.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0
