"""A frozen copy of `paragraph_dup_groups` as it was before it moved to transforms/paragraph_groups.py.

Do not edit: tests compare the live function with this one, so any change to the groups it returns is seen.
Copied from transforms/stories.py at commit e05385f (with the content-word helpers it used;
only lint-level edits: `zip(strict=True)` on equal lengths, one line wrapped).
"""

from __future__ import annotations

import itertools
import re
import zlib
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from transforms._data import rules

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_MASK32 = 0xFFFFFFFF
_BIGRAM_MULT = 0x85EBCA6B
_RULES: dict[str, Any] = rules("stories")
_STOP: frozenset[str] = frozenset(_RULES["stopwords"])


def _content_words(text: str) -> list[str]:
    stop = _STOP
    return [w for w in _WORD.findall(text.lower()) if len(w) > 1 and w not in stop and not w.isdigit()]


def _word_hash(cache: dict[str, int], word: str) -> int:
    h = cache.get(word)
    if h is None:
        h = cache[word] = zlib.crc32(word.encode("utf-8"))
    return h


def _shingle_sets(texts: Iterable[str]) -> list[tuple[int, ...]]:
    """Sorted distinct content-word bigram hashes of each text (unigrams when a text has a single word)."""
    cache: dict[str, int] = {}
    out = []
    for text in texts:
        hs = [_word_hash(cache, w) for w in _content_words(text)]
        if len(hs) >= 2:
            shingles = {((a * _BIGRAM_MULT) ^ b) & _MASK32 for a, b in itertools.pairwise(hs)}
        else:
            shingles = set(hs)
        out.append(tuple(sorted(shingles)))
    return out


def _minhash_params(n: int) -> tuple[np.ndarray, np.ndarray]:
    """`n` fixed odd multipliers and offsets for multiply-shift hashing."""
    a, b = [], []
    state = 0x2545F4914F6CDD1D
    for _ in range(n):
        state = (state * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        a.append(state | 1)
        state = (state * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        b.append(state)
    return np.array(a, dtype=np.uint64), np.array(b, dtype=np.uint64)


def _signatures(sets: list[tuple[int, ...]], n_hashes: int) -> np.ndarray:
    """MinHash signature matrix (paragraphs x hashes) of non-empty shingle sets, computed in one pass per hash."""
    lengths = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))
    flat = np.fromiter((h for s in sets for h in s), dtype=np.uint64, count=int(lengths.sum()))
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
    a, b = _minhash_params(n_hashes)
    sig = np.empty((len(sets), n_hashes), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(n_hashes):
            sig[:, j] = np.minimum.reduceat((flat * a[j] + b[j]) >> np.uint64(32), starts)
    return sig


def _near_duplicates(x: tuple[int, ...], y: tuple[int, ...]) -> bool:
    sx, sy = set(x), set(y)
    inter = len(sx & sy)
    if not inter:
        return False
    jaccard = inter / (len(sx) + len(sy) - inter)
    containment = inter / min(len(sx), len(sy))
    return jaccard >= float(_RULES["dup_jaccard"]) or containment >= float(_RULES["dup_containment"])


def paragraph_dup_groups(paragraphs: Sequence[tuple[str, str]]) -> dict[str, str]:
    """The near-duplicate group of every paragraph.

    Args:
        paragraphs: (paragraph_id, text) pairs; ids must be unique.

    Returns:
        paragraph_id -> dup_group, the smallest paragraph_id of its group: copies and light rewordings of
        one paragraph (syndicated text) share it; a paragraph with no copy is its own group. Paragraphs with
        too few content words to compare are grouped only with exact (normalized) copies.
    """
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
        key: tuple[int, ...] | str = s if s else " ".join(_WORD.findall(text.lower()))
        union(exact.setdefault(key, i), i)
    min_size = int(_RULES["dup_min_shingles"])
    # One representative per distinct set: copies are already joined.
    reps = sorted({find(i) for i in range(len(ids)) if len(sets[i]) >= min_size})
    if len(reps) > 1:
        bands, rows = int(_RULES["minhash_bands"]), int(_RULES["minhash_rows"])
        sig = _signatures([sets[i] for i in reps], bands * rows)
        for band in range(bands):
            buckets: dict[bytes, int] = {}
            block = np.ascontiguousarray(sig[:, band * rows:(band + 1) * rows])
            for k in range(len(reps)):
                key_b = block[k].tobytes()
                first = buckets.setdefault(key_b, k)
                # Compare with the bucket's first member only: linear even for boilerplate printed everywhere.
                if first != k and find(reps[first]) != find(reps[k]) \
                        and _near_duplicates(sets[reps[first]], sets[reps[k]]):
                    union(reps[first], reps[k])
    return {pid: ids[find(i)] for i, pid in enumerate(ids)}
