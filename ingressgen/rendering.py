"""The Jinja environment: strict, sandboxed, and unable to print an unquoted value.

Templates hold shape only. Every `{{ ... }}` must end in the `q`, `dq` or `block`
filter; `finalize` refuses anything else, so a profile string can never become
YAML structure (the parse-back check in `pipeline.py` is the second guard).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.exceptions import TemplateError
from jinja2.sandbox import SandboxedEnvironment

from ingressgen.errors import InternalError
from ingressgen.yaml_scalars import YamlText, block, quoted, scalar


def templates_dir() -> Path:
    """Inside a wheel the templates ship as ingressgen/templates; in a checkout they sit beside."""
    package_dir = Path(__file__).resolve().parent
    for candidate in (package_dir / "templates", package_dir.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise InternalError("the templates folder is missing from this installation of ingressgen")


def _only_quoted(value: Any) -> YamlText:
    if isinstance(value, YamlText):
        return value
    raise InternalError(
        f"a template printed {value!r} without the q or block filter; this is a bug in ingressgen"
    )


@functools.cache
def environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        loader=FileSystemLoader(str(templates_dir())),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_only_quoted,
        auto_reload=False,
    )
    env.filters["q"] = scalar
    env.filters["dq"] = quoted
    env.filters["block"] = block
    return env


def render_template(name: str, context: Mapping[str, Any]) -> str:
    try:
        return environment().get_template(name).render(**context)
    except TemplateError as error:
        raise InternalError(f"template {name} failed to render: {error}") from error
