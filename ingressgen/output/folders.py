"""`out/` reached through folder handles, never through paths.

Every folder below `out/` is opened relative to its parent's handle with `O_NOFOLLOW`, and every
file is read, written, renamed or removed relative to its folder's handle. A symbolic link that
appears anywhere below `out/`, even while a run is writing, is therefore never followed: opening
through it fails instead of landing somewhere else. `out/` itself is resolved once, when it is
opened, so an `out` that is a link to a folder is honoured as that folder.
"""

from __future__ import annotations

import errno
import fcntl
import os
import posixpath
import stat
from collections import OrderedDict
from pathlib import Path
from types import TracebackType

_FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: opening a FIFO planted where a generated file should be must not hang the run.
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_NEW_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
# Handles kept open at once: enough that a sorted walk opens each folder once, far below the
# usual limit of 1,024 descriptors however many folders out/ has.
_CACHED_FOLDERS = 64


class Blocked(Exception):
    """Something that is not a real folder stands where a folder of the path must be."""

    def __init__(self, rel: str) -> None:
        super().__init__(rel)
        self.rel = rel


class NotAFolder(Exception):
    """out/ exists but is not a folder."""


class OutFolder:
    """An open `out/`: reads and writes below it by handle. Use as a context manager."""

    def __init__(self, fd: int) -> None:
        self._root = fd
        self._folders: OrderedDict[str, int] = OrderedDict()
        # Folders found missing: planning asks about every file of a new folder, and each
        # question would otherwise open its way down again. Creating one forgets it here.
        self._missing: set[str] = set()

    @classmethod
    def existing(cls, out: Path) -> OutFolder | None:
        """`out` as a folder handle; None when it does not exist."""
        try:
            return cls(os.open(cls._physical(out), _FOLDER_FLAGS))
        except FileNotFoundError:
            return None

    @classmethod
    def created(cls, out: Path) -> OutFolder:
        """`out` as a folder handle, created with its parents when missing."""
        physical = cls._physical(out)
        os.makedirs(physical, exist_ok=True)
        return cls(os.open(physical, _FOLDER_FLAGS))

    @staticmethod
    def _physical(out: Path) -> str:
        physical = os.path.realpath(out)
        if os.path.lexists(physical) and not os.path.isdir(physical):
            raise NotAFolder(physical)
        return physical

    def __enter__(self) -> OutFolder:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        for fd in self._folders.values():
            os.close(fd)
        self._folders.clear()
        os.close(self._root)

    def lock(self, operation: int) -> None:
        """flock on out/ itself: out/ is never replaced, so the lock covers every run's view."""
        fcntl.flock(self._root, operation)

    def top_level(self) -> list[str]:
        """The names directly inside out/ (for deciding whether it is a fresh folder)."""
        return os.listdir(self._root)

    def folder(self, rel: str, *, create: bool = False) -> int | None:
        """The handle of folder `rel` ("" is out/ itself); None when it is missing.

        Raises Blocked when a symbolic link or a non-folder stands on the way.
        """
        if not rel:
            return self._root
        cached = self._folders.get(rel)
        if cached is not None:
            self._folders.move_to_end(rel)
            return cached
        if not create and rel in self._missing:
            return None
        parent = self.folder(posixpath.dirname(rel), create=create)
        if parent is None:
            self._missing.add(rel)
            return None
        name = _name(rel)
        try:
            fd = _open_folder(parent, rel)
        except FileNotFoundError:
            if not create:
                self._missing.add(rel)
                return None
            try:
                os.mkdir(name, dir_fd=parent)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise Blocked(rel) from None
                raise
            self._missing.discard(rel)
            # Another process may swap the new folder for a link before it is opened: the open
            # below refuses the link exactly as the first one does.
            fd = _open_folder(parent, rel)
        self._folders[rel] = fd
        if len(self._folders) > _CACHED_FOLDERS:
            os.close(self._folders.popitem(last=False)[1])
        return fd

    def forget(self, rel: str) -> None:
        """Drop the cached handle of a folder that was removed."""
        fd = self._folders.pop(rel, None)
        if fd is not None:
            os.close(fd)

    def entry(self, rel: str) -> str:
        """What stands at `rel`: "file" (regular), "missing", "folder", "blocked" (a link on the
        way or at the end) or "other" (a device, FIFO, socket)."""
        try:
            fd = self.folder(posixpath.dirname(rel))
        except Blocked:
            return "blocked"
        if fd is None:
            return "missing"
        try:
            mode = os.stat(_name(rel), dir_fd=fd, follow_symlinks=False).st_mode
        except FileNotFoundError:
            return "missing"
        if stat.S_ISREG(mode):
            return "file"
        if stat.S_ISDIR(mode):
            return "folder"
        return "blocked" if stat.S_ISLNK(mode) else "other"

    def read(self, rel: str) -> bytes | None:
        """The bytes of the regular file at `rel`, reached without following any link; None when
        there is none (missing, a link, a folder, a special file)."""
        try:
            fd = self.folder(posixpath.dirname(rel))
        except Blocked:
            return None
        if fd is None:
            return None
        try:
            handle = os.open(_name(rel), _READ_FLAGS, dir_fd=fd)
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.ELOOP, errno.ENOTDIR, errno.ENXIO):
                return None
            raise
        try:
            if not stat.S_ISREG(os.fstat(handle).st_mode):
                return None
            chunks = []
            while chunk := os.read(handle, 1 << 20):
                chunks.append(chunk)
            return b"".join(chunks)
        finally:
            os.close(handle)

    def write_new(self, rel: str, data: bytes, folder: int | None = None) -> None:
        """Create the file `rel`, which must not exist; its folder must exist.

        `folder`: a handle of that folder which the caller owns. Only this way may a thread
        other than the one that opened out/ write: the cached handles are not shared."""
        fd = self._existing_folder(rel) if folder is None else folder
        handle = os.open(_name(rel), _NEW_FILE_FLAGS, 0o666, dir_fd=fd)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(handle, view) :]
        finally:
            os.close(handle)

    def rename(self, source: str, target: str) -> None:
        """Rename within one folder: `target` is replaced in one step (a link is replaced, never
        followed)."""
        fd = self._existing_folder(target)
        if posixpath.dirname(source) != posixpath.dirname(target):
            raise ValueError(f"{source} and {target} are not in one folder")
        os.rename(_name(source), _name(target), src_dir_fd=fd, dst_dir_fd=fd)

    def unlink(self, rel: str) -> bool:
        """Remove the file (or link) `rel`; False when it was already gone."""
        try:
            fd = self.folder(posixpath.dirname(rel))
        except Blocked:
            return False
        if fd is None:
            return False
        try:
            os.unlink(_name(rel), dir_fd=fd)
        except FileNotFoundError:
            return False
        return True

    def remove_empty_folders(self, rel: str) -> None:
        """Remove folder `rel` and then its parents, up to out/ (kept), while they are empty."""
        while rel:
            parent_rel = posixpath.dirname(rel)
            try:
                parent = self.folder(parent_rel)
            except Blocked:
                return
            if parent is None:
                return
            self.forget(rel)
            try:
                os.rmdir(_name(rel), dir_fd=parent)
            except OSError:
                return  # not empty (or gone, or no longer a folder): it stays
            rel = parent_rel

    def own_handle(self, folder: str) -> int:
        """A handle of the existing folder `folder` that the caller must close: it stays open
        however many other folders are opened meanwhile. Opened beside the cached handles,
        not through them: caching it would close another folder's handle to make room."""
        cached = self._folders.get(folder) if folder else self._root
        if cached is not None:
            return os.dup(cached)
        parent = self.folder(posixpath.dirname(folder))
        if parent is None:
            raise FileNotFoundError(errno.ENOENT, "folder is missing", folder)
        return _open_folder(parent, folder)

    def _existing_folder(self, rel: str) -> int:
        fd = self.folder(posixpath.dirname(rel))
        if fd is None:
            raise FileNotFoundError(errno.ENOENT, "folder is missing", posixpath.dirname(rel))
        return fd


def _open_folder(parent: int, rel: str) -> int:
    """Open the folder `rel` by its name in `parent`, never through a link (Blocked)."""
    try:
        return os.open(_name(rel), _FOLDER_FLAGS, dir_fd=parent)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise Blocked(rel) from None
        raise


def inside(rel: str) -> bool:
    """Whether `rel` names an entry below out/ (no empty, "." or ".." segment, not absolute)."""
    return all(part not in ("", ".", "..") for part in rel.split("/"))


def _name(rel: str) -> str:
    """The last segment of `rel`, which must name an entry inside its folder, not climb out."""
    if not inside(rel):
        raise ValueError(f"{rel!r} is not a path inside out/")
    return posixpath.basename(rel)
