"""The one-call API: `simulate(config) -> SimulationResult` (a tidy step table and a summary)."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cadresim.agents.types import TYPE_NAMES

from .cadre_model import CadreModel
from .config import CadreConfig, load_config, to_config
from .metrics import IDX, step_table, summarise
from .versions import library_versions


@dataclass
class SimulationResult:
    config: CadreConfig
    steps: pd.DataFrame  # one row per step x group (see model.metrics.step_table)
    summary: dict[str, Any]
    seconds: float = 0.0  # wall time of the steps (kept out of the summary: it is not reproducible)

    def write(self, directory: str | Path) -> tuple[Path, Path]:
        """Write steps.parquet and summary.json atomically: both go to temp files first and
        are renamed only once both are whole, so a failed write (a full disk) replaces nothing
        and leaves no temp file."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        steps_path, summary_path = directory / "steps.parquet", directory / "summary.json"
        text = json.dumps(self.summary, indent=2, ensure_ascii=False, sort_keys=False)
        temps: list[str] = []
        try:
            steps_tmp = _temp(steps_path, temps)
            self.steps.to_parquet(steps_tmp, index=False)
            summary_tmp = _temp(summary_path, temps)
            Path(summary_tmp).write_text(text + "\n", encoding="utf-8")
            os.replace(steps_tmp, steps_path)
            os.replace(summary_tmp, summary_path)
        finally:
            for tmp in temps:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        return steps_path, summary_path


def _temp(path: Path, temps: list[str]) -> str:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    temps.append(tmp)
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(tmp, 0o666 & ~mask)  # mkstemp makes 0600; results are shared like any file
    return tmp


# Keys that say how to write, not what runs: kept out of the hash, so a run's folder name and
# its identity do not change with them.
UNHASHED = ("overwrite",)


def config_hash(cfg: CadreConfig) -> str:
    """Short stable hash of the full config (output folder names, resume checks)."""
    data = {k: v for k, v in asdict(cfg).items() if k not in UNHASHED}
    blob = json.dumps(data, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:10]


def resolve(config: CadreConfig | Mapping[str, Any] | Iterable[str] | None) -> CadreConfig:
    """Accept a CadreConfig, a nested dict, a flat mapping of overrides or a list of overrides."""
    if config is None:
        return load_config()
    if isinstance(config, CadreConfig):
        return to_config(config)
    if isinstance(config, Mapping):
        if any("." in str(k) for k in config) or any(isinstance(v, str) for v in config.values()):
            return load_config(config)
        return to_config(config)
    return load_config(list(config))


def simulate(
    config: CadreConfig | Mapping[str, Any] | Iterable[str] | None = None,
) -> SimulationResult:
    """Run one simulation and return its step table and run summary."""
    cfg = resolve(config)
    start = time.perf_counter()
    model = CadreModel(cfg, agent_views=False, collect=False)
    for _ in range(cfg.steps):
        model.step()
    elapsed = time.perf_counter() - start
    return result_of(cfg, model.engine.tally_array(), model.engine.n, elapsed)


def result_of(
    cfg: CadreConfig, tallies: np.ndarray, cadres: int, elapsed: float
) -> SimulationResult:
    """The step table and summary of a run from its tallies (a solo run or one of a batch)."""
    table = step_table(tallies)
    table.insert(0, "seed", cfg.seed)
    table.insert(1, "policy", cfg.policy.name)
    # the window starts after that share of the run, and holds at least the last step
    first = min(int(cfg.summary_from * cfg.steps) + 1, max(cfg.steps, 1))
    summary = {
        "policy": cfg.policy.name,
        "population": cfg.population.name,
        "network": cfg.network.name,
        "seed": cfg.seed,
        "steps": cfg.steps,
        "cadres": cadres,
        "summary_window": [first, cfg.steps],
        "config_hash": config_hash(cfg),
        **summarise(tallies, first),
        "initial_type_shares": _shares(tallies, 0),
        "final_type_shares": _shares(tallies, cfg.steps),
        "versions": library_versions(),
        "config": asdict(cfg),
    }
    return SimulationResult(cfg, table, summary, elapsed)


def _shares(tallies: np.ndarray, step: int) -> dict[str, float]:
    """Each current type's share of all cadres at `step` (the step table's `share`, read from
    the tallies: selecting table rows costs more than a batched run's step)."""
    n = tallies[step, 1 : 1 + len(TYPE_NAMES), IDX["n"]]
    total = tallies[step, 0, IDX["n"]]
    return {name: float(x / total) for name, x in zip(TYPE_NAMES, n, strict=True)}
