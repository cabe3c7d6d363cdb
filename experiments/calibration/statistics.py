"""The summary statistics a calibration target may name, and one run that computes them all.

Every statistic is a summary-window mean (steps after `summary_from`, as in a run's summary):

- ``<rate>``: a rate of the run summary for all cadres (``initiative_rate``, ``awareness``,
  ``sanction_rate`` ...), per cadre and month; ``<rate>.<type>`` the same for the cadres of one
  current deficit type (``initiative_rate.fearful``);
- ``sanctions_per_cadre_year``: ``sanction_rate`` x 12;
- ``share.<type>``: the share of cadre-months of each current type (a survey's deficit shares);
- ``grade_share.<form>``: the mix of sanction forms among sanctioned honest errors (talk 约谈,
  admonition 诫勉, organisational 组织处理, disciplinary 处分; seed 001). The engine does not
  tally grades, so `run_statistics` reads them from the state after each month, exactly as
  docs/odd_figures.py does: an erring cadre who is sanctioned drew its task's grade. Reading
  state changes nothing in the run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cadresim.agents.decision import sanction_grade
from cadresim.agents.types import TYPE_NAMES
from cadresim.model.config import CadreConfig
from cadresim.model.engine import Engine
from cadresim.model.metrics import RATES, summarise
from cadresim.model.state import ERROR

GRADE_FORMS = ("talk", "admonition", "organisational", "disciplinary")
MONTHS_PER_YEAR = 12
# rates whose values are not shares in [0, 1] (the rest are); `value` is a public-value score
# without bounds and is not offered as a target
SIGNED = {"doer_advantage": (-1.0, 1.0)}
UNBOUNDED = ("value",)


@dataclass(frozen=True)
class Statistic:
    name: str
    lo: float
    hi: float
    doc: str


def _catalogue() -> dict[str, Statistic]:
    out: dict[str, Statistic] = {}
    rates = [r for r in RATES if r not in UNBOUNDED]
    for rate in rates:
        lo, hi = SIGNED.get(rate, (0.0, 1.0))
        out[rate] = Statistic(rate, lo, hi, f"{rate}, all cadres, per cadre-month")
        for t in TYPE_NAMES:
            out[f"{rate}.{t}"] = Statistic(
                f"{rate}.{t}", lo, hi, f"{rate} of cadres of current type {t}"
            )
    out["sanctions_per_cadre_year"] = Statistic(
        "sanctions_per_cadre_year", 0.0, float(MONTHS_PER_YEAR), "sanctions per cadre and year"
    )
    for t in TYPE_NAMES:
        out[f"share.{t}"] = Statistic(f"share.{t}", 0.0, 1.0, f"share of cadres of type {t}")
    for form in GRADE_FORMS:
        out[f"grade_share.{form}"] = Statistic(
            f"grade_share.{form}", 0.0, 1.0, f"share of {form} among sanctioned honest errors"
        )
    return out


STATISTICS = _catalogue()


def window_start(cfg: CadreConfig) -> int:
    """First step of the summary window (as model.simulate computes it)."""
    return min(int(cfg.summary_from * cfg.steps) + 1, max(cfg.steps, 1))


def run_statistics(cfg: CadreConfig) -> dict[str, float]:
    """Run `cfg` (validated) and return every statistic of STATISTICS by name."""
    engine = Engine(cfg)
    first = window_start(cfg)
    cuts = cfg.policy.accountability.grade_cuts
    grades = np.zeros(len(GRADE_FORMS), dtype=np.int64)
    for step in range(1, cfg.steps + 1):
        engine.step()
        if step >= first:
            s = engine.state
            hit = s.sanctioned & (s.outcome == ERROR)
            grades += np.bincount(sanction_grade(engine.difficulty[hit], cuts), minlength=5)[1:]
    return statistics_from(summarise(engine.tally_array(), first), grades)


def statistics_from(summary: dict, grades: np.ndarray) -> dict[str, float]:
    """The statistics of a run summary (model.metrics.summarise) and its grade counts."""
    out: dict[str, float] = {}
    for name in STATISTICS:
        if name.startswith(("share.", "grade_share.", "sanctions_per_cadre_year")):
            continue
        rate, _, t = name.partition(".")
        out[name] = float(summary["type"][t][rate] if t else summary["all"][rate])
    out["sanctions_per_cadre_year"] = MONTHS_PER_YEAR * float(summary["all"]["sanction_rate"])
    for t in TYPE_NAMES:
        out[f"share.{t}"] = float(summary["type"][t]["share"])
    total = int(grades.sum())
    for form, count in zip(GRADE_FORMS, grades, strict=True):
        out[f"grade_share.{form}"] = float(count / total) if total else 0.0
    return out
