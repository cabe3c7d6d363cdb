"""教育培训 and 实践锻炼 (seeds 002, 003): training raises competence, the lever for the unable
(容错万能论 is wrong: tolerance cannot fix inability)."""

from __future__ import annotations

import numpy as np

from cadresim.model.config import TrainingConfig


def train(competence: np.ndarray, draw: np.ndarray, cfg: TrainingConfig) -> np.ndarray:
    """A share `share` of cadres is trained each step: c += rate * (1 - c). With `targeted`, the
    least competent `share` are chosen instead of a random draw. Updates in place; returns who."""
    if not cfg.enabled or np.all(cfg.share == 0.0):  # a batch's share: one value per cadre
        return np.zeros(competence.size, dtype=bool)
    if cfg.targeted:
        k = int(round(cfg.share * competence.size))
        chosen = np.zeros(competence.size, dtype=bool)
        chosen[np.argpartition(competence, k - 1)[:k] if k else []] = True
    else:
        chosen = draw < cfg.share
    competence[chosen] += cfg.rate * (1.0 - competence[chosen])
    return chosen


def practise(competence: np.ndarray, acted: np.ndarray, rate: float) -> None:
    """c += practice * (1 - c) for each cadre who took initiative (learning by doing)."""
    if rate > 0.0:
        competence += rate * (1.0 - competence) * acted
