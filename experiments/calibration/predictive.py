"""The posterior predictive: runs at posterior draws, and each target against them.

Draw j takes a particle of the last generation with probability equal to its weight and a run
seed, both from SeedSequence([seed, PREDICTIVE_STREAM]), so the table is reproducible."""

from __future__ import annotations

import copy
import multiprocessing as mp

import numpy as np
import pandas as pd

from cadresim.model.config import CadreConfig, validate

from ..runs import apply_params
from .sampler import ignore_interrupt
from .statistics import run_statistics
from .targetset import TargetSet

PREDICTIVE_STREAM = 0x5EED
_JOB: dict = {}


def _one(args: tuple[list[tuple[str, float]], int]) -> dict[str, float]:
    params, seed = args
    cfg = copy.deepcopy(_JOB["base"])
    apply_params(cfg, params)
    cfg.seed = seed
    return run_statistics(validate(cfg))


def run_predictive(
    cfg: CadreConfig, base: CadreConfig, ts: TargetSet, posterior: pd.DataFrame, workers: int
) -> pd.DataFrame:
    """One row per predictive run: its particle, knob values, seed and target statistics."""
    keys = [p.key for p in ts.priors]
    n = cfg.calibrate.predictive
    rng = np.random.default_rng(np.random.SeedSequence([cfg.seed, PREDICTIVE_STREAM]))
    w = posterior["weight"].to_numpy(dtype=float)
    rows = rng.choice(len(posterior), size=n, p=w / w.sum()) if n else np.zeros(0, int)
    seeds = rng.integers(0, 2**62, size=n)
    jobs = [
        ([(k, float(posterior[k].iloc[r])) for k in keys], int(s))
        for r, s in zip(rows, seeds, strict=True)
    ]
    _JOB["base"] = base
    try:
        if workers > 1 and n > 1:
            with mp.get_context("fork").Pool(workers, initializer=ignore_interrupt) as pool:
                results = pool.map(_one, jobs, chunksize=1)
        else:
            results = [_one(j) for j in jobs]
    finally:
        _JOB.clear()
    stats = [t.statistic for t in ts.targets]
    table = pd.DataFrame({"draw": np.arange(n), "particle": rows.astype(int), "seed": seeds})
    for i, k in enumerate(keys):
        table[k] = [j[0][i][1] for j in jobs]
    for s in stats:
        table[s] = [r[s] for r in results]
    return table


def fit_table(ts: TargetSet, predictive: pd.DataFrame) -> pd.DataFrame:
    """Per target: observed value and sd, predictive mean, sd and 5/50/95% quantiles, the gap
    in target sds, and whether the observed value lies in the central 90% predictive interval."""
    rows = []
    for t in ts.targets:
        x = predictive[t.statistic].to_numpy(dtype=float) if len(predictive) else np.array([])
        q05, q50, q95 = np.quantile(x, [0.05, 0.5, 0.95]) if x.size else (np.nan,) * 3
        mean = float(x.mean()) if x.size else np.nan
        rows.append(
            {
                "statistic": t.statistic,
                "observed": t.observed,
                "sd": t.sd,
                "predictive_mean": mean,
                "predictive_sd": float(x.std(ddof=1)) if x.size > 1 else np.nan,
                "q05": float(q05),
                "q50": float(q50),
                "q95": float(q95),
                "gap_in_sd": (mean - t.observed) / t.sd,
                "inside_90": bool(q05 <= t.observed <= q95) if x.size else False,
            }
        )
    return pd.DataFrame(rows)
