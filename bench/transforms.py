"""CPU per article per transform step on real news text, the way `flows/batch.py` runs the steps.

Usage: python -m bench.transforms [--repeat 5] [--shared DIR] [--profile STEP] [--out FILE]

The articles are the news articles of the shared dev gold sets (`../shared/eval/data/*.dev.jsonl`:
lgl, geowebnews, trnews, geovirus, tempeval3, read as they are) and the demo corpus in `data/demo`
(read with `transforms.formats`, sidecars included); without `../shared` only the demo corpus runs.
Each article goes through `transforms.records` as a batch does: `prepared_article` (cleaning and
language identification: step `clean`), `article_rows` (`rows`), then, for articles in an extraction
language, `date_rows`, `quantity_rows` and `location_rows`, each with a real (generous) `Budget` on
the thread's CPU clock so its checks cost what they cost in a run. `loaded_models()` runs first and
one untimed pass warms the caches; then `--repeat` timed passes each give every step's CPU seconds
(`time.thread_time`, so other jobs on the shared machine do not count), and the figure reported is
the median pass divided by the number of articles. JSON goes to `out/bench/transforms.json`.
`--profile STEP` also writes a cProfile of that step over one pass next to it.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import pathlib
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from transforms.budget import Budget
from transforms.formats import RawArticle, parsed_file, sidecar_meta, sidecar_name
from transforms.records import (
    PreparedArticle,
    article_rows,
    date_rows,
    extracts,
    loaded_models,
    location_rows,
    prepared_article,
    quantity_rows,
)

_ROOT = pathlib.Path(__file__).resolve().parent.parent
_OUT = _ROOT / "out" / "bench" / "transforms.json"  # program output: never in bench/
_ARTICLE_SETS = ("lgl", "geowebnews", "trnews", "geovirus", "tempeval3")  # the gold sets made of whole articles
STEPS = ("clean", "rows", "dates", "quantities", "locations")
_INGESTED_AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
_RUN_ID = "bench"
_BUDGET_SECONDS = 60.0  # far above any article's cost: no step is stopped, every check is still paid


def _gold_articles(shared: pathlib.Path) -> Iterator[RawArticle]:
    for name in _ARTICLE_SETS:
        path = shared / "eval" / "data" / f"{name}.dev.jsonl"
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    rec = json.loads(line)
                    yield RawArticle(f"{name}/{rec['doc_id']}", "txt", rec["text"], rec.get("title"))


def _demo_articles() -> Iterator[RawArticle]:
    for path in sorted((_ROOT / "data" / "demo").rglob("*")):
        if not path.is_file() or path.name.endswith(".meta.json"):
            continue
        uri = str(path.relative_to(_ROOT))
        side = path.with_name(sidecar_name(path.name))
        meta = sidecar_meta(uri, side.read_bytes())[0] if side.exists() else None
        yield from parsed_file(uri, path.read_bytes(), meta)[0]


def corpus(shared: pathlib.Path) -> list[RawArticle]:
    """The real articles the bench runs, in a fixed order."""
    return [*_gold_articles(shared), *_demo_articles()]


def _one_pass(raws: list[RawArticle], profile: str | None = None) -> tuple[dict[str, float], cProfile.Profile]:
    """CPU seconds of each step over all articles (one pass), and a profile of `profile`'s step."""
    cpu = time.thread_time
    spent = dict.fromkeys(STEPS, 0.0)
    prof = cProfile.Profile()

    def timed(step: str, func: Callable[..., Any], *args: Any) -> Any:
        if step == profile:
            prof.enable()
        t = cpu()
        out = func(*args)
        spent[step] += cpu() - t
        if step == profile:
            prof.disable()
        return out

    for raw in raws:
        article: PreparedArticle = timed("clean", prepared_article, raw, _INGESTED_AT,
                                         Budget(cpu, _BUDGET_SECONDS))
        if not article.text:
            continue
        rows = timed("rows", article_rows, article, _RUN_ID, _INGESTED_AT)
        if not extracts(article):
            continue
        paragraphs = rows["paragraphs"]
        budget = Budget(cpu, _BUDGET_SECONDS)
        _, dates = timed("dates", date_rows, paragraphs, article.published, _RUN_ID, budget)
        timed("quantities", quantity_rows, paragraphs, dates, _RUN_ID, budget)
        timed("locations", location_rows, paragraphs, _RUN_ID, budget)
    return spent, prof


def main(argv: list[str] | None = None) -> int:
    """Time every step on the real corpus, print ms per article, write the JSON report."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="timed passes (the median is reported)")
    ap.add_argument("--shared", type=pathlib.Path, default=_ROOT.parent / "shared")
    ap.add_argument("--profile", choices=STEPS, help="write a cProfile of this step over one pass")
    ap.add_argument("--out", type=pathlib.Path, default=_OUT)
    args = ap.parse_args(argv)
    if not (args.shared / "eval" / "data").is_dir():
        print(f"bench.transforms: {args.shared}/eval/data is absent; timing the demo corpus only")
    raws = corpus(args.shared)
    if not raws:
        print("bench.transforms: no articles to time, skipped")
        return 0
    loaded_models()
    _one_pass(raws)  # warm-up: first-use caches, branch paths
    passes = [_one_pass(raws)[0] for _ in range(args.repeat)]
    n = len(raws)
    ms = {step: round(1000 * statistics.median(p[step] for p in passes) / n, 3) for step in STEPS}
    total = round(1000 * statistics.median(sum(p.values()) for p in passes) / n, 3)
    report = {
        "articles": n,
        "chars_per_article": round(sum(len(r.body) for r in raws) / n),
        "repeat": args.repeat,
        "cpu_ms_per_article": ms,
        "cpu_ms_per_article_total": total,
        "passes_cpu_seconds": [{k: round(v, 4) for k, v in p.items()} for p in passes],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.profile:
        prof = _one_pass(raws, args.profile)[1]
        prof_path = args.out.with_name(f"transforms-{args.profile}.prof")
        prof.dump_stats(prof_path)
        report["profile"] = str(prof_path)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    steps = "  ".join(f"{step} {ms[step]:.3f}" for step in STEPS)
    print(f"BENCH transforms: {n} real articles, CPU ms/article (median of {args.repeat}): {steps}  "
          f"total {total:.3f}  -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
