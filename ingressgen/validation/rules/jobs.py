"""Job and CronJob rules (batch/validation: validateJobSpec, validateGeneratedSelector,
ValidateJobTemplateSpec, validateCronJobSpec, validateScheduleFormat, validateTimeZone,
ValidateCronJobCreate). The pod template inside is checked by the pod rules (pods.py).

CronJob schedules are read by github.com/robfig/cron/v3's standard parser, which the API server
uses: five fields or a descriptor, ported below.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from collections.abc import Iterator
from typing import Any

from ingressgen.validation.rules.base import (
    RuleContext,
    Violation,
    integer,
    invalid,
    mapping,
    one_of,
    rule,
    spec,
    text,
)
from ingressgen.validation.rules.workloads import selector_matches, selector_violations

FieldPath = tuple[str | int, ...]

COMPLETION_MODES = ("NonIndexed", "Indexed")
POD_REPLACEMENT_POLICIES = ("TerminatingOrFailed", "Failed")
CONCURRENCY_POLICIES = ("Allow", "Forbid", "Replace")
MAX_INDEXED_PARALLELISM = 100_000  # maxParallelismForIndexedJob
MAX_FAILED_INDEXES = 100_000  # maxFailedIndexesForIndexedJob
CRONJOB_NAME_MAX = 52  # 63 minus the 11 characters the controller appends to each Job name
GENERATED_SUFFIX = 5  # characters the API server appends to a generateName prefix (at most 58)
# Feature gates that brought fields in; before these versions the API server drops the fields.
BACKOFF_LIMIT_PER_INDEX_FROM = (1, 29)  # JobBackoffLimitPerIndex beta
POD_REPLACEMENT_POLICY_FROM = (1, 29)  # JobPodReplacementPolicy beta
SUCCESS_POLICY_FROM = (1, 31)  # JobSuccessPolicy beta
TZ_IN_SCHEDULE_REFUSED_FROM = (1, 27)  # kubernetes#116252: no TZ= or CRON_TZ= on create
# The labels the API server puts in a generated Job selector (batch.ControllerUidLabel, ...).
GENERATED_SELECTOR_KEYS = frozenset(
    {
        "controller-uid",
        "batch.kubernetes.io/controller-uid",
        "job-name",
        "batch.kubernetes.io/job-name",
    }
)
JOB_NAME_KEYS = ("job-name", "batch.kubernetes.io/job-name")


def _job_spec(obj: dict[str, Any]) -> tuple[FieldPath, dict[str, Any]]:
    if obj.get("kind") == "CronJob":
        return ("spec", "jobTemplate", "spec"), mapping(
            mapping(spec(obj).get("jobTemplate")).get("spec")
        )
    return ("spec",), spec(obj)


@rule("job-spec", kinds=("batch/Job", "batch/CronJob"))
def check_job_spec(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """Counts are >= 0 (`parallelism`, `completions`, `activeDeadlineSeconds`, `backoffLimit`,
    `ttlSecondsAfterFinished`, `backoffLimitPerIndex`, `maxFailedIndexes`). `completionMode` is
    NonIndexed or Indexed; an Indexed Job needs `completions` and at most 100000 `parallelism`.
    `backoffLimitPerIndex`, `maxFailedIndexes` and `successPolicy` need an Indexed Job;
    `maxFailedIndexes` needs `backoffLimitPerIndex` and is at most `completions` (and 100000).
    `podReplacementPolicy` is TerminatingOrFailed or Failed, and Failed with a
    `podFailurePolicy`. Applies to a CronJob's `jobTemplate` too. (batch/validation:
    validateJobSpec, validatePodReplacementPolicy.)
    """
    path, job = _job_spec(obj)
    counts = ["parallelism", "completions", "activeDeadlineSeconds", "backoffLimit"]
    counts.append("ttlSecondsAfterFinished")
    per_index = context.version >= BACKOFF_LIMIT_PER_INDEX_FROM
    if per_index:
        counts += ["backoffLimitPerIndex", "maxFailedIndexes"]
    for field in counts:
        value = integer(job.get(field))
        if value is not None and value < 0:
            yield (*path, field), invalid(value, "a whole number >= 0")
    mode = job.get("completionMode")
    if isinstance(mode, str) and mode not in COMPLETION_MODES:
        yield (*path, "completionMode"), one_of(mode, COMPLETION_MODES)
    indexed = mode == "Indexed"
    completions = integer(job.get("completions"))
    parallelism = integer(job.get("parallelism"))
    if indexed and job.get("completions") is None:
        yield (*path, "completions"), "required when completionMode is Indexed"
    if indexed and parallelism is not None and parallelism > MAX_INDEXED_PARALLELISM:
        yield (
            (*path, "parallelism"),
            invalid(
                parallelism, f"at most {MAX_INDEXED_PARALLELISM} when completionMode is Indexed"
            ),
        )
    if per_index:
        yield from _per_index_violations(job, path, indexed, completions)
    if (
        context.version >= SUCCESS_POLICY_FROM
        and job.get("successPolicy") is not None
        and not indexed
    ):
        yield (*path, "successPolicy"), "requires completionMode Indexed"
    replacement = job.get("podReplacementPolicy")
    if context.version >= POD_REPLACEMENT_POLICY_FROM and isinstance(replacement, str):
        if job.get("podFailurePolicy") is not None and replacement != "Failed":
            yield (
                (*path, "podReplacementPolicy"),
                f"{replacement!r} is not valid: must be Failed when podFailurePolicy is set",
            )
        elif replacement not in POD_REPLACEMENT_POLICIES:
            yield (*path, "podReplacementPolicy"), one_of(replacement, POD_REPLACEMENT_POLICIES)


def _per_index_violations(
    job: dict[str, Any], path: FieldPath, indexed: bool, completions: int | None
) -> Iterator[Violation]:
    per_index = job.get("backoffLimitPerIndex")
    max_failed = integer(job.get("maxFailedIndexes"))
    if max_failed is not None and per_index is None:
        yield (*path, "backoffLimitPerIndex"), "required when maxFailedIndexes is set"
    if not indexed:
        for field in ("backoffLimitPerIndex", "maxFailedIndexes"):
            if job.get(field) is not None:
                yield (*path, field), "requires completionMode Indexed"
        return
    if max_failed is not None and completions is not None and max_failed > completions:
        yield (
            (*path, "maxFailedIndexes"),
            invalid(max_failed, f"at most completions ({completions})"),
        )
    if max_failed is not None and max_failed > MAX_FAILED_INDEXES:
        yield (*path, "maxFailedIndexes"), invalid(max_failed, f"at most {MAX_FAILED_INDEXES}")


@rule("job-selector", kinds=("batch/Job", "batch/CronJob"))
def check_job_selector(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """A Job's selector is generated by the API server unless `manualSelector` is true: then
    `selector` is required, valid and matches the template's labels. Without it, a given
    selector may only use the generated labels (`controller-uid`, `job-name` and their
    `batch.kubernetes.io/` forms), so `matchLabels: {app: x}` is refused. A CronJob's
    `jobTemplate` sets neither `selector` nor `manualSelector: true`. (batch/validation:
    validateGeneratedSelector, ValidateJobSpec, ValidateJobTemplateSpec.)
    """
    path, job = _job_spec(obj)
    selector = job.get("selector")
    manual = job.get("manualSelector") is True
    if obj.get("kind") == "CronJob":
        if selector is not None:
            yield (*path, "selector"), "must not be set: a CronJob's Jobs get a generated selector"
        if manual:
            yield (*path, "manualSelector"), "must not be true in a CronJob's jobTemplate"
        return
    if manual:
        if not isinstance(selector, dict):
            yield (*path, "selector"), "required when manualSelector is true"
            return
        yield from selector_violations(selector, (*path, "selector"))
        labels = mapping(mapping(mapping(job.get("template")).get("metadata")).get("labels"))
        if not selector_matches(selector, labels):
            yield (
                (*path, "template", "metadata", "labels"),
                "do not match spec.selector: the Job's pods must carry the selected labels",
            )
        return
    name = text(mapping(obj.get("metadata")).get("name"))
    for key, value in mapping(mapping(selector).get("matchLabels")).items():
        if key not in GENERATED_SELECTOR_KEYS or (key in JOB_NAME_KEYS and name and value != name):
            yield (
                (*path, "selector", "matchLabels", str(key)),
                "the API server generates a Job's selector: remove spec.selector, or set "
                "spec.manualSelector: true to choose it yourself",
            )
            return


@rule("cronjob-spec", kinds=("batch/CronJob",))
def check_cronjob_spec(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`concurrencyPolicy` is Allow, Forbid or Replace; `startingDeadlineSeconds`,
    `successfulJobsHistoryLimit` and `failedJobsHistoryLimit` are >= 0; the name is at most 52
    characters, since each Job gets an 11-character suffix. (batch/validation:
    validateCronJobSpec, validateConcurrencyPolicy, ValidateCronJobCreate.)
    """
    body = spec(obj)
    policy = body.get("concurrencyPolicy")
    if isinstance(policy, str) and policy and policy not in CONCURRENCY_POLICIES:
        yield ("spec", "concurrencyPolicy"), one_of(policy, CONCURRENCY_POLICIES)
    for field in (
        "startingDeadlineSeconds",
        "successfulJobsHistoryLimit",
        "failedJobsHistoryLimit",
    ):
        value = integer(body.get(field))
        if value is not None and value < 0:
            yield ("spec", field), invalid(value, "a whole number >= 0")
    metadata = mapping(obj.get("metadata"))
    name, generate = text(metadata.get("name")), text(metadata.get("generateName"))
    if name and len(name) > CRONJOB_NAME_MAX:
        yield (
            ("metadata", "name"),
            f"{name!r} is {len(name)} characters: a CronJob name may have at most "
            f"{CRONJOB_NAME_MAX}, as its Jobs append 11",
        )
    elif not name and generate and min(len(generate), 58) + GENERATED_SUFFIX > CRONJOB_NAME_MAX:
        yield (
            ("metadata", "generateName"),
            f"{generate!r} is too long: with the 5 generated characters the CronJob name must "
            f"have at most {CRONJOB_NAME_MAX}",
        )


# ---- cron schedules (github.com/robfig/cron/v3, the standard parser) ----

_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS = {month: number for number, month in enumerate(_MONTH_NAMES, start=1)}
_DAYS = {
    day: number for number, day in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))
}
# (name, lowest, highest, names) for minute, hour, day of month, month, day of week
_FIELDS: tuple[tuple[str, int, int, dict[str, int] | None], ...] = (
    ("minute", 0, 59, None),
    ("hour", 0, 23, None),
    ("day of month", 1, 31, None),
    ("month", 1, 12, _MONTHS),
    ("day of week", 0, 6, _DAYS),
)
_DESCRIPTORS = frozenset(
    {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}
)
# time.ParseDuration: a sign, then numbers with units (or a bare 0).
_DURATION = re.compile(r"[-+]?(0|((\d+\.?\d*|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h))+)")
_GO_INT = re.compile(r"[-+]?[0-9]+")


def _number(expr: str, names: dict[str, int] | None) -> int:
    """parseIntOrName / mustParseInt; ValueError with the parser's reason."""
    if names and expr.lower() in names:
        return names[expr.lower()]
    if not _GO_INT.fullmatch(expr) or not -(2**63) <= int(expr) < 2**63:
        raise ValueError(f"failed to parse int from {expr!r}")
    if int(expr) < 0:
        raise ValueError(f"negative number ({int(expr)}) not allowed: {expr}")
    return int(expr)


def _range_problem(expr: str, low: int, high: int, names: dict[str, int] | None) -> str | None:
    """getRange: '*', '?', 'N', 'N-M', each optionally followed by '/step'."""
    range_and_step = expr.split("/")
    low_and_high = range_and_step[0].split("-")
    try:
        if low_and_high[0] in ("*", "?"):
            start, end = low, high
        else:
            start = _number(low_and_high[0], names)
            if len(low_and_high) > 2:
                return f"too many hyphens: {expr}"
            end = _number(low_and_high[1], names) if len(low_and_high) == 2 else start
        if len(range_and_step) > 2:
            return f"too many slashes: {expr}"
        step = 1
        if len(range_and_step) == 2:
            step = _number(range_and_step[1], None)
            if len(low_and_high) == 1:
                end = high  # "N/step" runs from N to the end
    except ValueError as error:
        return str(error)
    if start < low:
        return f"beginning of range ({start}) below minimum ({low}): {expr}"
    if end > high:
        return f"end of range ({end}) above maximum ({high}): {expr}"
    if start > end:
        return f"beginning of range ({start}) beyond end of range ({end}): {expr}"
    if step == 0:
        return f"step of range should be a positive number: {expr}"
    return None


def schedule_problem(schedule: str) -> str | None:
    """Why cron.ParseStandard refuses a schedule, or None. A leading TZ=/CRON_TZ= zone is read
    (and checked) as the parser does; the caller decides whether the version allows it."""
    if not schedule:
        return "required: a cron schedule such as '0 3 * * *' or '@daily'"
    if schedule.startswith(("TZ=", "CRON_TZ=")):
        space = schedule.find(" ")
        if space < 0:
            return "a TZ= or CRON_TZ= prefix must be followed by a schedule"
        zone = schedule[schedule.find("=") + 1 : space]
        if zone_problem(zone):
            return f"provided bad location {zone}"
        schedule = schedule[space:].strip()
    if schedule.startswith("@"):
        if schedule in _DESCRIPTORS:
            return None
        if schedule.startswith("@every ") and _DURATION.fullmatch(schedule[len("@every ") :]):
            return None
        if schedule.startswith("@every "):
            return f"failed to parse duration {schedule}: expected e.g. @every 1h30m"
        return f"unrecognized descriptor: {schedule}"
    fields = schedule.split()
    if len(fields) != len(_FIELDS):
        return f"expected exactly 5 fields, found {len(fields)}: {fields}"
    for value, (name, low, high, names) in zip(fields, _FIELDS, strict=True):
        for expr in value.split(","):
            if expr:  # strings.FieldsFunc drops empty parts
                problem = _range_problem(expr, low, high, names)
                if problem:
                    return f"{name}: {problem}"
    return None


@rule("cronjob-schedule", kinds=("batch/CronJob",))
def check_schedule(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`schedule` is standard cron syntax: five fields (minute 0-59, hour 0-23, day of month 1-31,
    month 1-12 or JAN-DEC, day of week 0-6 or SUN-SAT; each `*`, `?`, a number, a range `a-b`,
    lists with `,`, steps with `/`) or a descriptor (`@yearly`, `@annually`, `@monthly`,
    `@weekly`, `@daily`, `@midnight`, `@hourly`, `@every 1h30m`). `TZ=` or `CRON_TZ=` in the
    schedule is refused from Kubernetes 1.27 (use `timeZone`), and before with `timeZone` set.
    (batch/validation: validateScheduleFormat; robfig/cron/v3 ParseStandard.)
    """
    schedule = spec(obj).get("schedule")
    if not isinstance(schedule, str):
        return
    problem = schedule_problem(schedule)
    if problem:
        detail = "" if problem.startswith("required") else "; expected e.g. '0 3 * * *' or '@daily'"
        yield ("spec", "schedule"), f"{schedule!r} is not valid: {problem}{detail}"
    elif "TZ" in schedule:
        if context.version >= TZ_IN_SCHEDULE_REFUSED_FROM:
            yield (
                ("spec", "schedule"),
                f"{schedule!r} is not valid: TZ or CRON_TZ may not be used in the schedule; set "
                "spec.timeZone instead",
            )
        elif spec(obj).get("timeZone") is not None:
            yield (
                ("spec", "schedule"),
                f"{schedule!r} is not valid: TZ or CRON_TZ may not be used with spec.timeZone",
            )


# ---- time zones ----

_ZONE_PART = re.compile(r"[A-Za-z.\-_0-9+]{1,14}")


@functools.cache
def _zone_database() -> bool:
    """Whether this machine has an IANA tz database to check names against."""
    try:
        zoneinfo.ZoneInfo("UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


@functools.lru_cache(maxsize=1024)
def zone_problem(zone: str) -> str | None:
    """validateTimeZone's verdict on a time zone name. Names are looked up in this machine's tz
    database (Python's zoneinfo); without one, only their form is checked."""
    if not zone:
        return "must be a time zone name or left out, not empty"
    for part in zone.split("/"):
        if part in (".", "..") or part.startswith("-") or not _ZONE_PART.fullmatch(part):
            return f"unknown time zone {zone}"
    if zone.lower() == "local":
        return "must be an explicit time zone such as Europe/Rome, not Local"
    if zone == "UTC" or not _zone_database():
        return None
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return f"unknown time zone {zone} (an IANA name such as Europe/Rome or America/New_York)"
    return None


@rule("cronjob-time-zone", kinds=("batch/CronJob",))
def check_time_zone(obj: dict[str, Any], context: RuleContext) -> Iterator[Violation]:
    """`timeZone`, when set, is an IANA time zone name (`Europe/Rome`, `Etc/UTC`): not empty, not
    `Local`, and known to the tz database (checked against this machine's copy, which the API
    server's embedded one matches for every established name). (batch/validation:
    validateTimeZone.)
    """
    zone = spec(obj).get("timeZone")
    if isinstance(zone, str):
        problem = zone_problem(zone)
        if problem:
            yield ("spec", "timeZone"), f"{zone!r} is not valid: {problem}"
