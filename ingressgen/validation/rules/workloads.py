"""Workload rules: label selectors, Deployment spec and strategy, pod templates and containers,
PodDisruptionBudget basics (apps/validation, core/validation ValidatePodSpec,
policy/validation)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ingressgen.validation.rules import predicates
from ingressgen.validation.rules.base import (
    DNS1123_LABEL,
    IANA_PORT_NAME,
    LABEL_VALUE,
    PORT_NUMBER,
    QUALIFIED_NAME,
    RuleContext,
    Violation,
    integer,
    invalid,
    items,
    mapping,
    one_of,
    rule,
    sequence,
    spec,
    text,
)
from ingressgen.validation.rules.meta import label_violations

FieldPath = tuple[str | int, ...]

SELECTOR_KINDS = ("apps/Deployment", "apps/ReplicaSet", "apps/StatefulSet", "apps/DaemonSet")
OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
STRATEGIES = ("RollingUpdate", "Recreate")
PROTOCOLS = ("TCP", "UDP", "SCTP")
PULL_POLICIES = ("Always", "IfNotPresent", "Never")
EVICTION_POLICIES = ("IfHealthyBudget", "AlwaysAllow")
CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")
_PERCENT = re.compile(r"[0-9]+%")
_STRICT_ENV_NAME = re.compile(r"[-._a-zA-Z][-._a-zA-Z0-9]*")
INT_OR_PERCENT = "a whole number >= 0 or a percentage such as '25%'"


# ---- label selectors ----


def selector_violations(selector: dict[str, Any], where: FieldPath) -> Iterator[Violation]:
    """ValidateLabelSelector: matchLabels are labels; expressions have a valid key, operator and
    values (In/NotIn need values, Exists/DoesNotExist take none)."""
    yield from label_violations(selector.get("matchLabels"), (*where, "matchLabels"))
    for index, expression in items(selector.get("matchExpressions")):
        at: FieldPath = (*where, "matchExpressions", index)
        key = expression.get("key")
        if isinstance(key, str) and not predicates.is_qualified_name(key):
            yield (*at, "key"), invalid(key, QUALIFIED_NAME)
        operator = expression.get("operator")
        values = sequence(expression.get("values"))
        if operator in ("In", "NotIn") and not values:
            yield (*at, "values"), f"required: at least one value with operator {operator}"
        elif operator in ("Exists", "DoesNotExist") and values:
            yield (*at, "values"), f"must be empty with operator {operator}"
        elif isinstance(operator, str) and operator not in OPERATORS:
            yield (*at, "operator"), one_of(operator, OPERATORS)
        for position, value in enumerate(values):
            if isinstance(value, str) and not predicates.is_label_value(value):
                yield (*at, "values", position), invalid(value, LABEL_VALUE)


def selector_matches(selector: dict[str, Any], labels: dict[str, Any]) -> bool:
    for key, value in mapping(selector.get("matchLabels")).items():
        if labels.get(key) != value:
            return False
    for _, expression in items(selector.get("matchExpressions")):
        wanted = expression.get("key")
        values = sequence(expression.get("values"))
        operator = expression.get("operator")
        present = isinstance(wanted, str) and wanted in labels
        actual = labels.get(wanted) if isinstance(wanted, str) else None
        if operator == "In" and not (present and actual in values):
            return False
        if operator == "NotIn" and present and actual in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


@rule("workload-selector", kinds=SELECTOR_KINDS)
def check_workload_selector(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`spec.selector` is required, not empty and valid (label rules for `matchLabels`; In and
    NotIn expressions need values, Exists and DoesNotExist take none), the pod template's labels
    are valid labels, and the selector matches them.
    """
    body = spec(obj)
    template_labels = mapping(mapping(mapping(body.get("template")).get("metadata")).get("labels"))
    yield from label_violations(template_labels, ("spec", "template", "metadata", "labels"))
    selector = body.get("selector")
    if not isinstance(selector, dict):
        if selector is None:
            yield ("spec", "selector"), "required: the labels that select this workload's pods"
        return
    if not mapping(selector.get("matchLabels")) and not sequence(selector.get("matchExpressions")):
        yield ("spec", "selector"), "must not be empty: an empty selector would select every pod"
        return
    yield from selector_violations(selector, ("spec", "selector"))
    if not selector_matches(selector, template_labels):
        yield (
            ("spec", "template", "metadata", "labels"),
            "do not match spec.selector: the pods this template makes must carry the selected "
            "labels",
        )


# ---- Deployment ----


def _int_or_percent_problem(value: Any, *, at_most_100: bool) -> str | None:
    if isinstance(value, str):
        if not _PERCENT.fullmatch(value):
            return invalid(value, INT_OR_PERCENT)
        if at_most_100 and int(value[:-1]) > 100:
            return invalid(value, "at most 100%")
        return None
    number = integer(value)
    if number is not None and number < 0:
        return invalid(value, INT_OR_PERCENT)
    return None


def _is_zero(value: Any) -> bool:
    return bool(value == 0 or value == "0%")


@rule("deployment-spec", kinds=("apps/Deployment",))
def check_deployment_spec(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`replicas`, `minReadySeconds` and `revisionHistoryLimit` are >= 0, and
    `progressDeadlineSeconds` is greater than `minReadySeconds`.
    """
    body = spec(obj)
    for field in ("replicas", "minReadySeconds", "revisionHistoryLimit", "progressDeadlineSeconds"):
        value = integer(body.get(field))
        if value is not None and value < 0:
            yield ("spec", field), invalid(value, "a whole number >= 0")
    deadline = integer(body.get("progressDeadlineSeconds"))
    min_ready = integer(body.get("minReadySeconds")) or 0
    if deadline is not None and deadline >= 0 and deadline <= min_ready:
        yield (
            ("spec", "progressDeadlineSeconds"),
            f"{deadline} is not valid: must be greater than minReadySeconds ({min_ready})",
        )


@rule("deployment-strategy", kinds=("apps/Deployment",))
def check_deployment_strategy(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`strategy.type` is RollingUpdate or Recreate; Recreate takes no `rollingUpdate`.
    `maxUnavailable` and `maxSurge` are whole numbers >= 0 or percentages (`maxUnavailable` at
    most 100%), and they are not both 0.
    """
    strategy = mapping(spec(obj).get("strategy"))
    kind = text(strategy.get("type")) or "RollingUpdate"
    rolling = strategy.get("rollingUpdate")
    if kind not in STRATEGIES:
        yield ("spec", "strategy", "type"), one_of(kind, STRATEGIES)
        return
    if kind == "Recreate":
        if rolling is not None:
            yield ("spec", "strategy", "rollingUpdate"), "must not be set when type is Recreate"
        return
    rolling = mapping(rolling)
    for field in ("maxUnavailable", "maxSurge"):
        value = rolling.get(field)
        if value is not None:
            problem = _int_or_percent_problem(value, at_most_100=field == "maxUnavailable")
            if problem:
                yield ("spec", "strategy", "rollingUpdate", field), problem
    surge, unavailable = rolling.get("maxSurge"), rolling.get("maxUnavailable")
    if surge is not None and unavailable is not None and _is_zero(surge) and _is_zero(unavailable):
        yield (
            ("spec", "strategy", "rollingUpdate", "maxUnavailable"),
            "may not be 0 when maxSurge is 0: a rollout could never make progress",
        )


# ---- pod templates and containers ----


def pod_spec_path(obj: dict[str, Any]) -> FieldPath | None:
    kind = obj.get("kind")
    if kind == "Pod":
        return ("spec",)
    if kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job"):
        return ("spec", "template", "spec")
    if kind == "CronJob":
        return ("spec", "jobTemplate", "spec", "template", "spec")
    if kind == "PodTemplate":
        return ("template", "spec")
    return None


def _find_pod_spec(
    obj: dict[str, Any], context: RuleContext
) -> tuple[FieldPath, dict[str, Any]] | None:
    path = pod_spec_path(obj)
    if path is None:
        return None
    if obj.get("kind") == "StatefulSet" and not context.statefulset_pod_templates:
        return None
    node: Any = obj
    for part in path:
        node = mapping(node).get(str(part))
    return path, mapping(node)


# [object, version, its pod spec, its containers]: a dozen rules ask in a row about one object.
_last: list[Any] = [None, None, None, []]


def _remember(obj: dict[str, Any], context: RuleContext) -> None:
    if _last[0] is obj and _last[1] == context.version:
        return
    found = _find_pod_spec(obj, context)
    found_containers: list[tuple[FieldPath, dict[str, Any]]] = []
    if found is not None:
        path, pod = found
        for field in CONTAINER_LISTS:
            for index, container in items(pod.get(field)):
                found_containers.append(((*path, field, index), container))
    _last[0], _last[1], _last[2], _last[3] = obj, context.version, found, found_containers


def pod_spec(obj: dict[str, Any], context: RuleContext) -> tuple[FieldPath, dict[str, Any]] | None:
    """The pod spec the API server validates in this object, with its path; None when there is
    none, or when the target version does not validate it (a StatefulSet before 1.34)."""
    _remember(obj, context)
    found: tuple[FieldPath, dict[str, Any]] | None = _last[2]
    return found


def containers(obj: dict[str, Any], context: RuleContext) -> list[tuple[FieldPath, dict[str, Any]]]:
    """(path, container) for the init, regular and ephemeral containers of the pod spec."""
    _remember(obj, context)
    found_containers: list[tuple[FieldPath, dict[str, Any]]] = _last[3]
    return found_containers


POD_KINDS = (
    "Pod",
    "PodTemplate",
    "apps/Deployment",
    "apps/ReplicaSet",
    "apps/StatefulSet",
    "apps/DaemonSet",
    "batch/Job",
    "batch/CronJob",
)


@rule("pod-containers", kinds=POD_KINDS)
def check_containers(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """A pod needs at least one container. Container names are required DNS-1123 labels, unique
    across init, regular and ephemeral containers; `image` is required; `imagePullPolicy` is
    Always, IfNotPresent or Never. (A StatefulSet's pod template is checked from Kubernetes 1.34,
    like every pod rule: before, the API server did not validate it.)
    """
    found = pod_spec(obj, context)
    if found is None:
        return
    path, pod = found
    if "containers" in pod and not sequence(pod.get("containers")):
        yield (*path, "containers"), "required: at least one container"
    seen: set[str] = set()
    for where, container in containers(obj, context):
        name = container.get("name")
        if not name:
            yield (*where, "name"), "required: a DNS-1123 label naming the container"
        elif isinstance(name, str):
            if not predicates.is_dns1123_label(name):
                yield (*where, "name"), invalid(name, DNS1123_LABEL)
            if name in seen:
                yield (*where, "name"), f"duplicate container name {name!r}"
            seen.add(name)
        image = container.get("image")
        if image is None or (isinstance(image, str) and not image.strip()):
            yield (*where, "image"), "required: the container image, e.g. nginx:1.27"
        policy = container.get("imagePullPolicy")
        if isinstance(policy, str) and policy and policy not in PULL_POLICIES:
            yield (*where, "imagePullPolicy"), one_of(policy, PULL_POLICIES)


@rule("pod-container-ports", kinds=POD_KINDS)
def check_container_ports(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`containerPort` is required, 1..65535; `hostPort` is 0..65535; `protocol` is TCP, UDP or
    SCTP; a port `name` is an IANA port name, unique within the container.
    """
    for where, container in containers(obj, context):
        seen: set[str] = set()
        for index, port in items(container.get("ports")):
            at: FieldPath = (*where, "ports", index)
            number = integer(port.get("containerPort"))
            if number is not None and not predicates.is_port_number(number):
                yield (*at, "containerPort"), invalid(number, PORT_NUMBER)
            host = integer(port.get("hostPort"))
            if host is not None and host != 0 and not predicates.is_port_number(host):
                yield (*at, "hostPort"), invalid(host, "0 or a port number (1..65535)")
            protocol = port.get("protocol")
            if isinstance(protocol, str) and protocol and protocol not in PROTOCOLS:
                yield (*at, "protocol"), one_of(protocol, PROTOCOLS)
            name = text(port.get("name"))
            if name:
                if not predicates.is_iana_port_name(name):
                    yield (*at, "name"), invalid(name, IANA_PORT_NAME)
                if name in seen:
                    yield (*at, "name"), f"duplicate port name {name!r} in this container"
                seen.add(name)


def env_name_problem(name: str, context: RuleContext) -> str | None:
    if context.relaxed_env_names:
        if not name or any(not " " <= c <= "~" for c in name) or "=" in name:
            return invalid(name, "printable ASCII characters other than '='")
        return None
    if _STRICT_ENV_NAME.fullmatch(name) and name != "." and not name.startswith(".."):
        return None
    return invalid(
        name,
        "letters, digits, '_', '-' and '.', not starting with a digit (Kubernetes 1.32 and "
        "later accept any printable ASCII except '=')",
    )


@rule("pod-env", kinds=POD_KINDS)
def check_env(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """Environment variable names: from Kubernetes 1.32 any printable ASCII except '='
    (RelaxedEnvironmentVariableValidation); before, a C identifier that may also hold '-' and
    '.'.
    """
    for where, container in containers(obj, context):
        for index, entry in items(container.get("env")):
            name = entry.get("name")
            if isinstance(name, str):
                problem = env_name_problem(name, context)
                if problem:
                    yield (*where, "env", index, "name"), problem


# ---- PodDisruptionBudget ----


@rule("pdb-spec", kinds=("policy/PodDisruptionBudget",))
def check_pdb(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`minAvailable` and `maxUnavailable` are not both set; each is a whole number >= 0 or a
    percentage up to 100%; the selector is valid; `unhealthyPodEvictionPolicy` is
    IfHealthyBudget or AlwaysAllow.
    """
    body = spec(obj)
    if body.get("minAvailable") is not None and body.get("maxUnavailable") is not None:
        yield ("spec",), "set minAvailable or maxUnavailable, not both"
    for field in ("minAvailable", "maxUnavailable"):
        value = body.get(field)
        if value is not None:
            problem = _int_or_percent_problem(value, at_most_100=True)
            if problem:
                yield ("spec", field), problem
    selector = body.get("selector")
    if isinstance(selector, dict):
        yield from selector_violations(selector, ("spec", "selector"))
    policy = body.get("unhealthyPodEvictionPolicy")
    if isinstance(policy, str) and policy not in EVICTION_POLICIES:
        yield ("spec", "unhealthyPodEvictionPolicy"), one_of(policy, EVICTION_POLICIES)
