"""The API server's field rules: what schemas cannot say (name formats, ranges, cross-field
constraints), following the target Kubernetes version.

Each rule lives in the module of its kind (or family), registered with `@rule`; importing this
package registers them all. `check_object` runs the rules that apply to one object.
"""

from __future__ import annotations

import functools
from typing import Any

from ingressgen.validation.findings import Finding
from ingressgen.validation.rules import (
    apps,
    autoscaling,
    configmap,
    ingress,
    ingressclass,
    jobs,
    meta,
    networkpolicy,
    pods,
    secrets,
    service,
    workloads,
)
from ingressgen.validation.rules.base import RULES, Rule, RuleContext, kind_key

__all__ = ["RULES", "Rule", "RuleContext", "all_rules", "check_object", "context_for"]

_MODULES = (
    meta,
    service,
    ingress,
    configmap,
    workloads,
    pods,
    jobs,
    apps,
    autoscaling,
    networkpolicy,
    ingressclass,
    secrets,
)  # imported for their registrations


def all_rules() -> list[Rule]:
    return sorted(RULES, key=lambda r: r.id)


@functools.cache
def context_for(kubernetes_version: str) -> RuleContext:
    return RuleContext(kubernetes_version)


@functools.cache
def _rules_for(key: str) -> tuple[Rule, ...]:
    return tuple(r for r in RULES if not r.kinds or key in r.kinds)


def check_object(obj: dict[str, Any], kubernetes_version: str) -> list[Finding]:
    """Every rule finding for one object (errors and warnings), in rule order."""
    context = context_for(kubernetes_version)
    findings: list[Finding] = []
    for rule in _rules_for(kind_key(obj)):
        for path, message in rule.check(obj, context):
            findings.append(Finding(path, message, rule.id, rule.severity))
    return findings
