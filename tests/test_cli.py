"""The `cadresim` command: the default run, overrides, multiruns, and bad input (exit 2, nothing
written). Messages are checked in-process (`inproc`); one test runs the real command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

EXE = [sys.executable, "-m", "cadresim.cli"]


def cadresim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    return subprocess.run([*EXE, *args], cwd=cwd, capture_output=True, text=True, env=env)


def test_default_run_prints_table_and_writes_results(tmp_path):
    out = cadresim(
        "population.size=200", "steps=24", "policy=three_mechanisms", "seed=3", cwd=tmp_path
    )
    assert out.returncode == 0, out.stderr
    assert "initiative" in out.stdout and "fearful" in out.stdout
    line = next(x for x in out.stdout.splitlines() if x.startswith("step table:"))
    steps = pd.read_parquet(tmp_path / line.split(":", 1)[1].strip())
    assert set(steps["policy"]) == {"three_mechanisms"} and steps["step"].max() == 24
    summary = json.loads(next((tmp_path / "results" / "runs").glob("*/summary.json")).read_text())
    assert summary["seed"] == 3 and summary["config"]["policy"]["name"] == "three_mechanisms"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["policy.tolerance.coverage=1.5"], "allowed [0, 1]"),
        (["population.mix.unable=0.5"], "must sum to 1"),
        (["policy=nope"], "policy/nope"),
        (["policy.tolerance.foo=1"], "foo"),
        (["population.size=-3"], "population.size"),
        (["network=file", "network.path=missing.csv"], "no such file"),
    ],
)
def test_bad_input_exits_2_without_traceback_or_output(tmp_path, inproc, args, fragment):
    out = inproc(*args)
    assert out.returncode == 2
    assert fragment in out.stderr
    assert "Traceback" not in out.stderr + out.stdout
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize(
    ("arg", "message"),
    [
        (
            "policy=nope",
            "policy = 'nope' is not a preset (no configs/policy/nope.yaml); allowed baseline, "
            "education_only, inaction_accountability, incentive_only, promotion_orientation, "
            "strict_accountability, three_mechanisms, tolerance_only, tolerance_overbroad, "
            "tolerance_unpublicised, training_only",
        ),
        (
            "nosuchkey=1",
            "nosuchkey is not a config key; allowed at the top level: seed, steps, summary_from, "
            "output_dir, write, overwrite, population, network, policy, behaviour, experiment, "
            "sweep, optimise, calibrate",
        ),
        ("steps=abc", "steps = 'abc' is not an integer; allowed an integer in [1, 1000000]"),
        (
            "population=nope",
            "population = 'nope' is not a preset (no configs/population/nope.yaml); "
            "allowed default, low_capacity_county, post_crackdown",
        ),
        (
            "experiment=nope",
            "experiment = 'nope' is not a preset (no configs/experiment/nope.yaml); "
            "allowed calibrate, compare_regimes, crackdown, lever_by_type, optimise, sensitivity, "
            "single, "
            "sweep",
        ),
        ("stpes=3", "stpes is not a config key (did you mean steps?); allowed at the top level"),
        ("+foo=1", "foo is not a config key; allowed at the top level"),
        ("write=maybe", "write = 'maybe' is not true or false; allowed true, false"),
    ],
)
def test_unknown_preset_key_or_type_is_one_line(tmp_path, inproc, arg, message):
    """Hydra's own report (search path, HYDRA_FULL_ERROR hint) is replaced by one line."""
    out = inproc(arg)
    assert out.returncode == 2
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"cadresim: error: {message}"), out.stderr
    assert "Traceback" not in out.stderr + out.stdout and "HYDRA_FULL_ERROR" not in out.stderr
    assert out.stdout == ""
    assert list(tmp_path.iterdir()) == []  # no results folder


def test_multirun_bad_preset_is_named_before_any_job(tmp_path, inproc):
    out = inproc("-m", "policy=baseline,nope", "steps=2")
    assert out.returncode == 2 and "multirun job 1 of 2 (policy=nope)" in out.stderr
    assert "policy/nope" in out.stderr and len(out.stderr.splitlines()) == 1
    assert not (tmp_path / "results" / "runs").exists()


def test_malformed_network_file_exits_2(tmp_path, inproc):
    (tmp_path / "org.csv").write_text("source,target\na,a\n")
    out = inproc("network=file", "network.path=org.csv")
    assert out.returncode == 2 and "self-loops" in out.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["org.csv"]


def test_multirun_ends_with_one_combined_table_and_leaves_no_empty_folder(tmp_path, inproc):
    out = inproc(
        "-m", "policy=baseline,tolerance_only", "seed=1,2", "population.size=100", "steps=6"
    )
    assert out.returncode == 0, out.stderr
    assert len(list((tmp_path / "results" / "runs").glob("*/steps.parquet"))) == 4
    combined = out.stdout.split("All 4 jobs:")[1].splitlines()
    rows = [line for line in combined if line.startswith("policy=")]
    assert [r.split()[:2] for r in rows] == [
        ["policy=baseline", "seed=1"],
        ["policy=baseline", "seed=2"],
        ["policy=tolerance_only", "seed=1"],
        ["policy=tolerance_only", "seed=2"],
    ]
    assert all(len(r.split()) == 2 + 3 + 6 for r in rows)  # label, policy/seed/cadres, outcomes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == ["runs"]
    empty = [p for p in tmp_path.rglob("*") if p.is_dir() and not any(p.iterdir())]
    assert empty == []


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (
            ["population.size=100,-5"],
            "multirun job 1 of 2 (population.size=-5): population.size = -5 is out of range",
        ),
        (
            ["population.mix.unable=0.14,0.5", "seed=range(2)", "population.size=100"],
            "multirun job 2 of 4 (population.mix.unable=0.5 seed=0): population.mix sums to",
        ),
    ],
)
def test_multirun_checks_every_job_before_the_first_runs(tmp_path, inproc, args, fragment):
    out = inproc("-m", *args, "steps=6")
    assert out.returncode == 2
    assert fragment in out.stderr and "no job was run" in out.stderr
    assert "Traceback" not in out.stderr + out.stdout
    assert list(tmp_path.iterdir()) == []  # job 0 wrote nothing either
