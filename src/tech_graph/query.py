"""SPARQL queries: the named-query library and running a query against a store.

A named query states class, property and place hierarchies as plain path patterns
(`?class rdfs:subClassOf* tg:Deal .`); before it runs, they are expanded into VALUES
read from the same store (see `hierarchy.py`), which gives the same rows, faster.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .errors import InputError, os_error
from .hierarchy import LINKS, Hierarchies, expand
from .store import Result, Select, SelectStream, Store

QUERY_DIR = Path(__file__).parent / "queries"


@dataclass(frozen=True)
class NamedQuery:
    """A `.rq` file in `queries/`; its first comment line is the one-line description."""

    name: str
    title: str
    text: str


@cache
def named_queries() -> dict[str, NamedQuery]:
    found = {}
    for path in sorted(QUERY_DIR.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        first = text.splitlines()[0] if text else ""
        title = first.lstrip("#").strip() if first.startswith("#") else ""
        found[path.stem] = NamedQuery(path.stem, title, text)
    return found


def closest(name: str, choices: list[str], what: str) -> InputError:
    """An error for an unknown name that suggests the closest known ones."""
    near = difflib.get_close_matches(name, choices, n=3, cutoff=0.5)
    if not near:
        near = [c for c in choices if name.lower() in c.lower()][:3]
    hint = f"did you mean {', '.join(near)}?" if near else f"known: {', '.join(choices[:12])}"
    return InputError(f"unknown {what} {name!r}; {hint}")


def named_query(name: str) -> NamedQuery:
    queries = named_queries()
    if name not in queries:
        raise closest(name, sorted(queries), "named query")
    return queries[name]


def expanded(store: Store, name: str, hierarchies: Hierarchies | None = None, **marks: str) -> str:
    """A named query's text as it runs on `store`: hierarchies as VALUES, `#MARK#` comments filled in."""
    return fill(named_query(name).text, hierarchies or Hierarchies.read(store), **marks)


def fill(text: str, hierarchies: Hierarchies, **marks: str) -> str:
    """A query with its hierarchies expanded and its `#MARK#` comments filled (expanded too).

    Each part is expanded on its own: a filling can be a VALUES block of thousands of IRIs,
    which the path patterns' regular expression need not read when it names no hierarchy.
    """
    text = expand(text, hierarchies)
    for mark, filling in marks.items():
        if any(link in filling for link in LINKS):
            filling = expand(filling, hierarchies)
        text = text.replace(f"#{mark.upper().replace('_', '-')}#", filling)
    return text


def run_named(store: Store, name: str, hierarchies: Hierarchies | None = None, **marks: str) -> Select:
    """Run a named SELECT query; the library's own views are built on these."""
    result = store.query(expanded(store, name, hierarchies, **marks), where=f"named query {name!r}")
    assert isinstance(result, Select), f"named query {name} is not a SELECT"
    return result


def read_query_file(path: str | Path) -> str:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise os_error(exc, f"cannot read query file {path}") from None
    return utf8(data, f"query file {path}")


def read_query_stdin() -> str:
    """Standard input as UTF-8 (not the locale's encoding), so a stray byte is an error, not a crash."""
    import sys

    return utf8(sys.stdin.buffer.read(), "standard input")


def utf8(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{where} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                         "save the query as UTF-8") from None


def check_text(text: str, where: str) -> str:
    """An argument with bytes that are not UTF-8 reaches Python as surrogates; refuse it here, by name."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = text[exc.start]
        byte = f"byte 0x{ord(bad) - 0xDC00:02x}" if 0xDC80 <= ord(bad) <= 0xDCFF else f"character U+{ord(bad):04X}"
        raise InputError(f"{where} is not UTF-8 text ({byte} at character {exc.start}); "
                         "write it as UTF-8") from None
    return text


def run(store: Store, text: str, where: str = "the query") -> Result:
    if not check_text(text, where).strip():
        raise InputError(f"{where} is empty; give a SPARQL query")
    return store.query(text, where=where)


def run_stream(store: Store, text: str, where: str = "the query") -> Result | SelectStream:
    """`run`, with SELECT rows as an iterator where the store can stream them."""
    if not check_text(text, where).strip():
        raise InputError(f"{where} is empty; give a SPARQL query")
    return store.query_stream(text, where=where)
