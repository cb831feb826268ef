"""StatefulSet, DaemonSet and ReplicaSet rules (apps/validation: ValidateStatefulSetSpec,
validateRollingUpdateStatefulSet, ValidateDaemonSetSpec, ValidateDaemonSetUpdateStrategy,
ValidateRollingUpdateDaemonSet, ValidateReplicaSetSpec).

Their selectors and template labels are checked by `workload-selector` (workloads.py), their pod
templates by the pod rules (pods.py). The API server applies apps/v1 defaults first: an empty
`podManagementPolicy` is OrderedReady, an empty update strategy RollingUpdate, and a DaemonSet's
rolling update has `maxUnavailable: 1` and `maxSurge: 0` unless given.
"""

from __future__ import annotations

import re
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
    spec,
    text,
)

FieldPath = tuple[str | int, ...]

POD_MANAGEMENT_POLICIES = ("OrderedReady", "Parallel")
UPDATE_STRATEGIES = ("RollingUpdate", "OnDelete")
RETENTION_POLICIES = ("Retain", "Delete")
STATEFULSET_ORDINALS_FROM = (1, 27)  # StatefulSetStartOrdinal beta
STATEFULSET_PVC_RETENTION_FROM = (1, 27)  # StatefulSetAutoDeletePVC beta
_PERCENT = re.compile(r"[0-9]+%")
INT_OR_PERCENT = "a whole number >= 0 or a percentage such as '25%'"


def _non_negative(
    body: dict[str, Any], fields: tuple[str, ...], where: FieldPath
) -> Iterator[Violation]:
    for field in fields:
        value = integer(body.get(field))
        if value is not None and value < 0:
            yield (*where, field), invalid(value, "a whole number >= 0")


@rule("statefulset-spec", kinds=("apps/StatefulSet",))
def check_statefulset_spec(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`replicas`, `minReadySeconds` and `ordinals.start` are >= 0; `podManagementPolicy` is
    OrderedReady or Parallel; `persistentVolumeClaimRetentionPolicy.whenDeleted` and `whenScaled`
    are Retain or Delete. (apps/validation: ValidateStatefulSetSpec,
    ValidatePersistentVolumeClaimRetentionPolicy.)
    """
    body = spec(obj)
    yield from _non_negative(body, ("replicas", "minReadySeconds"), ("spec",))
    if context.version >= STATEFULSET_ORDINALS_FROM:
        yield from _non_negative(mapping(body.get("ordinals")), ("start",), ("spec", "ordinals"))
    policy = body.get("podManagementPolicy")
    if isinstance(policy, str) and policy and policy not in POD_MANAGEMENT_POLICIES:
        yield ("spec", "podManagementPolicy"), one_of(policy, POD_MANAGEMENT_POLICIES)
    if context.version >= STATEFULSET_PVC_RETENTION_FROM:
        retention = mapping(body.get("persistentVolumeClaimRetentionPolicy"))
        for field in ("whenDeleted", "whenScaled"):
            value = retention.get(field)
            if isinstance(value, str) and value and value not in RETENTION_POLICIES:
                yield (
                    ("spec", "persistentVolumeClaimRetentionPolicy", field),
                    one_of(value, RETENTION_POLICIES),
                )


@rule("statefulset-update-strategy", kinds=("apps/StatefulSet",))
def check_statefulset_strategy(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`updateStrategy.type` is RollingUpdate or OnDelete (empty means RollingUpdate); OnDelete
    takes no `rollingUpdate`; `rollingUpdate.partition` is >= 0. (apps/validation:
    ValidateStatefulSetSpec, validateRollingUpdateStatefulSet.)
    """
    strategy = mapping(spec(obj).get("updateStrategy"))
    kind = text(strategy.get("type")) or "RollingUpdate"
    where: FieldPath = ("spec", "updateStrategy")
    if kind not in UPDATE_STRATEGIES:
        yield (*where, "type"), one_of(kind, UPDATE_STRATEGIES)
    elif kind == "OnDelete" and strategy.get("rollingUpdate") is not None:
        yield (*where, "rollingUpdate"), "must not be set when type is OnDelete"
    else:
        rolling = mapping(strategy.get("rollingUpdate"))
        yield from _non_negative(rolling, ("partition",), (*where, "rollingUpdate"))


def _int_or_percent(value: Any) -> tuple[int | None, str | None]:
    """ValidatePositiveIntOrPercent and IsNotMoreThan100Percent: (the amount, or the problem)."""
    if isinstance(value, str):
        if not _PERCENT.fullmatch(value):
            return None, invalid(value, INT_OR_PERCENT)
        if int(value[:-1]) > 100:
            return None, invalid(value, "at most 100%")
        return int(value[:-1]), None
    number = integer(value)
    if number is not None and number < 0:
        return None, invalid(value, INT_OR_PERCENT)
    return number, None


@rule("daemonset-update-strategy", kinds=("apps/DaemonSet",))
def check_daemonset_strategy(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`updateStrategy.type` is RollingUpdate or OnDelete (empty means RollingUpdate). A rolling
    update's `maxUnavailable` and `maxSurge` are whole numbers >= 0 or percentages up to 100%,
    and exactly one of them is non-zero; they default to 1 and 0, so setting `maxSurge` alone
    needs `maxUnavailable: 0`. (apps/validation: ValidateDaemonSetUpdateStrategy,
    ValidateRollingUpdateDaemonSet; apps/v1 SetDefaults_DaemonSet.)
    """
    strategy = mapping(spec(obj).get("updateStrategy"))
    kind = text(strategy.get("type")) or "RollingUpdate"
    where: FieldPath = ("spec", "updateStrategy")
    if kind not in UPDATE_STRATEGIES:
        yield (*where, "type"), one_of(kind, UPDATE_STRATEGIES)
        return
    if kind == "OnDelete":
        return
    rolling = mapping(strategy.get("rollingUpdate"))
    amounts: dict[str, int | None] = {}
    for field, default in (("maxUnavailable", 1), ("maxSurge", 0)):
        value = rolling.get(field)
        amount, problem = _int_or_percent(default if value is None else value)
        if problem:
            yield (*where, "rollingUpdate", field), problem
        amounts[field] = amount
    unavailable, surge = amounts["maxUnavailable"], amounts["maxSurge"]
    if unavailable is None or surge is None:
        return
    if unavailable and surge:
        yield (
            (*where, "rollingUpdate", "maxSurge"),
            "may not be set when maxUnavailable is non-zero (maxUnavailable defaults to 1): "
            "set maxUnavailable: 0 to surge",
        )
    elif not unavailable and not surge:
        yield (
            (*where, "rollingUpdate", "maxUnavailable"),
            "may not be 0 when maxSurge is 0: a rollout could never make progress",
        )


@rule("daemonset-spec", kinds=("apps/DaemonSet",))
def check_daemonset_spec(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`minReadySeconds`, `revisionHistoryLimit` and `templateGeneration` are >= 0.
    (apps/validation: ValidateDaemonSetSpec.)
    """
    fields = ("minReadySeconds", "revisionHistoryLimit", "templateGeneration")
    yield from _non_negative(spec(obj), fields, ("spec",))


@rule("replicaset-spec", kinds=("apps/ReplicaSet",))
def check_replicaset_spec(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`replicas` and `minReadySeconds` are >= 0. (apps/validation: ValidateReplicaSetSpec.)"""
    yield from _non_negative(spec(obj), ("replicas", "minReadySeconds"), ("spec",))
