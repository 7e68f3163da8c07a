"""The RDF serialization formats, by the names users type, and deterministic writers for them.

One registry serves `query` (CONSTRUCT/DESCRIBE output) and `export`. Output is
byte-identical for the same graph: blank nodes get RDFC-1.0 canonical labels,
statements are sorted, and prefixes are declared in one fixed order, so that a
diff of two exports shows only what changed in the graph.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import json
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from .errors import InputError
from .namespaces import PREFIXES, RDF, RDFS, XSD

CONTEXT_IRI = "https://w3id.org/tech-graph/context.jsonld"


@dataclass(frozen=True)
class RdfFormat:
    name: str
    ox_format: ox.RdfFormat
    suffix: str
    media_type: str
    title: str
    aliases: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()

    @property
    def quads(self) -> bool:
        """Whether the format keeps named graphs."""
        return self.ox_format in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG)


RDF_FORMATS: dict[str, RdfFormat] = {
    f.name: f
    for f in (
        RdfFormat("turtle", ox.RdfFormat.TURTLE, ".ttl", "text/turtle", "Turtle", ("ttl",), (".turtle",)),
        RdfFormat("nt", ox.RdfFormat.N_TRIPLES, ".nt", "application/n-triples", "N-Triples", ("ntriples", "n-triples")),
        RdfFormat("nq", ox.RdfFormat.N_QUADS, ".nq", "application/n-quads", "N-Quads", ("nquads", "n-quads")),
        RdfFormat("trig", ox.RdfFormat.TRIG, ".trig", "application/trig", "TriG"),
        RdfFormat("jsonld", ox.RdfFormat.JSON_LD, ".jsonld", "application/ld+json", "JSON-LD, compacted", ("json-ld",)),
        RdfFormat("rdfxml", ox.RdfFormat.RDF_XML, ".rdf", "application/rdf+xml", "RDF/XML", ("xml", "rdf/xml"),
                  (".owl", ".xml")),
    )
}
TRIPLE_FORMATS = [name for name, f in RDF_FORMATS.items() if not f.quads]
_ALIASES = {alias: f.name for f in RDF_FORMATS.values() for alias in (f.name, *f.aliases)}


def rdf_format(name: str) -> RdfFormat:
    key = _ALIASES.get(name.lower())
    if key is None:
        raise InputError(f"unknown RDF format {name!r}; use one of {', '.join(RDF_FORMATS)}")
    return RDF_FORMATS[key]


def find_rdf_format(name: str) -> RdfFormat | None:
    """The format a name or alias means, or None."""
    key = _ALIASES.get(name.lower())
    return RDF_FORMATS[key] if key else None


def rdf_format_for_path(path: str | Path) -> RdfFormat | None:
    """The format a file name implies (`.ttl`, `.nq.gz`, ...), or None."""
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    if not suffixes:
        return None
    for fmt in RDF_FORMATS.values():
        if suffixes[-1] in (fmt.suffix, *fmt.suffixes):
            return fmt
    return None


# -- stable order -------------------------------------------------------------------------------

_FIRST_PREDICATES = {RDF + "type": 0, RDFS + "label": 1}


def _term_key(term: object) -> tuple[int, str, str]:
    if isinstance(term, ox.NamedNode):
        return (0, term.value, "")
    if isinstance(term, ox.BlankNode):
        return (1, term.value, "")
    if isinstance(term, ox.Literal):
        return (2, term.value, term.language or term.datatype.value)
    if isinstance(term, ox.DefaultGraph):
        return (-1, "", "")
    return (3, str(term), "")


def _quad_key(quad: ox.Quad) -> tuple[Any, ...]:
    p = quad.predicate.value
    return (_term_key(quad.graph_name), _term_key(quad.subject), _FIRST_PREDICATES.get(p, 2), p,
            _term_key(quad.object))


def relabelled(quads: Iterable[ox.Quad]) -> set[ox.Quad]:
    """The quads without duplicates, blank nodes relabelled by RDFC-1.0 so their labels are stable."""
    unique = set(quads)
    if any(isinstance(t, ox.BlankNode) for q in unique for t in (q.subject, q.object, q.graph_name)):
        dataset = ox.Dataset(unique)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        unique = set(dataset)
    return unique


def canonical(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """`relabelled` quads in a stable, readable order.

    Subjects sort by IRI, and within a subject rdf:type and rdfs:label come first.
    """
    return sorted(relabelled(quads), key=_quad_key)


def as_triples(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """The union of all graphs, as quads in the default graph."""
    return [ox.Quad(q.subject, q.predicate, q.object) for q in quads]


def used_prefixes(quads: Iterable[ox.Quad]) -> dict[str, str]:
    """Our prefixes that some IRI in the quads starts with, in PREFIXES order."""
    iris = set()
    for q in quads:
        for term in (q.subject, q.predicate, q.object, q.graph_name):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif isinstance(term, ox.Literal):
                iris.add(term.datatype.value)
    return {p: ns for p, ns in PREFIXES.items() if any(iri.startswith(ns) for iri in iris)}


# -- writers ----------------------------------------------------------------------------------

_PREFIX_LINE = re.compile(rb"^@prefix ([\w.-]*): <[^>]*> \.\n", re.M)
_XMLNS = re.compile(rb'\s+xmlns:([\w.-]+)="[^"]*"')


def _order_turtle_prefixes(data: bytes, prefixes: dict[str, str]) -> bytes:
    """pyoxigraph writes prefixes in hash order; rewrite the header in our fixed order."""
    body = _PREFIX_LINE.sub(b"", data, count=len(prefixes))
    head = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in prefixes.items()).encode()
    return head + body


def _order_xmlns(data: bytes) -> bytes:
    """Sort the namespace declarations on the rdf:RDF element."""
    start = data.find(b"<rdf:RDF")
    if start < 0:
        return data
    end = data.index(b">", start)
    tag = data[start:end]
    attrs = sorted(m.group(0).strip() for m in _XMLNS.finditer(tag))
    rest = _XMLNS.sub(b"", tag)
    return data[:start] + rest + b" " + b" ".join(attrs) + data[end:]


def _serialize_ox(quads: list[ox.Quad], fmt: RdfFormat) -> bytes:
    prefixes = used_prefixes(quads)
    items: list[ox.Quad] | list[ox.Triple] = quads if fmt.quads else [q.triple for q in quads]
    data = ox.serialize(items, format=fmt.ox_format, prefixes=prefixes)
    assert data is not None  # no output file given: bytes come back
    if fmt.ox_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG):
        return _order_turtle_prefixes(data, prefixes)
    if fmt.ox_format is ox.RdfFormat.RDF_XML:
        return _order_xmlns(data)
    return data


@cache
def jsonld_context() -> dict[str, Any]:
    """The published @context (`ontology/context.jsonld`), read from the local file."""
    from .load import project_root

    path = project_root() / "ontology" / "context.jsonld"
    context: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return context


def offline_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """A pyld document loader that serves our context from disk and fetches nothing."""
    if url == CONTEXT_IRI:
        return {"contextUrl": None, "documentUrl": url, "document": jsonld_context()}
    raise InputError(f"JSON-LD processing asked for {url}; tech-graph does not fetch remote documents")


@dataclass(frozen=True)
class _Term:
    name: str
    iri: str
    type: str | None  # "@id", "@vocab", a datatype IRI, or None
    language: str | None  # the language strings under this term get
    container: str | None  # "@language", "@set" or None


class Compactor:
    """Compacts triples with one fixed context, node by node, in time linear in the triples.

    It produces what JSON-LD compaction produces for flat data (the JSON-LD 1.0 and 1.1 compaction
    algorithms' term selection for our kinds of term definition), without a general processor's
    per-node cost: pyld's compaction of the whole graph took 16 s at 10k triples and 145 s at 30k.
    """

    def __init__(self, context: dict[str, Any]) -> None:
        ctx = context["@context"]
        self.vocab: str | None = ctx.get("@vocab")
        self.default_language: str | None = ctx.get("@language")
        self.aliases = {v: k for k, v in sorted(ctx.items(), key=lambda kv: (len(kv[0]), kv[0]))
                        if isinstance(v, str) and v.startswith("@") and not k.startswith("@")}
        self.names = {k for k in ctx if not k.startswith("@")}
        self.prefixes = {k: v for k, v in ctx.items() if isinstance(v, str) and not k.startswith("@")
                         and not v.startswith("@") and v[-1:] in "/#:?[]@"}
        self.by_iri: dict[str, list[_Term]] = {}
        for name in sorted(self.names, key=lambda n: (len(n), n)):  # shortest term wins, as in the spec
            definition = ctx[name]
            if isinstance(definition, str):
                definition = {"@id": definition}
            if not isinstance(definition, dict) or definition.get("@reverse"):
                continue
            iri = self.expand(definition.get("@id", name))
            if iri is None or iri.startswith("@"):
                continue
            kind = definition.get("@type")
            language = definition.get("@language", self.default_language)
            container = definition.get("@container")
            if container not in (None, "@language", "@set"):
                continue  # not one we write; the compact IRI serves instead
            self.by_iri.setdefault(iri, []).append(
                _Term(name, iri, self.expand(kind) if kind and not kind.startswith("@") else kind,
                      language if kind is None else None, container))
        self._sets = {t.name for terms in self.by_iri.values() for t in terms if t.container == "@set"}

    def expand(self, value: str) -> str | None:
        """A term, compact IRI or IRI of the context itself, expanded."""
        if value.startswith("@"):
            return value
        prefix, colon, suffix = value.partition(":")
        if colon and prefix in self.prefixes and not suffix.startswith("//"):
            return self.prefixes[prefix] + suffix
        if colon:
            return value
        return (self.vocab or "") + value if self.vocab else None

    @cache  # noqa: B019 - one Compactor per export; IRIs repeat a great deal
    def iri(self, iri: str, vocab: bool) -> str:
        """The shortest form that expands back to `iri`: a term or vocab-relative name where `vocab`,
        else a compact IRI, else the IRI itself."""
        if iri.startswith("_:"):
            return iri
        if vocab:
            for term in self.by_iri.get(iri, ()):
                if term.type is None and term.language == self.default_language and term.container is None:
                    return term.name
            if self.vocab and iri.startswith(self.vocab):
                local = iri[len(self.vocab):]
                if local and local not in self.names and ":" not in local and not local.startswith("@"):
                    return local
        best = None
        for prefix, ns in self.prefixes.items():
            if iri.startswith(ns) and len(iri) > len(ns):
                candidate = f"{prefix}:{iri[len(ns):]}"
                if candidate in self.names or iri[len(ns):].startswith("//"):
                    continue
                if best is None or (len(candidate), candidate) < (len(best), best):
                    best = candidate
        if best:
            return best
        scheme = iri.partition(":")[0]
        if scheme in self.names:
            raise InputError(f"the IRI {iri} would read back as a compact IRI with the term {scheme!r} of "
                             "ontology/context.jsonld; rename that term or the IRI")
        return iri

    def value(self, predicate: str, obj: ox.NamedNode | ox.BlankNode | ox.Literal) -> tuple[str, Any, str | None]:
        """(key, compacted value, language-map key or None) for one object of `predicate`."""
        terms = self.by_iri.get(predicate, ())
        id_key = self.aliases.get("@id", "@id")
        type_key = self.aliases.get("@type", "@type")
        if isinstance(obj, ox.NamedNode | ox.BlankNode):
            ref = obj.value if isinstance(obj, ox.NamedNode) else f"_:{obj.value}"
            for wanted in ("@id", "@vocab"):
                for term in terms:
                    if term.type == wanted and term.container in (None, "@set"):
                        return term.name, self.iri(ref, wanted == "@vocab" and isinstance(obj, ox.NamedNode)), None
            plain = self._plain(terms)
            return plain or self.iri(predicate, True), {id_key: self.iri(ref, False)}, None
        lexical, datatype, language = obj.value, obj.datatype.value, obj.language
        if language:
            for term in terms:
                if term.container == "@language" and term.type is None:
                    return term.name, lexical, language
            for term in terms:
                if term.container in (None, "@set") and term.type is None and term.language == language:
                    return term.name, lexical, None
            return self._plain(terms) or self.iri(predicate, True), {"@value": lexical, "@language": language}, None
        native = _native(lexical, datatype)
        if native is not None:
            # A JSON number or boolean reads back as the same literal under a term with no language.
            for term in terms:
                if term.type is None and term.language is None and term.container in (None, "@set"):
                    return term.name, native, None
            return self.iri(predicate, True), native, None
        if datatype != XSD + "string":
            for term in terms:
                if term.type == datatype and term.container in (None, "@set"):
                    return term.name, lexical, None
            return (self._plain(terms) or self.iri(predicate, True),
                    {"@value": lexical, type_key: self.iri(datatype, True)}, None)
        for term in terms:
            if term.type is None and term.language is None and term.container in (None, "@set"):
                return term.name, lexical, None
        key = self.iri(predicate, True)
        return key, ({"@value": lexical} if self.default_language else lexical), None

    def _plain(self, terms: Iterable[_Term]) -> str | None:
        """A term with no type, language or container: it takes any value written out in full."""
        for term in terms:
            if term.type is None and term.language == self.default_language and term.container is None:
                return term.name
        return None

    def nodes(self, quads: Iterable[ox.Quad]) -> list[dict[str, Any]]:
        """One node object per subject, from quads grouped by subject (as `canonical` sorts them)."""
        id_key = self.aliases.get("@id", "@id")
        type_key = self.aliases.get("@type", "@type")
        out: list[dict[str, Any]] = []
        subject: object = None
        props: dict[str, Any] = {}
        types: list[str] = []

        def flush() -> None:
            if subject is None:
                return
            node: dict[str, Any] = {id_key: self.iri(_ref(subject), False)}
            if types:
                node[type_key] = types[0] if len(types) == 1 else list(types)
            for key in sorted(props):
                values = props[key]
                if isinstance(values, dict):  # a language map
                    node[key] = {lang: v[0] if len(v) == 1 else v for lang, v in sorted(values.items())}
                else:
                    node[key] = values[0] if len(values) == 1 and key not in self._sets else values
            out.append(node)

        for quad in quads:
            if quad.subject != subject:
                flush()
                subject, props, types = quad.subject, {}, []
            p, o = quad.predicate.value, quad.object
            if isinstance(o, ox.Triple):
                raise InputError("JSON-LD 1.0 and 1.1 have no quoted triples (RDF-star); choose Turtle or N-Triples")
            if p == RDF + "type" and not isinstance(o, ox.Literal):
                types.append(self.iri(_ref(o), True))
                continue
            key, value, language = self.value(p, o)
            if language is not None:
                props.setdefault(key, {}).setdefault(language, []).append(value)
            else:
                props.setdefault(key, []).append(value)
        flush()
        return out


def _ref(term: object) -> str:
    return term.value if isinstance(term, ox.NamedNode) else f"_:{term.value}"  # type: ignore[attr-defined]


_INTEGER = re.compile(r"^(0|-?[1-9][0-9]{0,14})$")  # canonical, and exact in a JavaScript number


def _native(lexical: str, datatype: str) -> int | bool | None:
    """A JSON number or boolean for an xsd:integer or xsd:boolean that reads back unchanged."""
    if datatype == XSD + "integer" and _INTEGER.match(lexical):
        return int(lexical)
    if datatype == XSD + "boolean" and lexical in ("true", "false"):
        return lexical == "true"
    return None


def _serialize_jsonld(quads: list[ox.Quad]) -> bytes:
    """Compacted JSON-LD with our context inlined: plain JSON objects with short keys.

    The union of the graphs goes out as one `@graph` array of nodes in subject order; the
    same graph gives the same bytes.
    """
    context = jsonld_context()
    nodes = Compactor(context).nodes(quads)
    doc = {"@context": context["@context"], "@graph": nodes}
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _serialize_lines(quads: Iterable[ox.Quad], fmt: RdfFormat) -> bytes:
    return b"".join(stream_lines(quads, fmt))


RUN_STATEMENTS = 250_000  # statements sorted in memory at a time: some 100 MB


def stream_lines(quads: Iterable[ox.Quad], fmt: RdfFormat) -> Iterator[bytes]:
    """N-Triples or N-Quads as sorted unique lines, in bounded memory: a stable file, streamed.

    One statement a line, so sorting the lines as bytes gives a deterministic file. Each run of
    statements is serialized straight from the store's iterator and sorted as bytes (some 20x faster
    than sorting terms in Python); several runs go to anonymous temp files (gone even after a kill)
    and are merged. Blank nodes need their canonical (RDFC-1.0) labels, which takes the whole graph:
    such a graph is relabelled in memory.
    """
    items = iter(quads)
    with contextlib.ExitStack() as stack:
        runs: list[IO[bytes]] = []
        while data := _dump_lines(itertools.islice(items, RUN_STATEMENTS), fmt):
            if b"_:" in data:  # blank nodes, or "_:" inside some literal: relabel to be sure
                for run in runs:
                    run.seek(0)
                data = b"".join([*(run.read() for run in runs), data, _dump_lines(items, fmt)])
                data = _dump_lines(relabelled(ox.parse(data, fmt.ox_format)), fmt)
                yield b"".join(_unique(sorted(data.splitlines(keepends=True))))
                return
            lines = data.splitlines(keepends=True)
            del data
            lines.sort()
            if not runs and len(lines) < RUN_STATEMENTS:  # all of it fitted in one run
                yield b"".join(_unique(lines))
                return
            run = stack.enter_context(tempfile.TemporaryFile())
            run.writelines(_unique(lines))
            run.seek(0)
            runs.append(run)
        out: list[bytes] = []
        for line in _unique(heapq.merge(*runs)):
            out.append(line)
            if len(out) >= 10_000:
                yield b"".join(out)
                out = []
        yield b"".join(out)


def _unique(lines: Iterable[bytes]) -> Iterator[bytes]:
    """Sorted lines without repeats."""
    previous = None
    for line in lines:
        if line != previous:
            yield line
            previous = line


def _dump_lines(quads: Iterable[ox.Quad], fmt: RdfFormat) -> bytes:
    items: Iterable[ox.Quad] | Iterable[ox.Triple] = quads if fmt.quads else (q.triple for q in quads)
    data = ox.serialize(items, format=fmt.ox_format)
    assert data is not None  # no output file given: bytes come back
    return data


def serialize_quads(quads: Iterable[ox.Quad], name: str) -> bytes:
    """Quads in any of our formats; triple formats get the union of the graphs."""
    fmt = rdf_format(name)
    if fmt.ox_format in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS):
        return _serialize_lines(quads, fmt)
    chosen = canonical(quads if fmt.quads else as_triples(quads))
    if fmt.ox_format is ox.RdfFormat.JSON_LD:
        return _serialize_jsonld(chosen)
    return _serialize_ox(chosen, fmt)


def serialize_triples(triples: Iterable[ox.Triple], name: str) -> bytes:
    """Triples in a triple format, with our prefixes where the format has them."""
    fmt = rdf_format(name)
    if fmt.quads:
        raise InputError(f"{name} holds quads; for triples use one of {', '.join(TRIPLE_FORMATS)}")
    return serialize_quads((ox.Quad(t.subject, t.predicate, t.object) for t in triples), fmt.name)

