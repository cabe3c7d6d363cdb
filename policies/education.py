"""思想政治建设 (seed 003): education in ideals and convictions, the lever for the unwilling.

Inner drive changes slowly: each month motivation closes a share `rate` of its gap to a `cap`
(education cannot make everyone a zealot); cadres above the cap are untouched.
"""

from __future__ import annotations

import numpy as np

from cadresim.model.config import EducationConfig


def educate(motivation: np.ndarray, cfg: EducationConfig) -> bool:
    """m += rate (cap - m) where m < cap. In place; returns whether anything could change."""
    if not cfg.enabled or cfg.rate == 0.0:
        return False
    gap = np.float32(cfg.cap) - motivation
    np.maximum(gap, 0.0, out=gap)
    motivation += np.float32(cfg.rate) * gap
    return True
