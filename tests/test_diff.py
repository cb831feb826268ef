"""`ingressgen diff`: files, folders and git revisions (in a temporary repository), across
exposures, a change that only touches a shared tunnel config, the three formats, the exit codes
and bad input on either side."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ingressgen.diff import OUTPUT_FORMATS, report
from tests.conftest import REPO, Result, cloudflare_profile, metallb_profile, write

Run = Callable[..., Result]


def diff_json(run: Run, *args: str, code: int = 1) -> dict[str, Any]:
    result = run("diff", *args, "-o", "json")
    assert result.code == code, result.err
    document: dict[str, Any] = json.loads(result.out)
    return document


def changed(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Objects by 'Kind namespace/name'."""
    return {f"{o['kind']} {o['namespace']}/{o['name']}": o for o in document["objects"]}


def fields(document: dict[str, Any], label: str) -> list[str]:
    return [f["path"] for f in changed(document)[label]["fields"]]


def impacts(document: dict[str, Any], kind: str) -> list[str]:
    return [i["message"] for i in document["impact"] if i["kind"] == kind]


def rules(findings: list[dict[str, Any]]) -> set[str]:
    return {f["rule"] for f in findings}


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture
def repo(workdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository as the working directory; temporary folders go to a folder of the
    test's own, so that a test can see that none is left behind."""
    private_tmp = tmp_path.parent / f"{tmp_path.name}-tmp"
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    for key in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(key, raising=False)
    git(workdir, "init", "-q", "-b", "main")
    git(workdir, "config", "user.email", "test@example.com")
    git(workdir, "config", "user.name", "test")
    git(workdir, "config", "commit.gpgsign", "false")
    return workdir


def commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def leftovers() -> list[str]:
    return sorted(os.listdir(tempfile.gettempdir()))


# -- files and folders --------------------------------------------------------------------


def test_a_profile_against_itself_is_no_difference(workdir: Path, run: Run) -> None:
    write(workdir, {"p/a.yaml": metallb_profile()})
    result = run("diff", "p/a.yaml", "p/a.yaml")
    assert result.code == 0, result.err
    assert result.out.strip() == "p/a.yaml -> p/a.yaml: no difference"
    document = diff_json(run, "p/a.yaml", "p/a.yaml", code=0)
    assert document["differs"] is False and document["objects"] == []


def test_a_changed_port_is_a_field_of_the_service(workdir: Path, run: Run) -> None:
    write(
        workdir,
        {
            "old/a.yaml": metallb_profile(),
            "new/a.yaml": metallb_profile(**{"spec.service.port": 9090}),
        },
    )
    document = diff_json(run, "old/a.yaml", "new/a.yaml")
    assert document["summary"] == {
        "added": 0,
        "removed": 0,
        "changed": 1,
        "findingsAppeared": 0,
        "findingsDisappeared": 0,
    }
    service = "Service apps/chat-lb"
    assert fields(document, service) == [
        "spec.ports[name=ws].port",
        "spec.ports[name=ws].targetPort",
    ]
    [diff_text] = [o["diff"] for o in document["objects"]]
    assert "-      port: 8080\n-      targetPort: 8080\n+      port: 9090\n" in diff_text
    assert "--- a/apps/chat/service-chat-lb.yaml" in diff_text
    assert any("now 9090" in m for m in impacts(document, "address"))


def test_folders_match_profiles_by_their_place_in_the_folder(workdir: Path, run: Run) -> None:
    write(
        workdir,
        {
            "old/a.yaml": cloudflare_profile(),
            "new/a.yaml": cloudflare_profile(),
            "new/b.yaml": metallb_profile(
                **{"metadata.name": "feed", "spec.hostname": "feed.example.com"}
            ),
        },
    )
    document = diff_json(run, "old", "new")
    states = {label: o["change"] for label, o in changed(document).items()}
    assert states["Service apps/feed-lb"] == "added"
    assert states["IPAddressPool metallb-system/public"] == "added"
    # old/a.yaml and new/a.yaml are one profile: its findings neither appear nor disappear.
    subjects = {f["subject"] for f in document["findings"]["appeared"]}
    assert subjects == {"new/b.yaml"}
    assert not document["findings"]["disappeared"]
    assert any("apps/feed-lb is new" in m for m in impacts(document, "address"))


def test_an_object_that_moves_to_another_folder(workdir: Path, run: Run) -> None:
    kept = {"spec.metallb.serviceName": "chat-lb"}
    write(workdir, {"p/a.yaml": metallb_profile(**kept)})
    write(workdir, {"q/a.yaml": metallb_profile(**kept, **{"metadata.name": "talk"})})
    document = diff_json(run, "p/a.yaml", "q/a.yaml")
    service = changed(document)["Service apps/chat-lb"]
    assert service["change"] == "changed"
    assert (service["oldPath"], service["newPath"]) == (
        "apps/chat/service-chat-lb.yaml",
        "apps/talk/service-chat-lb.yaml",
    )
    assert [f["path"] for f in service["fields"]] == ["# File"]
    assert service["diff"].startswith("--- a/apps/chat/service-chat-lb.yaml\n+++ b/apps/talk/")


def test_the_output_is_deterministic(workdir: Path, run: Run) -> None:
    write(
        workdir,
        {"old/a.yaml": metallb_profile(), "new/a.yaml": cloudflare_profile()},
    )
    first = [run("diff", "old", "new", "-o", fmt).out for fmt in OUTPUT_FORMATS]
    second = [run("diff", "old", "new", "-o", fmt).out for fmt in OUTPUT_FORMATS]
    assert first == second


# -- exposures ----------------------------------------------------------------------------

BOTH_WAYS = metallb_profile(
    **{"spec.cloudflareTunnel": {"tunnel": "edge", "credentialsSecret": "tunnel-creds"}}
)


def test_one_profile_under_the_other_exposure(workdir: Path, run: Run) -> None:
    write(workdir, {"p/a.yaml": BOTH_WAYS})
    document = diff_json(run, "p/a.yaml", "--exposure", "cloudflare-tunnel")
    assert document["new"] == "p/a.yaml --exposure cloudflare-tunnel"
    states = {label: o["change"] for label, o in changed(document).items()}
    assert states["Service apps/chat-lb"] == "removed"
    assert states["Deployment apps/cloudflared-edge"] == "added"
    assert states["ConfigMap apps/cloudflared-edge"] == "added"
    [exposure] = impacts(document, "exposure")
    assert "from metallb to cloudflare-tunnel" in exposure
    assert "wss://chat.example.com:8080/ws to wss://chat.example.com/ws" in exposure
    [route] = impacts(document, "route")
    assert "chat.example.com/ws moves from MetalLB Service apps/chat-lb" in route
    assert "cloudflared tunnel route dns edge chat.example.com" in route
    appeared = rules(document["findings"]["appeared"])
    assert "cloudflare-restarts-drop-websockets" in appeared
    assert "metallb-failover-resets-connections" in rules(document["findings"]["disappeared"])


def test_pool_and_announcement_changes_reach_the_services_on_them(workdir: Path, run: Run) -> None:
    bgp = {"spec.metallb.advertisement": "bgp", "spec.metallb.peers": None}
    write(
        workdir,
        {
            "old/a.yaml": metallb_profile(),
            "new/a.yaml": metallb_profile(**{"spec.metallb.addresses": ["203.0.113.16/28"]}),
            "bgp/a.yaml": metallb_profile(**bgp),
        },
    )
    document = diff_json(run, "old/a.yaml", "new/a.yaml")
    [pool] = impacts(document, "address")
    assert "the addresses of IPAddressPool metallb-system/public change" in pool
    assert "(Service apps/chat-lb) may get another address" in pool
    moved = diff_json(run, "old/a.yaml", "bgp/a.yaml")
    states = {label: o["change"] for label, o in changed(moved).items()}
    assert states["L2Advertisement metallb-system/public"] == "removed"
    assert states["BGPAdvertisement metallb-system/public"] == "added"
    assert len(impacts(moved, "announcement")) == 2


def test_a_long_field_list_is_cut_in_markdown(workdir: Path, run: Run) -> None:
    labels = {f"team.example.com/k{i}": "v" for i in range(10)}
    write(
        workdir,
        {
            "old/a.yaml": metallb_profile(),
            "new/a.yaml": metallb_profile(**{"metadata.labels": labels}),
        },
    )
    text = run("diff", "old/a.yaml", "new/a.yaml", "-o", "markdown").out
    assert "and 2 more |" in text
    document = diff_json(run, "old/a.yaml", "new/a.yaml")
    assert len(fields(document, "Service apps/chat-lb")) == 10


def test_an_interrupted_diff_leaves_no_temporary_folder(
    repo: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingressgen.diff import run as diff_run

    write(repo, {"p/a.yaml": metallb_profile()})
    commit(repo, "one")
    before = leftovers()

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        assert len(leftovers()) == len(before) + 1  # the mirror exists while a side renders
        raise KeyboardInterrupt

    monkeypatch.setattr(diff_run, "render_side", interrupted)
    result = run("diff", "HEAD:p", "p")
    assert result.code == 130
    assert leftovers() == before


def test_one_profile_needs_an_exposure(workdir: Path, run: Run) -> None:
    write(workdir, {"p/a.yaml": BOTH_WAYS})
    result = run("diff", "p/a.yaml")
    assert result.code == 2
    assert "--exposure" in result.err and "Traceback" not in result.err


def test_a_profile_without_the_other_section_is_located(workdir: Path, run: Run) -> None:
    write(workdir, {"p/a.yaml": metallb_profile()})
    result = run("diff", "p/a.yaml", "--exposure", "cloudflare-tunnel")
    assert result.code == 2
    assert "p/a.yaml cannot be rendered" in result.err
    assert "error: p/a.yaml:" in result.err and "Traceback" not in result.err


# -- a shared tunnel ----------------------------------------------------------------------


def shared_tunnel(b_host: str) -> dict[str, Any]:
    return {
        "p/a.yaml": cloudflare_profile(),
        "p/b.yaml": cloudflare_profile(
            **{"metadata.name": "feed", "spec.hostname": b_host, "spec.service.port": 9000}
        ),
    }


def test_a_route_change_on_a_shared_tunnel_restarts_cloudflared(repo: Path, run: Run) -> None:
    write(repo, shared_tunnel("feed.example.com"))
    commit(repo, "two profiles on one tunnel")
    write(repo, shared_tunnel("news.example.com"))
    document = diff_json(run, "HEAD:p", "p")
    # Only the tunnel's shared objects change: a's own objects are untouched.
    assert set(changed(document)) == {
        "ConfigMap apps/cloudflared-edge",
        "Deployment apps/cloudflared-edge",
    }
    assert fields(document, "ConfigMap apps/cloudflared-edge") == [
        'data["config.yaml"].ingress[1].hostname'
    ]
    assert fields(document, "Deployment apps/cloudflared-edge") == [
        'spec.template.metadata.annotations["ingressgen.dev/config-checksum"]'
    ]
    [restart] = impacts(document, "pods")
    assert "every pod of Deployment apps/cloudflared-edge restarts" in restart
    assert "ConfigMap apps/cloudflared-edge changed" in restart
    # Every route of the tunnel drops, the untouched profile's too.
    assert "chat.example.com" in restart and "news.example.com" in restart
    routes = impacts(document, "route")
    assert any(m.startswith("feed.example.com/ws is no longer routed") for m in routes)
    assert any(m.startswith("news.example.com/ws is a new route") for m in routes)


def test_a_route_that_moves_to_another_tunnel(repo: Path, run: Run) -> None:
    write(repo, {"p/a.yaml": cloudflare_profile()})
    commit(repo, "on edge")
    write(repo, {"p/a.yaml": cloudflare_profile(**{"spec.cloudflareTunnel.tunnel": "core"})})
    document = diff_json(run, "HEAD:p/a.yaml", "p/a.yaml")
    [route] = impacts(document, "route")
    assert "Cloudflare Tunnel edge (cloudflared) to Cloudflare Tunnel core (cloudflared)" in route
    states = {label: o["change"] for label, o in changed(document).items()}
    assert states["Deployment apps/cloudflared-edge"] == "removed"
    assert states["Deployment apps/cloudflared-core"] == "added"
    assert any("cloudflared-edge is removed" in m for m in impacts(document, "pods"))


# -- git revisions ------------------------------------------------------------------------


def test_git_revisions_are_read_without_touching_the_working_tree(repo: Path, run: Run) -> None:
    write(repo, {"profiles/a.yaml": cloudflare_profile()})
    commit(repo, "first")
    write(repo, {"profiles/a.yaml": cloudflare_profile(**{"spec.websocket.heartbeatSeconds": 90})})
    commit(repo, "a slower heartbeat")
    write(repo, {"profiles/a.yaml": cloudflare_profile(**{"spec.service.port": 9000})})
    status = git(repo, "status", "--porcelain")
    before = leftovers()

    document = diff_json(run, "HEAD~1:profiles", "HEAD:profiles")
    # The heartbeat changes no object, only what explain says about it.
    assert document["objects"] == []
    appeared = document["findings"]["appeared"]
    assert rules(appeared) == {"websocket-heartbeat-vs-idle-cut"}
    assert appeared[0]["location"].startswith("HEAD:profiles/a.yaml:")
    assert appeared[0]["subject"] == "profiles/a.yaml"

    working = diff_json(run, "HEAD~1:profiles", "profiles")
    assert set(changed(working)) == {
        "ConfigMap apps/cloudflared-edge",
        "Deployment apps/cloudflared-edge",
    }
    # Both sides name their sources alike, so the header is no change.
    assert "# Source" not in fields(working, "ConfigMap apps/cloudflared-edge")

    assert git(repo, "status", "--porcelain") == status
    assert leftovers() == before


def test_overlays_resolve_inside_the_revision(repo: Path, run: Run) -> None:
    base = metallb_profile(**{"kind": "ServiceProfileBase", "metadata.namespace": None})
    write(
        repo,
        {
            "profiles/base/chat.yaml": base,
            "profiles/prod/chat.yaml": "extends: ../base/chat.yaml\nmetadata:\n  namespace: prod\n",
        },
    )
    commit(repo, "base and overlay")
    changed_base = metallb_profile(
        **{"kind": "ServiceProfileBase", "metadata.namespace": None, "spec.service.port": 7000}
    )
    write(repo, {"profiles/base/chat.yaml": changed_base})
    # The overlay alone is named: its base is read from the same revision.
    document = diff_json(run, "HEAD:profiles/prod/chat.yaml", "profiles/prod/chat.yaml")
    assert fields(document, "Service prod/chat-lb")[0] == "spec.ports[name=ws].port"
    result = run("diff", "HEAD:profiles/prod/chat.yaml", "HEAD:profiles/prod/chat.yaml")
    assert result.code == 0, result.err


def test_a_path_relative_to_the_working_directory(repo: Path, run: Run) -> None:
    write(repo, {"sub/p/a.yaml": metallb_profile()})
    commit(repo, "in a subfolder")
    os.chdir(repo / "sub")
    assert run("diff", "HEAD:./p", "p").code == 0
    assert run("diff", "HEAD:sub/p", "p").code == 0


def test_the_top_level_of_a_revision(repo: Path, run: Run) -> None:
    write(repo, {"a.yaml": metallb_profile(), "notes/readme.yaml": "just: yaml\n"})
    commit(repo, "a profile at the top")
    assert run("diff", "HEAD:a.yaml", "a.yaml").code == 0
    write(repo, {"a.yaml": metallb_profile(**{"spec.metallb.loadBalancerIPs": ["203.0.113.5"]})})
    document = diff_json(run, "HEAD:", ".")
    [address] = impacts(document, "address")
    assert "the address of Service apps/chat-lb changes" in address
    assert '["metallb.io/loadBalancerIPs"]: (none) -> 203.0.113.5' in address
    assert "clients re-resolve chat.example.com and reconnect" in address


def test_an_invalid_profile_in_a_revision_is_located_there(repo: Path, run: Run) -> None:
    write(repo, {"p/a.yaml": metallb_profile(**{"spec.service.port": 0})})
    commit(repo, "broken")
    write(repo, {"p/a.yaml": metallb_profile()})
    before = leftovers()
    result = run("diff", "HEAD:p", "p")
    assert result.code == 2
    assert "error: HEAD:p cannot be rendered:" in result.err
    assert "error: HEAD:p/a.yaml:" in result.err and "spec.service.port" in result.err
    assert "ingressgen-diff-" not in result.err and "Traceback" not in result.err
    assert leftovers() == before


def test_both_sides_report_their_mistakes(workdir: Path, run: Run) -> None:
    write(
        workdir,
        {
            "old/a.yaml": metallb_profile(**{"spec.service.port": 0}),
            "new/a.yaml": metallb_profile(**{"spec.servce": {}}),
        },
    )
    result = run("diff", "old", "new")
    assert result.code == 2
    assert "old and new cannot be rendered" in result.err
    assert "error: old/a.yaml:" in result.err and "error: new/a.yaml:" in result.err


def test_a_bad_revision_is_bad_input(repo: Path, run: Run) -> None:
    write(repo, {"p/a.yaml": metallb_profile()})
    commit(repo, "one")
    result = run("diff", "nope:p", "p")
    assert result.code == 2
    assert "error: nope:p: 'nope' is not a revision" in result.err
    missing = run("diff", "HEAD:q", "p")
    assert missing.code == 2 and "q does not exist in HEAD" in missing.err


def test_a_missing_file_is_bad_input(workdir: Path, run: Run) -> None:
    write(workdir, {"p/a.yaml": metallb_profile()})
    result = run("diff", "p/nope.yaml", "p/a.yaml")
    assert result.code == 2
    assert "error: p/nope.yaml: no such file or folder" in result.err
    outside = run("diff", "HEAD:p", "p")
    assert outside.code == 2 and "not in a git repository" in outside.err


# -- exit codes, formats, options ---------------------------------------------------------


def test_exit_zero_keeps_the_report(workdir: Path, run: Run) -> None:
    write(workdir, {"old/a.yaml": metallb_profile(), "new/a.yaml": cloudflare_profile()})
    plain = run("diff", "old/a.yaml", "new/a.yaml")
    zero = run("diff", "old/a.yaml", "new/a.yaml", "--exit-zero")
    assert (plain.code, zero.code) == (1, 0)
    assert plain.out == zero.out


def test_ignore_leaves_a_rule_out_on_both_sides(workdir: Path, run: Run) -> None:
    write(workdir, {"old/a.yaml": metallb_profile(), "new/a.yaml": cloudflare_profile()})
    document = diff_json(
        run, "old/a.yaml", "new/a.yaml", "--ignore", "cloudflare-restarts-drop-websockets"
    )
    assert "cloudflare-restarts-drop-websockets" not in rules(document["findings"]["appeared"])
    unknown = run("diff", "old/a.yaml", "new/a.yaml", "--ignore", "no-such-rule")
    assert unknown.code == 2 and "no-such-rule" in unknown.err


def test_kubernetes_version_is_checked(workdir: Path, run: Run) -> None:
    write(workdir, {"p/a.yaml": metallb_profile()})
    assert run("diff", "p/a.yaml", "p/a.yaml", "--kubernetes-version", "1.30").code == 0
    assert run("diff", "p/a.yaml", "p/a.yaml", "--kubernetes-version", "9.9").code == 2


def test_text_lists_objects_traffic_findings_then_diffs(workdir: Path, run: Run) -> None:
    write(workdir, {"old/a.yaml": metallb_profile(), "new/a.yaml": cloudflare_profile()})
    lines = run("diff", "old/a.yaml", "new/a.yaml").out.splitlines()
    assert lines[0].startswith("old/a.yaml -> new/a.yaml: objects 4 added, 3 removed, 0 changed")
    order = [lines.index(h) for h in ("objects:", "traffic:", "findings:")]
    assert order == sorted(order)
    path = "apps/_cloudflared-edge/deployment-cloudflared-edge.yaml"
    assert f"  + Deployment apps/cloudflared-edge  ({path})" in lines
    assert "+++ b/apps/_cloudflared-edge/deployment-cloudflared-edge.yaml" in lines


def test_markdown_is_a_review_comment(workdir: Path, run: Run) -> None:
    write(workdir, {"old/a.yaml": metallb_profile(), "new/a.yaml": cloudflare_profile()})
    text = run("diff", "old/a.yaml", "new/a.yaml", "-o", "markdown").out
    assert text.startswith(
        "# ingressgen diff\n\n`old/a.yaml` -> `new/a.yaml`\n\n| Summary | Count |"
    )
    positions = [
        text.index(h) for h in ("| Object |", "## Traffic impact", "## Findings", "## Files")
    ]
    assert positions == sorted(positions)
    assert text.count("<details>") == text.count("</details>") == 7
    assert "\n```diff\n--- /dev/null\n+++ b/apps/_cloudflared-edge/" in text
    same = run("diff", "old/a.yaml", "old/a.yaml", "-o", "markdown")
    assert same.code == 0 and "No difference" in same.out


def test_markdown_fences_outlast_backticks_in_values(workdir: Path, run: Run) -> None:
    tricky = metallb_profile(**{"metadata.annotations": {"note": "```oops```"}})
    write(workdir, {"old/a.yaml": metallb_profile(), "new/a.yaml": tricky})
    text = run("diff", "old/a.yaml", "new/a.yaml", "-o", "markdown").out
    assert "\n````diff\n" in text and "\n````\n" in text


def test_every_format_has_a_writer() -> None:
    assert tuple(report.FORMATS) == OUTPUT_FORMATS


def test_readme_shows_the_real_markdown_diff(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = run(
        "diff",
        "profiles/messaging-service-cloudflare.yaml",
        "profiles/messaging-service.yaml",
        "-o",
        "markdown",
    )
    assert result.code == 1, result.err
    readme = (REPO / "README.md").read_text()
    assert f"````markdown\n{result.out}````\n" in readme
