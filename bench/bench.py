"""Side-by-side benchmark of the stores at 10k, 100k and 1M synthetic triples (not a test).

    .venv/bin/python bench/bench.py                  # 10k, 100k, 1M: about 15 minutes
    .venv/bin/python bench/bench.py --sizes 10000    # quick look
    .venv/bin/python bench/bench.py --markdown       # the table for docs/performance.md

Each store runs in its own subprocess, so peak RSS is per store. Stores:
raw pyoxigraph (the reference), our memory store, our oxigraph:PATH store, our
sparql:URL store against a local `oxigraph serve`, and rdflib's default memory store.
Times are seconds; a query time is the best of three runs, results fully read.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

STORES = ["pyoxigraph", "memory", "oxigraph", "sparql", "rdflib"]
ACTOR = "https://w3id.org/tech-graph/id/synth-company-0"
QUERIES = {
    "timeline": f"""
        SELECT ?event ?label ?date WHERE {{
          ?event ?role <{ACTOR}> . ?role rdfs:subPropertyOf* sem:hasActor .
          ?event rdfs:label ?label .
          OPTIONAL {{ ?event sem:hasTimeStamp ?t }} OPTIONAL {{ ?event sem:hasBeginTimeStamp ?b }}
          BIND (COALESCE(?t, ?b) AS ?date)
        }} ORDER BY ?date""",
    "date-range": """
        SELECT ?type (COUNT(?e) AS ?n) WHERE {
          ?e a ?type ; sem:hasTimeStamp ?t .
          FILTER (STR(?t) >= "2015" && STR(?t) < "2019")
        } GROUP BY ?type ORDER BY DESC(?n)""",
    "co-actors": f"""
        SELECT ?other (COUNT(DISTINCT ?e) AS ?n) WHERE {{
          ?e ?r1 <{ACTOR}> . ?r1 rdfs:subPropertyOf* sem:hasActor .
          ?e ?r2 ?other . ?r2 rdfs:subPropertyOf* sem:hasActor .
          FILTER (?other != <{ACTOR}>)
        }} GROUP BY ?other ORDER BY DESC(?n)""",
}
COLUMNS = ["load", "open", *QUERIES, "projection", "render", "export-nt", "rss-MB"]


# --- one store, in a worker process -----------------------------------------------------------


def timed(func: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = func()
    return time.perf_counter() - start, value


def best_of(func: Callable[[], Any], runs: int = 3) -> float:
    return min(timed(func)[0] for _ in range(runs))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_ours(kind: str, data: Path, work: Path, server: str | None) -> dict[str, Any]:
    """Our stores through the library, the way the commands use them."""
    from tech_graph.export import EXPORTERS, ExportRequest
    from tech_graph.load import bundled_sources, user_sources
    from tech_graph.remote import Endpoints, SparqlStore
    from tech_graph.store import Store, load_disk_store, memory_store, open_disk_store

    sources = [*bundled_sources(), *user_sources([data])]
    out: dict[str, Any] = {}
    store: Store
    if kind == "memory":
        out["load"], store = timed(lambda: memory_store(user_sources([data])))
    elif kind == "oxigraph":
        out["load"], _ = timed(lambda: load_disk_store(work / "tech.db", sources))
        out["open"], store = timed(lambda: open_disk_store(work / "tech.db"))
    else:
        assert server
        remote = SparqlStore(Endpoints.parse(server), f"sparql:{server}", timeout=600)
        out["load"], _ = timed(lambda: remote.load(sources))
        store = remote
    for name, text in QUERIES.items():
        out[name] = best_of(lambda text=text: store.query(text).rows)  # type: ignore[union-attr]
    out["projection"], out["render"] = project_and_render(store)
    out["export-nt"] = best_of(lambda: EXPORTERS["nt"].write(ExportRequest(store)), runs=1)
    return out


def project_and_render(store: Any) -> tuple[float, float]:
    """The actor network (networkx's import included, as a command pays it), and the page of a bounded
    view: the actors within two steps of ACTOR, as `tech-graph render --focus ACTOR --depth 2` draws them
    (cut to the 5,000 most connected when larger)."""
    from tech_graph import network, render

    projection, graph = timed(lambda: network.actor_network(store))
    drawn, _ = timed(lambda: render.render(network.ego(graph, ACTOR, 2)).html)
    return projection, drawn


def run_pyoxigraph(data: Path) -> dict[str, Any]:
    import pyoxigraph as ox

    from tech_graph.load import ontology_path
    from tech_graph.namespaces import PREFIXES

    def load() -> ox.Store:
        store = ox.Store()
        store.load(path=str(data), format=ox.RdfFormat.N_TRIPLES)
        store.load(path=str(ontology_path()), format=ox.RdfFormat.TURTLE)
        return store

    out: dict[str, Any] = {}
    out["load"], store = timed(load)
    for name, text in QUERIES.items():
        out[name] = best_of(lambda text=text: list(store.query(text, prefixes=PREFIXES)))
    out["export-nt"] = best_of(lambda: store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()),
                               runs=1)
    return out


def run_rdflib(data: Path) -> dict[str, Any]:
    import rdflib
    from rdflib.extras.external_graph_libs import rdflib_to_networkx_multidigraph

    from tech_graph.load import ontology_path
    from tech_graph.namespaces import PREFIXES

    def load() -> rdflib.Graph:
        graph = rdflib.Graph()
        graph.parse(data, format="nt")
        graph.parse(ontology_path(), format="turtle")
        return graph

    out: dict[str, Any] = {}
    out["load"], graph = timed(load)
    for name, text in QUERIES.items():
        out[name] = best_of(lambda text=text: list(graph.query(text, initNs=PREFIXES)), runs=1)
    out["projection"] = timed(lambda: rdflib_to_networkx_multidigraph(graph))[0]
    out["export-nt"] = timed(lambda: graph.serialize(format="nt"))[0]
    return out


def worker(kind: str, data: Path, server: str | None) -> None:
    with tempfile.TemporaryDirectory(prefix="tg-bench-") as work:
        if kind == "pyoxigraph":
            out = run_pyoxigraph(data)
        elif kind == "rdflib":
            out = run_rdflib(data)
        else:
            out = run_ours(kind, data, Path(work), server)
    out["rss-MB"] = peak_rss_mb()
    print(json.dumps(out))


# --- the driver -------------------------------------------------------------------------------


@contextmanager
def oxigraph_server(folder: Path) -> Iterator[tuple[str, int]]:
    binary = Path(sys.executable).parent / "oxigraph"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([str(binary), "serve", "--location", str(folder), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/query"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield url, proc.pid
    finally:
        proc.terminate()
        proc.wait()


def server_peak_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def measure(kind: str, data: Path, server: str | None = None) -> dict[str, Any]:
    args = [sys.executable, __file__, "--worker", kind, "--file", str(data)]
    if server:
        args += ["--server", server]
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        print(proc.stderr, file=sys.stderr)
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def startup(runs: int = 10) -> dict[str, float]:
    """`tech-graph query --name` end to end on the bundled graph, against `python -c "import rdflib"`."""
    tool = Path(sys.executable).parent / "tech-graph"
    commands = {
        "python -c 'import rdflib'": [sys.executable, "-c", "import rdflib"],
        "tech-graph query --name stats-classes": [str(tool), "query", "--name", "stats-classes", "--format", "csv"],
        "tech-graph --help": [str(tool), "--help"],
    }
    medians = {}
    for name, command in commands.items():
        subprocess.run(command, capture_output=True, check=True)  # warm the file cache
        times = [timed(lambda c=command: subprocess.run(c, capture_output=True, check=True))[0] for _ in range(runs)]
        medians[name] = statistics.median(times)
    return medians


def fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.0f}" if value >= 100 else f"{value:.2f}" if value >= 0.1 else f"{value:.3f}"
    return str(value)


def table(results: dict[int, dict[str, dict[str, Any]]], markdown: bool) -> str:
    header = ["triples", "store", *COLUMNS]
    rows = []
    for size, by_store in results.items():
        for kind, values in by_store.items():
            rows.append([f"{size:,}", kind, *(fmt(values.get(c)) if "error" not in values else
                                             ("error" if c == "load" else "") for c in COLUMNS)])
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines) + "\n"
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines) + "\n"


def machine() -> str:
    def run(*cmd: str) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()
        except OSError:
            return "?"

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    from importlib.metadata import version

    libs = ", ".join(f"{name} {version(name)}" for name in ("pyoxigraph", "oxigraph", "rdflib", "oxrdflib", "networkx"))
    memory = run("free", "-h").splitlines()[1].split()[1] if run("free", "-h") else "?"
    return (f"{cpu}; nproc {run('nproc')}; memory {memory}; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}; {libs}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated triple counts")
    parser.add_argument("--stores", default=",".join(STORES), help=f"comma-separated, from {','.join(STORES)}")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--server", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.file, args.server)
        return

    from tech_graph.synth import synth_ntriples

    stores = args.stores.split(",")
    results: dict[int, dict[str, dict[str, Any]]] = {}
    print(f"machine: {machine()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="tg-bench-") as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            data = Path(tmp) / f"synth-{size}.nt"
            synth_time, raw = timed(lambda size=size: synth_ntriples(size, seed=1))
            data.write_bytes(raw)
            print(f"{size:,} triples: synth {synth_time:.2f} s, {len(raw) / 1e6:.0f} MB of N-Triples", flush=True)
            results[size] = {}
            for kind in stores:
                if kind == "sparql":
                    folder = Path(tmp) / f"server-{size}"
                    with oxigraph_server(folder) as (url, pid):
                        results[size][kind] = measure(kind, data, url)
                        results[size][kind]["server-MB"] = server_peak_mb(pid)
                    shutil.rmtree(folder, ignore_errors=True)
                else:
                    results[size][kind] = measure(kind, data)
                print(f"  {kind}: {json.dumps(results[size][kind])}", flush=True)
    print()
    print(table(results, args.markdown))
    for size, by_store in results.items():
        server_mb = by_store.get("sparql", {}).get("server-MB")
        if server_mb:
            print(f"{size:,}: oxigraph server peak RSS {server_mb:.0f} MB (client's is in the table)")
    print("\nstartup (median of 10 runs, bundled graph):")
    for name, seconds in startup().items():
        print(f"  {seconds * 1000:6.0f} ms  {name}")


if __name__ == "__main__":
    os.environ.setdefault("TECH_GRAPH_TIMEOUT", "600")
    main()
