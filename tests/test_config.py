"""Config composition and validation: bad input names the key and the allowed range."""

from __future__ import annotations

import pytest

from cadresim import ConfigError, load_config, simulate
from cadresim.model.config import flatten


def test_presets_compose_and_differ():
    base = load_config()
    tol = load_config(["policy=tolerance_only"])
    assert base.policy.name == "baseline" and not base.policy.tolerance.enabled
    assert tol.policy.tolerance.enabled and tol.policy.tolerance.coverage == 0.7
    # everything else in the baseline schema is untouched by a preset that does not mention it
    assert tol.policy.accountability == base.policy.accountability


def test_every_policy_preset_has_a_description():
    from importlib.resources import files

    names = sorted(
        p.name[:-5]
        for p in files("cadresim.configs").joinpath("policy").iterdir()
        if p.name.endswith(".yaml")
    )
    required = {
        "baseline",
        "strict_accountability",
        "incentive_only",
        "tolerance_only",
        "three_mechanisms",
        "tolerance_overbroad",
        "tolerance_unpublicised",
    }
    assert required <= set(names)
    for name in names:
        cfg = load_config([f"policy={name}"])
        assert cfg.policy.name == name
        assert len(cfg.policy.description) > 20


def test_overrides_as_mapping_and_list_agree():
    a = load_config({"policy": "three_mechanisms", "policy.tolerance.coverage": 0.8, "seed": 3})
    b = load_config(["policy=three_mechanisms", "policy.tolerance.coverage=0.8", "seed=3"])
    assert flatten(a) == flatten(b)
    assert a.policy.tolerance.coverage == 0.8 and a.seed == 3


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        (
            ["policy.tolerance.coverage=1.5"],
            "policy.tolerance.coverage = 1.5 is out of range; allowed [0, 1]",
        ),
        (["population.size=-3"], "population.size = -3 is out of range"),
        (["population.mix.unable=0.5"], "population.mix sums to"),
        (["policy=nope"], "policy/nope"),
        (["policy.tolerance.foo=1"], "foo"),
        (["population.size=abc"], "population.size"),
        (["population.severity.fearful=0.3"], "population.severity.fearful"),
        (["policy.accountability.grade_cuts=[0.9,0.5,0.7]"], "grade_cuts"),
        (["network.kind=ring"], "network.kind"),
        (["behaviour.temperature=1"], "temperature"),
        (
            ["behaviour.temperature=1"],
            "did you mean behaviour.want_temperature or behaviour.punish_temperature",
        ),
        (["policy.tolerance.coverag=1"], "did you mean policy.tolerance.coverage"),
        (["polcy.tolerance.coverage=1"], "did you mean policy.tolerance.coverage"),
        (["+policy.tolerance.bar=1"], "policy.tolerance.bar is not a config key; allowed under"),
        (["population.size=abc"], "population.size = 'abc' is not an integer"),
        (["seed=1.5"], "seed = 1.5 is not an integer"),
        (["policy.tolerance.coverage=abc"], "is not a number; allowed a number in [0, 1]"),
        (["policy.accountability.grade_cuts=abc"], "is not a list; allowed a list of numbers"),
        (["policy.tolerance=3"], "policy.tolerance is a group of settings, not a value"),
        (["steps.x=1"], "steps.x is not a config key; steps is a single value"),
        (["network=nope"], "allowed file, hierarchy, scale_free, small_world"),
        (["policy=a,b"], "several values need a multirun"),
        (["steps"], "cannot read the override 'steps'"),
    ],
)
def test_bad_values_raise_one_clear_error(overrides, fragment):
    with pytest.raises(ConfigError) as info:
        load_config(overrides)
    assert fragment in str(info.value)


def test_summary_window_holds_at_least_the_last_step():
    res = simulate(["summary_from=1.0", "steps=10", "population.size=200"])
    last = res.steps.query("grouping == 'all' and step == 10")["initiative_rate"].iloc[0]
    assert res.summary["all"]["initiative_rate"] == pytest.approx(last)
