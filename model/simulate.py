"""The one-call API: `simulate(config) -> SimulationResult` (a tidy step table and a summary).

It steps the engine directly: the Mesa shell (`CadreModel`) adds agent views and a data
collector a plain run never reads, and importing Mesa costs more than a small run. The engine
draws only from its own streams, so the results are those of `CadreModel` stepped as often."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cadresim.agents.types import TYPE_NAMES

from .config import CadreConfig, load_config, to_config
from .engine import Engine
from .formats import summary_table, table_writers, to_parquet
from .metrics import IDX, step_table, summarise
from .orgtables import OrgRecorder, org_notice, print_notice_once
from .versions import library_versions


@dataclass
class SimulationResult:
    config: CadreConfig
    steps: pd.DataFrame  # one row per step x group (see model.metrics.step_table)
    summary: dict[str, Any]
    seconds: float = 0.0  # wall time of the steps (kept out of the summary: it is not reproducible)
    # network=file: units, levels (and nodes with network.node_steps), see model.orgtables
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    # every file the last write() put in place, so the command can list them all
    written: list[Path] = field(default_factory=list)

    def write(self, directory: str | Path) -> tuple[Path, Path]:
        """Write steps.parquet and summary.json (and units/levels/nodes.parquet for an org
        chart; CSV or Excel copies with experiment.format) atomically: every file goes to a
        temp file first, and all are renamed only once all are whole, so a failed write (a
        full disk) replaces nothing and leaves no temp file. Returns the two main paths."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        steps_path, summary_path = directory / "steps.parquet", directory / "summary.json"
        text = json.dumps(self.summary, indent=2, ensure_ascii=False, sort_keys=False)
        writers = {
            "steps.parquet": lambda p: to_parquet(self.steps, p),
            "summary.json": lambda p: Path(p).write_text(text + "\n", encoding="utf-8"),
        }
        for name, table in self.tables.items():
            writers[f"{name}.parquet"] = lambda p, t=table: to_parquet(t, p)
        fmt = self.config.experiment.format
        copies = {"steps": self.steps, "summary": summary_table(self.summary), **self.tables}
        writers.update(table_writers(copies, fmt))
        temps: list[str] = []
        try:
            staged = []
            for name, write in writers.items():
                tmp = _temp(directory / name, temps)
                write(tmp)
                staged.append((tmp, directory / name))
            for tmp, path in staged:
                os.replace(tmp, path)
            self.written = [path for _, path in staged]
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
UNHASHED = ("overwrite", "optimise", "calibrate")  # a search's or a fit's settings, not a run's
# experiment.dry_run writes nothing, so it is never part of a written run's identity;
# experiment.format only adds CSV/Excel copies of the same tables
UNHASHED_EXPERIMENT = ("dry_run", "format", "allow_large")


def config_hash(cfg: CadreConfig) -> str:
    """Short stable hash of the full config (output folder names, resume checks)."""
    data = {k: v for k, v in asdict(cfg).items() if k not in UNHASHED}
    data["experiment"] = {
        k: v for k, v in data["experiment"].items() if k not in UNHASHED_EXPERIMENT
    }
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
    engine, tables = _run(cfg, org_tables=True)
    elapsed = time.perf_counter() - start
    return result_of(cfg, engine.tally_array(), engine.n, elapsed, tables)


def simulate_tallies(cfg: CadreConfig) -> np.ndarray:
    """A validated config's tallies alone ((steps + 1) x groups x counts): what an experiment
    keeps of a run, without the step table and summary `simulate` builds around them."""
    return _run(cfg, org_tables=False)[0].tally_array()


def simulate_org(cfg: CadreConfig) -> tuple[np.ndarray, dict[str, pd.DataFrame]]:
    """An org-chart run in an experiment: its tallies and its units and levels tables (no
    per-step nodes table: one per run of an experiment would be too large)."""
    engine, tables = _run(cfg, org_tables=True, notice=False, node_steps=False)
    return engine.tally_array(), tables


def _run(
    cfg: CadreConfig, org_tables: bool, notice: bool = True, node_steps: bool | None = None
) -> tuple[Engine, dict[str, pd.DataFrame]]:
    engine = Engine(copy.deepcopy(cfg))  # as CadreModel: the run never edits the caller's config
    org = None
    if cfg.network.kind == "file" and org_tables:
        # the size notice: a run of its own prints it; an experiment's driver prints it once
        if notice and (message := org_notice(cfg, engine.n)):
            print_notice_once(message)
        steps = cfg.network.node_steps if node_steps is None else node_steps
        org = OrgRecorder(engine, summary_start(cfg), steps)
    for _ in range(cfg.steps):
        engine.step()
        if org is not None:
            org.record(engine)
    return engine, org.tables(engine) if org is not None else {}


def summary_start(cfg: CadreConfig) -> int:
    """First step of the summary window: after `summary_from` of the run, and holding at
    least the last step."""
    return min(int(cfg.summary_from * cfg.steps) + 1, max(cfg.steps, 1))


def result_of(
    cfg: CadreConfig,
    tallies: np.ndarray,
    cadres: int,
    elapsed: float,
    tables: dict[str, pd.DataFrame] | None = None,
) -> SimulationResult:
    """The step table and summary of a run from its tallies (a solo run or one of a batch)."""
    first = summary_start(cfg)
    table = step_table(tallies)
    table.insert(0, "seed", cfg.seed)
    table.insert(1, "policy", cfg.policy.name)
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
    return SimulationResult(cfg, table, summary, elapsed, tables or {})


def _shares(tallies: np.ndarray, step: int) -> dict[str, float]:
    """Each current type's share of all cadres at `step` (the step table's `share`, read from
    the tallies: selecting table rows costs more than a batched run's step)."""
    n = tallies[step, 1 : 1 + len(TYPE_NAMES), IDX["n"]]
    total = tallies[step, 0, IDX["n"]]
    return {name: float(x / total) for name, x in zip(TYPE_NAMES, n, strict=True)}
