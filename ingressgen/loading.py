"""Profile files in, `LoadedProfile`s out; every problem located at file:line:col."""

from __future__ import annotations

import difflib
import os
import types
import typing
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ingressgen.errors import InputError, Location, Problem, ProblemCollector
from ingressgen.findings import Finding
from ingressgen.plan import LoadedProfile
from ingressgen.profile import API_VERSION, BASE_KIND, PROFILE_KIND, Profile
from ingressgen.yaml_io import SourcePositions, load_documents

PROFILE_SUFFIXES = (".yaml", ".yml")


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


def discover(paths: Sequence[Path], out_dir: Path | None = None) -> tuple[list[Path], list[Path]]:
    """The profile files under `paths` (sorted, dot-files and the output folder skipped, links
    not followed)."""
    files: list[Path] = []
    folders: list[Path] = []
    skip = os.path.realpath(out_dir) if out_dir is not None else None
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            folders.append(path)
            files.extend(_walk(path, skip))
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(problems=[Problem(Location(str(path)), "no such file or folder")])
    unique = sorted({os.path.abspath(f): f for f in files}.items())
    return [f for _, f in unique], folders


def _walk(folder: Path, skip: str | None) -> Iterator[Path]:
    for root, dirs, names in os.walk(folder, followlinks=False):
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".") and (skip is None or os.path.realpath(Path(root, d)) != skip)
        )
        for name in sorted(names):
            full = Path(root, name)
            if name.startswith(".") or not name.endswith(PROFILE_SUFFIXES) or full.is_symlink():
                continue
            yield full


def profile_id(path: Path, base_dir: Path) -> str:
    return Path(os.path.relpath(os.path.abspath(path), os.path.abspath(base_dir))).as_posix()


def display_path(path: Path) -> str:
    relative = os.path.relpath(os.path.abspath(path))
    return path.as_posix() if relative.startswith("..") else Path(relative).as_posix()


def load_profiles(paths: Sequence[Path], options: LoadOptions) -> LoadResult:
    files, folders = discover(paths, options.out_dir)
    collector = ProblemCollector()
    loaded: list[LoadedProfile] = []
    notes: list[Finding] = []
    skipped: list[str] = []
    for file in files:
        try:
            result = load_profile_file(file, options)
        except InputError as error:
            collector.extend(error.problems)
            continue
        if result is None:
            message = f"{display_path(file)} is a {BASE_KIND}, which is never rendered"
            notes.append(Finding("profile-base-not-rendered", message))
            skipped.append(profile_id(file, options.base_dir))
        else:
            loaded.append(result)
    if not loaded and not files:
        raise InputError("no profiles found (looked for *.yaml and *.yml files)")
    folder_ids = tuple(profile_id(f, options.base_dir) for f in folders)
    return LoadResult(loaded, notes, folder_ids, tuple(skipped), tuple(collector.problems))


def load_profile_file(file: Path, options: LoadOptions) -> LoadedProfile | None:
    display = display_path(file)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(problems=[Problem(Location(display), f"cannot read: {error}")]) from None
    documents = [d for d in load_documents(text, display) if d is not None]
    positions = SourcePositions(display, text)
    if len(documents) != 1:
        raise InputError(
            problems=[
                Problem(
                    Location(display, 1, 1),
                    f"holds {len(documents)} YAML documents; a profile file holds exactly one",
                )
            ]
        )
    data = documents[0]
    if isinstance(data, dict) and data.get("kind") == BASE_KIND:
        return None
    if isinstance(data, dict) and options.exposure is not None:
        _override(data, ("spec", "exposure"), options.exposure)
    try:
        profile = Profile.model_validate(data)
    except ValidationError as error:
        raise InputError(
            problems=[_translate(e, positions, data) for e in error.errors(include_url=False)]
        ) from None
    loaded = LoadedProfile(
        id=profile_id(file, options.base_dir),
        display=display,
        profile=profile,
        positions=positions,
        validation_version=options.kubernetes_version or profile.spec.kubernetes_version,
    )
    return loaded


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
        message = f"{value!r} is not valid; expected one of: {expected}"
        if path == ("apiVersion",) or path == ("kind",):
            message += f" (a profile starts with apiVersion: {API_VERSION}, kind: {PROFILE_KIND})"
        return Problem(positions.locate(path), message, path)
    if kind in _TYPE_NAMES:
        message = f"{value!r} is not {_TYPE_NAMES[kind]}"
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
    return Problem(positions.locate(path), message, path)


def _unknown_field(path: tuple[str | int, ...]) -> str:
    name = str(path[-1])
    known = sorted(_fields_at(Profile, path[:-1]))
    hint = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    message = f"unknown field {name!r}"
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
