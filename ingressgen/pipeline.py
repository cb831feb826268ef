"""load -> plan -> render -> parse back -> validate: everything `render` does before writing."""

from __future__ import annotations

import functools
import posixpath
import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ingressgen import dns_owners, profile_rules
from ingressgen.errors import (
    InputError,
    InternalError,
    Location,
    Problem,
    ProblemCollector,
    tagged,
)
from ingressgen.findings import Finding, ignored_rules
from ingressgen.loading import LoadOptions, LoadResult, load_profiles
from ingressgen.output import GeneratedFile, RunScope, file_header, recorded_sources
from ingressgen.plan import LoadedProfile, PlannedObject, RenderedObject
from ingressgen.profile import API_VERSION
from ingressgen.rendering import render_template
from ingressgen.targets import TARGETS
from ingressgen.validation.engine import Checker
from ingressgen.validation.findings import (
    FileResult,
    Identity,
    ObjectResult,
    ValidationFailed,
    ValidationRun,
)
from ingressgen.validation.reading.positions import StreamPositions
from ingressgen.validation.settings import ValidationSettings
from ingressgen.yaml_io import StrictLoader

# The start of a date, which PyYAML's StrictLoader builds as a `date` and yaml-rs keeps as text.
_DATE_LIKE = re.compile(r"[0-9]{4}-[0-9]")
# From how many profiles or objects a run reads them through yaml-rs (fast_reader.py): below,
# importing it costs more than it saves.
FAST_READING_FROM = 20

if TYPE_CHECKING:
    from ingressgen.user_templates import UserTemplates


@dataclass(frozen=True)
class RenderResult:
    files: list[GeneratedFile]
    findings: list[Finding]
    scope: RunScope
    objects: list[RenderedObject]
    validation: ValidationRun | None = None  # every object's verdict, for the reports
    # Each profile's own silenced rules (the ingressgen.dev/ignore annotation), by profile id.
    ignored_rules: Mapping[str, frozenset[str]] = field(default_factory=dict)
    ignored_files: tuple[str, ...] = ()  # YAML files in the folders that are not profiles


def render_profiles(
    paths: Sequence[Path],
    out_dir: Path | None,
    options: LoadOptions,
    validation: ValidationSettings | None = None,
    templates: UserTemplates | None = None,
) -> RenderResult:
    """`templates`: the user's --templates, rendered in their sandbox instead of the shipped."""
    loaded = load_profiles(paths, options)
    # Every independent step runs even when another failed, so one run reports every mistake:
    # the profiles that loaded are still checked against each other.
    collector = ProblemCollector(list(loaded.problems))
    collector.gather(_refuse_shared_folders, loaded.profiles)
    notes = list(loaded.notes)
    planned: list[PlannedObject] = []
    by_exposure: dict[str, list[LoadedProfile]] = defaultdict(list)
    for profile in loaded.profiles:
        own_problems = check_profile(profile)
        # A profile that fails its own checks is not planned: its problems are reported, and
        # the profiles that pass are still checked against each other.
        collector.extend(own_problems)
        if not own_problems:
            by_exposure[profile.profile.spec.exposure].append(profile)
    previous = recorded_sources(out_dir) if out_dir is not None else {}
    _refuse_nothing_found(paths, loaded, previous, options)
    for exposure, members in sorted(by_exposure.items()):
        target_plan = collector.gather(TARGETS[exposure].plan, members, previous)
        if target_plan is not None:
            planned.extend(target_plan.objects)
            notes.extend(target_plan.notes)
    # Checks across targets: what one target cannot see of another.
    notes.extend(dns_owners.two_dns_owners([p for group in by_exposure.values() for p in group]))
    collector.raise_if_any()
    unique = _merge_same_context(planned)
    fast = len(unique) >= FAST_READING_FROM
    rendered = _merge_identical(
        templates.render_objects(unique)
        if templates is not None
        else [render_object(p, fast_reading=fast) for p in unique]
    )
    sources = functools.partial(_sources, bases=loaded.bases)
    verdicts = _validate_all(rendered, out_dir, validation or ValidationSettings(), sources)
    files = [
        GeneratedFile(path=obj.planned.path, body=obj.text, sources=sources(obj.planned))
        for obj in sorted(rendered, key=lambda o: o.planned.path)
    ]
    scope = RunScope(
        # A profile that became a base is still part of the run: its old output is pruned.
        profiles=frozenset([*(p.id for p in loaded.profiles), *loaded.skipped]),
        folders=loaded.folders,
        base_dir=options.base_dir,
        bases=frozenset(base for ids in loaded.bases.values() for base in ids),
    )
    # Findings name profiles by file: when one file holds several profiles, a rule is silenced
    # for it only when every one of them silences it (never hide a finding a profile still wants).
    ignored: dict[str, frozenset[str]] = {}
    for p in loaded.profiles:
        rules = ignored_rules(p.profile.metadata.annotations)
        ignored[p.id] = ignored[p.id] & rules if p.id in ignored else rules
    ignored = {key: rules for key, rules in ignored.items() if rules}
    return RenderResult(
        files, list(dict.fromkeys(notes)), scope, rendered, verdicts, ignored, loaded.ignored
    )


def _sources(planned: PlannedObject, bases: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Every file an object was built from: its profiles and the bases they extend."""
    ids = {source.id for source in planned.sources}
    return tuple(sorted(ids | {base for i in ids for base in bases.get(i, ())}))


def _refuse_nothing_found(
    paths: Sequence[Path], loaded: LoadResult, previous: Mapping[str, Any], options: LoadOptions
) -> None:
    """No profile at all is a mistake, unless the folders given held profiles that rendered
    before: then it is their deletion, and their output is pruned."""
    if loaded.profiles or loaded.skipped or loaded.problems:
        return
    recorded = {source for ids in previous.values() for source in ids}
    folders = [posixpath.normpath(folder) for folder in loaded.folders]
    if any(
        (folder == "." and not source.startswith("../")) or source.startswith(folder + "/")
        for folder in folders
        for source in recorded
    ):
        return
    shown = ", ".join(p.as_posix() for p in paths)
    raise InputError(
        f"no profiles found in {shown} (looked for *.yaml and *.yml files whose apiVersion is "
        f"{API_VERSION})"
    )


def check_profile(loaded: LoadedProfile) -> list[Problem]:
    """Everything wrong with one profile on its own: the rules every exposure shares, then its
    target's. Run on every profile, so a file with several mistakes reports them all."""
    return [*profile_rules.check(loaded), *TARGETS[loaded.profile.spec.exposure].check(loaded)]


def _refuse_shared_folders(profiles: Sequence[LoadedProfile]) -> None:
    """Two profiles may not own the same out/<namespace>/<name>/ folder."""
    owners: dict[tuple[str, str], LoadedProfile] = {}
    problems: list[Problem] = []
    for loaded in profiles:
        key = (loaded.profile.metadata.namespace, loaded.profile.metadata.name)
        if key in owners:
            first = owners[key]
            problems.append(
                loaded.problem(
                    ("metadata", "name"),
                    f"{key[0]}/{key[1]} is also the namespace/name of {first.display} "
                    f"({first.locate(('metadata', 'name'))}); both would write "
                    f"out/{key[0]}/{key[1]}/: rename one of them",
                    rule="profile-folder-shared",
                )
            )
        else:
            owners[key] = loaded
    if problems:
        raise InputError(problems=problems)


def render_object(planned: PlannedObject, *, fast_reading: bool = False) -> RenderedObject:
    """Render one object and prove the text holds exactly that object and nothing else.

    `fast_reading`: read it back through yaml-rs where that provably reads the same (worth its
    import, about 25 ms, only when a run renders many objects)."""
    text = render_template(planned.template, planned.context)
    documents = _read_back(text, planned, fast_reading)
    if len(documents) != 1 or not isinstance(documents[0], dict):
        raise InternalError(
            f"rendered {planned.describe()} holds {len(documents)} documents instead of one "
            "object; this is a bug in ingressgen"
        )
    body: dict[str, Any] = documents[0]
    metadata = body.get("metadata") or {}
    found = (
        body.get("apiVersion"),
        body.get("kind"),
        metadata.get("namespace"),
        metadata.get("name"),
    )
    expected = (planned.api_version, planned.kind, planned.namespace, planned.name)
    if found != expected:
        raise InternalError(
            f"rendered text parses to {found} instead of the planned {expected}; "
            "this is a bug in ingressgen"
        )
    return RenderedObject(planned, text, body)


def _read_back(text: str, planned: PlannedObject, fast_reading: bool) -> list[Any]:
    """The non-empty documents of rendered text as StrictLoader reads them: through yaml-rs
    when fast_reader.py proves it reads the same (it differs from StrictLoader only on dates,
    kept as text, which a text without one cannot hold), else through StrictLoader."""
    fast = None
    if fast_reading and not _DATE_LIKE.search(text):
        from ingressgen.validation.reading.fast_reader import read_documents

        fast = read_documents(text)
    if fast is not None:
        return [d.value for d in fast if d.value is not None]
    try:
        return [d for d in yaml.load_all(text, Loader=StrictLoader) if d is not None]
    except yaml.YAMLError as error:
        raise InternalError(
            f"rendered {planned.describe()} is not valid YAML ({error}); this is a bug in "
            "ingressgen"
        ) from None


def _with_sources(planned: PlannedObject, sources: Sequence[LoadedProfile]) -> PlannedObject:
    merged = tuple(sorted({*planned.sources, *sources}, key=lambda s: s.id))
    return replace(planned, sources=merged)


def _merge_same_context(planned: Sequence[PlannedObject]) -> list[PlannedObject]:
    """Many profiles asking for one shared object (a pool) render it once, not once each."""
    merged: dict[tuple[tuple[str, str, str, str], str], PlannedObject] = {}
    # The other profiles that asked for it, added once at the end: adding them one at a time
    # rebuilt and re-sorted a pool's sources for each of the profiles sharing it.
    also_from: dict[tuple[tuple[str, str, str, str], str], list[LoadedProfile]] = {}
    for obj in planned:
        key = (obj.identity, obj.template)
        existing = merged.get(key)
        if existing is not None and existing.context == obj.context:
            also_from.setdefault(key, []).extend(obj.sources)
        elif existing is None:
            merged[key] = obj
        else:
            # Different content for one object: keep both, so the conflict is reported in full.
            merged[(obj.identity, f"{obj.template}#{len(merged)}")] = obj
    return [
        _with_sources(obj, also_from[key]) if key in also_from else obj
        for key, obj in merged.items()
    ]


def _merge_identical(objects: Sequence[RenderedObject]) -> list[RenderedObject]:
    """Objects several profiles emit identically become one; different content is a conflict."""
    merged: dict[tuple[str, str, str, str], RenderedObject] = {}
    problems: list[Problem] = []
    for obj in objects:
        identity = obj.planned.identity
        existing = merged.get(identity)
        if existing is None:
            merged[identity] = obj
        elif existing.text == obj.text:
            merged[identity] = RenderedObject(
                _with_sources(existing.planned, obj.planned.sources), existing.text, existing.body
            )
        else:
            first = existing.planned.sources[0]
            problems.extend(
                source.problem(
                    obj.planned.origin,
                    f"{obj.planned.describe()} is also generated from {first.display} "
                    f"({first.locate(existing.planned.origin)}) with different content; profiles "
                    "that emit the same object must define it identically",
                )
                for source in obj.planned.sources
            )
    if problems:
        raise InputError(problems=tagged("object-defined-twice", problems))
    return list(merged.values())


def _validate_all(
    objects: Sequence[RenderedObject],
    out_dir: Path | None,
    settings: ValidationSettings,
    sources: Callable[[PlannedObject], tuple[str, ...]],
) -> ValidationRun:
    """Schemas and API-server rules for every object, for each Kubernetes version its profiles
    name; findings point at the would-be file under out/ and at the profile it came from."""
    checker = Checker(settings)
    by_version: dict[str, list[RenderedObject]] = defaultdict(list)
    for obj in objects:
        for version in sorted({s.validation_version for s in obj.planned.sources}):
            by_version[version].append(obj)
    # Without an output folder (--stdout) a finding names the file as the stream's "# File:"
    # comment does.
    prefix = out_dir.as_posix().rstrip("/") + "/" if out_dir is not None else ""
    files: dict[str, FileResult] = {}
    for version, members in sorted(by_version.items()):
        verdicts = checker.check([obj.body for obj in members], version)
        for obj, verdict in zip(members, verdicts, strict=True):
            path = prefix + obj.planned.path
            header_lines = file_header(sources(obj.planned)).count("\n")
            positions = StreamPositions(path, obj.text, line_offset=header_lines)
            source = obj.planned.sources[0]
            files.setdefault(path, FileResult(path)).objects.append(
                ObjectResult(
                    identity=Identity.of(obj.body),
                    findings=verdict.findings,
                    kubernetes_version=version,
                    start=Location(path, header_lines + 1, 1),
                    locate=functools.partial(positions.locate, 0),
                    source=source.display,
                    find_origin=functools.partial(source.locate, obj.planned.origin),
                    skipped=verdict.skipped,
                )
            )
    run = ValidationRun([files[path] for path in sorted(files)])
    if run.failed:
        raise ValidationFailed(run)
    return run
