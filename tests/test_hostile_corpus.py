"""The hostile profiles corpus (tests/data/hostile_profiles): every file is refused with exit 2,
at the line and column its expectation names, with the message fragment it names, without a
traceback, and with nothing written.

The files are named NAME.hostile, not .yaml, so that `ingressgen render .` at the repository's
root never takes them for profiles; each test copies one to NAME.yaml. Each file's expectation
is its first line, `# expect: LINE:COL FRAGMENT`, or, for a file that
cannot start with a comment (empty, UTF-16, a byte-order mark), the first line of NAME.expect
beside it. Files over the size limit are made here, not committed."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from ingressgen.profile_files import MAX_PROFILE_BYTES
from tests.conftest import Result, dump, metallb_profile, snapshot, write

Run = Callable[..., Result]

CORPUS = Path(__file__).parent / "data" / "hostile_profiles"
CASES = sorted(CORPUS.glob("*.hostile"))
_EXPECTATION = re.compile(r"(?:# expect: )?(\d+):(\d+) (.+)")


def expectation(case: Path) -> tuple[int, int, str]:
    sidecar = case.with_suffix(".expect")
    first = sidecar.read_bytes() if sidecar.exists() else case.read_bytes()
    match = _EXPECTATION.fullmatch(first.split(b"\n", 1)[0].decode())
    assert match, f"{case.name} names no expectation"
    return int(match[1]), int(match[2]), match[3]


def test_the_corpus_covers_enough_cases() -> None:
    assert len(CASES) >= 40


def assert_refused_cleanly(result: Result, workdir: Path) -> None:
    assert result.code == 2, result.err
    assert "Traceback" not in result.err and "internal error" not in result.err
    assert all(len(line) < 2500 for line in result.err.splitlines())
    assert not (workdir / "out").exists()


@pytest.mark.parametrize("case", CASES, ids=[case.stem for case in CASES])
def test_a_hostile_profile_is_refused_at_its_line(workdir: Path, run: Run, case: Path) -> None:
    line, column, fragment = expectation(case)
    name = f"{case.stem}.yaml"
    shutil.copyfile(case, workdir / name)
    result = run("render", name)
    assert_refused_cleanly(result, workdir)
    located = [text for text in result.err.splitlines() if fragment in text]
    assert located, result.err
    assert located[0].startswith(f"error: {name}:{line}:{column}: "), located[0]


def test_the_whole_corpus_as_one_folder_writes_nothing(workdir: Path, run: Run) -> None:
    (workdir / "p").mkdir()
    for case in CASES:
        shutil.copyfile(case, workdir / "p" / f"{case.stem}.yaml")
    previous = {"out/chat/kept.txt": "from an earlier render"}
    result = run("render", "p", "--out", "elsewhere")
    assert result.code == 2 and "Traceback" not in result.err
    assert not (workdir / "elsewhere").exists()
    write(workdir, previous)
    before = snapshot(workdir / "out")
    assert run("render", "p").code == 2
    assert snapshot(workdir / "out") == before


def test_a_profile_over_the_size_limit_is_refused_unread(workdir: Path, run: Run) -> None:
    big = workdir / "big.yaml"
    with big.open("wb") as handle:  # sparse: its size is all that is looked at
        handle.write(b"# ingressgen.dev/v1alpha1\n")
        handle.truncate(MAX_PROFILE_BYTES + 1)
    result = run("render", "big.yaml")
    assert_refused_cleanly(result, workdir)
    assert "error: big.yaml: larger than 1 MiB, far more than any profile: not read" in result.err
    # In a folder, only its start is read, to see that it means to be a profile.
    os.mkdir(workdir / "p")
    big.rename(workdir / "p" / "big.yaml")
    write(workdir, {"p/ok.yaml": dump(metallb_profile())})
    in_folder = run("render", "p")
    assert_refused_cleanly(in_folder, workdir)
    assert "error: p/big.yaml: larger than 1 MiB" in in_folder.err


def test_a_profile_just_under_the_limit_is_read(workdir: Path, run: Run) -> None:
    text = dump(metallb_profile())
    padding = "#" * 100 + "\n"
    text += padding * ((MAX_PROFILE_BYTES - len(text)) // len(padding))
    write(workdir, {"p/a.yaml": text})
    assert run("render", "p").code == 0


def test_a_fifo_among_profiles_is_refused_without_waiting(workdir: Path, run: Run) -> None:
    write(workdir, {"p/ok.yaml": metallb_profile()})
    os.mkfifo(workdir / "p" / "pipe.yaml")
    result = run("render", "p")
    assert_refused_cleanly(result, workdir)
    assert "error: p/pipe.yaml: not a regular file (a FIFO, device or socket)" in result.err
