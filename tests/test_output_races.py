"""out/ under attack while a render writes: other writers, planted links, signals at any moment.

These run real renders (in-process where a thread must race the writes, as `python -m ingressgen`
where a signal must hit the process) and check what the README promises about out/.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ingressgen.errors import InputError
from ingressgen.output import GeneratedFile, RunScope, apply_output, plan_output
from tests.conftest import REPO, cloudflare_profile, dump, metallb_profile, snapshot

SEED = 20261206


def profile_set(count: int, *, variant: int) -> dict[str, str]:
    """`count` profiles (MetalLB and cloudflared alternating); variants differ in ports, and
    variant 1 drops every fifth profile and adds new ones, so a render changes, prunes and
    creates files and folders."""
    files: dict[str, str] = {}
    for i in range(count + (count // 5 if variant else 0)):
        if variant and i % 5 == 0 and i < count:
            continue
        name, namespace = f"svc-{i}", f"team-{i % 7}"
        changes = {
            "metadata.name": name,
            "metadata.namespace": namespace,
            "spec.hostname": f"{name}.example.com",
            "spec.service.port": 8080 + variant,
        }
        if i % 2:
            data = cloudflare_profile(
                **changes, **{"spec.cloudflareTunnel.tunnel": f"edge-{i % 7}"}
            )
        else:
            data = metallb_profile(
                **changes,
                **{"spec.service.selector": {"app": name}, "spec.metallb.addressPool": "pool"},
            )
        files[f"{name}.yaml"] = dump(data)
    return files


def lay_profiles(folder: Path, files: dict[str, str]) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text)


def ingressgen(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ingressgen", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def test_files_others_write_during_a_render_all_survive(tmp_path: Path) -> None:
    lay_profiles(tmp_path / "profiles", profile_set(300, variant=0))
    first = ingressgen("render", "profiles", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    lay_profiles(tmp_path / "profiles", profile_set(300, variant=1))

    out = tmp_path / "out"
    stop = threading.Event()
    written: dict[Path, str] = {}
    folders = [out, out / "team-1/svc-1", out / "team-2/svc-2", out / "pool-less"]

    def writer() -> None:
        count = 0
        while not stop.is_set():
            folder = folders[count % len(folders)]
            folder.mkdir(parents=True, exist_ok=True)
            own = folder / f"user-{count:05d}.txt"
            own.write_text(f"file {count}\n")
            written[own] = f"file {count}\n"
            # An editor's save: write a temporary file, then rename it over the real one.
            saved = folder / "notes.md"
            (folder / ".notes.md.swp").write_text(f"v{count}\n")
            os.rename(folder / ".notes.md.swp", saved)
            written[saved] = f"v{count}\n"
            count += 1
            time.sleep(0.002)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        second = ingressgen("render", "profiles", cwd=tmp_path)
    finally:
        stop.set()
        thread.join()
    assert second.returncode == 0, second.stderr
    assert "rendered" in second.stdout
    assert len(written) > 50  # the writer really ran alongside the render
    lost = {path for path, text in written.items() if not path.is_file()}
    reverted = {p for p, text in written.items() if p.is_file() and p.read_text() != text}
    assert lost == set() and reverted == set()
    assert ingressgen("render", "profiles", "--check", cwd=tmp_path).returncode == 0


def test_a_folder_swapped_for_a_link_mid_render_never_redirects_a_write(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    profiles = [f"profiles/p{i}.yaml" for i in range(40)]
    run_scope = RunScope(frozenset(profiles), (), tmp_path)
    out = tmp_path / "out"
    outcomes = {"written": 0, "refused": 0}

    for iteration in range(40):
        files = [
            GeneratedFile(
                f"ns/p{i}/configmap-{j}.yaml", f"data: v{iteration}-{i}-{j}\n", (profile,)
            )
            for i, profile in enumerate(profiles)
            for j in range(4)
        ]
        victim = out / f"ns/p{rng.randrange(len(profiles))}"
        delay = rng.uniform(0, 0.02)

        def racer(victim: Path = victim, delay: float = delay) -> None:
            time.sleep(delay)
            if victim.is_dir() and not victim.is_symlink():
                os.rename(victim, victim.with_name(victim.name + "-moved"))
                os.symlink(elsewhere, victim)

        thread = threading.Thread(target=racer)
        thread.start()
        try:
            apply_output(plan_output(out, files, run_scope))
            outcomes["written"] += 1
        except InputError as error:
            assert "link" in str(error) or "in the way" in str(error)
            outcomes["refused"] += 1
        thread.join()
        assert list(elsewhere.iterdir()) == [], f"iteration {iteration} wrote outside out/"
        # Undo the attack so the next iteration starts from a clean, rendered out/.
        for link in (p for p in (out / "ns").iterdir() if p.is_symlink()):
            link.unlink()
            shutil.rmtree(link.with_name(link.name + "-moved"), ignore_errors=True)
        (out / ".ingressgen-record").unlink(missing_ok=True)
        shutil.rmtree(out)
    assert outcomes["written"] + outcomes["refused"] == 40


# --- signals at random moments -----------------------------------------------------------------

# The child slows each file operation a little, so that a random moment often falls inside the
# writes rather than in start-up; the operations themselves are the real ones.
# Its argument is how many seconds a file may take before staging turns to writer threads:
# the runs alternate between staging in one thread and with writer threads (writers.py).
CHILD = """
import sys, time
import ingressgen.output.journal
from ingressgen.output.folders import OutFolder
ingressgen.output.journal.PROBE_FILES = 0
ingressgen.output.journal.SLOW_FILE = float(sys.argv[1])
for name in ("write_new", "rename"):
    original = getattr(OutFolder, name)
    def slowed(self, *args, _original=original):
        time.sleep(0.003)
        return _original(self, *args)
    setattr(OutFolder, name, slowed)
sys.argv = ["ingressgen", "render", "profiles"]
from ingressgen.launch import main
main()
"""


def test_signals_at_random_moments_leave_out_old_or_new_never_between(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    old_profiles, new_profiles = profile_set(24, variant=0), profile_set(24, variant=1)
    # The two trees a run may leave, rendered once without interference.
    lay_profiles(tmp_path / "profiles", new_profiles)
    assert ingressgen("render", "profiles", cwd=tmp_path).returncode == 0
    new_tree = snapshot(tmp_path / "out")
    shutil.rmtree(tmp_path / "out")
    lay_profiles(tmp_path / "profiles", old_profiles)
    assert ingressgen("render", "profiles", cwd=tmp_path).returncode == 0
    old_tree = snapshot(tmp_path / "out")
    saved = tmp_path.parent / f"{tmp_path.name}-saved-out"
    shutil.copytree(tmp_path / "out", saved)

    # How long an uninterrupted run takes, on this machine, now.
    lay_profiles(tmp_path / "profiles", new_profiles)
    start = time.monotonic()
    child = subprocess.Popen([sys.executable, "-c", CHILD, "0"], cwd=tmp_path, env=_env())
    child.wait()
    duration = time.monotonic() - start
    assert child.returncode == 0
    assert snapshot(tmp_path / "out") == new_tree
    seen: dict[str, set[int]] = {}
    plan = [signal.SIGINT, signal.SIGTERM, signal.SIGKILL] * 10
    rng.shuffle(plan)
    for iteration, number in enumerate(plan):
        shutil.rmtree(tmp_path / "out")
        shutil.copytree(saved, tmp_path / "out")
        lay_profiles(tmp_path / "profiles", new_profiles)
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, ("0", "inf")[iteration % 2]],
            cwd=tmp_path,
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        time.sleep(rng.uniform(0.2, 1.0) * duration)
        child.send_signal(number)
        _, err = child.communicate()
        code = child.returncode
        seen.setdefault(number.name, set()).add(code)
        after = snapshot(tmp_path / "out")
        if code == 0:
            assert after == new_tree, err
        elif code == 130:
            assert after == old_tree, err
            assert b"nothing was written" in err
        elif number != signal.SIGKILL and code == -number:
            # The signal arrived while Python was still starting, before ingressgen could
            # install its handler: the process ended before it did anything.
            assert after == old_tree, err
        else:
            assert number == signal.SIGKILL and code == -signal.SIGKILL, (code, err)
            check = ingressgen("render", "profiles", "--check", cwd=tmp_path)
            unfinished = any(".ingressgen-journal" in path for path in after)
            assert check.returncode == (1 if unfinished or after != new_tree else 0)
            assert ("unfinished:" in check.stdout) == unfinished
            assert ingressgen("render", "profiles", cwd=tmp_path).returncode == 0
            assert snapshot(tmp_path / "out") == new_tree
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "profiles"]
    shutil.rmtree(saved)
    # The signals really landed at different moments: both outcomes were seen.
    assert {0, 130} <= seen["SIGINT"] | seen["SIGTERM"], seen


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


def test_out_writable_under_a_parent_that_is_not_can_be_rendered(tmp_path: Path) -> None:
    """The parent of out/ is read-only (a read-only bind mount, so that even root cannot write
    it) and out/ a writable tmpfs on it: a render must need nothing but out/ itself."""
    parent = tmp_path / "project"
    (parent / "profiles").mkdir(parents=True)
    (parent / "out").mkdir()
    (parent / "profiles/chat.yaml").write_text(dump(metallb_profile()))
    mounted: list[Path] = []
    try:
        for command in (
            ["mount", "--bind", str(parent), str(parent)],
            ["mount", "-o", "remount,bind,ro", str(parent)],
            ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(parent / "out")],
        ):
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                pytest.skip(f"cannot mount here ({done.stderr.strip() or 'not root'})")
            if command[1] != "-o":
                mounted.append(Path(command[-1]))
        with pytest.raises(OSError):
            (parent / "probe").write_text("x")  # the parent really is read-only
        completed = ingressgen("render", "profiles", cwd=parent)
        assert completed.returncode == 0, completed.stderr
        assert (parent / "out/apps/chat/kustomization.yaml").is_file()
        assert ingressgen("render", "profiles", "--check", cwd=parent).returncode == 0
    finally:
        for mount_point in reversed(mounted):
            subprocess.run(["umount", str(mount_point)], check=False)
