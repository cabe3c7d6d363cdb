"""The experiment layer through its Python API: designs, CIs, executors, resume, sensitivity."""

from __future__ import annotations

import io
import json
import re
import shlex

import numpy as np
import pandas as pd
import pytest

from cadresim import simulate
from cadresim.experiments import compare_regimes, rerun, rerun_command, run_sweep, store
from cadresim.experiments import runs as runs_module
from cadresim.experiments.analysis import non_dominated
from cadresim.experiments.progress import Progress
from cadresim.experiments.report import write_report
from cadresim.experiments.runs import replicate_seeds
from cadresim.model.config import ConfigError
from cadresim.model.versions import LIBRARIES, library_versions

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


@pytest.mark.slow
def test_identical_results_serial_and_processes(tmp_path):
    kw = {"levers": COVERAGE, "uncertainties": DETECTION, "design": "lhs", "points": 4}
    serial = sweep(tmp_path, "serial", replications=2, **kw)
    procs = sweep(tmp_path, "procs", replications=2, executor="processes", workers=2, **kw)
    _same_tables(serial, procs)
    one = sweep(
        tmp_path, "one", replications=2, executor="processes", workers=1, batch_size=3, **kw
    )
    _same_tables(serial, one)


@pytest.mark.slow
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


@pytest.mark.slow
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


def fail_runs(monkeypatch, when):
    """Make every run whose config satisfies `when(cfg, attempt)` raise, as a crashing model
    would; `attempt` counts the runs started so far (serial executor: in this process)."""
    real = runs_module.simulate_tallies
    started: list[int] = []

    def flaky(cfg):
        started.append(cfg.seed)
        if when(cfg, len(started)):
            raise RuntimeError(f"injected failure at coverage {cfg.policy.tolerance.coverage}")
        return real(cfg)

    monkeypatch.setattr(runs_module, "simulate_tallies", flaky)
    # every run alone, through `simulate_tallies` (batched replicates would bypass the injection)
    monkeypatch.setattr(
        runs_module, "plan_batches", lambda cfgs, _: [[i] for i in range(len(cfgs))]
    )
    return started


def test_a_failing_run_is_recorded_and_the_rest_completes(tmp_path, monkeypatch):
    fail_runs(monkeypatch, lambda cfg, _: cfg.policy.tolerance.coverage >= 0.5)
    res = sweep(tmp_path, levers=COVERAGE, design="grid", levels=5, replications=2)
    assert len(res.failures) == 6  # 0.5, 0.75, 1.0 x 2 replicates
    assert res.runs["run_id"].nunique() == 4
    stored = json.loads((res.folder / "failures.json").read_text())
    assert [f["run_id"] for f in stored] == [4, 5, 6, 7, 8, 9]
    first = stored[0]
    assert first["params"] == {"policy.tolerance.coverage": 0.5} and first["seed"]
    assert "injected failure at coverage 0.5" in first["error"]
    assert first["command"].startswith("cadresim ") and f"seed={first['seed']}" in first["command"]
    manifest = json.loads((res.folder / "manifest.json").read_text())
    assert manifest["status"] == "incomplete" and manifest["failed_runs"] == 6


def test_resume_after_a_failure_keeps_every_finished_run(tmp_path, monkeypatch):
    # run 0 fails once; its batch's part holds runs 1 and 2. The retry of run 0 must get a part
    # of its own, not the old part's name (which os.replace would have overwritten).
    kw = {"levers": COVERAGE, "design": "lhs", "points": 3, "replications": 2, "batch_size": 3}
    full = sweep(tmp_path, "full", **kw)
    started = fail_runs(monkeypatch, lambda cfg, attempt: attempt == 1)
    first = sweep(tmp_path, "flaky", **kw)
    assert [f["run_id"] for f in first.failures] == [0]
    assert sorted(first.runs["run_id"].unique()) == [1, 2, 3, 4, 5]
    second = sweep(tmp_path, "flaky", **kw)
    assert second.executed == 1 and len(started) == 6 + 1  # only run 0 ran again
    assert not second.failures and second.complete
    per_run = second.runs.query("grouping == 'all'")["run_id"]
    assert sorted(per_run) == [0, 1, 2, 3, 4, 5]  # every run once
    _same_tables(full, second)
    parts = sorted(p.name for p in (second.folder / "runs").glob("part-*.parquet"))
    assert parts == ["part-0000000-1.parquet", "part-0000000.parquet", "part-0000003.parquet"]
    assert json.loads((second.folder / "manifest.json").read_text())["status"] == "complete"


def test_a_finished_part_is_never_replaced(tmp_path):
    path = tmp_path / "part-0000000.parquet"
    store.write_parquet(path, pd.DataFrame({"run_id": [1, 2]}), replace=False)
    with pytest.raises(FileExistsError, match="never replaced"):
        store.write_parquet(path, pd.DataFrame({"run_id": [0]}), replace=False)
    assert pd.read_parquet(path)["run_id"].tolist() == [1, 2]
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temp file left
    assert store.part_name(tmp_path.parent, 0) == "part-0000000.parquet"


def test_part_names_skip_every_existing_part(tmp_path):
    for sub in ("steps", "runs"):
        (tmp_path / sub).mkdir()
    (tmp_path / "runs" / "part-0000006.parquet").touch()
    (tmp_path / "steps" / "part-0000006-1.parquet").touch()
    assert store.part_name(tmp_path, 6) == "part-0000006-2.parquet"
    assert store.part_name(tmp_path, 9) == "part-0000009.parquet"


def test_versions_are_recorded_beside_the_fingerprint(tmp_path, monkeypatch, capsys):
    # runs made with an older numpy, then resumed after an "upgrade": not refused, recorded
    kw = {"levers": COVERAGE, "design": "lhs", "points": 2, "replications": 2}
    now = library_versions()
    old = {**now, "numpy": "1.26.0"}
    monkeypatch.setattr(store, "library_versions", lambda: dict(old))
    fail_runs(monkeypatch, lambda cfg, attempt: attempt == 1)
    first = sweep(tmp_path, "v", **kw)
    before = json.loads((first.folder / "manifest.json").read_text())
    assert before["versions"] == old and "earlier_versions" not in before
    monkeypatch.undo()
    capsys.readouterr()
    second = sweep(tmp_path, "v", **kw)
    assert second.executed == 1 and second.complete
    after = json.loads((second.folder / "manifest.json").read_text())
    assert after["fingerprint"] == before["fingerprint"]
    assert after["versions"] == now and after["earlier_versions"] == [old]
    assert set(LIBRARIES) <= set(now) and now["numpy"] == np.__version__
    assert "other library versions" in capsys.readouterr().err
    html = write_report(second.folder, lang="en").read_text(encoding="utf-8")
    assert f"numpy {np.__version__}, scipy " in html and "other library versions" in html
    assert simulate(SMALL).summary["versions"] == now


def test_one_mix_share_swept_proactive_takes_the_remainder(tmp_path):
    fearful = {"population.mix.fearful": [0.1, 0.3]}
    res = sweep(tmp_path, uncertainties=fearful, design="lhs", points=3, replications=1)
    assert not res.failures and res.complete
    manifest = json.loads((res.folder / "manifest.json").read_text())
    assert manifest["design"]["derived"] == {
        "population.mix.proactive": "1 - the five deficit shares "
        "(unwilling, unable, afraid, reluctant, fearful)"
    }
    start = res.steps().query("step == 0 and grouping == 'type'")
    for _, rows in start.groupby("point_id"):
        shares = rows.set_index("type")["share"]
        swept = rows["population.mix.fearful"].iloc[0]
        # 100 cadres: shares are whole cadres (largest remainders)
        assert shares["fearful"] == pytest.approx(swept, abs=0.011)
        assert shares["proactive"] == pytest.approx(0.48 - swept, abs=0.011)
    # the command that repeats a run sets the remainder too, and runs as a plain single run
    line = rerun_command(res.folder, 1)
    proactive = 1 - 0.52 - float(res.design.loc[1, "population.mix.fearful"])
    assert f"population.mix.proactive={round(proactive, 12)!r}" in line
    single = simulate(shlex.split(line)[1:])
    stored = res.steps().query("run_id == 1").reset_index(drop=True)
    np.testing.assert_array_equal(
        stored["initiative_rate"].to_numpy(), single.steps["initiative_rate"].to_numpy()
    )


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
        # cross-field rules of the config, checked on every design point
        (
            {"levers": {"population.background": [0.1, 0.9]}, "design": "grid", "levels": 5},
            "3 of 5 design points give an invalid run config, e.g. point 2 "
            "(population.background=0.5): population.background = 0.5 must lie in "
            "(0, threshold) = (0, 0.5)",
        ),
        (
            {"uncertainties": {"population.threshold": [0.3, 0.8]}, "design": "grid", "levels": 6},
            "1 of 6 design points give an invalid run config, e.g. point 5 "
            "(population.threshold=0.8): population.severity.unwilling = 0.75 must lie in "
            "(threshold, 1) = (0.8, 1)",
        ),
        (
            {"uncertainties": {"population.mix.fearful": [0.1, 0.9]}},
            "population.mix.fearful = 0.722577 leaves population.mix.proactive (= 1 - the five "
            "deficit shares (unwilling, unable, afraid, reluctant, fearful)) negative; allowed at "
            "most 0.48 with the other deficit shares as set",
        ),
        (
            {"uncertainties": {"population.mix.proactive": [0.2, 0.4]}},
            "the six shares must sum to 1; vary only deficit shares and "
            "population.mix.proactive takes the remainder",
        ),
    ],
)
def test_bad_sweep_input_is_refused_before_any_run(tmp_path, kw, fragment):
    with pytest.raises(ConfigError, match=re.escape(fragment)):
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
