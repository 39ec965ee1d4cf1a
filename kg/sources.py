"""Reading articles: files, directories, globs, JSONL; manifests; boilerplate removal.

`iter_articles(paths, problems)` yields one `Article` per readable input and appends a
`Problem` for each input it skipped or had to repair, so one bad file never stops a build.
Metadata precedence: a directory's `manifest.csv` wins over what is read from the file,
which wins over nothing: outlet and date are never invented.
"""

from __future__ import annotations

import bisect
import codecs
import csv
import datetime as dt
import glob
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kg.data import lines as data_lines
from kg.model import Article, Removed

TEXT_SUFFIXES = {".txt", ".text", ".md"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
LINES_SUFFIXES = {".jsonl", ".ndjson"}  # JSON Lines: one record a line, streamed
JSON_SUFFIXES = LINES_SUFFIXES | {".json"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES
MANIFEST = "manifest.csv"
DEFAULT_MAX_BYTES = 20_000_000

# JSON field names accepted for each Article field, first found wins (Reuters-21578 uses body/date).
JSON_FIELDS = {
    "text": ("text", "body", "content", "article"),
    "title": ("title", "headline"),
    "published": ("published", "date", "pubdate", "published_at"),
    "url": ("url", "link"),
    "outlet": ("outlet", "publisher", "source", "sitename"),
    "author": ("author", "byline"),
}


@dataclass(frozen=True)
class Problem:
    """Something wrong with one input. `skipped` inputs were not built; others were repaired."""

    source: str
    message: str
    skipped: bool = True

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


def iter_articles(
    paths: Iterable[str | Path], problems: list[Problem], max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[Article]:
    """Yield the articles found under `paths`, each once; record what was skipped in `problems`."""
    seen: set[str] = set()
    for path, manifest_row in _expand(paths, problems):
        for article in _read(path, manifest_row, problems, max_bytes):
            if article.id in seen:
                problems.append(Problem(article.source, "duplicate of an article already read", False))
                continue
            seen.add(article.id)
            yield article


def count_articles(paths: Iterable[str | Path]) -> int:
    """Roughly how many articles `paths` hold (a JSONL file's non-blank lines, one per other file),
    without reading them: the total a progress bar needs to show the time left."""
    total = 0
    for path, _row in _expand(paths, []):
        if path.suffix.lower() in LINES_SUFFIXES:
            try:
                with open(path, "rb") as f:
                    total += sum(1 for line in f if line.strip())
            except OSError:
                total += 1
        else:
            total += 1
    return total


def read_article_text(
    raw: str, *, name: str, source: str, title=None, outlet=None, published=None, url=None, author=None, base: int = 0
) -> Article:
    """Return the Article for raw text: boilerplate removed, title, dateline and byline read.

    `base`: where the input as the user gave it starts in `raw` (a JSON record's title prepended
    to its text): the article's offset map points into the input, so claim spans do too."""
    text, removed, found, offsets = clean_with_offsets(raw, title)
    title = title or found.get("title")
    return Article(
        id=article_id(text),
        name=name,
        text=text,
        source=source,
        title=title,
        outlet=outlet or found.get("agency"),
        published=normalize_date(published) or found.get("published"),
        url=url or None,
        author=author or found.get("author"),
        removed=tuple(removed),
        offsets=tuple((c, r - base) for c, r in offsets),
    )


def article_id(text: str) -> str:
    """Return the stable id of an article: a hash of its whitespace-normalized clean text."""
    normal = " ".join(unicodedata.normalize("NFC", text).split())
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()[:16]


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
        return m.group(1)
    for fmt in ("%d-%b-%Y %H:%M:%S.%f", "%d-%b-%Y %H:%M:%S", "%d-%b-%Y", "%m/%d/%y", "%m/%d/%Y"):
        try:
            return dt.datetime.strptime(value.upper() if "%b" in fmt else value, fmt).date().isoformat()
        except ValueError:
            continue
    return parse_dateline(value)


@cache
def _date_formats() -> list[str]:
    return data_lines("date_formats.txt")


# --- files -------------------------------------------------------------------------------------


def _expand(paths, problems: list[Problem]) -> Iterator[tuple[Path, dict | None]]:
    """Yield (file, manifest row) for every supported file named by the paths, in sorted order."""
    for given in paths:
        given = str(given)
        path = Path(given)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and _supported(p))
            if not files:
                problems.append(Problem(given, "directory holds no supported articles (.txt, .html, .jsonl, .json)"))
            for f in files:
                yield f, _manifest_row(f)
        elif path.is_file():
            if path.name == MANIFEST:
                continue
            if not _supported(path):
                problems.append(Problem(given, f"unsupported file type '{path.suffix}' (use .txt, .html, .jsonl or .json)"))
                continue
            yield path, _manifest_row(path)
        elif glob.has_magic(given):
            matches = sorted(Path(p) for p in glob.glob(given, recursive=True))
            files = [p for p in matches if p.is_file() and _supported(p)]
            if not files:
                problems.append(Problem(given, "pattern matches no supported articles"))
            for f in files:
                yield f, _manifest_row(f)
        else:
            problems.append(Problem(given, "no such file or directory"))


def _supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED and path.name != MANIFEST and not path.name.startswith(".")


def _manifest_row(path: Path) -> dict | None:
    return _manifest(path.parent.resolve()).get(path.name)


@cache
def _manifest(directory: Path) -> dict[str, dict]:
    file = directory / MANIFEST
    if not file.is_file():
        return {}
    with open(file, newline="", encoding="utf-8-sig") as f:
        return {row["file"]: {k: (v or "").strip() for k, v in row.items() if k} for row in csv.DictReader(f) if row.get("file")}


def _display_path(path: Path) -> str:
    """How a file is named in messages and provenance: relative to the working directory when it
    lies under it, the bundled sample relative to kg's package (so exports do not depend on where
    kg is installed), else as given."""
    resolved = path.resolve()
    for base in (Path.cwd(), Path(__file__).resolve().parent.parent):
        if resolved.is_relative_to(base):
            return str(resolved.relative_to(base))
    return str(path)


def _read(path: Path, row: dict | None, problems: list[Problem], max_bytes: int) -> Iterator[Article]:
    source = _display_path(path)
    if path.suffix.lower() in LINES_SUFFIXES:
        yield from _read_jsonl(path, problems, max_bytes)
        return
    size = path.stat().st_size
    if size > max_bytes:
        problems.append(Problem(source, f"file is {size:,} bytes, over the limit of {max_bytes:,} (raise it with --max-bytes)"))
        return
    data = path.read_bytes()
    if not data.strip():
        problems.append(Problem(source, "empty file"))
        return
    if _looks_binary(data):
        problems.append(Problem(source, "binary file, not text"))
        return
    text = _decode(data, source, problems)
    if text is None:
        return
    suffix = path.suffix.lower()
    if suffix in JSON_SUFFIXES:
        yield from _read_json(text, path, problems)
        return
    meta = dict(row or {})
    if suffix in HTML_SUFFIXES:
        text, html_meta = _html_text(text)
        if not text.strip():
            problems.append(Problem(source, "HTML page has no main text"))
            return
        meta = {**html_meta, **{k: v for k, v in meta.items() if v}}
    article = read_article_text(
        text, name=path.stem, source=source,
        **{k: meta.get(k) for k in ("title", "outlet", "published", "url", "author")},
    )
    if _usable(article, source, problems):
        yield article


def _read_json(text: str, path: Path, problems: list[Problem]) -> Iterator[Article]:
    """A .json file: one article object, or a list of them."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        problems.append(Problem(str(path), f"invalid JSON at line {e.lineno}: {e.msg}"))
        return
    for i, record in enumerate(data if isinstance(data, list) else [data]):
        yield from _record_article(record, path, i + 1, problems)


def _read_jsonl(path: Path, problems: list[Problem], max_bytes: int) -> Iterator[Article]:
    """A JSON Lines file, streamed a line at a time: memory for one record whatever the file's
    size (a news archive's JSONL may hold millions), and `max_bytes` limits each record, not the file."""
    source = str(path)
    with open(path, "rb") as f:
        head = f.read(8192)
        if _looks_binary(head):
            problems.append(Problem(_display_path(path), "binary file, not text"))
            return
        f.seek(0)
        blank = True
        for n, line in enumerate(f, 1):
            if n == 1:
                line = line.removeprefix(codecs.BOM_UTF8)
            if not line.strip():
                continue
            blank = False
            where = f"{source}:{n}"
            if len(line) > max_bytes:
                problems.append(Problem(where, f"record is {len(line):,} bytes, over the limit of {max_bytes:,} (raise it with --max-bytes)"))
                continue
            text = _decode(line, where, problems)
            if text is None:
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError as e:
                problems.append(Problem(where, f"invalid JSON: {e.msg}"))
                continue
            yield from _record_article(record, path, n, problems)
    if blank:
        problems.append(Problem(_display_path(path), "empty file"))


def _record_article(record, path: Path, n: int, problems: list[Problem]) -> Iterator[Article]:
    """The article of one JSON record (record or line `n` of `path`), if it has one."""
    where = f"{path}:{n}"
    if not isinstance(record, dict):
        problems.append(Problem(where, "record is not a JSON object"))
        return
    fields = {k: next((record[a] for a in names if record.get(a)), None) for k, names in JSON_FIELDS.items()}
    if not fields["text"] or not str(fields["text"]).strip():
        problems.append(Problem(where, "record has no text (expected a 'text' field)"))
        return
    body = str(fields.pop("text"))
    title = fields.get("title")
    base = 0
    if title and not body.lstrip().startswith(str(title)):
        body = f"{title}\n\n{body}"  # the headline is part of what the outlet said
        base = len(str(title)) + 2
    article = read_article_text(body, name=f"{path.stem}:{n}", source=where, base=base,
                                **{k: (str(v) if v else None) for k, v in fields.items()})
    if _usable(article, where, problems):
        yield article


def _html_text(html: str) -> tuple[str, dict]:
    """Return the main text of an HTML page and its metadata, via trafilatura."""
    import trafilatura  # imported here: it is slow to import and only HTML needs it

    extracted = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False)
    if not extracted:
        return "", {}
    doc = extracted.as_dict() if hasattr(extracted, "as_dict") else dict(extracted)
    title = doc.get("title")
    body = doc.get("text") or ""
    if title and not body.startswith(title):
        body = f"{title}\n\n{body}"
    meta = {"title": title, "outlet": doc.get("sitename"), "published": doc.get("date"), "url": doc.get("url"), "author": doc.get("author")}
    return body, {k: v for k, v in meta.items() if v}


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if b"\x00" in head:
        return True
    control = sum(1 for b in head if b < 9 or 13 < b < 32)
    return control > len(head) * 0.05


def _decode(data: bytes, source: str, problems: list[Problem]) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        at = e.start
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        problems.append(Problem(source, f"not UTF-8 (bad byte at offset {at}) and not Windows-1252 either"))
        return None
    problems.append(Problem(source, f"not UTF-8 (bad byte at offset {at}); decoded as Windows-1252", skipped=False))
    return text


def _usable(article: Article, source: str, problems: list[Problem]) -> bool:
    words = re.findall(r"[^\W\d_]+", article.text.lower())
    if not words:
        problems.append(Problem(source, "no text left after removing boilerplate"))
        return False
    if len(words) >= 20:
        share = sum(w in _english_words() for w in words) / len(words)
        if share < 0.08:
            problems.append(Problem(source, f"does not look like English ({share:.0%} English function words); skipped"))
            return False
    return True


@cache
def _english_words() -> frozenset[str]:
    return frozenset(w for line in data_lines("english_function_words.txt") for w in line.split())
