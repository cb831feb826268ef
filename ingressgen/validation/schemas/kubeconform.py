"""The kubeconform backend: the user's kubeconform binary over the same schemas ingressgen embeds.

ingressgen never downloads kubeconform: it runs the binary named by $KUBECONFORM or found on
PATH. Offline use needs prepared schema folders (kubeconform.md, "the trap"): kubernetes-validate's
files carry `"$id": "https://kubernetes.io/api/..."` and root-relative refs
(`/api/_definitions.json#...`) that kubeconform would resolve against kubernetes.io. So each
version's strict folder is copied once into the cache with every `$id` removed and those refs
made file-relative (`_definitions.json#...`). ingressgen's own CRD schemas and the user's `--crd`
schemas point at the same definitions for `metadata`; they are written self-contained instead,
with the definitions they need copied into their own `$defs`.

The objects are the ones ingressgen parsed itself (one JSON file each), so both backends see
exactly the same objects, duplicate keys are refused the same way, and every result maps back to
its object. `-verbose` makes kubeconform list every resource, skipped ones included: a skipped
resource, a missing schema or a resource missing from the report is a failure, never a pass.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ingressgen.errors import format_field_path
from ingressgen.kube_versions import strict_schema_folder
from ingressgen.validation.findings import KUBECONFORM_RULE, Finding
from ingressgen.validation.schemas import cache
from ingressgen.validation.schemas.backends import MISSING_IDENTITY, identity, no_schema_message
from ingressgen.validation.schemas.bundles import (
    INTEGER_BOUNDS,
    definitions,
    schema_file_name,
    self_contained,
    with_integer_bounds,
)
from ingressgen.validation.schemas.child import DEFAULT_TIMEOUT_SECONDS, run_bounded
from ingressgen.validation.schemas.crd_registry import load_own_crd_schemas
from ingressgen.validation.schemas.kubeconform_report import message_errors, parse_report
from ingressgen.validation.schemas.locations import SchemaLocations, parse_locations

WORKERS = 2  # kubeconform.md: on these 2-core machines -n 2 is fastest
_ROOT_RELATIVE_REF = "/api/_definitions.json#"
_INVALID_PREFIX = "problem validating schema. Check JSON formatting:"
BUILTIN_LOCATION = (
    "{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/"
    "{{ .ResourceKind }}{{ .KindSuffix }}.json"
)
CRD_LOCATION = "{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"

GroupVersionKind = tuple[str, str, str]


# ---- the prepared schema cache ----


def cache_root() -> Path:
    return cache.cache_root() / "kubeconform"


def _kubernetes_validate_version() -> str:
    import importlib.metadata  # tens of milliseconds: only when kubeconform is used

    return importlib.metadata.version("kubernetes-validate")


def _rewrite_builtin(node: Any) -> Any:
    """Drop every `$id` and make `/api/_definitions.json#` refs file-relative."""
    if isinstance(node, dict):
        result = {}
        for key, value in node.items():
            if key == "$id":
                continue
            if key == "$ref" and isinstance(value, str) and value.startswith(_ROOT_RELATIVE_REF):
                value = "_definitions.json#" + value[len(_ROOT_RELATIVE_REF) :]
            result[key] = _rewrite_builtin(value)
        return result
    if isinstance(node, list):
        return [_rewrite_builtin(item) for item in node]
    return node


# kubeconform compares numbers as float64, where 2**63 - 1 rounds up to 2**63: an int64 bound
# would refuse the largest valid int64s, so only int32 fields get theirs (exact in a float64).
_INT32_ONLY = {"int32": INTEGER_BOUNDS["int32"]}


def prepared_builtin_schemas(
    kubernetes_version: str, kinds: Sequence[GroupVersionKind] | None = None
) -> Path:
    """The folder to give kubeconform for built-in kinds, prepared once per version; `kinds`:
    the ones this run checks, whose files alone are verified against the cache's manifest."""
    # The suffix names the layout: folders prepared before integer bounds were added are not
    # reused (they would let `replicas: 2147483648` pass under kubeconform only).
    root = cache_root() / f"kubernetes-validate-{_kubernetes_validate_version()}-int-bounds"
    source = strict_schema_folder(kubernetes_version)

    def fill(scratch: Path) -> None:
        for path in sorted(source.glob("*.json")):
            schema = json.loads(path.read_text(encoding="utf-8"))
            (scratch / path.name).write_text(
                json.dumps(
                    _rewrite_builtin(with_integer_bounds(schema, _INT32_ONLY)),
                    separators=(",", ":"),
                ),
                encoding="utf-8",
            )

    needed = None
    if kinds is not None:
        names = (schema_file_name(*gvk) for gvk in kinds)
        # A kind with a "/" names no file of this folder: kubeconform finds no schema for it.
        needed = ["_definitions.json", *(n for n in names if "/" not in n and n[0] != ".")]
    cache.prepare_folder_atomically(root / source.name, fill, needed)
    return root


def write_crd_schemas(
    folder: Path, schemas: dict[GroupVersionKind, dict[str, Any]], kubernetes_version: str
) -> None:
    """Lay schemas out as kubeconform's CRD template expects: <group>/<kind>_<version>.json."""
    defs = definitions(kubernetes_version)
    for (group, version, kind), schema in schemas.items():
        path = folder / group / f"{kind.lower()}_{version}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self_contained(schema, defs)), encoding="utf-8")


def prepared_own_crd_schemas(kubernetes_version: str) -> Path:
    """ingressgen's own CRD schemas for kubeconform, keyed by their content and the version."""
    own = load_own_crd_schemas()
    digest = hashlib.sha256(json.dumps(sorted(own.items()), sort_keys=True).encode()).hexdigest()
    final = cache_root() / f"ingressgen-crds-{digest[:16]}" / f"v{kubernetes_version}.0"
    return cache.prepare_folder_atomically(
        final, lambda scratch: write_crd_schemas(scratch, own, kubernetes_version)
    )


def _group_version_kind(obj: dict[str, Any]) -> GroupVersionKind | None:
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return None
    group, _, version = api_version.rpartition("/")
    return group, version, kind


# ---- running it ----


def command(
    binary: str, kubernetes_version: str, locations: Sequence[str], objects_dir: Path
) -> list[str]:
    argv = [binary, "-strict", "-summary", "-output", "json", "-verbose"]
    argv += ["-kubernetes-version", f"{kubernetes_version}.0", "-n", str(WORKERS)]
    for location in locations:
        argv += ["-schema-location", location]
    return [*argv, str(objects_dir)]


def _field_path(pointer: str, obj: Any) -> tuple[str | int, ...]:
    """A JSON pointer (/spec/ports/0/port) as a field path, list indexes as ints."""
    path: list[str | int] = []
    node = obj
    for raw in pointer.strip("/").split("/") if pointer.strip("/") else []:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and part.isdigit():
            index = int(part)
            path.append(index)
            node = node[index] if index < len(node) else None
        else:
            path.append(part)
            node = node.get(part) if isinstance(node, dict) else None
    return tuple(path)


def _message(text: str) -> str:
    return text.removeprefix(_INVALID_PREFIX).strip() or "invalid"


def findings_for(
    result: dict[str, Any], obj: dict[str, Any], kubernetes_version: str
) -> list[Finding]:
    """One kubeconform resource result as ingressgen findings."""
    status = result.get("status")
    message = str(result.get("msg") or "")
    if status == "statusValid":
        return []
    if status == "statusInvalid":
        detailed = message_errors(message)  # the whole error tree: see kubeconform_report.py
        if detailed:  # sorted as the embedded backend's: kubeconform's order varies between runs
            found = {(_field_path(e.pointer, obj), e.message) for e in detailed}
            ordered = sorted(found, key=lambda e: (format_field_path(e[0]), e[1]))
            return [Finding(path, text, KUBECONFORM_RULE) for path, text in ordered]
        errors = [e for e in result.get("validationErrors") or [] if isinstance(e, dict)]
        if not errors:
            return [Finding((), _message(message), KUBECONFORM_RULE)]
        return [
            Finding(
                _field_path(str(e.get("path", "")), obj),
                _message(str(e.get("msg", ""))),
                KUBECONFORM_RULE,
            )
            for e in errors
        ]
    if status == "statusError" and "could not find schema" in message:
        return [
            Finding(
                (),
                f"kubeconform: {message}; " + no_schema_message(obj, kubernetes_version),
                KUBECONFORM_RULE,
            )
        ]
    if status == "statusError":
        return [
            Finding((), f"kubeconform could not check this object: {message}", KUBECONFORM_RULE)
        ]
    if status == "statusSkipped":
        return [
            Finding(
                (),
                "kubeconform skipped this object; a skipped object is never passed",
                KUBECONFORM_RULE,
            )
        ]
    return [Finding((), f"kubeconform reported {status!r}: {message}", KUBECONFORM_RULE)]


class KubeconformSchemas:
    """Runs kubeconform once per batch of objects and maps its JSON report back to them."""

    name = "kubeconform"

    def __init__(
        self,
        binary: str,
        user_schemas: dict[GroupVersionKind, dict[str, Any]] | None = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        locations: SchemaLocations | None = None,
    ) -> None:
        self.binary = binary
        self._user_schemas = user_schemas or {}
        self._timeout = timeout
        self._locations = locations or SchemaLocations(parse_locations(()))

    def prepare(self, kubernetes_version: str) -> None:
        """kubeconform compiles the schemas itself: nothing to do ahead."""

    def check(
        self, objects: Sequence[dict[str, Any]], kubernetes_version: str
    ) -> list[list[Finding]]:
        results: list[list[Finding]] = [[] for _ in objects]
        sent = [i for i, obj in enumerate(objects) if identity(obj) is not None]
        for i, obj in enumerate(objects):
            if identity(obj) is None:
                results[i] = [Finding((), MISSING_IDENTITY, KUBECONFORM_RULE)]
        if not sent:
            return results
        with tempfile.TemporaryDirectory(prefix="ingressgen-kubeconform-") as scratch:
            work = Path(scratch)
            objects_dir = work / "objects"
            objects_dir.mkdir()
            for i in sent:
                text = json.dumps(without_secret_values(objects[i]))
                (objects_dir / f"{i:06d}.json").write_text(text, encoding="utf-8")
            locations = []
            if self._user_schemas:
                write_crd_schemas(work / "crds", self._user_schemas, kubernetes_version)
                locations.append(f"{work / 'crds'}/{CRD_LOCATION}")
            kinds = sorted({gvk for i in sent if (gvk := _group_version_kind(objects[i]))})
            builtin = [
                f"{prepared_own_crd_schemas(kubernetes_version)}/{CRD_LOCATION}",
                f"{prepared_builtin_schemas(kubernetes_version, kinds)}/{BUILTIN_LOCATION}",
            ]
            locations += self._locations.kubeconform_arguments(builtin)  # --schema-location
            report = self._run(command(self.binary, kubernetes_version, locations, objects_dir))
        reported: dict[int, list[Finding]] = {}
        for resource in report.get("resources") or []:
            if not isinstance(resource, dict):
                continue
            stem = Path(str(resource.get("filename", ""))).stem
            if not stem.isdigit() or int(stem) not in sent:
                continue
            index = int(stem)
            reported.setdefault(index, []).extend(
                findings_for(resource, objects[index], kubernetes_version)
            )
        for i in sent:
            results[i] = reported.get(
                i,
                [
                    Finding(
                        (),
                        "kubeconform reported nothing for this object; it is not passed",
                        KUBECONFORM_RULE,
                    )
                ],
            )
        return results

    def _run(self, argv: list[str]) -> dict[str, Any]:
        finished = run_bounded(argv, timeout=self._timeout)
        return parse_report(finished.stdout, finished.stderr, finished.returncode, self.binary)


# Secret values are written to disk for kubeconform, which never needs them: its schema checks
# only the types. Each value becomes a harmless one of the same JSON type, so a type error is
# still reported at the same path ("" is valid base64, the encoding of nothing).
_HARMLESS: dict[type, Any] = {str: "", int: 0, float: 0.0, bool: False, list: [], dict: {}}


def without_secret_values(obj: dict[str, Any]) -> dict[str, Any]:
    """A core/v1 Secret with every `data` and `stringData` value replaced; others as they are."""
    if obj.get("kind") != "Secret" or obj.get("apiVersion") != "v1":
        return obj
    redacted = dict(obj)
    for field in ("data", "stringData"):
        values = obj.get(field)
        if isinstance(values, dict):
            redacted[field] = {key: _HARMLESS.get(type(v), v) for key, v in values.items()}
    return redacted
