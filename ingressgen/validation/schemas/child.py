"""Running kubeconform as an untrusted child: bounded in time and in output, never left behind.

The binary is whatever $KUBECONFORM or PATH names, so it is treated like input: it may hang,
spawn children of its own, or print without end. It runs in a session (and process group) of
its own, so one `killpg` stops it and everything it started, whether it ran out of time, printed
more than we read, or this run was interrupted (Ctrl-C and SIGTERM raise KeyboardInterrupt here,
see interrupts.py, and the `finally` below kills the group before the interrupt goes on).
Its output is read as it comes, with a cap, rather than collected whole by `communicate()`.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import time
from collections.abc import Sequence
from typing import NamedTuple

from ingressgen.errors import InputError

DEFAULT_TIMEOUT_SECONDS = 120.0
STDOUT_LIMIT = 64 * 1024 * 1024  # far above the report of a large repository (about 300 B/object)
STDERR_KEPT = 64 * 1024  # stderr only explains a failure: its start is enough
_CHUNK = 1024 * 1024
_EXIT_POLL_SECONDS = 0.01


class Finished(NamedTuple):
    returncode: int
    stdout: bytes
    stderr: bytes


def run_bounded(
    argv: Sequence[str],
    *,
    timeout: float,
    stdout_limit: int = STDOUT_LIMIT,
) -> Finished:
    """Run `argv` to completion within `timeout` seconds and `stdout_limit` bytes of stdout.

    Either bound exceeded is an InputError (exit 2) naming kubeconform; the process group is
    killed on every way out of this function.
    """
    label = f"kubeconform ({argv[0]})"
    deadline = time.monotonic() + timeout
    process: subprocess.Popen[bytes] | None = None
    try:
        # Started inside the try: an interrupt right after the start still kills the group.
        process = _start(argv, label)
        stdout, stderr = _read_both(process, deadline, timeout, stdout_limit, label)
        _wait_for_exit(process, deadline, timeout, label)
    finally:
        if process is not None:
            _kill_group(process)
    return Finished(process.returncode, stdout, stderr)


def _start(argv: Sequence[str], label: str) -> subprocess.Popen[bytes]:
    try:
        return subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as error:
        raise InputError(f"{label} could not be run: {error}") from None


def _read_both(
    process: subprocess.Popen[bytes], deadline: float, timeout: float, limit: int, label: str
) -> tuple[bytes, bytes]:
    assert process.stdout is not None and process.stderr is not None
    stdout, stderr = bytearray(), bytearray()
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ, stdout)
        selector.register(process.stderr, selectors.EVENT_READ, stderr)
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _timed_out(label, timeout)
            for key, _ in selector.select(remaining):
                chunk = os.read(key.fd, _CHUNK)
                if not chunk:
                    selector.unregister(key.fileobj)
                    continue
                buffer: bytearray = key.data
                if buffer is stdout:
                    buffer += chunk
                    if len(buffer) > limit:
                        raise InputError(
                            f"{label} printed more than {limit // (1024 * 1024)} MiB "
                            "on its standard output; it was stopped (a kubeconform report is "
                            "far smaller: is $KUBECONFORM the kubeconform binary?)"
                        )
                elif len(buffer) < STDERR_KEPT:  # read the rest too, so the child never blocks
                    buffer += chunk[: STDERR_KEPT - len(buffer)]
    return bytes(stdout), bytes(stderr)


def _wait_for_exit(
    process: subprocess.Popen[bytes], deadline: float, timeout: float, label: str
) -> None:
    """Wait for the child to exit without reaping it: while it is a zombie its process group
    id cannot be reused, so the `killpg` that follows cannot reach an unrelated group."""
    while True:
        state = os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        if state is not None:
            return
        if time.monotonic() >= deadline:
            raise _timed_out(label, timeout)
        time.sleep(_EXIT_POLL_SECONDS)


def _timed_out(label: str, timeout: float) -> InputError:
    return InputError(
        f"{label} did not finish within {timeout:g} s (--kubeconform-timeout); it was stopped "
        "with everything it started"
    )


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill the child's process group (whatever it left running), then reap the child."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()
    process.wait()
