"""The `ingressgen` command's entry point: starts `validate`'s second process before anything
else is imported (see validation/worker.py), then hands over to the command line."""

from __future__ import annotations

import sys
from typing import Any


def main() -> None:
    if sys.argv[1:2] == ["validate"] and _may_share(sys.argv[2:]):
        from ingressgen.validation.worker import start_early

        start_early(_prepare_validation_worker)
    from ingressgen.cli import main as command_line

    command_line()


def _prepare_validation_worker() -> Any:
    """Runs in the worker: everything it imports is imported while this process reads the
    command line."""
    from ingressgen.validation.manifests import prepare_worker

    return prepare_worker()


def _may_share(arguments: list[str]) -> bool:
    """Whether `validate` may share its work; a wrong guess costs one dismissed process."""
    return not {"-", "-h", "--help", "kubeconform", "--validator=kubeconform"} & set(arguments)
