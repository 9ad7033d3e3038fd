"""Fixtures for the integration tests: a throwaway PostgreSQL server (tests/integration/postgres.py)."""

from __future__ import annotations

import contextlib
import itertools
import re
from collections.abc import Iterator

import pytest

from tests.integration.postgres import PostgresDatabase, PostgresServer, PostgresUnavailable, running_postgres

_database_numbers = itertools.count(1)
_NOT_IN_NAME = re.compile(r"[^a-z0-9_]+")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server on 127.0.0.1 for the session (superuser `postgres`, no password); skips without one."""
    with contextlib.ExitStack() as stack:
        try:
            server = stack.enter_context(running_postgres())
        except PostgresUnavailable as exc:
            pytest.skip(str(exc))
        yield server


@pytest.fixture
def postgres_database(postgres_server: PostgresServer, request: pytest.FixtureRequest) -> Iterator[PostgresDatabase]:
    """A new, empty database for this test (`.uri`, `.conninfo`, `.name`), dropped after it."""
    slug = _NOT_IN_NAME.sub("_", request.node.name.lower()).strip("_")
    database = postgres_server.create_database(f"t{next(_database_numbers)}_{slug}"[:63])
    yield database
    postgres_server.drop_database(database.name)


@pytest.fixture
def postgres_uri(postgres_database: PostgresDatabase) -> str:
    """`postgresql://postgres@127.0.0.1:PORT/NAME` of a new, empty database for this test."""
    return postgres_database.uri
