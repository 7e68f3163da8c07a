"""Reading source texts and splitting them into sentences."""

from __future__ import annotations

from pathlib import Path

import pytest

from tech_graph.articles import html_text, read_text, sentences, slug
from tech_graph.errors import InputError
from tech_graph.load import article_path


def test_wrapped_pdf_text_gives_whole_sentences() -> None:
    found = [s.text for s in sentences(read_text(article_path()))]
    assert found[1] == "And it’s not because of the escalation of tech rivalries between US and China."
    assert ("The Committee on Foreign Investment in the U.S., or Cfius, has already forced two divestments "
            "last year.") in found
    assert ("They will not fight against Amazon in the US., but in South East Asia, the Middle East, "
            "and part of Europe.") in found
    assert len(found) == 60


def test_offsets_point_into_the_text() -> None:
    text = "First one. Second, with Mr. Smith and the U.S. in it!\n\nA heading\n\nThird?"
    found = sentences(text)
    assert [s.text for s in found] == ["First one.", "Second, with Mr. Smith and the U.S. in it!", "A heading",
                                       "Third?"]
    for s in found:
        assert " ".join(text[s.start:s.end].split()) == s.text


def test_html_keeps_visible_text_only() -> None:
    page = "<html><head><title>t</title><script>var x = 'no';</script></head><body><h1>Title</h1>" \
           "<p>One &amp; two.</p><p>Three</p></body></html>"
    assert html_text(page) == "Title\n\nOne & two.\n\nThree"


@pytest.mark.parametrize(("content", "message"), [
    (b"", "has no text"),
    (b"   \n\n ", "has no text"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "binary file"),
    (b"caf\xe9", "is not UTF-8"),
])
def test_unreadable_articles_get_one_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_text(path)


def test_slug() -> None:
    assert slug("Order of August 14, 2020: Musical.ly!") == "order-of-august-14-2020-musical-ly"
    assert slug("蚂蚁") == "article"
