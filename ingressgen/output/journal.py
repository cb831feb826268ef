"""The journal: how a run changes out/ so that no interruption can leave it half-written.

A run that changes anything writes the journal first (state "staged": the temporary files and
folders it is about to create), then every new file under a temporary name in its own folder,
then the journal again (state "committed": the renames and removals to carry out), then carries
them out and deletes the journal. The rename of the committed journal is the point of no return:
  - interrupted before it, the run's temporary files and new folders are removed and out/ is as
    it was (the next run does this after a crash);
  - after it, the renames are finished (the next run does this after a crash: roll forward).
Each generated file is thus always either its old or its new content, and the record is renamed
last, so it never lists a file that is not in place.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ingressgen import interrupts
from ingressgen.output.folders import Blocked, OutFolder, inside

JOURNAL_NAME = ".ingressgen-journal"
_JOURNAL_DRAFT = JOURNAL_NAME + ".new"
_VERSION = 1
STAGED, COMMITTED = "staged", "committed"


class JournalError(Exception):
    """The journal cannot be read or carried out; the message says what to do."""


@dataclass(frozen=True)
class Journal:
    state: str
    folders: tuple[str, ...]  # folders this run creates, parents first
    renames: tuple[tuple[str, str], ...]  # (temporary file, generated file), one folder each
    removes: tuple[tuple[str, str], ...]  # (generated file, sha256 of the bytes it must have)

    def committed(self) -> Journal:
        return Journal(COMMITTED, self.folders, self.renames, self.removes)

    def to_bytes(self) -> bytes:
        document = {
            "folders": list(self.folders),
            "removes": [list(pair) for pair in self.removes],
            "renames": [list(pair) for pair in self.renames],
            "state": self.state,
            "version": _VERSION,
        }
        # Compact: the indented form goes through json's pure-Python encoder, which took 5 ms
        # for each of the two journals of a 1,000-profile run. It exists only while a run writes.
        return (json.dumps(document, separators=(",", ":"), sort_keys=True) + "\n").encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Journal:
        try:
            document = json.loads(data)
            state = document["state"]
            if document["version"] != _VERSION or state not in (STAGED, COMMITTED):
                raise ValueError("unknown version or state")
            return cls(
                state,
                tuple(_strings(document["folders"])),
                tuple(_pair(item) for item in document["renames"]),
                tuple(_pair(item) for item in document["removes"]),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise JournalError(
                f"{JOURNAL_NAME} is not a journal this ingressgen can read ({exc}); it was left by "
                "an interrupted render of another version: render with that version, or restore "
                "out/ from version control and delete the journal"
            ) from None


def plan_journal(
    token: str,
    writes: Mapping[str, bytes],
    removes: Mapping[str, bytes],
    missing_folders: Sequence[str],
) -> Journal:
    """The journal for writing `writes` and removing `removes` (their current bytes)."""
    from ingressgen.output.record import RECORD_NAME

    # The record goes last: until it is in place it still describes the files of the last run.
    order = sorted(writes, key=lambda path: (path == RECORD_NAME, path))
    renames = tuple((temporary_name(path, token), path) for path in order)
    gone = tuple((path, digest(data)) for path, data in sorted(removes.items()))
    return Journal(STAGED, tuple(missing_folders), renames, gone)


def temporary_name(path: str, token: str) -> str:
    """A hidden name beside `path` that no manifest reader takes for YAML (no .yaml ending)."""
    folder, name = posixpath.split(path)
    return posixpath.join(folder, f".{name}.{token}.ingressgen-tmp")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_journal(out: OutFolder) -> Journal | None:
    data = out.read(JOURNAL_NAME)
    return None if data is None else Journal.from_bytes(data)


def unfinished(out: OutFolder) -> bool:
    """Whether an interrupted run left a journal (or the draft of one) behind."""
    return out.entry(JOURNAL_NAME) != "missing" or out.entry(_JOURNAL_DRAFT) != "missing"


def save(out: OutFolder, journal: Journal) -> None:
    """Replace the journal in one step: a crash leaves the old journal or the new, never half."""
    out.unlink(_JOURNAL_DRAFT)
    out.write_new(_JOURNAL_DRAFT, journal.to_bytes())
    out.rename(_JOURNAL_DRAFT, JOURNAL_NAME)


# Files are written by this thread until the first PROBE_FILES show that creating one costs
# more than SLOW_FILE seconds: then the rest go to writer threads (writers.py), which overlap
# the kernel's part on every core. That happens on ext4 without a journal right after a large
# delete (about a millisecond a file); elsewhere a file takes 10-20 us, and writer threads would
# only add GIL hand-offs (about 20 ms for 1,000 files on tmpfs).
PROBE_FILES = 32
SLOW_FILE = 0.0002


def stage(out: OutFolder, journal: Journal, writes: Mapping[str, bytes]) -> None:
    """Create the run's folders and write every new file under its temporary name.

    Each folder is created just before its files. Nothing is left running when this returns or
    raises: undoing a staged run must see every file it made."""
    pending = set(journal.folders)
    by_folder: dict[str, list[tuple[str, bytes]]] = {}
    for temporary, path in journal.renames:
        by_folder.setdefault(posixpath.dirname(temporary), []).append((temporary, writes[path]))
    folders = list(by_folder.items())
    started, written = time.perf_counter(), 0
    for index, (folder, files) in enumerate(folders):
        if written >= PROBE_FILES and time.perf_counter() - started >= SLOW_FILE * written:
            _stage_with_threads(out, folders[index:], pending)
            break
        _create_pending(out, folder, pending)
        for rel, data in files:
            out.write_new(rel, data)
        written += len(files)
    for folder in journal.folders:  # every one holds a write, so none is left; to be sure
        if folder in pending:
            out.folder(folder, create=True)


def _stage_with_threads(
    out: OutFolder, folders: Sequence[tuple[str, list[tuple[str, bytes]]]], pending: set[str]
) -> None:
    from ingressgen.output.writers import Writers

    # Every folder first: while the writers run, this thread only waits (see writers.py).
    for folder, _ in folders:
        _create_pending(out, folder, pending)
    writers = Writers(out)
    try:
        for folder, files in folders:
            writers.write(folder, files)
        writers.finish()
    except BaseException:
        with interrupts.held():
            writers.abandon()
        raise


def _create_pending(out: OutFolder, folder: str, pending: set[str]) -> None:
    """Create the folders of the run that lead to `folder`, parents first."""
    if not pending or not folder:
        return
    parts = folder.split("/")
    for depth in range(1, len(parts) + 1):
        prefix = "/".join(parts[:depth])
        if prefix in pending:
            out.folder(prefix, create=True)
            pending.discard(prefix)


def discard(out: OutFolder, journal: Journal) -> None:
    """Undo a staged run: its temporary files and the folders it created (when empty)."""
    for temporary, _ in journal.renames:
        out.unlink(temporary)
    for folder in reversed(journal.folders):
        out.remove_empty_folders(folder)
    out.unlink(JOURNAL_NAME)
    out.unlink(_JOURNAL_DRAFT)


def complete(out: OutFolder, journal: Journal) -> list[str]:
    """Carry out a committed journal; safe to repeat. Returns notes on files left alone."""
    notes: list[str] = []
    for temporary, path in journal.renames:
        try:
            out.rename(temporary, path)
        except FileNotFoundError:
            if out.entry(temporary) == "missing" and out.entry(path) == "file":
                continue  # renamed by the run that was interrupted
            raise JournalError(f"{path}: its new content is missing; render again") from None
        except (IsADirectoryError, NotADirectoryError, Blocked):
            raise JournalError(
                f"{path}: something that is not a generated file now stands in its place; move "
                "it away and render again to finish writing"
            ) from None
    emptied: set[str] = set()
    for path, expected in journal.removes:
        current = out.read(path)
        if current is None:
            continue
        if digest(current) != expected:
            notes.append(f"{path} changed after it was planned for removal: left in place")
            continue
        out.unlink(path)
        emptied.add(posixpath.dirname(path))
    # Deepest first, so a parent is tried only after its children are gone.
    for folder in sorted(emptied, key=lambda rel: (-rel.count("/"), rel)):
        out.remove_empty_folders(folder)
    out.unlink(JOURNAL_NAME)
    return notes


def _strings(value: object) -> list[str]:
    """Paths below out/: a journal edited to climb out of it is refused."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TypeError("expected a list of strings")
    if not all(inside(item) for item in value):
        raise ValueError("a path outside out/")
    return value


def _pair(value: object) -> tuple[str, str]:
    items = _strings(value)
    if len(items) != 2:
        raise TypeError("expected a pair")
    return items[0], items[1]


def recover(out: OutFolder) -> list[str]:
    """Finish or undo what an interrupted run left; notes say which."""
    journal = read_journal(out)
    if journal is None:
        out.unlink(_JOURNAL_DRAFT)  # a journal that was never put in place: nothing else began
        return []
    if journal.state == STAGED:
        discard(out, journal)
        return ["removed what an interrupted render had staged; out/ had not been changed"]
    notes = complete(out, journal)
    return ["finished writing the render that was interrupted while it wrote out/", *notes]
