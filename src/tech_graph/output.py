"""Writing results: standard output for `-`, otherwise a write that never leaves a half file.

- A regular file (or a new path) is written to a temp file beside it, then renamed over it.
- A character device or a pipe (`/dev/null`, `/dev/stdout`, a FIFO) is written straight to:
  renaming over it would replace the device node.
- A symlink is followed, so the file it points to is replaced and the link stays.
- Temp files carry the process id (`.NAME.tech-graph-PID.tmp`); those of processes that died are swept.
- Several files (`write_folder`) go into a temp folder that is then renamed into place, so a
  kill never mixes old and new files.
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import os
import re
import shutil
import stat
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Protocol

from .errors import InputError, os_error

_STALE = re.compile(r"^\.(?P<name>.+)\.tech-graph-(?P<pid>\d+)\.(?:tmp|old)$")


def write_output(target: str | Path, data: bytes | str | Iterable[bytes]) -> None:
    """Write everything or nothing; `.gz` targets are compressed. An iterable of chunks is streamed."""
    with open_output(target) as handle:
        if isinstance(data, str | bytes):
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        else:
            for chunk in data:
                handle.write(chunk)


class Sink(Protocol):
    def write(self, data: bytes, /) -> object: ...


class _Guarded:
    """Writes whose OSError names the target; errors of whoever produces the data pass as they are."""

    def __init__(self, inner: IO[bytes], where: str) -> None:
        self.inner, self.where = inner, where

    def write(self, data: bytes) -> int:
        with _errors(self.where):
            return self.inner.write(data)

    def flush(self) -> None:
        with _errors(self.where):
            self.inner.flush()


@contextlib.contextmanager
def open_output(target: str | Path) -> Iterator[Sink]:
    """A binary sink to stream into; the file appears only when the block ends without error."""
    if str(target) == "-":
        yield _Guarded(sys.stdout.buffer, "standard output")
        with _errors("standard output"):
            sys.stdout.buffer.flush()
        return
    path = Path(target)
    try:
        mode = path.stat().st_mode  # through any symlink
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise os_error(exc, f"cannot write {path}") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise InputError(f"cannot write {path}: it is a folder; give a file name")
    if mode is not None and not stat.S_ISREG(mode):  # a device or a pipe, maybe behind a link (/dev/stdout)
        where = f"cannot write {path}"
        with _errors(where):
            raw = path.open("wb")
        with raw, _compressed(_Guarded(raw, where), path) as handle:
            yield handle
        return
    path = _follow(path)
    folder = path.parent
    if not folder.is_dir():
        raise InputError(f"cannot write {path}: folder {folder} does not exist; create it first")
    sweep_stale(folder)
    tmp = folder / f".{path.name}.tech-graph-{os.getpid()}.tmp"
    where = f"cannot write {path}"
    try:
        with _errors(where):
            raw = tmp.open("wb")
        with raw:
            with _compressed(_Guarded(raw, where), path) as handle:
                yield handle
            with _errors(where):
                raw.flush()
                os.fsync(raw.fileno())
        with _errors(where):
            os.chmod(tmp, stat.S_IMODE(mode) if mode is not None else 0o666 & ~_umask())
            os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_folder(target: str | Path, files: Mapping[str, bytes]) -> list[str]:
    """Write `files` into the folder `target` as one set: a temp folder, renamed into place.

    An earlier export in `target` is replaced whole. A folder holding anything else is refused
    rather than deleted.
    """
    folder = _follow(Path(target))
    parent = folder.parent
    if folder.exists() and not folder.is_dir():
        raise InputError(f"cannot write {folder}: it is a file; give a folder or a .zip name")
    if not parent.is_dir():
        raise InputError(f"cannot write {folder}: folder {parent} does not exist; create it first")
    if folder.is_dir():
        others = sorted(p.name for p in folder.iterdir() if p.name not in files)
        if others:
            raise InputError(f"cannot write {folder}: it holds other files ({', '.join(others[:3])}); "
                             "give a new or empty folder, or a .zip name")
    sweep_stale(parent)
    tmp = parent / f".{folder.name}.tech-graph-{os.getpid()}.tmp"
    old = parent / f".{folder.name}.tech-graph-{os.getpid()}.old"
    with _errors(f"cannot write {folder}"):
        try:
            tmp.mkdir()
            for name in sorted(files):
                with (tmp / name).open("wb") as handle:
                    handle.write(files[name])
                    handle.flush()
                    os.fsync(handle.fileno())
            if folder.exists():
                tmp.chmod(stat.S_IMODE(folder.stat().st_mode))
                folder.rename(old)
            else:
                tmp.chmod(0o777 & ~_umask())
            try:
                tmp.rename(folder)
            except BaseException:
                if old.exists():
                    old.rename(folder)
                raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.rmtree(old, ignore_errors=True)
    return [str(folder / name) for name in sorted(files)]


def ensure_folder(folder: Path, option: str) -> None:
    """Create an output folder, or say which option picks another one."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise os_error(exc, f"cannot create the folder {folder}", f"choose another folder with {option}") from None


def sweep_stale(folder: Path, marker: re.Pattern[str] = _STALE) -> None:
    """Remove the temp files and folders that killed tech-graph processes left in `folder`."""
    try:
        names = [entry.name for entry in os.scandir(folder) if entry.name.startswith(".")]
    except OSError:
        return
    for name in names:
        m = marker.match(name)
        if m and not pid_alive(int(m["pid"])):
            stale = folder / name
            if stale.is_dir() and not stale.is_symlink():
                shutil.rmtree(stale, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    stale.unlink()


def pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    except OverflowError:
        return False
    return True


def _follow(path: Path) -> Path:
    """Where a symlink points (so the link survives the rename); other paths as given."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


@contextlib.contextmanager
def _compressed(raw: _Guarded, path: Path) -> Iterator[Sink]:
    if path.suffix != ".gz":
        yield raw
        return
    # mtime 0 and no file name keep the bytes deterministic.
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed:
        yield packed


@contextlib.contextmanager
def _errors(where: str) -> Iterator[None]:
    """OSError while writing -> one line naming the target; a closed pipe stays a BrokenPipeError."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            raise BrokenPipeError(*exc.args) from None
        raise os_error(exc, where) from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


