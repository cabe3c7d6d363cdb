"""The `cadresim` command: the default run, overrides, and bad input (exit 2, nothing written)."""

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
def test_bad_input_exits_2_without_traceback_or_output(tmp_path, args, fragment):
    out = cadresim(*args, cwd=tmp_path)
    assert out.returncode == 2
    assert fragment in out.stderr
    assert "Traceback" not in out.stderr + out.stdout
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_malformed_network_file_exits_2(tmp_path):
    (tmp_path / "org.csv").write_text("source,target\na,a\n")
    out = cadresim("network=file", "network.path=org.csv", cwd=tmp_path)
    assert out.returncode == 2 and "self-loops" in out.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["org.csv"]


def test_multirun(tmp_path):
    out = cadresim(
        "-m", "policy=baseline,tolerance_only", "population.size=100", "steps=6", cwd=tmp_path
    )
    assert out.returncode == 0, out.stderr
    assert len(list((tmp_path / "results" / "runs").glob("*/steps.parquet"))) == 2


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
def test_multirun_checks_every_job_before_the_first_runs(tmp_path, args, fragment):
    out = cadresim("-m", *args, "steps=6", cwd=tmp_path)
    assert out.returncode == 2
    assert fragment in out.stderr and "no job was run" in out.stderr
    assert "Traceback" not in out.stderr + out.stdout
    assert list(tmp_path.iterdir()) == []  # job 0 wrote nothing either
