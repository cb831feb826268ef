"""One side of a diff rendered in memory: its objects with their file text, its findings, and
the routes its profiles expose. The pipeline is `render`'s own (load, check, plan, render,
validate); nothing is written and nothing is read from out/.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ingressgen.diff.sources import SideInput
from ingressgen.errors import InputError, Location, Problem, format_field_path
from ingressgen.explain import model
from ingressgen.loading import LoadOptions
from ingressgen.output import file_header
from ingressgen.pipeline import render_profiles
from ingressgen.plan import LoadedProfile
from ingressgen.validation.findings import ValidationFailed
from ingressgen.validation.settings import ValidationSettings

if TYPE_CHECKING:
    from ingressgen.user_templates import UserTemplates

Identity = tuple[str, str, str, str]  # group, kind, namespace, name


@dataclass(frozen=True)
class SideObject:
    identity: Identity
    api_version: str
    path: str  # where render would write it, relative to out/
    text: str  # the whole file: header and document
    body: dict[str, Any]

    @property
    def label(self) -> str:
        _, kind, namespace, name = self.identity
        return f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}"


@dataclass(frozen=True)
class SideFinding:
    """A finding as the diff compares it: `key` says which finding it is on either side
    (rule, profile or object, field), never where it sits, so a line moved is no change."""

    source: str  # "profile" (render's and explain's rules) or "validation"
    rule: str
    level: str
    message: str
    location: str
    subject: str  # the profile (its id, as the new side names it) or the object
    field: str
    owner: str = ""  # the profile as this side names it (REV:PATH for git), for people

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.source, self.rule, self.subject, self.field)


@dataclass(frozen=True)
class Route:
    """A hostname and path and what carries them to the Service."""

    hostname: str
    path: str
    via: str  # e.g. "Cloudflare Tunnel edge (cloudflared)" or "MetalLB Service apps/chat-lb"
    profile: str  # the profile's key

    @property
    def name(self) -> str:
        return f"{self.hostname}{self.path}"


@dataclass
class Side:
    label: str
    objects: dict[Identity, SideObject] = field(default_factory=dict)
    findings: list[SideFinding] = field(default_factory=list)
    profiles: dict[str, LoadedProfile] = field(default_factory=dict)  # by key
    routes: dict[str, Route] = field(default_factory=dict)  # by hostname and path


def render_side(
    side: SideInput,
    *,
    exposure: str | None,
    kubernetes_version: str | None,
    ignore: frozenset[str],
    key_of: Callable[[str], str],
    templates: UserTemplates | None = None,
) -> Side:
    """Render `side` in memory. `key_of` turns a profile id into the name both sides share,
    so that a profile is matched with itself across the diff."""
    options = LoadOptions(
        base_dir=side.root, out_dir=None, exposure=exposure, kubernetes_version=kubernetes_version
    )
    try:
        result = render_profiles(
            [side.path], None, options, ValidationSettings("embedded"), templates
        )
    except ValidationFailed as failed:
        # An object the side cannot render is bad input for a diff, whatever its kind.
        raise _located(side, InputError(problems=failed.problems)) from None
    except InputError as error:
        raise _located(side, error) from None
    rendered = Side(side.label)
    # The old side's headers name its profiles as the new side does (old/a.yaml as new/a.yaml
    # when the user compares those two), so a header differs only when the sources really do.
    headers = {f.path: file_header([key_of(s) for s in f.sources]) for f in result.files}
    for obj in result.objects:
        planned = obj.planned
        rendered.objects[planned.identity] = SideObject(
            identity=planned.identity,
            api_version=planned.api_version,
            path=planned.path,
            text=headers[planned.path] + obj.text,
            body=obj.body,
        )
    for report in model.build(result, ignore):
        for risk in report.risks:
            rendered.findings.append(
                SideFinding(
                    source="profile",
                    rule=risk.rule,
                    level=str(risk.level),
                    message=side.shown(risk.impact),
                    location=side.shown(str(risk.location)),
                    subject=key_of(report.id),
                    field=risk.field,
                    owner=side.named(report.id),
                )
            )
    if result.validation is not None:
        for checked in result.validation.objects:
            label = f"{checked.kind} {checked.namespace}/{checked.name}"
            for warning in checked.warnings:
                rendered.findings.append(
                    SideFinding(
                        source="validation",
                        rule=warning.rule,
                        level="warning",
                        message=f"{checked.label}: {side.shown(str(warning))}",
                        location=str(checked.location_of(warning)),
                        subject=label,
                        field=format_field_path(warning.path),
                    )
                )
    for loaded in model.loaded_profiles(result).values():
        key = key_of(loaded.id)
        rendered.profiles[key] = loaded
        route = route_of(loaded, key)
        if route is not None:
            rendered.routes[route.name] = route
    return rendered


def _located(side: SideInput, error: InputError) -> InputError:
    """The side's problems, named as the user names the side (REV:PATH for git)."""
    problems = [
        replace(
            problem,
            location=replace(problem.location, file=side.shown(problem.location.file)),
            message=side.shown(problem.message),
        )
        for problem in error.problems
    ] or [Problem(Location(side.label), side.shown(str(error)))]
    return InputError(f"{side.label} cannot be rendered:", problems=problems)


def route_of(loaded: LoadedProfile, key: str) -> Route | None:
    """Where the profile's hostname leads; None without a hostname."""
    from ingressgen.targets.metallb.target import service_name

    profile = loaded.profile
    spec = profile.spec
    if spec.hostname is None:
        return None
    path = profile.websocket.path if spec.protocol == "websocket" else "/"
    tunnel = spec.cloudflare_tunnel
    if spec.exposure == "metallb":
        via = f"MetalLB Service {profile.metadata.namespace}/{service_name(loaded)}"
    elif tunnel is None or tunnel.mode == "cloudflared":
        name = tunnel.tunnel if tunnel else "?"
        via = f"Cloudflare Tunnel {name} (cloudflared)"
    elif tunnel.mode == "ingress-controller":
        via = f"Cloudflare Tunnel of IngressClass {tunnel.ingress_class_name}"
    else:
        via = f"Cloudflare Tunnel {tunnel.tunnel_kind or 'Tunnel'} {tunnel.tunnel} (operator)"
    return Route(spec.hostname, path, via, key)


def profile_key_mapper(old: SideInput, new: SideInput) -> Callable[[str], str]:
    """Old profile ids as the new side names them: under the old side's path, the new side's
    path takes its place (HEAD~1:profiles/a.yaml is profiles/a.yaml; comparing
    staging/chat.yaml with prod/chat.yaml makes them one profile)."""
    old_id, new_id = old.id, new.id
    old_is_file, new_is_file = old.path.is_file(), new.path.is_file()

    def key_of(profile_id: str) -> str:
        if old_is_file and new_is_file:
            return new_id if profile_id == old_id else profile_id
        if old_is_file or new_is_file:
            return profile_id
        if old_id == ".":
            return profile_id if new_id == "." else f"{new_id}/{profile_id}"
        if profile_id.startswith(old_id + "/"):
            rest = profile_id[len(old_id) + 1 :]
            return rest if new_id == "." else f"{new_id}/{rest}"
        return profile_id

    return key_of
