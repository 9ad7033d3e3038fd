"""Toponym recognition and geocoding accuracy on GeoWebNews, LGL and TR-News (dev files).

Scoring follows issue 7:
- recognition: predicted and gold spans match when they overlap; F1 over counted gold toponyms.
  GeoWebNews counts the types Literal, Mixed, Metonymic, Literal_Modifier, Coercion and
  Non_Literal_Modifier with modifier_type Noun; Demonym, Language, Embedded_* and Homonym
  annotations (and adjective modifiers) count neither for nor against. LGL and TR-News carry no
  types; there a gold item whose surface is a demonym ("Russian") is likewise neutral, because
  EXTRACTION.md says demonyms are not location mentions (the raw figure is reported too).
- geocoding: a recognized toponym with gold coordinates is correct when the predicted point is
  within 161 km (great-circle); end-to-end accuracy divides by every counted gold toponym with
  coordinates.
Documents are split into an even ("dev") and odd ("held-out") half by position in the file, so
the figures on data the rules were not tuned on stay visible.
"""

from __future__ import annotations

import argparse
import json
import math
import pathlib
import re
import sys
from collections.abc import Iterable
from typing import Any

from transforms.gazetteer import gazetteer
from transforms.locations import location_mentions

DATASETS = ("geowebnews", "lgl", "trnews")
KM = 161.0
_GWN_COUNTED = {"Literal", "Mixed", "Metonymic", "Literal_Modifier", "Coercion"}
_PARA_SPLIT = re.compile(r"\n\s*\n")


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def _paragraphs(text: str) -> list[tuple[int, str]]:
    """Blank-line separated paragraphs with their offsets in the document."""
    out, pos = [], 0
    for m in _PARA_SPLIT.finditer(text):
        out.append((pos, text[pos:m.start()]))
        pos = m.end()
    out.append((pos, text[pos:]))
    return out


def predictions(text: str) -> list[dict[str, Any]]:
    """Location mentions of one document with document offsets."""
    paras = _paragraphs(text)
    found = location_mentions([p for _, p in paras])
    return [{"start": off + m.start, "end": off + m.end, "text": m.text, "lat": m.latitude, "lon": m.longitude,
             "geonameid": m.geonameid}
            for (off, _), ms in zip(paras, found, strict=True) for m in ms]


def _counted(dataset: str, t: dict[str, Any], demonyms: frozenset[str], raw: bool) -> bool:
    if dataset == "geowebnews":
        kind = t.get("type")
        if kind == "Non_Literal_Modifier":
            return t.get("modifier_type") == "Noun"
        return kind in _GWN_COUNTED
    return raw or t["text"] not in demonyms


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a["start"] < b["end"] and b["start"] < a["end"]


def score_docs(dataset: str, docs: Iterable[dict[str, Any]], raw: bool = False) -> dict[str, Any]:
    """Recognition and geocoding figures for a list of gold documents."""
    demonyms = gazetteer().demonyms
    tp_gold = fn = tp_pred = fp = 0
    rec_geo = rec_ok = all_geo = 0
    misses: list[str] = []
    spurious: list[str] = []
    wrong: list[str] = []
    for doc in docs:
        preds = predictions(doc["text"])
        gold = doc["toponyms"]
        counted = [g for g in gold if _counted(dataset, g, demonyms, raw)]
        for g in counted:
            hits = [p for p in preds if _overlap(p, g)]
            has_geo = g.get("lat") is not None and g.get("lon") is not None
            all_geo += has_geo
            if not hits:
                fn += 1
                misses.append(g["text"])
                continue
            tp_gold += 1
            if has_geo:
                rec_geo += 1
                best = min((_km(float(g["lat"]), float(g["lon"]), p["lat"], p["lon"]) for p in hits
                            if p["lat"] is not None), default=math.inf)
                if best <= KM:
                    rec_ok += 1
                else:
                    wrong.append(f"{g['text']} ({best:.0f} km)")
        for p in preds:
            if any(_overlap(p, g) for g in counted):
                tp_pred += 1
            elif not any(_overlap(p, g) for g in gold):
                fp += 1
                spurious.append(p["text"])
    precision = tp_pred / (tp_pred + fp) if tp_pred + fp else 0.0
    recall = tp_gold / (tp_gold + fn) if tp_gold + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
        "acc161_recognized": round(rec_ok / rec_geo, 4) if rec_geo else 0.0,
        "acc161_end_to_end": round(rec_ok / all_geo, 4) if all_geo else 0.0,
        "gold": tp_gold + fn, "found": tp_gold, "spurious": fp,
        "top_misses": _top(misses), "top_spurious": _top(spurious), "top_wrong": _top(wrong),
    }


def _top(items: list[str], n: int = 15) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for it in items:
        counts[it] = counts.get(it, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def _load(shared_dir: pathlib.Path, dataset: str) -> list[dict[str, Any]]:
    path = shared_dir / "eval" / "data" / f"{dataset}.dev.jsonl"
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def evaluate(shared_dir: pathlib.Path) -> dict[str, Any]:
    """Figures per dataset: all documents, dev half, held-out half, and raw (demonyms counted)."""
    out: dict[str, Any] = {}
    for name in DATASETS:
        docs = _load(shared_dir, name)
        out[name] = {
            "all": score_docs(name, docs),
            "dev_half": score_docs(name, docs[0::2]),
            "heldout_half": score_docs(name, docs[1::2]),
        }
        if name != "geowebnews":
            out[name]["raw_with_demonyms"] = score_docs(name, docs, raw=True)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = pathlib.Path(__file__).resolve().parent.parent.parent / "shared"
    ap.add_argument("--shared", type=pathlib.Path, default=default, help="the shared data directory")
    ap.add_argument("--details", action="store_true", help="list the commonest misses and false alarms")
    args = ap.parse_args(argv)
    figures = evaluate(args.shared)
    for name, parts in figures.items():
        print(name)
        for part, f in parts.items():
            print(f"  {part:18s} P {f['precision']:.3f} R {f['recall']:.3f} F1 {f['f1']:.3f} | "
                  f"acc@161 recognized {f['acc161_recognized']:.3f} end-to-end {f['acc161_end_to_end']:.3f} "
                  f"| gold {f['gold']} found {f['found']} spurious {f['spurious']}")
        if args.details:
            a = parts["all"]
            print("    misses:  ", a["top_misses"])
            print("    spurious:", a["top_spurious"])
            print("    wrong:   ", a["top_wrong"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
