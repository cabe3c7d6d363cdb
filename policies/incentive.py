"""鼓励激励 (seeds 000, 004): honour, material and promotion rewards for cadres who deliver.

Three channels, each with an off switch: prompt recognition of a success (`recognition`), the
excellence quota at each evaluation (`excellence_quota`, seed figure 35%), and the promotion
prospect of a success (`promotion_weight`), blocked during a sanction's influence period.
Who is actually promoted is the careers rule's business (policies/careers.py).
"""

from __future__ import annotations

import numpy as np

from cadresim.model.config import IncentiveConfig


def recognise(success: np.ndarray, draw: np.ndarray, cfg: IncentiveConfig) -> np.ndarray:
    """A success is recognised (and rewarded R) with chance `recognition`."""
    if not cfg.enabled:
        return np.zeros_like(success)
    return success & (draw < cfg.recognition)


def promotion_prospect(cfg: IncentiveConfig, blocked: np.ndarray) -> np.ndarray | float:
    """w V (1 - blocked): what a success adds to a cadre's promotion chances."""
    if not cfg.enabled:
        return 0.0
    return np.float32(cfg.promotion_weight * cfg.promotion_value) * ~blocked


def reward_value(cfg: IncentiveConfig) -> float:
    return cfg.reward if cfg.enabled else 0.0


def excellent(rank: np.ndarray, unit_size: np.ndarray, cfg: IncentiveConfig) -> np.ndarray:
    """The top `excellence_quota` of each unit by evaluated record: r >= n_u - n_u quota."""
    if not cfg.enabled:
        return np.zeros(rank.size, dtype=bool)
    # counted as whole places, so a quota such as 0.7 of 10 rates 7, not 6 (1 - 0.7 is inexact)
    return rank >= unit_size - np.round(unit_size * cfg.excellence_quota, 9)
