"""An article's text: control characters blanked, boilerplate removed, datelines, bylines and dates read.

Everything here works on text already decoded (`kg.sources` decodes files and records) and keeps
offsets: a `Removed` span points into the text as read, and the text kg keeps is that text minus
the removed spans.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from functools import cache

from kg.data import lines as data_lines
from kg.model import Removed

# C0 and C1 controls but tab, newline and carriage return (`clean` turns CR into a newline), lone
# surrogates (an undecodable file name) and the two non-characters XML 1.0 and GraphML cannot carry:
# one form feed or escape in one article made the GraphML writer abort the whole build.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def hygiene(text: str) -> str:
    """Return `text` with each control character replaced by a space: one character for one, so
    every offset into the text kg keeps is an offset into the text as read."""
    return CONTROL.sub(" ", text)


# --- boilerplate -------------------------------------------------------------------------------


def clean(raw: str, title: str | None = None) -> tuple[str, list[Removed], dict]:
    """Return (clean text, removed spans, metadata found in the text) for raw article text.

    Removal is computed on raw offsets, so each `Removed` span points into the input as read.
    Metadata found: `title` (first kept line), `published` (a dateline), `author` (a byline).
    """
    return clean_with_offsets(raw, title)[:3]


def clean_with_offsets(raw: str, title: str | None = None) -> tuple[str, list[Removed], dict, list[tuple[int, int]]]:
    """`clean`, plus the map from the clean text back to `raw`: (clean offset, raw offset) at each
    point where the two stop running in step (see `Article.source_span`)."""
    crlf = [m.start() for m in re.finditer("\r\n", raw)]
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    drops: list[Removed] = []
    rules = _boilerplate_rules()
    for name, rx in rules["inline"]:
        drops += [Removed(m.start(), m.end(), name, m.group()) for m in rx.finditer(raw)]
    lines = _lines(raw)
    found: dict = {}
    tail_from = int(len(raw) * 0.4)
    kept: list[tuple[int, int, str]] = []
    for start, end, line in lines:
        stripped = line.strip()
        if not stripped or _covered(start, end, drops):
            continue
        rule = _line_rule(stripped, rules["line"])
        if rule:
            drops.append(Removed(start, end, rule, line))
            continue
        tail = _line_rule(stripped, rules["tail"])
        if tail:
            drops.append(Removed(start, len(raw) if start >= tail_from else end, tail, raw[start:] if start >= tail_from else line))
            if start >= tail_from:
                break
            continue
        kept.append((start, end, stripped))
    drops += _head_metadata(kept, title, found)
    drops += _wire_dateline(kept, found)
    drops = sorted(set(drops))
    text, offsets = _assemble(raw, drops)
    if "title" not in found:
        first = next((ln for ln in text.split("\n") if ln.strip()), None)
        if first and len(first) <= 300:
            found["title"] = first.strip()
    if crlf:  # each \r\n became one character: move raw offsets after it by one
        offsets = _crlf_shift(offsets, crlf, len(text))
    return text, drops, found, offsets


def _head_metadata(kept, title, found) -> list[Removed]:
    """Drop header debris before a known title, repeated title lines, datelines and bylines."""
    drops = []
    if title:
        key = _norm_line(title)
        at = next((i for i, (_, _, s) in enumerate(kept) if _norm_line(s) == key), None)
        if at:
            drops += [Removed(s, e, "before-title", t) for s, e, t in kept[:at]]
            kept[:at] = []
    seen_lines = set()
    for start, end, stripped in kept[:10]:
        normal = _norm_line(stripped)
        if normal in seen_lines:
            drops.append(Removed(start, end, "repeated-line", stripped))
            continue
        seen_lines.add(normal)
        date = parse_dateline(stripped)
        if date and "published" not in found:
            found["published"] = date
            drops.append(Removed(start, end, "dateline", stripped))
            continue
        byline = BYLINE.fullmatch(stripped)
        if byline and "author" not in found:
            found["author"] = byline.group(1)
            drops.append(Removed(start, end, "byline", stripped))
    return drops


def _wire_dateline(kept, found) -> list[Removed]:
    """Drop a wire dateline opening the body ("OTTAWA (Reuters) -", "New York (CNN)",
    "LONDON, March 3 (Reuters) -", "OTTAWA -"): it is no part of any sentence, so its place and
    agency never read as actors. The place and the agency go into `found` ("place", "agency")."""
    for start, _, stripped in kept[:4]:
        m = WIRE_DATELINE.match(stripped) or CAPS_DATELINE.match(stripped)
        if m and len(stripped) > m.end() + 20:
            groups = m.groupdict()
            if groups.get("place"):
                found["place"] = groups["place"].strip(" ,")
            if groups.get("agency") or groups.get("wire"):
                found["agency"] = (groups.get("agency") or groups["wire"]).strip()
            return [Removed(start, start + m.end(), "wire-dateline", m.group())]
    return []


_PLACE_WORD = r"(?:[A-Z][\w.'\-]*|\d{1,2}),?"
# with a place, any capitalized agency; without one ("(CNN)Manchester United ..."), a short upper-case one
WIRE_DATELINE = re.compile(
    rf"(?:(?P<place>{_PLACE_WORD}(?: {_PLACE_WORD}){{0,5}}) ?\((?P<agency>[A-Z][\w&.\-]*(?: [A-Z][\w&.\-]*){{0,3}})\)"
    r"|\((?P<wire>[A-Z]{2,6}|Reuters)\)) *(?:[-\u2013\u2014]+ *)?"
)
CAPS_DATELINE = re.compile(r"(?P<place>[A-Z][A-Z.'\-]+(?: [A-Z][A-Z.'\-]+){0,3}(?:, [A-Z][\w.]+(?: \d{1,2})?)?) +[-\u2013\u2014]+ +")
BYLINE = re.compile(r"By\s+((?:[A-Z][\w.'\-]+\s?){1,4}(?:(?:with|and)\s+(?:[A-Z][\w.'\-]+\s?){1,3})?)")


def _assemble(raw: str, drops: list[Removed]) -> tuple[str, list[tuple[int, int]]]:
    """Return raw minus the dropped spans, lines right-stripped, blank runs collapsed to one
    paragraph break, stripped and ended by a newline; with the offset map back to raw."""
    chars: list[str] = []
    where: list[int] = []  # raw offset of each kept character
    at = 0
    for d in [*drops, Removed(len(raw), len(raw), "", "")]:
        for i in range(at, min(d.start, len(raw))):
            ch = raw[i]
            if ch == "\n":
                while chars and chars[-1] != "\n" and chars[-1].isspace():  # str.rstrip of the line
                    chars.pop()
                    where.pop()
                if len(chars) >= 2 and chars[-1] == chars[-2] == "\n":
                    continue  # a third line break in a row: blank runs become one paragraph break
            chars.append(ch)
            where.append(i)
        at = max(at, d.end)
    while chars and chars[-1].isspace():
        chars.pop()
        where.pop()
    lead = 0
    while lead < len(chars) and chars[lead].isspace():
        lead += 1
    text = "".join(chars[lead:]) + "\n"
    where = where[lead:] + [where[-1] + 1 if where else 0]
    return text, _breaks(where)


def _breaks(where: list[int]) -> list[tuple[int, int]]:
    """(clean offset, raw offset) where `where` (raw offset per clean character) jumps."""
    return [(i, r) for i, r in enumerate(where) if i == 0 or r != where[i - 1] + 1]


def _crlf_shift(offsets: list[tuple[int, int]], crlf: list[int], length: int) -> list[tuple[int, int]]:
    """The offset map after \r\n pairs (at raw positions `crlf`) were read as one character."""
    where = [_to_raw(offsets, i) for i in range(length + 1)]
    # a character at normalized offset r sat after every \r\n whose \n came before it
    shifted, k = [], 0
    for r in where:
        while k < len(crlf) and crlf[k] - k < r:
            k += 1
        shifted.append(r + k)
    return _breaks(shifted)


def _to_raw(offsets, i: int) -> int:
    """The raw offset of clean offset `i` by the map `offsets`."""
    k = bisect.bisect_right(offsets, (i, float("inf"))) - 1
    c, r = offsets[k]
    return r + (i - c)


def _lines(raw: str) -> list[tuple[int, int, str]]:
    out, at = [], 0
    for line in raw.split("\n"):
        out.append((at, at + len(line), line))
        at += len(line) + 1
    return out


def _covered(start: int, end: int, drops: list[Removed]) -> bool:
    return any(d.start <= start and end <= d.end for d in drops)


def _line_rule(line: str, rules) -> str | None:
    return next((name for name, rx in rules if rx.fullmatch(line)), None)


def _norm_line(line: str) -> str:
    return " ".join(re.findall(r"\w+", line.lower()))


@cache
def _boilerplate_rules() -> dict[str, list[tuple[str, re.Pattern]]]:
    rules: dict[str, list] = {"line": [], "tail": [], "inline": []}
    for fields in data_lines("boilerplate.tsv"):
        scope, name, pattern = fields.split("\t", 2)
        flags = re.IGNORECASE | (re.DOTALL if scope == "inline" else 0)
        rules[scope].append((name, re.compile(pattern, flags)))
    return rules


# --- dates -------------------------------------------------------------------------------------


def parse_dateline(line: str) -> str | None:
    """Return the ISO date of a line that is wholly a printed date ("Sun Oct 23, 2016 09:26:48")."""
    line = line.strip().rstrip(".")
    if len(line) > 40 or not re.search(r"\d{4}", line):
        return None
    for fmt in _date_formats():
        try:
            return dt.datetime.strptime(line, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def normalize_date(value) -> str | None:
    """Return an ISO date for a metadata date value, or None when it cannot be read."""
    if not value:
        return None
    value = str(value).strip()
    m = re.match(r"(\d{4}-\d{2}-\d{2})", value)
    if m:
        try:
            return dt.date.fromisoformat(m.group(1)).isoformat()  # 2016-13-45 is no date: never typed xsd:date
        except ValueError:
            return None
    for fmt in ("%d-%b-%Y %H:%M:%S.%f", "%d-%b-%Y %H:%M:%S", "%d-%b-%Y", "%m/%d/%y", "%m/%d/%Y"):
        try:
            return dt.datetime.strptime(value.upper() if "%b" in fmt else value, fmt).date().isoformat()
        except ValueError:
            continue
    return parse_dateline(value)


@cache
def _date_formats() -> list[str]:
    return data_lines("date_formats.txt")
