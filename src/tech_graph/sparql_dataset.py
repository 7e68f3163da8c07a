"""The dataset of a SPARQL query or update on `tech-graph serve`: one default graph for both.

Queries see as their default graph the union of every graph in the store, unless they name
their own dataset (FROM, FROM NAMED) or the request does (default-graph-uri, named-graph-uri).
Updates see the same union:

- the WHERE of DELETE/INSERT (and DELETE WHERE) matches that union, with every named graph
  available to GRAPH, unless the update names its own dataset (USING, USING NAMED, WITH) or the
  request gives `using-graph-uri` / `using-named-graph-uri` (SPARQL 1.1 Protocol 2.2.3);
- what an update writes or deletes without GRAPH goes to one named graph, UPDATES_GRAPH, which
  is part of that union: INSERT DATA without GRAPH is seen by the next query, and DELETE DATA
  (or CLEAR DEFAULT) takes it away again. Triples loaded into other graphs are removed by naming
  their graph (`DELETE DATA { GRAPH <.../graph/data> { ... } }`).

pyoxigraph's `Store.update` takes no dataset, so this is done in the update's text: WITH, USING
and USING NAMED clauses are added to each DELETE/INSERT, DELETE WHERE becomes the DELETE/INSERT it
abbreviates, and an operation on the default graph (INSERT DATA, DELETE DATA, CLEAR DEFAULT, ADD,
MOVE, COPY with DEFAULT) runs between `ADD SILENT <updates> TO DEFAULT` and `MOVE SILENT DEFAULT TO
<updates>`, all in the same request, so in one transaction. Where the clauses go is found by a small lexer; what the
update means is decided by rdflib's SPARQL parser, which reads the request before and after the
rewrite: the rewrite is used only if the parser finds exactly the operations it should.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from .errors import TechGraphError
from .namespaces import GRAPH_BASE

UPDATES_GRAPH = GRAPH_BASE + "updates"

_TOKEN = re.compile(r'''
    (?P<space>\s+) | (?P<comment>\#[^\n\r]*)
  | (?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|'\'\''(?:[^'\\]|\\.|'(?!''))*'\'\''
               |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][^\s{}()\[\];,.]+) | (?P<lang>@[A-Za-z][A-Za-z0-9-]*)
  | (?P<word>[^\s{}()\[\];,<>"'\#]+)
  | (?P<other>.)''', re.X | re.S)


class DatasetError(TechGraphError):
    """The request's dataset cannot be used as given (answered with 400)."""


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int
    depth: int  # braces around it


def tokens(text: str) -> list[Token]:
    out, depth = [], 0
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "other"
        if kind in ("space", "comment"):
            continue
        value = m.group()
        if value == "}":
            depth -= 1
        out.append(Token(kind, value, m.start(), m.end(), depth))
        if value == "{":
            depth += 1
    return out


def keyword(tok: Token, *words: str) -> bool:
    return tok.kind == "word" and tok.depth == 0 and tok.text.upper() in words


def declares_dataset(query: str) -> bool:
    """Whether a query names its own dataset with FROM or FROM NAMED, as rdflib's parser reads it.

    pyoxigraph's union default graph would override FROM, so such a query runs without it.
    """
    if "from" not in query.lower() and "\\u" not in query.lower():
        return False  # no FROM hides in a text without the word or a \u escape
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        return "datasetClause" in parseQuery(query)[1]
    except Exception:
        return False  # the engine reports the syntax error


def operations(text: str) -> list[tuple[int, int]]:
    """(start, end) of each operation of an update request, split at the top-level `;`."""
    bounds, start = [], 0
    for tok in tokens(text):
        if tok.text == ";" and tok.depth == 0:
            bounds.append((start, tok.start))
            start = tok.end
    bounds.append((start, len(text)))
    return [(s, e) for s, e in bounds if text[s:e].strip()]


def parse(text: str, what: str) -> list[Any]:
    """The operations of an update as rdflib's parser reads them."""
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        return list(parseUpdate(text).request)
    except Exception as exc:
        raise DatasetError(f"{what} cannot be read by the SPARQL parser to set its dataset: {exc}") from None


def part(node: Any, key: str, default: Any = None) -> Any:
    """A field of a parse-tree node (rdflib's CompValue.get returns the key itself when it is missing)."""
    return node[key] if node is not None and key in node else default


def _iri(iri: str) -> str:
    return f"<{iri}>"


Dataset = list[tuple[str, str]]  # ("default" or "named", graph IRI), as USING / USING NAMED


def _clause(dataset: Dataset) -> str:
    return " ".join(f"USING {'NAMED ' if kind == 'named' else ''}{_iri(iri)}" for kind, iri in dataset)


def _touches_default(op: Any) -> bool:
    """Whether an operation other than DELETE/INSERT reads or writes the store's default graph."""
    from rdflib import URIRef

    def default(term: Any) -> bool:
        return term == "DEFAULT" and not isinstance(term, URIRef)

    name = op.name
    if name in ("InsertData", "DeleteData"):
        return bool(part(part(op, "quads"), "triples"))
    if name in ("Clear", "Drop"):
        return default(part(op, "graphiri"))
    if name in ("Add", "Move", "Copy"):
        return any(default(g) for g in part(op, "graph", []))
    return False


def _graphs_named(ops: Iterable[Any], base: str | None) -> set[str]:
    """Graph IRIs an update writes to, so that a later operation's WHERE sees them too."""
    from rdflib import URIRef

    found: set[str] = set()
    for op in ops:
        terms: list[Any] = []
        for clause in (op, part(op, "insert"), part(op, "delete")):
            terms += [part(block, "term") for block in part(part(clause, "quads"), "quadsNotTriples", [])]
        if op.name == "Create":
            terms.append(part(op, "graphiri"))
        if op.name in ("Add", "Move", "Copy"):
            terms.append(list(op["graph"])[-1])
        found |= {urljoin(base or "", str(t)) for t in terms if isinstance(t, URIRef)}
    return found


def with_dataset(text: str, store_graphs: Sequence[str], using: Sequence[str] = (), using_named: Sequence[str] = (),
                 base: str | None = None) -> str:
    """The update `text` rewritten so that it runs on the server's dataset (see the module's docstring).

    `using` and `using_named` are the protocol's using-graph-uri and using-named-graph-uri; with
    either of them, USING, USING NAMED or WITH in the text is an error (SPARQL 1.1 Protocol).
    """
    ops = parse(text, "the update")
    spans = operations(text)
    if len(spans) != len(ops):
        raise DatasetError("the update's operations could not be told apart to set its dataset; "
                           "send them as separate requests")
    if using or using_named:
        for op in ops:
            if part(op, "using") or part(op, "withClause"):
                raise DatasetError("the update names its dataset with USING or WITH, and the request with "
                                   "using-graph-uri or using-named-graph-uri; give one of the two "
                                   "(SPARQL 1.1 Protocol)")
        # USING NAMED alone leaves the default graph empty (SPARQL 1.1 Update 3.1.3).
        dataset = [("default", g) for g in using] + [("named", g) for g in using_named]
    else:
        union = sorted({*store_graphs, UPDATES_GRAPH, *_graphs_named(ops, base)})
        dataset = [("default", g) for g in union] + [("named", g) for g in union]
    using_clause = _clause(dataset)

    pieces, at, expected = [], 0, []
    for op, (start, end) in zip(ops, spans, strict=True):
        pieces.append(text[at:start])
        segment = text[start:end]
        name = op.name
        if name == "Modify":
            segment = _modify(segment, op, using_clause)
            expected.append(("Modify", op))
        elif name == "DeleteWhere":
            segment = _delete_where(segment, using_clause)
            expected.append(("Modify", None))
        elif _touches_default(op):
            # ADD, not MOVE: whatever the store's own default graph already holds is kept.
            move_in = f"ADD SILENT {_iri(UPDATES_GRAPH)} TO DEFAULT"
            segment = f"{move_in} ;\n{segment}\n; MOVE SILENT DEFAULT TO {_iri(UPDATES_GRAPH)}"
            expected += [("Add", None), (name, op), ("Move", None)]
        else:
            expected.append((name, op))
        pieces.append(segment)
        at = end
    pieces.append(text[at:])
    rewritten = "".join(pieces)
    _check(rewritten, expected, dataset)
    return rewritten


def _modify(segment: str, op: Any, using_clause: str) -> str:
    toks = tokens(segment)
    head = next(t for t in toks if keyword(t, "WITH", "DELETE", "INSERT"))
    where = next(t for t in toks if keyword(t, "WHERE"))
    out = segment
    if not part(op, "using") and not part(op, "withClause"):
        out = out[:where.start] + using_clause + " " + out[where.start:]
    if not part(op, "withClause"):
        out = out[:head.start] + f"WITH {_iri(UPDATES_GRAPH)} " + out[head.start:]
    return out


def _delete_where(segment: str, using_clause: str) -> str:
    """`DELETE WHERE { P }` is `DELETE { P } WHERE { P }` (SPARQL 1.1 Update 3.1.3.3), which takes a dataset."""
    toks = tokens(segment)
    head = next(t for t in toks if keyword(t, "DELETE"))
    opening = next(t for t in toks if t.text == "{" and t.depth == 0)
    closing = next(t for t in toks if t.text == "}" and t.depth == 0 and t.start > opening.start)
    pattern = segment[opening.start:closing.end]
    return (segment[:head.start] + f"WITH {_iri(UPDATES_GRAPH)} DELETE {pattern} {using_clause} WHERE {pattern}"
            + segment[closing.end:])


def _check(rewritten: str, expected: list[tuple[str, Any]], dataset: Dataset) -> None:
    """The parser must read the rewritten update as the operations intended, or it is not run."""
    ops = parse(rewritten, "the update with its dataset")
    ok = [op.name for op in ops] == [name for name, _o in expected]
    for op, (name, original) in zip(ops, expected, strict=False):
        if name != "Modify" or not ok:
            continue
        given = original is not None and bool(part(original, "using") or part(original, "withClause"))
        using = [("named", str(u["named"])) if "named" in u else ("default", str(u["default"]))
                 for u in part(op, "using", [])]
        if not given and using != dataset:
            ok = False
        wanted_with = str(original["withClause"]) if original is not None and part(original, "withClause") \
            else UPDATES_GRAPH
        if str(part(op, "withClause")) != wanted_with:
            ok = False
    if not ok:
        raise DatasetError("the update could not be given its dataset safely; name the graphs in it "
                           "(GRAPH, USING) and send it again")
