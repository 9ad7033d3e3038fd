"""`make bench` on real news: the shared dev gold sets' articles, this checkout side by side with a base commit.

The input is the five article gold sets of ../shared (LGL, GeoWebNews, TR-News, GeoVirus, TempEval-3: about
800 articles) as they are: the input folder holds symbolic links to the shared files, never copies. Each tree
(this checkout, and the base commit checked out into a worktree under out/bench/) runs `broadsheet run` as a
user does, in a subprocess with its own .venv:

1. a warm-up run on an empty input into a scratch warehouse (imports from a cold disk, a reused Prefect
   server started: neither belongs to the figures);
2. a full run of the real articles into a new warehouse;
3. the same run again, with no new input: the run's fixed overhead.

Every run gets its own PREFECT_HOME under out/bench/real/ (the bench neither uses nor stops a user's server);
a tree that shares one long-lived local Prefect server between runs starts it in the warm-up and has it stopped
at the end. Its CPU is then outside the runs' process trees, as it is for a user's scheduled runs; a tree that
starts a temporary server per run pays that server's CPU inside every run.

Printed per tree: articles/s end to end and excluding the fixed overhead (articles / (full - idle)), CPU ms
per article per transform step (from the run's `stage_seconds`), cores used (CPU seconds of the run's
process tree / wall seconds, for the whole run and, where the run records it, for the batch stage), peak RSS
of the largest process, and the ratio of this checkout to the base. JSON goes to out/bench/real_text.json.

Usage: python -m bench.real_text [--base COMMIT] [--no-base] [--shared ../shared]
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any

PROJECT = pathlib.Path(__file__).resolve().parent.parent
OUT = PROJECT / "out" / "bench" / "real"  # program output: never in bench/
# The commit issue 17 (speed) starts from: the figures it asks for are ratios against it.
BASE_COMMIT = "1562d04215442947b6c284017c9b2f9e9368e8dc"
SOURCES = ("lgl", "geowebnews", "trnews", "geovirus", "tempeval3")
STEPS = ("clean", "dates", "quantities", "locations")


@dataclass
class Measured:
    """One `broadsheet run` subprocess: wall and CPU seconds of its process tree, its largest RSS."""

    wall: float
    cpu: float
    peak_rss_mb: float
    returncode: int


@dataclass
class TreeFigures:
    """The figures of one source tree on the real-text corpus."""

    label: str
    commit: str
    articles: int
    full: Measured
    idle: Measured
    stage_seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """The figures the issue asks for, derived from the measurements."""
        n = max(self.articles, 1)
        work = self.full.wall - self.idle.wall
        s = self.stage_seconds
        batch_wall, batch_cpu = s.get("batches"), s.get("batches_cpu")
        return {
            "articles": self.articles,
            "articles_per_second": round(n / self.full.wall, 1),
            "articles_per_second_excl_fixed": round(n / work, 1) if work > 0 else None,
            "fixed_overhead_seconds": round(self.idle.wall, 2),
            "cpu_ms_per_article": {step: round(1000 * s.get(f"{step}_cpu", 0.0) / n, 3) for step in STEPS}
            | {"validate_wall": round(1000 * s.get("validate", 0.0) / n, 3),
               "run_total": round(1000 * self.full.cpu / n, 3)},
            "cores_used_run": round(self.full.cpu / self.full.wall, 2),
            "cores_used_batch_stage": round(batch_cpu / batch_wall, 2) if batch_wall and batch_cpu else None,
            "peak_rss_mb": round(self.full.peak_rss_mb, 1),
        }


def input_folder(shared: pathlib.Path, into: pathlib.Path) -> int:
    """Symbolic links to the shared article gold sets in `into`; returns the number of articles they hold."""
    shutil.rmtree(into, ignore_errors=True)
    into.mkdir(parents=True)
    n = 0
    for name in SOURCES:
        src = (shared / "eval" / "data" / f"{name}.dev.jsonl").resolve()
        if not src.exists():
            continue
        (into / src.name).symlink_to(src)
        with src.open(encoding="utf-8") as fh:
            n += sum(1 for line in fh if line.strip())
    return n


def measured(cmd: list[str], env: dict[str, str], log: pathlib.Path, cwd: pathlib.Path = PROJECT) -> Measured:
    """Run `cmd`, waiting with wait4 so the rusage covers it and every descendant it waited for."""
    t = time.perf_counter()
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Measured(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode)


def base_tree(commit: str) -> pathlib.Path:
    """A worktree of `commit` with its own environment, made once and reused by later invocations."""
    tree = OUT.parent / f"base-{commit[:10]}"
    if not (tree / ".git").exists():
        shutil.rmtree(tree, ignore_errors=True)
        subprocess.run(["git", "-C", str(PROJECT), "worktree", "add", "--detach", str(tree), commit],
                       check=True, capture_output=True)
    subprocess.run(["make", "-C", str(tree), "setup"], check=True, capture_output=True)
    return tree


def run_tree(label: str, tree: pathlib.Path, corpus: pathlib.Path, n_articles: int) -> TreeFigures:
    """Warm-up, full and idle runs of one tree; the run's stage seconds read back through `broadsheet query`."""
    work = OUT / label
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH"))}
    env.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", GX_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1",
               PREFECT_HOME=str(work / "prefect-home"))
    env.pop("PREFECT_API_URL", None)
    cli = str(tree / ".venv" / "bin" / "broadsheet")
    log = work / "runs.log"
    empty = work / "empty-input"
    empty.mkdir()
    warehouse = work / "warehouse"
    run = [cli, "run", "--input", str(corpus), "--warehouse", str(warehouse), "--quiet"]
    try:
        measured([cli, "run", "--input", str(empty), "--warehouse", str(work / "scratch"), "--quiet"], env, log,
                 tree)
        full = measured(run, env, log, tree)
        idle = measured(run, env, log, tree)
    finally:
        if (tree / "flows" / "local_server.py").exists():  # the shared server the warm-up started
            subprocess.run([str(tree / ".venv" / "bin" / "python"), "-m", "flows.local_server", "stop"], env=env,
                           cwd=tree, capture_output=True)
    if full.returncode or idle.returncode:
        sys.exit(f"{label}: broadsheet run failed ({full.returncode}, {idle.returncode}); see {log}")
    rows = subprocess.run(
        [cli, "query", "--warehouse", str(warehouse), "--format", "json",
         "SELECT n_articles, stage_seconds FROM runs ORDER BY started_at"],
        env=env, cwd=tree, check=True, capture_output=True, text=True).stdout
    first = json.loads(rows)[0]
    commit = subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    return TreeFigures(label, commit, int(first["n_articles"]), full, idle, json.loads(first["stage_seconds"]))


def _print(figures: list[TreeFigures]) -> dict[str, Any]:
    report: dict[str, Any] = {f.label: {"commit": f.commit, **f.summary(), "raw": asdict(f)} for f in figures}
    for f in figures:
        s = f.summary()
        steps = ", ".join(f"{k} {v}" for k, v in s["cpu_ms_per_article"].items())
        print(f"{f.label:>5} {f.commit}: {s['articles']} articles, {s['articles_per_second']} articles/s end to end, "
              f"{s['articles_per_second_excl_fixed']} excluding the fixed overhead of {s['fixed_overhead_seconds']} s;"
              f" cores used {s['cores_used_run']} (batch stage {s['cores_used_batch_stage']}); "
              f"peak RSS {s['peak_rss_mb']} MB\n       CPU ms per article: {steps}")
    if len(figures) == 2:
        new, old = (f.summary() for f in figures)
        ratios = {
            "articles_per_second": new["articles_per_second"] / old["articles_per_second"],
            "articles_per_second_excl_fixed": (new["articles_per_second_excl_fixed"] or 0)
            / (old["articles_per_second_excl_fixed"] or float("inf")),
            "fixed_overhead": new["fixed_overhead_seconds"] / old["fixed_overhead_seconds"],
            "transform_cpu_per_article": sum(new["cpu_ms_per_article"][s] for s in STEPS)
            / max(sum(old["cpu_ms_per_article"][s] for s in STEPS), 1e-9),
        }
        report["ratio_new_over_base"] = {k: round(v, 2) for k, v in ratios.items()}
        print("ratio (this checkout / base): " + ", ".join(f"{k} {v:.2f}" for k, v in ratios.items()))
    return report


def main(argv: list[str] | None = None) -> None:
    """Measure this checkout (and the base commit) on the real-text corpus; print and save the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=BASE_COMMIT, help="commit to compare with (default: issue 17's start)")
    parser.add_argument("--no-base", action="store_true", help="measure this checkout only")
    parser.add_argument("--shared", type=pathlib.Path, default=PROJECT.parent / "shared")
    args = parser.parse_args(argv)
    if not (args.shared / "eval" / "data").is_dir():
        print(f"skipped: no shared gold sets at {args.shared}")
        return
    corpus = OUT / "input"
    n = input_folder(args.shared, corpus)
    figures = [run_tree("new", PROJECT, corpus, n)]
    if not args.no_base:
        figures.append(run_tree("base", base_tree(args.base), corpus, n))
    report = _print(figures)
    (OUT.parent / "real_text.json").write_text(json.dumps(report, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
