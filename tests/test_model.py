"""The model's part in what the views show: undated events listed, not dropped; a hedge (tg:modality) carried."""

from __future__ import annotations

import json

import pytest

from tech_graph import network
from tech_graph import timeline as tl
from tech_graph.load import user_sources
from tech_graph.namespaces import TGR
from tech_graph.store import OxigraphStore, memory_store
from tech_graph.timeline_html import page_data

HEDGED = """
@prefix tg: <https://w3id.org/tech-graph/ontology#> .
@prefix tgr: <https://w3id.org/tech-graph/id/> .
@prefix sem: <http://semanticweb.cs.vu.nl/2009/11/sem/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

tg:Possibly a tg:Modality ; rdfs:label "possible"@en .
tgr:m-offer a tg:Investigation ; rdfs:label "An undated, possible probe"@en ;
    tg:modality tg:Possibly ; tg:hasRegulator tgr:samr ; tg:hasTarget tgr:alibaba .
tgr:m-rumour a tg:Investigation ; rdfs:label "A rumoured probe"@en ; sem:hasTimeStamp "2020-12"^^xsd:gYearMonth ;
    tg:modality tg:Possibly ; tg:hasRegulator tgr:samr ; tg:hasTarget tgr:ant-group .
"""


@pytest.fixture(scope="module")
def hedged(tmp_path_factory: pytest.TempPathFactory) -> OxigraphStore:
    path = tmp_path_factory.mktemp("hedged") / "hedged.ttl"
    path.write_text(HEDGED, encoding="utf-8")
    return memory_store(user_sources([path]))


def by_iri(events: list[tl.TimelineEvent]) -> dict[str, tl.TimelineEvent]:
    return {e.iri: e for e in events}


def test_an_undated_event_is_listed_last_as_undated(hedged: OxigraphStore) -> None:
    events = tl.events(hedged)
    undated = [e.span is None for e in events]
    assert TGR + "m-offer" in by_iri(events) and undated == sorted(undated)  # the undated ones come last
    at = [e.iri for e in events].index(TGR + "m-offer")
    header, rows = tl.events_table(events)
    row = dict(zip(header, rows[at], strict=True))
    assert (row["date"], row["start"], row["precision"], row["modality"]) == ("undated", "", "", "possible")
    doc = json.loads(tl.events_json(events))["events"][at]
    assert (doc["date"], doc["start"], doc["modality"]) == ("undated", None, "possible")
    assert f"{sum(undated)} undated events are in the table" in tl.timelinejs(events)


def test_a_period_cannot_hold_an_undated_event(hedged: OxigraphStore) -> None:
    assert TGR + "m-offer" not in by_iri(tl.events(hedged, start="2000"))
    assert TGR + "m-offer" not in by_iri(tl.as_of(hedged, "2021").events)


def test_the_page_lists_undated_events_and_marks_hedges(hedged: OxigraphStore) -> None:
    data = page_data(tl.events(hedged), tl.event_classes(hedged))
    assert TGR + "m-offer" in [u["id"] for u in data["undated"]]
    assert TGR + "m-offer" not in {i["id"] for i in data["items"]} and TGR + "m-offer" in data["details"]
    rumour = next(i for i in data["items"] if i["id"] == TGR + "m-rumour")
    assert rumour["text"] == "A rumoured probe (possible)" and "tg-hedged" in rumour["className"]
    assert data["details"][TGR + "m-rumour"]["modality"] == "possible"


def test_the_network_carries_the_hedge(hedged: OxigraphStore) -> None:
    graph = network.actor_network(hedged)
    edge = graph.get_edge_data(TGR + "samr", TGR + "ant-group")[TGR + "m-rumour"]
    assert edge["modality"] == "possible"
    plain = graph.get_edge_data(TGR + "samr", TGR + "alibaba")[TGR + "samr-alibaba-investigation"]
    assert "modality" not in plain  # stated as fact: no column for it
    assert graph.get_edge_data(TGR + "samr", TGR + "alibaba")[TGR + "m-offer"]["date"] == ""


def test_the_bundled_graph_reads_the_same_through_one_model(store: OxigraphStore) -> None:
    """One Model serves the timeline and the network; reading twice gives what reading once gives."""
    from tech_graph.model import Model

    model = Model(store)
    assert [e.to_json() for e in tl.events(model)] == [e.to_json() for e in tl.events(store)]
    assert list(network.actor_network(model).edges(keys=True, data=True)) == list(
        network.actor_network(store).edges(keys=True, data=True))
