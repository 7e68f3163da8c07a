"""Writing results: standard output for `-`, otherwise an atomic file write (temp file, then rename)."""

from __future__ import annotations

import gzip
import os
import sys
import tempfile
from pathlib import Path

from .errors import InputError


def write_output(target: str | Path, data: bytes | str) -> None:
    """Write everything or nothing; `.gz` targets are compressed."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if str(target) == "-":
        sys.stdout.buffer.write(raw)
        sys.stdout.buffer.flush()
        return
    path = Path(target)
    if path.suffix == ".gz":
        raw = gzip.compress(raw, mtime=0)  # mtime 0 keeps the bytes deterministic
    folder = path.parent
    if not folder.is_dir():
        raise InputError(f"cannot write {path}: folder {folder} does not exist; create it first")
    if path.is_dir():
        raise InputError(f"cannot write {path}: it is a folder; give a file name")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}; choose a writable folder") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"cannot write {path}: {exc.strerror}; choose a writable path") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
