"""One function per subcommand: each does the work and returns a report; none prints."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingressgen.errors import EXIT_CHECK_FAILED, EXIT_OK, InputError
from ingressgen.kube_versions import DEFAULT_KUBERNETES_VERSION
from ingressgen.loading import LoadOptions
from ingressgen.output import apply_output, check_output, plan_output
from ingressgen.pipeline import render_profiles
from ingressgen.profile import Profile
from ingressgen.validation.manifests import validate_manifests

KUBECONFORM_ENV = "KUBECONFORM"


@dataclass
class CommandReport:
    exit_code: int = EXIT_OK
    lines: list[str] = field(default_factory=list)  # for stdout
    notes: list[str] = field(default_factory=list)  # for stderr


def render(
    paths: Sequence[Path],
    out_dir: Path,
    *,
    exposure: str | None = None,
    kubernetes_version: str | None = None,
    validator: str = "auto",
    check: bool = False,
) -> CommandReport:
    _choose_validator(validator)
    options = LoadOptions(
        base_dir=Path(os.path.abspath(out_dir)).parent,
        exposure=exposure,
        kubernetes_version=kubernetes_version,
    )
    result = render_profiles(paths, out_dir, options)
    report = CommandReport(notes=[str(n) for n in result.notes])
    plan = plan_output(out_dir, result.files, result.scope)
    shown = out_dir.as_posix().rstrip("/")
    if check:
        drift = check_output(plan)
        if drift.clean:
            report.lines.append(f"{shown}/ is up to date ({len(result.objects)} objects)")
            return report
        report.exit_code = EXIT_CHECK_FAILED
        report.lines.extend(f"changed: {shown}/{p}" for p in drift.changed)
        report.lines.extend(f"missing: {shown}/{p}" for p in drift.missing)
        report.lines.extend(f"extra: {shown}/{p}" for p in drift.extra)
        report.lines.append(f"{shown}/ differs from the profiles: run 'ingressgen render' again")
        return report
    changed = apply_output(plan)
    objects = len(result.objects)
    if changed:
        report.lines.append(f"rendered {objects} objects into {shown}/")
    else:
        report.lines.append(f"{shown}/ already up to date ({objects} objects)")
    return report


def _choose_validator(choice: str) -> None:
    """The embedded validator is the one this version has; be clear when kubeconform is asked."""
    if choice != "kubeconform":
        return
    binary = os.environ.get(KUBECONFORM_ENV) or shutil.which("kubeconform")
    where = f"found at {binary}" if binary else "not found on PATH or in $KUBECONFORM"
    raise InputError(
        f"--validator kubeconform: the kubeconform backend is not part of this version of "
        f"ingressgen (kubeconform {where}); use --validator embedded or auto"
    )


def validate(paths: Sequence[Path], *, kubernetes_version: str | None = None) -> CommandReport:
    version = kubernetes_version or DEFAULT_KUBERNETES_VERSION
    result = validate_manifests(paths, version)
    report = CommandReport()
    report.lines.extend(str(p) for p in result.problems)
    valid = result.objects - result.invalid
    report.lines.append(
        f"{result.files} files, {result.objects} objects: {valid} valid, {result.invalid} invalid"
        f" (Kubernetes {version})"
    )
    if result.problems:
        report.exit_code = EXIT_CHECK_FAILED
    return report


def profile_schema() -> dict[str, Any]:
    return Profile.model_json_schema(by_alias=True)
