"""Which files are profiles: in a folder, only documents of ingressgen's API group; a file named
on the command line must be one; several profiles may share a file; an emptied folder prunes."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import yaml

from tests.conftest import REPO, Result, dump, metallb_profile, snapshot, write

Run = Callable[..., Result]

HPA = """\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 3
"""


def test_other_yaml_files_in_a_folder_are_skipped_and_listed_with_v(
    workdir: Path, run: Run
) -> None:
    write(
        workdir,
        {
            "p/a.yaml": metallb_profile(),
            "p/hpa.yaml": HPA,
            "p/broken.yml": "key: [unclosed\n",
            "p/empty.yaml": "",
        },
    )
    quiet = run("render", "p")
    assert quiet.code == 0, quiet.err
    assert "hpa.yaml" not in quiet.err
    verbose = run("render", "p", "-v", "--check")
    assert verbose.code == 0
    for name in ("broken.yml", "empty.yaml", "hpa.yaml"):
        assert f"skipped p/{name}: not a profile" in verbose.err


def test_a_broken_file_that_looks_like_a_profile_is_reported(workdir: Path, run: Run) -> None:
    write(workdir, {"p/a.yaml": "apiVersion: ingressgen.dev/v1alpha1\nkind: [\n"})
    result = run("render", "p")
    assert result.code == 2 and re.search(r"p/a\.yaml:\d+:\d+: not valid YAML", result.err)


def test_a_file_named_on_the_command_line_must_be_a_profile(workdir: Path, run: Run) -> None:
    write(workdir, {"hpa.yaml": HPA, "empty.yaml": "# nothing\n"})
    result = run("render", "hpa.yaml")
    assert result.code == 2 and "Traceback" not in result.err
    assert re.search(r"hpa\.yaml:1:13: apiVersion: 'autoscaling/v2' is not valid", result.err)
    empty = run("render", "empty.yaml")
    assert empty.code == 2 and "holds no YAML document" in empty.err
    assert not (workdir / "out").exists()


def test_several_profiles_in_one_file_each_located_by_its_document(workdir: Path, run: Run) -> None:
    second = metallb_profile(**{"metadata.name": "b"})
    write(workdir, {"p/all.yaml": dump(metallb_profile()) + "---\n" + dump(second)})
    result = run("render", "p")
    assert result.code == 0, result.err
    assert (workdir / "out/apps/chat").is_dir() and (workdir / "out/apps/b").is_dir()
    bad = (
        dump(metallb_profile())
        + "---\n"
        + dump({**second, "spec": {**second["spec"], "protocol": "ftp"}})
    )
    write(workdir, {"p/all.yaml": bad})
    line = bad.splitlines().index("  protocol: ftp", len(dump(metallb_profile()).splitlines())) + 1
    failed = run("render", "p")
    assert failed.code == 2
    assert f"p/all.yaml:{line}:13: spec.protocol: 'ftp' is not valid" in failed.err


def test_a_profile_file_holds_only_profiles(workdir: Path, run: Run) -> None:
    write(workdir, {"p/a.yaml": dump(metallb_profile()) + "---\n" + HPA})
    result = run("render", "p")
    assert result.code == 2
    assert re.search(r"p/a\.yaml:\d+:1: this file holds ingressgen profiles", result.err)


def test_deleting_every_profile_prunes_their_output(workdir: Path, run: Run) -> None:
    write(workdir, {"p/a.yaml": metallb_profile(), "p/keep.yaml": HPA})
    assert run("render", "p").code == 0
    generated = sorted(snapshot(workdir / "out"))
    (workdir / "p/a.yaml").unlink()
    checked = run("render", "p", "--check")
    assert checked.code == 1
    for path in generated:
        assert f"extra: out/{path}" in checked.out
    assert run("render", "p").code == 0
    assert snapshot(workdir / "out") == {}
    assert run("render", "p", "--check").code == 2  # nothing left to prune: no profiles found


def test_a_folder_without_profiles_and_no_record_is_a_mistake(workdir: Path, run: Run) -> None:
    write(workdir, {"p/hpa.yaml": HPA})
    result = run("render", "p")
    assert result.code == 2 and "no profiles found in p" in result.err
    assert not (workdir / "out").exists()


def test_render_dot_at_the_repository_root_renders_the_profiles_and_nothing_else(
    workdir: Path, run: Run
) -> None:
    for name in ("profiles", "out", "tests", "schema", "templates", "bench"):
        shutil.copytree(REPO / name, workdir / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", workdir)
    write(workdir, {"deploy/hpa.yaml": HPA, "tests/data/values.yml": "replicas: 3\n"})
    (workdir / ".git").mkdir()
    before = snapshot(workdir / "out")
    checked = run("render", ".", "--check", "-v")
    assert checked.code == 0, checked.out + checked.err
    assert "skipped deploy/hpa.yaml: not a profile" in checked.err
    assert "skipped tests/data/values.yml: not a profile" in checked.err
    assert run("render", ".").code == 0
    assert snapshot(workdir / "out") == before
    record = yaml.safe_load((workdir / "out/.ingressgen-record").read_text())
    sources = {s for ids in record["files"].values() for s in ids}
    assert sources and all(s.startswith("profiles/") for s in sources)


def test_an_ignore_in_one_profile_of_a_file_does_not_silence_the_others(
    workdir: Path, run: Run
) -> None:
    annotated = metallb_profile(
        **{"metadata.annotations": {"ingressgen.dev/ignore": "metallb-tls-passthrough"}}
    )
    both = dump(annotated) + "---\n" + dump(metallb_profile(**{"metadata.name": "b"}))
    write(workdir, {"p/all.yaml": both})
    result = run("render", "p")
    assert result.code == 0, result.err
    assert "(metallb-tls-passthrough)" in result.err
    write(workdir, {"p/all.yaml": dump(annotated)})
    assert "(metallb-tls-passthrough)" not in run("render", "p").err
