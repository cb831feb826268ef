"""Profile files in, `LoadedProfile`s out; every problem located at file:line:col."""

from __future__ import annotations

import difflib
import os
import posixpath
import types
import typing
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ingressgen.errors import (
    VALUE_SHOWN,
    InputError,
    Location,
    Problem,
    ProblemCollector,
    shown_value,
    tagged,
)
from ingressgen.findings import Finding
from ingressgen.overlays import (
    EXTENDS,
    EXTENDS_RULE,
    Document,
    LayeredPositions,
    check_renames,
    private_copy,
    resolve,
)
from ingressgen.plan import LoadedProfile
from ingressgen.prefetch import Prefetched, collect
from ingressgen.profile import API_VERSION, BASE_KIND, PROFILE_KIND, Profile
from ingressgen.profile_files import read_profile_prefix, read_profile_text
from ingressgen.yaml_io import ParsedStream, SourcePositions, load_documents

PROFILE_SUFFIXES = (".yaml", ".yml")
# From how many files a run reads profiles through yaml-rs (fast_profiles.py): below, importing
# it (about 25 ms) costs more than it saves.
FAST_READING_FROM = 20
# In a folder, a YAML document is a profile when its apiVersion is in this group.
PROFILE_GROUP = API_VERSION.split("/")[0] + "/"


@dataclass(frozen=True)
class LoadOptions:
    base_dir: Path  # ids in headers and the record are relative to this
    exposure: str | None = None  # --exposure
    kubernetes_version: str | None = None  # --kubernetes-version
    out_dir: Path | None = None  # --out: never read as profiles when it lies in a given folder


@dataclass(frozen=True)
class LoadResult:
    profiles: list[LoadedProfile]
    notes: list[Finding]
    folders: tuple[str, ...]  # ids of the folders given, for pruning vanished profiles
    skipped: tuple[str, ...] = ()  # ids of bases read but never rendered: their old output goes
    # Located mistakes of the files that did not load: the caller reports them together with
    # what the profiles that did load reveal between them (a run reports every mistake).
    problems: tuple[Problem, ...] = ()
    # The base files each profile was built from (`extends`), by profile id: headers and the
    # record name them too.
    bases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # YAML files met in the folders that are not profiles (shown with -v), as displayed.
    ignored: tuple[str, ...] = ()


def discover(paths: Sequence[Path], out_dir: Path | None = None) -> tuple[list[Path], list[Path]]:
    """The YAML files under `paths` (sorted, dot-files and the output folder skipped, links
    not followed), and the folders among `paths`."""
    files, folders, _ = _discover(paths, out_dir)
    return files, folders


def _discover(
    paths: Sequence[Path], out_dir: Path | None
) -> tuple[list[Path], list[Path], set[str]]:
    places = PathForms()
    files: list[Path] = []
    folders: list[Path] = []
    explicit: set[str] = set()
    skip = os.path.realpath(out_dir) if out_dir is not None else None
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            folders.append(path)
            files.extend(_walk(path, skip))
        elif path.is_file():
            files.append(path)
            explicit.add(places.absolute(path))
        else:
            raise InputError(problems=[Problem(Location(str(path)), "no such file or folder")])
    unique = sorted({places.absolute(f): f for f in files}.items())
    return [f for _, f in unique], folders, explicit


def _walk(folder: Path, skip: str | None) -> Iterator[Path]:
    """The profile-named files below `folder`, in no particular order (the caller sorts).

    Links are neither followed nor yielded, dot-files and dot-folders are left out, and a
    folder that cannot be listed is passed over, as os.walk does. Each entry's type comes from
    the folder listing: no lstat per file."""
    pending = [os.fspath(folder)]
    while pending:
        root = pending.pop()
        try:
            with os.scandir(root) as listing:
                entries = list(listing)
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            try:
                is_link = entry.is_symlink()
                is_folder = not is_link and entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_folder:
                if skip is None or os.path.realpath(entry.path) != skip:
                    pending.append(entry.path)
            elif not is_link and name.endswith(PROFILE_SUFFIXES):
                yield Path(root, name)


class PathForms:
    """The forms of a path a run needs, with the working directory read once: os.path.abspath
    asks the kernel for it on every call, and a folder of 1,000 profiles made 6,000 such calls
    plus as many relpath walks (about a tenth of loading them). Same results as the os.path calls:
    every path here is made absolute and normalized first."""

    def __init__(self, base_dir: Path | None = None) -> None:
        self._cwd = os.getcwd()
        self._absolute: dict[str, str] = {}  # each file is asked about three or four times
        self._base = self.absolute(base_dir) if base_dir is not None else self._cwd

    def absolute(self, path: Path | str) -> str:
        """os.path.abspath(path)."""
        text = os.fspath(path)
        found = self._absolute.get(text)
        if found is None:
            found = self._absolute[text] = posixpath.normpath(posixpath.join(self._cwd, text))
        return found

    def profile_id(self, path: Path | str) -> str:
        """The path relative to the base folder (the parent of --out)."""
        return _relative(self.absolute(path), self._base)

    def display(self, path: Path) -> str:
        """The path as messages show it: relative to the working directory when below it."""
        relative = _relative(self.absolute(path), self._cwd)
        return path.as_posix() if relative.startswith("..") else relative


def _relative(target: str, start: str) -> str:
    """os.path.relpath for two absolute, normalized paths; the common case (below `start`) is a
    slice."""
    if target == start:
        return "."
    prefix = start.rstrip("/") + "/"
    # A suffix that starts with "/" is POSIX's "//" root, which relpath reads as "/".
    if target.startswith(prefix) and not target.startswith("/", len(prefix)):
        return target[len(prefix) :]
    return posixpath.relpath(target, start)


def repository_root(start: Path) -> Path:
    """The git top level above `start` (a `.git` folder or worktree file), else the working
    directory: every base a profile extends must lie inside it."""
    folder = Path(os.path.abspath(start))
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return Path(os.getcwd())


def is_profile_document(data: Any) -> bool:
    """A document of ingressgen's API group, or an overlay that takes it from its base."""
    if not isinstance(data, dict):
        return False
    api_version = data.get("apiVersion")
    if isinstance(api_version, str):
        return api_version.startswith(PROFILE_GROUP)
    extends = data.get(EXTENDS)
    return (
        "apiVersion" not in data and isinstance(extends, str) and extends.endswith(PROFILE_SUFFIXES)
    )


class _Reader:
    """Reads each file once: a base shared by many overlays is parsed a single time."""

    def __init__(
        self,
        places: PathForms,
        fast_reading: bool = False,
        prefetched: Prefetched | None = None,
    ) -> None:
        self.places = places
        self._fast_reading = fast_reading  # yaml-rs where it provably reads alike
        # What render's worker read ahead (prefetch.py), used only for an identical text.
        self._prefetched = prefetched or {}
        self._files: dict[str, list[Document]] = {}
        self._roots: dict[str, Path] = {}

    def repository_root(self, file: Path) -> Path:
        """`repository_root` of a file's folder, looked up once per folder: a folder of 1,000
        profiles would otherwise test every parent for `.git` 1,000 times."""
        folder = os.path.dirname(self.places.absolute(file))
        found = self._roots.get(folder)
        if found is None:
            found = self._roots[folder] = repository_root(Path(folder))
        return found

    def documents(self, file: Path) -> list[Document]:
        """The file's documents (empty ones left out), or InputError located in it."""
        key = self.places.absolute(file)
        if key not in self._files:
            display = self.places.display(file)
            text = read_profile_text(file, display)
            raw = None
            skeletons = None
            ahead = self._prefetched.pop(key, None)
            if ahead is not None and ahead[0] == text:
                # What read_profile_documents and fast_positions.skeletons return for this very
                # text, computed in the worker.
                _, raw, skeletons = ahead
            elif self._fast_reading:
                from ingressgen.fast_profiles import read_profile_documents

                raw = read_profile_documents(text)
            stream = ParsedStream(text, skeletons)
            if raw is None:  # not provably read alike: PyYAML reads it, and says what is wrong
                raw = load_documents(text, display)
            self._files[key] = [
                Document(file, display, index, data, SourcePositions(display, text, index, stream))
                for index, data in enumerate(raw)
                if data is not None
            ]
        return self._files[key]

    def base(self, file: Path, by: Document) -> Document:
        """The one document of a base file that `by` extends."""
        try:
            documents = self.documents(file)
        except InputError as error:
            raise InputError(problems=tagged(EXTENDS_RULE, error.problems)) from None
        if len(documents) != 1:
            message = (
                f"{self.places.display(file)} holds {len(documents)} YAML documents; a base file "
                "holds exactly one"
            )
            problem = Problem(by.locate((EXTENDS,)), message, (EXTENDS,), EXTENDS_RULE)
            raise InputError(problems=[problem])
        return documents[0]


def load_profiles(paths: Sequence[Path], options: LoadOptions) -> LoadResult:
    files, folders, explicit = _discover(paths, options.out_dir)
    places = PathForms(options.base_dir)
    reader = _Reader(
        places, fast_reading=len(files) >= FAST_READING_FROM, prefetched=collect(len(files))
    )
    collector = ProblemCollector()
    loaded: list[LoadedProfile] = []
    notes: list[Finding] = []
    skipped: list[str] = []
    ignored: list[str] = []
    bases: dict[str, set[str]] = {}
    for file in files:
        named = places.absolute(file) in explicit
        documents = collector.gather(_profile_documents, file, named, reader)
        if documents is None:
            continue
        if not documents:
            ignored.append(places.display(file))
            continue
        for document in documents:
            try:
                result = _load_document(document, reader, options)
            except InputError as error:
                collector.extend(error.problems)
                continue
            if result is None:
                shown = _shown(document)
                message = f"{shown} is a {BASE_KIND}, which is never rendered"
                base_id = places.profile_id(file)
                where = Location(places.display(file))
                notes.append(Finding("profile-base-not-rendered", message, where, (base_id,)))
                skipped.append(base_id)
                continue
            profile, built_from = result
            loaded.append(profile)
            if built_from:
                bases.setdefault(profile.id, set()).update(built_from)
    folder_ids = tuple(places.profile_id(f) for f in folders)
    return LoadResult(
        loaded,
        notes,
        folder_ids,
        tuple(dict.fromkeys(skipped)),
        # A mistake in a base shared by several profiles is reported once.
        tuple(dict.fromkeys(collector.problems)),
        {key: tuple(sorted(value)) for key, value in sorted(bases.items())},
        tuple(ignored),
    )


def _shown(document: Document) -> str:
    location = document.locate(())
    if document.index == 0 or location.line is None:
        return document.display
    return f"{document.display}:{location.line}"


def _profile_documents(file: Path, named: bool, reader: _Reader) -> list[Document]:
    """The profile documents of a file. Named on the command line, every document must be one;
    in a folder, a file without any is not a profile (and is skipped), and a file with some
    holds nothing else."""
    try:
        documents = reader.documents(file)
    except InputError:
        if named or _mentions_profile(file):
            raise
        return []  # not YAML, and no sign of a profile in it: not ours to judge
    if named:
        if not documents:
            message = "holds no YAML document; a profile file holds one or more profiles"
            where = Location(reader.places.display(file), 1, 1)
            raise InputError(problems=[Problem(where, message)])
        strangers = [d for d in documents if not is_profile_document(d.data)]
        if strangers:
            # One clear error per document instead of every field of a foreign object.
            raise InputError(problems=[_not_a_profile(d) for d in strangers])
        return documents
    profiles = [d for d in documents if is_profile_document(d.data)]
    if profiles and len(profiles) != len(documents):
        problems = [
            Problem(
                d.locate(()),
                f"this file holds ingressgen profiles, so every document in it must be one "
                f"(apiVersion: {API_VERSION}); this one is not",
            )
            for d in documents
            if not is_profile_document(d.data)
        ]
        raise InputError(problems=problems)
    return profiles


def _not_a_profile(document: Document) -> Problem:
    data = document.data
    found = data.get("apiVersion") if isinstance(data, dict) else None
    path: tuple[str | int, ...] = ("apiVersion",) if isinstance(data, dict) and found else ()
    got = f"{found!r} is not valid" if found else "not a profile: no apiVersion"
    message = (
        f"{got}; a file named on the command line must be an ingressgen profile "
        f"(apiVersion: {API_VERSION}, kind: {PROFILE_KIND}), or an overlay starting with extends"
    )
    return Problem(document.locate(path), message, path)


def _mentions_profile(file: Path) -> bool:
    # A file that cannot even be looked at (a FIFO, no permission) is reported, not skipped.
    prefix = read_profile_prefix(file)
    return prefix is None or PROFILE_GROUP in prefix


def load_profile_file(file: Path, options: LoadOptions) -> LoadedProfile | None:
    """The one profile of a single-document file (None for a base)."""
    reader = _Reader(PathForms(options.base_dir))
    documents = _profile_documents(file, True, reader)
    if len(documents) != 1:
        message = f"holds {len(documents)} YAML documents; expected exactly one here"
        raise InputError(problems=[Problem(Location(reader.places.display(file), 1, 1), message)])
    result = _load_document(documents[0], reader, options)
    return None if result is None else result[0]


def _load_document(
    document: Document, reader: _Reader, options: LoadOptions
) -> tuple[LoadedProfile, tuple[str, ...]] | None:
    """One profile document, with the ids of the bases it was built from; None for a base."""
    if document.own_kind == BASE_KIND:
        # A base is checked only as part of the profiles built on it.
        return None
    root = reader.repository_root(document.file)
    resolved = resolve(document, reader.base, root)
    data = resolved.data
    positions: SourcePositions = document.positions
    if len(resolved.layers) > 1:
        positions = LayeredPositions(resolved.layers)
    if isinstance(data, dict) and options.exposure is not None:
        data = private_copy(data)  # the document may be shared: another profile's base
        _override(data, ("spec", "exposure"), options.exposure)
    try:
        profile = Profile.model_validate(data)
    except ValidationError as error:
        raise InputError(
            problems=[_translate(e, positions, data) for e in error.errors(include_url=False)]
        ) from None
    problems = check_renames(resolved)
    if problems:
        raise InputError(problems=problems)
    loaded = LoadedProfile(
        id=reader.places.profile_id(document.file),
        display=document.display,
        profile=profile,
        positions=positions,
        validation_version=options.kubernetes_version or profile.spec.kubernetes_version,
    )
    built_from = tuple(reader.places.profile_id(layer.file) for layer in resolved.layers[1:])
    return loaded, built_from


def _override(data: dict[str, Any], path: tuple[str, str], value: str) -> None:
    section = data.get(path[0])
    if isinstance(section, dict):
        section[path[1]] = value


# ---- turning pydantic's errors into located messages in the user's terms ----

_TYPE_NAMES = {
    "string_type": "a string",
    "bool_type": "true or false",
    "int_type": "a whole number",
    "dict_type": "a mapping",
    "model_type": "a mapping of fields",
    "model_attributes_type": "a mapping of fields",
    "list_type": "a list",
}


def _translate(error: ErrorDetails, positions: SourcePositions, data: Any) -> Problem:
    path = tuple(error["loc"])
    kind = error["type"]
    value = error.get("input")
    if kind == "missing":
        return Problem(positions.locate(path[:-1]), "required field is missing", path)
    if kind == "extra_forbidden":
        return Problem(positions.locate(path, at_key=True), _unknown_field(path), path)
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        message = f"{shown_value(value)} is not valid; expected one of: {expected}"
        if path == ("apiVersion",) or path == ("kind",):
            message += f" (a profile starts with apiVersion: {API_VERSION}, kind: {PROFILE_KIND})"
        return Problem(positions.locate(path), message, path)
    if kind in _TYPE_NAMES:
        message = f"{shown_value(value)} is not {_TYPE_NAMES[kind]}"
        if kind == "string_type" and isinstance(value, int | float) and not isinstance(value, bool):
            message += f'; it was read as a number: quote it ("{value}")'
        if kind == "string_type" and isinstance(value, bool):
            message += "; it was read as a boolean: quote it"
        if kind == "int_type" and isinstance(value, str) and value.isdigit():
            message += f"; write {value} without quotes"
        return Problem(positions.locate(path), message, path)
    if kind == "too_short":
        return Problem(positions.locate(path), "must not be empty", path)
    if kind == "string_too_long":
        limit = error.get("ctx", {}).get("max_length")
        return Problem(positions.locate(path), f"is longer than {limit} characters", path)
    message = error["msg"].removeprefix("Value error, ")
    if isinstance(value, str) and len(value) > VALUE_SHOWN:
        message = message.replace(repr(value), shown_value(value))  # validators quote it whole
    return Problem(positions.locate(path), message, path)


def _unknown_field(path: tuple[str | int, ...]) -> str:
    name = str(path[-1])
    known = sorted(_fields_at(Profile, path[:-1]))
    hint = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    message = f"unknown field {shown_value(name)}"
    if hint:
        message += f" (did you mean {hint[0]!r}?)"
    if known:
        message += "; valid fields here: " + ", ".join(known)
    return message


def _fields_at(model: type[BaseModel], path: Iterable[str | int]) -> set[str]:
    """The YAML field names a model accepts at `path` (empty when it is not a model)."""
    current: Any = model
    for part in path:
        if isinstance(part, int):
            continue
        fields = _alias_map(current)
        if part not in fields:
            return set()
        current = _model_in(fields[part])
        if current is None:
            return set()
    return set(_alias_map(current)) if current is not None else set()


def _alias_map(model: type[BaseModel]) -> dict[str, Any]:
    return {(info.alias or name): info.annotation for name, info in model.model_fields.items()}


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list, typing.Annotated):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None
