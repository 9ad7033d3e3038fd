"""HTML extraction accuracy: the pipeline's page text (title + cleaned paragraphs) against gold article bodies.

Metric: per page, the set of lower-cased word 4-grams of our title plus text is compared with the set of the
gold text's 4-grams; precision and recall are averaged over pages (a page with nothing predicted is skipped
for precision, one with no gold 4-grams for recall), and F1 is taken of the two averages. The same figure is
computed for trafilatura's text alone (title plus its raw text, no cleaning) so that cleaning can be seen to
help or hurt.
"""

from __future__ import annotations

import argparse
import gzip
import json
import pathlib
import re
import sys
from collections.abc import Iterable, Iterator
from typing import Any

from transforms.clean import clean_article
from transforms.formats import Reject, article_from_html
from transforms.paragraphs import article_text

DATASET = "eval/data/article_extraction_benchmark.dev.jsonl.gz"
_WORD = re.compile(r"\w+")
_N = 4


def shingles(text: str, n: int = _N) -> set[tuple[str, ...]]:
    """The set of lower-cased word n-grams of `text`."""
    words = _WORD.findall(text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def page_scores(predicted: str, gold: str) -> tuple[float | None, float | None]:
    """Precision and recall of one page's 4-gram set (None when undefined for that page)."""
    pred, ref = shingles(predicted), shingles(gold)
    tp = len(pred & ref)
    if not pred and not ref:
        return 1.0, 1.0
    precision = tp / len(pred) if pred else None
    recall = tp / len(ref) if ref else None
    return precision, recall


def averaged(scores: Iterable[tuple[float | None, float | None]]) -> dict[str, float]:
    """Macro-averaged precision and recall over pages, and the F1 of the averages."""
    ps: list[float] = []
    rs: list[float] = []
    for p, r in scores:
        if p is not None:
            ps.append(p)
        if r is not None:
            rs.append(r)
    precision = sum(ps) / len(ps) if ps else 0.0
    recall = sum(rs) / len(rs) if rs else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def _rows(path: pathlib.Path) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def _texts(row: dict[str, Any]) -> tuple[str, str]:
    """(trafilatura alone, ours) for one benchmark page: title plus text, as the pipeline would store it."""
    raw = article_from_html(row.get("url") or row["doc_id"], row["html"])
    if isinstance(raw, Reject):  # nothing extracted
        return "", ""
    title = raw.title or ""
    baseline = f"{title}\n\n{raw.body}"
    clean = clean_article(raw.body, raw.title, title_in_body=raw.title_in_body)
    ours = f"{clean.title or ''}\n\n{article_text(clean.paragraphs)}"
    return baseline, ours


def evaluate(shared_dir: pathlib.Path) -> dict[str, Any]:
    """Figures for trafilatura alone and for the pipeline (trafilatura + cleaning) on the benchmark's dev pages."""
    base_scores: list[tuple[float | None, float | None]] = []
    our_scores: list[tuple[float | None, float | None]] = []
    worse: list[tuple[float, str]] = []
    for row in _rows(shared_dir / DATASET):
        baseline, ours = _texts(row)
        b, o = page_scores(baseline, row["gold_text"]), page_scores(ours, row["gold_text"])
        base_scores.append(b)
        our_scores.append(o)
        # Pages where cleaning lost recall are the ones worth reading when the figure drops.
        if b[1] is not None and o[1] is not None and o[1] < b[1] - 1e-9:
            worse.append((o[1] - b[1], row.get("url") or row["doc_id"]))
    worse.sort()
    return {
        "pages": len(our_scores),
        "trafilatura": averaged(base_scores),
        "ours": averaged(our_scores),
        "recall_lost": [{"url": url, "delta": round(delta, 4)} for delta, url in worse],
    }


def main(argv: list[str] | None = None) -> int:
    """Print the HTML extraction report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--shared", type=pathlib.Path,
                        default=pathlib.Path(__file__).resolve().parent.parent.parent / "shared")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures = evaluate(args.shared)
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"HTML extraction, {figures['pages']} pages (word 4-gram sets of title + text vs gold text)")
    for name in ("trafilatura", "ours"):
        f = figures[name]
        print(f"  {name:<12} P {f['precision']:.4f}  R {f['recall']:.4f}  F1 {f['f1']:.4f}")
    if figures["recall_lost"]:
        print("  pages where cleaning lost recall:")
        for item in figures["recall_lost"][:15]:
            print(f"    {item['delta']:+.4f}  {item['url']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
