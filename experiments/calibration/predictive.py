"""The posterior predictive: runs at posterior draws, and each target against them.

Draw j takes a particle of the last generation with probability equal to its weight and a run
seed, both from SeedSequence([seed, PREDICTIVE_STREAM]), so the table is reproducible."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cadresim.model.config import CadreConfig, validate

from .. import executors
from ..runs import Batch, BatchResult, apply_params
from .sampler import WorkerLost
from .statistics import run_statistics
from .targetset import TargetSet

PREDICTIVE_STREAM = 0x5EED
PER_BATCH = 2  # predictive runs per executor task


@dataclass
class PredictiveBatch(Batch):
    """Predictive runs `first`, `first + 1` ...: (knob values, run seed) on `bases["base"]`."""

    first: int = 0
    jobs: list[tuple[list[tuple[str, float]], int]] = field(default_factory=list)


@dataclass
class PredictiveResult(BatchResult):
    first: int = 0
    stats: list[dict[str, float]] = field(default_factory=list)


def run_predictive_batch(batch: PredictiveBatch) -> PredictiveResult:
    """The statistics of each run of the batch (in an executor's worker)."""
    stats = []
    for params, seed in batch.jobs:
        cfg = copy.deepcopy(batch.bases["base"])
        apply_params(cfg, params)
        cfg.seed = seed
        stats.append(run_statistics(validate(cfg)))
    return PredictiveResult(
        batch.part, None, None, executed=len(stats), first=batch.first, stats=stats
    )


def run_predictive(
    cfg: CadreConfig, base: CadreConfig, ts: TargetSet, posterior: pd.DataFrame, workers: int
) -> pd.DataFrame:
    """One row per predictive run: its particle, knob values, seed and target statistics. The
    runs go to the calibration's executor (`experiment.executor`, `workers` as capped)."""
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
    batches = (
        PredictiveBatch(
            f"predictive-{i:06d}", {"base": base}, [], first=i, jobs=jobs[i : i + PER_BATCH]
        )
        for i in range(0, n, PER_BATCH)
    )
    e = cfg.experiment
    results: list[dict[str, float] | None] = [None] * n
    for result in executors.execute(
        batches, e.executor, workers, e.ray_address, task=run_predictive_batch
    ):
        if not isinstance(result, PredictiveResult):  # executors._worker_died
            raise WorkerLost(
                f"calibrate: a worker died on every try in the predictive runs ({result.part}); "
                "the stored generations are kept: rerun the same command to finish"
            )
        results[result.first : result.first + len(result.stats)] = result.stats
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
