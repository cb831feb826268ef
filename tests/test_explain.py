"""`ingressgen explain`: each explain rule triggered and not, the reused render rules, --fail-on
at every level, the three formats, the Mermaid picture, --compare-exposures and bad input."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ingressgen.explain import OUTPUT_FORMATS, report
from ingressgen.findings import GATE_LEVELS
from tests.conftest import REPO, Result, cloudflare_profile, metallb_profile, write

Run = Callable[..., Result]

SAFE_METALLB = {"spec.websocket.delivery": "at-least-once", "spec.hostname": None}


def explain_json(run: Run, workdir: Path, profile: dict[str, Any], *args: str) -> dict[str, Any]:
    write(workdir, {"p/a.yaml": profile})
    result = run("explain", "p/a.yaml", "-o", "json", *args)
    assert result.code == 0, result.err
    document: dict[str, Any] = json.loads(result.out)
    return document


def rules(document: dict[str, Any]) -> set[str]:
    return {risk["rule"] for entry in document["profiles"] for risk in entry["risks"]}


def risk(document: dict[str, Any], rule: str) -> dict[str, Any]:
    [found] = [r for e in document["profiles"] for r in e["risks"] if r["rule"] == rule]
    return found


# (rule, profile that triggers it, profile that does not)
CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (
        "exposure-not-public",
        metallb_profile(**{"spec.metallb.addresses": ["192.168.1.240/28"]}),
        metallb_profile(),
    ),
    (
        "exposure-not-public",
        metallb_profile(
            **{
                "spec.metallb.addresses": ["10.0.0.0/24"],
                "spec.metallb.loadBalancerIPs": ["10.0.0.5"],
            }
        ),
        metallb_profile(**{"spec.metallb.addresses": ["10.255.255.0-11.0.0.10"]}),
    ),
    (
        "websocket-affinity-not-per-client",
        cloudflare_profile(**{"spec.service.replicas": 3, "spec.websocket.sessionAffinity": True}),
        cloudflare_profile(**{"spec.service.replicas": 1, "spec.websocket.sessionAffinity": True}),
    ),
    (
        "websocket-affinity-not-per-client",
        cloudflare_profile(**{"spec.service.replicas": 2, "spec.websocket.sessionAffinity": True}),
        metallb_profile(**{"spec.service.replicas": 3, "spec.websocket.sessionAffinity": True}),
    ),
    (
        "websocket-delivery-undeclared",
        cloudflare_profile(),
        cloudflare_profile(**{"spec.websocket.delivery": "exactly-once"}),
    ),
    (
        "websocket-delivery-undeclared",
        metallb_profile(**{"spec.websocket": None}),
        metallb_profile(**{"spec.protocol": "http", "spec.websocket": None}),
    ),
    (
        "cloudflared-single-replica",
        cloudflare_profile(**{"spec.cloudflareTunnel.replicas": 1}),
        cloudflare_profile(),
    ),
    (
        "metallb-workload-tls-certificate",
        metallb_profile(),
        metallb_profile(**{"spec.hostname": None}),
    ),
    (
        "client-endpoint-switch",
        cloudflare_profile(),
        cloudflare_profile(**{"spec.protocol": "tcp", "spec.websocket": None}),
    ),
    (
        "websocket-upgrade-test",
        cloudflare_profile(),
        cloudflare_profile(**{"spec.protocol": "http", "spec.websocket": None}),
    ),
    # Render's rules, reused (not repeated) by explain.
    (
        "websocket-heartbeat-vs-idle-cut",
        cloudflare_profile(**{"spec.websocket.heartbeatSeconds": 61}),
        cloudflare_profile(**{"spec.websocket.heartbeatSeconds": 60}),
    ),
    (
        "websocket-heartbeat-vs-idle-cut",
        cloudflare_profile(**{"spec.websocket.heartbeatSeconds": None}),
        metallb_profile(**{"spec.websocket.heartbeatSeconds": None}),
    ),
    (
        "cloudflare-restarts-drop-websockets",
        cloudflare_profile(),
        cloudflare_profile(**{"spec.protocol": "http", "spec.websocket": None}),
    ),
    (
        "metallb-failover-resets-connections",
        metallb_profile(),
        cloudflare_profile(),
    ),
    (
        "metallb-l2-single-node",
        metallb_profile(),
        metallb_profile(**{"spec.metallb.advertisement": "bgp"}),
    ),
    (
        "metallb-cluster-policy-hides-client-ip",
        metallb_profile(**{"spec.metallb.externalTrafficPolicy": "Cluster"}),
        metallb_profile(),
    ),
]


@pytest.mark.parametrize(("rule", "triggers", "does_not"), CASES)
def test_each_rule_is_triggered_and_not(
    workdir: Path, run: Run, rule: str, triggers: dict[str, Any], does_not: dict[str, Any]
) -> None:
    found = explain_json(run, workdir, triggers)
    assert rule in rules(found)
    entry = risk(found, rule)
    assert entry["file"] == "p/a.yaml" and entry["line"] >= 1 and entry["column"] >= 1
    assert entry["title"] and entry["impact"] and entry["fix"] and entry["field"]
    assert rule not in rules(explain_json(run, workdir, does_not))


def test_the_endpoint_rule_is_left_out_when_ignored(workdir: Path, run: Run) -> None:
    annotated = metallb_profile(
        **{"metadata.annotations": {"ingressgen.dev/ignore": "client-endpoint-switch"}}
    )
    assert "client-endpoint-switch" not in rules(explain_json(run, workdir, annotated))
    document = explain_json(run, workdir, metallb_profile(), "--ignore", "client-endpoint-switch")
    assert "client-endpoint-switch" not in rules(document)


def test_risks_point_at_their_profile_field(workdir: Path, run: Run) -> None:
    profile = cloudflare_profile(**{"spec.cloudflareTunnel.replicas": 1})
    entry = risk(explain_json(run, workdir, profile), "cloudflared-single-replica")
    lines = (workdir / "p/a.yaml").read_text().splitlines()
    assert entry["field"] == "spec.cloudflareTunnel.replicas"
    assert lines[entry["line"] - 1].strip() == "replicas: 1"
    # A run-wide render finding without a location is located in the profile too.
    restarts = risk(
        explain_json(run, workdir, cloudflare_profile()), "cloudflare-restarts-drop-websockets"
    )
    assert restarts["field"] == "spec.exposure"
    assert "exposure:" in (workdir / "p/a.yaml").read_text().splitlines()[restarts["line"] - 1]


def test_the_workload_tls_rule_supersedes_the_passthrough_note(workdir: Path, run: Run) -> None:
    with_hostname = rules(explain_json(run, workdir, metallb_profile()))
    assert "metallb-workload-tls-certificate" in with_hostname
    assert "metallb-tls-passthrough" not in with_hostname
    without = rules(explain_json(run, workdir, metallb_profile(**{"spec.hostname": None})))
    assert "metallb-tls-passthrough" in without


def test_the_endpoint_follows_the_exposure(workdir: Path, run: Run) -> None:
    cloudflare = risk(explain_json(run, workdir, cloudflare_profile()), "client-endpoint-switch")
    assert "wss://chat.example.com/ws" in cloudflare["impact"]
    pinned = metallb_profile(
        **{"spec.hostname": None, "spec.metallb.loadBalancerIPs": ["203.0.113.5"]}
    )
    assert (
        "ws://203.0.113.5:8080/ws"
        in risk(explain_json(run, workdir, pinned), "client-endpoint-switch")["impact"]
    )


# The highest level each profile reaches, for the --fail-on gate.
WORST = {
    "critical": metallb_profile(**{"spec.metallb.addresses": ["10.0.0.0/28"], **SAFE_METALLB}),
    "high": cloudflare_profile(**{"spec.websocket.delivery": "at-least-once"}),
    "medium": metallb_profile(**{"spec.websocket.delivery": None, "spec.hostname": None}),
    "low": metallb_profile(
        **{
            **SAFE_METALLB,
            "metadata.annotations": {
                "ingressgen.dev/ignore": "metallb-failover-resets-connections"
            },
        }
    ),
    "info": metallb_profile(
        **{
            **SAFE_METALLB,
            "metadata.annotations": {
                "ingressgen.dev/ignore": (
                    "metallb-l2-single-node,metallb-failover-resets-connections"
                )
            },
        }
    ),
}


@pytest.mark.parametrize("gate", GATE_LEVELS)
@pytest.mark.parametrize("worst", list(WORST))
def test_fail_on_exits_1_at_or_above_the_level(
    workdir: Path, run: Run, gate: str, worst: str
) -> None:
    write(workdir, {"p/a.yaml": WORST[worst]})
    document = json.loads(run("explain", "p/a.yaml", "-o", "json").out)
    assert max(
        GATE_LEVELS[::-1].index(r["level"]) for e in document["profiles"] for r in e["risks"]
    ) == GATE_LEVELS[::-1].index(worst)
    result = run("explain", "p/a.yaml", "--fail-on", gate)
    expected = 1 if GATE_LEVELS.index(worst) <= GATE_LEVELS.index(gate) else 0
    assert result.code == expected, (worst, gate, result.out)
    assert result.out  # the report is printed either way


def test_formats_are_in_step_with_the_command_line() -> None:
    assert tuple(report.FORMATS) == OUTPUT_FORMATS


def test_text_report(workdir: Path, run: Run) -> None:
    write(workdir, {"p/a.yaml": cloudflare_profile(**{"spec.cloudflareTunnel.replicas": 1})})
    result = run("explain", "p")
    assert result.code == 0
    assert "medium: One cloudflared replica (cloudflared-single-replica)" in result.out
    assert "field:  spec.cloudflareTunnel.replicas at p/a.yaml:" in result.out
    assert result.out.rstrip().splitlines()[-1].startswith("6 risk(s) in 1 profile(s): 1 high")


def test_markdown_opens_with_the_traffic_path(workdir: Path, run: Run) -> None:
    write(
        workdir,
        {
            "p/a.yaml": cloudflare_profile(),
            "p/b.yaml": metallb_profile(
                **{"metadata.name": "lb", "spec.metallb.externalTrafficPolicy": "Cluster"}
            ),
        },
    )
    out = run("explain", "p", "-o", "markdown").out
    first = out.split("```mermaid\n", 2)
    assert len(first) == 3 and "| Level |" not in first[0]
    cloudflare, metallb = first[1], first[2]
    assert "flowchart LR" in cloudflare and "Cloudflare edge" in cloudflare
    assert "HTTPS/WSS, idle cut ~100 s, heartbeat 30 s" in cloudflare
    assert "edge restarts drop WebSockets" in cloudflare
    assert "MetalLB IP" in metallb and "failover to another node resets connections" in metallb
    assert "client IP lost" in metallb and "L2: one node for all traffic" in metallb
    assert "| high | **Cloudflare restarts" in out
    for chart in (cloudflare, metallb):
        body = chart.split("```", 1)[0]
        # Every line a node or an edge with a quoted label: nothing a value could break out of.
        for line in body.splitlines()[1:]:
            assert re.fullmatch(r'    \w+\["[^"]*"\]|    \w+ -->\|"[^"]*"\| \w+', line), line


def test_markdown_escapes_what_could_break_a_table(workdir: Path, run: Run) -> None:
    assert report._cell("a|b") == "a\\|b"
    from ingressgen.explain.diagram import _text

    assert _text('x"|<y>') == "x#quot;#124;#lt;y#gt;"


def test_output_is_deterministic(workdir: Path, run: Run) -> None:
    write(
        workdir,
        {"p/b.yaml": cloudflare_profile(**{"metadata.name": "b"}), "p/a.yaml": metallb_profile()},
    )
    first = run("explain", "p", "-o", "markdown").out
    assert first == run("explain", "p", "-o", "markdown").out
    assert first.index("`p/a.yaml`") < first.index("`p/b.yaml`")


@pytest.mark.parametrize("output", OUTPUT_FORMATS)
def test_compare_exposures(workdir: Path, run: Run, output: str) -> None:
    write(workdir, {"p/a.yaml": metallb_profile(**{"spec.websocket.heartbeatSeconds": 90})})
    result = run("explain", "p/a.yaml", "--compare-exposures", "-o", output)
    assert result.code == 0
    for aspect in (
        "Complexity",
        "Duration limits",
        "Reconnection needs",
        "Affinity",
        "Client IP",
        "TLS",
        "Needs in the cluster first",
    ):
        assert aspect in result.out
    assert "heartbeat 90 s: needs <= 60 s" in result.out
    assert "certificate for chat.example.com" in result.out
    if output == "json":
        [entry] = json.loads(result.out)["comparison"]
        assert entry["exposure"] == "metallb" and len(entry["rows"]) == 7
        assert set(entry["rows"][0]) == {"aspect", "cloudflare-tunnel", "metallb"}
    if output == "markdown":
        assert "| Aspect | Cloudflare Tunnel | MetalLB (L4) (this profile) |" in result.out


def test_bad_input_is_a_located_error(workdir: Path, run: Run) -> None:
    write(workdir, {"p/a.yaml": cloudflare_profile(**{"spec.websocket.delivery": "twice"})})
    result = run("explain", "p/a.yaml")
    assert result.code == 2
    assert "p/a.yaml:" in result.err and "delivery" in result.err
    assert "Traceback" not in result.err and result.out == ""
    assert run("explain", "p/missing.yaml").code == 2
    assert run("explain", "p/a.yaml", "--ignore", "no-such-rule").code == 2


def test_explain_writes_nothing(workdir: Path, run: Run) -> None:
    write(workdir, {"p/a.yaml": metallb_profile()})
    assert run("explain", "p").code == 0
    assert sorted(p.name for p in workdir.iterdir()) == ["p"]


def test_readme_shows_the_real_markdown_report(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    out = run("explain", "profiles", "-o", "markdown").out
    assert out in (REPO / "README.md").read_text()
    compare = run(
        "explain", "profiles/messaging-service.yaml", "--compare-exposures", "-o", "markdown"
    ).out
    assert compare in (REPO / "README.md").read_text()


def test_the_gate_applies_to_the_comparison_too(workdir: Path, run: Run) -> None:
    write(workdir, {"p/a.yaml": cloudflare_profile()})
    assert run("explain", "p", "--compare-exposures", "--fail-on", "high").code == 1
    assert run("explain", "p", "--compare-exposures", "--fail-on", "critical").code == 0
