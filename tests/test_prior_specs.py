"""A knob's spec given as a mapping: a calibration prior {dist: normal, ...} is one knob's
prior (the README's syntax), not a level of nesting; a sweep takes only {values: [...]}."""

from __future__ import annotations

import pytest

from cadresim.experiments.calibration.targetset import load_targets
from cadresim.experiments.space import parse_space
from cadresim.model.config import ConfigError, load_config

NORMAL = "{dist: normal, mean: 3, sd: 1, low: 1, high: 6}"


def test_a_truncated_normal_prior_in_the_targets_file(tmp_path):
    path = tmp_path / "targets.yaml"
    path.write_text(
        "targets:\n  awareness: {observed: 0.2, sd: 0.04}\nparameters:\n"
        f"  behaviour.steepness: {NORMAL}\n"
        "  population.beliefs.awareness: [0.05, 0.5]\n",
        encoding="utf-8",
    )
    priors = {p.key: p for p in load_targets(load_config([f"calibrate.targets={path}"])).priors}
    assert set(priors) == {"behaviour.steepness", "population.beliefs.awareness"}
    normal = priors["behaviour.steepness"]
    assert (normal.dist, normal.mean, normal.sd, normal.low, normal.high) == ("normal", 3, 1, 1, 6)
    assert priors["population.beliefs.awareness"].dist == "uniform"


def test_a_truncated_normal_prior_as_an_override():
    cfg = load_config([f"calibrate.parameters.behaviour.steepness={NORMAL}"])
    [prior] = load_targets(cfg).priors
    assert prior.key == "behaviour.steepness" and prior.dist == "normal" and prior.sd == 1


def test_a_bad_prior_names_its_field():
    cfg = load_config(
        ["calibrate.parameters.behaviour.steepness=" + NORMAL.replace("sd: 1", "sd: -1")]
    )
    with pytest.raises(ConfigError, match=r"behaviour\.steepness\.sd = -1 is out of range"):
        load_targets(cfg)


def test_a_sweep_given_a_prior_says_what_it_takes():
    cfg = load_config(["sweep.levers.policy.tolerance.coverage={low: 0, high: 1}"])
    with pytest.raises(ConfigError, match=r"give \[lo, hi\] or \{values: \[a, b, \.\.\.\]\}"):
        parse_space(cfg)
