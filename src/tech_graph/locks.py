"""Locks on an `oxigraph:PATH` store, so that a load never swaps a folder another process has open.

Ours is `flock` on `.NAME.lock` beside the store folder (it survives the swap of the folder):
readers (every command, `serve`) hold it shared, `load` holds it exclusive. Oxigraph's own
server holds RocksDB's POSIX lock on `PATH/LOCK`; `load` probes it and refuses too.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from .errors import StoreError, os_error


def lock_path(store: Path) -> Path:
    return store.absolute().parent / f".{store.name}.lock"


class StoreLock:
    """A held lock; `release` (or process exit) lets it go."""

    def __init__(self, fd: int | None) -> None:
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None

    def __del__(self) -> None:  # a store dropped without close() lets go of its lock too
        self.release()


def shared(store: Path) -> StoreLock:
    """For readers: refuses while a load runs. A folder we may not write (read-only media) goes unlocked."""
    target = lock_path(store)
    try:
        fd = os.open(target, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError:
        try:
            fd = os.open(target, os.O_RDONLY)
        except OSError:
            return StoreLock(None)  # nobody can load here either
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        holders = _pids(target, "")
        raise StoreError(f"oxigraph:{store} is being loaded by another process{f' ({holders})' if holders else ''}; "
                         "try again when the load has finished") from None
    return StoreLock(fd)


def exclusive(store: Path) -> StoreLock:
    """For `load`: refuses while any tech-graph process or an Oxigraph server has the store open."""
    target = lock_path(store)
    try:
        fd = os.open(target, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise os_error(exc, f"cannot lock the store {store}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise StoreError(f"oxigraph:{store} is open in another tech-graph process ({_pids(target, ', ')}"
                         "a command, `serve` or another load); stop it or wait, then load again") from None
    try:
        _refuse_if_rocksdb_locked(store)
    except BaseException:
        os.close(fd)
        raise
    return StoreLock(fd)


@contextlib.contextmanager
def held(lock: StoreLock) -> Iterator[StoreLock]:
    try:
        yield lock
    finally:
        lock.release()


def _refuse_if_rocksdb_locked(store: Path) -> None:
    """Probe RocksDB's lock file. No store of ours is open in this process, so the probe takes
    (and at close drops) nobody else's lock."""
    try:
        fd = os.open(store / "LOCK", os.O_RDWR)
    except OSError:
        return  # no store yet, or one we cannot write: the load itself will say so
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EAGAIN):
            raise StoreError(f"the store at {store} is open in another program ({_pids(store / 'LOCK', ', ')}"
                             "Oxigraph's lock is held, e.g. by `oxigraph serve`); stop it before loading, "
                             "or load into a new folder") from None
    finally:
        os.close(fd)


def _pids(path: Path, after: str) -> str:
    """`pid 123, 456` + `after` from /proc/locks, where Linux has it; empty elsewhere."""
    try:
        inode = path.stat().st_ino
        with open("/proc/locks", encoding="ascii") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return ""
    pids = []
    for line in lines:
        fields = line.split()
        if "->" in fields:  # a waiting request, not a holder
            continue
        if len(fields) >= 6 and fields[5].rsplit(":", 1)[-1] == str(inode) and fields[4] != str(os.getpid()):
            pids.append(fields[4])
    return f"pid {', '.join(sorted(set(pids), key=int))}{after}" if pids else ""
