"""SQL typed by users (`broadsheet query`): which statements may run against the read-only lake.

Only queries pass: SELECT in all its forms (WITH, VALUES, FROM-first, TABLE, and DESCRIBE, SHOW, SUMMARIZE and
table-valued PRAGMAs, which DuckDB parses as SELECT) and EXPLAIN of such a query. Every other kind (COPY, EXPORT,
ATTACH, INSTALL, LOAD, SET, CALL, INSERT, CREATE, ...) is refused by name. A query is also refused when it calls a
function that writes or reaches past the warehouse from inside a SELECT: DuckLake's maintenance functions, the
SQLite and PostgreSQL scanners, and `query()`, whose SQL string would escape this check. The locked-down
connection (`Lake.query_reader`) is the second wall; this one gives the user a clear reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import duckdb

# DuckLake functions that only read the catalog; every other `ducklake_*` function may write or delete files.
READ_ONLY_LAKE_FUNCTIONS = frozenset({
    "ducklake_snapshots", "ducklake_current_snapshot", "ducklake_last_committed_snapshot", "ducklake_table_info",
    "ducklake_list_files", "ducklake_options", "ducklake_settings", "ducklake_table_changes",
    "ducklake_table_insertions", "ducklake_table_deletions",
})
REFUSED_FUNCTION_PREFIXES = ("ducklake_", "sqlite_", "postgres_")
REFUSED_FUNCTIONS = frozenset({"query", "json_execute_serialized_sql"})
_EXPLAIN = re.compile(r"^\s*explain\s+(?:analy[sz]e\s+)?(?:\([^)]*\)\s*)?", re.IGNORECASE)
_LEADING_COMMENTS = re.compile(r"^(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*", re.DOTALL)
_HEAD_WORDS = 8
_HEAD_CHARS = 60


class StatementRefused(ValueError):
    """A statement that `broadsheet query` does not run (not a query, or it calls a refused function)."""


@dataclass(frozen=True)
class UserStatement:
    """One statement of the SQL given, numbered from 1 in the order written."""

    number: int
    sql: str
    head: str  # its first words, to say which statement a result or an error belongs to


def statement_head(sql: str) -> str:
    """The first words of a statement on one line, shortened with an ellipsis."""
    words = _LEADING_COMMENTS.sub("", sql).split()
    head = " ".join(words[:_HEAD_WORDS])
    if len(head) > _HEAD_CHARS:
        head = head[:_HEAD_CHARS].rstrip()
    return head + (" ..." if head != " ".join(words) else "")


def query_statements(sql: str) -> list[UserStatement]:
    """The statements of `sql` when every one is a query `broadsheet query` runs; StatementRefused otherwise.

    Parsing needs no warehouse (a private in-memory DuckDB), so a refusal comes before anything is opened.
    """
    con = duckdb.connect()
    try:
        try:
            parsed = con.extract_statements(sql)
        except duckdb.Error as exc:
            raise StatementRefused(f"the SQL does not parse: {_one_line(exc)}") from None
        if not parsed:
            raise StatementRefused("no SQL statement given: pass a query such as \"SELECT count(*) FROM articles\"")
        statements = [UserStatement(n, s.query.strip(), statement_head(s.query)) for n, s in enumerate(parsed, 1)]
        for statement, raw in zip(statements, parsed, strict=True):
            _check(con, statement, raw.type)
        return statements
    finally:
        con.close()


def _check(con: duckdb.DuckDBPyConnection, statement: UserStatement, kind: Any) -> None:
    where = f"statement {statement.number} ({statement.head})"
    if kind == duckdb.StatementType.EXPLAIN:
        inner = _EXPLAIN.sub("", statement.sql, count=1)
        try:
            inner_parsed = con.extract_statements(inner)
        except duckdb.Error:
            inner_parsed = []
        if len(inner_parsed) != 1:
            raise StatementRefused(f"{where} is an EXPLAIN this command cannot check; EXPLAIN a plain query instead")
        if inner_parsed[0].type != duckdb.StatementType.SELECT:
            raise StatementRefused(f"{where} explains {_article(_keyword(inner))}: {_ONLY_QUERIES}")
        statement = UserStatement(statement.number, inner_parsed[0].query, statement.head)
    elif kind != duckdb.StatementType.SELECT:
        raise StatementRefused(f"{where} is {_article(_keyword(statement.sql))}: {_ONLY_QUERIES}")
    refused = sorted(name for name in _function_names(con, statement.sql) if _refused_function(name))
    if refused:
        raise StatementRefused(f"{where} calls {', '.join(refused)}, which write or read outside the warehouse: "
                               f"{_ONLY_QUERIES} (maintenance is `broadsheet maintain`)")


_ONLY_QUERIES = ("`broadsheet query` runs only queries (SELECT, WITH, VALUES, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN) "
                 "and never writes")


def _keyword(sql: str) -> str:
    """The statement's first keyword (COPY, INSTALL, SET, ...), which names its kind as the user wrote it."""
    match = re.match(r"[A-Za-z]+", _LEADING_COMMENTS.sub("", sql))
    return match.group(0).upper() if match else "statement"


def _article(word: str) -> str:
    return ("an " if word[:1] in "AEIOU" else "a ") + word


def _refused_function(name: str) -> bool:
    name = name.lower()
    if name in READ_ONLY_LAKE_FUNCTIONS:
        return False
    return name in REFUSED_FUNCTIONS or name.startswith(REFUSED_FUNCTION_PREFIXES)


def _function_names(con: duckdb.DuckDBPyConnection, sql: str) -> set[str]:
    """Every function a SELECT names (scalar, aggregate and table functions, at any depth)."""
    tree = json.loads(con.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()[0])
    if tree.get("error"):
        raise StatementRefused(f"this query cannot be checked ({tree.get('error_message', 'unknown form')}); "
                               "write it as a plain SELECT")
    return set(_values_of(tree, "function_name"))


def _values_of(node: Any, key: str) -> Iterator[str]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key and isinstance(v, str):
                yield v
            else:
                yield from _values_of(v, key)
    elif isinstance(node, list):
        for item in node:
            yield from _values_of(item, key)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]
