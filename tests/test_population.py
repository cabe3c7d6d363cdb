"""Population draws and type classification."""

from __future__ import annotations

import numpy as np

from cadresim import load_config
from cadresim.agents.types import TYPE_NAMES, TypeClassifier, classify
from cadresim.model.engine import Engine


def test_initial_types_match_the_configured_mix():
    cfg = load_config(["population=post_crackdown", "population.size=1000"])
    state = Engine(cfg).state
    assert np.array_equal(state.cadre_type, state.cohort)  # traits agree with the drawn cohort
    shares = np.bincount(state.cohort, minlength=6) / 1000
    expected = [getattr(cfg.population.mix, t) for t in TYPE_NAMES]
    assert np.allclose(shares, expected, atol=1e-3)


def test_fast_classifier_equals_argmax_form():
    rng = np.random.default_rng(3)
    m, c, a, e, f = (rng.random(5000).astype(np.float32) for _ in range(5))
    fast = TypeClassifier(m, a, e, 0.5)(c, f)
    plain = classify(np.stack([1 - m, 1 - c, a, e, f]), 0.5)
    assert np.array_equal(fast, plain)


def test_populations_differ_where_their_story_says():
    low = Engine(load_config(["population=low_capacity_county"])).state
    default = Engine(load_config([])).state
    assert low.competence.mean() < default.competence.mean() - 0.05
    crackdown = Engine(load_config(["population=post_crackdown"])).state
    assert crackdown.error_fear.mean() > default.error_fear.mean() + 0.05
