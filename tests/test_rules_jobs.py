"""Job and CronJob rules (ingressgen/validation/rules/jobs.py) on both sides."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingressgen.validation.rules import check_object
from ingressgen.validation.rules.jobs import schedule_problem, zone_problem
from tests.rules_helpers import (
    DELETE,
    VERSIONS,
    Case,
    case_id,
    check_case,
    json_values,
    mangle,
    p,
    patched,
)
from tests.test_rules_pods import CRONJOB, JOB

INDEXED = patched(
    JOB,
    spec__completionMode="Indexed",
    spec__completions=10,
    spec__parallelism=3,
    spec__backoffLimitPerIndex=1,
    spec__maxFailedIndexes=5,
)
MANUAL = patched(
    JOB,
    spec__manualSelector=True,
    spec__selector={"matchLabels": {"app": "migrate"}},
    **{"spec.template.metadata": {"labels": {"app": "migrate"}}},
)
JT = "spec.jobTemplate.spec"
JT_PATH = p("spec", "jobTemplate", "spec")
V26, V28, V29, V35 = "1.26", "1.28", "1.29", "1.35"
OK = None

CASES: list[Case] = [
    # ---- job spec ----
    ("job-spec", V35, JOB, OK),
    ("job-spec", V35, INDEXED, OK),
    ("job-spec", V35, patched(JOB, spec__parallelism=-1), p("spec", "parallelism")),
    ("job-spec", V35, patched(JOB, spec__completions=-1), p("spec", "completions")),
    ("job-spec", V35, patched(JOB, spec__backoffLimit=-1), p("spec", "backoffLimit")),
    (
        "job-spec",
        V35,
        patched(JOB, spec__ttlSecondsAfterFinished=-5),
        p("spec", "ttlSecondsAfterFinished"),
    ),
    ("job-spec", V35, patched(JOB, spec__activeDeadlineSeconds=0), OK),
    # parallelism above completions is allowed
    ("job-spec", V35, patched(JOB, spec__completions=2, spec__parallelism=5), OK),
    ("job-spec", V35, patched(JOB, spec__completionMode="indexed"), p("spec", "completionMode")),
    (
        "job-spec",
        V35,
        patched(INDEXED, spec__completions=DELETE),
        p("spec", "completions"),
    ),
    (
        "job-spec",
        V35,
        patched(INDEXED, spec__parallelism=100_001),
        p("spec", "parallelism"),
    ),
    ("job-spec", V35, patched(JOB, spec__parallelism=100_001), OK),
    (
        "job-spec",
        V35,
        patched(INDEXED, spec__maxFailedIndexes=11),
        p("spec", "maxFailedIndexes"),
    ),
    (
        "job-spec",
        V35,
        patched(INDEXED, spec__backoffLimitPerIndex=DELETE),
        p("spec", "backoffLimitPerIndex"),
    ),
    (
        "job-spec",
        V35,
        patched(JOB, spec__backoffLimitPerIndex=1),
        p("spec", "backoffLimitPerIndex"),
    ),
    # before 1.29 the API server drops backoffLimitPerIndex (JobBackoffLimitPerIndex off)
    ("job-spec", V28, patched(JOB, spec__backoffLimitPerIndex=1), OK),
    ("job-spec", V35, patched(JOB, spec__podReplacementPolicy="Failed"), OK),
    (
        "job-spec",
        V35,
        patched(JOB, spec__podReplacementPolicy="Always"),
        p("spec", "podReplacementPolicy"),
    ),
    (
        "job-spec",
        V35,
        patched(
            JOB,
            spec__podReplacementPolicy="TerminatingOrFailed",
            spec__podFailurePolicy={"rules": []},
        ),
        p("spec", "podReplacementPolicy"),
    ),
    (
        "job-spec",
        V35,
        patched(JOB, spec__successPolicy={"rules": [{"succeededCount": 1}]}),
        p("spec", "successPolicy"),
    ),
    ("job-spec", V35, CRONJOB, OK),
    (
        "job-spec",
        V35,
        patched(CRONJOB, **{f"{JT}.backoffLimit": -1}),
        p(*JT_PATH, "backoffLimit"),
    ),
    # ---- selectors ----
    ("job-selector", V35, JOB, OK),
    ("job-selector", V35, MANUAL, OK),
    (
        "job-selector",
        V35,
        patched(JOB, spec__selector={"matchLabels": {"app": "migrate"}}),
        p("spec", "selector", "matchLabels", "app"),
    ),
    # what `kubectl get job -o yaml` shows, minus the uid the server adds
    (
        "job-selector",
        V35,
        patched(JOB, spec__selector={"matchLabels": {"job-name": "migrate"}}),
        OK,
    ),
    (
        "job-selector",
        V35,
        patched(JOB, spec__selector={"matchLabels": {"job-name": "other"}}),
        p("spec", "selector", "matchLabels", "job-name"),
    ),
    ("job-selector", V35, patched(MANUAL, spec__selector=DELETE), p("spec", "selector")),
    (
        "job-selector",
        V35,
        patched(MANUAL, **{"spec.template.metadata.labels": {"app": "other"}}),
        p("spec", "template", "metadata", "labels"),
    ),
    ("job-selector", V35, CRONJOB, OK),
    (
        "job-selector",
        V35,
        patched(CRONJOB, **{f"{JT}.selector": {"matchLabels": {"app": "report"}}}),
        p(*JT_PATH, "selector"),
    ),
    (
        "job-selector",
        V35,
        patched(CRONJOB, **{f"{JT}.manualSelector": True}),
        p(*JT_PATH, "manualSelector"),
    ),
    # ---- CronJob spec ----
    ("cronjob-spec", V35, CRONJOB, OK),
    ("cronjob-spec", V35, patched(CRONJOB, spec__concurrencyPolicy="Forbid"), OK),
    (
        "cronjob-spec",
        V35,
        patched(CRONJOB, spec__concurrencyPolicy="forbid"),
        p("spec", "concurrencyPolicy"),
    ),
    (
        "cronjob-spec",
        V35,
        patched(CRONJOB, spec__startingDeadlineSeconds=-1),
        p("spec", "startingDeadlineSeconds"),
    ),
    (
        "cronjob-spec",
        V35,
        patched(CRONJOB, spec__failedJobsHistoryLimit=-1),
        p("spec", "failedJobsHistoryLimit"),
    ),
    ("cronjob-spec", V35, patched(CRONJOB, spec__successfulJobsHistoryLimit=0), OK),
    ("cronjob-spec", V35, patched(CRONJOB, metadata__name="a" * 52), OK),
    ("cronjob-spec", V35, patched(CRONJOB, metadata__name="a" * 53), p("metadata", "name")),
    (
        "cronjob-spec",
        V35,
        patched(CRONJOB, metadata__name=DELETE, metadata__generateName="a" * 47),
        OK,
    ),
    (
        "cronjob-spec",
        V35,
        patched(CRONJOB, metadata__name=DELETE, metadata__generateName="a" * 48),
        p("metadata", "generateName"),
    ),
    # ---- schedules ----
    ("cronjob-schedule", V35, CRONJOB, OK),
    ("cronjob-schedule", V35, patched(CRONJOB, spec__schedule="@hourly"), OK),
    ("cronjob-schedule", V35, patched(CRONJOB, spec__schedule="*/15 9-17 * * MON-FRI"), OK),
    ("cronjob-schedule", V35, patched(CRONJOB, spec__schedule="@every 1h30m"), OK),
    ("cronjob-schedule", V35, patched(CRONJOB, spec__schedule="0 0 * * 7"), p("spec", "schedule")),
    ("cronjob-schedule", V35, patched(CRONJOB, spec__schedule="0 3 * *"), p("spec", "schedule")),
    (
        "cronjob-schedule",
        V35,
        patched(CRONJOB, spec__schedule="0 0 0 3 * *"),
        p("spec", "schedule"),
    ),
    ("cronjob-schedule", V35, patched(CRONJOB, spec__schedule="@reboot"), p("spec", "schedule")),
    ("cronjob-schedule", V35, patched(CRONJOB, spec__schedule=""), p("spec", "schedule")),
    (
        "cronjob-schedule",
        V35,
        patched(CRONJOB, spec__schedule="CRON_TZ=Europe/Rome 0 3 * * *"),
        p("spec", "schedule"),
    ),
    # accepted on create before 1.27, unless timeZone is set too
    ("cronjob-schedule", V26, patched(CRONJOB, spec__schedule="CRON_TZ=Europe/Rome 0 3 * * *"), OK),
    (
        "cronjob-schedule",
        V26,
        patched(CRONJOB, spec__schedule="TZ=Europe/Rome 0 3 * * *", spec__timeZone="Europe/Rome"),
        p("spec", "schedule"),
    ),
    # ---- time zones ----
    ("cronjob-time-zone", V35, patched(CRONJOB, spec__timeZone="Europe/Rome"), OK),
    ("cronjob-time-zone", V35, patched(CRONJOB, spec__timeZone="Etc/UTC"), OK),
    ("cronjob-time-zone", V35, patched(CRONJOB, spec__timeZone="UTC"), OK),
    (
        "cronjob-time-zone",
        V35,
        patched(CRONJOB, spec__timeZone="Europe/InvalidRome"),
        p("spec", "timeZone"),
    ),
    ("cronjob-time-zone", V35, patched(CRONJOB, spec__timeZone="Local"), p("spec", "timeZone")),
    ("cronjob-time-zone", V35, patched(CRONJOB, spec__timeZone=""), p("spec", "timeZone")),
    (
        "cronjob-time-zone",
        V35,
        patched(CRONJOB, spec__timeZone=" Europe/Rome"),
        p("spec", "timeZone"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_rule(case: Case) -> None:
    check_case(case)


@pytest.mark.parametrize("obj", [JOB, CRONJOB, INDEXED, MANUAL], ids=lambda o: o["kind"])
def test_the_example_objects_are_valid_everywhere(obj: dict[str, Any]) -> None:
    for version in VERSIONS:
        assert check_object(obj, version) == [], version


SCHEDULES = {
    "* * * * *": True,
    "0 0 1 1 *": True,
    "0 0 1 JAN SUN": True,
    "0 0 1 jan sun": True,
    "5/15 * * * *": True,  # "N/step" runs to the end of the range
    "*-5 * * * *": True,  # robfig ignores what follows '*'
    "1,,2 * * * *": True,  # empty list items are dropped
    "? * * * ?": True,
    "+5 * * * *": True,
    "0 0 31 2 *": True,  # a date that never comes is still valid
    "@yearly": True,
    "@annually": True,
    "@midnight": True,
    "@every 90s": True,
    "@every 0": True,
    "@every 1.5h": True,
    " @hourly": False,
    "@hourly ": False,
    "@every 1hm": False,
    "@every": False,
    "-5 * * * *": False,
    "1-2-3 * * * *": False,
    "*/5/2 * * * *": False,
    "24 0 * * *": True,
    "0 24 * * *": False,
    "0 0 0 * *": False,
    "0 0 * 13 *": False,
    "0 0 * * SUN-MON-TUE": False,
    "0 0 * * funday": False,
    "1-60 * * * *": False,
    "* * * * * *": False,
}


@pytest.mark.parametrize(("schedule", "valid"), SCHEDULES.items(), ids=list(SCHEDULES))
def test_schedules_read_as_robfig_cron_reads_them(schedule: str, valid: bool) -> None:
    assert (schedule_problem(schedule) is None) == valid


def test_time_zone_names_follow_the_iana_rules() -> None:
    assert zone_problem("America/Argentina/Buenos_Aires") is None
    assert zone_problem("Etc/GMT-14") is None
    assert zone_problem("../../etc/passwd") is not None
    assert zone_problem("Europe//Rome") is not None
    assert zone_problem("a" * 15) is not None


def test_messages_say_what_would_be_valid() -> None:
    [finding] = check_object(patched(CRONJOB, spec__schedule="0 0 * * 7"), V35)
    assert "end of range (7) above maximum (6)" in finding.message
    assert "expected e.g. '0 3 * * *'" in finding.message
    [finding] = check_object(patched(JOB, spec__selector={"matchLabels": {"a": "b"}}), V35)
    assert "manualSelector: true" in finding.message


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789*/-,?@ adehijmnorstuvwyJANSUMO=TZC", max_size=20))
def test_schedules_never_crash(schedule: str) -> None:
    schedule_problem(schedule)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([JOB, CRONJOB, INDEXED, MANUAL]),
    st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "spec",
                    "spec.selector",
                    "spec.jobTemplate",
                    "spec.jobTemplate.spec",
                    "spec.schedule",
                    "spec.timeZone",
                    "metadata",
                ]
            ),
            json_values,
        ),
        max_size=3,
    ),
)
def test_rules_never_crash_on_malformed_objects(
    base: dict[str, Any], replacements: list[tuple[str, Any]]
) -> None:
    for version in (V26, V29, V35):
        check_object(mangle(base, replacements), version)
