"""`render`'s early worker (prefetch.py): it reads the profiles while the first process imports,
and a render that uses it writes, says and exits exactly as one that does not."""

from __future__ import annotations

import marshal
import os
import select
import subprocess
import sys
from pathlib import Path

import click
import pytest

from ingressgen import loading, prefetch
from ingressgen.cli import cli
from ingressgen.fast_positions import skeletons
from ingressgen.fast_profiles import read_profile_documents
from tests.conftest import snapshot, write

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY / "bench"))
from corpus import CLOUDFLARE, METALLB  # noqa: E402

# Runs the real entry point, with the worker or without it (PREFETCH=off), its answer left in
# memory or sent through the pipe, and records in PREFETCH_LOG how many files it handed over.
_ENTRY = """
import os, sys
from ingressgen import loading, prefetch
if os.environ["PREFETCH"] == "off":
    prefetch.may_help = lambda arguments: False
if os.environ["PREFETCH"] == "through the pipe":
    prefetch._answer_store = lambda: None
collect = loading.collect
def counted(files):
    found = collect(files)
    with open(os.environ["PREFETCH_LOG"], "w") as log:
        log.write(str(len(found)))
    return found
loading.collect = counted
sys.argv = ["ingressgen", *sys.argv[1:]]
from ingressgen.launch import main
main()
"""


def render(
    tmp_path: Path, prefetching: bool, *arguments: str, through_the_pipe: bool = False
) -> tuple[int, str, str, int]:
    """Exit code, stdout, stderr, and how many texts the worker handed over."""
    log = tmp_path / f"prefetched-{prefetching}"
    mode = "through the pipe" if through_the_pipe else "on" if prefetching else "off"
    environment = {
        **os.environ,
        "PYTHONPATH": str(REPOSITORY),
        "PREFETCH": mode,
        "PREFETCH_LOG": str(log),
    }
    command = [sys.executable, "-c", _ENTRY, "render", *arguments]
    result = subprocess.run(
        command, cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=300
    )
    handed = int(log.read_text()) if log.exists() else -1
    return result.returncode, result.stdout, result.stderr, handed


def corpus(count: int) -> dict[str, str]:
    """The benchmark's profiles, with a few the fast reader leaves to PyYAML (a date in a
    comment, a quoted `on`)."""
    files = {}
    for i in range(count):
        text = (METALLB if i % 2 == 0 else CLOUDFLARE).format(i=i, team=i % 7)
        if i % 9 == 0:
            text = "# reviewed 2024-01-01\n" + text
        if i % 11 == 0:
            text = text.replace("  labels:\n", "  labels:\n    'on': 'yes'\n")
        files[f"profiles/team-{i % 3}/svc-{i:04d}.yaml"] = text
    return files


def test_a_large_render_is_byte_identical_with_and_without_the_worker(tmp_path: Path) -> None:
    files = corpus(3 * prefetch.PREFETCH_FROM)
    write(tmp_path / "shared", files)
    write(tmp_path / "alone", files)
    shared = render(tmp_path / "shared", True, "profiles")
    alone = render(tmp_path / "alone", False, "profiles")
    assert shared[0] == alone[0] == 0, shared[2]
    assert shared[3] == 3 * prefetch.PREFETCH_FROM and alone[3] == 0
    assert shared[1:3] == alone[1:3]
    assert snapshot(tmp_path / "shared/out") == snapshot(tmp_path / "alone/out")
    # Each checks the other's out/ as up to date.
    (tmp_path / "shared/out").rename(tmp_path / "shared/out-shared")
    (tmp_path / "alone/out").rename(tmp_path / "shared/out")
    assert render(tmp_path / "shared", True, "profiles", "--check")[0] == 0
    (tmp_path / "shared/out-shared").rename(tmp_path / "alone/out")
    assert render(tmp_path / "alone", False, "profiles", "--check")[0] == 0
    # The answer sent through the pipe (where there is no in-memory file) is the same one.
    piped = render(tmp_path / "alone", True, "profiles", "--check", through_the_pipe=True)
    assert piped[0] == 0 and piped[3] == 3 * prefetch.PREFETCH_FROM


def test_mistakes_are_reported_alike_and_nothing_is_written(tmp_path: Path) -> None:
    files = corpus(2 * prefetch.PREFETCH_FROM)
    files["profiles/team-1/svc-0004.yaml"] += "  extra: field\n"
    files["profiles/team-1/svc-0007.yaml"] = files["profiles/team-1/svc-0007.yaml"].replace(
        "port: 8080", "port: 99999"
    )
    files["profiles/team-2/broken.yaml"] = "apiVersion: ingressgen.dev/v1alpha1\nkind: [\n"
    files["profiles/team-2/latin1.yaml"] = ""
    write(tmp_path, files)
    (tmp_path / "profiles/team-2/latin1.yaml").write_bytes(b"kind: caf\xe9\n")
    os.mkfifo(tmp_path / "profiles/team-2/fifo.yaml")  # neither process may wait on it
    shared = render(tmp_path, True, "profiles", "--out", "out")
    alone = render(tmp_path, False, "profiles", "--out", "out")
    assert shared[0] == alone[0] == 2
    assert shared[1:3] == alone[1:3]
    assert (
        "99999" in shared[2]
        and "extra" in shared[2]
        and "broken.yaml:3:1: not valid YAML" in shared[2]
    )
    assert shared[3] > 0
    assert not (tmp_path / "out").exists()


def test_a_stale_answer_is_not_used(tmp_path: Path) -> None:
    """A file changed after the worker read it: its own text is parsed, not the worker's."""
    files = corpus(1)
    write(tmp_path, files)
    (path,) = files
    text = files[path]
    stale = text.replace("replicas: 3", "replicas: 5")
    key = os.path.abspath(tmp_path / path)
    ahead = (stale, read_profile_documents(stale), skeletons(stale))
    places = loading.PathForms(tmp_path)
    reader = loading._Reader(places, fast_reading=True, prefetched={key: ahead})
    (document,) = reader.documents(tmp_path / path)
    assert document.data["spec"]["service"]["replicas"] == 3


def test_the_worker_reads_what_loading_would_and_skips_what_it_cannot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = corpus(prefetch.PREFETCH_FROM)
    files["profiles/.hidden/skipped.yaml"] = files["profiles/team-0/svc-0000.yaml"]
    files["profiles/notes.txt"] = "not a profile"
    write(tmp_path, files)
    os.mkfifo(tmp_path / "profiles/fifo.yaml")
    os.symlink(tmp_path / "profiles/team-0/svc-0000.yaml", tmp_path / "profiles/link.yaml")
    monkeypatch.chdir(tmp_path)
    arguments = ["--out", "profiles", "profiles", "--exposure", "metallb"]
    assert list(prefetch.guessed_paths(arguments)) == ["profiles"]
    assert prefetch.may_help(arguments)
    assert not prefetch.may_help(["profiles/team-0"])  # too few
    assert not prefetch.may_help(["profiles", "--help"])
    found = marshal.loads(prefetch.prepare(arguments)(None, iter(())))
    expected = {os.path.abspath(name): text for name, text in files.items() if "/team-" in name}
    assert found.keys() == expected.keys()
    for key, (text, documents, positions) in found.items():
        assert text == expected[key]
        assert documents == read_profile_documents(text)
        # Positions only for a text within fast_profiles' limits (the others are odd anyway).
        assert positions == (None if documents is None else skeletons(text))
    assert sum(positions is not None for _, _, positions in found.values()) > len(found) // 2


def test_the_options_that_take_a_value_are_those_of_render() -> None:
    command = cli.commands["render"]
    taking_a_value = {
        name
        for parameter in command.params
        if isinstance(parameter, click.Option) and not parameter.is_flag
        for name in parameter.opts
    }
    assert taking_a_value == prefetch.VALUE_OPTIONS
    assert prefetch.PREFETCH_FROM >= loading.FAST_READING_FROM


def test_a_run_that_ends_early_stops_its_reader_before_leaving(tmp_path: Path) -> None:
    """A caller reading a descriptor we inherited to its end must not wait for the worker."""
    write(tmp_path, corpus(prefetch.PREFETCH_FROM))
    read_end, write_end = os.pipe()
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    command = [sys.executable, "-m", "ingressgen", "render", "profiles", "--no-such-option"]
    process = subprocess.Popen(
        command, cwd=tmp_path, env=environment, pass_fds=(write_end,), stderr=subprocess.PIPE
    )
    os.close(write_end)
    _, errors = process.communicate(timeout=60)
    assert process.returncode == 2 and b"no-such-option" in errors
    readable, _, _ = select.select([read_end], [], [], 0)
    assert readable and os.read(read_end, 1) == b""
    os.close(read_end)
