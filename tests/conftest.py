"""Test-suite settings shared by every folder.

Hypothesis runs derandomized by default (the examples follow from each test's source),
so a failure in CI is a failure on every machine and replays the same way.
``HYPOTHESIS_PROFILE=explore`` opts into fresh random examples for a local hunt.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("explore", database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
