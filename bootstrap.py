#!/usr/bin/env python3
"""Set up a private environment in .venv, then run tech-graph or its tests.

    python3 bootstrap.py          # the main job: validate, summarise, write out/*.html
    python3 bootstrap.py test     # the whole test suite
    python3 bootstrap.py lint     # ruff and mypy
    python3 bootstrap.py -- ARGS  # any tech-graph command, e.g. -- query --name acquisitions
    python3 bootstrap.py --help   # this help; `-- --help` is tech-graph's

Needs only Python 3.11+. The environment is rebuilt when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def ensure_env(extras: str) -> None:
    """Create .venv and install the package (editable) unless it is already current."""
    if sys.version_info < (3, 11):  # noqa: UP036 - bootstrap runs on whatever python3 is
        sys.exit(f"error: tech-graph needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    stamp = VENV / ".tech-graph-installed"
    key = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    installed = stamp.read_text() if stamp.exists() else ""
    if installed.startswith(key) and extras in installed:  # a test install covers a plain one
        return
    if not (BIN / "python").exists():
        print("bootstrap: creating .venv (a private Python environment in this folder)", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    names = ", ".join(requirements(extras))
    print(f"bootstrap: installing tech-graph{extras} and its dependencies into .venv: {names}", file=sys.stderr)
    print("bootstrap: this takes a minute or two the first time; pip's progress follows", file=sys.stderr)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check"]
    # pip's lines go to standard error, so the main job's output stays clean on standard output.
    subprocess.run([*pip, "-e", f"{ROOT}{extras}"], check=True, stdout=sys.stderr)
    stamp.write_text(f"{key} {extras}")
    print("bootstrap: .venv is ready", file=sys.stderr)


def requirements(extras: str) -> list[str]:
    """The distribution names pyproject.toml lists, for the line that says what is being installed."""
    import re
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"])
    if extras == "[test]":
        wanted += project["optional-dependencies"]["test"]
    names = [re.split(r"[<>=!~\[ ;]", spec, maxsplit=1)[0] for spec in wanted]
    return list(dict.fromkeys(names))


def run(argv: list[str]) -> int:
    if argv[:1] in (["-h"], ["--help"]):
        print(__doc__.strip())
        return 0
    os.chdir(ROOT)
    if argv[:1] == ["test"]:
        ensure_env("[test]")
        return subprocess.call([str(BIN / "python"), "-m", "pytest", *argv[1:]])
    if argv[:1] == ["lint"]:
        ensure_env("[test]")
        first = subprocess.call([str(BIN / "ruff"), "check", "."])
        return first or subprocess.call([str(BIN / "mypy"), "src"])
    ensure_env("")
    args = argv[1:] if argv[:1] == ["--"] else ["build", *argv]
    return subprocess.call([str(BIN / "tech-graph"), *args])


if __name__ == "__main__":
    try:
        sys.exit(run(sys.argv[1:]))
    except subprocess.CalledProcessError as exc:
        sys.exit(f"error: bootstrap step failed ({' '.join(map(str, exc.cmd))}); see the output above")
    except KeyboardInterrupt:
        sys.exit(130)
