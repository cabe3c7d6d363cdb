"""Policy timelines (`policy.schedule`): the policy in force switches at the right months, in the
engine as in the timeline; bad schedules stop with one line naming the key (exit 2, nothing
written); the Python API takes a schedule; a scheduled run is deterministic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_cli import cadresim

from cadresim import CadreModel, ConfigError, cli, load_config, simulate
from cadresim.model.engine import Engine
from cadresim.policies.schedule import Episode, PolicyTimeline, check_schedule, policy_presets

CRACKDOWN = "policy.schedule=[{start:60,end:72,regime:strict_accountability}]"
LOW = load_config([]).policy.accountability.detection  # baseline
HIGH = load_config(["policy=strict_accountability"]).policy.accountability.detection


def detection_in_force(engine: Engine, months: int) -> list[float]:
    """policy.accountability.detection the engine used in each month 1..months."""
    seen = []
    for _ in range(months):
        engine.step()
        seen.append(engine.cfg.policy.accountability.detection)
    return seen


# ---------------------------------------------------------------- switching at the right month


def test_timeline_switches_at_start_and_back_at_end():
    tl = PolicyTimeline(load_config([CRACKDOWN]))
    detection = {m: tl.policy_at(m).accountability.detection for m in (1, 59, 60, 71, 72, 120)}
    assert LOW < HIGH
    assert detection == {1: LOW, 59: LOW, 60: HIGH, 71: HIGH, 72: LOW, 120: LOW}
    assert tl.policy_at(60).name == "strict_accountability" and tl.policy_at(72).name == "baseline"
    assert tl.policy_at(60) is tl.policy_at(71)  # built once per episode, not per call
    assert tl.episodes_for_report() == [(60, 72, "strict_accountability")]
    assert sorted(tl.changes) == [60, 72]


def test_open_ended_adjacent_and_set_only_episodes():
    cfg = load_config(
        [
            "policy=three_mechanisms",
            "policy.schedule=[{start:48,end:60,set:{accountability.detection:0.5}},"
            "{start:60,regime:tolerance_only,set:{tolerance:{coverage:0.9}}}]",
        ]
    )
    tl = PolicyTimeline(cfg)
    base, first, second = tl.policy_at(47), tl.policy_at(48), tl.policy_at(60)
    assert base is cfg.policy
    # set on top of the run's own policy: three_mechanisms with detection 0.5
    assert first.name == "three_mechanisms" and first.incentive.reward == 1.5
    assert first.accountability.detection == 0.5 and first.schedule == []
    # a preset on the schema defaults (as policy=tolerance_only gives), then set
    assert second.name == "tolerance_only" and second.incentive.reward == 0.6
    assert second.tolerance.coverage == 0.9 and second.tolerance.screening == 0.85
    assert tl.policy_at(120) is second  # open-ended: to the end of the run
    assert tl.episodes_for_report() == [
        (48, 60, "accountability.detection=0.5"),
        (60, 121, "tolerance_only, tolerance.coverage=0.9"),
    ]


def test_engine_uses_the_scheduled_policy_only_inside_the_episode():
    cfg = load_config(["population.size=1500", "steps=80", CRACKDOWN])
    engine = Engine(cfg)
    seen = detection_in_force(engine, 80)
    assert [seen[m - 1] for m in (59, 60, 71, 72)] == [LOW, HIGH, HIGH, LOW]
    assert seen == [engine.timeline.policy_at(m).accountability.detection for m in range(1, 81)]

    # the detected share of errors and violations follows: LOW outside, HIGH inside
    t = simulate(["population.size=3000", "steps=80", CRACKDOWN]).steps
    t = t[(t["grouping"] == "all") & (t["step"] > 0)].set_index("step")
    share = t["detected_rate"] / (t["error_rate"] + t["misconduct_rate"])
    inside = share.index.isin(range(60, 72))
    mid = (LOW + HIGH) / 2
    assert share[inside].mean() == pytest.approx(HIGH, abs=0.03)
    assert share[~inside].mean() == pytest.approx(LOW, abs=0.03)
    assert share[59] < mid < share[60] and share[71] > mid > share[72]


def test_months_before_the_episode_match_the_unscheduled_run():
    """Common random numbers: a schedule changes nothing before it starts."""
    plain = simulate(["population.size=400", "steps=80", "seed=4"]).steps
    sched = simulate(["population.size=400", "steps=80", "seed=4", CRACKDOWN]).steps
    before = plain["step"] < 60
    pd.testing.assert_frame_equal(plain[before], sched[before])
    assert not plain[~before]["initiative_rate"].equals(sched[~before]["initiative_rate"])


def test_without_a_schedule_the_engine_leaves_the_policy_alone():
    """A policy changed mid-run from outside (the dashboard's levers) stays changed."""
    engine = Engine(load_config(["population.size=50"]))
    moved = load_config(["policy=strict_accountability"]).policy
    engine.cfg.policy = moved
    engine.step()
    assert engine.cfg.policy is moved and len(engine.timeline) == 0


# ---------------------------------------------------------------- bad input


BAD = [
    ("[{start:0,regime:tolerance_only}]", "policy.schedule[0].start = 0", "[1, 120]"),
    ("[{start:121,regime:tolerance_only}]", "policy.schedule[0].start = 121", "[1, 120]"),
    ("[{start:60,end:130,regime:tolerance_only}]", "policy.schedule[0].end = 130", "[61, 121]"),
    ("[{start:60,end:60,regime:tolerance_only}]", "end = 60 must be after start", "[61, 121]"),
    (
        "[{start:60,end:72,regime:strict_accountability},{start:70,regime:tolerance_only}]",
        "policy.schedule[1] (months 70–end) overlaps policy.schedule[0] (months 60–71)",
        "policy.schedule[1].start ≥ 72",
    ),
    (
        "[{start:60,regime:strict}]",
        "policy.schedule[0].regime = 'strict' is not a preset",
        "allowed baseline, ",
    ),
    (
        "[{start:60,set:{detection:0.6}}]",
        "policy.schedule[0].set: detection is not a policy lever",
        "did you mean accountability.detection?",
    ),
    (
        "[{start:60,set:{tolerance.coverag:0.6}}]",
        "policy.tolerance.coverag is not a config key",
        "did you mean policy.tolerance.coverage",
    ),
    (
        "[{start:60,set:{tolerance.coverage:1.5}}]",
        "policy.schedule[0].set: policy.tolerance.coverage = 1.5 is out of range",
        "allowed [0, 1]",
    ),
    (
        "[{strat:60,regime:tolerance_only}]",
        "policy.schedule[0].strat is not an episode key (did you mean start?)",
        "allowed start, end, regime, set",
    ),
]


@pytest.mark.parametrize(("schedule", "names", "allowed"), BAD)
def test_bad_schedule_stops_with_one_line_exit_2_nothing_written(
    tmp_path, monkeypatch, capsys, schedule, names, allowed
):
    """The console entry point in this process (a fresh interpreter per case costs ~3 s; the
    subprocess tests below cover the real command)."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        cli.main([f"policy.schedule={schedule}", "population.size=50"])
    assert exit_.value.code == 2
    out = capsys.readouterr()
    lines = out.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cadresim: error: ")
    assert names in lines[0] and allowed in lines[0]
    assert out.out == "" and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("case", [BAD[0], BAD[4]], ids=["month", "overlap"])
def test_bad_schedule_from_the_command_line(tmp_path, case):
    schedule, names, allowed = case
    out = cadresim(f"policy.schedule={schedule}", "population.size=50", cwd=tmp_path)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and names in lines[0] and allowed in lines[0]
    assert "Traceback" not in out.stderr and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("schedule", "names", "allowed"), BAD)
def test_bad_schedule_in_the_python_api(schedule, names, allowed):
    with pytest.raises(ConfigError) as err:
        load_config([f"policy.schedule={schedule}"])
    assert names in str(err.value) and allowed in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("schedule", "fragment"),
    [
        ([{"start": 60}], "policy.schedule[0] changes nothing"),
        ([{"end": 60, "regime": "baseline"}], "policy.schedule[0].start is missing"),
        ([{"start": 6.5, "regime": "baseline"}], "start = 6.5 is not an integer"),
        ([3], "policy.schedule[0] = 3 is not an episode"),
        ([{"start": 6, "set": [1]}], "policy.schedule[0].set = [1] is not a mapping"),
        ([{"start": 6, "set": {"name": "x"}}], "name is not a lever an episode can set"),
        ([{"start": 6, "set": {"tolerance": 0.5}}], "policy.tolerance is a group of settings"),
        ([{"start": 6, "set": {"tolerance.coverage": "abc"}}], "'abc' is not a number"),
        (
            [{"start": 6, "set": {"accountability.grade_cuts": [0.9, 0.1, 0.5]}}],
            "must be 3 increasing numbers in [0, 1]",
        ),
    ],
)
def test_malformed_episodes_are_named(schedule, fragment):
    with pytest.raises(ConfigError, match=None) as err:
        load_config({"policy.schedule": schedule})
    assert fragment in str(err.value)


def test_bad_schedule_in_a_multirun_stops_before_any_job(tmp_path):
    out = cadresim("-m", "seed=1,2", "policy.schedule=[{start:60,regime:nope}]", cwd=tmp_path)
    assert out.returncode == 2
    assert "multirun job 0 of 2" in out.stderr and "regime = 'nope'" in out.stderr
    assert list(tmp_path.iterdir()) == []


def test_unknown_regime_lists_the_presets_as_the_cli_does():
    with pytest.raises(ConfigError) as err:
        load_config(["policy.schedule=[{start:5,regime:nope}]"])
    assert f"allowed {', '.join(policy_presets())} or null" in str(err.value)


# ---------------------------------------------------------------- the Python API and the CLI


def test_schedule_in_the_python_api():
    r = simulate(
        [
            "population.size=100",
            "steps=6",
            "policy.schedule=[{start:3,end:5,regime:strict_accountability}]",
        ]
    )
    assert r.config.policy.schedule == [{"start": 3, "end": 5, "regime": "strict_accountability"}]
    assert r.summary["config"]["policy"]["schedule"] == r.config.policy.schedule
    assert r.config.policy.name == "baseline"  # the run's own policy is what it reports
    # a mapping of overrides and Episode objects give the same run
    as_mapping = simulate(
        {
            "population.size": 100,
            "steps": 6,
            "policy.schedule": [{"start": 3, "end": 5, "regime": "strict_accountability"}],
        }
    )
    pd.testing.assert_frame_equal(r.steps, as_mapping.steps)
    cfg = load_config(["population.size=100", "steps=6"])
    cfg.policy.schedule = [Episode(start=3, end=5, regime="strict_accountability")]
    check_schedule(cfg)
    pd.testing.assert_frame_equal(r.steps, simulate(cfg).steps)


def test_mesa_shell_takes_a_schedule():
    model = CadreModel(
        **{"population.size": 60, "policy.schedule": [{"start": 2, "regime": "tolerance_only"}]}
    )
    model.step()
    assert model.engine.cfg.policy.name == "baseline"
    model.step()
    assert model.engine.cfg.policy.tolerance.enabled


def test_cli_run_with_a_schedule_writes_its_schedule(tmp_path):
    out = cadresim(
        "population.size=100",
        "steps=24",
        "policy.schedule=[{start:12,end:20,regime:strict_accountability}]",
        "experiment.report=false",
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    summary = next((tmp_path / "results" / "runs").glob("*/summary.json")).read_text()
    assert '"regime": "strict_accountability"' in summary


def test_same_seed_same_table():
    args = ["population.size=300", "steps=40", "seed=9"]
    sched = (
        "policy.schedule=[{start:10,end:20,regime:strict_accountability},"
        "{start:25,regime:tolerance_only}]"
    )
    a, b = simulate([*args, sched]), simulate([*args, sched])
    pd.testing.assert_frame_equal(a.steps, b.steps)
    assert np.isfinite(a.steps["initiative_rate"]).all()
