"""The command line: parse options, call the core, turn errors into messages and exit codes."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from ingressgen import interrupts
from ingressgen.cli_types import ByteSize
from ingressgen.diff import OUTPUT_FORMATS as DIFF_FORMATS
from ingressgen.errors import (
    EXIT_BAD_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    IngressgenError,
    InputError,
    terminal_safe,
)
from ingressgen.explain import OUTPUT_FORMATS as EXPLAIN_FORMATS
from ingressgen.findings import GATE_LEVELS
from ingressgen.kube_versions import DEFAULT_KUBERNETES_VERSION, supported_kubernetes_versions
from ingressgen.report_formats import REPORT_FORMATS
from ingressgen.validation.settings import DEPRECATED_AUTO, VALIDATORS

if TYPE_CHECKING:
    # Only for annotations: importing commands at start-up would load the whole pipeline.
    from ingressgen.commands import CommandReport

F = TypeVar("F", bound=Callable[..., Any])

DEBUG_ENV = "INGRESSGEN_DEBUG"


def _kubernetes_version_option(function: F) -> F:
    return click.option(
        "--kubernetes-version",
        metavar="X.Y",
        help="Validate for this Kubernetes version (overrides each profile's kubernetesVersion).",
    )(function)


def _validate_version_option(function: F) -> F:
    return click.option(
        "--kubernetes-version",
        metavar="X.Y",
        help=f"Validate for this Kubernetes version (default {DEFAULT_KUBERNETES_VERSION}).",
    )(function)


def _paths_argument(function: F) -> F:
    return click.argument(
        "paths", nargs=-1, required=True, type=click.Path(path_type=Path, exists=False)
    )(function)


def _validation_options(function: F) -> F:
    """--validator, -o/--output, --crd, --skip-kind and --kubeconform-timeout, shared by render
    and validate."""
    options = [
        click.option(
            "--validator",
            type=click.Choice(VALIDATORS),
            default="embedded",
            show_default=True,
            help="Schema validator: embedded, or kubeconform ($KUBECONFORM or on PATH); "
            "auto is a deprecated name of embedded.",
        ),
        click.option(
            "-o",
            "--output",
            type=click.Choice(list(REPORT_FORMATS)),
            default="text",
            show_default=True,
            help="Report format: "
            + ", ".join(f"{name} ({f.description})" for name, f in REPORT_FORMATS.items())
            + ".",
        ),
        click.option(
            "--crd",
            "crd_files",
            multiple=True,
            type=click.Path(path_type=Path),
            metavar="FILE|DIR",
            help="CustomResourceDefinition YAML (a file, or a folder read recursively) whose "
            "schemas check matching objects (repeatable).",
        ),
        click.option(
            "--schema-location",
            "schema_locations",
            multiple=True,
            metavar="TEMPLATE|DIR",
            help="Local JSON schemas, as kubeconform's -schema-location: a template "
            "('DIR/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json'), a folder "
            "(CRDs-catalog layout) or 'default' (the built-in schemas); tried in order "
            "(repeatable). URLs are refused.",
        ),
        click.option(
            "--skip-kind",
            "skip_kinds",
            multiple=True,
            metavar="KIND",
            help="Do not check objects of this kind; they are reported as skipped (repeatable).",
        ),
        click.option(
            "--kubeconform-timeout",
            type=click.FloatRange(min=0, min_open=True),
            default=120.0,
            show_default=True,
            metavar="SECONDS",
            help="Stop kubeconform (and all it started) after this long; an exit 2.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ingressgen")
def cli() -> None:
    """Turn service profiles into validated MetalLB or Cloudflare Tunnel manifests."""


@cli.command()
@_paths_argument
@click.option(
    "--out",
    "out_dir",
    default="out",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Output folder (never the working directory, home, or a folder holding the profiles).",
)
@click.option(
    "--stdout",
    is_flag=True,
    help="Print every object as one multi-document YAML stream and write nothing "
    "(--out - does the same).",
)
@click.option(
    "--adopt",
    is_flag=True,
    help="Allow a first render into a folder that already holds other files (never touched).",
)
@click.option(
    "--exposure",
    type=click.Choice(["metallb", "cloudflare-tunnel"]),
    help="Override every profile's spec.exposure.",
)
@_kubernetes_version_option
@_validation_options
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 when the generated files under --out differ from a render.",
)
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="Hide findings of level info (findings at low and above are always shown).",
)
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Also list the YAML files in the folders that were skipped as not profiles.",
)
@click.option(
    "--fail-on",
    type=click.Choice(GATE_LEVELS),
    metavar="LEVEL",
    help=f"Exit 1 when a finding is at this level or above ({', '.join(GATE_LEVELS)}); "
    "the output is written as usual.",
)
@click.option(
    "--ignore",
    "ignore",
    multiple=True,
    metavar="RULE",
    help="Silence this rule's findings (repeatable); a profile can also list rules in its "
    "annotation ingressgen.dev/ignore.",
)
@click.option(
    "--templates",
    type=click.Path(path_type=Path),
    metavar="DIR",
    help="Your own templates, overriding shipped ones of the same name (sandboxed; see README).",
)
def render(
    paths: tuple[Path, ...],
    out_dir: str,
    stdout: bool,
    adopt: bool,
    exposure: str | None,
    kubernetes_version: str | None,
    validator: str,
    output: str,
    crd_files: tuple[Path, ...],
    skip_kinds: tuple[str, ...],
    kubeconform_timeout: float,
    schema_locations: tuple[str, ...],
    check: bool,
    quiet: bool,
    verbose: bool,
    fail_on: str | None,
    ignore: tuple[str, ...],
    templates: Path | None,
) -> None:
    """Render profiles (files or folders) into manifests under --out, or on stdout."""
    from ingressgen import commands

    _check_version_option(kubernetes_version)
    report = commands.render(
        list(paths),
        out_dir,
        exposure=exposure,
        kubernetes_version=kubernetes_version,
        validator=_validator(validator),
        check=check,
        output=output,
        crd_files=crd_files,
        skip_kinds=skip_kinds,
        kubeconform_timeout=kubeconform_timeout,
        schema_locations=schema_locations,
        adopt=adopt,
        quiet=quiet,
        verbose=verbose,
        ignore=ignore,
        fail_on=fail_on,
        stdout=stdout,
        templates=templates,
    )
    _emit(report)


@cli.command()
@_paths_argument
@_validate_version_option
@_validation_options
@click.option(
    "--max-file-size",
    type=ByteSize(),
    metavar="SIZE",
    help="Refuse, unread, a manifest file larger than this (e.g. 256MiB; default 64MiB).",
)
def validate(
    paths: tuple[Path, ...],
    kubernetes_version: str | None,
    validator: str,
    output: str,
    crd_files: tuple[Path, ...],
    skip_kinds: tuple[str, ...],
    kubeconform_timeout: float,
    schema_locations: tuple[str, ...],
    max_file_size: int | None,
) -> None:
    """Validate manifest files or folders ('-' reads standard input) with the schemas and rules."""
    from ingressgen import commands

    _check_version_option(kubernetes_version)
    report = commands.validate(
        list(paths),
        kubernetes_version=kubernetes_version,
        validator=_validator(validator),
        output=output,
        crd_files=crd_files,
        skip_kinds=skip_kinds,
        kubeconform_timeout=kubeconform_timeout,
        schema_locations=schema_locations,
        max_file_bytes=max_file_size,
    )
    _emit(report)


def _emit(report: CommandReport) -> NoReturn:
    """Notes to stderr, results to stdout, then the report's exit code."""
    try:
        for note in report.notes:
            click.echo(terminal_safe(note), err=True)
        for line in report.lines:
            click.echo(terminal_safe(line))
        sys.stdout.flush()
    except BrokenPipeError:
        pass  # the reader has gone (`| head`): what it read is what it wanted
    except OSError as error:  # a full disk behind >
        # out/ may already be written: say that the report, not the render, failed.
        with contextlib.suppress(OSError):
            click.echo(f"error: could not write the report: {error.strerror}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    sys.exit(report.exit_code)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, exists=False))
@click.option(
    "-o",
    "--output",
    type=click.Choice(EXPLAIN_FORMATS),
    default="text",
    show_default=True,
    help="Report format: text, markdown (with a Mermaid picture of the traffic path, for a "
    "review comment) or json.",
)
@click.option(
    "--fail-on",
    type=click.Choice(GATE_LEVELS),
    metavar="SEVERITY",
    help=f"Exit 1 when a risk is at this level or above ({', '.join(GATE_LEVELS)}).",
)
@click.option(
    "--ignore",
    "ignore",
    multiple=True,
    metavar="RULE",
    help="Leave this rule's risks out (repeatable), like the ingressgen.dev/ignore annotation.",
)
@click.option(
    "--exposure",
    type=click.Choice(["metallb", "cloudflare-tunnel"]),
    help="Explain the profiles as if their spec.exposure were this.",
)
@click.option(
    "--compare-exposures",
    is_flag=True,
    help="Print Cloudflare Tunnel and MetalLB side by side for each profile instead.",
)
def explain(
    paths: tuple[Path, ...],
    output: str,
    fail_on: str | None,
    ignore: tuple[str, ...],
    exposure: str | None,
    compare_exposures: bool,
) -> None:
    """The risk report of profiles: every risk with its level, impact, fix and profile field."""
    from ingressgen import commands

    report = commands.explain(
        list(paths),
        output=output,
        fail_on=fail_on,
        ignore=ignore,
        exposure=exposure,
        compare_exposures=compare_exposures,
    )
    _emit(report)


@cli.command()
@click.argument("old")
@click.argument("new", required=False)
@click.option(
    "-o",
    "--output",
    type=click.Choice(DIFF_FORMATS),
    default="text",
    show_default=True,
    help="Report format: text, markdown (a pull-request comment: summary table, traffic impact, "
    "findings, then each file's diff folded) or json.",
)
@click.option(
    "--exposure",
    type=click.Choice(["metallb", "cloudflare-tunnel"]),
    help="Render NEW as if its profiles' spec.exposure were this; with OLD alone, compare OLD "
    "with itself under it.",
)
@_kubernetes_version_option
@click.option(
    "--ignore",
    "ignore",
    multiple=True,
    metavar="RULE",
    help="Leave this rule's findings out on both sides (repeatable).",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 when the sides differ (errors still 2).")
@click.option(
    "--templates",
    type=click.Path(path_type=Path),
    metavar="DIR",
    help="Render both sides with your own templates, as render --templates does.",
)
def diff(
    old: str,
    new: str | None,
    output: str,
    exposure: str | None,
    kubernetes_version: str | None,
    ignore: tuple[str, ...],
    exit_zero: bool,
    templates: Path | None,
) -> None:
    """Compare two profile files, folders or REV:PATH from git: objects, findings, traffic."""
    from ingressgen import commands

    _check_version_option(kubernetes_version)
    report = commands.diff(
        old,
        new,
        output=output,
        exposure=exposure,
        kubernetes_version=kubernetes_version,
        ignore=ignore,
        exit_zero=exit_zero,
        templates=templates,
    )
    _emit(report)


@cli.command()
def schema() -> None:
    """Print the profile's JSON Schema."""
    import json

    from ingressgen import commands

    click.echo(json.dumps(commands.profile_schema(), indent=2, ensure_ascii=False))


@cli.command()
@click.argument("url", required=False)
@click.option(
    "--profile",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Probe the profile's endpoint (hostname and WebSocket path; MetalLB without a hostname: "
    "the pinned IP and port) and judge the hold by its exposure. With a URL too, the URL is "
    "probed and the profile only sets the expectation.",
)
@click.option(
    "--scheme",
    type=click.Choice(["wss", "ws"]),
    help="Scheme of the URL derived from --profile (default wss).",
)
@click.option(
    "--connect-to",
    metavar="HOST:PORT",
    help="Open the TCP connection to HOST:PORT instead; the URL's host is still sent (Host "
    "header, TLS name), e.g. one edge IP or a port-forward.",
)
@click.option(
    "-H",
    "--header",
    "headers",
    multiple=True,
    metavar="'NAME: VALUE'",
    help="Extra request header for the upgrade (repeatable).",
)
@click.option(
    "--subprotocol",
    "subprotocols",
    multiple=True,
    metavar="NAME",
    help="Offer this subprotocol (repeatable, in order of preference); one must be selected.",
)
@click.option("--insecure", is_flag=True, help="Do not verify the server's certificate.")
@click.option(
    "--ca-file",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Trust the CA certificates in this PEM file (instead of the system's).",
)
@click.option(
    "--pings",
    type=click.IntRange(min=0),
    default=5,
    metavar="N",
    show_default=True,
    help="Ping/pong round trips per connection after the handshake.",
)
@click.option(
    "--hold",
    default="130s",
    show_default=True,
    metavar="DURATION",
    help="Keep the connections open this long (seconds, or 130s, 2m, 1m30s; 0 skips).",
)
@click.option("--idle", is_flag=True, help="Send nothing during the hold (the default).")
@click.option(
    "--heartbeat",
    metavar="SECONDS",
    help="Ping at this interval during the hold instead of staying idle.",
)
@click.option(
    "--reconnect",
    "reconnects",
    type=click.IntRange(min=0),
    default=0,
    metavar="N",
    help="Then close and reopen N times, timing each re-establishment.",
)
@click.option(
    "--connections",
    type=click.IntRange(min=1, max=10000),
    default=1,
    show_default=True,
    metavar="N",
    help="Parallel connections, each through every step.",
)
@click.option("--send", metavar="TEXT", help="Send this text message after the pings.")
@click.option(
    "--expect",
    metavar="TEXT",
    help="The message to receive next (default: the --send text echoed back).",
)
@click.option(
    "--timeout",
    default="10s",
    show_default=True,
    metavar="DURATION",
    help="How long to wait to connect, for a pong, and for the --expect message.",
)
@click.option(
    "-o",
    "--output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Report format.",
)
def probe(
    url: str | None,
    profile: Path | None,
    scheme: str | None,
    connect_to: str | None,
    headers: tuple[str, ...],
    subprotocols: tuple[str, ...],
    insecure: bool,
    ca_file: Path | None,
    pings: int,
    hold: str,
    idle: bool,
    heartbeat: str | None,
    reconnects: int,
    connections: int,
    send: str | None,
    expect: str | None,
    timeout: str,
    output: str,
) -> None:
    """Check a live WebSocket endpoint: handshake, round trips, a hold, reconnects.

    Exit 0 when every expectation holds, 1 when one does not, 2 on a usage error.
    """
    from ingressgen import commands
    from ingressgen.probe.live import Live

    request = commands.ProbeRequest(
        url=url,
        profile=profile,
        scheme=scheme,
        connect_to=connect_to,
        headers=headers,
        subprotocols=subprotocols,
        insecure=insecure,
        ca_file=ca_file,
        pings=pings,
        hold=hold,
        idle=idle,
        heartbeat=heartbeat,
        reconnects=reconnects,
        connections=connections,
        send=send,
        expect=expect,
        timeout=timeout,
        output=output,
    )
    live = Live(sys.stdout, sys.stderr, lines=output == "text", progress=sys.stderr.isatty())
    _emit(commands.probe(request, live))


@cli.command()
@click.argument("name", required=False)
@click.option(
    "--from-service",
    "service_file",
    metavar="FILE|-",
    help="A Service manifest (kubectl get svc NAME -o yaml); '-' reads standard input.",
)
@click.option("--namespace", help="The profile's namespace (default: the Service's).")
@click.option("--port", type=int, help="The Service port (with a Service: which of its ports).")
@click.option("--target-port", help="The container port, number or name (default: the port's).")
@click.option(
    "--selector", multiple=True, metavar="KEY=VALUE", help="A pod label (repeatable; metallb)."
)
@click.option("--protocol", type=click.Choice(["websocket", "http", "grpc", "tcp"]))
@click.option("--exposure", type=click.Choice(["metallb", "cloudflare-tunnel"]))
@click.option("--hostname", help="The public hostname (required for cloudflare-tunnel).")
@click.option("--address-pool", help="The MetalLB IPAddressPool (metallb).")
@click.option("--tunnel", help="The tunnel's name or UUID (cloudflare-tunnel).")
@click.option(
    "--credentials-secret", help="An existing Secret with credentials.json (cloudflare-tunnel)."
)
@click.option(
    "--out",
    "out_file",
    default="-",
    show_default=True,
    metavar="FILE|-",
    help="Write the profile to this new file (never overwritten); '-' prints it.",
)
def init(
    name: str | None,
    service_file: str | None,
    namespace: str | None,
    port: int | None,
    target_port: str | None,
    selector: tuple[str, ...],
    protocol: str | None,
    exposure: str | None,
    hostname: str | None,
    address_pool: str | None,
    tunnel: str | None,
    credentials_secret: str | None,
    out_file: str,
) -> None:
    """Start a profile from a Service manifest or from flags."""
    from ingressgen import commands
    from ingressgen.init_profile import Request

    labels: dict[str, str] = {}
    for item in selector:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InputError(f"--selector {item!r}: expected KEY=VALUE")
        labels[key] = value
    request = Request(
        name=name,
        namespace=namespace,
        port=port,
        target_port=target_port,
        selector=labels,
        protocol=protocol,
        exposure=exposure,
        hostname=hostname,
        address_pool=address_pool,
        tunnel=tunnel,
        credentials_secret=credentials_secret,
    )
    _emit(commands.init(request, service_file, out_file, from_flags_only=name is not None))


def _validator(name: str) -> str:
    """The validator to use: `auto` is a deprecated name of embedded, said once on stderr."""
    if name == "auto":
        click.echo(DEPRECATED_AUTO, err=True)
        return "embedded"
    return name


def _check_version_option(version: str | None) -> None:
    if version is not None and version not in supported_kubernetes_versions():
        raise InputError(
            f"--kubernetes-version {version!r} is not supported; expected one of: "
            + ", ".join(supported_kubernetes_versions())
        )


def main(argv: list[str] | None = None) -> None:
    """Entry point: the one place that maps errors to exit codes."""
    with interrupts.interruptible():
        code = _run(argv)
        late = interrupts.received_after_commit()
        if late is not None:
            click.echo(
                f"note: {late} arrived while the output was being written; the writes were "
                "finished first, so the output is complete",
                err=True,
            )
    sys.exit(code)


def _run(argv: list[str] | None) -> int:
    try:
        returned = cli.main(args=argv, prog_name="ingressgen", standalone_mode=False)
    except SystemExit as finished:
        return finished.code if isinstance(finished.code, int) else 0
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("interrupted: nothing was written", err=True)
        return EXIT_INTERRUPTED
    except click.ClickException as error:
        error.show()
        return 2
    except IngressgenError as error:
        for line in error.lines():
            click.echo(f"error: {terminal_safe(line)}" if line else "error", err=True)
        return error.exit_code
    except Exception:
        if os.environ.get(DEBUG_ENV):
            import traceback

            traceback.print_exc()
        else:
            exc = sys.exc_info()[1]
            click.echo(
                f"internal error: {type(exc).__name__}: {exc}\nThis is a bug in ingressgen; "
                f"run again with {DEBUG_ENV}=1 for a traceback to report.",
                err=True,
            )
        return EXIT_INTERNAL
    return returned if isinstance(returned, int) else 0
