"""`ingressgen validate`: existing manifests checked with the same schemas and rules as `render`.

Files and folders (recursive: .yaml, .yml, .json; dot-files and kustomization files skipped),
multi-document files, `kind: List` items, and `-` for standard input. A file that cannot be read
as YAML is a finding for that file; the other files are still checked.

Files are read by `reading/files.py`. A large batch (or a long stream, cut into pieces) is shared
with a second process (`worker.py`); the validation modules are imported only after that
process has its job, so that it works while this one imports them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingressgen.errors import InputError, Location, Problem
from ingressgen.validation.findings import (
    FileResult,
    Finding,
    Identity,
    ObjectResult,
    ValidationRun,
)
from ingressgen.validation.reading.documents import Document
from ingressgen.validation.reading.files import (
    STDIN_NAME,
    Item,
    Unreadable,
    parse,
    piece_documents,
    read_file,
    set_max_file_bytes,
    work_items,
)
from ingressgen.validation.settings import ValidationSettings, embedded_schemas_chosen
from ingressgen.validation.worker import MAX_CHUNKS, Worker, can_fork, dismiss_early, take_early

if TYPE_CHECKING:
    from ingressgen.validation.engine import Checker
    from ingressgen.validation.reading.positions import StreamPositions

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
KUSTOMIZATION_NAMES = frozenset({"kustomization.yaml", "kustomization.yml", "Kustomization"})
STDIN = Path("-")
# Below this many files a second process costs more than it saves.
PARALLEL_MIN_FILES = 200
# The two processes share the work in chunks of this many files (or stream pieces) or more.
CHUNK_MIN_FILES = 8


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
                    # Links in a folder are skipped, as render skips linked profiles: a link
                    # may lead out of the folder, or to a device.
                    and not os.path.islink(os.path.join(root, name))
                )
        elif path.exists():
            # Named on the command line: a FIFO or a device is reported when it is read.
            if path.name not in KUSTOMIZATION_NAMES:
                found.append(path.as_posix())
        else:
            raise InputError(problems=[Problem(Location(str(path)), "no such file or folder")])
    return found


def _objects(document: Document) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    value = document.value
    items = value.get("items") if isinstance(value, dict) else None
    if isinstance(value, dict) and value.get("kind") == "List" and isinstance(items, list):
        for index, item in enumerate(items):
            yield ("items", index), item
    else:
        yield (), value


# An object read from a file, as plain data: (identity fields, start line, document index,
# path prefix inside the document ("items", i for a List item)). Plain, so a worker can send it.
Where = tuple[tuple[str | None, ...], int, int, tuple[str | int, ...]]


def _check_files(
    items: Sequence[Item], kubernetes_version: str, checker: Checker, stdin: bytes = b""
) -> list[tuple[str, list[Problem], list[tuple[Where, list[Finding], bool]]]]:
    """(shown path, file problems, [(where, findings, skipped)]) for each item, in order."""
    read: list[tuple[str, list[Problem], list[Where]]] = []
    objects: list[Any] = []
    for item in items:
        shown = item if isinstance(item, str) else item[0]
        problems: list[Problem] = []
        wheres: list[Where] = []
        read.append((shown, problems, wheres))
        try:
            if isinstance(item, str):
                documents = parse(shown, read_file(shown, stdin))
            else:
                documents = piece_documents(item)
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


def _may_share(files: Sequence[str], settings: ValidationSettings) -> bool:
    return (
        STDIN_NAME not in files
        and embedded_schemas_chosen(settings)  # kubeconform parallelizes itself
        and can_fork()
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


def _chunks(items: Sequence[Item], size: int) -> list[Sequence[Item]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _checker(settings: ValidationSettings, kubernetes_version: str) -> Checker:
    """The checker (which imports the validation modules); a bad --crd is a usage error here."""
    from ingressgen.validation.engine import Checker

    checker = Checker(settings)
    checker.prepare(kubernetes_version)
    return checker


def serve_job(job: Any, taken: Iterator[int]) -> list[Any]:
    """The worker's side of `_check_split`: check the chunks it takes, as plain data."""
    files, size, kubernetes_version, plain = job
    validator, crd_files, skip_kinds, locations, max_bytes = plain
    settings = ValidationSettings(
        validator,
        tuple(Path(p) for p in crd_files),
        frozenset(skip_kinds),
        schema_locations=tuple(locations),
        max_file_bytes=max_bytes,
    )
    set_max_file_bytes(max_bytes)
    checker = _checker(settings, kubernetes_version)
    chunks = _chunks(files, size)
    return [(n, _plain(_check_files(chunks[n], kubernetes_version, checker))) for n in taken]


def prepare_worker() -> Any:
    """Runs first in the worker: the imports its job needs, done before the job arrives."""
    from ingressgen.validation import engine  # noqa: F401  (the schema backends and rules too)

    return serve_job


def _check_split(
    items: Sequence[Item], kubernetes_version: str, settings: ValidationSettings
) -> list[Any]:
    """Files checked by this process and the worker; results in file order."""
    size = max(CHUNK_MIN_FILES, -(-len(items) // MAX_CHUNKS))
    chunks = _chunks(items, size)
    worker = take_early() or Worker(prepare_worker)
    plain_settings = (
        settings.validator,
        tuple(str(p) for p in settings.crd_files),
        tuple(sorted(settings.skip_kinds)),
        settings.schema_locations,
        settings.max_file_bytes,
    )
    try:
        worker.submit((list(items), size, kubernetes_version, plain_settings), len(chunks))
        checker = _checker(settings, kubernetes_version)  # the worker is busy meanwhile
        mine = {n: _check_files(chunks[n], kubernetes_version, checker) for n in worker.taken()}
        for n, plain in worker.results():
            mine[n] = _from_plain(plain)
    except BaseException:
        worker.dismiss()
        raise
    checked = [entry for n in range(len(chunks)) for entry in mine[n]]
    return _joined(items, checked, kubernetes_version, checker)


def _joined(
    items: Sequence[Item], checked: list[Any], kubernetes_version: str, checker: Checker
) -> list[Any]:
    """One entry per file: the pieces of a stream joined again. A stream with a piece that
    could not be read is checked again whole, to be reported exactly as if never cut."""
    joined: list[Any] = []
    pieced: list[bool] = []
    for item, (shown, problems, objects) in zip(items, checked, strict=True):
        if isinstance(item, str) or item[2] == 0:  # a whole file, or a stream's first piece
            joined.append((shown, list(problems), list(objects)))
            pieced.append(not isinstance(item, str))
        else:
            joined[-1][1].extend(problems)
            joined[-1][2].extend(objects)
    return [
        _check_files([entry[0]], kubernetes_version, checker)[0] if cut and entry[1] else entry
        for entry, cut in zip(joined, pieced, strict=True)
    ]


def _rereader(path: str) -> Any:
    return lambda: read_file(path, b"")


def validate_manifests(
    paths: Sequence[Path], kubernetes_version: str, settings: ValidationSettings | None = None
) -> ValidationRun:
    settings = settings or ValidationSettings()
    set_max_file_bytes(settings.max_file_bytes)
    split = False
    try:
        files = discover_manifests(paths)
        items: Sequence[Item] = files
        if _may_share(files, settings):
            if len(files) < PARALLEL_MIN_FILES:
                items = work_items(files)  # few files: maybe long streams to cut
            split = len(items) >= PARALLEL_MIN_FILES
    finally:
        if not split:
            dismiss_early()  # started by the entry point, not needed (or the run failed)
    stdin = sys.stdin.buffer.read() if STDIN_NAME in files else b""
    if split:
        checked = _check_split(items, kubernetes_version, settings)
    else:
        checker = _checker(settings, kubernetes_version)
        checked = _check_files(files, kubernetes_version, checker, stdin)
    run = ValidationRun()
    for shown, problems, objects in checked:
        result = FileResult(shown, problems=problems)
        run.files.append(result)
        if not objects:
            continue
        # Positions are only looked up for findings: the file is read again then.
        positions = None
        if [findings for _, findings, _ in objects if findings]:  # (no generator per file)
            from ingressgen.validation.reading.positions import StreamPositions

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
