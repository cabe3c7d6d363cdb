"""Sobol and Morris sensitivity of a sweep (SALib), with the checks that say whether to trust it.

Sobol indices are estimated from N base samples (N (d + 2) model runs for d factors) with
SALib's bootstrap (`num_resamples`, `keep_resamples`) giving 95% intervals. An index is
*resolved* when its interval lies inside [0, 1], or is no wider than ±RESOLUTION (an index of
0.02 ± 0.08 says "negligible", which is an answer). Each index is flagged when

- ``ci_crosses_0``: its interval reaches below 0 and is wider than ±RESOLUTION;
- ``ci_crosses_1``: its interval reaches above 1 and is wider than ±RESOLUTION;
- ``s1_above_st``: S1 exceeds ST by more than the bootstrap interval of S1 - ST (and by more
  than RESOLUTION / 2): impossible for exact indices, a sign of too few samples.

A flagged index gets ``n_needed``, the base N at which its interval would shrink enough
(half-widths fall as 1 / sqrt(N)), rounded up to a power of 2. The same indices at N/4 and N/2
(the first rows of the Saltelli design are a design of their own) show convergence.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy.stats import norm

from .designs import Design

RESOLUTION = 0.1  # CI half-width at which an index counts as resolved even if it touches 0 or 1
CONF_LEVEL = 0.95
RESAMPLES = 200  # SALib bootstrap resamples
FLAGS = ("ci_crosses_0", "ci_crosses_1", "s1_above_st")

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
    "n",
    "flags",
    "n_needed",
]
FLOAT_COLUMNS = SENSITIVITY_COLUMNS[4:11]


def power_of_two_at_least(x: float) -> int:
    return 1 << max(0, math.ceil(math.log2(max(x, 1.0))))


def sobol_indices(
    problem: dict, y: np.ndarray, seed: int, resamples: int = RESAMPLES
) -> pd.DataFrame:
    """One row per factor: S1, ST, their 95% half-widths, flags and n_needed, from SALib."""
    from SALib.analyze import sobol  # noqa: PLC0415

    d = problem["num_vars"]
    n = y.size // (d + 2)
    with warnings.catch_warnings():
        # a constant outcome (e.g. no misconduct at all) makes SALib divide 0 by 0
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)
        if np.ptp(y) == 0.0:  # no variance to apportion: every index is 0, exactly
            zero = np.zeros(d)
            res = {"S1": zero, "S1_conf": zero, "ST": zero, "ST_conf": zero}
            diff_conf = zero
        else:
            res = sobol.analyze(
                problem,
                y,
                calc_second_order=False,
                num_resamples=resamples,
                conf_level=CONF_LEVEL,
                keep_resamples=True,
                seed=seed,
            )
            # SALib draws one set of resamples for S1 and ST, so their difference bootstraps too
            z = norm.ppf(0.5 + CONF_LEVEL / 2)
            diff = np.asarray(res["S1_conf_all"]) - np.asarray(res["ST_conf_all"])
            diff_conf = z * diff.std(axis=0, ddof=1)
    table = pd.DataFrame(
        {
            "parameter": problem["names"],
            "S1": np.asarray(res["S1"], dtype=float),
            "S1_conf": np.asarray(res["S1_conf"], dtype=float),
            "ST": np.asarray(res["ST"], dtype=float),
            "ST_conf": np.asarray(res["ST_conf"], dtype=float),
            "n": n,
        }
    )
    flags, needed = check_indices(table, np.asarray(diff_conf, dtype=float), n)
    table["flags"] = flags
    table["n_needed"] = needed
    return table


def check_indices(
    table: pd.DataFrame, diff_conf: np.ndarray, n: int
) -> tuple[list[str], list[int]]:
    """Flags (comma-joined, '' when resolved) and the base N each factor's indices need."""
    need = np.full(len(table), float(n))
    codes: list[list[str]] = [[] for _ in range(len(table))]
    for s, c in (("S1", "S1_conf"), ("ST", "ST_conf")):
        est, half = table[s].to_numpy(), table[c].to_numpy()
        wide = half > RESOLUTION
        low = wide & (est - half < 0.0)
        high = wide & (est + half > 1.0)
        # the half-width that would clear the flag: the distance to the bound, or RESOLUTION
        room = np.where(high, np.maximum(1.0 - est, RESOLUTION), np.maximum(est, RESOLUTION))
        hit = low | high
        need = np.where(hit, np.maximum(need, n * (half / room) ** 2), need)
        for i in np.flatnonzero(low):
            codes[i].append("ci_crosses_0")
        for i in np.flatnonzero(high):
            codes[i].append("ci_crosses_1")
    gap = table["S1"].to_numpy() - table["ST"].to_numpy()
    above = (gap > diff_conf) & (gap > RESOLUTION / 2)
    widest = np.maximum(table["S1_conf"].to_numpy(), table["ST_conf"].to_numpy())
    need = np.where(above, np.maximum(need, n * (widest / (RESOLUTION / 2)) ** 2), need)
    for i in np.flatnonzero(above):
        codes[i].append("s1_above_st")
    flags = [",".join(dict.fromkeys(c)) for c in codes]
    needed = [n if not f else power_of_two_at_least(x) for f, x in zip(flags, need, strict=True)]
    return flags, needed


def sobol_convergence(problem: dict, y: np.ndarray, seed: int) -> pd.DataFrame:
    """Indices at N/4, N/2 and N: the first n (d + 2) outputs are the design of base size n."""
    d = problem["num_vars"]
    n = y.size // (d + 2)
    sizes = sorted({m for m in (n // 4, n // 2, n) if m >= 2})
    parts = [sobol_indices(problem, y[: m * (d + 2)], seed) for m in sizes]
    return pd.concat(parts, ignore_index=True)


def point_means(runs: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """point_id -> mean of each outcome over the point's replications (grouping 'all')."""
    rows = runs[runs["grouping"].astype(str) == "all"]
    return rows.groupby("point_id")[outcomes].mean().sort_index()


def sensitivity(
    design: Design, runs: pd.DataFrame, outcomes: list[str], seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(sensitivity.parquet, sensitivity_convergence.parquet) for a sobol or morris design;
    both empty for other designs or while runs are missing (the analyses need every point)."""
    empty = pd.DataFrame(columns=SENSITIVITY_COLUMNS)
    if design.kind not in ("sobol", "morris") or design.unit is None:
        return empty, empty
    means = point_means(runs, outcomes)
    if len(means) != design.points:
        return empty, empty
    problem = design.salib_problem()
    roles = {p.key: p.role for p in design.params}
    final, steps = [], []
    for outcome in outcomes:
        y = means[outcome].to_numpy(dtype=float)
        if design.kind == "sobol":
            conv = sobol_convergence(problem, y, seed)
            conv.insert(0, "outcome", outcome)
            steps.append(conv)
            final.append(conv[conv["n"] == conv["n"].max()])
        else:
            final.append(_morris(design, problem, outcome, y, seed))
    table = _finish(pd.concat(final, ignore_index=True), design.kind, roles)
    conv = _finish(pd.concat(steps, ignore_index=True), design.kind, roles) if steps else empty
    return table, conv


def _morris(design: Design, problem: dict, outcome: str, y: np.ndarray, seed: int) -> pd.DataFrame:
    from SALib.analyze import morris  # noqa: PLC0415

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = morris.analyze(problem, design.unit, y, seed=seed)
    return pd.DataFrame(
        {
            "outcome": outcome,
            "parameter": problem["names"],
            "mu_star": np.asarray(res["mu_star"], dtype=float),
            "mu_star_conf": np.asarray(res["mu_star_conf"], dtype=float),
            "sigma": np.asarray(res["sigma"], dtype=float),
            "n": len(design.unit) // (problem["num_vars"] + 1),
            "flags": "",
        }
    )


def _finish(table: pd.DataFrame, method: str, roles: dict[str, str]) -> pd.DataFrame:
    table = table.assign(method=method, role=table["parameter"].map(roles))
    if "n_needed" not in table:
        table["n_needed"] = table["n"]
    table = table.reindex(columns=SENSITIVITY_COLUMNS).reset_index(drop=True)
    table = table.astype({c: float for c in FLOAT_COLUMNS})
    return table.astype({"n": np.int64, "n_needed": np.int64, "flags": str})


def sensitivity_warnings(table: pd.DataFrame) -> list[str]:
    """Terminal lines naming the unresolved indices and the N that would resolve them."""
    if table.empty or "flags" not in table:
        return []
    bad = table[table["flags"].astype(str) != ""]
    if bad.empty:
        return []
    n = int(table["n"].max())
    need = int(bad["n_needed"].max())
    d = table["parameter"].nunique()
    lines = [
        f"warning: {len(bad)} of {len(table)} outcome x factor pairs have Sobol indices not "
        f"resolved at base N = {n} (95% CI crosses 0 or 1 and is wider than ±{RESOLUTION:g}, or "
        "S1 > ST beyond its CI):"
    ]
    for _, r in bad.iterrows():
        lines.append(
            f"  {r['outcome']} / {r['parameter']}: S1 = {r['S1']:.3f} ± {r['S1_conf']:.3f}, "
            f"ST = {r['ST']:.3f} ± {r['ST_conf']:.3f} [{r['flags']}]; needs N ≈ {r['n_needed']}"
        )
    lines.append(
        f"  rerun with sweep.points={need} ({need * (d + 2)} design points x replications); "
        "sweep.points=0 picks N from the number of factors"
    )
    return lines
