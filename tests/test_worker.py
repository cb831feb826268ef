"""The second process of a large `validate` run: shares chunks, reports failures, can be
dismissed, and gives the same report through the real entry point as one process does."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from ingressgen.errors import InternalError
from ingressgen.validation import manifests
from ingressgen.validation.reading import files
from ingressgen.validation.worker import Worker
from tests.conftest import write

REPOSITORY = Path(__file__).resolve().parent.parent


def doubling() -> Any:
    def serve(job: Any, taken: Iterator[int]) -> list[tuple[int, int]]:
        return [(n, n * job) for n in taken]

    return serve


def test_every_chunk_is_taken_once_by_one_of_the_two_processes() -> None:
    worker = Worker(doubling)
    worker.submit(2, 300)
    mine = [(n, n * 2) for n in worker.taken()]
    theirs = worker.results()
    assert sorted(mine + [tuple(pair) for pair in theirs]) == [(n, n * 2) for n in range(300)]


def failing() -> Any:
    def serve(job: Any, taken: Iterator[int]) -> Any:
        raise RuntimeError("checking went wrong")

    return serve


def test_a_failure_in_the_worker_is_an_internal_error_with_its_traceback() -> None:
    worker = Worker(failing)
    worker.submit(None, 1)
    with pytest.raises(InternalError, match="RuntimeError: checking went wrong"):
        worker.results()


def slow_to_start() -> Any:
    time.sleep(60)
    return doubling()


def test_a_dismissed_worker_is_stopped_and_reaped_at_once() -> None:
    worker = Worker(slow_to_start)
    worker.dismiss()
    with pytest.raises(ChildProcessError):
        os.waitpid(worker.pid, os.WNOHANG)


def test_too_many_chunks_are_refused() -> None:
    worker = Worker(doubling)
    try:
        with pytest.raises(ValueError, match="at most 1024 chunks"):
            worker.submit(1, 5000)
    finally:
        worker.dismiss()


def manifest(i: int) -> str:
    name = f"app-{i}" if i % 7 else f"{i}-starts-with-a-digit"
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "labels": {"tier": "web" if i % 5 else "on"}},
        "spec": {"ports": [{"port": 80, "targetPort": 8080 if i % 11 else "8080"}]},
    }
    return yaml.safe_dump(service)


def entry_point(*arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`ingressgen` as installed: the entry point that starts the early worker."""
    environment = {**os.environ, "PATH": str(cwd / "no-bin"), "PYTHONPATH": str(REPOSITORY)}
    environment.pop("KUBECONFORM", None)
    command = [sys.executable, "-m", "ingressgen", *arguments]
    return subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True)


def test_the_entry_point_shares_a_large_run_and_reports_what_one_process_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    count = manifests.PARALLEL_MIN_FILES + 40
    write(tmp_path, {f"m/s{i:03d}.yaml": manifest(i) for i in range(count)})
    write(tmp_path, {"m/zz-broken.yaml": "a: [\n", "m/zz-flow.yaml": "{kind: x}\n"})
    shared = entry_point(
        "validate", "m", "-o", "json", "--kubernetes-version", "1.35", cwd=tmp_path
    )

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(manifests, "PARALLEL_MIN_FILES", 10**9)
    alone = manifests.validate_manifests([Path("m")], "1.35")
    from ingressgen.validation.reports import json_report

    assert shared.returncode == 1, shared.stderr
    assert shared.stdout.strip() == json_report(alone).strip()
    summary = json.loads(shared.stdout)["summary"]
    assert summary["objects"] == count + 1 and summary["invalidFiles"] == 1


def test_a_run_that_needs_no_worker_dismisses_it(tmp_path: Path) -> None:
    write(tmp_path, {"m/s.yaml": manifest(1)})
    result = entry_point("validate", "m", cwd=tmp_path)
    assert result.returncode == 0 and "1 valid, 0 invalid" in result.stdout
    missing = entry_point("validate", "nowhere", cwd=tmp_path)
    assert missing.returncode == 2 and "nowhere: no such file or folder" in missing.stderr
    assert entry_point("validate", "--bad-option", cwd=tmp_path).returncode == 2
    assert entry_point("validate", "--help", cwd=tmp_path).returncode == 0


def test_a_run_that_ends_early_stops_its_worker_before_leaving(tmp_path: Path) -> None:
    """A caller that reads our output (or any descriptor we inherited) to its end must not
    wait for a worker still importing after a usage error."""
    read_end, write_end = os.pipe()
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    command = [sys.executable, "-m", "ingressgen", "validate", "m", "--kubernetes-version", "0.1"]
    process = subprocess.Popen(
        command, cwd=tmp_path, env=environment, pass_fds=(write_end,), stderr=subprocess.PIPE
    )
    os.close(write_end)
    _, errors = process.communicate(timeout=60)
    assert process.returncode == 2 and b"0.1" in errors
    # Every holder of the inherited pipe has gone by now: it reads as ended without waiting.
    readable, _, _ = select.select([read_end], [], [], 0)
    assert readable and os.read(read_end, 1) == b""
    os.close(read_end)


def stream(documents: list[str]) -> str:
    return "# a stream, as helm template prints one\n" + "".join(f"---\n{d}" for d in documents)


@pytest.mark.parametrize(
    "odd_one",
    [
        "",  # every document valid or invalid by the rules alone
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: odd\ndata:\n  on: yes\n",  # YAML 1.1
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: odd\n bad: indent\n",  # not YAML
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: odd\n  name: twice\n",  # duplicate
    ],
)
def test_a_long_stream_is_shared_by_documents_and_reported_as_if_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, odd_one: str
) -> None:
    documents = [manifest(i) for i in range(60)]
    documents.insert(37, odd_one)
    write(tmp_path, {"m/all.yaml": stream(documents), "m/other.yaml": manifest(3)})
    monkeypatch.chdir(tmp_path)
    from ingressgen.validation.reports import json_report

    monkeypatch.setattr(manifests, "PARALLEL_MIN_FILES", 10**9)
    whole = json_report(manifests.validate_manifests([Path("m")], "1.35"))
    calls: list[int] = []
    original = manifests._check_split

    def counted(items: Any, *rest: Any) -> Any:
        calls.append(len(items))
        return original(items, *rest)

    monkeypatch.setattr(manifests, "_check_split", counted)
    monkeypatch.setattr(manifests, "PARALLEL_MIN_FILES", 10)
    monkeypatch.setattr(files, "SPLIT_STREAM_BYTES", 1000)
    shared = json_report(manifests.validate_manifests([Path("m")], "1.35"))
    assert calls == [1 + 16], "the stream was not cut into pieces of four documents"
    assert shared == whole
