"""Injection at scale: every free-text profile field, given strings from the whole of Unicode
and YAML's and Jinja's own syntax, renders exactly the planned objects, and every value reads
back equal through PyYAML, the fast reader and (a sample, batched) `kubectl kustomize`. What
kubectl would refuse (control characters, non-characters) is refused at the profile instead,
located at the value.

The free-text fields are those with no format of their own: annotation values and the text
settings of cloudflared's originRequest. (Names, hostnames, paths, images, durations and label
values have formats, checked and tested where they are defined.) Examples per property: 2,000
in CI, fewer locally (tests/hypothesis_profiles.py).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from ingressgen.errors import InputError
from ingressgen.loading import LoadOptions
from ingressgen.pipeline import RenderResult, render_profiles
from ingressgen.profile_types import _first_non_text
from ingressgen.validation.reading.fast_reader import read_documents
from ingressgen.validation.settings import ValidationSettings
from tests.conftest import (
    Result,
    cloudflare_profile,
    metallb_profile,
    reference_binary,
    working_folder,
)
from tests.hypothesis_profiles import INJECTION

# Pieces that have broken YAML writers and template engines: line breaks YAML 1.1 knows and
# JSON does not, invisible characters, indicators, document markers, tags, anchors, Jinja.
NASTY = [
    "\u2028", "\u2029", "\x85", "\x00", "\x7f", "\x9b", "\x1b[2J", "\ufeff", "\u202e", "\u2066",
    "\u200b", "\ufffe", "\U0001fffe", "\ud7ff", "\ue000", "\U0010fffd", "\ufffd", "\u00a0",
    ": ", ":", " #", "#", "---", "...", "\n---\n", "{{ }}", "{{ 7*7 }}", "{%", "%}", "{#",
    "&a", "*a", "!!python/object:os.system", "!", "'", '"', "\\", "\\n", "\n", "\t", "\r\n",
    "- ", "? ", "|", ">-", "@", "`", "%", "yes", "no", "0x1F", "1:20", "017", "~", "null",
    "1e3", ".inf", "<<", "=", " ", "  ", "[", "]", "{", "}", ",", "é", "日本", "😀",
]  # fmt: skip

_pieces = st.one_of(
    st.sampled_from([piece for piece in NASTY if _first_non_text(piece) is None]),
    st.characters(exclude_categories=["Cs", "Cc"]),
)
_text = st.lists(_pieces, max_size=12).map("".join)
# Most values are text kubectl takes, to be read back; one in eight holds what it refuses.
_refused = st.tuples(
    _text, st.sampled_from([p for p in NASTY if _first_non_text(p) is not None]), _text
).map("".join)
free_text = st.one_of(*[_text] * 7, _refused)

# cloudflared's originRequest settings that take any text, by their YAML names.
ORIGIN_TEXT = ("httpHostHeader", "originServerName", "proxyAddress")
ACCESS_TEXT = ("teamName", "environment")
TUNNEL_CONFIG = "apps/_cloudflared-edge/configmap-cloudflared-edge.yaml"
SETTINGS = ValidationSettings("embedded")
Run = Callable[..., Result]


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with working_folder("ingressgen-injection-") as path:
        yield path


def render(folder: Path, profile: dict[str, Any]) -> RenderResult:
    """Render one profile in memory (nothing written): the objects, validated."""
    (folder / "profile.yaml").write_text(dump_exactly(profile))
    options = LoadOptions(base_dir=folder, out_dir=None)
    return render_profiles([folder / "profile.yaml"], None, options, SETTINGS)


def dump_exactly(data: dict[str, Any]) -> str:
    # Escaped: PyYAML's own writer puts a NEL raw into a plain scalar, which then reads back as
    # a space (a profile written by hand would quote it).
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=False, width=1_000_000)
    assert yaml.safe_load(text) == data  # the profile holds exactly the drawn values
    return text


def read_back(body: str) -> Any:
    """The one document of a generated file, through PyYAML and through the fast reader."""
    (document,) = list(yaml.safe_load_all(body))
    fast = read_documents(body)
    assert fast is None or [d.value for d in fast] == [document]
    return document


def refused_anywhere(value: str) -> bool:
    """Whether some character of `value` is refused in every free-text field."""
    return _first_non_text(value) is not None


def refused_in_annotations(value: str) -> bool:
    """Annotations also refuse YAML 1.1's other line breaks, which kustomize rewrites."""
    return refused_anywhere(value) or any(c in value for c in ("\x85", "\u2028", "\u2029"))


def refused_where(value: str, error: InputError) -> list[str]:
    """The field paths the error refuses for holding a character kubectl would refuse."""
    assert refused_in_annotations(value), error
    assert all(p.location.line is not None for p in error.problems), error
    return [".".join(map(str, p.field_path)) for p in error.problems]


def planned_files(result: RenderResult) -> list[str]:
    return [generated.path for generated in result.files]


# ---------------------------------------------------------------- annotation values


@pytest.fixture(scope="module")
def metallb_files(folder: Path) -> list[str]:
    return planned_files(render(folder, metallb_profile(**{"metadata.annotations": {"a": "x"}})))


@INJECTION
@given(values=st.lists(free_text, min_size=1, max_size=3))
@example(values=["\u2028", "a: b # c", "{{ x }}\n---\n&a *a !!python/object:os.system"])
@example(values=["\x7f"])
@example(values=["a\x85b", "\u2028", "\u2029"])
def test_annotation_values_read_back_equal(
    folder: Path, metallb_files: list[str], values: list[str]
) -> None:
    annotations = {f"example.com/note-{i}": value for i, value in enumerate(values)}
    profile = metallb_profile(**{"metadata.annotations": annotations})
    try:
        result = render(folder, profile)
    except InputError as error:
        refused = {f"metadata.annotations.example.com/note-{i}" for i, v in enumerate(values)
                   if refused_in_annotations(v)}  # fmt: skip
        assert set(refused_where("".join(values), error)) == refused
        return
    assert not any(refused_in_annotations(value) for value in values)
    assert planned_files(result) == metallb_files
    carried = 0
    for generated in result.files:
        document = read_back(generated.body)
        found = (document.get("metadata") or {}).get("annotations") or {}
        if "example.com/note-0" in found:
            carried += 1
            assert {key: found[key] for key in annotations} == annotations
    assert carried > 0


# ---------------------------------------------------------------- cloudflared text settings


@pytest.fixture(scope="module")
def cloudflare_files(folder: Path) -> list[str]:
    return planned_files(render(folder, cloudflare_profile()))


@INJECTION
@given(values=st.lists(free_text, min_size=7, max_size=7))
@example(values=["a\x85b\u2028c\u2029d", "0o17", "1e3", "on", "#", "---", "{{ }}"])
def test_cloudflared_text_settings_read_back_equal(
    folder: Path, cloudflare_files: list[str], values: list[str]
) -> None:
    origin: dict[str, Any] = dict(zip(ORIGIN_TEXT, values, strict=False))
    origin["access"] = {**dict(zip(ACCESS_TEXT, values[3:5], strict=True)), "audTag": [values[5]]}
    origin["ipRules"] = [{"prefix": values[6], "ports": [80], "allow": True}]
    profile = cloudflare_profile(**{"spec.cloudflareTunnel.originRequest": origin})
    try:
        result = render(folder, profile)
    except InputError as error:
        assert refused_anywhere("".join(values)) and refused_where("".join(values), error)
        return
    assert not any(refused_anywhere(value) for value in values)
    assert planned_files(result) == cloudflare_files
    documents = {generated.path: read_back(generated.body) for generated in result.files}
    config_text = documents[TUNNEL_CONFIG]["data"]["config.yaml"]
    config = read_back(config_text)
    assert config["ingress"][0]["originRequest"] == origin


# ---------------------------------------------------------------- kubectl, batched


def test_a_sample_reads_back_equal_through_kubectl_kustomize(workdir: Path, run: Run) -> None:
    """kubectl is slow to start: the whole sample goes into one render and one kubectl run."""
    kubectl = reference_binary("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not on PATH")
    accepted = [value for value in _sample() if not refused_anywhere(value)]
    plain = [value for value in accepted if not refused_in_annotations(value)]
    annotations = {f"example.com/n{i}": value for i, value in enumerate(plain)}
    origins = [dict(zip(ORIGIN_TEXT, accepted[i:], strict=False)) for i in range(0, 30, 3)]
    profiles = {"p/metallb.yaml": metallb_profile(**{"metadata.annotations": annotations})}
    for number, origin in enumerate(origins):
        profiles[f"p/cf{number}.yaml"] = cloudflare_profile(
            **{
                "metadata.name": f"cf{number}",
                "spec.cloudflareTunnel.tunnel": f"edge{number}",
                "spec.cloudflareTunnel.originRequest": origin,
            }
        )
    for name, profile in profiles.items():
        (workdir / name).parent.mkdir(parents=True, exist_ok=True)
        (workdir / name).write_text(dump_exactly(profile))
    rendered = run("render", "p", "--out", "out", "-q")
    assert rendered.code == 0, rendered.err
    built = subprocess.run(
        [str(kubectl), "kustomize", "out"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert built.returncode == 0, built.stderr[:2000]
    objects = kubectl_documents(built.stdout)
    carried = [o for o in objects if "example.com/n0" in (o["metadata"].get("annotations") or {})]
    assert carried
    for obj in carried:
        found = obj["metadata"]["annotations"]
        assert {key: found[key] for key in annotations} == annotations
    configs = {
        o["metadata"]["name"]: read_back(o["data"]["config.yaml"])
        for o in objects
        if o["kind"] == "ConfigMap"
    }
    for number, origin in enumerate(origins):
        (config,) = [c for name, c in configs.items() if name.endswith(f"edge{number}")]
        assert config["ingress"][0]["originRequest"] == origin


def kubectl_documents(text: str) -> list[Any]:
    """kubectl's output read as kubectl wrote it, as YAML 1.2 (yaml-rs): it writes `<<` and `=`
    plain and NEL (U+0085) raw, which YAML 1.1 readers take for a merge key, a value key and a
    line break."""
    yaml_rs = pytest.importorskip("yaml_rs")
    return [yaml_rs.loads(part, parse_datetime=False) for part in text.split("\n---\n")]


def _sample() -> list[str]:
    """Every nasty piece alone, and in pairs around text, deterministically."""
    pairs = [f"{a}x{b}" for a, b in zip(NASTY, reversed(NASTY), strict=True)]
    return [*NASTY, *pairs]
