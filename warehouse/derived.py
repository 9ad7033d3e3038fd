"""Tables derived from the stored articles: `article_stories` and `paragraph_groups`, and their state.

`update` brings them up to date inside a run's publishing transaction, reading only what the changed
articles and paragraphs can affect (transforms.stories and transforms.paragraph_groups explain why the
result equals a full recompute); `rebuild` recomputes them from every stored article (`broadsheet rebuild`,
`repair`, and any run after the story or near-duplicate rules changed: their digest is kept with the state).

An article's date for story grouping is its publication date, else the day it was first ingested (UTC):
the same expression on both paths, so an update and a rebuild see the same dates.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Collection, Iterable, Mapping, Sequence

import duckdb
import numpy as np
import pyarrow as pa

from transforms._data import rules
from transforms.paragraph_groups import (
    BandRow,
    DupGroupsDelta,
    MemberRow,
    NodeRow,
    TableDelta,
    dup_groups_update,
    dup_index_rows,
)
from transforms.stories import (
    STORY_STATE_FORMAT,
    ArticleState,
    StoriesDelta,
    StoryArticle,
    StoryAssignment,
    StoryLinks,
    StoryPair,
    StoryWindow,
    stories_from_scratch,
    story_assignments_update,
)
from warehouse.schemas import ARTICLE_STORIES, ARTICLES, PARAGRAPH_GROUPS, PARAGRAPHS, table_from_rows
from warehouse.state_schemas import DERIVED_RULES
from warehouse.state_tables import DUP_BANDS, DUP_MEMBERS, DUP_NODES, state_table
from warehouse.story_state_tables import (
    STORY_ARTICLE_TERMS,
    story_pairs_table,
    story_state_rows,
    story_state_table,
)

STORY_DATE = "coalesce(published_date, CAST(timezone('UTC', ingested_at) AS DATE))"
_STORY_COLUMNS = f"article_id, title, text, {STORY_DATE}, story_id, ingested_at"


def _ids(values: Collection[str]) -> list[str]:
    return sorted(values)


_EPOCH = datetime.date(1970, 1, 1).toordinal()
_STATE = STORY_ARTICLE_TERMS.stored_name


def _ordinals(column: pa.ChunkedArray) -> np.ndarray:
    """Date ordinals (`datetime.date.toordinal`) of a date32 column."""
    return column.cast(pa.int32()).to_numpy().astype(np.int64) + _EPOCH


def _ints(column: pa.ChunkedArray) -> np.ndarray:
    return column.to_numpy().astype(np.int64)


def _flat(column: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """A list column as (offsets from 0, flat int64 values)."""
    lists = column.combine_chunks()
    offsets = lists.offsets.to_numpy().astype(np.int64)
    return offsets - offsets[0], lists.flatten().to_numpy().astype(np.int64)


def _spans_where(spans: Sequence[tuple[datetime.date, datetime.date]]) -> tuple[str, list[datetime.date]]:
    return " OR ".join("(date >= ? AND date <= ?)" for _ in spans), [d for span in spans for d in span]


class LakeStoryIndex:
    """`transforms.stories.StoryIndex` over the lake, inside the caller's transaction: one or two queries a lookup.

    Date spans prune files by their date statistics (state files are written sorted by date); list columns are
    unnested in DuckDB, and only numbers and the asked-for rows come back.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def states_in(self, spans: Sequence[tuple[datetime.date, datetime.date]]) -> list[ArticleState]:
        """State rows dated inside any of the inclusive spans."""
        if not spans:
            return []
        where, params = _spans_where(spans)
        cols = ", ".join(STORY_ARTICLE_TERMS.columns)
        return story_state_rows(self.con.execute(f"SELECT {cols} FROM {_STATE} WHERE {where}", params).to_arrow_table())

    def window(self, spans: Sequence[tuple[datetime.date, datetime.date]], article_ids: Collection[str]) -> StoryWindow:
        """The state rows dated in the spans or of these articles, as columns: one scan, no words (keys and
        weights are numbers)."""
        where, params = _spans_where(spans) if spans else ("false", [])
        table = self.con.execute(
            "SELECT article_id, date, story_id, coalesce(epoch_us(ingested_at), -1) AS arrival, keys, weights, "
            f"indexed, pairs FROM {_STATE} WHERE {where} OR list_contains(?::VARCHAR[], article_id)",
            [*params, _ids(article_ids)]).to_arrow_table()
        term_offsets, keys = _flat(table.column("keys"))
        _, weights = _flat(table.column("weights"))
        indexed_offsets, indexed = _flat(table.column("indexed"))
        pairs = table.column("pairs").combine_chunks()
        pair_offsets = (pairs.offsets.to_numpy() - pairs.offsets[0].as_py()).astype(np.int64)
        partners = pairs.flatten()
        return StoryWindow(table.column("article_id").to_pylist(), _ordinals(table.column("date")),
                           table.column("story_id").to_pylist(), _ints(table.column("arrival")), term_offsets, keys,
                           weights, indexed_offsets, indexed, pair_offsets, partners.field("article_id").to_pylist(),
                           partners.field("score").to_numpy().astype(np.int64))

    def links_of(self, article_ids: Collection[str]) -> list[StoryLinks]:
        """Date, input story id and pairs of the given articles."""
        if not article_ids:
            return []
        rows = self.con.execute("SELECT article_id, date, story_id, coalesce(epoch_us(ingested_at), -1), pairs "
                                f"FROM {_STATE} "
                                "WHERE list_contains(?::VARCHAR[], article_id)", [_ids(article_ids)]).fetchall()
        return [StoryLinks(a, d, s, at, tuple(StoryPair(p["article_id"], p["score"]) for p in pairs or ()))
                for a, d, s, at, pairs in rows]

    def pairs_held(self, spans: Sequence[tuple[datetime.date, datetime.date]],
                   article_ids: Collection[str]) -> list[tuple[str, str, int]]:
        """(keeper, partner, score) of the pairs kept by rows in the spans whose partner is asked for."""
        if not spans or not article_ids:
            return []
        where, params = _spans_where(spans)
        return self.con.execute(
            f"SELECT article_id, p.article_id, p.score FROM (SELECT article_id, unnest(pairs) AS p FROM {_STATE} "
            f"WHERE {where}) WHERE p.article_id IN (SELECT unnest(?::VARCHAR[]))",
            [*params, _ids(article_ids)]).fetchall()

    def story_rows(self, article_ids: Collection[str], story_ids: Collection[str]) -> list[StoryAssignment]:
        """article_stories rows of the stories these articles are in, and of these story ids."""
        if not article_ids and not story_ids:
            return []
        rows = self.con.execute(
            f"SELECT article_id, story_id, story_id_source FROM {ARTICLE_STORIES.stored_name} WHERE story_id IN "
            f"(SELECT story_id FROM {ARTICLE_STORIES.stored_name} WHERE list_contains(?::VARCHAR[], article_id)) "
            "OR list_contains(?::VARCHAR[], story_id)", [_ids(article_ids), _ids(story_ids)]).fetchall()
        return [StoryAssignment(*r) for r in rows]


def _delete_ids(con: duckdb.DuckDBPyConnection, stored: str, column: str, ids: Iterable[str]) -> None:
    ids = sorted(set(ids))
    if ids:
        con.execute(f"DELETE FROM {stored} WHERE {column} IN (SELECT unnest(?::VARCHAR[]))", [ids])


def _insert(con: duckdb.DuckDBPyConnection, stored: str, rows: pa.Table, order_by: str | None = None) -> None:
    if not rows.num_rows:
        return
    con.register("derived_rows", rows)
    try:
        cols = ", ".join(f'"{c}"' for c in rows.column_names)
        order = f" ORDER BY {order_by}" if order_by else ""
        con.execute(f"INSERT INTO {stored} ({cols}) SELECT {cols} FROM derived_rows{order}")
    finally:
        con.unregister("derived_rows")


def _apply_stories(con: duckdb.DuckDBPyConnection, delta: StoriesDelta) -> None:
    """Deletes by article_id first, then the upserted stories and the inserted state rows."""
    _delete_ids(con, ARTICLE_STORIES.stored_name, "article_id",
                [*delta.stories_deleted, *(s.article_id for s in delta.stories_upserted)])
    _insert(con, ARTICLE_STORIES.stored_name, table_from_rows(ARTICLE_STORIES, [
        {"article_id": s.article_id, "story_id": s.story_id, "story_id_source": s.story_id_source}
        for s in delta.stories_upserted]))
    rewritten = None
    if delta.pairs_replaced:
        # Rows that keep everything but their pairs: copied with the new pairs before the old rows go.
        con.register("story_new_pairs", story_pairs_table(delta.pairs_replaced))
        try:
            cols = ", ".join(f"s.{c}" if c != "pairs" else "n.pairs" for c in STORY_ARTICLE_TERMS.columns)
            rewritten = con.execute(f"SELECT {cols} FROM {_STATE} s JOIN story_new_pairs n "
                                    "ON s.article_id = n.article_id").to_arrow_table()
        finally:
            con.unregister("story_new_pairs")
    _delete_ids(con, _STATE, "article_id", [*delta.state_deleted, *(a for a, _ in delta.pairs_replaced)])
    # Sorted by date so that each file covers few days and date-range reads prune the others.
    _insert(con, _STATE, story_state_table(delta.state_inserted), order_by="date")
    if rewritten is not None:
        _insert(con, _STATE, rewritten, order_by="date")


class LakeDupIndex:
    """`transforms.paragraph_groups.DupIndex` over the lake, inside the caller's transaction: one query per lookup."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def _nodes(self, column: str, values: Collection[str]) -> list[NodeRow]:
        if not values:
            return []
        rows = self.con.execute(
            "SELECT node_key, node_id, n_members, dup_group, shingles, text_key, band_keys "
            f"FROM {DUP_NODES.stored_name} WHERE {column} IN (SELECT unnest(?::VARCHAR[]))", [_ids(values)]).fetchall()
        return [NodeRow(k, i, int(n), g, tuple(sh), t, tuple(b)) for k, i, n, g, sh, t, b in rows]

    def nodes(self, node_keys: Collection[str]) -> list[NodeRow]:
        """dup_nodes rows of the given keys."""
        return self._nodes("node_key", node_keys)

    def nodes_in_groups(self, dup_groups: Collection[str]) -> list[NodeRow]:
        """dup_nodes rows of the given groups."""
        return self._nodes("dup_group", dup_groups)

    def _members(self, column: str, values: Collection[str]) -> list[MemberRow]:
        if not values:
            return []
        rows = self.con.execute(f"SELECT paragraph_id, node_key FROM {DUP_MEMBERS.stored_name} "
                                f"WHERE {column} IN (SELECT unnest(?::VARCHAR[]))", [_ids(values)]).fetchall()
        return [MemberRow(*r) for r in rows]

    def members(self, paragraph_ids: Collection[str]) -> list[MemberRow]:
        """dup_members rows of the given paragraphs."""
        return self._members("paragraph_id", paragraph_ids)

    def members_of_nodes(self, node_keys: Collection[str]) -> list[MemberRow]:
        """dup_members rows of the given nodes."""
        return self._members("node_key", node_keys)

    def smallest_members(self, node_keys: Collection[str], excluding: Collection[str]) -> Mapping[str, str]:
        """node_key -> smallest paragraph_id among its members not excluded (nodes left empty are absent)."""
        if not node_keys:
            return {}
        rows = self.con.execute(f"SELECT node_key, min(paragraph_id) FROM {DUP_MEMBERS.stored_name} "
                                "WHERE node_key IN (SELECT unnest(?::VARCHAR[])) "
                                "AND paragraph_id NOT IN (SELECT unnest(?::VARCHAR[])) GROUP BY node_key",
                                [_ids(node_keys), _ids(excluding)]).fetchall()
        return dict(rows)

    def bucket_heads(self, band_keys: Collection[str], excluding: Collection[str]) -> list[BandRow]:
        """Per bucket, its member with the smallest node_id among nodes not excluded."""
        if not band_keys:
            return []
        rows = self.con.execute(f"SELECT band_key, arg_min(node_key, node_id), min(node_id) FROM "
                                f"{DUP_BANDS.stored_name} WHERE band_key IN (SELECT unnest(?::VARCHAR[])) "
                                "AND node_key NOT IN (SELECT unnest(?::VARCHAR[])) GROUP BY band_key",
                                [_ids(band_keys), _ids(excluding)]).fetchall()
        return [BandRow(*r) for r in rows]

    def bucket_members(self, band_keys: Collection[str]) -> list[BandRow]:
        """Every dup_bands row of the given buckets."""
        if not band_keys:
            return []
        rows = self.con.execute(f"SELECT band_key, node_key, node_id FROM {DUP_BANDS.stored_name} "
                                "WHERE band_key IN (SELECT unnest(?::VARCHAR[]))", [_ids(band_keys)]).fetchall()
        return [BandRow(*r) for r in rows]


def _apply_table(con: duckdb.DuckDBPyConnection, spec_name: str, key: str, delta: TableDelta, rows: pa.Table) -> None:
    _delete_ids(con, spec_name, key, delta.delete)
    _insert(con, spec_name, rows)


def _apply_dups(con: duckdb.DuckDBPyConnection, delta: DupGroupsDelta) -> None:
    """Each table delete-then-insert (dup_bands' deletes are by node_key)."""
    _apply_table(con, DUP_NODES.stored_name, "node_key", delta.nodes, state_table(DUP_NODES, delta.nodes.insert))
    _apply_table(con, DUP_BANDS.stored_name, "node_key", delta.bands, state_table(DUP_BANDS, delta.bands.insert))
    _apply_table(con, DUP_MEMBERS.stored_name, "paragraph_id", delta.members,
                 state_table(DUP_MEMBERS, delta.members.insert))
    _apply_table(con, PARAGRAPH_GROUPS.stored_name, "paragraph_id", delta.paragraph_groups,
                 table_from_rows(PARAGRAPH_GROUPS, [{"paragraph_id": g.paragraph_id, "dup_group": g.dup_group}
                                                    for g in delta.paragraph_groups.insert]))


def rules_digest() -> str:
    """Digest of the story and near-duplicate rules the incremental state was built with (and of the story
    state's format: state built by another definition of story grouping is rebuilt, not updated)."""
    stated = {**rules("stories"), "story_state_format": STORY_STATE_FORMAT}
    return hashlib.sha256(json.dumps(stated, sort_keys=True).encode()).hexdigest()


def _story_articles(con: duckdb.DuckDBPyConnection, source: str) -> list[StoryArticle]:
    return [StoryArticle(*row) for row in con.execute(f"SELECT {_STORY_COLUMNS} FROM {source}").fetchall()]


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute stories, near-duplicate groups and their state from every stored article."""
    for spec in (ARTICLE_STORIES, STORY_ARTICLE_TERMS, PARAGRAPH_GROUPS, DUP_NODES, DUP_BANDS, DUP_MEMBERS,
                 DERIVED_RULES):
        con.execute(f"DELETE FROM {spec.stored_name}")
    _apply_stories(con, stories_from_scratch(_story_articles(con, ARTICLES.stored_name)))
    paragraphs = con.execute(f"SELECT paragraph_id, text FROM {PARAGRAPHS.stored_name}").fetchall()
    _apply_dups(con, dup_index_rows(paragraphs))
    con.execute(f"INSERT INTO {DERIVED_RULES.stored_name} VALUES (?)", [rules_digest()])


def update(con: duckdb.DuckDBPyConnection, added_articles: str | None, added_paragraphs: str | None,
           gone_articles: list[str], gone_paragraphs: list[str]) -> None:
    """Bring the derived tables up to date after a run's inserts and deletes (inside its transaction).

    Args:
        con: the publishing connection, inside its transaction (reads see the run's own writes).
        added_articles: a SQL relation of the articles this run inserted (columns of internal.articles), or None.
        added_paragraphs: a SQL relation of the paragraphs it inserted (paragraph_id, text), or None.
        gone_articles: ids of the articles the run removed.
        gone_paragraphs: ids of their paragraphs.
    """
    stored = con.execute(f"SELECT digest FROM {DERIVED_RULES.stored_name}").fetchall()
    if [r[0] for r in stored] != [rules_digest()]:
        rebuild(con)  # the rules changed (or the state was never built): incremental state would not match
        return
    added = _story_articles(con, added_articles) if added_articles else []
    _apply_stories(con, story_assignments_update(LakeStoryIndex(con), added, gone_articles))
    paragraphs = con.execute(f"SELECT paragraph_id, text FROM {added_paragraphs}").fetchall() \
        if added_paragraphs else []
    _apply_dups(con, dup_groups_update(LakeDupIndex(con), paragraphs, gone_paragraphs))
