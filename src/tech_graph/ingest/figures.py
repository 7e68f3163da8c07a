"""Figures in an article's words: money in base units with its currency, percentages and counts.

Each keeps the article's own phrase, as `tg:originalPhrase` does in the curated graph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

SCALES = {"thousand": 10**3, "k": 10**3, "million": 10**6, "mn": 10**6, "m": 10**6, "mln": 10**6,
          "billion": 10**9, "bn": 10**9, "b": 10**9, "trillion": 10**12, "tn": 10**12, "tr": 10**12}
WORD_NUMBERS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10, "a dozen": 12, "two dozen": 24, "a hundred": 100}
# ISO 4217 codes for the symbols and words articles use; "$" alone is read as US dollars.
CURRENCIES = {"$": "USD", "us$": "USD", "usd": "USD", "dollars": "USD", "dollar": "USD", "¥": "CNY", "rmb": "CNY",
              "yuan": "CNY", "cny": "CNY", "renminbi": "CNY", "hk$": "HKD", "hkd": "HKD", "€": "EUR", "eur": "EUR",
              "euros": "EUR", "£": "GBP", "gbp": "GBP", "pounds": "GBP", "rupees": "INR", "inr": "INR", "₹": "INR"}


@dataclass(frozen=True)
class Figure:
    """A figure found in a sentence. `kind` is money, percent or count; `value` is in base units."""

    start: int
    end: int
    phrase: str
    kind: str
    value: Decimal
    unit: str  # an ISO 4217 currency, "P1" (percent) or "C62" (a count), as UN/CEFACT codes
    lower_bound: bool = False
    approximate: bool = False
    what: str = ""  # for counts: the noun counted ("monthly users")


_NUM = r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_SCALE = r"(?:\s?(?P<scale>trillion|billion|million|thousand|bn|mn|mln|tn|tr|[kmb])\b)?"
_HEDGE = r"(?P<hedge>(?:more than|over|at least|almost|nearly|about|around|roughly|some|up to) )?"
_SYMBOL = r"(?P<sym>US\$|HK\$|\$|¥|€|£|₹)"
_CODE = r"(?P<code>yuan|rmb|renminbi|dollars|usd|cny|hkd|euros|eur|pounds|gbp|rupees|inr)"
_MONEY_BEFORE = re.compile(rf"{_HEDGE}{_SYMBOL}\s?{_NUM}{_SCALE}", re.I)
_MONEY_AFTER = re.compile(rf"{_HEDGE}{_NUM}{_SCALE}\s?{_CODE}\b", re.I)
_CODE_BEFORE = re.compile(rf"{_HEDGE}(?P<code>RMB|USD|CNY|HKD|EUR|GBP|INR)\s?{_NUM}{_SCALE}", re.I)
_PERCENT = re.compile(rf"{_HEDGE}(?P<sign>[-−+])?{_NUM}\s?(?:%|per ?cent\b)", re.I)
_COUNT = re.compile(
    rf"{_HEDGE}(?P<num>\d{{1,3}}(?:,\d{{3}})+|\d+(?:\.\d+)?|a|one|two|three|four|five|six|seven|eight|nine|ten)"
    r"(?:\s?(?P<scale>trillion|billion|million|thousand|bn|mn|m)\b)"
    r"(?P<what>(?:\s(?:monthly|daily|active|registered|user|overseas|new))*\s(?:users|user accounts|accounts|"
    r"customers|subscribers|people|downloads|merchants|employees|workers))\b", re.I)


def _number(text: str, scale: str | None) -> Decimal:
    base = Decimal(WORD_NUMBERS[text.lower()]) if text.lower() in WORD_NUMBERS else Decimal(text.replace(",", ""))
    value = base * SCALES[scale.lower()] if scale else base
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _hedged(hedge: str | None) -> tuple[bool, bool]:
    words = (hedge or "").strip().lower()
    return words in ("more than", "over", "at least"), words in ("almost", "nearly", "about", "around", "roughly",
                                                                   "some")


def find_figures(sentence: str) -> list[Figure]:
    """Money, percentages and counts in a sentence, in order; a span is read once, by the first rule."""
    found: list[Figure] = []
    taken: list[tuple[int, int]] = []

    def add(m: re.Match[str], kind: str, value: Decimal, unit: str, what: str = "") -> None:
        if any(m.start() < e and s < m.end() for s, e in taken):
            return
        lower, approx = _hedged(m.group("hedge"))
        found.append(Figure(m.start(), m.end(), m.group(0).strip(), kind, value, unit, lower, approx, what))
        taken.append((m.start(), m.end()))

    for pattern in (_MONEY_BEFORE, _CODE_BEFORE, _MONEY_AFTER):
        for m in pattern.finditer(sentence):
            g = m.groupdict()
            currency = CURRENCIES[(g.get("sym") or g.get("code") or "").lower()]
            add(m, "money", _number(g["num"], g.get("scale")), currency)
    for m in _PERCENT.finditer(sentence):
        value = Decimal(m.group("num").replace(",", ""))
        add(m, "percent", -value if m.group("sign") in ("-", "−") else value, "P1")
    for m in _COUNT.finditer(sentence):
        add(m, "count", _number(m.group("num"), m.group("scale")), "C62", " ".join(m.group("what").split()))
    return sorted(found, key=lambda f: f.start)
