"""Experiment kinds through the `cadresim` command: tables printed, files written, exit codes."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import cadresim

from cadresim.experiments import runs as runs_module

SMALL = ["population.size=100", "steps=12", "experiment.executor=serial"]


@pytest.mark.slow
def test_compare_regimes_prints_table_and_writes_tidy_tables(tmp_path):
    out = cadresim(
        "experiment=compare_regimes",
        "experiment.regimes=[baseline,three_mechanisms]",
        "experiment.replications=3",
        *SMALL,
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    assert "initiative" in out.stdout and "three_mechanisms" in out.stdout
    assert "fearful" in out.stdout  # the by-type table
    folder = next((tmp_path / "results" / "experiments").glob("compare_regimes-*"))
    comparison = pd.read_parquet(folder / "comparison.parquet")
    assert set(comparison["regime"]) == {"baseline", "three_mechanisms"}
    assert set(comparison["grouping"]) == {"all", "type", "cohort"}
    runs = pd.read_parquet(folder / "runs.parquet")
    assert runs["run_id"].nunique() == 6 and "share" in runs
    steps = pd.read_parquet(folder / "steps")
    assert {"run_id", "replicate", "seed", "policy", "step", "initiative_rate"} <= set(steps)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["kind"] == "compare_regimes" and len(manifest["replicate_seeds"]) == 3
    assert manifest["version"] and "git_commit" in manifest
    # the experiment ends with its report (experiment.report defaults to true)
    report = folder / "report.en.html"
    assert f"report:  {report.relative_to(tmp_path)}" in out.stdout
    assert "Plotly" in report.read_text(encoding="utf-8")
    # the same command again finds everything done and runs nothing
    again = cadresim(
        "experiment=compare_regimes",
        "experiment.regimes=[baseline,three_mechanisms]",
        "experiment.replications=3",
        *SMALL,
        cwd=tmp_path,
    )
    assert again.returncode == 0 and "0 executed now" in again.stdout


def test_readme_sweep_command_line(tmp_path, inproc):
    out = inproc(
        "experiment=sweep",
        "sweep.levers.policy.tolerance.coverage=[0,1]",
        "sweep.levers.policy.accountability.detection=[0,1]",
        "sweep.design=lhs",
        "sweep.points=6",
        "sweep.replications=2",
        "experiment.output_dir=out",
        *SMALL,
    )
    assert out.returncode == 0, out.stderr
    assert "Pareto set" in out.stdout
    design = pd.read_parquet(tmp_path / "out" / "design.parquet")
    assert list(design.columns) == [
        "point_id",
        "policy.tolerance.coverage",
        "policy.accountability.detection",
    ]
    assert len(design) == 6
    assert (tmp_path / "out" / "pareto.parquet").exists()


def test_failed_runs_give_a_nonzero_exit_and_failures_json(tmp_path, inproc, monkeypatch):
    real = runs_module.simulate_tallies

    def crash_above_half(cfg):  # a model crash in some runs (serial executor: this process)
        if cfg.policy.tolerance.coverage >= 0.5:
            raise RuntimeError("injected failure")
        return real(cfg)

    monkeypatch.setattr(runs_module, "simulate_tallies", crash_above_half)
    # every run alone, through `simulate_tallies` (batched runs would bypass the injection)
    monkeypatch.setattr(
        runs_module, "plan_batches", lambda cfgs, _: [[i] for i in range(len(cfgs))]
    )
    out = inproc(
        "experiment=sweep",
        "sweep.levers.policy.tolerance.coverage=[0,1]",
        "sweep.design=grid",
        "sweep.levels=3",
        "sweep.replications=1",
        "experiment.output_dir=out",
        *SMALL,
    )
    assert out.returncode == 1
    assert "2 run(s) failed" in out.stdout
    assert len(json.loads((tmp_path / "out" / "failures.json").read_text())) == 2
    assert pd.read_parquet(tmp_path / "out" / "runs.parquet")["run_id"].nunique() == 1


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["sweep.levers.policy.tolerance.coverag=[0,1]"], "is not a config key"),
        (["sweep.levers.policy.tolerance.coverage=[1,0]"], "empty range"),
        (["sweep.levers.policy.tolerance.coverage=[0,1]", "sweep.replications=0"], "allowed [1,"),
        (
            ["sweep.levers.policy.tolerance.coverage=[0,1]", "experiment.output_dir=/proc/x/y"],
            "not writable",
        ),
        (
            ["sweep.levers.population.background=[0.1,0.9]", "sweep.design=grid"],
            "e.g. point 2 (population.background=0.5): population.background = 0.5 must lie in "
            "(0, threshold) = (0, 0.5)",
        ),
    ],
)
def test_bad_sweep_input_exits_2_before_any_run(tmp_path, inproc, args, fragment):
    out = inproc("experiment=sweep", *SMALL, *args)
    assert out.returncode == 2
    assert fragment in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "results").exists()


def test_compare_regimes_bad_input_exits_2(tmp_path, inproc):
    out = inproc("experiment=compare_regimes", "experiment.replications=0")
    assert out.returncode == 2 and "experiment.replications = 0" in out.stderr
    out = inproc("experiment=compare_regimes", "experiment.baseline=nope")
    assert out.returncode == 2 and "experiment.baseline" in out.stderr
    assert not (tmp_path / "results").exists()


def test_other_experiment_in_the_same_folder_exits_2(tmp_path, inproc):
    base = ["experiment=sweep", "sweep.levers.policy.tolerance.coverage=[0,1]", *SMALL]
    first = inproc(*base, "sweep.points=2", "experiment.output_dir=out")
    assert first.returncode == 0, first.stderr
    other = inproc(*base, "sweep.points=3", "experiment.output_dir=out")
    assert other.returncode == 2 and "different experiment" in other.stderr
