"""How long and how much memory work may take: the defaults, and the one place that reads them.

A command line run, a served query and an HTTP read from a `sparql:` server all take their
deadline from here: `--timeout` / TECH_GRAPH_TIMEOUT (seconds) and `--max-memory` /
TECH_GRAPH_MAX_MEMORY (bytes, or with a K, M or G suffix). An option beats the variable,
which beats the default. `bounded.py` enforces them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from .errors import InputError

TIMEOUT_ENV = "TECH_GRAPH_TIMEOUT"
MEMORY_ENV = "TECH_GRAPH_MAX_MEMORY"

# A command may load a million triples and draw them; a served query answers a person waiting.
COMMAND_TIMEOUT = 600.0
COMMAND_MEMORY = 4 << 30
SERVE_TIMEOUT = 10.0
SERVE_MEMORY = 1 << 30

_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*", re.I)
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


@dataclass(frozen=True)
class Budget:
    """What one piece of work may use: wall-clock seconds and bytes of memory beyond its start."""

    timeout: float
    memory: int

    def describe(self) -> str:
        return f"{self.timeout:g} s and {size_text(self.memory)} of memory"


def parse_size(text: str, where: str = MEMORY_ENV) -> int:
    """`4G`, `512M`, `1.5G` or a number of bytes."""
    m = _SIZE.fullmatch(text)
    if not m or float(m.group(1)) <= 0:
        raise InputError(f"{where}={text!r} is not an amount of memory; use e.g. {where}=4G or 512M")
    return int(float(m.group(1)) * _UNITS[m.group(2).upper()])


def parse_seconds(text: str, where: str = TIMEOUT_ENV) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1
    if not value > 0 or value == float("inf"):
        raise InputError(f"{where}={text!r} is not a number of seconds; use e.g. {where}=120")
    return value


def size_text(n: int) -> str:
    """4G, 512M, 1.5G: how the user would write it."""
    for unit in ("T", "G", "M", "K"):
        if n >= _UNITS[unit]:
            return f"{n / _UNITS[unit]:.3g}{unit}"
    return f"{n}B"


def timeout(given: float | None = None, default: float = COMMAND_TIMEOUT) -> float:
    """Seconds: the option if given, else TECH_GRAPH_TIMEOUT, else `default`."""
    if given is not None:
        return given
    text = os.environ.get(TIMEOUT_ENV)
    return parse_seconds(text) if text else default


def memory(given: str | int | None = None, default: int = COMMAND_MEMORY) -> int:
    """Bytes: the option if given, else TECH_GRAPH_MAX_MEMORY, else `default`."""
    if isinstance(given, int):
        return given
    if given:
        return parse_size(given, "--max-memory")
    text = os.environ.get(MEMORY_ENV)
    return parse_size(text) if text else default


def budget(given_timeout: float | None = None, given_memory: str | int | None = None, *,
           serve: bool = False) -> Budget:
    """The budget of a command (or, with `serve`, of one served query)."""
    return Budget(timeout(given_timeout, SERVE_TIMEOUT if serve else COMMAND_TIMEOUT),
                  memory(given_memory, SERVE_MEMORY if serve else COMMAND_MEMORY))
