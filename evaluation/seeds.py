"""Score the five seed articles end to end with the team's scorer (`../shared/eval/score_seeds.py`)."""

from __future__ import annotations

import argparse
import pathlib
import subprocess
import sys

PROJECT_ROOT = pathlib.Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    """Run the shared scorer from the project root with this environment's Python; returns its exit status."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", default=str(PROJECT_ROOT.parent / "shared"), help="the shared gold data directory")
    args = ap.parse_args(argv)
    scorer = pathlib.Path(args.shared) / "eval" / "score_seeds.py"
    if not scorer.exists():
        print(f"no seed scorer at {scorer}")
        return 2
    return subprocess.run([sys.executable, str(scorer)], cwd=PROJECT_ROOT, check=False).returncode


if __name__ == "__main__":
    raise SystemExit(main())
