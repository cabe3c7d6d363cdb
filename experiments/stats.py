"""Means with t-intervals over replications, and paired differences to a baseline regime.

Replications of one regime are independent runs, so a 95% interval for the mean is
mean +- t(0.975, n-1) * sd / sqrt(n). Regimes share replicate seeds (common random numbers), so
the difference to the baseline is taken replicate by replicate, which cancels the shared noise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from cadresim.agents.types import TYPE_NAMES
from cadresim.model.metrics import OUTCOMES

KEYS = ["regime", "grouping", "type", "outcome"]
OUTCOME_COLUMNS = ("share", *OUTCOMES)


def t_interval(values: pd.core.groupby.SeriesGroupBy, level: float = 0.95) -> pd.DataFrame:
    """mean, ci_low, ci_high, n per group (NaN bounds for n < 2)."""
    agg = values.agg(["mean", "std", "count"])
    n = agg["count"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        crit = stats.t.ppf(0.5 + level / 2, np.where(n > 1, n - 1, np.nan))
        half = crit * agg["std"].to_numpy() / np.sqrt(n)
    return pd.DataFrame(
        {
            "mean": agg["mean"],
            "ci_low": agg["mean"] - half,
            "ci_high": agg["mean"] + half,
            "n": n.astype(np.int64),
        },
        index=agg.index,
    )


def long_outcomes(runs: pd.DataFrame) -> pd.DataFrame:
    """runs.parquet -> one row per run x grouping x type x outcome (value)."""
    cols = [c for c in OUTCOME_COLUMNS if c in runs.columns]
    tidy = runs.rename(columns={"policy": "regime"})
    tidy = tidy.melt(
        id_vars=["regime", "replicate", "grouping", "type"],
        value_vars=cols,
        var_name="outcome",
        value_name="_x",
    )
    tidy["grouping"] = tidy["grouping"].astype(str)
    tidy["type"] = tidy["type"].astype(str)
    return tidy


def comparison_table(runs: pd.DataFrame, regimes: list[str], baseline: str) -> pd.DataFrame:
    """comparison.parquet: regime, grouping, type, outcome, mean, ci_low, ci_high, n,
    diff, diff_low, diff_high (regime - baseline, paired by replicate)."""
    tidy = long_outcomes(runs)
    means = t_interval(tidy.groupby(KEYS, sort=False)["_x"])
    base = tidy[tidy["regime"] == baseline].drop(columns="regime")
    paired = tidy.merge(base, on=["replicate", "grouping", "type", "outcome"], suffixes=("", "_b"))
    paired["diff"] = paired["_x"] - paired["_x_b"]
    diffs = t_interval(paired.groupby(KEYS, sort=False)["diff"])
    diffs = diffs.rename(
        columns={"mean": "diff", "ci_low": "diff_low", "ci_high": "diff_high"}
    ).drop(columns="n")
    table = means.join(diffs).reset_index()
    orders = {
        "regime": regimes,
        "grouping": ["all", "type", "cohort"],
        "type": ["all", *TYPE_NAMES],
        "outcome": list(OUTCOME_COLUMNS),
    }
    rank = {k: table[k].map({v: i for i, v in enumerate(vals)}) for k, vals in orders.items()}
    table = table.iloc[pd.DataFrame(rank).sort_values(KEYS, kind="stable").index]
    return table.reset_index(drop=True)
