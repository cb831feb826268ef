"""`validate` and `render` end to end: inputs, report formats, --crd, --skip-kind, and the same
verdicts through every path."""

from __future__ import annotations

import io
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ingressgen import rendering
from ingressgen.validation import manifests
from tests.conftest import REPO, SHARED, Result, metallb_profile, widget_crd, write

Run = Callable[..., Result]


# These tests are about the embedded backend: no kubeconform, wherever it is installed.
pytestmark = pytest.mark.usefixtures("no_kubeconform")


def service(name: str = "web", **spec: Any) -> dict[str, Any]:
    body = {"ports": [{"name": "http", "port": 80, "targetPort": 8080}], **spec}
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": body}


def configmap(name: str = "settings", **data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


def verdicts(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    """What a JSON report says about each object, without file names or positions."""
    return sorted(
        (
            o["kind"],
            o["name"],
            o["valid"],
            tuple((e["path"], e["message"], e["rule"]) for e in o["errors"]),
        )
        for f in report["files"]
        for o in f["objects"]
    )


def test_reads_folders_lists_json_and_multi_document_files(workdir: Path, run: Run) -> None:
    listing = {"apiVersion": "v1", "kind": "List", "items": [service("a"), configmap("b")]}
    write(
        workdir,
        {
            "m/list.yaml": listing,
            "m/multi.yml": yaml.safe_dump(service("c"))
            + "---\n---\n"
            + yaml.safe_dump(configmap("d")),
            "m/deep/x.json": json.dumps(configmap("e")),
            "m/kustomization.yaml": {"resources": ["list.yaml"]},
            "m/.hidden.yaml": "not: [valid",
            "m/notes.txt": "ignored",
        },
    )
    result = run("validate", "m")
    assert result.code == 0, result.out
    assert result.out.strip() == "3 files, 5 objects: 5 valid, 0 invalid (Kubernetes 1.34)"


def test_standard_input(workdir: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    text = yaml.safe_dump(service("1abc"))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    result = run("validate", "-", "--kubernetes-version", "1.35")
    assert result.code == 1
    assert "<stdin>:" in result.out and "Service/1abc: metadata.name:" in result.out
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(json.dumps(service()).encode())))
    assert run("validate", "-").code == 0


def test_bad_files_are_findings_and_the_rest_is_still_checked(workdir: Path, run: Run) -> None:
    write(
        workdir,
        {
            "m/a-dup.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  name: y\n",
            "m/b-broken.json": '{"apiVersion": ',
            "m/c-binary.yaml": "",
            "m/d-good.yaml": service(),
            "m/e-bad.yaml": service(spec_bogus=1),
        },
    )
    (workdir / "m/c-binary.yaml").write_bytes(b"\xff\xfe\x00garbage\x80")
    result = run("validate", "m", "-o", "json")
    assert result.code == 1
    report = json.loads(result.out)
    errors = {f["path"]: f["errors"] for f in report["files"]}
    assert "duplicate key 'name'" in errors["m/a-dup.yaml"][0]["message"]
    assert errors["m/a-dup.yaml"][0]["line"] == 5
    assert "not valid JSON" in errors["m/b-broken.json"][0]["message"]
    assert errors["m/c-binary.yaml"]
    assert report["summary"] == {
        "files": 5,
        "objects": 2,
        "valid": 1,
        "invalid": 1,
        "skipped": 0,
        "invalidFiles": 3,
    }


def test_dates_and_numeric_keys_do_not_break_validation(workdir: Path, run: Run) -> None:
    text = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations:\n"
        "    since: 2024-01-01\ndata:\n  1: one\n"
    )
    write(workdir, {"m/c.yaml": text})
    result = run("validate", "m")
    assert result.code == 0, result.out


def test_text_lines_name_file_line_column_object_field_and_rule(workdir: Path, run: Run) -> None:
    text = (
        yaml.safe_dump(service(spec_type="LoadBalancer"), sort_keys=False)
        .replace("spec_type", "type")
        .replace("targetPort: 8080", "targetPort: '8080'")
    )
    write(workdir, {"m/svc.yaml": text})
    result = run("validate", "m")
    line = text.splitlines().index("    targetPort: '8080'") + 1
    assert (
        f"m/svc.yaml:{line}:17: Service/web: spec.ports[0].targetPort: '8080' is a string of "
        "digits, which Kubernetes reads as a port name and refuses; write 8080 without quotes "
        "(service-target-port)"
    ) in result.out.splitlines()


def test_json_report_format(workdir: Path, run: Run) -> None:
    write(workdir, {"m/svc.yaml": service("1abc", type="ClusterIP")})
    result = run("validate", "m", "-o", "json", "--kubernetes-version", "1.35")
    assert result.code == 1
    report = json.loads(result.out)
    assert set(report) == {"files", "summary"}
    [file] = report["files"]
    assert set(file) == {"path", "objects", "errors"}
    [obj] = file["objects"]
    assert {k: obj[k] for k in ("apiVersion", "kind", "name", "namespace", "valid")} == {
        "apiVersion": "v1",
        "kind": "Service",
        "name": "1abc",
        "namespace": None,
        "valid": False,
    }
    [error] = obj["errors"]
    assert {k: error[k] for k in ("path", "rule", "line", "column")} == {
        "path": "metadata.name",
        "rule": "metadata-name",
        "line": 4,
        "column": 9,
    }
    assert report["summary"]["invalid"] == 1 and report["summary"]["files"] == 1


def test_json_report_puts_each_object_and_file_error_on_its_own_line(
    workdir: Path, run: Run
) -> None:
    write(workdir, {"m/a.yaml": service("a"), "m/b.yaml": configmap("b"), "m/c.yaml": "a: [\n"})
    result = run("validate", "m", "-o", "json")
    report = json.loads(result.out)
    lines = result.out.splitlines()
    for file in report["files"]:
        for entry in [*file["objects"], *file["errors"]]:
            assert json.dumps(entry, ensure_ascii=False, separators=(", ", ": ")) in (
                line.strip() for line in lines
            )
    assert lines[0] == "{" and lines[-1] == "}" and '"objects": [],' in result.out


def test_github_annotations(workdir: Path, run: Run) -> None:
    write(workdir, {"m/svc.yaml": service("1abc", ports=[{"port": 80, "nodePort": 8080}])})
    result = run("validate", "m", "-o", "github", "--kubernetes-version", "1.35")
    lines = result.out.splitlines()
    assert lines[0].startswith(
        "::error file=m/svc.yaml,line=4,col=9,title=ingressgen (metadata-name)::"
    )
    assert any(line.startswith("::error ") and "service-node-port" in line for line in lines)
    assert any(
        line.startswith("::warning ") and "service-node-port-range" in line for line in lines
    )
    assert lines[-1].startswith("1 files, 1 objects")


def test_github_annotations_escape_what_would_break_them(workdir: Path, run: Run) -> None:
    write(workdir, {"m/a,b:c.yaml": service("bad name%")})
    [annotation, _] = run("validate", "m", "-o", "github").out.splitlines()
    assert annotation.startswith("::error file=m/a%2Cb%3Ac.yaml,line=")
    assert "'bad name%25'" in annotation


def test_skip_kind(workdir: Path, run: Run) -> None:
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    write(workdir, {"m/w.yaml": widget, "m/s.yaml": service()})
    assert run("validate", "m").code == 1
    result = run("validate", "m", "--skip-kind", "Widget", "--skip-kind", "Gadget")
    assert result.code == 0
    assert "2 objects: 1 valid, 0 invalid, 1 skipped" in result.out


def test_crd_files_check_their_kinds(workdir: Path, run: Run) -> None:
    as_list = {"apiVersion": "v1", "kind": "List", "items": [widget_crd(size={"type": "integer"})]}
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    write(
        workdir,
        {
            "crds.yaml": as_list,
            "m/good.yaml": {**widget, "spec": {"size": 3}},
            "m/bad.yaml": {**widget, "metadata": {"name": "w2"}, "spec": {"size": "3", "extra": 1}},
            "m/unserved.yaml": {
                **widget,
                "apiVersion": "example.com/v0",
                "metadata": {"name": "w3"},
            },
        },
    )
    result = run("validate", "m", "--crd", "crds.yaml", "-o", "json")
    report = json.loads(result.out)
    by_name = {o["name"]: o for f in report["files"] for o in f["objects"]}
    assert by_name["w"]["valid"]
    assert {e["path"] for e in by_name["w2"]["errors"]} == {"spec", "spec.size"}
    assert "no schema for Widget" in by_name["w3"]["errors"][0]["message"]


def test_bad_crd_files_are_usage_errors(workdir: Path, run: Run) -> None:
    write(workdir, {"m/s.yaml": service(), "notacrd.yaml": service(), "broken.yaml": "a: ["})
    result = run("validate", "m", "--crd", "notacrd.yaml")
    assert result.code == 2 and "notacrd.yaml:1: not a CustomResourceDefinition" in result.err
    assert run("validate", "m", "--crd", "broken.yaml").code == 2
    assert run("validate", "m", "--crd", "missing.yaml").code == 2


@pytest.mark.skipif(not (SHARED / "reference/crds/metallb").is_dir(), reason="../shared is absent")
def test_upstream_metallb_crds_validate_metallb_objects(workdir: Path, run: Run) -> None:
    write(workdir, {"p/a.yaml": metallb_profile(**{"spec.metallb.advertisement": "bgp"})})
    crds = [
        arg
        for f in sorted((SHARED / "reference/crds/metallb").glob("*.yaml"))
        for arg in ("--crd", f)
    ]
    assert run("render", "p", "--out", "out", *crds).code == 0
    bfd = {
        "apiVersion": "metallb.io/v1beta1",
        "kind": "BFDProfile",  # a kind only the upstream CRDs describe
        "metadata": {"name": "fast", "namespace": "metallb-system"},
        "spec": {"receiveInterval": 300},
    }
    bad_pool = {
        "apiVersion": "metallb.io/v1beta1",
        "kind": "IPAddressPool",
        "metadata": {"name": "bad", "namespace": "metallb-system"},
        "spec": {"addresses": ["192.0.2.0/28"], "autoAssing": True},
    }
    write(workdir, {"extra/bfd.yaml": bfd, "extra/bad.yaml": bad_pool})
    result = run("validate", "out", "extra", *crds, "-o", "json")
    report = json.loads(result.out)
    by_kind = {(o["kind"], o["name"]): o for f in report["files"] for o in f["objects"]}
    assert by_kind[("BFDProfile", "fast")]["valid"]
    assert not by_kind[("IPAddressPool", "bad")]["valid"]
    generated = [o for k, o in by_kind.items() if k[1] != "bad" and k[0] != "BFDProfile"]
    assert len(generated) >= 3 and all(o["valid"] for o in generated)
    assert result.code == 1
    assert run("validate", "extra/bfd.yaml").code == 1  # without the CRDs: no schema, no pass


def test_kubernetes_version_switches_the_rules(workdir: Path, run: Run) -> None:
    write(
        workdir,
        {
            "m/svc.yaml": service(
                "1abc", type="LoadBalancer", loadBalancerSourceRanges=["10.1.2.3/8"]
            )
        },
    )
    old = run("validate", "m", "--kubernetes-version", "1.35")
    new = run("validate", "m", "--kubernetes-version", "1.36")
    assert "(metadata-name)" in old.out and "(service-source-ranges)" not in old.out
    assert "(metadata-name)" not in new.out and "(service-source-ranges)" in new.out


def _strict_pool_crd(path: Path) -> None:
    """MetalLB's IPAddressPool CRD, stricter: IPv6 pools only (so ingressgen's IPv4 pool fails)."""
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "ipaddresspools.metallb.io"},
        "spec": {
            "group": "metallb.io",
            "names": {"kind": "IPAddressPool", "plural": "ipaddresspools"},
            "scope": "Namespaced",
            "versions": [
                {
                    "name": "v1beta1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {
                                "spec": {
                                    "type": "object",
                                    "x-kubernetes-preserve-unknown-fields": True,
                                    "properties": {
                                        "addresses": {
                                            "type": "array",
                                            "items": {
                                                "type": "string",
                                                "pattern": "^[0-9a-f:]+/[0-9]+$",
                                            },
                                        }
                                    },
                                }
                            },
                        }
                    },
                }
            ],
        },
    }
    path.write_text(yaml.safe_dump(crd))


def test_same_verdicts_through_render_validate_and_json(workdir: Path, run: Run) -> None:
    """A user CRD makes a generated object invalid: every path gives the same verdicts."""
    write(workdir, {"p/a.yaml": metallb_profile()})
    _strict_pool_crd(workdir / "strict.yaml")
    rendered = run("render", "p", "--out", "out", "--crd", "strict.yaml", "-o", "json")
    assert rendered.code == 1 and not (workdir / "out").exists()
    text_render = run("render", "p", "--out", "out", "--crd", "strict.yaml")
    assert text_render.code == 1 and not (workdir / "out").exists()
    assert run("render", "p", "--out", "out").code == 0
    validated = run("validate", "out", "--crd", "strict.yaml", "-o", "json")
    assert validated.code == 1
    assert verdicts(json.loads(rendered.out)) == verdicts(json.loads(validated.out))
    [invalid] = [v for v in verdicts(json.loads(validated.out)) if not v[2]]
    assert invalid[0] == "IPAddressPool"
    text = run("validate", "out", "--crd", "strict.yaml")
    for path, message, rule in invalid[3]:
        assert f"IPAddressPool/public: {path}: {message} ({rule})" in text.out
        assert f"IPAddressPool/public: {path}: {message} ({rule})" in text_render.err
    # render points at the generated file and at the profile it came from
    report = json.loads(rendered.out)
    [pool] = [o for f in report["files"] for o in f["objects"] if o["kind"] == "IPAddressPool"]
    assert pool["source"] == "p/a.yaml"
    assert pool["errors"][0]["source"].startswith("p/a.yaml:")
    assert "[from p/a.yaml:" in text_render.err


def test_rules_run_on_rendered_objects(
    workdir: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Were a template to emit a quoted targetPort, render would refuse it like validate does."""
    original = rendering.render_template

    def quoted_target_port(name: str, context: Any) -> str:
        return original(name, context).replace("targetPort: 8080", 'targetPort: "8080"')

    monkeypatch.setattr("ingressgen.pipeline.render_template", quoted_target_port)
    write(workdir, {"p/a.yaml": metallb_profile()})
    rendered = run("render", "p", "--out", "out", "-o", "json")
    assert rendered.code == 1
    monkeypatch.setattr("ingressgen.pipeline.render_template", original)
    assert run("render", "p", "--out", "out").code == 0
    service_file = workdir / "out/apps/chat/service-chat-lb.yaml"
    service_file.write_text(
        service_file.read_text().replace("targetPort: 8080", 'targetPort: "8080"')
    )
    validated = run("validate", "out", "-o", "json")
    assert validated.code == 1
    assert verdicts(json.loads(rendered.out)) == verdicts(json.loads(validated.out))
    assert any("service-target-port" in str(v) for v in verdicts(json.loads(validated.out)))
    # the would-be file's line numbers match the file as written, header included
    [rendered_error] = [
        e for f in json.loads(rendered.out)["files"] for o in f["objects"] for e in o["errors"]
    ]
    lines = service_file.read_text().splitlines()
    assert 'targetPort: "8080"' in lines[rendered_error["line"] - 1]


def test_render_json_on_success_keeps_stdout_machine_readable(workdir: Path, run: Run) -> None:
    shutil.copytree(REPO / "profiles", workdir / "profiles")
    result = run("render", "profiles", "--out", "out", "-o", "json")
    assert result.code == 0
    report = json.loads(result.out)
    assert report["summary"]["objects"] == report["summary"]["valid"] >= 6
    assert "rendered" in result.err and (workdir / "out").is_dir()
    github = run("render", "profiles", "--out", "out", "-o", "github", "--check")
    assert github.code == 0 and "up to date" in github.err


def test_two_processes_give_the_same_report_as_one(
    workdir: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    files: dict[str, Any] = {}
    for i in range(12):
        files[f"m/s{i:02d}.yaml"] = service(f"s{i}" if i % 3 else f"{i}bad")
        files[f"m/c{i:02d}.yaml"] = configmap(
            f"c{i}", **({"..x": "y"} if i % 4 == 0 else {"a": "b"})
        )
    files["m/zz-broken.yaml"] = "a: [\n"
    write(workdir, files)
    sequential = run("validate", "m", "-o", "json", "--kubernetes-version", "1.35")
    calls: list[int] = []
    original = manifests._check_split

    def counted(*args: Any) -> Any:
        calls.append(1)
        return original(*args)

    monkeypatch.setattr(manifests, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(manifests, "_check_split", counted)
    split = run("validate", "m", "-o", "json", "--kubernetes-version", "1.35")
    assert calls == [1], "the two-process path was not taken"
    assert split.out == sequential.out and split.code == sequential.code == 1
    assert json.loads(split.out)["summary"]["invalid"] == 4 + 3


def test_a_crd_schema_that_cannot_compile_is_a_usage_error(workdir: Path, run: Run) -> None:
    crd = widget_crd(size={"type": "integer", "pattern": "(unclosed"})
    write(workdir, {"crd.yaml": crd, "m/s.yaml": service()})
    result = run("validate", "m", "--crd", "crd.yaml")
    assert result.code == 2 and "--crd: the schema of Widget (example.com/v1)" in result.err
