"""Shared helpers for the test suite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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
