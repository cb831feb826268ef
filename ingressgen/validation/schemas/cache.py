"""ingressgen's cache folder ($XDG_CACHE_HOME/ingressgen or ~/.cache/ingressgen) and atomic writes.

Everything in it can be rebuilt from the installed packages, so a cache that cannot be written
(a read-only home in CI) only costs time, never correctness.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path


def cache_root() -> Path:
    # The XDG spec: a relative $XDG_CACHE_HOME is invalid and ignored (it would put the cache
    # in whatever folder the command runs in).
    configured = os.environ.get("XDG_CACHE_HOME", "")
    base = (
        configured if os.path.isabs(configured) else os.path.join(os.path.expanduser("~"), ".cache")
    )
    return Path(base) / "ingressgen"


def write_file_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all; errors are swallowed (it is only a cache)."""
    import tempfile  # here, not at the top: only a first run writes

    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, scratch = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(descriptor, "wb") as stream:
                stream.write(data)
            os.replace(scratch, path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(scratch)


def prepare_folder_atomically(final: Path, fill: Callable[[Path], None]) -> Path:
    """Build `final` in a scratch folder beside it and rename it into place in one step.

    Concurrent runs may both build it; the first rename wins and the other's copy is dropped.
    A crash leaves only a scratch folder, never a half-written `final`.
    """
    if final.is_dir():
        return final
    import shutil
    import tempfile

    final.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
    try:
        fill(scratch)
        try:
            os.rename(scratch, final)
        except OSError:
            if not final.is_dir():
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return final
