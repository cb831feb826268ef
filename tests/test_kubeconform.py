"""The kubeconform backend, against a SYNTHETIC kubeconform and (when installed) the real one.

kubeconform cannot be installed on these machines, so most tests run a small Python program
standing in for it. It is synthetic: it prints JSON in the format kubeconform.md documents
(`-output json -summary -verbose`), resolves `-schema-location` templates the way that document
describes, and checks objects with jsonschema-rs, resolving refs only from local files (any
remote ref makes it report "could not find schema", as the real binary does offline). Its
verdicts say nothing about the real kubeconform; they check that ingressgen calls it with the
documented flags, lays out schemas it can use offline, and maps every status into findings.
"""

from __future__ import annotations

import json
import shutil
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ingressgen.validation.engine import Checker
from ingressgen.validation.findings import KUBECONFORM_RULE
from ingressgen.validation.schemas import bundles, kubeconform
from ingressgen.validation.schemas.kubeconform import (
    KubeconformSchemas,
    prepared_builtin_schemas,
    prepared_own_crd_schemas,
)
from ingressgen.validation.settings import ValidationSettings
from tests.conftest import REPO, SHARED, Result, reference_binary, widget_crd, write

Run = Callable[..., Result]

SYNTHETIC_KUBECONFORM = r'''
"""SYNTHETIC kubeconform stand-in for ingressgen's tests (not the real binary)."""
import json, os, pathlib, sys
import jsonschema_rs

argv = sys.argv[1:]
log = os.environ.get("FAKE_KUBECONFORM_LOG")
if log:
    pathlib.Path(log).write_text(json.dumps(argv))
mode = os.environ.get("FAKE_KUBECONFORM_MODE", "")
if mode == "garbage":
    print("panic: something broke", file=sys.stderr)
    sys.exit(2)
flags, locations, i = {}, [], 0
while i < len(argv) - 1:
    name = argv[i]
    if name in ("-strict", "-summary", "-verbose"):
        flags[name] = True
        i += 1
    elif name == "-schema-location":
        locations.append(argv[i + 1])
        i += 2
    else:
        flags[name] = argv[i + 1]
        i += 2
folder = pathlib.Path(argv[-1])
version = flags["-kubernetes-version"]
assert version.count(".") == 2, "kubeconform wants x.y.z"


def fetch(uri):
    if not uri.startswith("file://"):
        raise OSError(f"offline: cannot fetch {uri}")
    return json.loads(pathlib.Path(uri[len("file://"):]).read_text())


def schema_for(obj):
    group, _, api = obj["apiVersion"].rpartition("/")
    kind = obj["kind"]
    suffix = f"-{group.split('.')[0]}-{api}" if group else f"-{api}"
    values = {
        "{{ .NormalizedKubernetesVersion }}": "v" + version,
        "{{ .StrictSuffix }}": "-strict" if flags.get("-strict") else "",
        "{{ .ResourceKind }}": kind.lower(),
        "{{ .KindSuffix }}": suffix,
        "{{ .Group }}": group,
        "{{ .ResourceAPIVersion }}": api,
    }
    for location in locations:
        for key, value in values.items():
            location = location.replace(key, value)
        if os.path.isfile(location):
            return location
    return None


resources, summary = [], {"valid": 0, "invalid": 0, "errors": 0, "skipped": 0}
skip = set(filter(None, os.environ.get("FAKE_KUBECONFORM_SKIP", "").split(",")))
for path in sorted(folder.glob("*.json")):
    obj = json.loads(path.read_text())
    entry = {"filename": str(path), "kind": obj.get("kind", ""),
             "name": obj.get("metadata", {}).get("name", ""), "version": obj.get("apiVersion", ""),
             "status": "statusValid", "msg": ""}
    if mode == "omit" and obj.get("kind") == "ConfigMap":
        continue
    location = schema_for(obj)
    if obj.get("kind") in skip:
        entry["status"] = "statusSkipped"
        summary["skipped"] += 1
    elif location is None:
        entry.update(status="statusError", msg=f"could not find schema for {obj['kind']}")
        summary["errors"] += 1
    else:
        schema = json.loads(pathlib.Path(location).read_text())
        base = schema.get("$id") or "file://" + os.path.abspath(location)
        try:
            validator = jsonschema_rs.validator_for(schema, base_uri=base, retriever=fetch)
            errors = list(validator.iter_errors(obj))
        except Exception:
            entry.update(status="statusError", msg=f"could not find schema for {obj['kind']}")
            summary["errors"] += 1
        else:
            if errors:
                entry.update(
                    status="statusInvalid",
                    msg="problem validating schema. Check JSON formatting: " + errors[0].message,
                    validationErrors=[
                        {"path": "/" + "/".join(str(p) for p in e.instance_path), "msg": e.message}
                        for e in errors
                    ],
                )
                summary["invalid"] += 1
            else:
                summary["valid"] += 1
    if flags.get("-verbose") or entry["status"] not in ("statusValid", "statusSkipped"):
        resources.append(entry)
print(json.dumps({"resources": resources, "summary": summary}, indent=2))
sys.exit(1 if summary["invalid"] or summary["errors"] else 0)
'''


@pytest.fixture
def fake_kubeconform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, private_cache: Path) -> Path:
    """Install the synthetic kubeconform as $KUBECONFORM, with a private schema cache."""
    binary = tmp_path / "bin" / "kubeconform"
    binary.parent.mkdir()
    binary.write_text(f"#!{sys.executable}\n{SYNTHETIC_KUBECONFORM}")
    binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("KUBECONFORM", str(binary))
    monkeypatch.setenv("FAKE_KUBECONFORM_LOG", str(tmp_path / "argv.json"))
    return binary


def service(name: str = "web", **spec: Any) -> dict[str, Any]:
    body = {"ports": [{"name": "http", "port": 80, "targetPort": 8080}], **spec}
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": body}


def configmap(name: str = "settings") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"a": "b"}}


def test_kubeconform_runs_with_the_documented_flags(fake_kubeconform: Path, tmp_path: Path) -> None:
    checker = Checker(ValidationSettings("kubeconform"))
    assert isinstance(checker.backend, KubeconformSchemas)
    verdicts = checker.check([service(), configmap()], "1.34")
    assert [v.findings for v in verdicts] == [[], []]
    argv = json.loads((tmp_path / "argv.json").read_text())
    assert argv[:5] == ["-strict", "-summary", "-output", "json", "-verbose"]
    assert argv[argv.index("-kubernetes-version") + 1] == "1.34.0"
    assert argv[argv.index("-n") + 1] == "2"
    assert "-ignore-missing-schemas" not in argv
    locations = [argv[i + 1] for i, a in enumerate(argv) if a == "-schema-location"]
    cache = tmp_path / "cache" / "ingressgen" / "kubeconform"
    assert locations[-1].startswith(str(cache / "kubernetes-validate-1.37.0"))
    assert locations[-1].endswith(
        "/{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/"
        "{{ .ResourceKind }}{{ .KindSuffix }}.json"
    )
    assert any("ingressgen-crds-" in location for location in locations)


def test_kubeconform_and_embedded_agree_on_schema_verdicts(fake_kubeconform: Path) -> None:
    objects = [
        service(),
        service(spec_bogus=1),
        {**service(), "spec": {"ports": [{"port": "80"}]}},
        configmap(),
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {}},
    ]
    through_kubeconform = Checker(ValidationSettings("kubeconform")).check(objects, "1.33")
    embedded = Checker(ValidationSettings("embedded")).check(objects, "1.33")
    for ours, theirs in zip(embedded, through_kubeconform, strict=True):
        assert sorted({f.path for f in ours.findings if f.rule == "schema"}) == sorted(
            {f.path for f in theirs.findings if f.rule == KUBECONFORM_RULE}
        )
    assert through_kubeconform[1].findings and through_kubeconform[2].findings


def test_api_server_rules_run_with_kubeconform_too(fake_kubeconform: Path) -> None:
    checker = Checker(ValidationSettings("kubeconform"))
    [old, new] = [checker.check([service("1abc")], v)[0] for v in ("1.35", "1.36")]
    assert [f.rule for f in old.findings] == ["metadata-name"]
    assert new.findings == []


def test_prepared_schemas_never_point_at_the_network(
    fake_kubeconform: Path, tmp_path: Path
) -> None:
    root = prepared_builtin_schemas("1.34")
    folder = root / "v1.34.0-local-strict"
    text = (folder / "service-v1.json").read_text()
    assert '"$id"' not in text and "/api/_definitions.json" not in text
    assert '"_definitions.json#/$defs/io.k8s.api.core.v1.ServiceSpec"' in text
    assert '"$id"' not in (folder / "_definitions.json").read_text()
    own_files = list(prepared_own_crd_schemas("1.34").rglob("*.json"))
    assert len(own_files) >= 6
    for schema_file in own_files:
        own = json.loads(schema_file.read_text())
        refs = list(bundles._refs(own))
        assert refs and all(ref.startswith("#/$defs/") for ref in refs), schema_file
        assert '"$id"' not in schema_file.read_text()
        assert "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" in own["$defs"]


def test_unprepared_schemas_fall_into_the_trap(
    fake_kubeconform: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control: kubernetes-validate's folder as it is makes (synthetic) kubeconform fetch."""
    from ingressgen.kube_versions import schema_root

    monkeypatch.setattr(
        kubeconform, "prepared_builtin_schemas", lambda version, kinds=None: schema_root()
    )
    [verdict] = Checker(ValidationSettings("kubeconform")).check([service()], "1.34")
    assert "could not find schema for Service" in verdict.findings[0].message


def test_schemas_are_prepared_once_and_atomically(
    fake_kubeconform: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = prepared_builtin_schemas("1.35") / "v1.35.0-local-strict"
    marker = folder / "service-v1.json"
    before = marker.stat().st_mtime_ns
    writes: list[Path] = []
    monkeypatch.setattr(kubeconform, "_rewrite_builtin", lambda node: writes.append(node))
    prepared_builtin_schemas("1.35")
    assert writes == [] and marker.stat().st_mtime_ns == before
    leftovers = [p.name for p in folder.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_an_interrupted_preparation_leaves_no_folder(
    fake_kubeconform: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(node: Any) -> Any:
        raise OSError("disk full")

    monkeypatch.setattr(kubeconform, "_rewrite_builtin", broken)
    with pytest.raises(OSError):
        prepared_builtin_schemas("1.36")
    root = kubeconform.cache_root() / "kubernetes-validate-1.37.0-int-bounds"
    assert list(root.iterdir()) == []


def test_missing_schema_is_a_failure(fake_kubeconform: Path) -> None:
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    [verdict] = Checker(ValidationSettings("kubeconform")).check([widget], "1.34")
    [finding] = verdict.findings
    assert finding.rule == KUBECONFORM_RULE
    assert "could not find schema for Widget" in finding.message
    assert "never passed" in finding.message


def test_skipped_resources_are_failures(
    fake_kubeconform: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_KUBECONFORM_SKIP", "ConfigMap")
    verdicts = Checker(ValidationSettings("kubeconform")).check([service(), configmap()], "1.34")
    assert verdicts[0].findings == []
    assert "skipped" in verdicts[1].findings[0].message


def test_a_resource_missing_from_the_report_is_a_failure(
    fake_kubeconform: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_KUBECONFORM_MODE", "omit")
    verdicts = Checker(ValidationSettings("kubeconform")).check([service(), configmap()], "1.34")
    assert verdicts[0].findings == []
    assert "reported nothing" in verdicts[1].findings[0].message


def test_invalid_results_map_to_field_paths(fake_kubeconform: Path) -> None:
    bad = {**service(), "spec": {"ports": [{"name": "a", "port": "80"}]}}
    [verdict] = Checker(ValidationSettings("kubeconform")).check([bad], "1.34")
    assert [f.path for f in verdict.findings] == [("spec", "ports", 0, "port")]
    assert not verdict.findings[0].message.startswith("problem validating schema")


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        ({"status": "statusValid"}, []),
        (
            {
                "status": "statusInvalid",
                "msg": "problem validating schema. Check JSON formatting: boom",
                "validationErrors": [{"path": "/metadata/labels/a~1b", "msg": "bad"}],
            },
            [(("metadata", "labels", "a/b"), "bad")],
        ),
        (
            {
                "status": "statusInvalid",
                "msg": "problem validating schema. Check JSON formatting: x",
            },
            [((), "x")],
        ),
        ({"status": "statusError", "msg": "error while parsing: oops"}, [((), "oops")]),
        ({"status": "statusSkipped"}, [((), "skipped")]),
        ({"status": "statusEmpty"}, [((), "statusEmpty")]),
    ],
)
def test_each_documented_status_maps_to_findings(
    result: dict[str, Any], expected: list[tuple[tuple[Any, ...], str]]
) -> None:
    """Synthetic results in the documented format: only statusValid passes."""
    findings = kubeconform.findings_for(result, service(), "1.34")
    assert [(f.path, f.rule) for f in findings] == [(p, KUBECONFORM_RULE) for p, _ in expected]
    for finding, (_, fragment) in zip(findings, expected, strict=True):
        assert fragment in finding.message


def test_list_indexes_in_pointers_become_ints() -> None:
    obj = {"spec": {"ports": [{"port": 1}], "selector": {"0": "x"}}}
    assert kubeconform._field_path("/spec/ports/0/port", obj) == ("spec", "ports", 0, "port")
    assert kubeconform._field_path("/spec/selector/0", obj) == ("spec", "selector", "0")


def test_user_crds_reach_kubeconform(fake_kubeconform: Path, tmp_path: Path) -> None:
    crd = widget_crd(size={"type": "integer"})
    write(tmp_path, {"crd.yaml": crd})
    good = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    bad = {**good, "spec": {"size": 1, "colour": "red"}}
    checker = Checker(ValidationSettings("kubeconform", (tmp_path / "crd.yaml",)))
    verdicts = checker.check([good, bad], "1.34")
    assert verdicts[0].findings == []
    assert [f.path for f in verdicts[1].findings] == [("spec",)]


def test_render_through_kubeconform_writes_valid_output(
    fake_kubeconform: Path, workdir: Path, run: Run
) -> None:
    shutil.copytree(REPO / "profiles", workdir / "profiles")
    result = run("render", "profiles", "--out", "out", "--validator", "kubeconform")
    assert result.code == 0, result.err
    assert run("validate", "out", "--validator", "kubeconform").code == 0


def test_a_broken_kubeconform_is_a_clear_usage_error(
    fake_kubeconform: Path, workdir: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_KUBECONFORM_MODE", "garbage")
    write(workdir, {"m/svc.yaml": service()})
    result = run("validate", "m", "--validator", "kubeconform")
    assert result.code == 2
    assert "without a JSON report" in result.err and "panic: something broke" in result.err


def test_kubeconform_env_must_name_an_executable(
    workdir: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFORM", str(workdir / "nowhere" / "kubeconform"))
    write(workdir, {"m/svc.yaml": service()})
    result = run("validate", "m", "--validator", "kubeconform")
    assert result.code == 2 and "$KUBECONFORM" in result.err


def test_embedded_is_the_default_even_with_kubeconform_installed(
    fake_kubeconform: Path, workdir: Path, run: Run, tmp_path: Path
) -> None:
    write(workdir, {"m/svc.yaml": service(spec_bogus=1)})
    result = run("validate", "m")
    assert result.code == 1 and "(schema)" in result.out and result.err == ""
    assert not (tmp_path / "argv.json").exists()  # kubeconform never ran


@pytest.mark.parametrize("command", ["validate", "render"])
def test_auto_is_a_deprecated_name_of_embedded(
    fake_kubeconform: Path, workdir: Path, run: Run, tmp_path: Path, command: str
) -> None:
    write(workdir, {"m/svc.yaml": service(spec_bogus=1)})
    shutil.copytree(REPO / "profiles", workdir / "profiles")
    target = ["m"] if command == "validate" else ["profiles", "--out", "out"]
    result = run(command, *target, "--validator", "auto")
    assert "--validator auto is deprecated; it now means embedded" in result.err
    assert not (tmp_path / "argv.json").exists()  # kubeconform never ran
    if command == "validate":
        assert result.code == 1 and "(schema)" in result.out
    else:
        assert result.code == 0, result.err


@pytest.mark.skipif(
    reference_binary("kubeconform") is None,
    reason="kubeconform is neither on PATH nor in ../shared/bin (it is not installable on these "
    "machines: not on PyPI, Debian or npm)",
)
@pytest.mark.usefixtures("private_cache")
def test_the_real_kubeconform_agrees(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBECONFORM", str(reference_binary("kubeconform")))
    objects = [service(), service(spec_bogus=1), configmap()]
    objects.append({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}})
    verdicts = Checker(ValidationSettings("kubeconform")).check(objects, "1.34")
    assert [bool(v.findings) for v in verdicts] == [False, True, False, True]
    assert verdicts[1].findings[0].path[:1] == ("spec",)


@pytest.mark.skipif(not (SHARED / "reference/crds/metallb").is_dir(), reason="../shared is absent")
def test_upstream_metallb_crds_through_kubeconform(fake_kubeconform: Path, workdir: Path) -> None:
    crds = tuple(sorted((SHARED / "reference/crds/metallb").glob("*.yaml")))
    pool = {
        "apiVersion": "metallb.io/v1beta1",
        "kind": "IPAddressPool",
        "metadata": {"name": "p", "namespace": "metallb-system"},
        "spec": {"addresses": ["192.0.2.0/28"]},
    }
    checker = Checker(ValidationSettings("kubeconform", crds))
    good, bad = checker.check([pool, {**pool, "spec": {"adresses": []}}], "1.34")
    assert good.findings == [] and bad.findings


def test_objects_are_sent_as_parsed(fake_kubeconform: Path, tmp_path: Path) -> None:
    """Both backends see the same objects: the ones ingressgen read (dates stay strings)."""
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  when: 2024-01-01\n"
    from ingressgen.validation.reading.loader import read_yaml

    [document] = read_yaml(text)
    [verdict] = Checker(ValidationSettings("kubeconform")).check([document.value], "1.34")
    assert verdict.findings == []
    assert yaml.safe_load(text)["data"]["when"] != "2024-01-01"  # what PyYAML alone would do
