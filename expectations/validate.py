"""Run the expectation suites on a batch of warehouse rows and summarize what failed.

The GX context is ephemeral and created once per process. Each table is validated as a pandas frame: its
schema columns plus the derived check columns declared in `expectations.suites.CHECKS`, computed here from
the batch and, for rows the batch refers to but does not contain, from `context_tables`.

GX names the failing rows of a failed expectation (result format COMPLETE with the table's key and `article_id`
as `unexpected_index_column_names`), so a failure of a row-level rule comes back as the articles it concerns
(`ArticleFault`); `validate_articles` sets those articles aside and validates what is left.
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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from warehouse.schemas import (
    ARTICLE_TABLES,
    ARTICLES,
    DATE_MENTIONS,
    LOCATION_MENTIONS,
    PARAGRAPHS,
    PLACES,
    QUANTITY_MENTIONS,
    REMOVED_LINES,
    TABLES,
)

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
def _batch_definitions() -> dict[str, Any]:
    """One whole-dataframe batch definition per table, on an ephemeral context made once per process."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # no network here; GX reads this at import
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # GX announces its temporary docs directory at INFO on every context: noise in a run's output.
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("broadsheet")
    return {name: source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("batch") for name in TABLES}


def _frame(name: str, rows: Frame) -> pd.DataFrame:
    """A pandas copy of `rows` that derived columns can be added to, with dates as `datetime.date` objects.

    pyarrow gives date32 columns as dates; DuckDB's `.df()` gives them as datetime64, which would not compare
    with the date bounds of the suites, so those are converted back.
    """
    if isinstance(rows, pa.Table):
        return rows.to_pandas()
    df = rows.copy()
    spec = TABLES.get(name)
    for field in spec.schema if spec is not None else ():
        if field.type == pa.date32() and field.name in df.columns and pd.api.types.is_datetime64_any_dtype(df[field.name]):
            df[field.name] = pd.Series([None if _missing(d) else d.date() for d in df[field.name].tolist()],
                                       index=df.index, dtype="object")
    return df


def _combined(name: str, tables: dict[str, pd.DataFrame], context: dict[str, pd.DataFrame]) -> pd.DataFrame | None:
    """The batch's rows of table `name` followed by the context's rows whose key the batch lacks; None if neither."""
    parts = [t for t in (tables.get(name), context.get(name)) if t is not None]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    key = list(TABLES[name].key)
    return pd.concat(parts, ignore_index=True).drop_duplicates(subset=key, keep="first")


def _lookup(parent: pd.DataFrame | None, key: str, values: Iterable[str]) -> dict[str, Any]:
    """Map key -> value of the parent's `values` column(s); empty when there is no parent table."""
    if parent is None or parent.empty:
        return {}
    cols = [parent[c].tolist() for c in values]
    keys = parent[key].tolist()
    if len(cols) == 1:
        return dict(zip(keys, cols[0], strict=True))
    return dict(zip(keys, zip(*cols, strict=True), strict=True))


def _missing(value: Any) -> bool:
    """None, NaN, NaT or NA (what pandas makes of a null cell)."""
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def _columns(df: pd.DataFrame, *names: str) -> list[list[Any]]:
    """Columns as Python lists: iterating lists is several times faster than iterating Series."""
    return [df[n].tolist() for n in names]


def _or_none(flags: Sequence[bool | None]) -> pd.Series:
    """A check column: True, False, or None where the check does not apply (GX skips nulls)."""
    return pd.Series(flags, dtype="object")


def _article_checks(df: pd.DataFrame, paras: pd.DataFrame | None) -> None:
    from expectations import suites as s

    ids, n_par = df[ARTICLES.key[0]].tolist(), df["n_paragraphs"].tolist()
    if paras is None:
        df[s.ARTICLE_HAS_PARAGRAPH.column] = _or_none([None] * len(df))
        df[s.ARTICLE_PARAGRAPH_COUNT.column] = _or_none([None] * len(df))
    else:
        counts = paras.groupby("article_id").size().to_dict()
        df[s.ARTICLE_HAS_PARAGRAPH.column] = _or_none([counts.get(a, 0) > 0 for a in ids])
        df[s.ARTICLE_PARAGRAPH_COUNT.column] = _or_none([counts.get(a, 0) == n for a, n in zip(ids, n_par, strict=True)])
    df[s.ARTICLE_N_CHARS.column] = _or_none([
        None if _missing(t) or _missing(n) else len(t) == n
        for t, n in zip(df["text"].tolist(), df["n_chars"].tolist(), strict=True)])
    slack = s.TIMEZONE_SLACK
    df[s.ARTICLE_NOT_AFTER_INGESTION.column] = _or_none([
        None if _missing(p) or _missing(i) else p <= (i + slack).date()
        for p, i in zip(df["published_date"].tolist(), df["ingested_at"].tolist(), strict=True)])


def _paragraph_checks(df: pd.DataFrame, arts: pd.DataFrame | None) -> None:
    from expectations import suites as s

    texts = _lookup(arts, ARTICLES.key[0], ["text"])
    exists, matches = [], []
    for a, t, cs, ce in zip(*_columns(df, "article_id", "text", "char_start", "char_end"), strict=True):
        body = texts.get(a)
        exists.append(body is not None)
        matches.append(None if body is None or _missing(cs) or _missing(ce) else body[int(cs):int(ce)] == t)
    df[s.PARAGRAPH_ARTICLE_EXISTS.column] = _or_none(exists)
    df[s.PARAGRAPH_TEXT_MATCHES.column] = _or_none(matches)


def _removed_line_checks(df: pd.DataFrame, arts: pd.DataFrame | None) -> None:
    from expectations import suites as s

    known = set() if arts is None else set(arts[ARTICLES.key[0]])
    df[s.REMOVED_LINE_ARTICLE_EXISTS.column] = _or_none([a in known for a in df["article_id"].tolist()])


def _mention_checks(df: pd.DataFrame, name: str, paras: pd.DataFrame | None) -> None:
    from expectations import suites as s

    parents = _lookup(paras, PARAGRAPHS.key[0], ["article_id", "text"])
    exists: list[bool] = []
    same: list[bool | None] = []
    inside: list[bool | None] = []
    matches: list[bool | None] = []
    for pid, aid, cs, ce, text in zip(*_columns(df, "paragraph_id", "article_id", "char_start", "char_end", "text"),
                                      strict=True):
        parent = parents.get(pid)
        exists.append(parent is not None)
        if parent is None or _missing(cs) or _missing(ce):
            same.append(None if parent is None else parent[0] == aid)
            inside.append(None)
            matches.append(None)
            continue
        cs, ce = int(cs), int(ce)
        same.append(parent[0] == aid)
        ok = 0 <= cs < ce <= len(parent[1])
        inside.append(ok)
        matches.append(parent[1][cs:ce] == text if ok else None)
    exists_c, same_c, inside_c, match_c = s.MENTION_CHECKS[name]
    df[exists_c.column] = _or_none(exists)
    df[same_c.column] = _or_none(same)
    df[inside_c.column] = _or_none(inside)
    df[match_c.column] = _or_none(matches)


def _place_checks(df: pd.DataFrame, places: pd.DataFrame | None) -> None:
    from expectations import suites as s

    known = None if places is None else set(places[PLACES.key[0]].dropna().astype("int64"))
    df[s.LOCATION_PLACE_EXISTS.column] = _or_none([
        None if known is None or _missing(g) else int(g) in known for g in df["geonameid"].tolist()])


_PARENTS = (ARTICLES.name, PARAGRAPHS.name, PLACES.name)


def _with_checks(name: str, df: pd.DataFrame, parents: dict[str, pd.DataFrame | None]) -> pd.DataFrame:
    """`df` with the derived check columns of table `name` added (in place; `df` is our own copy)."""
    if name == ARTICLES.name:
        _article_checks(df, parents[PARAGRAPHS.name])
    elif name == PARAGRAPHS.name:
        _paragraph_checks(df, parents[ARTICLES.name])
    elif name == REMOVED_LINES.name:
        _removed_line_checks(df, parents[ARTICLES.name])
    elif name in (DATE_MENTIONS.name, QUANTITY_MENTIONS.name, LOCATION_MENTIONS.name):
        _mention_checks(df, name, parents[PARAGRAPHS.name])
        if name == LOCATION_MENTIONS.name:
            _place_checks(df, parents[PLACES.name])
    return df


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


def _index_columns(name: str, df: pd.DataFrame) -> list[str]:
    """Columns GX returns for each failing row: the key, the article and what derived checks show as evidence."""
    from expectations import suites as s

    cols: list[str] = []
    for c in (*TABLES[name].key, ARTICLE_ID, *(e for check in s.CHECKS.get(name, ()) for e in check.evidence)):
        if c in df.columns and c not in cols:
            cols.append(c)
    return cols


def _failing_rows(result: dict) -> list[dict]:
    """GX's failing rows (dicts of the index and domain columns); empty when GX gave none."""
    return [r for r in result.get("unexpected_index_list") or result.get("partial_unexpected_index_list") or []
            if isinstance(r, dict)]


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


def _validated(batch: Any, suite: Any, index_columns: list[str]) -> dict:
    """GX results as JSON: a cheap pass/fail run of the whole suite, then every failing row of the failures.

    Most of GX's time goes into per-expectation bookkeeping, which BOOLEAN_ONLY keeps small; a batch that
    passes (the usual case) never pays for the detailed run. The detailed run (COMPLETE) lists each failing
    row by `index_columns` (key and article) plus the columns the expectation judges.
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
        "result_format": "COMPLETE", "partial_unexpected_count": PARTIAL_ROWS,
        "unexpected_index_column_names": index_columns, "return_unexpected_index_query": False})
    for r in detail.to_json_dict()["results"]:
        quick["results"][failed[_identity(r["expectation_config"])]] = r
    return quick


def _identity(config: dict) -> str:
    """What makes two expectation configs the same check (GX does not keep suite order in its results)."""
    kwargs = {k: v for k, v in config.get("kwargs", {}).items() if k != "batch_id"}
    return json.dumps([config["type"], kwargs], sort_keys=True, default=str)


def validate_tables(tables: dict[str, Frame], *, context_tables: dict[str, Frame] | None = None,
                    now: datetime.datetime | None = None) -> ValidationReport:
    """Run every table's suite on a batch.

    Args:
        tables: table name -> the batch's rows (any subset of `warehouse.schemas.TABLES`).
        context_tables: rows the batch refers to but does not contain (the published articles, paragraphs
            or places); a batch's own rows win over context rows with the same key.
        now: the ingestion time, the upper bound for `articles.published_date` (one day of slack).

    Returns:
        A ValidationReport: success, the failed expectations with example rows, GX's results per table.
    """
    from expectations import suites as s

    unknown = set(tables) - set(TABLES)
    if unknown:
        raise ValueError(f"unknown tables: {sorted(unknown)}")
    frames = {name: _frame(name, rows) for name, rows in tables.items()}
    context = {name: _frame(name, rows) for name, rows in (context_tables or {}).items()}
    parents = {name: _combined(name, frames, context) for name in _PARENTS}
    definitions = _batch_definitions()
    failures: list[FailedExpectation] = []
    faults: list[ArticleFault] = []
    results: dict[str, Any] = {}
    n_expectations = 0
    for name in TABLES:
        if name not in frames:
            continue
        df = _with_checks(name, frames[name].reset_index(drop=True), parents)
        suite = s.SUITES[name](now)
        evidence = {c.column: c.evidence for c in s.CHECKS.get(name, ())}
        batch = definitions[name].get_batch(batch_parameters={"dataframe": df})
        as_json = _validated(batch, suite, _index_columns(name, df))
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
            rows = _failing_rows(result)
            unexpected = int(result.get("unexpected_count") or 0)
            examples = _examples(name, rows, config, evidence)
            found = _faults(name, rows, unexpected, config, evidence)
            faults.extend(found or [])
            # The stored results keep a sample of the failing rows: the full lists can hold every row of a table.
            for key in ("unexpected_list", "unexpected_index_list"):
                if key in result:
                    result[key] = result[key][:PARTIAL_ROWS]
            result["unexpected_keys"] = [{k: row[k] for k in TABLES[name].key if k in row} for row in examples]
            failures.append(FailedExpectation(name, label, unexpected, examples, _reason(config), found is not None))
        as_json["row_count"] = len(df)  # BOOLEAN_ONLY results carry no element counts
        results[name] = json.loads(json.dumps(_json_value(as_json)))
    return ValidationReport(not failures, failures, results, n_expectations, faults)


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


def without_articles(tables: dict[str, Frame], article_ids: Iterable[str]) -> dict[str, Frame]:
    """`tables` without the rows of some articles (tables without an `article_id` column are kept whole)."""
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


def validate_articles(tables: dict[str, Frame], *, context_tables: dict[str, Frame] | None = None,
                      now: datetime.datetime | None = None) -> ArticleVerdict:
    """Validate a batch, set aside the articles whose rows fail a row-level expectation, validate the rest.

    Args:
        tables: table name -> the batch's rows, as for `validate_tables`.
        context_tables: rows the batch refers to but does not contain.
        now: the ingestion time.

    Returns:
        An ArticleVerdict. The second validation runs the whole suites again on what is left, so keys and
        parent rows are checked on exactly what would be published.
    """
    report = validate_tables(tables, context_tables=context_tables, now=now)
    if report.success or not report.only_article_failures:
        return ArticleVerdict(report, {})
    rejected = report.failed_articles()
    remainder = validate_tables(without_articles(tables, rejected), context_tables=context_tables, now=now)
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

