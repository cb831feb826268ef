"""kubeconform's JSON report, read as untrusted input, and its error messages taken apart.

The report (`-output json`, kubeconform.md) is checked for the shape ingressgen relies on before
anything is taken from it: bytes that are not UTF-8, text that is not JSON (NaN and Infinity
included, which Python's json module would otherwise accept), or keys of the wrong type are an
InputError naming kubeconform and what was wrong, never a traceback.

Where the detail is: v0.7.0's `validationErrors` holds only the top of the error tree
(`/spec: validation failed`). The whole tree is in `msg`, as printed by its JSON Schema library
(santhosh-tekuri/jsonschema) with the line breaks turned into spaces:

    jsonschema validation failed with 'file:///…/service-v1.json#' - at '/spec': validation
    failed   - at '/spec/ports/0/port': got string, want integer   - at '/spec': additional
    properties 'bogus' not allowed

Each node is `- at '<JSON pointer>': <message>`, indented two spaces per level (so one more
space before the dash is one level deeper); pointers are quoted Go-style (`\\'`, `\\n`, `\\\\`).
The leaves are the causes, as jsonschema-rs reports them in the embedded backend; the inner nodes
only say that something below failed, except for oneOf/anyOf, whose alternatives at the same
place are kept together under the node that names them.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any, NamedTuple

from ingressgen.errors import InputError

_NODE = re.compile(r"(?P<indent> +)- at '(?P<pointer>(?:[^'\\]|\\.)*)': ")
_GO_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", re.DOTALL)
_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_WRAPPER = "validation failed"  # an inner node that adds nothing to its children
_SHOWN = 300  # characters of a bad report quoted in the error
MAX_NODES = 1000  # of one result's error tree
_LONGEST = 2000  # characters of one message


class SchemaError(NamedTuple):
    pointer: str
    message: str


def _unescape(quoted: str) -> str:
    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "xuU" and len(code) > 1:
            return chr(int(code[1:], 16))
        return _SIMPLE_ESCAPES.get(code, code)

    return _GO_ESCAPE.sub(one, quoted)


class _Node(NamedTuple):
    depth: int
    pointer: str
    message: str


def _nodes(msg: str) -> list[_Node]:
    # A real object has a few dozen causes at most; a hostile report must not cost minutes.
    matches = list(itertools.islice(_NODE.finditer(msg), MAX_NODES + 1))
    nodes = []
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(msg)
        pointer = _unescape(match.group("pointer"))
        text = msg[match.end() : end].strip()
        nodes.append(_Node(len(match.group("indent")), pointer, text[:_LONGEST] or "invalid"))
    return nodes[:MAX_NODES]


def _parents(nodes: list[_Node]) -> list[int | None]:
    """Each node's parent: the nearest node before it that is less indented. One pass with a
    stack, so even a hostile report of millions of nodes costs linear time."""
    parents: list[int | None] = []
    stack: list[int] = []
    for index, node in enumerate(nodes):
        while stack and nodes[stack[-1]].depth >= node.depth:
            stack.pop()
        parents.append(stack[-1] if stack else None)
        stack.append(index)
    return parents


def _alternatives_node(nodes: list[_Node], parent: int | None, leaf: _Node) -> int | None:
    """The oneOf/anyOf node a leaf is one alternative of (its parent at the same place)."""
    if parent is None or nodes[parent].pointer != leaf.pointer:
        return None
    return None if nodes[parent].message == _WRAPPER else parent


def message_errors(msg: str) -> list[SchemaError]:
    """The causes in an invalid result's `msg`, in the order kubeconform printed them."""
    nodes = _nodes(msg)
    parents = _parents(nodes)
    causes: list[tuple[str, str | None, list[str]]] = []  # (pointer, alternatives' node, leaves)
    alternatives: dict[int, list[str]] = {}  # a oneOf/anyOf node -> its leaves' messages
    for index, node in enumerate(nodes):
        if index + 1 < len(nodes) and nodes[index + 1].depth > node.depth:
            continue  # an inner node
        parent = _alternatives_node(nodes, parents[index], node)
        if parent is None:
            causes.append((node.pointer, None, [node.message]))
        elif parent in alternatives:
            alternatives[parent].append(node.message)
        else:
            alternatives[parent] = [node.message]
            causes.append((node.pointer, nodes[parent].message, alternatives[parent]))
    return [
        SchemaError(pointer, f"{head}: {'; '.join(leaves)}" if head else leaves[0])
        for pointer, head, leaves in causes
    ]


# ---- the report's shape ----


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def parse_report(stdout: bytes, stderr: bytes, returncode: int, binary: str) -> dict[str, Any]:
    """The report as a dict whose `resources` are dicts of the documented fields and types."""
    label = f"kubeconform ({binary})"
    try:
        text = stdout.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(
            f"{label} printed a report that is not UTF-8 (byte {error.start}): it cannot be read"
        ) from None
    if not text.strip():
        detail = stderr.decode("utf-8", "replace").strip()[:2000]
        raise InputError(
            f"{label} exited with {returncode} without a JSON report: {detail or 'no output'}"
        )
    try:
        report = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        detail = stderr.decode("utf-8", "replace").strip()[:2000]
        raise InputError(
            f"{label} exited with {returncode} without a JSON report ({error}): "
            f"{detail or _shown(text)}"
        ) from None
    if not isinstance(report, dict):
        raise _malformed(label, f"the report is a JSON {type(report).__name__}, not an object")
    resources = report.get("resources", [])
    if not isinstance(resources, list):
        raise _malformed(label, f'"resources" is {_cut(json.dumps(resources))}, not a list')
    for index, resource in enumerate(resources):
        _check_resource(label, index, resource)
    return report


def _check_resource(label: str, index: int, resource: Any) -> None:
    where = f"resources[{index}]"
    if not isinstance(resource, dict):
        raise _malformed(label, f"{where} is not an object")
    for key in ("filename", "status"):
        if not isinstance(resource.get(key), str):
            raise _malformed(label, f'{where} has no string "{key}"')
    if not isinstance(resource.get("msg", ""), str):
        raise _malformed(label, f'{where}."msg" is not a string')
    errors = resource.get("validationErrors") or []
    if not isinstance(errors, list) or not all(_is_error_entry(e) for e in errors):
        raise _malformed(label, f'{where}."validationErrors" is not a list of {{path, msg}}')


def _is_error_entry(entry: Any) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("path", ""), str)
        and isinstance(entry.get("msg", ""), str)
    )


def _malformed(label: str, what: str) -> InputError:
    return InputError(f"{label} printed a malformed report: {what}")


def _cut(text: str) -> str:
    return text[:_SHOWN] + ("…" if len(text) > _SHOWN else "")


def _shown(text: str) -> str:
    return repr(_cut(text))
