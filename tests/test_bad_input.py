"""Bad input and faults, the way a user meets them: the installed `tech-graph`, run as a real process.

Every row must give exactly one line on standard error, the documented exit code (errors.py,
README "Errors and limits": 2 input, 1 environment or problems found, 70 bug, 130 interrupted),
no traceback, and leave every file in its folder as it was (hashed before and after).
"""

from __future__ import annotations

import ctypes
import fcntl
import gzip
import hashlib
import os
import pty
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import running_oxigraph

TECH_GRAPH = str(Path(sys.executable).parent / "tech-graph")
IS_ROOT = os.geteuid() == 0
PRIVATE = 0o000  # a folder nobody may enter, root included once it lost its file-permission rights

Setup = Callable[[Path], None]


@dataclass
class Case:
    id: str
    args: list[str]
    code: int
    says: str = ""  # a phrase the error line must contain
    setup: Setup | None = None
    stdin: bytes = b""
    stdout: str | None = None  # a path to send standard output to (e.g. /dev/full)
    unprivileged: bool = False  # file permissions apply, even to root (EACCES)
    terminal: bool = False  # standard output is a terminal
    env: dict[str, str] = field(default_factory=dict)
    line_starts: str = "error: "
    cwd: str = ""  # run in this subfolder of the work folder


# --- inputs ------------------------------------------------------------------------------------


def write(name: str, data: bytes | str) -> Setup:
    def setup(folder: Path) -> None:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data.encode() if isinstance(data, str) else data)

    return setup


def both(*setups: Setup) -> Setup:
    def setup(folder: Path) -> None:
        for one in setups:
            one(folder)

    return setup


def gz_corrupt_body(folder: Path) -> None:
    good = gzip.compress(b"<http://x/a> <http://x/b> <http://x/c> .\n" * 200, mtime=0)
    (folder / "bad.nt.gz").write_bytes(good[:20] + b"\xff" * 40 + good[60:])


def big_literal(folder: Path) -> None:
    with (folder / "big.nt").open("wb") as handle:
        handle.write(b'<http://x/a> <http://x/b> "')
        for _ in range(50):
            handle.write(b"a" * 1_000_000)
        handle.write(b'" .\n')


def store(name: str = "tech.db") -> Setup:
    def setup(folder: Path) -> None:
        subprocess.run([TECH_GRAPH, "load", "--store", f"oxigraph:{folder / name}"], check=True,
                       capture_output=True)

    return setup


def private_store(folder: Path) -> None:
    store("private/tech.db")(folder)
    (folder / "private").chmod(PRIVATE)


def read_only_folder(folder: Path) -> None:
    (folder / "ro").mkdir()
    (folder / "ro").chmod(0o555)


LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">
 <rdf:Description rdf:about="http://example.org/s"><ex:p>&f;</ex:p></rdf:Description>
</rdf:RDF>
"""
XXE = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">
 <rdf:Description rdf:about="http://example.org/s"><ex:p>&secret;</ex:p></rdf:Description>
</rdf:RDF>
"""
EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF SYSTEM "http://example.org/evil.dtd">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>
"""
PARAMETER_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY % remote SYSTEM "http://example.org/x.dtd"> %remote; ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>
"""


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


PORT = closed_port()
ASK = "ASK { ?s ?p ?o }"

CASES = [
    # The tracebacks.
    Case("query-stdin-not-utf8", ["query"], 2, "standard input is not UTF-8", stdin=b'ASK{"\xff"}'),
    Case("query-argument-not-utf8", ["query", os.fsdecode(b'ASK{"\xff"}')], 2, "argument is not UTF-8"),
    Case("query-file-not-utf8", ["query", "-f", "q.rq"], 2, "not UTF-8", write("q.rq", b'ASK{"\xfe"}')),
    Case("stdout-full-disk", ["query", "SELECT * { ?s ?p ?o } LIMIT 5"], 1, "no space left", stdout="/dev/full"),
    Case("stdout-full-disk-echo", ["queries"], 1, "no space left", stdout="/dev/full"),
    Case("stdout-full-disk-export", ["export", "-f", "nt"], 1, "no space left", stdout="/dev/full"),
    Case("output-full-disk", ["export", "-o", "/dev/full", "-f", "turtle"], 1, "no space left"),
    Case("gz-corrupt-body", ["--data", "bad.nt.gz", "stats"], 2, "bad.nt.gz: not a valid .gz", gz_corrupt_body),
    Case("gz-not-gzip", ["--data", "plain.ttl.gz", "stats"], 2, "plain.ttl.gz: not a valid .gz",
         write("plain.ttl.gz", "<a> <b> <c> .")),
    Case("gz-truncated", ["--data", "cut.nt.gz", "stats"], 2, "ends too early",
         write("cut.nt.gz", gzip.compress(b"<http://x/a> <http://x/b> <http://x/c> .\n" * 99)[:25])),
    Case("ntriples-50mb-literal", ["--data", "big.nt", "stats"], 2, "big.nt: a term is too long", big_literal),
    Case("store-not-readable", ["--store", "oxigraph:private/tech.db", "stats"], 1, "permission denied",
         private_store, unprivileged=True),
    Case("load-not-writable", ["load", "--store", "oxigraph:private/tech.db"], 1, "permission denied",
         private_store, unprivileged=True),
    Case("data-not-readable", ["--data", "private/x.ttl", "stats"], 1, "permission denied",
         both(write("private/x.ttl", "<a> <b> <c> ."), lambda f: (f / "private").chmod(PRIVATE)), unprivileged=True),
    Case("store-behind-a-file", ["--store", "oxigraph:afile/tech.db", "stats"], 1, "no store at",
         write("afile", "x")),
    Case("load-behind-a-file", ["load", "--store", "oxigraph:afile/tech.db"], 2, "afile is a file",
         write("afile", "x")),
    Case("build-read-only-folder", ["build", "--out", "ro/out"], 1, "choose another folder with --out",
         read_only_folder, unprivileged=True),
    Case("build-in-read-only-cwd", ["build"], 1, "cannot create the folder out: permission denied", read_only_folder,
         unprivileged=True, cwd="ro"),
    Case("service-cannot-connect", ["query", f"SELECT * {{ SERVICE <http://127.0.0.1:{PORT}/sparql> {{ ?s ?p ?o }} }}"],
         1, "a SERVICE call failed"),
    Case("service-unknown-host", ["query", "SELECT * { SERVICE <http://nowhere.invalid/> { ?s ?p ?o } }"], 1,
         "a SERVICE call failed"),
    Case("unknown-prefix", ["query", "SELECT * { ?s foo:bar ?o }"], 2, "unknown prefix 'foo:'"),
    # Entities in RDF/XML.
    Case("rdfxml-billion-laughs", ["--data", "laughs.rdf", "stats"], 2, "refused", write("laughs.rdf", LAUGHS)),
    Case("rdfxml-xxe", ["--data", "xxe.rdf", "stats"], 2, "entity declaration", write("xxe.rdf", XXE)),
    Case("rdfxml-external-dtd", ["--data", "dtd.rdf", "stats"], 2, "external DTD", write("dtd.rdf", EXTERNAL_DTD)),
    Case("rdfxml-parameter-entity", ["--data", "pe.rdf", "stats"], 2, "refused", write("pe.rdf", PARAMETER_ENTITY)),
    Case("rdfxml-laughs-on-stdin", ["--data", "-", "stats"], 2, "standard input:3", stdin=LAUGHS.encode()),
    Case("rdfxml-laughs-gz", ["--data", "laughs.rdf.gz", "stats"], 2, "refused",
         write("laughs.rdf.gz", gzip.compress(LAUGHS.encode()))),
    # Files given with --data.
    Case("data-missing", ["--data", "nothere.ttl", "stats"], 2, "no such file"),
    Case("data-folder", ["--data", "folder", "stats"], 2, "folder", lambda f: (f / "folder").mkdir()),
    Case("data-unknown-suffix", ["--data", "x.csv", "stats"], 2, "unknown RDF file type", write("x.csv", "a,b")),
    Case("turtle-broken", ["--data", "b.ttl", "stats"], 2, "b.ttl:2:", write("b.ttl", "<a> <b> <c> .\n<a> <b> .\n")),
    Case("turtle-not-utf8", ["--data", "l1.ttl", "stats"], 2, "l1.ttl", write("l1.ttl", b'<a> <b> "caf\xe9" .\n')),
    Case("ntriples-broken", ["--data", "b.nt", "stats"], 2, "b.nt:1:", write("b.nt", "<http://x/a> <http://x/b> .\n")),
    Case("nquads-broken", ["--data", "b.nq", "stats"], 2, "b.nq", write("b.nq", "<http://x/a> .\n")),
    Case("jsonld-broken", ["--data", "b.jsonld", "stats"], 2, "b.jsonld", write("b.jsonld", '{"@id": ')),
    Case("rdfxml-broken", ["--data", "b.rdf", "stats"], 2, "b.rdf", write("b.rdf", "<rdf:RDF><oops></rdf:RDF>")),
    Case("stdin-garbage", ["--data", "-", "stats"], 2, "standard input:1:1", stdin=b"garbage"),
    Case("stdin-wrong-format", ["--data", "-", "--data-format", "nq", "stats"], 2, "invalid N-Quads",
         stdin=b"@prefix x: <http://x/> .\n"),
    Case("stdin-twice", ["--data", "-", "query"], 2, "standard input holds --data -", stdin=b"<a> <b> <c> ."),
    Case("data-format-unknown", ["--data", "-", "--data-format", "csv", "stats"], 2, "unknown --data-format"),
    Case("home-nowhere", ["stats"], 2, "TECH_GRAPH_HOME", env={"TECH_GRAPH_HOME": "/nonexistent"}),
    # Queries.
    Case("sparql-syntax", ["query", "SELECT ?x WHERE { ?x ?y }"], 2, "line 1, column"),
    Case("query-empty", ["query", "  "], 2, "empty"),
    Case("query-named-unknown", ["query", "--name", "acquisitons"], 2, "did you mean acquisitions"),
    Case("query-two-ways", ["query", ASK, "--name", "acquisitions"], 2, "one way only"),
    Case("query-file-missing", ["query", "-f", "nothere.rq"], 2, "no such file"),
    Case("query-file-folder", ["query", "-f", "d"], 2, "d", lambda f: (f / "d").mkdir()),
    Case("query-format-unknown", ["query", "SELECT * {}", "--format", "xlsx"], 2, "unknown format 'xlsx'"),
    Case("construct-format-unknown", ["query", "CONSTRUCT WHERE { ?s ?p ?o }", "--format", "csv"], 2,
         "unknown RDF format"),
    # Stores.
    Case("store-kind-unknown", ["--store", "mysql:x", "stats"], 2, "unknown store"),
    Case("store-missing", ["--store", "oxigraph:nothere.db", "stats"], 1, "no store at"),
    Case("store-is-a-file", ["--store", "oxigraph:afile", "stats"], 1, "not an Oxigraph store", write("afile", "x")),
    Case("store-with-data", ["--store", "oxigraph:x.db", "--data", "a.ttl", "stats"], 2, "memory store only"),
    Case("load-memory", ["load"], 2, "load needs a persistent store"),
    Case("load-into-foreign-folder", ["load", "--store", "oxigraph:docs"], 2, "not an Oxigraph store",
         write("docs/readme.txt", "mine")),
    Case("load-bad-file-keeps-store", ["load", "--store", "oxigraph:tech.db", "--data", "b.ttl"], 2, "b.ttl:1:",
         both(store(), write("b.ttl", "<a> <b> .\n"))),
    Case("sparql-unreachable", ["--store", f"sparql:http://127.0.0.1:{PORT}/query", "stats"], 1, "cannot reach"),
    # Output.
    Case("output-folder-missing", ["query", ASK, "-o", "nothere/out.txt"], 2, "does not exist"),
    Case("output-is-a-folder", ["query", ASK, "-o", "d"], 2, "it is a folder", lambda f: (f / "d").mkdir()),
    Case("output-dangling-link", ["query", ASK, "-o", "link"], 2, "does not exist",
         lambda f: (f / "link").symlink_to(f / "nothere" / "x")),
    Case("output-read-only", ["query", ASK, "-o", "ro/out.txt"], 1, "permission denied", read_only_folder,
         unprivileged=True),
    Case("output-read-only-file", ["query", ASK, "-o", "mine.txt"], 1, "permission denied",
         both(write("mine.txt", "keep"), lambda f: (f / "mine.txt").chmod(0o444), lambda f: f.chmod(0o555)),
         unprivileged=True),
    Case("export-folder-read-only", ["export", "-f", "neo4j", "-o", "ro/neo4j"], 1, "permission denied",
         read_only_folder, unprivileged=True),
    Case("export-format-unknown", ["export", "-f", "ttl2"], 2, "did you mean turtle"),
    Case("export-neo4j-stdout", ["export", "-f", "neo4j"], 2, "several files"),
    Case("export-neo4j-foreign-folder", ["export", "-f", "neo4j", "-o", "mine"], 2, "holds other files",
         write("mine/notes.txt", "keep me")),
    Case("render-on-terminal", ["render"], 2, "give -o graph.html", terminal=True),
    # Options and names.
    Case("option-unknown", ["query", "--bogus"], 2, "No such option"),
    Case("group-option-unknown", ["--bogus", "stats"], 2, "No such option"),
    Case("command-unknown", ["stat"], 2, "No such command"),
    Case("option-out-of-range", ["path", "A", "B", "--limit", "0"], 2, "--limit"),
    Case("synth-zero", ["synth", "-n", "0"], 2, "--triples"),
    Case("timeline-actor-unknown", ["timeline", "--actor", "Jack Mma"], 2, "did you mean Jack Ma"),
    Case("timeline-backwards", ["timeline", "--from", "2021", "--to", "2020"], 2, "later than"),
    Case("timeline-bad-date", ["timeline", "--from", "2020-13"], 2, "2020-13"),
    Case("neighbors-unknown", ["neighbors", "Nobody Inc"], 2, "unknown actor"),
    Case("actor-not-utf8", ["neighbors", os.fsdecode(b"Ant \xff")], 2, "unknown actor"),
    Case("until-bad", ["central", "--until", "yesterday"], 2, "yesterday"),
    # Problems found: exit 1, the count on standard error, the problems on standard output.
    Case("validate-problems", ["validate", "--data", "p.ttl"], 1, "problem(s) found",
         write("p.ttl", "@prefix tg: <https://w3id.org/tech-graph/ontology#> .\n"
                        "<https://w3id.org/tech-graph/id/x> a tg:Company .\n"), line_starts=""),
    # --- serve-safety rows (deadlines, memory budgets, Ctrl-C) go here -------------------------
    # --- second-server rows (remote faults: garbage, short bodies, trickling servers) go here --
]


# --- running them ------------------------------------------------------------------------------


def tree_hashes(folder: Path) -> dict[str, str]:
    """Every file under `folder` and its hash (our lock files aside: they hold no data)."""
    found = {}
    for path in sorted(p for p in folder.rglob("*") if os.access(p.parent, os.R_OK | os.X_OK)):
        if path.is_file() and not path.is_symlink() and not path.name.endswith(".lock"):
            found[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture
def workdir() -> Iterator[Path]:
    """A fresh folder for one case; every permission is restored before it is removed."""
    folder = Path(tempfile.mkdtemp(prefix="tech-graph-bad-input-"))
    folder.chmod(0o755)
    yield folder
    folder.chmod(0o755)
    for path in folder.rglob("*"):
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)
    shutil.rmtree(folder, ignore_errors=True)


def _without_root_rights() -> None:
    """Tests run as root in CI, and root ignores file permissions. Drop the capabilities that let it
    (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER) from the bounding set, which exec keeps."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2, 3):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


PR_CAPBSET_DROP = 24


def run(case: Case, cwd: Path) -> tuple[int, str]:
    env = {**os.environ, "TECH_GRAPH_PROGRESS": "0", **case.env}
    env.pop("TECH_GRAPH_STORE", None)
    preexec = _without_root_rights if case.unprivileged and IS_ROOT else None
    if case.terminal:
        primary, secondary = pty.openpty()
        proc = subprocess.run([TECH_GRAPH, *case.args], input=case.stdin, stdout=secondary, stderr=subprocess.PIPE,
                              cwd=cwd, env=env, timeout=120, preexec_fn=preexec)
        os.close(secondary)
        os.close(primary)
        return proc.returncode, proc.stderr.decode("utf-8", "replace")
    with open(case.stdout, "wb") if case.stdout else open(os.devnull, "wb") as out:
        proc = subprocess.run([TECH_GRAPH, *case.args], input=case.stdin, stdout=out if case.stdout else None,
                              stderr=subprocess.PIPE, cwd=cwd, env=env, timeout=120, preexec_fn=preexec,
                              capture_output=False)
    return proc.returncode, proc.stderr.decode("utf-8", "replace")


def test_the_table_is_big_enough() -> None:
    assert len(CASES) >= 50
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_gives_one_line(case: Case, workdir: Path) -> None:
    if case.setup:
        case.setup(workdir)
    before = tree_hashes(workdir)
    code, stderr = run(case, workdir / case.cwd)
    lines = stderr.splitlines()
    assert "Traceback" not in stderr, stderr
    assert len(lines) == 1, f"expected one line on standard error, got:\n{stderr}"
    assert lines[0].startswith(case.line_starts), lines[0]
    assert case.says in lines[0], lines[0]
    assert code == case.code, f"exit {code}, expected {case.code}: {lines[0]}"
    assert tree_hashes(workdir) == before, "the command changed files"


def test_no_command_shows_the_help() -> None:
    done = tg()
    assert done.returncode == 0 and done.stdout.startswith(b"Usage: tech-graph") and not done.stderr


def test_an_unexpected_error_is_one_internal_error_line() -> None:
    from tech_graph.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, report

    line, code = report(ZeroDivisionError("division by zero"))
    assert code == EXIT_INTERNAL
    assert line.startswith("internal error: ZeroDivisionError: division by zero; please report it")
    assert "TECH_GRAPH_DEBUG=1" in line and "\n" not in line
    assert report(KeyboardInterrupt()) == ("error: interrupted", EXIT_INTERRUPTED)


@pytest.mark.parametrize(("exc", "code", "says"), [
    (OSError(28, "No space left on device"), 1, "no space left"),
    (PermissionError(13, "Permission denied", "/x"), 1, "/x: permission denied"),
    (OSError(30, "Read-only file system", "/ro"), 1, "read-only file system"),
    (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), 2, "not valid UTF-8"),
    (EOFError("Compressed file ended before the end-of-stream marker was reached"), 2, "corrupt or truncated"),
    (__import__("zlib").error("Error -3 while decompressing data"), 2, "corrupt or truncated"),
    (__import__("http.client").client.IncompleteRead(b"abc", 10), 1, "broken HTTP response"),
    (OSError("The port 1 is not allowed for HTTP(S)"), 1, "port 1 is not allowed"),
    (SyntaxError("Parser error at line 1"), 2, "invalid RDF or SPARQL"),
])
def test_expected_failures_become_one_line(exc: BaseException, code: int, says: str) -> None:
    from tech_graph.errors import report

    line, exit_code = report(exc)
    assert line.startswith("error: ") and says in line and "\n" not in line, line
    assert exit_code == code


# --- writes ------------------------------------------------------------------------------------


def tg(*args: str, cwd: Path | None = None, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "TECH_GRAPH_PROGRESS": "0"}
    env.pop("TECH_GRAPH_STORE", None)
    return subprocess.run([TECH_GRAPH, *args], cwd=cwd, env=env, capture_output=True, timeout=300,
                          **kwargs)  # type: ignore[call-overload]


@pytest.mark.parametrize("device", ["/dev/null", "/dev/stdout"])
def test_a_device_is_written_to_not_replaced(device: str) -> None:
    """As root a rename would replace the device node (or /dev/stdout's link) with a regular file."""
    before = os.lstat(device)
    if device == "/dev/null" and not stat.S_ISCHR(before.st_mode):
        pytest.skip("this machine's /dev/null is already a regular file (an older tool replaced it)")
    done = tg("query", ASK, "-o", device)
    assert done.returncode == 0, done.stderr
    after = os.lstat(device)
    assert (after.st_ino, after.st_mode, after.st_rdev) == (before.st_ino, before.st_mode, before.st_rdev)
    assert stat.S_ISCHR(after.st_mode) or stat.S_ISLNK(after.st_mode)
    if device == "/dev/stdout":
        assert done.stdout == b"true\n"  # written through the link to the pipe


def test_a_fifo_is_written_to(workdir: Path) -> None:
    fifo = workdir / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    assert tg("query", ASK, "-o", str(fifo)).returncode == 0
    assert reader.communicate(timeout=60)[0] == b"true\n"
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_symlink_is_followed(workdir: Path) -> None:
    (workdir / "real.txt").write_text("old")
    (workdir / "link.txt").symlink_to("real.txt")
    assert tg("query", ASK, "-o", "link.txt", cwd=workdir).returncode == 0
    assert (workdir / "link.txt").is_symlink()
    assert (workdir / "real.txt").read_text() == "true\n"


def test_a_file_keeps_its_mode_and_no_temp_file_is_left(workdir: Path) -> None:
    target = workdir / "out.csv"
    target.write_text("old")
    target.chmod(0o600)
    assert tg("query", "SELECT ?s { ?s a tg:Company } LIMIT 2", "-o", str(target)).returncode == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_bytes().startswith(b"s\r\n")
    assert sorted(p.name for p in workdir.iterdir()) == ["out.csv"]


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_stale_temp_files_of_dead_processes_are_swept(workdir: Path) -> None:
    stale = workdir / f".out.ttl.tech-graph-{dead_pid()}.tmp"
    stale.write_text("half a file")
    alive = workdir / f".other.ttl.tech-graph-{os.getpid()}.tmp"  # a live process's work in progress
    alive.write_text("being written")
    yours = workdir / f".notes.{dead_pid()}.tmp"  # not named like ours: never touched
    yours.write_text("mine")
    assert tg("export", "-o", "out.ttl", cwd=workdir).returncode == 0
    assert not stale.exists()
    assert alive.exists() and yours.exists()


def test_neo4j_folder_is_replaced_as_a_set(workdir: Path) -> None:
    assert tg("export", "-f", "neo4j", "-o", "neo4j", cwd=workdir).returncode == 0
    first = tree_hashes(workdir / "neo4j")
    assert sorted(first) == ["load.cypher", "nodes.csv", "relationships.csv"]
    (workdir / "neo4j" / "nodes.csv").write_text("stale")
    assert tg("export", "-f", "neo4j", "-o", "neo4j", cwd=workdir).returncode == 0
    assert tree_hashes(workdir / "neo4j") == first
    assert sorted(p.name for p in workdir.iterdir()) == ["neo4j"]  # no temp or old folder left


def test_a_killed_load_leaves_nothing_the_next_load_keeps(workdir: Path) -> None:
    pid = dead_pid()
    for leftover in (f".tech.db.loading-{pid}", f".tech.db.old-{pid}"):
        (workdir / leftover).mkdir()
        (workdir / leftover / "000001.sst").write_bytes(b"x" * 1000)
    done = tg("load", "--store", "oxigraph:tech.db", cwd=workdir)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in workdir.iterdir()) == [".tech.db.lock", "tech.db"]


def test_a_killed_load_is_cleaned_up(workdir: Path) -> None:
    """SIGKILL in the middle of a load, then the next command: no staging folder stays."""
    (workdir / "big.nt").write_bytes(tg("synth", "--triples", "200000").stdout)
    proc = subprocess.Popen([TECH_GRAPH, "load", "--store", "oxigraph:tech.db", "--data", "big.nt"], cwd=workdir,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        if any(p.name.startswith(".tech.db.loading-") for p in workdir.iterdir()):
            break
        proc.poll()
        subprocess.run(["sleep", "0.05"])
    proc.kill()
    proc.wait()
    assert tg("load", "--store", "oxigraph:tech.db", cwd=workdir).returncode == 0
    assert not [p.name for p in workdir.iterdir() if ".loading-" in p.name or ".old-" in p.name]


# --- locks -------------------------------------------------------------------------------------


@contextmanager
def flocked(path: Path, how: int) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, how)
    try:
        yield
    finally:
        os.close(fd)


def test_load_refuses_a_store_in_use_and_two_loads(workdir: Path) -> None:
    store("tech.db")(workdir)
    before = tree_hashes(workdir)
    with flocked(workdir / ".tech.db.lock", fcntl.LOCK_SH):  # a reader (any command, serve)
        done = tg("load", "--store", "oxigraph:tech.db", cwd=workdir)
    assert done.returncode == 1
    assert b"open in another tech-graph process" in done.stderr
    with flocked(workdir / ".tech.db.lock", fcntl.LOCK_EX):  # another load
        load = tg("load", "--store", "oxigraph:tech.db", cwd=workdir)
        read = tg("--store", "oxigraph:tech.db", "query", ASK, cwd=workdir)
    assert load.returncode == 1 and read.returncode == 1
    assert b"is being loaded by another process" in read.stderr
    assert tree_hashes(workdir) == before


def test_load_refuses_a_store_an_oxigraph_server_holds(workdir: Path) -> None:
    store("tech.db")(workdir)
    with running_oxigraph(workdir / "tech.db"):
        inode = (workdir / "tech.db").stat().st_ino  # the server rewrites its own files: compare the folder
        done = tg("load", "--store", "oxigraph:tech.db", cwd=workdir)
        assert done.returncode == 1, done.stderr
        assert b"open in another program" in done.stderr and b"oxigraph serve" in done.stderr
        assert len(done.stderr.decode().splitlines()) == 1
        assert (workdir / "tech.db").stat().st_ino == inode
        assert sorted(p.name for p in workdir.iterdir()) == [".tech.db.lock", "tech.db", "tech.db.log"]


def test_load_refuses_a_store_tech_graph_serve_holds(workdir: Path) -> None:
    store("tech.db")(workdir)
    server = subprocess.Popen([TECH_GRAPH, "serve", "--store", "oxigraph:tech.db", "--port", "0"], cwd=workdir,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert server.stderr is not None
        assert b"serving" in server.stderr.readline()  # up, and holding the store
        done = tg("load", "--store", "oxigraph:tech.db", cwd=workdir)
        assert done.returncode == 1
        assert b"open in another tech-graph process" in done.stderr
        assert f"pid {server.pid}".encode() in done.stderr
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_two_loads_at_once_one_refuses(workdir: Path) -> None:
    (workdir / "big.nt").write_bytes(tg("synth", "--triples", "100000").stdout)
    args = [TECH_GRAPH, "load", "--store", "oxigraph:tech.db", "--data", "big.nt"]
    first = subprocess.Popen(args, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for _ in range(400):
        if any(".loading-" in p.name for p in workdir.iterdir()):
            break
        subprocess.run(["sleep", "0.02"])
    second = tg("load", "--store", "oxigraph:tech.db", cwd=workdir)
    out, _err = first.communicate(timeout=300)
    assert first.returncode == 0 and out.startswith(b"loaded ")
    assert second.returncode == 1 and b"open in another tech-graph process" in second.stderr
