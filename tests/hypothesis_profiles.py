"""Hypothesis settings for the property tests that run the whole tool (fuzzing, injection).

CI systems set the CI environment variable; there these tests run their full count of examples.
Locally they run fewer, so that a run of the suite stays short. INGRESSGEN_HYPOTHESIS=ci or
=dev picks one explicitly. Each profile was sized on the 2-core CI machine (numbers in the
README's Limits section): the fuzz file stays under a minute, the injection file under two.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_CHOSEN = os.environ.get("INGRESSGEN_HYPOTHESIS") or ("ci" if os.environ.get("CI") else "dev")
IN_CI = _CHOSEN == "ci"

# Each example runs the CLI on a file: slow for hypothesis's taste, and the fixtures (a working
# folder) are shared by the examples of one test on purpose.
_COMMON = {
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
}

settings.register_profile("ingressgen-fuzz-ci", max_examples=500, **_COMMON)
settings.register_profile("ingressgen-fuzz-dev", max_examples=60, **_COMMON)
settings.register_profile("ingressgen-injection-ci", max_examples=2000, **_COMMON)
settings.register_profile("ingressgen-injection-dev", max_examples=150, **_COMMON)

FUZZ = settings.get_profile(f"ingressgen-fuzz-{_CHOSEN}")
INJECTION = settings.get_profile(f"ingressgen-injection-{_CHOSEN}")
