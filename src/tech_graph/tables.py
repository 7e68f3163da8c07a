"""Result rows as text: an aligned table, Markdown, and the SPARQL 1.1 CSV, TSV and JSON formats."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence

import pyoxigraph as ox

from .namespaces import XSD, compact
from .store import Select, SelectStream, Term

XSD_STRING = XSD + "string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def short(term: Term | None) -> str:
    """How a person reads a term: compact IRIs, bare literal values."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return compact(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def plain(term: Term | None) -> str:
    """SPARQL CSV: full IRIs and lexical values."""
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value if isinstance(term, ox.NamedNode | ox.Literal) else str(term)


def json_term(term: Term) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": str(term)}


def as_table(header: Sequence[str], rows: Sequence[Sequence[str]], max_width: int = 0) -> str:
    """Columns padded to their widest cell; cells cut to max_width when it is set."""

    def cut(text: str) -> str:
        text = " ".join(text.split())
        return text if not max_width or len(text) <= max_width else text[: max_width - 1] + "…"

    cells = [[cut(h) for h in header], *[[cut(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


def as_markdown(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = [_markdown_row(header), "|" + "---|" * len(header)]
    lines += [_markdown_row(row) for row in rows]
    return "\n".join(lines) + "\n"


def _markdown_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(" ".join(c.split()).replace("|", "\\|") for c in cells) + " |"


def as_delimited(header: Sequence[str], rows: Sequence[Sequence[str]], delimiter: str) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def select_table(result: Select, max_width: int = 0) -> str:
    return as_table(result.variables, [[short(t) for t in row] for row in result.rows], max_width)


Rows = Iterable[Sequence[Term | None]]
_BATCH = 2000  # rows per chunk a streaming writer yields


def markdown_chunks(variables: list[str], rows: Rows) -> Iterator[str]:
    yield as_markdown(variables, [])
    for batch in _batches(rows):
        yield "".join(_markdown_row([short(t) for t in row]) + "\n" for row in batch)


def csv_chunks(variables: list[str], rows: Rows) -> Iterator[str]:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=",", lineterminator="\r\n")
    writer.writerow(variables)
    for batch in _batches(rows):
        writer.writerows([plain(t) for t in row] for row in batch)
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()
    yield buf.getvalue()


def tsv_chunks(variables: list[str], rows: Rows) -> Iterator[str]:
    """SPARQL 1.1 TSV: terms in N-Triples syntax, variables with '?'."""
    yield "\t".join("?" + v for v in variables) + "\n"
    for batch in _batches(rows):
        yield "".join("\t".join("" if t is None else str(t) for t in row) + "\n" for row in batch)


def json_chunks(variables: list[str], rows: Rows) -> Iterator[str]:
    """SPARQL 1.1 JSON results, one binding at a time, laid out as `json.dumps(..., indent=1)` would."""
    empty = json.dumps({"head": {"vars": variables}, "results": {"bindings": []}}, ensure_ascii=False, indent=1)
    opening, closing = empty.rsplit("[]", 1)
    first = True
    for batch in _batches(rows):
        parts = []
        for row in batch:
            binding = {v: json_term(t) for v, t in zip(variables, row, strict=True) if t is not None}
            text = json.dumps(binding, ensure_ascii=False, indent=1).replace("\n", "\n   ")
            parts.append((opening + "[\n   " if first else ",\n   ") + text)
            first = False
        yield "".join(parts)
    yield (opening + "[]" if first else "\n  ]") + closing + "\n"


def delimited_chunks(header: Sequence[str], rows: Iterable[Sequence[str]], delimiter: str) -> Iterator[bytes]:
    """What `as_delimited` gives, encoded, a batch of rows at a time."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for batch in _batches(rows):  # type: ignore[arg-type]
        writer.writerows(batch)
        yield buf.getvalue().encode("utf-8")
        buf.seek(0)
        buf.truncate()
    yield buf.getvalue().encode("utf-8")


class LazyList:
    """A list in a document for `json_document`, written item by item; `make` gives the items afresh each time."""

    def __init__(self, make: Callable[[], Iterable[object]]) -> None:
        self.make = make


def json_document(doc: dict[str, object], indent: int) -> Iterator[bytes]:
    """`json.dumps(doc, ensure_ascii=False, indent=indent) + "\n"`, encoded, with each LazyList written
    a batch of items at a time, so that a big list is never held whole, as objects or as text."""
    encode = json.JSONEncoder(ensure_ascii=False, indent=indent).encode
    one, two = "\n" + " " * indent, "\n" + " " * 2 * indent
    parts = ["{"]
    for i, (key, item) in enumerate(doc.items()):
        parts.append(("," if i else "") + one + encode(key) + ": ")
        if not isinstance(item, LazyList):
            parts.append(encode(item).replace("\n", one))
            continue
        opened = False
        for member in item.make():
            parts.append(("," if opened else "[") + two + encode(member).replace("\n", two))
            opened = True
            if len(parts) >= _BATCH:
                yield "".join(parts).encode("utf-8")
                parts = []
        parts.append(one + "]" if opened else "[]")
    parts.append("\n}\n" if doc else "}\n")
    yield "".join(parts).encode("utf-8")


def _batches(rows: Rows) -> Iterator[list[Sequence[Term | None]]]:
    batch: list[Sequence[Term | None]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


# Formats written row by row, in bounded memory; `table` needs every row to size its columns.
STREAMING_FORMATS: dict[str, Callable[[list[str], Rows], Iterator[str]]] = {
    "csv": csv_chunks,
    "tsv": tsv_chunks,
    "json": json_chunks,
    "md": markdown_chunks,
}


def _joined(chunks: Callable[[list[str], Rows], Iterator[str]]) -> Callable[[Select], str]:
    return lambda result: "".join(chunks(result.variables, result.rows))


select_markdown = _joined(markdown_chunks)
select_csv = _joined(csv_chunks)
select_tsv = _joined(tsv_chunks)
select_json = _joined(json_chunks)

SELECT_FORMATS: dict[str, Callable[[Select], str]] = {
    "table": select_table,
    "csv": select_csv,
    "tsv": select_tsv,
    "json": select_json,
    "md": select_markdown,
}


def write_select(result: SelectStream, fmt: str, output: str, max_width: int = 0) -> None:
    """Write SELECT rows to `output`; every format but `table` streams, so `| head` returns at once."""
    from .output import open_output

    if fmt == "table":
        rows = list(result.rows)
        chunks: Iterable[str] = [as_table(result.variables, [[short(t) for t in row] for row in rows], max_width)]
    else:
        chunks = STREAMING_FORMATS[fmt](result.variables, result.rows)
    with open_output(output) as sink:
        for chunk in chunks:
            sink.write(chunk.encode("utf-8"))


HTML_ROW_LIMIT = 200  # a notebook cell, not a report: the rest is one click away in pandas or CSV


def as_html(header: Sequence[str], rows: Sequence[Sequence[str]], caption: str = "",
            limit: int = HTML_ROW_LIMIT) -> str:
    """A compact HTML table for notebooks (`_repr_html_`); every cell escaped, at most `limit` rows."""
    import html

    def cells(tag: str, values: Sequence[str]) -> str:
        return "".join(f"<{tag}>{html.escape(str(v))}</{tag}>" for v in values)

    title = html.escape(_caption(len(rows), caption, limit))
    body = "".join(f"<tr>{cells('td', row)}</tr>" for row in rows[:limit])
    return (f'<table class="tech-graph"><caption style="text-align:left">{title}</caption>'
            f"<thead><tr>{cells('th', header)}</tr></thead><tbody>{body}</tbody></table>")


def as_text(header: Sequence[str], rows: Sequence[Sequence[str]], caption: str = "",
            limit: int = HTML_ROW_LIMIT) -> str:
    """The notebook's text/plain beside `as_html`: the terminal table, cells cut, at most `limit` rows."""
    return f"{_caption(len(rows), caption, limit)}\n" + as_table(header, rows[:limit], max_width=60)


def _caption(count: int, caption: str, limit: int) -> str:
    note = f"{count:,} row{'' if count == 1 else 's'}" + (f", the first {limit:,} shown" if count > limit else "")
    return f"{caption}: {note}" if caption else note
