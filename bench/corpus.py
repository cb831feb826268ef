"""Generate a corpus of valid profiles for the benchmarks (half MetalLB, half Cloudflare)."""

from __future__ import annotations

import argparse
from pathlib import Path

METALLB = """\
apiVersion: ingressgen.dev/v1alpha1
kind: ServiceProfile
metadata:
  name: svc-{i}
  namespace: team-{team}
  labels:
    app.kubernetes.io/part-of: bench
spec:
  exposure: metallb
  hostname: svc-{i}.example.com
  protocol: websocket
  service:
    port: 8080
    selector:
      app.kubernetes.io/name: svc-{i}
    replicas: 3
  websocket:
    path: /ws
    heartbeatSeconds: 30
    sessionAffinity: true
  metallb:
    version: "0.14.9"
    addressPool: pool-{team}
    addresses: ["10.{team}.0.0/16"]
    externalTrafficPolicy: Local
"""

CLOUDFLARE = """\
apiVersion: ingressgen.dev/v1alpha1
kind: ServiceProfile
metadata:
  name: svc-{i}
  namespace: team-{team}
spec:
  exposure: cloudflare-tunnel
  hostname: svc-{i}.example.com
  protocol: websocket
  service:
    port: 8080
  websocket:
    path: /ws
    heartbeatSeconds: 30
  cloudflareTunnel:
    tunnel: tunnel-{team}
    credentialsSecret: tunnel-{team}-credentials
"""


def generate(folder: Path, count: int, teams: int = 20) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        template = METALLB if i % 2 == 0 else CLOUDFLARE
        text = template.format(i=i, team=i % teams)
        (folder / f"svc-{i:05d}.yaml").write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    generate(args.folder, args.count)


if __name__ == "__main__":
    main()
