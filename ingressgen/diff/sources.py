"""Where a side of a diff comes from: a profile file or folder on disk, or `REV:PATH` in git.

A git side is read without touching the working tree or the index: `git ls-tree` lists the
revision, `git cat-file --batch` reads the blobs, and the files the side needs are written into
a private temporary folder that mirrors the repository's top level (removed on every way out,
Ctrl-C and SIGTERM included, since both raise KeyboardInterrupt). Only what rendering reads is
mirrored: the YAML files under PATH and, following `extends`, the bases they are built on, so an
overlay resolves inside the revision exactly as it would in a checkout of it.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from ingressgen.errors import InputError, Location, Problem
from ingressgen.loading import PROFILE_SUFFIXES, repository_root

_BLOB_MODES = ("100644", "100755")
_LINK_MODE = "120000"
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class SideInput:
    """One side, ready to render: the path to read, the folder its ids are relative to, and
    how it is named in messages."""

    label: str  # as the user wrote it: profiles, HEAD~1:profiles
    path: Path  # the file or folder to render (inside the mirror for a git side)
    root: Path  # ids ("# Source:" lines) are relative to it: the repository's top level
    id: str  # the path relative to root, posix: what the side's profile ids start with
    mirror: str | None = None  # the temporary folder of a git side
    revision: str | None = None  # REV of a git side

    def named(self, profile_id: str) -> str:
        """A profile id as the user would name it on this side."""
        return f"{self.revision}:{profile_id}" if self.revision is not None else profile_id

    def shown(self, text: str) -> str:
        """`text` with the mirror's paths written as REV:PATH, as the user names them."""
        if self.mirror is None:
            return text
        prefix = f"{self.revision}:"
        forms = [self.mirror]
        relative = os.path.relpath(self.mirror)
        if not relative.startswith(".."):
            forms.append(relative)
        for form in forms:
            text = text.replace(form + "/", prefix).replace(form, prefix)
        return text


def _error(spec: str, message: str) -> InputError:
    return InputError(problems=[Problem(Location(spec), message)])


@contextmanager
def opened(spec: str) -> Iterator[SideInput]:
    """The side `spec` names; a git side's mirror lives only as long as the block."""
    local = Path(spec)
    if local.exists() or os.path.lexists(spec):
        yield _local(spec, local)
        return
    revision, colon, path = spec.partition(":")
    if not colon or not revision:
        raise _error(
            spec,
            "no such file or folder; a side is a profile file, a folder of profiles, or "
            "REV:PATH read from git (e.g. HEAD~1:profiles)",
        )
    with _git_side(spec, revision, path) as side:
        yield side


def _local(spec: str, path: Path) -> SideInput:
    if path.is_symlink() or not (path.is_file() or path.is_dir()):
        raise _error(spec, "not a regular file or folder (links are not followed)")
    root = repository_root(path if path.is_dir() else path.parent)
    relative = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    return SideInput(spec, path, root, Path(relative).as_posix())


def _git(args: list[str], cwd: Path, spec: str, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, input=stdin, capture_output=True, check=False
        )
    except OSError as error:
        raise _error(spec, f"cannot run git to read the revision: {error}") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise _error(spec, f"git {args[0]} failed: {reason[-1] if reason else 'no message'}")
    return done.stdout


@contextmanager
def _git_side(spec: str, revision: str, path: str) -> Iterator[SideInput]:
    cwd = Path.cwd()
    inside = subprocess.run(
        ["git", "rev-parse", "--show-toplevel", "--show-prefix"],
        cwd=cwd,
        capture_output=True,
        check=False,
    )
    if inside.returncode != 0:
        raise _error(
            spec,
            "no such file or folder, and the working directory is not in a git repository, "
            "so it cannot be read as REV:PATH",
        )
    top, prefix = [*inside.stdout.decode().split("\n"), "", ""][:2]
    commit = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"],
        cwd=cwd,
        capture_output=True,
        check=False,
    )
    if commit.returncode != 0:
        raise _error(
            spec,
            f"{revision!r} is not a revision of the repository at {top} (a branch, tag, commit "
            "or HEAD~N); a path that does not exist on disk is read as REV:PATH",
        )
    sha = commit.stdout.decode().strip()
    # Like git's own REV:PATH, the path is relative to the top level unless it starts with ./
    # or ../, which are relative to the working directory.
    if path.startswith(("./", "../")) or path in (".", ".."):
        path = posixpath.join(prefix, path)
    path = posixpath.normpath(path or ".")
    if path.startswith("../") or path == "..":
        raise _error(spec, f"{path} lies outside the repository at {top}")
    tree = _tree(sha, Path(top), spec)
    wanted = _wanted(tree, path, revision, spec)
    mirror = os.path.realpath(tempfile.mkdtemp(prefix="ingressgen-diff-"))
    try:
        # The mirror is the repository's top level: an `extends` must stay inside it, as in a
        # checkout, and an empty .git marks it so (dot-folders are never read as profiles).
        os.mkdir(os.path.join(mirror, ".git"))
        _mirror(tree, wanted, Path(top), Path(mirror), spec)
        side_path = Path(mirror) if path == "." else Path(mirror, path)
        yield SideInput(spec, side_path, Path(mirror), path, mirror, revision)
    finally:
        shutil.rmtree(mirror, ignore_errors=True)


Tree = dict[str, tuple[str, str]]  # path -> (mode, object id)


def _tree(commit: str, top: Path, spec: str) -> Tree:
    listing = _git(["ls-tree", "-r", "-z", "--full-tree", commit], top, spec)
    tree: Tree = {}
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, name = entry.partition(b"\t")
        mode, _kind, object_id = meta.decode().split(" ")
        tree[name.decode("utf-8", "surrogateescape")] = (mode, object_id)
    return tree


def _wanted(tree: Tree, path: str, revision: str, spec: str) -> list[str]:
    """The entries under `path` that rendering may read (a file named is read whatever its
    name, as on disk)."""
    if path in tree:
        return [path]
    below = "" if path == "." else path + "/"
    found = [name for name in tree if name.startswith(below)]
    if not found:
        raise _error(spec, f"{path} does not exist in {revision}")
    return [name for name in found if name.endswith(PROFILE_SUFFIXES)]


def _mirror(tree: Tree, wanted: list[str], top: Path, mirror: Path, spec: str) -> None:
    """Write the wanted entries, then the bases their `extends` name, until none is missing."""
    written: set[str] = set()
    queue = list(wanted)
    while queue:
        batch = [name for name in dict.fromkeys(queue) if name not in written and name in tree]
        queue = []
        contents = _blobs([tree[name][1] for name in batch if tree[name][0] != "160000"], top, spec)
        for name in batch:
            mode, object_id = tree[name]
            written.add(name)
            if mode not in (*_BLOB_MODES, _LINK_MODE) or not _inside(name):
                continue  # a submodule has nothing to read; a crafted path is never written
            target = mirror / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if os.path.realpath(target.parent) != os.path.normpath(target.parent):
                continue  # a folder of the mirror is a link (a crafted tree): never write through
            data = contents[object_id]
            if mode == _LINK_MODE:
                # Kept a link, so the loader refuses it as it refuses a link in a checkout.
                os.symlink(os.fsdecode(data), target)
                continue
            target.write_bytes(data)
            queue.extend(_bases(name, data))


def _inside(name: str) -> bool:
    """A tree path that stays inside the mirror (git refuses others; a crafted tree might not)."""
    parts = name.split("/")
    return not name.startswith("/") and ".." not in parts and "." not in parts and "" not in parts


def _bases(name: str, data: bytes) -> list[str]:
    """The repository paths that a file's `extends` name (a file that does not parse names
    none: the loader reports it)."""
    try:
        documents = list(yaml.load_all(data, Loader=_LOADER))
    except (yaml.YAMLError, ValueError):
        return []
    found = []
    for document in documents:
        value = document.get("extends") if isinstance(document, dict) else None
        if isinstance(value, str) and value and not os.path.isabs(value):
            found.append(posixpath.normpath(posixpath.join(posixpath.dirname(name), value)))
    return found


def _blobs(object_ids: list[str], top: Path, spec: str) -> dict[str, bytes]:
    if not object_ids:
        return {}
    unique = list(dict.fromkeys(object_ids))
    output = _git(["cat-file", "--batch"], top, spec, "\n".join(unique).encode() + b"\n")
    contents: dict[str, bytes] = {}
    offset = 0
    for object_id in unique:
        end = output.index(b"\n", offset)
        header = output[offset:end].decode().split(" ")
        size = int(header[2])
        contents[object_id] = output[end + 1 : end + 1 + size]
        offset = end + 1 + size + 1  # the content is followed by a line feed
    return contents
