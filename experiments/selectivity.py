"""lever_by_type: every single-lever regime against the baseline, by initial type (cohort).

    cadresim experiment=lever_by_type experiment.replications=10

It is compare_regimes over the single-lever presets (common random numbers, so each lever's
difference to the baseline is paired by seed) plus one more table, `selectivity.parquet`: the
relative initiative gain of each lever on each cohort, and whether the largest gain falls on
the lever's own target type (seed 003: each deficit has its own root and remedy).

Relative gain of lever l on type t, replicate r: x(l, t, r) / x(baseline, t, r) − 1, with x the
cohort's initiative rate over the summary window; its mean and 95% t-interval are taken over the
replicates (paired by seed). A lever's "top" type is the one with the largest relative change in
the direction of its effect on all cadres (the largest rise for a lever that raises initiative,
the largest fall for one that lowers it, as strict accountability does), and `ratio_to_next` is
that change over the next type's (inf when no other type moves in that direction), with a
bootstrap 95% interval over replicates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from cadresim.agents.types import TYPE_NAMES
from cadresim.model.config import CadreConfig, ConfigError, load_config, validate
from cadresim.policies.levers import LEVER_TARGETS as TARGETS

from . import store
from .compare import run_compare
from .overrides import as_list
from .result import ExperimentResult
from .runner import Execution, Plan
from .runs import BatchResult

# Lever (policy preset) -> the deficit type it is meant to move; a regime not listed there
# (strict_accountability) has no target type.
LEVER_TARGETS: Mapping[str, str | None] = TARGETS
OUTCOME = "initiative_rate"
BOOTSTRAP = 2000
COLUMNS = [
    "lever", "type", "target_type", "is_target", "baseline_rate", "lever_rate",
    "rel_gain", "rel_low", "rel_high", "abs_gain", "abs_low", "abs_high", "n",
    "direction", "top_type", "top_is_target", "ratio_to_next", "ratio_low", "ratio_high",
]  # fmt: skip


def _t_interval(x: np.ndarray) -> tuple[float, float, float]:
    """Mean and 95% t-interval over the first axis, ignoring NaN (NaN bounds for n < 2)."""
    x = x[np.isfinite(x)]
    n = x.size
    if n == 0:
        return np.nan, np.nan, np.nan
    mean = float(x.mean())
    if n < 2:
        return mean, np.nan, np.nan
    half = stats.t.ppf(0.975, n - 1) * x.std(ddof=1) / np.sqrt(n)
    return mean, mean - half, mean + half


def _top_ratio(gains: np.ndarray, sign: float, top: int) -> np.ndarray:
    """(…, types) gains -> ratio of type `top`'s change to the largest other change in the
    direction `sign` (inf when no other type changes in that direction)."""
    g = np.asarray(gains) * sign
    others = np.delete(g, top, axis=-1).max(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(others > 0, g[..., top] / np.where(others > 0, others, 1.0), np.inf)


def selectivity_table(
    runs: pd.DataFrame,
    regimes: list[str],
    baseline: str,
    targets: Mapping[str, str | None] | None = None,
    outcome: str = OUTCOME,
    seed: int = 0,
) -> pd.DataFrame:
    """selectivity.parquet from runs.parquet: one row per lever x initial type (cohort).

    Columns: lever, type, target_type (None: the lever has no target), is_target,
    baseline_rate, lever_rate (means), rel_gain/rel_low/rel_high (relative gain, mean and 95%
    t-interval over replicates paired by seed), abs_gain/abs_low/abs_high (the same for the
    difference), n (paired replicates), direction (rise or fall: the sign of the lever's effect
    on all cadres), top_type (largest relative change in that direction), top_is_target (None
    without a target), ratio_to_next with its bootstrap 95% interval ratio_low/ratio_high."""
    targets = LEVER_TARGETS if targets is None else targets
    runs = runs.rename(columns={"policy": "regime"})
    wide = {
        grouping: runs[runs["grouping"].astype(str) == grouping].pivot_table(
            index="replicate", columns=["regime", "type"], values=outcome, observed=True
        )
        for grouping in ("cohort", "all")
    }
    types = [t for t in TYPE_NAMES if (baseline, t) in wide["cohort"].columns]
    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []
    for lever in [r for r in regimes if r != baseline]:
        if (lever, types[0]) not in wide["cohort"].columns:
            continue  # every run of the lever failed
        cohort = wide["cohort"][[lever, baseline]].dropna()
        base = cohort[baseline][types].to_numpy(float)  # replicates x types
        x = cohort[lever][types].to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(base > 0, x / base - 1.0, np.nan)
        absolute = x - base
        every = wide["all"][[lever, baseline]].dropna()
        sign = 1.0 if (every[lever] - every[baseline]).to_numpy().mean() >= 0 else -1.0
        mean_rel = np.nanmean(rel, axis=0)
        top = int(np.nanargmax(mean_rel * sign))
        ratio = float(_top_ratio(mean_rel, sign, top))
        n = rel.shape[0]
        if n > 1:
            idx = rng.integers(0, n, size=(BOOTSTRAP, n))
            with np.errstate(invalid="ignore"):
                boot = _top_ratio(np.nanmean(rel[idx], axis=1), sign, top)
            lo = float(np.percentile(boot, 2.5, method="lower"))
            hi = float(np.percentile(boot, 97.5, method="higher"))
        else:
            lo = hi = np.nan
        target = targets.get(lever)
        for j, t in enumerate(types):
            r_mean, r_lo, r_hi = _t_interval(rel[:, j])
            a_mean, a_lo, a_hi = _t_interval(absolute[:, j])
            rows.append(
                {
                    "lever": lever, "type": t, "target_type": target,
                    "is_target": t == target, "baseline_rate": float(base[:, j].mean()),
                    "lever_rate": float(x[:, j].mean()), "rel_gain": r_mean, "rel_low": r_lo,
                    "rel_high": r_hi, "abs_gain": a_mean, "abs_low": a_lo, "abs_high": a_hi,
                    "n": n, "direction": "rise" if sign > 0 else "fall",
                    "top_type": types[top],
                    "top_is_target": None if target is None else types[top] == target,
                    "ratio_to_next": ratio, "ratio_low": lo, "ratio_high": hi,
                }
            )  # fmt: skip
    table = pd.DataFrame(rows, columns=COLUMNS)
    table["top_is_target"] = table["top_is_target"].astype("boolean")
    return table


def run_lever_by_type(
    cfg: CadreConfig,
    overrides: list[str],
    callback: Callable[[BatchResult], None] | None = None,
) -> ExperimentResult:
    """compare_regimes over the levers, then selectivity.parquet beside comparison.parquet."""

    def add_selectivity(plan: Plan, done: Execution, tables: dict[str, pd.DataFrame]) -> None:
        if done.runs.empty:
            return
        table = selectivity_table(
            done.runs, plan.design["regimes"], cfg.experiment.baseline, seed=cfg.seed
        )
        store.write_parquet(done.folder / "selectivity.parquet", table)
        tables["selectivity"] = table

    return run_compare(cfg, overrides, callback, derive=add_selectivity)


def lever_by_type(
    overrides: Iterable[str] | Mapping[str, Any] | None = None,
    *,
    regimes: list[str] | None = None,
    replications: int | None = None,
    callback: Callable[[BatchResult], None] | None = None,
    **experiment: Any,
) -> ExperimentResult:
    """Python twin of `cadresim experiment=lever_by_type ...`; `.selectivity` is the table."""
    ov = ["experiment=lever_by_type", *as_list(overrides)]
    cfg = load_config(ov)
    given = {"regimes": regimes, "replications": replications, **experiment}
    for key, value in given.items():
        if value is None:
            continue
        if not hasattr(cfg.experiment, key):
            raise ConfigError(f"experiment.{key} is not a config key")
        setattr(cfg.experiment, key, list(value) if key == "regimes" else value)
    return run_lever_by_type(validate(cfg), ov, callback)


# ------------------------------------------------------------------ terminal


def _pct(x: float) -> str:
    return "—" if pd.isna(x) else f"{100 * x:+.0f}%"


def _ratio(x: float) -> str:
    if pd.isna(x):
        return "—"
    return "∞" if np.isinf(x) else f"{x:.1f}x"


def format_selectivity(table: pd.DataFrame) -> str:
    """The matrix levers x types of relative initiative gains, the target cell in [brackets],
    then each lever's top type, its ratio to the next type and whether it is the target."""
    types = list(dict.fromkeys(table["type"]))
    levers = list(dict.fromkeys(table["lever"]))
    n = int(table["n"].min()) if len(table) else 0
    w = 12
    lines = [
        f"Relative initiative gain over the baseline by initial type (cohort), mean of {n} "
        "replications paired by seed; [x] = the lever's target type:",
        f"{'lever':<24}" + "".join(f"{t:>{w}}" for t in types)
        + f"  {'top type':<14} {'top/next':>9}  on target",
    ]  # fmt: skip
    first = table[table["lever"] == levers[0]].set_index("type") if levers else None
    if first is not None:
        cells = "".join(f"{first.loc[t, 'baseline_rate']:>{w}.3f}" for t in types)
        lines.append(f"{'(baseline rate)':<24}" + cells)
    for lever in levers:
        d = table[table["lever"] == lever].set_index("type")
        cells = ""
        for t in types:
            text = _pct(d.loc[t, "rel_gain"])
            cells += f"{f'[{text}]' if d.loc[t, 'is_target'] else text:>{w}}"
        row = d.iloc[0]
        top = row["top_type"] + (" (fall)" if row["direction"] == "fall" else "")
        verdict = "—" if pd.isna(row["top_is_target"]) else "yes" if row["top_is_target"] else "NO"
        lines.append(f"{lever:<24}{cells}  {top:<14} {_ratio(row['ratio_to_next']):>9}  {verdict}")
    lines.append(
        "top/next: the top type's relative change over the next type's (bootstrap 95% "
        "intervals, and t-intervals of every cell, in selectivity.parquet and the report)"
    )
    return "\n".join(lines)
