"""Time `ingressgen validate` on the 2,000-manifest corpus (and kubeconform, when found).

Usage: python bench/bench_validate.py [--runs 15] [--per-kind 500] [--baseline DIR]

--baseline DIR also times another checkout of ingressgen (say `git worktree add DIR REV`) in
turns with this one, run for run: on these machines only figures taken together compare.

Each figure is the median (and the fastest) of several cold runs of a fresh process, as a user
or CI would start it, after one warm-up run that compiles the bytecode (a pip install does the
same). Prints the peak RSS too. kubeconform ($KUBECONFORM, ../shared/bin/kubeconform or PATH)
validates the same files with the local schemas ingressgen prepares for it, never the network.
Nothing asserts a threshold: the figures go into the issue's
closing note. The machines are shared and noisy, so compare medians taken together.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_render import kubeconform_argv, kubeconform_binary, machine_speed
from manifest_corpus import generate


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode compiled
    env.pop("KUBECONFORM", None)
    return env


def _timed(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MiB) and exit code of one child process."""
    start = time.perf_counter()
    completed = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if completed.returncode not in (0, 1):
        raise SystemExit(f"{argv} failed:\n{completed.stderr.decode(errors='replace')}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return elapsed, peak, completed.returncode


def measure(label: str, argv: list[str], cwd: Path, runs: int, env: dict[str, str]) -> float:
    _timed(argv, cwd, env)  # warm-up: bytecode, page cache, prepared schema caches
    times = []
    peak = 0.0
    for _ in range(runs):
        elapsed, rss, _ = _timed(argv, cwd, env)
        times.append(elapsed)
        peak = max(peak, rss)
    median = statistics.median(times)
    print(
        f"{label:<58} median {median:6.3f} s   best {min(times):6.3f} s   peak RSS {peak:5.0f} MiB"
    )
    return median


def compare(
    label: str, argv: list[str], cwd: Path, args: argparse.Namespace, env: dict[str, str]
) -> None:
    """The baseline checkout and this one, one run each in turn: medians and their ratio."""
    here = {**env, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    there = {**env, "PYTHONPATH": str(args.baseline.resolve())}
    for environment in (there, here):
        _timed(argv, cwd, environment)  # warm-up: bytecode, page cache, schema caches
    before: list[float] = []
    after: list[float] = []
    for _ in range(args.runs):
        before.append(_timed(argv, cwd, there)[0])
        after.append(_timed(argv, cwd, here)[0])
    old, new = statistics.median(before), statistics.median(after)
    print(
        f"{'in turns, ' + label + ':':<58} baseline {old:6.3f} s   this {new:6.3f} s"
        f"   ratio {new / old:5.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--per-kind", type=int, default=500)
    parser.add_argument("--baseline", type=Path, help="another checkout to time in turns")
    args = parser.parse_args()
    env = _environment()
    python = [sys.executable]
    ingressgen = [*python, "-m", "ingressgen"]
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        count = generate(root / "files", args.per_kind)
        generate(root / "one", args.per_kind, single_file=True)
        machine_speed(5)
        measure("python -c pass (interpreter start)", [*python, "-c", "pass"], root, args.runs, env)
        measure(
            "import ingressgen.cli (the floor of any command)",
            [*python, "-c", "import ingressgen.cli"],
            root,
            args.runs,
            env,
        )
        measure(
            f"ingressgen validate, {count} files",
            [*ingressgen, "validate", "files"],
            root,
            args.runs,
            env,
        )
        measure(
            f"ingressgen validate, one file of {count} documents",
            [*ingressgen, "validate", "one"],
            root,
            args.runs,
            env,
        )
        measure(
            f"ingressgen validate -o json, {count} files",
            [*ingressgen, "validate", "files", "-o", "json"],
            root,
            args.runs,
            env,
        )
        machine_speed(5)
        if args.baseline:
            for label, folder in ((f"{count} files", "files"), (f"one file of {count}", "one")):
                compare(label, [*ingressgen, "validate", folder], root, args, env)
        kubeconform = kubeconform_binary()
        if kubeconform is None:
            print("kubeconform not found: its line is skipped (kubeconform.md: 0.32 s here)")
            return
        # Local schemas only (kubeconform.md, "the trap"): without -schema-location kubeconform
        # fetches every schema from the network, and hangs offline.
        measure(
            f"kubeconform -n 2, {count} files",
            kubeconform_argv(kubeconform, "files"),
            root,
            args.runs,
            env,
        )


if __name__ == "__main__":
    main()
