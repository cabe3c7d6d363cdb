"""Shared helpers for the test suite."""

from __future__ import annotations

import pytest

from cadresim import simulate


def cohort_mean(result, outcome: str, cadre_type: str) -> float:
    return float(result.summary["cohort"][cadre_type][outcome])


@pytest.fixture(scope="session")
def run():
    """simulate() with a small default size, cached per override tuple."""
    cache: dict[tuple[str, ...], object] = {}

    def _run(*overrides: str, size: int = 600, steps: int = 60):
        key = (f"population.size={size}", f"steps={steps}", *overrides)
        if key not in cache:
            cache[key] = simulate(list(key))
        return cache[key]

    return _run
