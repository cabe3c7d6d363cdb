"""Calibration: fit knobs to a locality's figures by ABC-SMC (`cadresim calibrate`).

    from cadresim.experiments.calibration import calibrate
    res = calibrate(["population.size=500"], targets="seeds")
    res.posterior, res.fit  # weighted particles; each target against the posterior predictive

Imports are lazy: experiments/runs.py imports `posterior` from here on every run.
"""

from __future__ import annotations

from typing import Any

__all__ = ["STATISTICS", "CalibrationResult", "calibrate"]


def __getattr__(name: str) -> Any:
    if name in ("calibrate", "CalibrationResult"):
        from . import fit  # noqa: PLC0415

        return getattr(fit, name)
    if name == "STATISTICS":
        from .statistics import STATISTICS  # noqa: PLC0415

        return STATISTICS
    raise AttributeError(name)
