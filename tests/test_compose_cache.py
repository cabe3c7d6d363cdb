"""Composing each choice of presets once: the same configs and messages as Hydra's full compose."""

from __future__ import annotations

import json
import time
from dataclasses import asdict

import pytest

from cadresim import load_config, simulate
from cadresim.model import compose
from cadresim.model.config import ConfigError

GOOD = [
    [],
    ["policy=three_mechanisms", "policy.tolerance.coverage=0.8", "population.size=500"],
    ["population=post_crackdown", "network=small_world", "seed=7", "steps=24"],
    ["policy=tolerance_overbroad", "population=low_capacity_county", "summary_from=1"],
    ["policy.tolerance.coverage=1", "behaviour.want_threshold=-2"],
    ["policy.evaluation.protection=true", "policy.careers.enabled=false"],
    ["output_dir=somewhere", "write=false", "experiment=compare_regimes", "steps=12", "steps=13"],
    ["network.path=null", "policy.name=mine", "population.beliefs.doer_advantage=-1"],
]
# not for the fast path (lists, +keys, schedules): must still agree with the full compose
OTHER = [
    ["policy.accountability.grade_cuts=[0.5,0.8,0.9]", "policy=incentive_only"],
    ["policy.schedule=[{start:5,end:8,regime:strict_accountability}]", "steps=12"],
    ["experiment=sweep", "sweep.levers.policy.tolerance.coverage=[0,1]"],
    ["population.size='300'", "policy.evaluation.protection=1"],
]
BAD = [
    ["policy.tolerance.coverage=1.5"],
    ["population.mix.unable=0.5"],
    ["policy=nope"],
    ["policy.tolerance.foo=1"],
    ["stpes=3"],
    ["steps=abc"],
    ["steps=2.5"],
    ["write=maybe"],
    ["seed=range(3)"],
    ["policy.tolerance=1"],
    ["steps.x=1"],
    ["network=file"],
    ["population.size=-3", "policy=three_mechanisms"],
    ["policy.tolerance.coverage=true"],
    ["+foo=1"],
    ["steps=="],
]


def as_json(cfg) -> str:
    return json.dumps(asdict(cfg), sort_keys=True)  # 1 and 1.0 differ here, as in config_hash


@pytest.mark.parametrize("overrides", GOOD + OTHER)
def test_cached_compose_equals_full_compose(overrides):
    assert as_json(load_config(overrides)) == as_json(compose.full_config(overrides))


@pytest.mark.parametrize("overrides", GOOD)
def test_plain_overrides_take_the_fast_path(overrides):
    assert compose._split(tuple(overrides)) is not None


@pytest.mark.parametrize("overrides", BAD)
def test_bad_overrides_give_the_full_compose_message(overrides):
    with pytest.raises(ConfigError) as full:
        compose.full_config(overrides)
    with pytest.raises(ConfigError) as cached:
        load_config(overrides)
    assert str(cached.value) == str(full.value)
    assert "\n" not in str(cached.value)


def test_cached_config_is_not_shared_between_calls():
    a = load_config(["policy=tolerance_only"])
    a.policy.tolerance.coverage = 0.123
    assert load_config(["policy=tolerance_only"]).policy.tolerance.coverage != 0.123


def test_simulate_with_overrides_costs_little_more_than_a_ready_config():
    overrides = ["population.size=100", "steps=12", "policy=three_mechanisms", "seed=2"]
    ready = load_config(overrides)
    assert simulate(overrides).summary == simulate(ready).summary

    def cpu(f, n=8):
        start = time.process_time()
        for _ in range(n):
            f()
        return time.process_time() - start

    assert cpu(lambda: simulate(overrides)) <= 2 * cpu(lambda: simulate(ready)) + 0.05
