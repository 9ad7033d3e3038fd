"""A wrong argument or a missing path: one line saying what is wrong, exit code 2, and nothing left behind."""

from __future__ import annotations

import pathlib

import pytest
from typer.testing import CliRunner

from flows.cli import app

PROJECT_ROOT = pathlib.Path(__file__).resolve().parents[2]
COMMANDS = ["run", "serve", "validate", "query", "report", "history", "connect", "rollback", "maintain", "rebuild",
            "repair", "eval"]


@pytest.fixture
def place(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> pathlib.Path:
    """An empty working directory with an input folder: the default warehouse would be created here."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("A title\n\nSome text of an article.\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _listing(root: pathlib.Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


CASES = {
    "missing input": (["run", "--input", "/no/such/dir", "--warehouse", "wh"], "/no/such/dir"),
    "warehouse is a file": (["run", "--input", "in", "--warehouse", str(PROJECT_ROOT / "README.md")], "is a file"),
    "warehouse under a file": (["run", "--input", "in", "--warehouse", "in/a.txt/wh"], "is a file"),
    "warehouse is an input folder": (["run", "--input", "in", "--warehouse", "in"], "not a Broadsheet warehouse"),
    "unknown runner": (["run", "--input", "in", "--warehouse", "wh", "--runner", "foo"], "--runner"),
    "dask address without dask": (["run", "--input", "in", "--warehouse", "wh", "--dask-address", "tcp://h:1"],
                                  "--runner dask"),
    "zero batch files": (["run", "--input", "in", "--warehouse", "wh", "--batch-files", "0"], "--batch-files"),
    "zero workers": (["run", "--input", "in", "--warehouse", "wh", "--workers", "0"], "--workers"),
    "negative batch records": (["run", "--input", "in", "--warehouse", "wh", "--batch-records", "-1"],
                               "--batch-records"),
    "negative wait": (["run", "--input", "in", "--warehouse", "wh", "--wait", "-1"], "--wait"),
    "zero article budget": (["run", "--input", "in", "--warehouse", "wh", "--article-budget", "0"],
                            "--article-budget"),
    "negative maintenance interval": (["run", "--input", "in", "--warehouse", "wh", "--maintain-every", "-1"],
                                      "--maintain-every"),
    "unknown catalog": (["run", "--input", "in", "--warehouse", "wh", "--catalog", "mysql://x"], "unknown catalog"),
    "bad cron": (["serve", "--cron", "every day", "--input", "in", "--warehouse", "wh"], "--cron"),
    "bad server port": (["serve", "--cron", "* * * * *", "--input", "in", "--warehouse", "wh", "--server-port", "0"],
                        "--server-port"),
    "serve with a missing input": (["serve", "--cron", "* * * * *", "--input", "nope", "--warehouse", "wh"], "nope"),
    "report of no warehouse": (["report", "--warehouse", "/nope"], "no warehouse at /nope"),
    "report into a missing folder": (["report", "--warehouse", "wh", "--out", "no/such/folder/r.html"], "no/such"),
    "report onto a folder": (["report", "--warehouse", "wh", "--out", "in"], "is a folder"),
    "validate of no warehouse": (["validate", "--warehouse", "wh"], "no warehouse"),
    "history of a file": (["history", "--warehouse", "in/a.txt"], "is a file"),
    "history limit": (["history", "--warehouse", "wh", "--limit", "0"], "--limit"),
    "empty query": (["query", ""], "no SQL given"),
    "blank query": (["query", " ;  "], "no SQL"),
    "unparseable query": (["query", "SELEC 1"], "does not parse"),
    "zero max rows": (["query", "--max-rows", "0", "SELECT 1"], "--max-rows"),
    "unknown format": (["query", "--format", "xml", "SELECT 1"], "--format"),
    "query of no warehouse": (["query", "--warehouse", "wh", "SELECT 1"], "no warehouse"),
    "connect of no warehouse": (["connect", "--warehouse", "wh"], "no warehouse"),
    "unknown client": (["connect", "--warehouse", "wh", "--client", "excel"], "unknown client"),
    "rollback without a run": (["rollback", "--warehouse", "wh", "--to", " "], "--to"),
    "rollback of no warehouse": (["rollback", "--warehouse", "wh", "--to", "r1"], "no warehouse"),
    "negative retention": (["maintain", "--warehouse", "wh", "--retention-days", "-1"], "--retention-days"),
    "maintain of no warehouse": (["maintain", "--warehouse", "wh"], "no warehouse"),
    "rebuild wait": (["rebuild", "--warehouse", "wh", "--wait", "-5"], "--wait"),
    "repair of no warehouse": (["repair", "--warehouse", "wh"], "no warehouse"),
    "unknown evaluation": (["eval", "astrology"], "unknown evaluation"),
    "missing gold data": (["eval", "dates", "--shared", "no-such-folder"], "--shared"),
}


@pytest.mark.parametrize(("args", "says"), CASES.values(), ids=CASES.keys())
def test_a_wrong_argument_is_one_line_exit_2_and_leaves_nothing(place, args, says):
    before = _listing(place)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert says in result.output
    assert _listing(place) == before


def test_an_unparseable_number_is_one_line_too(place):
    result = CliRunner().invoke(app, ["run", "--batch-files", "many"])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert "--batch-files" in result.output and "-h" in result.output
    assert _listing(place) == ["in", "in/a.txt"]


@pytest.mark.parametrize("command", [[], *([c] for c in COMMANDS)], ids=["broadsheet", *COMMANDS])
@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help_works_everywhere(command, flag):
    result = CliRunner().invoke(app, [*command, flag])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_query_help_says_every_result_is_printed():
    result = CliRunner().invoke(app, ["query", "-h"])
    assert "every result is printed" in " ".join(result.output.replace("│", " ").split())
