"""Pod spec rules for every object that carries one: Pod, PodTemplate, the apps workloads, Job and
CronJob (core/validation: ValidatePodSpec and the functions it calls; apps and batch validation
for the restart policy a controller accepts).

A StatefulSet's pod template is checked from Kubernetes 1.34 only: before, the API server did not
validate it as a pod spec (`workloads.pod_spec`). The restart policy rule is the exception, as
apps validation always checked it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

from ingressgen.validation.rules import predicates
from ingressgen.validation.rules.base import (
    DNS1123_LABEL,
    IANA_PORT_NAME,
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
from ingressgen.validation.rules.quantities import (
    format_quantity,
    parse_quantity,
    quantity_problem,
)
from ingressgen.validation.rules.workloads import POD_KINDS, containers, pod_spec, pod_spec_path

FieldPath = tuple[str | int, ...]

PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
PROBE_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")
HOOK_HANDLERS = ("exec", "httpGet", "tcpSocket", "sleep")
HOOKS = ("postStart", "preStop")
PROBE_COUNTS = ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "failureThreshold")
HTTP_SCHEMES = ("HTTP", "HTTPS")
ENV_SOURCES = ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef", "fileKeyRef")
ENV_FROM_SOURCES = ("configMapRef", "secretRef")
# core.VolumeSource in validateVolumeSource's order: one per volume (none becomes an emptyDir).
VOLUME_SOURCES = (
    "emptyDir",
    "hostPath",
    "gitRepo",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "flocker",
    "persistentVolumeClaim",
    "rbd",
    "cinder",
    "cephfs",
    "quobyte",
    "downwardAPI",
    "fc",
    "flexVolume",
    "configMap",
    "azureFile",
    "vsphereVolume",
    "photonPersistentDisk",
    "portworxVolume",
    "azureDisk",
    "storageos",
    "projected",
    "scaleIO",
    "csi",
    "ephemeral",
    "image",
)
RESTART_POLICIES = ("Always", "OnFailure", "Never")
JOB_RESTART_POLICIES = ("OnFailure", "Never")
ALWAYS_RESTARTING_KINDS = frozenset({"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"})
STANDARD_CONTAINER_RESOURCES = frozenset({"cpu", "memory", "ephemeral-storage"})
HUGEPAGES_PREFIX = "hugepages-"
POD_FAILURE_POLICY_FROM = (1, 26)  # JobPodFailurePolicy: beta and on in 1.26


def _handler_violations(
    handler: dict[str, Any], kinds: tuple[str, ...], where: FieldPath
) -> Iterator[Violation]:
    """validateHandler: exactly one handler, and the one given is well formed."""
    present = [kind for kind in kinds if handler.get(kind) is not None]
    if not present:
        yield where, f"required: exactly one handler ({', '.join(kinds)})"
        return
    for extra in present[1:]:
        yield (
            (*where, extra),
            f"may not specify more than 1 handler type: {present[0]} is already set",
        )
    kind = present[0]
    action = mapping(handler.get(kind))
    if kind == "exec" and not sequence(action.get("command")):
        yield (*where, "exec", "command"), "required: the command to run"
    if kind in ("httpGet", "tcpSocket", "grpc"):
        problem = port_problem(action.get("port"), names=kind != "grpc")
        if problem:
            yield (*where, kind, "port"), problem
    scheme = action.get("scheme") if kind == "httpGet" else None
    if isinstance(scheme, str) and scheme and scheme not in HTTP_SCHEMES:
        yield (*where, "httpGet", "scheme"), one_of(scheme, HTTP_SCHEMES)


def port_problem(value: Any, *, names: bool = True) -> str | None:
    """ValidatePortNumOrName: a number 1..65535, or (where names are allowed) an IANA port name."""
    number = integer(value)
    if number is not None:
        return None if predicates.is_port_number(number) else invalid(number, PORT_NUMBER)
    if names and isinstance(value, str) and not predicates.is_iana_port_name(value):
        return invalid(value, f"{PORT_NUMBER} or {IANA_PORT_NAME}")
    return None


@rule("pod-probes", kinds=POD_KINDS)
def check_probes(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """Every probe has exactly one handler (`exec`, `httpGet`, `tcpSocket` or `grpc`) and every
    lifecycle hook (`postStart`, `preStop`) exactly one of `exec`, `httpGet`, `tcpSocket` or
    `sleep`; `exec` needs a command, ports are 1..65535 or a port name, `scheme` is HTTP or
    HTTPS. Probe counts and delays are >= 0, liveness and startup probes have
    `successThreshold` 1, `terminationGracePeriodSeconds` is > 0 and not set on readiness probes.
    (core/validation: validateProbe, validateHandler, validateLifecycle.)
    """
    for where, container in containers(obj, context):
        for probe_field in PROBES:
            probe = container.get(probe_field)
            if not isinstance(probe, dict):
                continue
            at: FieldPath = (*where, probe_field)
            yield from _handler_violations(probe, PROBE_HANDLERS, at)
            for count in (*PROBE_COUNTS, "successThreshold"):
                value = integer(probe.get(count))
                if value is not None and value < 0:
                    yield (*at, count), invalid(value, "a whole number >= 0")
            success = integer(probe.get("successThreshold"))
            if probe_field != "readinessProbe" and success not in (None, 0, 1):
                yield (
                    (*at, "successThreshold"),
                    f"{success} is not valid: must be 1 for a {probe_field}",
                )
            grace = integer(probe.get("terminationGracePeriodSeconds"))
            if grace is not None and probe_field == "readinessProbe":
                yield (*at, "terminationGracePeriodSeconds"), "must not be set on a readinessProbe"
            elif grace is not None and grace <= 0:
                yield (*at, "terminationGracePeriodSeconds"), invalid(grace, "a number > 0")
        lifecycle = mapping(container.get("lifecycle"))
        for hook in HOOKS:
            handler = lifecycle.get(hook)
            if isinstance(handler, dict):
                yield from _handler_violations(handler, HOOK_HANDLERS, (*where, "lifecycle", hook))


@rule("pod-env-source", kinds=POD_KINDS)
def check_env_sources(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """An `env` entry has `value` or `valueFrom`, not both (an empty `value` counts as unset), and
    `valueFrom` names exactly one source (`fieldRef`, `resourceFieldRef`, `configMapKeyRef`,
    `secretKeyRef`). An `envFrom` entry has exactly one of `configMapRef` or `secretRef`.
    (core/validation: validateEnvVarValueFrom, ValidateEnvFrom.)
    """
    for where, container in containers(obj, context):
        for index, entry in items(container.get("env")):
            value_from = entry.get("valueFrom")
            if value_from is None:
                continue
            at: FieldPath = (*where, "env", index, "valueFrom")
            sources = [s for s in ENV_SOURCES if mapping(value_from).get(s) is not None]
            if not sources:
                yield at, f"required: exactly one source ({', '.join(ENV_SOURCES[:4])})"
            elif entry.get("value"):
                yield (
                    at,
                    "may not be set when value is not empty: set value or valueFrom, not both",
                )
            elif len(sources) > 1:
                yield at, f"set exactly one source, not {' and '.join(sources)}"
        for index, entry in items(container.get("envFrom")):
            sources = [s for s in ENV_FROM_SOURCES if entry.get(s) is not None]
            if len(sources) != 1:
                yield (
                    (*where, "envFrom", index),
                    "set exactly one of configMapRef or secretRef",
                )


def _is_native(name: str) -> bool:
    return "/" not in name or "kubernetes.io/" in name


def _overcommit_allowed(name: str) -> bool:
    """IsOvercommitAllowed: native resources other than huge pages may request less than their
    limit; extended resources (example.com/gpu) and huge pages may not."""
    return _is_native(name) and not name.startswith(HUGEPAGES_PREFIX)


def _resource_name_problem(name: str) -> str | None:
    """validateContainerResourceName."""
    if not predicates.is_qualified_name(name):
        return f"the resource name {invalid(name, QUALIFIED_NAME)}"
    if "/" not in name:
        if name not in STANDARD_CONTAINER_RESOURCES and not name.startswith(HUGEPAGES_PREFIX):
            return (
                f"the resource name {name!r} is not valid: expected cpu, memory, "
                "ephemeral-storage, hugepages-<size> or a domain-prefixed extended resource "
                "such as example.com/gpu"
            )
    elif not _is_native(name) and (
        name.startswith("requests.") or not predicates.is_qualified_name(f"requests.{name}")
    ):
        return f"the resource name {name!r} is not a valid extended resource name"
    return None


def _quantities(
    values: dict[str, Any], where: FieldPath
) -> Iterator[tuple[str, Fraction | None, Violation | None]]:
    """(resource, parsed value or None, the first problem with the entry or None)."""
    for name, value in values.items():
        at: FieldPath = (*where, str(name))
        problem = _resource_name_problem(name) if isinstance(name, str) else None
        if problem:
            yield str(name), None, (at, problem)
            continue
        syntax = quantity_problem(value)
        if syntax:
            yield str(name), None, (at, syntax)
            continue
        amount = parse_quantity(value)
        if amount is not None and amount < 0:
            yield str(name), None, (at, invalid(value, "a quantity >= 0"))
        elif amount is not None and not _is_native(name) and math.ceil(amount * 1000) % 1000:
            yield str(name), None, (at, invalid(value, "a whole number for an extended resource"))
        else:
            yield str(name), amount, None


def _resources_violations(resources: dict[str, Any], where: FieldPath) -> Iterator[Violation]:
    """validateResourceRequirements for one container."""
    limits: dict[str, Fraction | None] = {}
    requests: dict[str, Fraction | None] = {}
    for field, found in (("limits", limits), ("requests", requests)):
        for name, amount, violation in _quantities(mapping(resources.get(field)), (*where, field)):
            if violation:
                yield violation
            found[name] = amount
    for name, request in requests.items():
        limit = limits.get(name)
        if name not in limits:
            if not _overcommit_allowed(name):
                yield (
                    (*where, "limits"),
                    f"required: a limit for {name}, equal to its request; extended resources "
                    "and huge pages cannot be overcommitted",
                )
            continue
        if request is None or limit is None:
            continue
        if request != limit and not _overcommit_allowed(name):
            yield (
                (*where, "requests", name),
                f"{format_quantity(request)} is not valid: must equal the {name} limit "
                f"({format_quantity(limit)}); extended resources and huge pages cannot be "
                "overcommitted",
            )
        elif request > limit:
            yield (
                (*where, "requests", name),
                f"{format_quantity(request)} is not valid: must be less than or equal to the "
                f"{name} limit ({format_quantity(limit)})",
            )
    names = limits.keys() | requests.keys()
    if any(n.startswith(HUGEPAGES_PREFIX) for n in names) and not names & {"cpu", "memory"}:
        yield where, "huge pages require a cpu or memory request or limit as well"


@rule("pod-resources", kinds=POD_KINDS)
def check_resources(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """Resource quantities use Kubernetes quantity syntax (`256Mi`, `500m`, `1.5`; `256mb` or
    `1 Gi` are refused when the request is decoded), are >= 0, and extended resources are whole
    numbers. Container resource names are cpu, memory, ephemeral-storage, hugepages-<size> or
    domain-prefixed extended resources. A request is at most its limit; extended resources and
    huge pages are not overcommitted: their request equals their limit, which is required. The
    same syntax applies to pod `overhead`, pod-level `resources` and `emptyDir.sizeLimit`.
    (apimachinery resource.ParseQuantity; core/validation: validateResourceRequirements,
    validateContainerResourceName.)
    """
    found = pod_spec(obj, context)
    if found is None:
        return
    path, pod = found
    for where, container in containers(obj, context):
        resources = container.get("resources")
        if isinstance(resources, dict):
            yield from _resources_violations(resources, (*where, "resources"))
    quantities: list[tuple[FieldPath, Any]] = [
        ((*path, "overhead", str(k)), v) for k, v in mapping(pod.get("overhead")).items()
    ]
    pod_resources = mapping(pod.get("resources"))
    for field in ("limits", "requests"):
        quantities += [
            ((*path, "resources", field, str(k)), v)
            for k, v in mapping(pod_resources.get(field)).items()
        ]
    for index, volume in items(pod.get("volumes")):
        size = mapping(volume.get("emptyDir")).get("sizeLimit")
        if size is not None:
            quantities.append(((*path, "volumes", index, "emptyDir", "sizeLimit"), size))
    for where, value in quantities:
        problem = quantity_problem(value)
        if problem:
            yield where, problem


def _claim_template_names(obj: dict[str, Any]) -> set[str]:
    """A StatefulSet's volumeClaimTemplates act as volumes of its pods (apps/validation
    volumesToAddForTemplates)."""
    if obj.get("kind") != "StatefulSet":
        return set()
    names = set()
    for _, claim in items(spec(obj).get("volumeClaimTemplates")):
        name = text(mapping(claim.get("metadata")).get("name"))
        if name:
            names.add(name)
    return names


@rule("pod-volumes", kinds=POD_KINDS)
def check_volumes(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """Volume names are required, DNS-1123 labels and unique, and a volume has at most one source
    (`configMap`, `secret`, `emptyDir`, `persistentVolumeClaim`, ...; a volume with none becomes
    an emptyDir). In a StatefulSet a volume named like a volumeClaimTemplate is replaced by it.
    (core/validation: ValidateVolumes, validateVolumeSource.)
    """
    found = pod_spec(obj, context)
    if found is None:
        return
    path, pod = found
    claims = _claim_template_names(obj)
    seen: set[str] = set()
    for index, volume in items(pod.get("volumes")):
        at: FieldPath = (*path, "volumes", index)
        name = volume.get("name")
        if isinstance(name, str) and name in claims:
            continue
        if not name:
            yield (*at, "name"), "required: a DNS-1123 label naming the volume"
        elif isinstance(name, str):
            if not predicates.is_dns1123_label(name):
                yield (*at, "name"), invalid(name, DNS1123_LABEL)
            if name in seen:
                yield (*at, "name"), f"duplicate volume name {name!r}"
            seen.add(name)
        sources = [s for s in VOLUME_SOURCES if volume.get(s) is not None]
        for extra in sources[1:]:
            yield (
                (*at, extra),
                f"may not specify more than 1 volume type: {sources[0]} is already set",
            )


@rule("pod-volume-mounts", kinds=POD_KINDS)
def check_volume_mounts(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """Each `volumeMounts` entry names a volume of the pod (or, in a StatefulSet, a
    volumeClaimTemplate) and has a `mountPath`; mount paths are unique within a container.
    (core/validation: ValidateVolumeMounts.)
    """
    found = pod_spec(obj, context)
    if found is None:
        return
    _, pod = found
    volumes = {text(v.get("name")) for _, v in items(pod.get("volumes"))}
    volumes |= _claim_template_names(obj)
    for where, container in containers(obj, context):
        seen: set[str] = set()
        for index, mount in items(container.get("volumeMounts")):
            at: FieldPath = (*where, "volumeMounts", index)
            name = mount.get("name")
            if not name:
                yield (*at, "name"), "required: the name of a volume of the pod"
            elif isinstance(name, str) and name not in volumes:
                known = ", ".join(sorted(v for v in volumes if v)) or "none"
                yield (
                    (*at, "name"),
                    f"{name!r} is not a volume of this pod (its volumes: {known})",
                )
            mount_path = mount.get("mountPath")
            if not mount_path:
                yield (*at, "mountPath"), "required: where the volume appears in the container"
            elif isinstance(mount_path, str):
                if mount_path in seen:
                    yield (*at, "mountPath"), f"{mount_path!r} is already mounted: must be unique"
                seen.add(mount_path)


def _template_spec(obj: dict[str, Any]) -> tuple[FieldPath, dict[str, Any]]:
    path = pod_spec_path(obj) or ()
    node: Any = obj
    for part in path:
        node = mapping(node).get(str(part))
    return path, mapping(node)


def _job_spec(obj: dict[str, Any]) -> dict[str, Any]:
    if obj.get("kind") == "CronJob":
        return mapping(mapping(spec(obj).get("jobTemplate")).get("spec"))
    return spec(obj)


@rule("pod-restart-policy", kinds=POD_KINDS)
def check_restart_policy(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`restartPolicy` is Always, OnFailure or Never (empty means Always). The pods of a
    Deployment, ReplicaSet, StatefulSet or DaemonSet restart Always and take no
    `activeDeadlineSeconds`; a Job's (or CronJob's) pods set OnFailure or Never explicitly, and
    Never when the Job has a `podFailurePolicy`. (core/validation: validateRestartPolicy;
    apps/validation: ValidatePodTemplateSpecForReplicaSet, ValidateStatefulSetSpec,
    ValidateDaemonSetSpec; batch/validation: validateJobSpec.)
    """
    kind = obj.get("kind")
    path, pod = _template_spec(obj)
    where: FieldPath = (*path, "restartPolicy")
    policy = pod.get("restartPolicy")
    if not isinstance(policy, str | None):
        return
    if kind in ("Job", "CronJob"):
        if not policy or policy == "Always":
            yield where, f"required: OnFailure or Never for a {kind}'s pods (Always is not allowed)"
        elif policy not in JOB_RESTART_POLICIES:
            yield where, one_of(policy, JOB_RESTART_POLICIES)
        elif (
            policy != "Never"
            and _job_spec(obj).get("podFailurePolicy") is not None
            and context.version >= POD_FAILURE_POLICY_FROM
        ):
            yield (
                where,
                f"{policy!r} is not valid: must be Never when the Job has a podFailurePolicy",
            )
        return
    if policy and policy not in RESTART_POLICIES:
        yield where, one_of(policy, RESTART_POLICIES)
    elif kind in ALWAYS_RESTARTING_KINDS:
        if policy and policy != "Always":
            yield where, f"{policy!r} is not valid: a {kind}'s pods must restart Always"
        if pod.get("activeDeadlineSeconds") is not None:
            yield (
                (*path, "activeDeadlineSeconds"),
                f"must not be set: a {kind}'s pods run until replaced",
            )
