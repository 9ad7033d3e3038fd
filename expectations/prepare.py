"""What Great Expectations is handed: each table narrowed to the columns its suite judges, texts left out.

GX 1.x validates pandas frames, and fingerprints a frame by hashing every cell on each `get_batch`, so its cost
follows the cells it is handed. A table therefore reaches GX as a narrow frame (`gx_frame`):
- the columns some expectation of its suite judges (`checked_columns`), with its key and `article_id`;
- strings only required to be present (`text`, `run_id`, `source_uri`, ...) as their length in characters,
  null where the string is null: no article, paragraph or mention text enters pandas;
- other strings as pandas categoricals: dictionary codes, cheap to hash, with the values kept for set and
  pattern rules;
- the columns no expectation reads as empty placeholders, so the column-set expectation still sees every name;
- the derived `check_*` columns of `suites.CHECKS`.

The derived checks that need text (a paragraph is its article's slice, a mention's text is its paragraph's
slice and lies inside it, `n_chars` is the text's length) are computed with pyarrow (and Python's own slicing) by
`prepared_tables`, while the text is at hand; a run prepares one staged batch at a time, so the text of only one
batch is ever in memory. The checks that need only ids (a parent row exists, an article's paragraph count) are
computed on the whole run by `with_id_checks`. The text of a row whose text check fails is kept (cut short) in a
`shown_text` column for the reject that names it.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from warehouse.schemas import (
    ARTICLES,
    DATE_MENTIONS,
    LOCATION_MENTIONS,
    PARAGRAPHS,
    PLACES,
    QUANTITY_MENTIONS,
    REMOVED_LINES,
    TABLES,
)

ARTICLE_ID = "article_id"
SHOWN = "shown_"  # prefix of a column that keeps a text for the report only; GX never sees it
SHOWN_CHARS = 200  # a failing row's text is kept this long
MENTION_TABLES = (DATE_MENTIONS.name, QUANTITY_MENTIONS.name, LOCATION_MENTIONS.name)
# Columns a child row refers to its parent by: kept as ids even where only their presence is judged.
_REFERENCES = (ARTICLE_ID, "paragraph_id")
_PRESENCE = "expect_column_values_to_not_be_null"
_KEYS = ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique")
# Rules GX applies to a pandas categorical as to strings (pandas matches a categorical's values).
_VALUE_SETS = frozenset({"expect_column_values_to_be_in_set", "expect_column_values_to_match_regex"})
_CATEGORICAL = frozenset({_PRESENCE, *_KEYS, *_VALUE_SETS})

Frame: TypeAlias = pa.Table | pd.DataFrame


@dataclass(frozen=True)
class PreparedTables:
    """A batch (or a run) ready for the suites.

    `tables` holds each table narrowed (`checked_columns`, texts as lengths) with its text checks computed;
    `columns` each table's column names as given (the column-set expectation judges them); `context` the ids of
    parent rows the batch refers to but does not hold (published articles, paragraphs, places).
    """

    tables: dict[str, pa.Table]
    columns: dict[str, tuple[str, ...]]
    context: dict[str, pa.Table] = dataclasses.field(default_factory=dict)


@functools.cache
def _rules(name: str) -> dict[str, frozenset[str]]:
    """Schema column -> the expectation types of table `name`'s suite that judge it (the column set aside)."""
    from expectations import suites
    from expectations.validate import gx_context

    gx_context()  # an expectation's configuration needs an active GX context
    out: dict[str, set[str]] = {}
    for expectation in suites.SUITES[name](None).expectations:
        config: dict[str, Any] = expectation.configuration.to_json_dict()
        kwargs: dict[str, Any] = config.get("kwargs") or {}
        for column in (*(kwargs.get("column_list") or []), kwargs.get("column"), kwargs.get("column_A"),
                       kwargs.get("column_B")):
            if column and column in TABLES[name].columns:
                out.setdefault(column, set()).add(config["type"])
    return {c: frozenset(types) for c, types in out.items()}


def checked_columns(name: str) -> list[str]:
    """The schema columns table `name`'s suite judges (besides their names) or its derived checks read, with its
    key and `article_id`."""
    from expectations import suites

    spec = TABLES[name]
    wanted = {*_rules(name), *spec.key, *([ARTICLE_ID] if ARTICLE_ID in spec.columns else []),
              *(c for check in suites.CHECKS.get(name, ()) for c in check.evidence)}
    return [c for c in spec.columns if c in wanted]


def reaches_gx_as_length(name: str, column: str) -> bool:
    """Whether a column reaches GX as its length: a string or list whose presence is all its suite judges."""
    kind = TABLES[name].schema.field(column).type
    return ((pa.types.is_string(kind) or pa.types.is_list(kind)) and column not in _REFERENCES
            and _rules(name).get(column) == frozenset({_PRESENCE}))


def read_columns(name: str) -> list[str]:
    """The columns validation reads of a staged part of table `name`."""
    return checked_columns(name)


def _arrow(name: str, rows: Frame) -> pa.Table:
    """`rows` as an Arrow table; columns of a pandas frame get their schema types back where they convert
    (DuckDB's `.df()` gives dates as datetime64, pandas gives strings as large strings)."""
    if isinstance(rows, pa.Table):
        return rows
    table = pa.Table.from_pandas(rows, preserve_index=False)
    for field in TABLES[name].schema:
        i = table.schema.get_field_index(field.name)
        if i < 0 or table.schema.field(i).type == field.type:
            continue
        try:
            table = table.set_column(i, field.name, pc.cast(table.column(i), field.type))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue  # left as it is: the suite judges what it holds
    return table


def _combined(name: str, tables: dict[str, pa.Table], context: dict[str, pa.Table], columns: Iterable[str]
              ) -> pa.Table | None:
    """The batch's rows of table `name` followed by the context's rows whose key the batch lacks; None if neither."""
    cols = list(columns)
    parts = [t.select([c for c in cols if c in t.column_names]) for t in (tables.get(name), context.get(name))
             if t is not None]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    batch, extra = parts
    (key,) = TABLES[name].key
    if batch.num_rows and extra.num_rows:
        extra = extra.filter(pc.invert(pc.fill_null(pc.is_in(extra[key], value_set=batch[key]), False)))
    return pa.concat_tables([batch, extra], promote_options="permissive")


def _slice_checks(child: pa.Table, parent: pa.Table | None, key: str, *, inside: bool
                  ) -> tuple[pa.Array, pa.Array]:
    """Per child row: (whether `0 <= char_start < char_end <= len(parent text)`, whether its text equals the
    parent's `text[char_start:char_end]`).

    Both null where there is no parent text or no offset; with `inside` (mentions) the text is compared only
    where the span lies inside, else (paragraphs) the first is all null. Rows find their parent with pyarrow;
    the slices are Python's own, over one batch's texts (faster here than DuckDB's `substring` with a join,
    and exact by construction).
    """
    n = child.num_rows
    if parent is None or n == 0:
        return pa.nulls(n, pa.bool_()), pa.nulls(n, pa.bool_())
    at = _found(child[key], parent[key]).to_pylist()
    bodies = parent["text"].to_pylist()
    inside_flags: list[bool | None] = []
    matches: list[bool | None] = []
    for p, cs, ce, text in zip(at, child["char_start"].to_pylist(), child["char_end"].to_pylist(),
                               child["text"].to_pylist(), strict=True):
        body = None if p is None else bodies[p]
        if body is None or cs is None or ce is None:
            inside_flags.append(None)
            matches.append(None)
        elif not inside:
            inside_flags.append(None)
            matches.append(body[cs:ce] == text)
        else:
            ok = 0 <= cs < ce <= len(body)
            inside_flags.append(ok)
            matches.append(body[cs:ce] == text if ok else None)
    return pa.array(inside_flags, pa.bool_()), pa.array(matches, pa.bool_())


def _shown(text: pa.ChunkedArray, failing: pa.ChunkedArray) -> pa.Array:
    """`text` cut to SHOWN_CHARS on the rows that fail a text check, null elsewhere."""
    keep = pc.fill_null(pc.invert(pc.fill_null(failing, True)), False)  # a False check: the row fails
    cut = pc.utf8_slice_codeunits(text, 0, SHOWN_CHARS)
    return pc.if_else(keep, cut, pa.scalar(None, pa.string()))


def _text_checks(name: str, table: pa.Table, parents: dict[str, pa.Table | None]) -> dict[str, pa.Array]:
    """The derived check columns of table `name` that need text, plus the failing rows' text (`shown_text`)."""
    from expectations import suites as s

    if name == ARTICLES.name:
        length = pc.utf8_length(table["text"])
        return {s.ARTICLE_N_CHARS.column: pc.equal(length, pc.cast(table["n_chars"], pa.int32()))}
    if name == PARAGRAPHS.name:
        _, matches = _slice_checks(table, parents[ARTICLES.name], ARTICLE_ID, inside=False)
        return {s.PARAGRAPH_TEXT_MATCHES.column: matches, f"{SHOWN}text": _shown(table["text"], matches)}
    if name in MENTION_TABLES:
        _, _, inside_c, match_c = s.MENTION_CHECKS[name]
        inside, matches = _slice_checks(table, parents[PARAGRAPHS.name], "paragraph_id", inside=True)
        return {inside_c.column: inside, match_c.column: matches, f"{SHOWN}text": _shown(table["text"], matches)}
    return {}


def _narrowed(name: str, table: pa.Table, parents: dict[str, pa.Table | None]) -> pa.Table:
    """Table `name` as validation keeps it: judged columns, lengths for texts, the text checks computed."""
    checks = _text_checks(name, table, parents)
    keep = set(checked_columns(name))
    columns, arrays = [], []
    for field in table.schema:
        if field.name not in keep:
            continue
        column = table[field.name]
        if reaches_gx_as_length(name, field.name):
            column = pc.utf8_length(column) if pa.types.is_string(field.type) else pc.list_value_length(column)
        columns.append(field.name)
        arrays.append(column)
    for column, values in checks.items():
        columns.append(column)
        arrays.append(values)
    return pa.table(dict(zip(columns, arrays, strict=True)))


_PARENT_TEXT = {ARTICLES.name: (ARTICLE_ID, "text"), PARAGRAPHS.name: ("paragraph_id", ARTICLE_ID, "text")}
_PARENT_IDS = {ARTICLES.name: (ARTICLE_ID,), PARAGRAPHS.name: ("paragraph_id", ARTICLE_ID), PLACES.name: ("geonameid",)}


def prepared_tables(tables: dict[str, Frame], context_tables: dict[str, Frame] | None = None, *,
                    columns: dict[str, list[str]] | None = None) -> PreparedTables:
    """A batch's tables narrowed for the suites, their text checks computed.

    Args:
        tables: table name -> the batch's rows (any subset of `warehouse.schemas.TABLES`), at least the
            `read_columns` of each table; Arrow tables or pandas frames.
        context_tables: rows the batch refers to but does not contain (published articles, paragraphs,
            places); a batch's own rows win over context rows with the same key.
        columns: table name -> its column names, for tables read in part (`read_columns` of a Parquet file
            whose schema has them all); by default the columns of `tables`.

    Returns:
        PreparedTables for `expectations.validate.validate_tables`.
    """
    unknown = set(tables) - set(TABLES)
    if unknown:
        raise ValueError(f"unknown tables: {sorted(unknown)}")
    given = {name: _arrow(name, rows) for name, rows in tables.items()}
    context = {name: _arrow(name, rows) for name, rows in (context_tables or {}).items() if name in _PARENT_IDS}
    parents = {name: _combined(name, given, context, cols) for name, cols in _PARENT_TEXT.items()}
    return PreparedTables(
        {name: _narrowed(name, rows, parents) for name, rows in given.items()},
        {name: tuple((columns or {}).get(name) or rows.column_names) for name, rows in given.items()},
        {name: rows.select([c for c in _PARENT_IDS[name] if c in rows.column_names]) for name, rows in context.items()},
    )


def concat_prepared(parts: list[PreparedTables]) -> PreparedTables:
    """Several prepared batches as one (a run validated in one pass)."""
    tables: dict[str, list[pa.Table]] = {}
    columns: dict[str, tuple[str, ...]] = {}
    context: dict[str, list[pa.Table]] = {}
    for part in parts:
        for name, rows in part.tables.items():
            tables.setdefault(name, []).append(rows)
            columns.setdefault(name, part.columns[name])
            if set(part.columns[name]) != set(columns[name]):  # the column-set expectation must see it
                columns[name] = (*columns[name], *(c for c in part.columns[name] if c not in columns[name]))
        for name, rows in part.context.items():
            context.setdefault(name, []).append(rows)
    return PreparedTables({n: pa.concat_tables(t, promote_options="permissive") for n, t in tables.items()}, columns,
                          {n: pa.concat_tables(t, promote_options="permissive") for n, t in context.items()})


def without_rows_of(prepared: PreparedTables, article_ids: Iterable[str]) -> PreparedTables:
    """`prepared` without the rows of some articles."""
    ids = pa.array(sorted(set(article_ids)), pa.string())
    tables = {}
    for name, rows in prepared.tables.items():
        if ARTICLE_ID in rows.column_names:
            rows = rows.filter(pc.fill_null(pc.invert(pc.is_in(rows[ARTICLE_ID], value_set=ids)), True))
        tables[name] = rows
    return dataclasses.replace(prepared, tables=tables)


def _found(keys: pa.ChunkedArray, parent_keys: pa.Array | pa.ChunkedArray | None) -> pa.Array:
    """Per key: its position among `parent_keys` (null when absent)."""
    if parent_keys is None:
        return pa.nulls(len(keys), pa.int32())
    return pc.index_in(keys, value_set=pa.chunked_array(parent_keys).combine_chunks()
                       if isinstance(parent_keys, pa.ChunkedArray) else parent_keys)


def _id_checks(name: str, table: pa.Table, parents: dict[str, pa.Table | None]) -> dict[str, pa.Array]:
    """The derived check columns of table `name` that need only ids and numbers."""
    from expectations import suites as s

    n = table.num_rows
    none = pa.nulls(n, pa.bool_())
    if name == ARTICLES.name:
        paras = parents[PARAGRAPHS.name]
        out = {}
        if paras is None:
            out[s.ARTICLE_HAS_PARAGRAPH.column] = none
            out[s.ARTICLE_PARAGRAPH_COUNT.column] = none
        else:
            counts = paras.group_by(ARTICLE_ID).aggregate([(ARTICLE_ID, "count")])
            at = _found(table[ARTICLE_ID], counts[ARTICLE_ID])
            count = pc.fill_null(pc.take(counts[f"{ARTICLE_ID}_count"], at), 0)
            out[s.ARTICLE_HAS_PARAGRAPH.column] = pc.greater(count, 0)
            out[s.ARTICLE_PARAGRAPH_COUNT.column] = pc.fill_null(
                pc.equal(count, pc.cast(table["n_paragraphs"], pa.int64())), False)
        latest = pc.cast(pc.add(table["ingested_at"], pa.scalar(s.TIMEZONE_SLACK, pa.duration("us"))), pa.date32())
        out[s.ARTICLE_NOT_AFTER_INGESTION.column] = pc.less_equal(table["published_date"], latest)
        return out
    if name in (PARAGRAPHS.name, REMOVED_LINES.name):
        arts = parents[ARTICLES.name]
        exists = pc.is_valid(_found(table[ARTICLE_ID], None if arts is None else arts[ARTICLE_ID]))
        check = s.PARAGRAPH_ARTICLE_EXISTS if name == PARAGRAPHS.name else s.REMOVED_LINE_ARTICLE_EXISTS
        return {check.column: exists}
    if name in MENTION_TABLES:
        paras = parents[PARAGRAPHS.name]
        exists_c, same_c, _, _ = s.MENTION_CHECKS[name]
        at = _found(table["paragraph_id"], None if paras is None else paras["paragraph_id"])
        out = {exists_c.column: pc.is_valid(at)}
        out[same_c.column] = none if paras is None else pc.equal(pc.take(paras[ARTICLE_ID], at), table[ARTICLE_ID])
        if name == LOCATION_MENTIONS.name:
            places = parents[PLACES.name]
            out[s.LOCATION_PLACE_EXISTS.column] = (
                none if places is None else
                pc.if_else(pc.is_valid(table["geonameid"]),
                           pc.is_valid(_found(table["geonameid"], places["geonameid"])), none))
        return out
    return {}


def with_id_checks(prepared: PreparedTables) -> dict[str, pa.Table]:
    """Every table with all its derived check columns, in the order `suites.CHECKS` declares them."""
    from expectations import suites as s

    parents = {name: _combined(name, prepared.tables, prepared.context, cols) for name, cols in _PARENT_IDS.items()}
    out = {}
    for name, rows in prepared.tables.items():
        found = {**_id_checks(name, rows, parents),
                 **{c: rows[c] for c in rows.column_names if c.startswith("check_")}}
        base = rows.drop_columns([c for c in rows.column_names if c.startswith("check_")])
        for check in s.CHECKS.get(name, ()):
            values = found.get(check.column)
            base = base.append_column(pa.field(check.column, pa.bool_()),
                                      pa.nulls(rows.num_rows, pa.bool_()) if values is None
                                      else pa.chunked_array(values) if not isinstance(values, pa.ChunkedArray)
                                      else values)
        out[name] = base
    return out


def _placeholder(n: int) -> pd.Categorical:
    """An empty column (one byte a row): the column-set expectation sees its name, nothing reads its values."""
    return pd.Categorical.from_codes(np.full(n, -1, dtype=np.int8), categories=pd.Index([], dtype=object))


def gx_frame(name: str, table: pa.Table, columns: Iterable[str]) -> pd.DataFrame:
    """The pandas frame GX validates for table `name`: `columns` (as given, then the checks) in GX's encoding."""
    from expectations import suites as s

    checks = [c.column for c in s.CHECKS.get(name, ())]
    data: dict[str, object] = {}
    for column in [*columns, *(c for c in checks if c not in columns)]:
        if column not in table.column_names:
            data[column] = _placeholder(table.num_rows)
            continue
        values = table[column]
        if pa.types.is_boolean(values.type):
            data[column] = values.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get)
        elif pa.types.is_string(values.type) and _rules(name).get(column, frozenset()) - _CATEGORICAL:
            data[column] = values.to_pandas()  # a rule that parses each value (JSON)
        elif pa.types.is_string(values.type) and _rules(name).get(column, frozenset()) & _VALUE_SETS:
            data[column] = pc.dictionary_encode(values).to_pandas()  # categorical: the rule reads the values
        elif pa.types.is_string(values.type):  # ids: equal strings, equal codes
            data[column] = pc.dictionary_encode(values.combine_chunks()).indices.to_pandas()
        elif pa.types.is_integer(values.type) and values.null_count == 0:
            # int64: GX compares int64 and float64 columns vectorized, narrower integers one value at a time
            data[column] = pc.cast(values, pa.int64()).to_pandas()
        else:
            data[column] = values.to_pandas()
    return pd.DataFrame(data)
