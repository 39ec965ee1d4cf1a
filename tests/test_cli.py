"""The command line: help everywhere, version, one-line errors and exit codes."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from kg import __version__
from kg.cli import cli


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help(command):
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert len(result.output.splitlines()) > 3 and cli.commands[command].help


def test_every_command_is_documented_in_the_readme():
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for command in cli.commands:
        assert re.search(rf"\bkg {command}\b", readme), command


def test_readme_commands_run_from_the_venv_and_ci_runs_the_readme_test_command():
    """A fresh machine has no `kg` on PATH: the README activates the venv before its first bare `kg`
    command, and the test command (which shows skip reasons) is exactly the one .ci/run runs."""
    from pathlib import Path

    root = Path(__file__).parent.parent
    readme = (root / "README.md").read_text()
    first_bare = re.search(r"^\$ kg ", readme, re.M)
    assert first_bare and "$ . .venv/bin/activate" in readme[:first_bare.start()]
    assert not re.search(r"^kg ", readme.split("```sh", 1)[1].split("```", 1)[0], re.M)  # the install block calls .venv/bin/kg
    command = re.search(r"^python3 -m venv \.venv .*pytest.*$", readme, re.M).group(0)
    assert "-rs" in command.split() and command in (root / ".ci" / "run").read_text().splitlines()


@pytest.mark.model
def test_missing_path_is_a_one_line_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["entities", str(tmp_path / "nope.txt")])
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1].startswith("kg: error: no articles could be read")
    assert "Traceback" not in result.output


@pytest.mark.model
def test_some_inputs_skipped_exits_1_and_names_them(sample_copy):
    (sample_copy / "empty.txt").write_text("")
    result = CliRunner().invoke(cli, ["entities", str(sample_copy), "--format", "jsonl"])
    assert result.exit_code == 1
    assert "kg: skipped: " in result.output and "empty.txt: empty file" in result.output


def test_missing_model_names_what_to_install():
    result = CliRunner().invoke(cli, ["entities", "--model", "xx_no_such_model"])
    assert result.exit_code == 2
    assert "xx_no_such_model" in result.output and "not installed" in result.output


@pytest.mark.model
def test_inspect_shows_clean_text_and_removed_spans():
    result = CliRunner().invoke(cli, ["inspect", "002_d597ac05b0e6c3b1"])
    assert result.exit_code == 0
    assert "ADVERTISEMENT" not in result.output.split("removed (")[0]
    assert "advert: ADVERTISEMENT" in result.output
    assert "author   Alasdair Sandford" in result.output


@pytest.mark.parametrize("command", ["serve", "query"])
def test_every_safety_option_is_documented_in_the_readme(command):
    """The security section says what is refused and how to change it: each option of the commands
    that run SPARQL is named in the README."""
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert "## Security and robustness" in readme
    for param in cli.commands[command].params:
        for opt in param.opts:
            if opt.startswith("--") and opt not in ("--help", "--format", "--list", "--name", "--file", "--param", "--host", "--port"):
                assert opt in readme, opt
