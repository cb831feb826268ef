"""One package per exposure, each behind the `Target` protocol of `base.py`.

`TARGETS` is the only place that knows which package serves which `spec.exposure`; mypy checks
each factory's result against the protocol. A package is imported the first time a profile
asks for its exposure: a run of MetalLB profiles never loads the Cloudflare one (3 ms of a
cold start's 170).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from ingressgen.targets.base import Target


def _metallb() -> Target:
    from ingressgen.targets.metallb import MetalLBTarget

    return MetalLBTarget()


def _cloudflare_tunnel() -> Target:
    from ingressgen.targets.cloudflare import CloudflareTunnelTarget

    return CloudflareTunnelTarget()


class _Targets(Mapping[str, Target]):
    """The targets by exposure, each made on first use."""

    def __init__(self, factories: Mapping[str, Callable[[], Target]]) -> None:
        self._factories = factories
        self._made: dict[str, Target] = {}

    def __getitem__(self, exposure: str) -> Target:
        made = self._made.get(exposure)
        if made is None:
            made = self._made[exposure] = self._factories[exposure]()
        return made

    def __iter__(self) -> Iterator[str]:
        return iter(self._factories)

    def __len__(self) -> int:
        return len(self._factories)


TARGETS: Mapping[str, Target] = _Targets(
    {"metallb": _metallb, "cloudflare-tunnel": _cloudflare_tunnel}
)
