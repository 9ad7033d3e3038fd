"""Helpers shared by tests that run the pipeline and read its warehouse."""

from __future__ import annotations

import json
import pathlib
import shutil

from warehouse.lake import Lake

SEED_PUBLISHED = "2018-02-14"


def warehouse_rows(warehouse: pathlib.Path, sql: str) -> list[tuple]:
    """Rows of `sql` on a warehouse's lake, attached read-only as a BI tool would."""
    with Lake(str(warehouse)).reader() as con:
        return con.execute(sql).fetchall()


def seed_inputs(shared_dir: pathlib.Path, dest: pathlib.Path) -> pathlib.Path:
    """The five seed articles as the seeds scorer lays them out: sidecars dated 2018-02-14, except 003's."""
    dest.mkdir(parents=True, exist_ok=True)
    for src in sorted((shared_dir / "corpus" / "seeds").glob("*.txt")):
        shutil.copy(src, dest / src.name)
        if not src.name.startswith("003_"):
            (dest / f"{src.stem}.meta.json").write_text(json.dumps({"published": SEED_PUBLISHED}))
    return dest


def inverted_quantities(paragraphs: list[dict], dates: object, run_id: str, budget: object = None) -> list[dict]:
    """A broken quantities step: every paragraph gets a figure whose low is above its high (a row-level failure)."""
    return [{
        "mention_id": f"{p['paragraph_id']}-q000", "article_id": p["article_id"], "paragraph_id": p["paragraph_id"],
        "char_start": 0, "char_end": 1, "text": p["text"][:1], "run_id": run_id, "low": 10.0, "high": 1.0,
        "low_inclusive": True, "high_inclusive": True, "approximate": False, "vague": False, "unit": "count",
        "noun": None, "qualifier": None,
    } for p in paragraphs]
