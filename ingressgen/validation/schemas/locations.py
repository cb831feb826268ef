"""`--schema-location`: schemas from local folders and kubeconform-style templates.

A location is one of:
- `default`: the schemas ingressgen ships (its own CRD schemas, then Kubernetes'), at that place in
  the order, as kubeconform's `default` names its built-in location. When no location is
  `default`, the built-ins come after all the given ones: ingressgen never drops them.
- a template in kubeconform's local syntax, ending in `.json`, e.g.
  `crds/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`. Only `{{ .Variable }}`
  substitutions of the six variables kubeconform v0.7.0 defines are taken.
- a folder, tried in two layouts: the CRDs-catalog one (`<group>/<kind>_<version>.json`), then
  the one kubeconform assumes for a location not ending in "json"
  (`vX.Y.Z-standalone-strict/<kind>-<suffix>.json`, as kubernetes-json-schema lays it out).

Locations are tried in order; the first file that exists for an object's kind is its schema, as
in kubeconform. Nothing is ever fetched: a URL is refused. A schema file is untrusted input: one
that cannot be read, is not JSON, is not a JSON object, is nested too deeply or does not compile is
a finding naming the file (never a silent skip to the next location, never a crash).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from ingressgen.errors import InputError, Location, Problem

DEFAULT = "default"
# What kubeconform v0.7.0's template data holds (pkg/registry/registry.go, schemaPath).
VARIABLES = (
    "NormalizedKubernetesVersion",
    "StrictSuffix",
    "ResourceKind",
    "ResourceAPIVersion",
    "Group",
    "KindSuffix",
)
CATALOG_LAYOUT = "{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"
# What kubeconform appends to a location that does not end in "json".
KUBECONFORM_FOLDER_LAYOUT = (
    "{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/"
    "{{ .ResourceKind }}{{ .KindSuffix }}.json"
)
# Deeper than any real schema (Kubernetes' own stay under 40 levels); jsonschema-rs gives up on
# nesting near 200 levels anyway, and a bound here keeps Python's own walk cheap and safe.
MAX_SCHEMA_DEPTH = 256

_ACTION = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_VARIABLE = re.compile(r"\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_HINT = "expected `default`, a folder, or a template such as " + CATALOG_LAYOUT


class SchemaLocation(NamedTuple):
    given: str  # as written on the command line, for messages
    templates: tuple[str, ...]  # templates tried in turn, paths as given; () for `default`

    @property
    def is_default(self) -> bool:
        return not self.templates


def _variables(template: str) -> list[str]:
    """The variables a template uses; raises ValueError saying what is wrong with it."""
    names: list[str] = []
    for match in _ACTION.finditer(template):
        variable = _VARIABLE.fullmatch(match.group(1))
        if variable is None:
            raise ValueError(
                f"{match.group(0)!r} is not supported: only substitutions like "
                "{{ .ResourceKind }} are (no pipelines, functions or trim markers)"
            )
        if variable.group(1) not in VARIABLES:
            raise ValueError(
                f"unknown variable .{variable.group(1)}; the variables are "
                + ", ".join(f".{name}" for name in VARIABLES)
            )
        names.append(variable.group(1))
    if "{{" in _ACTION.sub("", template):
        raise ValueError("a '{{' is never closed by '}}'")
    return names


def _absolute(path: str) -> str:
    # Joined, not normalised: normalising could fold a `..` across a `{{ }}` action.
    return path if os.path.isabs(path) else os.path.join(os.getcwd(), path)


def parse_location(text: str) -> SchemaLocation:
    """One --schema-location value; raises ValueError with the reason it is refused."""
    if text == DEFAULT:
        return SchemaLocation(text, ())
    if _URL.match(text):
        raise ValueError(
            "a URL: ingressgen never fetches schemas; download them (e.g. a checkout of the "
            "CRDs-catalog) and give the local folder or a template over it"
        )
    if not text:
        raise ValueError(f"empty; {_HINT}")
    if "{{" in text or "}}" in text:
        names = _variables(text)
        if not names:
            raise ValueError(
                "a template without a {{ .Variable }}: it would name one file for every kind"
            )
        if not text.endswith("json"):
            raise ValueError(
                "a template must end in .json (kubeconform would append its own folder layout "
                "to one that does not)"
            )
        prefix = text[: text.index("{{")]
        folder = prefix if prefix.endswith("/") else os.path.dirname(prefix)
        if not os.path.isdir(folder or "."):
            raise ValueError(f"its folder {folder!r} does not exist")
        return SchemaLocation(text, (text,))
    if os.path.isdir(text):
        # Paths stay as the user wrote them, so findings name files the way the user does.
        root = text.rstrip("/") or "/"
        return SchemaLocation(
            text,
            (os.path.join(root, CATALOG_LAYOUT), os.path.join(root, KUBECONFORM_FOLDER_LAYOUT)),
        )
    if os.path.exists(text):
        raise ValueError(f"a file, not a folder or a template; {_HINT}")
    raise ValueError(f"no such folder; {_HINT}")


def parse_locations(texts: Sequence[str]) -> tuple[SchemaLocation, ...]:
    """Every --schema-location, in order, `default` appended when none names it.

    All refused values are reported at once (exit 2)."""
    locations: list[SchemaLocation] = []
    problems: list[Problem] = []
    for text in texts:
        try:
            locations.append(parse_location(text))
        except ValueError as error:
            problems.append(Problem(Location(text), f"--schema-location: {error}"))
    if problems:
        raise InputError(problems=problems)
    if not any(location.is_default for location in locations):
        locations.append(SchemaLocation(DEFAULT, ()))
    return tuple(locations)


def template_values(api_version: str, kind: str, kubernetes_version: str) -> dict[str, str]:
    """The values kubeconform v0.7.0 gives its template for an object (schemaPath):

    the version as `v` + x.y.z (ingressgen runs kubeconform with X.Y.0, never `master`), `-strict`
    (ingressgen always validates strictly), the kind in lower case, the version after the last
    `/`, the group as written (the whole apiVersion, e.g. `v1`, for the core group), and
    `-<first DNS label of the group>-<version>` in lower case (`-v1` for the core group)."""
    parts = api_version.split("/")
    suffix = "-" + parts[0].split(".")[0].lower()
    if len(parts) > 1:
        suffix += "-" + parts[1].lower()
    return {
        "NormalizedKubernetesVersion": f"v{kubernetes_version}.0",
        "StrictSuffix": "-strict",
        "ResourceKind": kind.lower(),
        "ResourceAPIVersion": parts[-1],
        "Group": parts[0],
        "KindSuffix": suffix,
    }


def expand(template: str, values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        variable = _VARIABLE.fullmatch(match.group(1))
        assert variable is not None  # parse_location checked every action
        return values[variable.group(1)]

    return _ACTION.sub(value, template)


def _safe_in_path(values: dict[str, str]) -> bool:
    """A manifest's apiVersion and kind end up in a file path: none may climb out of the
    location's folder (`apiVersion: ../../x/v1`) or hold a separator or NUL."""
    return all(
        value not in ("", ".", "..") and "/" not in value and "\0" not in value
        for value in values.values()
    )


# ---- reading a schema file (untrusted) ----


class SchemaFile(NamedTuple):
    path: str
    schema: dict[str, Any] | None
    problem: str | None  # why the file cannot be used; None when `schema` is set


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _too_deep(value: Any) -> bool:
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_SCHEMA_DEPTH:
            return True
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
    return False


def read_schema_file(path: str) -> SchemaFile | None:
    """The schema in `path`; None when there is no such file (the next location's turn)."""
    from ingressgen.validation.reading.files import Unreadable, read_file

    try:
        data = read_file(path, b"")
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as error:
        return SchemaFile(path, None, f"cannot be read: {error.strerror or error}")
    except Unreadable as unreadable:
        return SchemaFile(path, None, unreadable.problem.message)
    try:
        value = json.loads(data.decode("utf-8"), parse_constant=_refuse_constant)
    except UnicodeDecodeError as error:
        return SchemaFile(path, None, f"not UTF-8 text ({error.reason})")
    except json.JSONDecodeError as error:
        return SchemaFile(
            path, None, f"not valid JSON at line {error.lineno} column {error.colno}: {error.msg}"
        )
    except (ValueError, RecursionError) as error:
        reason = "nested too deeply" if isinstance(error, RecursionError) else str(error)
        return SchemaFile(path, None, f"not valid JSON: {reason}")
    if not isinstance(value, dict):
        found = "null" if value is None else type(value).__name__.replace("dict", "object")
        return SchemaFile(path, None, f"a schema must be a JSON object, not a JSON {found}")
    if _too_deep(value):
        return SchemaFile(path, None, f"nested more than {MAX_SCHEMA_DEPTH} levels deep")
    return SchemaFile(path, value, None)


# ---- the lookup ----


class Found(NamedTuple):
    """Where an object's schema comes from: a file of a location, or the built-ins (file None)."""

    location: SchemaLocation
    file: SchemaFile | None


def usage_problem(found: Found) -> str | None:
    """The finding's message when the schema file found cannot be used, else None."""
    if found.file is None or found.file.problem is None:
        return None
    return schema_file_message(found, found.file.problem)


def schema_file_message(found: Found, problem: str) -> str:
    path = found.file.path if found.file else "?"
    return (
        f"schema file {path} (from --schema-location {found.location.given!r}): {problem}; "
        "fix or remove the file (a broken schema is never skipped)"
    )


class SchemaProblem(NamedTuple):
    """A schema file that cannot be used: the object gets this message as its finding."""

    message: str


GroupVersionKind = tuple[str, str, str]
BuiltinHas = Callable[[str, GroupVersionKind], bool]


def _builtin_validator_exists(kubernetes_version: str, gvk: GroupVersionKind) -> bool:
    from ingressgen.validation.schemas import embedded

    return embedded.validator_for_kind(kubernetes_version, gvk) is not None


def _builtin_exists(kubernetes_version: str, gvk: GroupVersionKind) -> bool:
    from ingressgen.validation.schemas.bundles import bundled_schema

    return bundled_schema(kubernetes_version, gvk) is not None


class SchemaLocations:
    """The ordered locations of a run, with what each file held read once per process."""

    def __init__(self, locations: Sequence[SchemaLocation]) -> None:
        self.locations = tuple(locations)
        self._files: dict[str, SchemaFile | None] = {}
        self._compiled: dict[str, Any] = {}
        self._validators: dict[tuple[str, GroupVersionKind], Any] = {}
        self._problems: dict[tuple[str, GroupVersionKind], SchemaProblem | None] = {}

    def find(
        self,
        api_version: str,
        kind: str,
        kubernetes_version: str,
        builtin_has: Callable[[], bool],
    ) -> Found | None:
        """The first location with a schema for this kind; None when none has one."""
        values = template_values(api_version, kind, kubernetes_version)
        safe = _safe_in_path(values)
        for location in self.locations:
            if location.is_default:
                if builtin_has():
                    return Found(location, None)
                continue
            if not safe:
                continue
            for template in location.templates:
                path = expand(template, values)
                if path not in self._files:
                    self._files[path] = read_schema_file(path)
                schema_file = self._files[path]
                if schema_file is not None:
                    return Found(location, schema_file)
        return None

    def validator(self, kubernetes_version: str, gvk: GroupVersionKind) -> Any:
        """The compiled validator for a kind: from the first location that has its schema (the
        built-ins at `default`); a SchemaProblem when that file cannot be used; None when no
        location has one."""
        key = (kubernetes_version, gvk)
        if key not in self._validators:
            self._validators[key] = self._compile(kubernetes_version, gvk)
        return self._validators[key]

    def problem(self, kubernetes_version: str, gvk: GroupVersionKind) -> SchemaProblem | None:
        """Whether the schema file this kind would be checked with cannot be used (for a backend
        that reads the files itself, kubeconform: v0.7.0 reports a broken file as an error
        without naming it, and crashes on a JSON array)."""
        key = (kubernetes_version, gvk)
        if key not in self._problems:
            result = self._unsafe(kubernetes_version, gvk)
            if result is None:
                found = self._find(kubernetes_version, gvk, builtin_has=_builtin_exists)
                if found is not None and found.file is not None:
                    result = self._validator_of_file(found)
            self._problems[key] = result if isinstance(result, SchemaProblem) else None
        return self._problems[key]

    def _unsafe(self, kubernetes_version: str, gvk: GroupVersionKind) -> SchemaProblem | None:
        """Refused alike by both backends (kubeconform would read such a path): an apiVersion or
        kind that would lead a template out of its folder. No built-in kind is like that."""
        group, version, kind = gvk
        api_version = f"{group}/{version}" if group else version
        values = template_values(api_version, kind, kubernetes_version)
        if _safe_in_path(values) or all(loc.is_default for loc in self.locations):
            return None
        return SchemaProblem(
            f"apiVersion {api_version!r} and kind {kind!r} cannot name a schema file under "
            "--schema-location: neither may be empty, '.' or '..' in any part, or hold a '/' "
            "in the kind (the path would lead out of the location's folder)"
        )

    def _find(
        self, kubernetes_version: str, gvk: GroupVersionKind, builtin_has: BuiltinHas
    ) -> Found | None:
        group, version, kind = gvk
        api_version = f"{group}/{version}" if group else version
        return self.find(
            api_version, kind, kubernetes_version, lambda: builtin_has(kubernetes_version, gvk)
        )

    def _compile(self, kubernetes_version: str, gvk: GroupVersionKind) -> Any:
        from ingressgen.validation.schemas import embedded

        unsafe = self._unsafe(kubernetes_version, gvk)
        if unsafe is not None:
            return unsafe
        found = self._find(kubernetes_version, gvk, builtin_has=_builtin_validator_exists)
        if found is None:
            return None
        if found.file is None:
            return embedded.validator_for_kind(kubernetes_version, gvk)
        return self._validator_of_file(found)

    def _validator_of_file(self, found: Found) -> Any:
        from ingressgen.validation.schemas import embedded

        assert found.file is not None
        if found.file.path in self._compiled:
            return self._compiled[found.file.path]
        problem = usage_problem(found)
        if problem is not None:
            result: Any = SchemaProblem(problem)
        else:
            assert found.file.schema is not None
            try:
                result = embedded.compile_standalone(found.file.schema)
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as error:  # ValueError, or a panic inside jsonschema-rs
                reason = str(error).split("\n", 1)[0]
                result = SchemaProblem(
                    schema_file_message(found, f"not a usable JSON Schema: {reason}")
                )
        self._compiled[found.file.path] = result
        return result

    def kubeconform_arguments(self, builtin: Sequence[str]) -> list[str]:
        """The `-schema-location` values for kubeconform, `default` replaced by `builtin`. Each
        path is made absolute: kubeconform takes any location starting with "http" for a URL."""
        arguments: list[str] = []
        for location in self.locations:
            if location.is_default:
                arguments.extend(builtin)
            else:
                arguments.extend(_absolute(template) for template in location.templates)
        return arguments
