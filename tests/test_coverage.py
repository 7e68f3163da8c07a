"""`tech-graph coverage`: sentences of the source texts, the excerpts that cite them, and the facts behind those."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from tech_graph import coverage as cov
from tech_graph.cli import cli
from tech_graph.load import article_path
from tech_graph.store import Select, Store
from tech_graph.tables import short


def test_sentences_split_at_ends_not_at_abbreviations() -> None:
    text = ("The Committee on Foreign Investment in the U.S., or Cfius, has forced two divestments. The\n"
            "U.S.-China deals are reviewed.  \n\nAt the heart is “data advantage.” Both try.\n"
            "They will not fight Amazon in the US., but in Europe. Is it a wonder?  \n")
    found = [(s.paragraph, s.text) for s in cov.split_sentences(text)]
    assert found == [
        (1, "The Committee on Foreign Investment in the U.S., or Cfius, has forced two divestments."),
        (1, "The U.S.-China deals are reviewed."),
        (2, "At the heart is “data advantage.”"), (2, "Both try."),
        (3, "They will not fight Amazon in the US., but in Europe."), (3, "Is it a wonder?"),
    ]
    flat = cov.collapse(text)
    assert all(flat[s.start:s.end] == s.text for s in cov.split_sentences(text))


def test_every_sentence_of_the_article_is_counted_once() -> None:
    text = article_path().read_text(encoding="utf-8")
    sentences = cov.split_sentences(text)
    assert " ".join(s.text for s in sentences) == cov.collapse(text)
    assert sentences[0].text == "Chinese big tech is in trouble these days."
    assert sentences[-1].text.endswith("it will have to expand internationally, very quickly.")


def article(store: Store) -> cov.DocumentCoverage:
    """The article's coverage; the shipped Federal Register texts (graph/sources/) come after it."""
    docs = cov.coverage(store)
    assert docs[0].iri == "https://w3id.org/tech-graph/id/article" and len(docs) >= 5
    return docs[0]


def test_a_sentence_is_cited_exactly_when_an_excerpt_of_that_text_overlaps_it(store: Store) -> None:
    for doc in cov.coverage(store):
        result = store.query(f"SELECT ?q WHERE {{ ?x prov:wasQuotedFrom <{doc.iri}> ; prov:value ?q }}")
        assert isinstance(result, Select)
        quotes = [cov.collapse(short(q)) for (q,) in result.rows]
        for sentence in doc.sentences:
            overlapping = any(q in sentence.text or sentence.text in q for q in quotes)
            assert sentence.cited == overlapping, sentence.text
        assert doc.unplaced == []
        assert doc.cited == len(doc.sentences) - len(doc.uncited)


def test_facts_citing_a_sentence_are_the_nodes_derived_from_its_excerpts(store: Store) -> None:
    doc = article(store)
    for sentence in doc.sentences:
        for excerpt in sentence.excerpts:
            result = store.query(f"SELECT ?n WHERE {{ ?n prov:wasDerivedFrom <{excerpt}> }}")
            assert isinstance(result, Select)
            assert {n.value for (n,) in result.rows} <= set(sentence.facts), sentence.text  # type: ignore[union-attr]
    kinds = {f.kind for s in doc.sentences for f in s.facts.values()}
    assert {"Claim", "Link", "Company"} <= kinds


def test_every_factual_sentence_of_the_article_is_cited(store: Store) -> None:
    """What stays uncited is rhetoric or points at a chart the stored text does not include (see README)."""
    doc = article(store)
    assert [s.text for s in doc.uncited] == [
        "But here is another way of looking at the recent incidents.",
        "Here is a revenue breakdown of the five leading companies in China.",
        "Here is another picture.",
        "It looks at user volume among the three major platforms.",
        "So what are the long-term implications?",
    ]


def test_cli_prints_the_share_and_lists_the_uncited(runner: CliRunner, store: Store) -> None:
    doc = article(store)
    result = runner.invoke(cli, ["coverage"])
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert first.startswith("graph/sources/chinese-big-tech-in-trouble.txt: ")
    assert f"{doc.cited} of {len(doc.sentences)} sentences cited ({doc.share:.1f}%)" in first
    assert "         tgr:link-valuation-fall-despite-buyback" in result.output
    uncited = runner.invoke(cli, ["coverage", "--uncited"]).output.splitlines()
    first_block = next(i for i, line in enumerate(uncited[1:], 1) if line.startswith("graph/sources/"))
    assert first_block == 1 + len(doc.uncited)
    assert uncited[1].strip().startswith(f"{doc.uncited[0].number} ")


def test_cli_json_lists_each_sentence_with_its_facts(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["coverage", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)[0]
    assert doc["cited"] == sum(item["cited"] for item in doc["items"])
    twelve = doc["items"][11]
    assert twelve["text"].startswith("Between December 24th and 28th")
    assert "https://w3id.org/tech-graph/id/alibaba-valuation-fall" in {f["iri"] for f in twelve["facts"]}


def test_a_users_own_article_is_covered_too(runner: CliRunner, tmp_path: Path) -> None:
    text = tmp_path / "note.txt"
    text.write_text("Regulators audited the company. Nobody <b>cites</b> this & that.\n", encoding="utf-8")
    data = tmp_path / "note.ttl"
    data.write_text(f"""\
@prefix tg: <https://w3id.org/tech-graph/ontology#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<http://example.org/note> a tg:Article ; rdfs:label "A note"@en ; tg:localFile "{text}" .
<http://example.org/q> a tg:Excerpt ; prov:value "Regulators audited the company." ;
    prov:wasQuotedFrom <http://example.org/note> .
<http://example.org/fact> rdfs:label "The audit"@en ; prov:wasDerivedFrom <http://example.org/q> .
""", encoding="utf-8")
    page = tmp_path / "coverage.html"
    result = runner.invoke(cli, ["--data", str(data), "coverage", "--html", str(page)])
    assert result.exit_code == 0, result.output
    assert f"{text}: A note: 1 of 2 sentences cited (50.0%), 1 uncited" in result.output
    html = page.read_text(encoding="utf-8")
    assert "Nobody &lt;b&gt;cites&lt;/b&gt; this &amp; that." in html and "<b>cites" not in html
    assert 'data-fact="http://example.org/fact"' in html


def test_the_page_escapes_everything_and_loads_nothing() -> None:
    sentence = cov.Sentence(1, 1, 0, 20, '<script>alert("x")</script>', {"e"},
                            {"urn:x": cov.Fact("urn:x", 'A "quoted" <fact>', "Claim")})
    page = cov.html_page([cov.DocumentCoverage("urn:doc", "<Doc & co>", "doc.txt", [sentence], [])])
    assert "<script>" not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "&lt;Doc &amp; co&gt;" in page and "A &quot;quoted&quot; &lt;fact&gt;" in page
    assert "default-src 'none'" in page
    assert "http://" not in page.replace('data-fact="', "").split("<body>")[0].replace("urn:", "")
    assert "src=" not in page and "<link" not in page
