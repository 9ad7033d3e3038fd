"""How `broadsheet query` prints a result: a table for people, CSV or JSON for scripts."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import decimal
import io
import json
import math
import uuid
from typing import Any

FORMATS = ("table", "csv", "json")


def column_names(description: list[tuple] | None) -> list[str]:
    """Result column names, made unique (a repeated name gets `_2`, `_3`, ...) so JSON objects keep every column."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for d in description or []:
        name = str(d[0])
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return names


def json_value(value: Any) -> Any:
    """A DuckDB value as JSON can hold it: ISO dates and times, exact decimals, base64 for bytes."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, decimal.Decimal):
        as_float = float(value)
        # A number when a float holds it exactly, else a string that does (no silent rounding of money or ids).
        return as_float if math.isfinite(as_float) and decimal.Decimal(repr(as_float)) == value else str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    return str(value)


def json_records(names: list[str], rows: list[tuple]) -> list[dict[str, Any]]:
    """Rows as JSON-ready objects keyed by column name."""
    return [{n: json_value(v) for n, v in zip(names, row, strict=True)} for row in rows]


def json_text(document: Any) -> str:
    """One JSON document, UTF-8 as is, with a final newline."""
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


def csv_text(names: list[str], rows: list[tuple]) -> str:
    """A header line and one line per row; NULL is an empty field, nested values are JSON."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow(["" if v is None else _csv_field(v) for v in row])
    return out.getvalue()


def _csv_field(value: Any) -> Any:
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(json_value(value), ensure_ascii=False)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return json_value(value)
    return value
