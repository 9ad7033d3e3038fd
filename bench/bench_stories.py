"""Incremental story grouping (`story_assignments_update`) against a full recompute, batch by batch, on real text.

Usage: python -m bench.bench_stories [--shared DIR] [--per-day 25] [--batch 25] [--copies 1]
                                     [--order dated|shuffled] [--dates synthetic|own] [--remove-batches 4]
                                     [--window 3] [--every 5]
       python -m bench.bench_stories --same-day 2500 [--before 0] [--runs 7] [--window 3]

Articles are the dev sets of LGL, GeoWebNews, TR-News, GeoVirus and TempEval-3 in `../shared` (808
articles), shuffled with a fixed seed and given synthetic dates, `--per-day` a day (`--dates own` keeps
an article's own date where it has one and files the rest under the synthetic date, as the pipeline
files an undated article under its first ingestion). `--copies N` repeats the corpus N times, each copy
later than the last, for a larger warehouse. Batches of `--batch` articles arrive in date order
(`--order dated`: the usual run, new news at the end) or in random order (`shuffled`: back-filling, so
changes have neighbours on both sides), each later than the last; then `--remove-batches` batches each
remove `--batch` random articles.

After every batch the incremental state (kept in a `MemoryStoryIndex`) must equal `story_assignments`
over the articles present: any difference stops the run. Per batch: CPU seconds of the update and of
the full recompute (which tokenizes every article), and rows read: state rows the update asked for by
date span, and every article for the full recompute.

`--same-day N` measures instead what a feed every 15 minutes costs the publishing transaction: N articles
already on the day the news lands (and `--before` more on the days before), 25 more added through the
lake-backed index (`warehouse.derived.LakeStoryIndex`, a real DuckLake in a temporary folder), wall and
CPU time of `story_assignments_update` with its reads, and of writing the delta. Prints to stdout only.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import pathlib
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from transforms.stories import (
    ArticleState,
    MemoryStoryIndex,
    StoryArticle,
    StoryAssignment,
    StoryLinks,
    StoryWindow,
    stories_from_scratch,
    story_assignments,
    story_assignments_update,
)

_DEFAULT_SHARED = pathlib.Path(__file__).resolve().parent.parent.parent / "shared"
_SETS = ("lgl", "geowebnews", "trnews", "geovirus", "tempeval3")
_DAY0 = datetime.date(2020, 1, 1)
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_MONTHS = {m: i + 1 for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                                           "Nov", "Dec"))}
_WRITTEN = re.compile(r"([A-Z][a-z]{2}) (\d{1,2}), (\d{4})")


def _own_date(rec: dict) -> datetime.date | None:
    value = str(rec.get("dct") or rec.get("date") or "")
    if m := _ISO.search(value):
        return datetime.date(int(m[1]), int(m[2]), int(m[3]))
    if (m := _WRITTEN.search(value)) and m[1] in _MONTHS:
        return datetime.date(int(m[3]), _MONTHS[m[1]], int(m[2]))
    return None


def corpus(shared: pathlib.Path, per_day: int, copies: int, own_dates: bool) -> list[StoryArticle]:
    """The shared dev sets as dated articles, sorted by date (ties by id)."""
    recs = []
    for name in _SETS:
        with (shared / "eval" / "data" / f"{name}.dev.jsonl").open(encoding="utf-8") as fh:
            recs += [(name, json.loads(line)) for line in fh if line.strip()]
    random.Random(7).shuffle(recs)
    span = (len(recs) + per_day - 1) // per_day
    out = []
    for copy in range(copies):
        for k, (name, rec) in enumerate(recs):
            synthetic = _DAY0 + datetime.timedelta(days=copy * span + k // per_day)
            own = _own_date(rec) if own_dates else None
            date = own + datetime.timedelta(days=copy * 36525) if own else synthetic
            suffix = f"#{copy}" if copies > 1 else ""
            out.append(StoryArticle(f"{name}:{rec['doc_id']}{suffix}", rec.get("title"), rec["text"], date, None))
    return sorted(out, key=lambda a: (a.published_date or _DAY0, a.article_id))


@dataclass
class CountingIndex:
    """A StoryIndex that passes lookups to another and counts the rows they return."""

    inner: MemoryStoryIndex
    state_rows: int = 0
    lookup_rows: int = 0
    spans: list[tuple[datetime.date, datetime.date]] = field(default_factory=list)

    def states_in(self, spans: Sequence[tuple[datetime.date, datetime.date]]) -> list[ArticleState]:
        """As the inner index; counted as state rows."""
        out = self.inner.states_in(spans)
        self.state_rows += len(out)
        self.spans += spans
        return out

    def window(self, spans: Sequence[tuple[datetime.date, datetime.date]], article_ids: Collection[str]) -> StoryWindow:
        """As the inner index; counted as state rows."""
        out = self.inner.window(spans, article_ids)
        self.state_rows += len(out.article_id)
        self.spans += spans
        return out

    def links_of(self, article_ids: Collection[str]) -> list[StoryLinks]:
        """As the inner index; counted as lookup rows."""
        out = self.inner.links_of(article_ids)
        self.lookup_rows += len(out)
        return out

    def pairs_held(self, spans: Sequence[tuple[datetime.date, datetime.date]],
                   article_ids: Collection[str]) -> list[tuple[str, str, int]]:
        """As the inner index; counted as lookup rows."""
        out = self.inner.pairs_held(spans, article_ids)
        self.lookup_rows += len(out)
        return out

    def story_rows(self, article_ids: Collection[str], story_ids: Collection[str]) -> list[StoryAssignment]:
        """As the inner index; counted as lookup rows."""
        out = self.inner.story_rows(article_ids, story_ids)
        self.lookup_rows += len(out)
        return out


@dataclass
class BatchFigures:
    """One batch: what changed, what the update read, and both timings."""

    kind: str
    present: int
    update_s: float
    full_s: float
    state_rows: int
    lookup_rows: int
    upserted: int
    spans: list[tuple[datetime.date, datetime.date]]


def _batches(arts: list[StoryArticle], size: int, order: str) -> list[list[StoryArticle]]:
    out = [arts[i:i + size] for i in range(0, len(arts), size)]
    if order == "shuffled":
        random.Random(11).shuffle(out)
    return out


def run(arts: list[StoryArticle], size: int, order: str, remove_batches: int, window: int) -> list[BatchFigures]:
    """Apply the batches, checking equality with a full recompute after each; per-batch figures."""
    index = MemoryStoryIndex()
    present: dict[str, StoryArticle] = {}
    rng = random.Random(13)
    plan = [("add", b) for b in _batches(arts, size, order)] + [("remove", [])] * remove_batches
    figures: list[BatchFigures] = []
    start = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
    for n, (kind, batch) in enumerate(plan):
        # Each batch arrives after the last, as runs do (which row keeps a pair follows arrival).
        added = [dataclasses.replace(a, ingested_at=start + datetime.timedelta(minutes=15 * n)) for a in batch]
        removed = rng.sample(sorted(present), min(size, len(present))) if kind == "remove" else []
        counting = CountingIndex(index)
        t0 = time.process_time()
        delta = story_assignments_update(counting, added, removed, window_days=window)
        t1 = time.process_time()
        index = index.applied(delta)
        for aid in removed:
            del present[aid]
        present.update((a.article_id, a) for a in added)
        t2 = time.process_time()
        full = story_assignments(list(present.values()), window_days=window)
        t3 = time.process_time()
        got = sorted(index.assignments.values(), key=lambda s: s.article_id)
        if got != full:
            wrong = [(g, f) for g, f in zip(got, full, strict=False) if g != f][:3]
            sys.exit(f"batch {len(figures) + 1}: incremental state differs from the full recompute: {wrong}")
        figures.append(BatchFigures(kind, len(present), t1 - t0, t3 - t2, counting.state_rows, counting.lookup_rows,
                                    len(delta.stories_upserted), counting.spans))
    return figures


def same_day(shared: pathlib.Path, n: int, before: int, runs: int, window: int) -> dict[str, object]:
    """Time the update inside a real lake's transaction when `n` articles are already on the day the news lands.

    Articles are bench_runs' real stream (the shared gold sets, reprinted under other outlets when they run out),
    `before` more spread over the `window` days before, 25 arriving per 15 minutes. Each timed run adds the next
    25 articles on the same day through `LakeStoryIndex` and rolls back, so every run sees the same lake; the
    first one's result is checked against the full recompute.
    """
    from bench.bench_runs import real_articles
    from warehouse import derived
    from warehouse.catalog import ensure_schema
    from warehouse.lake import Lake

    pool = real_articles(shared)
    random.Random(3).shuffle(pool)
    day = datetime.date(2024, 3, 10)
    t0 = datetime.datetime(2024, 3, 1, 6, tzinfo=datetime.timezone.utc)

    def article(i: int, date: datetime.date) -> StoryArticle:
        a = pool[i % len(pool)]
        return StoryArticle(f"{i:06d}-{i // len(pool)}", a["title"] or None, a["text"], date, None,
                            t0 + datetime.timedelta(minutes=15 * (i // 25)))

    older = [article(i, day - datetime.timedelta(days=window - i * window // max(before, 1))) for i in range(before)]
    arts = older + [article(before + i, day) for i in range(n)]
    news = [[article(before + n + 25 * r + k, day) for k in range(25)] for r in range(runs)]
    update_s, apply_s, cpu_s, rows = [], [], [], 0
    with tempfile.TemporaryDirectory() as tmp:
        lake = Lake(str(pathlib.Path(tmp, "wh")))
        lake.prepare("bench")
        with lake.writer() as con:
            ensure_schema(con)
            con.execute("BEGIN")
            derived._apply_stories(con, stories_from_scratch(arts, window))
            con.execute("COMMIT")
            for r, batch in enumerate(news):
                con.execute("BEGIN")
                w0, c0 = time.perf_counter(), time.process_time()
                delta = story_assignments_update(derived.LakeStoryIndex(con), batch, [], window)
                w1, c1 = time.perf_counter(), time.process_time()
                derived._apply_stories(con, delta)
                w2 = time.perf_counter()
                if r == 0:
                    got = sorted(con.execute(
                        "SELECT article_id, story_id, story_id_source FROM main.article_stories").fetchall())
                    if got != [(s.article_id, s.story_id, s.story_id_source)
                               for s in story_assignments(arts + batch, window)]:
                        sys.exit("same-day update differs from the full recompute")
                    rows = len(delta.state_inserted) + len(delta.pairs_replaced) + len(delta.state_deleted)
                con.execute("ROLLBACK")
                update_s.append(w1 - w0)
                cpu_s.append(c1 - c0)
                apply_s.append(w2 - w1)
    return {"same_day": n, "before": before, "runs": runs, "update_median_s": statistics.median(update_s[1:]),
            "update_min_s": min(update_s), "update_max_s": max(update_s), "update_cpu_median_s":
            statistics.median(cpu_s[1:]), "apply_median_s": statistics.median(apply_s[1:]), "state_rows_written": rows}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=pathlib.Path, default=_DEFAULT_SHARED)
    parser.add_argument("--per-day", type=int, default=25)
    parser.add_argument("--batch", type=int, default=25)
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--order", choices=("dated", "shuffled"), default="dated")
    parser.add_argument("--dates", choices=("synthetic", "own"), default="synthetic")
    parser.add_argument("--remove-batches", type=int, default=4)
    parser.add_argument("--window", type=int, default=3)
    parser.add_argument("--every", type=int, default=5, help="print every this many batches (and the last)")
    parser.add_argument("--same-day", type=int, default=0,
                        help="instead: time the lake update with this many articles already on the news's day")
    parser.add_argument("--before", type=int, default=0, help="with --same-day: articles on the window's days before")
    parser.add_argument("--runs", type=int, default=7, help="with --same-day: timed runs (the first is not counted)")
    args = parser.parse_args(argv)
    if args.same_day:
        f = same_day(args.shared, args.same_day, args.before, args.runs, args.window)
        print(json.dumps(f, indent=1))
        print(f"BENCH stories same day: {f['same_day']} articles on the day (+{f['before']} on the {args.window} days "
              f"before), 25 added: update + lake reads median {f['update_median_s'] * 1000:.0f} ms wall "
              f"({f['update_cpu_median_s'] * 1000:.0f} ms CPU; min {f['update_min_s'] * 1000:.0f}, max "
              f"{f['update_max_s'] * 1000:.0f}), writing the delta {f['apply_median_s'] * 1000:.0f} ms; "
              f"{f['state_rows_written']} state rows written or deleted")
        return 0
    arts = corpus(args.shared, args.per_day, args.copies, args.dates == "own")
    days = len({a.published_date for a in arts})
    print(f"{len(arts)} articles on {days} days, batches of {args.batch} ({args.order}), window {args.window} days,"
          f" dates {args.dates}")
    figures = run(arts, args.batch, args.order, args.remove_batches, args.window)
    print(f"{'batch':>5} {'kind':>6} {'present':>7} {'update s':>9} {'full s':>8} {'state rows':>10} "
          f"{'lookups':>7} {'full rows':>9} {'upserted':>8}")
    for n, f in enumerate(figures, 1):
        if n % args.every == 0 or n == len(figures) or f.kind == "remove":
            print(f"{n:>5} {f.kind:>6} {f.present:>7} {f.update_s:>9.3f} {f.full_s:>8.3f} {f.state_rows:>10} "
                  f"{f.lookup_rows:>7} {f.present:>9} {f.upserted:>8}")
    adds = [f for f in figures if f.kind == "add"]
    last = adds[-max(1, len(adds) // 4):]
    print(f"exact equality with the full recompute after all {len(figures)} batches")
    for name, group in (("all add batches", adds), ("last quarter of add batches", last)):
        print(f"{name}: update median {statistics.median(f.update_s for f in group):.3f} s, "
              f"max {max(f.update_s for f in group):.3f} s; full median "
              f"{statistics.median(f.full_s for f in group):.3f} s, max {max(f.full_s for f in group):.3f} s; "
              f"state rows read median "
              f"{statistics.median(f.state_rows for f in group):.0f}, max {max(f.state_rows for f in group)}; "
              f"full reads median {statistics.median(f.present for f in group):.0f}")
    removes = [f for f in figures if f.kind == "remove"]
    if removes:
        print(f"remove batches: update median {statistics.median(f.update_s for f in removes):.3f} s, full median "
              f"{statistics.median(f.full_s for f in removes):.3f} s, state rows read median "
              f"{statistics.median(f.state_rows for f in removes):.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
