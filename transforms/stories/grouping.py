"""Single-link grouping into stories: `story_assignments` over a whole set of articles."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from transforms.stories.records import StoryArticle, StoryAssignment, _Node
from transforms.stories.similarity import _edges_and_model, _Entries
from transforms.stories.terms import ArticleState, ArticleTerms, StoryPair, _arrival, _cutoff, article_terms


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
