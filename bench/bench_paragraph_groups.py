"""Incremental near-duplicate groups (`dup_groups_update`) against the full recompute (`paragraph_dup_groups`).

Usage: python -m bench.bench_paragraph_groups [--shared DIR] [--batch N] [--copies C] [--churn K] [--out FILE]

Articles are the texts of the shared gold corpora (LGL, GeoWebNews, TR-News, GeoVirus dev sets) and the demo
corpus's txt and jsonl files, split into paragraphs on blank lines (on line breaks when a text has no blank
line, every three sentences when it has no line break at all, as in LGL and GeoVirus), with the pipeline's
article and paragraph ids. `--copies C` adds C-1 more copies of every article under other source URIs
(syndication: every paragraph gets exact copies). Articles are added in batches of N (default 25) to an
in-memory index; then K churn batches (default 8) each remove N random articles and add them back under new
ids. After every batch the incremental groups must equal `paragraph_dup_groups` over the current paragraphs
(the run stops otherwise). Times are CPU seconds of this process (the machine may be shared). Rows read are
the rows the index's batch reads returned; rows written are the keys deleted plus the rows inserted, over
the four tables. A JSON summary goes to out/bench/paragraph_groups.json.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import random
import re
import sys
import time
from collections.abc import Collection
from typing import Any

from transforms.paragraph_groups import (
    BandRow,
    DupGroupsDelta,
    MemberRow,
    MemoryDupIndex,
    NodeRow,
    dup_groups_update,
    dup_index_rows,
    paragraph_dup_groups,
)
from transforms.records import article_id, content_sha256, paragraph_id

_ROOT = pathlib.Path(__file__).resolve().parent.parent
_DEFAULT_SHARED = _ROOT.parent / "shared"
_CORPORA = ("lgl", "geowebnews", "trnews", "geovirus")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'‘“])")
_SENTENCES_PER_PARAGRAPH = 3


class CountingIndex(MemoryDupIndex):
    """A MemoryDupIndex that counts the rows its batch reads return."""

    def __init__(self) -> None:
        super().__init__()
        self.rows_read = 0

    def _count(self, rows: Any) -> Any:
        self.rows_read += len(rows)
        return rows

    def nodes(self, node_keys: Collection[str]) -> list[NodeRow]:
        return self._count(super().nodes(node_keys))

    def nodes_in_groups(self, dup_groups: Collection[str]) -> list[NodeRow]:
        return self._count(super().nodes_in_groups(dup_groups))

    def members(self, paragraph_ids: Collection[str]) -> list[MemberRow]:
        return self._count(super().members(paragraph_ids))

    def members_of_nodes(self, node_keys: Collection[str]) -> list[MemberRow]:
        return self._count(super().members_of_nodes(node_keys))

    def smallest_members(self, node_keys: Collection[str], excluding: Collection[str]) -> dict[str, str]:
        return self._count(super().smallest_members(node_keys, excluding))

    def bucket_heads(self, band_keys: Collection[str], excluding: Collection[str]) -> list[BandRow]:
        return self._count(super().bucket_heads(band_keys, excluding))

    def bucket_members(self, band_keys: Collection[str]) -> list[BandRow]:
        return self._count(super().bucket_members(band_keys))

    def size(self) -> int:
        """Rows in the four tables."""
        return (len(self.node_rows) + sum(len(b) for b in self.band_rows.values()) + len(self.member_rows)
                + len(self.group_rows))


def _texts(shared: pathlib.Path) -> list[tuple[str, str]]:
    """(source_uri, text) of every article of the corpora found."""
    out = []
    for name in _CORPORA:
        path = shared / "eval" / "data" / f"{name}.dev.jsonl"
        if not path.exists():
            print(f"note: {path} not found, skipped", file=sys.stderr)
            continue
        for line in path.read_text(encoding="utf-8").split("\n"):  # not splitlines: texts hold U+2028
            if not line.strip():
                continue
            record = json.loads(line)
            out.append((f"{path.name}#{record['doc_id']}", record["text"]))
    demo = _ROOT / "data" / "demo"
    for path in sorted(demo.glob("txt/**/*.txt")):
        out.append((str(path.relative_to(_ROOT)), path.read_text(encoding="utf-8")))
    for n, line in enumerate((demo / "jsonl" / "wire-feed.jsonl").read_text(encoding="utf-8").split("\n")):
        try:
            out.append((f"data/demo/jsonl/wire-feed.jsonl#{n}", json.loads(line)["text"]))
        except (ValueError, KeyError, TypeError):
            continue  # the demo feed holds broken records on purpose
    return out


def _paragraphs(text: str) -> list[str]:
    """Paragraphs split on blank lines; else on line breaks; else (LGL, GeoVirus) every three sentences."""
    if _PARAGRAPH_BREAK.search(text):
        parts = _PARAGRAPH_BREAK.split(text)
    elif "\n" in text:
        parts = text.split("\n")
    else:
        sentences = _SENTENCE_END.split(text)
        parts = [" ".join(sentences[i:i + _SENTENCES_PER_PARAGRAPH])
                 for i in range(0, len(sentences), _SENTENCES_PER_PARAGRAPH)]
    return [p.strip() for p in parts if p.strip()]


def _article(source_uri: str, text: str) -> list[tuple[str, str]]:
    """The (paragraph_id, text) pairs of one article, with the pipeline's ids."""
    aid = article_id(source_uri, content_sha256(text))
    parts = _paragraphs(text)
    return [(paragraph_id(aid, i), p) for i, p in enumerate(parts)]


def _delta_rows(delta: DupGroupsDelta) -> int:
    tables = (delta.nodes, delta.bands, delta.members, delta.paragraph_groups)
    return sum(len(t.delete) + len(t.insert) for t in tables)


def _step(index: CountingIndex, current: dict[str, str], added: list[tuple[str, str]],
          removed: list[str]) -> dict[str, Any]:
    """One batch: update, apply, check against the full recompute; its figures."""
    index.rows_read = 0
    start = time.process_time()
    delta = dup_groups_update(index, added, removed)
    update_s = time.process_time() - start
    index.apply(delta)
    for pid in removed:
        del current[pid]
    current.update(added)
    start = time.process_time()
    full = paragraph_dup_groups(list(current.items()))
    full_s = time.process_time() - start
    if index.groups() != full:
        wrong = sorted(p for p in full if index.groups().get(p) != full[p])
        raise SystemExit(f"incremental groups differ from the full recompute on {len(wrong)} paragraphs, "
                         f"e.g. {wrong[:3]}")
    return {"added": len(added), "removed": len(removed), "paragraphs": len(current), "update_cpu_s": update_s,
            "rows_read": index.rows_read, "rows_written": _delta_rows(delta), "index_rows": index.size(),
            "full_recompute_cpu_s": full_s, "equal": True}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=pathlib.Path, default=_DEFAULT_SHARED)
    parser.add_argument("--batch", type=int, default=25, help="articles per batch")
    parser.add_argument("--copies", type=int, default=1, help="copies of every article (syndication)")
    parser.add_argument("--churn", type=int, default=8, help="remove-and-re-add batches after the adds")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=pathlib.Path, default=_ROOT / "out" / "bench" / "paragraph_groups.json")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    texts = _texts(args.shared)
    sources = [(uri if c == 0 else f"{uri}?copy={c}", text) for c in range(args.copies) for uri, text in texts]
    rng.shuffle(sources)
    articles = [_article(uri, text) for uri, text in sources]
    print(f"{len(articles)} articles, {sum(map(len, articles))} paragraphs, batches of {args.batch}")
    index, current = CountingIndex(), {}
    rows: list[dict[str, Any]] = []
    header = (f"{'batch':>5} {'kind':>6} {'+par':>5} {'-par':>5} {'paragraphs':>10} {'update s':>9} "
              f"{'read':>6} {'written':>7} {'index rows':>10} {'full s':>7}")
    print(header)
    live: list[list[tuple[str, str]]] = []
    batches = [articles[i:i + args.batch] for i in range(0, len(articles), args.batch)]
    for n in range(len(batches) + args.churn):
        leaving: list[list[tuple[str, str]]] = []
        if n < len(batches):
            kind, adding = "add", batches[n]
        else:
            kind = "churn"
            gone = set(rng.sample(range(len(live)), min(args.batch, len(live))))
            leaving = [live[i] for i in sorted(gone)]
            live = [a for i, a in enumerate(live) if i not in gone]
            adding = [_article(f"churn-{n}-{i}", "\n\n".join(t for _, t in a)) for i, a in enumerate(leaving)]
        live += adding
        row = {"batch": n, "kind": kind, **_step(index, current, [p for a in adding for p in a],
                                                   [pid for a in leaving for pid, _ in a])}
        rows.append(row)
        print(f"{n:>5} {kind:>6} {row['added']:>5} {row['removed']:>5} {row['paragraphs']:>10} "
              f"{row['update_cpu_s']:>9.4f} {row['rows_read']:>6} {row['rows_written']:>7} {row['index_rows']:>10} "
              f"{row['full_recompute_cpu_s']:>7.4f}")
    paragraphs = list(current.items())
    start = time.process_time()
    paragraph_dup_groups(paragraphs)
    full_s = time.process_time() - start
    start = time.process_time()
    dup_index_rows(paragraphs)
    rebuild_s = time.process_time() - start
    adds = [r for r in rows if r["kind"] == "add"]
    churns = [r for r in rows if r["kind"] == "churn"]
    summary = {
        "articles": len(articles), "paragraphs_at_end": len(paragraphs), "batch_articles": args.batch,
        "copies": args.copies, "every_batch_equal_to_full_recompute": all(r["equal"] for r in rows),
        "full_recompute_cpu_s_at_end": full_s, "rebuild_index_cpu_s_at_end": rebuild_s,
        "add_batches": len(adds), "mean_add_update_cpu_s": sum(r["update_cpu_s"] for r in adds) / max(1, len(adds)),
        "last_add_update_cpu_s": adds[-1]["update_cpu_s"] if adds else None,
        "mean_add_rows_read": sum(r["rows_read"] for r in adds) / max(1, len(adds)),
        "mean_add_rows_written": sum(r["rows_written"] for r in adds) / max(1, len(adds)),
        "churn_batches": len(churns),
        "mean_churn_update_cpu_s": sum(r["update_cpu_s"] for r in churns) / max(1, len(churns)),
        "mean_churn_rows_read": sum(r["rows_read"] for r in churns) / max(1, len(churns)),
        "mean_churn_rows_written": sum(r["rows_written"] for r in churns) / max(1, len(churns)),
        "batches": rows,
    }
    print(f"every batch equal to the full recompute: {summary['every_batch_equal_to_full_recompute']}")
    print(f"at the end: full recompute {full_s:.3f} s, index rebuild {rebuild_s:.3f} s over {len(paragraphs)} "
          f"paragraphs; add batches: mean update {summary['mean_add_update_cpu_s']:.4f} s, "
          f"{summary['mean_add_rows_read']:.0f} rows read, {summary['mean_add_rows_written']:.0f} written; "
          f"churn batches: mean update {summary['mean_churn_update_cpu_s']:.4f} s, "
          f"{summary['mean_churn_rows_read']:.0f} read, {summary['mean_churn_rows_written']:.0f} written")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=1), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
