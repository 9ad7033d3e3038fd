"""`MemoryStoryIndex`: the `StoryIndex` lookups answered from rows held in memory (tests, bench)."""

from __future__ import annotations

import bisect
import datetime
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace

import numpy as np

from transforms.stories.incremental import StoriesDelta, StoryWindow
from transforms.stories.records import StoryAssignment
from transforms.stories.terms import ArticleState, ArticleTerms, StoryLinks, _day, _micros, term_key


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
