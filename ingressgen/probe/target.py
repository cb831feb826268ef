"""Where to connect and what the hold should show: from a URL, a profile, or both.

A profile gives the URL (its hostname and WebSocket path; for MetalLB without a hostname, the
pinned IP and the Service port) and the expectation for the hold. Given both, the URL is probed
and the profile only says what to expect, e.g. a port-forward judged as the real endpoint.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ingressgen.errors import InputError, Location

if TYPE_CHECKING:
    from ingressgen.plan import LoadedProfile
    from ingressgen.profile import Profile

# How far from idleTimeoutSeconds a measured cut still counts as that cut: the edge's figure is
# reported by users, not documented (100 s; Cloudflare's proxy read timeout now says 120 s).
CUT_TOLERANCE_FRACTION = 0.25
CUT_TOLERANCE_MIN_SECONDS = 1.0


@dataclass(frozen=True)
class Endpoint:
    url: str
    host: str  # as in the URL, without brackets
    port: int
    secure: bool
    connect_host: str  # where the TCP connection goes (--connect-to, else host)
    connect_port: int

    @property
    def connect_to(self) -> str | None:
        if (self.connect_host, self.connect_port) == (self.host, self.port):
            return None
        return f"{_bracketed(self.connect_host)}:{self.connect_port}"


@dataclass(frozen=True)
class Expectation:
    """What the hold should show. `cut_after` is the idle cut expected (None: stay open)."""

    source: str  # for people: what is expected, and from where
    basis: str = "no profile given"  # short, for findings: why a connection should stay open
    exposure: str | None = None
    idle_timeout: float | None = None  # cloudflare-tunnel: spec.cloudflareTunnel.idleTimeoutSeconds
    location: Location | None = None  # the profile field the expectation rests on
    profile: str | None = None  # the profile's id, for findings

    def window(self) -> tuple[float, float] | None:
        """The times an idle cut may come at and still be the expected one."""
        if self.idle_timeout is None:
            return None
        slack = max(CUT_TOLERANCE_MIN_SECONDS, self.idle_timeout * CUT_TOLERANCE_FRACTION)
        return (max(0.0, self.idle_timeout - slack), self.idle_timeout + slack)

    def hold_outcome(self, heartbeat: float | None) -> str:
        """'cut' (near idle_timeout), 'open' (the whole hold), or 'either'.

        A heartbeat shorter than the earliest expected cut keeps the connection busy; one
        inside the window may or may not."""
        window = self.window()
        if window is None:
            return "open"
        if heartbeat is None:
            return "cut"
        return "open" if heartbeat < window[0] else "either"


NO_PROFILE = Expectation("no profile given: every connection stays open for the whole hold")


def endpoint(url: str, connect_to: str | None = None) -> Endpoint:
    """A ws:// or wss:// URL, checked; `connect_to` (HOST:PORT) redirects the TCP connection."""
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss"):
        hint = ""
        if parts.scheme in ("http", "https"):
            hint = f" (did you mean {url.replace(parts.scheme, 'ws' + parts.scheme[4:], 1)}?)"
        raise InputError(f"URL {url!r}: expected a ws:// or wss:// URL{hint}")
    try:
        port = parts.port
    except ValueError:
        raise InputError(f"URL {url!r}: the port is not a number in 1..65535") from None
    host = parts.hostname
    if not host:
        raise InputError(f"URL {url!r}: no host; expected e.g. wss://chat.example.com/ws")
    if parts.username is not None or parts.password is not None:
        raise InputError(
            f"URL {url!r}: credentials in the URL are not sent; use -H 'Authorization: ...'"
        )
    if parts.fragment:
        raise InputError(f"URL {url!r}: a WebSocket URL has no #fragment")
    secure = parts.scheme == "wss"
    port = port or (443 if secure else 80)
    connect_host, connect_port = host, port
    if connect_to is not None:
        connect_host, connect_port = _host_port(connect_to)
    return Endpoint(url, host, port, secure, connect_host, connect_port)


def _host_port(text: str) -> tuple[str, int]:
    host, port_text = text, ""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else "x"
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    port = int(port_text) if port_text.isdigit() else 0
    if not host or not 1 <= port <= 65535:
        raise InputError(
            f"--connect-to {text!r}: expected HOST:PORT, e.g. 203.0.113.10:8080, "
            "[2001:db8::1]:443 or edge.example.net:443"
        )
    return host, port


def profile_target(file: Path, scheme: str | None, url: str | None) -> tuple[str, Expectation]:
    """The URL to probe (the given one, else derived) and the profile's expectation."""
    from ingressgen.loading import LoadOptions, load_profile_file

    options = LoadOptions(base_dir=Path(os.getcwd()))
    if not file.is_file():
        raise InputError(f"--profile {file}: no such file; expected a profile (*.yaml)")
    loaded = load_profile_file(file, options)
    if loaded is None:
        raise InputError(
            f"--profile {file}: a ServiceProfileBase describes no endpoint; give a profile "
            "that extends it"
        )
    profile = loaded.profile
    if profile.spec.protocol != "websocket":
        raise InputError(
            problems=[
                loaded.problem(
                    ("spec", "protocol"),
                    f"{profile.spec.protocol!r}: probe checks WebSocket services; expected "
                    "protocol websocket",
                )
            ]
        )
    return url or derived_url(loaded, scheme or "wss"), expectation(loaded)


def derived_url(loaded: LoadedProfile, scheme: str) -> str:
    profile = loaded.profile
    spec = profile.spec
    path = profile.websocket.path
    hostname = spec.hostname
    if hostname is not None and hostname.startswith("*."):
        raise InputError(
            problems=[
                loaded.problem(
                    ("spec", "hostname"),
                    f"{hostname!r} is a wildcard: give the URL of one host under it, e.g. "
                    f"ingressgen probe {scheme}://chat{hostname[1:]}{path} --profile "
                    f"{loaded.display}",
                )
            ]
        )
    if spec.exposure == "cloudflare-tunnel":
        assert hostname is not None  # required for cloudflare-tunnel at load
        return f"{scheme}://{hostname}{path}"
    port = _port_part(spec.service.port, scheme)
    if hostname is not None:
        return f"{scheme}://{hostname}{port}{path}"
    pinned = _pinned_address(profile)
    if pinned is None:
        raise InputError(
            problems=[
                loaded.problem(
                    ("spec", "metallb"),
                    "neither spec.hostname nor spec.metallb.loadBalancerIPs: MetalLB picks the "
                    "address at run time; give the URL (the EXTERNAL-IP of 'kubectl get svc "
                    f"-n {profile.metadata.namespace}'), e.g. ingressgen probe "
                    f"{scheme}://203.0.113.10{port}{path} --profile {loaded.display}",
                )
            ]
        )
    return f"{scheme}://{_bracketed(pinned)}{port}{path}"


def _pinned_address(profile: Profile) -> str | None:
    metallb = profile.spec.metallb
    addresses = list(metallb.load_balancer_ips or []) if metallb is not None else []
    # IPv4 first: a client without IPv6 reaches it too.
    addresses.sort(key=lambda a: ipaddress.ip_address(a).version)
    return addresses[0] if addresses else None


def _port_part(port: int, scheme: str) -> str:
    return "" if port == (443 if scheme == "wss" else 80) else f":{port}"


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def expectation(loaded: LoadedProfile) -> Expectation:
    spec = loaded.profile.spec
    if spec.exposure == "metallb":
        return Expectation(
            f"{loaded.display} (metallb: TCP passthrough, every connection stays open)",
            basis=f"{loaded.display}: metallb passes TCP through",
            exposure="metallb",
            location=loaded.locate(("spec", "exposure")),
            profile=loaded.id,
        )
    tunnel = spec.cloudflare_tunnel
    timeout = tunnel.idle_timeout_seconds if tunnel is not None else 100
    field = ("spec", "cloudflareTunnel", "idleTimeoutSeconds")
    explicit = tunnel is not None and "idle_timeout_seconds" in tunnel.model_fields_set
    return Expectation(
        f"{loaded.display} (cloudflare-tunnel: an idle connection is cut after about "
        f"{timeout} s (idleTimeoutSeconds), one with a heartbeat stays open)",
        basis=f"{loaded.display}: cloudflare-tunnel, a heartbeat under the idle cut of about "
        f"{timeout} s",
        exposure="cloudflare-tunnel",
        idle_timeout=float(timeout),
        location=loaded.locate(field if explicit else ("spec", "exposure")),
        profile=loaded.id,
    )
