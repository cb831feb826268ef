"""Ctrl-C and SIGTERM (a cancelled CI job): when they stop a run, and when they must wait.

While a command runs, both raise KeyboardInterrupt (exit 130), so a run interrupted before it
writes anything stops at once and cleans up. Once the output is committed (see output/journal.py)
stopping half-way would leave out/ between two states, so from then on a signal is only
remembered: the writes finish, and the run reports that it was interrupted but finished first.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _State:
    installed = False
    holding = False  # signals are remembered, not raised
    committed = False  # holding for the rest of the command
    received: int | None = None


_state = _State()


@contextmanager
def interruptible() -> Iterator[None]:
    """For a command's lifetime: SIGINT and SIGTERM raise KeyboardInterrupt unless held.

    Signal handlers belong to the main thread; elsewhere this changes nothing.
    """
    if threading.current_thread() is not threading.main_thread() or _state.installed:
        yield
        return
    previous = {number: signal.getsignal(number) for number in _SIGNALS}
    for number in _SIGNALS:
        signal.signal(number, _on_signal)
    _state.installed, _state.holding, _state.committed, _state.received = True, False, False, None
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        _state.installed = _state.holding = False


@contextmanager
def held() -> Iterator[None]:
    """Signals wait until the block ends, then interrupt (unless the output was committed)."""
    if _state.holding or not _state.installed:
        yield
        return
    _state.holding = True
    try:
        yield
    finally:
        _state.holding = _state.committed
        if _state.received is not None and not _state.committed:
            raise KeyboardInterrupt


def commit() -> None:
    """The point of no return: from now on a signal waits for the command to finish."""
    if _state.installed:
        _state.holding = _state.committed = True


def committed() -> bool:
    """Whether the last command committed its output (this stays true after it returned)."""
    return _state.committed


def received_after_commit() -> str | None:
    """The name of a signal that arrived after the commit and was held, if any."""
    if _state.committed and _state.received is not None:
        return signal.Signals(_state.received).name
    return None


def _on_signal(number: int, frame: FrameType | None) -> None:
    _state.received = number
    if not _state.holding:
        raise KeyboardInterrupt
