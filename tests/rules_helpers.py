"""What the rule tests (tests/test_rules_*.py) share: example objects, `patched`, the case runner.

A case names the rule, the Kubernetes version, the object and either OK (the rule must not fire)
or the field path it must report. Each test file lists the cases of one rule module;
tests/test_rules_registry.py checks that every registered rule has cases on both sides.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

from ingressgen.validation.findings import FieldPath
from ingressgen.validation.rules import check_object

DELETE = object()


def patched(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """Copy of `base` with dotted paths set ("spec.ports.0.name"); DELETE removes a key.

    Double underscores in a keyword stand for dots, so `spec__type="X"` sets spec.type.
    """
    data = copy.deepcopy(base)
    for dotted, value in changes.items():
        *parents, last = dotted.replace("__", ".").split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
        if isinstance(node, list):
            node[int(last)] = value
        elif value is DELETE:
            node.pop(last, None)
        else:
            node[last] = value
    return data


SERVICE: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "web", "namespace": "apps", "labels": {"app": "web"}},
    "spec": {
        "selector": {"app": "web"},
        "ports": [{"name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080}],
    },
}
LB = patched(SERVICE, spec__type="LoadBalancer")
INGRESS: dict[str, Any] = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "Ingress",
    "metadata": {"name": "web", "namespace": "apps"},
    "spec": {
        "ingressClassName": "nginx",
        "rules": [
            {
                "host": "web.example.com",
                "http": {
                    "paths": [
                        {
                            "path": "/",
                            "pathType": "Prefix",
                            "backend": {"service": {"name": "web", "port": {"number": 80}}},
                        }
                    ]
                },
            }
        ],
    },
}
PATH0 = "spec.rules.0.http.paths.0"
CONFIGMAP: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "settings", "namespace": "apps"},
    "data": {"config.yaml": "a: 1\n"},
}
DEPLOYMENT: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "apps"},
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web", "tier": "front"}},
            "spec": {
                "containers": [
                    {
                        "name": "web",
                        "image": "nginx:1.27",
                        "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                        "env": [{"name": "PORT", "value": "8080"}],
                    }
                ]
            },
        },
    },
}
POD = "spec.template.spec"
CONTAINER = f"{POD}.containers.0"
CONTAINER_PATH = ("spec", "template", "spec", "containers", 0)
PDB: dict[str, Any] = {
    "apiVersion": "policy/v1",
    "kind": "PodDisruptionBudget",
    "metadata": {"name": "web", "namespace": "apps"},
    "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}},
}


def p(*parts: str | int) -> tuple[str | int, ...]:
    return parts


V35, V36 = "1.35", "1.36"
# The versions the per-kind rule modules check their cases on.
VERSIONS = ("1.25", "1.27", "1.29", "1.31", "1.33", "1.34", "1.36", "1.37")
OK = None

Case = tuple[str, str, dict[str, Any], FieldPath | None]


def case_ids(cases: list[Case]) -> list[str]:
    return [
        f"{rule}-{version}-{'ok' if expected is None else 'bad'}"
        for rule, version, _, expected in cases
    ]


def case_id(case: Case) -> str:
    rule, version, obj, expected = case
    return f"{rule}-{version}-{obj.get('kind')}-{'ok' if expected is None else 'bad'}"


def check_case(case: Case) -> None:
    """The case's rule fires at the expected path (with a message), or not at all for OK."""
    rule, version, obj, expected = case
    fired = [f for f in check_object(obj, version) if f.rule == rule]
    if expected is None:
        assert fired == [], fired
    else:
        assert expected in [f.path for f in fired], fired
        assert all(f.message for f in fired)


# Values of every JSON type, nested a little: what a hostile manifest may put anywhere.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=True)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "name",
                    "spec",
                    "template",
                    "containers",
                    "type",
                    "ports",
                    "port",
                    "x",
                    "0",
                    "data",
                ]
            ),
            children,
            max_size=3,
        )
    ),
    max_leaves=12,
)


def mangle(base: dict[str, Any], replacements: list[tuple[str, Any]]) -> dict[str, Any]:
    """A copy of base with values replaced at dotted paths (parents created as mappings)."""
    obj = copy.deepcopy(base)
    for dotted, value in replacements:
        *parents, last = dotted.split(".")
        node: Any = obj
        for part in parents:
            child = node.get(part) if isinstance(node, dict) else None
            if not isinstance(child, dict):
                child = {}
                if isinstance(node, dict):
                    node[part] = child
            node = child
        if isinstance(node, dict):
            node[last] = value
    return obj
