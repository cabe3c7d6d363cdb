"""What an experiment returns to Python callers: the folder and its tables as DataFrames.

Every experiment kind builds its result once, after its tables are on disk, so this is where
`experiment.format=csv|xlsx` writes their copies (experiments.export), the same for every kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .runner import Execution, Plan


@dataclass
class ExperimentResult:
    plan: Plan
    execution: Execution
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def __post_init__(self) -> None:
        fmt = self.plan.cfg.experiment.format
        if fmt != "parquet" and not self.execution.runs.empty:
            from .export import export_folder  # noqa: PLC0415

            export_folder(self.execution.folder, fmt)

    @property
    def folder(self) -> Path:
        return self.execution.folder

    @property
    def runs(self) -> pd.DataFrame:
        """runs.parquet: one row per run x grouping x type (summary-window means)."""
        return self.execution.runs

    @property
    def failures(self) -> list[dict[str, Any]]:
        return self.execution.failures

    @property
    def executed(self) -> int:
        """Runs executed by this call (a resumed experiment skips finished runs)."""
        return self.execution.executed

    @property
    def complete(self) -> bool:
        return not self.runs.empty and self.runs["run_id"].nunique() == self.execution.total

    def steps(self) -> pd.DataFrame:
        """All step rows (read from the steps/ part files; can be large)."""
        return pd.read_parquet(self.folder / "steps").sort_values(["run_id", "step"], kind="stable")

    def __getattr__(self, name: str) -> pd.DataFrame:
        # .comparison, .design, .sensitivity, .pareto
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(f"this experiment has no {name!r} table")
