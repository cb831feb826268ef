"""Threads that write a run's staged files once creating files proves slow (journal.stage).

Creating a file is mostly the kernel's work, done without the GIL. On ext4 without a journal
(these machines' disk) it also scans past every inode freed in the last minutes: after a large
delete (`rm -rf out`, a test suite's temporary folders) a new file can cost a millisecond of
kernel time, which threads overlap on every core. Elsewhere (10-20 us a file) they only add GIL
hand-offs, so journal.stage turns to them only once its first files prove slow. Rendering 1,000
profiles into an empty out/ (medians of 8 alternating runs): on this disk right after 3,000
deletions, 0.70 s in one thread, 0.61 s turning to threads when slow, 0.57 s with threads from
the start; on tmpfs, 0.489 s, 0.485 s and 0.511 s. The folders are created first, by the
calling thread, which then only waits (working beside the writers made them wait for the GIL).

Each folder's files are written by one thread through a handle of that folder which the thread
owns and closes: out/'s cached handles (folders.py) belong to the calling thread alone.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from ingressgen.output.folders import OutFolder


class Writers:
    """Write each handed-over folder's files in a thread; see the module docstring."""

    THREADS = 4
    FOLDERS_AT_ONCE = 64  # folders handed over and not yet written, each holding a handle

    def __init__(self, out: OutFolder) -> None:
        self._out = out
        self._pool = ThreadPoolExecutor(self.THREADS, thread_name_prefix="ingressgen-stage")
        self._slots = threading.BoundedSemaphore(self.FOLDERS_AT_ONCE)
        self._handed: dict[Future[None], int] = {}
        self._failures: list[BaseException] = []  # appended to by the writers

    def write(self, folder: str, files: list[tuple[str, bytes]]) -> None:
        """Hand over the new files of `folder` (which exists). Raises what a writer met on an
        earlier folder, so that a failure stops the run before more is written."""
        if self._failures:
            raise self._failures[0]
        self._slots.acquire()
        try:
            handle = self._out.own_handle(folder)
        except BaseException:
            self._slots.release()
            raise
        future = self._pool.submit(self._write_folder, handle, files)
        self._handed[future] = handle

    def finish(self) -> None:
        """Wait for every file; raise the first failure in the order the folders came."""
        for future in list(self._handed):
            future.result()
        self._pool.shutdown()

    def abandon(self) -> None:
        """Stop after a failure or an interrupt: folders not yet begun are dropped, the ones
        being written are waited for, so that nothing writes after this returns."""
        for future, handle in self._handed.items():
            if future.cancel():
                os.close(handle)
                self._slots.release()
        self._pool.shutdown(wait=True)

    def _write_folder(self, handle: int, files: list[tuple[str, bytes]]) -> None:
        try:
            for rel, data in files:
                self._out.write_new(rel, data, handle)
        except BaseException as failure:
            self._failures.append(failure)  # list.append is atomic: no lock needed
            raise
        finally:
            os.close(handle)
            self._slots.release()
