"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
import pathlib

import pytest
from hypothesis import HealthCheck, settings

PROJECT_ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED_DIR = pathlib.Path(os.environ.get("BROADSHEET_SHARED", PROJECT_ROOT.parent / "shared"))

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

# Hypothesis: CI gets the same examples on every run (derandomized, no example database) and no
# per-example deadline, since CI machines vary; `BROADSHEET_HYPOTHESIS=thorough` searches ten times
# wider with fresh examples each run and keeps failures in the local `.hypothesis` database.
settings.register_profile(
    "ci", max_examples=100, deadline=None, derandomize=True, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough", max_examples=600, deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("BROADSHEET_HYPOTHESIS", "ci"))


@pytest.fixture(scope="session")
def shared_dir() -> pathlib.Path:
    """The team's shared gold data (`../shared`); tests using it skip when a clone has none."""
    if not (SHARED_DIR / "eval").is_dir():
        pytest.skip("../shared is not present in this checkout")
    return SHARED_DIR


@pytest.fixture(scope="session")
def prefect_server():
    """One temporary Prefect server (SQLite) for every test that runs a real flow."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
