"""A real local Ray cluster (`ray start --head`, own temp dir and ports, stopped at the end):
a sweep through experiment.ray_address gives the serial results byte for byte, and a worker
killed mid-sweep loses nothing. Token authentication passes through (RAY_AUTH_MODE)."""

from __future__ import annotations

import hashlib
import os
import signal
import sys
from pathlib import Path

import pytest

from cadresim.experiments import executors, run_sweep

ray = pytest.importorskip("ray")

SMALL = ["population.size=100", "steps=12"]
KW = {
    "levers": {"policy.tolerance.coverage": [0, 1]},
    "design": "lhs",
    "points": 4,
    "replications": 2,
    "batch_size": 2,
    "progress": "none",
}


def _digests(folder: Path) -> dict[str, str]:
    names = ["runs.parquet", "design.parquet", "pareto.parquet"]
    names += [f"{d}/{p.name}" for d in ("runs", "steps") for p in (folder / d).glob("*.parquet")]
    return {n: hashlib.sha256((folder / n).read_bytes()).hexdigest() for n in sorted(names)}


@pytest.fixture(scope="module")
def serial(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("serial") / "s"
    run_sweep(SMALL, output_dir=str(folder), executor="serial", **KW)
    return folder


@pytest.mark.slow
def test_a_sweep_on_a_real_cluster_matches_serial_byte_for_byte(ray_cluster, serial, tmp_path):
    folder = tmp_path / "ray"
    result = run_sweep(SMALL, output_dir=str(folder), executor="ray", ray_address=ray_cluster, **KW)
    assert result.executed == 8 and not result.execution.failures
    assert len(_digests(folder)) == 11
    assert _digests(folder) == _digests(serial)


MARKER = {"path": ""}


def die_once(batch):
    """Kill the Ray worker running part-0000002 the first time (a marker file says when)."""
    from cadresim.experiments.runs import run_batch

    marker = Path(MARKER["path"])  # set by the test; pickled with this function (by value)
    if batch.part == "part-0000002.parquet" and not marker.exists():
        marker.write_text(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)
    return run_batch(batch)


def die_always(batch):
    from cadresim.experiments.runs import run_batch

    if batch.part == "part-0000002.parquet":
        os.kill(os.getpid(), signal.SIGKILL)
    return run_batch(batch)


@pytest.mark.slow
@pytest.mark.parametrize("task", [die_once, die_always])
def test_a_killed_ray_worker_is_retried_or_recorded_and_nothing_is_lost(
    ray_cluster, serial, tmp_path, monkeypatch, task
):
    """Ray reruns the batch of a worker killed mid-sweep; a batch whose worker dies on every try
    is recorded as failed runs (no other batch lost), and the resume finishes it."""
    from ray import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    marker = tmp_path / "killed"
    monkeypatch.setitem(MARKER, "path", str(marker))
    folder = tmp_path / "ray"
    real = executors.execute
    monkeypatch.setattr(
        "cadresim.experiments.runner.execute",
        lambda batches, *a: real(batches, *a, task=task),
    )
    result = run_sweep(SMALL, output_dir=str(folder), executor="ray", ray_address=ray_cluster, **KW)
    parts = sorted(p.name for p in (folder / "runs").glob("*.parquet"))
    if task is die_once:
        assert marker.exists()  # the worker was killed once
        assert result.executed == 8 and not result.execution.failures
        assert _digests(folder) == _digests(serial)
        return
    failures = result.execution.failures
    assert [f["run_id"] for f in failures] == [2, 3]
    assert "WorkerDied" in failures[0]["error"]
    assert parts == ["part-0000000.parquet", "part-0000004.parquet", "part-0000006.parquet"]
    monkeypatch.setattr("cadresim.experiments.runner.execute", real)
    again = run_sweep(SMALL, output_dir=str(folder), executor="ray", ray_address=ray_cluster, **KW)
    assert again.executed == 2 and not again.execution.failures
    assert _digests(folder) == _digests(serial)
