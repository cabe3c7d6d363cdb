"""The evaluation cycle (年度考核): cadres ranked within their unit on a noisy record.

Shared by the excellence quota (incentive) and the bottom-rank rule (accountability). Noise
stands for coarse indicators; finer evaluation (seed 002: 1264 differentiated indicators) is a
lower `policy.evaluation.noise`.
"""

from __future__ import annotations

import numpy as np


def is_evaluation_step(step: int, cycle: int) -> bool:
    return step % cycle == 0


def rank_within_units(
    score: np.ndarray, unit: np.ndarray, stable: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Rank r (0 = worst) of each cadre in its unit, and the unit's size n_u.

    With `stable`, tied scores rank by cadre index (lower index lower); otherwise ties, which
    continuous noise makes improbable, are broken in the faster sort's own order."""
    # one sort on unit + score shifted into [0, span): orders by unit, then by score
    low = score.min() if score.size else 0.0
    span = (score.max() - low if score.size else 0.0) + 1.0
    order = np.argsort(unit * span + (score - low), kind="stable" if stable else None)
    sorted_unit = unit[order]
    sizes = np.bincount(unit)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size) - starts[sorted_unit]
    return rank, sizes[unit]


def noisy_record(score: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    """The record as evaluators see it: score + N(0, noise^2)."""
    return score + np.float32(noise) * rng.standard_normal(score.size, dtype=np.float32)
