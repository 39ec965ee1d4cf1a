"""Time expressions resolved against the article's publication date, with their granularity.

`resolve(text, published, future=False)` reads one expression ("on Saturday evening",
"September 22", "since mid-July", "two days from now", "at 0700 GMT on Tuesday", "2012") and
returns a `When` (ISO value, granularity, original words), or None when it cannot be resolved
without guessing: no publication date, or words kg does not read. Weekdays point back to the last
such day on or before publication, or forward when the statement is about the future.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache

from kg.data import lines


@dataclass(frozen=True)
class When:
    value: str  # ISO date, or YYYY-MM, or YYYY
    granularity: str  # day | week | month | year
    text: str


YEAR = r"\b(1[89]\d\d|20\d\d)\b(?!\s*(?:hours|hrs|gmt|est|edt|cet|bst|local|[ap]\.?m\b))"  # "at 1900 hours", "1400 est": a clock time


def resolve(text: str, published: str | None, future: bool = False, past: bool = True) -> When | None:
    """Return the time an expression names, resolved against `published` (ISO date), or None.
    A day named without its year or week is looked for ahead of publication when `future`, behind
    it when `past` (the statement's own verb is in a past tense; the default), and when neither, ahead
    only when it lies less than half as far ahead as behind: news tells the past more often than it
    announces ("the May 19 meeting" in a March story is this year's, "the attack on Monday" in a
    Wednesday story this week's, "talks on Thursday" in a Tuesday story this week's)."""
    words = text.lower().replace("\u2013", "-")
    m = re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", words)
    if m:
        return When(m.group(0), "day", text)
    anchor = _date(published)
    month_day = _month_day(words)
    if month_day:
        month, day, year = month_day
        if year is None and anchor is None:
            return None
        year = year or _year_near(anchor, month, day, future, past)
        try:
            return When(dt.date(year, month, day).isoformat(), "day", text)
        except ValueError:
            return None
    for word, value in _words("month").items():
        m = re.search(rf"\b(?:(early|mid|late)[- ])?{word}\b(?:\s+(\d{{4}}))?", words)
        # "may", "march" and three-letter abbreviations are ordinary words unless qualified ("mid-May", "March 2016")
        plain_word = word in ("may", "march") or len(word) <= 3
        if m and (not plain_word or m.group(1) or m.group(2)):
            if m.group(2):
                return When(f"{m.group(2)}-{value:02d}", "month", text)
            if anchor is None:
                return None
            year = anchor.year - (1 if value > anchor.month and not future else 0) + (1 if value < anchor.month and future else 0)
            return When(f"{year}-{value:02d}", "month", text)
    if anchor is None:
        m = re.search(YEAR, words)
        return When(m.group(1), "year", text) if m else None
    for word, offset in _words("relative").items():
        if re.search(rf"\b{word}\b", words):
            return When((anchor + dt.timedelta(days=offset)).isoformat(), "day", text)
    m = re.search(r"\b(\w+|\d+) days? (from now|ago|later|earlier)\b|\bin (\w+|\d+) days?\b", words)
    if m:
        n = _number(m.group(1) or m.group(3))
        if n is not None:
            sign = -1 if m.group(2) in ("ago", "earlier") else 1
            return When((anchor + dt.timedelta(days=sign * n)).isoformat(), "day", text)
    for word, weekday in _words("weekday").items():
        if re.search(rf"\b{word}\b", words):
            delta = (anchor.weekday() - weekday) % 7  # days back to it; (7 - delta) % 7 ahead
            ahead = future or (not past and 0 < (7 - delta) % 7 < delta / 2)
            day = anchor + dt.timedelta(days=(7 - delta) % 7) if ahead else anchor - dt.timedelta(days=delta)
            return When(day.isoformat(), "day", text)
    m = re.search(r"\b(last|this|next) (week|month|year)\b", words)
    if m:
        step = {"last": -1, "this": 0, "next": 1}[m.group(1)]
        if m.group(2) == "week":
            monday = anchor - dt.timedelta(days=anchor.weekday()) + dt.timedelta(weeks=step)
            return When(monday.isoformat(), "week", text)
        if m.group(2) == "month":
            month = (anchor.month - 1 + step) % 12 + 1
            year = anchor.year + (anchor.month - 1 + step) // 12
            return When(f"{year}-{month:02d}", "month", text)
        return When(str(anchor.year + step), "year", text)
    m = re.search(YEAR, words)
    if m:
        return When(m.group(1), "year", text)
    return None


def _month_day(words: str) -> tuple[int, int, int | None] | None:
    months = _words("month")
    names = "|".join(sorted(months, key=len, reverse=True))
    m = re.search(rf"\b({names})\.? (\d{{1,2}})(?:st|nd|rd|th)?\b(?:,? (\d{{4}}))?", words)
    if m and not re.match(r"\d{4}", m.group(2)):
        return months[m.group(1)], int(m.group(2)), int(m.group(3)) if m.group(3) else None
    m = re.search(rf"\b(\d{{1,2}})(?:st|nd|rd|th)? (?:of )?({names})\b(?:,? (\d{{4}}))?", words)
    if m:
        return months[m.group(2)], int(m.group(1)), int(m.group(3)) if m.group(3) else None
    return None


def _year_near(anchor: dt.date, month: int, day: int, future: bool, past: bool = True) -> int:
    """Return the year that puts month/day nearest the anchor on the side `resolve` looks at."""
    try:
        candidate = dt.date(anchor.year, month, day)
    except ValueError:
        return anchor.year
    if future:
        return anchor.year + 1 if candidate < anchor - dt.timedelta(days=60) else anchor.year
    if past:  # a day after publication cannot be in a past tense (a day's grace for time zones)
        return anchor.year - 1 if candidate > anchor + dt.timedelta(days=1) else anchor.year
    if candidate <= anchor:
        return anchor.year
    ahead, behind = (candidate - anchor).days, (anchor - _replace_year(candidate, anchor.year - 1)).days
    return anchor.year if ahead < behind / 2 else anchor.year - 1


def _replace_year(day: dt.date, year: int) -> dt.date:
    try:
        return day.replace(year=year)
    except ValueError:  # February 29
        return day.replace(year=year, day=28)


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _number(word: str) -> int | None:
    if word.isdigit():
        return int(word)
    return _words("number").get(word)


@cache
def _words(kind: str) -> dict[str, int]:
    return {w: int(v) for k, w, v in (line.split("\t") for line in lines("time_words.tsv")) if k == kind}


def number(text: str) -> int | None:
    """Return the integer a count is written as ("83", "2,000", "four", "some 100"), or None."""
    text = text.lower().replace(",", "")
    m = re.search(r"\d+", text)
    if m:
        return int(m.group())
    found = [v for w, v in _words("number").items() if w not in ("a", "an") and re.search(rf"\b{w}\b", text)]
    return found[0] if found else None
