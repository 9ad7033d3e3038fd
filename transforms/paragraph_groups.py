"""Near-duplicate paragraphs: which paragraphs are copies or light rewordings of one another.

Paragraphs are compared by their sets of content-word bigrams (shingles). Paragraphs with the same set (or, with
no shingle at all, the same normalized words) are exact copies. MinHash signatures with LSH banding find
candidate near-copies among sets of at least `dup_min_shingles`, and the exact sets decide (Jaccard or
containment; `data/rules/stories.yaml`). Every hash is fixed (CRC-32 and constant multipliers) and ties are
broken by id, so the same input gives the same groups in any order, in any process.
"""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from transforms._data import rules
from transforms.words import content_words, normalized_words

_MASK32 = 0xFFFFFFFF
_BIGRAM_MULT = 0x85EBCA6B


@dataclass(frozen=True, slots=True)
class DupParams:
    """Near-duplicate thresholds and LSH shape; defaults to the rule file's."""

    jaccard: float       # near-duplicates when shingle Jaccard reaches this
    containment: float   # ... or when the smaller set is this much inside the larger
    min_shingles: int    # below this many shingles only exact copies are grouped
    bands: int           # LSH bands ...
    rows: int            # ... of this many MinHash values each

    @classmethod
    def from_rules(cls, data: Mapping[str, Any]) -> DupParams:
        """The params in a stories rule mapping (`data/rules/stories.yaml`)."""
        return cls(float(data["dup_jaccard"]), float(data["dup_containment"]), int(data["dup_min_shingles"]),
                   int(data["minhash_bands"]), int(data["minhash_rows"]))

    @property
    def fingerprint(self) -> str:
        """Text that changes with any param: kept beside an index, a different value means rebuild it."""
        return (f"jaccard={self.jaccard!r} containment={self.containment!r} min_shingles={self.min_shingles} "
                f"bands={self.bands} rows={self.rows}")


RULE_PARAMS = DupParams.from_rules(rules("stories"))


# --- shingles, signatures, the near-duplicate test ---------------------------------------------------------

def _word_hash(cache: dict[str, int], word: str) -> int:
    h = cache.get(word)
    if h is None:
        h = cache[word] = zlib.crc32(word.encode("utf-8"))
    return h


def _shingles(text: str, cache: dict[str, int]) -> tuple[int, ...]:
    """Sorted distinct content-word bigram hashes of `text` (its unigram when it has a single content word)."""
    hs = [_word_hash(cache, w) for w in content_words(text)]
    if len(hs) >= 2:
        shingles = {((a * _BIGRAM_MULT) ^ b) & _MASK32 for a, b in itertools.pairwise(hs)}
    else:
        shingles = set(hs)
    return tuple(sorted(shingles))


def _shingle_sets(texts: Iterable[str]) -> list[tuple[int, ...]]:
    """The shingles of each text."""
    cache: dict[str, int] = {}
    return [_shingles(text, cache) for text in texts]


def _minhash_params(n: int) -> tuple[np.ndarray, np.ndarray]:
    """`n` fixed odd multipliers and offsets for multiply-shift hashing (a fixed LCG, never the process's hash)."""
    a, b = [], []
    state = 0x2545F4914F6CDD1D
    for _ in range(n):
        state = (state * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        a.append(state | 1)
        state = (state * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        b.append(state)
    return np.array(a, dtype=np.uint64), np.array(b, dtype=np.uint64)


def _signatures(sets: list[tuple[int, ...]], n_hashes: int) -> np.ndarray:
    """MinHash signature matrix (sets x hashes) of non-empty shingle sets, one pass per hash; values < 2**32."""
    lengths = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))
    flat = np.fromiter((h for s in sets for h in s), dtype=np.uint64, count=int(lengths.sum()))
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
    a, b = _minhash_params(n_hashes)
    sig = np.empty((len(sets), n_hashes), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(n_hashes):
            sig[:, j] = np.minimum.reduceat((flat * a[j] + b[j]) >> np.uint64(32), starts)
    return sig


def _near_duplicate_sets(sx: frozenset[int], sy: frozenset[int], params: DupParams) -> bool:
    inter = len(sx & sy)
    if not inter:
        return False
    jaccard = inter / (len(sx) + len(sy) - inter)
    containment = inter / min(len(sx), len(sy))
    return jaccard >= params.jaccard or containment >= params.containment


def _near_duplicates(x: tuple[int, ...], y: tuple[int, ...], params: DupParams) -> bool:
    return _near_duplicate_sets(frozenset(x), frozenset(y), params)


# --- all at once -------------------------------------------------------------------------------------------

def paragraph_dup_groups(paragraphs: Sequence[tuple[str, str]], params: DupParams | None = None) -> dict[str, str]:
    """The near-duplicate group of every paragraph.

    Args:
        paragraphs: (paragraph_id, text) pairs; ids must be unique.
        params: thresholds and LSH shape; defaults to the rule file's.

    Returns:
        paragraph_id -> dup_group, the smallest paragraph_id of its group: copies and light rewordings of
        one paragraph (syndicated text) share it; a paragraph with no copy is its own group. Paragraphs with
        too few content words to compare are grouped only with exact (normalized) copies.
    """
    p = RULE_PARAMS if params is None else params
    ordered = sorted(paragraphs)
    ids = [pid for pid, _ in ordered]
    sets = _shingle_sets(text for _, text in ordered)
    parent = list(range(len(ids)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(x: int, y: int) -> None:
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)

    # Exact copies first (also the only rule for short or empty paragraphs).
    exact: dict[tuple[int, ...] | str, int] = {}
    for i, (s, (_, text)) in enumerate(zip(sets, ordered, strict=True)):
        key: tuple[int, ...] | str = s if s else normalized_words(text)
        union(exact.setdefault(key, i), i)
    # One representative per distinct set: copies are already joined.
    reps = sorted({find(i) for i in range(len(ids)) if len(sets[i]) >= p.min_shingles})
    if len(reps) > 1:
        sig = _signatures([sets[i] for i in reps], p.bands * p.rows)
        for band in range(p.bands):
            buckets: dict[bytes, int] = {}
            block = np.ascontiguousarray(sig[:, band * p.rows:(band + 1) * p.rows])
            for k in range(len(reps)):
                first = buckets.setdefault(block[k].tobytes(), k)
                # Compare with the bucket's first member only: linear even for boilerplate printed everywhere.
                if first != k and find(reps[first]) != find(reps[k]) \
                        and _near_duplicates(sets[reps[first]], sets[reps[k]], p):
                    union(reps[first], reps[k])
    return {pid: ids[find(i)] for i, pid in enumerate(ids)}
