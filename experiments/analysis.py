"""Analyses of a sweep: Sobol and Morris sensitivity (SALib) and the Pareto set of points.

Each design point's outcome is its mean over replications (all cadres, summary window).
Sobol indices need the full Saltelli matrix and Morris the full trajectories, so both run only
when every point has at least one finished run.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .designs import Design

SENSITIVITY_COLUMNS = [
    "method",
    "outcome",
    "parameter",
    "role",
    "S1",
    "S1_conf",
    "ST",
    "ST_conf",
    "mu_star",
    "mu_star_conf",
    "sigma",
]


def point_means(runs: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """point_id -> mean of each outcome over the point's replications (grouping 'all')."""
    rows = runs[runs["grouping"].astype(str) == "all"]
    return rows.groupby("point_id")[outcomes].mean().sort_index()


def sensitivity(design: Design, runs: pd.DataFrame, outcomes: list[str], seed: int) -> pd.DataFrame:
    """sensitivity.parquet rows for a sobol or morris design (empty for other designs)."""
    if design.kind not in ("sobol", "morris") or design.unit is None:
        return pd.DataFrame(columns=SENSITIVITY_COLUMNS)
    means = point_means(runs, outcomes)
    if len(means) != design.points:
        return pd.DataFrame(columns=SENSITIVITY_COLUMNS)
    problem = design.salib_problem()
    roles = [p.role for p in design.params]
    out = []
    with warnings.catch_warnings():
        # a constant outcome (e.g. no misconduct at all) makes SALib divide 0 by 0
        warnings.simplefilter("ignore", RuntimeWarning)
        for outcome in outcomes:
            out.extend(_indices(design, problem, roles, outcome, means[outcome], seed))
    table = pd.DataFrame(out).reindex(columns=SENSITIVITY_COLUMNS)
    return table.astype({c: float for c in SENSITIVITY_COLUMNS[4:]})


def _indices(
    design: Design, problem: dict, roles: list[str], outcome: str, means: pd.Series, seed: int
) -> list[dict]:
    """One row per parameter: Sobol S1/ST or Morris mu*/sigma of one outcome."""
    y = means.to_numpy(dtype=float)
    if design.kind == "sobol":
        from SALib.analyze import sobol  # noqa: PLC0415

        res = sobol.analyze(problem, y, calc_second_order=False, seed=seed)
        keys = ("S1", "S1_conf", "ST", "ST_conf")
    else:
        from SALib.analyze import morris  # noqa: PLC0415

        res = morris.analyze(problem, design.unit, y, seed=seed)
        keys = ("mu_star", "mu_star_conf", "sigma")
    return [
        {
            "method": design.kind,
            "outcome": outcome,
            "parameter": name,
            "role": roles[i],
            **{k: float(res[k][i]) for k in keys},
        }
        for i, name in enumerate(problem["names"])
    ]


def pareto(
    design: Design, runs: pd.DataFrame, maximise: list[str], minimise: list[str]
) -> pd.DataFrame:
    """Design points no other point beats on every objective (means over replications)."""
    objectives = [*maximise, *minimise]
    means = point_means(runs, objectives)
    signed = np.column_stack(
        [means[c].to_numpy() for c in maximise] + [-means[c].to_numpy() for c in minimise]
    )
    keep = non_dominated(signed)
    table = design.table.set_index("point_id").loc[means.index[keep]].reset_index()
    for c in objectives:
        table[c] = means[c].to_numpy()[keep]
    first = maximise[0] if maximise else objectives[0]
    return table.sort_values(first, ascending=not maximise).reset_index(drop=True)


def non_dominated(values: np.ndarray) -> np.ndarray:
    """Mask of rows not dominated by any other row (all objectives to maximise)."""
    n = len(values)
    keep = np.ones(n, dtype=bool)
    for i in range(n):
        if not keep[i]:
            continue
        ge = np.all(values >= values[i], axis=1)
        gt = np.any(values > values[i], axis=1)
        if np.any(ge & gt):
            keep[i] = False
    return keep
