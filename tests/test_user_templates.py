"""`render --templates DIR`: overrides by name, the sandbox, quoting, located errors, drift."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from ingressgen import user_templates
from tests.conftest import REPO, Result, metallb_profile, snapshot, write

Run = Callable[..., Result]

pytestmark = pytest.mark.usefixtures("no_kubeconform")

SERVICE = "metallb/service.yaml.j2"
SHIPPED_SERVICE = (REPO / "templates" / SERVICE).read_text()
WITH_TEAM_LABEL = SHIPPED_SERVICE.replace("  labels:\n", "  labels:\n    team: messaging\n", 1)


def _setup(workdir: Path, template: str | None, name: str = SERVICE) -> None:
    write(workdir, {"p/a.yaml": metallb_profile()})
    (workdir / "t").mkdir(exist_ok=True)
    if template is not None:
        write(workdir / "t", {name: template})


def _render(run: Run, *extra: str | Path) -> Result:
    return run("render", "p", "--templates", "t", *extra)


def _service(workdir: Path) -> dict[str, object]:
    [path] = (workdir / "out").rglob("service-*.yaml")
    loaded: dict[str, object] = yaml.safe_load(path.read_text())
    return loaded


def _error_lines(result: Result) -> list[str]:
    return [line for line in result.err.splitlines() if line.startswith("error")]


def test_a_user_template_overrides_the_shipped_one(workdir: Path, run: Run) -> None:
    _setup(workdir, WITH_TEAM_LABEL)
    result = _render(run)
    assert result.code == 0, result.err
    labels = _service(workdir)["metadata"]["labels"]  # type: ignore[index]
    assert labels["team"] == "messaging"
    [path] = (workdir / "out").rglob("service-*.yaml")
    assert f"# Template: {SERVICE} from --templates" in path.read_text()


def test_an_empty_templates_folder_renders_what_the_shipped_templates_do(
    workdir: Path, run: Run
) -> None:
    _setup(workdir, None)
    assert run("render", "p").code == 0
    shipped = snapshot(workdir / "out")
    assert _render(run).code == 0
    assert snapshot(workdir / "out") == shipped


def test_check_without_the_same_templates_reports_drift(workdir: Path, run: Run) -> None:
    _setup(workdir, WITH_TEAM_LABEL)
    assert _render(run).code == 0
    assert _render(run, "--check").code == 0
    drift = run("render", "p", "--check")
    assert drift.code == 1 and "changed:" in drift.out


def test_the_same_output_through_a_copied_template_is_still_drift(workdir: Path, run: Run) -> None:
    """A copy of the shipped template renders the same object, but the file says it came from
    a user template: out/ never hides that it was not made by ingressgen's own templates."""
    _setup(workdir, SHIPPED_SERVICE)
    assert _render(run).code == 0
    assert run("render", "p", "--check").code == 1


def test_stdout_goes_through_the_user_templates_too(workdir: Path, run: Run) -> None:
    _setup(workdir, WITH_TEAM_LABEL)
    result = _render(run, "--stdout")
    assert result.code == 0
    assert "    team: messaging\n" in result.out


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ('{{ "".__class__.__mro__ | q }}', "unsafe"),
        ("{{ cycler.__init__.__globals__ | q }}", "unsafe"),
        ("{{ self._TemplateReference__context | q }}", "unsafe"),
        ("{{ lipsum() | q }}", "'lipsum' is undefined"),
        ("{{ range(10**9) | length | q }}", "Range too big"),
        ("{{ name.__class__ | q }}", "unsafe"),
        ("{{ namespace | attr('__class__') | q }}", "unsafe"),
        ('{% include "../../../../etc/passwd" %}', "TemplateNotFound"),
        ('{% include "/etc/passwd" %}', "TemplateNotFound"),
        ('{% import "../p/a.yaml" as x %}', "TemplateNotFound"),
        ("{{ x | q }}", "'x' is undefined"),
        ('{% include "metallb/service.yaml.j2" %}', "RecursionError"),
    ],
)
def test_sandbox_escapes_are_located_errors(
    workdir: Path, run: Run, payload: str, expected: str
) -> None:
    _setup(workdir, "apiVersion: v1\n" + payload + "\n")
    result = _render(run)
    assert result.code == 2, result
    [line] = _error_lines(result)
    assert line.startswith(f"error: t/{SERVICE}:2: ") and expected in line, line
    assert "Traceback" not in result.err
    assert not (workdir / "out").exists()


@pytest.mark.parametrize(
    ("template", "line", "expected"),
    [
        ("apiVersion: v1\nkind: {{ name }}\n", 2, "without the q, dq or block filter"),
        ("a: 1\nb: {{ name | q | upper }}\n", 2, "without the q, dq or block filter"),
        ("a: 1\nb: {{ 'x' ~ name | q }}\n", 2, "without the q, dq or block filter"),
        ("a: 1\n{% filter upper %}{{ name | q }}{% endfilter %}\n", 2, "filter"),
        ("a: 1\n\n{{ name | q }\n", 3, "syntax error"),
        ("a: 1\n{% for x in y %}\n", 2, "syntax error"),
        ("a: 1\nb: {{ name | center(100000000) | q }}\n", 2, "No filter named 'center'"),
        ("a: 1\nb: {{ name | random | q }}\n", 2, "No filter named 'random'"),
    ],
)
def test_templates_are_checked_before_anything_renders(
    workdir: Path, run: Run, template: str, line: int, expected: str
) -> None:
    _setup(workdir, template)
    result = _render(run)
    assert result.code == 2, result
    [error] = _error_lines(result)
    assert error.startswith(f"error: t/{SERVICE}:{line}: ") and expected in error, error
    assert not (workdir / "out").exists()


def _shipped_with(old: str, new: str) -> str:
    assert old in SHIPPED_SERVICE
    return SHIPPED_SERVICE.replace(old, new, 1)


def _line_of(template: str, text: str) -> int:
    return template[: template.index(text)].count("\n") + 1


@pytest.mark.parametrize(
    ("template", "marker", "expected"),
    [
        (
            SHIPPED_SERVICE + "---\napiVersion: v1\nkind: ConfigMap\n",
            "---",
            "2 documents instead of the one planned object",
        ),
        (
            _shipped_with("kind: Service", "kind: ConfigMap"),
            "kind: ConfigMap",
            "kind 'ConfigMap' where the plan holds 'Service'",
        ),
        (
            _shipped_with("name: {{ name | q }}", "name: {{ (name ~ '-x') | q }}"),
            "name: {{ (name ~ '-x') | q }}",
            "metadata.name",
        ),
        (
            # A value printed where it does not read back (here a comment): the check that
            # would catch a value turned into YAML structure, which the identity check and the
            # schemas would miss (labels are free-form).
            _shipped_with("  labels:\n", "  labels:\n    # {{ name | q }}\n"),
            "# {{",
            "does not read back as one YAML value",
        ),
        (
            _shipped_with("  labels:\n", "  labels:\n    team: x{{ name | q }}\n"),
            "team:",
            "does not read back",
        ),
    ],
)
def test_a_render_that_is_not_the_planned_object_names_the_template_line(
    workdir: Path, run: Run, template: str, marker: str, expected: str
) -> None:
    _setup(workdir, template)
    result = _render(run)
    assert result.code == 2, result
    [error] = _error_lines(result)
    line = _line_of(template, marker)
    assert error.startswith(f"error: t/{SERVICE}:{line}: ") and expected in error, error
    assert not (workdir / "out").exists()


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("  x: &a [1, 2]\n  y: *a\n", "anchor or alias"),
        ("  x: " + "[" * 150 + "]" * 150 + "\n", "nested over 100 levels"),
        # libyaml stops first here (its own flow-level limit): a located error either way.
        ("  x: " + "[" * 5000 + "]" * 5000 + "\n", "nested over 100 levels|flow level"),
    ],
)
def test_aliases_and_deep_nesting_are_refused_before_anything_is_built(
    workdir: Path, run: Run, extra: str, expected: str
) -> None:
    template = SHIPPED_SERVICE.replace("spec:\n", "spec:\n" + extra, 1)
    _setup(workdir, template)
    result = _render(run)
    assert result.code == 2, result
    [error] = _error_lines(result)
    line = _line_of(template, "  x:")
    assert error.startswith(f"error: t/{SERVICE}:{line}: "), error
    assert any(part in error for part in expected.split("|")), error


def test_an_empty_render_misses_the_planned_object(workdir: Path, run: Run) -> None:
    _setup(workdir, "{# nothing #}\n")
    result = _render(run)
    assert result.code == 2
    assert "0 documents instead of the one planned object" in result.err
    assert f"t/{SERVICE}" in result.err


def test_a_schema_error_from_a_user_template_is_still_caught(workdir: Path, run: Run) -> None:
    _setup(workdir, _shipped_with("spec:\n", "spec:\n  colour: {{ name | q }}\n"))
    result = _render(run)
    assert result.code == 1 and "colour" in result.err + result.out
    assert not (workdir / "out").exists()


def test_output_size_is_bounded(workdir: Path, run: Run) -> None:
    _setup(
        workdir,
        "a: 1\n{% for i in range(100000) %}{% for j in range(100) %}"
        "{{ 'xxxxxxxxxx' | q }}{% endfor %}{% endfor %}\n",
    )
    result = _render(run)
    assert result.code == 2
    assert "renders more than" in result.err and f"t/{SERVICE}:2" in result.err


def test_a_memory_bomb_is_stopped(workdir: Path, run: Run) -> None:
    ten = " ~ ".join(["a"] * 10)
    sets = "".join(
        f"{{% set {name} = {ten.replace('a', prev)} %}}"
        for prev, name in zip("abcdef", "bcdefg", strict=True)
    )
    _setup(workdir, "{% set a = 'x' * 100000 %}" + sets + "{{ g | length | q }}\n")
    result = _render(run)
    assert result.code == 2, result
    assert "MemoryError" in result.err or "out of memory" in result.err
    assert not (workdir / "out").exists()


def test_an_endless_loop_is_stopped(
    workdir: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(user_templates, "CPU_SECONDS", 1)
    _setup(
        workdir,
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}\n",
    )
    result = _render(run)
    assert result.code == 2
    assert "error: t: rendering the user templates used more than 1 s of CPU" in result.err


def test_the_templates_folder_must_be_a_real_folder(workdir: Path, run: Run) -> None:
    write(workdir, {"p/a.yaml": metallb_profile()})
    missing = run("render", "p", "--templates", "nowhere")
    assert missing.code == 2 and "error: nowhere: --templates: cannot read" in missing.err
    (workdir / "real").mkdir()
    (workdir / "t").symlink_to(workdir / "real")
    link = _render(run)
    assert link.code == 2 and "error: t: --templates takes a folder; this is a link" in link.err
    write(workdir, {"file": "x"})
    assert run("render", "p", "--templates", "file").code == 2
    assert not (workdir / "out").exists()


def test_what_the_folder_may_hold(workdir: Path, run: Run) -> None:
    _setup(workdir, "x", name="metallb/servise.yaml.j2")
    write(
        workdir / "t",
        {"README.md": "notes", "metallb/_mine.j2": "{# a fragment #}", ".git/HEAD": "x"},
    )
    (workdir / "t" / "metallb" / "linked.yaml.j2").symlink_to(
        workdir / "t" / "metallb" / "_mine.j2"
    )
    os.mkfifo(workdir / "t" / "fifo.j2")
    write(workdir / "t", {"big/_huge.j2": "x" * (user_templates.MAX_TEMPLATE_BYTES + 1)})
    (workdir / "t" / "latin1.yaml.j2").write_bytes(b"a: 1\nb: caf\xe9\n")
    result = _render(run)
    assert result.code == 2
    errors = _error_lines(result)
    expected = [
        "error: t/README.md: not a template",
        "error: t/big/_huge.j2: larger than",
        "error: t/fifo.j2: not a regular file",
        "error: t/latin1.yaml.j2: overrides no shipped template",
        "error: t/metallb/linked.yaml.j2: a link",
        "error: t/metallb/servise.yaml.j2: overrides no shipped template",
    ]
    assert len(errors) == len(expected), errors
    for error, start in zip(sorted(errors), expected, strict=True):
        assert error.startswith(start), (error, start)


def test_a_fragment_of_the_user_can_be_included(workdir: Path, run: Run) -> None:
    _setup(
        workdir,
        _shipped_with("  labels:\n", '  labels:\n{% include "metallb/_team.j2" %}\n'),
    )
    write(workdir / "t", {"metallb/_team.j2": "    team: {{ namespace | q }}\n"})
    assert _render(run).code == 0
    assert _service(workdir)["metadata"]["labels"]["team"] == "apps"  # type: ignore[index]


def test_an_overridden_fragment_marks_the_objects_that_include_it(workdir: Path, run: Run) -> None:
    """A copy of the shipped fragment changes no byte of the objects, yet out/ says which
    objects went through it (the advertisement includes it; the Service does not)."""
    fragment = "metallb/_node_selectors.j2"
    selectors = {"spec.metallb.nodeSelectors": [{"matchLabels": {"rack": "r1"}}]}
    write(workdir, {"p/a.yaml": metallb_profile(**selectors)})
    write(workdir / "t", {fragment: (REPO / "templates" / fragment).read_text()})
    assert run("render", "p").code == 0, run("render", "p").err
    assert _render(run).code == 0
    marked = {
        path.name
        for path in (workdir / "out").rglob("*.yaml")
        if f"# Template: {fragment} from --templates" in path.read_text()
    }
    assert marked and all(name.startswith("l2advertisement-") for name in marked), marked
    assert run("render", "p", "--check").code == 1


def test_errors_carry_the_user_template_rule(workdir: Path, run: Run) -> None:
    _setup(workdir, "{{ name }}\n")
    result = _render(run, "-o", "json")
    assert result.code == 2
    [finding] = json.loads(result.out)["findings"]
    assert finding["rule"] == "user-template" and finding["file"] == f"t/{SERVICE}"


def test_every_shipped_template_passes_as_a_user_template(workdir: Path, run: Run) -> None:
    """Copies of all the shipped templates, on the repository's example profiles: the same
    objects, each file marked as rendered from a user template (no false alarm from the
    quoting, read-back or shape checks on any of them)."""
    import shutil

    shutil.copytree(REPO / "profiles", workdir / "profiles")
    shutil.copytree(REPO / "templates", workdir / "t")
    assert run("render", "profiles", "--out", "shipped").code == 0
    result = run("render", "profiles", "--out", "mine", "--templates", "t")
    assert result.code == 0, result.err
    shipped, mine = snapshot(workdir / "shipped"), snapshot(workdir / "mine")
    assert shipped.keys() == mine.keys()
    marked = 0
    for path, data in shipped.items():
        if b"# Template: " in mine[path]:
            marked += 1
            lines = mine[path].decode().splitlines(keepends=True)
            unmarked = "".join(line for line in lines if not line.startswith("# Template: "))
            assert unmarked.encode() == data, path
        else:
            assert mine[path] == data, path  # the record and kustomization files
    assert marked >= 10


def test_diff_renders_both_sides_with_the_user_templates(workdir: Path, run: Run) -> None:
    """A reviewer sees what the user's templates make of a change, not the shipped ones'."""
    _setup(workdir, WITH_TEAM_LABEL)
    write(workdir, {"q/a.yaml": metallb_profile(**{"metadata.labels": {"tier": "edge"}})})
    shipped = run("diff", "p", "p", "--templates", "t", "-o", "json")
    assert shipped.code == 0, shipped.err  # the same templates on both sides: no difference
    plain = run("diff", "p", "q", "-o", "json")
    with_labels = run("diff", "p", "q", "--templates", "t", "-o", "json")
    assert plain.code == with_labels.code == 1, with_labels.err
    assert "team: messaging" not in plain.out
    assert "team: messaging" in with_labels.out  # the changed files' text comes from t/
    broken = run("diff", "p", "q", "--templates", "missing")
    assert broken.code == 2 and "missing" in broken.err
