"""State rows, each article's terms, and the exact fixed-point arithmetic the full and incremental paths share."""

from __future__ import annotations

import datetime
import functools
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from transforms.stories.records import StoryArticle, _Node
from transforms.stories.rule_data import _RULES, _name_words
from transforms.words import content_words

# --- stories ---------------------------------------------------------------------------------------------
#
# Every count looks back in time only, so that news arriving on the newest day changes nothing already
# computed. An article's *basis* is itself, every article dated 1 to W (`window_days`) days before it, and
# every undated article (an undated article's basis is every article). Its idf counts the documents of its
# basis, and one of its top terms is indexed unless more than `max_posting` articles of its basis contain it.
# Pairs are compared within W days either way, same day included. Hence adding or removing an article dated
# d re-weighs only the articles dated d+1..d+W (none when d is the newest day), and the pairs that appear,
# vanish or change score all have an end among the added, removed and re-weighed articles
# (`story_assignments_update` relies on this).
#
# Both paths share one arithmetic, exact wherever it decides anything: a unit weight is stored as the integer
# round(w * 2**30), computed by one function from integer counts (each log through `math.log` once per distinct
# argument, each sum of squares in term order), and a pair's score is the exact integer dot product of two such
# vectors (out of 2**60), so thresholds, ranks and ties come out the same whichever articles are computed together.

# Bump when the definition or the state rows change: state built otherwise is rebuilt, not updated.
STORY_STATE_FORMAT = 2
_FIXED = 1 << 30  # unit weights are round(w * 2**30); a score is a dot product of two, out of 2**60
_SLOTS = 1 << 22  # more than any date ordinal: (term, day) packs into one int64 as term * _SLOTS + day
_CHUNK = 1 << 22  # co-occurrences (and pairs) handled per numpy pass, to bound memory


class StoryTerm(NamedTuple):
    """A content word of one article: its term frequency (a title word counts `title_weight` times) and
    whether the text prints it as a name."""

    term: str
    tf: int
    is_name: bool


@dataclass(frozen=True, slots=True)
class ArticleTerms:
    """What story grouping reads about one article: the input part of a story state row."""

    article_id: str
    date: datetime.date | None
    story_id: str | None
    terms: tuple[StoryTerm, ...]
    ingested_at: datetime.datetime | None = None

    @property
    def arrival(self) -> int:
        """`ingested_at` in microseconds since 1970 (UTC), -1 when unknown."""
        return _micros(self.ingested_at)


class StoryPair(NamedTuple):
    """A partner at or above the similarity threshold, with the pair's score (exact dot product, out of 2**60)."""

    article_id: str
    score: int


@dataclass(frozen=True, slots=True)
class StoryLinks:
    """What grouping reads of a state row besides the terms: date, input story id, arrival and the pairs it keeps."""

    article_id: str
    date: datetime.date | None
    story_id: str | None
    arrival: int  # ingested_at in microseconds since 1970 (UTC), -1 when unknown
    pairs: tuple[StoryPair, ...]


@dataclass(frozen=True, slots=True)
class ArticleState:
    """One row of the story state table: an article's terms and what grouping derived from them."""

    article_id: str
    date: datetime.date | None
    story_id: str | None
    terms: tuple[StoryTerm, ...]
    ingested_at: datetime.datetime | None
    weights: tuple[int, ...]  # unit TF-IDF weight of each term over the article's basis, round(w * 2**30)
    indexed: tuple[int, ...]  # keys of its indexed terms, in word order: candidates share `min_shared_top_terms`
    # Its pairs at or above the threshold with articles that arrived before it (`_arrival`), strongest first,
    # ties by id; the others are kept by those partners' rows.
    pairs: tuple[StoryPair, ...]

    @property
    def arrival(self) -> int:
        """`ingested_at` in microseconds since 1970 (UTC), -1 when unknown."""
        return _micros(self.ingested_at)

    def input_terms(self) -> ArticleTerms:
        """The row's input part."""
        return ArticleTerms(self.article_id, self.date, self.story_id, self.terms, self.ingested_at)

    def links(self) -> StoryLinks:
        """The row's grouping part."""
        return StoryLinks(self.article_id, self.date, self.story_id, self.arrival, self.pairs)


def article_terms(article: StoryArticle) -> ArticleTerms:
    """The content words of one article with their counts, sorted by word."""
    title_weight = int(_RULES["title_weight"])
    counts: dict[str, int] = defaultdict(int)
    for w in content_words(article.text):
        counts[w] += 1
    for w in content_words(article.title or ""):
        counts[w] += title_weight
    names = _name_words(article.text)
    return ArticleTerms(article.article_id, article.published_date, article.story_id,
                        tuple(StoryTerm(w, k, w in names) for w, k in sorted(counts.items())), article.ingested_at)


def _day(article: _Node) -> int:
    """The date as an ordinal, 0 when unknown (ordinals start at 1)."""
    return 0 if article.date is None else article.date.toordinal()


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def _micros(at: datetime.datetime | None) -> int:
    """Microseconds since 1970 (a time without zone taken as UTC), -1 for none."""
    if at is None:
        return -1
    if at.tzinfo is None:
        at = at.replace(tzinfo=datetime.timezone.utc)
    return (at - _EPOCH) // datetime.timedelta(microseconds=1)


def _arrival(article: _Node) -> tuple[int, str]:
    """Which of two articles arrived later (unknown arrivals first, ties by id): its row keeps their pair."""
    return (article.arrival, article.article_id)


def _similarity(score: np.ndarray) -> np.ndarray:
    return score.astype(np.float64) / float(_FIXED * _FIXED)


def _cutoff(threshold: float | None) -> float:
    return float(_RULES["story_similarity"]) if threshold is None else threshold


@functools.lru_cache(maxsize=1 << 20)
def term_key(word: str) -> int:
    """The 64-bit key that stands for a word wherever articles are matched (counts, postings, dot products).

    Stored next to the words as numbers, which the warehouse scans several times faster than strings. Both
    paths match by key, so even two words with one key (about 1 in 10^8 for a million words) would count as
    one word alike everywhere.
    """
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little", signed=True)
