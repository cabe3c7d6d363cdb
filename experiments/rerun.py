"""Repeat one run of an experiment alone, from its results folder."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from cadresim.model.config import ConfigError, to_config
from cadresim.model.simulate import SimulationResult, simulate

from .overrides import override_value
from .runner import command_line
from .runs import RunSpec, derived_overrides, run_config
from .store import MANIFEST


def _spec(folder: Path, run_id: int) -> tuple[dict, RunSpec]:
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    params = [d["key"] for d in manifest["design"].get("levers", [])] + [
        d["key"] for d in manifest["design"].get("uncertainties", [])
    ]
    runs = pd.read_parquet(folder / "runs", filters=[("run_id", "==", run_id)])
    if runs.empty:
        raise ConfigError(f"run_id = {run_id} is not a finished run of {folder}")
    row = runs.iloc[0]
    spec = RunSpec(
        run_id=run_id,
        regime=str(row["policy"]),
        replicate=int(row["replicate"]),
        seed=int(row["seed"]),
        point_id=int(row["point_id"]) if "point_id" in runs else -1,
        params=tuple((k, row[k].item() if hasattr(row[k], "item") else row[k]) for k in params),
    )
    return manifest, spec


def rerun(folder: str | Path, run_id: int) -> SimulationResult:
    """Run `run_id` of the experiment in `folder` again, alone; same seed, same tables."""
    manifest, spec = _spec(Path(folder), run_id)
    base = to_config(manifest["regimes"][spec.regime]["config"])
    return simulate(run_config(base, spec))


def rerun_command(folder: str | Path, run_id: int) -> str:
    """The `cadresim ...` command line that repeats one run as a single run; each override is
    shell-quoted (a policy.schedule's braces and quotes survive bash)."""
    manifest, spec = _spec(Path(folder), run_id)
    base = to_config(manifest["regimes"][spec.regime]["config"])
    values = [*spec.params, *derived_overrides(base, spec.params)]
    parts = list(manifest["regimes"][spec.regime]["overrides"])
    parts += [f"{k}={override_value(v)}" for k, v in values]
    return command_line([*parts, f"seed={spec.seed}"])
