"""The records of story grouping: articles in, assignments out, and the node shape both paths read."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class StoryArticle:
    """What story grouping needs to know about one article."""

    article_id: str
    title: str | None
    text: str
    published_date: datetime.date | None
    story_id: str | None
    # When the article arrived (the pipeline: its run's start). It changes no story, only which of two
    # articles' state rows keeps their pair: the later one's, so that new articles never rewrite older rows.
    ingested_at: datetime.datetime | None = None


@dataclass(frozen=True, slots=True)
class StoryAssignment:
    """The story of one article and how it was obtained: input, similarity or singleton."""

    article_id: str
    story_id: str
    story_id_source: str


class _Node(Protocol):
    @property
    def article_id(self) -> str: ...
    @property
    def date(self) -> datetime.date | None: ...
    @property
    def story_id(self) -> str | None: ...
    @property
    def arrival(self) -> int: ...
