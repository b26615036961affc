"""Hypothesis settings of the property suite, and how many examples each property runs.

The default profile, ``constructs-pkg-ci``, is derandomized: every run (CI or local)
draws the same examples, so a failure reproduces. Set
``CONSTRUCTS_PKG_HYPOTHESIS_PROFILE=constructs-pkg-explore`` to draw fresh examples.
Neither profile writes an example database into the working tree.

The profiles are passed to each ``@settings`` as its parent instead of being loaded
globally, so the other test suites' Hypothesis settings stay as they are.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

CI_PROFILE = "constructs-pkg-ci"
EXPLORE_PROFILE = "constructs-pkg-explore"
_COMMON = {
    "deadline": None,
    "database": None,
    "print_blob": True,
    "suppress_health_check": (HealthCheck.too_slow, HealthCheck.data_too_large),
}
settings.register_profile(CI_PROFILE, derandomize=True, **_COMMON)  # type: ignore[arg-type]
settings.register_profile(EXPLORE_PROFILE, derandomize=False, **_COMMON)  # type: ignore[arg-type]

PROFILE = settings.get_profile(os.environ.get("CONSTRUCTS_PKG_HYPOTHESIS_PROFILE", CI_PROFILE))

EXAMPLES = {
    "no_error_findings": 120,
    "warm_start_children_have_no_error_findings": 120,
    "requests_pass_botocore_and_the_service_model": 120,
    "create_request_round_trip": 120,
    "describe_response_round_trip": 100,
    "constructs_synthesize": 15,
    "single_constraint_mutations": 40,
}
"""max_examples of each property, by test name (without ``test_``).

``single_constraint_mutations`` runs once per kind of constraint (9 kinds), so 360 in all.
"""
