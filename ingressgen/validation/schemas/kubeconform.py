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

import contextlib
import hashlib
import json
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ingressgen.errors import InputError
from ingressgen.kube_versions import strict_schema_folder
from ingressgen.validation.findings import KUBECONFORM_RULE, Finding
from ingressgen.validation.schemas import cache
from ingressgen.validation.schemas.backends import MISSING_IDENTITY, identity, no_schema_message
from ingressgen.validation.schemas.bundles import definitions, schema_file_name, self_contained
from ingressgen.validation.schemas.crd_registry import load_own_crd_schemas

WORKERS = 2  # kubeconform.md: on these 2-core machines -n 2 is fastest
TIMEOUT_SECONDS = 600
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


def prepared_builtin_schemas(
    kubernetes_version: str, kinds: Sequence[GroupVersionKind] | None = None
) -> Path:
    """The folder to give kubeconform for built-in kinds, prepared once per version; `kinds`:
    the ones this run checks, whose files alone are verified against the cache's manifest."""
    root = cache_root() / f"kubernetes-validate-{_kubernetes_validate_version()}"
    source = strict_schema_folder(kubernetes_version)

    def fill(scratch: Path) -> None:
        for path in sorted(source.glob("*.json")):
            schema = json.loads(path.read_text(encoding="utf-8"))
            (scratch / path.name).write_text(
                json.dumps(_rewrite_builtin(schema), separators=(",", ":")), encoding="utf-8"
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
        self, binary: str, user_schemas: dict[GroupVersionKind, dict[str, Any]] | None = None
    ) -> None:
        self.binary = binary
        self._user_schemas = user_schemas or {}

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
                (objects_dir / f"{i:06d}.json").write_text(json.dumps(objects[i]), encoding="utf-8")
            locations = []
            if self._user_schemas:
                write_crd_schemas(work / "crds", self._user_schemas, kubernetes_version)
                locations.append(f"{work / 'crds'}/{CRD_LOCATION}")
            locations.append(f"{prepared_own_crd_schemas(kubernetes_version)}/{CRD_LOCATION}")
            kinds = sorted({gvk for i in sent if (gvk := _group_version_kind(objects[i]))})
            builtin = prepared_builtin_schemas(kubernetes_version, kinds)
            locations.append(f"{builtin}/{BUILTIN_LOCATION}")
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
        try:
            completed = subprocess.run(
                argv, capture_output=True, text=True, check=False, timeout=TIMEOUT_SECONDS
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise InputError(f"kubeconform ({self.binary}) could not be run: {error}") from None
        report: Any = None
        with contextlib.suppress(ValueError):
            report = json.loads(completed.stdout)
        if not isinstance(report, dict):
            detail = (completed.stderr or completed.stdout).strip()[:2000]
            raise InputError(
                f"kubeconform ({self.binary}) exited with {completed.returncode} without a JSON "
                f"report: {detail or 'no output'}"
            )
        return report
