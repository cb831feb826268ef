"""The profile format (PROFILE.md section 1) as pydantic models.

Field-level formats are checked where their types are defined (`profile_types.py`, and the
sections in `profile_cloudflare.py` and `profile_metallb.py`), each with a message in the user's
terms. Rules that relate several fields (required-when, derived names, collisions) live in
`profile_rules.py`, so each can name the exact field it is about.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from ingressgen.kube_versions import DEFAULT_KUBERNETES_VERSION
from ingressgen.profile_cloudflare import CloudflareTunnel
from ingressgen.profile_metallb import MetalLB
from ingressgen.profile_types import (
    Annotations,
    DNS1035Label,
    DNS1123Label,
    Hostname,
    KubernetesVersion,
    Labels,
    Port,
    Selector,
    StrictModel,
    TargetPort,
    WebSocketPath,
    bounded_int,
)

API_VERSION = "ingressgen.dev/v1alpha1"
PROFILE_KIND = "ServiceProfile"
BASE_KIND = "ServiceProfileBase"


class Metadata(StrictModel):
    name: DNS1035Label = Field(description="The service's name, a DNS-1035 label.")
    namespace: DNS1123Label = Field(description="Namespace of the per-profile objects.")
    labels: Labels = Field(default_factory=dict, description="Added to this profile's objects.")
    annotations: Annotations = Field(
        default_factory=dict, description="Added to this profile's objects."
    )


class ServiceRef(StrictModel):
    name: DNS1035Label | None = Field(
        default=None, description="The existing in-cluster Service; default metadata.name."
    )
    port: Port = Field(description="The Service port, 1..65535.")
    target_port: TargetPort | None = Field(
        default=None, description="Container port, number or IANA name; default = port."
    )
    selector: Selector | None = Field(
        default=None, description="Pod labels behind the load balancer (required for metallb)."
    )
    replicas: bounded_int(1, 10000, "replica count") | None = Field(  # type: ignore[valid-type]
        default=None, description="How many pods serve it (used by the risk report)."
    )


class WebSocket(StrictModel):
    path: WebSocketPath = Field(default="/", description="The WebSocket path, e.g. /ws.")
    heartbeat_seconds: bounded_int(1, 3600, "heartbeat interval in seconds") | None = (  # type: ignore[valid-type]
        Field(default=None, description="The application's ping interval (1..3600).")
    )
    session_affinity: bool = Field(
        default=False, description="A client must come back to the same pod."
    )
    delivery: Literal["at-most-once", "at-least-once", "exactly-once"] | None = Field(
        default=None,
        description="The message delivery guarantee the application keeps across reconnects "
        "(used by the risk report).",
    )


class Spec(StrictModel):
    exposure: Literal["metallb", "cloudflare-tunnel"] = Field(
        description="metallb or cloudflare-tunnel (the CLI's --exposure overrides it)."
    )
    kubernetes_version: KubernetesVersion = Field(
        default=DEFAULT_KUBERNETES_VERSION,
        description="Chooses the schemas and API-server rules used for validation only.",
    )
    hostname: Hostname | None = Field(
        default=None, description="Public hostname (required for cloudflare-tunnel)."
    )
    protocol: Literal["websocket", "http", "grpc", "tcp"] = Field(
        default="http", description="What the service speaks."
    )
    service: ServiceRef = Field(
        description="The existing Service (and its pods) being exposed: name, port, selector."
    )
    websocket: WebSocket | None = Field(
        default=None,
        description="The WebSocket endpoint: path, the application's heartbeat, session "
        "affinity; only with protocol websocket.",
    )
    cloudflare_tunnel: CloudflareTunnel | None = Field(
        default=None,
        description="How the Cloudflare Tunnel is run (mode, tunnel, credentials) and "
        "cloudflared's settings towards the Service; required for exposure cloudflare-tunnel.",
    )
    metallb: MetalLB | None = Field(
        default=None,
        description="The MetalLB address pool, its advertisement (L2 or BGP) and the "
        "LoadBalancer Service; required for exposure metallb.",
    )


class Profile(StrictModel):
    """One ServiceProfile document."""

    model_config = ConfigDict(
        title="ingressgen ServiceProfile",
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema"},
    )

    api_version: Literal["ingressgen.dev/v1alpha1"] = Field(
        alias="apiVersion",
        description="The profile format's version; ingressgen.dev/v1alpha1 is the only one. In "
        "a folder, only YAML files with an ingressgen.dev/ apiVersion are read as profiles.",
    )
    kind: Literal["ServiceProfile"] = Field(
        description="ServiceProfile: a complete profile, rendered on its own. (An overlay or a "
        "base, kind ServiceProfileBase, may leave fields out.)"
    )
    metadata: Metadata = Field(
        description="The service's name and namespace, and labels and annotations for the "
        "objects generated for this profile alone."
    )
    spec: Spec = Field(
        description="What is exposed (service, protocol, hostname) and how (exposure and its "
        "section)."
    )

    @property
    def service_name(self) -> str:
        return self.spec.service.name or self.metadata.name

    @property
    def target_port(self) -> int | str:
        target = self.spec.service.target_port
        return self.spec.service.port if target is None else target

    @property
    def websocket(self) -> WebSocket:
        return self.spec.websocket or WebSocket()
