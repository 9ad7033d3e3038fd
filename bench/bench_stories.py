"""Incremental story grouping (`story_assignments_update`) against a full recompute, batch by batch, on real text.

Usage: python -m bench.bench_stories [--shared DIR] [--per-day 25] [--batch 25] [--copies 1]
                                     [--order dated|shuffled] [--dates synthetic|own] [--remove-batches 4]
                                     [--window 3] [--every 5]

Articles are the dev sets of LGL, GeoWebNews, TR-News, GeoVirus and TempEval-3 in `../shared` (808
articles), shuffled with a fixed seed and given synthetic dates, `--per-day` a day (`--dates own` keeps
an article's own date where it has one and files the rest under the synthetic date, as the pipeline
files an undated article under its first ingestion). `--copies N` repeats the corpus N times, each copy
later than the last, for a larger warehouse. Batches of `--batch` articles arrive in date order
(`--order dated`: the usual run, new news at the end) or in random order (`shuffled`: back-filling, so
changes have neighbours on both sides); then `--remove-batches` batches each remove `--batch` random
articles.

After every batch the incremental state (kept in a `MemoryStoryIndex`) must equal `story_assignments`
over the articles present: any difference stops the run. Per batch: CPU seconds of the update and of
the full recompute (which, like the publish step today, tokenizes every article), and articles read:
state rows the update asked for by date span, and every article for the full recompute. Finally the
two ways of feeding the update are timed on the spans the update asked for, from Parquet files in a
temporary directory read by DuckDB: persisted state rows (`internal.story_article_terms`) against
article text re-read and re-tokenized. Prints to stdout only.
"""

from __future__ import annotations

import argparse
import datetime
import json
import pathlib
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from transforms.stories import (
    ArticleTerms,
    MemoryStoryIndex,
    StoryArticle,
    StoryAssignment,
    article_terms,
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

    def dates_of(self, article_ids: Collection[str]) -> dict[str, datetime.date]:
        """As the inner index; counted as lookup rows."""
        out = self.inner.dates_of(article_ids)
        self.lookup_rows += len(out)
        return out

    def states_in(self, spans: Sequence[tuple[datetime.date, datetime.date]]) -> list[ArticleTerms]:
        """As the inner index; counted as state rows."""
        out = self.inner.states_in(spans)
        self.state_rows += len(out)
        self.spans += spans
        return out

    def assignments_of(self, article_ids: Collection[str]) -> list[StoryAssignment]:
        """As the inner index; counted as lookup rows."""
        out = self.inner.assignments_of(article_ids)
        self.lookup_rows += len(out)
        return out

    def story_members(self, story_ids: Collection[str]) -> list[StoryAssignment]:
        """As the inner index; counted as lookup rows."""
        out = self.inner.story_members(story_ids)
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
    for kind, added in plan:
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


def _state_vs_text(arts: Iterable[StoryArticle],
                   spans_per_batch: list[list[tuple[datetime.date, datetime.date]]]) -> dict[str, float]:
    """Feeding the update from persisted state rows vs re-read, re-tokenized text, via Parquet and DuckDB."""
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    from warehouse.story_state_tables import story_state_rows, story_state_table

    arts = sorted(arts, key=lambda a: (a.published_date or _DAY0, a.article_id))
    with tempfile.TemporaryDirectory() as tmp:
        state_path, text_path = pathlib.Path(tmp, "state.parquet"), pathlib.Path(tmp, "text.parquet")
        pq.write_table(story_state_table(article_terms(a) for a in arts), state_path, row_group_size=2000)
        pq.write_table(pa.Table.from_pydict({
            "article_id": [a.article_id for a in arts], "date": [a.published_date for a in arts],
            "title": [a.title for a in arts], "text": [a.text for a in arts], "story_id": [a.story_id for a in arts]}),
            text_path, row_group_size=2000)
        con = duckdb.connect()

        def where(spans: list[tuple[datetime.date, datetime.date]]) -> str:
            return " OR ".join(f"date BETWEEN DATE '{lo}' AND DATE '{hi}'" for lo, hi in spans)

        state_s = text_s = 0.0
        rows = 0
        for spans in spans_per_batch:
            t0 = time.process_time()
            got = story_state_rows(con.sql(f"SELECT * FROM '{state_path}' WHERE {where(spans)}").to_arrow_table())
            t1 = time.process_time()
            tab = con.sql(f"SELECT * FROM '{text_path}' WHERE {where(spans)}").to_arrow_table()
            again = [article_terms(StoryArticle(*r)) for r in zip(*(tab.column(c).to_pylist() for c in
                     ("article_id", "title", "text", "date", "story_id")), strict=True)]
            t2 = time.process_time()
            assert sorted(got, key=lambda s: s.article_id) == sorted(again, key=lambda s: s.article_id)
            state_s += t1 - t0
            text_s += t2 - t1
            rows += len(got)
        con.close()
        return {"batches": len(spans_per_batch), "rows": rows, "state_s": state_s, "text_s": text_s,
                "state_mb": state_path.stat().st_size / 1e6, "text_mb": text_path.stat().st_size / 1e6}


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
    args = parser.parse_args(argv)
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
    io = _state_vs_text(arts, [f.spans for f in last])
    print(f"feeding the update on the last {io['batches']} add batches' spans ({io['rows']} rows, DuckDB over Parquet):"
          f" state rows {io['state_s']:.3f} s CPU, re-read + re-tokenized text {io['text_s']:.3f} s CPU; files "
          f"{io['state_mb']:.1f} MB (state) vs {io['text_mb']:.1f} MB (text)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
