"""Run the expectation suites on a batch of warehouse rows and summarize what failed.

The GX context is ephemeral and created once per process. Each table is validated as a narrow pandas frame
(`expectations.prepare`): the columns its suite judges, texts as their lengths, ids as codes, plus the derived
check columns declared in `expectations.suites.CHECKS`, computed from the batch and, for rows the batch refers to
but does not contain, from `context_tables`.

GX gives the position of every failing row of a failed expectation (result format COMPLETE), and the report
reads those rows back from the Arrow table by their real values, so a failure of a row-level rule comes back as
the articles it concerns (`ArticleFault`); `validate_articles` sets those articles aside and validates what is left.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import html
import json
import logging
import math
import os
import pathlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeAlias

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from expectations import prepare
from expectations.prepare import SHOWN, PreparedTables
from warehouse.schemas import ARTICLE_TABLES, TABLES

MAX_EXAMPLES = 5
PARTIAL_ROWS = 20  # failing rows kept in the stored GX results (the full list can be every row of a table)
ARTICLE_ID = "article_id"


@dataclass(frozen=True)
class FailedExpectation:
    """One expectation that failed on one table, with up to `MAX_EXAMPLES` failing rows.

    `by_article` is True when the expectation judges single rows (not a key, the column set or a parent row)
    and GX named the article of every failing row: those articles can be set aside and the rest kept.
    """

    table: str
    expectation: str
    unexpected_count: int
    examples: list[dict]
    reason: str = ""
    by_article: bool = False


@dataclass(frozen=True)
class ArticleFault:
    """An article's first failing row under one row-level expectation."""

    article_id: str
    table: str
    reason: str  # short stable code: the expectation type, or the derived check's column (`check_...`)
    expectation: str  # readable: `expect_x(column) min=... max=...`
    value: str  # the failing row's columns as JSON, cut short

    def detail(self) -> str:
        """One line for a `rejects.detail`."""
        return f"{self.table}: {self.expectation}: {self.value}"


@dataclass(frozen=True)
class ValidationReport:
    """Outcome of validating a batch: overall success, the failures, and GX's per-table results as JSON."""

    success: bool
    failures: list[FailedExpectation]
    results: dict
    n_expectations: int
    faults: list[ArticleFault] = dataclasses.field(default_factory=list)  # failing rows of by-article failures

    @property
    def only_article_failures(self) -> bool:
        """Every failure can be settled by setting articles aside (no key, schema or parent check failed)."""
        return all(f.by_article for f in self.failures)

    def failed_articles(self) -> dict[str, list[ArticleFault]]:
        """article_id -> its faults, in the order found."""
        out: dict[str, list[ArticleFault]] = {}
        for fault in self.faults:
            out.setdefault(fault.article_id, []).append(fault)
        return out

    def message(self) -> str:
        """A readable account of the failures, for the CLI and logs."""
        if self.success:
            return f"validation passed ({self.n_expectations} expectations)"
        lines = [f"validation failed: {len(self.failures)} of {self.n_expectations} expectations"]
        for f in self.failures:
            lines.append(f"  {f.table}: {f.expectation}: {f.unexpected_count} unexpected")
            lines.extend(f"    e.g. {_json_text(row)}" for row in f.examples)
        return "\n".join(lines)


Frame: TypeAlias = pa.Table | pd.DataFrame


@functools.cache
def gx_context() -> Any:
    """The ephemeral GX context, made once per process."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # no network here; GX reads this at import
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # GX announces its temporary docs directory at INFO on every context: noise in a run's output.
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


@functools.cache
def _batch_definitions() -> dict[str, Any]:
    """One whole-dataframe batch definition per table, on the process's GX context."""
    source = gx_context().data_sources.add_pandas("broadsheet")
    return {name: source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("batch") for name in TABLES}


def _readable(config: dict) -> str:
    """`expect_x(col_a, col_b)` from an expectation's JSON config."""
    kwargs = config.get("kwargs", {})
    cols = kwargs.get("column_list") or [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
    if not cols and "column_set" in kwargs:
        cols = ["<columns>"]
    return f"{config['type']}({', '.join(cols)})"


def _json_value(value: Any) -> Any:
    """A JSON-friendly version of one cell."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return None if isinstance(value, float) and math.isnan(value) else value
    if isinstance(value, (datetime.date, datetime.datetime, pd.Timestamp)):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return _json_value(value.item())
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return str(value)


def _json_text(row: dict) -> str:
    return json.dumps(row, ensure_ascii=False, default=str)[:400]


def _domain(config: dict) -> list[str]:
    """The columns an expectation judges."""
    kwargs = config.get("kwargs", {})
    return [c for c in (*(kwargs.get("column_list") or []), kwargs.get("column"), kwargs.get("column_A"),
                        kwargs.get("column_B")) if c]


def _row_columns(name: str, config: dict, evidence: dict[str, tuple[str, ...]]) -> list[str]:
    """Columns reported for a failing row: the key, the article, what the expectation judges, the check's evidence."""
    column = config.get("kwargs", {}).get("column") or ""
    cols: list[str] = []
    for c in (*TABLES[name].key, ARTICLE_ID, *_domain(config), *evidence.get(column, ())):
        if c not in cols:
            cols.append(c)
    return cols


def _failing_rows(name: str, table: pa.Table, positions: list[int], columns: list[str]) -> list[dict]:
    """The failing rows at `positions` of the prepared table, by their real values (never GX's stand-ins).

    A text reaches GX as its length, so a text column shows the text kept for a failing text check
    (`shown_<column>`), or null.
    """
    if not positions:
        return []
    rows = table.take(pa.array(positions, pa.int64()))
    out: list[dict] = [{} for _ in positions]
    for c in columns:
        shown = f"{SHOWN}{c}"
        if shown in rows.column_names:
            values = rows[shown].to_pylist()
        elif c in rows.column_names and not _as_length(name, c):
            values = rows[c].to_pylist()
        elif c in rows.column_names:
            values = [None] * len(positions)
        else:
            continue
        for row, value in zip(out, values, strict=True):
            row[c] = value
    return out


def _as_length(name: str, column: str) -> bool:
    spec = TABLES.get(name)
    return spec is not None and column in spec.columns and prepare.reaches_gx_as_length(name, column)


def _examples(name: str, rows: list[dict], config: dict, evidence: dict[str, tuple[str, ...]]) -> list[dict]:
    """Up to MAX_EXAMPLES failing rows: key columns, the expectation's columns and the check's evidence."""
    column = config.get("kwargs", {}).get("column")
    cols = [*TABLES[name].key]
    for c in [*_domain(config), *evidence.get(column or "", ())]:
        if c not in cols:
            cols.append(c)
    return [{c: _truncated(_json_value(row[c])) for c in cols if c in row} for row in rows[:MAX_EXAMPLES]]


def _reason(config: dict) -> str:
    """A short stable code for an expectation: its type, or for a derived check the check's column."""
    column = config.get("kwargs", {}).get("column") or ""
    return column if column.startswith("check_") else config["type"]


def _rule(config: dict) -> str:
    """The expectation with its bounds, set or pattern, for a reject's detail."""
    kwargs = config.get("kwargs", {})
    parts = [_readable(config)]
    for key in ("min_value", "max_value", "regex"):
        if kwargs.get(key) is not None:
            parts.append(f"{key.split('_')[0]}={_json_value(kwargs[key])}")
    if "value_set" in kwargs and not (kwargs.get("column") or "").startswith("check_"):
        parts.append(f"set={_truncated(json.dumps(_json_value(kwargs['value_set'])), 80)}")
    if config.get("description"):
        parts.append(f"({config['description']})")
    return " ".join(parts)


def _faults(name: str, rows: list[dict], unexpected: int, config: dict, evidence: dict[str, tuple[str, ...]]
            ) -> list[ArticleFault] | None:
    """One fault per article among the failing rows; None when the failure cannot be settled by article.

    That is an expectation guarding the warehouse (key, column set, parent row), a table without articles, or
    failing rows GX did not list or that name no article.
    """
    from expectations import suites as s

    if name not in ARTICLE_TABLES or s.guards_warehouse(config) or len(rows) < unexpected or unexpected == 0:
        return None
    column = config.get("kwargs", {}).get("column") or ""
    shown = [c for c in (*_domain(config), *evidence.get(column, ())) if not c.startswith("check_") and c != ARTICLE_ID]
    reason, rule = _reason(config), _rule(config)
    faults: dict[str, ArticleFault] = {}
    for row in rows:
        article = row.get(ARTICLE_ID)
        if not isinstance(article, str) or not article:
            return None
        if article not in faults:
            value = json.dumps({c: _truncated(_json_value(row.get(c)), 120) for c in shown}, ensure_ascii=False,
                               default=str)
            faults[article] = ArticleFault(article, name, reason, rule, _truncated(value, 300))
    return list(faults.values())


def _truncated(value: Any, limit: int = 200) -> Any:
    """Long texts (article bodies) cut so an example stays readable."""
    return value[:limit] + "..." if isinstance(value, str) and len(value) > limit else value


def _validated(batch: Any, suite: Any) -> dict:
    """GX results as JSON: a cheap pass/fail run of the whole suite, then every failing row of the failures.

    Most of GX's time goes into per-expectation bookkeeping, which BOOLEAN_ONLY keeps small; a batch that
    passes (the usual case) never pays for the detailed run. The detailed run (COMPLETE) lists the position of
    every failing row (`unexpected_index_list`), which the report reads back from the Arrow rows.
    """
    import great_expectations as gx

    quick = batch.validate(suite, result_format="BOOLEAN_ONLY").to_json_dict()
    failed = {_identity(r["expectation_config"]): i for i, r in enumerate(quick["results"]) if not r["success"]}
    if not failed:
        return quick
    detail_suite = gx.ExpectationSuite(name=suite.name)
    for expectation in suite.expectations:
        if _identity(expectation.configuration.to_json_dict()) in failed:
            detail_suite.add_expectation(expectation)
    detail = batch.validate(detail_suite, result_format={
        "result_format": "COMPLETE", "partial_unexpected_count": PARTIAL_ROWS, "return_unexpected_index_query": False})
    for r in detail.to_json_dict()["results"]:
        quick["results"][failed[_identity(r["expectation_config"])]] = r
    return quick


def _identity(config: dict) -> str:
    """What makes two expectation configs the same check (GX does not keep suite order in its results)."""
    kwargs = {k: v for k, v in config.get("kwargs", {}).items() if k != "batch_id"}
    return json.dumps([config["type"], kwargs], sort_keys=True, default=str)


def validate_tables(tables: dict[str, Frame] | PreparedTables, *, context_tables: dict[str, Frame] | None = None,
                    now: datetime.datetime | None = None) -> ValidationReport:
    """Run every table's suite on a batch.

    Args:
        tables: table name -> the batch's rows (any subset of `warehouse.schemas.TABLES`), or the batch already
            prepared (`expectations.prepare.prepared_tables`, which a run uses to read its texts one batch at a
            time).
        context_tables: rows the batch refers to but does not contain (the published articles, paragraphs
            or places); a batch's own rows win over context rows with the same key. Ignored for prepared tables
            (they carry their context).
        now: the ingestion time, the upper bound for `articles.published_date` (one day of slack).

    Returns:
        A ValidationReport: success, the failed expectations with example rows, GX's results per table.
    """
    from expectations import suites as s

    prepared = tables if isinstance(tables, PreparedTables) else prepare.prepared_tables(tables, context_tables)
    checked = prepare.with_id_checks(prepared)
    definitions = _batch_definitions()
    failures: list[FailedExpectation] = []
    faults: list[ArticleFault] = []
    results: dict[str, Any] = {}
    n_expectations = 0
    for name in TABLES:
        if name not in checked:
            continue
        table = checked[name]
        df = prepare.gx_frame(name, table, prepared.columns[name])
        suite = s.SUITES[name](now)
        evidence = {c.column: c.evidence for c in s.CHECKS.get(name, ())}
        batch = definitions[name].get_batch(batch_parameters={"dataframe": df})
        as_json = _validated(batch, suite)
        del df, batch
        n_expectations += len(as_json["results"])
        for r in as_json["results"]:
            if r["success"]:
                continue
            config, result = r["expectation_config"], r.get("result") or {}
            label = _readable(config)
            if config.get("description"):
                label += f": {config['description']}"
            if r.get("exception_info", {}).get("raised_exception"):
                label += f" (error: {r['exception_info'].get('exception_message')})"
            positions = [int(i) for i in result.get("unexpected_index_list") or [] if isinstance(i, int)]
            rows = _failing_rows(name, table, positions, _row_columns(name, config, evidence))
            unexpected = int(result.get("unexpected_count") or 0)
            examples = _examples(name, rows, config, evidence)
            found = _faults(name, rows, unexpected, config, evidence)
            faults.extend(found or [])
            _stored(result, rows, config)
            result["unexpected_keys"] = [{k: row[k] for k in TABLES[name].key if k in row} for row in examples]
            failures.append(FailedExpectation(name, label, unexpected, examples, _reason(config), found is not None))
        as_json["row_count"] = table.num_rows  # BOOLEAN_ONLY results carry no element counts
        results[name] = json.loads(json.dumps(_json_value(as_json)))
    return ValidationReport(not failures, failures, results, n_expectations, faults)


def _stored(result: dict, rows: list[dict], config: dict) -> None:
    """The failing rows a stored result keeps: a sample, by their real values rather than GX's stand-ins."""
    domain = _domain(config)
    for key in ("unexpected_index_list", "partial_unexpected_index_list"):
        if key in result:
            result[key] = [{k: _truncated(_json_value(v)) for k, v in row.items()} for row in rows[:PARTIAL_ROWS]]
    for key in ("unexpected_list", "partial_unexpected_list"):
        if key in result:
            result[key] = [_truncated(_json_value(row.get(domain[0]))) if len(domain) == 1 else
                           {c: _truncated(_json_value(row.get(c))) for c in domain} for row in rows[:PARTIAL_ROWS]]
    result.pop("partial_unexpected_counts", None)  # counts of stand-in values (codes, lengths)


@dataclass(frozen=True)
class ArticleVerdict:
    """A batch validated article by article: what failed, the articles set aside, and what is left.

    `rejected` holds the articles whose rows failed a row-level expectation; `remainder` is the validation of
    the batch without them (None when none were set aside). A batch whose failures are not all row-level (a
    key, the column set, a parent row) sets nothing aside and is not publishable.
    """

    report: ValidationReport
    rejected: dict[str, list[ArticleFault]]
    remainder: ValidationReport | None = None

    @property
    def publishable(self) -> bool:
        """Whether the batch, without the rejected articles, passes every expectation."""
        return self.report.success or (self.remainder is not None and self.remainder.success)


def without_articles(tables: dict[str, Frame] | PreparedTables, article_ids: Iterable[str]
                     ) -> dict[str, Frame] | PreparedTables:
    """`tables` without the rows of some articles (tables without an `article_id` column are kept whole)."""
    if isinstance(tables, PreparedTables):
        return prepare.without_rows_of(tables, article_ids)
    ids = sorted(set(article_ids))
    out: dict[str, Frame] = {}
    for name, rows in tables.items():
        if isinstance(rows, pa.Table) and ARTICLE_ID in rows.column_names:
            keep = pc.invert(pc.is_in(rows[ARTICLE_ID], value_set=pa.array(ids, pa.string())))
            out[name] = rows.filter(pc.fill_null(keep, True))
        elif isinstance(rows, pd.DataFrame) and ARTICLE_ID in rows.columns:
            out[name] = rows[~rows[ARTICLE_ID].isin(ids)]
        else:
            out[name] = rows
    return out


def validate_articles(tables: dict[str, Frame] | PreparedTables, *, context_tables: dict[str, Frame] | None = None,
                      now: datetime.datetime | None = None) -> ArticleVerdict:
    """Validate a batch, set aside the articles whose rows fail a row-level expectation, validate the rest.

    Args:
        tables: table name -> the batch's rows, or the batch prepared, as for `validate_tables`.
        context_tables: rows the batch refers to but does not contain.
        now: the ingestion time.

    Returns:
        An ArticleVerdict. The second validation runs the whole suites again on what is left, so keys and
        parent rows are checked on exactly what would be published.
    """
    prepared = tables if isinstance(tables, PreparedTables) else prepare.prepared_tables(tables, context_tables)
    report = validate_tables(prepared, now=now)
    if report.success or not report.only_article_failures:
        return ArticleVerdict(report, {})
    rejected = report.failed_articles()
    remainder = validate_tables(prepare.without_rows_of(prepared, rejected), now=now)
    return ArticleVerdict(report, rejected, remainder)


_STYLE = """body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top;font-size:90%}
.ok{color:#176b2c}.bad{color:#b00020;font-weight:bold}code{background:#f4f4f4;padding:0 .2em}"""


def _cell(value: Any) -> str:
    return html.escape(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str))


def _table_section(name: str, result: dict, failures: list[FailedExpectation]) -> str:
    rows = []
    for r in result.get("results", []):
        config = r["expectation_config"]
        status = '<span class="ok">passed</span>' if r["success"] else '<span class="bad">FAILED</span>'
        res = r.get("result") or {}
        rows.append(f"<tr><td>{status}</td><td><code>{_cell(_readable(config))}</code></td>"
                    f"<td>{_cell(config.get('description') or '')}</td>"
                    f"<td>{_cell(res.get('unexpected_count', ''))}</td><td>{_cell(res.get('element_count', ''))}</td></tr>")
    parts = [f'<h2 id="{html.escape(name)}">{html.escape(name)} ({_cell(result.get("row_count", "?"))} rows)</h2>',
             "<table><tr><th>status</th><th>expectation</th><th>rule</th><th>unexpected</th><th>rows</th></tr>",
             *rows, "</table>"]
    for f in failures:
        parts.append(f"<h3>{_cell(f.expectation)}: {f.unexpected_count} unexpected</h3>")
        if f.examples:
            cols = list(f.examples[0])
            parts.append("<table><tr>" + "".join(f"<th>{_cell(c)}</th>" for c in cols) + "</tr>")
            parts.extend("<tr>" + "".join(f"<td>{_cell(e.get(c))}</td>" for c in cols) + "</tr>" for e in f.examples)
            parts.append("</table>")
    return "\n".join(parts)


def build_data_docs(report: ValidationReport, out_dir: str) -> str:
    """Write a self-contained HTML summary of `report` (plus `results.json`) into out_dir; returns the index path.

    Args:
        report: the outcome of `validate_tables`.
        out_dir: directory to write into (created if missing).

    Returns:
        Path of the written `index.html`.
    """
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    by_table: dict[str, list[FailedExpectation]] = {}
    for f in report.failures:
        by_table.setdefault(f.table, []).append(f)
    verdict = ('<p class="ok">All expectations passed.</p>' if report.success else
               f'<p class="bad">{len(report.failures)} of {report.n_expectations} expectations failed.</p>')
    toc = " | ".join(f'<a href="#{html.escape(n)}">{html.escape(n)}</a>' for n in report.results)
    body = "\n".join(_table_section(n, r, by_table.get(n, [])) for n, r in report.results.items())
    page = (f'<!doctype html><html><head><meta charset="utf-8"><title>Broadsheet validation</title>'
            f"<style>{_STYLE}</style></head><body><h1>Broadsheet validation</h1>{verdict}<p>{toc}</p>"
            f"{body}</body></html>")
    index = out / "index.html"
    _write_atomic(index, page)
    _write_atomic(out / "results.json", json.dumps(report.results, ensure_ascii=False, indent=1))
    return str(index)


def _write_atomic(path: pathlib.Path, text: str) -> None:
    """Write via a temporary name so a reader never sees half a page."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)

