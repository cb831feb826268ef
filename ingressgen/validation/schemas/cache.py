"""ingressgen's cache folder ($XDG_CACHE_HOME/ingressgen or ~/.cache/ingressgen) and atomic writes.

Everything in it can be rebuilt from the installed packages, so a cache that cannot be written
(a read-only home in CI) only costs time, never correctness. Nothing in it is trusted either:
each cached file carries the SHA-256 of its name and content (a sealed file), and each prepared
folder a manifest of its files' digests, written last. A file that is damaged, truncated,
swapped for another, replaced by a link or planted is rebuilt, never believed: a schema that
silently accepted everything would turn a wrong manifest into a pass.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Callable, Iterable
from pathlib import Path

try:  # the builtin module: hashlib's OpenSSL import costs every `validate` a few milliseconds
    from _sha2 import sha256  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - depends on the Python version
    try:
        from _sha256 import sha256  # type: ignore[import-not-found,no-redef,unused-ignore]
    except ImportError:
        from hashlib import sha256  # type: ignore[assignment,unused-ignore]

# The builtin SHA-256 hashes about 100 MB/s, OpenSSL's ten times that: past this size (a
# Deployment's bundle, kubeconform's _definitions.json) OpenSSL's import pays for itself.
_LARGE = 64 * 1024

MANIFEST_NAME = ".ingressgen-manifest"  # no .json: never taken for a schema
_SEAL = b"ingressgen-sealed-1\n"
_DIGEST_SIZE = 32
_MAX_CACHED_FILE = 64 * 1024 * 1024  # bytes; the largest cached file is about 2 MB


def cache_root() -> Path:
    # The XDG spec: a relative $XDG_CACHE_HOME is invalid and ignored (it would put the cache
    # in whatever folder the command runs in).
    configured = os.environ.get("XDG_CACHE_HOME", "")
    base = (
        configured if os.path.isabs(configured) else os.path.join(os.path.expanduser("~"), ".cache")
    )
    return Path(base) / "ingressgen"


def _digest(name: str, payload: bytes) -> bytes:
    # The name is part of the digest, so two valid files swapped are both refused.
    if len(payload) >= _LARGE:
        from hashlib import sha256 as fast_sha256

        hasher = fast_sha256(name.encode("utf-8", "surrogateescape") + b"\0")
        hasher.update(payload)
        return hasher.digest()
    hasher = sha256(name.encode("utf-8", "surrogateescape") + b"\0")
    hasher.update(payload)
    return bytes(hasher.digest())


def seal(name: str, payload: bytes) -> bytes:
    """`payload` as it is stored under `name`: a marker, its digest, then the payload."""
    return _SEAL + _digest(name, payload) + payload


def read_sealed(path: Path) -> bytes | None:
    """The payload of a sealed file, or None when it is missing, not a regular file (a link, a
    FIFO) or does not match its digest."""
    data = _read_regular_file(path)
    if data is None or not data.startswith(_SEAL):
        return None
    start = len(_SEAL) + _DIGEST_SIZE
    digest, payload = data[len(_SEAL) : start], data[start:]
    return payload if digest == _digest(path.name, payload) else None


def _read_regular_file(path: Path) -> bytes | None:
    """The bytes of a regular file of a sane size, never through a link and never blocking on a
    FIFO."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_CACHED_FILE:
            return None  # nothing ingressgen caches is that large: never read it into memory
        with os.fdopen(descriptor, "rb", closefd=False) as stream:
            return stream.read()
    except OSError:
        return None
    finally:
        os.close(descriptor)


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


def _folder_digests(folder: Path) -> dict[str, str] | None:
    """Every file under `folder` (relative POSIX path -> digest); None when anything in it is
    neither a regular file nor a folder (a link, a FIFO), or cannot be read."""
    digests: dict[str, str] = {}
    for current, folders, files in os.walk(folder):
        base = Path(current)
        for name in folders:
            if (base / name).is_symlink():
                return None
        for name in files:
            path = base / name
            relative = path.relative_to(folder).as_posix()
            if relative == MANIFEST_NAME:
                continue
            data = _read_regular_file(path)
            if data is None:
                return None
            digests[relative] = _digest(relative, data).hex()
    return dict(sorted(digests.items()))


def _write_manifest(folder: Path) -> None:
    digests = _folder_digests(folder)
    if digests is None:  # we have just written every file in it ourselves
        raise OSError(f"{folder} holds something other than files and folders")
    (folder / MANIFEST_NAME).write_text(json.dumps(digests, indent=0, sort_keys=True))


def folder_is_intact(folder: Path, needed: Iterable[str] | None = None) -> bool:
    """Whether `folder` holds exactly the files its manifest lists, each with its digest.

    `needed`: check only these files (relative POSIX paths), the ones a run will read; a needed
    file the manifest does not list must be absent. Hashing the 700 files of a Kubernetes
    version takes tens of milliseconds, a run's few files well under one.
    """
    if folder.is_symlink() or not folder.is_dir():
        return False
    manifest = _read_regular_file(folder / MANIFEST_NAME)
    if manifest is None:
        return False
    try:
        expected = json.loads(manifest)
    except ValueError:
        return False
    if not isinstance(expected, dict):
        return False
    if needed is None:
        return _folder_digests(folder) == expected
    for relative in needed:
        path = folder / relative
        if relative not in expected:
            if os.path.lexists(path):
                return False  # planted: kubeconform would read it
            continue
        if any(part.is_symlink() for part in [path, *path.parents][: relative.count("/") + 1]):
            return False
        data = _read_regular_file(path)
        if data is None or _digest(relative, data).hex() != expected[relative]:
            return False
    return True


def prepare_folder_atomically(
    final: Path, fill: Callable[[Path], None], needed: Iterable[str] | None = None
) -> Path:
    """Build `final` in a scratch folder beside it and rename it into place in one step.

    The manifest is written last, inside the scratch folder, so a folder in place is either
    whole or (after a crash or a hand edit) fails its check and is built again. Concurrent runs
    may both build it; the first rename wins and the other's copy is dropped. `needed`: as for
    `folder_is_intact`.
    """
    if folder_is_intact(final, needed):
        return final
    import shutil
    import tempfile

    final.parent.mkdir(parents=True, exist_ok=True)
    if final.is_symlink() or final.exists():
        _move_aside(final)
    scratch = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
    try:
        fill(scratch)
        _write_manifest(scratch)
        try:
            os.rename(scratch, final)
        except OSError:
            if not folder_is_intact(final):
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return final


def _move_aside(damaged: Path) -> None:
    """Rename a damaged folder (or whatever stands in its place) out of the way, then delete it.
    The rename is one step, so a concurrent run never sees it half deleted."""
    import shutil
    import tempfile

    graveyard = Path(tempfile.mkdtemp(prefix=f".{damaged.name}.damaged.", dir=damaged.parent))
    with contextlib.suppress(FileNotFoundError):  # another run moved it first
        os.rename(damaged, graveyard / damaged.name)
    shutil.rmtree(graveyard, ignore_errors=True)
