"""Time `ingressgen render`: a cold run on one profile, and runs over a generated corpus.

Usage: python bench/bench_render.py [--runs 5] [--count 1000] [--baseline DIR]
Prints medians of wall time and the peak RSS of the child process. With --baseline, another
checkout (e.g. `git worktree add /tmp/base HEAD~5`) runs each case in turns with this one, so
both are measured in the same window of a noisy machine. Nothing here asserts a threshold: the
figures go into the closing notes of the issues.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import generate

REPO = Path(__file__).resolve().parents[1]


def _timed(argv: list[str], cwd: Path, checkout: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one child process running `checkout`'s ingressgen."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    start = time.perf_counter()
    completed = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False, env=env)
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        raise SystemExit(f"{argv} failed:\n{completed.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) / 1024


def _median_run(
    label: str,
    argv: list[str],
    cwd: Path,
    runs: int,
    prepare: Callable[[], None] | None,
    baseline: Path | None,
) -> None:
    checkouts = [REPO] if baseline is None else [REPO, baseline]
    times: dict[Path, list[float]] = {checkout: [] for checkout in checkouts}
    peaks: dict[Path, list[float]] = {checkout: [] for checkout in checkouts}
    for _ in range(runs):
        for checkout in checkouts:  # in turns: both see the same state of the machine
            if prepare is not None:
                prepare()
            elapsed, peak = _timed(argv, cwd, checkout)
            times[checkout].append(elapsed)
            peaks[checkout].append(peak)
    for checkout in checkouts:
        name = label if checkout == REPO else "  baseline"
        median = statistics.median(times[checkout])
        print(f"{name:<46} median {median:7.3f} s   peak RSS {max(peaks[checkout]):6.1f} MiB")


def _fresh(folder: Path) -> Callable[[], None]:
    return lambda: shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--baseline", type=Path, help="another checkout to time in turns")
    args = parser.parse_args()
    exe = [sys.executable, "-m", "ingressgen"]
    base = args.baseline.resolve() if args.baseline else None
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        shutil.copy(REPO / "profiles/messaging-service.yaml", root / "one.yaml")
        _median_run(
            "cold render, 1 profile, fresh out/",
            [*exe, "render", "one.yaml", "--out", "out"],
            root,
            args.runs,
            _fresh(root / "out"),
            base,
        )
        _median_run(
            "render, 1 profile, out/ up to date",
            [*exe, "render", "one.yaml", "--out", "out"],
            root,
            args.runs,
            None,
            base,
        )
        generate(root / "corpus", args.count)
        _median_run(
            f"render, {args.count} profiles, fresh out/",
            [*exe, "render", "corpus", "--out", "big"],
            root,
            args.runs,
            _fresh(root / "big"),
            base,
        )
        generate(root / "corpus", args.count, teams=21)  # every file of every profile changes
        _median_run(
            f"render, {args.count} profiles, all changed",
            [*exe, "render", "corpus", "--out", "big"],
            root,
            args.runs,
            lambda: _alternate(root / "corpus", args.count),
            base,
        )
        _median_run(
            f"render --check, {args.count} profiles",
            [*exe, "render", "corpus", "--out", "big", "--check"],
            root,
            args.runs,
            None,
            base,
        )
        _median_run(
            f"validate the {args.count}-profile output",
            [*exe, "validate", "big"],
            root,
            args.runs,
            None,
            base,
        )


_TEAMS = [20]


def _alternate(corpus: Path, count: int) -> None:
    """Switch the corpus between two layouts so that each run rewrites every generated file."""
    _TEAMS[0] = 41 - _TEAMS[0]
    shutil.rmtree(corpus)
    generate(corpus, count, teams=_TEAMS[0])


if __name__ == "__main__":
    main()
