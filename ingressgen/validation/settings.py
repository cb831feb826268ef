"""What a run validates with (`--validator`, `--crd`, `--skip-kind`, `--kubeconform-timeout`,
`--schema-location`), and which backend that means: light enough to decide before the validation
modules are imported.

`auto` once meant kubeconform whenever one was found, which silently changed a run's messages
and doubled its time on machines that had it; it is kept only as a deprecated name of the
default, `embedded` (the command line warns), so existing pipelines keep working.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from ingressgen.errors import InputError

VALIDATORS = ("embedded", "kubeconform", "auto")
DEPRECATED_AUTO = (
    "warning: --validator auto is deprecated; it now means embedded (the default), whether "
    "kubeconform is installed or not; use --validator kubeconform to run kubeconform"
)
KUBECONFORM_ENV = "KUBECONFORM"


class ValidationSettings(NamedTuple):
    validator: str = "embedded"  # embedded | kubeconform (auto: a deprecated embedded)
    crd_files: tuple[Path, ...] = ()
    skip_kinds: frozenset[str] = frozenset()
    kubeconform_timeout: float = 120.0  # seconds; see schemas/child.py
    schema_locations: tuple[str, ...] = ()  # --schema-location values, as given
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
    return settings.validator != "kubeconform"
