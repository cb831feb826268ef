"""kubeconform as an untrusted child: fake `$KUBECONFORM` programs that sleep, spawn children,
print without end or print garbage. Each must end in a clear exit 2 naming kubeconform (or 130
when interrupted), with no process left running and no temporary folder left behind.

The fakes are contract tests of ingressgen's side only; the real binary's report is covered by
test_kubeconform_detail.py.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ingressgen.validation.engine import Checker
from ingressgen.validation.schemas.kubeconform import without_secret_values
from ingressgen.validation.settings import ValidationSettings
from tests.conftest import REPO, Result, reference_binary, write

Run = Callable[..., Result]

# Records its pid and the pid of a child it starts (both must die with it), then sleeps.
SLEEPER = """
import os, pathlib, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
pathlib.Path(os.environ["FAKE_PIDS"]).write_text(f"{os.getpid()} {child.pid}")
time.sleep(600)
"""

# 65 MiB on stdout, past the 64 MiB cap, then it would wait for ever.
FLOOD = """
import os, pathlib, sys, time
pathlib.Path(os.environ["FAKE_PIDS"]).write_text(str(os.getpid()))
chunk = b"x" * (1 << 20)
for _ in range(65):
    sys.stdout.buffer.write(chunk)
sys.stdout.flush()
time.sleep(600)
"""

# Prints the file $FAKE_OUTPUT as its report.
PRINTER = """
import os, pathlib, sys
sys.stdout.buffer.write(pathlib.Path(os.environ["FAKE_OUTPUT"]).read_bytes())
"""

# Copies every object it was given to $FAKE_SEEN, then reports each as valid.
RECORDER = """
import json, os, pathlib, sys
folder = pathlib.Path(sys.argv[-1])
files = sorted(folder.glob("*.json"))
pathlib.Path(os.environ["FAKE_SEEN"]).write_text("\\n".join(p.read_text() for p in files))
resources = [{"filename": str(p), "kind": "", "name": "", "version": "", "status": "statusValid",
              "msg": ""} for p in files]
print(json.dumps({"resources": resources, "summary": {}}))
"""

SECRET = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {"name": "creds"},
    "data": {"password": "aHVudGVyMg=="},
    "stringData": {"token": "s3cr3t-t0k3n", "count": 5},
}
SERVICE = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "web"},
    "spec": {"ports": [{"port": 80}]},
}


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private $TMPDIR, so a converted file left behind would be seen."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", None)  # gettempdir() reads $TMPDIR again
    yield folder
    monkeypatch.setattr(tempfile, "tempdir", None)


@pytest.fixture
def install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, private_cache: Path
) -> Callable[[str], Path]:
    def installed(body: str) -> Path:
        binary = tmp_path / "bin" / "kubeconform"
        binary.parent.mkdir(exist_ok=True)
        binary.write_text(f"#!{sys.executable}\n{body}")
        binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
        monkeypatch.setenv("KUBECONFORM", str(binary))
        monkeypatch.setenv("FAKE_PIDS", str(tmp_path / "pids"))
        return binary

    return installed


def _gone(pid: int) -> bool:
    """Not running: no such process, or a zombie waiting for its (new) parent to reap it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def _all_gone(pids: list[int]) -> bool:
    # SIGKILL is delivered at once, but the kernel may take a moment to tear a process down.
    for _ in range(500):
        if all(_gone(pid) for pid in pids):
            return True
        time.sleep(0.01)
    return False


def _pids(tmp_path: Path) -> list[int]:
    return [int(pid) for pid in (tmp_path / "pids").read_text().split()]


def test_a_sleeping_kubeconform_is_stopped_with_its_children(
    install: Callable[[str], Path], scratch: Path, tmp_path: Path, workdir: Path, run: Run
) -> None:
    install(SLEEPER)
    write(workdir, {"m/svc.yaml": SERVICE})
    result = run("validate", "m", "--validator", "kubeconform", "--kubeconform-timeout", "1")
    assert result.code == 2, result.err
    assert "kubeconform" in result.err and "did not finish within 1 s" in result.err
    assert "--kubeconform-timeout" in result.err and "Traceback" not in result.err
    pids = _pids(tmp_path)
    assert len(pids) == 2 and _all_gone(pids)
    assert list(scratch.iterdir()) == []


def test_a_flood_of_output_is_cut_off(
    install: Callable[[str], Path], scratch: Path, tmp_path: Path
) -> None:
    from ingressgen.errors import InputError

    install(FLOOD)
    with pytest.raises(InputError) as raised:
        Checker(ValidationSettings("kubeconform")).check([SERVICE], "1.34")
    assert "printed more than 64 MiB" in str(raised.value)
    assert str(raised.value).startswith("kubeconform (")
    assert _all_gone(_pids(tmp_path))
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        (b"\xff\xfe{}", "not UTF-8 (byte 0)"),
        (b"", "without a JSON report: no output"),
        (b"panic: nil map", "without a JSON report"),
        (b'{"resources": 5}', '"resources" is 5, not a list'),
        (b'{"resources": [{"filename": "a", "status": NaN}]}', "NaN is not a JSON value"),
        (b"[1, 2]", "the report is a JSON list, not an object"),
        (b'{"resources": ["x"]}', "resources[0] is not an object"),
        (b'{"resources": [{"status": "statusValid"}]}', 'resources[0] has no string "filename"'),
        (b'{"resources": [{"filename": "a"}]}', 'resources[0] has no string "status"'),
        (
            b'{"resources": [{"filename": "a", "status": "statusInvalid", "msg": 3}]}',
            'resources[0]."msg" is not a string',
        ),
        (
            b'{"resources": [{"filename": "a", "status": "s", "validationErrors": [1]}]}',
            'resources[0]."validationErrors" is not a list of {path, msg}',
        ),
        (b"[" * 100_000 + b"]" * 100_000, "without a JSON report"),
        (b'{"resources": [], "n": ' + b"9" * 5000 + b"}", "without a JSON report"),
    ],
    ids=lambda value: value[:24].decode("latin-1") if isinstance(value, bytes) else None,
)
def test_a_malformed_report_is_a_clear_usage_error(
    install: Callable[[str], Path],
    scratch: Path,
    workdir: Path,
    run: Run,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    output: bytes,
    expected: str,
) -> None:
    install(PRINTER)
    (tmp_path / "report").write_bytes(output)
    monkeypatch.setenv("FAKE_OUTPUT", str(tmp_path / "report"))
    write(workdir, {"m/svc.yaml": SERVICE})
    result = run("validate", "m", "--validator", "kubeconform")
    assert result.code == 2, result.err
    assert result.err.startswith("error: kubeconform (")
    assert expected in result.err and "Traceback" not in result.err
    assert len(result.err) < 3000  # the bad report is quoted, not printed whole
    assert list(scratch.iterdir()) == []


def test_secret_values_never_reach_kubeconform(
    install: Callable[[str], Path], scratch: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install(RECORDER)
    monkeypatch.setenv("FAKE_SEEN", str(tmp_path / "seen"))
    [secret, service] = Checker(ValidationSettings("kubeconform")).check([SECRET, SERVICE], "1.34")
    assert secret.findings == [] and service.findings == []
    seen = (tmp_path / "seen").read_text()
    assert "aHVudGVyMg==" not in seen and "s3cr3t" not in seen
    sent = [json.loads(line) for line in seen.splitlines()]
    assert sent[0]["data"] == {"password": ""}
    assert sent[0]["stringData"] == {"token": "", "count": 0}  # the type kept: still checked
    assert sent[1] == SERVICE


def test_only_core_secrets_are_redacted() -> None:
    other = {**SECRET, "apiVersion": "example.com/v1"}
    assert without_secret_values(other) is other
    assert without_secret_values(SECRET) is not SECRET
    assert SECRET["data"] == {"password": "aHVudGVyMg=="}  # the caller's object is untouched


@pytest.mark.skipif(
    reference_binary("kubeconform") is None,
    reason="kubeconform is neither on PATH nor in ../shared/bin",
)
@pytest.mark.usefixtures("private_cache")
def test_redacted_secrets_get_the_same_verdicts_from_the_real_kubeconform(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KUBECONFORM", str(reference_binary("kubeconform")))
    valid = {**SECRET, "stringData": {"token": "s3cr3t-t0k3n"}}
    wrong_type = {**valid, "data": {"password": 5}}
    unknown_field = {**valid, "extra": 1}
    objects: list[dict[str, Any]] = [valid, wrong_type, unknown_field]
    theirs = Checker(ValidationSettings("kubeconform")).check(objects, "1.34")
    ours = Checker(ValidationSettings("embedded")).check(objects, "1.34")
    assert [[f.path for f in v.findings] for v in theirs] == [
        [f.path for f in v.findings] for v in ours
    ]
    assert [bool(v.findings) for v in theirs] == [False, True, True]


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_kubeconform_and_removes_the_converted_files(
    install: Callable[[str], Path], scratch: Path, tmp_path: Path, signal_number: int
) -> None:
    install(SLEEPER)
    write(tmp_path, {"m/secret.yaml": SECRET})
    process = subprocess.Popen(
        [sys.executable, "-m", "ingressgen", "validate", "m", "--validator", "kubeconform"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        for _ in range(3000):  # until the fake has started (the objects are written by then)
            if (tmp_path / "pids").exists() and (tmp_path / "pids").read_text():
                break
            time.sleep(0.01)
        converted = list(scratch.glob("ingressgen-kubeconform-*/objects/*.json"))
        assert converted, "the fake kubeconform never started"
        assert "aHVudGVyMg==" not in converted[0].read_text()
        process.send_signal(signal_number)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, err
    assert b"Traceback" not in err
    assert _all_gone(_pids(tmp_path))
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize("value", ["0", "-1", "soon"])
def test_the_timeout_must_be_a_positive_number(workdir: Path, run: Run, value: str) -> None:
    write(workdir, {"m/svc.yaml": SERVICE})
    result = run("validate", "m", "--validator", "kubeconform", "--kubeconform-timeout", value)
    assert result.code == 2 and "--kubeconform-timeout" in result.err
