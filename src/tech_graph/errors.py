"""Errors that the CLI turns into one clear line and an exit code.

The exit-code rule (documented in the README, "Errors and limits"):

- 0: done.
- 1: the command ran but found problems (`validate`), or the environment failed: a full disk,
  a permission, a read-only folder, a store another process holds, a server that is down.
- 2: the input was wrong: an option, a file, a query, a name. Fix it and run again.
- 70: an internal error, a bug in tech-graph (sysexits' EX_SOFTWARE).
- 130: interrupted (Ctrl-C), as shells report SIGINT.
"""

from __future__ import annotations

import errno
import os
import sys

EXIT_PROBLEMS = 1
EXIT_INPUT = 2
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130
DEBUG_ENV = "TECH_GRAPH_DEBUG"


class TechGraphError(Exception):
    """Bad input or a failed operation, with a message fit for the user (what, where; how to fix)."""

    exit_code = EXIT_INPUT

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class InputError(TechGraphError):
    """Input the user can fix: a file, a query, a name or an option."""


class SystemProblem(TechGraphError):
    """The machine or a server failed: disk, permissions, locks, the network."""

    exit_code = EXIT_PROBLEMS


class StoreError(SystemProblem):
    """A store or server failed; the message names it."""


class Interrupted(TechGraphError):
    exit_code = EXIT_INTERRUPTED


# errno -> (what happened, how to fix). The exit code is 1 unless the path was the user's mistake.
_OS_HINTS: dict[int, tuple[str, str]] = {
    errno.ENOSPC: ("no space left on the device", "free some space or write somewhere else"),
    errno.EDQUOT: ("disk quota exceeded", "free some space or write somewhere else"),
    errno.EACCES: ("permission denied", "check the permissions, or choose a path you may use"),
    errno.EPERM: ("operation not permitted", "check the permissions, or choose a path you may use"),
    errno.EROFS: ("read-only file system", "write somewhere else (-o, --out or --store)"),
    errno.ENOENT: ("no such file or folder", "check the path"),
    errno.ENOTDIR: ("a file is in the way where a folder is expected", "check the path"),
    errno.EISDIR: ("is a folder", "give a file name"),
    errno.EEXIST: ("already exists", "remove it or choose another name"),
    errno.EMFILE: ("too many open files", "raise the limit with `ulimit -n`"),
    errno.ENOMEM: ("out of memory", "free some memory or use a smaller input"),
    errno.ECONNREFUSED: ("connection refused", "check that the server runs and the URL is right"),
    errno.ETIMEDOUT: ("timed out", "check the network and the server"),
    errno.EIO: ("input/output error", "check the disk or device"),
}
_USER_PATH_ERRNOS = {errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.EEXIST}


def os_error(exc: OSError, where: str | None = None, fix: str | None = None) -> TechGraphError:
    """One line for an OSError: what, where, how to fix (`fix` replaces the usual hint)."""
    where = where or _os_where(exc)
    code = exc.errno
    if code in _OS_HINTS:
        what, usual = _OS_HINTS[code]
        fix = fix or usual
        exit_code = EXIT_INPUT if code in _USER_PATH_ERRNOS else EXIT_PROBLEMS
        return TechGraphError(f"{where}: {what}; {fix}", exit_code=exit_code)
    reason = exc.strerror or _one_line(str(exc)) or type(exc).__name__
    return SystemProblem(f"{where}: {reason}" + (f"; {fix}" if fix else ""))


def _os_where(exc: OSError) -> str:
    name = exc.filename
    if name is None:  # most often standard output, written by click.echo
        return "writing the output" if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG) else "input/output"
    text = os.fsdecode(name) if isinstance(name, bytes | str) else str(name)
    if exc.filename2 is not None:
        text += f" -> {os.fsdecode(exc.filename2)}"
    return text


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _loaded(*names: str) -> tuple[type[BaseException], ...]:
    """The exception classes `module.Name` of the modules imported so far: what was not imported raised nothing."""
    found = []
    for name in names:
        module, _, attr = name.rpartition(".")
        if module in sys.modules:
            found.append(getattr(sys.modules[module], attr))
    return tuple(found)


def user_error(exc: BaseException) -> TechGraphError | None:
    """The one-line error an expected failure means, or None for a bug.

    Library code raises TechGraphError with the file or server it was working on; this is the
    net under it for failures that reach the top without one (stdout on a full disk, a
    decompression error deep in a reader, pyoxigraph's errors from SERVICE).
    """
    if isinstance(exc, TechGraphError):
        return exc
    if isinstance(exc, UnicodeError):
        return InputError(f"text that is not valid UTF-8 ({_one_line(str(exc), 120)}); save it as UTF-8")
    if isinstance(exc, (EOFError, *_loaded("gzip.BadGzipFile", "zlib.error"))):
        return InputError(f"corrupt or truncated compressed data ({_one_line(str(exc), 120) or 'unexpected end'}); "
                          "check the .gz file")
    if isinstance(exc, _loaded("http.client.HTTPException")):
        return SystemProblem(f"a server sent a broken HTTP response ({type(exc).__name__}: "
                             f"{_one_line(str(exc), 120)}); check the URL and the server")
    if isinstance(exc, OSError):
        return os_error(exc)
    if isinstance(exc, SyntaxError):  # pyoxigraph's parse errors
        return InputError(f"invalid RDF or SPARQL: {_one_line(str(exc), 300)}; fix the input")
    if isinstance(exc, MemoryError):
        return SystemProblem("out of memory; use a smaller input or a persistent store (--store oxigraph:PATH)")
    return None


def report(exc: BaseException) -> tuple[str, int]:
    """The line to print on standard error, and the exit code, for any exception."""
    if isinstance(exc, KeyboardInterrupt):
        return "error: interrupted", EXIT_INTERRUPTED
    known = user_error(exc)
    if known is not None:
        return f"error: {_one_line(str(known), 2000)}", known.exit_code
    what = _one_line(f"{type(exc).__name__}: {exc}", 300)
    return (f"internal error: {what}; please report it to the tech-graph maintainers with the command you ran "
            f"(set {DEBUG_ENV}=1 to see the traceback)", EXIT_INTERNAL)
