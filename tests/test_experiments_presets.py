"""The lever_by_type and crackdown presets end to end through the `cadresim` command, their
tables, the selectivity heatmap, the shading of schedule episodes on time-series charts, and
rerun commands that paste into bash (each override shell-quoted)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import cadresim

from cadresim import simulate
from cadresim.agents.types import TYPE_NAMES
from cadresim.experiments import rerun_command
from cadresim.experiments import runs as runs_module
from cadresim.experiments.campaign import half_life
from cadresim.experiments.charts import figures as F
from cadresim.experiments.report import schedule_episodes, write_report
from cadresim.experiments.selectivity import selectivity_table
from cadresim.model.config import load_config
from cadresim.model.report import print_run
from cadresim.policies.levers import LEVER_TARGETS

SMALL = ["population.size=300", "experiment.executor=serial", "experiment.progress=none"]
CAMPAIGN = "policy.schedule=[{start:13,end:25,regime:strict_accountability}]"
CRACKDOWN = ["experiment=crackdown", *SMALL, "steps=48", CAMPAIGN, "experiment.replications=3"]
LEVERS = [
    "incentive_only", "education_only", "training_only", "promotion_orientation",
    "inaction_accountability", "tolerance_only", "strict_accountability",
]  # fmt: skip
BIN = Path(sys.executable).parent  # the venv's cadresim command


def in_figures(text: str, html: str) -> bool:
    """`text` in a report's figure JSON (plotly escapes non-ASCII as \\uXXXX)."""
    return json.dumps(text)[1:-1] in html


# ------------------------------------------------------------------ lever_by_type


@pytest.fixture(scope="module")
def lever_run(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("levers")
    out = cadresim(
        "experiment=lever_by_type", *SMALL, "steps=60", "experiment.replications=2",
        "experiment.output_dir=out", cwd=cwd,
    )  # fmt: skip
    return out, cwd / "out"


def test_lever_by_type_preset_lists_every_single_lever():
    cfg = load_config(["experiment=lever_by_type"])
    assert cfg.experiment.name == "lever_by_type" and cfg.experiment.baseline == "baseline"
    assert cfg.experiment.regimes == ["baseline", *LEVERS]


@pytest.mark.slow
def test_lever_by_type_prints_the_matrix_and_writes_selectivity(lever_run):
    out, folder = lever_run
    assert out.returncode == 0, out.stderr
    assert "lever_by_type: 7 levers against baseline x 2 replications" in out.stdout
    lines = {line.split()[0]: line for line in out.stdout.splitlines() if line.strip()}
    for lever in LEVERS:
        assert lever in lines, out.stdout
    # the target cell is bracketed: incentives' on the unwilling (first column), none for strict
    assert lines["incentive_only"].split()[1].startswith("[+")
    assert lines["tolerance_only"].split()[5].startswith("[")
    assert "[" not in lines["strict_accountability"] and "(fall)" in lines["strict_accountability"]
    for name in ("selectivity", "comparison", "runs"):
        assert (folder / f"{name}.parquet").is_file()
    html = (folder / "report.en.html").read_text(encoding="utf-8")
    assert 'id="fig-selectivity"' in html and "Selectivity: relative initiative gain" in html


@pytest.mark.slow
def test_selectivity_table_is_sane(lever_run):
    out, folder = lever_run
    table = pd.read_parquet(folder / "selectivity.parquet")
    assert len(table) == len(LEVERS) * len(TYPE_NAMES)
    assert list(dict.fromkeys(table["lever"])) == LEVERS
    assert list(dict.fromkeys(table["type"])) == list(TYPE_NAMES)
    for lever, d in table.groupby("lever", sort=False):
        target = LEVER_TARGETS.get(lever)
        assert set(d["target_type"].dropna()) == ({target} if target else set())
        assert d["is_target"].sum() == (1 if target else 0)
        assert d["n"].eq(2).all()
        # the absolute gain is the paired difference of means; CIs bracket the means
        assert np.allclose(d["abs_gain"], d["lever_rate"] - d["baseline_rate"])
        assert (d["rel_low"] <= d["rel_gain"]).all() and (d["rel_gain"] <= d["rel_high"]).all()
        # the top type is the largest relative change in the lever's direction
        sign = 1 if d["direction"].iloc[0] == "rise" else -1
        top = d.set_index("type")["rel_gain"].mul(sign)
        assert d["top_type"].iloc[0] == top.idxmax()
        others = top.drop(top.idxmax())
        assert d["ratio_to_next"].iloc[0] == pytest.approx(top.max() / others.max())
        verdict = d["top_is_target"].iloc[0]
        assert pd.isna(verdict) if target is None else verdict == (top.idxmax() == target)
    strict = table[table["lever"] == "strict_accountability"]
    assert (strict["direction"] == "fall").all() and (strict["rel_gain"] < 0).all()
    unwilling = table[(table["lever"] == "incentive_only") & (table["type"] == "unwilling")]
    assert unwilling["rel_gain"].iloc[0] > 0.2


def _runs(rates: dict[str, list[float]], reps: int = 3, noise: float = 0.0) -> pd.DataFrame:
    """A runs table: cohort initiative rates per regime (one value per type), plus 'all'."""
    rng = np.random.default_rng(1)
    rows = []
    for regime, values in rates.items():
        for r in range(reps):
            jitter = 1 + noise * rng.standard_normal(len(values))
            for t, v in zip(TYPE_NAMES, np.asarray(values) * jitter, strict=True):
                rows.append(("cohort", t, regime, r, v))
            rows.append(("all", "all", regime, r, float(np.mean(np.asarray(values) * jitter))))
    return pd.DataFrame(
        rows, columns=["grouping", "type", "policy", "replicate", "initiative_rate"]
    )


def test_selectivity_table_on_known_rates():
    base = [0.2, 0.1, 0.5, 0.25, 0.4, 0.8]
    runs = _runs(
        {
            "baseline": base,
            "tolerance_only": [0.22, 0.11, 0.55, 0.25, 0.8, 0.8],  # +10%, +10%, +10%, 0, +100%, 0
            "strict_accountability": [0.1, 0.09, 0.25, 0.2, 0.1, 0.72],  # falls; fearful most
        }
    )
    t = selectivity_table(runs, ["baseline", "tolerance_only", "strict_accountability"], "baseline")
    tol = t[t["lever"] == "tolerance_only"].set_index("type")
    assert tol["rel_gain"].round(6).tolist() == [0.1, 0.1, 0.1, 0.0, 1.0, 0.0]
    assert tol["target_type"].iloc[0] == "fearful" and tol.loc["fearful", "is_target"]
    assert tol["top_type"].iloc[0] == "fearful" and bool(tol["top_is_target"].iloc[0])
    assert tol["ratio_to_next"].iloc[0] == pytest.approx(10.0)
    assert tol["abs_gain"].round(6).tolist() == [0.02, 0.01, 0.05, 0.0, 0.4, 0.0]
    strict = t[t["lever"] == "strict_accountability"].set_index("type")
    assert strict["direction"].iloc[0] == "fall" and strict["top_type"].iloc[0] == "fearful"
    assert strict["target_type"].isna().all() and strict["top_is_target"].isna().all()
    assert strict["ratio_to_next"].iloc[0] == pytest.approx(0.75 / 0.5)
    # with noise the bootstrap interval of the ratio holds its estimate
    noisy = selectivity_table(
        _runs({"baseline": base, "tolerance_only": [0.22, 0.11, 0.55, 0.3, 0.8, 0.85]}, 8, 0.05),
        ["baseline", "tolerance_only"],
        "baseline",
    ).iloc[0]
    assert noisy["ratio_low"] <= noisy["ratio_to_next"] <= noisy["ratio_high"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_selectivity_heatmap_marks_each_target_cell(lang):
    base = [0.2, 0.1, 0.5, 0.25, 0.4, 0.8]
    runs = _runs(
        {
            "baseline": base,
            "incentive_only": [0.5, 0.11, 0.55, 0.27, 0.42, 0.82],
            "training_only": [0.21, 0.2, 0.5, 0.25, 0.4, 0.8],
            "strict_accountability": [0.1, 0.09, 0.25, 0.2, 0.1, 0.72],
        }
    )
    regimes = ["baseline", "incentive_only", "training_only", "strict_accountability"]
    table = selectivity_table(runs, regimes, "baseline")
    fig = F.selectivity_heatmap(table, lang)
    heat = fig.data[0]
    assert heat.type == "heatmap" and np.asarray(heat.z).shape == (3, 6)
    assert np.asarray(heat.z)[0, 0] == pytest.approx(150.0)  # incentives: +150% on the unwilling
    assert heat.text[0][0] == "+150%"
    rects = [(s.x0, s.y0) for s in fig.layout.shapes if s.type == "rect"]
    assert rects == [(-0.5, -0.5), (0.5, 0.5)]  # unwilling x incentives, unable x training
    names = list(fig.layout.yaxis.ticktext)
    types = list(fig.layout.xaxis.ticktext)
    if lang == "zh":
        assert names == ["仅激励", "仅培训", "从严问责"] and types[0] == "不想为"
        assert "选择性" in fig.layout.title.text
    else:
        assert names == ["Incentives only", "Training only", "Strict accountability"]
        assert types[0] == "Unwilling" and "Selectivity" in fig.layout.title.text
    texts = [a.text for a in fig.layout.annotations]
    assert any(t.endswith("×") for t in texts)  # top / next type at the right of each row


# ------------------------------------------------------------------ crackdown


@pytest.fixture(scope="module")
def crackdown_run(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("crackdown")
    out = cadresim(*CRACKDOWN, "experiment.output_dir=out", cwd=cwd)
    return out, cwd / "out"


def test_crackdown_preset_is_a_12_month_campaign_from_month_61():
    cfg = load_config(["experiment=crackdown"])
    assert cfg.experiment.name == "crackdown" and cfg.steps >= 120
    assert cfg.policy.schedule == [{"start": 61, "end": 73, "regime": "strict_accountability"}]


@pytest.mark.slow
def test_crackdown_prints_the_summary_and_writes_its_tables(crackdown_run):
    out, folder = crackdown_run
    assert out.returncode == 0, out.stderr
    assert (
        "crackdown: baseline vs baseline+campaign (strict_accountability in months 13–24) "
        "x 3 replications on common seeds, 300 cadres, 48 steps" in out.stdout
    )
    for outcome in ("misconduct_rate", "initiative_rate", "perceived_detection"):
        assert outcome in out.stdout
    assert "half-life" in out.stdout
    for name in ("crackdown", "deterrence", "comparison", "runs"):
        assert (folder / f"{name}.parquet").is_file()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["kind"] == "crackdown"
    assert manifest["design"]["campaign"] == {
        "start": 13, "end": 25, "last_month": 24, "label": "strict_accountability",
    }  # fmt: skip
    assert manifest["regimes"]["baseline"]["config"]["policy"]["schedule"] == []
    html = (folder / "report.en.html").read_text(encoding="utf-8")
    assert 'id="fig-campaign_gap_misconduct_rate"' in html
    assert in_figures("Strict accountability, months 13–24", html)  # the shaded episode


@pytest.mark.slow
def test_crackdown_gaps_are_paired_and_the_half_life_follows_its_rule(crackdown_run):
    _, folder = crackdown_run
    gaps = pd.read_parquet(folder / "crackdown.parquet")
    det = pd.read_parquet(folder / "deterrence.parquet").set_index("outcome")
    assert set(gaps["outcome"]) == {"misconduct_rate", "initiative_rate", "perceived_detection"}
    assert gaps.groupby("outcome")["step"].apply(list).map(lambda s: s == list(range(1, 49))).all()
    # common seeds: before the campaign both arms are the same runs, so the gap is exactly 0
    before = gaps[gaps["step"] < 13]
    assert (before["diff"] == 0).all() and (before["control"] == before["campaign"]).all()
    assert np.allclose(gaps["diff"], gaps["campaign"] - gaps["control"])
    assert gaps.loc[gaps["in_campaign"], "step"].drop_duplicates().tolist() == list(range(13, 25))
    ok = gaps["diff_low"].notna()
    assert (gaps.loc[ok, "diff_low"] <= gaps.loc[ok, "diff"] + 1e-12).all()
    # a crackdown raises perceived detection and lowers initiative while it lasts
    assert det.loc["perceived_detection", "gap_low"] > 0
    assert det.loc["initiative_rate", "gap_high"] < 0
    # the half-life, recomputed by the documented rule from the monthly table
    for outcome, row in det.iterrows():
        d = gaps[gaps["outcome"] == outcome].set_index("step")["diff"]
        ref = d.loc[22:24].mean()
        assert row["gap"] == pytest.approx(ref)
        after = d.loc[25:]
        below = after[np.sign(ref) * after < abs(ref) / 2]
        expect = below.index[0] - 24 if len(below) else np.inf
        assert row["half_life"] == expect and row["censored"] == bool(np.isinf(expect))
        assert row["months_after"] == 24 and row["n"] == 3
        assert row["half_life_low"] <= row["half_life"] <= row["half_life_high"]


def test_half_life_rule():
    months = np.arange(1, 21)
    curve = np.zeros(20)
    curve[9:12] = -0.01  # campaign months 10-12, gap -0.01
    curve[12:] = [-0.008, -0.006, -0.004, -0.002, 0, 0, 0, 0]  # halves in month 15
    assert half_life(curve, months, 10, 13) == (pytest.approx(-0.01), 3.0)
    curve[12:] = -0.009  # never halves
    assert half_life(curve, months, 10, 13)[1] == np.inf


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["policy.schedule=[]"], "crackdown: policy.schedule is empty"),
        (
            ["policy.schedule=[{start:13,regime:strict_accountability}]"],
            "no episode of policy.schedule ends before the run does",
        ),
        (["experiment.save_steps=false"], "experiment.save_steps = false"),
    ],
)
def test_crackdown_bad_input_exits_2_before_any_run(tmp_path, inproc, args, fragment):
    out = inproc("experiment=crackdown", *SMALL, "steps=48", CAMPAIGN, *args)
    assert out.returncode == 2 and fragment in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "results").exists()


# ------------------------------------------------------------------ rerun quoting


@pytest.mark.slow
def test_rerun_command_of_a_campaign_run_pastes_into_bash(crackdown_run, tmp_path):
    _, folder = crackdown_run
    runs = pd.read_parquet(folder / "runs.parquet")
    run_id = int(runs.loc[runs["policy"] == "baseline+campaign", "run_id"].max())
    line = rerun_command(folder, run_id)
    manifest = json.loads((folder / "manifest.json").read_text())
    overrides = manifest["regimes"]["baseline+campaign"]["overrides"]
    seed = int(runs.loc[runs["run_id"] == run_id, "seed"].iloc[0])
    assert shlex.split(line) == ["cadresim", *overrides, f"seed={seed}"]
    assert f"'{CAMPAIGN}'" in line  # braces and commas quoted for bash
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        ["bash", "-c", f"{line} output_dir=rerun"],
        cwd=tmp_path, capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "schedule=[strict_accountability in months 13–24]" in done.stdout
    again = pd.read_parquet(tmp_path / "rerun" / "steps.parquet")
    stored = pd.read_parquet(folder / "steps", filters=[("run_id", "==", run_id)])
    np.testing.assert_array_equal(
        stored.sort_values(["step", "grouping", "type"])["misconduct_rate"].to_numpy(),
        again.sort_values(["step", "grouping", "type"])["misconduct_rate"].to_numpy(),
    )


def test_preset_schedule_is_quoted_in_the_failure_rerun_line(tmp_path, inproc, monkeypatch):
    """A campaign arm whose schedule comes from the preset (quoted strings inside) fails; the
    command recorded in failures.json splits back into its overrides and composes."""
    real = runs_module.simulate_tallies

    def crash_in_campaign(cfg):
        if cfg.policy.schedule:
            raise RuntimeError("injected failure")
        return real(cfg)

    monkeypatch.setattr(runs_module, "simulate_tallies", crash_in_campaign)
    out = inproc(
        "experiment=crackdown", *SMALL, "steps=80", "experiment.replications=1",
        "experiment.output_dir=out",
    )  # fmt: skip
    assert out.returncode == 1
    (failure,) = json.loads((tmp_path / "out" / "failures.json").read_text())
    argv = shlex.split(failure["command"])
    assert argv[0] == "cadresim" and argv[-1] == f"seed={failure['seed']}"
    schedule = [a for a in argv if a.startswith("policy.schedule=")]
    assert schedule and "'" in failure["command"]
    cfg = load_config(argv[1:])
    assert cfg.policy.schedule == [{"start": 61, "end": 73, "regime": "strict_accountability"}]


# ------------------------------------------------------------------ shading and print_run


@pytest.mark.parametrize(
    ("lang", "label"),
    [("en", "Strict accountability, months 13–24"), ("zh", "从严问责（第13–24月）")],
)
def test_over_time_shades_the_schedule_episodes(lang, label):
    res = simulate(["population.size=200", "steps=36", CAMPAIGN])
    steps = res.steps.assign(run_id=0, replicate=0)
    episodes = [(13, 25, "strict_accountability")]
    fig = F.outcome_over_time(steps, "initiative_rate", lang, episodes=episodes)
    (rect,) = [s for s in fig.layout.shapes if s.type == "rect"]
    assert (rect.x0, rect.x1) == (12.5, 24.5)  # months 13..24 inclusive on the step axis
    assert label in [a.text for a in fig.layout.annotations]
    plain = F.outcome_over_time(steps, "initiative_rate", lang)
    assert not plain.layout.shapes
    fig = F.type_composition(steps, lang, episodes=episodes)
    assert any(s.type == "rect" and s.x0 == 12.5 for s in fig.layout.shapes)


def test_report_of_a_scheduled_single_run_shades_its_episodes(tmp_path):
    overrides = [
        "population.size=200", "steps=36",
        "policy.schedule=[{start:13,end:25,regime:strict_accountability},"
        "{start:30,set:{tolerance.coverage:0.5}}]",
    ]  # fmt: skip
    res = simulate(overrides)
    res.write(tmp_path / "run")
    html = write_report(tmp_path / "run").read_text(encoding="utf-8")
    assert in_figures("Strict accountability, months 13–24", html)
    assert in_figures("Tolerance coverage=0.5, months 30–36", html)
    zh = write_report(tmp_path / "run", lang="zh").read_text(encoding="utf-8")
    assert in_figures("从严问责（第13–24月）", zh) and in_figures("容错覆盖面=0.5（第30–36月）", zh)
    manifest = {"regimes": {"a": {"config": res.summary["config"]}, "b": {"config": {}}}}
    assert schedule_episodes(manifest)[0] == (13, 25, "strict_accountability", ["a"])


def test_print_run_header_names_the_schedule(capsys):
    print_run(simulate(["population.size=100", "steps=30", CAMPAIGN, "write=false"]), None)
    header = capsys.readouterr().out.splitlines()[0]
    assert "policy=baseline schedule=[strict_accountability in months 13–24] population" in header
    print_run(simulate(["population.size=100", "steps=30", "write=false"]), None)
    assert "schedule" not in capsys.readouterr().out.splitlines()[0]
