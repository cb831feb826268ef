"""Time `ingressgen render` beside kubeconform validating the same output, in turns.

Usage: python bench/bench_render.py [--runs 7] [--count 1000] [--baseline DIR] [--scale]

Every figure is the median wall time of fresh processes (and the largest peak RSS among them).
Each round runs every contender once, one after the other: ingressgen, the --baseline checkout
if given (e.g. `git worktree add /tmp/base main`), and kubeconform v0.7.0 validating the
output alone (`-n 2 -strict`, the local schemas ingressgen prepares for its kubeconform
backend: never the network). So every ratio compares runs taken in the same window of these
shared, noisy machines; the reference loop printed first and last says how busy it was.
kubeconform is `$KUBECONFORM`, `../shared/bin/kubeconform` or the one on PATH; without it its
lines are skipped. --scale adds fresh renders of 100, 1,000 and 5,000 profiles (time per
profile and peak RSS). Nothing here asserts a threshold: the figures go into the README.

Between runs into an empty out/, the last run's output is moved aside, never deleted, until the
end. On ext4 without a journal (these machines' disk) the kernel will not reuse an inode within
60 s of its deletion (300 s while its table block is unwritten), and every new file or folder
scans past such inodes first: deleting the last run's 1,600 files and folders just before a run
made that run 1.8-2.2 s instead of 0.54 s, a cost of the harness, not of render. Files deleted
by anything else in the minutes before (a test suite's temporary folders, an earlier bench)
still slow every run that creates files (an empty out/, the cold render, every file changed),
so those lines are also worth taking with --scratch /dev/shm (tmpfs), which times render's own
work; the README shows both.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import generate

REPO = Path(__file__).resolve().parents[1]
KUBERNETES_VERSION = "1.34"  # the profiles' default: what render validates against
BARE_IMPORT = "import jinja2, pydantic, ruamel.yaml, click, jsonschema_rs"


@dataclass
class Contender:
    label: str
    argv: list[str]
    env: dict[str, str]
    codes: tuple[int, ...] = (0,)
    prepared: bool = True  # runs after the round's `prepare`; False: reads what the last one left
    times: list[float] = field(default_factory=list)
    peak: float = 0.0

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def _run(contender: Contender, cwd: Path) -> None:
    """One fresh process: its wall time, and its own peak RSS (MiB) through wait4."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(
            contender.argv, cwd=cwd, env=contender.env, stdout=subprocess.DEVNULL, stderr=errors
        )
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = code = os.waitstatus_to_exitcode(status)
        if code not in contender.codes:
            errors.seek(0)
            shown = errors.read().decode(errors="replace")[-2000:]
            raise SystemExit(f"{contender.argv} exited {code}:\n{shown}")
    contender.peak = max(contender.peak, usage.ru_maxrss / 1024)
    contender.times.append(elapsed)


def in_turns(
    title: str,
    contenders: Sequence[Contender],
    cwd: Path,
    runs: int,
    prepare: Callable[[], None] | None = None,
) -> list[Contender]:
    """Each round runs every contender once (after `prepare`); medians and ratios to the first."""
    for contender in contenders:  # warm-up: bytecode, page cache, prepared schema caches
        if prepare is not None and contender.prepared:
            prepare()
        _run(contender, cwd)
        contender.times.clear()
    for _ in range(runs):
        for contender in contenders:
            if prepare is not None and contender.prepared:
                prepare()
            _run(contender, cwd)
    print(title)
    first = contenders[0]
    for contender in contenders:
        ratio = (
            ""
            if contender is first
            else f"   ratio of the first to this: {first.median / contender.median:5.2f}x"
        )
        print(
            f"  {contender.label:<30} median {contender.median:7.3f} s"
            f"   peak RSS {contender.peak:6.1f} MiB{ratio}"
        )
    return list(contenders)


class SetAside:
    """Empties an output path by moving it into a holding folder (see the module docstring)."""

    def __init__(self, root: Path) -> None:
        self.holding = root / "set-aside"
        self.moved = 0

    def __call__(self, path: Path) -> Callable[[], None]:
        def empty() -> None:
            if os.path.lexists(path):
                self.holding.mkdir(exist_ok=True)
                self.moved += 1
                path.rename(self.holding / str(self.moved))

        return empty


def machine_speed(runs: int = 5) -> float:
    """A fixed pure-Python loop: these shared machines change speed by 1.5-2x over minutes,
    so figures are only comparable next to this one."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        total = 0
        for i in range(3_000_000):
            total += i
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    load = os.getloadavg()[0]
    print(f"machine speed: reference loop median {median:6.3f} s (load average {load:.1f})")
    return median


def kubeconform_binary() -> str | None:
    named = os.environ.get("KUBECONFORM")
    shared = REPO.parent / "shared" / "bin" / "kubeconform"
    if named:
        return named
    if shared.is_file() and os.access(shared, os.X_OK):
        return str(shared)
    return shutil.which("kubeconform")


def kubeconform_argv(binary: str, folder: str) -> list[str]:
    """kubeconform on `folder` with local schemas only: the built-in kinds from the folder
    ingressgen's kubeconform backend prepares (kubeconform.md, "the trap"), the MetalLB and
    cfargotunnel kinds from its own CRD schemas. kustomization.yaml files are not objects."""
    sys.path.insert(0, str(REPO))
    from ingressgen.validation.schemas.kubeconform import (
        BUILTIN_LOCATION,
        CRD_LOCATION,
        prepared_builtin_schemas,
        prepared_own_crd_schemas,
    )

    builtin = prepared_builtin_schemas(KUBERNETES_VERSION)
    crds = prepared_own_crd_schemas(KUBERNETES_VERSION)
    return [
        binary,
        *("-kubernetes-version", f"{KUBERNETES_VERSION}.0", "-n", "2", "-strict", "-summary"),
        *("-schema-location", f"{builtin}/{BUILTIN_LOCATION}"),
        *("-schema-location", f"{crds}/{CRD_LOCATION}"),
        *("-ignore-filename-pattern", r"kustomization\.yaml$"),
        folder,
    ]


def _environment(checkout: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode compiled
    return env


def _ingressgen(
    label: str, arguments: list[str], checkout: Path, codes: tuple[int, ...] = (0,)
) -> Contender:
    return Contender(
        label, [sys.executable, "-m", "ingressgen", *arguments], _environment(checkout), codes
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--baseline", type=Path, help="another checkout to time in turns")
    parser.add_argument("--scale", action="store_true", help="also 100, 1,000 and 5,000 profiles")
    parser.add_argument(
        "--scratch",
        type=Path,
        help="the folder to work in (default: the system's temporary folder); e.g. /dev/shm "
        "to time render without this disk's cost of creating files (see the module docstring)",
    )
    args = parser.parse_args()
    base = args.baseline.resolve() if args.baseline else None
    binary = kubeconform_binary()
    machine_speed()

    def contenders(label: str, arguments: list[str], output: str | None) -> list[Contender]:
        found = [_ingressgen(label, arguments, REPO)]
        if base is not None:
            found.append(_ingressgen("baseline", arguments, base))
        if binary is not None and output is not None:
            found.append(
                Contender(
                    "kubeconform (validate only)",
                    kubeconform_argv(binary, output),
                    dict(os.environ),
                    prepared=False,  # validates the output the render before it wrote
                )
            )
        return found

    with tempfile.TemporaryDirectory(dir=args.scratch) as scratch:
        root = Path(scratch)
        set_aside = SetAside(root)
        shutil.copy(REPO / "profiles/messaging-service.yaml", root / "one.yaml")
        bare = Contender(
            "bare import of the libraries", [sys.executable, "-c", BARE_IMPORT], _environment(REPO)
        )
        one = contenders("cold render, 1 profile", ["render", "one.yaml", "--out", "out"], None)
        in_turns(
            "cold render of one profile into a fresh out/, against the bare import",
            [*one, bare],
            root,
            args.runs,
            set_aside(root / "out"),
        )
        count = args.count
        generate(root / "corpus", count)
        render = ["render", "corpus", "--out", "big"]
        in_turns(
            f"render, {count} profiles, into an empty out/",
            contenders("render, empty out/", render, "big"),
            root,
            args.runs,
            set_aside(root / "big"),
        )
        in_turns(
            f"render, {count} profiles, out/ up to date",
            contenders("render, up to date", render, "big"),
            root,
            args.runs,
        )
        in_turns(
            f"render --check, {count} profiles",
            contenders("render --check", [*render, "--check"], "big"),
            root,
            args.runs,
        )
        in_turns(
            f"validate the {count}-profile output",
            contenders("validate", ["validate", "big"], "big"),
            root,
            args.runs,
        )
        in_turns(
            f"render, {count} profiles, every file changed",
            contenders("render, all changed", render, None),
            root,
            args.runs,
            lambda: _alternate(root / "corpus", count),
        )
        if args.scale:
            for size in (100, 1000, 5000):
                set_aside(root / "corpus")()
                generate(root / "corpus", size)
                [measured, *_] = in_turns(
                    f"scale: render, {size} profiles, into an empty out/",
                    [_ingressgen(f"render, {size} profiles", render, REPO)],
                    root,
                    max(3, args.runs // 2),
                    set_aside(root / "big"),
                )
                print(f"  per profile: {measured.median / size * 1000:.3f} ms")
    machine_speed()


_TEAMS = [20]


def _alternate(corpus: Path, count: int) -> None:
    """Switch the corpus between two layouts so that each run rewrites every generated file.
    The profiles keep their names, so they are overwritten in place (no inode is freed)."""
    _TEAMS[0] = 41 - _TEAMS[0]
    generate(corpus, count, teams=_TEAMS[0])


if __name__ == "__main__":
    main()
