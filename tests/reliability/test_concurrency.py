"""One writer at a time, and readers always see one whole snapshot.

A run holds the warehouse's writer lock from before it reads the snapshot until after the catalog is swapped:
a second `broadsheet run` refuses (exit 3, with a message naming the holder) or, with `--wait`, waits its turn.
Meanwhile a reader opening `broadsheet.duckdb` read-only in a loop must only ever see the old or the new warehouse.
"""

from __future__ import annotations

import pathlib
import threading
import time

import duckdb
import pytest

from bench.corpus import write_corpus
from tests.reliability import finish, go, kill, prefect_api_url, table_rows, warm_run

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server")]

READER_SQL = (
    "select (select count(*) from articles), (select count(*) from paragraphs),"
    " (select count(*) from date_mentions), (select count(*) from places),"
    " (select count(*) from paragraphs p where not exists"
    "   (select 1 from articles a where a.article_id = p.article_id)),"
    " (select count(*) from runs)"
)


def _counts(warehouse: pathlib.Path) -> tuple:
    con = duckdb.connect(str(warehouse / "broadsheet.duckdb"), read_only=True)
    try:
        return con.execute(READER_SQL).fetchone()
    finally:
        con.close()


class _Reader(threading.Thread):
    """Queries the catalog in a loop until stopped; records every answer and every error."""

    def __init__(self, warehouse: pathlib.Path):
        super().__init__(daemon=True)
        self.warehouse = warehouse
        self.stop = threading.Event()
        self.seen: list[tuple] = []
        self.errors: list[str] = []

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.seen.append(_counts(self.warehouse))
            except duckdb.Error as exc:
                self.errors.append(f"{type(exc).__name__}: {exc}"[:300])
            time.sleep(0.005)


def test_second_writer_refuses_or_waits_and_readers_see_whole_snapshots(tmp_path):
    from flows.pipeline import broadsheet_run

    api = prefect_api_url()
    corpus = tmp_path / "in"
    write_corpus(corpus / "first", 40, seed=3)
    wh = tmp_path / "wh"
    logs = tmp_path / "logs"
    logs.mkdir()
    batch = ("--batch-files", "10")
    # Every process imports while the seed run works; each then waits for `go`.
    writer = warm_run(corpus, wh, api, logs / "writer.log", *batch)
    refused = warm_run(corpus, wh, api, logs / "refused.log", *batch)
    first = warm_run(corpus, wh, api, logs / "first.log", "--wait", "180", *batch)
    waiter = warm_run(corpus, wh, api, logs / "waiter.log", "--wait", "180", *batch)
    procs = [writer, refused, first, waiter]
    reader = _Reader(wh)
    try:
        assert broadsheet_run(input_uri=str(corpus), warehouse_uri=str(wh))["status"] == "completed"
        old = _counts(wh)

        # New files and a changed one (its old rows are retired, so parts leave the live set).
        write_corpus(corpus / "second", 40, seed=4)
        changed = next((corpus / "first").rglob("*.txt"))
        changed.write_text(changed.read_text() + "\nA late paragraph about Lagos added on Friday.\n")

        reader.start()
        # Two runs let go together without --wait: they race for the lock; the loser refuses with exit 3.
        go(writer)
        go(refused)
        codes = {"writer": finish(writer), "refused": finish(refused)}
        assert sorted(codes.values()) == [0, 3], {k: (logs / f"{k}.log").read_text() for k in codes}
        loser = next(k for k, c in codes.items() if c == 3)
        assert "is being written by run pid" in " ".join((logs / f"{loser}.log").read_text().split())
        time.sleep(0.3)
        reader.stop.set()
        reader.join(timeout=30)
        new = _counts(wh)

        # Two runs let go together with --wait: one waits for the other; the later one finds nothing to do.
        write_corpus(corpus / "third", 30, seed=5)
        go(first)
        go(waiter)
        assert finish(first) == 0, (logs / "first.log").read_text()
        assert finish(waiter) == 0, (logs / "waiter.log").read_text()
    finally:
        reader.stop.set()
        for p in procs:
            kill(p)

    assert old[4] == 0 and new[4] == 0
    assert new[0] == old[0] + 40
    assert len(reader.seen) > 10
    assert set(reader.seen) <= {old, new}, set(reader.seen) - {old, new}

    con = duckdb.connect(str(wh / "broadsheet.duckdb"), read_only=True)
    try:
        runs = con.execute("select n_files_new from runs").fetchall()
        articles = con.execute("select count(*), count(distinct article_id) from articles").fetchone()
    finally:
        con.close()
    # 0: the run that waited read the snapshot after the other had committed (without the lock both would see 30)
    assert sorted(r[0] for r in runs) == [0, 30, 40, 41]
    assert articles == (110, 110)
    rows = table_rows(wh, ["paragraphs"])["paragraphs"]
    assert len(rows) == len(set(rows))

    # Retired parts stay in place for a grace period, so readers of the previous catalog never miss a file.
    assert reader.errors == []
