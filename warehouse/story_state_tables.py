"""State tables of incremental story grouping (`transforms.stories.story_assignments_update`), schema `internal`.

Not for readers of the warehouse: they hold what story grouping needs about each article so that a run
touches only the articles its news can affect instead of re-reading and re-scoring every article near it.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa

from transforms.stories import ArticleState, StoryPair, StoryTerm, term_key
from warehouse.schemas import TableSpec, _col, table_from_rows

STORY_TERM = pa.struct([
    pa.field("term", pa.string(), nullable=False),
    pa.field("tf", pa.int32(), nullable=False),
    pa.field("is_name", pa.bool_(), nullable=False),
])

STORY_PAIR = pa.struct([
    pa.field("article_id", pa.string(), nullable=False),
    pa.field("score", pa.int64(), nullable=False),
])

STORY_ARTICLE_TERMS = TableSpec(
    name="story_article_terms",
    grain="one row per article present in the warehouse",
    key=("article_id",),
    description="The content words of every article with their counts and the date story grouping files it "
                "under, and what grouping derived from them: term weights, indexed terms, and the article's pairs "
                "at the similarity threshold. Rows are only inserted and deleted: a row whose weights or pairs "
                "change is deleted and written again. Read by date range (keep files sorted by date so ranges "
                "prune) and by article_id.",
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
        _col("ingested_at", pa.timestamp("us", tz="UTC"),
             "When the article arrived (articles.ingested_at): of two articles' rows, the later one's keeps their "
             "pair."),
        _col("keys", pa.list_(pa.int64()),
             "transforms.stories.term_key of each of terms (same order): what articles are matched by, stored as "
             "numbers because they scan several times faster than the words."),
        _col("weights", pa.list_(pa.int32()),
             "Unit TF-IDF weight of each of terms (same order), its idf counted over the articles of the "
             "window_days days before the article's date, as round(weight * 2^30). Null only in rows written "
             "before weights were kept (a rebuild fills them)."),
        _col("indexed", pa.list_(pa.int64()),
             "Keys of the article's indexed terms, in word order: its top_terms heaviest, less those more than "
             "max_posting articles of those days print. Candidates for a pair share min_shared_top_terms of them."),
        _col("pairs", pa.list_(STORY_PAIR),
             "Every article that arrived before this one (by ingested_at, then article_id), lies within window_days "
             "and whose similarity with this one reaches story_similarity, strongest first (ties by article_id): "
             "score = the exact dot product of the two weight vectors, out of 2^60. Pairs with articles that "
             "arrived later are kept in their rows."),
    ]),
)


def story_state_table(rows: Iterable[ArticleState]) -> pa.Table:
    """State rows as a table in the schema's column order."""
    return table_from_rows(STORY_ARTICLE_TERMS, [
        {"article_id": r.article_id, "date": r.date, "story_id": r.story_id,
         "terms": [{"term": t.term, "tf": t.tf, "is_name": t.is_name} for t in r.terms], "ingested_at": r.ingested_at,
         "keys": [term_key(t.term) for t in r.terms], "weights": list(r.weights), "indexed": list(r.indexed),
         "pairs": [{"article_id": p.article_id, "score": p.score} for p in r.pairs]}
        for r in rows])


def story_pairs_table(rows: Iterable[tuple[str, tuple[StoryPair, ...]]]) -> pa.Table:
    """New pair lists by article_id (`StoriesDelta.pairs_replaced`), typed as the schema's pairs column."""
    schema = pa.schema([STORY_ARTICLE_TERMS.schema.field("article_id"), STORY_ARTICLE_TERMS.schema.field("pairs")])
    ids, pairs = [], []
    for aid, ps in rows:
        ids.append(aid)
        pairs.append([{"article_id": p.article_id, "score": p.score} for p in ps])
    return pa.table({"article_id": ids, "pairs": pairs}, schema=schema)


def story_state_rows(table: pa.Table) -> list[ArticleState]:
    """State rows back from a table (or query result) with the schema's columns."""
    cols = [table.column(c).to_pylist() for c in STORY_ARTICLE_TERMS.columns if c != "keys"]
    return [ArticleState(aid, date, story, tuple(StoryTerm(t["term"], t["tf"], t["is_name"]) for t in terms), at,
                         tuple(weights or ()), tuple(indexed or ()),
                         tuple(StoryPair(p["article_id"], p["score"]) for p in pairs or ()))
            for aid, date, story, terms, at, weights, indexed, pairs in zip(*cols, strict=True)]
