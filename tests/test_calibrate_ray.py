"""Calibration on a real local Ray cluster (`ray start --head`, the fixture of
tests/conftest.py): the same posterior as serial, byte for byte, and an
experiment.posterior run on the cluster takes its draws from the batch, not from the file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cadresim.experiments.calibration import calibrate
from cadresim.experiments.calibration.posterior import posterior_draw, write_posterior_yaml
from cadresim.experiments.executors import execute
from cadresim.experiments.runs import Batch, RunSpec, run_batch
from cadresim.model.config import load_config

pytest.importorskip("ray")

TINY = ["population.size=100", "steps=12", "calibrate.predictive=4", "experiment.report=false"]
COMMON = [*TINY, "calibrate.particles=6", "calibrate.generations=2", "calibrate.targets=seeds"]
TABLES = ("posterior.parquet", "generations.parquet", "predictive.parquet", "fit.parquet")


@pytest.mark.slow
def test_a_calibration_on_a_real_cluster_matches_serial_byte_for_byte(ray_cluster, tmp_path):
    serial = calibrate(
        [*COMMON, "experiment.executor=serial", f"experiment.output_dir={tmp_path / 's'}"]
    )
    on_ray = calibrate(
        [*COMMON, "experiment.executor=ray", f"experiment.ray_address={ray_cluster}",
         f"experiment.output_dir={tmp_path / 'r'}"]
    )  # fmt: skip
    assert len(on_ray.generations) == 2 and on_ray.simulations == serial.simulations
    pd.testing.assert_frame_equal(on_ray.posterior, serial.posterior)
    for name in TABLES:
        assert (tmp_path / "r" / name).read_bytes() == (tmp_path / "s" / name).read_bytes()


@pytest.mark.slow
def test_posterior_draws_reach_cluster_workers_without_the_file(ray_cluster, tmp_path):
    path = tmp_path / "posterior.yaml"
    keys = ["behaviour.steepness", "population.beliefs.awareness"]
    values = [[1.5, 0.2], [4.0, 0.7], [2.5, 0.4]]
    path.write_text(write_posterior_yaml(path, keys, values, [0.2, 0.5, 0.3], {}), "utf-8")
    base = load_config(["population.size=60", "steps=6", f"experiment.posterior={path}"])
    specs = [RunSpec(r, "baseline", r, s) for r, s in enumerate([3, 11, 12, 40])]
    assert len({posterior_draw(str(path), s.seed)[0][1] for s in specs}) > 1
    batch = Batch("p", {"baseline": base}, specs, save_steps=False)
    expected = run_batch(batch).runs
    Path(path).unlink()
    (result,) = execute([batch], "ray", ray_address=ray_cluster)
    assert not result.failures, result.failures
    pd.testing.assert_frame_equal(result.runs, expected)
