"""The evaluation cycle (年度考核): cadres ranked within their unit on a noisy score.

The score's weights are the promotion orientation (用人导向, seeds 003, 004): under 不出事
(orientation 0) failures weigh three times a success and initiative counts for nothing; under
担当 (orientation 1) each initiative counts and a failure weighs as a success. The rank feeds
the excellence quota (incentive), the bottom-rank rule (accountability) and promotion (careers).
Noise stands for coarse indicators; finer evaluation (seed 002: 1264 differentiated indicators)
is a lower `policy.evaluation.noise`.
"""

from __future__ import annotations

import numpy as np

from cadresim.model.config import EvaluationConfig


def is_evaluation_step(step: int, cycle: int) -> bool:
    return step % cycle == 0


def score(
    successes: np.ndarray, acts: np.ndarray, harms: np.ndarray, orientation: float
) -> np.ndarray:
    """successes + o acts - (1 + 2 (1 - o)) harms, with o the promotion orientation."""
    o = np.float32(orientation)
    return successes + o * acts - (np.float32(1.0) + 2 * (1 - o)) * harms


def career_harm(
    error: np.ndarray,
    exempted: np.ndarray,
    sanctioned: np.ndarray,
    cfg: EvaluationConfig,
) -> np.ndarray:
    """Acts that leave a mark on the career record: a failure or a sanction (an uncleared
    false accusation is one; a cleared one, 澄清正名, is not).

    Tolerance alone exempts an honest error from sanction but not from the record; career
    protection (为担当者担当, seed 004) also keeps exempted errors off the record, which is
    what opens the afraid's gate."""
    counted = error & ~exempted if cfg.protection else error
    return counted | sanctioned


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
