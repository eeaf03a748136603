"""Shared fixtures: paths of the shipped assumption files, and a small hand-checkable proposal."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ASSUMPTIONS = ROOT / "assumptions"
PROPOSALS = sorted((ASSUMPTIONS / "proposals").glob("*.yaml"))
YOUTH_WORK = ASSUMPTIONS / "proposals" / "youth_work.yaml"


@pytest.fixture
def root() -> Path:
    return ROOT


# Hypothesis: no per-example deadline (the CI machine is small and shared; speed is measured in
# benchmarks/, not in tests), and a fixed derandomised profile is available for reproducing failures.
from hypothesis import settings  # noqa: E402

settings.register_profile("costmodel", deadline=None)
settings.load_profile("costmodel")
