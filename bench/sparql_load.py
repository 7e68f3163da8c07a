"""`tech-graph load --store sparql:` against each server's own fastest route, on the same file (not a test).

    .venv/bin/python bench/sparql_load.py                       # 1M triples, Oxigraph and Virtuoso
    .venv/bin/python bench/sparql_load.py --triples 100000 --servers oxigraph

For each server, on a fresh database each time:
- `raw bulk`: the server's own bulk loader on the synth file (`oxigraph load`; Virtuoso's
  `ld_dir` + `rdf_loader_run()` through isql), no HTTP;
- `raw HTTP`: the same N-Triples in one HTTP request to the server's fastest upload route
  (Oxigraph: Graph Store POST with `no_transaction`; Virtuoso: its Graph Store endpoint);
- `ours`: `tech-graph load --store sparql:... --data FILE` (the bundled graph plus the file), end to end;
- `ours again`: the same load into the loaded server, which first drops the previous graphs.
Seconds, one run each; the ratio is to `raw HTTP`. Numbers go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import virtuoso_server  # noqa: E402  (tests/virtuoso_server.py: the private Virtuoso the tests use)

BIN = Path(sys.executable).parent
GRAPH = "https://w3id.org/tech-graph/graph/user"


RAW_TIMEOUT = 300.0  # Virtuoso's Graph Store endpoint sometimes never answers a 147 MB POST


def timed(action: Callable[[], object]) -> float:
    """Seconds, or infinity if the server did not answer within RAW_TIMEOUT."""
    started = time.perf_counter()
    try:
        action()
    except TimeoutError:
        return float("inf")
    return time.perf_counter() - started


def post(url: str, path: Path) -> None:
    request = urllib.request.Request(url, data=path.read_bytes(), method="POST",
                                     headers={"Content-Type": "application/n-triples"})
    with urllib.request.urlopen(request, timeout=RAW_TIMEOUT) as response:
        response.read()


def ours(spec: str, data: Path) -> None:
    subprocess.run([str(BIN / "tech-graph"), "load", "--store", f"sparql:{spec}", "--data", str(data)], check=True,
                   env={**os.environ, "TECH_GRAPH_TIMEOUT": "3600", "TECH_GRAPH_PROGRESS": "0"},
                   stdout=subprocess.DEVNULL)


def oxigraph(data: Path, work: Path) -> dict[str, float]:
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import running_oxigraph

    binary = str(BIN / "oxigraph")
    times = {"raw bulk": timed(lambda: subprocess.run(
        [binary, "load", "--location", str(work / "bulk"), "--file", str(data), "--graph", GRAPH],
        check=True, capture_output=True))}
    with running_oxigraph(work / "raw") as url:
        times["raw HTTP"] = timed(lambda: post(url.removesuffix("query") + f"store?graph={GRAPH}&no_transaction", data))
    with running_oxigraph(work / "ours") as url:
        times["ours"] = timed(lambda: ours(url, data))
        times["ours again"] = timed(lambda: ours(url, data))
    return times


def virtuoso(data: Path, work: Path) -> dict[str, float]:
    buffers = 170_000  # Virtuoso's advice for a 2 GB budget (about 1.3 GB of pages)
    times: dict[str, float] = {}
    folder = work / "v-bulk"
    folder.mkdir()
    os.link(data, folder / data.name)  # ld_dir reads only from DirsAllowed
    proc, _ = virtuoso_server.launch(folder, buffers)
    try:
        port = (folder / "virtuoso.ini").read_text().split("ServerPort = 127.0.0.1:")[1].split()[0]
        sql = f"ld_dir('{folder}', '{data.name}', '{GRAPH}'); rdf_loader_run(); checkpoint;"
        times["raw bulk"] = timed(lambda: subprocess.run(
            [virtuoso_server.isql() or "isql-vt", f"127.0.0.1:{port}", "dba", "dba", f"exec={sql}"],
            check=True, capture_output=True))
    finally:
        virtuoso_server.stop(proc)
    with virtuoso_server.running(work / "v-raw", buffers) as spec:
        base = spec.split("|")[0].removesuffix("/sparql")
        times["raw HTTP"] = timed(lambda: post(f"{base}/sparql-graph-crud?graph={GRAPH}", data))
    with virtuoso_server.running(work / "v-ours", buffers) as spec:
        times["ours"] = timed(lambda: ours(spec, data))
        times["ours again"] = timed(lambda: ours(spec, data))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--servers", default="oxigraph,virtuoso")
    args = parser.parse_args()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"{args.triples:,} synthetic triples; load average {os.getloadavg()[0]:.1f} at the start")
    with tempfile.TemporaryDirectory(prefix="sparql-load-") as tmp:
        work = Path(tmp)
        data = work / "synth.nt"
        subprocess.run([str(BIN / "tech-graph"), "synth", "--triples", str(args.triples), "--seed", "1",
                        "-o", str(data)], check=True)
        print("| server | route | seconds | × raw HTTP |\n|---|---|---|---|")
        for server in args.servers.split(","):
            times = {"oxigraph": oxigraph, "virtuoso": virtuoso}[server](data, work)
            raw = times["raw HTTP"]
            for route, seconds in times.items():
                shown = f"{seconds:.1f}" if seconds < float("inf") else f"no answer in {RAW_TIMEOUT:g} s"
                ratio = f"{seconds / raw:.2f}" if raw < float("inf") and seconds < float("inf") else "-"
                print(f"| {server} | {route} | {shown} | {ratio} |", flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
