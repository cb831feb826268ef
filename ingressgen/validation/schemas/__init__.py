"""Schema validation: the backends and the schemas they check objects against.

`backends.py` is what the engine calls: the embedded backend (jsonschema-rs in this process,
`embedded.py`) or kubeconform (`kubeconform.py`, the user's binary). The schemas: Kubernetes'
own from kubernetes-validate, ingressgen's CRD schemas (`crd_registry.py`) and the user's `--crd`
files (`crds.py`, made strict by `crd_schema.py`), bundled with the definitions they use
(`bundles.py`) and cached on disk (`cache.py`).
"""
