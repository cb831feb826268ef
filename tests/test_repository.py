"""Promises about the repository itself: README commands, CI, committed examples."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from tests.conftest import REPO, Result


def _readme_commands() -> list[str]:
    readme = (REPO / "README.md").read_text()
    first_screen = readme.split("\n---\n", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", first_screen)


def test_readme_first_screen_has_exactly_two_setup_commands() -> None:
    commands = _readme_commands()
    assert len(commands) == 2
    assert "ingressgen render profiles/" in commands[0]
    assert "pytest" in commands[1] and "ruff check" in commands[1] and "mypy" in commands[1]


def test_ci_runs_the_readme_test_command() -> None:
    ci_lines = (REPO / ".ci/run").read_text().splitlines()
    assert _readme_commands()[1] in ci_lines


def test_committed_out_matches_the_example_profiles(
    run: Callable[..., Result], monkeypatch: object
) -> None:
    import os

    previous = Path.cwd()
    os.chdir(REPO)
    try:
        result = run("render", "profiles/", "--out", "out", "--check")
    finally:
        os.chdir(previous)
    assert result.code == 0, result.out + result.err


def test_the_wheel_ships_templates_and_schemas(tmp_path: Path) -> None:
    import subprocess
    import sys
    import zipfile

    import pytest

    pytest.importorskip("hatchling", reason="hatchling (the build backend) is not installed")
    built = subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = {p.relative_to(REPO).as_posix() for p in (REPO / "templates").rglob("*.j2")}
    assert templates and {f"ingressgen/{t}" for t in templates} <= names
    assert "ingressgen/schemas/crds/metallb.io/ipaddresspool_v1beta1.json" in names
