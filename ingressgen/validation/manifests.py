"""`ingressgen validate`: existing manifests checked with the same schemas and rules as `render`.

Files and folders (recursive: .yaml, .yml, .json; dot-files and kustomization files skipped),
multi-document files, `kind: List` items, and `-` for standard input. A file that cannot be read
as YAML is a finding for that file; the other files are still checked.

Reading YAML is most of the work, and it holds the GIL, so a large batch is split between this
process and one forked worker (kubeconform does the same with its `-n` goroutines). The worker
sends back plain data; nothing depends on which process checked a file.
"""

from __future__ import annotations

import gc
import json
import marshal
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingressgen.errors import InputError, InternalError, Location, Problem
from ingressgen.validation.documents import Document, looks_like_json, read_json
from ingressgen.validation.engine import Checker
from ingressgen.validation.fast_reader import read_documents
from ingressgen.validation.findings import FileResult, Finding, Identity, ObjectResult
from ingressgen.validation.findings import ValidationRun as ValidationRun
from ingressgen.validation.schemas import EmbeddedSchemas

if TYPE_CHECKING:
    from ingressgen.validation.positions import StreamPositions

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
KUSTOMIZATION_NAMES = frozenset({"kustomization.yaml", "kustomization.yml", "Kustomization"})
STDIN = Path("-")
STDIN_NAME = "<stdin>"
# Below this many files a second process costs more than it saves.
PARALLEL_MIN_FILES = 200
# The two processes share the work in chunks of this many files or more, at most CHUNKS_MAX.
CHUNK_MIN_FILES = 8
CHUNKS_MAX = 1024


def discover_manifests(paths: Sequence[Path]) -> list[str]:
    """Manifest files under `paths`, as strings ("-" for standard input), in a stable order."""
    found: list[str] = []
    for path in paths:
        if path == STDIN:
            found.append(STDIN_NAME)
        elif path.is_dir():
            for root, dirs, names in os.walk(path, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                folder = Path(root).as_posix()  # once per folder: "./a" shows as "a"
                prefix = "" if folder == "." else f"{folder}/"
                found.extend(
                    prefix + name
                    for name in sorted(names)
                    if not name.startswith(".")
                    and name.endswith(MANIFEST_SUFFIXES)
                    and name not in KUSTOMIZATION_NAMES
                )
        elif path.is_file():
            if path.name not in KUSTOMIZATION_NAMES:
                found.append(path.as_posix())
        else:
            raise InputError(problems=[Problem(Location(str(path)), "no such file or folder")])
    return found


def _read(name: str, stdin: bytes) -> bytes:
    if name == STDIN_NAME:
        return stdin
    # os.read: a buffered file object costs more than the read itself for small files.
    descriptor = os.open(name, os.O_RDONLY)
    try:
        chunks = []
        while chunk := os.read(descriptor, 1 << 20):
            chunks.append(chunk)
    finally:
        os.close(descriptor)
    return b"".join(chunks)


class Unreadable(Exception):
    """A file that is not valid YAML or JSON, with the problem to report for it."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _parse(name: str, data: bytes) -> list[Document]:
    """The file's documents; raises Unreadable when it is not valid YAML (or JSON)."""
    try:
        if name.endswith(".json"):
            return read_json(data)
        if name == STDIN_NAME and looks_like_json(data):
            try:
                return read_json(data)
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
    return _read_with_pyyaml(name, data) if documents is None else documents


def _read_with_pyyaml(name: str, data: bytes) -> list[Document]:
    """PyYAML reads what the fast reader leaves. Imported here, only when a text needs it: on
    a corpus the fast reader takes whole, `validate` never pays for importing PyYAML."""
    import yaml

    from ingressgen.validation.loader import read_yaml
    from ingressgen.yaml_io import yaml_error_problem

    try:
        return read_yaml(data)
    except yaml.YAMLError as error:
        raise Unreadable(yaml_error_problem(error, name)) from None


def _objects(document: Document) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    value = document.value
    if isinstance(value, dict) and value.get("kind") == "List":
        for index, item in enumerate(value.get("items") or []):
            yield ("items", index), item
    else:
        yield (), value


# An object read from a file, as plain data: (identity fields, start line, document index,
# path prefix inside the document ("items", i for a List item)). Plain, so a worker can send it.
Where = tuple[tuple[str | None, ...], int, int, tuple[str | int, ...]]


def _check_files(
    files: Sequence[str], kubernetes_version: str, checker: Checker, stdin: bytes = b""
) -> list[tuple[str, list[Problem], list[tuple[Where, list[Finding], bool]]]]:
    """(shown path, file problems, [(where, findings, skipped)]) for each file, in order."""
    read: list[tuple[str, list[Problem], list[Where]]] = []
    objects: list[Any] = []
    for shown in files:
        problems: list[Problem] = []
        wheres: list[Where] = []
        read.append((shown, problems, wheres))
        try:
            documents = _parse(shown, _read(shown, stdin))
        except OSError as error:
            problems.append(Problem(Location(shown), f"cannot read: {error}"))
            continue
        except Unreadable as unreadable:
            problems.append(unreadable.problem)
            continue
        for document in documents:
            if document.value is None:
                continue
            for prefix, obj in _objects(document):
                identity = Identity.of(obj)
                fields = (identity.api_version, identity.kind, identity.name, identity.namespace)
                wheres.append((fields, document.line, document.position, prefix))
                objects.append(obj)
    verdicts = iter(checker.check(objects, kubernetes_version))
    return [
        (shown, problems, [(where, *next(verdicts)) for where in wheres])
        for shown, problems, wheres in read
    ]


def _can_split(files: Sequence[str], checker: Checker) -> bool:
    return (
        len(files) >= PARALLEL_MIN_FILES
        and hasattr(os, "fork")
        and (os.cpu_count() or 1) > 1
        and STDIN_NAME not in files
        and threading.active_count() == 1  # forking a threaded process can deadlock the child
        and isinstance(checker.backend, EmbeddedSchemas)  # kubeconform parallelizes itself
    )


def _plain(checked: list[Any]) -> list[Any]:
    return [
        (
            shown,
            [(p.location.file, p.location.line, p.location.column, p.message) for p in problems],
            [
                (where, [(f.path, f.message, f.rule, f.severity) for f in findings], skipped)
                for where, findings, skipped in objects
            ],
        )
        for shown, problems, objects in checked
    ]


def _from_plain(plain: list[Any]) -> list[Any]:
    return [
        (
            shown,
            [
                Problem(Location(file, line, column), message)
                for file, line, column, message in problems
            ],
            [
                (where, [Finding(*finding) for finding in findings], skipped)
                for where, findings, skipped in objects
            ],
        )
        for shown, problems, objects in plain
    ]


def _check_split(files: Sequence[str], kubernetes_version: str, checker: Checker) -> list[Any]:
    """Files checked by this process and one forked worker; results in file order.

    The files are cut into small chunks whose numbers wait in a pipe: each process takes the
    next number whenever it is free, so both finish together whatever the files cost (a
    Deployment costs three ConfigMaps, and the two CPUs of a shared machine rarely run at the
    same speed). A read of a few bytes from a pipe is atomic: no chunk is taken twice.
    """
    size = max(CHUNK_MIN_FILES, -(-len(files) // CHUNKS_MAX))
    chunks = [files[start : start + size] for start in range(0, len(files), size)]
    queue_read, queue_write = os.pipe()
    # At most CHUNKS_MAX four-byte numbers: one write that fits in the pipe, so it never blocks.
    os.write(queue_write, b"".join(n.to_bytes(4, "little") for n in range(len(chunks))))
    os.close(queue_write)

    def taken() -> Iterator[int]:
        while number := os.read(queue_read, 4):
            yield int.from_bytes(number, "little")

    read_end, write_end = os.pipe()
    # The objects that exist now live until the end: the collector need not look at them
    # again (in the worker, looking would also copy every page they sit on).
    gc.freeze()
    pid = os.fork()
    if pid == 0:  # the worker: check, send, and leave without running any cleanup of the parent
        os.close(read_end)
        try:
            done = [
                (n, _plain(_check_files(chunks[n], kubernetes_version, checker))) for n in taken()
            ]
            payload = b"ok" + marshal.dumps(done)
        except BaseException:
            import traceback

            payload = b"!!" + traceback.format_exc().encode()
        with os.fdopen(write_end, "wb") as sink:
            sink.write(payload)
        os._exit(0)
    os.close(write_end)
    mine: dict[int, list[Any]] = {}
    try:
        for n in taken():
            mine[n] = _check_files(chunks[n], kubernetes_version, checker)
    finally:
        os.close(queue_read)
        with os.fdopen(read_end, "rb") as source:
            payload = source.read()
        os.waitpid(pid, 0)
        gc.unfreeze()
    if not payload.startswith(b"ok"):
        detail = payload[2:].decode(errors="replace") or "it exited without a result"
        raise InternalError(f"the validation worker failed; this is a bug in ingressgen:\n{detail}")
    for n, plain in marshal.loads(payload[2:]):
        mine[n] = _from_plain(plain)
    return [checked for n in range(len(chunks)) for checked in mine[n]]


def _rereader(path: str) -> Any:
    return lambda: _read(path, b"")


def validate_manifests(
    paths: Sequence[Path], kubernetes_version: str, checker: Checker | None = None
) -> ValidationRun:
    checker = checker or Checker()
    files = discover_manifests(paths)
    stdin = sys.stdin.buffer.read() if STDIN_NAME in files else b""
    checker.prepare(kubernetes_version)  # a bad --crd schema is a usage error, raised here
    if _can_split(files, checker):
        checked = _check_split(files, kubernetes_version, checker)
    else:
        checked = _check_files(files, kubernetes_version, checker, stdin)
    run = ValidationRun()
    for shown, problems, objects in checked:
        result = FileResult(shown, problems=problems)
        run.files.append(result)
        if not objects:
            continue
        # Positions are only looked up for findings: the file is read again then.
        positions = None
        if any(findings for _, findings, _ in objects):
            from ingressgen.validation.positions import StreamPositions

            positions = StreamPositions(shown, stdin if shown == STDIN_NAME else _rereader(shown))
        for (fields, line, index, prefix), findings, skipped in objects:
            result.objects.append(
                ObjectResult(
                    identity=Identity(*fields),
                    findings=findings,
                    kubernetes_version=kubernetes_version,
                    start=Location(shown, line, 1),
                    locate=_locator(positions, index, prefix) if positions else None,
                    skipped=skipped,
                )
            )
    return run


def _locator(positions: StreamPositions, index: int, prefix: tuple[str | int, ...]) -> Any:
    return lambda path: positions.locate(index, (*prefix, *path))
