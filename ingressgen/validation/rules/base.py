"""What a rule is, the registry, and small helpers for reading untyped manifests safely.

A rule is a function decorated with `@rule(id, kinds=...)`: its docstring is the user
documentation, and it yields `(field_path, message)` pairs. The runner stamps each with the
rule's id and severity. Rules read objects that may be schema-invalid (a list where a mapping
belongs, a number where a string belongs), so they go through the helpers below and leave type
mistakes to the schema check instead of crashing on them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from ingressgen.validation.findings import ERROR, FieldPath

Violation = tuple[FieldPath, str]
Check = Callable[[dict[str, Any], "RuleContext"], Iterator[Violation]]

# Feature gates that changed API-server answers, by the first minor version that has them on by
# default (k8s_validation_rules.md, section 0).
RELAXED_SERVICE_NAMES_FROM = (1, 36)  # RelaxedServiceNameValidation: DNS-1123 label names
STRICT_IP_CIDR_FROM = (1, 36)  # StrictIPCIDRValidation: no leading zeros, mapped IPs, host bits
RELAXED_ENV_NAMES_FROM = (1, 32)  # RelaxedEnvironmentVariableValidation: beta and on in 1.32
# Before 1.34 (kubernetes#131790) a StatefulSet's pod template was not validated as a pod spec on
# create: only its labels, annotations, restartPolicy and activeDeadlineSeconds were checked.
STATEFULSET_POD_TEMPLATE_FROM = (1, 34)


class RuleContext:
    """What a rule may depend on besides the object: the target Kubernetes version."""

    __slots__ = ("kubernetes_version", "version")

    def __init__(self, kubernetes_version: str) -> None:
        major, minor = kubernetes_version.split(".")
        self.kubernetes_version = kubernetes_version
        self.version = (int(major), int(minor))

    @property
    def relaxed_service_names(self) -> bool:
        return self.version >= RELAXED_SERVICE_NAMES_FROM

    @property
    def strict_ip_cidr(self) -> bool:
        return self.version >= STRICT_IP_CIDR_FROM

    @property
    def relaxed_env_names(self) -> bool:
        return self.version >= RELAXED_ENV_NAMES_FROM

    @property
    def statefulset_pod_templates(self) -> bool:
        return self.version >= STATEFULSET_POD_TEMPLATE_FROM


class Rule(NamedTuple):
    id: str
    kinds: frozenset[str]  # "group/Kind" ("Kind" for the core group); empty: every object
    severity: str
    check: Check

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.check.__doc__ or "")

    @property
    def summary(self) -> str:
        return self.doc.split("\n\n")[0].replace("\n", " ")


RULES: list[Rule] = []


def rule(
    rule_id: str, *, kinds: tuple[str, ...] = (), severity: str = ERROR
) -> Callable[[Check], Check]:
    """Register a check under an id; the function's docstring documents it for users."""

    def register(check: Check) -> Check:
        if any(r.id == rule_id for r in RULES):
            raise ValueError(f"two rules share the id {rule_id!r}")
        if not check.__doc__:
            raise ValueError(f"rule {rule_id!r} has no docstring: it is the rule's documentation")
        RULES.append(Rule(rule_id, frozenset(kinds), severity, check))
        return check

    return register


def memoized(predicate: Callable[[str], bool]) -> Callable[[str], bool]:
    """A string predicate that remembers its answers: manifests repeat the same namespaces,
    label keys and values thousands of times, and each check is a regex match."""
    answers: dict[str, bool] = {}

    def check(value: str) -> bool:
        answer = answers.get(value)
        if answer is None:
            if len(answers) > 100_000:
                answers.clear()
            answer = answers[value] = predicate(value)
        return answer

    check.__doc__ = predicate.__doc__
    return check


# ---- reading untyped values: the wrong type reads as absent (the schema reports it) ----


def mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def sequence(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def items(value: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    """(index, entry) for each mapping in a list."""
    for index, entry in enumerate(sequence(value)):
        if isinstance(entry, dict):
            yield index, entry


def spec(obj: dict[str, Any]) -> dict[str, Any]:
    return mapping(obj.get("spec"))


def api_group(obj: dict[str, Any]) -> str:
    api_version = obj.get("apiVersion")
    return api_version.rpartition("/")[0] if isinstance(api_version, str) else ""


def kind_key(obj: dict[str, Any]) -> str:
    """ "group/Kind", or "Kind" for the core group: what `@rule(kinds=...)` names."""
    group = api_group(obj)
    kind = obj.get("kind")
    kind = kind if isinstance(kind, str) else ""
    return f"{group}/{kind}" if group else kind


# ---- what messages say a valid value looks like ----

DNS1123_LABEL = (
    "a DNS-1123 label: at most 63 lower-case letters, digits and '-', "
    "starting and ending with a letter or digit"
)
DNS1035_LABEL = (
    "a DNS-1035 label: at most 63 lower-case letters, digits and '-', "
    "starting with a letter and ending with a letter or digit"
)
DNS1123_SUBDOMAIN = (
    "a DNS-1123 subdomain: at most 253 lower-case letters, digits, '-' and '.', "
    "each dot-separated part starting and ending with a letter or digit"
)
QUALIFIED_NAME = (
    "a qualified name: an optional DNS-1123 subdomain and '/', then at most 63 letters, "
    "digits, '-', '_' and '.', starting and ending with a letter or digit"
)
LABEL_VALUE = (
    "a label value: empty, or at most 63 letters, digits, '-', '_' and '.', "
    "starting and ending with a letter or digit"
)
IANA_PORT_NAME = (
    "a port name: at most 15 lower-case letters, digits and '-', with at least one letter, "
    "no '--', not starting or ending with '-'"
)
PORT_NUMBER = "a port number (1..65535)"


def invalid(value: Any, expected: str) -> str:
    """The house message: '<value> is not valid: expected <what would be>'."""
    return f"{value!r} is not valid: expected {expected}"


def one_of(value: Any, allowed: tuple[str, ...]) -> str:
    return f"{value!r} is not valid: expected one of {', '.join(allowed)} (case-sensitive)"
