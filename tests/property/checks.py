"""Invariants the property tests assert on what readers and transforms hand on."""

from __future__ import annotations

import datetime as dt
import re

from transforms.formats import RawArticle, Reject
from transforms.metadata import CAPS, guarded_language

_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# RawArticle attribute -> metadata field whose guard it passed
_GUARDED = {"url": "url", "source_name": "source", "story_id": "story_id", "title": "title", "author": "author"}


def storable(value: str) -> bool:
    """Whether `value` can be written as UTF-8 (a lone surrogate cannot, and fails a whole Parquet part)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_guarded(field: str, value: str | None) -> None:
    """A metadata value as the guards leave it: absent, or stripped, capped, storable, without controls."""
    if value is None:
        return
    assert isinstance(value, str), (field, value)
    assert value and value == value.strip(), (field, value)
    assert len(value) <= CAPS[field], (field, len(value))
    assert storable(value), (field, value)
    assert not _CONTROL.search(value), (field, value)
    if field != "language":
        assert not _BIDI.search(value), (field, value)


def check_reject(r: Reject, uri: str) -> None:
    """A reject names its input, stage and reason, and every field can be stored."""
    assert r.source_uri.startswith(uri) or r.stage == "discover", r
    assert r.stage and r.reason and isinstance(r.detail, str), r
    assert r.reason != "error", f"a reader raised: {r.detail}"
    for value in (r.source_uri, r.stage, r.reason, r.detail):
        assert storable(value), r


def check_article(a: RawArticle, uri: str) -> None:
    """A raw article any later step can take: storable text, guarded metadata, a date or none."""
    assert a.source_uri.startswith(uri), (a.source_uri, uri)
    assert storable(a.source_uri) and storable(a.body), a.source_uri
    for attr, field in _GUARDED.items():
        check_guarded(field, getattr(a, attr))
    assert a.language is None or guarded_language(a.language) == (a.language, ()), a.language
    assert a.published is None or type(a.published) is dt.date, a.published
    assert (a.published is None) == (a.published_source is None), (a.published, a.published_source)
    assert all(isinstance(r, str) and storable(r) for r in a.repairs), a.repairs


def check_parsed(parsed: tuple[list[RawArticle], list[Reject]], uri: str) -> None:
    """Every article and reject a reader returned satisfies its invariants."""
    articles, rejects = parsed
    assert isinstance(articles, list) and isinstance(rejects, list)
    for a in articles:
        check_article(a, uri)
    for r in rejects:
        check_reject(r, uri)
