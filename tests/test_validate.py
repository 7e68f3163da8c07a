"""`tech-graph validate` passes on the shipped graph and fails, clearly, on broken copies of it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tech_graph.cli import cli

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A private copy of graph/ and ontology/, to break on purpose."""
    for folder in ("graph", "ontology"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, start: str) -> int:
    """The 1-based number of the first line of `path` that starts with `start`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.startswith(start))


def validate(runner: CliRunner, home: Path | None = None, *args: str) -> tuple[int, str]:
    env = {"TECH_GRAPH_HOME": str(home)} if home else {}
    result = runner.invoke(cli, ["validate", *args], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_shipped_graph_is_valid(runner: CliRunner) -> None:
    code, out = validate(runner)
    assert code == 0, out
    assert out.startswith("ok:")


def test_broken_quote(runner: CliRunner, copy: Path) -> None:
    edit(copy / "graph" / "sources.ttl", "Between December 24th and 28th", "Between December 25th and 28th")
    code, out = validate(runner, copy)
    assert code == 1
    lines = [line for line in out.splitlines() if "quote-in-source" in line]
    assert len(lines) == 1
    assert re.match(r"^\S*graph/sources\.ttl:\d+: tgr:q-\S+: \[quote-in-source\] quote does not occur", lines[0])


def test_missing_actor(runner: CliRunner, copy: Path) -> None:
    edit(copy / "graph" / "events.ttl", "    tg:hasRegulator tgr:samr ;\n    tg:hasTarget tgr:alibaba ;\n", "")
    code, out = validate(runner, copy)
    assert code == 1
    (line,) = [line for line in out.splitlines() if "tgr:samr-alibaba-investigation" in line]
    assert f"graph/events.ttl:{line_of(copy / 'graph' / 'events.ttl', 'tgr:samr-alibaba-investigation a')}:" in line
    assert "at least one actor" in line


def test_wrong_datatype(runner: CliRunner, copy: Path) -> None:
    edit(copy / "graph" / "events.ttl", 'sem:hasTimeStamp "2020-11-03"^^xsd:date', 'sem:hasTimeStamp "2020-11-03"')
    code, out = validate(runner, copy)
    assert code == 1
    (line,) = [line for line in out.splitlines() if "TimeStamp" in line]
    assert "tgr:ant-ipo-suspension" in line and "graph/events.ttl:" in line
    assert "xsd:date, xsd:gYearMonth, xsd:gYear" in line


def test_undescribed_iri(runner: CliRunner, copy: Path) -> None:
    edit(copy / "graph" / "events.ttl", "tg:hasTarget tgr:alibaba ;", "tg:hasTarget tgr:alibabba ;")
    code, out = validate(runner, copy)
    assert code == 1
    assert "tgr:alibabba: [described] is used but never described" in out


def test_malformed_turtle_names_file_and_line(runner: CliRunner, copy: Path) -> None:
    edit(copy / "graph" / "events.ttl", "tg:hasTarget tgr:alibaba ;", "tg:hasTarget tgr:alibaba ;;; ]")
    code, out = validate(runner, copy)
    assert code == 2
    number = line_of(copy / "graph" / "events.ttl", "    tg:hasTarget tgr:alibaba ;;; ]")
    assert re.match(rf"^error: \S*graph/events\.ttl:{number}:\d+: invalid Turtle: .+", out), out
    assert "Traceback" not in out


# Each kind of problem issue #12 found, reintroduced into a copy: validate names it on one clear line.
BROKEN = {
    "time-without-source": (
        "events.ttl", "    tg:dateDerivedFrom tgr:src-bs-samr-alibaba-probe ;\n", "",
        "tgr:samr-alibaba-investigation", "has a time but no tg:dateDerivedFrom"),
    "measurement-dated-by-guess": (
        "measurements.ttl", "    tg:asOf tgr:article ;\n",
        '    <http://semanticweb.cs.vu.nl/2009/11/sem/hasTimeStamp> "2021"^^xsd:gYear ;\n',
        "tgr:alibaba-intl-commerce-share", "has a time but no tg:dateDerivedFrom"),
    "ongoing-dated-by-another-fact": (
        "deals.ttl", "    tg:asOf tgr:src-businesstimes-alibaba-buyback ;\n",
        '    sem:hasTimeStamp "2020-12-28"^^xsd:date ;\n'
        "    tg:dateDerivedFrom tgr:src-businesstimes-alibaba-buyback ;\n",
        "tgr:alibaba-buyback", "an ongoing event is not an instant"),
    "hedge-lost": (
        "claims.ttl", 'tg:claimText "The author has not heard of crackdowns against Huawei, Haier or Lenovo."',
        'tg:claimText "There have been no crackdowns against Huawei, Haier or Lenovo."',
        "tgr:claim-no-crackdown-on-champions", "states it as fact"),
    "planned-but-completed": (
        "events.ttl", "    tg:modality tg:Planned ;\n", "    tg:modality tg:Planned ;\n    tg:status tg:Completed ;\n",
        "tgr:biden-deal-review", "cannot have status tg:Completed"),
    "planned-with-a-time-stamp": (
        "deals.ttl", 'tg:scheduledFor "2020-11-05"', 'sem:hasTimeStamp "2020-11-05"',
        "tgr:ant-ipo", "has no sem:hasTimeStamp or sem:hasBeginTimeStamp"),
    "hedge-as-status": (
        "events.ttl", "tg:modality tg:Rumoured ;", "tg:status tg:Rumoured ;",
        "tgr:jack-ma-disappearance", "tg:status must be one tg:EventStatus"),
    "approximate-without-time": (
        "events.ttl", "    tg:inResponseTo tgr:tiktok-india-political-heat ;\n",
        "    tg:inResponseTo tgr:tiktok-india-political-heat ;\n    tg:approximateTime true ;\n",
        "tgr:beijing-offer-to-bytedance", "no time stamp to qualify"),
    "link-without-provenance": (
        "events.ttl", "    tg:hasIssuer tgr:alibaba ;\n    tg:percentChange",
        "    tg:hasIssuer tgr:alibaba ;\n    tg:causedBy tgr:samr-alibaba-investigation ;\n    tg:percentChange",
        "tgr:alibaba-valuation-fall", "has no tg:Link with its provenance"),
    "link-nobody-asserts": (
        "links.ttl", "rdf:predicate tg:despite ; rdf:object tgr:alibaba-buyback",
        "rdf:predicate tg:despite ; rdf:object tgr:samr-alibaba-investigation",
        "tgr:link-valuation-fall-despite-buyback", "describes a triple that is not in the graph"),
    "speculation-as-structure": (
        "events.ttl", "    tg:count tgr:cfius-divestments-count ;\n",
        "    tg:count tgr:cfius-divestments-count ;\n    rdfs:seeAlso tgr:stayntouch-divestment-order ;\n",
        "tgr:cfius-forced-divestments-2020", "not by rdfs:seeAlso"),
    "order-as-sale": (
        "events.ttl", "    tg:hasTarget tgr:bytedance ;\n    tg:hasAffected tgr:musically ;\n",
        "    tg:hasTarget tgr:bytedance ;\n    tg:hasSeller tgr:bytedance ;\n    tg:hasAffected tgr:musically ;\n",
        "tgr:musically-divestment-order", "a seller belongs to the sale"),
    "country-as-regulator": (
        "events.ttl", "tg:hasRegulator tgr:meity ;", "tg:hasRegulator tgr:india ;",
        "tgr:india-tiktok-ban", "not a tg:Country"),
    "malformed-wikidata-id": (
        "actors.ttl", "<http://www.wikidata.org/entity/Q1359568>", "<https://www.wikidata.org/wiki/Q1359568>",
        "tgr:alibaba", "must be one Wikidata entity IRI"),
    "shared-wikidata-id": (
        "actors.ttl", "<http://www.wikidata.org/entity/Q860580>", "<http://www.wikidata.org/entity/Q1359568>",
        "tgr:tencent", "share one Wikidata identifier"),
    "two-labels-in-one-language": (
        "actors.ttl", '    rdfs:label "阿里巴巴"@zh-Hans ;\n', '    rdfs:label "阿里巴巴"@zh-Hans , "阿里"@zh-Hans ;\n',
        "tgr:alibaba", "at most one per language"),
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_validate_names_each_kind_of_fidelity_problem(runner: CliRunner, copy: Path, kind: str) -> None:
    name, old, new, node, message = BROKEN[kind]
    edit(copy / "graph" / name, old, new)
    code, out = validate(runner, copy)
    assert code == 1, out
    lines = [line for line in out.splitlines() if f" {node}: " in line and message in line]
    assert len(lines) == 1, out
    assert re.match(rf"^\S*graph/{re.escape(name)}:\d+: {re.escape(node)}: \[[^\]]+\] ", lines[0]), lines[0]
    assert "Traceback" not in out


def test_validate_names_a_sub_property_that_breaks_its_prov_range(runner: CliRunner, copy: Path) -> None:
    """Checked against PROV-O as W3C publishes it (ontology/imports/prov-o.ttl), not against a list of ours."""
    claimed = ' ;\n    rdfs:label "claimed in"'
    edit(copy / "ontology" / "tech-graph.ttl", "rdfs:subPropertyOf prov:wasDerivedFrom" + claimed,
         "rdfs:subPropertyOf prov:wasAttributedTo" + claimed)
    code, out = validate(runner, copy)
    assert code == 1
    (line,) = [line for line in out.splitlines() if "super-property-range" in line]
    number = line_of(copy / "ontology" / "tech-graph.ttl", "tg:claimedIn a ")
    assert line.startswith(f"{copy}/ontology/tech-graph.ttl:{number}: tg:claimedIn: [super-property-range] ")
    assert "tg:Article is not a prov:Agent" in line
