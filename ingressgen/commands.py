"""One function per subcommand: each does the work and returns a report; none prints.

Imports of the heavy parts (pydantic, Jinja, the profile models) happen inside the commands
that need them, so `validate` starts without paying for `render`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingressgen.errors import EXIT_CHECK_FAILED, EXIT_OK
from ingressgen.kube_versions import DEFAULT_KUBERNETES_VERSION
from ingressgen.report_formats import REPORT_FORMATS

if TYPE_CHECKING:
    from ingressgen.errors import Problem
    from ingressgen.findings import Finding
    from ingressgen.init_profile import Request as InitRequest
    from ingressgen.pipeline import RenderResult
    from ingressgen.probe.live import Live
    from ingressgen.probe.settings import ProbeSettings
    from ingressgen.probe.target import Endpoint, Expectation
    from ingressgen.validation.findings import ValidationRun
    from ingressgen.validation.settings import ValidationSettings


@dataclass
class CommandReport:
    exit_code: int = EXIT_OK
    lines: list[str] = field(default_factory=list)  # for stdout
    notes: list[str] = field(default_factory=list)  # for stderr


def render(
    paths: Sequence[Path],
    out: str,
    *,
    exposure: str | None = None,
    kubernetes_version: str | None = None,
    validator: str = "embedded",
    check: bool = False,
    output: str = "text",
    crd_files: Sequence[Path] = (),
    skip_kinds: Sequence[str] = (),
    kubeconform_timeout: float = 120.0,
    schema_locations: Sequence[str] = (),
    adopt: bool = False,
    quiet: bool = False,
    ignore: Sequence[str] = (),
    fail_on: str | None = None,
    stdout: bool = False,
    verbose: bool = False,
    templates: Path | None = None,
) -> CommandReport:
    """Render into `out`, or with `stdout` (or `out` "-") print the objects and write nothing."""
    from ingressgen.errors import InputError
    from ingressgen.findings import Level, shown
    from ingressgen.loading import LoadOptions
    from ingressgen.output.guards import checked_out_folder
    from ingressgen.pipeline import render_profiles
    from ingressgen.validation.findings import ValidationFailed

    _check_rule_ids(ignore)
    stdout = stdout or out == "-"
    if stdout:
        _refuse_with_stdout(check=check, adopt=adopt, output=output)
    out_dir = None if stdout else checked_out_folder(out, paths)
    options = LoadOptions(
        # Profile ids are relative to out/'s parent, which is the working directory by default.
        base_dir=Path(os.path.abspath(out_dir)).parent if out_dir else Path.cwd(),
        out_dir=out_dir,
        exposure=exposure,
        kubernetes_version=kubernetes_version,
    )
    try:
        result = render_profiles(
            paths,
            out_dir,
            options,
            _settings(validator, crd_files, skip_kinds, kubeconform_timeout, schema_locations),
            templates=_user_templates(templates),
        )
    except ValidationFailed as failed:
        if REPORT_FORMATS[output].for_people:
            raise  # printed like every other error: on stderr, nothing written
        return _render_report(output, EXIT_CHECK_FAILED, run=failed.run)
    except InputError as error:
        if REPORT_FORMATS[output].for_people:
            raise
        return _render_report(output, error.exit_code, errors=error.problems)
    findings = shown(
        result.findings,
        ignore=frozenset(ignore),
        ignored_by_profile=result.ignored_rules,
        quiet=quiet,
    )
    threshold = Level.named(fail_on) if fail_on else None
    failed_gate = threshold is not None and any(f.level >= threshold for f in findings)
    if out_dir is None:
        from ingressgen.stream import object_stream

        report = _render_report(
            "text",
            EXIT_CHECK_FAILED if failed_gate else EXIT_OK,
            findings=findings,
            run=result.validation,
        )
        report.lines.append(object_stream(result.files).removesuffix("\n"))
        return report
    try:
        outcome = _write_or_check(result, out_dir, check=check, adopt=adopt)
    except InputError as error:  # out/ holds something a render must not touch
        if REPORT_FORMATS[output].for_people:
            raise
        return _render_report(output, error.exit_code, errors=error.problems, findings=findings)
    if verbose:
        skipped = [
            f"skipped {path}: not a profile (no apiVersion ingressgen.dev/...)"
            for path in result.ignored_files
        ]
        outcome.notes[:0] = skipped
    exit_code = outcome.exit_code
    if failed_gate:
        exit_code = EXIT_CHECK_FAILED  # the output is written as usual; the gate is the code
    return _render_report(
        output,
        exit_code,
        findings=findings,
        run=result.validation,
        drift=outcome.drift,
        human=outcome.lines,
        notes=outcome.notes,
    )


def _user_templates(folder: Path | None) -> Any:
    if folder is None:
        return None
    from ingressgen.user_templates import load_user_templates

    return load_user_templates(folder)


def _refuse_with_stdout(*, check: bool, adopt: bool, output: str) -> None:
    """Options that speak of out/ or of stdout's format cannot go with --stdout."""
    from ingressgen.errors import InputError

    if check:
        raise InputError("--check compares out/ with a render; --stdout writes no out/ to compare")
    if adopt:
        raise InputError("--adopt concerns the --out folder; --stdout writes no folder")
    if output != "text":
        raise InputError(
            f"-o {output} prints a report on stdout, which --stdout fills with the objects: "
            "leave -o at text (findings then go to stderr)"
        )


@dataclass
class _Outcome:
    exit_code: int = EXIT_OK
    lines: list[str] = field(default_factory=list)  # what happened to out/, for people
    notes: list[str] = field(default_factory=list)  # repairs the output layer made or found
    drift: list[tuple[str, str]] = field(default_factory=list)  # (path as shown, state)


def _write_or_check(result: RenderResult, out_dir: Path, *, check: bool, adopt: bool) -> _Outcome:
    from ingressgen.output import check_output, plan_output, write_output
    from ingressgen.output.journal import JOURNAL_NAME

    shown = out_dir.as_posix().rstrip("/")
    objects = len(result.objects)
    outcome = _Outcome()
    if not check:
        applied = write_output(out_dir, result.files, result.scope, adopt=adopt)
        outcome.notes.extend(applied.notes)
        if applied.changed:
            outcome.lines.append(f"rendered {objects} objects into {shown}/")
        else:
            outcome.lines.append(f"{shown}/ already up to date ({objects} objects)")
        return outcome
    plan = plan_output(out_dir, result.files, result.scope)
    drift = check_output(plan)
    outcome.notes.extend(plan.notes)
    if drift.clean:
        outcome.lines.append(f"{shown}/ is up to date ({objects} objects)")
        return outcome
    outcome.exit_code = EXIT_CHECK_FAILED
    if drift.unfinished:
        outcome.drift.append((f"{shown}/{JOURNAL_NAME}", "unfinished"))
    for state, paths in (("changed", drift.changed), ("missing", drift.missing)):
        outcome.drift.extend((f"{shown}/{p}", state) for p in paths)
    outcome.drift.extend((f"{shown}/{p}", "extra") for p in drift.extra)
    for path, state in outcome.drift:
        hint = " (a render was interrupted while writing: run 'ingressgen render' to finish it)"
        outcome.lines.append(f"{state}: {path}{hint if state == 'unfinished' else ''}")
    outcome.lines.append(f"{shown}/ differs from the profiles: run 'ingressgen render' again")
    return outcome


def _render_report(
    output: str,
    exit_code: int,
    *,
    findings: Sequence[Finding] = (),
    errors: Sequence[Problem] = (),
    run: ValidationRun | None = None,
    drift: Sequence[tuple[str, str]] = (),
    human: Sequence[str] = (),
    notes: Sequence[str] = (),
) -> CommandReport:
    """The run in the chosen format: machine formats own stdout; people's lines go to stderr."""
    report = CommandReport(exit_code=exit_code)
    write = REPORT_FORMATS[output].render
    if write is None:
        report.notes.extend(str(finding) for finding in findings)
        if run is not None:
            report.notes.extend(_warning_lines(run))
        report.notes.extend(f"note: {note}" for note in notes)
        report.lines.extend(human)
        return report
    report.lines.extend(write(findings, errors, run, drift))
    report.notes.extend(f"note: {note}" for note in notes)
    report.notes.extend(human)
    return report


def _check_rule_ids(rules: Sequence[str]) -> None:
    from ingressgen.errors import InputError
    from ingressgen.findings import PROFILE_RULES, Level

    silenceable = sorted(r for r, rule in PROFILE_RULES.items() if rule.level != Level.ERROR)
    unknown = sorted(set(rules) - set(silenceable))
    if unknown:
        raise InputError(
            f"--ignore {', '.join(unknown)}: not a rule that can be ignored; expected one of: "
            + ", ".join(silenceable)
        )


def validate(
    paths: Sequence[Path],
    *,
    kubernetes_version: str | None = None,
    validator: str = "embedded",
    output: str = "text",
    crd_files: Sequence[Path] = (),
    skip_kinds: Sequence[str] = (),
    kubeconform_timeout: float = 120.0,
    schema_locations: Sequence[str] = (),
    max_file_bytes: int | None = None,
) -> CommandReport:
    from ingressgen.validation.manifests import validate_manifests

    version = kubernetes_version or DEFAULT_KUBERNETES_VERSION
    settings = _settings(
        validator, crd_files, skip_kinds, kubeconform_timeout, schema_locations
    )._replace(max_file_bytes=max_file_bytes)
    return _report(validate_manifests(paths, version, settings), output)


def _settings(
    validator: str,
    crd_files: Sequence[Path],
    skip_kinds: Sequence[str],
    kubeconform_timeout: float = 120.0,
    schema_locations: Sequence[str] = (),
) -> ValidationSettings:
    from ingressgen.validation.settings import ValidationSettings

    return ValidationSettings(
        validator,
        tuple(crd_files),
        frozenset(skip_kinds),
        kubeconform_timeout,
        tuple(schema_locations),
    )


def _report(run: ValidationRun, output: str) -> CommandReport:
    """The run in the chosen format on stdout; exit 1 when anything failed."""
    exit_code = EXIT_CHECK_FAILED if run.failed else EXIT_OK
    return CommandReport(exit_code=exit_code, lines=REPORT_FORMATS[output].validate(run))


def _warning_lines(run: ValidationRun) -> list[str]:
    from ingressgen.validation import reports

    return [line for line in reports.text_lines(run) if line.startswith("warning: ")]


def init(
    request: InitRequest, service_file: str | None, out: str, from_flags_only: bool
) -> CommandReport:
    """A new profile on stdout (`--out -`, the default) or in a new file, never overwritten."""
    import sys

    from ingressgen import init_profile
    from ingressgen.errors import InputError, Location, Problem

    if service_file is None and not from_flags_only:
        raise InputError("init needs a Service (--from-service FILE|-) or a NAME and flags")
    if service_file is not None:
        if service_file == "-":
            text, display = sys.stdin.read(), "<stdin>"
        else:
            from ingressgen.validation.reading.files import Unreadable, read_file

            try:
                # Read as manifests are: never a FIFO or a device, never more than 64 MiB.
                text = read_file(service_file, b"").decode("utf-8")
            except Unreadable as unreadable:
                raise InputError(problems=[unreadable.problem]) from None
            except (OSError, UnicodeDecodeError) as error:
                problem = Problem(Location(service_file), f"cannot read: {error}")
                raise InputError(problems=[problem]) from None
            display = service_file
        body, missing = init_profile.from_service(text, display, request)
    else:
        body, missing = init_profile.from_flags(request)
    target = None if out == "-" else Path(out)
    modeline = f"# yaml-language-server: $schema={init_profile.schema_reference(target)}\n"
    text = modeline + body
    report = CommandReport()
    todo = ", ".join(missing)
    if target is None:
        report.lines.append(text.rstrip("\n"))
    else:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "x", encoding="utf-8") as file:
                file.write(text)
        except FileExistsError:
            message = "already exists; init never overwrites a file: choose another --out"
            raise InputError(problems=[Problem(Location(out), message)]) from None
        except OSError as error:
            raise InputError(problems=[Problem(Location(out), f"cannot write: {error}")]) from None
        report.notes.append(f"wrote {out}")
    if missing:
        report.notes.append(f"note: fill in the lines marked REQUIRED: {todo}")
    return report


def profile_schema() -> dict[str, Any]:
    from ingressgen.profile_schema import profile_schema

    return profile_schema()


@dataclass(frozen=True)
class ProbeRequest:
    """`ingressgen probe`'s options as typed on the command line; probe() checks them."""

    url: str | None
    profile: Path | None
    scheme: str | None = None
    connect_to: str | None = None
    headers: Sequence[str] = ()
    subprotocols: Sequence[str] = ()
    insecure: bool = False
    ca_file: Path | None = None
    pings: int = 5
    hold: str = "130s"
    idle: bool = False
    heartbeat: str | None = None
    reconnects: int = 0
    connections: int = 1
    send: str | None = None
    expect: str | None = None
    timeout: str = "10s"
    output: str = "text"


def probe(request: ProbeRequest, live: Live) -> CommandReport:
    """A live WebSocket check; the result lines reach `live` as each phase ends (text), or
    the report holds one JSON document (json)."""
    from ingressgen.errors import InputError

    try:
        import websockets  # noqa: F401  (the optional extra)
    except ImportError:
        raise InputError(
            "ingressgen probe needs the 'websockets' package, which is not installed: "
            "pip install 'ingressgen[probe]'"
        ) from None
    import asyncio

    from ingressgen.probe import client, report, verdict

    endpoint, expectation, chosen = _probe_plan(request)
    for line in report.plan_lines(endpoint, chosen, expectation):
        live.line(line)

    def phase_done(phase: str, run: client.ProbeRun) -> None:
        for line in report.phase_lines(phase, run, expectation):
            live.line(line)

    events = client.Events(phase_done=phase_done, status=live.status)
    try:
        run = asyncio.run(client.probe(endpoint, chosen, events))
    finally:
        live.clear()
    found = verdict.findings(run, expectation)
    exit_code = verdict.exit_code(found)
    result = CommandReport(exit_code=exit_code)
    if request.output == "json":
        result.lines.append(report.json_document(run, expectation, found, exit_code))
    else:
        for line in report.result_lines(found, exit_code):
            live.line(line)
    return result


def _probe_plan(request: ProbeRequest) -> tuple[Endpoint, Expectation, ProbeSettings]:
    """The endpoint, the expectation and the checked settings; any mistake is exit 2."""
    from ingressgen.errors import InputError
    from ingressgen.probe import settings, target

    if request.url is None and request.profile is None:
        raise InputError(
            "give a URL (e.g. wss://chat.example.com/ws) or --profile FILE to probe the "
            "profile's endpoint"
        )
    if request.url is not None and request.scheme is not None:
        raise InputError(
            "--scheme applies to the URL derived from --profile; the URL given already says "
            "ws:// or wss://"
        )
    if request.idle and request.heartbeat is not None:
        raise InputError("--idle and --heartbeat exclude each other: choose one way to hold")
    expectation = target.NO_PROFILE
    url = request.url
    if request.profile is not None:
        url, expectation = target.profile_target(request.profile, request.scheme, request.url)
    assert url is not None
    endpoint = target.endpoint(url, request.connect_to)
    settings.check_tls_options(request.insecure, request.ca_file, secure=endpoint.secure)
    heartbeat = request.heartbeat
    chosen = settings.ProbeSettings(
        headers=tuple(settings.header(h) for h in request.headers),
        subprotocols=tuple(settings.subprotocol(s) for s in request.subprotocols),
        insecure=request.insecure,
        ca_file=request.ca_file,
        pings=request.pings,
        hold=settings.seconds("--hold", request.hold),
        heartbeat=None
        if heartbeat is None
        else settings.seconds("--heartbeat", heartbeat, allow_zero=False),
        reconnects=request.reconnects,
        connections=request.connections,
        send=request.send,
        expect=request.expect,
        timeout=settings.seconds("--timeout", request.timeout, allow_zero=False),
    )
    return endpoint, expectation, chosen


def explain(
    paths: Sequence[Path],
    *,
    output: str = "text",
    fail_on: str | None = None,
    ignore: Sequence[str] = (),
    exposure: str | None = None,
    compare_exposures: bool = False,
) -> CommandReport:
    """The risk report of profiles, rendered in memory (nothing is written); with
    `compare_exposures`, the Cloudflare-versus-MetalLB table instead."""
    from ingressgen.explain import model, report
    from ingressgen.findings import Level
    from ingressgen.loading import LoadOptions
    from ingressgen.pipeline import render_profiles

    _check_rule_ids(ignore)
    options = LoadOptions(base_dir=Path.cwd(), out_dir=None, exposure=exposure)
    result = render_profiles(paths, None, options, _settings("embedded", (), ()))
    reports = model.build(result, frozenset(ignore))
    risks_writer, compare_writer = report.FORMATS[output]
    worst = model.worst(reports)
    failed = fail_on is not None and worst is not None and worst >= Level.named(fail_on)
    writer = compare_writer if compare_exposures else risks_writer
    return CommandReport(exit_code=EXIT_CHECK_FAILED if failed else EXIT_OK, lines=writer(reports))


def diff(
    old: str,
    new: str | None,
    *,
    output: str = "text",
    exposure: str | None = None,
    kubernetes_version: str | None = None,
    ignore: Sequence[str] = (),
    exit_zero: bool = False,
    templates: Path | None = None,
) -> CommandReport:
    """OLD against NEW, both rendered in memory (nothing is written): exit 1 when they differ."""
    from ingressgen.diff import report
    from ingressgen.diff.run import diff as compare
    from ingressgen.errors import InputError

    if new is None and exposure is None:
        raise InputError(
            "diff needs OLD and NEW, or one profile and --exposure to compare it with itself "
            "under that exposure"
        )
    _check_rule_ids(ignore)
    result = compare(
        old,
        new,
        exposure=exposure,
        kubernetes_version=kubernetes_version,
        ignore=frozenset(ignore),
        templates=_user_templates(templates),
    )
    differs = result.differs and not exit_zero
    return CommandReport(
        exit_code=EXIT_CHECK_FAILED if differs else EXIT_OK, lines=report.FORMATS[output](result)
    )
