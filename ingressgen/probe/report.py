"""The probe's output: text lines phase by phase (printed as each phase ends), or one JSON
document at the end.

JSON, version 1:
  {"version": 1, "url", "connectTo", "profile", "expectation", "settings", "handshake",
   "roundTrips", "echo", "hold", "reconnects", "findings", "ok"}
Times are in milliseconds (`...Ms`) or seconds (`...Seconds`); a phase that did not run is null.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ingressgen.findings import Finding
from ingressgen.probe import verdict
from ingressgen.probe.client import INTERESTING_HEADERS, Handshake, Hold, ProbeRun, Tls
from ingressgen.probe.settings import ProbeSettings
from ingressgen.probe.target import Endpoint, Expectation
from ingressgen.probe.text import (
    close_text,
    duration,
    quoted,
    seconds_range,
    spread,
    stats,
)

REPORT_VERSION = 1
_WIDTH = 10  # the label column


def _line(label: str, text: str) -> str:
    return f"{label:<{_WIDTH}} {text}"


def _more(text: str) -> str:
    return _line("", text)


def plan_lines(endpoint: Endpoint, settings: ProbeSettings, expectation: Expectation) -> list[str]:
    via = f" (TCP to {endpoint.connect_to})" if endpoint.connect_to else ""
    steps = [f"{settings.connections} connection{'s' if settings.connections > 1 else ''}"]
    if settings.pings:
        steps.append(f"{settings.pings} pings")
    if settings.send is not None:
        steps.append(f"send {quoted(settings.send)}")
    if settings.expected_reply is not None:
        steps.append(f"expect {quoted(settings.expected_reply)}")
    if settings.hold > 0:
        steps.append(f"hold {settings.hold:g} s {_mode(settings)}")
    if settings.reconnects:
        steps.append(f"{settings.reconnects} reconnects")
    return [
        _line("probe", f"{endpoint.url}{via}"),
        _line("expect", expectation.source),
        _line("plan", ", ".join(steps)),
    ]


def _mode(settings: ProbeSettings) -> str:
    return (
        "idle" if settings.heartbeat is None else f"with a heartbeat every {settings.heartbeat:g} s"
    )


def phase_lines(phase: str, run: ProbeRun, expectation: Expectation) -> list[str]:
    if phase == "handshake":
        return _handshake_lines(run)
    if phase == "round-trips":
        return _round_trip_lines(run)
    if phase == "echo":
        return _echo_lines(run)
    if phase == "hold":
        return _hold_lines(run, expectation)
    if phase == "reconnect":
        return _reconnect_lines(run)
    raise AssertionError(f"unknown phase {phase!r}")


def _handshake_lines(run: ProbeRun) -> list[str]:
    opened = run.opened
    failed = [c for c in run.connections if c.failure is not None]
    total = len(run.connections)
    lines: list[str] = []
    if not opened:
        failure = failed[0].failure
        assert failure is not None
        lines.append(_line("handshake", f"failed: {failure.message}"))
        if failure.status is not None:
            lines.extend(_more(h) for h in _headers(failure.headers))
            if failure.body:
                lines.append(_more(f"body: {quoted(failure.body, 200)}"))
        if total > 1:
            lines.append(_more(f"all {total} connections failed"))
        return lines
    first = opened[0].handshake
    assert first is not None
    timings = first.timings
    tls = f"tls {duration(timings.tls)}, " if timings.tls is not None else ""
    if total == 1:
        lines.append(
            _line(
                "handshake",
                f"{first.status} {first.reason} in {duration(timings.total)} (name "
                f"{duration(timings.dns)}, tcp {duration(timings.tcp)}, {tls}"
                f"upgrade {duration(timings.upgrade)}) from {first.peer}",
            )
        )
    else:
        totals = [c.handshake.timings.total for c in opened if c.handshake]
        lines.append(
            _line(
                "handshake",
                f"{len(opened)} of {total} opened ({first.status} {first.reason}): "
                f"{spread(totals)}",
            )
        )
    if run.settings.subprotocols or first.subprotocol:
        offered = ", ".join(run.settings.subprotocols)
        lines.append(_more(f"subprotocol: {first.subprotocol or 'none'} (offered: {offered})"))
    lines.extend(_more(h) for h in _headers(first.headers))
    if first.tls is not None:
        lines.extend(_more(t) for t in _tls_lines(first.tls))
    for connection in failed[:3]:
        assert connection.failure is not None
        lines.append(_more(f"failed: {connection.failure.message}"))
    if len(failed) > 3:
        lines.append(_more(f"... {len(failed) - 3} more failed"))
    return lines


def _headers(headers: Sequence[tuple[str, str]]) -> list[str]:
    return [
        f"{name.lower()}: {value}" for name, value in headers if name.lower() in INTERESTING_HEADERS
    ]


def _tls_lines(tls: Tls) -> list[str]:
    checked = "verified" if tls.verified else "NOT verified (--insecure)"
    lines = [f"tls: {tls.version}, {tls.cipher}, certificate {checked}"]
    certificate = tls.certificate
    if certificate is None:
        return [*lines, "certificate: not readable"]
    lines.append(f"certificate: subject {certificate.subject}")
    if certificate.alt_names:
        lines.append(f"             names {', '.join(certificate.alt_names)}")
    lines.append(f"             issuer {certificate.issuer}, expires {certificate.not_after}")
    return lines


def _round_trip_lines(run: ProbeRun) -> list[str]:
    opened = run.opened
    times = [t for c in opened for t in c.round_trips]
    sent = run.settings.pings * len(opened)
    text = f"{len(times)} of {sent} answered"
    return [_line("pings", f"{text}: {spread(times)}" if times else text)]


def _echo_lines(run: ProbeRun) -> list[str]:
    checked = [c.echo for c in run.opened if c.echo is not None]
    if not checked:
        return []
    sample = next((e for e in checked if not e.ok), checked[0])
    sent = f"sent {quoted(run.settings.send)}, " if run.settings.send is not None else ""
    got = quoted(sample.received) if sample.received is not None else "nothing in time"
    if sample.binary:
        got = f"binary {got}"
    verdict_text = "as expected" if sample.ok else f"expected {quoted(run.settings.expected_reply)}"
    if len(checked) == 1:
        return [_line("echo", f"{sent}got {got}: {verdict_text}")]
    ok = sum(1 for e in checked if e.ok)
    return [_line("echo", f"{ok} of {len(checked)} as expected; {sent}got {got}: {verdict_text}")]


def _hold_lines(run: ProbeRun, expectation: Expectation) -> list[str]:
    holds = [c.hold for c in run.opened if c.hold is not None]
    if not holds:
        return []
    settings = run.settings
    closed = [h for h in holds if h.closed_after is not None]
    head = f"{settings.hold:g} s {_mode(settings)}: "
    if not closed:
        what = "stayed open" if len(holds) == 1 else f"all {len(holds)} stayed open"
    else:
        times = [h.closed_after for h in closed if h.closed_after is not None]
        count = "" if len(holds) == 1 else f"{len(closed)} of {len(holds)} "
        what = f"{count}closed after {seconds_range(times)} ({close_text(closed[0])})"
    lines = [_line("hold", head + what)]
    lines.append(_more(_hold_judgement(run, expectation)))
    pinged = sum(h.server_pings for h in holds)
    if pinged and settings.heartbeat is None:
        lines.append(_more(f"the server sent {pinged} pings, so the connection was not idle"))
    beats = [t for h in holds for t in h.heartbeats]
    if beats:
        lines.append(_more(f"heartbeat: {len(beats)} pongs, {spread(beats)}"))
    return lines


def _hold_judgement(run: ProbeRun, expectation: Expectation) -> str:
    found = verdict.hold_findings(run, expectation)
    if any(f.rule not in verdict.OBSERVATIONS for f in found):
        return "not as expected (see the findings below)"
    if any(f.rule == "probe-hold-too-short" for f in found):
        return "too short to see the expected idle cut"
    outcome = expectation.hold_outcome(run.settings.heartbeat)
    window = expectation.window()
    holds = [c.hold for c in run.opened if c.hold is not None]
    if outcome == "cut" and all(h.closed_after is None and h.server_pings for h in holds):
        return "open: the server's pings kept the connection busy, so no idle cut could come"
    if outcome == "cut" and window is not None:
        return f"as expected: an idle cut at {window[0]:g}-{window[1]:g} s"
    if outcome == "either":
        return "either outcome is possible: the heartbeat is not shorter than the idle cut"
    return "as expected: open for the whole hold"


def _reconnect_lines(run: ProbeRun) -> list[str]:
    attempts = [r for c in run.opened for r in c.reconnects]
    reopened = [r.opened.timings.total for r in attempts if r.opened is not None]
    closing = [r.close_seconds for r in attempts if r.opened is not None and r.close_seconds > 0]
    text = f"{len(reopened)} of {len(attempts)} re-established"
    if reopened:
        text += f": {spread(reopened)}"
    lines = [_line("reconnect", text)]
    if closing:
        lines.append(_more(f"closing the previous connection took {spread(closing)}"))
    return lines


def result_lines(findings: Sequence[Finding], exit_code: int) -> list[str]:
    lines = [str(f) for f in findings]
    failed = sum(1 for f in findings if f.rule not in verdict.OBSERVATIONS)
    if failed:
        text = f"{failed} expectation{'s' if failed > 1 else ''} not met (exit {exit_code})"
    else:
        text = f"every expectation held (exit {exit_code})"
    return [*lines, _line("result", text)]


def json_document(
    run: ProbeRun, expectation: Expectation, findings: Sequence[Finding], exit_code: int
) -> str:
    settings = run.settings
    document: dict[str, Any] = {
        "version": REPORT_VERSION,
        "url": run.endpoint.url,
        "connectTo": run.endpoint.connect_to,
        "profile": expectation.profile,
        "expectation": {
            "source": expectation.source,
            "exposure": expectation.exposure,
            "hold": expectation.hold_outcome(settings.heartbeat),
            "idleTimeoutSeconds": expectation.idle_timeout,
            "cutWindowSeconds": list(w) if (w := expectation.window()) else None,
        },
        "settings": {
            "connections": settings.connections,
            "pings": settings.pings,
            "holdSeconds": settings.hold,
            "mode": settings.mode,
            "heartbeatSeconds": settings.heartbeat,
            "reconnects": settings.reconnects,
            "subprotocols": list(settings.subprotocols),
            "send": settings.send,
            "expect": settings.expected_reply,
            "timeoutSeconds": settings.timeout,
        },
        "handshake": _handshake_json(run),
        "roundTrips": _round_trips_json(run),
        "echo": _echo_json(run),
        "hold": _hold_json(run),
        "reconnects": _reconnects_json(run),
        "findings": [_finding_json(f) for f in findings],
        "ok": exit_code == 0,
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def _handshake_json(run: ProbeRun) -> dict[str, Any]:
    opened = run.opened
    failures = [c.failure for c in run.connections if c.failure is not None]
    first = opened[0].handshake if opened else None
    failure = failures[0] if failures else None
    return {
        "opened": len(opened),
        "failed": len(failures),
        "status": first.status if first else (failure.status if failure else None),
        "reason": first.reason if first else (failure.reason if failure else None),
        "subprotocol": first.subprotocol if first else None,
        "headers": dict(first.headers if first else failure.headers if failure else ()),
        "peer": first.peer if first else None,
        "tls": _tls_json(first) if first else None,
        "timings": _timings_json(first) if first else None,
        "openMs": stats([c.handshake.timings.total for c in opened if c.handshake]),
        "errors": sorted({f"{f.stage}: {f.message}" for f in failures}),
        "body": failure.body if failure and failure.status is not None else None,
    }


def _tls_json(handshake: Handshake) -> dict[str, Any] | None:
    tls = handshake.tls
    if tls is None:
        return None
    certificate = tls.certificate
    return {
        "version": tls.version,
        "cipher": tls.cipher,
        "verified": tls.verified,
        "subject": certificate.subject if certificate else None,
        "altNames": list(certificate.alt_names) if certificate else [],
        "issuer": certificate.issuer if certificate else None,
        "notAfter": certificate.not_after if certificate else None,
        "sha256": certificate.sha256 if certificate else None,
    }


def _timings_json(handshake: Handshake) -> dict[str, float | None]:
    timings = handshake.timings
    return {
        "nameMs": round(timings.dns * 1000, 3),
        "tcpMs": round(timings.tcp * 1000, 3),
        "tlsMs": None if timings.tls is None else round(timings.tls * 1000, 3),
        "upgradeMs": round(timings.upgrade * 1000, 3),
        "totalMs": round(timings.total * 1000, 3),
    }


def _round_trips_json(run: ProbeRun) -> dict[str, Any] | None:
    if not run.opened or not run.settings.pings:
        return None
    times = [t for c in run.opened for t in c.round_trips]
    return {"sent": run.settings.pings * len(run.opened), "answered": len(times), **_ms(times)}


def _ms(values: Sequence[float]) -> dict[str, float | None]:
    measured: dict[str, float | None] = {"minMs": None, "medianMs": None, "maxMs": None}
    measured.update(stats(values) or {})
    return measured


def _echo_json(run: ProbeRun) -> dict[str, Any] | None:
    checked = [c.echo for c in run.opened if c.echo is not None]
    if not checked:
        return None
    sample = next((e for e in checked if not e.ok), checked[0])
    return {
        "sent": run.settings.send,
        "expected": run.settings.expected_reply,
        "received": sample.received,
        "binary": sample.binary,
        "asExpected": sum(1 for e in checked if e.ok),
        "checked": len(checked),
    }


def _hold_json(run: ProbeRun) -> dict[str, Any] | None:
    holds = [c.hold for c in run.opened if c.hold is not None]
    if not holds:
        return None
    return {
        "seconds": run.settings.hold,
        "mode": run.settings.mode,
        "stayedOpen": sum(1 for h in holds if h.closed_after is None),
        "closed": [_close_json(h) for h in holds if h.closed_after is not None],
        "serverPings": sum(h.server_pings for h in holds),
        "messages": sum(h.messages for h in holds),
        "heartbeats": {
            "answered": sum(len(h.heartbeats) for h in holds),
            "missing": sum(h.heartbeats_missing for h in holds),
            **_ms([t for h in holds for t in h.heartbeats]),
        },
    }


def _close_json(hold: Hold) -> dict[str, Any]:
    return {
        "afterSeconds": round(hold.closed_after or 0.0, 3),
        "code": hold.code,
        "reason": hold.reason,
        "closeFrame": hold.close_frame,
    }


def _reconnects_json(run: ProbeRun) -> dict[str, Any] | None:
    attempts = [r for c in run.opened for r in c.reconnects]
    if not run.opened or not run.settings.reconnects:
        return None
    reopened = [r.opened.timings.total for r in attempts if r.opened is not None]
    return {
        "attempts": len(attempts),
        "reestablished": len(reopened),
        "reopen": _ms(reopened),
        "close": _ms([r.close_seconds for r in attempts if r.opened is not None]),
        "errors": sorted(
            {f"{r.failure.stage}: {r.failure.message}" for r in attempts if r.failure}
        ),
    }


def _finding_json(finding: Finding) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "rule": finding.rule,
        "level": str(finding.level),
        "message": finding.message,
        "expectationFailed": finding.rule not in verdict.OBSERVATIONS,
    }
    if finding.location is not None:
        entry["file"] = finding.location.file
        if finding.location.line is not None:
            entry["line"] = finding.location.line
            entry["column"] = finding.location.column
    if finding.profiles:
        entry["profiles"] = list(finding.profiles)
    return entry
