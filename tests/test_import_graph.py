"""The package's layering, read from the source: no import cycle anywhere in ingressgen/, loading
knows nothing of targets, and targets know nothing of out/ (the pipeline hands them the record)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import ingressgen

PACKAGE_ROOT = Path(ingressgen.__file__).parent


def _module_name(file: Path) -> str:
    parts = file.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(tree: ast.AST, module: str, is_package: bool, known: set[str]) -> Iterator[str]:
    """Every ingressgen module `module` imports, at the top or inside a function.

    `from package import submodule` depends on the submodule, not on the package's __init__
    (Python runs that in any case, and it may import its submodules without a cycle)."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                yield submodule if submodule in known else base


def import_graph() -> dict[str, set[str]]:
    files = {_module_name(f): f for f in PACKAGE_ROOT.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, file in files.items():
        tree = ast.parse(file.read_text(encoding="utf-8"))
        names = _imported(tree, module, file.name == "__init__.py", set(files))
        graph[module] = {name for name in names if name in files and name != module}
    return graph


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)) is not None:
                return cycle
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state and (cycle := visit(module)) is not None:
            return cycle
    return None


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in graph[todo.pop()] - seen:
            seen.add(target)
            todo.append(target)
    return seen


def test_the_graph_sees_the_imports_it_must_judge() -> None:
    graph = import_graph()
    assert "ingressgen.targets.metallb.target" in graph["ingressgen.targets.metallb"]
    assert "ingressgen.targets" in graph["ingressgen.pipeline"]
    assert "ingressgen.targets.cloudflare.operator" in graph["ingressgen.targets.cloudflare.target"]
    assert "ingressgen.commands" in graph["ingressgen.cli"]  # `from ingressgen import commands`
    assert "ingressgen.validation.schemas.kubeconform" in graph["ingressgen.validation.engine"]
    assert "ingressgen.validation.reading.loader" in graph["ingressgen.validation.reading.files"]


def test_no_import_cycle() -> None:
    cycle = _find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_cycle_finder_finds_a_cycle() -> None:
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None


def test_loading_imports_nothing_from_targets() -> None:
    reached = _reachable(import_graph(), "ingressgen.loading")
    assert not {m for m in reached if m.startswith("ingressgen.targets")}


def test_targets_import_nothing_from_output() -> None:
    graph = import_graph()
    for module in (m for m in graph if m.startswith("ingressgen.targets")):
        reached = _reachable(graph, module)
        assert not {m for m in reached if m.startswith("ingressgen.output")}, module
