"""The vocabulary of the validation suite: tiers, arms, measures, verdicts and their statistics.

A pattern asks for *arms* (a config: overrides, parameter values, size, months, an optional
engine hook) and is judged from their runs. Every arm runs replicates 0..R-1 on the same seeds
(common random numbers), so a difference between two arms is taken replicate by replicate.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20240601  # fixed: a rerun on the same runs gives the same interval


class PatternError(RuntimeError):
    """A pattern could not be judged (an arm's config was refused or its runs failed)."""


@dataclass(frozen=True)
class Tier:
    """How much to run. `long_replications` applies to patterns with many or long runs."""

    name: str
    cadres: int
    months: int
    replications: int
    long_replications: int
    steady_months: int
    crackdown_months: int

    def scaled(self, replications: int | None) -> Tier:
        """The tier with `replications` standard replications; long patterns keep their share."""
        if replications is None:
            return self
        ratio = self.long_replications / self.replications
        long = max(2, round(replications * ratio)) if replications > 1 else 1
        return Tier(
            self.name, self.cadres, self.months, replications, min(long, replications),
            self.steady_months, self.crackdown_months,
        )  # fmt: skip


TIERS: dict[str, Tier] = {
    # under 10 minutes on 2 cores with processes
    "full": Tier("full", 1000, 120, 10, 4, 600, 120),
    # about 1-2 minutes on 2 cores (CI); the same 120-month horizon as the full tier, since
    # training and careers take years to act
    "quick": Tier("quick", 1000, 120, 6, 3, 300, 120),
}


@dataclass(frozen=True)
class Arm:
    """One config every replicate of which is run: Hydra overrides (presets, keys) composed once,
    then `params` (dotted key, value) set on top, as sweeps do; `hook` names an engine hook
    (see runner.HOOKS) with its settings. `save_steps` keeps the 'all' rows of the step table."""

    overrides: tuple[str, ...] = ()
    params: tuple[tuple[str, Any], ...] = ()
    months: int = 0  # 0: the tier's months
    cadres: int = 0  # 0: the tier's cadres
    hook: tuple[tuple[str, Any], ...] = ()
    save_steps: bool = False

    def identity(self, tier: Tier) -> tuple[Any, ...]:
        """What makes two arms the same runs (steps are kept if any pattern wants them)."""
        return (
            self.overrides, self.params, self.months or tier.months, self.cadres or tier.cadres,
            self.hook,
        )  # fmt: skip

    def describe(self, tier: Tier) -> str:
        parts = list(self.overrides) + [f"{k}={_show(v)}" for k, v in self.params]
        parts += [f"steps={self.months or tier.months}"]
        if self.hook:
            parts.append("hook:" + ",".join(f"{k}={_show(v)}" for k, v in self.hook))
        return " ".join(parts)


def _show(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def baseline(months: int = 0, save_steps: bool = False) -> Arm:
    return Arm(("policy=baseline",), months=months, save_steps=save_steps)


def regime(name: str, *overrides: str, months: int = 0, save_steps: bool = False) -> Arm:
    return Arm((f"policy={name}", *overrides), months=months, save_steps=save_steps)


@dataclass
class Measure:
    """A measured statistic with its 95% interval (NaN bounds where none applies)."""

    key: str
    label: str
    value: float
    low: float = math.nan
    high: float = math.nan
    n: int = 0
    method: str = ""  # 't' | 'paired t' | 'bootstrap' | '' (no interval)
    shown: bool = True  # on the terminal line
    digits: int = 3
    signed: bool = False  # a difference: print its sign
    label_zh: str = ""

    def name(self, lang: str = "en") -> str:
        return self.label_zh if lang == "zh" and self.label_zh else self.label

    def figure(self) -> str:
        """'value [low, high]' ('value' where there is no interval)."""
        value = fmt(self.value, self.digits, self.signed)
        if math.isnan(self.low) and math.isnan(self.high):
            return value
        lo, hi = fmt(self.low, self.digits, self.signed), fmt(self.high, self.digits, self.signed)
        return f"{value} [{lo}, {hi}]"

    def text(self, lang: str = "en") -> str:
        """'label value [low, high]'."""
        return f"{self.name(lang)} {self.figure()}"


def fmt(x: float | None, digits: int = 3, signed: bool = False) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    return f"{x:+.{digits}f}" if signed else f"{x:.{digits}f}"


@dataclass
class Verdict:
    """What a pattern function returns: holds, its measures (the first is the headline figure),
    detail tables and free notes."""

    holds: bool
    measures: list[Measure]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


Text = tuple[str, str]  # (English, Chinese)


@dataclass(frozen=True)
class Pattern:
    """A stylised fact the model must reproduce: its source, statement, method, criterion, the
    arms it runs (a function of the tier) and the function that judges them."""

    name: str
    title: Text
    source: Text
    statement: Text
    method: Text
    criterion: Text
    arms: Callable[[Tier], Mapping[str, Arm]]
    judge: Callable[[Data], Verdict]
    long: bool = False  # uses the tier's long_replications

    def replications(self, tier: Tier) -> int:
        return tier.long_replications if self.long else tier.replications


class Data:
    """A pattern's view of the runs: per-replicate arrays, aligned by replicate (common seeds)."""

    def __init__(
        self,
        tier: Tier,
        replications: int,
        runs: Mapping[str, pd.DataFrame],
        steps: Mapping[str, pd.DataFrame],
        arms: Mapping[str, Arm],
    ) -> None:
        self.tier, self.replications, self.arms = tier, replications, arms
        self._runs, self._steps = runs, steps

    def _rows(self, table: Mapping[str, pd.DataFrame], arm: str, what: str) -> pd.DataFrame:
        if arm not in table:
            raise PatternError(f"arm {arm!r} has no {what}")
        rows = table[arm]
        rows = rows[rows["replicate"] < self.replications]
        got = rows["replicate"].nunique()
        if got < self.replications:
            raise PatternError(
                f"arm {arm!r}: {self.replications - got} of {self.replications} runs failed"
            )
        return rows

    def summary(self, arm: str, outcome: str, cohort: str = "all") -> np.ndarray:
        """Summary-window mean of `outcome` per replicate, for all cadres or an initial cohort."""
        rows = self._rows(self._runs, arm, "runs")
        grouping = "all" if cohort == "all" else "cohort"
        rows = rows[(rows["grouping"] == grouping) & (rows["type"] == cohort)]
        if outcome not in rows:
            raise PatternError(f"the run summary has no outcome {outcome!r}")
        return rows.sort_values("replicate")[outcome].to_numpy(dtype=float)

    def steps(self, arm: str, outcome: str) -> np.ndarray:
        """replicates x (months + 1) array of `outcome` for all cadres (column t = month t)."""
        rows = self._rows(self._steps, arm, "step table")
        if outcome not in rows:
            raise PatternError(f"the step table has no outcome {outcome!r}")
        wide = rows.pivot(index="replicate", columns="step", values=outcome).sort_index()
        return wide.to_numpy(dtype=float)


# ------------------------------------------------------------------ statistics


def t_ci(values: Sequence[float] | np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high): a t-interval across replications (NaN bounds for n < 2)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = x.size
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if n < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half


def t_measure(key: str, label: str, values: np.ndarray, paired: bool = False, **kw: Any) -> Measure:
    mean, lo, hi = t_ci(values)
    n = int(np.isfinite(np.asarray(values, dtype=float)).sum())
    return Measure(key, label, mean, lo, hi, n, "paired t" if paired else "t", **kw)


def bootstrap_ci(
    statistic: Callable[[np.ndarray], float],
    replications: int,
    level: float = 0.95,
    resamples: int = BOOTSTRAP_RESAMPLES,
) -> tuple[float, float]:
    """Percentile interval of statistic(indices) over replicates resampled with replacement; the
    same indices are drawn for every arm, so pairing by seed is kept."""
    if replications < 2:
        return math.nan, math.nan
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    draws = np.array(
        [statistic(rng.integers(0, replications, replications)) for _ in range(resamples)]
    )
    draws = draws[~np.isnan(draws)]
    if draws.size == 0:
        return math.nan, math.nan
    tail = 100 * (1 - level) / 2
    lo, hi = np.percentile(draws, [tail, 100 - tail])
    return float(lo), float(hi)


def bootstrap_measure(
    key: str, label: str, statistic: Callable[[np.ndarray], float], replications: int, **kw: Any
) -> Measure:
    """A statistic of the replicate means (a ratio, a half-life) with a bootstrap interval."""
    value = statistic(np.arange(replications))
    lo, hi = bootstrap_ci(statistic, replications)
    return Measure(key, label, float(value), lo, hi, replications, "bootstrap", **kw)


def relative(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b - 1 per replicate (NaN where b is 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1.0) - 1.0, np.nan)


def ci_row(label: str, values: np.ndarray, **extra: Any) -> dict[str, Any]:
    """A table row: label, mean, low, high, n."""
    mean, lo, hi = t_ci(values)
    return {**extra, "label": label, "mean": mean, "low": lo, "high": hi, "n": len(values)}


STATUSES = ("HOLDS", "FAILS", "ERROR")


@dataclass
class PatternResult:
    """A judged pattern: its text, status, measures (the first is the headline figure with its
    95% CI), detail tables, the arms it ran and, for ERROR, what went wrong."""

    name: str
    title: Text
    source: Text
    statement: Text
    method: Text
    criterion: Text
    holds: bool
    status: str  # HOLDS | FAILS | ERROR
    measures: list[Measure] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    replications: int = 0
    arms: dict[str, str] = field(default_factory=dict)  # key -> what it ran
    error: str = ""

    @property
    def figure(self) -> float:
        return self.measures[0].value if self.measures else math.nan

    @property
    def ci(self) -> tuple[float, float]:
        return (self.measures[0].low, self.measures[0].high) if self.measures else (
            math.nan, math.nan)  # fmt: skip

    @classmethod
    def of(cls, p: Pattern, verdict: Verdict | None, error: str = "", **kw: Any) -> PatternResult:
        if verdict is None:
            return cls(p.name, p.title, p.source, p.statement, p.method, p.criterion, False,
                       "ERROR", error=error, **kw)  # fmt: skip
        status = "HOLDS" if verdict.holds else "FAILS"
        return cls(
            p.name, p.title, p.source, p.statement, p.method, p.criterion, bool(verdict.holds),
            status, verdict.measures, verdict.tables, verdict.notes, **kw,
        )  # fmt: skip
