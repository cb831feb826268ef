"""Validation of Kubernetes objects: schemas, CRD schemas and the API server's rules.

Entry points:
- validate files (`ingressgen validate`): `manifests.validate_manifests(paths, version, settings)`
  returns a `findings.ValidationRun`;
- check parsed objects (`render` checks what it generates this way):
  `engine.Checker(settings).check(objects, version)`, one `engine.Verdict` per object;
- write reports: `reports` turns a `ValidationRun` into text, JSON or GitHub annotations (the
  `-o` formats and their writers are one table, `ingressgen/report_formats.py`);
- the rule registry: `rules.all_rules()`, `rules.check_object(obj, version)`; a rule is added
  with `@rules.base.rule` in the module of its kind.

Top level: `findings.py` (the result model every report is made from), `settings.py`
(`--validator`, `--crd`, `--skip-kind`), `worker.py` (the second process of a large run).
Sub-packages: `reading/` (files to documents), `schemas/` (schema backends and the schemas they
use), `rules/` (the API server's field rules).
"""
