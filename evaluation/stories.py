"""Accuracy of story grouping (`transforms.stories.story_assignments`) on a Multi-News style file with known stories.

Construction (no gold is invented for the distractors: each is one story of its own by assumption):

- Part A, stories: the demo corpus in `data/demo` read and cleaned by the pipeline's own readers
  (`transforms.formats`, `transforms.clean`). True stories: the sidecar/JSONL `story_id` where given (Syria
  convoy, three outlets; Odesa mine, two), the syndicated copy of the Ridgeback fire with its original, and
  the lines of `multinews/stories.src` (Storm Fenella, three outlets; Atacama mine strike, two). Every other
  demo article is a story of its own. Input story ids are removed before grouping.
- Part A, distractors: TempEval-3 TimeBank documents (dated by their DCT) and LGL local news (dated).
- Part B, stories: the five seed articles in `../shared/corpus/seeds` (one story, dated 2018-02-14).
- Part B, distractors: TempEval-3 AQUAINT documents (dated), TR-News, GeoVirus (WikiNews) and GeoWebNews
  (undated, so compared with everything), and the gold texts of the article-extraction benchmark (undated).

Each part is written as a Multi-News style file (one story per line, articles separated by ` ||||| `,
newlines as ` NEWLINE_CHAR `) with a JSON sidecar of article ids and dates, when `--write DIR` is given.

The similarity threshold is tuned on one part (best pairwise F1 over a grid) and reported on the other,
both ways. Pairwise figures: a pair of articles is positive when both are in the same true story;
precision = true pairs grouped / pairs grouped, recall = true pairs grouped / true pairs.
Caveat: distractor collections are assumed to hold no two articles on the same event; a grouped pair of
distractors counts as a false positive even if a reader would call it one story (they are listed).
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import itertools
import json
import pathlib
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from transforms.clean import clean_article
from transforms.formats import parsed_file, sidecar_meta, sidecar_name
from transforms.stories import StoryArticle, story_assignments

_PROJECT = pathlib.Path(__file__).resolve().parent.parent
_DEFAULT_SHARED = _PROJECT.parent / "shared"
_DEMO = _PROJECT / "data" / "demo"
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_GRID = [round(0.20 + 0.04 * i, 2) for i in range(13)]


@dataclass(frozen=True, slots=True)
class LabelledArticle:
    """An article with its true story."""

    article: StoryArticle
    true_story: str


def _date(value: Any) -> datetime.date | None:
    m = _DATE.search(str(value or ""))
    return datetime.date(int(m[1]), int(m[2]), int(m[3])) if m else None


def _cleaned(body: str, title: str | None, title_in_body: bool) -> tuple[str | None, str]:
    c = clean_article(body, title, title_in_body=title_in_body)
    return c.title, "\n\n".join(c.paragraphs)


def demo_articles(demo: pathlib.Path = _DEMO) -> list[LabelledArticle]:
    """The demo corpus as labelled articles (input story ids moved into the labels)."""
    out: list[LabelledArticle] = []
    for path in sorted(p for p in demo.rglob("*") if p.is_file() and not p.name.endswith(".meta.json")):
        side = path.with_name(sidecar_name(path.name))
        meta = sidecar_meta(str(side), side.read_bytes())[0] if side.exists() else None
        articles, _ = parsed_file(str(path), path.read_bytes(), meta)
        for n, raw in enumerate(articles):
            title, text = _cleaned(raw.body, raw.title, raw.title_in_body)
            rel = path.relative_to(demo).as_posix()
            if raw.story_id:
                truth = raw.story_id
            elif rel.endswith("ridgeback-fire.txt"):
                truth = "ridgeback-fire"
            elif raw.input_format == "multinews":
                truth = f"{rel}#{raw.source_uri.rsplit('#', 1)[-1].split('-')[0].split('.')[0]}"
            else:
                truth = f"{rel}#{n}"
            out.append(LabelledArticle(StoryArticle(f"demo:{rel}#{n}", title, text, raw.published, None), truth))
    return out


def seed_articles(shared: pathlib.Path) -> list[LabelledArticle]:
    """The five seed articles: one story."""
    gold = {g["doc"]: g for g in json.loads((shared / "gold" / "seeds.gold.json").read_text(encoding="utf-8"))}
    out = []
    for path in sorted((shared / "corpus" / "seeds").glob("*.txt")):
        title, text = _cleaned(path.read_text(encoding="utf-8"), None, True)
        g = gold.get(path.name, {})
        published = _date(g.get("published") or g.get("dct"))
        out.append(LabelledArticle(StoryArticle(f"seed:{path.name}", title, text, published, None), "seeds"))
    return out


def _jsonl(path: pathlib.Path) -> Iterable[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def distractors(shared: pathlib.Path, names: Sequence[str]) -> list[LabelledArticle]:
    """Singleton stories from shared evaluation sets: tempeval3:<corpus>, lgl, trnews, geovirus, geowebnews, aeb."""
    data = shared / "eval" / "data"
    out = []
    for name in names:
        base, _, part = name.partition(":")
        file = data / ("article_extraction_benchmark.dev.jsonl.gz" if base == "aeb" else f"{base}.dev.jsonl")
        for rec in _jsonl(file):
            if part and rec.get("corpus") != part:
                continue
            text = rec.get("gold_text") if base == "aeb" else rec.get("text")
            if not text:
                continue
            date = _date(rec.get("dct") or rec.get("date")) if base in ("tempeval3", "lgl") else None
            aid = f"{base}:{rec['doc_id']}"
            out.append(LabelledArticle(StoryArticle(aid, rec.get("title"), text, date, None), aid))
    return out


def parts(shared: pathlib.Path) -> dict[str, list[LabelledArticle]]:
    """The two parts of the evaluation file (see the module docstring)."""
    return {
        "A": demo_articles() + distractors(shared, ["tempeval3:TimeBank", "lgl"]),
        "B": seed_articles(shared) + distractors(shared, ["tempeval3:AQUAINT", "trnews", "geovirus", "geowebnews",
                                                          "aeb"]),
    }


def _true_pairs(items: Sequence[LabelledArticle]) -> set[tuple[str, str]]:
    by_story: dict[str, list[str]] = defaultdict(list)
    for it in items:
        by_story[it.true_story].append(it.article.article_id)
    return {tuple(sorted(p)) for ids in by_story.values() for p in itertools.combinations(ids, 2)}  # type: ignore[misc]


def pairwise(items: Sequence[LabelledArticle], threshold: float | None, window_days: int = 3,
             use_dates: bool = True) -> dict[str, Any]:
    """Pairwise precision, recall and F1 of one grouping run, with the wrongly grouped pairs."""
    arts = [it.article if use_dates else replace(it.article, published_date=None) for it in items]
    assigned = story_assignments(arts, window_days=window_days, threshold=threshold)
    groups: dict[str, list[str]] = defaultdict(list)
    for a in assigned:
        groups[a.story_id].append(a.article_id)
    predicted = {tuple(sorted(p)) for ids in groups.values() for p in itertools.combinations(ids, 2)}
    truth = _true_pairs(items)
    tp = len(predicted & truth)
    p = tp / len(predicted) if predicted else 1.0
    r = tp / len(truth) if truth else 1.0
    return {"articles": len(items), "true_pairs": len(truth), "predicted_pairs": len(predicted), "tp": tp,
            "precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "false_pairs": sorted(predicted - truth)[:20], "missed_pairs": sorted(truth - predicted)[:20]}


def tuned_threshold(items: Sequence[LabelledArticle]) -> float:
    """The grid threshold with the best pairwise F1 on `items` (ties: the higher, more precise one)."""
    scores = [(pairwise(items, t)["f1"], t) for t in _GRID]
    return max(scores)[1]


def evaluate(shared_dir: pathlib.Path) -> dict[str, Any]:
    """Tune on each part, report on the other; also the shipped threshold on both, with and without dates."""
    ps = parts(shared_dir)
    figures: dict[str, Any] = {"parts": {k: len(v) for k, v in ps.items()}}
    for tune, test in (("A", "B"), ("B", "A")):
        t = tuned_threshold(ps[tune])
        figures[f"tuned_on_{tune}"] = {"threshold": t, f"held_out_{test}": pairwise(ps[test], t)}
    for name, items in ps.items():
        figures[f"shipped_{name}"] = pairwise(items, None)
        figures[f"shipped_{name}_no_dates"] = pairwise(items, None, use_dates=False)
    return figures


def write_multinews(items: Sequence[LabelledArticle], out: pathlib.Path) -> None:
    """Write a part as a Multi-News style `.src` file plus `<name>.meta.jsonl` (ids, dates, per line)."""
    by_story: dict[str, list[StoryArticle]] = defaultdict(list)
    for it in items:
        by_story[it.true_story].append(it.article)
    with out.open("w", encoding="utf-8") as src, out.with_suffix(".meta.jsonl").open("w", encoding="utf-8") as meta:
        for story, arts in sorted(by_story.items()):
            src.write(" ||||| ".join(f"{a.title or ''}\n\n{a.text}".replace("\n", " NEWLINE_CHAR ") for a in arts)
                      + "\n")
            meta.write(json.dumps({"story": story, "articles": [
                {"id": a.article_id, "published": a.published_date.isoformat() if a.published_date else None}
                for a in arts]}) + "\n")


def _line(name: str, f: dict[str, Any]) -> str:
    return (f"  {name:<28} articles {f['articles']:>4}  true pairs {f['true_pairs']:>3}  grouped pairs "
            f"{f['predicted_pairs']:>4}  P {f['precision']:.3f}  R {f['recall']:.3f}  F1 {f['f1']:.3f}")


def main(argv: list[str] | None = None) -> int:
    """Print the story-grouping report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=pathlib.Path, default=_DEFAULT_SHARED)
    parser.add_argument("--write", type=pathlib.Path, help="also write each part as a Multi-News style file here")
    args = parser.parse_args(argv)
    if args.write:
        args.write.mkdir(parents=True, exist_ok=True)
        for name, items in parts(args.shared).items():
            write_multinews(items, args.write / f"stories_part_{name}.src")
    f = evaluate(args.shared)
    print(f"Story grouping, pairwise (parts: {f['parts']})")
    for tune, test in (("A", "B"), ("B", "A")):
        t = f[f"tuned_on_{tune}"]
        print(f"tuned on {tune}: threshold {t['threshold']:.2f}")
        print(_line(f"held-out {test}", t[f"held_out_{test}"]))
    print("shipped threshold (data/rules/stories.yaml):")
    for name in ("A", "B"):
        print(_line(f"part {name}", f[f"shipped_{name}"]))
        print(_line(f"part {name}, dates removed", f[f"shipped_{name}_no_dates"]))
        for a, b in f[f"shipped_{name}_no_dates"]["false_pairs"][:8]:
            print(f"    grouped, not one story: {a} ~ {b}")
        for a, b in f[f"shipped_{name}_no_dates"]["missed_pairs"][:8]:
            print(f"    one story, not grouped: {a} ~ {b}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
