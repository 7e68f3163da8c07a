"""Dates in an article's words, resolved against its publication date at their real precision.

"on Tuesday" is a day, "last month" a month, "last year" a year, "in the past two years" an
approximate span; each `Found` says what it was resolved from, so a reviewer can check it.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from ..dates import Precision, When

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
MONTHS["sept"] = 9
WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
           "several": 3, "few": 3, "couple of": 2}


@dataclass(frozen=True)
class Found:
    """A date or span found in a sentence: where, what it means, and why."""

    start: int  # offsets in the sentence
    end: int
    phrase: str
    begin: When
    finish: When | None
    approximate: bool
    reason: str


def year(y: int) -> When:
    return When(date(y, 1, 1), Precision.YEAR, date(y, 12, 31))


def month(y: int, m: int) -> When:
    return When(date(y, m, 1), Precision.MONTH, date(y, m, calendar.monthrange(y, m)[1]))


def day(d: date) -> When:
    return When(d, Precision.DAY, d)


_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("between", re.compile(rf"\bbetween {_MONTH} {_DAY} and (?P<day2>[0-3]?\d)(?:st|nd|rd|th)?(?:,? {_YEAR})?",
                           re.I)),
    ("mdy", re.compile(rf"\b{_MONTH} {_DAY}(?:,? {_YEAR})?\b(?!\s*(?:%|percent|bn|billion|million))", re.I)),
    ("dmy", re.compile(rf"\b{_DAY} {_MONTH}(?:,? {_YEAR})?\b", re.I)),
    ("my", re.compile(rf"\b(?:in |since |by |from |until )?{_MONTH},? {_YEAR}\b", re.I)),
    ("month", re.compile(rf"\b(?P<prep>in|since|by|until|last|this) {_MONTH}\b(?! \d)", re.I)),
    ("weekday", re.compile(r"\b(?P<prep>on|last|this|since) (?P<weekday>monday|tuesday|wednesday|thursday|friday"
                           r"|saturday|sunday)\b", re.I)),
    ("past", re.compile(r"\b(?:over|in|during) the (?:past|last) (?P<n>\d+|two|three|four|five|six|seven|eight|nine|ten"
                        r"|several|few|couple of) (?P<unit>years|months|weeks)\b", re.I)),
    ("relative", re.compile(r"\b(?P<which>last|this|next|previous) (?P<unit>year|month|week)\b", re.I)),
    ("named", re.compile(r"\b(?P<which>yesterday|today|earlier this year|earlier this month)\b", re.I)),
    ("after-order", re.compile(r"\b(?P<n>\d+|two|three|four|five|six|seven|eight|nine|ten) days after the date of "
                               r"this order\b", re.I)),
    # A bare year before a capitalised word names something ("the 2019 Novel Coronavirus"); it dates nothing.
    ("year", re.compile(rf"\b(?:(?P<prep>[Ii]n|[Ss]ince|[Bb]y|[Ff]rom|[Uu]ntil|[Oo]f) )?{_YEAR}\b(?![-–]\d)"
                        r"(?P<name> [A-Z][a-z])?")),
]
# The date an order gives itself in its heading: "Executive Order 13942 of August 6, 2020", "Order of March 6, 2020".
_ORDER_DATE = re.compile(rf"\bOrder(?: \d+)? of {_MONTH} {_DAY},? {_YEAR}\b", re.I)


def order_date(sentences: list[str]) -> tuple[date, str] | None:
    """The day an order is dated in its heading, and the phrase, to resolve "45 days after the date of this order"."""
    for text in sentences[:5]:
        m = _ORDER_DATE.search(text)
        if m:
            try:
                return date(int(m.group("year")), MONTHS[m.group("month").lower()], int(m.group("day"))), m.group(0)
            except ValueError:
                return None
    return None


def _on_or_before(published: date, m: int, d: int | None = None) -> date:
    """The latest date with this month (and day) not after publication: "December 24th" read in Feb 2021."""
    y = published.year
    candidate = date(y, m, d or 1)  # ValueError for a day the month does not have
    return candidate if candidate <= published else date(y - 1, m, d or 1)


def find_dates(sentence: str, published: date, anchor: tuple[date, str] | None = None) -> list[Found]:
    """Every date phrase in a sentence, longest first where two overlap.

    `anchor` is the order's own date (see `order_date`), for "N days after the date of this order".
    """
    found: list[Found] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(sentence):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            item = _resolve(kind, m, published, anchor)
            if item is not None:
                found.append(item)
                taken.append((m.start(), m.end()))
    return sorted(found, key=lambda f: f.start)


def _resolve(kind: str, m: re.Match[str], published: date, anchor: tuple[date, str] | None = None) -> Found | None:
    g = m.groupdict()
    phrase = m.group(0)
    pub = published.isoformat()

    def found(begin: When, finish: When | None, reason: str, approximate: bool = False) -> Found:
        return Found(m.start(), m.end(), phrase, begin, finish, approximate, reason)

    try:
        if kind == "between":
            mo = MONTHS[g["month"].lower()]
            first = date(int(g["year"]), mo, int(g["day"])) if g.get("year") else _on_or_before(
                published, mo, int(g["day"]))
            last = first.replace(day=int(g["day2"]))
            why = "as written" if g.get("year") else f"the year from publication ({pub})"
            return found(day(first), day(last), f"'{phrase}': a span of days; {why}")
        if kind in ("mdy", "dmy"):
            mo, d = MONTHS[g["month"].lower()], int(g["day"])
            if g.get("year"):
                return found(day(date(int(g["year"]), mo, d)), None, f"'{phrase}': a day, as written")
            when = _on_or_before(published, mo, d)
            return found(day(when), None, f"'{phrase}': a day; the year is the latest not after publication ({pub})")
        if kind == "my":
            return found(month(int(g["year"]), MONTHS[g["month"].lower()]), None, f"'{phrase}': a month, as written")
        if kind == "month":
            mo = MONTHS[g["month"].lower()]
            if g["month"].lower() in ("may",) and g["prep"].lower() not in ("in", "since", "by", "until"):
                return None  # "may" is mostly a verb
            when = _on_or_before(published, mo)
            if g["prep"].lower() == "last" and when.month == published.month:
                when = when.replace(year=when.year - 1)
            return found(month(when.year, mo), None,
                         f"'{phrase}': a month; the latest {calendar.month_name[mo]} not after publication ({pub})")
        if kind == "weekday":
            target = WEEKDAYS[g["weekday"].lower()]
            back = (published.weekday() - target) % 7
            if g["prep"].lower() == "last" and back == 0:
                back = 7
            when = published - timedelta(days=back)
            return found(day(when), None, f"'{phrase}': the latest {calendar.day_name[target]} on or before "
                                          f"publication ({pub})")
        if kind == "past":
            n = int(g["n"]) if g["n"].isdigit() else NUMBERS[g["n"].lower()]
            unit = g["unit"].lower()
            if unit == "years":
                return found(year(published.year - n), day(published),
                             f"'{phrase}': about {n} years before publication ({pub}); approximate", approximate=True)
            if unit == "months":
                y, mo = divmod(published.year * 12 + published.month - 1 - n, 12)
                return found(month(y, mo + 1), day(published),
                             f"'{phrase}': about {n} months before publication ({pub}); approximate", approximate=True)
            return found(day(published - timedelta(weeks=n)), day(published),
                         f"'{phrase}': about {n} weeks before publication ({pub}); approximate", approximate=True)
        if kind == "relative":
            which, unit = g["which"].lower(), g["unit"].lower()
            step = {"last": -1, "previous": -1, "this": 0, "next": 1}[which]
            if unit == "year":
                return found(year(published.year + step), None, f"'{phrase}': the year {published.year + step}, "
                                                                 f"from publication ({pub})")
            if unit == "month":
                y, mo = divmod(published.year * 12 + published.month - 1 + step, 12)
                return found(month(y, mo + 1), None, f"'{phrase}': {calendar.month_name[mo + 1]} {y}, "
                                                     f"from publication ({pub})")
            monday = published - timedelta(days=published.weekday()) + timedelta(weeks=step)
            return found(day(monday), day(monday + timedelta(days=6)), f"'{phrase}': the week of {monday}, "
                                                                       f"from publication ({pub})")
        if kind == "named":
            which = g["which"].lower()
            if which == "yesterday":
                return found(day(published - timedelta(days=1)), None,
                             f"'{phrase}': the day before publication ({pub})")
            if which == "today":
                return found(day(published), None, f"'{phrase}': the day of publication ({pub})")
            if which == "earlier this year":
                return found(year(published.year), None, f"'{phrase}': {published.year}, the year of publication")
            return found(month(published.year, published.month), None, f"'{phrase}': the month of publication")
        if kind == "after-order":
            if anchor is None:
                return None
            n = int(g["n"]) if g["n"].isdigit() else NUMBERS[g["n"].lower()]
            return found(day(anchor[0] + timedelta(days=n)), None,
                         f"'{phrase}': {n} days after the order's own date ({anchor[0]}, from '{anchor[1]}')")
        if kind == "year":
            if g.get("name") and not g.get("prep"):
                return None
            y = int(g["year"])
            if not 1990 <= y <= published.year + 5:
                return None
            return found(year(y), None, f"'{phrase}': a year, as written")
    except (ValueError, KeyError):
        return None  # a day that does not exist, such as "February 30"
    return None
