"""Stories: which articles report the same event.

Articles are compared by TF-IDF cosine over the content words of their title and text, only within a
publication-date window, and grouped by single-link clustering over the pairs at or above a threshold
(`data/rules/stories.yaml`). Ties are broken by id, so the same input gives the same ids in any order, in any
process. Near-duplicate paragraphs are `transforms.paragraph_groups`.
"""

from __future__ import annotations

import datetime
import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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

def _tfidf_vectors(articles: Sequence[StoryArticle]) -> list[dict[str, float]]:
    """Unit-length TF-IDF vectors (sublinear tf, smoothed idf over this collection)."""
    title_weight = int(_RULES["title_weight"])
    name_weight = float(_RULES["name_weight"])
    name_sets = [_name_words(a.text) for a in articles]
    counts: list[dict[str, int]] = []
    df: dict[str, int] = defaultdict(int)
    for a in articles:
        c: dict[str, int] = defaultdict(int)
        for w in content_words(a.text):
            c[w] += 1
        for w in content_words(a.title or ""):
            c[w] += title_weight
        counts.append(c)
        for w in c:
            df[w] += 1
    n = len(articles)
    # Pseudo-articles lacking every word keep a small collection's idf close to a large one's, so a word
    # shared by all five articles of a five-article batch still counts as specific.
    prior = float(_RULES["idf_prior_articles"])
    idf = {w: math.log((n + prior + 1) / (d + 1)) + 1.0 for w, d in df.items()}
    vectors = []
    for c in counts:
        names = name_sets.pop(0)
        v = {w: (1.0 + math.log(k)) * idf[w] * (name_weight if w in names else 1.0) for w, k in c.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        vectors.append({w: x / norm for w, x in v.items()})
    return vectors


def _cosine(u: dict[str, float], v: dict[str, float]) -> float:
    if len(u) > len(v):
        u, v = v, u
    return sum(x * v.get(w, 0.0) for w, x in u.items())


def _within_window(a: datetime.date | None, b: datetime.date | None, window_days: int) -> bool:
    """Unknown dates never rule a pair out: the text decides."""
    return a is None or b is None or abs((a - b).days) <= window_days


def scored_pairs(articles: Sequence[StoryArticle], window_days: int = 3) -> list[tuple[float, int, int]]:
    """Candidate article pairs inside the date window with their cosine, as (similarity, i, j), i < j.

    Candidates share at least `min_shared_top_terms` of their highest-weighted terms, which keeps the
    comparison near-linear in the number of articles. Exposed for evaluation (threshold tuning).
    """
    vectors = _tfidf_vectors(articles)
    k = int(_RULES["top_terms"])
    min_shared = int(_RULES["min_shared_top_terms"])
    index: dict[str, list[int]] = defaultdict(list)
    for i, v in enumerate(vectors):
        for w in sorted(v, key=lambda t: (-v[t], t))[:k]:
            index[w].append(i)
    max_posting = int(_RULES["max_posting"])
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for posting in index.values():
        if len(posting) > max_posting:
            continue  # a term that many articles rank highly cannot single out one event, and pairs grow as n^2
        for x in range(len(posting)):
            for y in range(x + 1, len(posting)):
                shared[(posting[x], posting[y])] += 1
    pairs = []
    for (i, j), n in shared.items():
        if n >= min_shared and _within_window(articles[i].published_date, articles[j].published_date, window_days):
            pairs.append((_cosine(vectors[i], vectors[j]), i, j))
    return pairs


def _mutual_neighbour_edges(pairs: list[tuple[float, int, int]]) -> list[tuple[float, int, int]]:
    """Pairs where each article is among the other's `neighbours` most similar, strongest first.

    Single-link clustering chains topics through hub articles; keeping only mutual near neighbours stops
    a generic article from joining unrelated stories while a story's own articles stay linked.
    """
    m = int(_RULES["neighbours"])
    ranked = sorted(pairs, key=lambda p: (-p[0], p[1], p[2]))
    rank: dict[int, int] = defaultdict(int)
    keep = []
    for sim, i, j in ranked:
        ri, rj = rank[i], rank[j]
        rank[i] += 1
        rank[j] += 1
        if ri < m and rj < m:
            keep.append((sim, i, j))
    return keep


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


def story_assignments(articles: Sequence[StoryArticle], window_days: int = 3,
                      threshold: float | None = None) -> list[StoryAssignment]:
    """The story of every article.

    Args:
        articles: the articles to group; ids must be unique.
        window_days: only articles published at most this many days apart are compared (unknown dates are
            compared with every date).
        threshold: cosine at or above which two articles are the same story; defaults to the rule file's.

    Returns:
        One assignment per article, sorted by article_id. An input story_id is kept (`input`); a cluster of
        similar articles takes the input id of a member if it has one, else `story-<id of its earliest
        article>` (`similarity`); an article similar to no other is a `singleton` story of its own. Two
        different input ids are never merged.
    """
    ordered = sorted(articles, key=lambda a: a.article_id)
    cutoff = float(_RULES["story_similarity"]) if threshold is None else threshold
    uf = _UnionFind([a.story_id for a in ordered])
    first_of_input: dict[str, int] = {}
    for i, a in enumerate(ordered):
        if a.story_id is not None:
            uf.union(first_of_input.setdefault(a.story_id, i), i)
    # Strongest pairs first, so a contested article joins the input story it is closest to.
    edges = _mutual_neighbour_edges([p for p in scored_pairs(ordered, window_days) if p[0] >= cutoff])
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
            first = min(group, key=lambda i: (ordered[i].published_date or datetime.date.max, ordered[i].article_id))
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
