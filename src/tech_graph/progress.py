"""Progress bars for long commands: on a terminal only, never in pipes, files or tests.

One place decides whether a bar is shown, so every command behaves the same:
a bar goes to standard error when it is a terminal and TECH_GRAPH_PROGRESS is not 0.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
PROGRESS_ENV = "TECH_GRAPH_PROGRESS"


def enabled() -> bool:
    setting = os.environ.get(PROGRESS_ENV, "")
    if setting in ("0", "no", "off"):
        return False
    return setting in ("1", "yes", "on") or sys.stderr.isatty()


class Bar:
    """What a caller updates; a no-op when progress is off."""

    def __init__(self, inner: Any = None) -> None:
        self._inner = inner

    def advance(self, n: int = 1) -> None:
        if self._inner is not None:
            self._inner.update(n)

    def describe(self, text: str) -> None:
        if self._inner is not None:
            self._inner.set_description_str(text, refresh=False)


@contextmanager
def bar(what: str, total: int | None = None, unit: str = "it") -> Iterator[Bar]:
    """A progress bar for `what`, with `total` steps if known (bytes with unit="B")."""
    if not enabled():
        yield Bar()
        return
    from tqdm import tqdm

    scale = unit == "B"
    with tqdm(total=total, desc=what, unit=unit, unit_scale=scale, unit_divisor=1024 if scale else 1000,
              file=sys.stderr, leave=False, dynamic_ncols=True, mininterval=0.25) as inner:
        yield Bar(inner)


def track(items: Iterable[T], what: str, total: int | None = None) -> Iterator[T]:
    """Iterate `items`, showing a bar on a terminal."""
    with bar(what, total) as shown:
        for item in items:
            yield item
            shown.advance()
