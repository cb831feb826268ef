"""IngressClass rules (networking/validation: ValidateIngressClass, validateIngressClassSpec,
validateIngressClassParametersReference; k8s_validation_rules.md section 5)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ingressgen.validation.rules import predicates
from ingressgen.validation.rules.autoscaling import path_segment_problem
from ingressgen.validation.rules.base import (
    DNS1123_LABEL,
    DNS1123_SUBDOMAIN,
    RuleContext,
    Violation,
    invalid,
    one_of,
    rule,
    spec,
)

KINDS = ("networking.k8s.io/IngressClass",)
CONTROLLER_MAX = 250
SCOPES = ("Cluster", "Namespace")
_HTTP_PATH = re.compile(r"[A-Za-z0-9/\-._~%!$&'()*+,;=:]+")
DOMAIN_PREFIXED_PATH = "a domain-prefixed path such as example.com/ingress-controller"


def domain_prefixed_path_problem(value: str) -> str | None:
    """IsDomainPrefixedPath: `<DNS-1123 subdomain>/<path>`, both parts non-empty."""
    host, slash, path = value.partition("/")
    if not slash or not host or not path:
        return invalid(value, DOMAIN_PREFIXED_PATH)
    if not predicates.is_dns1123_subdomain(host):
        return f"{value!r} is not valid: the domain {invalid(host, DNS1123_SUBDOMAIN)}"
    if not _HTTP_PATH.fullmatch(path):
        return (
            f"{value!r} is not valid: the path {path!r} may only hold letters, digits and "
            "/-._~%!$&'()*+,;=:"
        )
    return None


@rule("ingressclass-controller", kinds=KINDS)
def check_controller(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`spec.controller` is required, at most 250 characters, and a domain-prefixed path such as
    `k8s.io/ingress-nginx` or `example.com/ingress-controller`. (networking/validation:
    validateIngressClassSpec.)
    """
    controller = spec(obj).get("controller")
    if not controller:
        yield ("spec", "controller"), f"required: {DOMAIN_PREFIXED_PATH}"
        return
    if not isinstance(controller, str):
        return
    if len(controller.encode()) > CONTROLLER_MAX:
        yield ("spec", "controller"), f"may have at most {CONTROLLER_MAX} characters"
    problem = domain_prefixed_path_problem(controller)
    if problem:
        yield ("spec", "controller"), problem


@rule("ingressclass-parameters", kinds=KINDS)
def check_parameters(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`spec.parameters`, when set, has a `kind` and a `name` (no '/' or '%', not '.' or '..');
    `apiGroup` is a DNS-1123 subdomain; `scope` is Cluster (the default) or Namespace. A
    Namespace-scoped reference needs `namespace`, a DNS-1123 label; a Cluster-scoped one may not
    set `namespace`, not even to "". (networking/validation:
    validateIngressClassParametersReference.)
    """
    parameters = spec(obj).get("parameters")
    if not isinstance(parameters, dict):
        return
    where = ("spec", "parameters")
    for field in ("kind", "name"):
        value = parameters.get(field)
        if not value:
            yield (*where, field), f"required: the {field} of the parameters resource"
        elif isinstance(value, str):
            problem = path_segment_problem(value)
            if problem:
                yield (*where, field), problem
    group = parameters.get("apiGroup")
    if isinstance(group, str) and not predicates.is_dns1123_subdomain(group):
        yield (*where, "apiGroup"), invalid(group, DNS1123_SUBDOMAIN)
    scope = parameters.get("scope")
    if scope is None:
        scope = "Cluster"
    namespace = parameters.get("namespace")
    if not isinstance(scope, str):
        return
    if scope not in SCOPES:
        yield (*where, "scope"), one_of(scope, SCOPES)
    elif scope == "Namespace":
        if not namespace:
            yield (*where, "namespace"), "required when scope is Namespace"
        elif isinstance(namespace, str) and not predicates.is_dns1123_label(namespace):
            yield (*where, "namespace"), invalid(namespace, DNS1123_LABEL)
    elif namespace is not None:
        yield (*where, "namespace"), "must not be set when scope is Cluster"
