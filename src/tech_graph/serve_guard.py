"""What the server refuses to run: SERVICE and LOAD make it fetch URLs chosen by whoever sends the query.

pyoxigraph offers no parsed algebra to Python, so the query is read with the
lexical rules of the SPARQL grammar: strings, IRIs and comments are skipped, and
a keyword is a bare word (not a variable, a prefixed name or a language tag).
Unicode escapes are undone first, as the SPARQL spec (and oxigraph) does before
parsing. Where the text cannot be read, it is read as code, so doubt refuses.
"""

from __future__ import annotations

import re

REFUSED = ("SERVICE", "LOAD")

_UESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# The grammar's IRIREF: no spaces, no <>"{}|^`\ inside.
_IRIREF = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_LONG_STRING = {'"""': re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""', re.S),
                "'''": re.compile(r"'''(?:[^'\\]|\\.|'(?!''))*'''", re.S)}
_STRING = {'"': re.compile(r'"(?:[^"\\\n\r]|\\.)*"'), "'": re.compile(r"'(?:[^'\\\n\r]|\\.)*'")}
_WORD = re.compile(r"[A-Za-z_\u00C0-\uFFFF][\w\u00B7\u00C0-\uFFFF.-]*")


def unescape_codepoints(text: str) -> str:
    """`\\u0053ERVICE` is SERVICE to the parser, so it is SERVICE here too."""

    def one(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code <= 0x10FFFF else m.group(0)

    return _UESCAPE.sub(one, text)


def keywords(text: str) -> set[str]:
    """The bare words of a query, upper-cased, outside strings, IRIs and comments."""
    text = unescape_codepoints(text)
    found: set[str] = set()
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        if c in "\"'":
            quote3 = text[i : i + 3]
            m = (_LONG_STRING[quote3] if quote3 in _LONG_STRING else _STRING[c]).match(text, i)
            # An unterminated string: read on as code, so a keyword after it still counts.
            i = m.end() if m else i + 1
            continue
        if c == "<":
            m = _IRIREF.match(text, i)
            i = m.end() if m else i + 1
            continue
        if c in "?$@":
            m = _WORD.match(text, i + 1)  # a variable or a language tag, never a keyword
            i = m.end() if m else i + 1
            continue
        m = _WORD.match(text, i)
        if m:
            word = m.group(0).rstrip(".")
            after = m.start() + len(word)
            prev = text[i - 1] if i else " "
            # `service:x` is a prefixed name and `x:load` / `_:load` a local name: not keywords.
            if prev != ":" and not text.startswith(":", after):
                found.add(word.upper())
            i = max(after, i + 1)
            continue
        i += 1
    return found


def refused_keyword(text: str) -> str | None:
    """SERVICE or LOAD if the query uses it, else None."""
    words = keywords(text)
    return next((k for k in REFUSED if k in words), None)
