"""Kill-and-resume: SIGKILL `broadsheet run` at ten seeded points spread over a run, re-run, same warehouse.

An uninterrupted run (the reference) is watched first, from `go` to its exit, for the moments that start its
phases: its staging area appears (batches are being processed, then validated), it writes its first data file
under `data/` (the publishing transaction has begun: inserts too large to inline in the catalog are written as
Parquet before the commit), and its catalog last changes (the commit). Then runs on a second folder are
killed one after another, each followed by the next with no cleaning in between:

- seven kills at a seeded random moment in each seventh of the reference's length: start-up, discovery,
  batches, validation, publishing. Machines and runs vary in speed, so each moment is taken as an offset from
  the start of the phase it falls in, and the killed run's own phase start is waited for;
- two kills at a seeded moment inside the publishing transaction (the first of them is the first run, so the
  lake's creation is behind it: a kill while the catalog is created is `test_kill_while_the_lake_is_created`);
- one kill at a seeded moment after the commit (Data Docs, staging removal, the summary). A run that has
  committed leaves nothing for the next kill, so its folder is moved aside (it must read from there too) and
  the next run starts a new one; it is compared with the reference like the last.

After every kill the folder holds all of a run or none of it. The last run goes to the end and every table
equals the reference's row for row; `maintain` (with its clock a few days on) then removes every data file the
killed runs left that no snapshot names, and the tables are still equal.
"""

from __future__ import annotations

import datetime as dt
import os
import pathlib
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

import pytest

from bench.corpus import write_corpus
from tests.reliability import PROJECT_ROOT, finish, go, kill, prefect_api_url, table_rows, warm_run
from warehouse.lake import Lake, utc_now
from warehouse.schemas import TABLES

pytestmark = [pytest.mark.slow]

SEED = 20240807
N_ARTICLES = 150  # enough paragraphs and mentions (over 1,000 rows) for the publish to write Parquet files
BATCH_FILES = 25
SPREAD_KILLS = 7
PUBLISH_KILLS = 2
AFTER_COMMIT_KILLS = 1
POLL = 0.005


def _data_files(warehouse: pathlib.Path) -> set[str]:
    return {str(p.relative_to(warehouse)) for p in (warehouse / "data").rglob("*.parquet")}


def _staging_entries(warehouse: pathlib.Path) -> set[str]:
    try:
        return set(os.listdir(warehouse / "_state" / "staging"))
    except FileNotFoundError:
        return set()


def _catalog_mtime(warehouse: pathlib.Path) -> int | None:
    try:
        return (warehouse / "catalog.sqlite").stat().st_mtime_ns
    except FileNotFoundError:
        return None


@dataclass
class Timeline:
    """What a run did when, in seconds after `go`."""

    exit: float = 0.0
    staging: float | None = None
    first_data_file: float | None = None
    last_catalog_change: float | None = None
    events: list[str] = field(default_factory=list)


def _watch(proc: subprocess.Popen, warehouse: pathlib.Path, t0: float, timeout: float = 240.0) -> Timeline:
    """Sample the warehouse every few milliseconds until the run exits."""
    tl = Timeline()
    before = _data_files(warehouse)
    mtime = _catalog_mtime(warehouse)
    deadline = t0 + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        now = time.monotonic() - t0
        if tl.staging is None and _staging_entries(warehouse):
            tl.staging = now
        if tl.first_data_file is None and _data_files(warehouse) - before:
            tl.first_data_file = now
        m = _catalog_mtime(warehouse)
        if m != mtime:
            mtime, tl.last_catalog_change = m, now
        time.sleep(POLL)
    tl.exit = time.monotonic() - t0
    return tl


PHASES = ("start", "staging", "publishing", "committed")


def _phase_starts(tl: Timeline) -> dict[str, float]:
    assert tl.staging is not None and tl.first_data_file is not None and tl.last_catalog_change is not None, tl
    assert 0 < tl.staging < tl.first_data_file < tl.last_catalog_change < tl.exit, tl
    return {"start": 0.0, "staging": tl.staging, "publishing": tl.first_data_file,
            "committed": tl.last_catalog_change}


def _phase_at(starts: dict[str, float], moment: float) -> tuple[str, float]:
    """The phase a moment of the reference falls in, and how far into it."""
    phase = max((p for p in PHASES if starts[p] <= moment), key=lambda p: starts[p])
    return phase, moment - starts[phase]


def _wait_for_phase(proc: subprocess.Popen, warehouse: pathlib.Path, phase: str, timeout: float = 240.0) -> bool:
    """Wait until a run just let go reaches a phase (False if it exits first)."""
    staging, files, mtime = _staging_entries(warehouse), _data_files(warehouse), None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if phase == "start":
            return True
        if phase == "staging" and _staging_entries(warehouse) - staging:
            return True
        if phase in ("publishing", "committed") and _data_files(warehouse) - files:
            if phase == "publishing":
                return True
            if mtime is None:
                mtime = _catalog_mtime(warehouse)
            elif _catalog_mtime(warehouse) != mtime:
                return True
        time.sleep(POLL)
    return False


def _whole_runs(warehouse: pathlib.Path) -> tuple[int, int]:
    """(runs, articles) as a reader sees them, (0, 0) before the lake exists."""
    if not (warehouse / "catalog.sqlite").exists():
        return 0, 0
    with Lake(str(warehouse)).reader() as con:
        return con.execute("select (select count(*) from runs), (select count(*) from articles)").fetchone()


def _catalog_files(warehouse: pathlib.Path) -> set[str]:
    """Every data and delete file the catalog names in any snapshot (relative to the warehouse)."""
    with Lake(str(warehouse)).reader() as con:
        rows = con.execute("""
            select s.path || t.path || f.path from __ducklake_metadata_broadsheet.ducklake_data_file f
            join __ducklake_metadata_broadsheet.ducklake_table t using (table_id)
            join __ducklake_metadata_broadsheet.ducklake_schema s using (schema_id)
            union all
            select s.path || t.path || f.path from __ducklake_metadata_broadsheet.ducklake_delete_file f
            join __ducklake_metadata_broadsheet.ducklake_table t using (table_id)
            join __ducklake_metadata_broadsheet.ducklake_schema s using (schema_id)
        """).fetchall()
    return {f"data/{r[0]}" for r in rows}


@pytest.mark.usefixtures("prefect_server")
def test_killed_runs_resume_to_the_same_warehouse(tmp_path):
    api = prefect_api_url()
    rng = random.Random(SEED)
    corpus = write_corpus(tmp_path / "in", N_ARTICLES, seed=11)
    logs = tmp_path / "logs"
    logs.mkdir()
    batch = ("--batch-files", str(BATCH_FILES))
    wh = tmp_path / "wh"
    ref = tmp_path / "wh-ref"
    reference = warm_run(corpus, ref, api, logs / "ref.log", *batch)
    upcoming = warm_run(corpus, wh, api, logs / "run-0.log", *batch)  # imports while the reference runs
    started: list[subprocess.Popen] = [reference, upcoming]
    rest = ["publish"] * (PUBLISH_KILLS - 1) + ["after-commit"] * AFTER_COMMIT_KILLS + [
        f"spread-{i}" for i in range(SPREAD_KILLS)]
    kinds = ["publish", *rng.sample(rest, len(rest))]
    kills: list[str] = []
    finished: list[pathlib.Path] = []  # folders a killed run had already committed to (moved aside)
    try:
        go(reference)
        tl = _watch(reference, ref, time.monotonic())
        assert finish(reference) == 0, (logs / "ref.log").read_text()
        starts = _phase_starts(tl)
        plan = [("publishing", rng.uniform(0.0, tl.last_catalog_change - tl.first_data_file)) if k == "publish"
                else ("committed", rng.uniform(0.0, 0.8 * (tl.exit - tl.last_catalog_change))) if k == "after-commit"
                else _phase_at(starts, tl.exit * rng.uniform(int(k[7:]), int(k[7:]) + 1) / SPREAD_KILLS)
                for k in kinds]
        kills.append(f"reference: {tl}")

        for n, kind in enumerate([*kinds, "resume"]):
            log = logs / f"run-{n}.log"
            before_files = _data_files(wh)
            runs_before, _ = _whole_runs(wh)
            proc = go(upcoming)
            t0 = time.monotonic()
            upcoming = warm_run(corpus, wh, api, logs / f"run-{n + 1}.log", *batch)
            started.append(upcoming)
            if kind == "resume":  # runs to the end
                assert finish(proc) == 0, log.read_text()
                break
            phase, offset = plan[n]
            if _wait_for_phase(proc, wh, phase):
                time.sleep(offset)
            at = time.monotonic() - t0
            state = "killed" if proc.poll() is None else f"had exited ({proc.returncode})"
            kill(proc)
            runs, articles = _whole_runs(wh)
            committed = runs > runs_before
            kills.append(f"run {n} ({kind}: {phase} + {offset:.2f}s) at {at:.2f}s: {state}; committed: {committed}; "
                         f"data files written: {len(_data_files(wh) - before_files)}; "
                         f"staging left: {bool(_staging_entries(wh))}")
            print(kills[-1], flush=True)
            assert articles in (0, N_ARTICLES), kills  # all of a run or none of it
            assert runs - runs_before in (0, 1), kills
            if committed:
                # Nothing would be left for the next kill to interrupt: move the folder aside (it must still
                # read, from its new place) and let the next run start a new one at the same path.
                finished.append(wh.rename(tmp_path / f"wh-committed-{n}"))
    finally:
        for p in started:
            kill(p)
    print("\n".join(kills))

    expected = table_rows(ref)
    assert len(expected["articles"]) == N_ARTICLES
    for folder in [*finished, wh]:
        got = table_rows(folder)
        for t in sorted(TABLES):
            if t != "runs":
                assert got[t] == expected[t], f"{folder.name}: table {t} differs after kills: {kills}"
    assert not _staging_entries(wh), "the resumed run left staging behind"
    killed_in_publish = [k for k in kills if "committed: False" in k and "data files written: 0" not in k]
    assert len(killed_in_publish) >= PUBLISH_KILLS, kills
    assert finished, f"no kill landed after a commit: {kills}"
    # A kill in the last moments after the commit may find the run already ended.
    assert sum(": killed;" in k for k in kills) >= len(kinds) - 1, kills

    # The killed publishes' data files are named by no snapshot; maintenance removes them once a day old.
    from warehouse.maintenance import run_maintenance

    left = 0
    for folder in [*finished, wh]:
        before = table_rows(folder)
        left += len(_data_files(folder) - _catalog_files(folder))
        done = run_maintenance(Lake(str(folder)), now=utc_now() + dt.timedelta(days=2))
        assert _data_files(folder) - _catalog_files(folder) == set(), (folder.name, done, kills)
        assert table_rows(folder) == before
    assert left > 0, "expected the killed publishes to have left data files"


_CREATE_LAKE = """
import sys
from warehouse.catalog import ensure_schema
from warehouse.lake import Lake
lake = Lake(sys.argv[1])
lake.prepare("test")
with lake.writer() as con:
    ensure_schema(con)
"""


def test_kill_while_the_lake_is_created(tmp_path):
    """A first run killed while its catalog is being created leaves a folder the next run just uses."""
    wh = tmp_path / "wh"
    catalog = wh / "catalog.sqlite"
    child = subprocess.Popen([sys.executable, "-c", _CREATE_LAKE, str(wh)], cwd=PROJECT_ROOT)
    try:
        while not catalog.exists() and child.poll() is None:
            time.sleep(0.0002)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    size = catalog.stat().st_size if catalog.exists() else None
    assert size == 0, f"the kill missed the creation (catalog: {size} bytes); nothing was tested"
    before = sorted(os.listdir(wh))
    Lake(str(wh)).prepare("test")  # what a run does first
    with Lake(str(wh)).writer() as con:
        from warehouse.catalog import ensure_schema

        ensure_schema(con)
    assert _whole_runs(wh) == (0, 0), before


def test_kill_during_the_catalog_commit(tmp_path):
    """A run killed while SQLite writes the catalog's commit leaves a hot journal: the next run rolls it back."""
    wh = tmp_path / "wh"
    subprocess.run([sys.executable, "-c", _CREATE_LAKE, str(wh)], cwd=PROJECT_ROOT, check=True, timeout=120)
    catalog = wh / "catalog.sqlite"
    # What a SIGKILL in the middle of a large commit leaves: pages spilled into the file, the rollback journal
    # beside it. (The commit of one real run lasts milliseconds; this makes the same state every time.)
    child = subprocess.Popen([sys.executable, "-c", f"""
import os, signal, sqlite3
con = sqlite3.connect({str(catalog)!r}, isolation_level=None)
con.execute("pragma cache_size = 5")
con.execute("begin")
con.execute("create table spill (x blob)")
for _ in range(2000):
    con.execute("insert into spill values (randomblob(2000))")
os.kill(os.getpid(), signal.SIGKILL)
"""])
    child.wait(timeout=60)
    assert (wh / "catalog.sqlite-journal").stat().st_size > 0
    Lake(str(wh)).prepare("test")
    assert _whole_runs(wh) == (0, 0)
