"""Property-based invariants over random valid configs: rates in [0, 1], counts conserved,
no NaN."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cadresim import simulate
from cadresim.model.metrics import OUTCOMES

unit = st.floats(0.0, 1.0)
POLICIES = [
    "baseline",
    "strict_accountability",
    "three_mechanisms",
    "tolerance_overbroad",
    "training_only",
]
RATES_IN_UNIT = [o for o in OUTCOMES if o not in ("value", "doer_advantage")]


@st.composite
def configs(draw):
    shares = np.array(draw(st.lists(st.floats(0.01, 1.0), min_size=6, max_size=6)))
    shares = np.round(shares / shares.sum(), 6)
    shares[-1] = round(1.0 - shares[:-1].sum(), 6)
    names = ["unwilling", "unable", "afraid", "reluctant", "fearful", "proactive"]
    overrides = [f"population.mix.{n}={max(s, 0.0)}" for n, s in zip(names, shares, strict=True)]
    overrides += [
        f"population.size={draw(st.integers(2, 150))}",
        f"steps={draw(st.integers(1, 30))}",
        f"seed={draw(st.integers(0, 2**32))}",
        f"policy={draw(st.sampled_from(POLICIES))}",
        f"network={draw(st.sampled_from(['hierarchy', 'small_world', 'scale_free']))}",
        f"policy.tolerance.coverage={draw(unit)}",
        f"policy.tolerance.screening={draw(unit)}",
        f"policy.accountability.detection={draw(unit)}",
        f"policy.accountability.false_accusation={draw(unit)}",
        f"policy.incentive.excellence_quota={draw(unit)}",
        f"policy.evaluation.cycle={draw(st.integers(1, 12))}",
        f"behaviour.own_weight={draw(st.floats(0.0, 10.0))}",
    ]
    return overrides


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_invariants(overrides):
    if "network=small_world" in overrides or "network=scale_free" in overrides:
        size = int(next(o for o in overrides if o.startswith("population.size")).split("=")[1])
        if size < 8:
            overrides = [
                o if not o.startswith("population.size") else "population.size=8" for o in overrides
            ]
    r = simulate(overrides)
    t = r.steps
    assert not t.isna().any().any()
    for col in RATES_IN_UNIT:
        assert ((t[col] >= 0) & (t[col] <= 1 + 1e-9)).all(), col
    n = r.summary["cadres"]
    for grouping in ("type", "cohort"):
        sizes = t[t.grouping == grouping].groupby("step")["n"].sum()
        assert (sizes == n).all()
    # every act has exactly one outcome
    acts = t["success_rate"] + t["error_rate"] + t["misconduct_rate"]
    assert np.allclose(acts, t["initiative_rate"])
    assert (t["errors_per_initiative"] <= 1 + 1e-9).all()
