"""Output while the probe runs: result lines as each phase ends, and on a terminal a progress
line that rewrites itself (on stderr, so stdout stays plain lines for a pipe or a file)."""

from __future__ import annotations

from typing import TextIO

_CLEAR = "\r\x1b[K"


class Live:
    def __init__(self, out: TextIO, err: TextIO, *, lines: bool, progress: bool) -> None:
        """`lines`: print result lines as they come (text output); `progress`: keep a progress
        line on `err` (a terminal)."""
        self._out, self._err = out, err
        self._lines, self._progress = lines, progress
        self._shown = False

    def line(self, text: str) -> None:
        if not self._lines:
            return
        self.clear()
        self._out.write(text + "\n")
        self._out.flush()

    def status(self, text: str) -> None:
        if not self._progress:
            return
        self._err.write(f"{_CLEAR}{text}")
        self._err.flush()
        self._shown = True

    def clear(self) -> None:
        if self._shown:
            self._err.write(_CLEAR)
            self._err.flush()
            self._shown = False
