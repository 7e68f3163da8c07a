"""Rules a graph an analyst can cite must keep (issue #12), checked on the shipped data.

Each test states one rule for every node of its kind, not a fact about one node;
tests/test_validate.py shows that `tech-graph validate` catches copies that break them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox

from tech_graph.load import ontology_path
from tech_graph.store import Select, Store
from tech_graph.tables import short
from tech_graph.validate import Locator, hedge_problems, imports_path

EVIDENCE = Path(__file__).parent / "data" / "wikidata-evidence.tsv"
WIKIDATA = "http://www.wikidata.org/entity/"


def column(store: Store, sparql: str) -> list[str]:
    result = store.query(sparql)
    assert isinstance(result, Select)
    return [" ".join(short(v) for v in row) for row in result.rows]


def test_no_time_without_a_source_for_that_time(store: Store) -> None:
    """Events, measurements and relationships: a time stamp always names its background source."""
    assert column(store, """
        SELECT ?n ?p WHERE {
            ?n ?p ?t FILTER (?p IN (sem:hasTimeStamp, sem:hasBeginTimeStamp, sem:hasEndTimeStamp, tg:scheduledFor))
            FILTER NOT EXISTS { ?n tg:dateDerivedFrom/a tg:BackgroundSource }
        }""") == []


def test_no_measurement_is_dated_by_guess(store: Store) -> None:
    """A figure has a time only with its source; otherwise it is tg:asOf the document that gives it."""
    assert column(store, """
        SELECT ?m WHERE {
            ?m a/rdfs:subClassOf* tg:Measurement .
            FILTER NOT EXISTS { ?m sem:hasTimeStamp ?t ; tg:dateDerivedFrom ?s }
            FILTER NOT EXISTS { ?m tg:asOf/schema:datePublished ?d }
        }""") == []


def test_relative_periods_are_marked_approximate(store: Store) -> None:
    """A time read from 'over the past N years' says it is approximate."""
    assert column(store, """
        SELECT ?n WHERE {
            ?n rdfs:comment ?c ; sem:hasBeginTimeStamp|sem:hasTimeStamp ?t .
            FILTER (CONTAINS(LCASE(STR(?c)), "over the past"))
            FILTER NOT EXISTS { ?n tg:approximateTime true }
        }""") == []


def test_an_ongoing_event_is_not_dated_by_one_day(store: Store) -> None:
    """A single date on something under way is the date of another fact (an announcement, a filing)."""
    assert column(store, "SELECT ?e WHERE { ?e tg:status tg:Ongoing ; sem:hasTimeStamp ?t }") == []


def test_no_planned_or_possible_event_has_a_completed_status(store: Store) -> None:
    assert column(store, """
        SELECT ?e WHERE { ?e tg:modality ?m ; tg:status tg:Completed FILTER (?m IN (tg:Planned, tg:Possible)) }
    """) == []


def test_what_did_not_happen_has_no_time_of_its_own(store: Store) -> None:
    """Planned, possible and suspended events carry at most the time they were scheduled for."""
    assert column(store, """
        SELECT ?e WHERE {
            { ?e tg:modality tg:Planned } UNION { ?e tg:modality tg:Possible } UNION { ?e tg:status tg:Suspended }
            ?e sem:hasTimeStamp|sem:hasBeginTimeStamp ?t
        }""") == []


def test_status_is_a_state_and_hedges_are_modalities(store: Store) -> None:
    assert column(store, "SELECT ?e ?s WHERE { ?e tg:status ?s FILTER NOT EXISTS { ?s a tg:EventStatus } }") == []
    assert column(store, "SELECT ?e ?m WHERE { ?e tg:modality ?m FILTER NOT EXISTS { ?m a tg:Modality } }") == []
    labels = column(store, "SELECT ?l WHERE { ?m a tg:Modality ; rdfs:label ?l }")
    assert {"planned", "possible", "rumoured", "alleged"} <= set(labels)


def test_every_claim_keeps_the_hedge_of_its_quote(store: Store) -> None:
    """If the quoted sentence hedges ('might', 'alleged', 'we haven't heard'), so does the claim."""
    assert hedge_problems(store, Locator([])) == []
    result = store.query('SELECT ?c WHERE { ?c a tg:Claim ; prov:wasDerivedFrom/prov:value ?q '
                         'FILTER REGEX(?q, "haven") }')
    assert isinstance(result, Select) and result.rows, "the article's hedged claims are still claims"


def test_every_causal_link_has_provenance(store: Store) -> None:
    """Cause, despite, response, part-of and concerns triples each have a tg:Link with a source."""
    assert column(store, """
        SELECT ?s ?p ?o WHERE {
            ?s ?p ?o . ?p a tg:LinkProperty .
            FILTER NOT EXISTS {
                ?l a tg:Link ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; prov:wasDerivedFrom ?from .
                { ?from a tg:Excerpt } UNION { ?from a tg:BackgroundSource }
            }
        }""") == []
    assert column(store, """
        SELECT ?l WHERE {
            ?l a tg:Link ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o FILTER NOT EXISTS { ?s ?p ?o }
        }""") == []
    kinds = column(store, "SELECT DISTINCT ?p WHERE { ?p a tg:LinkProperty }")
    assert {"tg:causedBy", "tg:despite", "tg:inResponseTo", "tg:concerns", "sem:subEventOf"} <= set(kinds)


def test_no_speculative_structure_between_events(store: Store) -> None:
    """Events are linked only by claim links (with provenance), never by a bare rdfs:seeAlso."""
    assert column(store, """
        SELECT ?a ?b WHERE { ?a rdfs:seeAlso ?b . ?a a/rdfs:subClassOf* sem:Event . ?b a/rdfs:subClassOf* sem:Event }
    """) == []


def test_an_order_to_divest_is_not_the_sale(store: Store) -> None:
    """A regulator's divestment order names its target; seller and buyer belong to a sale."""
    assert column(store, """
        SELECT ?e WHERE { ?e a tg:ForcedDivestment ; tg:hasSeller|tg:hasBuyer|tg:hasAcquiree ?x }""") == []


def test_countries_are_not_regulators(store: Store) -> None:
    """Bans and rules are issued by an agency or a government, not by a country as a place."""
    assert column(store, "SELECT ?e WHERE { ?e tg:hasRegulator ?c . ?c a tg:Country }") == []


def test_a_company_and_its_own_platform_are_one_kind_of_link(store: Store) -> None:
    kinds = column(store, """
        SELECT DISTINCT ?type WHERE {
            ?r a ?type ; tg:source/a tg:Company ; tg:target/a tg:Platform . ?type rdfs:subClassOf tg:Relationship
        }""")
    assert kinds == ["tg:Ownership"]


def test_claimed_in_respects_the_ranges_of_its_super_properties() -> None:
    """tg:claimedIn points to an article, so no super-property may require an agent (prov:wasAttributedTo).

    The ranges come from PROV-O as W3C publishes it (ontology/imports/prov-o.ttl), loaded with our ontology.
    """
    onto = ox.Store()
    onto.load(path=str(ontology_path()))
    onto.load(path=str(imports_path()))
    tg, rdfs = "https://w3id.org/tech-graph/ontology#", "http://www.w3.org/2000/01/rdf-schema#"
    rows = list(onto.query(f"""SELECT ?super ?range WHERE {{
        <{tg}claimedIn> <{rdfs}subPropertyOf>+ ?super . ?super <{rdfs}range> ?range FILTER isIRI(?range) }}"""))
    assert rows, "tg:claimedIn has no PROV-O super-property with a range"
    for row in rows:  # type: ignore[union-attr]
        fits = onto.query(f"ASK {{ <{tg}Article> <{rdfs}subClassOf>* <{row['range'].value}> }}")
        assert bool(fits), f"{row['super'].value} has range {row['range'].value}, which a tg:Article is not"


def evidence() -> dict[str, tuple[str, list[str]]]:
    rows = {}
    for line in EVIDENCE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            node, qid, files = line.split("\t")
            rows[node] = (qid, [f.strip() for f in files.split(" | ")])
    return rows


def test_every_wikidata_id_is_well_formed_unique_and_verified(store: Store) -> None:
    """One sameAs per node, a real entity IRI, no two nodes share it, and two stored files back it."""
    found = [tuple(r.split(" ")) for r in column(store, "SELECT ?n (STR(?q) AS ?iri) WHERE { ?n schema:sameAs ?q }")]
    assert found
    nodes = [n for n, _ in found]
    qids = [q for _, q in found]
    assert len(set(nodes)) == len(nodes) and len(set(qids)) == len(qids)
    backed = evidence()
    for node, iri in found:
        assert re.fullmatch(r"http://www\.wikidata\.org/entity/Q[1-9][0-9]*", iri), iri
        assert node in backed, f"{node} has a Wikidata id with no evidence in {EVIDENCE.name}"
        qid, files = backed[node]
        assert iri == WIKIDATA + qid, node
        ids = {f.split(":", 1)[0] for f in files}
        assert len(ids) >= 2 and all(i.isdigit() for i in ids), f"{node}: needs two stored files"
    assert set(backed) == set(nodes), "evidence rows for nodes the graph does not link"


def test_chinese_names_are_labels_too(store: Store) -> None:
    """Every Chinese name is also an rdfs:label in zh-Hans, so label-by-language lookups find it."""
    assert column(store, """
        SELECT ?n WHERE {
            ?n schema:alternateName ?zh FILTER (LANG(?zh) = "zh")
            FILTER NOT EXISTS { ?n rdfs:label ?l FILTER (LANG(?l) = "zh-hans" && STR(?l) = STR(?zh)) }
        }""") == []


def test_tickers_cite_the_source_that_names_the_listing(store: Store) -> None:
    rows = column(store, "SELECT ?n ?t WHERE { ?n schema:tickerSymbol ?t }")
    assert rows
    for row in rows:
        node, ticker = row.split(" ", 1)
        exchange, symbol = ticker.split(" ")
        sources = column(store, f"SELECT ?c WHERE {{ {node} prov:wasDerivedFrom/rdfs:comment ?c }}")
        assert any(f"{exchange}: {symbol}" in c for c in sources), f"{node} {ticker}: no source names it"
