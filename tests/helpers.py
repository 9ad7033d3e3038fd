"""Helpers shared by tests that run the pipeline and read its warehouse."""

from __future__ import annotations

import json
import pathlib
import shutil

import duckdb

SEED_PUBLISHED = "2018-02-14"


def warehouse_rows(warehouse: pathlib.Path, sql: str) -> list[tuple]:
    """Rows of `sql` on a warehouse's catalog, opened read-only as a BI tool would."""
    con = duckdb.connect(str(warehouse / "broadsheet.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def seed_inputs(shared_dir: pathlib.Path, dest: pathlib.Path) -> pathlib.Path:
    """The five seed articles as the seeds scorer lays them out: sidecars dated 2018-02-14, except 003's."""
    dest.mkdir(parents=True, exist_ok=True)
    for src in sorted((shared_dir / "corpus" / "seeds").glob("*.txt")):
        shutil.copy(src, dest / src.name)
        if not src.name.startswith("003_"):
            (dest / f"{src.stem}.meta.json").write_text(json.dumps({"published": SEED_PUBLISHED}))
    return dest
