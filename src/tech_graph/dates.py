"""Dates at their real precision: a day, a month or a year, never a day invented.

A time literal becomes a `When`: the earliest and latest day it can mean, and
its precision. Sorting by (start, precision) puts "2020" before "Nov 2020"
before "3 Nov 2020", all of which start on or before the day events.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from enum import IntEnum
from functools import lru_cache

from .errors import InputError
from .namespaces import XSD

_PATTERNS = {
    "year": re.compile(r"^(-?\d{4})(Z|[+-]\d\d:\d\d)?$"),
    "month": re.compile(r"^(-?\d{4})-(\d\d)(Z|[+-]\d\d:\d\d)?$"),
    "day": re.compile(r"^(-?\d{4})-(\d\d)-(\d\d)(T[\d:.]+)?(Z|[+-]\d\d:\d\d)?$"),
}
DATATYPES = {XSD + "gYear": "year", XSD + "gYearMonth": "month", XSD + "date": "day", XSD + "dateTime": "day"}


class Precision(IntEnum):
    YEAR = 1
    MONTH = 2
    DAY = 3


@dataclass(frozen=True, order=True)
class When:
    """A time at its precision; `start`..`end` is every day it may mean, inclusive."""

    start: date
    precision: Precision
    end: date

    @property
    def iso(self) -> str:
        """The lexical form at its precision: 2020, 2020-11 or 2020-11-03."""
        if self.precision is Precision.YEAR:
            return f"{self.start.year:04d}"
        if self.precision is Precision.MONTH:
            return f"{self.start.year:04d}-{self.start.month:02d}"
        return self.start.isoformat()

    @property
    def label(self) -> str:
        """How a reader sees it: "3 Nov 2020", "Nov 2020" or "2020"."""
        if self.precision is Precision.YEAR:
            return str(self.start.year)
        if self.precision is Precision.MONTH:
            return self.start.strftime("%b %Y")
        return f"{self.start.day} {self.start.strftime('%b %Y')}"

    @property
    def datatype(self) -> str:
        return XSD + {Precision.YEAR: "gYear", Precision.MONTH: "gYearMonth", Precision.DAY: "date"}[self.precision]


def _build(kind: str, m: re.Match[str]) -> When:
    year = int(m.group(1))
    if kind == "year":
        return When(date(year, 1, 1), Precision.YEAR, date(year, 12, 31))
    month = int(m.group(2))
    if kind == "month":
        last = calendar.monthrange(year, month)[1]
        return When(date(year, month, 1), Precision.MONTH, date(year, month, last))
    day = date(year, month, int(m.group(3)))
    return When(day, Precision.DAY, day)


@lru_cache(maxsize=65536)  # big graphs repeat the same few thousand dates
def parse_when(lexical: str, datatype: str | None = None) -> When:
    """A When from a typed literal; the datatype, if known, decides the precision.

    Raises ValueError for text that is no date.
    """
    kinds = [DATATYPES[datatype]] if datatype in DATATYPES else ["day", "month", "year"]
    for kind in kinds:
        m = _PATTERNS[kind].match(lexical.strip())
        if m:
            return _build(kind, m)
    raise ValueError(f"not a date: {lexical!r}")


def parse_user_date(text: str, option: str = "date") -> When:
    """A date typed by a user (YYYY, YYYY-MM or YYYY-MM-DD), or one clear InputError."""
    try:
        return parse_when(text)
    except ValueError:
        pass
    raise InputError(f"{option}: cannot read {text!r} as a date; use YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2020-11-03)")


@dataclass(frozen=True, order=True)
class Span:
    """An event's time: an instant (begin only) or a span from begin to end."""

    begin: When
    finish: When | None = None

    @property
    def start(self) -> date:
        return self.begin.start

    @property
    def end(self) -> date:
        return (self.finish or self.begin).end

    @property
    def label(self) -> str:
        if self.finish is None or self.finish == self.begin:
            return self.begin.label
        return f"{self.begin.label} – {self.finish.label}"

    def overlaps(self, start: date | None, end: date | None) -> bool:
        return (start is None or self.end >= start) and (end is None or self.start <= end)

    def sort_key(self) -> tuple[date, Precision]:
        return (self.start, self.begin.precision)
