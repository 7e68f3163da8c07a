"""Source texts: an article read from plain text or HTML, split into sentences that keep their place in the text.

Shared by `coverage` (which sentences the graph cites) and `ingest` (which sentences propose facts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from .errors import InputError

_SKIP = {"script", "style", "noscript", "template", "head", "svg"}
_BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article", "blockquote"}


class _Text(HTMLParser):
    """The visible text of an HTML page, one block a line."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and self.skipping:
            self.skipping -= 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_text(markup: str) -> str:
    parser = _Text()
    parser.feed(markup)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n\n".join(line for line in lines if line)


def read_text(path: Path) -> str:
    """The text of a plain-text or HTML file, or one InputError saying why it cannot be read."""
    from .load import read_bytes

    data = read_bytes(path, "a text or HTML file")
    if b"\x00" in data[:65536]:
        raise InputError(f"{path}: is a binary file, not text; save the article as plain text or HTML")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: byte {exc.start} is not UTF-8; save the article as UTF-8 text") from None
    head = text.lstrip()[:512].lower()
    if path.suffix.lower() in (".html", ".htm") or head.startswith(("<!doctype html", "<html")):
        text = html_text(text)
    if not text.strip():
        raise InputError(f"{path}: has no text; give an article with at least one sentence")
    return text


@dataclass(frozen=True)
class Sentence:
    """A sentence: its text with white space collapsed, and where it starts and ends in the article."""

    index: int
    start: int
    end: int
    text: str
    paragraph: int = 1  # numbered from 1


# A sentence ends at . ! or ? (with closing quotes or brackets), before white space and a capital,
# a digit or an opening quote; not after a lone capital ("U.S.") or a common abbreviation.
_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s+[\"“‘(\[]?[A-Z0-9])")
_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "inc", "ltd", "co", "corp", "no", "vs", "jan", "feb", "mar", "apr",
                  "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "st", "u.s", "u.k", "e.g", "i.e", "sec",
                  # legal texts: "50 U.S.C. 1701 et seq.", "Vol. 85", "ByteDance Ltd. (a.k.a. ...)"
                  "u.s.c", "seq", "vol", "a.k.a", "pub", "stat"}
# "Section 1." and "Sec. 2." number a section; the period after the number does not end a sentence.
_SECTION = re.compile(r"\b(?:sec|section)\.?\s+\d+[a-z]?$", re.I)


def sentences(text: str) -> list[Sentence]:
    """The sentences of a text.

    A blank line ends a sentence only where the line before it ends one, or is a short heading
    followed by a capital: text copied from a PDF wraps every line with a blank line between.
    """
    found: list[Sentence] = []
    for paragraph, (start, end) in enumerate(_paragraphs(text), 1):
        for m in _END.finditer(text, start, end):
            cut = m.end()
            before = text[start:cut].rstrip(".!?\"'”’)]").split()
            word = before[-1].lower().rstrip(".").lstrip("([\"'“‘") if before else ""
            if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()) or _SECTION.search(
                    text[start:cut].rstrip(".")):
                continue
            _add(found, text, start, cut, paragraph)
            start = cut
        _add(found, text, start, end, paragraph)
    return found


_TERMINAL = tuple(".!?:\"'”’)")
# Within a block, a line that ends a sentence ends its paragraph too.
_LINE_END = re.compile(r"(?<=[.!?])[\"'”’)]*[ \t]*\n")


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """Blank-line blocks, joined where a block does not end a sentence, split after a line that ends one."""
    chunks = []
    for m in re.finditer(r"\S(?:.*?\S)?(?=\s*\n\s*\n|\s*$)", text, re.S):
        start = m.start()
        for line_end in _LINE_END.finditer(text, m.start(), m.end()):
            chunks.append((start, line_end.start() + len(line_end.group(0).rstrip(" \t\n"))))
            start = line_end.end()
            while start < m.end() and text[start].isspace():
                start += 1
        chunks.append((start, m.end()))
    merged: list[tuple[int, int]] = []
    for start, end in chunks:
        if merged:
            prev_start, prev_end = merged[-1]
            last_line = text[prev_start:prev_end].rsplit("\n", 1)[-1].strip()
            hard = last_line.endswith(_TERMINAL) or (len(last_line) < 60 and text[start].isupper())
            if not hard:
                merged[-1] = (prev_start, end)
                continue
        merged.append((start, end))
    return merged


def _add(found: list[Sentence], text: str, start: int, end: int, paragraph: int) -> None:
    piece = text[start:end]
    lead = len(piece) - len(piece.lstrip())
    body = " ".join(piece.split())
    if body:
        found.append(Sentence(len(found), start + lead, end, body, paragraph))


def slug(text: str, limit: int = 60) -> str:
    """A lower-case, hyphenated name for files and IRIs."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    out = "-".join(words)[:limit].strip("-")
    return out or "article"
