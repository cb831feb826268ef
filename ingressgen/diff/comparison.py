"""What changed between two sides: objects matched by group, kind, namespace and name; the
dotted field paths that differ in each; a unified diff of each file; the findings that appear
and disappear."""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from ingressgen.diff.sides import Side, SideFinding, SideObject
from ingressgen.errors import format_field_path

ADDED, REMOVED, CHANGED = "added", "removed", "changed"
# A change to the "# Source:" lines only: the objects are the same, their profiles are not.
HEADER_FIELD = "# Source"
# The same object written to another file (its profile's folder moved).
FILE_FIELD = "# File"
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class FieldChange:
    path: str  # spec.ports[0].port, data["config.yaml"].ingress[0].hostname
    change: str  # added, removed or changed
    old: Any = None
    new: Any = None


@dataclass(frozen=True)
class ObjectChange:
    change: str  # added, removed or changed
    old: SideObject | None
    new: SideObject | None
    fields: tuple[FieldChange, ...] = ()
    diff: tuple[str, ...] = ()  # the unified diff of its file, lines without line ends

    @property
    def current(self) -> SideObject:
        found = self.new or self.old
        assert found is not None
        return found

    @property
    def path(self) -> str:
        return self.current.path

    def changed_under(self, prefix: str) -> list[FieldChange]:
        return [
            f
            for f in self.fields
            if f.path == prefix or f.path.startswith((prefix + ".", prefix + "["))
        ]


@dataclass(frozen=True)
class FindingChanges:
    appeared: list[SideFinding] = field(default_factory=list)
    disappeared: list[SideFinding] = field(default_factory=list)


def compare_objects(old: Side, new: Side) -> list[ObjectChange]:
    """Every object that differs, in the order of its file under out/ (the new path first)."""
    changes = []
    for identity in sorted(old.objects.keys() | new.objects.keys()):
        before, after = old.objects.get(identity), new.objects.get(identity)
        if before is not None and after is not None:
            if before.text == after.text and before.path == after.path:
                continue
            fields = list(field_changes(before.body, after.body))
            if before.path != after.path:
                fields.append(FieldChange(FILE_FIELD, CHANGED, before.path, after.path))
            if _header(before.text) != _header(after.text):
                fields.append(
                    FieldChange(HEADER_FIELD, CHANGED, _header(before.text), _header(after.text))
                )
            changes.append(
                ObjectChange(CHANGED, before, after, tuple(fields), _unified(before, after))
            )
        elif after is not None:
            changes.append(ObjectChange(ADDED, None, after, diff=_unified(None, after)))
        elif before is not None:
            changes.append(ObjectChange(REMOVED, before, None, diff=_unified(before, None)))
    return sorted(changes, key=lambda c: (c.path, c.current.identity))


def _header(text: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if line.startswith("# Source:"))


def _unified(old: SideObject | None, new: SideObject | None) -> tuple[str, ...]:
    before = old.text.splitlines() if old else []
    after = new.text.splitlines() if new else []
    if old and new and before == after:
        return (f"--- a/{old.path}", f"+++ b/{new.path}")  # moved, not changed: no hunk
    return tuple(
        difflib.unified_diff(
            before,
            after,
            fromfile=f"a/{old.path}" if old else "/dev/null",
            tofile=f"b/{new.path}" if new else "/dev/null",
            lineterm="",
        )
    )


def _join(prefix: str, part: str | int) -> str:
    if isinstance(part, int):
        return f"{prefix}[{part}]"
    key = format_field_path((part,))
    return key if not prefix else (f"{prefix}{key}" if key.startswith("[") else f"{prefix}.{key}")


def _named(items: Sequence[Any]) -> dict[str, Any] | None:
    """A list of objects each with a unique `name` (containers, ports, volumes), by name."""
    names = [i.get("name") if isinstance(i, dict) else None for i in items]
    if not items or not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
        return None
    return dict(zip(names, items, strict=True))  # type: ignore[arg-type]


def embedded_yaml(text: str) -> Any:
    """A string that holds a YAML mapping or list (cloudflared's config.yaml), else None."""
    if "\n" not in text:
        return None
    try:
        value = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError:
        return None
    return value if isinstance(value, (dict, list)) else None


def field_changes(old: Any, new: Any, prefix: str = "") -> Iterator[FieldChange]:
    """The leaves that differ between two parsed objects. Lists of named items are matched by
    name (`containers[name=cloudflared]`), other lists by index; a string holding YAML is
    compared inside (`data["config.yaml"].ingress[0].hostname`)."""
    if old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(k for k in new if k not in old)]:
            path = _join(prefix, key)
            if key not in new:
                yield FieldChange(path, REMOVED, old[key], None)
            elif key not in old:
                yield FieldChange(path, ADDED, None, new[key])
            else:
                yield from field_changes(old[key], new[key], path)
        return
    if isinstance(old, list) and isinstance(new, list):
        old_named, new_named = _named(old), _named(new)
        if old_named is not None and new_named is not None:
            for name in [*old_named, *(n for n in new_named if n not in old_named)]:
                path = f"{prefix}[name={name}]"
                if name not in new_named:
                    yield FieldChange(path, REMOVED, old_named[name], None)
                elif name not in old_named:
                    yield FieldChange(path, ADDED, None, new_named[name])
                else:
                    yield from field_changes(old_named[name], new_named[name], path)
            return
        for index in range(max(len(old), len(new))):
            path = _join(prefix, index)
            if index >= len(new):
                yield FieldChange(path, REMOVED, old[index], None)
            elif index >= len(old):
                yield FieldChange(path, ADDED, None, new[index])
            else:
                yield from field_changes(old[index], new[index], path)
        return
    if isinstance(old, str) and isinstance(new, str):
        inner_old, inner_new = embedded_yaml(old), embedded_yaml(new)
        if inner_old is not None and inner_new is not None:
            yield from field_changes(inner_old, inner_new, prefix)
            return
    yield FieldChange(prefix, CHANGED, old, new)


def compare_findings(old: Side, new: Side) -> FindingChanges:
    """Findings on one side only, matched by rule, profile (or object) and field; a finding on
    both sides is no change, even when its line or its wording moved."""
    result = FindingChanges()
    before = _by_key(old.findings)
    after = _by_key(new.findings)
    for key in sorted(before.keys() | after.keys()):
        olds, news = before.get(key, []), after.get(key, [])
        result.disappeared.extend(olds[len(news) :])
        result.appeared.extend(news[len(olds) :])
    order = _severity_order
    result.appeared.sort(key=order)
    result.disappeared.sort(key=order)
    return result


def _by_key(findings: Sequence[SideFinding]) -> dict[tuple[str, str, str, str], list[SideFinding]]:
    grouped: dict[tuple[str, str, str, str], list[SideFinding]] = {}
    for finding in findings:
        grouped.setdefault(finding.key, []).append(finding)
    return grouped


_LEVELS = ("error", "critical", "high", "medium", "warning", "low", "info")


def _severity_order(finding: SideFinding) -> tuple[int, str, str, str]:
    rank = _LEVELS.index(finding.level) if finding.level in _LEVELS else len(_LEVELS)
    return (rank, finding.subject, finding.rule, finding.field)
