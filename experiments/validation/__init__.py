"""`cadresim validate`: the model checked against stylised facts from the literature.

    from cadresim.experiments.validation import validate
    result = validate(quick=True, only=["deficit_gap", "tolerance_raises_initiative_and_errors"])
    result.all_hold, result.exit_code
    result["deficit_gap"].figure, result["deficit_gap"].ci, result.to_frame()

Each pattern (patterns.PATTERNS) is a small experiment with its source, run with replications
on common seeds through the project's executors and judged HOLDS / FAILS with a 95% CI.
See docs/VALIDATION.md.
"""

from . import runner, suite
from .base import TIERS, Measure, Pattern, PatternResult, Tier, Verdict
from .patterns import PATTERNS
from .suite import ValidationResult, load, validate

__all__ = [
    "PATTERNS",
    "TIERS",
    "Measure",
    "Pattern",
    "PatternResult",
    "Tier",
    "ValidationResult",
    "Verdict",
    "load",
    "runner",
    "suite",
    "validate",
]
