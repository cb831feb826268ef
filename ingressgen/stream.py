"""`render --stdout`: every generated object as one multi-document YAML stream.

The stream is what `kubectl apply -f -`, Argo CD's config management plugins and
`helm template`-style pipelines read: objects in the order of their paths under out/ (the
same order on every run), each introduced by comments naming its source profiles and the file
it would be written to. Kustomizations and the record are out/'s bookkeeping and stay out.
"""

from __future__ import annotations

from collections.abc import Sequence

from ingressgen.output import GeneratedFile, source_comment


def object_stream(files: Sequence[GeneratedFile]) -> str:
    parts = []
    for file in sorted(files, key=lambda f: f.path):
        sources = "".join(source_comment(source) + "\n" for source in file.sources)
        parts.append(f"---\n{sources}# File: {file.path}\n{file.body}")
    return "".join(parts)
