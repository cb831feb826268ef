"""`--out` values that would make ingressgen write where it must not, refused before any work.

An unset variable in CI (`--out "$OUT_DIR"`), `.` or the home folder would put generated files,
the record and the journal among a user's own files; a folder that holds the profiles would have
its output read back as profiles on the next run.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from ingressgen.errors import InputError


def checked_out_folder(out: str, profile_paths: Sequence[Path]) -> Path:
    """`out` as a Path, or InputError (exit 2) saying why it is refused."""
    if not out.strip():
        _refuse(out, "it is empty (an unset variable?): name the output folder, e.g. --out out")
    physical = Path(os.path.realpath(out))
    if physical == Path(physical.anchor):
        _refuse(out, "it is the root of the file system")
    working = Path(os.path.realpath(os.getcwd()))
    if physical == working:
        _refuse(out, "it is the working directory itself: name a folder inside it, e.g. --out out")
    if physical in working.parents:
        _refuse(out, f"it holds the working directory ({working})")
    home = Path(os.path.realpath(os.path.expanduser("~")))
    if physical == home or physical in home.parents:
        _refuse(out, f"it is or holds the home folder ({home})")
    for path in profile_paths:
        given = Path(os.path.realpath(path))
        if given == physical or physical in given.parents:
            _refuse(out, f"it holds the profiles being rendered ({path}): choose another folder")
    return Path(out)


def _refuse(out: str, reason: str) -> None:
    raise InputError(f"--out {out!r} is refused: {reason}")
