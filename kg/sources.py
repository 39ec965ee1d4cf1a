"""Reading articles: files, directories, globs, JSONL; manifests; boilerplate removal.

`iter_articles(paths, problems)` yields one `Article` per readable input and appends a
`Problem` for each input it skipped or had to repair, so one bad file never stops a build.
Metadata precedence: a directory's `manifest.csv` wins over what is read from the file,
which wins over nothing: outlet and date are never invented.
"""

from __future__ import annotations

import codecs
import csv
import glob
import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kg.data import lines as data_lines
from kg.model import Article
from kg.text import clean, clean_with_offsets, hygiene, normalize_date, parse_dateline  # noqa: F401 (kg.sources' public names)

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
        try:
            for article in _read(path, manifest_row, problems, max_bytes):
                if article.id in seen:
                    problems.append(Problem(article.source, "duplicate of an article already read", False))
                    continue
                seen.add(article.id)
                yield article
        except OSError as e:  # unreadable (permissions), vanished, a device error: this file only
            problems.append(Problem(_display_path(path), f"cannot read the file: {e.strerror or e.__class__.__name__}"))
        except RecursionError:
            problems.append(Problem(_display_path(path), "nested too deeply to read"))
        except (UnicodeError, ValueError, MemoryError) as e:
            problems.append(Problem(_display_path(path), f"cannot read the file: {e.__class__.__name__}: {str(e)[:200]}"))


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
    raw: str, *, name: str, source: str, title=None, outlet=None, published=None, url=None, author=None,
    problems: list[Problem] | None = None, base: int = 0,
) -> Article:
    """Return the Article for raw text: control characters blanked, boilerplate removed, title,
    dateline and byline read. A metadata date that is not a real date is dropped, with a warning
    in `problems`. `base`: where the input as the user gave it starts in `raw` (a JSON record's
    title prepended to its text): the article's offset map points into the input, so claim
    spans do too."""
    raw, title, outlet, url, author, name, source = (
        hygiene(v) if isinstance(v, str) else v for v in (raw, title, outlet, url, author, name, source))
    text, removed, found, offsets = clean_with_offsets(raw, title)
    title = title or found.get("title")
    date = normalize_date(published)
    if published and not date and problems is not None:
        problems.append(Problem(source, f"date {str(published)[:40]!r} is not a valid date; dropped", skipped=False))
    return Article(
        id=article_id(text),
        name=name,
        text=text,
        source=source,
        title=title,
        outlet=outlet or found.get("agency"),
        published=date or found.get("published"),
        url=url or None,
        author=author or found.get("author"),
        removed=tuple(removed),
        offsets=tuple((c, r - base) for c, r in offsets),
    )


def article_id(text: str) -> str:
    """Return the stable id of an article: a hash of its whitespace-normalized clean text."""
    normal = " ".join(unicodedata.normalize("NFC", text).split())
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()[:16]


# --- files -------------------------------------------------------------------------------------


def _expand(paths, problems: list[Problem]) -> Iterator[tuple[Path, dict | None]]:
    """Yield (file, manifest row) for every supported file named by the paths, in sorted order.
    A manifest's problems are reported once, with the first file of its directory."""
    reported: set[Path] = set()

    def _manifest_row(path: Path) -> dict | None:
        directory = path.parent.resolve()
        rows, issues = _manifest(directory)
        if directory not in reported:
            reported.add(directory)
            problems.extend(issues)
        return rows.get(path.name)

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


@cache
def _manifest(directory: Path) -> tuple[dict[str, dict], tuple[Problem, ...]]:
    """A directory's manifest rows by file name, and what was wrong with it. A broken row (an
    unterminated quote, a stray quote) is reported and skipped, and the rows after it still count:
    read as one CSV, an unterminated quote silently swallowed every later row."""
    file = directory / MANIFEST
    if not file.is_file():
        return {}, ()
    where = _display_path(file)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        return {}, (Problem(where, f"manifest not read ({getattr(e, 'strerror', None) or e.__class__.__name__}); its metadata is not used"),)
    problems: list[Problem] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        records = [(reader.line_num, row) for row in reader]
    except csv.Error as e:
        problems.append(Problem(f"{where}:{reader.line_num}", f"not valid CSV ({e}, an unterminated quote?); read line by line instead"))
        records = []
        for n, line in enumerate(text.splitlines(), 1):
            try:
                records += [(n, row) for row in csv.reader([line], strict=True)]
            except csv.Error as e:
                problems.append(Problem(f"{where}:{n}", f"row ignored: {e}"))
    if not records or "file" not in [h.strip() for h in records[0][1]]:
        return {}, (*problems, Problem(where, "manifest has no 'file' column in its first row; its metadata is not used"))
    header = [h.strip() for h in records[0][1]]
    rows = {}
    for _n, values in records[1:]:
        row = {k: (v or "").strip() for k, v in zip(header, values) if k}
        if row.get("file"):
            rows[row["file"]] = row
    return rows, tuple(problems)


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
    wide = _wide_encoding(data)
    if wide:
        text = _decode_wide(data, wide, source, problems)
    elif _looks_binary(data):
        problems.append(Problem(source, "binary file, not text"))
        return
    else:
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
        text, name=path.stem, source=source, problems=problems,
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
    except RecursionError:
        problems.append(Problem(str(path), "JSON nested too deeply to read"))
        return
    for i, record in enumerate(data if isinstance(data, list) else [data]):
        yield from _record_article(record, path, i + 1, problems)


def _read_jsonl(path: Path, problems: list[Problem], max_bytes: int) -> Iterator[Article]:
    """A JSON Lines file, streamed a line at a time: memory for one record whatever the file's
    size (a news archive's JSONL may hold millions), and `max_bytes` limits each record, not the file."""
    source = str(path)
    with open(path, "rb") as f:
        head = f.read(8192)
        wide = _wide_encoding(head)
        if not wide and _looks_binary(head):
            problems.append(Problem(_display_path(path), "binary file, not text"))
            return
        f.seek(0)
        # UTF-16/32 lines are not split at the byte 0x0A: read those through a decoder
        lines = io.TextIOWrapper(f, encoding=wide, newline="") if wide else f
        blank = True
        for n, line in enumerate(lines, 1):
            if n == 1:
                line = line.removeprefix(codecs.BOM_UTF8) if isinstance(line, bytes) else line
            if not line.strip():
                continue
            blank = False
            where = f"{source}:{n}"
            if len(line) > max_bytes:
                problems.append(Problem(where, f"record is {len(line):,} bytes, over the limit of {max_bytes:,} (raise it with --max-bytes)"))
                continue
            text = _decode(line, where, problems) if isinstance(line, bytes) else line
            if text is None:
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError as e:
                problems.append(Problem(where, f"invalid JSON: {e.msg}"))
                continue
            except RecursionError:
                problems.append(Problem(where, "JSON nested too deeply to read"))
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
    article = read_article_text(body, name=f"{path.stem}:{n}", source=where, problems=problems, base=base,
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


# byte order marks of the encodings a text editor may save in; UTF-32 LE's begins with UTF-16 LE's
WIDE_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _wide_encoding(data: bytes) -> str | None:
    """"utf-16" or "utf-32" when the data starts with that encoding's byte order mark."""
    return next((encoding for bom, encoding in WIDE_BOMS if data.startswith(bom)), None)


def _decode_wide(data: bytes, encoding: str, source: str, problems: list[Problem]) -> str | None:
    try:
        return data.decode(encoding)  # the codec reads the byte order mark and drops it
    except UnicodeDecodeError as e:
        problems.append(Problem(source, f"starts with a {encoding.upper()} byte order mark but is not {encoding.upper()} (bad bytes at offset {e.start})"))
        return None


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
