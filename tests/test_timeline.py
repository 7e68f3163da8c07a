"""The timeline: ordering and precision, filters on the shipped graph, the CLI and the page's HTML."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from tech_graph import timeline as tl
from tech_graph.cli import cli
from tech_graph.dates import Precision
from tech_graph.load import user_sources
from tech_graph.namespaces import TGR
from tech_graph.store import OxigraphStore, Select, Store, memory_store
from tech_graph.timeline_html import page_data, timeline_page

DATA = Path(__file__).parent / "data"
FIXTURE = DATA / "timeline-fixture.ttl"
EX = "https://example.org/fixture/"


@pytest.fixture(scope="module")
def fixture_store() -> OxigraphStore:
    """The bundled graph plus events at mixed precisions (tests/data/timeline-fixture.ttl)."""
    return memory_store(user_sources([FIXTURE]))


def iris(events: list[tl.TimelineEvent], prefix: str = "") -> list[str]:
    return [e.iri for e in events if e.iri.startswith(prefix)]


def select(store: OxigraphStore, sparql: str) -> set[str]:
    """An independent answer straight from SPARQL, to compare the library with."""
    result = store.query(sparql)
    assert isinstance(result, Select)
    return {row[0].value for row in result.rows if row[0] is not None}


# Every event: undated ones (issue #12: no source dates them) are listed too, as undated (issue #13);
# TimelineJS and the page's time line place only the dated ones (the page lists the others below it).
DATED = ""
PLACED = "FILTER EXISTS { ?e sem:hasTimeStamp|sem:hasBeginTimeStamp ?t }"
DATED_EVENTS = "SELECT DISTINCT ?e WHERE { ?c rdfs:subClassOf* sem:Event . ?e a ?c " + PLACED + " }"
ALL_EVENTS = "SELECT DISTINCT ?e WHERE { ?c rdfs:subClassOf* sem:Event . ?e a ?c " + DATED + " }"


# --------------------------------------------------------------------------- ordering and precision


def test_order_is_earliest_moment_then_precision_then_label(fixture_store: OxigraphStore) -> None:
    found = iris(tl.events(fixture_store), EX)
    assert found == [EX + n for n in (
        "span-event",     # Dec 2018 – 14 Feb 2019 starts first
        "year-event",     # 2019 starts on 1 Jan 2019
        "month-event",    # Mar 2019 ...
        "day-event-a",    # ... before 1 Mar 2019 (coarser first), then by label: "A day event"
        "day-event-b",    # "B day event"
        "merger",
        "late-event",
    )]


def test_each_date_shows_at_its_own_precision(fixture_store: OxigraphStore) -> None:
    by_iri = {e.iri: e for e in tl.events(fixture_store)}
    assert by_iri[EX + "year-event"].span.label == "2019"
    assert by_iri[EX + "year-event"].span.begin.precision is Precision.YEAR
    assert by_iri[EX + "month-event"].span.label == "Mar 2019"
    assert by_iri[EX + "day-event-a"].span.label == "1 Mar 2019"
    span = by_iri[EX + "span-event"].span
    assert span.label == "Dec 2018 – 14 Feb 2019"
    assert (span.start.isoformat(), span.end.isoformat()) == ("2018-12-01", "2019-02-14")


def test_a_year_never_shows_as_first_of_january(fixture_store: OxigraphStore) -> None:
    events = [e for e in tl.events(fixture_store) if e.span and e.span.begin.precision is Precision.YEAR]
    assert events
    header, rows = tl.events_table(events)
    for row in rows:
        text = " ".join(row)
        assert "1 Jan" not in text and "-01-01" not in text, row
    year_rows = [dict(zip(header, r, strict=True)) for r in rows]
    assert all(r["date"] == r["start"] and len(r["start"]) == 4 for r in year_rows)
    slides = json.loads(tl.timelinejs(events))["events"]
    assert all(set(s["start_date"]) == {"year", "display_date"} for s in slides)


def test_period_filter_is_overlap_at_precision(fixture_store: OxigraphStore) -> None:
    december = iris(tl.events(fixture_store, start="2019-12", end="2019-12"), EX)
    assert december == [EX + "year-event", EX + "late-event"]  # "2019" overlaps December 2019
    assert iris(tl.events(fixture_store, end="2018"), EX) == [EX + "span-event"]
    assert EX + "span-event" in iris(tl.events(fixture_store, start="2019-02-14"), EX)
    assert EX + "span-event" not in iris(tl.events(fixture_store, start="2019-02-15"), EX)


@pytest.mark.parametrize("start, end", [
    ("2018-11-30", None), ("2018-12-01", None), ("2019-02-14", None), ("2019-02-15", None), ("2019-03", None),
    ("2019-03-02", None), ("2019-12-31", None), ("2020", None), (None, "2018-11-30"), (None, "2018-12"),
    (None, "2019-02-28"), (None, "2019-03-01"), ("2019-01-01", "2019-01-01"), ("2019-03-31", "2019-03-31"),
    ("2019-06", "2019-06"), ("2019-12-31", "2019-12-31"), ("2018", "2018"), ("2019-07", "2019-11"),
])
def test_period_filter_in_sparql_keeps_every_overlapping_event(
    fixture_store: OxigraphStore, start: str | None, end: str | None
) -> None:
    """The pre-filter pushed into SPARQL must keep every event Span.overlaps keeps, at each precision."""
    chosen = tl.select(fixture_store, start=start, end=end)
    everything = tl.events(fixture_store)
    expected = [e.iri for e in everything if e.span and e.span.overlaps(chosen.start, chosen.end)]
    assert [e.iri for e in tl.events(fixture_store, start=start, end=end)] == expected


def test_type_includes_subclasses_and_actor_follows_role_subproperties(fixture_store: OxigraphStore) -> None:
    assert EX + "merger" in iris(tl.events(fixture_store, type="tg:Acquisition"))
    assert EX + "merger" in iris(tl.events(fixture_store, type="deal"))
    (merger,) = tl.events(fixture_store, actor="gadget co")  # only through ex:hasPrimeTarget < tg:hasTarget
    assert merger.iri == EX + "merger"
    assert ("prime target", EX + "gadget-co", "Gadget Co") in merger.actors
    assert merger.types == [tl.TypeRef(EX + "MegaMerger", "Mega merger")]
    assert merger.lane is not None and merger.lane.label == "Deal"


# --------------------------------------------------------------------------- the shipped graph


def test_every_event_of_the_graph_is_on_the_timeline(store: OxigraphStore) -> None:
    events = tl.events(store)
    assert set(iris(events)) == select(store, ALL_EVENTS)
    assert events == sorted(events, key=tl.TimelineEvent.sort_key)
    assert all(e.quotes for e in events), "every event quotes the article (tgs:DerivedFromExcerpt)"


def test_actor_filter_matches_every_role(store: OxigraphStore) -> None:
    found = iris(tl.events(store, actor="Alibaba"))
    expected = select(store, "SELECT DISTINCT ?e WHERE { ?r rdfs:subPropertyOf* sem:hasActor . ?e ?r tgr:alibaba "
                      + DATED + " }")
    assert set(found) == expected
    assert TGR + "samr-alibaba-investigation" in found  # tg:hasTarget
    assert TGR + "alibaba-valuation-fall" in found  # tg:hasIssuer
    assert TGR + "ant-ipo" not in found  # Ant Group's IPO: Alibaba takes no part
    assert iris(tl.events(store, actor="tgr:alibaba")) == found
    assert iris(tl.events(store, actor="阿里巴巴")) == found  # the Chinese name


def test_type_filter_includes_subclasses(store: OxigraphStore) -> None:
    found = iris(tl.events(store, type="Regulatory action"))
    assert set(found) == select(store, "SELECT DISTINCT ?e WHERE { ?e a/rdfs:subClassOf* tg:RegulatoryAction "
                                + DATED + " }")
    assert TGR + "ant-ipo-suspension" in found  # a tg:IPOSuspension
    assert TGR + "ant-ipo" not in found  # a tg:IPO, a deal
    assert iris(tl.events(store, type="tg:IPOSuspension")) == [TGR + "ant-ipo-suspension"]


def test_place_filter_includes_places_within(store: OxigraphStore) -> None:
    found = iris(tl.events(store, place="China"))
    assert TGR + "ant-ipo-suspension" in found  # in Shanghai and Hong Kong, located in China
    assert TGR + "ftc-facebook-lawsuit" not in found
    assert set(found) == select(store, "SELECT DISTINCT ?e WHERE { ?e sem:hasPlace/tg:locatedIn* tgr:china "
                                + DATED + " }")


def test_as_of_shows_events_so_far_and_relationships_that_held(store: OxigraphStore) -> None:
    state = tl.as_of(store, "2020-11-04")
    so_far = iris(state.events)
    assert TGR + "ant-ipo-suspension" in so_far  # 3 Nov 2020
    assert TGR + "samr-draft-antitrust-rules" not in so_far  # 10 Nov 2020
    assert all(e.span.start.isoformat() <= "2020-11-04" for e in state.events)
    held = {r.iri for r in state.relationships}
    assert TGR + "rel-facebook-owns-instagram" in held
    early = {r.iri for r in tl.as_of(store, "2013").relationships}
    assert TGR + "rel-facebook-owns-instagram" in early  # since 2012
    assert TGR + "rel-facebook-owns-whatsapp" not in early  # since 2014
    assert all(r.holds_on(state.day) for r in state.relationships)


def test_sources_name_the_article_and_the_date_source(store: OxigraphStore) -> None:
    (event,) = [e for e in tl.events(store) if e.iri == TGR + "ftc-facebook-lawsuit"]
    kinds = {s.kind for s in event.sources}
    assert kinds == {"article", "background"}
    date_sources = select(store, "SELECT ?s WHERE { tgr:ftc-facebook-lawsuit tg:dateDerivedFrom ?s }")
    assert {s.iri for s in event.sources if "date" in s.used_for} == date_sources
    assert all(s.url and s.publisher for s in event.sources if s.kind == "background")


def test_every_kind_of_store_gives_the_same_timeline(any_store: Store, store: OxigraphStore) -> None:
    """Only standard SPARQL 1.1: the disk store and a real SPARQL server agree with memory."""
    assert tl.events(any_store) == tl.events(store)
    assert tl.events(any_store, actor="Alibaba", start="2020-12") == tl.events(store, actor="Alibaba", start="2020-12")
    assert tl.as_of(any_store, "2020-11") == tl.as_of(store, "2020-11")


# --------------------------------------------------------------------------- the command line


def test_cli_table_shows_date_type_event_actors_source(runner: CliRunner, store: OxigraphStore) -> None:
    result = runner.invoke(cli, ["timeline", "--actor", "Jack Ma"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["date", "type", "event", "actors", "source"]
    expected = {e.label for e in tl.events(store, actor="Jack Ma")}
    assert len(lines) == 2 + len(expected)
    assert any(line.startswith("Oct 2020 – 20 Jan 2021") for line in lines)


def test_cli_csv_has_one_row_per_event(runner: CliRunner, store: OxigraphStore) -> None:
    result = runner.invoke(cli, ["timeline", "--format", "csv", "--type", "tg:Deal"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [r["iri"] for r in rows] == iris(tl.events(store, type="tg:Deal"))
    assert {r["precision"] for r in rows} <= {"day", "month", "year", ""}  # "": undated


def test_cli_json_and_as_of(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["timeline", "--format", "json", "--as-of", "2020-11"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["as_of"] == "2020-11-30"
    assert all(e["start"] <= "2020-11-30" for e in doc["events"])
    assert doc["relationships"]


def test_cli_timelinejs(runner: CliRunner, store: OxigraphStore) -> None:
    result = runner.invoke(cli, ["timeline", "--format", "timelinejs"])
    assert result.exit_code == 0, result.output
    slides = json.loads(result.output)["events"]
    assert len(slides) == len(select(store, DATED_EVENTS))
    spans = [s for s in slides if "end_date" in s]
    assert spans and all(s["start_date"]["year"] <= s["end_date"]["year"] for s in spans)


@pytest.mark.parametrize(("args", "message"), [
    (["--from", "2020-13"], "--from: cannot read '2020-13' as a date"),
    (["--as-of", "yesterday"], "--as-of: cannot read 'yesterday'"),
    (["--from", "2021", "--to", "2020-06"], "--from 2021 is later than --to 2020-06"),
    (["--actor", "Alibabba"], "did you mean Alibaba"),
    (["--type", "Acquisitions"], "did you mean Acquisition"),
    (["--place", "Chian"], "did you mean China"),
    (["--format", "xml"], "unknown timeline format 'xml'"),
])
def test_cli_bad_input_is_one_line(runner: CliRunner, args: list[str], message: str) -> None:
    result = runner.invoke(cli, ["timeline", *args])
    assert result.exit_code != 0
    assert result.output.count("\n") == 1 and result.output.startswith("error: "), result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_cli_unwritable_folder_leaves_no_file(runner: CliRunner, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    for args in (["--html", str(blocker / "t.html")], ["--format", "csv", "-o", str(blocker / "t.csv")]):
        result = runner.invoke(cli, ["timeline", *args])
        assert result.exit_code != 0
        assert result.output.startswith("error: cannot write") and result.output.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-folder"]


def test_cli_bad_date_writes_no_page(runner: CliRunner, tmp_path: Path) -> None:
    page = tmp_path / "t.html"
    result = runner.invoke(cli, ["timeline", "--from", "20x0", "--html", str(page)])
    assert result.exit_code != 0 and not page.exists()


# --------------------------------------------------------------------------- the page's HTML


def test_page_is_self_contained(runner: CliRunner, tmp_path: Path, store: OxigraphStore) -> None:
    page = tmp_path / "timeline.html"
    result = runner.invoke(cli, ["timeline", "--html", str(page)])
    assert result.exit_code == 0, result.output
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    assert not soup.find_all(src=True) and not soup.find_all("link")
    scripts = soup.find_all("script")
    assert any("vis-timeline" in (s.string or "") for s in scripts)  # inlined, with its banner
    data = json.loads(soup.find("script", id="tg-data").string)
    assert len(data["items"]) == len(select(store, DATED_EVENTS))
    lanes = select(store, "SELECT ?c WHERE { ?c rdfs:subClassOf sem:Event }")
    assert {g["id"] for g in data["groups"]} <= lanes | {tl.OTHER_LANE}
    assert {i["group"] for i in data["items"]} == {g["id"] for g in data["groups"]}
    colours = select(store, "SELECT ?colour WHERE { ?c rdfs:subClassOf sem:Event ; tg:colour ?colour }")
    assert {g["colour"] for g in data["groups"]} <= colours


def test_page_draws_month_and_year_as_whole_periods(store: OxigraphStore) -> None:
    data = page_data(tl.events(store), tl.event_classes(store))
    items = {i["id"]: i for i in data["items"]}
    year = items[TGR + "cfius-forced-divestments-2020"]
    assert (year["type"], year["start"], year["end"], year["when"]) == ("range", "2020-01-01", "2021-01-01", "2020")
    assert "tg-imprecise" in year["className"]
    month = items[TGR + "tech-stocks-spillover"]
    assert (month["start"], month["end"], month["when"]) == ("2020-12-01", "2021-01-01", "Dec 2020")
    day = items[TGR + "ant-ipo-suspension"]
    assert day["type"] == "point" and "tg-imprecise" not in day["className"]
    assert data["details"][TGR + "cfius-forced-divestments-2020"]["date"] == "2020"


def test_page_data_is_json_not_markup(fixture_store: OxigraphStore) -> None:
    text = timeline_page(tl.events(fixture_store), tl.event_classes(fixture_store))
    soup = BeautifulSoup(text, "html.parser")
    assert soup.find("img") is None  # the label's <img> stayed text
    raw: Any = soup.find("script", id="tg-data").string
    assert "<img" not in raw and "\\u003cimg" in raw
    labels = [i["text"] for i in json.loads(raw)["items"]]
    assert any(label.startswith("Widget Co buys Gadget Co <img") for label in labels)
