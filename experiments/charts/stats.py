"""Means with 95% t-intervals across replications, and the Pareto front of sweep points."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats


def mean_ci(df: pd.DataFrame, by: Sequence[str], value: str, level: float = 0.95) -> pd.DataFrame:
    """Mean, ci_low, ci_high and n of `value` per group (t-interval; none for n < 2)."""
    g = df.groupby(list(by), sort=True, observed=True)[value]
    out = g.agg(mean="mean", sd="std", n="count").reset_index()
    dof = np.maximum(out["n"].to_numpy() - 1, 1)
    tcrit = stats.t.ppf(0.5 + level / 2, dof)
    half = np.where(out["n"] > 1, tcrit * out["sd"].fillna(0.0) / np.sqrt(out["n"]), 0.0)
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    return out.drop(columns="sd")


def pareto_mask(points: np.ndarray, maximise: Sequence[bool]) -> np.ndarray:
    """True where no other point is at least as good in every objective and better in one."""
    signs = np.where(np.asarray(maximise), -1.0, 1.0)
    p = points * signs  # now minimise everything
    n = len(p)
    keep = np.ones(n, dtype=bool)
    for i in range(n):
        dominated = np.all(p <= p[i], axis=1) & np.any(p < p[i], axis=1)
        keep[i] = not dominated.any()
    return keep
