"""`extends:` overlays through the command line: merging, chains, the errors and where they point,
and what the record and headers say about the bases."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from ingressgen.overlays import merge
from tests.conftest import REPO, Result, metallb_profile, snapshot, write

Run = Callable[..., Result]

BASE: dict[str, Any] = {
    **metallb_profile(**{"metadata.namespace": None}),
    "kind": "ServiceProfileBase",
}


def _overlay(extends: str, **fields: Any) -> dict[str, Any]:
    return {"extends": extends, **fields}


def _service(workdir: Path, namespace: str, name: str = "chat") -> dict[str, Any]:
    path = workdir / "out" / namespace / name / f"service-{name}-lb.yaml"
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    return data


def test_merge_is_deep_lists_and_scalars_replace_and_null_removes() -> None:
    base = {"a": {"b": 1, "c": [1, 2], "d": {"e": 1}}, "f": "x", "g": 1}
    overlay = {"a": {"c": [3], "d": {"h": 2}}, "f": "y", "g": None, "n": {"k": None, "m": 1}}
    assert merge(base, overlay) == {
        "a": {"b": 1, "c": [3], "d": {"e": 1, "h": 2}},
        "f": "y",
        "n": {"m": 1},
    }


def test_an_overlay_changes_only_what_it_holds(workdir: Path, run: Run) -> None:
    write(
        workdir,
        {
            "p/base.yaml": BASE,
            "p/staging.yaml": _overlay(
                "base.yaml",
                metadata={"namespace": "staging"},
                spec={
                    "hostname": None,
                    "service": {"replicas": 2},
                    "metallb": {"addressPool": "stage", "addresses": ["198.51.100.0/28"]},
                },
            ),
        },
    )
    result = run("render", "p")
    assert result.code == 0, result.err
    service = _service(workdir, "staging")
    annotations = service["metadata"]["annotations"]
    assert annotations["metallb.io/address-pool"] == "stage"
    assert "external-dns.alpha.kubernetes.io/hostname" not in annotations  # null removed it
    assert service["spec"]["selector"] == {"app": "chat"}  # from the base
    pool = yaml.safe_load(
        (workdir / "out/metallb-system/_metallb/ipaddresspool-stage.yaml").read_text()
    )
    assert pool["spec"]["addresses"] == ["198.51.100.0/28"]  # the list replaced the base's
    assert "ServiceProfileBase" in result.err  # the base is named, never rendered
    assert sorted(p.name for p in (workdir / "out").iterdir()) == [
        ".ingressgen-record",
        "kustomization.yaml",
        "metallb-system",
        "staging",
    ]


def test_chains_and_headers_and_record_name_every_file(workdir: Path, run: Run) -> None:
    write(
        workdir,
        {
            "p/base.yaml": BASE,
            "p/mid.yaml": {
                "apiVersion": "ingressgen.dev/v1alpha1",
                "kind": "ServiceProfileBase",
                "extends": "base.yaml",
                "spec": {"service": {"port": 9000}},
            },
            "p/env/prod.yaml": _overlay("../mid.yaml", metadata={"namespace": "prod"}),
        },
    )
    result = run("render", "p")
    assert result.code == 0, result.err
    service = _service(workdir, "prod")
    assert service["spec"]["ports"][0]["port"] == 9000
    text = (workdir / "out/prod/chat/service-chat-lb.yaml").read_text()
    sources = [line for line in text.splitlines() if line.startswith("# Source:")]
    assert sources == ["# Source: p/base.yaml", "# Source: p/env/prod.yaml", "# Source: p/mid.yaml"]
    record = json.loads((workdir / "out/.ingressgen-record").read_text())["files"]
    assert record["prod/chat/service-chat-lb.yaml"] == [
        "p/base.yaml",
        "p/env/prod.yaml",
        "p/mid.yaml",
    ]


def test_a_base_change_is_drift_and_a_partial_run_keeps_other_overlays(
    workdir: Path, run: Run
) -> None:
    write(
        workdir,
        {
            "p/base.yaml": BASE,
            "p/a.yaml": _overlay("base.yaml", metadata={"namespace": "a"}),
            "p/b.yaml": _overlay(
                "base.yaml",
                metadata={"namespace": "b"},
                spec={"metallb": {"addressPool": "b", "addresses": ["198.51.100.0/28"]}},
            ),
        },
    )
    assert run("render", "p").code == 0
    before = snapshot(workdir / "out")
    # Rendering one overlay alone leaves the other's files (and their headers) as they are.
    assert run("render", "p/a.yaml").code == 0
    assert snapshot(workdir / "out") == before
    assert run("render", "p", "--check").code == 0
    write(
        workdir,
        {
            "p/base.yaml": metallb_profile(
                **{
                    "kind": "ServiceProfileBase",
                    "metadata.namespace": None,
                    "spec.service.port": 9000,
                }
            )
        },
    )
    checked = run("render", "p", "--check")
    assert checked.code == 1
    assert "changed: out/a/chat/service-chat-lb.yaml" in checked.out
    assert "changed: out/b/chat/service-chat-lb.yaml" in checked.out


def test_errors_point_at_the_file_that_wrote_the_value(workdir: Path, run: Run) -> None:
    write(
        workdir,
        {
            "p/base.yaml": metallb_profile(
                **{"kind": "ServiceProfileBase", "metadata.namespace": None, "spec.service.port": 0}
            ),
            "p/a.yaml": "extends: base.yaml\nmetadata:\n  namespace: a\nspec:\n  protocl: http\n",
        },
    )
    result = run("render", "p")
    assert result.code == 2 and "Traceback" not in result.err
    port_line = next(
        n
        for n, line in enumerate((workdir / "p/base.yaml").read_text().splitlines(), 1)
        if "port: 0" in line
    )
    assert re.search(rf"p/base\.yaml:{port_line}:\d+: spec\.service\.port: ", result.err)
    assert re.search(
        r"p/a\.yaml:5:3: spec\.protocl: unknown field 'protocl' \(did you mean 'protocol'",
        result.err,
    )
    assert not (workdir / "out").exists()


def test_missing_base_cycle_and_base_outside_the_repository(tmp_path: Path, run: Run) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    write(
        tmp_path,
        {
            "shared.yaml": BASE,
            "repo/p/missing.yaml": _overlay("nope.yaml", metadata={"namespace": "m"}),
            "repo/p/x.yaml": _overlay("y.yaml"),
            "repo/p/y.yaml": _overlay("x.yaml"),
            "repo/p/outside.yaml": _overlay("../../shared.yaml", metadata={"namespace": "o"}),
            "repo/p/absolute.yaml": _overlay(str(tmp_path / "shared.yaml")),
        },
    )
    result = run("render", repo / "p", "--out", repo / "out", "-o", "json")
    assert result.code == 2
    errors = {
        Path(e["file"]).name: e for e in json.loads(result.out)["findings"] if e["level"] == "error"
    }
    assert {e["rule"] for e in errors.values()} == {"profile-extends-invalid"}
    assert "no such file" in errors["missing.yaml"]["message"]
    assert "cycle" in errors["x.yaml"]["message"] and "cycle" in errors["y.yaml"]["message"]
    assert "outside the repository" in errors["outside.yaml"]["message"]
    assert "absolute path" in errors["absolute.yaml"]["message"]
    assert errors["missing.yaml"]["line"] == 1 and errors["missing.yaml"]["column"] == 10
    assert not (repo / "out").exists()


def test_without_git_the_working_directory_is_the_repository(
    tmp_path: Path, run: Run, monkeypatch: Any
) -> None:
    write(
        tmp_path,
        {
            "shared.yaml": BASE,
            "w/p/a.yaml": _overlay("../../shared.yaml", metadata={"namespace": "a"}),
        },
    )
    monkeypatch.chdir(tmp_path / "w")
    result = run("render", "p")
    assert result.code == 2 and "outside the repository" in result.err
    monkeypatch.chdir(tmp_path)
    assert run("render", "w/p").code == 0


def test_an_overlay_of_a_full_profile_must_rename(workdir: Path, run: Run) -> None:
    write(
        workdir,
        {
            "p/a.yaml": metallb_profile(),
            "p/b.yaml": _overlay("a.yaml", spec={"service": {"replicas": 5}}),
        },
    )
    result = run("render", "p/b.yaml")
    assert result.code == 2
    assert re.search(
        r"p/b\.yaml:1:10: extends: .*change metadata\.name or metadata\.namespace", result.err
    )
    write(workdir, {"p/b.yaml": _overlay("a.yaml", metadata={"name": "b"})})
    assert run("render", "p").code == 0
    assert (workdir / "out/apps/chat").is_dir() and (workdir / "out/apps/b").is_dir()


def test_a_base_of_several_documents_is_refused(workdir: Path, run: Run) -> None:
    text = yaml.safe_dump(BASE) + "---\n" + yaml.safe_dump(BASE)
    write(
        workdir,
        {"p/base.yaml": text, "p/a.yaml": _overlay("base.yaml", metadata={"namespace": "a"})},
    )
    result = run("render", "p/a.yaml")
    assert result.code == 2 and "a base file holds exactly one" in result.err


def test_the_example_environments_render_from_one_base() -> None:
    profiles = REPO / "profiles"
    for env, namespace in (("staging", "chat-staging"), ("prod", "chat")):
        data = yaml.safe_load((profiles / env / "chat-gateway.yaml").read_text())
        assert data["extends"] == "../base/chat-gateway.yaml"
        header = (
            REPO / "out" / namespace / "chat-gateway" / "service-chat-gateway-lb.yaml"
        ).read_text()
        assert "# Source: profiles/base/chat-gateway.yaml\n" in header


def test_the_json_schema_accepts_overlays_and_bases_and_still_checks_them() -> None:
    import jsonschema

    schema = json.loads((REPO / "schema/profile.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    for path in sorted((REPO / "profiles").rglob("*.yaml")):
        assert not list(validator.iter_errors(yaml.safe_load(path.read_text()))), path
    assert list(validator.iter_errors({"extends": "base.yaml", "spec": {"servce": {}}}))
    assert list(validator.iter_errors({"extends": "base.yaml", "spec": {"protocol": "ftp"}}))
    assert not list(validator.iter_errors({"extends": "base.yaml", "spec": {"hostname": None}}))
    incomplete = metallb_profile(**{"metadata.namespace": None})
    assert list(validator.iter_errors(incomplete))  # a full profile still needs every field
