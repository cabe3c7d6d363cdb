"""Outcomes by org-chart unit and level (and, on request, by node and step) for network=file.

A user who brings an org chart wants to see where initiative, errors and misconduct happen in
it. A node is a post of the chart: careers move cadres between posts, so a post's history is
the history of whoever held it. Each step adds the engine's per-post indicator columns to one
running sum (a matrix addition over all posts); the tables are group sums of those
(`np.add.at`), turned into rates with the same numerator/denominator pairs as the step table
(`metrics.RATES`), over the run's summary window.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from .config import CadreConfig
from .engine import Engine
from .metrics import RATES

# Rates shown per unit, level and node: output column -> RATES entry (numerator, denominator).
ORG_OUTCOMES = (
    "initiative_rate",
    "success_rate",
    "error_rate",
    "errors_per_initiative",
    "misconduct_rate",
    "sanction_rate",
    "tolerated_rate",
    "mean_competence",
    "mean_error_fear",
    "mean_perceived_risk",
)
COLUMNS = tuple(dict.fromkeys(c for o in ORG_OUTCOMES for c in RATES[o] if c != "n"))
_noticed: set[str] = set()


def org_notice(cfg: CadreConfig, cadres: int) -> str | None:
    """'population.size=500 ignored: the org chart has 9 cadres' when the file sets the size."""
    if cfg.network.kind != "file" or cfg.population.size == cadres:
        return None
    return f"population.size={cfg.population.size} ignored: the org chart has {cadres} cadres"


def print_notice_once(message: str) -> None:
    """One stderr line per message and process (a sweep's runs all share the same chart)."""
    if message not in _noticed:
        _noticed.add(message)
        print(f"cadresim: notice: {message}", file=sys.stderr)


class OrgRecorder:
    """Window sums per post of the indicator columns; optionally every step per post."""

    def __init__(self, engine: Engine, first: int, node_steps: bool) -> None:
        self.first = first
        self.rows = [engine.column_index(c) for c in COLUMNS]
        self.sums = np.zeros((len(COLUMNS), engine.n))
        self.months = 0
        self.node_steps = node_steps
        self.history: list[np.ndarray] = []

    def record(self, engine: Engine) -> None:
        """After each step: add the step's per-post columns (if in the summary window)."""
        values = engine.cadre_columns(self.rows)
        if self.node_steps:
            self.history.append(values.astype(np.float64))
        if engine.step_count >= self.first:
            self.sums += values
            self.months += 1

    def tables(self, engine: Engine) -> dict[str, pd.DataFrame]:
        """units, levels (summary-window rates per group) and, if asked, nodes (per step)."""
        org = engine.org
        labels = np.asarray(org.labels or [str(i) for i in range(engine.n)], dtype=object)
        out = {
            "units": self._group(org.unit, "unit", labels, org.level),
            "levels": self._group(org.level, "level", labels, None),
        }
        if self.node_steps:
            out["nodes"] = self._nodes(labels, org.unit, org.level)
        return out

    def _group(
        self, key: np.ndarray, name: str, labels: np.ndarray, level: np.ndarray | None
    ) -> pd.DataFrame:
        groups = int(key.max()) + 1 if key.size else 0
        sums = np.zeros((len(COLUMNS), groups))
        np.add.at(sums.T, key, self.sums.T)
        posts = np.bincount(key, minlength=groups)
        table = pd.DataFrame({name: np.arange(groups, dtype=np.int64), "posts": posts})
        if level is not None:  # a unit's levels (a unit usually sits on one)
            lo = np.full(groups, np.iinfo(np.int64).max)
            hi = np.full(groups, -1)
            np.minimum.at(lo, key, level)
            np.maximum.at(hi, key, level)
            table["level_min"], table["level_max"] = lo, hi
        order = np.argsort(key, kind="stable")
        starts = np.searchsorted(key[order], np.arange(groups))
        table["members"] = [", ".join(m) for m in np.split(labels[order], starts[1:])]
        table["months"] = self.months
        self._rates(table, sums, posts * self.months)
        return table[table["posts"] > 0].reset_index(drop=True)

    def _nodes(self, labels: np.ndarray, unit: np.ndarray, level: np.ndarray) -> pd.DataFrame:
        steps, n = len(self.history), labels.size
        values = np.stack(self.history, axis=1) if steps else np.zeros((len(COLUMNS), 0, n))
        table = pd.DataFrame(
            {
                "step": np.repeat(np.arange(1, steps + 1, dtype=np.int64), n),
                "node": np.tile(labels, steps),
                "unit": np.tile(unit, steps),
                "level": np.tile(level, steps),
            }
        )
        flat = values.reshape(len(COLUMNS), steps * n)
        self._rates(table, flat, np.ones(steps * n))
        return table

    @staticmethod
    def _rates(table: pd.DataFrame, sums: np.ndarray, member_months: np.ndarray) -> None:
        """Add each ORG_OUTCOMES column: numerator / denominator (0 where nothing to divide)."""
        idx = {c: i for i, c in enumerate(COLUMNS)}
        for outcome in ORG_OUTCOMES:
            num, den = RATES[outcome]
            d = member_months if den == "n" else sums[idx[den]]
            d = np.asarray(d, dtype=float)
            table[outcome] = np.divide(
                sums[idx[num]], d, out=np.zeros(d.shape, dtype=float), where=d > 0
            )
