"""The installed entry point: every command through it exits with its code and its whole output,
although it skips the interpreter's tear-down."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent


def entry_point(*arguments: str, cwd: Path = REPOSITORY) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    command = [sys.executable, "-m", "ingressgen", *arguments]
    return subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True)


def test_render_writes_every_file_and_check_finds_them_current(tmp_path: Path) -> None:
    shutil.copytree(REPOSITORY / "profiles", tmp_path / "profiles")
    out = tmp_path / "out"
    rendered = entry_point("render", "profiles", "--out", "out", "-q", cwd=tmp_path)
    assert rendered.returncode == 0, rendered.stderr
    committed = sorted(p.relative_to(REPOSITORY / "out") for p in (REPOSITORY / "out").rglob("*"))
    written = sorted(p.relative_to(out) for p in out.rglob("*"))
    assert written == committed
    for name in committed:
        if (out / name).is_file() and name.name != ".ingressgen-record":
            assert (out / name).read_bytes() == (REPOSITORY / "out" / name).read_bytes(), name
    assert entry_point("render", "profiles", "--check", cwd=tmp_path).returncode == 0


def test_long_output_reaches_the_reader_whole(tmp_path: Path) -> None:
    result = entry_point("schema")
    assert result.returncode == 0 and result.stdout.rstrip().endswith("}")
    assert len(result.stdout) > 10_000


def test_usage_errors_keep_their_exit_code() -> None:
    result = entry_point("render", "--no-such-option")
    assert result.returncode == 2 and "no such option" in result.stderr.lower()


# Runs the entry point and, as it leaves (through os._exit), reports the plugin setting,
# whether the cyclic garbage collector is on, and the target modules it loaded.
_REPORT_START_UP = """
import os, sys
leave = os._exit
def report_and_leave(code):
    loaded = sorted(m for m in sys.modules if m.startswith("ingressgen.targets."))
    import gc
    setting = os.environ.get("PYDANTIC_DISABLE_PLUGINS")
    print(setting, gc.isenabled(), *loaded, file=sys.stderr, flush=True)
    leave(code)
os._exit = report_and_leave
import ingressgen.launch
sys.argv = ["ingressgen", *sys.argv[1:]]
ingressgen.launch.main()
"""


def test_a_metallb_render_loads_no_cloudflare_code_and_no_pydantic_plugin(
    tmp_path: Path,
) -> None:
    """Start-up costs only what the run needs: the Cloudflare target is imported for
    Cloudflare profiles alone, pydantic is told not to look for plugins (unless the user
    says otherwise), and a render runs without the cyclic garbage collector."""
    shutil.copy(REPOSITORY / "profiles/messaging-service.yaml", tmp_path / "one.yaml")
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    environment.pop("PYDANTIC_DISABLE_PLUGINS", None)
    command = [sys.executable, "-c", _REPORT_START_UP, "render", "one.yaml", "--out", "out"]
    done = subprocess.run(command, cwd=tmp_path, env=environment, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    report = done.stderr.strip().splitlines()[-1].split()
    assert report[0] == "__all__"
    assert report[1] == "False"
    assert "ingressgen.targets.metallb.target" in report
    assert not [m for m in report if m.startswith("ingressgen.targets.cloudflare")]
    environment["PYDANTIC_DISABLE_PLUGINS"] = "some-plugin"
    done = subprocess.run(command, cwd=tmp_path, env=environment, capture_output=True, text=True)
    assert done.stderr.strip().splitlines()[-1].split()[0] == "some-plugin"
