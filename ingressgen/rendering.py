"""The Jinja environment: strict, sandboxed, and unable to print an unquoted value.

Templates hold shape only. Every `{{ ... }}` must end in the `q`, `dq` or `block`
filter; `finalize` refuses anything else, so a profile string can never become
YAML structure (the parse-back check in `pipeline.py` is the second guard).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.bccache import Bucket, BytecodeCache
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


class _CompiledTemplates(BytecodeCache):
    """Templates compiled once and kept in ingressgen's cache folder: compiling the few a run
    uses costs more than rendering a profile. Jinja checks each entry against a checksum of the
    template's source; the folder is named after this module's source and the versions of
    Jinja and Python, so a changed environment never meets code compiled for another. A cache
    that cannot be read or written only costs the compilation."""

    def __init__(self) -> None:
        import hashlib
        import sys

        import jinja2

        identity = hashlib.sha256(Path(__file__).read_bytes())
        identity.update(f"{jinja2.__version__}|{sys.version}".encode())
        self.name = identity.hexdigest()[:16]

    def _entry(self, key: str) -> Path:
        # Looked up each time, not kept: $XDG_CACHE_HOME may change within one process (tests).
        from ingressgen.validation.schemas.cache import cache_root

        return cache_root() / "templates" / self.name / key

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            with open(self._entry(bucket.key), "rb") as stream:
                bucket.load_bytecode(stream)
        except Exception:  # unreadable, torn or foreign: compile again (jinja resets the rest)
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        from ingressgen.validation.schemas.cache import write_file_atomically

        data = io.BytesIO()
        bucket.write_bytecode(data)
        write_file_atomically(self._entry(bucket.key), data.getvalue())


# How templates are read and rendered: the shipped templates are written for these whitespace
# and undefined-value rules, so a user's --templates override (user_templates.py) gets the same.
TEMPLATE_RULES: dict[str, Any] = {
    "undefined": StrictUndefined,
    "autoescape": False,
    "keep_trailing_newline": True,
    "trim_blocks": True,
    "lstrip_blocks": True,
    "auto_reload": False,
}


@functools.cache
def environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        bytecode_cache=_CompiledTemplates(),
        loader=FileSystemLoader(str(templates_dir())),
        finalize=_only_quoted,
        **TEMPLATE_RULES,
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
