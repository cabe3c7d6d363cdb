"""The five deficit types (seed 003: 不想为, 不会为, 不敢为, 不愿为, 害怕为) and proactive cadres.

A cadre's type names its dominant deficit: the largest of five deficits, if it exceeds the
population's threshold. Deficits are read off current traits, so types move as traits move.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class CadreType(IntEnum):
    UNWILLING = 0  # 不想为: low motivation
    UNABLE = 1  # 不会为: low competence
    AFRAID = 2  # 不敢为: high career-risk aversion
    RELUCTANT = 3  # 不愿为: high effort aversion
    FEARFUL = 4  # 害怕为: high fear of punishment for honest errors
    PROACTIVE = 5  # no dominant deficit

    @property
    def label(self) -> str:
        return self.name.lower()

    @property
    def zh(self) -> str:
        return ZH_NAMES[self.label]


TYPE_NAMES: tuple[str, ...] = tuple(t.label for t in CadreType)
DEFICIT_TYPES: tuple[str, ...] = TYPE_NAMES[:5]
ZH_NAMES = {
    "unwilling": "不想为",
    "unable": "不会为",
    "afraid": "不敢为",
    "reluctant": "不愿为",
    "fearful": "害怕为",
    "proactive": "担当作为",
}


class TypeClassifier:
    """Type code per cadre: the argmax of the five deficits (1-m, 1-c, a, e, f) if it exceeds
    `threshold`, else PROACTIVE.

    Motivation, risk aversion and effort aversion are fixed traits, so their largest deficit is
    found once; each step only compares it with the two that move (1-c and f). Exact ties, of
    probability zero with continuous traits, go to the static deficit."""

    def __init__(
        self,
        motivation: np.ndarray,
        risk_aversion: np.ndarray,
        effort_aversion: np.ndarray,
        threshold: float,
    ) -> None:
        static = np.stack([1.0 - motivation, risk_aversion, effort_aversion])
        self.static_arg = np.array(
            [CadreType.UNWILLING, CadreType.AFRAID, CadreType.RELUCTANT], dtype=np.int8
        )[static.argmax(axis=0)]
        self.static_max = static.max(axis=0)
        self.threshold = threshold

    def __call__(self, competence: np.ndarray, error_fear: np.ndarray) -> np.ndarray:
        unable = 1.0 - competence
        top = np.maximum(unable, self.static_max)
        # code + flag * (new - code) replaces code where flag holds (int8 arithmetic: cheaper
        # than masked writes)
        code = _override(self.static_arg, unable > self.static_max, CadreType.UNABLE)
        code = _override(code, error_fear > top, CadreType.FEARFUL)
        np.maximum(error_fear, top, out=top)
        return _override(code, top <= self.threshold, CadreType.PROACTIVE)


def _override(code: np.ndarray, flag: np.ndarray, new: int) -> np.ndarray:
    return code + flag.view(np.int8) * (np.int8(new) - code)


def deficits(
    motivation: np.ndarray,
    competence: np.ndarray,
    risk_aversion: np.ndarray,
    effort_aversion: np.ndarray,
    error_fear: np.ndarray,
) -> np.ndarray:
    """Deficit matrix (5 x n) in type order: 1-m, 1-c, a, e, f."""
    return np.stack(
        [1.0 - motivation, 1.0 - competence, risk_aversion, effort_aversion, error_fear]
    )


def classify(deficit: np.ndarray, threshold: float) -> np.ndarray:
    """Type code per cadre from the full deficit matrix (reference form of TypeClassifier)."""
    dominant = deficit.argmax(axis=0)
    top = np.take_along_axis(deficit, dominant[None, :], axis=0)[0]
    return np.where(top > threshold, dominant, CadreType.PROACTIVE).astype(np.int8)
