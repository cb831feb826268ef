"""HorizontalPodAutoscaler rules (autoscaling/validation: validateHorizontalPodAutoscalerSpec,
ValidateCrossVersionObjectReference, validateMetricSpec and the source validators,
validateMetricTarget, validateBehavior, validateScalingRules, validateScalingPolicy).

autoscaling/v1 objects are converted to the same internal type: `targetCPUUtilizationPercentage`
becomes a Resource metric's `averageUtilization`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ingressgen.validation.rules.base import (
    RuleContext,
    Violation,
    integer,
    invalid,
    mapping,
    one_of,
    rule,
    sequence,
    spec,
    text,
)
from ingressgen.validation.rules.quantities import parse_quantity, quantity_problem

FieldPath = tuple[str | int, ...]

KINDS = ("autoscaling/HorizontalPodAutoscaler",)
METRIC_VERSIONS = ("autoscaling/v2", "autoscaling/v2beta2")
# MetricSpec.type -> its source field, in the order validateMetricSpec looks at the fields.
SOURCES = {
    "Object": "object",
    "External": "external",
    "Pods": "pods",
    "Resource": "resource",
    "ContainerResource": "containerResource",
}
TARGET_TYPES = ("Utilization", "Value", "AverageValue")
SELECT_POLICIES = ("Max", "Min", "Disabled")
POLICY_TYPES = ("Pods", "Percent")
MAX_STABILIZATION_WINDOW = 3600
MAX_POLICY_PERIOD = 1800


def path_segment_problem(value: str) -> str | None:
    """IsValidPathSegmentName: used as one segment of a URL path."""
    if value in (".", ".."):
        return f"{value!r} is not valid: may not be '.' or '..'"
    if "/" in value or "%" in value:
        return f"{value!r} is not valid: may not contain '/' or '%'"
    return None


def _reference_violations(ref: Any, where: FieldPath) -> Iterator[Violation]:
    """ValidateCrossVersionObjectReference: kind and name required, each a path segment."""
    ref = mapping(ref)
    for field in ("kind", "name"):
        value = ref.get(field)
        if not value:
            yield (*where, field), f"required: the {field} of the target object"
        elif isinstance(value, str):
            problem = path_segment_problem(value)
            if problem:
                yield (*where, field), problem


@rule("hpa-spec", kinds=KINDS)
def check_hpa_spec(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`minReplicas` is at least 1 (scaling to zero is an alpha feature, off by default),
    `maxReplicas` at least 1 and at least `minReplicas`; `scaleTargetRef` has a `kind` and a
    `name`. (autoscaling/validation: validateHorizontalPodAutoscalerSpec,
    ValidateCrossVersionObjectReference.)
    """
    body = spec(obj)
    low = integer(body.get("minReplicas"))
    high = integer(body.get("maxReplicas"))
    if low is not None and low < 1:
        yield ("spec", "minReplicas"), invalid(low, "a whole number >= 1")
    if high is not None and high < 1:
        yield ("spec", "maxReplicas"), invalid(high, "a whole number >= 1")
    elif high is not None and low is not None and high < low:
        yield (
            ("spec", "maxReplicas"),
            f"{high} is not valid: must be greater than or equal to minReplicas ({low})",
        )
    if "scaleTargetRef" in body:
        yield from _reference_violations(body.get("scaleTargetRef"), ("spec", "scaleTargetRef"))


def _identifier_violations(metric: Any, where: FieldPath) -> Iterator[Violation]:
    name = mapping(metric).get("name")
    if not name:
        yield (*where, "name"), "required: the metric's name"
    elif isinstance(name, str):
        problem = path_segment_problem(name)
        if problem:
            yield (*where, "name"), problem


def _target_violations(target: dict[str, Any], where: FieldPath) -> Iterator[Violation]:
    """validateMetricTarget."""
    kind = target.get("type")
    if not kind:
        yield (*where, "type"), "required: Utilization, Value or AverageValue"
    elif isinstance(kind, str) and kind not in TARGET_TYPES:
        yield (*where, "type"), one_of(kind, TARGET_TYPES)
    for field in ("value", "averageValue"):
        value = target.get(field)
        if value is None:
            continue
        problem = quantity_problem(value)
        amount = parse_quantity(value)
        if problem:
            yield (*where, field), problem
        elif amount is not None and amount <= 0:
            yield (*where, field), invalid(value, "a quantity > 0")
    utilization = integer(target.get("averageUtilization"))
    if utilization is not None and utilization < 1:
        yield (*where, "averageUtilization"), invalid(utilization, "a percentage >= 1")


def _source_violations(kind: str, source: dict[str, Any], where: FieldPath) -> Iterator[Violation]:
    """validateObjectSource, validateExternalSource, validatePodsSource,
    validateResourceSource, validateContainerResourceSource."""
    if kind == "object":
        yield from _reference_violations(source.get("describedObject"), (*where, "describedObject"))
    if kind in ("object", "external", "pods"):
        yield from _identifier_violations(source.get("metric"), (*where, "metric"))
    else:
        if not source.get("name"):
            yield (*where, "name"), "required: the resource name, such as cpu or memory"
        if kind == "containerResource" and not source.get("container"):
            yield (*where, "container"), "required: the name of the container to measure"
    target = mapping(source.get("target"))
    at: FieldPath = (*where, "target")
    yield from _target_violations(target, at)
    has = {
        field
        for field in ("value", "averageValue", "averageUtilization")
        if target.get(field) is not None
    }
    if kind == "object" and not has & {"value", "averageValue"}:
        yield (*at, "averageValue"), "required: a target value or averageValue"
    elif kind == "external":
        if not has & {"value", "averageValue"}:
            yield (*at, "averageValue"), "required: a target value or a per-pod averageValue"
        elif {"value", "averageValue"} <= has:
            yield (*at, "value"), "set value or averageValue, not both"
    elif kind == "pods" and "averageValue" not in has:
        yield (*at, "averageValue"), "required: a positive per-pod averageValue"
    elif kind in ("resource", "containerResource"):
        if not has & {"averageUtilization", "averageValue"}:
            yield (*at, "averageUtilization"), "required: averageUtilization or averageValue"
        elif {"averageUtilization", "averageValue"} <= has:
            yield (*at, "averageValue"), "set averageUtilization or averageValue, not both"


@rule("hpa-metrics", kinds=KINDS)
def check_hpa_metrics(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """Each metric has a `type` (Object, Pods, Resource, ContainerResource or External) and fills
    exactly the matching source (`object`, `pods`, `resource`, `containerResource`,
    `external`). A source names its metric (or resource, and container), an Object source its
    `describedObject`. Targets have a `type` of Utilization, Value or AverageValue; `value` and
    `averageValue` are quantities > 0 and `averageUtilization` >= 1 (so 0 is refused). Object
    and External targets set `value` or `averageValue`, Pods targets `averageValue`, Resource
    targets `averageUtilization` or `averageValue`, never both. In autoscaling/v1,
    `targetCPUUtilizationPercentage` is >= 1. (autoscaling/validation: validateMetricSpec,
    validateMetricTarget and the source validators.)
    """
    body = spec(obj)
    if obj.get("apiVersion") not in METRIC_VERSIONS:
        cpu = integer(body.get("targetCPUUtilizationPercentage"))
        if cpu is not None and cpu < 1:
            yield ("spec", "targetCPUUtilizationPercentage"), invalid(cpu, "a percentage >= 1")
        return
    for index, metric in enumerate(sequence(body.get("metrics"))):
        if not isinstance(metric, dict):
            continue
        where: FieldPath = ("spec", "metrics", index)
        kind = metric.get("type")
        expected = SOURCES.get(kind) if isinstance(kind, str) else None
        if not kind:
            yield (*where, "type"), f"required: one of {', '.join(SOURCES)}"
        elif expected is None:
            yield (*where, "type"), one_of(kind, tuple(SOURCES))
        present = [field for field in SOURCES.values() if metric.get(field) is not None]
        if present and isinstance(metric.get(present[0]), dict):
            yield from _source_violations(present[0], metric[present[0]], (*where, present[0]))
        if expected is not None and expected not in present:
            yield (*where, expected), f"required: a metric of type {kind} fills {expected}"
        for field in present:
            if field != expected and len(present) > 1:
                yield (
                    (*where, field),
                    f"must not be set: a metric of type {kind} fills {expected} only",
                )


@rule("hpa-behavior", kinds=KINDS)
def check_hpa_behavior(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`behavior.scaleUp` and `scaleDown`: `stabilizationWindowSeconds` 0..3600, `selectPolicy`
    Max, Min or Disabled, `policies` not an empty list (leave it out for the defaults), each
    policy of `type` Pods or Percent with `value` > 0 and `periodSeconds` 1..1800.
    (autoscaling/validation: validateBehavior, validateScalingRules, validateScalingPolicy.)
    """
    behavior = mapping(spec(obj).get("behavior"))
    for direction in ("scaleUp", "scaleDown"):
        rules = behavior.get(direction)
        if not isinstance(rules, dict):
            continue
        where: FieldPath = ("spec", "behavior", direction)
        window = integer(rules.get("stabilizationWindowSeconds"))
        if window is not None and not 0 <= window <= MAX_STABILIZATION_WINDOW:
            yield (
                (*where, "stabilizationWindowSeconds"),
                invalid(window, f"0..{MAX_STABILIZATION_WINDOW} seconds"),
            )
        select = rules.get("selectPolicy")
        if isinstance(select, str) and select not in SELECT_POLICIES:
            yield (*where, "selectPolicy"), one_of(select, SELECT_POLICIES)
        policies = rules.get("policies")
        if isinstance(policies, list) and not policies:
            yield (*where, "policies"), "required: at least one policy (or leave policies out)"
        for index, policy in enumerate(sequence(policies)):
            if not isinstance(policy, dict):
                continue
            at: FieldPath = (*where, "policies", index)
            kind = text(policy.get("type"))
            if kind is not None and kind not in POLICY_TYPES:
                yield (*at, "type"), one_of(kind, POLICY_TYPES)
            value = integer(policy.get("value"))
            if value is not None and value <= 0:
                yield (*at, "value"), invalid(value, "a whole number > 0")
            period = integer(policy.get("periodSeconds"))
            if period is not None and not 0 < period <= MAX_POLICY_PERIOD:
                yield (*at, "periodSeconds"), invalid(period, f"1..{MAX_POLICY_PERIOD} seconds")
