"""鼓励激励 (seeds 000, 004): honour, material and promotion rewards for cadres who deliver.

Three channels, each with an off switch: prompt recognition of a success (`recognition`), the
excellence quota at each evaluation (`excellence_quota`, seed figure 35%), and promotion that
weighs the initiative record (`promotion_weight`), blocked during a sanction's influence period.
"""

from __future__ import annotations

import numpy as np

from cadresim.model.config import IncentiveConfig

from .evaluation import rank_within_units


def recognise(success: np.ndarray, draw: np.ndarray, cfg: IncentiveConfig) -> np.ndarray:
    """A success is recognised (and rewarded R) with chance `recognition`."""
    if not cfg.enabled:
        return np.zeros_like(success)
    return success & (draw < cfg.recognition)


def promotion_prospect(cfg: IncentiveConfig, blocked: np.ndarray) -> np.ndarray | float:
    """W * P * (1 - blocked): what a success adds to a cadre's promotion chances."""
    if not cfg.enabled:
        return 0.0
    return np.float32(cfg.promotion_weight * cfg.promotion_value) * ~blocked


def reward_value(cfg: IncentiveConfig) -> float:
    return cfg.reward if cfg.enabled else 0.0


def excellent(rank: np.ndarray, unit_size: np.ndarray, cfg: IncentiveConfig) -> np.ndarray:
    """The top `excellence_quota` of each unit by evaluated record: r >= n_u (1 - quota)."""
    if not cfg.enabled:
        return np.zeros(rank.size, dtype=bool)
    return rank >= unit_size * (1.0 - cfg.excellence_quota)


def promotions(
    performance_rank: np.ndarray,
    unit_size: np.ndarray,
    eligible: np.ndarray,
    cfg: IncentiveConfig,
    unit: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Promote the best `promotion_rate` share of each unit on the score
    W * performance + (1 - W) * seniority (a random draw), among cadres outside an influence
    period (影响期满可提拔). A unit of n promotes floor(n * rate) cadres and one more with chance
    frac(n * rate), so small units promote at the same expected rate as large ones."""
    if not cfg.enabled or cfg.promotion_rate == 0.0:
        return np.zeros(unit.size, dtype=bool)
    merit = performance_rank / np.maximum(unit_size - 1, 1)
    seniority = rng.random(unit.size, dtype=np.float32)
    score = cfg.promotion_weight * merit + (1.0 - cfg.promotion_weight) * seniority
    score = np.where(eligible, score, -1.0)
    rank, size = rank_within_units(score, unit)
    from_top = size - 1 - rank
    quota = size * cfg.promotion_rate
    whole = np.floor(quota)
    lucky = rng.random(unit.size, dtype=np.float32) < quota - whole
    return eligible & ((from_top < whole) | ((from_top == whole) & lucky))
