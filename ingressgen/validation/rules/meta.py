"""ObjectMeta rules for every object: name, namespace, labels, annotations."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ingressgen.validation.rules import predicates
from ingressgen.validation.rules.base import (
    DNS1035_LABEL,
    DNS1123_LABEL,
    DNS1123_SUBDOMAIN,
    LABEL_VALUE,
    QUALIFIED_NAME,
    RuleContext,
    Violation,
    invalid,
    mapping,
    rule,
    text,
)

# Built-in kinds whose names are DNS-1123 subdomains (NameIsDNSSubdomain). Other built-in kinds
# use other name rules (RBAC names may hold ':'), so their name format is left unchecked.
SUBDOMAIN_NAMED_KINDS = frozenset(
    {
        "ConfigMap",
        "CronJob",
        "CustomResourceDefinition",
        "DaemonSet",
        "Deployment",
        "Endpoints",
        "Ingress",
        "IngressClass",
        "Job",
        "NetworkPolicy",
        "PersistentVolume",
        "PersistentVolumeClaim",
        "Pod",
        "PodDisruptionBudget",
        "ReplicaSet",
        "Secret",
        "ServiceAccount",
        "StatefulSet",
    }
)
LABEL_NAMED_KINDS = frozenset({"Namespace"})


def service_name_rule(context: RuleContext) -> tuple[Callable[[str], bool], str]:
    """The predicate and description for Service names (also Ingress backend service names)."""
    if context.relaxed_service_names:
        return predicates.is_dns1123_label, DNS1123_LABEL
    return (
        predicates.is_dns1035_label,
        f"{DNS1035_LABEL} (Kubernetes 1.36 and later also accept a leading digit)",
    )


def _name_rule(
    obj: dict[str, Any], context: RuleContext
) -> tuple[Callable[[str], bool], str] | None:
    kind = obj.get("kind")
    api_version = obj.get("apiVersion")
    group = api_version.rpartition("/")[0] if isinstance(api_version, str) else ""
    if kind == "Service" and not group:
        return service_name_rule(context)
    if kind in LABEL_NAMED_KINDS:
        return predicates.is_dns1123_label, DNS1123_LABEL
    if kind in SUBDOMAIN_NAMED_KINDS or ("." in group and not group.endswith(".k8s.io")):
        return predicates.is_dns1123_subdomain, DNS1123_SUBDOMAIN
    return None


@rule("metadata-name")
def check_name(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`metadata.name` is required and follows the kind's name rule.

    Services: a DNS-1035 label before Kubernetes 1.36 (must start with a letter), a DNS-1123
    label from 1.36 (RelaxedServiceNameValidation). Namespaces: a DNS-1123 label. Other
    built-in kinds ingressgen knows (ConfigMap, Deployment, Ingress, ...) and custom resources:
    a DNS-1123 subdomain. Instead of a name, `generateName` may give a prefix, checked the same
    way with a trailing '-' allowed.
    """
    metadata = mapping(obj.get("metadata"))
    name = metadata.get("name")
    generate = metadata.get("generateName")
    if not name and not generate:
        yield ("metadata", "name"), "required: the object's name (or metadata.generateName)"
        return
    found = _name_rule(obj, context)
    if found is None:
        return
    predicate, description = found
    if isinstance(name, str) and name and not predicate(name):
        yield ("metadata", "name"), invalid(name, description)
    elif not name and isinstance(generate, str):
        # The server appends a random suffix: a trailing '-' is fine in the prefix.
        prefix = generate[:-1] if generate.endswith("-") else generate
        if prefix and not predicate(prefix):
            yield ("metadata", "generateName"), invalid(generate, f"a prefix of {description}")


@rule("metadata-namespace")
def check_namespace(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`metadata.namespace`, when set, is a DNS-1123 label (at most 63 characters)."""
    namespace = text(mapping(obj.get("metadata")).get("namespace"))
    if namespace and not predicates.is_dns1123_label(namespace):
        yield ("metadata", "namespace"), invalid(namespace, DNS1123_LABEL)


def label_violations(labels: Any, path: tuple[str | int, ...]) -> Iterator[Violation]:
    """Label keys are qualified names and values label values (also used for selectors)."""
    for key, value in mapping(labels).items():
        if not isinstance(key, str) or not predicates.is_qualified_name(key):
            yield (*path, str(key)), f"the key {invalid(key, QUALIFIED_NAME)}"
        if isinstance(value, str) and not predicates.is_label_value(value):
            yield (*path, str(key)), invalid(value, LABEL_VALUE)


@rule("metadata-labels")
def check_labels(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """Label keys are qualified names (`[prefix/]name`: the prefix a DNS-1123 subdomain, the name
    at most 63 letters, digits, '-', '_' and '.', starting and ending alphanumeric); values are
    empty or at most 63 such characters.
    """
    yield from label_violations(mapping(obj.get("metadata")).get("labels"), ("metadata", "labels"))


@rule("metadata-annotations")
def check_annotations(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """Annotation keys are qualified names once lower-cased (so `Example.com/a` is fine, unlike in
    labels), and all keys and values together hold at most 262144 bytes (256 KiB).
    """
    annotations = mapping(mapping(obj.get("metadata")).get("annotations"))
    total = 0
    for key, value in annotations.items():
        if not isinstance(key, str) or not predicates.is_annotation_key(key):
            yield ("metadata", "annotations", str(key)), f"the key {invalid(key, QUALIFIED_NAME)}"
        total += len(str(key).encode()) + (len(value.encode()) if isinstance(value, str) else 0)
    if total > predicates.TOTAL_ANNOTATION_SIZE_MAX:
        yield (
            ("metadata", "annotations"),
            f"annotations hold {total} bytes of keys and values; at most "
            f"{predicates.TOTAL_ANNOTATION_SIZE_MAX} are allowed",
        )
