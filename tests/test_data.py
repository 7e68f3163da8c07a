"""The curated data covers everything the issue lists from the article, with provenance on every fact."""

from __future__ import annotations

import pytest

from tech_graph.load import article_path
from tech_graph.namespaces import TGR
from tech_graph.store import Select, Store
from tech_graph.tables import short

ACTORS = [
    "Alibaba", "Ant Group", "Jack Ma", "Tencent Holdings", "WeChat", "JD.com", "Huawei", "Lenovo", "Haier",
    "ByteDance", "TikTok", "Facebook", "Instagram", "WhatsApp", "Snapchat", "Hellobike", "Amazon",
    "CFIUS (Committee on Foreign Investment in the U.S.)", "Biden administration",
    "FTC (US Federal Trade Commission)", "Chinese government", "SAMR (State Administration for Market Regulation)",
    "The Wall Street Journal", "India",
    # named by the article as groups, or by the background sources as the ones who acted
    "Chinese state-owned enterprises", "China's giant internet platforms", "Western companies", "Musical.ly",
    "MeitY (Ministry of Electronics and Information Technology, India)", "People's Bank of China",
    "CBIRC (China Banking and Insurance Regulatory Commission)", "CSRC (China Securities Regulatory Commission)",
    "SAFE (State Administration of Foreign Exchange)", "46 US states",
]
PLACES = ["United States", "China", "India", "Japan", "South Korea", "Shenzhen", "Silicon Valley",
          "South East Asia", "Middle East", "Europe"]
EVENTS = {  # event IRI -> its class
    "cfius-forced-divestments-2020": "ForcedDivestment",
    "cfius-hiring-drive": "ExpansionOrHiring",
    "biden-deal-review": "DealReview",
    "samr-draft-antitrust-rules": "AntitrustRules",
    "ant-ipo-suspension": "IPOSuspension",
    "jack-ma-disappearance": "ExecutiveDisappearance",
    "jack-ma-reappearance": "ExecutiveReappearance",
    "alibaba-valuation-fall": "ValuationDrop",
    "alibaba-buyback": "ShareBuyback",
    "tech-stocks-spillover": "MarketEvent",
    "samr-alibaba-investigation": "Investigation",
    "facebook-instagram-acquisition": "Acquisition",
    "facebook-whatsapp-acquisition": "Acquisition",
    "ftc-facebook-lawsuit": "UnwindLawsuit",
    "instagram-stories-launch": "CompetitiveConduct",
    "ant-divestment-search": "Divestment",
    "ant-hellobike-stake-sale": "Divestment",
    "india-tiktok-ban": "Ban",
    "beijing-offer-to-bytedance": "OfferOfHelp",
    "regulators-summon-jack-ma": "RegulatoryAction",
    "states-facebook-lawsuit": "UnwindLawsuit",
}


def column(store: Store, sparql: str) -> list[str]:
    result = store.query(sparql)
    assert isinstance(result, Select)
    return [short(row[0]) for row in result.rows]


@pytest.mark.parametrize("label", ACTORS)
def test_actor_is_there(store: Store, label: str) -> None:
    assert column(store, f'SELECT ?a WHERE {{ ?a a/rdfs:subClassOf* tg:Actor ; rdfs:label "{label}"@en }}')


@pytest.mark.parametrize("label", PLACES)
def test_place_is_there(store: Store, label: str) -> None:
    assert column(store, f'SELECT ?p WHERE {{ ?p a/rdfs:subClassOf* tg:Place ; rdfs:label "{label}"@en }}')


@pytest.mark.parametrize(("event", "cls"), sorted(EVENTS.items()))
def test_event_is_there_with_its_class(store: Store, event: str, cls: str) -> None:
    assert column(store, f"SELECT (1 AS ?x) WHERE {{ tgr:{event} a tg:{cls} }}")


def test_valuation_fall_figures(store: Store) -> None:
    rows = column(store, """
        SELECT (CONCAT(STR(?b), " ", STR(?e), " ", STR(?pct), " ", STR(?usd), " ", ?cur, " ", ?phrase) AS ?x)
        WHERE { tgr:alibaba-valuation-fall sem:hasBeginTimeStamp ?b ; sem:hasEndTimeStamp ?e ;
                  tg:percentChange/schema:value ?pct ; tg:despite tgr:alibaba-buyback ;
                  tg:valueChange [ schema:value ?usd ; schema:currency ?cur ; tg:originalPhrase ?phrase ] }""")
    assert rows == ["2020-12-24 2020-12-28 -13 -91000000000 USD $91bn"]


def test_every_fact_has_provenance(store: Store) -> None:
    unsourced = column(store, """
        SELECT ?n WHERE {
            ?n a ?c .
            { ?c rdfs:subClassOf* sem:Event } UNION { ?c rdfs:subClassOf* tg:Relationship }
            UNION { ?c rdfs:subClassOf* tg:Actor } UNION { ?c rdfs:subClassOf* tg:Measurement }
            UNION { ?c rdfs:subClassOf* tg:Claim }
            FILTER NOT EXISTS { ?n prov:wasDerivedFrom ?source }
        }""")
    assert unsourced == []


def test_dates_from_outside_the_article_cite_a_background_source(store: Store) -> None:
    cited_article = column(store, "SELECT ?n WHERE { ?n tg:dateDerivedFrom tgr:article }")
    assert cited_article == []
    assert column(store, "SELECT ?d WHERE { tgr:ant-ipo-suspension sem:hasTimeStamp ?d ; tg:dateDerivedFrom ?s }") \
        == ["2020-11-03"]


def test_every_node_of_ours_is_typed_and_labelled(store: Store) -> None:
    bare = column(store, f"""
        SELECT DISTINCT ?n WHERE {{
            {{ ?n ?p ?o }} UNION {{ ?s ?p ?n }}
            FILTER (isIRI(?n) && STRSTARTS(STR(?n), "{TGR}"))
            FILTER (NOT EXISTS {{ ?n a ?type }} || NOT EXISTS {{ ?n rdfs:label ?label }})
        }}""")
    assert bare == []


def test_the_article_ships_with_the_repo() -> None:
    text = article_path().read_text(encoding="utf-8")
    assert text.lstrip().startswith("Chinese big tech is in trouble")
