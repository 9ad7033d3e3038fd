"""TF-IDF weights over each article's basis, and the scored pairs of mutual near neighbours."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse

from transforms.stories.records import StoryArticle
from transforms.stories.rule_data import _RULES
from transforms.stories.terms import _CHUNK, _FIXED, _SLOTS, ArticleTerms, _day, _similarity, article_terms, term_key


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
