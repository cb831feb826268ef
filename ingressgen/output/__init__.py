"""The output folder: the only package that reads or writes `out/`.

A run becomes a plan (planning.py: the bytes to write, the generated files to prune, the new
record), checked against what is on disk before anything is touched. Applying it writes each file
under a temporary name in its own folder and renames it into place, following a journal
(journal.py), through folder handles that never follow a link (folders.py). Nothing else in
`out/` is read, copied, moved or re-owned, and `out/` itself is never replaced.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ingressgen import interrupts
from ingressgen.errors import InputError, Location, Problem
from ingressgen.output import journal
from ingressgen.output.folders import Blocked, NotAFolder, OutFolder
from ingressgen.output.planning import (
    Drift,
    GeneratedFile,
    OutputPlan,
    RunScope,
    plan,
    read_record,
)
from ingressgen.output.record import (
    KUSTOMIZATION,
    RECORD_NAME,
    Record,
    file_header,
    source_comment,
)

__all__ = [
    "KUSTOMIZATION",
    "RECORD_NAME",
    "Applied",
    "Drift",
    "GeneratedFile",
    "OutputPlan",
    "RunScope",
    "apply_output",
    "check_output",
    "file_header",
    "plan_output",
    "recorded_sources",
    "source_comment",
    "write_output",
]


@dataclass(frozen=True)
class Applied:
    changed: bool  # something on disk changed
    notes: tuple[str, ...]  # repairs: an interrupted run finished, a deleted file dropped


def plan_output(out_dir: Path, files: Sequence[GeneratedFile], scope: RunScope) -> OutputPlan:
    """What rendering `files` into `out_dir` would do; reads the disk, writes nothing."""
    with _reading(out_dir) as out:
        return plan(out_dir, out, files, scope)


def check_output(output_plan: OutputPlan) -> Drift:
    """What a render would change under `--check`: changed, missing, extra, unfinished."""
    return output_plan.drift


def recorded_sources(out_dir: Path) -> Record:
    """The record of the last run: every generated file (out-relative) and its profile ids."""
    with _reading(out_dir) as out:
        if out is None:
            return {}
        return read_record(out_dir, out)


def apply_output(output_plan: OutputPlan, *, adopt: bool = False) -> Applied:
    """Carry out the plan, planned again under an exclusive lock; see the module docstring.

    `adopt`: a first render may write into a folder that already holds other files.
    """
    return write_output(output_plan.out_dir, output_plan.files, output_plan.scope, adopt=adopt)


def write_output(
    out_dir: Path, files: Sequence[GeneratedFile], scope: RunScope, *, adopt: bool = False
) -> Applied:
    """Plan `files` under an exclusive lock and carry that plan out: what `render` does. No plan
    made beforehand is needed, since only this one, made under the lock, is ever written (a
    plan made before would read every file of out/ once more for nothing)."""
    created = not os.path.lexists(out_dir)
    with _errors(out_dir, "write"), OutFolder.created(out_dir) as out:
        try:
            out.lock(fcntl.LOCK_EX)
            with interrupts.held():
                notes = journal.recover(out)
            # Plan again: another run may have written since the caller planned, and writing a
            # stale plan would undo its work.
            fresh = plan(out_dir, out, files, scope)
            notes.extend(fresh.notes)
            if fresh.changes and not (fresh.has_record or adopt):
                _refuse_foreign_folder(out_dir, out)
            if fresh.changes:
                notes.extend(_write(out, fresh))
        except BaseException:
            if created:
                _remove_if_empty(out_dir)
            raise
        if created and not fresh.changes:
            _remove_if_empty(out_dir)
        return Applied(fresh.changes, tuple(notes))


def _write(out: OutFolder, fresh: OutputPlan) -> list[str]:
    steps = journal.plan_journal(
        secrets.token_hex(6), fresh.writes, fresh.removes, fresh.new_folders
    )
    try:
        journal.save(out, steps)
        journal.stage(out, steps, fresh.writes)
        # From here on a signal waits: out/ must not be left between its old and new state.
        interrupts.commit()
        journal.save(out, steps.committed())
    except BaseException:
        with interrupts.held():
            journal.discard(out, steps)
        raise
    return journal.complete(out, steps)


def _refuse_foreign_folder(out_dir: Path, out: OutFolder) -> None:
    names = sorted(out.top_level())
    if not names:
        return
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    message = (
        f"it already holds files ingressgen did not generate ({shown}) and no record of a "
        "render: choose an empty or new folder, or pass --adopt to render beside them (they are "
        "never modified or deleted)"
    )
    raise InputError(problems=[Problem(Location(out_dir.as_posix()), message)])


def _remove_if_empty(out_dir: Path) -> None:
    # Not empty, or gone: either way nothing of ours is left.
    with contextlib.suppress(OSError):
        os.rmdir(os.path.realpath(out_dir))


@contextmanager
def _reading(out_dir: Path) -> Iterator[OutFolder | None]:
    """out/ opened for planning, under a shared lock, so a concurrent write is seen whole."""
    with _errors(out_dir, "read"):
        out = OutFolder.existing(out_dir)
        if out is None:
            yield None
            return
        with out:
            out.lock(fcntl.LOCK_SH)
            yield out


@contextmanager
def _errors(out_dir: Path, verb: str) -> Iterator[None]:
    try:
        yield
    except NotAFolder:
        message = "the output must be a folder"
        raise InputError(problems=[Problem(Location(out_dir.as_posix()), message)]) from None
    except journal.JournalError as exc:
        shown = f"{out_dir.as_posix().rstrip('/')}/{journal.JOURNAL_NAME}"
        raise InputError(problems=[Problem(Location(shown), str(exc))]) from None
    except Blocked as exc:
        message = "a link or a file stands where a folder must be: move it and render again"
        shown = f"{out_dir.as_posix().rstrip('/')}/{exc.rel}"
        raise InputError(problems=[Problem(Location(shown), message)]) from None
    except OSError as exc:
        message = f"could not {verb} the output folder: {exc}"
        raise InputError(problems=[Problem(Location(out_dir.as_posix()), message)]) from None
