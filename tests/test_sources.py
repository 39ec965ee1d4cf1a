"""Reading articles: boilerplate removal, metadata, manifests and bad inputs."""

from __future__ import annotations

import json

import pytest

from kg.sources import Problem, article_id, clean, iter_articles, normalize_date, parse_dateline


@pytest.mark.parametrize("line, rule", [
    ("Sign up to the newsletter", "newsletter"),
    ("Stay informed with MEE's newsletters", "newsletter"),
    ("Share this articleClose Button", "share-widget"),
    ("Copy/paste the article video embed link below:Copy to clipboardCopied", "share-widget"),
    ("ADVERTISEMENT", "advert"),
    ("Skip to main content", "skip-link"),
    ("2 min 16Approximate reading time", "reading-time"),
    ("We use cookies to improve your experience. Accept all cookies", "cookie"),
])
def test_boilerplate_lines_are_removed_and_recorded(line, rule):
    raw = f"Title of the story\n\n{line}\n\nThe army said it had taken the town on Friday.\n"
    text, removed, _ = clean(raw)
    assert line not in text
    assert "The army said it had taken the town" in text
    assert [r.rule for r in removed] == [rule]
    assert raw[removed[0].start : removed[0].end] == line


def test_tail_markers_cut_everything_after_them_late_in_the_text():
    body = "The ceasefire held for a day. " * 10
    raw = f"Title\n\n{body}\n\nYou might also like\n\nAnother story headline\n"
    text, removed, _ = clean(raw)
    assert "Another story headline" not in text and body.strip() in text
    assert removed[-1].rule == "related"


def test_tail_marker_early_in_the_text_removes_only_its_line():
    raw = "Title\n\nRead more\n\n" + "The ceasefire held for a day. " * 10
    text, _, _ = clean(raw)
    assert "The ceasefire held" in text and "Read more" not in text


def test_serialized_debug_dump_is_removed():
    raw = 'Title\n\nBody text here.\n\nstring(52) "[{"id":"1","title":"Terrorists Prepare Attack"} ]"\n'
    text, removed, _ = clean(raw)
    assert "Terrorists Prepare" not in text and removed[0].rule == "debug-dump"


def test_dateline_byline_and_title_are_read_from_the_head():
    raw = "Clashes resume\n\nSun Oct 23, 2016 09:26:48\nBy\u00a0Jane Doe with\u00a0Reuters\n\nFighting resumed on Saturday.\n"
    text, _removed, found = clean(raw)
    assert found == {"published": "2016-10-23", "author": "Jane Doe with\u00a0Reuters", "title": "Clashes resume"}
    assert "09:26:48" not in text and "Jane Doe" not in text


@pytest.mark.parametrize("text, iso", [
    ("Sun Oct 23, 2016 09:26:48", "2016-10-23"), ("October 23, 2016", "2016-10-23"), ("23 October 2016", "2016-10-23"),
    ("2016-10-23", "2016-10-23"), ("The army said on October 23, 2016 that", None),
])
def test_parse_dateline(text, iso):
    assert parse_dateline(text) == iso


@pytest.mark.parametrize("value, iso", [("26-FEB-1987 15:01:01.79", "1987-02-26"), ("2016-12-14T10:00:00Z", "2016-12-14"), ("10/7/16", "2016-10-07"), ("soon", None)])
def test_normalize_date(value, iso):
    assert normalize_date(value) == iso


def test_manifest_wins_over_text_and_unknown_stays_unknown(tmp_path):
    (tmp_path / "a.txt").write_text("Headline in text\n\nSun Oct 23, 2016 09:26:48\n\nThe army advanced on the town today.\n")
    (tmp_path / "b.txt").write_text("Another headline\n\nRebels said the truce had been broken by the army.\n")
    (tmp_path / "manifest.csv").write_text("file,title,outlet,published,url\na.txt,Manifest title,Some Outlet,2016-10-24,\n")
    problems: list[Problem] = []
    articles = {a.name: a for a in iter_articles([tmp_path], problems)}
    assert problems == []
    assert (articles["a"].title, articles["a"].outlet, articles["a"].published) == ("Manifest title", "Some Outlet", "2016-10-24")
    assert (articles["b"].outlet, articles["b"].published, articles["b"].title) == (None, None, "Another headline")


def test_jsonl_reads_records_and_names_the_broken_line(tmp_path):
    good = {"title": "Truce holds", "text": "The truce held in the city on Monday, officials said.", "outlet": "Wire", "published": "2016-10-20"}
    f = tmp_path / "feed.jsonl"
    f.write_text(json.dumps(good) + "\n{broken\n" + json.dumps({**good, "text": "Clashes broke out near the crossing, the army said."}) + "\n")
    problems: list[Problem] = []
    articles = list(iter_articles([f], problems))
    assert [a.name for a in articles] == ["feed:1", "feed:3"]
    assert articles[0].outlet == "Wire" and articles[0].text.startswith("Truce holds")
    assert [str(p).split(": ")[0] for p in problems] == [f"{f}:2"]


def test_bad_inputs_are_named_and_the_rest_still_read(tmp_path):
    (tmp_path / "good.txt").write_text("A headline\n\nThe army said it was opening eight corridors for civilians.\n")
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02PNG\x00" * 50)
    (tmp_path / "latin.txt").write_bytes("Caf\xe9 headline\n\nThe minister said the caf\xe9 was closed by the army.\n".encode("cp1252"))
    (tmp_path / "dup.txt").write_text("A headline\n\nThe army said it was opening eight corridors for civilians.\n")
    problems: list[Problem] = []
    articles = list(iter_articles([tmp_path, tmp_path / "missing.txt"], problems))
    assert sorted(a.name for a in articles) == ["dup", "latin"]  # files are read in sorted order; "good" repeats "dup"
    latin = next(a for a in articles if a.name == "latin")
    assert "café" in latin.text
    messages = {p.source.rsplit("/", 1)[-1]: p for p in problems}
    assert messages["empty.txt"].message == "empty file" and messages["empty.txt"].skipped
    assert "binary" in messages["binary.txt"].message
    assert "Windows-1252" in messages["latin.txt"].message and not messages["latin.txt"].skipped
    assert messages["missing.txt"].message == "no such file or directory"
    assert any("duplicate" in p.message for p in problems)


def test_non_english_text_is_skipped(tmp_path):
    (tmp_path / "fr.txt").write_text("Titre\n\n" + "Les forces gouvernementales ont repris le contrôle de la ville après des combats intenses dans les quartiers est. " * 3)
    problems: list[Problem] = []
    assert list(iter_articles([tmp_path], problems)) == []
    assert "English" in problems[0].message


def test_directory_without_articles_is_reported(tmp_path):
    problems: list[Problem] = []
    assert list(iter_articles([tmp_path], problems)) == []
    assert "no supported articles" in problems[0].message


def test_article_id_ignores_whitespace_differences():
    assert article_id("The  truce\nheld.") == article_id("The truce held.")
    assert article_id("The truce held.") != article_id("The truce failed.")


def test_html_main_text_and_metadata_are_extracted(tmp_path):
    page = tmp_path / "story.html"
    page.write_text("""<html><head><title>Truce collapses in Homs | Example News</title>
<meta property="og:site_name" content="Example News"><meta property="article:published_time" content="2016-10-21T08:00:00Z">
<script>var tracking = "Sign up to the newsletter";</script><style>p { color: red }</style></head>
<body><nav>Home | World | Sport</nav><article><h1>Truce collapses in Homs</h1>
<p>Fighting resumed in Homs on Friday after a three-day truce collapsed, residents said, as government forces shelled the old city.</p>
<p>The army said rebels had broken the ceasefire first, an accusation the opposition rejected on Saturday morning.</p>
</article><footer>Copyright 2016 Example News</footer></body></html>""")
    problems: list[Problem] = []
    [article] = list(iter_articles([page], problems))
    assert "government forces shelled the old city" in article.text
    assert "tracking" not in article.text and "color: red" not in article.text
    assert article.published == "2016-10-21" and article.outlet == "Example News"


def test_json_list_and_globs(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps([{"text": "The army said it had retaken the town on Monday after heavy fighting."},
                                                   {"body": "Rebels said they had shelled the airport on Tuesday, witnesses said."}]))
    (tmp_path / "b.txt").write_text("Headline\n\nThe minister said talks would resume in Geneva next week.\n")
    problems: list[Problem] = []
    names = sorted(a.name for a in iter_articles([str(tmp_path / "*.json")], problems))
    assert names == ["a:1", "a:2"] and problems == []


def test_python_dash_m_runs_the_cli():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "kg", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("kg, version")


def test_jsonl_is_streamed_and_the_size_limit_applies_per_record(tmp_path):
    """A JSON Lines file larger than --max-bytes is still read; only a record over it is skipped,
    named by its line. A blank file is reported, and a byte-order mark is allowed."""
    small = {"text": "The army said it had retaken the town on Monday after heavy fighting."}
    big = {"text": "Rebels said they had shelled the airport on Tuesday, witnesses said. " * 40}
    f = tmp_path / "feed.ndjson"
    f.write_bytes(b"\xef\xbb\xbf" + "\n".join(json.dumps(r) for r in (small, big, small | {"title": "Another"})).encode() + b"\n")
    (tmp_path / "blank.jsonl").write_text("\n  \n")
    problems: list[Problem] = []
    articles = list(iter_articles([tmp_path], problems, max_bytes=500))
    assert f.stat().st_size > 500
    assert [a.name for a in articles] == ["feed:1", "feed:3"]
    assert [(p.source.rsplit("/", 1)[-1], p.message.split(" bytes")[0]) for p in problems] == [
        ("blank.jsonl", "empty file"), ("feed.ndjson:2", f"record is {len(json.dumps(big)) + 1:,}")]


# --- issue 19: text hygiene, encodings, dates, manifests, per-file failures --------------------------

BODY = "The army said it was opening eight corridors for civilians in the east of the city on Thursday."


@pytest.mark.parametrize("control", ["\x0c", "\x1b", "\x08", "\x00", "\x7f", "\x85", "\x0b", "\ufffe", "\udc9b"])
def test_control_characters_are_blanked_one_for_one(control):
    from kg.sources import read_article_text

    raw = f"Headline{control} here\n\nThe army{control}said it was opening corridors.\n\nADVERTISEMENT\n\nIt said {control}more.\n"
    article = read_article_text(raw, name=f"a{control}", source=f"a{control}.txt", title=f"T{control}")
    assert control not in article.text + article.name + article.source + article.title
    blanked = raw.replace(control, " ")
    assert article.text == read_article_text(blanked, name="a", source="a.txt", title="T ").text
    assert "The army said it was opening corridors." in article.text
    assert article.removed and all(blanked[r.start:r.end] == r.text for r in article.removed)  # offsets into the input as read


def test_tabs_and_newlines_are_kept():
    from kg.sources import hygiene

    assert hygiene("a\tb\nc\r\nd") == "a\tb\nc\r\nd"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_with_a_byte_order_mark_are_read(tmp_path, encoding):
    import codecs

    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE, "utf-32-le": codecs.BOM_UTF32_LE, "utf-32-be": codecs.BOM_UTF32_BE}.get(encoding, b"")
    text = f"Café headline\n\n{BODY}\n"
    (tmp_path / "a.txt").write_bytes(bom + text.encode(encoding))
    (tmp_path / "feed.jsonl").write_bytes(bom + (json.dumps({"text": BODY + " Aleppo."}) + "\n" + json.dumps({"text": BODY + " Homs."}) + "\n").encode(encoding))
    problems: list[Problem] = []
    articles = sorted(iter_articles([tmp_path], problems), key=lambda a: a.name)
    assert problems == []
    assert [a.name for a in articles] == ["a", "feed:1", "feed:2"]
    assert articles[0].text.startswith("Café headline") and "\ufeff" not in articles[0].text


def test_a_false_byte_order_mark_is_named(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"\xff\xfe" + b"abc")  # odd length: not UTF-16
    problems: list[Problem] = []
    assert list(iter_articles([tmp_path], problems)) == []
    assert "UTF-16" in problems[0].message


@pytest.mark.parametrize("value", ["2016-13-45", "2016-02-30", "0000-01-01", "2016-00-10T10:00"])
def test_invalid_dates_are_dropped_with_a_warning(tmp_path, value):
    f = tmp_path / "feed.jsonl"
    f.write_text(json.dumps({"text": BODY, "published": value}) + "\n")
    problems: list[Problem] = []
    [article] = list(iter_articles([f], problems))
    assert article.published is None and normalize_date(value) is None
    assert [(p.skipped, value in p.message) for p in problems] == [(False, True)]


def test_a_manifest_with_an_unterminated_quote_is_named_and_later_rows_still_count(tmp_path):
    for name in "abc":
        (tmp_path / f"{name}.txt").write_text(f"Headline {name}\n\n{BODY} Story {name}.\n")
    (tmp_path / "manifest.csv").write_text('file,outlet\na.txt,Wire\nb.txt,"Broken Outlet\nc.txt,Daily\n')
    problems: list[Problem] = []
    articles = {a.name: a for a in iter_articles([tmp_path], problems)}
    assert articles["a"].outlet == "Wire" and articles["c"].outlet == "Daily" and articles["b"].outlet is None
    lines = [str(p) for p in problems]
    assert any("manifest.csv:3: row ignored" in line for line in lines), lines
    assert all("\n" not in line for line in lines)


def test_a_manifest_without_a_file_column_is_named(tmp_path):
    (tmp_path / "a.txt").write_text(f"Headline\n\n{BODY}\n")
    (tmp_path / "manifest.csv").write_text("name,outlet\na.txt,Wire\n")
    problems: list[Problem] = []
    [article] = list(iter_articles([tmp_path], problems))
    assert article.outlet is None and "no 'file' column" in problems[0].message


def test_deeply_nested_json_is_a_problem_not_a_crash(tmp_path):
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "deep.jsonl").write_text(json.dumps({"text": BODY}) + "\n" + "[" * 100_000 + "]" * 100_000 + "\n")
    (tmp_path / "good.txt").write_text(f"Headline\n\n{BODY} Good.\n")
    problems: list[Problem] = []
    names = sorted(a.name for a in iter_articles([tmp_path], problems))
    assert names == ["deep:1", "good"]
    assert sorted(p.source.rsplit("/", 1)[-1] for p in problems) == ["deep.json", "deep.jsonl:2"]
    assert all("too deeply" in p.message for p in problems)


def test_an_unreadable_file_is_a_problem_not_a_crash(tmp_path, monkeypatch):
    import os
    from pathlib import Path

    locked = tmp_path / "locked.txt"
    locked.write_text(f"Headline\n\n{BODY} Locked.\n")
    (tmp_path / "good.txt").write_text(f"Headline\n\n{BODY} Good.\n")
    locked.chmod(0)
    if os.geteuid() == 0:  # root reads a chmod 000 file: make its read fail as it would for anyone else
        real = Path.read_bytes
        monkeypatch.setattr(Path, "read_bytes", lambda self: (_ for _ in ()).throw(PermissionError(13, "Permission denied"))
                            if self.name == "locked.txt" else real(self))
    problems: list[Problem] = []
    try:
        assert [a.name for a in iter_articles([tmp_path], problems)] == ["good"]
    finally:
        locked.chmod(0o644)
    assert [(p.source.rsplit("/", 1)[-1], p.message) for p in problems] == [("locked.txt", "cannot read the file: Permission denied")]
