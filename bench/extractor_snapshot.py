"""Snapshot the outputs of clean, language, paragraphs, dates, quantities and locations, and compare against it.

Usage: python -m bench.extractor_snapshot write     # writes out/bench/extractor_snapshot.jsonl.gz
       python -m bench.extractor_snapshot check     # recomputes, exits 1 on the first difference

The texts are every gold set in `../shared/eval/data` (the lgl, geowebnews, trnews, geovirus and
tempeval3 articles, the newsquant sentences, the recognizers_text inputs, the article extraction
benchmark's pages through the HTML reader), the seed articles, the demo corpus in `data/demo` (read
with `transforms.formats`) and 300 synthetic articles from `bench.corpus`. Each text goes through
the steps twice: as an article (clean, paragraphs, then the extractors on the paragraphs, exactly
as `transforms.records` runs them, plus what `prepared_article` settles: language, publication date
and its source, title, author, repairs) and raw (the extractors and the language identifier on the
text itself, so short sentences that cleaning would drop still count). A speed-up must leave every
line of the snapshot equal.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import hashlib
import json
import pathlib
import random
import re
import sys
from collections.abc import Iterator
from typing import Any

from bench.corpus import synthetic_article
from transforms.clean import clean_article
from transforms.dates import date_mentions
from transforms.formats import RawArticle, article_from_html, parsed_file
from transforms.language import article_language
from transforms.locations import location_mentions
from transforms.paragraphs import article_text, paragraph_spans
from transforms.quantities import quantity_mentions
from transforms.records import prepared_article

_ROOT = pathlib.Path(__file__).resolve().parent.parent
_SHARED = _ROOT.parent / "shared"
_OUT = _ROOT / "out" / "bench" / "extractor_snapshot.jsonl.gz"
_ANCHOR = dt.date(2018, 2, 14)
_BLANK = re.compile(r"\n\s*\n")


def _anchor(value: Any) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return _ANCHOR


def _jsonl(name: str) -> Iterator[dict[str, Any]]:
    path = _SHARED / "eval" / "data" / name
    opener: Any = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def inputs() -> Iterator[tuple[str, RawArticle, dt.date | None]]:
    """(key, raw article, anchor date) for every text the snapshot covers, in a fixed order."""
    for name in ("lgl", "geowebnews", "trnews", "geovirus"):
        for rec in _jsonl(f"{name}.dev.jsonl"):
            raw = RawArticle(rec["doc_id"], "txt", rec["text"], rec.get("title"))
            yield f"{name}/{rec['doc_id']}", raw, _anchor(rec.get("date") or _ANCHOR)
    for rec in _jsonl("tempeval3.dev.jsonl"):
        yield f"tempeval3/{rec['doc_id']}", RawArticle(rec["doc_id"], "txt", rec["text"]), _anchor(rec["dct"])
    for rec in _jsonl("newsquant.dev.jsonl"):
        yield f"newsquant/{rec['doc_id']}", RawArticle(rec["doc_id"], "txt", rec["text"]), _ANCHOR
    for rec in _jsonl("recognizers_text_en.dev.jsonl"):
        raw = RawArticle(rec["doc_id"], "txt", rec["input"])
        yield f"recognizers/{rec['doc_id']}", raw, _anchor(rec["context"] or _ANCHOR)
    for rec in _jsonl("article_extraction_benchmark.dev.jsonl.gz"):
        got = article_from_html(rec["doc_id"], rec["html"])
        if isinstance(got, RawArticle):
            yield f"aeb/{rec['doc_id']}", got, _ANCHOR
    for path in sorted((_SHARED / "corpus" / "seeds").glob("*.txt")):
        raw = RawArticle(path.name, "txt", path.read_text(encoding="utf-8"), title_in_body=True)
        yield f"seeds/{path.name}", raw, _ANCHOR
    for path in sorted((_ROOT / "data" / "demo").rglob("*")):
        if not path.is_file() or path.name.endswith(".meta.json"):
            continue
        articles, _ = parsed_file(str(path.relative_to(_ROOT)), path.read_bytes())
        for i, raw in enumerate(articles):
            yield f"demo/{path.relative_to(_ROOT)}#{i}", raw, raw.published or _ANCHOR
    rng = random.Random(16)
    for i in range(300):
        yield f"synthetic/{i}", RawArticle(f"synthetic/{i}", "txt", synthetic_article(rng)), _ANCHOR


def _plain(value: Any) -> Any:
    """JSON-ready form of extractor output (dataclasses, named tuples, dates)."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    if hasattr(value, "__dataclass_fields__"):
        return {k: _plain(getattr(value, k)) for k in value.__dataclass_fields__}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _extracted(paragraphs: list[str], anchor: dt.date | None) -> dict[str, Any]:
    dates = [date_mentions(p, anchor) for p in paragraphs]
    quantities = [quantity_mentions(p, [(d.start, d.end) for d in ds]) for p, ds in zip(paragraphs, dates, strict=True)]
    locations = location_mentions(paragraphs)
    return {"dates": _plain(dates), "quantities": _plain(quantities), "locations": _plain(locations)}


def outputs(raw: RawArticle, anchor: dt.date | None) -> dict[str, Any]:
    """Every step's output for one text, as the article path and the raw path see it."""
    clean = clean_article(raw.body, raw.title, title_in_body=raw.title_in_body)
    text = article_text(clean.paragraphs)
    spans = paragraph_spans(text)
    article = _extracted([s.text for s in spans], anchor)
    prepared = prepared_article(raw)
    settled = {k: _plain(getattr(prepared, k))
               for k in ("text", "published", "published_source", "language", "title", "author", "repairs")}
    raw_paragraphs = [p for p in _BLANK.split(raw.body) if p.strip()]
    rawpath = {**_extracted(raw_paragraphs, anchor), "language": article_language(raw.body)}
    return {"clean": _plain(clean), "paragraphs": _plain(spans), "prepared": settled, "article": article,
            "raw": rawpath}


def _lines() -> Iterator[tuple[str, str]]:
    for key, raw, anchor in inputs():
        yield key, json.dumps(outputs(raw, anchor), sort_keys=True, ensure_ascii=False)


def _first_difference(a: Any, b: Any, path: str = "") -> str:
    if type(a) is not type(b):
        return f"{path}: {a!r} != {b!r}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if a.get(k) != b.get(k):
                return _first_difference(a.get(k), b.get(k), f"{path}.{k}")
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return _first_difference(x, y, f"{path}[{i}]")
    return f"{path}: {a!r} != {b!r}"


def main(argv: list[str] | None = None) -> int:
    """Write the snapshot, or check the current code against it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("write", "check"))
    parser.add_argument("--out", type=pathlib.Path, default=_OUT)
    args = parser.parse_args(argv)
    if args.mode == "write":
        args.out.parent.mkdir(parents=True, exist_ok=True)
        digest, n = hashlib.sha256(), 0
        with gzip.open(args.out, "wt", encoding="utf-8") as fh:
            for key, line in _lines():
                fh.write(json.dumps({"key": key, "out": json.loads(line)}, ensure_ascii=False) + "\n")
                digest.update(line.encode())
                n += 1
        print(f"wrote {n} texts to {args.out} (sha256 {digest.hexdigest()[:16]})")
        return 0
    with gzip.open(args.out, "rt", encoding="utf-8") as fh:
        expected = [json.loads(line) for line in fh]
    n = differ = 0
    for (key, line), want in zip(_lines(), expected, strict=False):
        n += 1
        if key != want["key"]:
            print(f"texts out of order: {key} where the snapshot has {want['key']}")
            return 1
        got = json.loads(line)
        if got != want["out"]:
            differ += 1
            if differ <= 5:
                print(f"DIFF {key}: {_first_difference(want['out'], got)}"[:600])
    if n != len(expected):
        print(f"{n} texts now, {len(expected)} in the snapshot")
        return 1
    print(f"{n} texts, clean/language/paragraphs/dates/quantities/locations: {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
