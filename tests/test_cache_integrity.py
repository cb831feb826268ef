"""The schema cache is never trusted: every kind of damage to a cached file is rebuilt, and the
verdict (and exit code) stays what a fresh cache gives."""

from __future__ import annotations

import json
import marshal
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from ingressgen.validation.schemas import bundles, cache, embedded
from tests.conftest import Result, reference_binary, write

Run = Callable[..., Result]

GOOD = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
    - port: 80
"""
# An unknown field: an empty (accept-everything) schema would let it pass.
BAD = GOOD + "  colour: blue\n"

OTHER_KIND = ("", "v1", "ConfigMap")


def _fresh_process() -> None:
    """What a new process would know: nothing compiled yet."""
    embedded._validator.cache_clear()
    bundles._cache_folder.cache_clear()


def _verdicts(run: Run, folder: Path) -> tuple[int, int]:
    _fresh_process()
    good = run("validate", folder / "good.yaml").code
    _fresh_process()
    bad = run("validate", folder / "bad.yaml")
    assert "colour" in bad.out + bad.err, bad
    return good, bad.code


def _service_bundle(root: Path) -> Path:
    [path] = root.rglob("core.v1.Service.marshal")
    return path


def _sealed(name: str, value: object) -> bytes:
    return cache.seal(name, marshal.dumps(value))


# Each tampering: (what it does, how it does it to the cached Service bundle).
def _swap_for_configmap(path: Path) -> None:
    bundles.bundled_schema("1.34", OTHER_KIND)
    os.replace(path.with_name("core.v1.ConfigMap.marshal"), path)


def _link(path: Path) -> None:
    target = path.with_name("elsewhere")
    target.write_bytes(_sealed(path.name, {}))
    path.unlink()
    path.symlink_to(target)


TAMPERINGS: dict[str, Callable[[Path], None]] = {
    "empty": lambda p: p.write_bytes(b""),
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
    "unsealed empty schema": lambda p: p.write_bytes(marshal.dumps({})),
    "sealed for another name": lambda p: p.write_bytes(_sealed("core.v1.Other.marshal", {})),
    "wrong type, sealed": lambda p: p.write_bytes(_sealed(p.name, ["not", "a", "schema"])),
    "dangling ref, sealed": lambda p: p.write_bytes(
        _sealed(p.name, {"$ref": "#/$defs/io.k8s.api.core.v1.Gone"})
    ),
    "valid JSON instead": lambda p: p.write_text(json.dumps({"type": "object"})),
    "another kind's file": _swap_for_configmap,
    "deleted": lambda p: p.unlink(),
    "a link": _link,
    "a folder": lambda p: (p.unlink(), p.mkdir()),
    "huge": lambda p: os.truncate(p, 8 * 1024**3),  # sparse: 8 GiB that are never read
}


@pytest.mark.usefixtures("no_kubeconform")
@pytest.mark.parametrize("tampering", sorted(TAMPERINGS))
def test_a_tampered_bundle_never_changes_the_verdict(
    tampering: str, private_cache: Path, workdir: Path, run: Run
) -> None:
    write(workdir, {"good.yaml": GOOD, "bad.yaml": BAD})
    assert _verdicts(run, workdir) == (0, 1)  # a fresh cache
    path = _service_bundle(private_cache)
    TAMPERINGS[tampering](path)
    assert _verdicts(run, workdir) == (0, 1)
    if tampering != "a folder":  # a folder in the way cannot be replaced: the cache is skipped
        # Rebuilt in place: the next run reads it back without building anything.
        assert path.is_file() and not path.is_symlink()
        assert bundles._read_bundle(path) == (
            bundles.bundled_schema("1.34", ("", "v1", "Service")),
        )


def test_an_intact_bundle_is_read_not_rebuilt(
    private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = bundles.bundled_schema("1.34", ("", "v1", "Service"))
    monkeypatch.setattr(bundles, "self_contained", pytest.fail)
    assert bundles.bundled_schema("1.34", ("", "v1", "Service")) == first


def test_a_fifo_in_place_of_a_bundle_is_not_waited_on(private_cache: Path) -> None:
    first = bundles.bundled_schema("1.34", ("", "v1", "Service"))
    path = _service_bundle(private_cache)
    path.unlink()
    os.mkfifo(path)
    _fresh_process()
    assert bundles.bundled_schema("1.34", ("", "v1", "Service")) == first


# ---- prepared folders (what kubeconform reads) ----


def _prepare(root: Path) -> Path:
    def fill(scratch: Path) -> None:
        write(scratch, {"a.json": '{"a": 1}', "sub/b.json": '{"b": 2}'})

    return cache.prepare_folder_atomically(root / "prepared", fill)


FOLDER_TAMPERINGS: dict[str, Callable[[Path], None]] = {
    "emptied": lambda f: (f / "a.json").write_text("{}"),
    "truncated": lambda f: (f / "a.json").write_text('{"a"'),
    "deleted": lambda f: (f / "sub" / "b.json").unlink(),
    "planted": lambda f: (f / "c.json").write_text("{}"),
    "swapped": lambda f: os.replace(f / "sub" / "b.json", f / "a.json"),
    "a link": lambda f: ((f / "a.json").unlink(), (f / "a.json").symlink_to(f / "sub/b.json")),
    "no manifest": lambda f: (f / cache.MANIFEST_NAME).unlink(),
    "bad manifest": lambda f: (f / cache.MANIFEST_NAME).write_text("[1"),
    "a linked folder": lambda f: (
        (f / "sub" / "b.json").unlink(),
        (f / "sub").rmdir(),
        (f / "sub").symlink_to(f),
    ),
}


@pytest.mark.parametrize("tampering", sorted(FOLDER_TAMPERINGS))
def test_a_tampered_prepared_folder_is_built_again(tampering: str, tmp_path: Path) -> None:
    folder = _prepare(tmp_path)
    before = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.json")}
    assert cache.folder_is_intact(folder)
    FOLDER_TAMPERINGS[tampering](folder)
    assert not cache.folder_is_intact(folder)
    assert _prepare(tmp_path) == folder
    assert cache.folder_is_intact(folder)
    after = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.json")}
    assert after == before
    assert [p.name for p in tmp_path.iterdir()] == ["prepared"]  # no scratch folder left


def test_a_run_checks_only_the_files_it_reads(tmp_path: Path) -> None:
    folder = _prepare(tmp_path)
    (folder / "sub" / "b.json").write_text("{}")
    assert cache.folder_is_intact(folder, ["a.json"])  # b.json is not read by this run
    assert not cache.folder_is_intact(folder, ["a.json", "sub/b.json"])
    assert cache.folder_is_intact(folder, ["a.json", "missing.json"])  # absent, as listed
    (folder / "missing.json").write_text("{}")
    assert not cache.folder_is_intact(folder, ["missing.json"])  # planted
    (folder / "a.json").unlink()
    (folder / "a.json").symlink_to(folder / cache.MANIFEST_NAME)
    assert not cache.folder_is_intact(folder, ["a.json"])
    folder = cache.prepare_folder_atomically(folder, lambda s: None, ["sub/b.json"])
    assert cache.folder_is_intact(folder)


def test_a_link_in_place_of_the_prepared_folder_is_replaced(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "prepared").symlink_to(elsewhere)
    folder = _prepare(tmp_path)
    assert not folder.is_symlink() and cache.folder_is_intact(folder)
    assert elsewhere.is_dir()  # only the link was removed, never what it pointed at


KUBECONFORM = reference_binary("kubeconform")


@pytest.mark.skipif(KUBECONFORM is None, reason="needs the real kubeconform (../shared/bin)")
@pytest.mark.parametrize("content", ["{}", "", '{"type": "object"}', "[1"])
def test_kubeconform_never_reads_a_tampered_schema(
    content: str,
    private_cache: Path,
    workdir: Path,
    run: Run,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KUBECONFORM", str(KUBECONFORM))
    write(workdir, {"good.yaml": GOOD, "bad.yaml": BAD})
    options = ("--validator", "kubeconform")
    assert run("validate", *options, workdir / "good.yaml").code == 0
    fresh = run("validate", *options, workdir / "bad.yaml")
    assert fresh.code == 1
    [schema] = private_cache.rglob("service-v1.json")
    schema.write_text(content)
    assert run("validate", *options, workdir / "bad.yaml") == fresh
    assert run("validate", *options, workdir / "good.yaml").code == 0


def test_a_relative_xdg_cache_home_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", "relative")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_root() == tmp_path / "home" / ".cache" / "ingressgen"
    assert cache.cache_root().is_absolute()
