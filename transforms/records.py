"""Assemble warehouse rows for articles: cleaning, publication dates, paragraphs and ids.

Pure: raw article records in, plain row dicts out (the warehouse turns them into Arrow tables).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from transforms.budget import UNLIMITED, Budget
from transforms.clean import CleanArticle, clean_article
from transforms.dates import DateMention, date_mentions, story_published_date
from transforms.formats import RawArticle
from transforms.language import article_language, language_model
from transforms.locations import location_mentions, location_tables
from transforms.metadata import guarded_language, guarded_text
from transforms.paragraphs import ParagraphSpan, article_text, paragraph_spans
from transforms.publication import (
    article_date_problem,
    dateline_problem,
    inferred_publication,
    stated_date_problem,
)
from transforms.quantities import quantity_mentions

# The extraction rules are written for English; other languages get articles and paragraphs only.
EXTRACTION_LANGUAGES = frozenset({"en"})

Rows = dict[str, list[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class PreparedArticle:
    """An article after cleaning, with its publication date settled."""

    raw: RawArticle
    clean: CleanArticle
    text: str
    published: dt.date | None
    published_source: str
    language: str | None
    title: str | None
    author: str | None
    repairs: tuple[str, ...]  # the raw article's, then those made here (refused dates, a capped title, ...)


def loaded_models() -> tuple[Any, ...]:
    """The language model, gazetteer and name tables the steps load on first use (a second or two, once
    per process): a caller that budgets each article's time loads them before the first article."""
    return language_model(), location_tables()


def content_sha256(text: str) -> str:
    """Hex SHA-256 of an article's cleaned text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def article_id(source_uri: str, sha256: str) -> str:
    """Deterministic article id from where it came from and what it says."""
    return hashlib.sha256(f"{source_uri}\x1f{sha256}".encode()).hexdigest()[:20]


def paragraph_id(parent: str, ordinal: int) -> str:
    """Deterministic paragraph id from its article and position."""
    return f"{parent}-p{ordinal:04d}"


def mention_id(parent: str, kind: str, index: int) -> str:
    """Deterministic mention id from its paragraph, kind (d, q, l) and position."""
    return f"{parent}-{kind}{index:03d}"


def _publication(raw: RawArticle, clean: CleanArticle, ingested_at: dt.datetime | None, budget: Budget
                 ) -> tuple[dt.date | None, str, tuple[str, ...]]:
    """Publication date by precedence: metadata > html > dateline > inferred > warc > none, and the notes.

    A stated date outside the bounds (`transforms.publication`: before 1800, after the run's time, a clock's
    zero value), or a dateline whose words place its date elsewhere ("Born March 17, 1884"), is skipped with
    a note such as `published:future`, `dateline:too_old` or `dateline:context`. Story-level
    inference needs the other articles, so it happens in `with_story_dates`; here an article without a
    usable stated date may still infer one from a plausible full date in its lead.
    """
    notes: list[str] = []
    stated_source = raw.published_source or "metadata"
    if raw.published is not None and stated_source in ("metadata", "html"):
        problem = stated_date_problem(raw.published, ingested_at)
        if problem is None:
            return raw.published, stated_source, ()
        notes.append(f"{'published' if stated_source == 'metadata' else 'html_date'}:{problem}")
    if clean.dateline is not None:
        problem = stated_date_problem(clean.dateline, ingested_at, machine=False) or dateline_problem(
            [line.text for line in clean.removed if line.reason in ("dateline", "byline")], clean.dateline)
        if problem is None:
            return clean.dateline, "dateline", tuple(notes)
        notes.append(f"dateline:{problem}")
    crawled = None
    if raw.published is not None and stated_source == "warc":
        problem = stated_date_problem(raw.published, ingested_at)
        if problem is None:
            crawled = raw.published
        else:
            notes.append(f"warc_date:{problem}")
    inferred = inferred_publication(clean.paragraphs, url=raw.url, crawled=crawled, ingested_at=ingested_at,
                                    budget=budget)
    if inferred.date is not None:
        return inferred.date, "inferred", tuple(notes)
    if crawled is not None:
        return crawled, "warc", tuple(notes)
    return None, "none", tuple(notes)


def prepared_article(raw: RawArticle, ingested_at: dt.datetime | None = None, budget: Budget = UNLIMITED
                     ) -> PreparedArticle:
    """Clean one raw article and settle what is known of its date, language, title and author.

    Args:
        raw: the article as read.
        ingested_at: the run's time: no publication date after it (beyond a small tolerance) is used.
            None leaves the future unbounded (tools and tests without a run).
        budget: the article's time budget (cleaning and date inference check it; `OverBudget` stops them).

    Returns:
        The prepared article; its `repairs` add to the raw article's those made here.
    """
    clean = clean_article(raw.body, raw.title, title_in_body=raw.title_in_body, budget=budget)
    text = article_text(clean.paragraphs)
    published, source, notes = _publication(raw, clean, ingested_at, budget)
    # A title or byline taken from the body gets the same guards as metadata (caps, no bidi controls).
    title, title_repairs = guarded_text("title", clean.title)
    author, author_repairs = guarded_text("author", raw.author or clean.author)
    language, language_repairs = guarded_language(raw.language) if raw.language else (None, ())
    language = language or article_language(text)
    repairs = tuple(dict.fromkeys((*raw.repairs, *notes, *title_repairs, *author_repairs, *language_repairs)))
    return PreparedArticle(raw, clean, text, published, source, language, title, author, repairs)


_STATED = frozenset({"metadata", "html", "dateline"})


def with_story_dates(articles: Sequence[PreparedArticle]) -> list[PreparedArticle]:
    """Articles without a stated date take their story's date from its dated articles (source `inferred`).

    The story's date is taken only when it fits the article's own URL date and crawl date.
    """
    story_dates: dict[str, list[dt.date | None]] = defaultdict(list)
    for a in articles:
        if a.raw.story_id and a.published_source in _STATED:
            story_dates[a.raw.story_id].append(a.published)
    out = []
    for a in articles:
        if a.published_source not in _STATED and a.raw.story_id in story_dates:
            story_date = story_published_date(story_dates[a.raw.story_id])
            crawled = a.raw.published if a.raw.published_source == "warc" else None
            # The story's date must still fit this article's own URL date and crawl.
            if story_date is not None and article_date_problem(
                story_date, url=a.raw.url, crawled=crawled, ingested_at=None
            ) is None:
                a = replace(a, published=story_date, published_source="inferred")
        out.append(a)
    return out


def extracts(a: PreparedArticle) -> bool:
    """Whether the extraction rules apply to this article's language (unknown language: yes)."""
    return a.language is None or a.language in EXTRACTION_LANGUAGES


def article_rows(a: PreparedArticle, run_id: str, ingested_at: dt.datetime) -> Rows:
    """Rows of the articles, paragraphs and removed_lines tables for one prepared article."""
    sha = content_sha256(a.text)
    aid = article_id(a.raw.source_uri, sha)
    spans: list[ParagraphSpan] = paragraph_spans(a.text)
    rows: Rows = {
        "articles": [{
            "article_id": aid,
            "source_uri": a.raw.source_uri,
            "url": a.raw.url,
            "source_name": a.raw.source_name,
            "title": a.title,
            "author": a.author,
            "published_date": a.published,
            "published_date_source": a.published_source,
            "language": a.language,
            "story_id": a.raw.story_id,
            "input_format": a.raw.input_format,
            "duplicate_of": None,
            "text": a.text,
            "n_paragraphs": len(spans),
            "n_chars": len(a.text),
            "content_sha256": sha,
            "repairs": ",".join(a.repairs) or None,
            "run_id": run_id,
            "ingested_at": ingested_at,
        }],
        "paragraphs": [],
        "removed_lines": [],
    }
    for span in spans:
        rows["paragraphs"].append({
            "paragraph_id": paragraph_id(aid, span.ordinal),
            "article_id": aid,
            "ordinal": span.ordinal,
            "text": span.text,
            "char_start": span.start,
            "char_end": span.end,
            "n_words": span.n_words,
            "run_id": run_id,
        })
    for line in a.clean.removed:
        rows["removed_lines"].append({
            "article_id": aid, "line_no": line.line_no, "text": line.text, "reason": line.reason, "run_id": run_id,
        })
    return rows


def _mention_base(paragraph: dict[str, Any], kind: str, index: int, start: int, end: int, text: str,
                  run_id: str) -> dict[str, Any]:
    return {
        "mention_id": mention_id(paragraph["paragraph_id"], kind, index),
        "article_id": paragraph["article_id"],
        "paragraph_id": paragraph["paragraph_id"],
        "char_start": start,
        "char_end": end,
        "text": text,
        "run_id": run_id,
    }


def date_rows(paragraphs: Sequence[dict[str, Any]], anchor: dt.date | None, run_id: str,
              budget: Budget = UNLIMITED) -> tuple[list[dict[str, Any]], list[list[DateMention]]]:
    """`date_mentions` rows of an article's paragraphs, and the mentions per paragraph (quantities skip them)."""
    rows: list[dict[str, Any]] = []
    found: list[list[DateMention]] = []
    for p in paragraphs:
        mentions = date_mentions(p["text"], anchor, budget)
        found.append(mentions)
        for i, m in enumerate(mentions):
            rows.append({
                **_mention_base(p, "d", i, m.start, m.end, m.text, run_id),
                "timex_type": m.timex_type, "value": m.value, "start_date": m.start_date, "end_date": m.end_date,
                "granularity": m.granularity, "is_relative": m.is_relative, "anchor_date": m.anchor_date,
            })
    return rows, found


def quantity_rows(paragraphs: Sequence[dict[str, Any]], dates: Sequence[Sequence[DateMention]], run_id: str,
                  budget: Budget = UNLIMITED) -> list[dict[str, Any]]:
    """`quantity_mentions` rows of an article's paragraphs; numbers inside date mentions are never quantities."""
    rows: list[dict[str, Any]] = []
    for p, p_dates in zip(paragraphs, dates, strict=False):
        blocked = [(d.start, d.end) for d in p_dates]
        for i, m in enumerate(quantity_mentions(p["text"], blocked, budget)):
            rows.append({
                **_mention_base(p, "q", i, m.start, m.end, m.text, run_id),
                "low": m.low, "high": m.high, "low_inclusive": m.low_inclusive, "high_inclusive": m.high_inclusive,
                "approximate": m.approximate, "vague": m.vague, "unit": m.unit, "noun": m.noun,
                "qualifier": m.qualifier,
            })
    return rows


def location_rows(paragraphs: Sequence[dict[str, Any]], run_id: str,
                  budget: Budget = UNLIMITED) -> list[dict[str, Any]]:
    """`location_mentions` rows of an article's paragraphs (the whole article is the disambiguation context)."""
    rows: list[dict[str, Any]] = []
    per_paragraph = location_mentions([p["text"] for p in paragraphs], budget)
    for p, mentions in zip(paragraphs, per_paragraph, strict=False):
        for i, m in enumerate(mentions):
            rows.append({
                **_mention_base(p, "l", i, m.start, m.end, m.text, run_id),
                "geonameid": m.geonameid, "name": m.name, "feature": m.feature, "country_code": m.country_code,
                "admin1_code": m.admin1_code, "latitude": m.latitude, "longitude": m.longitude,
                "confidence": m.confidence, "is_modifier": m.is_modifier,
            })
    return rows
