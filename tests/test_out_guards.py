"""`--out` values that would write among a user's own files are refused before any work."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Result, metallb_profile, snapshot, write

Run = Callable[..., Result]


@pytest.fixture
def project(workdir: Path) -> Path:
    write(workdir, {"profiles/chat.yaml": metallb_profile(), "README.md": "mine\n"})
    return workdir


def assert_refused(run: Run, project: Path, *args: str, reason: str) -> None:
    before = snapshot(project)
    result = run("render", *args)
    assert result.code == 2, result.err
    assert "is refused" in result.err and reason in result.err, result.err
    assert "Traceback" not in result.err
    assert snapshot(project) == before  # nothing written anywhere
    assert sorted(p.name for p in project.iterdir()) == ["README.md", "profiles"]


@pytest.mark.parametrize(
    ("out", "reason"),
    [
        ("", "empty"),
        ("  ", "empty"),
        (".", "working directory"),
        ("./", "working directory"),
        ("/", "root of the file system"),
        ("..", "holds the working directory"),
        ("profiles", "holds the profiles"),
        ("profiles/", "holds the profiles"),
    ],
)
def test_dangerous_out_values_are_refused(project: Path, run: Run, out: str, reason: str) -> None:
    assert_refused(run, project, "profiles", "--out", out, reason=reason)
    assert_refused(run, project, "profiles", "--check", "--out", out, reason=reason)


def test_the_working_directory_by_its_absolute_path_is_refused(project: Path, run: Run) -> None:
    assert_refused(run, project, "profiles", "--out", str(project), reason="working directory")


def test_a_folder_holding_a_named_profile_file_is_refused(project: Path, run: Run) -> None:
    assert_refused(run, project, "profiles/chat.yaml", "--out", "profiles", reason="profiles")


def test_the_home_folder_is_refused(
    project: Path,
    run: Run,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    before = snapshot(home)
    assert_refused(run, project, "profiles", "--out", str(home), reason="home folder")
    assert snapshot(home) == before


def test_out_inside_the_profiles_folder_is_never_read_as_profiles(project: Path, run: Run) -> None:
    first = run("render", "profiles", "--out", "profiles/out")
    assert first.code == 0, first.err
    second = run("render", "profiles", "--out", "profiles/out")
    assert second.code == 0 and "up to date" in second.out, second.err
    assert run("render", "profiles", "--out", "profiles/out", "--check").code == 0


def test_a_folder_of_other_files_needs_adopt_once(project: Path, run: Run) -> None:
    write(project, {"manifests/deployment.yaml": "kind: Deployment\n"})
    refused = run("render", "profiles", "--out", "manifests")
    assert refused.code == 2 and "--adopt" in refused.err and "deployment.yaml" in refused.err
    assert sorted(os.listdir(project / "manifests")) == ["deployment.yaml"]

    adopted = run("render", "profiles", "--out", "manifests", "--adopt")
    assert adopted.code == 0, adopted.err
    again = run("render", "profiles", "--out", "manifests")
    assert again.code == 0, again.err
    assert (project / "manifests/deployment.yaml").read_text() == "kind: Deployment\n"


def test_check_reports_an_unfinished_journal_in_its_own_line(project: Path, run: Run) -> None:
    assert run("render", "profiles").code == 0
    (project / "out/.ingressgen-journal").write_text(
        '{"folders": [], "removes": [], "renames": [], "state": "committed", "version": 1}\n'
    )
    check = run("render", "profiles", "--check")
    assert check.code == 1
    assert "unfinished: out/.ingressgen-journal" in check.out
    finish = run("render", "profiles")
    assert finish.code == 0 and "interrupted" in finish.err
    assert not (project / "out/.ingressgen-journal").exists()
    assert run("render", "profiles", "--check").code == 0
