"""Each lever opens the gate of its own deficit type (seed 003: each deficit has its own root
and remedy): its largest relative initiative gain falls on its target type, at least 1.5 times
the next type's. The full matrix, at a size the suite affords (docs/VALIDATION.md runs it with
more replications and confidence intervals)."""

from __future__ import annotations

import numpy as np
import pytest

from cadresim import simulate
from cadresim.agents.types import TYPE_NAMES
from cadresim.policies.levers import LEVER_TARGETS

LEVERS = LEVER_TARGETS
SEEDS = (0, 1, 2)


def cohort_initiative(policy: str) -> np.ndarray:
    rows = [
        simulate([f"policy={policy}", f"seed={seed}", "write=false"]).summary["cohort"]
        for seed in SEEDS
    ]
    return np.array([[r[t]["initiative_rate"] for t in TYPE_NAMES] for r in rows]).mean(axis=0)


@pytest.fixture(scope="module")
def matrix() -> dict[str, np.ndarray]:
    base = cohort_initiative("baseline")
    return {lever: cohort_initiative(lever) / base - 1.0 for lever in LEVERS}


@pytest.mark.parametrize("lever", list(LEVERS))
def test_lever_moves_its_target_type_most(matrix: dict[str, np.ndarray], lever: str) -> None:
    gain = matrix[lever]
    order = np.argsort(gain)[::-1]
    assert TYPE_NAMES[order[0]] == LEVERS[lever], dict(zip(TYPE_NAMES, gain.round(3), strict=True))
    assert gain[order[0]] >= 1.5 * gain[order[1]], dict(zip(TYPE_NAMES, gain.round(3), strict=True))


def test_every_deficit_cohort_acts_less_than_the_proactive() -> None:
    base = cohort_initiative("baseline")
    proactive = base[TYPE_NAMES.index("proactive")]
    for name, rate in zip(TYPE_NAMES[:5], base[:5], strict=True):
        assert rate < proactive - 0.1, name
