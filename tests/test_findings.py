"""Profile findings: ids and levels, -q, --fail-on, --ignore and the ignore annotation, and every
output format carrying findings, profile errors and drift."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ingressgen.findings import PROBE_RULES, PROFILE_RULES, RULES, Finding, Level
from tests.conftest import REPO, Result, cloudflare_profile, metallb_profile, snapshot, write

Run = Callable[..., Result]


def operator(name: str, hostname: str, path: str) -> dict[str, Any]:
    tunnel = {"mode": "operator", "tunnel": "edge", "tunnelKind": "ClusterTunnel"}
    return cloudflare_profile(
        **{
            "metadata.name": name,
            "spec.hostname": hostname,
            "spec.websocket.path": path,
            "spec.cloudflareTunnel": tunnel,
        }
    )


@pytest.fixture
def shadowed(workdir: Path) -> Path:
    """Two operator bindings: a-wild sorts first and its rule swallows b-chat's requests."""
    write(
        workdir,
        {
            "p/a.yaml": operator("a-wild", "*.example.com", "/"),
            "p/b.yaml": operator("b-chat", "chat.example.com", "/ws"),
        },
    )
    return workdir


def test_a_shadowed_operator_route_is_a_high_finding_at_the_profile(
    shadowed: Path, run: Run
) -> None:
    result = run("render", "p", "-q")
    assert result.code == 0
    [line] = [x for x in result.err.splitlines() if "(cloudflare-route-shadowed)" in x]
    assert line.startswith("p/b.yaml:4:9: high: ")  # metadata.name of the unreachable one
    gated = run("render", "p", "--fail-on", "high")
    assert gated.code == 1 and "(cloudflare-route-shadowed)" in gated.err
    assert (shadowed / "out/apps/b-chat/kustomization.yaml").is_file()  # written all the same
    assert run("render", "p", "--fail-on", "critical").code == 0


def test_quiet_hides_info_only(workdir: Path, run: Run) -> None:
    write(workdir, {"p/a.yaml": metallb_profile()})
    loud = run("render", "p")
    assert "info: " in loud.err and "(metallb-tls-passthrough)" in loud.err
    quiet = run("render", "p", "-q")
    assert quiet.code == 0
    assert "(metallb-tls-passthrough)" not in quiet.err
    assert "medium: " in quiet.err and "(metallb-failover-resets-connections)" in quiet.err


def test_ignore_option_and_annotation_silence_a_rule(workdir: Path, run: Run) -> None:
    annotations = {"ingressgen.dev/ignore": "metallb-failover-resets-connections"}
    write(
        workdir,
        {
            "p/a.yaml": metallb_profile(**{"metadata.annotations": annotations}),
            "q/b.yaml": metallb_profile(),
        },
    )
    silenced = run("render", "p", "--out", "o1")
    assert silenced.code == 0, silenced.err
    assert "metallb-failover-resets-connections" not in silenced.err
    texts = snapshot(workdir / "o1")
    assert not any(b"ingressgen.dev/ignore" in data for data in texts.values())
    assert "metallb-failover" in run("render", "q", "--out", "o2").err
    by_option = run("render", "q", "--out", "o2", "--ignore", "metallb-failover-resets-connections")
    assert "metallb-failover" not in by_option.err


@pytest.mark.parametrize("rule", ["no-such-rule", "profile-invalid"])
def test_ignoring_an_unknown_or_error_rule_is_refused(workdir: Path, run: Run, rule: str) -> None:
    write(workdir, {"p/a.yaml": metallb_profile(**{"metadata.annotations": {}})})
    by_option = run("render", "p", "--ignore", rule)
    assert by_option.code == 2 and "not a rule that can be ignored" in by_option.err
    write(
        workdir,
        {"p/a.yaml": metallb_profile(**{"metadata.annotations": {"ingressgen.dev/ignore": rule}})},
    )
    by_annotation = run("render", "p")
    assert by_annotation.code == 2
    assert re.search(r"p/a\.yaml:\d+:\d+: metadata\.annotations", by_annotation.err)
    assert not (workdir / "out").exists()


def test_render_json_carries_findings_validation_and_drift(shadowed: Path, run: Run) -> None:
    rendered = run("render", "p", "-o", "json")
    assert rendered.code == 0
    document = json.loads(rendered.out)
    assert document["version"] == 1
    assert document["drift"] == []
    assert document["summary"]["invalid"] == 0 and document["files"]
    [entry] = [f for f in document["findings"] if f["rule"] == "cloudflare-route-shadowed"]
    assert entry["level"] == "high" and entry["file"] == "p/b.yaml" and entry["line"] == 4
    assert entry["profiles"] == ["p/b.yaml"]

    edited = shadowed / "out/apps/a-wild/kustomization.yaml"
    edited.write_text(edited.read_text() + "# edited by hand\n")
    checked = run("render", "p", "--check", "-o", "json")
    assert checked.code == 1
    drift = json.loads(checked.out)["drift"]
    assert {"path": "out/apps/a-wild/kustomization.yaml", "state": "changed"} in drift


def test_render_json_and_github_report_profile_errors(workdir: Path, run: Run) -> None:
    write(workdir, {"p/a.yaml": metallb_profile(**{"spec.service.port": 0})})
    as_json = run("render", "p", "-o", "json")
    assert as_json.code == 2
    [error] = json.loads(as_json.out)["findings"]
    assert error["level"] == "error" and error["rule"] == "profile-invalid"
    assert error["file"] == "p/a.yaml" and error["line"] > 0 and "port" in error["message"]
    as_github = run("render", "p", "-o", "github")
    assert as_github.code == 2
    assert re.match(r"::error file=p/a\.yaml,line=\d+,col=\d+,title=", as_github.out)
    assert not (workdir / "out").exists()


def test_render_github_annotates_findings_and_drift(shadowed: Path, run: Run) -> None:
    rendered = run("render", "p", "-o", "github")
    assert rendered.code == 0
    assert re.search(
        r"^::error file=p/b\.yaml,line=4,col=9,"
        r"title=ingressgen high \(cloudflare-route-shadowed\)::",
        rendered.out,
        re.M,
    )
    (shadowed / "out/apps/a-wild/kustomization.yaml").unlink()
    checked = run("render", "p", "--check", "-o", "github")
    assert checked.code == 1
    assert "::error file=out/apps/a-wild/kustomization.yaml,title=ingressgen (drift)::missing" in (
        checked.out
    )


def test_every_finding_names_a_registered_rule() -> None:
    with pytest.raises(KeyError):
        Finding("not-registered", "x")
    assert Level.named("high") > Level.named("medium") > Level.named("info")


def test_the_readme_lists_every_profile_and_probe_rule_with_its_level() -> None:
    readme = (REPO / "README.md").read_text()
    listed = dict(
        re.findall(r"^\| `([a-z0-9-]+)` \| (error|critical|high|medium|low|info) \|", readme, re.M)
    )
    assert listed == {rule: str(spec.level) for rule, spec in RULES.items()}
    assert not set(PROFILE_RULES) & set(PROBE_RULES)
    # the probe's rules sit in the probe's section, the profile rules before it
    probe_section = readme.index("## Probing a live endpoint")
    assert all(readme.index(f"| `{rule}` |") > probe_section for rule in PROBE_RULES)
    assert all(readme.index(f"| `{rule}` |") < probe_section for rule in PROFILE_RULES)
