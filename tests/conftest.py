"""Shared helpers for the test suite."""

from __future__ import annotations

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

from cadresim import cli, simulate


def cohort_mean(result, outcome: str, cadre_type: str) -> float:
    return float(result.summary["cohort"][cadre_type][outcome])


@pytest.fixture(scope="session")
def run():
    """simulate() with a small default size, cached per override tuple."""
    cache: dict[tuple[str, ...], object] = {}

    def _run(*overrides: str, size: int = 600, steps: int = 60):
        key = (f"population.size={size}", f"steps={steps}", *overrides)
        if key not in cache:
            cache[key] = simulate(list(key))
        return cache[key]

    return _run


def cadresim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The real command in a subprocess (a few seconds of imports each)."""
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    return subprocess.run(
        [sys.executable, "-m", "cadresim.cli", *args],
        cwd=cwd, capture_output=True, text=True, env=env,
    )  # fmt: skip


@pytest.fixture
def inproc(tmp_path, monkeypatch, capsys):
    """`cadresim ARGS` in this process: cli.main(args) -> CompletedProcess(exit code, stdout,
    stderr)."""
    monkeypatch.chdir(tmp_path)

    def _run(*args: str) -> subprocess.CompletedProcess:
        try:
            code = cli.main(list(args))
        except SystemExit as exc:
            code = exc.code
        out = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out.out, out.err)

    return _run


# ------------------------------------------------------------------ a real Ray cluster


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def ray_cluster(tmp_path_factory):
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
