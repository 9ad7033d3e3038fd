"""Incremental grouping: `story_assignments_update` equals a full recompute, reading only what can change."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple, Protocol

import numpy as np

from transforms.stories.grouping import _grouped, _held, _ranked, _rows
from transforms.stories.records import StoryArticle, StoryAssignment
from transforms.stories.rule_data import _RULES
from transforms.stories.similarity import _dots, _edges_and_model, _entries, _indexed_rows, _shared_pairs, _unit_weights
from transforms.stories.terms import (
    ArticleState,
    ArticleTerms,
    StoryLinks,
    StoryPair,
    _arrival,
    _cutoff,
    _day,
    _similarity,
    article_terms,
)

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
