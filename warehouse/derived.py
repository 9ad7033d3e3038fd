"""Tables derived from the stored articles: `article_stories` and `paragraph_groups`.

`rebuild` recomputes both from every stored article (`broadsheet rebuild`); `update` brings them up to
date inside a run's publishing transaction.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from transforms.stories import StoryArticle, paragraph_dup_groups, story_assignments
from warehouse.schemas import ARTICLE_STORIES, ARTICLES, PARAGRAPH_GROUPS, PARAGRAPHS, table_from_rows


def _replace_all(con: duckdb.DuckDBPyConnection, stored: str, rows: pa.Table) -> None:
    con.execute(f"DELETE FROM {stored}")
    if rows.num_rows:
        con.register("derived_rows", rows)
        try:
            cols = ", ".join(f'"{c}"' for c in rows.column_names)
            con.execute(f"INSERT INTO {stored} ({cols}) SELECT {cols} FROM derived_rows")
        finally:
            con.unregister("derived_rows")


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute stories and near-duplicate paragraph groups from every stored article (in the caller's transaction)."""
    articles = [StoryArticle(*row) for row in con.execute(
        f"SELECT article_id, title, text, published_date, story_id FROM {ARTICLES.stored_name}").fetchall()]
    stories = story_assignments(articles)
    _replace_all(con, ARTICLE_STORIES.stored_name, table_from_rows(ARTICLE_STORIES, [
        {"article_id": s.article_id, "story_id": s.story_id, "story_id_source": s.story_id_source} for s in stories]))
    paragraphs = con.execute(f"SELECT paragraph_id, text FROM {PARAGRAPHS.stored_name}").fetchall()
    groups = paragraph_dup_groups(paragraphs)
    _replace_all(con, PARAGRAPH_GROUPS.stored_name, table_from_rows(PARAGRAPH_GROUPS, [
        {"paragraph_id": p, "dup_group": g} for p, g in sorted(groups.items())]))


def update(con: duckdb.DuckDBPyConnection, gone: list[str]) -> None:
    """Bring the derived tables up to date after a run inserted articles and removed `gone` (in its transaction)."""
    rebuild(con)
