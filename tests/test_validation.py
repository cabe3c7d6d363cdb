"""`cadresim validate`: verdict lines, exit codes, files, --only, bad input, and the statistics
the patterns rest on (decay half-life, selectivity ratio, intervals, shared arms)."""

from __future__ import annotations

import json
import math
import os
import subprocess

import numpy as np
import pandas as pd
import pytest

from cadresim import cli
from cadresim.experiments.validation import (
    PATTERNS,
    TIERS,
    Measure,
    Pattern,
    Tier,
    Verdict,
    load,
    runner,
    suite,
    validate,
)
from cadresim.experiments.validation.base import (
    Arm,
    Data,
    PatternError,
    baseline,
    bootstrap_ci,
    regime,
    t_ci,
)
from cadresim.experiments.validation.patterns import _selectivity_ratio, decay
from cadresim.experiments.validation.report import from_json, render_markdown

TINY = Tier("tiny", 60, 12, 2, 2, 24, 24)
TEXT = ("English", "中文")


def fake(name: str, holds: bool | None, arms: dict[str, Arm] | None = None) -> Pattern:
    """A pattern with a known verdict (None: its judge cannot judge it)."""

    def judge(_data):
        if holds is None:
            raise PatternError("no data to judge")
        return Verdict(holds, [Measure("x", "figure", 1.0, 0.9, 1.1, 5, "t")])

    return Pattern(name, TEXT, TEXT, TEXT, TEXT, ("criterion C", "判据"), lambda t: arms or {},
                   judge)  # fmt: skip


@pytest.fixture
def inproc(tmp_path, monkeypatch, capsys):
    """cli.main(args) in this process -> (exit code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)

    def _run(*args: str) -> subprocess.CompletedProcess:
        try:
            code = cli.main(["validate", *args])
        except SystemExit as exc:
            code = exc.code
        out = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out.out, out.err)

    return _run


def registry(monkeypatch, *patterns: Pattern) -> None:
    monkeypatch.setattr(suite, "PATTERNS", {p.name: p for p in patterns})


# ------------------------------------------------------------------ framework


def test_known_verdicts_give_lines_exit_codes_and_files(inproc, monkeypatch, tmp_path):
    registry(monkeypatch, fake("good", True), fake("bad", False))
    out = inproc("--executor", "serial", "--out", "v")
    assert out.returncode == 1, out.stderr
    lines = out.stdout.splitlines()
    assert any(line.startswith("HOLDS  good") and "figure 1.000 [0.900, 1.100]" in line
               and "(criterion C)" in line for line in lines)  # fmt: skip
    assert any(line.startswith("FAILS  bad") for line in lines)
    assert "1 of 2 patterns hold" in out.stdout
    folder = tmp_path / "v"
    data = json.loads((folder / "validation.json").read_text(encoding="utf-8"))
    assert [p["status"] for p in data["patterns"]] == ["HOLDS", "FAILS"]
    assert data["patterns"][0]["figure"] == 1.0 and data["patterns"][0]["ci"] == [0.9, 1.1]
    frame = pd.read_parquet(folder / "validation.parquet")
    assert list(frame["pattern"]) == ["good", "bad"] and frame["headline"].all()
    assert "<html" in (folder / "report.en.html").read_text(encoding="utf-8")
    assert not list(folder.glob(".*.tmp"))  # atomic writes leave no temp files

    registry(monkeypatch, fake("good", True))
    out = inproc("--executor", "serial", "--out", "v", "--lang", "zh")
    assert out.returncode == 0 and "HOLDS  good" in out.stdout
    assert "中文" not in out.stdout and "判据" in out.stdout  # criterion in Chinese
    assert (folder / "report.zh.html").is_file()


def test_a_pattern_that_cannot_be_judged_is_an_error(tmp_path):
    # its baseline arm is not run either: nothing could use it
    refused = fake("refused", True, {"x": regime("no_such_preset"), "y": baseline()})
    result = validate(patterns=[fake("broken", None), refused], executor="serial", out=tmp_path)
    assert [p.status for p in result.patterns] == ["ERROR", "ERROR"]
    assert result.exit_code == 1 and not result.all_hold
    assert "no data to judge" in result["broken"].error
    assert "no_such_preset" in result["refused"].error and result.runs == 0


def test_json_round_trip_and_markdown(tmp_path):
    result = validate(patterns=[fake("good", True)], executor="serial", out=tmp_path,
                      markdown=tmp_path / "VALIDATION.md")  # fmt: skip
    back = load(tmp_path)
    assert back["good"].figure == 1.0 and back["good"].ci == (0.9, 1.1)
    assert back.tier == result.tier and back.all_hold
    text = (tmp_path / "VALIDATION.md").read_text(encoding="utf-8")
    assert "do not edit by hand" in text and "| 1 | [`good`]" in text and "**HOLDS**" in text
    assert render_markdown(from_json(tmp_path / "validation.json")) == text.replace(
        result.generated, back.generated
    )


# ------------------------------------------------------------------ through the CLI


def test_only_one_cheap_pattern_end_to_end(inproc, tmp_path):
    out = inproc("--quick", "--only", "deficit_gap", "--replications", "2",
                 "--executor", "serial", "--markdown", "V.md")  # fmt: skip
    assert out.returncode in (0, 1), out.stderr
    lines = [line for line in out.stdout.splitlines() if "deficit_gap" in line]
    assert len(lines) == 1 and lines[0].split()[0] in ("HOLDS", "FAILS")
    assert "proactive −" in lines[0] and "[" in lines[0]
    folder = tmp_path / "results" / "validation" / "quick"
    data = json.loads((folder / "validation.json").read_text(encoding="utf-8"))
    assert [p["name"] for p in data["patterns"]] == ["deficit_gap"]
    assert data["tier"]["cadres"] == TIERS["quick"].cadres and data["runs"] == 2
    gaps = data["patterns"][0]["tables"]["gaps"]
    assert {g["cohort"] for g in gaps} == {"unwilling", "unable", "afraid", "reluctant", "fearful"}
    assert (tmp_path / "V.md").is_file()
    again = inproc("--from", str(folder), "--lang", "zh")  # re-render only, same verdict
    assert again.returncode == out.returncode and (folder / "report.zh.html").is_file()


@pytest.mark.parametrize(
    "args",
    [
        ("--only", "nope"),
        ("--only", "deficit_gap,nope"),
        ("--lang", "fr"),
        ("--replications", "0"),
        ("--workers", "-1"),
        ("--executor", "cloud"),
        ("--from", "missing-folder"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(inproc, tmp_path, args):
    out = inproc(*args)
    assert out.returncode == 2
    assert out.stdout == ""
    assert len(out.stderr.strip().splitlines()) == 1
    assert out.stderr.startswith("cadresim: error: ")
    assert not (tmp_path / "results").exists()
    if args[1] == "nope":
        assert "--only nope: unknown pattern; known: selectivity, deficit_gap" in out.stderr


# ------------------------------------------------------------------ runs and statistics


def test_patterns_share_arms_and_take_the_most_replications():
    a = fake("a", True, {"base": baseline(), "tol": regime("tolerance_only")})
    b = fake("b", True, {"reference": baseline()})
    plan = runner.plan([a, b], TINY.scaled(3))
    assert len(plan.arms) == 2 and plan.runs == 6
    assert plan.uses["a"]["base"] == plan.uses["b"]["reference"]
    assert plan.errors == {}


def test_runs_are_the_same_through_every_executor():
    a = fake("a", True, {"base": baseline(save_steps=True)})
    plan = runner.plan([a], TINY)
    serial = runner.run(plan, "serial", progress="none")
    pooled = runner.run(plan, "processes", workers=2, progress="none")
    (arm,) = plan.arms
    for table in ("runs", "steps"):
        x, y = getattr(serial, table)[arm], getattr(pooled, table)[arm]
        sort = ["run_id", "step"] if table == "steps" else ["run_id", "grouping", "type"]
        pd.testing.assert_frame_equal(
            x.sort_values(sort, ignore_index=True), y.sort_values(sort, ignore_index=True)
        )


def test_decay_finds_the_half_life_of_a_known_series():
    months = np.arange(121, dtype=float)
    d = np.zeros(121)
    d[61:73] = 1.0
    after = months[73:] - 72  # 1, 2, ... months after the campaign's last month (72)
    d[73:] = 0.5 ** (after / 3.0)  # halves every 3 months
    half, remaining = decay(d)
    assert half == 4.0  # month 3 is 0.5 exactly, above half of D0 once smoothed
    assert remaining == pytest.approx(0.5**4, abs=0.02)
    assert all(math.isnan(x) for x in decay(np.zeros(121)))  # no deterrence
    assert decay(d.clip(min=0.9) * (months >= 61))[0] == math.inf  # never halves


def test_selectivity_ratio():
    gains = {"unwilling": 0.2, "unable": 0.1, "fearful": 0.6}
    assert _selectivity_ratio(gains, "fearful") == pytest.approx(3.0)
    assert _selectivity_ratio(gains, "unable") == pytest.approx(0.1 / 0.6)
    assert _selectivity_ratio({"a": 0.3, "b": -0.1}, "a") == math.inf


def test_intervals():
    mean, lo, hi = t_ci([1.0, 2.0, 3.0])
    assert mean == 2.0 and hi - mean == pytest.approx(4.302653 / math.sqrt(3), rel=1e-5)
    assert math.isnan(t_ci([1.0])[1])
    values = np.array([1.0, 2.0, 3.0, 4.0])
    stat = lambda idx: float(values[idx].mean())  # noqa: E731
    assert bootstrap_ci(stat, 4) == bootstrap_ci(stat, 4)  # seeded: reproducible
    assert 1.0 <= bootstrap_ci(stat, 4)[0] < 2.5 < bootstrap_ci(stat, 4)[1] <= 4.0


def test_tiers_and_registry():
    assert TIERS["full"].cadres == 1000 and TIERS["full"].months == 120
    assert TIERS["quick"].cadres == TIERS["full"].cadres
    assert TIERS["quick"].replications < TIERS["full"].replications
    scaled = TIERS["full"].scaled(20)
    assert scaled.replications == 20 and 2 <= scaled.long_replications < 20
    assert list(PATTERNS)[:2] == ["selectivity", "deficit_gap"] and len(PATTERNS) == 13
    for p in PATTERNS.values():
        assert all(p.title) and all(p.source) and all(p.criterion), p.name


# ------------------------------------------------------------------ judges on synthetic runs


def synthetic(runs: dict, steps: dict | None = None, reps: int = 4, tier: Tier = TINY):
    """Data for a judge: runs[arm][(cohort, outcome)] = per-replicate values (or a scalar plus
    noise), steps[arm][outcome] = (replicates x months) array."""
    rng = np.random.default_rng(0)
    run_tables, step_tables = {}, {}
    for arm, cells in runs.items():
        rows = {}
        for (cohort, outcome), value in cells.items():
            values = np.broadcast_to(value, reps) + rng.normal(0, 1e-4, reps)
            for r in range(reps):
                key = (r, "all" if cohort == "all" else "cohort", cohort)
                rows.setdefault(key, {})[outcome] = values[r]
        run_tables[arm] = pd.DataFrame(
            [{"replicate": r, "grouping": g, "type": c, **v} for (r, g, c), v in rows.items()]
        )
    for arm, outcomes in (steps or {}).items():
        frames = []
        for outcome, array in outcomes.items():
            long = pd.DataFrame(array).stack().rename(outcome).reset_index()
            frames.append(long.rename(columns={"level_0": "replicate", "level_1": "step"}))
        merged = frames[0]
        for f in frames[1:]:
            merged = merged.merge(f, on=["replicate", "step"])
        step_tables[arm] = merged
    return Data(tier, reps, run_tables, step_tables, {})


def test_selectivity_judge():
    from cadresim.experiments.validation.patterns import COHORTS, LEVER_TARGETS, selectivity

    def arm(target: str | None, other_gain: float) -> dict:
        return {(c, "initiative_rate"): 0.5 * (1.5 if c == target else 1 + other_gain)
                for c in COHORTS}  # fmt: skip

    runs = {"baseline": arm(None, 0.0)}
    runs |= {lever: arm(target, 0.1) for lever, target in LEVER_TARGETS.items()}
    verdict = selectivity(synthetic(runs))
    assert verdict.holds and verdict.measures[0].value == pytest.approx(5.0, rel=0.01)
    runs["training_only"] = arm("unable", 0.4)  # 0.5 / 0.4 = 1.25 < 1.5
    verdict = selectivity(synthetic(runs))
    assert not verdict.holds and "training_only" in verdict.measures[0].label
    assert verdict.tables["levers"].set_index("lever")["holds"].sum() == 5


@pytest.mark.parametrize(("half_life", "holds"), [(1.5, True), (8.0, False)])
def test_crackdown_judge(half_life, holds):
    from cadresim.experiments.validation.patterns import crackdown_decay

    months = np.arange(121)
    base = np.full((4, 121), 0.02)
    camp = base.copy()
    camp[:, 61:73] = 0.01
    camp[:, 73:] = 0.02 - 0.01 * 0.5 ** ((months[73:] - 72) / half_life)
    outcomes = {"misconduct_rate": base, "initiative_rate": base + 0.5}
    campaign = {"misconduct_rate": camp, "initiative_rate": camp + 0.5}
    verdict = crackdown_decay(synthetic({}, {"baseline": outcomes, "campaign": campaign}))
    assert verdict.holds is holds
    assert verdict.measures[0].value == pytest.approx(half_life, abs=1.5)
    assert set(verdict.tables["series"]["outcome"]) == {"misconduct_rate", "initiative_rate"}


def test_peer_elasticity_judge():
    from cadresim.experiments.validation.patterns import peer_elasticity

    def arm(i: float, n: float) -> dict:
        return {("all", "peer_initiative"): i, ("all", "peer_neighbours"): n}

    runs = {"control": arm(0.5, 0.5), "forced": arm(0.5 * 1.017, 0.55),
            "forced_visible": arm(0.5, 0.55)}  # fmt: skip
    verdict = peer_elasticity(synthetic(runs))
    assert verdict.holds and verdict.measures[0].value == pytest.approx(0.17, abs=0.02)
    assert verdict.measures[1].value == pytest.approx(0.0, abs=0.02)


@pytest.mark.skipif(
    os.environ.get("CADRESIM_VALIDATE_QUICK") != "1",
    reason="the whole quick tier takes 1-2 minutes; set CADRESIM_VALIDATE_QUICK=1 to run it",
)
def test_quick_tier_judges_every_pattern(tmp_path):
    """Every pattern can be judged on the current model (HOLDS or FAILS, never ERROR)."""
    result = validate(quick=True, out=tmp_path, progress="none")
    errors = {p.name: p.error for p in result.patterns if p.status == "ERROR"}
    assert not errors
    assert result.seconds < 240
