"""Ingest: the extraction rules one by one, then the whole loop a user runs (ingest, review, accept)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tech_graph.articles import sentences
from tech_graph.ingest.extract import extract, hedge
from tech_graph.ingest.figures import find_figures
from tech_graph.ingest.rules import read_rules, variants
from tech_graph.ingest.when import find_dates
from tech_graph.namespaces import TG, TGR
from tech_graph.store import memory_store

ROOT = Path(__file__).resolve().parents[1]
PUBLISHED = date(2021, 2, 3)  # a Wednesday


@pytest.fixture(scope="module")
def rules():  # type: ignore[no-untyped-def]
    return read_rules(memory_store())


@pytest.mark.parametrize(("sentence", "phrase", "begin", "end", "approximate"), [
    ("Between December 24th and 28th, Alibaba’s valuation fell.", "Between December 24th and 28th", "2020-12-24",
     "2020-12-28", False),
    ("Cfius has already forced two divestments last year.", "last year", "2020", None, False),
    ("On Tuesday, the regulator said so.", "On Tuesday", "2021-02-02", None, False),
    ("It happened on Wednesday.", "on Wednesday", "2021-02-03", None, False),
    ("The order of August 14, 2020 prohibits it.", "August 14, 2020", "2020-08-14", None, False),
    ("The order of 14 August 2020 prohibits it.", "14 August 2020", "2020-08-14", None, False),
    ("It has hired over the past two years.", "over the past two years", "2019", "2021-02-03", True),
    ("Last month the regulator fined Alibaba.", "Last month", "2021-01", None, False),
    ("In November 2020 Ant was due to list.", "In November 2020", "2020-11", None, False),
    ("It was due to list in November.", "in November", "2020-11", None, False),
    ("It suspended the IPO on 3 November.", "3 November", "2020-11-03", None, False),
    ("It was founded in 2014.", "in 2014", "2014", None, False),
])
def test_dates_resolve_at_their_precision(sentence: str, phrase: str, begin: str, end: str | None,
                                          approximate: bool) -> None:
    found = find_dates(sentence, PUBLISHED)
    assert len(found) == 1, found
    assert (found[0].phrase, found[0].begin.iso, found[0].finish.iso if found[0].finish else None,
            found[0].approximate) == (phrase, begin, end, approximate)
    assert found[0].reason  # says what it was resolved from


@pytest.mark.parametrize("sentence", ["He may come back.", "It fell 13%.", "February 30 never came.",
                                      "Revenue was $2,020 million."])
def test_no_date_where_there_is_none(sentence: str) -> None:
    assert find_dates(sentence, PUBLISHED) == []


@pytest.mark.parametrize(("sentence", "phrase", "kind", "value", "unit", "lower"), [
    ("Alibaba’s valuation fell by 13%, or $91bn.", "$91bn", "money", 91_000_000_000, "USD", False),
    ("the $6bn in share buy-backs", "$6bn", "money", 6_000_000_000, "USD", False),
    ("SAMR fined Alibaba 18.2bn yuan.", "18.2bn yuan", "money", 18_200_000_000, "CNY", False),
    ("Ant was valued at ¥2.8 trillion.", "¥2.8 trillion", "money", 2_800_000_000_000, "CNY", False),
    ("Facebook paid US$1 billion for Instagram.", "US$1 billion", "money", 1_000_000_000, "USD", False),
    ("valuation fell by 13%", "13%", "percent", 13, "P1", False),
    ("revenue fell 4.5 per cent", "4.5 per cent", "percent", Decimal("4.5"), "P1", False),
    ("WeChat has more than a billion monthly users", "more than a billion monthly users", "count", 10**9, "C62",
     True),
    ("“merely” 70 million user accounts registered overseas", "70 million user accounts", "count", 70_000_000,
     "C62", False),
])
def test_figures_in_base_units(sentence: str, phrase: str, kind: str, value: int | Decimal, unit: str,
                               lower: bool) -> None:
    found = [f for f in find_figures(sentence) if f.kind == kind]
    assert len(found) == 1, found
    assert (found[0].phrase, found[0].value, found[0].unit, found[0].lower_bound) == (phrase, value, unit, lower)


def test_gazetteer_knows_names_in_every_form(rules) -> None:  # type: ignore[no-untyped-def]
    found = {m.phrase: m.iri for m in rules.gazetteer.find(
        "Tencent’s WeChat, ALIBABA, 阿里巴巴, the Committee on Foreign Investment in the U.S., or Cfius, and Ant.")}
    assert found == {"Tencent": TGR + "tencent", "WeChat": TGR + "wechat", "ALIBABA": TGR + "alibaba",
                     "阿里巴巴": TGR + "alibaba", "Committee on Foreign Investment in the U.S.": TGR + "cfius",
                     "Cfius": TGR + "cfius", "Ant": TGR + "ant-group"}
    assert rules.gazetteer.find("an important antelope and us") == []  # short names keep their case


def test_name_variants() -> None:
    assert variants("CFIUS (Committee on Foreign Investment in the U.S.)") == [
        "CFIUS (Committee on Foreign Investment in the U.S.)", "CFIUS", "Committee on Foreign Investment in the U.S."]
    assert variants("Tencent Holdings") == ["Tencent Holdings", "Tencent"]


def test_trigger_terms_are_ontology_data_and_match_inflections(rules) -> None:  # type: ignore[no-untyped-def]
    ban = next(t for t in rules.triggers if t.event_class == TG + "Ban" and t.term == "ban")
    assert ban.match("India banned TikTok") and ban.match("the bans") and not ban.match("investment banks")
    assert {t.event_class for t in rules.triggers} >= {TG + "IPOSuspension", TG + "Acquisition", TG + "Investigation"}


def one_candidate(rules, text: str):  # type: ignore[no-untyped-def]
    found = extract(sentences(text), rules, PUBLISHED)
    events = [c for c in found if c.kind in ("event", "corroboration")]
    assert len(events) == 1, [(c.kind, c.label) for c in found]
    return events[0], found


def test_roles_from_word_order_and_the_passive(rules) -> None:  # type: ignore[no-untyped-def]
    active, _ = one_candidate(rules, "Facebook acquired WhatsApp in 2014.")
    assert active.event_class == TG + "Acquisition"
    assert active.roles == [(TG + "hasAcquirer", TGR + "facebook"), (TG + "hasAcquiree", TGR + "whatsapp")]
    assert active.when is not None and active.when.begin.iso == "2014"
    passive, _ = one_candidate(rules, "WhatsApp was acquired by Facebook in 2014.")
    assert sorted(passive.roles) == sorted(active.roles)


def test_new_organisations_are_proposed_with_a_type(rules) -> None:  # type: ignore[no-untyped-def]
    event, found = one_candidate(rules, "The Cyberspace Administration of China banned Didi Global Inc. apps.")
    actors = {c.label: c.actor_class for c in found if c.kind == "actor"}
    assert actors == {"Cyberspace Administration of China": TG + "Regulator", "Didi Global Inc": TG + "Company"}
    assert {role for role, _ in event.roles} == {TG + "hasRegulator", TG + "hasTarget"}


def test_hedges_are_kept_as_modality(rules) -> None:  # type: ignore[no-untyped-def]
    assert hedge("Then Jack Ma is rumored to have disappeared.", 30) == TG + "Rumoured"
    assert hedge("At least one sale might include its stake.", 20) == TG + "Possible"
    assert hedge("The Biden administration is set to root out deals.", 40) == TG + "Planned"
    assert hedge("Facebook acquired WhatsApp.", 10) is None


def test_a_known_event_gets_a_second_source_not_a_twin(rules) -> None:  # type: ignore[no-untyped-def]
    from tech_graph.ingest.draft import known_events

    text = "It suspended the initial public offering of Ant Group, which could have been the largest."
    found = extract(sentences(text), rules, PUBLISHED, known_events(memory_store()))
    assert [(c.kind, c.corroborates) for c in found] == [("corroboration", TGR + "ant-ipo-suspension")]
    hedged = extract(sentences("Regulators might suspend the IPO of Ant Group."), rules, PUBLISHED,
                     known_events(memory_store()))
    assert [c.kind for c in hedged] == ["event"]  # "might" is no second source for what happened


# --- the loop a user runs, as subprocesses of the installed command ---------------------------

TG_BIN = str(Path(sys.executable).with_name("tech-graph"))
ARTICLE = """Regulators fined Alibaba Group 18.2bn yuan on Tuesday for abusing its market position.

WhatsApp was acquired by Facebook in 2014.

The Cyberspace Administration of China banned Didi Global Inc. from app stores last month.
"""


@pytest.fixture
def home(tmp_path: Path) -> Path:
    for part in ("graph", "ontology"):
        shutil.copytree(ROOT / part, tmp_path / part)
    (tmp_path / "new.txt").write_text(ARTICLE, encoding="utf-8")
    return tmp_path


def run(home: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    env = {"TECH_GRAPH_HOME": str(home), "PATH": "/usr/bin:/bin", "TECH_GRAPH_PROGRESS": "0"}
    done = subprocess.run([TG_BIN, *args], capture_output=True, text=True, env=env, cwd=home, timeout=120)
    if ok:
        assert done.returncode == 0, done.stderr
    return done


def test_ingest_review_accept_then_timeline(home: Path) -> None:
    out = run(home, "ingest", "new.txt", "--title", "Didi banned", "--published", "2021-07-06",
              "--publisher", "Example News", "--url", "https://example.org/didi")
    draft = home / "graph" / "drafts" / "didi-banned.ttl"
    assert draft.is_file() and (home / "graph" / "sources" / "didi-banned.txt").is_file()
    assert "corroboration" in out.stdout and "wrote" in out.stderr
    ids = {line.split()[1]: line.split()[0] for line in out.stdout.splitlines()[2:]}
    assert set(ids) == {"event", "corroboration", "actor"}
    before = {p.name: p.read_bytes() for p in (home / "graph").glob("*.ttl")}
    page = run(home, "review", str(draft), "-o", str(home / "review.html"))
    assert "wrote" in page.stderr and "<script" in (home / "review.html").read_text()
    assert {p.name: p.read_bytes() for p in (home / "graph").glob("*.ttl")} == before  # review changes no data
    ban = next(line.split()[0] for line in out.stdout.splitlines() if "Ban" in line)
    actors = [line.split()[0] for line in out.stdout.splitlines()[2:] if line.split()[1] == "actor"]
    run(home, "review", str(draft), "--accept", ",".join([ban, *actors]), "--set", f"{ban}.label=China bans Didi")
    decisions = json.loads(draft.with_suffix(".decisions.json").read_text())["decisions"]
    assert decisions[ban] == {"decision": "accept", "label": "China bans Didi"}
    done = run(home, "accept", str(draft))
    assert "China bans Didi" in done.stdout
    assert "ok:" in run(home, "validate").stdout
    timeline = run(home, "timeline", "--format", "csv", "--from", "2021-06").stdout
    assert "China bans Didi" in timeline and "2021-06" in timeline


@pytest.mark.parametrize(("setup", "args", "message"), [
    (lambda h: (h / "empty.txt").write_text(""), ["ingest", "empty.txt", "--title", "t", "--published", "2021-01-01"],
     "has no text"),
    (lambda h: (h / "b.txt").write_bytes(b"\x00\x01PK"), ["ingest", "b.txt", "--title", "t", "--published",
                                                          "2021-01-01"], "binary"),
    (lambda h: None, ["ingest", "new.txt", "--title", "t", "--published", "last tuesday"], "YYYY-MM-DD"),
    (lambda h: None, ["ingest", "new.txt", "--title", "t", "--published", "2021-01-01", "--url", "ftp x"],
     "web address"),
    (lambda h: (h / "bad.ttl").write_text("@prefix tg: <x> .\ntg:a tg:b"), ["accept", "bad.ttl"], "bad.ttl:2"),
    (lambda h: (h / "d.ttl").write_text("<a:b> <a:c> <a:d> ."), ["review", "d.ttl", "--accept", "e001"],
     "not a tech-graph draft"),
])
def test_bad_input_gets_one_line(home: Path, setup, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    setup(home)
    done = run(home, *args, ok=False)
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and message in done.stderr and "Traceback" not in done.stderr


def test_accept_refuses_a_changed_graph_and_changes_nothing(home: Path) -> None:
    run(home, "ingest", "new.txt", "--title", "x", "--published", "2021-07-06")
    draft = home / "graph" / "drafts" / "x.ttl"
    run(home, "review", str(draft), "--accept", "all")
    (home / "graph" / "actors.ttl").write_text((home / "graph" / "actors.ttl").read_text() + "\n# edited\n")
    before = sorted(p.name for p in (home / "graph").iterdir())
    done = run(home, "accept", str(draft), ok=False)
    assert done.returncode == 2 and "changed since" in done.stderr
    assert sorted(p.name for p in (home / "graph").iterdir()) == before


def test_accept_refuses_what_would_not_validate(home: Path) -> None:
    # Without --publisher and --url the article cannot date facts: validate says so and nothing is written.
    run(home, "ingest", "new.txt", "--title", "y", "--published", "2021-07-06")
    draft = home / "graph" / "drafts" / "y.ttl"
    run(home, "review", str(draft), "--accept", "all")
    done = run(home, "accept", str(draft), ok=False)
    assert done.returncode == 1 and "tg:dateDerivedFrom" in done.stderr and "not merged" in done.stderr
    assert not (home / "graph" / "y.ttl").exists()
    assert not list((home / "graph" / "drafts").glob(".*"))


def test_a_second_source_that_disagrees_keeps_both_values(home: Path) -> None:
    (home / "note.txt").write_text("Between December 24th and 28th, Alibaba’s valuation fell by $100bn, a broker "
                                   "said.\n", encoding="utf-8")
    run(home, "ingest", "note.txt", "--title", "Broker note", "--published", "2021-01-05", "--publisher", "Broker",
        "--url", "https://example.org/b")
    draft = home / "graph" / "drafts" / "broker-note.ttl"
    run(home, "review", str(draft), "--accept", "all")
    assert "1 with a second source" in run(home, "accept", str(draft)).stdout
    rows = run(home, "query", "--name", "disagreements", "--format", "csv").stdout.splitlines()[1:]
    values = sorted((r.split(",")[3], r.split(",")[-1]) for r in rows)
    assert values == [("-100000000000", "Broker note"), ("-91000000000", "Chinese big tech is in trouble (article)")]


def test_the_shipped_sources_land_again_from_their_decisions(tmp_path: Path) -> None:
    """Re-running ingest and accept with graph/decisions/*.json on the graph without them gives the shipped files."""
    for part in ("graph", "ontology"):
        shutil.copytree(ROOT / part, tmp_path / part)
    landings = sorted((json.loads(p.read_text(encoding="utf-8")) | {"name": p.stem}
                       for p in (ROOT / "graph" / "decisions").glob("*.json")), key=lambda d: d["ingest"]["order"])
    assert len(landings) >= 5
    for landing in landings:
        (tmp_path / "graph" / f"{landing['name']}.ttl").unlink()
    shutil.rmtree(tmp_path / "graph" / "drafts", ignore_errors=True)
    for landing in landings:
        how = landing["ingest"]
        run(tmp_path, "ingest", how["file"], "--title", how["title"], "--published", how["published"],
            "--publisher", how["publisher"], "--url", how["url"])
        draft = tmp_path / "graph" / "drafts" / f"{landing['name']}.ttl"
        decisions = ROOT / "graph" / "decisions" / f"{landing['name']}.json"
        run(tmp_path, "accept", str(draft), "--decisions", str(decisions))
        shipped = ROOT / "graph" / f"{landing['name']}.ttl"
        assert (tmp_path / "graph" / shipped.name).read_text(encoding="utf-8") == shipped.read_text(encoding="utf-8")
    assert "ok:" in run(tmp_path, "validate").stdout
    timeline = run(tmp_path, "timeline", "--format", "csv", "--from", "2020-08", "--to", "2020-08").stdout
    assert "US bans transactions with ByteDance (EO 13942)" in timeline
    # The FTC's release of 24 July 2019 (held out, sums of money): its one accepted fact is a new actor.
    query = ("SELECT ?label WHERE { tgr:us-department-of-justice rdfs:label ?label ; "
             "prov:wasDerivedFrom/prov:wasQuotedFrom ?doc . ?doc schema:datePublished \"2019-07-24\"^^xsd:date }")
    rows = run(tmp_path, "query", "--format", "csv", query).stdout
    assert rows.splitlines() == ["label", "US Department of Justice"]


def test_legal_citations_are_neither_dates_nor_money() -> None:
    text = ("By the authority vested in me, including the International Emergency Economic Powers Act (50 U.S.C. 1701 "
            "et seq.) and section 721 of the Defense Production Act of 1950, as amended, 50 U.S.C. 4565, Sec. 2 and "
            "Executive Order 13873 of May 15, 2019 apply.")
    found = sentences(text)
    assert len(found) == 1  # "U.S.C." and "et seq." end no sentence
    assert [d.begin.iso for d in find_dates(text, date(2020, 8, 11))] == ["2019-05-15"]
    assert find_figures(text) == []


def test_money_in_a_held_out_press_release() -> None:
    """The FTC's release on Facebook (held out): each "$5 billion" in base units; a street number is no money."""
    text = ("NOTE: The FTC hosted an IN-PERSON press conference at FTC Headquarters, 600 Pennsylvania Ave, NW, "
            "Washington D.C., on July 24, 2019. Facebook, Inc. will pay a record-breaking $5 billion penalty. "
            "FTC Imposes $5 Billion Penalty")
    assert [(f.phrase, f.value, f.unit) for f in find_figures(text) if f.kind == "money"] == [
        ("$5 billion", 5000000000, "USD"), ("$5 Billion", 5000000000, "USD")]


def test_days_after_the_date_of_this_order_count_from_its_heading(rules) -> None:  # type: ignore[no-untyped-def]
    from tech_graph.ingest.when import order_date

    anchor = order_date(["Executive Order 13942 of August 6, 2020"])
    assert anchor is not None and anchor[0] == date(2020, 8, 6)
    found = find_dates("(c) 45 days after the date of this order, the Secretary shall act.", date(2020, 8, 11), anchor)
    assert [d.begin.iso for d in found] == ["2020-09-20"] and "order's own date" in found[0].reason
    assert find_dates("the origins of the 2019 Novel Coronavirus", date(2020, 8, 11)) == []


def test_nobody_acts_in_a_second_source_who_is_not_in_the_event(rules) -> None:  # type: ignore[no-untyped-def]
    from tech_graph.ingest.draft import known_events

    known = known_events(memory_store())
    india = "The Government of India recently banned the use of TikTok and other Chinese mobile applications."
    found = extract(sentences(india), rules, date(2020, 8, 11), known)
    assert [(c.kind, c.corroborates) for c in found] == [("corroboration", TGR + "india-tiktok-ban")]
    agencies = "The Department of Homeland Security has already banned the use of TikTok on Federal Government phones."
    found = extract(sentences(agencies), rules, date(2020, 8, 11), known)
    assert "corroboration" not in {c.kind for c in found}  # the department is not in India's ban


def test_a_source_already_in_the_graph_gets_its_text_not_a_twin(tmp_path: Path) -> None:
    for part in ("graph", "ontology"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("drafts"))
    (tmp_path / "graph" / "regarding-the-acquisition-of-musical-ly-by-bytedance-ltd.ttl").unlink()
    (tmp_path / "order.txt").write_text("Order of August 14, 2020\n\nThe order is hereby issued.\n", encoding="utf-8")
    run(tmp_path, "ingest", "order.txt", "--title", "Musical.ly order", "--published", "2020-08-19",
        "--publisher", "Federal Register", "--url", "https://www.federalregister.gov/d/2020-18360")
    draft = (tmp_path / "graph" / "drafts" / "musical-ly-order.ttl").read_text(encoding="utf-8")
    assert "tgr:src-fr-musically-order" in draft and "tgr:doc-musical-ly-order" not in draft
    assert "Musical.ly order" not in draft.split("tgr:src-fr-musically-order", 1)[1].split(" .\n", 1)[0]
    # StayNTouch's order has its text in the graph already: a second text for it is refused in one line.
    done = run(tmp_path, "ingest", "order.txt", "--title", "again", "--published", "2020-03-10",
               "--url", "https://www.federalregister.gov/d/2020-05011", ok=False)
    assert done.returncode != 0 and "already in the graph with its text" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
