"""A real local Ray cluster (`ray start --head`, own temp dir and ports, stopped at the end):
a sweep through experiment.ray_address gives the serial results byte for byte, and a worker
killed mid-sweep loses nothing. Token authentication passes through (RAY_AUTH_MODE)."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _procs import session_processes

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


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """`ray start --head --block` in its own session; every process it started is killed by
    pid at the end (never `ray stop`, which stops every cluster of the machine)."""
    temp = Path(f"/tmp/cadresim-ray-{os.getpid()}")  # Ray's socket paths must stay short
    port = random.randrange(20000, 40000, 100)
    ports = {
        "--node-manager-port": port + 1, "--object-manager-port": port + 2,
        "--dashboard-agent-listen-port": port + 3, "--dashboard-agent-grpc-port": port + 4,
        "--runtime-env-agent-port": port + 5, "--metrics-export-port": port + 6,
        "--min-worker-port": port + 10, "--max-worker-port": port + 60,
    }  # fmt: skip
    ray_cli = str(Path(sys.executable).with_name("ray"))
    head = subprocess.Popen(
        [ray_cli, "start", "--head", "--block", f"--port={port}", f"--temp-dir={temp}",
         "--num-cpus=2", "--include-dashboard=false", "--disable-usage-stats",
         *(f"{k}={v}" for k, v in ports.items())],
        start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not (_port_open(port) and _port_open(port + 1)):
            assert head.poll() is None and time.monotonic() < deadline, "the head did not start"
            time.sleep(0.5)
        yield f"127.0.0.1:{port}"
    finally:
        head.send_signal(signal.SIGTERM)
        try:
            head.wait(30)
        except subprocess.TimeoutExpired:
            pass
        for pid in session_processes(head.pid):
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(temp, ignore_errors=True)


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
def test_a_sweep_on_a_real_cluster_matches_serial_byte_for_byte(cluster, serial, tmp_path):
    folder = tmp_path / "ray"
    result = run_sweep(SMALL, output_dir=str(folder), executor="ray", ray_address=cluster, **KW)
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
    cluster, serial, tmp_path, monkeypatch, task
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
    result = run_sweep(SMALL, output_dir=str(folder), executor="ray", ray_address=cluster, **KW)
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
    again = run_sweep(SMALL, output_dir=str(folder), executor="ray", ray_address=cluster, **KW)
    assert again.executed == 2 and not again.execution.failures
    assert _digests(folder) == _digests(serial)
