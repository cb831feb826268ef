"""From what the probe saw to findings (PROBE_RULES) and an exit code.

A finding is a failed expectation unless its rule is one of `OBSERVATIONS`: an idle cut the
profile predicts, a hold too short to see it, a certificate not checked on request. Those are
reported at their level (a confirmed idle cut is still a high risk for the clients) but the
probe's expectations held, so the exit code stays 0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from ingressgen.errors import EXIT_CHECK_FAILED, EXIT_OK
from ingressgen.findings import Finding
from ingressgen.probe.client import Connection, Failure, Hold, ProbeRun
from ingressgen.probe.target import Expectation
from ingressgen.probe.text import close_text, quoted, seconds_range

OBSERVATIONS = frozenset({"probe-idle-cut", "probe-hold-too-short", "probe-tls-unverified"})

_FAILURE_RULES = {
    "dns": "probe-unreachable",
    "tcp": "probe-unreachable",
    "tls": "probe-tls-failed",
    "handshake": "probe-handshake-failed",
}


def exit_code(findings: Sequence[Finding]) -> int:
    failed = any(f.rule not in OBSERVATIONS for f in findings)
    return EXIT_CHECK_FAILED if failed else EXIT_OK


def findings(run: ProbeRun, expectation: Expectation) -> list[Finding]:
    result: list[Finding] = []
    total = len(run.connections)
    result.extend(_open_failures([c.failure for c in run.connections if c.failure], total))
    opened = run.opened
    if not opened:
        return result
    settings = run.settings
    if settings.subprotocols:
        refused = [c for c in opened if c.handshake and c.handshake.subprotocol is None]
        if refused:
            offered = ", ".join(settings.subprotocols)
            result.append(
                Finding(
                    "probe-subprotocol-refused",
                    f"{_of(len(refused), len(opened))}the server selected no subprotocol; "
                    f"offered: {offered}",
                )
            )
    first = opened[0].handshake
    if first is not None and first.tls is not None and not first.tls.verified:
        result.append(
            Finding(
                "probe-tls-unverified",
                "--insecure: the certificate was not verified; a client with the system's trust "
                "store (or --ca-file) would check it",
            )
        )
    missing = sum(c.pongs_missing for c in opened)
    if missing:
        result.append(
            Finding(
                "probe-pong-missing",
                f"{missing} of {settings.pings * len(opened)} pings got no pong within "
                f"{settings.timeout:g} s",
            )
        )
    result.extend(_echo(opened, run))
    result.extend(hold_findings(run, expectation))
    result.extend(_reconnects(opened))
    return result


def _of(count: int, total: int) -> str:
    return f"{count} of {total} connections: " if total > 1 else ""


def _open_failures(failures: Sequence[Failure], total: int) -> list[Finding]:
    """One finding per distinct failure, counted."""
    counted = Counter((f.stage, f.message) for f in failures)
    return [
        Finding(_FAILURE_RULES[stage], f"{_of(count, total)}{message}")
        for (stage, message), count in counted.items()
    ]


def _echo(opened: Sequence[Connection], run: ProbeRun) -> list[Finding]:
    checked = [c.echo for c in opened if c.echo is not None]
    wrong = [e for e in checked if not e.ok]
    if not wrong:
        return []
    expected = run.settings.expected_reply
    sample = wrong[0]
    if sample.received is None:
        got = f"no message within {run.settings.timeout:g} s"
    else:
        kind = "binary message" if sample.binary else "message"
        got = f"the {kind} {quoted(sample.received)}"
    sent = f"after sending {quoted(run.settings.send)}, " if run.settings.send is not None else ""
    wanted = f"expected {quoted(expected)}" if expected is not None else "expected a message"
    message = f"{_of(len(wrong), len(checked))}{sent}got {got}; {wanted}"
    return [Finding("probe-echo-mismatch", message)]


def hold_findings(run: ProbeRun, expectation: Expectation) -> list[Finding]:
    """What the hold shows against the expectation (with the heartbeat's missing pongs)."""
    settings = run.settings
    holds = [c.hold for c in run.opened if c.hold is not None]
    if not holds:
        return []
    result: list[Finding] = []
    location, profiles = expectation.location, _profiles(expectation)
    mode = "idle" if settings.heartbeat is None else f"heartbeat every {settings.heartbeat:g} s"
    closed = [h for h in holds if h.closed_after is not None]
    # An idle client's connection that the server pings is not idle: the server's heartbeat
    # keeps it open, which is no sign against the idle cut.
    survived = sum(1 for h in holds if h.closed_after is None and not h.server_pings)
    outcome = expectation.hold_outcome(settings.heartbeat)
    window = expectation.window()
    missing = sum(h.heartbeats_missing for h in holds)
    if missing:
        result.append(
            Finding(
                "probe-pong-missing",
                f"{missing} heartbeat pings during the hold got no pong within "
                f"{settings.timeout:g} s",
            )
        )
    if outcome == "open" and closed:
        result.append(
            Finding(
                "probe-connection-dropped",
                f"{_of(len(closed), len(holds))}{_closing(closed)} in a {settings.hold:g} s "
                f"hold ({mode}); expected to stay open ({expectation.basis})",
                location,
                profiles,
            )
        )
    if outcome != "cut" or window is None:
        return result
    low, high = window
    near = [h for h in closed if low <= (h.closed_after or 0) <= high]
    elsewhere = [h for h in closed if not low <= (h.closed_after or 0) <= high]
    timeout = f"idleTimeoutSeconds {expectation.idle_timeout:g} (a cut at {low:g}-{high:g} s)"
    heartbeat = max(1, int((expectation.idle_timeout or 0) * 0.6))
    if near:
        result.append(
            Finding(
                "probe-idle-cut",
                f"{_of(len(near), len(holds))}{_closing(near)} while idle, as "
                f"{timeout} predicts: clients need a heartbeat of at most {heartbeat} s",
                location,
                profiles,
            )
        )
    if elsewhere:
        result.append(
            Finding(
                "probe-idle-timeout-mismatch",
                f"{_of(len(elsewhere), len(holds))}{_closing(elsewhere)} while idle, but the "
                f"profile says {timeout}: set idleTimeoutSeconds to the measured time",
                location,
                profiles,
            )
        )
    if survived and settings.hold >= high:
        result.append(
            Finding(
                "probe-idle-timeout-mismatch",
                f"{_of(survived, len(holds))}the idle connection stayed open for the whole "
                f"{settings.hold:g} s hold, but the profile says {timeout}",
                location,
                profiles,
            )
        )
    elif survived:
        result.append(
            Finding(
                "probe-hold-too-short",
                f"the idle connection stayed open for the {settings.hold:g} s hold, which ends "
                f"before {timeout} would show: --hold {high:g}s or more sees it",
                location,
                profiles,
            )
        )
    return result


def _closing(closed: Sequence[Hold]) -> str:
    times = [h.closed_after for h in closed if h.closed_after is not None]
    return f"closed after {seconds_range(times)} ({close_text(closed[0])})"


def _profiles(expectation: Expectation) -> tuple[str, ...]:
    return (expectation.profile,) if expectation.profile else ()


def _reconnects(opened: Sequence[Connection]) -> list[Finding]:
    attempts = [r for c in opened for r in c.reconnects]
    failures = [r.failure for r in attempts if r.failure is not None]
    if not failures:
        return []
    counted = Counter(f.message for f in failures)
    return [
        Finding(
            "probe-reconnect-failed",
            f"{count} of {len(attempts)} reconnects did not re-establish the connection: {message}",
        )
        for message, count in counted.items()
    ]
