"""What a run would do to out/: the files to write and to prune, checked against the disk.

Planning reads only what the record claims and what the run would write, and writes nothing.
Every file it would rewrite or delete must be listed in the record and still carry ingressgen's
header; anything else in the way stops the run before a byte is written.
"""

from __future__ import annotations

import functools
import os
import posixpath
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ingressgen.errors import InputError, InternalError, Location, Problem
from ingressgen.output.folders import OutFolder
from ingressgen.output.journal import unfinished
from ingressgen.output.record import (
    KUSTOMIZATION,
    RECORD_NAME,
    CorruptRecord,
    Record,
    carries_header,
    file_header,
    parse_record,
    record_bytes,
    union,
    valid_path,
)


@dataclass(frozen=True)
class GeneratedFile:
    path: str  # relative to the out dir, posix
    body: str  # the YAML document without the header comment, ending in "\n"
    sources: tuple[str, ...]  # ids of the profiles that contributed, relative to out's parent


@dataclass(frozen=True)
class RunScope:
    profiles: frozenset[str]  # profile ids given to this run
    folders: tuple[str, ...]  # profile-folder ids given: their vanished profiles are in the run
    base_dir: Path  # the parent of out: ids are relative to it
    # Base files the run's profiles extend. Recorded beside the profiles, they are read, not
    # owned: a file is this run's business only through the profiles that produce it.
    bases: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Drift:
    """What a render would change: out-relative paths, sorted."""

    changed: list[str]
    missing: list[str]
    extra: list[str]
    unfinished: bool = False  # an interrupted render left its journal behind

    @property
    def clean(self) -> bool:
        return not (self.changed or self.missing or self.extra or self.unfinished)


@dataclass(frozen=True)
class OutputPlan:
    out_dir: Path
    files: tuple[GeneratedFile, ...]
    scope: RunScope
    writes: Mapping[str, bytes]  # files (the record included) whose bytes must become these
    removes: Mapping[str, bytes]  # generated files (or the record) that go, with their bytes
    new_folders: tuple[str, ...]  # folders the writes need that do not exist yet, parents first
    drift: Drift
    notes: tuple[str, ...]  # what the run found and repaired in the record
    has_record: bool

    @property
    def changes(self) -> bool:
        return bool(self.writes or self.removes)


def plan(
    out_dir: Path, out: OutFolder | None, files: Sequence[GeneratedFile], scope: RunScope
) -> OutputPlan:
    """Compare the run's files with out/ (None: it does not exist yet)."""
    on_disk = _Disk(out_dir, out)
    record = on_disk.record()
    produced = merge(files)
    in_run = _membership(scope)
    problems: list[Problem] = []
    notes: list[str] = []
    lost: list[str] = []  # recorded files that are gone and that this run cannot regenerate
    final: Record = {}  # every generated file after this run, with its sources
    texts: dict[str, bytes] = {}  # the files this run (re)writes

    objects = set(produced) | {path for path in record if posixpath.basename(path) != KUSTOMIZATION}
    only_bases = scope.bases - scope.profiles
    for path in sorted(objects):
        new, old = produced.get(path), record.get(path, ())
        owners = tuple(source for source in old if source not in only_bases)
        outside = tuple(source for source in owners if not in_run(source))
        if outside:
            # The profiles that stay keep naming the bases they were built from.
            outside = union([outside, (source for source in old if source in only_bases)])
        if new is None and outside and on_disk.entry(path) == "missing":
            lost.append(path)  # listing it in a kustomization.yaml would break the folder
            notes.append(
                f"{on_disk.show(path)} is in the record but was deleted: render "
                f"{', '.join(outside)} to generate it again"
            )
        elif new is None and (len(outside) == len(old) or not owners):
            final[path] = old  # no source in the run: not this run's business
        elif new is None and outside:
            # The other contributors keep it as it is; only its header forgets this run's profiles.
            # A header edited by hand is left alone, for --check to report to those contributors.
            final[path] = outside
            data, header = on_disk.read(path) or b"", file_header(old).encode()
            if data.startswith(header):
                texts[path] = file_header(outside).encode() + data[len(header) :]
        elif new is not None:
            final[path] = union([new.sources, outside])
            texts[path] = (file_header(final[path]) + new.body).encode()
            # Contributors outside the run might produce something else: only an unchanged body is
            # safe to vouch for on their behalf.
            if outside and on_disk.read(path) != (file_header(old) + new.body).encode():
                others = ", ".join(outside)
                message = f"this run would change it, but {others} also contribute: include them"
                problems.append(on_disk.problem(path, message))
        # else: every source is in the run and none produces it any more, so it is pruned.

    final.update(_kustomizations(final, record, texts, in_run))
    final.update(_root_kustomization(final, texts))
    writes, removes, drift = _diff(on_disk, record, final, texts, lost)
    for path in sorted(writes):
        problems.extend(on_disk.refuse_write(path, recorded=path in record))
    for path in sorted(removes):
        problems.extend(on_disk.refuse_removal(path))
    if problems:
        raise InputError(problems=problems)
    return OutputPlan(
        out_dir,
        tuple(files),
        scope,
        writes,
        removes,
        on_disk.missing_folders(writes),
        drift,
        tuple(notes),
        bool(record) or on_disk.entry(RECORD_NAME) != "missing",
    )


def read_record(out_dir: Path, out: OutFolder) -> Record:
    """The record of the last run (empty when there is none)."""
    return _Disk(out_dir, out).record()


def merge(files: Iterable[GeneratedFile]) -> dict[str, GeneratedFile]:
    """Index the run's files by path; one path produced twice must have one body."""
    merged: dict[str, GeneratedFile] = {}
    for file in files:
        path, previous = file.path, merged.get(file.path)
        if not valid_path(path) or posixpath.basename(path) == KUSTOMIZATION or not file.sources:
            raise InternalError(f"ingressgen bug: cannot generate {path!r} from {file.sources}")
        if not file.body.endswith("\n") or (previous and previous.body != file.body):
            raise InternalError(f"ingressgen bug: bad or conflicting contents planned for {path}")
        sources = union([file.sources, previous.sources if previous else ()])
        merged[path] = GeneratedFile(path, file.body, sources)
    return merged


class _Disk:
    """out/ as planning sees it: reads by handle, never follows a link, caches each file."""

    def __init__(self, out_dir: Path, out: OutFolder | None) -> None:
        self.out_dir = out_dir
        self.out = out
        self._read: dict[str, bytes | None] = {}
        # Planning asks about each new file's folders several times; it runs under out/'s
        # lock, so an answer stays true for the plan.
        self._entries: dict[str, str] = {}

    def read(self, rel: str) -> bytes | None:
        if rel not in self._read:
            self._read[rel] = self.out.read(rel) if self.out is not None else None
        return self._read[rel]

    def entry(self, rel: str) -> str:
        if rel not in self._entries:
            self._entries[rel] = self.out.entry(rel) if self.out is not None else "missing"
        return self._entries[rel]

    def record(self) -> Record:
        if self.entry(RECORD_NAME) == "missing":
            return {}
        data = self.read(RECORD_NAME)
        try:
            if data is None:
                raise CorruptRecord("not a regular file")
            return parse_record(data)
        except CorruptRecord as exc:
            message = (
                f"the record of the files ingressgen generated is corrupt ({exc}): restore it "
                "from version control, or delete it together with the generated files"
            )
            raise InputError(problems=[self.problem(RECORD_NAME, message)]) from None

    def refuse_write(self, rel: str, *, recorded: bool) -> list[Problem]:
        """Why writing `rel` would replace something that is not ingressgen's, if it would."""
        entry = self.entry(rel)
        if entry == "missing":
            return self._refuse_folders(rel)
        if entry == "file" and rel == RECORD_NAME:
            return []  # read and parsed already: a foreign file there is refused as corrupt
        if entry == "file" and recorded:
            return self._refuse_unmarked(rel, "rewrite")
        if rel == KUSTOMIZATION:
            return [self.problem(rel, _ROOT_KUSTOMIZATION_IN_THE_WAY)]
        return [self.problem(rel, _IN_THE_WAY)]

    def refuse_removal(self, rel: str) -> list[Problem]:
        if rel == RECORD_NAME:
            return []
        return self._refuse_unmarked(rel, "delete")

    def missing_folders(self, writes: Iterable[str]) -> tuple[str, ...]:
        missing: set[str] = set()
        for path in writes:
            folder = posixpath.dirname(path)
            while folder and folder not in missing and self.entry(folder) == "missing":
                missing.add(folder)
                folder = posixpath.dirname(folder)
        return tuple(sorted(missing, key=lambda rel: (rel.count("/"), rel)))

    def show(self, rel: str) -> str:
        return f"{self.out_dir.as_posix().rstrip('/')}/{rel}"

    def problem(self, rel: str, message: str) -> Problem:
        shown = self.show(rel) if rel else self.out_dir.as_posix()
        return Problem(Location(shown), message)

    def _refuse_unmarked(self, rel: str, verb: str) -> list[Problem]:
        data = self.read(rel)
        if data is None and self.entry(rel) == "missing":
            return []
        if data is not None and carries_header(data):
            return []
        return [
            self.problem(
                rel,
                f"the record lists it as generated, but it does not start with ingressgen's "
                f"header, so ingressgen will not {verb} it: if it is yours, remove its entry "
                f"from {self.show(RECORD_NAME)}; if it is ingressgen's, delete it and render again",
            )
        ]

    def _refuse_folders(self, rel: str) -> list[Problem]:
        """A missing file is fine when every existing folder on its way is a real folder."""
        folder = posixpath.dirname(rel)
        while folder:
            entry = self.entry(folder)
            if entry == "folder":
                return []
            if entry != "missing":
                return [self.problem(folder, _IN_THE_WAY)]
            folder = posixpath.dirname(folder)
        return []


_KUSTOMIZATION_HEAD = (
    "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
)
_ROOT_KUSTOMIZATION_IN_THE_WAY = (
    "ingressgen generates this file (a kustomization naming every generated folder), and this "
    "one is not ingressgen's: move it elsewhere, or point a kustomization of your own at this "
    "folder instead"
)
_IN_THE_WAY = (
    "a file, folder or link that ingressgen did not generate is in the way: move it or change --out"
)


def _kustomizations(
    final: Record, record: Record, texts: dict[str, bytes], in_run: Callable[[str], bool]
) -> Record:
    """One kustomization.yaml per folder of generated objects, listing all of them."""
    folders: dict[str, list[str]] = {}
    for path in final:
        folders.setdefault(posixpath.dirname(path), []).append(posixpath.basename(path))
    before: dict[str, set[str]] = {}
    for path in record:
        if posixpath.basename(path) != KUSTOMIZATION:
            before.setdefault(posixpath.dirname(path), set()).add(posixpath.basename(path))
    result: Record = {}
    for folder, names in sorted(folders.items()):
        path = posixpath.join(folder, KUSTOMIZATION)
        result[path] = union(final[posixpath.join(folder, name)] for name in names)
        old = record.get(path)
        unchanged = before.get(folder) == set(names)
        if old is not None and unchanged and not any(map(in_run, (*old, *result[path]))):
            continue  # none of its objects changed hands: leave it as it is
        body = _KUSTOMIZATION_HEAD + "".join(f"- {name}\n" for name in sorted(names))
        texts[path] = (file_header(result[path]) + body).encode()
    return result


def _root_kustomization(final: Record, texts: dict[str, bytes]) -> Record:
    """out/kustomization.yaml naming every folder, so `kubectl kustomize out` and
    `kubectl apply -k out` take the whole output; it lists what the record holds after this run,
    so a run of some profiles keeps the others' folders."""
    folders = sorted(
        {posixpath.dirname(p) for p in final if posixpath.basename(p) == KUSTOMIZATION}
    )
    if not folders:
        return {}
    sources = union(final[posixpath.join(folder, KUSTOMIZATION)] for folder in folders)
    body = _KUSTOMIZATION_HEAD + "".join(f"- {folder}\n" for folder in folders)
    texts[KUSTOMIZATION] = (file_header(sources) + body).encode()
    return {KUSTOMIZATION: sources}


def _diff(
    on_disk: _Disk, record: Record, final: Record, texts: Mapping[str, bytes], lost: list[str]
) -> tuple[dict[str, bytes], dict[str, bytes], Drift]:
    """Compare the planned files with the disk: only what differs is written."""
    wanted = dict(texts)
    gone = sorted(set(record) - set(final) - set(lost))
    if final:
        wanted[RECORD_NAME] = record_bytes(final)
    elif on_disk.entry(RECORD_NAME) != "missing":
        gone.append(RECORD_NAME)
    writes: dict[str, bytes] = {}
    changed: list[str] = []
    missing: list[str] = list(lost)
    for path, data in sorted(wanted.items()):
        current = on_disk.read(path)
        if current != data:
            writes[path] = data
            (missing if current is None else changed).append(path)
    removes: dict[str, bytes] = {}
    for path in gone:
        if on_disk.entry(path) != "missing":
            removes[path] = on_disk.read(path) or b""
    unfinished_run = on_disk.out is not None and unfinished(on_disk.out)
    drift = Drift(sorted(changed), sorted(missing), sorted(removes), unfinished_run)
    return writes, removes, drift


def _membership(scope: RunScope) -> Callable[[str], bool]:
    """Whether a recorded source is in the run: given, or deleted from a folder that was given."""
    folders = [posixpath.normpath(folder) for folder in scope.folders]

    def under(source: str, folder: str) -> bool:
        if folder == ".":
            return source != ".." and not source.startswith("../")
        return source.startswith(folder + "/")

    @functools.cache
    def in_run(source: str) -> bool:
        if source in scope.profiles:
            return True
        vanished = not os.path.lexists(scope.base_dir / source)
        return vanished and any(under(source, folder) for folder in folders)

    return in_run
