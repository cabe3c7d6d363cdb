"""Hard limits derived from the machine: a run's or an experiment's memory estimate above half
of this machine's memory is refused before any work, unless experiment.allow_large=true."""

from __future__ import annotations

import time

import pytest

from cadresim import safety
from cadresim.experiments import run_sweep
from cadresim.model.config import ConfigError


@pytest.fixture
def no_work(monkeypatch):
    """Fail loudly if a run or a design is started (the limits must stop things before)."""
    from cadresim.experiments import sweep
    from cadresim.model import simulate

    def started(*a, **k):
        raise AssertionError("work started")

    monkeypatch.setattr(simulate, "simulate", started)
    monkeypatch.setattr(sweep, "make_design", started)


@pytest.mark.parametrize(
    ("arg", "key"), [("population.size=10000000", "population.size"), ("steps=1000000", "steps")]
)
def test_a_huge_run_stops_at_once_with_one_line(tmp_path, inproc, no_work, arg, key):
    out = inproc(arg)
    assert out.returncode == 2 and out.stdout == ""
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    line = lines[0]
    assert line.startswith(f"cadresim: error: {arg.replace('=', ' = ')}: ")
    assert "GiB of memory" in line and f"lower {key}" in line
    assert "experiment.allow_large=true" in line
    assert list(tmp_path.iterdir()) == []


def test_a_ten_million_point_lhs_is_refused_before_planning(tmp_path, no_work):
    started = time.monotonic()
    with pytest.raises(ConfigError, match=r"sweep.points = 10000000: 10,000,000 design points"):
        run_sweep(
            ["population.size=100", "steps=12"],
            levers={"policy.tolerance.coverage": [0, 1]},
            points=10_000_000,
            output_dir=str(tmp_path / "big"),
        )
    assert time.monotonic() - started < 10
    assert not (tmp_path / "big").exists()


def test_the_cap_follows_the_machine_and_the_flag_lifts_it(tmp_path, inproc, monkeypatch):
    """On a machine with 600 MiB the cap is 300 MiB: 30,000 cadres (about 314 MiB by the
    estimate) are refused, and run when allowed knowingly."""
    monkeypatch.setattr(safety, "machine_memory", lambda: 600 * safety.MIB)
    run = ["population.size=30000", "steps=2", "write=false", "experiment.report=false"]
    refused = inproc(*run)
    assert refused.returncode == 2
    assert "more than the 300 MiB allowed on this machine (half of its 600 MiB)" in refused.stderr
    assert inproc("population.size=60", "steps=2", "write=false").returncode == 0
    allowed = inproc(*run, "experiment.allow_large=true")
    assert allowed.returncode == 0, allowed.stderr


def test_runs_in_parallel_and_planned_runs_count(monkeypatch):
    """A pool holds one model per worker, and every planned run holds its spec and rows."""
    from cadresim.model.config import load_config

    monkeypatch.setattr(safety, "machine_memory", lambda: 4096 * safety.MIB)  # cap 2 GiB
    monkeypatch.setattr(safety.os, "sched_getaffinity", lambda pid: set(range(8)))
    one = ["experiment=compare_regimes", "population.size=400000", "experiment.replications=4"]
    load_config([*one, "experiment.executor=serial"])  # 1 model of ~1 GiB: fits
    with pytest.raises(ConfigError, match=r"population.size = 400000: .* x 8 runs at once"):
        load_config([*one, "experiment.executor=processes"])  # 8 at once: refused
    load_config([*one, "experiment.executor=processes", "experiment.workers=1"])
    with pytest.raises(ConfigError, match=r"experiment.replications = 100000: \d regimes x 100000"):
        load_config(["experiment=compare_regimes", "experiment.replications=100000"])
