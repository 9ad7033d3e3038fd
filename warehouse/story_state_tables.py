"""State tables of incremental story grouping (`transforms.stories.story_assignments_update`), schema `internal`.

Not for readers of the warehouse: they hold what story grouping needs about each article so that a run
regroups only the articles near what changed instead of re-reading every article's text.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa

from transforms.stories import ArticleTerms, StoryTerm
from warehouse.schemas import TableSpec, _col, table_from_rows

STORY_TERM = pa.struct([
    pa.field("term", pa.string(), nullable=False),
    pa.field("tf", pa.int32(), nullable=False),
    pa.field("is_name", pa.bool_(), nullable=False),
])

STORY_ARTICLE_TERMS = TableSpec(
    name="story_article_terms",
    grain="one row per article present in the warehouse",
    key=("article_id",),
    description="The content words of every article with their counts, and the date story grouping files it "
                "under. Written when an article arrives, deleted when it leaves; never updated in place. Read by "
                "date range (keep files sorted by date so ranges prune) and by article_id.",
    stored_in="internal",
    schema=pa.schema([
        _col("article_id", pa.string(), "The article (articles.article_id).", False),
        _col("date", pa.date32(),
             "The article's date for story grouping: published_date, else the day the article was first "
             "ingested (UTC). Fixed when the row is written.", False),
        _col("story_id", pa.string(), "The input's story id (articles.story_id as read), if any."),
        _col("terms", pa.list_(STORY_TERM),
             "Content words (lowercase, no stopwords or bare numbers), sorted by term: tf = occurrences in "
             "title and text (a title word counting title_weight times), is_name = the text prints it "
             "capitalized mid-sentence.", False),
    ]),
)


def story_state_table(rows: Iterable[ArticleTerms]) -> pa.Table:
    """State rows as a table in the schema's column order."""
    return table_from_rows(STORY_ARTICLE_TERMS, [
        {"article_id": r.article_id, "date": r.date, "story_id": r.story_id,
         "terms": [{"term": t.term, "tf": t.tf, "is_name": t.is_name} for t in r.terms]}
        for r in rows])


def story_state_rows(table: pa.Table) -> list[ArticleTerms]:
    """State rows back from a table (or query result) with the schema's columns."""
    cols = [table.column(c).to_pylist() for c in ("article_id", "date", "story_id", "terms")]
    return [ArticleTerms(aid, date, story, tuple(StoryTerm(t["term"], t["tf"], t["is_name"]) for t in terms))
            for aid, date, story, terms in zip(*cols, strict=True)]
