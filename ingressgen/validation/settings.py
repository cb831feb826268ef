"""What a run validates with (`--validator`, `--crd`, `--skip-kind`), and which backend that
means: light enough to decide before the validation modules are imported."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from ingressgen.errors import InputError

VALIDATORS = ("auto", "embedded", "kubeconform")
KUBECONFORM_ENV = "KUBECONFORM"


class ValidationSettings(NamedTuple):
    validator: str = "auto"  # auto | embedded | kubeconform
    crd_files: tuple[Path, ...] = ()
    skip_kinds: frozenset[str] = frozenset()
    # `--max-file-size`: None keeps reading.files.MAX_FILE_BYTES.
    max_file_bytes: int | None = None


def _executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def find_kubeconform() -> str | None:
    """$KUBECONFORM when set (it must then be an executable file), else kubeconform on PATH.

    (A plain PATH walk rather than shutil.which: `validate` pays for every import at start.)
    """
    named = os.environ.get(KUBECONFORM_ENV)
    if named:
        if not _executable(named):
            raise InputError(
                f"${KUBECONFORM_ENV} is set to {named!r}, which is not an executable file; "
                "unset it or point it at the kubeconform binary"
            )
        return named
    for folder in os.environ.get("PATH", os.defpath).split(os.pathsep):
        candidate = os.path.join(folder or ".", "kubeconform")
        if _executable(candidate):
            return candidate
    return None


def embedded_schemas_chosen(settings: ValidationSettings) -> bool:
    """Whether the run validates schemas in this process (not through kubeconform)."""
    if settings.validator == "embedded":
        return True
    return settings.validator == "auto" and find_kubeconform() is None
