"""The second process that shares a large `validate` run, started as early as possible.

Reading and checking manifests holds the GIL, so a large batch is shared with one forked worker
(kubeconform does the same with its `-n` goroutines). Forked once the files are known, the worker
would start only after this process had imported click, and would then spend as long again
importing jsonschema-rs, the rules and yaml-rs: together about half of a run on the benchmark
corpus. So the entry point forks it first when the command is `validate` (`start_early`): it
imports the checking modules while this process is still reading the command line, then waits
for a job. A run that does not need it (few files, standard input, kubeconform) dismisses it; a
run without an early worker (`python -m ingressgen`, tests) forks one when it needs it.

The job travels as marshal data through a pipe. The files are cut into chunks whose numbers wait
in a second pipe: each process takes the next number when it is free, so both finish together
whatever the files cost. A read of a few bytes from a pipe is atomic: no chunk is taken twice.
The worker sends back plain data through a third pipe; nothing depends on which process checked
a file.
"""

from __future__ import annotations

import marshal
import os
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any

# The worker's side of a job: (job, chunk numbers to take) -> plain results.
Serve = Callable[[Any, Iterator[int]], Any]

_NUMBER_BYTES = 4
_CLOSED = -1
MAX_CHUNKS = 1024  # their numbers fit in one pipe buffer (4 KiB), so writing them never blocks


def usable_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def can_fork() -> bool:
    # Forking a threaded process can deadlock the child (a lock held by another thread).
    return hasattr(os, "fork") and usable_cpus() > 1 and threading.active_count() == 1


class Worker:
    """A forked process that takes chunks of a job until none are left, then sends its results."""

    def __init__(self, serve: Callable[[], Serve]) -> None:
        """`serve` runs in the worker, before it waits for the job: it imports what the job
        needs and returns the function that does it."""
        self._job_read, self._job_write = os.pipe()
        self._queue_read, self._queue_write = os.pipe()
        self._result_read, self._result_write = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            self._serve(serve)  # never returns
        os.close(self._job_read)
        os.close(self._result_write)
        self._done = False

    def submit(self, job: Any, chunks: int) -> None:
        """Hand the worker its job: `chunks` chunk numbers, taken by whichever process is free."""
        if chunks > MAX_CHUNKS:
            raise ValueError(f"at most {MAX_CHUNKS} chunks, not {chunks}")
        numbers = b"".join(n.to_bytes(_NUMBER_BYTES, "little") for n in range(chunks))
        os.write(self._queue_write, numbers)
        self._close("_queue_write")
        job_write, self._job_write = self._job_write, _CLOSED
        with os.fdopen(job_write, "wb") as sink:  # blocks only for a job over 64 KiB
            sink.write(marshal.dumps(job))

    def taken(self) -> Iterator[int]:
        """The chunk numbers this process takes, one at a time, until none are left."""
        while number := os.read(self._queue_read, _NUMBER_BYTES):
            yield int.from_bytes(number, "little")

    def results(self) -> Any:
        """What the worker's `serve` returned, once it has finished."""
        result_read, self._result_read = self._result_read, _CLOSED
        with os.fdopen(result_read, "rb") as source:
            payload = source.read()
        self._finish()
        if not payload.startswith(b"ok"):
            from ingressgen.errors import InternalError

            detail = payload[2:].decode(errors="replace") or "it exited without a result"
            raise InternalError(
                f"the validation worker failed; this is a bug in ingressgen:\n{detail}"
            )
        return marshal.loads(payload[2:])

    def dismiss(self) -> None:
        """Stop the worker, whatever it is doing: the run does not need it (or has failed)."""
        if not self._done:
            os.kill(self.pid, signal.SIGKILL)
            self._finish()

    def _finish(self) -> None:
        for name in ("_job_write", "_queue_write", "_queue_read", "_result_read"):
            self._close(name)
        os.waitpid(self.pid, 0)
        self._done = True

    def _close(self, name: str) -> None:
        """Close a pipe end once: its number may be reused by the next open file."""
        descriptor = getattr(self, name)
        if descriptor != _CLOSED:
            setattr(self, name, _CLOSED)
            os.close(descriptor)

    def _serve(self, prepare: Callable[[], Serve]) -> None:
        """The worker process: import, wait for the job, do chunks, send results, leave without
        running any of the parent's clean-up (atexit handlers, buffered output)."""
        payload = b""
        try:
            for number in (signal.SIGINT, signal.SIGTERM):
                signal.signal(number, signal.SIG_DFL)  # a signal stops it quietly
            os.close(self._job_write)
            os.close(self._queue_write)
            os.close(self._result_read)
            # The parent's output must not stay open here: a caller reading it until end of
            # file would otherwise wait for this process too.
            null = os.open(os.devnull, os.O_RDWR)
            for standard in (0, 1, 2):
                os.dup2(null, standard)
            serve = prepare()
            with os.fdopen(self._job_read, "rb") as source:
                job = source.read()
            if job:  # no job: dismissed
                payload = b"ok" + marshal.dumps(serve(marshal.loads(job), self.taken()))
        except BaseException:
            import traceback

            payload = b"!!" + traceback.format_exc().encode()
        finally:
            try:
                if payload:
                    with os.fdopen(self._result_write, "wb") as sink:
                        sink.write(payload)
            finally:
                os._exit(0)


_early: Worker | None = None


def start_early(serve: Callable[[], Serve]) -> None:
    """Fork the worker now, before the command line is read (see the module's docstring)."""
    global _early
    if _early is None and can_fork():
        _early = Worker(serve)


def take_early() -> Worker | None:
    """The worker started early, if any; the caller now owns it."""
    global _early
    worker, _early = _early, None
    return worker


def dismiss_early() -> None:
    worker = take_early()
    if worker is not None:
        worker.dismiss()
