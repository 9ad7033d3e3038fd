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

from transforms.clean import CleanArticle, clean_article
from transforms.formats import RawArticle
from transforms.paragraphs import ParagraphSpan, article_text, paragraph_spans

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


def _publication(raw: RawArticle, clean: CleanArticle) -> tuple[dt.date | None, str]:
    """Publication date by precedence: metadata > html > dateline > (inferred later) > warc > none."""
    if raw.published is not None and raw.published_source in ("metadata", "html"):
        return raw.published, raw.published_source
    if clean.dateline is not None:
        return clean.dateline, "dateline"
    if raw.published is not None:
        return raw.published, raw.published_source or "metadata"
    return None, "none"


def prepared_article(raw: RawArticle) -> PreparedArticle:
    """Clean one raw article and settle what is known of its date and language."""
    clean = clean_article(raw.body, raw.title, title_in_body=raw.title_in_body)
    text = article_text(clean.paragraphs)
    published, source = _publication(raw, clean)
    return PreparedArticle(raw, clean, text, published, source, raw.language)


def with_story_dates(articles: Sequence[PreparedArticle]) -> list[PreparedArticle]:
    """Undated articles take the earliest publication date of dated articles in the same story (source `inferred`)."""
    story_dates: dict[str, list[dt.date]] = defaultdict(list)
    for a in articles:
        if a.raw.story_id and a.published is not None and a.published_source != "inferred":
            story_dates[a.raw.story_id].append(a.published)
    out = []
    for a in articles:
        if a.published_source in ("none", "warc") and a.raw.story_id in story_dates:
            a = replace(a, published=min(story_dates[a.raw.story_id]), published_source="inferred")
        out.append(a)
    return out


def article_rows(a: PreparedArticle, run_id: str, ingested_at: dt.datetime) -> Rows:
    """Rows of every article-level table for one prepared article."""
    sha = content_sha256(a.text)
    aid = article_id(a.raw.source_uri, sha)
    spans: list[ParagraphSpan] = paragraph_spans(a.text)
    rows: Rows = {
        "articles": [{
            "article_id": aid,
            "source_uri": a.raw.source_uri,
            "url": a.raw.url,
            "source_name": a.raw.source_name,
            "title": a.clean.title,
            "author": a.raw.author or a.clean.author,
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
            "repairs": ",".join(a.raw.repairs) or None,
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
