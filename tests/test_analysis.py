"""Sweep analyses: Sobol indices one can trust, the Pareto set over levers, the design cap."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from SALib.sample import sobol as sobol_sample
from SALib.test_functions import Ishigami

import cadresim.experiments.commands  # noqa: F401  (opens sweep.levers.* on the command line)
from cadresim.experiments.analysis import non_dominated, pareto
from cadresim.experiments.designs import Design, sobol_base_n
from cadresim.experiments.sensitivity import (
    check_indices,
    sensitivity_warnings,
    sobol_convergence,
    sobol_indices,
)
from cadresim.experiments.space import Parameter
from cadresim.experiments.sweep import plan_sweep
from cadresim.model.config import ConfigError, load_config

ISHIGAMI = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
# Exact indices for a = 7, b = 0.1 (Ishigami & Homma 1990; Saltelli et al. 2008, p. 179)
ISHIGAMI_S1 = [0.3139, 0.4424, 0.0]
ISHIGAMI_ST = [0.5576, 0.4424, 0.2437]


def preset_base_n() -> int:
    """The Sobol base sample N that `experiment=sensitivity` runs with."""
    cfg = load_config(["experiment=sensitivity"])
    factors = len(cfg.sweep.levers) + len(cfg.sweep.uncertainties)
    return cfg.sweep.points or sobol_base_n(factors)


def ishigami_indices(n: int) -> pd.DataFrame:
    x = sobol_sample.sample(ISHIGAMI, n, calc_second_order=False, seed=11)
    return sobol_convergence(ISHIGAMI, Ishigami.evaluate(x), seed=5)


def test_the_presets_n_recovers_the_ishigami_indices_within_their_intervals():
    n = preset_base_n()
    assert n >= 1024  # six factors
    conv = ishigami_indices(n)
    assert sorted(conv["n"].unique()) == [n // 4, n // 2, n]
    final = conv[conv["n"] == n].set_index("parameter")
    for i, name in enumerate(ISHIGAMI["names"]):
        row = final.loc[name]
        assert abs(row["S1"] - ISHIGAMI_S1[i]) <= row["S1_conf"], name
        assert abs(row["ST"] - ISHIGAMI_ST[i]) <= row["ST_conf"], name
    assert (final["flags"] == "").all() and (final["n_needed"] == n).all()
    # intervals shrink as N grows (about 1 / sqrt(N))
    quarter = conv[conv["n"] == n // 4].set_index("parameter")
    assert (final["ST_conf"] < quarter["ST_conf"]).all()


def test_a_small_n_is_flagged_with_the_n_it_needs():
    table = ishigami_indices(16)
    small = table[table["n"] == 16]
    flagged = small[small["flags"] != ""]
    assert len(flagged) >= 2
    assert set(",".join(flagged["flags"]).split(",")) <= {"ci_crosses_0", "ci_crosses_1"}
    needed = flagged["n_needed"].to_numpy()
    assert (needed > 16).all() and all(x & (x - 1) == 0 for x in needed)  # powers of 2
    lines = sensitivity_warnings(small.assign(outcome="y"))
    assert lines[0].startswith("warning:") and f"sweep.points={needed.max()}" in lines[-1]


def test_s1_above_st_beyond_its_interval_is_flagged():
    table = pd.DataFrame(
        {"S1": [0.5, 0.40], "S1_conf": [0.02, 0.02], "ST": [0.3, 0.39], "ST_conf": [0.02, 0.02]}
    )
    flags, needed = check_indices(table, np.array([0.03, 0.03]), n=256)
    assert flags == ["s1_above_st", ""]
    assert needed[1] == 256 and needed[0] >= 256


def test_a_constant_outcome_gets_zero_indices_and_no_flags():
    x = sobol_sample.sample(ISHIGAMI, 8, calc_second_order=False, seed=1)
    table = sobol_indices(ISHIGAMI, np.zeros(len(x)), seed=1)
    assert (table[["S1", "ST"]].to_numpy() == 0).all() and (table["flags"] == "").all()


# ------------------------------------------------------------------ Pareto over levers


def lever_design() -> tuple[Design, pd.DataFrame]:
    """Two lever settings x two uncertainty values x two replicates. Setting 0.2 wins only
    under uncertainty value 0 (a lucky draw); averaged, setting 0.8 beats it."""
    params = [Parameter("a", "lever", 0.0, 1.0), Parameter("u", "uncertainty", 0.0, 1.0)]
    grid = [(0.2, 0.0), (0.2, 1.0), (0.8, 0.0), (0.8, 1.0)]
    table = pd.DataFrame(
        {"point_id": range(4), "a": [g[0] for g in grid], "u": [g[1] for g in grid]}
    )
    initiative = {(0.2, 0.0): 0.9, (0.2, 1.0): 0.1, (0.8, 0.0): 0.7, (0.8, 1.0): 0.6}
    rows = []
    for p, (a, u) in enumerate(grid):
        for r in range(2):
            rows.append(
                {"run_id": 2 * p + r, "point_id": p, "grouping": "all", "a": a, "u": u,
                 "initiative_rate": initiative[a, u] + 0.01 * r, "error_rate": 0.1}
            )  # fmt: skip
    return Design("grid", params, None, table), pd.DataFrame(rows)


def test_pareto_averages_over_uncertainties_and_lists_each_setting_once():
    design, runs = lever_design()
    front = pareto(design, runs, ["initiative_rate"], ["error_rate"])
    assert front["a"].tolist() == [0.8]  # the robust choice, once
    assert front["initiative_rate"].iloc[0] == pytest.approx((0.7 + 0.71 + 0.6 + 0.61) / 4)
    assert front[["points", "runs"]].iloc[0].tolist() == [2, 4]
    assert "u" not in front.columns


def test_pareto_is_empty_without_levers():
    design, runs = lever_design()
    design.params[0] = Parameter("a", "uncertainty", 0.0, 1.0)
    assert pareto(design, runs, ["initiative_rate"], ["error_rate"]).empty


def test_non_dominated_keeps_one_of_identical_rows_and_is_fast():
    values = np.array([[1.0, -1.0], [2.0, -2.0], [0.5, -2.0], [2.0, -1.0], [2.0, -1.0]])
    assert non_dominated(values).tolist() == [False, False, False, True, False]
    rng = np.random.default_rng(0)
    big = rng.random((100_000, 3))
    non_dominated(big[:10])  # import pymoo before timing
    start = time.process_time()  # CPU time: the shared test machine's load does not count
    keep = non_dominated(big)
    assert time.process_time() - start < 1.0  # about 0.2 s measured
    front = big[keep]
    sample = big[rng.choice(len(big), 2000, replace=False)]
    dominated = (
        (sample[:, None, :] >= front[None, :, :]).all(-1)
        & (sample[:, None, :] > front[None, :, :]).any(-1)
    ).any(0)  # fmt: skip
    assert not dominated.any()


# ------------------------------------------------------------------ planning


SWEEP = [
    "experiment=sweep",
    "sweep.levers.policy.tolerance.coverage=[0,1]",
    "sweep.uncertainties.policy.accountability.detection=[0,1]",
]


def test_a_ten_million_point_design_is_refused_at_once():
    ov = [*SWEEP, "sweep.design=lhs", "sweep.points=10000000"]
    start = time.perf_counter()
    # first by the memory estimate (cadresim.safety), before any planning
    with pytest.raises(ConfigError, match=r"10,000,000 design points .* experiment.allow_large"):
        plan_sweep(load_config(ov), ov)
    # with the memory cap lifted knowingly, the design cap still refuses it before drawing
    ov.append("experiment.allow_large=true")
    with pytest.raises(ConfigError, match=r"10000000 points, above sweep.max_points = 200000"):
        plan_sweep(load_config(ov), ov)
    assert time.perf_counter() - start < 5.0


def test_points_zero_picks_the_sobol_n_from_the_number_of_factors():
    ov = [*SWEEP, "sweep.design=sobol", "sweep.points=0", "sweep.replications=1"]
    plan, design = plan_sweep(load_config(ov), ov)
    assert design.points == sobol_base_n(2) * (2 + 2) == 512 * 4
    assert plan.cfg.sweep.points == 512 and len(plan.runs) == 2048


def test_the_cli_refuses_a_huge_design_with_one_line(inproc, tmp_path):
    for extra, start in (
        ([], "cadresim: error: sweep.points = 10000000: 10,000,000 design points"),
        (["experiment.allow_large=true"], "cadresim: error: sweep: the lhs"),
    ):
        out = f"experiment.output_dir={tmp_path / 'o'}"
        res = inproc(*SWEEP, "sweep.points=10000000", out, *extra)
        assert res.returncode == 2
        assert res.stderr.count("\n") == 1 and res.stderr.startswith(start), res.stderr
        assert not (tmp_path / "o").exists()
