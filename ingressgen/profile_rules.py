"""Load-time rules that relate several fields of one profile.

Rules that hold for every exposure live here; each target adds its own (`Target.check`, run by
the pipeline after loading). A profile that passes both always renders objects that are valid,
so users meet problems at their own file's line, not later.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ingressgen.errors import Problem
from ingressgen.findings import IGNORE_ANNOTATION, PROFILE_RULES, Level, ignored_rules
from ingressgen.plan import LoadedProfile

# Keys ingressgen sets itself on the objects it generates; a profile may not set them.
RESERVED_LABEL_KEYS = frozenset({"app.kubernetes.io/managed-by"})
RESERVED_ANNOTATION_KEYS = frozenset(
    {"external-dns.alpha.kubernetes.io/hostname", "kubernetes.io/ingress.class"}
)
RESERVED_PREFIXES = (
    "ingressgen.dev/",
    "metallb.io/",
    "metallb.universe.tf/",
    "cloudflare-tunnel-ingress-controller.strrl.dev/",
)


# What a credential looks like, by kind; the value itself is never repeated in a message.
SECRET_SHAPES = (
    ("a PEM private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    # A Cloudflare tunnel token is base64 of {"a": account, "t": tunnel, "s": secret}.
    ("a Cloudflare tunnel token", re.compile(r"eyJhIjoi[A-Za-z0-9+/=_-]{20,}")),
    ("an AWS access key", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    (
        "a password or token assignment",
        re.compile(r"(?i)\b(?:password|passwd|token|secret|api[_-]?key)\s*[=:]\s*[^\s,;&]{4,}"),
    ),
)


def _scoped(shape: re.Pattern[str]) -> str:
    """A shape as a group that keeps its own case rule inside an alternation."""
    pattern = shape.pattern.removeprefix("(?i)")
    return f"(?i:{pattern})" if shape.flags & re.IGNORECASE else f"(?:{pattern})"


_ANY_SECRET_SHAPE = re.compile("|".join(_scoped(shape) for _, shape in SECRET_SHAPES))
JOINT = "\0"


def check(loaded: LoadedProfile) -> Iterator[Problem]:
    yield from _secrets(loaded)
    profile = loaded.profile
    spec = profile.spec
    if spec.websocket is not None and spec.protocol != "websocket":
        yield loaded.problem(
            ("spec", "websocket"),
            f"only allowed with protocol: websocket (protocol is {spec.protocol!r}); "
            "set spec.protocol: websocket or remove this block",
            at_key=True,
        )
    for key in profile.metadata.labels:
        if key in RESERVED_LABEL_KEYS or key.startswith(RESERVED_PREFIXES):
            yield loaded.problem(
                ("metadata", "labels", key),
                f"label {key!r} is set by ingressgen itself; remove it from the profile",
                at_key=True,
            )
    for key in profile.metadata.annotations:
        if key == IGNORE_ANNOTATION:
            yield from _unknown_ignored_rules(loaded, key)
        elif key in RESERVED_ANNOTATION_KEYS or key.lower().startswith(RESERVED_PREFIXES):
            yield loaded.problem(
                ("metadata", "annotations", key),
                f"annotation {key!r} is set by ingressgen from the profile's own fields "
                "(hostname, metallb, cloudflareTunnel); remove it from metadata.annotations",
                at_key=True,
            )


def _secrets(loaded: LoadedProfile) -> Iterator[Problem]:
    """A credential written into a profile would be copied into out/, which is committed."""
    dumped = loaded.profile.model_dump(by_alias=True, exclude_none=True)
    # Almost no profile holds anything of a secret's shape: one search over its values joined
    # by NUL says so. A match inside one value is still a match in the joined text (NUL is no
    # word character, so a `\b` at a value's edge still holds); a match across a NUL only sends
    # the profile on to the search value by value below.
    if not _ANY_SECRET_SHAPE.search(JOINT.join(_string_values(dumped))):
        return
    for path, value in _strings(dumped, ()):
        if not _ANY_SECRET_SHAPE.search(value):
            continue  # one search instead of four for the values that look like nothing
        for kind, shape in SECRET_SHAPES:
            if shape.search(value):
                yield loaded.problem(
                    path,
                    f"looks like {kind}: ingressgen never writes secrets into out/, which is "
                    "committed; keep it in a Secret and name that Secret (e.g. "
                    "spec.cloudflareTunnel.credentialsSecret, a BGP peer's passwordSecret)",
                    rule="profile-secret-value",
                )
                break


def _string_values(value: Any) -> list[str]:
    """Every string in a dumped profile, in no particular order."""
    found: list[str] = []
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return found


def _strings(
    value: Any, path: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))


def _unknown_ignored_rules(loaded: LoadedProfile, key: str) -> Iterator[Problem]:
    """A rule named in the ignore annotation must exist and be silenceable: a typo there would
    otherwise silence nothing while looking as if it did."""
    for rule in sorted(ignored_rules(loaded.profile.metadata.annotations)):
        known = PROFILE_RULES.get(rule)
        if known is None or known.level == Level.ERROR:
            silenceable = sorted(r for r, v in PROFILE_RULES.items() if v.level != Level.ERROR)
            yield loaded.problem(
                ("metadata", "annotations", key),
                f"{rule!r} is not a rule that can be ignored; expected a comma-separated list "
                f"of: {', '.join(silenceable)}",
            )
