"""The integrations shipped with ingressgen, each run the way its host would run it: the
pre-commit hooks through `pre-commit try-repo`, the Argo CD plugin's discover and generate, the
GitHub composite action's steps and the GitLab job's script, against a repository laid out like
a user's (profiles/ and the committed out/)."""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO

BIN = Path(sys.executable).parent  # the test environment's ingressgen is on this PATH


def _user_repo(root: Path) -> Path:
    """A repository with the example profiles and their rendered, committed out/."""
    shutil.copytree(REPO / "profiles", root / "profiles")
    _sh(["ingressgen", "render", "profiles", "-q"], root)
    return root


def _sh(command: list[str] | str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=cwd,
        shell=isinstance(command, str),
        executable="/bin/bash" if isinstance(command, str) else None,
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def _drift(repo: Path) -> None:
    """A profile changed without rendering again: what the integrations exist to catch."""
    profile = repo / "profiles/messaging-service.yaml"
    profile.write_text(profile.read_text().replace("port: 8080", "port: 8081"))


def _stream_objects(text: str) -> list[Any]:
    return [d for d in yaml.safe_load_all(text) if d is not None]


def _out_objects(out: Path) -> list[Any]:
    # In the order of their paths as text, the order the stream uses.
    files = sorted(
        (p for p in out.rglob("*.yaml") if p.name != "kustomization.yaml"),
        key=lambda p: p.relative_to(out).as_posix(),
    )
    return [yaml.safe_load(p.read_text()) for p in files]


# --- pre-commit -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(a git repository holding this checkout's files as they are now, pre-commit's home).

    try-repo reads a repository at a commit, so uncommitted work is committed in a copy. One
    home for the module: pre-commit installs ingressgen into its hook environment once."""
    if shutil.which("git") is None or not (BIN / "pre-commit").exists():
        pytest.skip("git or pre-commit is not installed")
    source = tmp_path_factory.mktemp("hooks") / "ingressgen"
    ignored = shutil.ignore_patterns(".git", ".venv", ".*_cache", "__pycache__", "*.egg-info")
    shutil.copytree(REPO, source, ignore=ignored)
    _commit_all(source)
    return source, tmp_path_factory.mktemp("pre-commit-home")


def _try_repo(repo: Path, hook: str, hooks: tuple[Path, Path]) -> subprocess.CompletedProcess[str]:
    source, home = hooks
    return _sh(
        ["pre-commit", "try-repo", str(source), hook, "--all-files"],
        repo,
        PRE_COMMIT_HOME=str(home),
    )


def _git_repo(root: Path) -> Path:
    repo = _user_repo(root)
    _commit_all(repo)
    return repo


def _commit_all(repo: Path) -> None:
    for command in (
        ["git", "init", "-q"],
        ["git", "add", "-A"],
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init"],
    ):
        assert _sh(command, repo).returncode == 0


def test_pre_commit_check_hook_passes_in_step_and_fails_on_drift(
    tmp_path: Path, hooks: tuple[Path, Path]
) -> None:
    repo = _git_repo(tmp_path)
    clean = _try_repo(repo, "ingressgen-check", hooks)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    _drift(repo)
    drifted = _try_repo(repo, "ingressgen-check", hooks)
    assert drifted.returncode == 1, drifted.stdout
    assert "changed: out/messaging/messaging-service/" in drifted.stdout


def test_pre_commit_validate_hook_reads_out_and_refuses_a_bad_manifest(
    tmp_path: Path, hooks: tuple[Path, Path]
) -> None:
    repo = _git_repo(tmp_path)
    assert _try_repo(repo, "ingressgen-validate", hooks).returncode == 0
    service = next((repo / "out").rglob("service-*.yaml"))
    service.write_text(service.read_text().replace("port: 8080", "port: eighty"))
    refused = _try_repo(repo, "ingressgen-validate", hooks)
    assert refused.returncode == 1, refused.stdout
    assert service.name in refused.stdout


def _explain_repo(root: Path) -> Path:
    """A repository whose profiles have no risk above medium, and a YAML file beside them that
    is not a profile (an HPA kept with the profiles, as users do)."""
    shutil.copytree(REPO / "profiles", root / "profiles")
    (root / "profiles/messaging-service-cloudflare.yaml").unlink()  # its high risk comes later
    hpa = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler"}
    (root / "profiles/hpa.yaml").write_text(yaml.safe_dump({**hpa, "metadata": {"name": "x"}}))
    _commit_all(root)
    return root


def test_pre_commit_explain_hook_skips_other_yaml_and_fails_on_a_high_risk(
    tmp_path: Path, hooks: tuple[Path, Path]
) -> None:
    repo = _explain_repo(tmp_path)
    clean = _try_repo(repo, "ingressgen-explain", hooks)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    # Every WebSocket through Cloudflare has a high risk: its edge drops them on restarts.
    shutil.copy(REPO / "profiles/messaging-service-cloudflare.yaml", repo / "profiles")
    assert _sh(["git", "add", "-A"], repo).returncode == 0
    risky = _try_repo(repo, "ingressgen-explain", hooks)
    assert risky.returncode == 1, risky.stdout + risky.stderr
    assert "high: Cloudflare restarts" in risky.stdout
    assert "(cloudflare-restarts-drop-websockets)" in risky.stdout


# --- Argo CD --------------------------------------------------------------------------------------


def test_argocd_plugin_discovers_the_profiles_and_generates_what_render_writes(
    tmp_path: Path,
) -> None:
    plugin = yaml.safe_load((REPO / "integrations/argocd/plugin.yaml").read_text())
    assert plugin["kind"] == "ConfigManagementPlugin"
    repo = _user_repo(tmp_path)
    files = [p.relative_to(repo).as_posix() for p in repo.rglob("*")]
    pattern = plugin["spec"]["discover"]["find"]["glob"]
    assert [f for f in files if fnmatch.fnmatch(f, pattern)]
    assert not fnmatch.fnmatch("out/messaging/messaging-service/kustomization.yaml", pattern)
    before = sorted(p for p in repo.rglob("*"))
    generated = _sh(plugin["spec"]["generate"]["command"], repo)
    assert generated.returncode == 0, generated.stderr
    assert _stream_objects(generated.stdout) == _out_objects(repo / "out")
    assert sorted(p for p in repo.rglob("*")) == before  # generate writes nothing


# --- GitHub Actions ---------------------------------------------------------------------------


def _run_action(repo: Path, **inputs: str) -> list[subprocess.CompletedProcess[str]]:
    """Run action.yml's steps as the runner would: inputs substituted, in the repository, with
    $GITHUB_ACTION_PATH set. The install step is run as a dry run (pip resolves the action's
    folder as a package), because the package is already installed here."""
    action = yaml.safe_load((REPO / "action.yml").read_text())
    values = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    values.update(inputs)

    def substitute(text: str) -> str:
        return re.sub(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", lambda m: values[m[1]], text)

    results = []
    for step in action["runs"]["steps"]:
        assert step["shell"] == "bash"
        script = substitute(step["run"])
        env = {key: substitute(str(value)) for key, value in step.get("env", {}).items()}
        if "pip install" in script:
            dry_run = "pip install --dry-run --no-deps --no-build-isolation"
            script = script.replace("pip install", dry_run)
        results.append(_sh(script, repo, GITHUB_ACTION_PATH=str(REPO), **env))
        if results[-1].returncode != 0:
            break
    return results


def test_github_action_passes_in_step_and_annotates_drift(tmp_path: Path) -> None:
    repo = _user_repo(tmp_path)
    install, check, explain = _run_action(repo)
    assert install.returncode == 0, install.stderr
    assert check.returncode == 0, check.stderr
    assert explain.returncode == 0, explain.stderr
    assert "(cloudflare-restarts-drop-websockets)" in explain.stdout  # the report, in the log
    _drift(repo)
    *_, drifted = _run_action(repo)
    assert drifted.returncode == 1
    assert "::error file=out/messaging/messaging-service/" in drifted.stdout


def test_github_action_fail_on_gates_on_the_findings_level(tmp_path: Path) -> None:
    repo = _user_repo(tmp_path)
    # The Cloudflare example has a high finding (its edge drops WebSockets on restarts).
    assert _run_action(repo, **{"fail-on": "critical"})[-1].returncode == 0
    gated = _run_action(repo, **{"fail-on": "high"})[-1]
    assert gated.returncode == 1
    assert "(cloudflare-restarts-drop-websockets)" in gated.stdout


def _private_pool(repo: Path) -> None:
    """The MetalLB example on private addresses, rendered again: no drift, no render finding
    at critical, but explain's exposure-not-public (critical: no client on the internet can
    connect)."""
    profile = repo / "profiles/messaging-service.yaml"
    profile.write_text(profile.read_text().replace("203.0.113.10", "10.0.0.10"))
    assert _sh(["ingressgen", "render", "profiles", "-q"], repo).returncode == 0


def test_github_action_explain_step_gates_a_risk_that_render_does_not(tmp_path: Path) -> None:
    repo = _user_repo(tmp_path)
    _private_pool(repo)
    _, check, explain = _run_action(repo, **{"fail-on": "critical"})
    assert check.returncode == 0, check.stdout + check.stderr
    assert explain.returncode == 1, explain.stdout + explain.stderr
    assert "critical: No public exposure (exposure-not-public)" in explain.stdout


# --- GitLab CI ----------------------------------------------------------------------------------


def _run_gitlab_job(repo: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    template = yaml.safe_load((REPO / "integrations/gitlab/ingressgen.gitlab-ci.yml").read_text())
    job = template["ingressgen-check"]
    env = {**{k: str(v) for k, v in job["variables"].items()}, **variables}
    # Like GitLab: the script's lines run in order in one shell and the first failure stops it;
    # the install line is left out because the package is installed here.
    script = "set -e\n" + "\n".join(line for line in job["script"] if "pip install" not in line)
    assert any("pip install" in line for line in job["script"])
    return _sh(script, repo, **env)


def _junit_reports(repo: Path) -> dict[str, ET.Element]:
    """The JUnit files the job declares for GitLab, parsed (each must exist and be XML)."""
    template = yaml.safe_load((REPO / "integrations/gitlab/ingressgen.gitlab-ci.yml").read_text())
    artifacts = template["ingressgen-check"]["artifacts"]
    assert artifacts["when"] == "always"  # uploaded when the job fails too
    return {name: ET.parse(repo / name).getroot() for name in artifacts["reports"]["junit"]}


def test_gitlab_job_passes_in_step_and_fails_on_drift(tmp_path: Path) -> None:
    repo = _user_repo(tmp_path)
    clean = _run_gitlab_job(repo)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    reports = _junit_reports(repo)
    assert sorted(reports) == ["ingressgen-render.junit.xml", "ingressgen-validate.junit.xml"]
    validated = reports["ingressgen-validate.junit.xml"]
    assert int(validated.attrib["tests"]) > 0 and validated.attrib["failures"] == "0"
    _drift(repo)
    drifted = _run_gitlab_job(repo)
    assert drifted.returncode == 1
    assert "changed: out/messaging/messaging-service/" in drifted.stderr  # the job log
    rendered = _junit_reports(repo)["ingressgen-render.junit.xml"]
    failed = [
        case.attrib["name"]
        for case in rendered.iter("testcase")
        if case.find("failure") is not None and case.attrib["classname"] == "drift"
    ]
    assert failed and all(name.startswith("out/messaging/messaging-service/") for name in failed)


def test_gitlab_job_explain_step_gates_a_risk_that_render_does_not(tmp_path: Path) -> None:
    repo = _user_repo(tmp_path)
    _private_pool(repo)
    assert _run_gitlab_job(repo).returncode == 0  # without a level, explain only reports
    gated = _run_gitlab_job(repo, INGRESSGEN_FAIL_ON="critical")
    assert gated.returncode == 1, gated.stdout + gated.stderr
    assert "critical: No public exposure (exposure-not-public)" in gated.stdout
    validated = _junit_reports(repo)["ingressgen-validate.junit.xml"]
    assert validated.attrib["failures"] == "0"  # render and validate passed before explain
