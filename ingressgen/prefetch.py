"""`render`'s second process: it reads the profiles while the first one imports.

A render of 1,000 profiles spends about a quarter of a second importing pydantic, Jinja, click
and the targets before it reads its first profile, on one core of two. So the entry point forks
a worker first when the command is `render` (validation/worker.py's early worker): it guesses
the profile files from the command line, reads each, parses it through `fast_profiles.py` and
composes its positions through `fast_positions.py` (about 0.13 s for 1,000 profiles, done
before the first process has finished importing), and hands back every text with what it
found. Everything else (the sandbox, the targets, the rendered objects, out/) stays in the
first process: the rest of a render is shared state that would cost more to send than to
compute.

The worker's answer is only ever a shortcut. `loading.py` reads each file itself, as always, and
takes the worker's values only for a text equal, character for character, to the one it read:
those values are what `read_profile_documents` and `skeletons` return for that text, pure
functions of it. A wrong guess (a folder that is an option's value, a file changed in between)
costs a parse, never a different result; every error and note is found and located by the
first process alone, in its own order. The worker writes nothing, so an interrupt leaves out/
as it was.
"""

from __future__ import annotations

import functools
import itertools
import marshal
import os
import stat
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ingressgen.validation.worker import Worker

# From how many profile files the worker's reading is used: the first process reads fewer
# than this through PyYAML (FAST_READING_FROM in loading.py), and for a few profiles the
# worker's answer would save less than waiting for it costs.
PREFETCH_FROM = 20
# The options of `render` that take a value: what follows them is not a path to read.
# (tests/test_prefetch.py keeps this in step with cli.py.)
VALUE_OPTIONS = frozenset(
    {
        "--out",
        "--exposure",
        "--kubernetes-version",
        "--validator",
        "-o",
        "--output",
        "--crd",
        "--schema-location",
        "--skip-kind",
        "--kubeconform-timeout",
        "--fail-on",
        "--ignore",
        "--templates",
    }
)
_SUFFIXES = (".yaml", ".yml")
_MAX_BYTES = 1024 * 1024  # profile_files.MAX_PROFILE_BYTES; a larger file is refused there

# What the worker hands back: absolute path -> (text, its documents as read_profile_documents
# returns them, their positions as fast_positions.skeletons returns them; None where either
# could not be sure).
Prefetched = dict[str, tuple[str, list[Any] | None, list[Any] | None]]


def may_help(arguments: list[str]) -> bool:
    """Whether `render ARGUMENTS` names enough profile files to be worth a worker (it stops
    counting at PREFETCH_FROM, so a large folder costs only its first names); a wrong guess
    costs one dismissed process, or a parse in the first process."""
    if {"-h", "--help"} & set(arguments):
        return False
    found = (file for path in guessed_paths(arguments) for file in _profile_files(path))
    return len(list(itertools.islice(found, PREFETCH_FROM))) == PREFETCH_FROM


def guessed_paths(arguments: list[str]) -> Iterator[str]:
    """The command line's arguments that are not options nor their values."""
    skip_next = False
    for argument in arguments:
        if skip_next:
            skip_next = False
        elif argument == "--":
            continue
        elif argument.startswith("-"):
            skip_next = argument in VALUE_OPTIONS
        else:
            yield argument


def prepare(arguments: list[str], store: int | None = None) -> Any:
    """Runs in the worker as soon as it is forked: the reading is done before the job (none)
    arrives, so the worker is finished by the time the first process asks.

    `store`: an in-memory file shared with the first process, where the answer is left before
    anyone asks; the reply through the pipe is then only its size (see `_answer_store`)."""
    files = [file for path in guessed_paths(arguments) for file in _profile_files(path)]
    found: Prefetched = {}
    if len(files) >= PREFETCH_FROM:
        from ingressgen.fast_positions import skeletons
        from ingressgen.fast_profiles import read_profile_documents

        for file in dict.fromkeys(files):
            text = _read(file)
            if text is None:
                continue
            documents = read_profile_documents(text)
            # Only for a text within fast_profiles' limits (32 levels): marshal refuses a value
            # nested about 2,000 deep, and the first process composes an odd text itself.
            found[file] = (text, documents, None if documents is None else skeletons(text))

    # Marshalled now, while the first process is still importing: when it asks, the answer
    # only has to cross the pipe (dumping it then took 5-10 ms of the first process's wait).
    answer = marshal.dumps(found)
    reply: bytes | int = answer
    if store is not None:
        _write_all(store, answer)
        reply = len(answer)

    def serve(job: Any, taken: Iterator[int]) -> bytes | int:
        return reply

    return serve


# Its own slot, apart from validate's early worker: whatever else a render runs can never take
# this worker for a job it was not made for, nor this one take another.
_early: Worker | None = None
_store: int | None = None  # its in-memory file for the answer, when there is one


def start_early(arguments: list[str]) -> None:
    """Fork the worker now, before the command line is read (see the module's docstring)."""
    global _early, _store
    from ingressgen.validation.worker import Worker, can_fork

    if _early is None and can_fork():
        _store = _answer_store()
        _early = Worker(functools.partial(prepare, arguments, _store))


def dismiss_early() -> None:
    global _early
    worker, _early = _early, None
    if worker is not None:
        worker.dismiss()
    _close_store()


def _answer_store() -> int | None:
    """An anonymous in-memory file for the worker's answer (Linux), or None (then the answer
    crosses the pipe). About 2 MB for 1,000 profiles: pushed through the pipe only once the
    first process asked, 64 KiB at a time, it kept that process waiting 7-8 ms; from memory
    it is a copy."""
    if not hasattr(os, "memfd_create"):
        return None
    try:
        return os.memfd_create("ingressgen-prefetch", os.MFD_CLOEXEC)
    except OSError:
        return None


def _close_store() -> None:
    global _store
    store, _store = _store, None
    if store is not None:
        os.close(store)


def _write_all(descriptor: int, data: bytes) -> None:
    view, offset = memoryview(data), 0
    while offset < len(data):
        offset += os.pwrite(descriptor, view[offset:], offset)


def _read_all(descriptor: int, size: int) -> bytes:
    chunks, offset = [], 0
    while offset < size:
        chunk = os.pread(descriptor, size - offset, offset)
        if not chunk:
            raise OSError("the worker's answer is shorter than it said")
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def collect(files: int) -> Prefetched:
    """What the early worker read, when a run of `files` profile files is worth waiting for it;
    an empty answer when there is no worker, too few files, or the worker failed."""
    global _early
    worker, _early = _early, None
    if worker is None:
        return {}
    if files < PREFETCH_FROM:
        worker.dismiss()
        _close_store()
        return {}
    try:
        worker.submit(None, 0)
        reply = worker.results()
        if isinstance(reply, int) and _store is not None:
            reply = _read_all(_store, reply)
        answer: Prefetched = marshal.loads(reply)
    except BaseException as error:
        worker.dismiss()
        from ingressgen.errors import InternalError

        if isinstance(error, InternalError | OSError | ValueError | EOFError | TypeError):
            return {}  # its reading was a shortcut: the first process reads everything itself
        raise
    finally:
        _close_store()
    return answer


def _profile_files(path: str) -> Iterator[str]:
    """The profile files `loading.py` would find under `path`, give or take a few."""
    if path.endswith(_SUFFIXES) and os.path.isfile(path):
        yield os.path.abspath(path)
        return
    if not os.path.isdir(path) or os.path.islink(path):
        return
    for root, folders, names in os.walk(path, followlinks=False):
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        for name in sorted(names):
            if not name.startswith(".") and name.endswith(_SUFFIXES):
                yield os.path.abspath(os.path.join(root, name))


def _read(file: str) -> str | None:
    """The text of a regular UTF-8 file of at most _MAX_BYTES, reached without following a
    link and without waiting on a FIFO; None otherwise (the first process says why)."""
    try:
        descriptor = os.open(file, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode) or status.st_size > _MAX_BYTES:
            return None
        data = os.read(descriptor, _MAX_BYTES + 1)
        return data.decode("utf-8") if len(data) <= _MAX_BYTES else None
    except (OSError, UnicodeDecodeError):
        return None
    finally:
        os.close(descriptor)
