"""The experiment layer through its Python API: designs, CIs, executors, resume, sensitivity."""

from __future__ import annotations

import io
import json
import shlex

import numpy as np
import pandas as pd
import pytest

from cadresim import simulate
from cadresim.experiments import compare_regimes, rerun, rerun_command, run_sweep
from cadresim.experiments.analysis import non_dominated
from cadresim.experiments.progress import Progress
from cadresim.experiments.runs import replicate_seeds
from cadresim.model.config import ConfigError

SMALL = ["population.size=100", "steps=12"]
COVERAGE = {"policy.tolerance.coverage": [0.0, 1.0]}
DETECTION = {"policy.accountability.detection": [0.05, 0.9]}


def sweep(tmp_path, name="s", **kw):
    kw.setdefault("executor", "serial")
    kw.setdefault("progress", "none")
    return run_sweep(SMALL, output_dir=str(tmp_path / name), **kw)


@pytest.mark.parametrize(
    ("design", "settings", "points"),
    [
        ("grid", {"levels": 3}, 3 * 2),  # 3 coverage levels x 2 network kinds
        ("lhs", {"points": 5}, 5),
        ("sobol", {"points": 2}, 2 * (2 + 2)),
        ("morris", {"points": 2}, 2 * (2 + 1)),
    ],
)
def test_each_design_runs_every_point_and_replicate(tmp_path, design, settings, points):
    res = sweep(
        tmp_path,
        levers=COVERAGE,
        uncertainties={"network.kind": ["hierarchy", "small_world"]},
        design=design,
        replications=2,
        **settings,
    )
    assert len(res.design) == points
    assert res.runs["run_id"].nunique() == points * 2 and not res.failures
    assert set(res.design["network.kind"]) <= {"hierarchy", "small_world"}
    cov = res.design["policy.tolerance.coverage"]
    assert cov.between(0, 1).all() and cov.nunique() > 1
    # the varied values are columns of the run and step tables, and every run has its seed
    assert {"policy.tolerance.coverage", "network.kind", "point_id", "seed"} <= set(res.runs)
    steps = res.steps()
    assert {"run_id", "replicate", "seed", "policy", "policy.tolerance.coverage"} <= set(steps)
    assert set(res.runs["seed"]) == set(replicate_seeds(0, 2))  # common seeds across points
    for name in ("design.parquet", "runs.parquet", "pareto.parquet", "manifest.json"):
        assert (res.folder / name).exists()
    if design == "grid":
        assert sorted(cov.unique()) == [0.0, 0.5, 1.0]
    if design == "lhs":  # one point in each of the 5 strata of every range
        assert sorted((cov * 5).astype(int).clip(0, 4)) == [0, 1, 2, 3, 4]


def test_lhs_levers_and_uncertainties_kept_apart_in_manifest(tmp_path):
    res = sweep(tmp_path, levers=COVERAGE, uncertainties=DETECTION, design="lhs", points=3)
    manifest = json.loads((res.folder / "manifest.json").read_text())
    assert [p["key"] for p in manifest["design"]["levers"]] == ["policy.tolerance.coverage"]
    assert [p["key"] for p in manifest["design"]["uncertainties"]] == [
        "policy.accountability.detection"
    ]
    assert manifest["replicate_seeds"] == replicate_seeds(0, 3)
    assert manifest["status"] == "complete" and manifest["fingerprint"]
    assert manifest["config"]["sweep"]["design"] == "lhs"


def test_confidence_intervals_shrink_with_replications(tmp_path):
    regimes = ["baseline", "tolerance_only"]
    widths = {}
    for r in (3, 12):
        res = compare_regimes(
            SMALL,
            regimes=regimes,
            replications=r,
            executor="serial",
            progress="none",
            output_dir=str(tmp_path / f"r{r}"),
        )
        table = res.comparison
        assert {
            "regime",
            "grouping",
            "type",
            "outcome",
            "mean",
            "ci_low",
            "ci_high",
            "n",
            "diff",
            "diff_low",
            "diff_high",
        } <= set(table)
        row = table.query("grouping == 'all' and outcome == 'initiative_rate'").set_index("regime")
        assert (row["n"] == r).all()
        assert (row["ci_low"] <= row["mean"]).all() and (row["mean"] <= row["ci_high"]).all()
        assert row.loc["baseline", "diff"] == 0.0
        base = res.runs.query("grouping == 'all' and policy == 'baseline'")
        tol = res.runs.query("grouping == 'all' and policy == 'tolerance_only'")
        # common random numbers: the same seeds in both regimes, differences paired by replicate
        assert list(base["seed"]) == list(tol["seed"]) == replicate_seeds(0, r)
        paired = tol["initiative_rate"].to_numpy() - base["initiative_rate"].to_numpy()
        assert row.loc["tolerance_only", "diff"] == pytest.approx(paired.mean())
        widths[r] = (row["ci_high"] - row["ci_low"]).to_numpy()
    assert (widths[12] < widths[3]).all()


def _same_tables(a, b):
    pd.testing.assert_frame_equal(a.runs, b.runs)
    pd.testing.assert_frame_equal(
        a.steps().reset_index(drop=True), b.steps().reset_index(drop=True)
    )


def test_identical_results_serial_and_processes(tmp_path):
    kw = {"levers": COVERAGE, "uncertainties": DETECTION, "design": "lhs", "points": 4}
    serial = sweep(tmp_path, "serial", replications=2, **kw)
    procs = sweep(tmp_path, "procs", replications=2, executor="processes", workers=2, **kw)
    _same_tables(serial, procs)
    one = sweep(
        tmp_path, "one", replications=2, executor="processes", workers=1, batch_size=3, **kw
    )
    _same_tables(serial, one)


def test_identical_results_on_local_ray(tmp_path):
    pytest.importorskip("ray", reason="Ray is the optional extra cadresim[ray]")
    kw = {"levers": COVERAGE, "design": "lhs", "points": 3, "replications": 2}
    serial = sweep(tmp_path, "serial", **kw)
    on_ray = sweep(tmp_path, "ray", executor="ray", workers=2, **kw)
    _same_tables(serial, on_ray)


class Interrupt(KeyboardInterrupt):
    pass


def test_resume_after_interruption_loses_nothing_and_recomputes_nothing(tmp_path):
    kw = {"levers": COVERAGE, "design": "lhs", "points": 5, "replications": 2, "batch_size": 2}
    full = sweep(tmp_path, "full", **kw)
    batches = []

    def stop_after_two(result):
        batches.append(result.part)
        if len(batches) == 2:
            raise Interrupt

    with pytest.raises(Interrupt):
        sweep(tmp_path, "cut", callback=stop_after_two, **kw)
    folder = tmp_path / "cut"
    assert len(list((folder / "runs").glob("part-*.parquet"))) == 2
    (folder / "steps" / "part-0000099.parquet").write_bytes(b"half-written")  # orphan part
    resumed = sweep(tmp_path, "cut", **kw)
    assert resumed.executed == 10 - 4  # only the missing runs ran
    assert not (folder / "steps" / "part-0000099.parquet").exists()
    _same_tables(full, resumed)
    again = sweep(tmp_path, "cut", **kw)
    assert again.executed == 0
    _same_tables(full, again)


def test_different_experiment_in_same_folder_is_refused(tmp_path):
    sweep(tmp_path, "x", levers=COVERAGE, design="lhs", points=2, replications=1)
    with pytest.raises(ConfigError, match="different experiment"):
        sweep(tmp_path, "x", levers=COVERAGE, design="lhs", points=3, replications=1)


def test_executor_and_workers_do_not_change_the_experiment(tmp_path):
    kw = {"levers": COVERAGE, "design": "lhs", "points": 2, "replications": 1}
    sweep(tmp_path, "x", **kw)
    again = sweep(tmp_path, "x", executor="processes", workers=1, **kw)
    assert again.executed == 0


def test_sobol_ranks_the_dominant_lever_first(tmp_path):
    # training is off in three_mechanisms, so policy.training.rate changes nothing
    res = sweep(
        tmp_path,
        levers={**DETECTION, "policy.training.rate": [0.0, 0.5]},
        design="sobol",
        points=16,
        replications=1,
    )
    sens = res.sensitivity
    assert set(sens["method"]) == {"sobol"}
    for outcome in ("initiative_rate", "error_rate"):
        part = sens[sens["outcome"] == outcome].set_index("parameter")
        assert part["ST"].idxmax() == "policy.accountability.detection"
        assert part.loc["policy.training.rate", "ST"] == pytest.approx(0.0, abs=1e-9)
        assert part.loc["policy.accountability.detection", "ST"] > 0.5
        assert np.isfinite(part["ST_conf"]).all() and np.isfinite(part["S1_conf"]).all()
    assert (res.folder / "sensitivity.parquet").exists()


def test_morris_ranks_the_dominant_lever_first(tmp_path):
    res = sweep(
        tmp_path,
        levers={**DETECTION, "policy.training.rate": [0.0, 0.5]},
        design="morris",
        points=6,
        replications=1,
    )
    part = res.sensitivity.query("outcome == 'initiative_rate'").set_index("parameter")
    assert part["mu_star"].idxmax() == "policy.accountability.detection"
    assert part.loc["policy.training.rate", "mu_star"] == pytest.approx(0.0, abs=1e-12)


def test_pareto_set_holds_only_non_dominated_points(tmp_path):
    values = np.array([[1.0, -1.0], [2.0, -2.0], [0.5, -2.0], [2.0, -1.0]])
    assert non_dominated(values).tolist() == [False, False, False, True]
    res = sweep(tmp_path, levers=DETECTION, design="lhs", points=8, replications=1)
    front = res.pareto
    assert 1 <= len(front) <= 8
    means = res.runs.query("grouping == 'all'").set_index("point_id")
    for _, p in front.iterrows():
        better = (
            (means["initiative_rate"] >= p["initiative_rate"])
            & (means["error_rate"] <= p["error_rate"])
            & (means["misconduct_rate"] <= p["misconduct_rate"])
        )
        strictly = (
            (means["initiative_rate"] > p["initiative_rate"])
            | (means["error_rate"] < p["error_rate"])
            | (means["misconduct_rate"] < p["misconduct_rate"])
        )
        assert not (better & strictly).any()


def test_a_failing_run_is_recorded_and_the_rest_completes(tmp_path):
    # background must stay below the type threshold (0.5): the top grid values fail in the worker
    res = sweep(
        tmp_path,
        levers={"population.background": [0.1, 0.9]},
        design="grid",
        levels=5,
        replications=2,
    )
    assert len(res.failures) == 6  # 0.5, 0.7, 0.9 x 2 replicates
    assert res.runs["run_id"].nunique() == 4
    stored = json.loads((res.folder / "failures.json").read_text())
    assert [f["run_id"] for f in stored] == [4, 5, 6, 7, 8, 9]
    first = stored[0]
    assert first["params"] == {"population.background": 0.5} and first["seed"]
    assert "population.background" in first["error"]
    assert first["command"].startswith("cadresim ") and f"seed={first['seed']}" in first["command"]


def test_every_run_can_be_rerun_alone(tmp_path):
    res = sweep(tmp_path, levers=COVERAGE, uncertainties=DETECTION, design="lhs", points=3)
    run_id = 4
    again = rerun(res.folder, run_id)
    stored = res.steps().query("run_id == @run_id").reset_index(drop=True)
    np.testing.assert_array_equal(
        stored["initiative_rate"].to_numpy(), again.steps["initiative_rate"].to_numpy()
    )
    line = rerun_command(res.folder, run_id)
    seed = int(stored["seed"].iloc[0])
    assert line.startswith("cadresim population.size=100 steps=12 policy=three_mechanisms")
    assert f"seed={seed}" in line and "policy.tolerance.coverage=" in line
    # the printed command, run as a plain single run, gives the same step table
    single = simulate(shlex.split(line)[1:])
    np.testing.assert_array_equal(
        stored["error_rate"].to_numpy(), single.steps["error_rate"].to_numpy()
    )


@pytest.mark.parametrize(
    ("kw", "fragment"),
    [
        (
            {"levers": {"policy.tolerance.coverag": [0, 1]}},
            "did you mean policy.tolerance.coverage",
        ),
        ({"levers": {"policy.tolerance.coverage": [0.5, 0.5]}}, "empty range"),
        ({"levers": {"policy.tolerance.coverage": [0, 2]}}, "outside the range"),
        ({"levers": {}}, "both empty"),
        ({"levers": COVERAGE, "uncertainties": COVERAGE}, "already listed"),
        ({"levers": COVERAGE, "replications": 0}, "sweep.replications = 0"),
        ({"levers": COVERAGE, "design": "sobol", "points": 6}, "power of 2"),
    ],
)
def test_bad_sweep_input_is_refused_before_any_run(tmp_path, kw, fragment):
    with pytest.raises(ConfigError, match=fragment.replace(".", r"\.")):
        sweep(tmp_path, "bad", **kw)
    assert not (tmp_path / "bad").exists()


def test_progress_prints_plain_lines_when_not_a_terminal():
    out = io.StringIO()
    bar = Progress(total=4, done=1, label="sweep", mode="auto", stream=out)
    bar.update(3)
    bar.close()
    assert out.getvalue().startswith("sweep: 4/4 runs (100%)")


def test_chart_notes_handle_63_bit_experiment_seeds():
    from cadresim.experiments.charts.figures import format_seeds

    seeds = replicate_seeds(0, 5)
    assert format_seeds(seeds).startswith(str(sorted(seeds)[0]))
    assert format_seeds([3, 4, 5]) == "3–5"
