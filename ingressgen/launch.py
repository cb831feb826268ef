"""The `ingressgen` command's entry point: starts `validate`'s second process before anything
else is imported (see validation/worker.py), hands over to the command line, and leaves without
the interpreter's tear-down."""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
from typing import Any


def main() -> None:
    # A cancelled CI job sends SIGTERM: treat it as Ctrl-C from the first instant, so a run stopped
    # before it writes anything exits 130 like one interrupted later (see interrupts.py).
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    # Whatever pydantic plugins happen to be installed beside ingressgen may not watch or change
    # how profiles are validated, and finding them scans every installed package's entry points
    # when the first model is built (5-7 ms of every start). A user who sets it keeps theirs.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    early_worker = sys.argv[1:2] == ["validate"] and _may_need_worker(sys.argv[2:])
    early_reader = sys.argv[1:2] == ["render"] and _may_read_profiles(sys.argv[2:])
    if sys.argv[1:2] == ["render"]:
        # A render builds millions of short-lived objects and no reference cycle worth
        # collecting: with the collector off, 5,000 profiles peak at the same RSS (163.2 MiB
        # against 163.1 MiB) and finish 12% sooner (2.10 s against 2.39 s; with the default
        # thresholds it took 10-15% of a 1,000-profile run). Reference counting still frees
        # everything else as it goes; the process ends within seconds.
        gc.disable()
    try:
        if early_worker:
            from ingressgen.validation.worker import start_early

            start_early(_prepare_validation_worker)
        elif early_reader:
            from ingressgen.prefetch import start_early as start_reading

            start_reading(sys.argv[2:])
        from ingressgen.cli import main as command_line

        command_line()
        code = 0
    except SystemExit as finished:
        code = _exit_code(finished.code)
    except KeyboardInterrupt:
        code = _interrupted_outside_the_command()
    # A run that ended before it could use or dismiss its worker (a usage error, --help): stop
    # it now rather than let it hold the streams a caller may be waiting on.
    if early_worker:
        from ingressgen.validation.worker import dismiss_early

        dismiss_early()
    if early_reader:
        from ingressgen.prefetch import dismiss_early as stop_reading

        stop_reading()
    # Tearing the interpreter down frees every object of the run one by one: about 40 ms
    # after `validate` has read 2,000 manifests, for nothing. Every file a command writes is
    # closed by now; only the standard streams hold buffered output.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError):  # the reader has gone (`| head`)
            stream.flush()
    os._exit(code)


def _exit_code(code: Any) -> int:
    if code is None or isinstance(code, int):
        return code or 0
    print(code, file=sys.stderr)
    return 1


def _interrupted_outside_the_command() -> int:
    """A signal while starting (before the command could handle it) or in the last instants
    after it finished: only in the second case can the output have been written."""
    from ingressgen import interrupts

    if interrupts.committed():
        return 0
    print("interrupted: nothing was written", file=sys.stderr)
    return 130


def _prepare_validation_worker() -> Any:
    """Runs in the worker: everything it imports is imported while this process reads the
    command line."""
    from ingressgen.validation.manifests import prepare_worker

    return prepare_worker()


def _may_read_profiles(arguments: list[str]) -> bool:
    from ingressgen.prefetch import may_help

    return may_help(arguments)


def _may_need_worker(arguments: list[str]) -> bool:
    """Whether `validate` may share its work; a wrong guess costs one dismissed process."""
    return not {"-", "-h", "--help", "kubeconform", "--validator=kubeconform"} & set(arguments)
