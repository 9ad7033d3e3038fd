"""Stories: which articles report the same event.

Articles are compared by TF-IDF cosine over the content words of their title and text, only within a date
window (idf counts only the article itself and the articles of the days just before it), and grouped by
single-link clustering over mutual near neighbours at or above a threshold (`data/rules/stories.yaml`), or
updated incrementally with the same result. Ties are broken by id, so the same input gives the same ids in any
order, in any process. Near-duplicate paragraphs are `transforms.paragraph_groups`.
"""

from __future__ import annotations

import bisect
import datetime
import functools
import hashlib
import math
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple, Protocol

import numpy as np
import scipy.sparse

from transforms._data import rules
from transforms.words import STOPWORDS, WORD, content_words

# A capitalized word not at the start of a sentence or line.
_NAME = re.compile(r"(?:(?<=[^\W_] )|(?<=[^\W_][,;:] ))([A-ZÀ-ÖØ-Þ][^\W_]+(?:['’-][^\W_]+)*)")

# The dup_* and minhash_* keys are read by transforms/paragraph_groups.py; the file is validated here as a whole.
_NUMBER_KEYS = ("max_posting", "story_similarity", "title_weight", "name_weight", "idf_prior_articles", "top_terms",
                "neighbours", "min_shared_top_terms", "dup_jaccard", "dup_containment", "dup_min_shingles",
                "minhash_bands", "minhash_rows")

SOURCES = ("input", "similarity", "singleton")


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


def rule_errors(data: Any) -> list[str]:
    """Problems in the stories rule data (empty when valid)."""
    errors: list[str] = []
    if not isinstance(data, dict):
        return ["stories: top level must be a mapping"]
    for key in _NUMBER_KEYS:
        value = data.get(key)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
            errors.append(f"stories.{key}: must be a positive number, got {value!r}")
    for key in ("story_similarity", "dup_jaccard", "dup_containment"):
        value = data.get(key)
        if isinstance(value, (int, float)) and not 0 < value <= 1:
            errors.append(f"stories.{key}: must be in (0, 1], got {value!r}")
    words = data.get("stopwords")
    if not isinstance(words, list) or not words:
        errors.append("stories.stopwords: must be a non-empty list")
    else:
        for w in words:
            if not isinstance(w, str) or w != w.lower() or not WORD.fullmatch(w):
                errors.append(f"stories.stopwords: {w!r} is not a lowercase word (quote YAML booleans)")
        if len(set(map(str, words))) != len(words):
            errors.append("stories.stopwords: duplicates")
    return errors


_RULES: dict[str, Any] = rules("stories")


def _name_words(text: str) -> set[str]:
    """Lowercased content words printed capitalized inside a sentence: names, which pin down an event."""
    return {w.lower() for w in _NAME.findall(text)} - STOPWORDS


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


@dataclass(frozen=True, slots=True)
class _Entries:
    """The (article, term) rows of some articles, by article then word: their terms in flat arrays."""

    vocab: np.ndarray  # the distinct term keys, sorted: a term code is a position here
    owner: np.ndarray  # article position
    term: np.ndarray  # term code
    tf: np.ndarray
    is_name: np.ndarray


def _entries(arts: Sequence[ArticleTerms]) -> _Entries:
    n = sum(len(a.terms) for a in arts)
    keys = np.fromiter((term_key(t.term) for a in arts for t in a.terms), np.int64, n)
    vocab, term = np.unique(keys, return_inverse=True)
    return _Entries(
        vocab,
        np.repeat(np.arange(len(arts), dtype=np.int64), [len(a.terms) for a in arts]),
        term.astype(np.int64),
        np.fromiter((t.tf for a in arts for t in a.terms), np.int64, n),
        np.fromiter((t.is_name for a in arts for t in a.terms), np.bool_, n))


def _summed(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct keys, sorted, with the sum of their values."""
    order = np.argsort(keys, kind="stable")
    keys, values = keys[order], values[order]
    if not len(keys):
        return keys, values
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    return keys[starts], np.add.reduceat(values, starts)


def _range_sums(keys: np.ndarray, cumulative: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Sum of the values whose sorted key lies in [lo, hi], for each (lo, hi)."""
    return cumulative[np.searchsorted(keys, hi, "right")] - cumulative[np.searchsorted(keys, lo, "left")]


@dataclass(frozen=True, slots=True)
class _Basis:
    """What bases are counted from: dated articles per day, and per (term, day) how many contain the term;
    undated articles in all and per term."""

    days: np.ndarray
    sizes: np.ndarray  # cumulative, one longer than days
    keys: np.ndarray  # term * _SLOTS + day
    counts: np.ndarray  # cumulative, one longer than keys
    undated: int
    undated_df: np.ndarray  # per term code

    @classmethod
    def of(cls, day: np.ndarray, term_key: np.ndarray, undated: int, undated_df: np.ndarray) -> _Basis:
        """From one day ordinal per dated article and one key per dated (article, term) row (repeats add up)."""
        days, sizes = _summed(day, np.ones(len(day), np.int64))
        keys, counts = _summed(term_key, np.ones(len(term_key), np.int64))
        return cls(days, np.r_[0, np.cumsum(sizes)], keys, np.r_[0, np.cumsum(counts)], undated, undated_df)

    def sizes_and_df(self, day: np.ndarray, term: np.ndarray, owner: np.ndarray,
                     window_days: int) -> tuple[np.ndarray, np.ndarray]:
        """For articles dated `day` (0: undated) and rows (owner, term) of theirs: basis sizes (per row) and dfs."""
        dated = day > 0
        lo = np.where(dated, np.maximum(day - window_days, 0), 0)
        hi = np.where(dated, day - 1, _SLOTS - 1)
        size = _range_sums(self.days, self.sizes, lo, hi) + self.undated
        base = term * _SLOTS
        undated_df = self.undated_df[term] if len(self.undated_df) else 0
        df = _range_sums(self.keys, self.counts, base + lo[owner], base + hi[owner]) + undated_df
        return size[owner], df


def _each(values: np.ndarray, fn: Callable[[int], float]) -> np.ndarray:
    """fn of each value, evaluated once per distinct value in Python (vectorized logs may round differently
    from one array length or CPU path to another; both paths must agree to the bit)."""
    distinct, inverse = np.unique(values, return_inverse=True)
    return np.array([fn(v) for v in distinct.tolist()], dtype=np.float64)[inverse]


def _unit_weights(entries: _Entries, size: np.ndarray, df: np.ndarray, n_articles: int) -> np.ndarray:
    """Fixed-point unit TF-IDF weight of every row, given its article's basis size and the term's df there."""
    # Pseudo-articles lacking every word keep a small basis's idf close to a large one's, so a word shared by
    # all five articles of a quiet week still counts as specific.
    prior = float(_RULES["idf_prior_articles"])
    name_weight = float(_RULES["name_weight"])
    idf = _each((size << 32) | df, lambda k: math.log(((k >> 32) + prior + 1) / ((k & 0xFFFFFFFF) + 1)) + 1.0)
    raw = _each(entries.tf, lambda k: 1.0 + math.log(k)) * idf * np.where(entries.is_name, name_weight, 1.0)
    # bincount adds each article's squares one by one in term order, whatever else is in the batch.
    norm = np.sqrt(np.bincount(entries.owner, weights=raw * raw, minlength=n_articles))
    norm[norm == 0] = 1.0
    return np.rint(raw / norm[entries.owner] * _FIXED).astype(np.int64)


def _indexed_rows(entries: _Entries, weight: np.ndarray, df: np.ndarray) -> np.ndarray:
    """Which rows are indexed: the article's `top_terms` heaviest (ties by word), unless common in its basis."""
    top_terms = int(_RULES["top_terms"])
    max_posting = int(_RULES["max_posting"])
    # An article's rows are in word order, so a row's position breaks ties by word.
    order = np.lexsort((np.arange(len(weight)), -weight, entries.owner))
    grouped = entries.owner[order]
    rank = np.arange(len(order)) - np.searchsorted(grouped, grouped, "left")
    indexed = np.zeros(len(order), np.bool_)
    # A term that many earlier articles print cannot single out one event, and pairs grow as its square.
    indexed[order] = (rank < top_terms) & (df[order] <= max_posting)
    return indexed


def _expanded(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ranges [start, end): the range number and the position of each of their members."""
    lengths = ends - starts
    which = np.repeat(np.arange(len(starts)), lengths)
    offsets = np.repeat(np.cumsum(lengths) - lengths - starts, lengths)
    return which, np.arange(len(which)) - offsets


def _shared_pairs(query: tuple[np.ndarray, np.ndarray, np.ndarray], posting: tuple[np.ndarray, np.ndarray, np.ndarray],
                  queried: np.ndarray, window_days: int) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs (a, b): a queried article and another within the window (undated: any) sharing at least
    `min_shared_top_terms` indexed terms; a pair of two queried articles once, as a < b. Sorted.

    `query` and `posting` are (article, term, day) rows of indexed terms, day 0 when undated; query rows sorted
    by article.
    """
    min_shared = int(_RULES["min_shared_top_terms"])
    q_owner, q_term, q_day = query
    p_owner, p_term, p_day = posting
    keys = p_term * _SLOTS + p_day
    order = np.argsort(keys, kind="stable")
    keys, p_owner = keys[order], p_owner[order]
    base = q_term * _SLOTS
    dated = q_day > 0
    near_lo = np.searchsorted(keys, base + np.where(dated, np.maximum(q_day - window_days, 1), 0), "left")
    near_hi = np.searchsorted(keys, base + np.where(dated, q_day + window_days, _SLOTS - 1), "right")
    undated_lo = np.searchsorted(keys, base, "left")
    undated_hi = np.where(dated, np.searchsorted(keys, base, "right"), undated_lo)
    starts = np.concatenate([near_lo, undated_lo])
    ends = np.concatenate([near_hi, undated_hi])
    owners = np.concatenate([q_owner, q_owner])
    ranges = np.argsort(owners, kind="stable")  # by query article, so each pair's rows fall in one chunk
    starts, ends, owners = starts[ranges], ends[ranges], owners[ranges]
    n_codes = len(queried)
    out_a, out_b = [], []
    lengths = np.cumsum(ends - starts)
    first = 0
    while first < len(starts):
        # Cut between articles, after about _CHUNK co-occurrences.
        last = int(np.searchsorted(lengths, (lengths[first - 1] if first else 0) + _CHUNK, "right"))
        last = max(last, first + 1)
        if last < len(starts):
            last = int(np.searchsorted(owners, owners[last - 1], "right"))
        which, pos = _expanded(starts[first:last], ends[first:last])
        a = owners[first:last][which]
        b = p_owner[pos]
        keep = (a != b) & (~queried[b] | (a < b))
        codes, counts = np.unique(a[keep] * n_codes + b[keep], return_counts=True)
        codes = codes[counts >= min_shared]
        out_a.append(codes // n_codes)
        out_b.append(codes % n_codes)
        first = last
    if not out_a:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(out_a), np.concatenate(out_b)


def _dots(owner: np.ndarray, term: np.ndarray, weight: np.ndarray, shape: tuple[int, int],
          a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Exact integer dot products of rows a and b of the sparse matrix with entries (owner, term, weight)."""
    matrix = scipy.sparse.csr_array((weight, (owner, term)), shape=shape, dtype=np.int64)
    out = np.zeros(len(a), np.int64)
    step = max(1, _CHUNK // 256)
    for s in range(0, len(a), step):
        out[s:s + step] = (matrix[a[s:s + step]] * matrix[b[s:s + step]]).sum(axis=1)
    return out


@dataclass(frozen=True, slots=True)
class _Model:
    """Vectors, indexed terms and scored candidate pairs of some articles (positions in the given order)."""

    entries: _Entries
    weight: np.ndarray
    indexed: np.ndarray
    i: np.ndarray  # candidate pairs, i < j, sorted
    j: np.ndarray
    score: np.ndarray


def _model(arts: Sequence[ArticleTerms], window_days: int) -> _Model:
    entries = _entries(arts)
    day = np.fromiter((_day(a) for a in arts), np.int64, len(arts))
    row_day = day[entries.owner]
    dated_rows = row_day > 0
    basis = _Basis.of(day[day > 0], (entries.term * _SLOTS + row_day)[dated_rows], int((day == 0).sum()),
                      np.bincount(entries.term[~dated_rows], minlength=len(entries.vocab)))
    size, df = basis.sizes_and_df(day, entries.term, entries.owner, window_days)
    weight = _unit_weights(entries, size, df, len(arts))
    indexed = _indexed_rows(entries, weight, df)
    rows = (entries.owner[indexed], entries.term[indexed], row_day[indexed])
    i, j = _shared_pairs(rows, rows, np.ones(len(arts), np.bool_), window_days)
    score = _dots(entries.owner, entries.term, weight, (len(arts), len(entries.vocab)), i, j)
    return _Model(entries, weight, indexed, i, j, score)


def scored_pairs(articles: Sequence[StoryArticle], window_days: int = 3) -> list[tuple[float, int, int]]:
    """Candidate article pairs inside the date window with their cosine, as (similarity, i, j), i < j.

    Candidates share at least `min_shared_top_terms` of their indexed terms (highest-weighted, not too
    common in their basis), which keeps the comparison near-linear in the number of articles. Exposed for
    evaluation (threshold tuning).
    """
    m = _model([article_terms(a) for a in articles], window_days)
    return list(zip(_similarity(m.score).tolist(), m.i.tolist(), m.j.tolist(), strict=True))


def _mutual_neighbours(i: np.ndarray, j: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Which pairs have each article among the other's `neighbours` strongest (ties by partner position).

    Single-link clustering chains topics through hub articles; keeping only mutual near neighbours stops
    a generic article from joining unrelated stories while a story's own articles stay linked.
    """
    m = int(_RULES["neighbours"])
    n = len(i)
    owner, partner, both = np.concatenate([i, j]), np.concatenate([j, i]), np.concatenate([score, score])
    order = np.lexsort((partner, -both, owner))
    grouped = owner[order]
    rank = np.empty(2 * n, np.int64)
    rank[order] = np.arange(2 * n) - np.searchsorted(grouped, grouped, "left")
    return (rank[:n] < m) & (rank[n:] < m)


def _edges_and_model(arts: Sequence[ArticleTerms], window_days: int,
                     cutoff: float) -> tuple[list[tuple[int, int, int]], _Model, np.ndarray]:
    """Mutual-neighbour pairs at or above the cutoff as (score, i, j), strongest first (ties by position);
    the model; and which of its pairs reach the cutoff."""
    m = _model(arts, window_days)
    above = _similarity(m.score) >= cutoff
    i, j, score = m.i[above], m.j[above], m.score[above]
    keep = _mutual_neighbours(i, j, score)
    i, j, score = i[keep], j[keep], score[keep]
    order = np.lexsort((j, i, -score))
    return list(zip(score[order].tolist(), i[order].tolist(), j[order].tolist(), strict=True)), m, above


class _Node(Protocol):
    @property
    def article_id(self) -> str: ...
    @property
    def date(self) -> datetime.date | None: ...
    @property
    def story_id(self) -> str | None: ...
    @property
    def arrival(self) -> int: ...


class _UnionFind:
    """Disjoint sets over 0..n-1 that remember the input story id of each set, to keep two ids apart."""

    def __init__(self, labels: list[str | None]) -> None:
        self.parent = list(range(len(labels)))
        self.label = list(labels)

    def find(self, x: int) -> int:
        """The set's root, compressing the path."""
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int) -> bool:
        """Join two sets unless they carry different input story ids; True when joined."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        la, lb = self.label[ra], self.label[rb]
        if la is not None and lb is not None and la != lb:
            return False
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.label[ra] = la if la is not None else lb
        return True


def _grouped(ordered: Sequence[_Node], edges: Iterable[tuple[int, int, int]]) -> list[StoryAssignment]:
    """Stories of articles sorted by id, given their edges strongest first (indices into `ordered`)."""
    uf = _UnionFind([a.story_id for a in ordered])
    first_of_input: dict[str, int] = {}
    for i, a in enumerate(ordered):
        if a.story_id is not None:
            uf.union(first_of_input.setdefault(a.story_id, i), i)
    # Strongest pairs first, so a contested article joins the input story it is closest to.
    linked: set[int] = set()
    for _, i, j in edges:
        if uf.union(i, j):
            linked.update((i, j))
    members: dict[int, list[int]] = defaultdict(list)
    for i in range(len(ordered)):
        members[uf.find(i)].append(i)
    out: list[StoryAssignment] = []
    for root, group in members.items():
        label = uf.label[root]
        if label is None:
            first = min(group, key=lambda i: (ordered[i].date or datetime.date.max, ordered[i].article_id))
            label = f"story-{ordered[first].article_id}"
        for i in group:
            a = ordered[i]
            if a.story_id is not None:
                source = "input"
            elif i in linked or len(group) > 1:
                source = "similarity"
            else:
                source = "singleton"
            out.append(StoryAssignment(a.article_id, a.story_id or label, source))
    return sorted(out, key=lambda s: s.article_id)


def story_assignments(articles: Sequence[StoryArticle], window_days: int = 3,
                      threshold: float | None = None) -> list[StoryAssignment]:
    """The story of every article.

    Args:
        articles: the articles to group; ids must be unique. `published_date` is the article's date: the
            pipeline passes the publication date, else the date the article was first ingested.
        window_days: only articles at most this many days apart are compared, and an article's idf counts
            only itself and the articles of the this many days before its own (unknown dates are compared
            with, and counted for, every date; an undated article's idf counts every article).
        threshold: cosine at or above which two articles are the same story; defaults to the rule file's.

    Returns:
        One assignment per article, sorted by article_id. An input story_id is kept (`input`); a cluster of
        similar articles takes the input id of a member if it has one, else `story-<id of its earliest
        article>` (`similarity`); an article similar to no other is a `singleton` story of its own. Two
        different input ids are never merged.
    """
    ordered = [article_terms(a) for a in sorted(articles, key=lambda a: a.article_id)]
    edges, _, _ = _edges_and_model(ordered, window_days, _cutoff(threshold))
    return _grouped(ordered, edges)


def _ranked(pairs: Iterable[StoryPair]) -> tuple[StoryPair, ...]:
    """Strongest first, ties by partner id: the order of ranks (a tie between two of an article's pairs
    goes to the smaller pair of ids, which is the one with the smaller partner)."""
    return tuple(sorted(pairs, key=lambda p: (-p.score, p.article_id)))


def _held(arrivals: Mapping[str, _Node], pairs: Iterable[tuple[str, str, int]]) -> dict[str, list[StoryPair]]:
    """The pairs each row keeps: a pair goes to the end that arrived later."""
    held: dict[str, list[StoryPair]] = defaultdict(list)
    for a, b, score in pairs:
        if _arrival(arrivals[a]) < _arrival(arrivals[b]):
            a, b = b, a
        held[a].append(StoryPair(b, score))
    return held


def _rows(arts: Sequence[ArticleTerms], entries: _Entries, weight: np.ndarray, indexed: np.ndarray,
          held: Mapping[str, Iterable[StoryPair]]) -> list[ArticleState]:
    """State rows of `arts`, given their (article, term) rows and the pairs each keeps."""
    bounds = np.searchsorted(entries.owner, np.arange(len(arts) + 1)).tolist()
    weights = weight.tolist()
    flags = indexed.tolist()
    keys = entries.vocab[entries.term].tolist()
    out = []
    for k, t in enumerate(arts):
        lo, hi = bounds[k], bounds[k + 1]
        out.append(ArticleState(t.article_id, t.date, t.story_id, t.terms, t.ingested_at, tuple(weights[lo:hi]),
                                tuple(key for key, f in zip(keys[lo:hi], flags[lo:hi], strict=True) if f),
                                _ranked(held.get(t.article_id, ()))))
    return out


# --- stories, incrementally ------------------------------------------------------------------------------
#
# Why an update equals a full recompute. Let V be the articles whose vector or indexed terms may change: the
# added ones and those dated 1..W days after a changed day (added or removed). A pair appears, vanishes or
# changes score only if an end is in V or was removed, so an article's pairs at the threshold (hence its
# ranks) change only in T: V and every article with such a pair to V or to a removed article, before or
# after. An edge depends on its score and both ends' ranks, so an edge changes only where an end is in T (or
# was removed). V's rows are written anew; another row of T is rewritten only when the pairs it keeps change,
# which needs a removed or re-weighed partner, or a new partner from V that arrived before it: never when the
# news is newer than what is stored.
#
# The union-find outcome inside a set of articles closed under edges and input-id links depends only on the
# edges inside it (processed in the same global order), and an edge that failed (two different input ids) is
# a no-op, so every old story is the outcome of its own internal edges. The update regroups a set R grown to
# a fixpoint such that (1) it holds T; (2) with the removed articles it is a union of old stories; (3) it is
# closed under the new edges and input-id links. Then the articles outside R form old stories whose internal
# edges are unchanged, joined to R only by edges that failed before and do not exist now, so their stories are
# unchanged, and the union-find over R alone gives R's stories. An article's edges go to those of its
# `neighbours` strongest partners that rank it as high; its partners are the pairs its row keeps and those kept
# for it by rows within W days.
#
# What is read: the rows dated from W days before to 2W days after each changed day, as numbers (the bases,
# postings and partner weights of V, and the rows and pairs of T, are all in there); then whole stories, and the
# rows and pairs of their members and near neighbours.


class StoryWindow(NamedTuple):
    """The state rows dated in some spans, column by column. List columns are flat: row i's items are at
    [offsets[i], offsets[i + 1])."""

    article_id: Sequence[str]
    day: np.ndarray  # date ordinals
    story_id: Sequence[str | None]
    arrival: np.ndarray  # ingested_at in microseconds since 1970 (UTC), -1 when unknown
    term_offsets: np.ndarray
    keys: np.ndarray  # `term_key` of each term
    weights: np.ndarray
    indexed_offsets: np.ndarray
    indexed: np.ndarray  # keys
    pair_offsets: np.ndarray
    pair_partner: Sequence[str]
    pair_score: np.ndarray


class StoryIndex(Protocol):
    """Batch lookups an incremental story update makes over the warehouse, each one SQL query (a run that adds
    articles on the newest day makes two: a window and the stories in it).

    The state table holds one `ArticleState` row per present article; article_stories one row per present
    article. Unknown ids are simply absent from answers; order does not matter. Spans are inclusive
    (first, last) dates.
    """

    def states_in(self, spans: Sequence[tuple[datetime.date, datetime.date]]) -> Iterable[ArticleState]:
        """The state row of every article dated in one of the spans."""
        ...

    def window(self, spans: Sequence[tuple[datetime.date, datetime.date]], article_ids: Collection[str]) -> StoryWindow:
        """The state rows dated in the spans or of these articles, as columns (no words: keys and weights)."""
        ...

    def links_of(self, article_ids: Collection[str]) -> Iterable[StoryLinks]:
        """Date, input story id, arrival and kept pairs of these articles (from their state rows)."""
        ...

    def pairs_held(self, spans: Sequence[tuple[datetime.date, datetime.date]],
                   article_ids: Collection[str]) -> Iterable[tuple[str, str, int]]:
        """(keeper, partner, score) of every pair kept by a row dated in the spans whose partner is one of these."""
        ...

    def story_rows(self, article_ids: Collection[str], story_ids: Collection[str]) -> Iterable[StoryAssignment]:
        """Every article_stories row of a story that one of these articles is in or whose id is one of these."""
        ...


@dataclass(frozen=True, slots=True)
class StoriesDelta:
    """What brings article_stories and the story state table up to date: deletes by article_id, then writes.

    `pairs_replaced` are state rows that stay but keep other pairs (delete and insert the row with them).
    """

    stories_deleted: tuple[str, ...]
    stories_upserted: tuple[StoryAssignment, ...]
    state_deleted: tuple[str, ...]
    state_inserted: tuple[ArticleState, ...]
    pairs_replaced: tuple[tuple[str, tuple[StoryPair, ...]], ...] = ()


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Inclusive day spans, sorted, empty ones dropped, overlapping or adjacent ones joined."""
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(s for s in spans if s[0] <= s[1]):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _uncovered(spans: list[tuple[int, int]], covered: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of merged `spans` outside merged `covered`."""
    out = []
    for lo, hi in spans:
        cur = lo
        for clo, chi in covered:
            if chi < cur:
                continue
            if clo > hi:
                break
            if clo > cur:
                out.append((cur, clo - 1))
            cur = chi + 1
            if cur > hi:
                break
        if cur <= hi:
            out.append((cur, hi))
    return out


def _date_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[datetime.date, datetime.date]]:
    return [(datetime.date.fromordinal(max(lo, 1)), datetime.date.fromordinal(hi)) for lo, hi in spans]


def _dated(articles: Sequence[StoryArticle]) -> dict[str, ArticleTerms]:
    out: dict[str, ArticleTerms] = {}
    for a in articles:
        if a.published_date is None:
            raise ValueError(f"stories: article {a.article_id} has no date (pass the first ingestion date)")
        if a.article_id in out:
            raise ValueError(f"stories: article {a.article_id} given twice")
        out[a.article_id] = article_terms(a)
    return out


def _flat_rows(offsets: np.ndarray) -> np.ndarray:
    """The row of each item of a flat list column."""
    return np.repeat(np.arange(len(offsets) - 1, dtype=np.int64), np.diff(offsets))


class _KeyLookup:
    """Codes of term keys in a sorted vocabulary, through a direct-mapped table on the keys' low bits (a
    binary search only for keys whose slot two vocabulary keys share)."""

    def __init__(self, vocab: np.ndarray) -> None:
        self.vocab = vocab
        self.mask = (1 << max(10, (64 * len(vocab)).bit_length())) - 1
        slots = vocab & self.mask
        self.table = np.full(self.mask + 1, -1, np.int64)
        self.table[slots] = np.arange(len(vocab))
        distinct, counts = np.unique(slots, return_counts=True)
        self.table[distinct[counts > 1]] = -2

    def __call__(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which keys are in the vocabulary, and their codes (meaningless where not)."""
        code = self.table[keys & self.mask]
        shared = np.flatnonzero(code == -2)
        if len(shared):
            code[shared] = np.minimum(np.searchsorted(self.vocab, keys[shared]), len(self.vocab) - 1)
        code = np.maximum(code, 0)
        hit = self.vocab[code] == keys if len(self.vocab) else np.zeros(len(keys), np.bool_)
        return hit, code


def _reweighed(arts: Sequence[ArticleTerms], added: Collection[str], gone: Collection[str], win: StoryWindow,
               window_days: int, cutoff: float) -> tuple[list[ArticleState], list[tuple[str, str, int]]]:
    """State rows of `arts` (sorted by id: the added articles and those re-weighed) without their pairs, and
    every pair at the cutoff with an end among them, given the stored rows around them.

    Bases count the window's rows that stay (re-weighed ones too) and the added articles; postings and partner
    weights are the window's rows that stay and are not re-weighed, and `arts` themselves.
    """
    w = window_days
    entries = _entries(arts)
    n = len(arts)
    vocab = entries.vocab
    day = np.fromiter((_day(a) for a in arts), np.int64, n)
    row_day = day[entries.owner]
    new = np.fromiter((a.article_id in added for a in arts), np.bool_, n)
    new_rows = new[entries.owner]
    ours = {a.article_id for a in arts}
    live = np.fromiter((a not in gone for a in win.article_id), np.bool_, len(win.article_id))
    stays = live & np.fromiter((a not in ours for a in win.article_id), np.bool_, len(win.article_id))

    known = _KeyLookup(vocab)
    term_row = _flat_rows(win.term_offsets)
    # Only rows dated before the last of `arts` can be in a basis (none when news arrives on the newest day).
    before = np.flatnonzero((live & (win.day < (day.max() if n else 0)))[term_row])
    hit, code = known(win.keys[before])
    counted_day, counted_code = win.day[term_row[before[hit]]], code[hit]
    size = np.zeros(len(entries.term), np.int64)
    df = np.zeros(len(entries.term), np.int64)
    for d in sorted(set(day.tolist())):
        # The basis of the articles dated d: the rows staying and the added articles dated d-W..d-1.
        rows = row_day == d
        stored_in = (counted_day >= d - w) & (counted_day < d)
        added_in = new_rows & (row_day >= d - w) & (row_day < d)
        size[rows] = int((live & (win.day >= d - w) & (win.day < d)).sum()) + int(
            (new & (day >= d - w) & (day < d)).sum())
        df[rows] = (np.bincount(counted_code[stored_in], minlength=len(vocab))
                    + np.bincount(entries.term[added_in], minlength=len(vocab)))[entries.term[rows]]
    weight = _unit_weights(entries, size, df, n)
    indexed = _indexed_rows(entries, weight, df)

    query = (entries.owner[indexed], entries.term[indexed], row_day[indexed])
    indexed_row = _flat_rows(win.indexed_offsets)
    ihit, icode = known(win.indexed)
    posted = ihit & stays[indexed_row]
    posting = (np.concatenate([query[0], n + indexed_row[posted]]), np.concatenate([query[1], icode[posted]]),
               np.concatenate([query[2], win.day[indexed_row[posted]]]))
    queried = np.r_[np.ones(n, np.bool_), np.zeros(len(win.article_id), np.bool_)]
    a, b = _shared_pairs(query, posting, queried, w)

    partner = np.zeros(len(win.article_id), np.bool_)
    partner[b[b >= n] - n] = True
    theirs = np.flatnonzero(partner[term_row])
    hit, code = known(win.keys[theirs])
    theirs = theirs[hit]
    score = _dots(np.concatenate([entries.owner, n + term_row[theirs]]),
                  np.concatenate([entries.term, code[hit]]), np.concatenate([weight, win.weights[theirs]]),
                  (n + len(win.article_id), len(vocab)), a, b)
    above = _similarity(score) >= cutoff
    ids = [*(t.article_id for t in arts), *win.article_id]
    pairs = [(ids[x], ids[y], s) for x, y, s in zip(a[above].tolist(), b[above].tolist(), score[above].tolist(),
                                                    strict=True)]
    return _rows(arts, entries, weight, indexed, {}), pairs


class _Reader:
    """Rows and pairs of the stored state: from the window where it has them, else from the index."""

    def __init__(self, index: StoryIndex, win: StoryWindow, covered: list[tuple[int, int]], window_days: int) -> None:
        self.index = index
        self.win = win
        self.covered = covered
        self.w = window_days
        self.row = {a: k for k, a in enumerate(win.article_id)}
        self.keeper = np.repeat(np.arange(len(win.article_id)), np.diff(win.pair_offsets))

    def links(self, ids: Collection[str]) -> list[StoryLinks]:
        """Rows of these articles (those present)."""
        win, out = self.win, []
        for a in ids:
            if (k := self.row.get(a)) is not None:
                lo, hi = win.pair_offsets[k], win.pair_offsets[k + 1]
                out.append(StoryLinks(a, datetime.date.fromordinal(int(win.day[k])), win.story_id[k],
                                      int(win.arrival[k]), tuple(StoryPair(p, int(s)) for p, s in zip(
                                          win.pair_partner[lo:hi], win.pair_score[lo:hi].tolist(), strict=True))))
        rest = [a for a in ids if a not in self.row]
        return out + (list(self.index.links_of(rest)) if rest else [])

    def held_for(self, rows: Sequence[StoryLinks]) -> list[tuple[str, str, int]]:
        """(keeper, partner, score) of the pairs kept for these articles by other rows (within W days of them)."""
        want = {r.article_id for r in rows}
        win = self.win
        hits = np.flatnonzero(np.fromiter((p in want for p in win.pair_partner), np.bool_, len(win.pair_partner)))
        out = [(win.article_id[self.keeper[i]], win.pair_partner[i], int(win.pair_score[i])) for i in hits.tolist()]
        outside = _uncovered(_merged((_day(r) - self.w, _day(r) + self.w) for r in rows), self.covered)
        if outside:
            out += self.index.pairs_held(_date_spans(outside), sorted(want))
        return out


def story_assignments_update(index: StoryIndex, added: Sequence[StoryArticle], removed: Collection[str],
                             window_days: int = 3, threshold: float | None = None) -> StoriesDelta:
    """The changes to the stories when articles are added and removed, equal to a full recompute.

    Args:
        index: lookups over the current state (see `StoryIndex`), as left by earlier updates or a rebuild.
        added: new articles, each with a date (publication date, else first ingestion date). An id already
            present replaces that article.
        removed: ids of articles that are gone; ids not present are ignored.
        window_days: as for `story_assignments`, and the same on every run (a change needs a rebuild).
        threshold: as for `story_assignments`, likewise (state rows keep the pairs at or above it).

    Returns:
        The article_stories rows to delete (articles gone) and to upsert (only rows that are new or change),
        and the state rows to delete (articles gone, replaced or re-weighed), to insert (the added and
        re-weighed articles) and to give other pairs (rows whose kept pairs change). Reads the rows dated from
        W days before to 2W days after each changed day (the re-weighed ones are those 1..W days after it:
        none when news arrives on the newest day), then whole stories and their members' rows and pairs.
    """
    w = window_days
    m = int(_RULES["neighbours"])
    new = _dated(added)
    gone = set(removed) | new.keys()

    def around(days: Iterable[int]) -> list[tuple[int, int]]:
        return _merged((c - w, c + 2 * w) for c in days)

    covered = around(_day(t) for t in new.values())
    win = index.window(_date_spans(covered), sorted(gone))
    old_days = {int(d) for a, d in zip(win.article_id, win.day.tolist(), strict=True) if a in gone}
    if more := _uncovered(around(old_days), covered):  # removed or replaced articles dated elsewhere: read again
        covered = _merged(covered + more)
        win = index.window(_date_spans(covered), sorted(gone))
    reader = _Reader(index, win, covered, w)
    old_rows = {r.article_id: r for r in reader.links(sorted(a for a in gone if a in reader.row))}
    changed = {_day(r) for r in old_rows.values()} | {_day(t) for t in new.values()}
    if not changed:
        return StoriesDelta((), (), (), ())

    # Articles dated 1..W days after a changed day are re-weighed: their words are read only if there are any.
    later = _merged((c + 1, c + w) for c in changed)
    after = any(lo <= d <= hi for a, d in zip(win.article_id, win.day.tolist(), strict=True) if a not in gone
                for lo, hi in later)
    reweighed = {s.article_id: s for s in (index.states_in(_date_spans(later)) if after else ())
                 if s.article_id not in gone}
    arts = sorted([*new.values(), *(s.input_terms() for s in reweighed.values())], key=lambda t: t.article_id)
    rows, fresh = _reweighed(arts, new.keys(), gone, win, w, _cutoff(threshold))
    dropped = gone | {r.article_id for r in rows}
    fresh_of: dict[str, dict[str, int]] = defaultdict(dict)  # the new pairs, both ways
    for a, b, score in fresh:
        fresh_of[a][b] = fresh_of[b][a] = score
    stored: dict[str, StoryLinks] = {r.article_id: r.links() for r in rows}  # rows as they will be
    full: dict[str, dict[str, int]] = {r.article_id: dict(fresh_of.get(r.article_id, {})) for r in rows}

    def load(ids: Iterable[str]) -> None:
        """The rows and every pair of these articles (V's are known): kept by them or for them."""
        missing = sorted({a for a in ids if a not in full})
        if not missing:
            return
        stored.update((r.article_id, r) for r in reader.links([a for a in missing if a not in stored]))
        lost = [a for a in missing if a not in stored]
        if lost:
            raise ValueError(f"stories: article_stories rows without state rows, e.g. {lost[0]}; rebuild")
        got = {a: {p.article_id: p.score for p in stored[a].pairs if p.article_id not in dropped} for a in missing}
        for keeper, partner, score in reader.held_for([stored[a] for a in missing]):
            if keeper not in dropped:
                got[partner][keeper] = score
        for a in missing:
            full[a] = got[a] | fresh_of.get(a, {})

    # Whose pairs change: the new pairs' partners, and the partners the removed and re-weighed articles had.
    before = [*old_rows.values(), *(s.links() for s in reweighed.values())]
    touched = set(fresh_of) | {p.article_id for r in before for p in r.pairs}
    touched |= {keeper for keeper, _, _ in reader.held_for(before)} if before else set()
    touched -= dropped
    load(touched)
    replaced: list[tuple[str, tuple[StoryPair, ...]]] = []
    for a in sorted(touched):
        r, mine = stored[a], _arrival(stored[a])
        kept = _ranked([*(p for p in r.pairs if p.article_id not in dropped),
                        *(StoryPair(v, score) for v, score in fresh_of.get(a, {}).items()
                          if _arrival(stored[v]) < mine)])
        if kept != r.pairs:
            replaced.append((a, kept))
            stored[a] = replace(r, pairs=kept)
    rows = [replace(r, pairs=_ranked(StoryPair(p, score) for p, score in full[r.article_id].items()
                                     if _arrival(stored[p]) < _arrival(stored[r.article_id]))) for r in rows]

    tops: dict[str, list[str]] = {}

    def top(a: str) -> list[str]:
        if a not in tops:
            tops[a] = [p for p, _ in sorted(full[a].items(), key=lambda e: (-e[1], e[0]))[:m]]
        return tops[a]

    def present(a: str) -> bool:
        return a in new or a not in gone

    old: dict[str, StoryAssignment] = {}
    asked: set[str] = set()
    regroup: set[str] = set()
    # Every edge that changes has an end in here or among the removed articles.
    frontier = touched | full.keys() | old_rows.keys()
    while frontier:
        live = {a for a in frontier if present(a)}
        load(live)
        # Whole old stories: those of the frontier, and those its input ids name.
        named = {s for a in live if (s := stored[a].story_id) is not None} - asked
        asked |= named
        members = set()
        for row in index.story_rows(sorted(frontier - old.keys()), sorted(named)):
            old[row.article_id] = row
            members.add(row.article_id)
        regroup |= live
        frontier = {a for a in members if present(a)} - regroup
        if frontier:
            continue
        # Then every new edge of the regrouped articles.
        load(b for a in regroup for b in top(a))
        frontier = {b for a in regroup for b in top(a) if a in top(b)} - regroup

    ordered = sorted(regroup)
    pos = {a: i for i, a in enumerate(ordered)}
    inner = sorted(((full[a][b], pos[a], pos[b]) for a in ordered for b in top(a) if a < b and a in top(b)),
                   key=lambda e: (-e[0], e[1], e[2]))
    upserted = tuple(s for s in _grouped([stored[a] for a in ordered], inner) if old.get(s.article_id) != s)
    return StoriesDelta(
        stories_deleted=tuple(sorted(a for a in old_rows if a not in new)),
        stories_upserted=upserted,
        state_deleted=tuple(sorted(old_rows.keys() | reweighed.keys())),
        state_inserted=tuple(rows),
        pairs_replaced=tuple(replaced),
    )


def stories_from_scratch(articles: Sequence[StoryArticle], window_days: int = 3,
                         threshold: float | None = None) -> StoriesDelta:
    """Every article_stories row and story state row of these articles, to write into empty tables (rebuild)."""
    new = _dated(articles)
    ordered = [new[a] for a in sorted(new)]
    edges, m, above = _edges_and_model(ordered, window_days, _cutoff(threshold))
    ids = [a.article_id for a in ordered]
    held = _held(new, ((ids[i], ids[j], s) for i, j, s in zip(m.i[above].tolist(), m.j[above].tolist(),
                                                              m.score[above].tolist(), strict=True)))
    return StoriesDelta((), tuple(_grouped(ordered, edges)), (), tuple(_rows(ordered, m.entries, m.weight, m.indexed,
                                                                             held)))


def _offsets(lengths: Iterable[int]) -> np.ndarray:
    return np.r_[0, np.cumsum(np.fromiter(lengths, np.int64))].astype(np.int64)


class MemoryStoryIndex:
    """A `StoryIndex` over rows held in memory: what each lookup must answer, executable (tests, bench)."""

    def __init__(self, rows: Iterable[ArticleState] = (), assignments: Iterable[StoryAssignment] = ()) -> None:
        self.rows = {s.article_id: s for s in rows}
        self.assignments = {a.article_id: a for a in assignments}
        self._by_day: dict[int, list[ArticleState]] = defaultdict(list)
        for s in self.rows.values():
            if s.date is None:
                raise ValueError(f"stories: state row {s.article_id} has no date")
            self._by_day[s.date.toordinal()].append(s)
        self._days = sorted(self._by_day)
        self._members: dict[str, list[StoryAssignment]] = defaultdict(list)
        for a in self.assignments.values():
            self._members[a.story_id].append(a)

    @property
    def states(self) -> dict[str, ArticleTerms]:
        """The input part of every state row."""
        return {a: s.input_terms() for a, s in self.rows.items()}

    def states_in(self, spans: Sequence[tuple[datetime.date, datetime.date]]) -> list[ArticleState]:
        """State rows dated inside any inclusive span."""
        out = []
        for first, last in spans:
            lo, hi = first.toordinal(), last.toordinal()
            for day in self._days[bisect.bisect_left(self._days, lo):bisect.bisect_right(self._days, hi)]:
                out.extend(self._by_day[day])
        return out

    def window(self, spans: Sequence[tuple[datetime.date, datetime.date]], article_ids: Collection[str]) -> StoryWindow:
        """The rows in the spans or of these articles, as columns."""
        rows = self.states_in(spans)
        seen = {s.article_id for s in rows}
        rows += [self.rows[a] for a in article_ids if a in self.rows and a not in seen]
        return StoryWindow(
            [s.article_id for s in rows], np.array([_day(s) for s in rows], np.int64), [s.story_id for s in rows],
            np.array([_micros(s.ingested_at) for s in rows], np.int64),
            _offsets(len(s.terms) for s in rows), np.array([term_key(t.term) for s in rows for t in s.terms], np.int64),
            np.array([x for s in rows for x in s.weights], np.int64),
            _offsets(len(s.indexed) for s in rows), np.array([x for s in rows for x in s.indexed], np.int64),
            _offsets(len(s.pairs) for s in rows), [p.article_id for s in rows for p in s.pairs],
            np.array([p.score for s in rows for p in s.pairs], np.int64))

    def links_of(self, article_ids: Collection[str]) -> list[StoryLinks]:
        """Links of the given ids present."""
        return [self.rows[a].links() for a in article_ids if a in self.rows]

    def pairs_held(self, spans: Sequence[tuple[datetime.date, datetime.date]],
                   article_ids: Collection[str]) -> list[tuple[str, str, int]]:
        """Pairs kept by rows in the spans whose partner is asked for."""
        want = set(article_ids)
        return [(s.article_id, p.article_id, p.score) for s in self.states_in(spans) for p in s.pairs
                if p.article_id in want]

    def story_rows(self, article_ids: Collection[str], story_ids: Collection[str]) -> list[StoryAssignment]:
        """article_stories rows of the stories of these articles and of these story ids."""
        stories = {self.assignments[a].story_id for a in article_ids if a in self.assignments} | set(story_ids)
        return [a for s in sorted(stories) for a in self._members.get(s, ())]

    def applied(self, delta: StoriesDelta) -> MemoryStoryIndex:
        """A new index with the delta applied (deletes first, then writes)."""
        state_gone, stories_gone = set(delta.state_deleted), set(delta.stories_deleted)
        rows = {a: s for a, s in self.rows.items() if a not in state_gone}
        rows.update((a, replace(rows[a], pairs=pairs)) for a, pairs in delta.pairs_replaced)
        rows.update((s.article_id, s) for s in delta.state_inserted)
        stories = {a: s for a, s in self.assignments.items() if a not in stories_gone}
        stories.update((s.article_id, s) for s in delta.stories_upserted)
        return MemoryStoryIndex(rows.values(), stories.values())
