"""Reading manifest files into documents: the fast reader first, PyYAML where it must.

Also cuts a long multi-document stream into pieces of whole documents, which the two processes
of a large run share like files (`helm template` output, for one), and reads a piece back with
its documents numbered and placed as in the whole stream.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Sequence
from typing import NoReturn

from ingressgen.bounded_read import read_at_most
from ingressgen.errors import Location, Problem
from ingressgen.nesting import TooDeep, check_depth
from ingressgen.validation.reading.documents import (
    Document,
    JSONNumberTooLarge,
    looks_like_json,
    read_json,
)
from ingressgen.validation.reading.fast_reader import read_documents, stream_pieces

STDIN_NAME = "<stdin>"
# No manifest file is near this (a 2,000-object `helm template` stream is about 5 MiB); a bigger
# file is refused before it is read, so a wrong path (a disk image, a log) costs no memory.
MAX_FILE_BYTES = 64 * 1024 * 1024
# A stream this long is cut into pieces of this many documents.
SPLIT_STREAM_BYTES = 64 * 1024
# Deeper than any object's fields (a CRD's schema included) and shallow enough that every reader
# and check that recurses (yaml-rs, ruamel.yaml for positions, the json module) has room.
MAX_DEPTH = 128
DOCUMENTS_PER_PIECE = 4


_max_file_bytes = MAX_FILE_BYTES


def set_max_file_bytes(limit: int | None) -> None:
    """`--max-file-size` for this process's reads (None: the default)."""
    global _max_file_bytes
    _max_file_bytes = MAX_FILE_BYTES if limit is None else limit


def read_file(name: str, stdin: bytes) -> bytes:
    """The bytes of a file, or of standard input (read once, by the caller)."""
    if name == STDIN_NAME:
        if len(stdin) > _max_file_bytes:
            _refuse_size(name)
        return stdin
    # os.read: a buffered file object costs more than the read itself for small files.
    # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
    descriptor = os.open(name, os.O_RDONLY | os.O_NONBLOCK)
    try:
        _refuse_unless_plain_file(name, os.fstat(descriptor))
        data = read_at_most(descriptor, _max_file_bytes, 1 << 20)
    finally:
        os.close(descriptor)
    if data is None:  # it grew while it was read
        _refuse_size(name)
    return data


def _refuse_unless_plain_file(name: str, status: os.stat_result) -> None:
    if not stat.S_ISREG(status.st_mode):
        message = "not a regular file (a FIFO, device or socket): only files are read"
        raise Unreadable(Problem(Location(name), message))
    if status.st_size > _max_file_bytes:
        _refuse_size(name)


def _refuse_size(name: str) -> NoReturn:
    message = (
        f"larger than {shown_size(_max_file_bytes)}, the most --max-file-size lets a manifest "
        "file be: not read"
    )
    raise Unreadable(Problem(Location(name), message))


def shown_size(size: int) -> str:
    """A byte count as the README and --max-file-size write it: 64 MiB, 512 KiB, 100 bytes."""
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} bytes"


class Unreadable(Exception):
    """A file that is not valid YAML or JSON, with the problem to report for it."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def parse(name: str, data: bytes) -> list[Document]:
    """The file's documents; raises Unreadable when it is not valid YAML (or JSON)."""
    refuse_if_too_deep(name, data)
    try:
        if name.endswith(".json"):
            return read_json(data)
        if name == STDIN_NAME and looks_like_json(data):
            try:
                return read_json(data)
            except JSONNumberTooLarge:
                raise  # JSON, and kubectl refuses it as JSON
            except ValueError:
                pass  # a YAML flow mapping, or broken: the YAML reader says which
    except json.JSONDecodeError as error:
        where = Location(name, error.lineno, error.colno)
        raise Unreadable(Problem(where, f"not valid JSON: {error.msg}")) from None
    except UnicodeDecodeError as error:
        problem = Problem(Location(name), f"not valid JSON: not UTF-8 text ({error.reason})")
        raise Unreadable(problem) from None
    except ValueError as error:
        raise Unreadable(Problem(Location(name), f"not valid JSON: {error}")) from None
    documents = read_documents(data)
    return read_with_pyyaml(name, data) if documents is None else documents


def refuse_if_too_deep(name: str, data: bytes | str) -> None:
    try:
        check_depth(data, MAX_DEPTH)
    except TooDeep as error:
        message = f"{error}; no Kubernetes object nests that deep"
        raise Unreadable(Problem(Location(name, error.line, error.column), message)) from None


def read_with_pyyaml(name: str, data: bytes) -> list[Document]:
    """PyYAML reads what the fast reader leaves. Imported here, only when a text needs it: on
    a corpus the fast reader takes whole, `validate` never pays for importing PyYAML."""
    import yaml

    from ingressgen.validation.reading.loader import read_yaml
    from ingressgen.yaml_io import yaml_error_problem

    try:
        return read_yaml(data)
    except yaml.YAMLError as error:
        raise Unreadable(yaml_error_problem(error, name, data)) from None


# Part of a long stream: (file, hash of its text, start, end, index of its first document, its
# first line). A work item is a whole file (its name) or a piece.
Piece = tuple[str, int, int, int, int, int]
Item = str | Piece

_stream: tuple[str, str | None] = ("", None)  # the last stream read: its pieces share one read


def stream_text(name: str, *, fresh: bool = False) -> str | None:
    """The text of a stream cut into pieces (None when it is not UTF-8), read once a run."""
    global _stream
    if fresh or _stream[0] != name:
        try:
            _stream = (name, read_file(name, b"").decode("utf-8"))
        except UnicodeDecodeError:
            _stream = (name, None)
    return _stream[1]


def work_items(files: Sequence[str]) -> list[Item]:
    """The files, with each long multi-document stream cut into pieces of whole documents."""
    items: list[Item] = []
    for name in files:
        try:
            long = not name.endswith(".json") and os.stat(name).st_size >= SPLIT_STREAM_BYTES
            text = stream_text(name, fresh=True) if long else None
            if text is not None:
                refuse_if_too_deep(name, text)  # its pieces skip `parse`
        except (OSError, Unreadable):
            text = None  # reported when the file is read
        pieces = stream_pieces(text, DOCUMENTS_PER_PIECE) if text is not None else None
        if pieces is None:
            items.append(name)
        else:
            items.extend((name, hash(text), *piece) for piece in pieces)
    return items


def piece_documents(piece: Piece) -> list[Document]:
    """The documents of one piece, numbered and placed as in the whole stream."""
    name, digest, start, end, first, line = piece
    text = stream_text(name)
    if text is None or hash(text) != digest:
        text = stream_text(name, fresh=True)  # read by an earlier run of this process?
    if text is None or hash(text) != digest:
        raise Unreadable(Problem(Location(name), "the file changed while it was being read"))
    part = text[start:end]
    documents = read_documents(part, syntax_checked=True)
    if documents is None:
        documents = read_with_pyyaml(name, part.encode())
    return [Document(d.position + first, d.line + line - 1, d.value) for d in documents]
