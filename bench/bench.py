"""Our commands against raw pyoxigraph on the same on-disk store, side by side (not a test).

    .venv/bin/python bench/bench.py                      # 1M triples: synth, load, then every case
    .venv/bin/python bench/bench.py --triples 100000     # a quick look
    .venv/bin/python bench/bench.py --markdown           # the table for docs/performance.md
    .venv/bin/python bench/bench.py --only tgr: --repeat 3   # the local cases, best of three each

Every case runs twice in fresh processes, one after the other: our command as a user runs it
(`tech-graph --store oxigraph:PATH ...`, output to /dev/null) and raw pyoxigraph fetching the
same rows from the same store with the simplest equivalent query (the named query as written,
every row read; for the timeline, the model's queries as written). Wall seconds and peak RSS
per process; the ratio is ours / raw. `load` compares with pyoxigraph's own bulk_load to disk.
RSS is compared with raw pyoxigraph holding the same data in memory. The raw side imports
pyoxigraph only (the prefixes are written into its code).

The local cases' raw side fetches exactly the rows our command needs, no more:
- `timeline --actor`: the actor's events with their labels, time stamps, event types, status,
  modality, every actor in them (role, label), places, and what they are derived from (quote,
  document, title, publisher): what the CSV shows.
- `render --focus` (depth 1): the actors who share an event or a relationship with the actor;
  every role those actors take, to find the events that link two of them; those events' labels,
  time stamps, types, status, modality and sources; the relationships among the actors; the
  actors' types, labels, alternate names and sources; the cited documents' labels and URLs.
Like ours, it reads the role and class hierarchies once (three small queries) and passes them as
`FILTER (?x IN (...))`: written with `rdfs:subPropertyOf*` paths instead, the same rows take Oxigraph
2-3 times as long, which would flatter us. Labels of the things joined are OPTIONAL: a required
`?actor rdfs:label ?l` next to a FILTER makes Oxigraph join every label in the store first.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
TECH_GRAPH = [str(Path(sys.executable).parent / "tech-graph")]
ACTOR, OTHER = "tgr:synth-company-5", "tgr:synth-company-2"
SERVE_LIMIT = 10.0  # seconds: serve's default time limit per query
TARGET = 2.0


@dataclass
class Run:
    seconds: float
    rss_mb: float
    ok: bool


def run(argv: list[str], env: dict[str, str] | None = None) -> Run:
    """One process: wall time and its own peak RSS (wait4 gives the child's, not the sum)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    if status != 0:
        print(f"  failed ({status}): {' '.join(argv[:8])}: {err.strip()[-300:]}", file=sys.stderr)
    return Run(seconds, usage.ru_maxrss / 1024, status == 0)


def best(ours_argv: list[str], raw_argv: list[str] | None, env: dict[str, str], repeat: int) -> tuple[Run, Run | None]:
    """Each side's fastest of `repeat` runs, taken in turn (ours, raw, ours, ...) so that both see the same
    machine; a failed run counts as the result."""
    ours: Run | None = None
    theirs: Run | None = None
    for _ in range(max(repeat, 1)):
        ours = _faster(ours, run(ours_argv, env))
        if raw_argv:
            theirs = _faster(theirs, run(raw_argv, env))
    assert ours is not None
    return ours, theirs


def _faster(kept: Run | None, new: Run) -> Run:
    if kept is None or (kept.ok and (not new.ok or new.seconds < kept.seconds)):
        return new
    return kept


def raw(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def raw_queries(store: Path, texts: list[str]) -> list[str]:
    """Raw pyoxigraph: open the store read-only, run each query, read every row."""
    from tech_graph.namespaces import PREFIXES

    return raw(f"""
import pyoxigraph as ox
s = ox.Store.read_only({str(store)!r})
for text in {texts!r}:
    r = s.query(text, prefixes={PREFIXES!r}, use_default_graph_as_union=True)
    if isinstance(r, ox.QuerySolutions):
        for row in r:
            tuple(row)
    elif isinstance(r, ox.QueryTriples):
        for t in r:
            pass
""")


# Raw pyoxigraph for the local cases (see the module's docstring): STORE, PREFIXES and ACTOR filled in.
RAW_LOCAL = """
import pyoxigraph as ox
s = ox.Store.read_only(STORE)
def rows(q):
    return [tuple(r) for r in s.query(q, prefixes=PREFIXES, use_default_graph_as_union=True)]
def values(var, terms):
    return f"VALUES ?{var} {{ {' '.join(str(t) for t in terms)} }}"
def among(var, terms):
    return f"FILTER (?{var} IN ({', '.join(str(t) for t in terms)}))"
roles = [r for r, in rows("SELECT ?r WHERE { ?r rdfs:subPropertyOf* sem:hasActor }")]
event_classes = [c for c, in rows("SELECT ?c WHERE { ?c rdfs:subClassOf* sem:Event }")]
actor_classes = [c for c, in rows("SELECT ?c WHERE { ?c rdfs:subClassOf* tg:Actor }")]
C = f"<{ACTOR}>"
"""
RAW_ACTOR_TIMELINE = RAW_LOCAL + """
events = {str(e) for e, in rows(f"SELECT DISTINCT ?e WHERE {{ ?e ?r {C} . {among('r', roles)} }}")}
rows(f\"\"\"SELECT * WHERE {{ {values('e', events)}
  {{ ?e a ?type . {among('type', event_classes)} }} UNION {{ ?e rdfs:label ?label }}
  UNION {{ ?e sem:hasTimeStamp ?time }} UNION {{ ?e sem:hasBeginTimeStamp ?begin }}
  UNION {{ ?e sem:hasEndTimeStamp ?end }}
  UNION {{ ?e tg:status/rdfs:label ?status }} UNION {{ ?e tg:modality/rdfs:label ?modality }}
  UNION {{ ?e ?role ?actor . {among('role', roles)} OPTIONAL {{ ?actor rdfs:label ?actorLabel }} }}
  UNION {{ ?e sem:hasPlace ?place OPTIONAL {{ ?place rdfs:label ?placeLabel }} }}
  UNION {{ ?e prov:wasDerivedFrom|tg:dateDerivedFrom ?source OPTIONAL {{ ?source prov:value ?quote }}
           OPTIONAL {{ ?source dcterms:title|rdfs:label ?title }} OPTIONAL {{ ?source schema:publisher ?publisher }}
           OPTIONAL {{ ?source prov:wasQuotedFrom ?doc OPTIONAL {{ ?doc dcterms:title|rdfs:label ?docTitle }}
                      OPTIONAL {{ ?doc schema:publisher ?docPublisher }} }} }} }}\"\"\")
"""
RAW_EGO = RAW_LOCAL + """
near = rows(f\"\"\"SELECT DISTINCT ?n WHERE {{
  {{ SELECT DISTINCT ?n WHERE {{ {{ ?e ?r {C} . {among('r', roles)} ?e ?r2 ?n . {among('r2', roles)} }}
    UNION {{ ?rel tg:source {C} ; tg:target ?n }} UNION {{ ?rel tg:target {C} ; tg:source ?n }} }} }}
  ?n a ?class . {among('class', actor_classes)} }}\"\"\")
ego = {C, *(str(n) for n, in near)}
who = {}
for e, a in rows(f"SELECT ?e ?a WHERE {{ {values('a', ego)} ?e ?r ?a . {among('r', roles)} }}"):
    who.setdefault(e, set()).add(a)
linking = [e for e, found in who.items() if len(found) > 1]
events = rows(f\"\"\"SELECT * WHERE {{ {values('e', linking)}
  {{ ?e a ?type . {among('type', event_classes)} }} UNION {{ ?e rdfs:label ?label }}
  UNION {{ ?e sem:hasTimeStamp ?time }} UNION {{ ?e sem:hasBeginTimeStamp ?begin }}
  UNION {{ ?e sem:hasEndTimeStamp ?end }}
  UNION {{ ?e tg:status/rdfs:label ?status }} UNION {{ ?e tg:modality/rdfs:label ?modality }}
  UNION {{ ?e ?role ?actor . {among('role', roles)} {among('actor', ego)} }}
  UNION {{ ?e prov:wasDerivedFrom ?source OPTIONAL {{ ?source prov:value ?quote }}
           OPTIONAL {{ ?source prov:wasQuotedFrom ?document }} }} }}\"\"\")
links = rows(f\"\"\"SELECT * WHERE {{ {values('a', ego)} ?rel tg:source ?a ; tg:target ?b . {among('b', ego)}
  {{ ?rel a ?type }} UNION {{ ?rel rdfs:label ?label }} UNION {{ ?rel sem:hasTimeStamp ?time }}
  UNION {{ ?rel sem:hasBeginTimeStamp ?begin }} UNION {{ ?rel sem:hasEndTimeStamp ?end }}
  UNION {{ ?rel prov:wasDerivedFrom ?source OPTIONAL {{ ?source prov:value ?quote }}
           OPTIONAL {{ ?source prov:wasQuotedFrom ?document }} }} }}\"\"\")
actors = rows(f\"\"\"SELECT * WHERE {{ {values('a', ego)}
  {{ ?a a ?type }} UNION {{ ?a rdfs:label ?label }} UNION {{ ?a schema:alternateName ?alt }}
  UNION {{ ?a prov:wasDerivedFrom ?source OPTIONAL {{ ?source prov:value ?quote }}
           OPTIONAL {{ ?source prov:wasQuotedFrom ?document }} }} }}\"\"\")
cited = {str(r[-1]) for r in [*events, *links, *actors] if r[-1] is not None}
rows(f"SELECT * WHERE {{ {values('d', cited)} OPTIONAL {{ ?d rdfs:label ?label }} OPTIONAL {{ ?d schema:url ?url }} }}")
"""


def raw_local(store: Path, code: str) -> list[str]:
    from tech_graph.actors import expand
    from tech_graph.namespaces import PREFIXES

    return raw(f"STORE, PREFIXES, ACTOR = {str(store)!r}, {PREFIXES!r}, {expand(ACTOR)!r}\n{code}")


def cases(db: Path) -> list[tuple[str, list[str], list[str] | None]]:
    """(name, our command, raw command or None for an absolute target)."""
    from tech_graph.hierarchy import READ
    from tech_graph.query import named_queries

    ours = [*TECH_GRAPH, "--store", f"oxigraph:{db}"]
    found: list[tuple[str, list[str], list[str] | None]] = []
    for name, query in named_queries().items():
        found.append((f"query --name {name}", [*ours, "query", "--name", name, "--format", "csv", "-o", os.devnull],
                      raw_queries(db, [query.text])))
    model = [READ, *(named_queries()[n].text for n in ("model-terms", "model-events", "model-event-types",
                                                         "model-participants", "model-places", "model-derivations",
                                                         "model-documents"))]
    found.append(("timeline", [*ours, "timeline", "--format", "csv", "-o", os.devnull], raw_queries(db, model)))
    found.append((f"timeline --actor {ACTOR}", [*ours, "timeline", "--actor", ACTOR, "--format", "csv",
                                                "-o", os.devnull], raw_local(db, RAW_ACTOR_TIMELINE)))
    found.append((f"render --focus {ACTOR}", [*ours, "render", "--focus", ACTOR, "-o", os.devnull],
                  raw_local(db, RAW_EGO)))
    # pyoxigraph's dump syncs the file it writes, which /dev/null refuses (EINVAL): a file beside the store.
    dump = db.parent / "raw-dump.nq"
    found.append(("export -f nt", [*ours, "export", "-f", "nt", "-o", os.devnull],
                  raw(f"import os, pyoxigraph as ox\ns = ox.Store.read_only({str(db)!r})\n"
                      f"s.dump({str(dump)!r}, ox.RdfFormat.N_QUADS)\nos.remove({str(dump)!r})")))
    found.append((f"neighbors {ACTOR}", [*ours, "neighbors", ACTOR, "-o", os.devnull], None))
    found.append((f"path {ACTOR} {OTHER}", [*ours, "path", ACTOR, OTHER, "-o", os.devnull], None))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/tech-graph-bench"))
    parser.add_argument("--only", default="", help="run only the cases whose name has this in it")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run each side this many times, in turn, and keep each side's fastest run")
    args = parser.parse_args()
    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)
    data, db, raw_db = work / f"synth-{args.triples}.nt", work / "ours", work / "raw"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "TECH_GRAPH_PROGRESS": "0"}
    # Bytecode as an installed package has it, whether or not this shell sets PYTHONDONTWRITEBYTECODE.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src")], check=True, stdout=subprocess.DEVNULL)
    if not data.exists():
        subprocess.run([*TECH_GRAPH, "synth", "--triples", str(args.triples), "--seed", "1", "-o", str(data)],
                       check=True, env=env)
    rows: list[tuple[str, Run, Run | None]] = []
    if not args.only or "load" in args.only:
        shutil.rmtree(raw_db, ignore_errors=True)
        ours = run([*TECH_GRAPH, "load", "--store", f"oxigraph:{db}", "--data", str(data)], env)
        theirs = run(raw(f"import pyoxigraph as ox\ns = ox.Store({str(raw_db)!r})\n"
                         f"s.bulk_load(path={str(data)!r}, format=ox.RdfFormat.N_TRIPLES,"
                         f" to_graph=ox.NamedNode('https://w3id.org/tech-graph/graph/user'))\ns.flush()"), env)
        rows.append(("load", ours, theirs))
        shutil.rmtree(raw_db, ignore_errors=True)
    elif not db.exists():
        subprocess.run([*TECH_GRAPH, "load", "--store", f"oxigraph:{db}", "--data", str(data)], check=True, env=env)
    holding = run(raw(f"import pyoxigraph as ox\ns = ox.Store()\n"
                      f"s.bulk_load(path={str(data)!r}, format=ox.RdfFormat.N_TRIPLES)\nprint(len(s))"), env)
    for name, ours_argv, raw_argv in cases(db):
        if args.only and args.only not in name:
            continue
        ours, theirs = best(ours_argv, raw_argv, env, args.repeat)
        rows.append((name, ours, theirs))
        print(f"{name:48} {ours.seconds:7.2f} {theirs.seconds if theirs else float('nan'):7.2f}", file=sys.stderr)
    report(rows, holding, args.triples, args.markdown)
    (work / "results.json").write_text(json.dumps(
        [{"case": n, "ours": o.__dict__, "raw": r.__dict__ if r else None} for n, o, r in rows], indent=1))


def report(rows: list[tuple[str, Run, Run | None]], holding: Run, triples: int, markdown: bool) -> None:
    header = ["case", "ours s", "raw s", "ratio", "ours RSS MB", "target"]
    table = []
    for name, ours, theirs in rows:
        if theirs is None:
            verdict = "ok" if ours.seconds <= 1.0 else "MISSED (> 1 s)"
            table.append([name, f"{ours.seconds:.2f}", "", "", f"{ours.rss_mb:.0f}", verdict])
            continue
        ratio = ours.seconds / theirs.seconds if theirs.seconds else float("inf")
        limit = 1.5 if name == "load" else TARGET
        verdict = "ok" if ratio <= limit else f"MISSED (> {limit}x)"
        if name.startswith("query") and ours.seconds > SERVE_LIMIT:
            verdict += f"; over serve's {SERVE_LIMIT:g} s"
        if not ours.ok:
            verdict = "FAILED"
        table.append([name, f"{ours.seconds:.2f}", f"{theirs.seconds:.2f}", f"{ratio:.2f}", f"{ours.rss_mb:.0f}",
                      verdict])
    peak = max((o.rss_mb for n, o, _ in rows if n != "load"), default=0.0)
    lines = [f"{triples:,} triples on oxigraph:PATH; {platform.platform()}, {os.cpu_count()} cores, "
             f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f} at the end",
             f"peak RSS of our commands {peak:.0f} MB; raw pyoxigraph holding the data in memory "
             f"{holding.rss_mb:.0f} MB; ratio {peak / holding.rss_mb:.2f} (target 1.3)", ""]
    if markdown:
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * len(header))
        lines += ["| " + " | ".join(row) + " |" for row in table]
    else:
        widths = [max(len(r[i]) for r in [header, *table]) for i in range(len(header))]
        lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in [header, *table]]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
