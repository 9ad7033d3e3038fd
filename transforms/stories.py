"""Stories: which articles report the same event.

Articles are compared by TF-IDF cosine over the content words of their title and text, only within a date
window (idf too counts only the articles inside an article's window), and grouped by single-link clustering
over mutual near neighbours at or above a threshold (`data/rules/stories.yaml`), or updated incrementally
with the same result. Ties are broken by id, so the same input gives the same ids in any order, in any
process. Near-duplicate paragraphs are `transforms.paragraph_groups`.
"""

from __future__ import annotations

import bisect
import datetime
import itertools
import math
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

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
#
# Every quantity is local in time, so stories can be maintained incrementally and still equal a full
# recompute. An article's neighbourhood is itself and every article within `window_days` of it (an undated
# article is in every neighbourhood, and its own neighbourhood is everything). Its idf counts documents of
# its neighbourhood only, and one of its top terms is indexed unless more than `max_posting` articles of its
# neighbourhood contain it. Hence adding or removing an article dated d changes vectors and indexed terms
# only within W of d, pairs only where one end is within W, an article's ranked pairs only within 2W, and
# mutual-neighbour edges only where one end is within 2W (`story_assignments_update` relies on this).


class StoryTerm(NamedTuple):
    """A content word of one article: its term frequency (a title word counts `title_weight` times) and
    whether the text prints it as a name."""

    term: str
    tf: int
    is_name: bool


@dataclass(frozen=True, slots=True)
class ArticleTerms:
    """What story grouping keeps about one article between runs: one row of the story state table."""

    article_id: str
    date: datetime.date | None
    story_id: str | None
    terms: tuple[StoryTerm, ...]


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
                        tuple(StoryTerm(w, k, w in names) for w, k in sorted(counts.items())))


def _day(article: ArticleTerms) -> int | None:
    return None if article.date is None else article.date.toordinal()


def _indexed_vectors(arts: Sequence[ArticleTerms],
                     window_days: int) -> tuple[list[dict[str, float]], list[list[str]]]:
    """Each article's unit TF-IDF vector over its neighbourhood, and its indexed terms.

    Document frequencies are kept for a sliding window of days, so the cost is linear in (article, term) rows.
    """
    name_weight = float(_RULES["name_weight"])
    # Pseudo-articles lacking every word keep a small neighbourhood's idf close to a large one's, so a word
    # shared by all five articles of a quiet week still counts as specific.
    prior = float(_RULES["idf_prior_articles"])
    top_terms = int(_RULES["top_terms"])
    max_posting = int(_RULES["max_posting"])
    by_day: dict[int, list[int]] = defaultdict(list)
    undated: list[int] = []
    for i, a in enumerate(arts):
        day = _day(a)
        if day is None:
            undated.append(i)
        else:
            by_day[day].append(i)
    df: dict[str, int] = defaultdict(int)
    size = 0
    vectors: list[dict[str, float]] = [{} for _ in arts]
    indexed: list[list[str]] = [[] for _ in arts]

    def count(members: Iterable[int], step: int) -> None:
        nonlocal size
        for i in members:
            size += step
            for t in arts[i].terms:
                df[t.term] += step

    def weigh(members: Iterable[int]) -> None:
        for i in members:
            v = {}
            # Sorted terms: the float sums below must not depend on the order rows were stored in.
            for term, k, is_name in sorted(arts[i].terms):
                idf = math.log((size + prior + 1) / (df[term] + 1)) + 1.0
                v[term] = (1.0 + math.log(k)) * idf * (name_weight if is_name else 1.0)
            norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
            unit = vectors[i] = {w: x / norm for w, x in v.items()}
            top = sorted(unit, key=lambda t: (-unit[t], t))[:top_terms]
            # A term that many nearby articles print cannot single out one event, and pairs grow as its square.
            indexed[i] = [t for t in top if df[t] <= max_posting]

    days = sorted(by_day)
    count(undated, 1)
    if undated:
        count((i for d in days for i in by_day[d]), 1)
        weigh(undated)
        count((i for d in days for i in by_day[d]), -1)
    lo = hi = 0
    for day in days:
        while hi < len(days) and days[hi] <= day + window_days:
            count(by_day[days[hi]], 1)
            hi += 1
        while days[lo] < day - window_days:
            count(by_day[days[lo]], -1)
            lo += 1
        weigh(by_day[day])
    return vectors, indexed


def _cosine(u: dict[str, float], v: dict[str, float]) -> float:
    if len(u) > len(v):
        u, v = v, u
    return sum(x * v.get(w, 0.0) for w, x in u.items())


def _window_pairs(posting: list[int], days: list[int | None], window_days: int) -> Iterable[tuple[int, int]]:
    """Pairs (i, j), i < j, of a posting list that lie inside the date window."""
    undated = [i for i in posting if days[i] is None]
    dated = sorted((d, i) for i in posting if (d := days[i]) is not None)
    for x, u in enumerate(undated):
        for v in itertools.chain(undated[x + 1:], (i for _, i in dated)):
            yield (u, v) if u < v else (v, u)
    for x, (day, i) in enumerate(dated):
        for other, j in dated[x + 1:]:
            if other - day > window_days:
                break
            yield (i, j) if i < j else (j, i)


def _scored_pairs(arts: Sequence[ArticleTerms], window_days: int) -> list[tuple[float, int, int]]:
    """Candidate pairs inside the date window sharing enough indexed terms, as (cosine, i, j), i < j."""
    vectors, indexed = _indexed_vectors(arts, window_days)
    days = [_day(a) for a in arts]
    postings: dict[str, list[int]] = defaultdict(list)
    for i, terms in enumerate(indexed):
        for t in terms:
            postings[t].append(i)
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for posting in postings.values():
        if len(posting) > 1:
            for pair in _window_pairs(posting, days, window_days):
                shared[pair] += 1
    min_shared = int(_RULES["min_shared_top_terms"])
    return [(_cosine(vectors[i], vectors[j]), i, j) for (i, j), n in sorted(shared.items()) if n >= min_shared]


def scored_pairs(articles: Sequence[StoryArticle], window_days: int = 3) -> list[tuple[float, int, int]]:
    """Candidate article pairs inside the date window with their cosine, as (similarity, i, j), i < j.

    Candidates share at least `min_shared_top_terms` of their indexed terms (highest-weighted, not too
    common nearby), which keeps the comparison near-linear in the number of articles. Exposed for
    evaluation (threshold tuning).
    """
    return _scored_pairs([article_terms(a) for a in articles], window_days)


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


def _story_edges(arts: Sequence[ArticleTerms], window_days: int,
                 threshold: float | None) -> list[tuple[float, int, int]]:
    """Mutual-neighbour pairs at or above the threshold, strongest first (ties by index)."""
    cutoff = float(_RULES["story_similarity"]) if threshold is None else threshold
    return _mutual_neighbour_edges([p for p in _scored_pairs(arts, window_days) if p[0] >= cutoff])


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


def _grouped(ordered: Sequence[ArticleTerms], edges: Iterable[tuple[float, int, int]]) -> list[StoryAssignment]:
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
            only the articles this close to it (unknown dates are compared with, and counted for, every date).
        threshold: cosine at or above which two articles are the same story; defaults to the rule file's.

    Returns:
        One assignment per article, sorted by article_id. An input story_id is kept (`input`); a cluster of
        similar articles takes the input id of a member if it has one, else `story-<id of its earliest
        article>` (`similarity`); an article similar to no other is a `singleton` story of its own. Two
        different input ids are never merged.
    """
    ordered = [article_terms(a) for a in sorted(articles, key=lambda a: a.article_id)]
    return _grouped(ordered, _story_edges(ordered, window_days, threshold))


# --- stories, incrementally ------------------------------------------------------------------------------
#
# Why an update equals a full recompute. Let C be the dates of the added and removed articles and R the set
# of articles regrouped. The union-find outcome inside a set of articles closed under edges and input-id
# links depends only on the edges inside it (processed in the same global order), and an edge that failed
# (two different input ids) is a no-op, so every old story is the outcome of its own internal edges. R is
# grown to a fixpoint such that (1) it holds every added article and every present article within 2W of C,
# so every edge that appears, disappears or changes weight has an end in R or among the removed; (2) with
# the removed articles it is a union of old stories; (3) it is closed under the new edges and input-id
# links. Then the articles outside R form old stories whose internal edges are unchanged, joined to R only
# by edges that failed before and do not exist now, so their stories are unchanged, and the union-find
# over R alone gives R's stories. Computing the new edges of an article needs the ranked pairs of its
# neighbours, hence the vectors of articles within 2W, hence the term rows of articles within 3W of it.


class StoryIndex(Protocol):
    """Batch lookups an incremental story update makes over the warehouse, each one SQL query.

    The state table holds one `ArticleTerms` row per present article; article_stories one row per present
    article. Unknown ids are simply absent from answers; order does not matter.
    """

    def dates_of(self, article_ids: Collection[str]) -> Mapping[str, datetime.date]:
        """article_id -> date of each of these articles present in the state table."""
        ...

    def states_in(self, spans: Sequence[tuple[datetime.date, datetime.date]]) -> Iterable[ArticleTerms]:
        """The state row of every article whose date lies in one of the inclusive (first, last) spans."""
        ...

    def assignments_of(self, article_ids: Collection[str]) -> Iterable[StoryAssignment]:
        """The article_stories rows of these articles."""
        ...

    def story_members(self, story_ids: Collection[str]) -> Iterable[StoryAssignment]:
        """Every article_stories row whose story_id is one of these."""
        ...


@dataclass(frozen=True, slots=True)
class StoriesDelta:
    """What brings article_stories and the story state table up to date: deletes by article_id, then writes."""

    stories_deleted: tuple[str, ...]
    stories_upserted: tuple[StoryAssignment, ...]
    state_deleted: tuple[str, ...]
    state_inserted: tuple[ArticleTerms, ...]


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Inclusive day spans, sorted, overlapping or adjacent ones joined."""
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(spans):
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


def _dated(articles: Sequence[StoryArticle]) -> dict[str, ArticleTerms]:
    out: dict[str, ArticleTerms] = {}
    for a in articles:
        if a.published_date is None:
            raise ValueError(f"stories: article {a.article_id} has no date (pass the first ingestion date)")
        if a.article_id in out:
            raise ValueError(f"stories: article {a.article_id} given twice")
        out[a.article_id] = article_terms(a)
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
        threshold: as for `story_assignments`, likewise.

    Returns:
        The article_stories rows to delete (articles gone) and to upsert (only rows that are new or change),
        and the state rows to delete (articles gone or replaced) and to insert (the added articles). Reads
        the state rows of articles within 5W of a changed date, and more when stories reach further.
    """
    w = window_days
    new = _dated(added)
    gone = set(removed) | new.keys()
    old_days = {a: d.toordinal() for a, d in index.dates_of(sorted(gone)).items()}
    changed = set(old_days.values()) | {day for t in new.values() if (day := _day(t)) is not None}
    if not changed:
        return StoriesDelta((), (), (), ())

    loaded: dict[str, ArticleTerms] = dict(new)  # present articles (new versions) on every covered day
    covered: list[tuple[int, int]] = []

    def cover(spans: Iterable[tuple[int, int]]) -> bool:
        """Load every day of `spans` not yet loaded; True when anything was missing."""
        nonlocal covered
        missing = _uncovered(_merged(spans), covered)
        if missing:
            for s in index.states_in([(datetime.date.fromordinal(lo), datetime.date.fromordinal(hi))
                                      for lo, hi in missing]):
                if s.article_id not in gone:
                    loaded[s.article_id] = s
            covered = _merged(covered + missing)
        return bool(missing)

    def present(a: str) -> bool:
        return a in new or a not in gone

    zone = _merged((d - 2 * w, d + 2 * w) for d in changed)
    cover((lo - 3 * w, hi + 3 * w) for lo, hi in zone)
    old: dict[str, StoryAssignment] = {}
    asked: set[str] = set()
    regroup: set[str] = set()
    edges: list[tuple[float, str, str]] | None = None
    # Every edge that changes has an end in here or among the removed articles.
    frontier = {a for a, t in loaded.items() if any(lo <= (_day(t) or lo - 1) <= hi for lo, hi in zone)}
    frontier |= old_days.keys()
    while frontier:
        # Whole old stories: those of the frontier, and those its input ids name.
        for row in index.assignments_of(sorted(frontier - old.keys())):
            old[row.article_id] = row
        stories = {old[a].story_id for a in frontier if a in old}
        stories |= {s for a in frontier if a in loaded and (s := loaded[a].story_id) is not None}
        stories -= asked
        asked |= stories
        members = set()
        for row in index.story_members(sorted(stories)) if stories else ():
            old[row.article_id] = row
            members.add(row.article_id)
        regroup |= {a for a in frontier if present(a)}
        frontier = {a for a in members if present(a)} - regroup
        if frontier:
            continue
        # Then every new edge of the regrouped articles, with data 3W around each.
        days = {a: d.toordinal() for a, d in index.dates_of(sorted(regroup - loaded.keys())).items()}
        days.update((a, day) for a in regroup & loaded.keys() if (day := _day(loaded[a])) is not None)
        lost = regroup - days.keys()
        if lost:
            raise ValueError(f"stories: article_stories rows without state rows, e.g. {min(lost)}; rebuild")
        if cover((d - 3 * w, d + 3 * w) for d in days.values()) or edges is None:
            arts = [loaded[a] for a in sorted(loaded)]
            edges = [(s, arts[i].article_id, arts[j].article_id) for s, i, j in _story_edges(arts, w, threshold)]
        frontier = {x for _, a, b in edges if a in regroup or b in regroup for x in (a, b)} - regroup

    members_sorted = sorted(regroup)
    pos = {a: i for i, a in enumerate(members_sorted)}
    inner = [(s, pos[a], pos[b]) for s, a, b in edges or () if a in pos and b in pos]
    upserted = tuple(s for s in _grouped([loaded[a] for a in members_sorted], inner) if old.get(s.article_id) != s)
    return StoriesDelta(
        stories_deleted=tuple(sorted(a for a in old_days if a not in new)),
        stories_upserted=upserted,
        state_deleted=tuple(sorted(old_days)),
        state_inserted=tuple(new[a] for a in sorted(new)),
    )


def stories_from_scratch(articles: Sequence[StoryArticle], window_days: int = 3,
                         threshold: float | None = None) -> StoriesDelta:
    """Every article_stories row and story state row of these articles, to write into empty tables (rebuild)."""
    new = _dated(articles)
    ordered = [new[a] for a in sorted(new)]
    return StoriesDelta((), tuple(_grouped(ordered, _story_edges(ordered, window_days, threshold))), (), tuple(ordered))


class MemoryStoryIndex:
    """A `StoryIndex` over rows held in memory: what each lookup must answer, executable (tests, bench)."""

    def __init__(self, states: Iterable[ArticleTerms] = (), assignments: Iterable[StoryAssignment] = ()) -> None:
        self.states = {s.article_id: s for s in states}
        self.assignments = {a.article_id: a for a in assignments}
        self._by_day: dict[int, list[ArticleTerms]] = defaultdict(list)
        for s in self.states.values():
            if s.date is None:
                raise ValueError(f"stories: state row {s.article_id} has no date")
            self._by_day[s.date.toordinal()].append(s)
        self._days = sorted(self._by_day)
        self._members: dict[str, list[StoryAssignment]] = defaultdict(list)
        for a in self.assignments.values():
            self._members[a.story_id].append(a)

    def dates_of(self, article_ids: Collection[str]) -> dict[str, datetime.date]:
        """article_id -> date of the given ids present."""
        return {a: d for a in article_ids if a in self.states and (d := self.states[a].date) is not None}

    def states_in(self, spans: Sequence[tuple[datetime.date, datetime.date]]) -> list[ArticleTerms]:
        """State rows dated inside any inclusive span."""
        out = []
        for first, last in spans:
            lo, hi = first.toordinal(), last.toordinal()
            for day in self._days[bisect.bisect_left(self._days, lo):bisect.bisect_right(self._days, hi)]:
                out.extend(self._by_day[day])
        return out

    def assignments_of(self, article_ids: Collection[str]) -> list[StoryAssignment]:
        """article_stories rows of the given ids present."""
        return [self.assignments[a] for a in article_ids if a in self.assignments]

    def story_members(self, story_ids: Collection[str]) -> list[StoryAssignment]:
        """article_stories rows of the given stories."""
        return [a for s in story_ids for a in self._members.get(s, ())]

    def applied(self, delta: StoriesDelta) -> MemoryStoryIndex:
        """A new index with the delta applied (deletes first, then writes)."""
        state_gone, stories_gone = set(delta.state_deleted), set(delta.stories_deleted)
        states = {a: s for a, s in self.states.items() if a not in state_gone}
        states.update((s.article_id, s) for s in delta.state_inserted)
        stories = {a: s for a, s in self.assignments.items() if a not in stories_gone}
        stories.update((s.article_id, s) for s in delta.stories_upserted)
        return MemoryStoryIndex(states.values(), stories.values())

