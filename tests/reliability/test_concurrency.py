"""One writer at a time on a local warehouse, and readers always see whole runs.

A run holds the warehouse's writer lock (`_state/lock`) from before it reads the manifest until its DuckLake
transaction has committed: a second `broadsheet run` refuses (exit 3, naming the holder) or, with `--wait`,
waits its turn and then finds the other's work done. Meanwhile a reader opening `Lake(...).reader()` in a
loop never errors and only ever sees the warehouse as it was between runs: it checks invariants that hold only
for whole runs (every article with its paragraphs, the manifest naming exactly the stored articles, the newest
run's articles all there), over runs that add new inputs and replace changed ones.
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import time

import pytest

from bench.corpus import write_corpus
from tests.reliability import PROJECT_ROOT, finish, go, kill, prefect_api_url, table_rows, warm_run
from warehouse.lake import Lake

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server")]

N_SEED, N_SECOND, N_THIRD, N_CHANGED = 40, 40, 30, 5

# Each value is equal to the next one in the same row exactly when the reader sees whole runs.
INVARIANTS_SQL = """
with newest as (select run_id, n_articles from runs where n_articles > 0 order by started_at desc limit 1)
select
    (select count(*) from articles),
    (select count(distinct article_id) from paragraphs),
    (select count(*) from paragraphs),
    (select coalesce(sum(n_paragraphs), 0) from articles),
    (select coalesce(sum(len(article_ids)), 0) from inputs),
    (select count(*) from articles where run_id not in (select run_id from runs)),
    (select count(*) from articles where run_id = (select run_id from newest)),
    (select coalesce(max(n_articles), 0) from newest),
    (select count(*) from runs),
    (select count(*) from places),
    (select count(*) from article_stories)
"""


def _state(warehouse: pathlib.Path) -> tuple:
    """(articles, paragraphs, runs, places, article_stories) after checking the whole-run invariants."""
    with Lake(str(warehouse)).reader() as con:
        (articles, with_paragraphs, paragraphs, n_paragraphs, manifest_ids, unknown_run, newest, newest_n,
         runs, places, stories) = con.execute(INVARIANTS_SQL).fetchone()
    broken = []
    if articles != with_paragraphs:
        broken.append(f"{articles} articles, {with_paragraphs} with paragraphs")
    if paragraphs != n_paragraphs:
        broken.append(f"{paragraphs} paragraphs, articles.n_paragraphs sums to {n_paragraphs}")
    if manifest_ids != articles:
        broken.append(f"the manifest names {manifest_ids} articles, {articles} stored")
    if unknown_run:
        broken.append(f"{unknown_run} articles of a run without its runs row")
    if newest != newest_n:
        broken.append(f"the newest run published {newest_n} articles, {newest} stored")
    if stories != articles:
        broken.append(f"{stories} article_stories rows for {articles} articles")
    if broken:
        raise AssertionError("; ".join(broken))
    return articles, paragraphs, runs, places, stories


# A reader process: checks the warehouse in a loop, one JSON line per look ({"state": [...]} or {"error": "..."}),
# until the stop file appears. Processes, not threads: see test_a_reader_keeps_the_catalog_locks_of_its_process.
_READER = """
import json, pathlib, sys, time
from tests.reliability.test_concurrency import _state
warehouse, out, stop = map(pathlib.Path, sys.argv[1:4])
with out.open("a") as fh:
    while not stop.exists():
        try:
            line = {"state": list(_state(warehouse))}
        except Exception as exc:  # any failure to read, or a partial run, is what the test looks for
            line = {"error": f"{type(exc).__name__}: {exc}"[:300]}
        fh.write(json.dumps(line) + "\\n")
        fh.flush()
        time.sleep(0.005)
"""


class _Readers:
    """Reader processes looking at a warehouse until `stop()`; then `.seen` and `.errors`."""

    def __init__(self, warehouse: pathlib.Path, folder: pathlib.Path, n: int = 2):
        folder.mkdir()
        self.stop_file = folder / "stop"
        self.outs = [folder / f"reader-{i}.jsonl" for i in range(n)]
        self.procs = [subprocess.Popen([sys.executable, "-c", _READER, str(warehouse), str(out), str(self.stop_file)],
                                       cwd=PROJECT_ROOT, stderr=subprocess.STDOUT,
                                       stdout=(folder / f"reader-{i}.log").open("wb"))
                      for i, out in enumerate(self.outs)]
        self.seen: list[tuple] = []
        self.errors: list[str] = []

    def wait_started(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while not all(o.exists() and o.stat().st_size for o in self.outs):
            assert time.monotonic() < deadline and all(p.poll() is None for p in self.procs), "readers did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        self.stop_file.touch()
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for out in self.outs:
            for line in out.read_text().splitlines():
                look = json.loads(line)
                if "error" in look:
                    self.errors.append(look["error"])
                else:
                    self.seen.append(tuple(look["state"]))


def _change(paths: list[pathlib.Path]) -> None:
    for path in paths:
        path.write_text(path.read_text() + "\nA late paragraph about Lagos added on Friday.\n")


def test_second_writer_refuses_or_waits_and_readers_see_whole_runs(tmp_path):
    from flows.pipeline import broadsheet_run

    api = prefect_api_url()
    corpus = tmp_path / "in"
    write_corpus(corpus / "first", N_SEED, seed=3)
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
    readers: list[_Readers] = []
    try:
        assert broadsheet_run(input_uri=str(corpus), warehouse_uri=str(wh))["status"] == "completed"
        old = _state(wh)

        # New files and changed ones (their old rows are replaced in the same transaction).
        write_corpus(corpus / "second", N_SECOND, seed=4)
        _change(sorted((corpus / "first").rglob("*.txt"))[:N_CHANGED])
        readers.append(_Readers(wh, tmp_path / "readers-1"))
        readers[-1].wait_started()
        # Two runs let go together without --wait: they race for the lock; the loser refuses with exit 3.
        go(writer)
        go(refused)
        codes = {"writer": finish(writer), "refused": finish(refused)}
        assert sorted(codes.values()) == [0, 3], {k: (logs / f"{k}.log").read_text() for k in codes}
        loser = next(k for k, c in codes.items() if c == 3)
        assert "is being written by run pid" in " ".join((logs / f"{loser}.log").read_text().split())
        time.sleep(0.5)
        readers[-1].stop()
        new = _state(wh)

        # Two runs let go together with --wait: one waits for the other; the later one finds nothing to do.
        write_corpus(corpus / "third", N_THIRD, seed=5)
        _change(sorted((corpus / "second").rglob("*.txt"))[:N_CHANGED])
        readers.append(_Readers(wh, tmp_path / "readers-2"))
        readers[-1].wait_started()
        go(first)
        go(waiter)
        assert finish(first) == 0, (logs / "first.log").read_text()
        assert finish(waiter) == 0, (logs / "waiter.log").read_text()
        time.sleep(0.5)
        readers[-1].stop()
    finally:
        for r in readers:
            r.stop()
        for p in procs:
            kill(p)

    last = _state(wh)
    errors = [e for r in readers for e in r.errors]
    assert errors == [], errors[:5]
    during_first, during_second = (r.seen for r in readers)
    assert len(during_first) > 20 and len(during_second) > 20
    # Around the first pair only one run publishes: the readers see the warehouse before it and after it.
    assert set(during_first) == {old, new}, set(during_first) ^ {old, new}
    # Around the --wait pair: before, after the run with work, after the empty run (its runs row only).
    assert {s[:2] for s in during_second} <= {new[:2], last[:2]}, set(during_second)
    assert {new, last} <= set(during_second)
    assert new[0] == old[0] + N_SECOND and last[0] == new[0] + N_THIRD

    with Lake(str(wh)).reader() as con:
        runs = con.execute("select n_files_new, status from runs").fetchall()
        articles = con.execute("select count(*), count(distinct article_id), count(distinct source_uri) "
                               "from articles").fetchone()
        lagos = con.execute("select count(distinct article_id) from paragraphs "
                            "where text like 'A late paragraph about Lagos%'").fetchone()[0]
    # 0: the run that waited read the manifest after the other had committed (without the lock both would see 35)
    assert sorted(r[0] for r in runs) == sorted([0, N_THIRD + N_CHANGED, N_SECOND + N_CHANGED, N_SEED])
    assert {r[1] for r in runs} == {"completed"}
    n = N_SEED + N_SECOND + N_THIRD
    assert articles == (n, n, n)
    assert lagos == 2 * N_CHANGED  # the changed inputs' new text replaced the old, once each
    rows = table_rows(wh, ["paragraphs"])["paragraphs"]
    assert len(rows) == len(set(rows))


def test_reader_threads_never_error_while_a_thread_of_the_same_process_commits(tmp_path):
    """Lake connections of one process share one DuckDB (and one SQLite): readers never see a catalog mid-commit.

    (A check through Python's sqlite3, a second SQLite in the process, used to drop the locks DuckDB's SQLite
    held when it closed, and reader threads then read torn catalogs: "database disk image is malformed".)
    """
    import threading

    from warehouse.catalog import ensure_schema

    wh = tmp_path / "wh"
    lake = Lake(str(wh))
    lake.prepare("test")
    with lake.writer() as con:
        ensure_schema(con)
    errors: list[str] = []
    stop = threading.Event()

    def write() -> None:
        for n in range(30):
            with Lake(str(wh)).writer() as con:
                con.execute("BEGIN")
                con.execute("UPDATE internal.publishes SET version = version + 1")
                con.execute("INSERT INTO main.rejects VALUES (?, 'x', 'read', 'unreadable', NULL)", [f"r{n}"])
                con.execute("COMMIT")
        stop.set()

    def read() -> None:
        while not stop.is_set():
            try:
                with Lake(str(wh)).reader() as con:
                    version = con.execute("SELECT version FROM internal.publishes").fetchone()[0]
                    rejects = con.execute("SELECT count(*) FROM rejects").fetchone()[0]
                    if version != rejects:
                        errors.append(f"torn: {version} publishes, {rejects} rejects")
            except Exception as exc:  # any error fails the test below
                errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=write)] + [threading.Thread(target=read) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
