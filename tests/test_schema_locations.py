"""`--schema-location` (kubeconform's local templates, CRDs-catalog folders, `default`) and
`--crd DIR`, through both backends.

The template tests run the real kubeconform v0.7.0 (`../shared/bin/kubeconform`, skipped with a
reason when absent): a schema file is written only where ingressgen expands the template, and
kubeconform must find it there, so a difference in any variable's expansion fails the test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ingressgen.validation.engine import Checker
from ingressgen.validation.findings import KUBECONFORM_RULE, SCHEMA_RULE
from ingressgen.validation.schemas.bundles import definitions, self_contained
from ingressgen.validation.schemas.crd_schema import (
    iter_crd_versions,
    strict_schema_from_crd_version,
)
from ingressgen.validation.schemas.locations import (
    MAX_SCHEMA_DEPTH,
    SchemaLocations,
    expand,
    parse_location,
    parse_locations,
    template_values,
)
from ingressgen.validation.settings import ValidationSettings
from tests.conftest import SHARED, Result, reference_binary, widget_crd, write

Run = Callable[..., Result]

KUBECONFORM = reference_binary("kubeconform")
needs_kubeconform = pytest.mark.skipif(
    KUBECONFORM is None,
    reason="the real kubeconform is neither on PATH nor in ../shared/bin",
)
CATALOG = "{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"
ACCEPT_OBJECTS = {"type": "object"}
# A Widget schema as the CRDs-catalog writes them: standalone, closed objects.
WIDGET_SCHEMA = {
    "type": "object",
    "properties": {
        "apiVersion": {"type": "string"},
        "kind": {"type": "string"},
        "metadata": {"type": "object"},
        "spec": {
            "type": "object",
            "properties": {"size": {"type": "integer"}},
            "additionalProperties": False,
        },
    },
    "required": ["spec"],
}


def widget(name: str = "w", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": name},
        "spec": spec,
    }


def configmap(name: str = "c", **data: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


def write_json(path: Path, value: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value))
    return path


def write_manifests(path: Path, objects: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump_all(objects, sort_keys=False))
    return path


def invalid_flags(verdicts: list[Any]) -> list[bool]:
    return [bool(v.findings) for v in verdicts]


def schema_failures(verdicts: list[Any], rule: str) -> list[bool]:
    return [any(f.rule == rule for f in v.findings) for v in verdicts]


# ---- the template variables, as kubeconform v0.7.0 expands them ----


@pytest.mark.parametrize(
    ("api_version", "kind", "expected"),
    [
        (
            "v1",
            "ConfigMap",
            {
                "ResourceKind": "configmap",
                "ResourceAPIVersion": "v1",
                "Group": "v1",  # the core group: kubeconform gives the whole apiVersion
                "KindSuffix": "-v1",
            },
        ),
        (
            "apps/v1",
            "Deployment",
            {
                "ResourceKind": "deployment",
                "ResourceAPIVersion": "v1",
                "Group": "apps",
                "KindSuffix": "-apps-v1",
            },
        ),
        (
            "networking.k8s.io/v1",
            "IngressClass",
            {
                "ResourceKind": "ingressclass",
                "ResourceAPIVersion": "v1",
                "Group": "networking.k8s.io",
                "KindSuffix": "-networking-v1",
            },
        ),
        (
            "Monitoring.CoreOS.com/V1Beta1",
            "ServiceMonitor",
            {
                "ResourceKind": "servicemonitor",
                "ResourceAPIVersion": "V1Beta1",  # as written: only the kind and suffix are lowered
                "Group": "Monitoring.CoreOS.com",
                "KindSuffix": "-monitoring-v1beta1",
            },
        ),
    ],
)
def test_each_variable_expands_as_kubeconform_does(
    api_version: str, kind: str, expected: dict[str, str]
) -> None:
    values = template_values(api_version, kind, "1.31")
    assert values == {
        "NormalizedKubernetesVersion": "v1.31.0",
        "StrictSuffix": "-strict",  # ingressgen always validates strictly
        **expected,
    }


def test_expand_takes_spaced_and_unspaced_actions() -> None:
    values = template_values("apps/v1", "Deployment", "1.34")
    template = (
        "/s/{{ .NormalizedKubernetesVersion }}-standalone{{.StrictSuffix}}/"
        "{{ .ResourceKind }}{{  .KindSuffix  }}.json"
    )
    assert expand(template, values) == "/s/v1.34.0-standalone-strict/deployment-apps-v1.json"


TEMPLATE_OBJECTS = [
    configmap(),
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}},
    {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": {"name": "i"}},
    {"apiVersion": "Example.COM/V1Beta1", "kind": "MixedCase", "metadata": {"name": "m"}},
]


def _kubeconform_statuses(location: str, manifests: Path) -> list[str]:
    assert KUBECONFORM is not None
    completed = subprocess.run(
        [
            *(str(KUBECONFORM), "-strict", "-output", "json", "-verbose", "-n", "1"),
            *("-kubernetes-version", "1.31.0", "-schema-location", location, str(manifests)),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(completed.stdout)
    by_name = {r["name"]: r["status"] for r in report["resources"]}
    return [by_name[obj["metadata"]["name"]] for obj in TEMPLATE_OBJECTS]


@needs_kubeconform
@pytest.mark.parametrize(
    "variable",
    [
        "NormalizedKubernetesVersion",
        "StrictSuffix",
        "ResourceKind",
        "ResourceAPIVersion",
        "Group",
        "KindSuffix",
    ],
)
def test_the_real_kubeconform_finds_each_variable_where_ingressgen_expands_it(
    variable: str, tmp_path: Path
) -> None:
    # The kind keeps the objects apart whatever the variable under test gives them.
    template = f"{tmp_path}/schemas/{{{{ .{variable} }}}}/{{{{ .ResourceKind }}}}.json"
    manifests = write_manifests(tmp_path / "objects.yaml", TEMPLATE_OBJECTS)
    (tmp_path / "schemas").mkdir()
    located = SchemaLocations(parse_locations([template]))
    assert _kubeconform_statuses(template, manifests) == ["statusError"] * 4  # nothing there yet
    for obj in TEMPLATE_OBJECTS:
        values = template_values(obj["apiVersion"], obj["kind"], "1.31")
        write_json(Path(expand(template, values)), ACCEPT_OBJECTS)
        found = located.find(obj["apiVersion"], obj["kind"], "1.31", builtin_has=lambda: False)
        assert found is not None and found.file is not None
        assert found.file.path == expand(template, values)
    assert _kubeconform_statuses(template, manifests) == ["statusValid"] * 4


@needs_kubeconform
def test_the_real_kubeconform_reads_a_folder_as_ingressgen_does(tmp_path: Path) -> None:
    """A location not ending in "json" is kubeconform's folder layout; ingressgen tries that
    layout after the CRDs-catalog one, and hands kubeconform both as templates."""
    folder = tmp_path / "mirror"
    write_json(folder / "v1.31.0-standalone-strict" / "mixedcase-example-v1beta1.json", {})
    write_json(folder / "v1.31.0-standalone-strict" / "configmap-v1.json", {})
    manifests = write_manifests(tmp_path / "objects.yaml", TEMPLATE_OBJECTS)
    theirs = _kubeconform_statuses(str(folder), manifests)
    assert theirs == ["statusValid", "statusError", "statusError", "statusValid"]
    located = SchemaLocations(parse_locations([str(folder)]))
    ours = [
        located.find(o["apiVersion"], o["kind"], "1.31", builtin_has=lambda: False) is not None
        for o in TEMPLATE_OBJECTS
    ]
    assert ours == [True, False, False, True]


# ---- refused locations ----


@pytest.mark.parametrize(
    ("location", "says"),
    [
        ("https://raw.githubusercontent.com/datreeio/CRDs-catalog/main/" + CATALOG, "a URL"),
        ("http://127.0.0.1:9/" + CATALOG, "never fetches"),
        ("file:///tmp/" + CATALOG, "a URL"),
        ("{{ .Group }}/{{ .Kind }}.json", "unknown variable .Kind"),
        ("{{ .Group }}/{{ .resourceKind }}.json", "unknown variable .resourceKind"),
        ("{{ .ResourceKind | printf }}.json", "only substitutions"),
        ("{{- .ResourceKind }}.json", "only substitutions"),
        ("{{ .ResourceKind }.json", "never closed"),
        ("schemas/{{ .ResourceKind }}", "must end in .json"),
        ("missing-folder", "no such folder"),
        ("missing-folder/" + CATALOG, "does not exist"),
        ("", "empty"),
    ],
)
def test_refused_locations_are_usage_errors(
    location: str, says: str, workdir: Path, run: Run
) -> None:
    from tests.conftest import dump, metallb_profile

    write(workdir, {"cm.yaml": configmap(), "profiles/chat.yaml": dump(metallb_profile())})
    for command in (["validate", "cm.yaml"], ["render", "profiles"]):
        result = run(*command, "--validator", "embedded", "--schema-location", location)
        assert result.code == 2, result
        assert "--schema-location" in result.err and says in result.err
        assert "Traceback" not in result.err
    assert not (workdir / "out").exists()


def test_a_file_is_not_a_location(workdir: Path) -> None:
    write(workdir, {"one.json": "{}"})
    with pytest.raises(ValueError, match="a file, not a folder"):
        parse_location("one.json")


def test_every_refused_location_is_reported_at_once(workdir: Path, run: Run) -> None:
    write(workdir, {"cm.yaml": configmap()})
    result = run(
        "validate",
        "cm.yaml",
        "--schema-location",
        "https://example.com/x.json",
        "--schema-location",
        "x/{{ .Nope }}.json",
    )
    assert result.code == 2
    assert "a URL" in result.err and "unknown variable .Nope" in result.err


# ---- a CRDs-catalog folder ----


def _catalog(root: Path) -> Path:
    write_json(root / "example.com" / "widget_v1.json", WIDGET_SCHEMA)
    return root


@pytest.mark.usefixtures("no_kubeconform")
def test_a_crds_catalog_folder_checks_its_kinds(workdir: Path, run: Run) -> None:
    _catalog(workdir / "catalog")
    objects = [widget("good", size=3), widget("bad", size="3", colour="red"), configmap()]
    write_manifests(workdir / "objects.yaml", objects)
    without = run("validate", "objects.yaml")
    assert without.code == 1 and without.out.count("no schema for Widget") == 2
    result = run("validate", "objects.yaml", "--schema-location", "catalog")
    assert result.code == 1
    assert "Widget/good" not in result.out
    assert 'Widget/bad: spec.size: "3" is not of type "integer" (schema)' in result.out
    assert "'colour' was unexpected" in result.out
    assert "2 valid, 1 invalid" in result.out
    # A kind no location has stays what it always was: an error, never a pass.
    write_manifests(workdir / "other.yaml", [{**widget(), "kind": "Gadget"}])
    unknown = run("validate", "other.yaml", "--schema-location", "catalog")
    assert unknown.code == 1 and "no schema for Gadget" in unknown.out


@pytest.mark.skipif(not (SHARED / "reference/crds/metallb").is_dir(), reason="../shared is absent")
@pytest.mark.usefixtures("no_kubeconform")
def test_a_catalog_schema_made_from_an_upstream_crd(workdir: Path, run: Run) -> None:
    """MetalLB's BFDProfile (no schema of ingressgen's own) through a CRDs-catalog file derived
    from its upstream CRD, standalone as the catalog's files are."""
    crd = yaml.safe_load(
        (SHARED / "reference/crds/metallb/metallb.io_bfdprofiles.yaml").read_text()
    )
    for group, kind, version, schema in iter_crd_versions(crd):
        strict = strict_schema_from_crd_version(schema, api_version=f"{group}/{version}", kind=kind)
        standalone = self_contained(strict, definitions("1.34"))
        write_json(workdir / "catalog" / group / f"{kind.lower()}_{version}.json", standalone)
    good = {
        "apiVersion": "metallb.io/v1beta1",
        "kind": "BFDProfile",
        "metadata": {"name": "fast", "namespace": "metallb-system"},
        "spec": {"receiveInterval": 300, "transmitInterval": 300},
    }
    bad = {**good, "metadata": {"name": "slow"}, "spec": {"receiveInterval": "300", "echo": 1}}
    write_manifests(workdir / "bfd.yaml", [good, bad])
    result = run("validate", "bfd.yaml", "--schema-location", "catalog")
    assert result.code == 1, result
    assert "BFDProfile/fast" not in result.out
    assert "BFDProfile/slow: spec.receiveInterval" in result.out
    assert "'echo' was unexpected" in result.out


# ---- order ----


def _two_catalogs(root: Path) -> tuple[Path, Path]:
    loose = root / "loose"
    write_json(loose / "example.com" / "widget_v1.json", ACCEPT_OBJECTS)
    # Group `v1` is the core group's, as kubeconform names it: this accepts any ConfigMap.
    write_json(loose / "v1" / "configmap_v1.json", ACCEPT_OBJECTS)
    return loose, _catalog(root / "strict")


@pytest.mark.parametrize("validator", ["embedded", "kubeconform"])
def test_locations_are_tried_in_order(
    validator: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, private_cache: Path
) -> None:
    if validator == "kubeconform":
        if KUBECONFORM is None:
            pytest.skip("the real kubeconform is neither on PATH nor in ../shared/bin")
        monkeypatch.setenv("KUBECONFORM", str(KUBECONFORM))
    loose, strict = _two_catalogs(tmp_path)
    objects = [widget(size="3"), configmap(number=1)]  # each invalid for its strict schema

    def verdicts(*locations: Path | str) -> list[bool]:
        settings = ValidationSettings(validator, schema_locations=tuple(map(str, locations)))
        return invalid_flags(Checker(settings).check(objects, "1.34"))

    assert verdicts(loose, strict) == [False, False]  # the first file found wins
    assert verdicts(strict, loose) == [True, False]
    # `default` where it stands; absent, after every given location.
    assert verdicts(loose) == [False, False]
    assert verdicts("default", loose) == [False, True]
    assert verdicts(strict, "default", loose) == [True, True]


def test_default_is_appended_once_when_not_named(tmp_path: Path) -> None:
    given = parse_locations([str(tmp_path)])
    assert [loc.is_default for loc in given] == [False, True]
    named = parse_locations(["default", str(tmp_path)])
    assert [loc.is_default for loc in named] == [True, False]


def test_kubeconform_gets_the_locations_in_the_same_order(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    template = f"{tmp_path}/b-" + CATALOG
    locations = SchemaLocations(parse_locations([str(tmp_path / "a"), "default", template]))
    assert locations.kubeconform_arguments(["OWN", "BUILTIN"]) == [
        f"{tmp_path}/a/{CATALOG}",
        f"{tmp_path}/a/{{{{ .NormalizedKubernetesVersion }}}}-standalone{{{{ .StrictSuffix }}}}/"
        "{{ .ResourceKind }}{{ .KindSuffix }}.json",
        "OWN",
        "BUILTIN",
        template,
    ]


def test_relative_locations_reach_kubeconform_absolute(workdir: Path) -> None:
    """kubeconform takes any location starting with "http" for a URL: an absolute path never
    does, whatever the folder is called."""
    (workdir / "httpschemas").mkdir()
    arguments = SchemaLocations(parse_locations(["httpschemas"])).kubeconform_arguments([])
    assert all(os.path.isabs(argument) for argument in arguments)


# ---- schema files are untrusted ----

BROKEN_FILES: list[tuple[str | bytes, str]] = [
    ('{"type": "object",', "not valid JSON at line 1"),
    ("[1]", "must be a JSON object, not a JSON list"),
    ("true", "must be a JSON object, not a JSON bool"),
    ("null", "must be a JSON object, not a JSON null"),
    ('{"type": "object", "minimum": NaN}', "NaN is not JSON"),
    ('{"type": 5}', "not a usable JSON Schema"),
    ('{"$ref": "https://example.com/definitions.json"}', "not a usable JSON Schema"),
    ('{"$ref": "_definitions.json#/x"}', "not a usable JSON Schema"),
    (b'{"type": "\xff"}', "not UTF-8"),
    ('{"a":' * (MAX_SCHEMA_DEPTH + 5) + "1" + "}" * (MAX_SCHEMA_DEPTH + 5), "nested more than"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
]


@pytest.mark.parametrize(("content", "says"), BROKEN_FILES)
@pytest.mark.parametrize("validator", ["embedded", "kubeconform"])
def test_a_broken_schema_file_is_a_finding_naming_it(
    content: str | bytes,
    says: str,
    validator: str,
    workdir: Path,
    run: Run,
    monkeypatch: pytest.MonkeyPatch,
    private_cache: Path,
) -> None:
    if validator == "kubeconform":
        if KUBECONFORM is None:
            pytest.skip("the real kubeconform is neither on PATH nor in ../shared/bin")
        # kubeconform v0.7.0 itself panics on a JSON array and calls `true` "could not find
        # schema": it is never handed an object whose schema file is unusable.
        monkeypatch.setenv("KUBECONFORM", str(KUBECONFORM))
    schema = workdir / "catalog" / "example.com" / "widget_v1.json"
    schema.parent.mkdir(parents=True)
    schema.write_bytes(content if isinstance(content, bytes) else content.encode())
    write_manifests(workdir / "w.yaml", [widget(size=1), configmap()])
    result = run("validate", "w.yaml", "--validator", validator, "--schema-location", "catalog")
    assert result.code == 1, result
    assert "schema file" in result.out and "catalog/example.com/widget_v1.json" in result.out
    assert says in result.out
    assert "1 valid, 1 invalid" in result.out  # the ConfigMap is checked as always


def test_a_fifo_schema_file_is_never_waited_on(workdir: Path, run: Run) -> None:
    fifo = workdir / "catalog" / "example.com" / "widget_v1.json"
    fifo.parent.mkdir(parents=True)
    os.mkfifo(fifo)
    write_manifests(workdir / "w.yaml", [widget(size=1)])
    result = run("validate", "w.yaml", "--validator", "embedded", "--schema-location", "catalog")
    assert result.code == 1 and "not a regular file" in result.out


def test_a_kind_cannot_climb_out_of_a_location(workdir: Path) -> None:
    """apiVersion and kind come from the manifest: `..` or a `/` never reach another folder."""
    write_json(workdir / "secret.json", ACCEPT_OBJECTS)
    (workdir / "catalog").mkdir()
    locations = SchemaLocations(
        parse_locations(["catalog/{{ .Group }}/x/{{ .ResourceKind }}.json"])
    )
    assert locations.find("../v1", "../../secret", "1.34", builtin_has=lambda: False) is None
    assert locations.find("../v1", "secret", "1.34", builtin_has=lambda: False) is None


@pytest.mark.parametrize("validator", ["embedded", "kubeconform"])
def test_a_climbing_kind_is_refused_by_both_backends(
    validator: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, private_cache: Path
) -> None:
    if validator == "kubeconform":
        if KUBECONFORM is None:
            pytest.skip("the real kubeconform is neither on PATH nor in ../shared/bin")
        monkeypatch.setenv("KUBECONFORM", str(KUBECONFORM))
    # Where kubeconform itself would look for `apiVersion: ../v1`: an accept-all schema.
    write_json(tmp_path / "secret_v1.json", ACCEPT_OBJECTS)
    (tmp_path / "catalog").mkdir()
    settings = ValidationSettings(validator, schema_locations=(str(tmp_path / "catalog"),))
    climbing = {"apiVersion": "../v1", "kind": "Secret", "metadata": {"name": "s"}}
    verdicts = Checker(settings).check([climbing, configmap(a="b")], "1.34")
    assert invalid_flags(verdicts) == [True, False]
    assert "cannot name a schema file" in verdicts[0].findings[0].message


# ---- --crd DIR ----


def test_crd_takes_a_folder(workdir: Path, run: Run, no_kubeconform: None) -> None:
    gadget = widget_crd(size={"type": "integer"})
    gadget["metadata"]["name"] = "gadgets.example.com"
    gadget["spec"]["names"] = {"kind": "Gadget", "plural": "gadgets"}
    write(
        workdir,
        {
            "crds/widget.yaml": widget_crd(size={"type": "integer"}),
            "crds/nested/gadget.yml": gadget,
            "crds/.hidden.yaml": "not: [a crd",  # dot-files are skipped
            "crds/README.md": "# not read",
            "objects.yaml": yaml.safe_dump_all(
                [widget(size="3"), {**widget(size="x"), "kind": "Gadget"}, widget("ok", size=1)]
            ),
        },
    )
    (workdir / "crds" / "link.yaml").symlink_to(workdir / "objects.yaml")  # not a CRD: skipped
    result = run("validate", "objects.yaml", "--crd", "crds")
    assert result.code == 1, result
    assert "Widget/w: spec.size" in result.out and "Gadget/w: spec.size" in result.out
    assert "1 valid, 2 invalid" in result.out


def test_a_crd_folder_without_yaml_is_a_usage_error(workdir: Path, run: Run) -> None:
    write(workdir, {"crds/schema.json": "{}", "cm.yaml": configmap()})
    result = run("validate", "cm.yaml", "--crd", "crds")
    assert result.code == 2 and "no .yaml or .yml file" in result.err


def test_a_crd_folder_with_a_bad_file_names_it(workdir: Path, run: Run) -> None:
    write(workdir, {"crds/a/ok.yaml": widget_crd(), "crds/b/bad.yaml": configmap()})
    write(workdir, {"cm.yaml": configmap()})
    result = run("validate", "cm.yaml", "--crd", "crds")
    assert result.code == 2 and "crds/b/bad.yaml:1: not a CustomResourceDefinition" in result.err


def test_a_crd_fifo_is_refused_not_waited_on(workdir: Path, run: Run) -> None:
    os.mkfifo(workdir / "crd.yaml")
    write(workdir, {"cm.yaml": configmap()})
    result = run("validate", "cm.yaml", "--crd", "crd.yaml")
    assert result.code == 2 and "not a regular file" in result.err


# ---- both backends, the same verdicts ----


@needs_kubeconform
def test_the_real_kubeconform_agrees_with_the_embedded_backend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, private_cache: Path
) -> None:
    loose, strict = _two_catalogs(tmp_path)
    write(tmp_path, {"crds/widget.yaml": widget_crd(size={"type": "string"})})
    objects = [
        widget(size=3),
        widget(size="3"),
        widget(size=1, colour="red"),
        configmap(a="b"),
        configmap(number=1),
        {**widget(), "kind": "Gadget"},
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {}},
    ]
    combinations: list[tuple[tuple[str, ...], tuple[Path, ...]]] = [
        ((str(strict),), ()),
        ((str(loose), str(strict)), ()),
        (("default", str(loose)), ()),
        ((f"{strict}/{CATALOG}",), ()),
        ((str(strict),), (tmp_path / "crds",)),
    ]
    monkeypatch.setenv("KUBECONFORM", str(KUBECONFORM))
    for locations, crds in combinations:
        verdicts = {}
        for validator in ("embedded", "kubeconform"):
            settings = ValidationSettings(validator, crds, schema_locations=locations)
            verdicts[validator] = Checker(settings).check(objects, "1.34")
        ours = schema_failures(verdicts["embedded"], SCHEMA_RULE)
        assert ours == schema_failures(verdicts["kubeconform"], KUBECONFORM_RULE), locations
    # The last combination: the --crd schema (size a string) comes before every location.
    assert ours == [True, False, True, False, True, True, True]


@pytest.mark.usefixtures("no_kubeconform")
def test_a_large_run_shares_the_locations_with_its_worker(workdir: Path, run: Run) -> None:
    _catalog(workdir / "catalog")
    for index in range(240):
        obj = widget(f"w{index}", size="3" if index == 239 else index)
        write_manifests(workdir / "many" / f"{index:03d}.yaml", [obj])
    result = run("validate", "many", "--schema-location", "catalog")
    assert result.code == 1, result
    assert "239 valid, 1 invalid" in result.out and "Widget/w239: spec.size" in result.out


# ---- render ----


@pytest.mark.usefixtures("no_kubeconform")
def test_render_honours_the_locations(workdir: Path, run: Run) -> None:
    """A location comes before ingressgen's own schemas unless `default` is named first: a
    broken IPAddressPool schema there stops the render, and nothing is written."""
    from tests.conftest import dump, metallb_profile

    write(workdir, {"profiles/chat.yaml": dump(metallb_profile())})
    catalog = workdir / "catalog" / "metallb.io" / "ipaddresspool_v1beta1.json"
    write_json(catalog, {"type": "object", "properties": {"spec": False}})
    result = run("render", "profiles", "--validator", "embedded", "--schema-location", "catalog")
    assert result.code != 0 and not (workdir / "out").exists()
    assert "IPAddressPool" in result.err + result.out
    first = run(
        "render",
        "profiles",
        "--validator",
        "embedded",
        "--schema-location",
        "default",
        "--schema-location",
        "catalog",
    )
    assert first.code == 0, first


# SYNTHETIC kubeconform (not the real binary): records its arguments and reports every object
# it is given as valid. It checks what ingressgen passes, nothing about kubeconform's verdicts.
ARGUMENT_RECORDER = """
import json, pathlib, sys
pathlib.Path(sys.argv[0] + ".argv").write_text(json.dumps(sys.argv[1:]))
files = sorted(pathlib.Path(sys.argv[-1]).glob("*.json"))
resources = [{"filename": str(f), "status": "statusValid", "msg": ""} for f in files]
print(json.dumps({"resources": resources, "summary": {}}))
"""


@pytest.mark.usefixtures("private_cache")
def test_the_kubeconform_argument_list_follows_the_locations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The locations reach kubeconform in order, after the --crd folder, `default` replaced by
    the prepared built-in folders."""
    recorder = tmp_path / "bin" / "kubeconform"
    write(tmp_path, {"bin/kubeconform": f"#!{sys.executable}\n{ARGUMENT_RECORDER}"})
    recorder.chmod(0o755)
    monkeypatch.setenv("KUBECONFORM", str(recorder))
    catalog = _catalog(tmp_path / "catalog")
    write(tmp_path, {"crd.yaml": widget_crd(size={"type": "integer"})})
    settings = ValidationSettings(
        "kubeconform", (tmp_path / "crd.yaml",), schema_locations=("default", str(catalog))
    )
    verdicts = Checker(settings).check([widget(size=1), configmap(a="b")], "1.34")
    assert invalid_flags(verdicts) == [False, False]
    argv = json.loads((tmp_path / "bin" / "kubeconform.argv").read_text())
    locations = [argv[i + 1] for i, a in enumerate(argv) if a == "-schema-location"]
    assert len(locations) == 5
    assert locations[0].endswith("/crds/" + CATALOG)  # the --crd schemas, first
    assert "/ingressgen-crds-" in locations[1] and "kubernetes-validate-" in locations[2]
    assert locations[3:] == [
        f"{catalog}/{CATALOG}",
        f"{catalog}/{{{{ .NormalizedKubernetesVersion }}}}-standalone{{{{ .StrictSuffix }}}}/"
        "{{ .ResourceKind }}{{ .KindSuffix }}.json",
    ]
