"""Find the bundled graph and parse RDF files into a store, with errors that name the file and line."""

from __future__ import annotations

import gzip
import io
import os
import re
import sys
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO
from xml.parsers import expat

import pyoxigraph as ox

from .errors import InputError, os_error
from .namespaces import GRAPH_DATA, GRAPH_ONTOLOGY, GRAPH_SOURCES, GRAPH_USER

# File suffix -> (pyoxigraph format, readable name). Quad formats keep their own graphs.
FORMATS: dict[str, tuple[ox.RdfFormat, str]] = {
    ".ttl": (ox.RdfFormat.TURTLE, "Turtle"),
    ".turtle": (ox.RdfFormat.TURTLE, "Turtle"),
    ".nt": (ox.RdfFormat.N_TRIPLES, "N-Triples"),
    ".nq": (ox.RdfFormat.N_QUADS, "N-Quads"),
    ".trig": (ox.RdfFormat.TRIG, "TriG"),
    ".n3": (ox.RdfFormat.N3, "N3"),
    ".jsonld": (ox.RdfFormat.JSON_LD, "JSON-LD"),
    ".json": (ox.RdfFormat.JSON_LD, "JSON-LD"),
    ".rdf": (ox.RdfFormat.RDF_XML, "RDF/XML"),
    ".owl": (ox.RdfFormat.RDF_XML, "RDF/XML"),
    ".xml": (ox.RdfFormat.RDF_XML, "RDF/XML"),
}
QUAD_FORMATS = {ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG}
LINE_FORMATS = {ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS}  # one statement per line: loadable in pieces
PIECE = 16 << 20  # bytes of N-Triples or N-Quads per bulk load (see `_bulk_load_lines`)


STDIN = Path("-")
# `--data-format` names for standard input, which has no suffix.
DATA_FORMATS = {"turtle": ".ttl", "ttl": ".ttl", "nt": ".nt", "nq": ".nq", "trig": ".trig", "n3": ".n3",
                "jsonld": ".jsonld", "rdfxml": ".rdf"}


@dataclass(frozen=True)
class Source:
    """One RDF file and the named graph its triples go to; `-` is standard input in `fmt` (or sniffed)."""

    path: Path
    graph: str = GRAPH_USER
    fmt: str | None = None

    @property
    def name(self) -> str:
        return "standard input" if self.path == STDIN else str(self.path)


HOME_ENV = "TECH_GRAPH_HOME"


def project_root() -> Path:
    """The folder holding `graph/` and `ontology/`: $TECH_GRAPH_HOME, the checkout, or the installed copy."""
    if home := os.environ.get(HOME_ENV):
        root = Path(home)
        if not ((root / "graph").is_dir() and (root / "ontology").is_dir()):
            raise InputError(f"{HOME_ENV}={home} has no graph/ and ontology/ folders; point it at a tech-graph copy")
        return root
    here = Path(__file__).resolve().parent
    for root in (here.parents[1], here / "_bundled"):
        if (root / "graph").is_dir() and (root / "ontology").is_dir():
            return root
    raise InputError(f"the bundled graph is missing: no graph/ and ontology/ near {here}; reinstall tech-graph")


def ontology_path() -> Path:
    return project_root() / "ontology" / "tech-graph.ttl"


def shapes_path() -> Path:
    return project_root() / "ontology" / "shapes.ttl"


def article_path() -> Path:
    return project_root() / "graph" / "sources" / "chinese-big-tech-in-trouble.txt"


def bundled_sources() -> list[Source]:
    """The ontology, the source records and the curated data, each to its named graph."""
    root = project_root()
    sources = [Source(ontology_path(), GRAPH_ONTOLOGY)]
    for path in sorted((root / "graph").glob("*.ttl")):
        sources.append(Source(path, GRAPH_SOURCES if path.stem == "sources" else GRAPH_DATA))
    return sources


def user_sources(paths: Iterable[str | Path], stdin_format: str | None = None) -> list[Source]:
    if stdin_format is not None and stdin_format not in DATA_FORMATS:
        raise InputError(f"unknown --data-format {stdin_format!r}; use one of {', '.join(DATA_FORMATS)}")
    return [Source(Path(p), GRAPH_USER, stdin_format if Path(p) == STDIN else None) for p in paths]


@cache
def stdin_bytes() -> bytes:
    """Standard input, read once however many times the sources are loaded."""
    return sys.stdin.buffer.read()


def sniff_format(data: bytes) -> str:
    """Standard input without --data-format: XML is RDF/XML, a JSON object or array is JSON-LD, else Turtle."""
    head = data.removeprefix(b"\xef\xbb\xbf").lstrip()[:64]
    if head.startswith((b"<?xml", b"<!", b"<rdf:RDF")):
        return "rdfxml"
    # A JSON-LD array holds objects; Turtle may start with a blank node, `[ <p> <o> ] .`
    return "jsonld" if head[:1] == b"{" or re.match(rb"\[\s*(\{|\]\s*$)", head) else "turtle"


def source_format(source: Source) -> tuple[ox.RdfFormat, str]:
    if source.path == STDIN:
        return FORMATS[DATA_FORMATS[source.fmt or sniff_format(stdin_bytes())]]
    return rdf_format(source.path)


def rdf_format(path: Path) -> tuple[ox.RdfFormat, str]:
    """The format of a file from its suffix (ignoring a trailing .gz)."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    if suffixes and suffixes[-1] in FORMATS:
        return FORMATS[suffixes[-1]]
    known = ", ".join(sorted(FORMATS))
    raise InputError(f"{path}: unknown RDF file type; use one of {known} (optionally .gz)")


def read_bytes(path: Path, expect: str = "RDF files") -> bytes:
    """The bytes of a file (gunzipped if it ends in .gz), or one InputError; `expect` says what to pass instead."""
    if path == STDIN:
        return stdin_bytes()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder; pass {expect}") from None
    except OSError as exc:
        raise os_error(exc, f"cannot read {path}") from None
    if path.suffix.lower() != ".gz":
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        reason = "it ends too early" if isinstance(exc, EOFError) else str(exc)
        raise InputError(f"{path}: not a valid .gz file ({reason}); check the file or drop the .gz suffix") from None


class _RootReached(Exception):
    pass


def refuse_xml_entities(name: str, data: bytes | None, path: Path | None) -> None:
    """Refuse a DOCTYPE that declares entities or names an external DTD, before any RDF/XML parsing.

    Entities can expand without bound (a 1 KB "billion laughs" file makes gigabytes) or read local
    files (XXE). Expat reads only the prolog here: it stops at the root element.
    """
    parser = expat.ParserCreate()

    def doctype(_name: str, sysid: str | None, pubid: str | None, _internal: int) -> None:
        if sysid or pubid:
            refuse(f"an external DTD ({sysid or pubid})")

    def entity(ent: str, *_args: object) -> None:
        refuse(f"an entity declaration (<!ENTITY {ent} ...>)")

    def refuse(what: str) -> None:
        raise InputError(f"{name}:{parser.CurrentLineNumber}: RDF/XML with {what} is refused: entities can "
                         "expand without bound or read local files; write the text out instead of the entities")

    def root(*_args: object) -> None:
        raise _RootReached

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.StartElementHandler = root
    try:
        if data is not None:
            parser.Parse(data, True)
        elif path is not None:
            with path.open("rb") as handle:
                while chunk := handle.read(65536):
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
    except (_RootReached, expat.ExpatError):
        pass  # the prolog is clean; malformed XML is reported by the RDF/XML parser with its line
    except OSError as exc:
        raise os_error(exc, f"cannot read {name}") from None


def parse_error(path: Path, name: str, exc: SyntaxError, first_line: int = 1) -> InputError:
    """`file:line:col: invalid Turtle: ...` from pyoxigraph's SyntaxError (its line counted from `first_line`)."""
    message = str(exc.msg if hasattr(exc, "msg") else exc)
    line, col = exc.lineno, exc.offset
    if line is not None:
        line += first_line - 1
        message = message.split(": ", 1)[-1] if message.startswith("Parser error at line") else message
        where = f"{path}:{line}:{col}" if col is not None else f"{path}:{line}"
    else:
        where = str(path)
    return InputError(f"{where}: invalid {name}: {message}; fix the file and try again")


def load_source(store: ox.Store, source: Source, *, bulk: bool = False) -> None:
    """Add one file to its named graph.

    Without `bulk` each file loads whole or not at all. `bulk` skips the
    transaction (several times faster on big files); callers that use it
    throw the store away on failure.
    """
    fmt, name = source_format(source)
    graph = None if fmt in QUAD_FORMATS else ox.NamedNode(source.graph)
    base = (Path.cwd() / "stdin" if source.path == STDIN else source.path.resolve()).as_uri()
    # A plain file is streamed by path, so a big one is never held in Python's memory too.
    streamed = source.path != STDIN and source.path.suffix.lower() != ".gz" and source.path.is_file()
    data = None if streamed else read_bytes(source.path)
    path = str(source.path) if streamed else None
    if fmt is ox.RdfFormat.RDF_XML:
        refuse_xml_entities(source.name, data, source.path if streamed else None)
    first_line = [1]  # where the piece being loaded starts, for the error's line number
    try:
        if bulk and fmt in LINE_FORMATS:
            with open(str(path), "rb") if path is not None else io.BytesIO(data or b"") as handle:
                _bulk_load_lines(store, handle, fmt, base, graph, first_line)
        elif bulk:
            store.bulk_load(data, fmt, path=path, base_iri=base, to_graph=graph)
        else:
            store.load(data, fmt, path=path, base_iri=base, to_graph=graph)
    except OSError as exc:
        raise os_error(exc, f"cannot read {source.name}") from None
    except SyntaxError as exc:
        raise parse_error(Path(source.name), name, exc, first_line[0]) from None
    except ValueError as exc:
        raise InputError(f"{source.name}: invalid {name}: {exc}; fix the file and try again") from None
    except MemoryError as exc:
        # pyoxigraph's parsers cap one token (a literal, an IRI) at 16 MiB: "Reached the buffer maximal size".
        raise InputError(f"{source.name}: a term is too long for the {name} parser ({exc}); "
                         "split or shorten the literal") from None


def _bulk_load_lines(store: ox.Store, handle: IO[bytes], fmt: ox.RdfFormat, base: str,
                     graph: ox.NamedNode | None, first_line: list[int]) -> None:
    """Bulk-load N-Triples or N-Quads in pieces of whole lines, keeping `first_line[0]` at the piece's first line.

    pyoxigraph's bulk loader holds a batch of up to a million statements at once, with its hash
    tables sized for it; pieces of PIECE bytes keep it to about a hundred thousand. At 1M triples
    that loaded in 6.8 s and 173 MB instead of 9.7 s and 1 GB (docs/performance.md). Each load
    gives blank nodes new names, so from the first piece that may hold one (`_:`) the rest of the
    file goes in one load; so does a line longer than a piece.
    """
    pending = b""
    while True:
        start = handle.tell() - len(pending)
        read = handle.read(PIECE)
        block = pending + read
        if not block:
            return
        end = len(block) if len(read) < PIECE else block.rfind(b"\n") + 1  # a short read is the end of the file
        if end == 0 or b"_:" in block:
            handle.seek(start)
            store.bulk_load(handle, fmt, base_iri=base, to_graph=graph)
            return
        store.bulk_load(block[:end], fmt, base_iri=base, to_graph=graph)
        first_line[0] += block.count(b"\n", 0, end)
        pending = block[end:]


def load_sources(store: ox.Store, sources: Sequence[Source], *, bulk: bool = False) -> None:
    for source in sources:
        load_source(store, source, bulk=bulk)
