"""Record every output of the command line on the bundled graph into a folder, to compare two versions.

    .venv/bin/python bench/record_outputs.py OUT            # record
    diff -r OUT-before OUT-after                            # compare

A refactor that changes no meaning must leave every file byte-identical. Each command
runs in this process through click's test runner (standard output and error kept
apart), on the in-memory store; serve's entity pages are rendered straight from
`App.gather`. Pages that embed a build stamp or a random layout are seeded already.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

ACTOR, OTHER, PLACE, TYPE = "Ant Group", "CFIUS", "China", "tg:RegulatoryAction"
ENTITIES = ["tgr:ant-group", "tgr:alibaba", "tgr:jack-ma", "tgr:article", "tg:RegulatoryAction"]


def commands() -> dict[str, list[str]]:
    """A file name for each command line (without `tech-graph`)."""
    from tech_graph.export import EXPORTERS
    from tech_graph.query import named_queries

    runs: dict[str, list[str]] = {"queries": ["queries"], "stats": ["stats"]}
    for name in named_queries():
        runs[f"query-{name}.csv"] = ["query", "--name", name, "--format", "csv"]
    runs["query-regulatory-actions.json"] = ["query", "--name", "regulatory-actions", "--format", "json"]
    for fmt in ("table", "csv", "json", "md", "timelinejs"):
        runs[f"timeline.{fmt}"] = ["timeline", "--format", fmt]
        runs[f"timeline-as-of.{fmt}"] = ["timeline", "--as-of", "2020-11", "--format", fmt]
    runs["timeline-actor.csv"] = ["timeline", "--actor", ACTOR, "--format", "csv"]
    runs["timeline-type.csv"] = ["timeline", "--type", TYPE, "--format", "csv"]
    runs["timeline-place.csv"] = ["timeline", "--place", PLACE, "--format", "csv"]
    runs["timeline-period.csv"] = ["timeline", "--from", "2020-11", "--to", "2020-12", "--format", "csv"]
    runs["timeline-as-of-actor.json"] = ["timeline", "--as-of", "2020-12-24", "--actor", "Alibaba",
                                         "--format", "json"]
    runs["timeline.html"] = ["timeline", "--html", "{out}/timeline.html"]
    runs["timeline-as-of.html"] = ["timeline", "--as-of", "2020-11", "--html", "{out}/timeline-as-of.html"]
    runs["render-actors.html"] = ["render", "-o", "{out}/render-actors.html"]
    runs["render-events.html"] = ["render", "--view", "events", "-o", "{out}/render-events.html"]
    runs["render-focus.html"] = ["render", "--focus", ACTOR, "--depth", "2", "-o", "{out}/render-focus.html"]
    runs["render-until.html"] = ["render", "--until", "2020-06", "-o", "{out}/render-until.html"]
    runs["render-events-focus.html"] = ["render", "--view", "events", "--focus", ACTOR,
                                        "-o", "{out}/render-events-focus.html"]
    for name, exp in EXPORTERS.items():
        target = f"{{out}}/export-{name}" + (".zip" if exp.multi_file else exp.suffixes[0])
        runs[f"export-{name}"] = ["export", "-f", name, "-o", target]
    runs["export-event-actor.gexf"] = ["export", "-f", "gexf", "--network", "event-actor",
                                       "-o", "{out}/export-event-actor.gexf"]
    runs["export-until.graphml"] = ["export", "-f", "graphml", "--until", "2020-11",
                                    "-o", "{out}/export-until.graphml"]
    for depth in (1, 2):
        runs[f"neighbors-{depth}"] = ["neighbors", ACTOR, "--depth", str(depth)]
    runs["neighbors.csv"] = ["neighbors", "Alibaba", "--format", "csv"]
    runs["neighbors-until"] = ["neighbors", ACTOR, "--until", "2020-06"]
    runs["path"] = ["path", OTHER, "Hellobike"]
    runs["path-2"] = ["path", "Jack Ma", "TikTok", "--limit", "3"]
    for by in ("degree", "betweenness", "pagerank"):
        runs[f"central-{by}"] = ["central", "--by", by]
    runs["central-until.csv"] = ["central", "--until", "2020-06", "--format", "csv"]
    return runs


def record(out: Path, only: list[str]) -> None:
    from click.testing import CliRunner

    from tech_graph.cli import cli

    out.mkdir(parents=True, exist_ok=True)
    runner = CliRunner()
    for name, args in commands().items():
        if only and not any(o in name for o in only):
            continue
        args = [a.replace("{out}", str(out)) for a in args]
        result = runner.invoke(cli, args, catch_exceptions=False, env={"TECH_GRAPH_PROGRESS": "0"})
        if result.stdout or not any("{out}" in a for a in commands()[name]):
            (out / f"{name}.stdout").write_bytes(_stable(name, result.stdout_bytes))
        (out / f"{name}.exit").write_text(f"{result.exit_code}\n{result.stderr}".replace(str(out), "OUT"))
        print(f"{result.exit_code} {name}", file=sys.stderr)
    zipped = out / "export-neo4j.zip"
    if zipped.exists():  # compare the files inside, not the archive's bytes alone
        shutil.unpack_archive(zipped, out / "export-neo4j")
    _entities(out, only)
    _build(out, only)


def _stable(name: str, output: bytes) -> bytes:
    """A query without ORDER BY may give its rows in any order: compare them sorted."""
    from tech_graph.query import named_queries

    query = named_queries().get(name.removeprefix("query-").removesuffix(".csv"))
    if query is None or "ORDER BY" in query.text or not name.endswith(".csv"):
        return output
    header, *rows = output.decode("utf-8").splitlines(keepends=True)
    return (header + "".join(sorted(rows))).encode("utf-8")


def _entities(out: Path, only: list[str]) -> None:
    if only and "entity" not in only:
        return
    from tech_graph import serve_pages
    from tech_graph.actors import expand
    from tech_graph.serve import App
    from tech_graph.store import memory_store

    app = App(memory_store())
    try:
        for name in ENTITIES:
            iri = expand(name) or name
            (out / f"entity-{name.replace(':', '-')}.html").write_text(serve_pages.entity_page(app.gather(iri)))
    finally:
        app.close()


def _build(out: Path, only: list[str]) -> None:
    if only and "build" not in only:
        return
    from click.testing import CliRunner

    from tech_graph.cli import cli

    with tempfile.TemporaryDirectory() as folder:
        result = CliRunner().invoke(cli, ["build", "--out", folder], catch_exceptions=False,
                                    env={"TECH_GRAPH_PROGRESS": "0"})
        (out / "build.stdout").write_text(result.stdout.replace(folder, "OUT"))
        for page in ("timeline.html", "graph.html"):
            shutil.copy(Path(folder) / page, out / f"build-{page}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="folder to write (created)")
    parser.add_argument("--only", nargs="*", default=[], help="record only outputs whose name has one of these")
    args = parser.parse_args()
    if os.environ.get("PYTHONHASHSEED") != "0":  # sets and dicts of strings in a stable order, run to run
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"})
    record(args.out, args.only)


if __name__ == "__main__":
    main()
