"""Generate the `validate` benchmark corpus: small manifests, 500 each of Service, Ingress,
ConfigMap and Deployment by default (the corpus kubeconform.md's timings were taken on).

Usage: python bench/manifest_corpus.py FOLDER [--per-kind 500] [--single-file]
Every manifest is valid for every supported Kubernetes version, so a run checks them all.
"""

from __future__ import annotations

import argparse
from pathlib import Path

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: app-{i}
  namespace: team-{team}
  labels:
    app.kubernetes.io/name: app-{i}
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: app-{i}
  ports:
    - name: http
      protocol: TCP
      port: 80
      targetPort: 8080
"""

INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: app-{i}
  namespace: team-{team}
spec:
  ingressClassName: nginx
  rules:
    - host: app-{i}.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: app-{i}
                port:
                  number: 80
"""

CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-{i}-config
  namespace: team-{team}
data:
  LOG_LEVEL: info
  config.yaml: |
    listen: 8080
    upstream: app-{i}
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  namespace: team-{team}
  labels:
    app.kubernetes.io/name: app-{i}
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: app-{i}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: app-{i}
    spec:
      containers:
        - name: app
          image: registry.example.com/app:1.0.{i}
          ports:
            - name: http
              containerPort: 8080
          env:
            - name: PORT
              value: "8080"
"""

KINDS = {"service": SERVICE, "ingress": INGRESS, "configmap": CONFIGMAP, "deployment": DEPLOYMENT}


def generate(
    folder: Path, per_kind: int = 500, *, single_file: bool = False, teams: int = 20
) -> int:
    """Write the corpus; returns the number of manifests."""
    folder.mkdir(parents=True, exist_ok=True)
    documents: list[str] = []
    for kind, template in KINDS.items():
        for i in range(per_kind):
            text = template.format(i=i, team=i % teams)
            if single_file:
                documents.append(text)
            else:
                (folder / f"{kind}-{i:04d}.yaml").write_text(text)
    if single_file:
        (folder / "all.yaml").write_text("---\n".join(documents))
    return per_kind * len(KINDS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--per-kind", type=int, default=500)
    parser.add_argument("--single-file", action="store_true")
    args = parser.parse_args()
    count = generate(args.folder, args.per_kind, single_file=args.single_file)
    print(f"{count} manifests in {args.folder}")


if __name__ == "__main__":
    main()
