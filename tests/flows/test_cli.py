import importlib

import pytest
from typer.testing import CliRunner

from evaluation import EVALUATIONS
from flows.cli import app


@pytest.mark.parametrize("name", sorted(EVALUATIONS))
def test_every_evaluation_has_an_entry_point(name):
    module = importlib.import_module(f"evaluation.{EVALUATIONS[name]}")
    assert callable(module.main)


def test_unknown_evaluation_is_a_usage_error():
    result = CliRunner().invoke(app, ["eval", "astrology"])
    assert result.exit_code != 0 and "unknown evaluation" in result.output


def test_query_without_a_warehouse_says_so(tmp_path):
    result = CliRunner().invoke(app, ["query", "--warehouse", str(tmp_path / "nowhere"), "select 1"])
    assert result.exit_code != 0 and "no warehouse" in result.output
