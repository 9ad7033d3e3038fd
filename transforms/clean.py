"""Cleaning: from a raw article body to its title, paragraphs and the lines dropped on the way."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from transforms.normalize import normalized_text

_LINE_BREAK = re.compile(r"\r\n?|\n")


@dataclass(frozen=True, slots=True)
class RemovedLine:
    """A line of the raw body that is not part of the article, with why."""

    line_no: int  # 1-based, in the raw body
    text: str
    reason: str


@dataclass(frozen=True, slots=True)
class CleanArticle:
    """What cleaning keeps and finds."""

    title: str | None
    paragraphs: tuple[str, ...]
    author: str | None
    dateline: dt.date | None
    removed: tuple[RemovedLine, ...]


def _same_title(line: str, title: str | None) -> bool:
    return title is not None and line.casefold() == title.casefold()


def clean_article(body: str, title: str | None = None, *, title_in_body: bool = False) -> CleanArticle:
    """Title, paragraphs and removed lines of one article.

    Args:
        body: the raw text; paragraphs are separated by empty lines, or one per line.
        title: the title from metadata, when the input has one.
        title_in_body: the first non-empty line of `body` is the title (plain-text inputs).

    Returns:
        The cleaned article; every non-empty line of `body` is either the title, in a paragraph, or removed.
    """
    paragraphs: list[str] = []
    removed: list[RemovedLine] = []
    title_taken = not title_in_body
    for line_no, raw in enumerate(_LINE_BREAK.split(body), start=1):
        line = normalized_text(raw)
        if not line:
            continue
        if not title_taken:
            title, title_taken = title or line, True
            continue
        if _same_title(line, title):
            removed.append(RemovedLine(line_no, line, "repeated_title"))
            continue
        paragraphs.append(line)
    return CleanArticle(title, tuple(paragraphs), None, None, tuple(removed))
