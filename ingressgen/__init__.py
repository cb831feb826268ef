"""ingressgen: service profiles in, validated Kubernetes manifests out."""

__version__ = "0.1.0"
