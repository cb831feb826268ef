"""The installed entry point: every command through it exits with its code and its whole output,
although it skips the interpreter's tear-down."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent


def entry_point(*arguments: str, cwd: Path = REPOSITORY) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    command = [sys.executable, "-m", "ingressgen", *arguments]
    return subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True)


def test_render_writes_every_file_and_check_finds_them_current(tmp_path: Path) -> None:
    shutil.copytree(REPOSITORY / "profiles", tmp_path / "profiles")
    out = tmp_path / "out"
    rendered = entry_point("render", "profiles", "--out", "out", "-q", cwd=tmp_path)
    assert rendered.returncode == 0, rendered.stderr
    committed = sorted(p.relative_to(REPOSITORY / "out") for p in (REPOSITORY / "out").rglob("*"))
    written = sorted(p.relative_to(out) for p in out.rglob("*"))
    assert written == committed
    for name in committed:
        if (out / name).is_file() and name.name != ".ingressgen-record":
            assert (out / name).read_bytes() == (REPOSITORY / "out" / name).read_bytes(), name
    assert entry_point("render", "profiles", "--check", cwd=tmp_path).returncode == 0


def test_long_output_reaches_the_reader_whole(tmp_path: Path) -> None:
    result = entry_point("schema")
    assert result.returncode == 0 and result.stdout.rstrip().endswith("}")
    assert len(result.stdout) > 10_000


def test_usage_errors_keep_their_exit_code() -> None:
    result = entry_point("render", "--no-such-option")
    assert result.returncode == 2 and "no such option" in result.stderr.lower()
