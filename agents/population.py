"""Draw a population's traits and initial beliefs from its per-type distributions.

Each cadre of deficit type k gets its dominant deficit from a Beta on (threshold, 1) with mean
`severity.k`, and its other four deficits from a Beta on (0, threshold) with mean `background`, so
the type read off the drawn traits equals the drawn cohort at step 0. Integrity is independent of
type: misconduct is an outcome, not a type.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np

from cadresim.model.config import PopulationConfig

from .types import TYPE_NAMES, CadreType


def _beta(rng: np.random.Generator, mean: np.ndarray | float, conc: float, size: int) -> np.ndarray:
    # a scalar mean is clipped in Python: np.clip's overhead is a tenth of a small draw's cost
    if isinstance(mean, float):
        mean = min(max(mean, 1e-3), 1 - 1e-3)
    else:
        mean = np.clip(mean, 1e-3, 1 - 1e-3)
    return rng.beta(mean * conc, (1.0 - mean) * conc, size)


def draw_cohort(cfg: PopulationConfig, n: int, rng: np.random.Generator) -> np.ndarray:
    """Initial type per cadre, with exact shares (largest remainders) in random order."""
    shares = np.array([getattr(cfg.mix, name) for name in TYPE_NAMES])
    counts = np.floor(shares * n).astype(int)
    rest = n - counts.sum()
    counts[np.argsort(-(shares * n - counts), kind="stable")[:rest]] += 1
    cohort = np.repeat(np.arange(len(TYPE_NAMES), dtype=np.int8), counts)
    return rng.permutation(cohort)


def draw_traits(
    cfg: PopulationConfig, cohort: np.ndarray, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Traits in [0, 1] for each cadre, consistent with its cohort type."""
    n = cohort.size
    thr = cfg.threshold
    deficit = thr * _beta(rng, cfg.background / thr, cfg.concentration, 5 * n).reshape(5, n)
    severity = np.array([getattr(cfg.severity, f.name) for f in fields(cfg.severity)])
    has_deficit = cohort != CadreType.PROACTIVE
    k = cohort[has_deficit].astype(int)
    mean_in_band = (severity[k] - thr) / (1.0 - thr)
    dominant = thr + (1.0 - thr) * _beta(rng, mean_in_band, cfg.concentration, k.size)
    deficit[k, np.flatnonzero(has_deficit)] = dominant
    integrity = _beta(rng, cfg.integrity, cfg.integrity_concentration, n)
    return {
        "motivation": 1.0 - deficit[0],
        "competence": 1.0 - deficit[1],
        "risk_aversion": deficit[2],
        "effort_aversion": deficit[3],
        "error_fear": deficit[4],
        "integrity": integrity,
    }


def draw_awareness(cfg: PopulationConfig, n: int, rng: np.random.Generator) -> np.ndarray:
    """Which cadres know the tolerance policy at the start (seed 003: most know it only vaguely)."""
    return rng.random(n) < cfg.beliefs.awareness
