"""Kill-and-resume: SIGKILL `broadsheet run` at seeded random points, re-run, and get the same warehouse.

Kills land inside the run, not in start-up: each waits for the run's own staging directory
(`_state/staging/<run_id>`) to appear, then sleeps a seeded random delay drawn over the length of an uninterrupted
run (the reference) after the same point. One kill is aimed at publishing (it waits for the run's staged `runs` part, written just
before parts move into `tables/` and the snapshot is replaced).
"""

from __future__ import annotations

import json
import os
import pathlib
import random
import subprocess
import time

import pytest

from bench.corpus import write_corpus
from tests.reliability import finish, go, kill, prefect_api_url, table_rows, wait_for, warm_run
from warehouse.schemas import TABLES

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server")]

SEED = 20240807
N_ARTICLES = 150
BATCH_FILES = 25
RANDOM_KILLS = 3
PUBLISH_WAIT = 120.0


def _new_staging_dir(warehouse: pathlib.Path, before: set[str]) -> pathlib.Path | None:
    staging = warehouse / "_state" / "staging"
    try:
        fresh = sorted(set(os.listdir(staging)) - before)
    except FileNotFoundError:
        return None
    return staging / fresh[0] if fresh else None


def _staging_entries(warehouse: pathlib.Path) -> set[str]:
    try:
        return set(os.listdir(warehouse / "_state" / "staging"))
    except FileNotFoundError:
        return set()


def _live_parts_exist(warehouse: pathlib.Path) -> list[str]:
    """Parts the snapshot lists that are missing on disk (must be none)."""
    snap = json.loads((warehouse / "_state" / "snapshot.json").read_text())
    return [f"{t}/{p}" for t, parts in snap["tables"].items() for p in parts
            if not (warehouse / "tables" / t / f"{p}.parquet").exists()]


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
    try:
        # The reference: one uninterrupted run; the time it spends after its staging appears bounds the delays.
        go(reference)
        assert wait_for(lambda: _new_staging_dir(ref, set()) is not None, reference), (logs / "ref.log").read_text()
        t0 = time.monotonic()
        assert finish(reference) == 0, (logs / "ref.log").read_text()
        span = time.monotonic() - t0

        kills: list[str] = []
        for n in range(RANDOM_KILLS + 2):
            before = _staging_entries(wh)
            log = logs / f"run-{n}.log"
            proc = go(upcoming)
            upcoming = warm_run(corpus, wh, api, logs / f"run-{n + 1}.log", *batch)
            started.append(upcoming)
            if n == RANDOM_KILLS + 1:  # the resume: runs to the end
                assert finish(proc) == 0, log.read_text()
                break
            assert wait_for(lambda b=before: _new_staging_dir(wh, b) is not None, proc), log.read_text()
            if n < RANDOM_KILLS:
                delay = rng.uniform(0.0, span)
            else:  # aim at publishing: the run's staged `runs` part is written right before the commit
                mine = _new_staging_dir(wh, before)
                assert mine is not None
                wait_for(lambda m=mine: (m / "runs").exists(), proc, timeout=PUBLISH_WAIT)
                delay = rng.uniform(0.0, 0.5)
            time.sleep(delay)
            state = "killed" if proc.poll() is None else f"finished first (exit {proc.returncode})"
            kill(proc)
            kills.append(f"run {n}: {delay:.2f}s after the mark, {state}")
            if (wh / "_state" / "snapshot.json").exists():  # whatever the kill interrupted, the live set is whole
                assert _live_parts_exist(wh) == [], kills
    finally:
        for p in started:
            kill(p)

    expected = table_rows(ref)
    got = table_rows(wh)
    tables = [t for t in sorted(TABLES) if t != "runs"]
    assert len(expected["articles"]) == N_ARTICLES
    for t in tables:
        assert got[t] == expected[t], f"table {t} differs after kills: {kills}"
    assert _live_parts_exist(wh) == []
    assert not _staging_entries(wh), "the resumed run left staging behind"
    print("\n".join(kills))
