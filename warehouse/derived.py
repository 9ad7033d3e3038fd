"""Tables derived from the stored articles: `article_stories` and `paragraph_groups`, and their state.

`update` brings them up to date inside a run's publishing transaction, reading only what the changed
articles can affect (transforms.stories explains why the result equals a full recompute); `rebuild`
recomputes them from every stored article (`broadsheet rebuild`, `repair`).

An article's date for story grouping is its publication date, else the day it was first ingested (UTC):
the same expression on both paths, so an update and a rebuild see the same dates.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterable, Sequence

import duckdb
import pyarrow as pa

from transforms.stories import (
    ArticleTerms,
    StoriesDelta,
    StoryArticle,
    StoryAssignment,
    paragraph_dup_groups,
    stories_from_scratch,
    story_assignments_update,
)
from warehouse.schemas import ARTICLE_STORIES, ARTICLES, PARAGRAPH_GROUPS, PARAGRAPHS, table_from_rows
from warehouse.story_state_tables import STORY_ARTICLE_TERMS, story_state_rows, story_state_table

STORY_DATE = "coalesce(published_date, CAST(timezone('UTC', ingested_at) AS DATE))"
_STORY_COLUMNS = f"article_id, title, text, {STORY_DATE}, story_id"


def _ids(values: Collection[str]) -> list[str]:
    return sorted(values)


class LakeStoryIndex:
    """`transforms.stories.StoryIndex` over the lake, inside the caller's transaction: one query per lookup."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def dates_of(self, article_ids: Collection[str]) -> dict[str, datetime.date]:
        """article_id -> story date of the given articles in the state table."""
        if not article_ids:
            return {}
        rows = self.con.execute(f"SELECT article_id, date FROM {STORY_ARTICLE_TERMS.stored_name} "
                                "WHERE article_id IN (SELECT unnest(?::VARCHAR[]))", [_ids(article_ids)]).fetchall()
        return dict(rows)

    def states_in(self, spans: Sequence[tuple[datetime.date, datetime.date]]) -> list[ArticleTerms]:
        """State rows dated inside any of the inclusive spans (files are pruned by their date statistics)."""
        if not spans:
            return []
        where = " OR ".join("(date >= ? AND date <= ?)" for _ in spans)
        params = [d for span in spans for d in span]
        table = self.con.execute(f"SELECT article_id, date, story_id, terms FROM {STORY_ARTICLE_TERMS.stored_name} "
                                 f"WHERE {where}", params).to_arrow_table()
        return story_state_rows(table)

    def _assignments(self, column: str, values: Collection[str]) -> list[StoryAssignment]:
        if not values:
            return []
        rows = self.con.execute(f"SELECT article_id, story_id, story_id_source FROM {ARTICLE_STORIES.stored_name} "
                                f"WHERE {column} IN (SELECT unnest(?::VARCHAR[]))", [_ids(values)]).fetchall()
        return [StoryAssignment(*r) for r in rows]

    def assignments_of(self, article_ids: Collection[str]) -> list[StoryAssignment]:
        """article_stories rows of the given articles."""
        return self._assignments("article_id", article_ids)

    def story_members(self, story_ids: Collection[str]) -> list[StoryAssignment]:
        """article_stories rows of the given stories."""
        return self._assignments("story_id", story_ids)


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
    _delete_ids(con, STORY_ARTICLE_TERMS.stored_name, "article_id", delta.state_deleted)
    # Sorted by date so that each file covers few days and date-range reads prune the others.
    _insert(con, STORY_ARTICLE_TERMS.stored_name, story_state_table(delta.state_inserted), order_by="date")


def _story_articles(con: duckdb.DuckDBPyConnection, source: str) -> list[StoryArticle]:
    return [StoryArticle(*row) for row in con.execute(f"SELECT {_STORY_COLUMNS} FROM {source}").fetchall()]


def _replace_all(con: duckdb.DuckDBPyConnection, stored: str, rows: pa.Table) -> None:
    con.execute(f"DELETE FROM {stored}")
    _insert(con, stored, rows)


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute stories, their state and near-duplicate paragraph groups from every stored article."""
    con.execute(f"DELETE FROM {ARTICLE_STORIES.stored_name}")
    con.execute(f"DELETE FROM {STORY_ARTICLE_TERMS.stored_name}")
    _apply_stories(con, stories_from_scratch(_story_articles(con, ARTICLES.stored_name)))
    _rebuild_paragraph_groups(con)


def _rebuild_paragraph_groups(con: duckdb.DuckDBPyConnection) -> None:
    paragraphs = con.execute(f"SELECT paragraph_id, text FROM {PARAGRAPHS.stored_name}").fetchall()
    groups = paragraph_dup_groups(paragraphs)
    _replace_all(con, PARAGRAPH_GROUPS.stored_name, table_from_rows(PARAGRAPH_GROUPS, [
        {"paragraph_id": p, "dup_group": g} for p, g in sorted(groups.items())]))


def update(con: duckdb.DuckDBPyConnection, added_source: str | None, gone: list[str]) -> None:
    """Bring the derived tables up to date after a run inserted articles and removed `gone` (in its transaction).

    Args:
        con: the publishing connection, inside its transaction (reads see the run's own writes).
        added_source: a SQL relation of the articles this run inserted (columns of internal.articles), or None.
        gone: ids of the articles the run removed.
    """
    added = _story_articles(con, added_source) if added_source else []
    _apply_stories(con, story_assignments_update(LakeStoryIndex(con), added, gone))
    _rebuild_paragraph_groups(con)
