"""Several processes give the same graph as one; long runs show progress and resume after Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from conftest import SAMPLE

from kg import export
from kg.cli import cli
from kg.errors import InputError
from kg.pipeline import _batches, _progress
from kg.sources import count_articles


@pytest.mark.model
def test_two_processes_build_the_same_exports_as_one(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # pins the extraction time both builds record
    runner = CliRunner()
    for out, jobs in (("one", "1"), ("two", "2")):
        result = runner.invoke(cli, ["build", "-o", str(tmp_path / out), "--no-cache", "-j", jobs])
        assert result.exit_code == 0, result.output
    names = sorted(f.name for f in (tmp_path / "one").iterdir())
    assert names == sorted(f.name for f in (tmp_path / "two").iterdir())
    assert len(names) == 20  # with the FollowTheMoney file (issue 21)
    for name in names:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name


@pytest.mark.model
def test_an_error_in_the_export_process_reaches_the_caller(tmp_path, monkeypatch, sample_graph):
    def broken(graph, out, name, quads=None):
        raise InputError(f"{out}: disk full")

    monkeypatch.setattr(export, "_write_rdf", broken)  # the forked child inherits the patch
    with pytest.raises(InputError, match="disk full"):
        export.write_exports(sample_graph, tmp_path, "s", processes=2)
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


def test_small_corpora_are_split_across_workers():
    articles = list(range(5))
    assert [len(b) for b in _batches(articles, 2)] == [1, 1, 1, 1, 1]
    assert [len(b) for b in _batches(list(range(1000)), 2)] == [32] * 31 + [8]
    assert sum(map(len, _batches(list(range(77)), 3))) == 77


def test_progress_shows_done_total_rate_and_time_left(tmp_path, capsys):
    (tmp_path / "a.jsonl").write_text('{"text": "one"}\n\n{"text": "two"}\n{"text": "three"}\n', encoding="utf-8")
    (tmp_path / "b.txt").write_text("four", encoding="utf-8")
    total = count_articles([tmp_path])
    assert total == 4
    with _progress(True, lambda: total) as bar:
        for _ in range(total):
            bar.update(1)
    shown = capsys.readouterr().err
    assert "4/4" in shown and "article/s" in shown and "00:00<00:00" in shown  # done/total, rate, elapsed<left


def test_no_progress_when_not_asked_and_not_a_terminal(capsys):
    with _progress(None, lambda: 3) as bar:  # stderr is captured: not a terminal
        bar.update(3)
    assert capsys.readouterr().err == ""


@pytest.mark.model
def test_ctrl_c_stops_cleanly_and_the_next_run_resumes(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(10):
        for source in sorted(SAMPLE.glob("*.txt")):
            title, _, body = source.read_text(encoding="utf-8").partition("\n")
            (corpus / f"{source.stem}-{n:02d}.txt").write_text(f"{title}\nDispatch {n} from the desk of bureau {n}.\n{body}", encoding="utf-8")
    articles = len(list(corpus.glob("*.txt")))
    cache = tmp_path / "cache"
    env = {**os.environ, "KG_CACHE_DIR": str(cache)}
    kg = [sys.executable, "-m", "kg", "build", str(corpus), "-o", str(tmp_path / "out"), "-j", "2"]
    process = subprocess.Popen(kg, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 300
    while len(list(cache.rglob("*.json"))) < 4:
        assert process.poll() is None, "the build ended before it could be interrupted; make the corpus larger"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)  # as Ctrl-C in a terminal: the whole process group
    _out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "kg: interrupted; finished articles are cached" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
    cached = len(list(cache.rglob("*.json")))
    assert 4 <= cached < articles
    rerun = subprocess.run(kg, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert rerun.returncode == 0, rerun.stderr
    assert f"built {articles} articles ({articles - cached} parsed, {cached} from the cache)" in rerun.stderr


@pytest.mark.model
def test_extractions_waiting_packed_unpack_equal(sample_extractions):
    """What a build holds while the model parses (compressed JSON) gives back the same extraction."""
    import json

    from kg.pipeline import Packed

    for x in sample_extractions:
        packed = Packed(json.dumps(x.to_json(), ensure_ascii=False, sort_keys=True).encode("utf-8"))
        assert packed.unpack() == x
        assert len(packed.data) < len(json.dumps(x.to_json()))
