"""Every named query, run on the shipped graph, against rows we know from the article and its sources."""

from __future__ import annotations

import pytest

from tech_graph.query import named_queries, run_named
from tech_graph.store import Store
from tech_graph.tables import short


def rows(store: Store, name: str, *columns: str) -> list[tuple[str, ...]]:
    result = run_named(store, name)
    index = [result.variables.index(c) for c in columns]
    return [tuple(short(row[i]) for i in index) for row in result.rows]


ARTICLE_2021 = "Chinese big tech is in trouble (article), 2021"  # undated figures hold as of the article

# name -> (columns, rows that must be there, exact row count or None)
EXPECTED: dict[str, tuple[tuple[str, ...], set[tuple[str, ...]], int | None]] = {
    # The curated graph has one value per figure; tests/test_ingest.py accepts a second source that disagrees.
    "disagreements": ((), set(), 0),
    "regulatory-actions": (
        ("date", "regulatorLabel", "targetLabel"),
        {("2020-11-03", "Shanghai Stock Exchange", "Ant Group"),
         ("2020-12-24", "SAMR (State Administration for Market Regulation)", "Alibaba"),
         ("2020-12-09", "FTC (US Federal Trade Commission)", "Facebook"),
         ("2020-06-29", "MeitY (Ministry of Electronics and Information Technology, India)", "TikTok"),
         ("2020-11-02", "People's Bank of China", "Jack Ma"),
         ("2020-08-06", "Trump administration", "ByteDance"),
         ("2020-08-06", "Trump administration", "Tencent Holdings")},
        28,  # with the bans of Executive Orders 13942 and 13943, landed from graph/sources/
    ),
    "forced-and-unwound-deals": (
        ("eventLabel", "dealLabel"),
        {("FTC sues to unwind Facebook's Instagram and WhatsApp acquisitions", "Facebook acquires Instagram"),
         ("FTC sues to unwind Facebook's Instagram and WhatsApp acquisitions", "Facebook acquires WhatsApp"),
         ("Ant Group IPO suspended", "Ant Group's planned IPO")},
        None,
    ),
    "value-losses": (
        ("companyLabel", "begin", "end", "percent", "amount", "currency", "phrase"),
        {("Alibaba", "2020-12-24", "2020-12-28", "-13", "-91000000000", "USD", "$91bn")},
        3,
    ),
    "ownership": (
        ("ownerLabel", "relation", "ownedLabel"),
        {("Facebook", "Ownership", "Instagram"), ("Facebook", "Ownership", "WhatsApp"),
         ("Alibaba", "Stake", "Ant Group"), ("Ant Group", "Stake", "Hellobike"),
         ("Jack Ma", "Founder", "Alibaba"), ("Tencent Holdings", "Ownership", "WeChat"),
         ("ByteDance", "Ownership", "TikTok")},
        10,
    ),
    "claims": (("claim",), set(), None),
    "events": (
        ("date", "eventLabel", "typeLabel"),
        {("2020-11-03", "Ant Group IPO suspended", "IPO suspension"),
         ("2021-01-20", "Jack Ma resurfaces", "Reappearance of an executive"),
         ("2020-12-24", "Alibaba's valuation falls 13% ($91bn)", "Valuation drop"),
         ("", "Beijing offers ByteDance help", "Government offer of help"),
         ("2019-05-15", "US declares an ICT supply-chain emergency (EO 13873)", "Policy announcement")},
        31,  # five more from the Federal Register texts in graph/sources/
    ),
    "acquisitions": (
        ("date", "acquirerLabel", "acquiredLabel", "amount", "currency"),
        {("2012-04-09", "Facebook", "Instagram", "1000000000", "USD"),
         ("2014-02-19", "Facebook", "WhatsApp", "19000000000", "USD")},
        2,
    ),
    "divestments": (
        ("sellerLabel", "soldLabel", "status"),
        {("Ant Group", "Hellobike", ""), ("", "", "completed")},
        5,
    ),
    "crackdown-by-country": (
        ("countryLabel", "actions"),
        {("United States", "8"), ("China", "5"), ("India", "1")},  # the US: +2 bans of 6 Aug 2020
        3,
    ),
    "measurements": (
        ("actorLabel", "marketLabel", "value", "unit", "when", "asOf"),
        {("Alibaba", "Overseas (outside China)", "10", "P1", "", ARTICLE_2021),
         ("WeChat", "China", "1000000000", "C62", "", ARTICLE_2021),
         ("WeChat", "Overseas (outside China)", "70000000", "C62", "2013-07-03", ARTICLE_2021),
         ("WeChat", "", "1000000000", "C62", "",
          "Executive Order 13943: Addressing the Threat Posed by WeChat, 2020-08-11")},
        4,
    ),
    "background-sources": (
        ("nodeLabel", "fact", "publisher"),
        {("Ant Group IPO suspended", "date", "Al Jazeera"),
         ("FTC sues to unwind Facebook's Instagram and WhatsApp acquisitions", "date", "U.S. Federal Trade Commission"),
         ("Facebook acquires Instagram", "date", "Facebook (now Meta) Newsroom")},
        None,
    ),
    "event-quotes": (
        ("eventLabel", "quote"),
        {("Alibaba's valuation falls 13% ($91bn)",
          "Between December 24th and 28th, Alibaba’s valuation fell by 13%, or $91bn.")},
        None,
    ),
    "headquarters": (
        ("countryLabel", "organizationLabel"),
        {("China", "Alibaba"), ("China", "Tencent Holdings"), ("United States", "Facebook"),
         ("United States", "CFIUS (Committee on Foreign Investment in the U.S.)")},
        None,
    ),
    "unfinished-business": (
        ("statusLabel", "eventLabel"),
        {("suspended", "Ant Group's planned IPO"), ("planned", "Ant Group's planned IPO"),
         ("rumoured", "Jack Ma rumoured to have disappeared"),
         ("planned", "Biden administration plans to root out past US-China tech deals"),
         ("possible", "Possible sale of Ant Group's stake in Hellobike"),
         ("proposed", "China drafts antitrust rules for internet platforms")},
        13,
    ),
    "causes": (
        ("eventLabel", "link", "otherLabel", "sourceLabel"),
        {("Alibaba's slide weighs on Tencent and JD.com", "caused by", "Alibaba's valuation falls 13% ($91bn)",
          "Chinese big tech is in trouble (article)"),
         ("Alibaba's valuation falls 13% ($91bn)", "despite", "Alibaba share buy-backs ($6bn)",
          "Chinese big tech is in trouble (article)"),
         ("Beijing offers ByteDance help", "in response to", "TikTok faces political heat in India",
          "Chinese big tech is in trouble (article)")},
        None,
    ),
    "actors": (
        ("actorLabel", "chinese"),
        {("Alibaba", "阿里巴巴"), ("Jack Ma", "马云"), ("WeChat", "微信"), ("Facebook", "")},
        None,
    ),
    "external-links": (
        ("label", "kind", "link"),
        {("Alibaba", "wikidata", "http://www.wikidata.org/entity/Q1359568"), ("Alibaba", "ticker", "NYSE BABA"),
         ("Alibaba", "ticker", "HKG 9988"), ("China", "wikidata", "http://www.wikidata.org/entity/Q148")},
        27,
    ),
    "reported-by": (("reporterLabel", "eventLabel"),
                    {("The Wall Street Journal", "CFIUS expands and hires dealmakers")}, 1),
    "events-by-place": (("placeLabel", "events"), {("United States", "12"), ("China", "8"), ("India", "2")}, None),
    "stats-classes": (("class", "count"), {("tg:Excerpt", "74"), ("tg:IPOSuspension", "1")}, None),
    "stats-events-per-year": (("year", "events"), {("2012", "1"), ("2019", "3"), ("2020", "15"), ("2021", "1")}, 6),
    "stats-actor-degree": (("actor",), {("tgr:ant-group",), ("tgr:alibaba",)}, None),
}


def test_library_has_at_least_15_analyst_queries() -> None:
    analyst = [n for n in named_queries() if not n.startswith("stats-")]
    assert len(analyst) >= 15, analyst
    assert all(q.title for q in named_queries().values()), "every named query needs a description line"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_named_query_rows(store: Store, name: str) -> None:
    columns, expected, count = EXPECTED[name]
    found = rows(store, name, *columns)
    assert expected <= set(found), f"missing: {expected - set(found)}"
    if count is not None:
        assert len(found) == count
    assert found or count == 0, f"{name} returned nothing"


def test_every_named_query_runs_and_is_tested(store: Store) -> None:
    untested = []
    for name in named_queries():
        empty = name in EXPECTED and EXPECTED[name][2] == 0  # a consistent graph has nothing to show there
        assert run_named(store, name).rows or empty, f"{name} returned no rows on the shipped graph"
        if name not in EXPECTED and not name.startswith(("timeline", "as-of", "model-")):
            untested.append(name)
    assert untested == [], f"named queries without expected rows: {untested}"


def test_claims_cover_the_argument(store: Store) -> None:
    texts = " ".join(t for (t,) in rows(store, "claims", "text")).lower()
    for idea in ("national champion", "overseas revenue", "state-owned", "south east asia", "data advantage"):
        assert idea in texts, idea
    assert len({c for (c,) in rows(store, "claims", "claim")}) >= 20


def test_hierarchy_patterns_expand_to_filter_or_values(store: Store) -> None:
    """A class pattern becomes a FILTER, or VALUES when it ends with `# join first`; both give the rows
    the path gives as written."""
    from tech_graph.hierarchy import Hierarchies, expand

    hierarchies = Hierarchies.read(store)
    text = "SELECT ?e WHERE {{ ?e a ?c . ?c rdfs:subClassOf* tg:RegulatoryAction .{mark}\n}} ORDER BY ?e"
    as_filter, as_values = (expand(text.format(mark=mark), hierarchies) for mark in ("", "  # join first"))
    assert "FILTER (?c IN (" in as_filter and "VALUES" not in as_filter
    assert "VALUES ?c {" in as_values and "FILTER" not in as_values
    answers = [store.query(q).rows for q in (text.format(mark=""), as_filter, as_values)]  # type: ignore[union-attr]
    assert answers[0] == answers[1] == answers[2] and len(answers[0]) > 5
