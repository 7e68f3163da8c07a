"""Debian's Virtuoso (`virtuoso-opensource`) as a private test server: its own config and database in
a folder, on free 127.0.0.1 ports, never the system service.

Standard library only, so `.ci/run` can use it before the venv exists:

    python3 tests/virtuoso_server.py start DIR   # prints the sparql: spec; the server keeps running
    python3 tests/virtuoso_server.py stop DIR

tests/conftest.py (`virtuoso_server`) uses `running()` when no server was started for it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BINARY = "virtuoso-t"
ISQL = ("isql-vt", "isql-v")  # Debian's name, then upstream's
# Virtuoso's own defaults cap a result at 10,000 rows (an export of 1M quads would be cut short
# without an error) and a query at 60 s; our client has its own deadline. CaseMode 2 is what
# Debian's virtuoso.ini sets: with the built-in default, ASK answers come back as a table with
# one column, __ASK_RETVAL.
_INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
CaseMode = 2
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
DirsAllowed = ., {d}
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
ServerThreads = 4
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 1000000000
MaxQueryExecutionTime = 0
MaxQueryCostEstimationTime = 0
"""
# The SPARQL endpoint runs as the SQL user "SPARQL", which may not update until granted
# (Virtuoso's documentation: "GRANT SPARQL_UPDATE TO "SPARQL";").
_GRANT = 'GRANT SPARQL_UPDATE TO "SPARQL";'


def binary() -> str | None:
    return shutil.which(BINARY)


def isql() -> str | None:
    return next((p for p in map(shutil.which, ISQL) if p), None)


def spec(http_port: int) -> str:
    """Query and update URLs, the way `--store sparql:` takes them.

    Not the Graph Store endpoint /sparql-graph-crud: it stores integers beyond 32 bits as
    xsd:decimal (19000000000 comes back as a decimal); INSERT DATA keeps them.
    """
    url = f"http://127.0.0.1:{http_port}/sparql"
    return f"{url}|{url}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def launch(folder: Path, buffers: int = 20_000, http_port: int = 0) -> tuple[subprocess.Popen[bytes], str]:
    """Start a server on a new database in `folder`; returns the process and its sparql: spec once it answers.

    `http_port` 0 picks a free port.
    """
    exe, sql_client = binary(), isql()
    if not exe or not sql_client:
        raise RuntimeError("virtuoso-t or isql-vt is not installed (apt-get install virtuoso-opensource)")
    folder = folder.absolute()
    folder.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = _free_port(), http_port or _free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(_INI.format(d=folder, sql=sql_port, http=http_port, buffers=buffers, dirty=buffers * 3 // 4))
    log = (folder / "stdout.log").open("wb")
    proc = subprocess.Popen([exe, "+foreground", "+configfile", str(ini)], cwd=folder, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    url = f"http://127.0.0.1:{http_port}/sparql"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "?" + urllib.parse.urlencode({"query": "ASK {}"}), timeout=5):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                stop(proc)
                raise RuntimeError(f"Virtuoso did not start; see {folder / 'virtuoso.log'}") from None
            time.sleep(0.1)
    grant = subprocess.run([sql_client, f"127.0.0.1:{sql_port}", "dba", "dba", f"exec={_GRANT}"],
                           capture_output=True, text=True, timeout=60)
    if grant.returncode != 0 or "Error" in grant.stdout + grant.stderr:
        stop(proc)
        raise RuntimeError(f"cannot grant SPARQL_UPDATE: {(grant.stdout + grant.stderr).strip()}")
    return proc, spec(http_port)


def stop(proc: subprocess.Popen[bytes] | int) -> None:
    """SIGTERM (Virtuoso checkpoints and exits), then SIGKILL after 30 s."""
    pid = proc if isinstance(proc, int) else proc.pid
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if isinstance(proc, subprocess.Popen):
            if proc.poll() is not None:
                return
        else:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    if isinstance(proc, subprocess.Popen):
        proc.wait()


@contextmanager
def running(folder: Path, buffers: int = 20_000) -> Iterator[str]:
    """A server for the length of the block; yields its sparql: spec."""
    proc, found = launch(folder, buffers)
    try:
        yield found
    finally:
        stop(proc)


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] not in ("start", "stop"):
        print(__doc__, file=sys.stderr)
        return 2
    folder = Path(argv[2])
    pid_file = folder / "server.pid"
    if argv[1] == "start":
        proc, found = launch(folder)
        pid_file.write_text(str(proc.pid))
        print(found)
    elif pid_file.exists():
        stop(int(pid_file.read_text()))
        pid_file.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
