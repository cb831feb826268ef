"""Time `ingressgen render`: a cold run on one profile, and runs over a generated corpus.

Usage: python bench/bench_render.py [--runs 5] [--count 1000]
Prints medians of wall time and the peak RSS of the child process. Nothing here asserts a
threshold: the figures go into the closing notes of the issues.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import generate

REPO = Path(__file__).resolve().parents[1]


def _timed(argv: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    completed = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        raise SystemExit(f"{argv} failed:\n{completed.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) / 1024


def _median_run(label: str, argv: list[str], cwd: Path, runs: int, fresh_out: Path | None) -> None:
    times, peaks = [], []
    for _ in range(runs):
        if fresh_out is not None:
            shutil.rmtree(fresh_out, ignore_errors=True)
        elapsed, peak = _timed(argv, cwd)
        times.append(elapsed)
        peaks.append(peak)
    print(f"{label:<46} median {statistics.median(times):7.3f} s   peak RSS {max(peaks):6.1f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    exe = [sys.executable, "-m", "ingressgen"]
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        shutil.copy(REPO / "profiles/messaging-service.yaml", root / "one.yaml")
        _median_run(
            "cold render, 1 profile, fresh out/",
            [*exe, "render", "one.yaml", "--out", "out"],
            root,
            args.runs,
            root / "out",
        )
        _median_run(
            "render, 1 profile, out/ up to date",
            [*exe, "render", "one.yaml", "--out", "out"],
            root,
            args.runs,
            None,
        )
        generate(root / "corpus", args.count)
        _median_run(
            f"render, {args.count} profiles, fresh out/",
            [*exe, "render", "corpus", "--out", "big"],
            root,
            args.runs,
            root / "big",
        )
        _median_run(
            f"render --check, {args.count} profiles",
            [*exe, "render", "corpus", "--out", "big", "--check"],
            root,
            args.runs,
            None,
        )
        _median_run(
            f"validate the {args.count}-profile output",
            [*exe, "validate", "big"],
            root,
            args.runs,
            None,
        )


if __name__ == "__main__":
    main()
