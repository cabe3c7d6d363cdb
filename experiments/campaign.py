"""crackdown: a campaign (policy.schedule) against the same run without it, on common seeds.

    cadresim experiment=crackdown                      # 从严问责 in months 61-72, 120 months
    cadresim experiment=crackdown 'policy.schedule=[{start:37,end:43,regime:strict_accountability}]'

Two arms share every setting and replicate seed: the control arm (named after the policy,
e.g. `baseline`) has no schedule, the campaign arm (`baseline+campaign`) has the config's
`policy.schedule`. Writes, beside the usual runs.parquet, steps/ and comparison.parquet:

- `crackdown.parquet`: per month and outcome (misconduct_rate, initiative_rate,
  perceived_detection; all cadres) the arms' means and the paired difference campaign − control
  (mean and 95% t-interval over replicates);
- `deterrence.parquet`: per outcome the gap over the campaign's last 3 months and the deterrence
  half-life: months after the campaign ends until the mean gap first falls below half of that
  (in size: the gap of misconduct is negative), with a bootstrap 95% interval over replicates
  (`half_life` is inf when the gap never halves before the run ends, `censored` then true).

The half-life is measured after the last episode of the schedule that ends before the run does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from cadresim.model.config import CadreConfig, ConfigError, load_config, validate
from cadresim.policies.schedule import PolicyTimeline

from . import store
from .compare import check_org_charts
from .overrides import _key, as_list, base_config, compose_overrides, replay_overrides
from .result import ExperimentResult
from .runner import Execution, Plan, execute_plan, open_folder
from .runs import BatchResult, RunSpec, replicate_seeds
from .stats import comparison_table

OUTCOMES = ("misconduct_rate", "initiative_rate", "perceived_detection")
CAMPAIGN_SUFFIX = "+campaign"
LAST_MONTHS = 3  # the campaign's gap: its mean over the campaign's last 3 months
AFTER = (1, 2, 3, 6, 12)  # months after the campaign shown in the terminal
BOOTSTRAP = 2000


def campaign_episode(cfg: CadreConfig) -> tuple[int, int, str]:
    """(start, end, label) of the campaign whose after-effects are measured: the last episode
    that ends before the run does (months start ≤ t < end). ConfigError if there is none."""
    if not cfg.policy.schedule:
        raise ConfigError(
            "crackdown: policy.schedule is empty, so both arms would be the same; allowed a "
            "campaign such as policy.schedule=[{start:61,end:73,regime:strict_accountability}]"
        )
    bounded = [e for e in PolicyTimeline(cfg).episodes_for_report() if e[1] <= cfg.steps]
    if not bounded:
        raise ConfigError(
            f"crackdown: no episode of policy.schedule ends before the run does (steps = "
            f"{cfg.steps}); allowed an episode with end ≤ {cfg.steps}, so that the months after "
            "it can be measured"
        )
    return bounded[-1]


def plan_crackdown(cfg: CadreConfig, overrides: list[str]) -> Plan:
    """Two arms (control, campaign) x R replicates on common seeds; ConfigError before any run."""
    if not cfg.experiment.save_steps:
        raise ConfigError(
            "crackdown: experiment.save_steps = false, but the monthly differences need the "
            "step tables; allowed true"
        )
    start, end, label = campaign_episode(cfg)
    campaign = base_config(compose_overrides(overrides))
    no_schedule = [o for o in overrides if _key(o) != "policy.schedule"]
    control = base_config(compose_overrides([*no_schedule, "policy.schedule=[]"]))
    name = control.policy.name
    arms = {name: control, name + CAMPAIGN_SUFFIX: campaign}
    base_ov = {
        name: replay_overrides(no_schedule, control),
        name + CAMPAIGN_SUFFIX: replay_overrides(overrides, campaign),
    }
    check_org_charts(arms.values())
    seeds = replicate_seeds(cfg.seed, cfg.experiment.replications)
    runs = [
        RunSpec(run_id=i * len(seeds) + r, regime=arm, replicate=r, seed=seed)
        for i, arm in enumerate(arms)
        for r, seed in enumerate(seeds)
    ]
    design = {
        "regimes": list(arms),
        "baseline": name,
        "replications": cfg.experiment.replications,
        "campaign": {"start": start, "end": end, "last_month": end - 1, "label": label},
        "outcomes": list(OUTCOMES),
        "half_life_rule": (
            f"months after month {end - 1} until the mean paired gap first falls below half "
            f"its mean over months {max(start, end - LAST_MONTHS)}-{end - 1}"
        ),
    }
    return Plan(cfg, arms, base_ov, runs, seeds, design)


def run_crackdown(
    cfg: CadreConfig,
    overrides: list[str],
    callback: Callable[[BatchResult], None] | None = None,
) -> ExperimentResult:
    plan = plan_crackdown(cfg, overrides)
    folder, fp = open_folder(plan)
    with store.keep_locked(folder):  # derived tables are written by the lock's holder too
        done = execute_plan(plan, folder, fp, callback, label="crackdown")
        tables = _derived(plan, folder, done, cfg.seed)
        return ExperimentResult(plan, done, tables)  # writes csv/xlsx copies: under the lock


def _derived(plan: Plan, folder: Path, done: Execution, seed: int) -> dict[str, pd.DataFrame]:
    """comparison, crackdown and deterrence tables, written beside the runs."""
    tables: dict[str, pd.DataFrame] = {}
    control, campaign = plan.design["regimes"]
    if not done.runs.empty and done.runs["policy"].nunique() == 2:
        tables["comparison"] = comparison_table(done.runs, [control, campaign], control)
        steps = pd.read_parquet(
            folder / "steps",
            columns=["replicate", "policy", "step", "grouping", *OUTCOMES],
            filters=[("grouping", "==", "all")],
        )
        c = plan.design["campaign"]
        tables["crackdown"] = monthly_gaps(steps, control, campaign, c["start"], c["end"])
        tables["deterrence"] = deterrence(steps, control, campaign, c["start"], c["end"], seed)
        for name, table in tables.items():
            store.write_parquet(folder / f"{name}.parquet", table)
    return tables


def crackdown(
    overrides: Iterable[str] | Mapping[str, Any] | None = None,
    *,
    replications: int | None = None,
    callback: Callable[[BatchResult], None] | None = None,
    **experiment: Any,
) -> ExperimentResult:
    """Python twin of `cadresim experiment=crackdown ...`: `.crackdown` (monthly gaps) and
    `.deterrence` (half-lives) are the tables. A `policy.schedule` override sets the campaign."""
    ov = ["experiment=crackdown", *as_list(overrides)]
    cfg = load_config(ov)
    for key, value in {"replications": replications, **experiment}.items():
        if value is None:
            continue
        if not hasattr(cfg.experiment, key):
            raise ConfigError(f"experiment.{key} is not a config key")
        setattr(cfg.experiment, key, value)
    return run_crackdown(validate(cfg), ov, callback)


# ------------------------------------------------------------------ analysis


def paired_gaps(
    steps: pd.DataFrame, control: str, campaign: str, outcome: str
) -> tuple[np.ndarray, np.ndarray]:
    """(months, replicates x months array of campaign − control), all cadres, months ≥ 1."""
    rows = steps[(steps["grouping"].astype(str) == "all") & (steps["step"] > 0)]
    wide = rows.pivot_table(
        index=["replicate", "step"], columns="policy", values=outcome, observed=True
    )
    diff = (wide[campaign] - wide[control]).dropna().unstack("step")
    return diff.columns.to_numpy(int), diff.to_numpy(float)


def monthly_gaps(
    steps: pd.DataFrame,
    control: str,
    campaign: str,
    start: int,
    end: int,
    outcomes: Iterable[str] = OUTCOMES,
) -> pd.DataFrame:
    """crackdown.parquet: step, outcome, control, campaign (arm means), diff, diff_low,
    diff_high (campaign − control, paired by replicate, 95% t-interval), n, in_campaign."""
    rows = steps[(steps["grouping"].astype(str) == "all") & (steps["step"] > 0)]
    out = []
    for outcome in outcomes:
        months, d = paired_gaps(steps, control, campaign, outcome)
        arms = rows.groupby(["policy", "step"], observed=True)[outcome].mean().unstack("policy")
        n = d.shape[0]
        mean = d.mean(axis=0)
        if n > 1:
            half = stats.t.ppf(0.975, n - 1) * d.std(axis=0, ddof=1) / np.sqrt(n)
        else:
            half = np.full(mean.shape, np.nan)
        out.append(
            pd.DataFrame(
                {
                    "step": months,
                    "outcome": outcome,
                    "control": arms[control].reindex(months).to_numpy(),
                    "campaign": arms[campaign].reindex(months).to_numpy(),
                    "diff": mean,
                    "diff_low": mean - half,
                    "diff_high": mean + half,
                    "n": n,
                    "in_campaign": (months >= start) & (months < end),
                }
            )  # fmt: skip
        )
    return pd.concat(out, ignore_index=True)


def half_life(curve: np.ndarray, months: np.ndarray, start: int, end: int) -> tuple[float, float]:
    """(reference gap, half-life) of one gap curve: the reference is its mean over the
    campaign's last LAST_MONTHS months; the half-life is m − (end − 1) for the first month
    m ≥ end whose gap, in the reference's direction, is below half the reference (inf if none)."""
    last = (months >= max(start, end - LAST_MONTHS)) & (months < end)
    ref = float(curve[last].mean())
    after = months >= end
    below = np.flatnonzero(np.sign(ref) * curve[after] < abs(ref) / 2)
    return ref, float(months[after][below[0]] - (end - 1)) if below.size else np.inf


def deterrence(
    steps: pd.DataFrame,
    control: str,
    campaign: str,
    start: int,
    end: int,
    seed: int = 0,
    outcomes: Iterable[str] = OUTCOMES,
) -> pd.DataFrame:
    """deterrence.parquet: per outcome the campaign's gap over its last months (gap, gap_low,
    gap_high: 95% t-interval over replicates), the half-life of the mean gap curve with a
    bootstrap 95% interval over replicates (half_life_low, half_life_high; inf = not halved
    by the end of the run), censored, months_after (months measured after the campaign), n."""
    rng = np.random.default_rng(seed)
    rows = []
    for outcome in outcomes:
        months, d = paired_gaps(steps, control, campaign, outcome)
        n = d.shape[0]
        ref, h = half_life(d.mean(axis=0), months, start, end)
        last = (months >= max(start, end - LAST_MONTHS)) & (months < end)
        per_rep = d[:, last].mean(axis=1)
        if n > 1:
            half = stats.t.ppf(0.975, n - 1) * per_rep.std(ddof=1) / np.sqrt(n)
            idx = rng.integers(0, n, size=(BOOTSTRAP, n))
            boot = np.array([half_life(d[i].mean(axis=0), months, start, end)[1] for i in idx])
            h_lo = float(np.percentile(boot, 2.5, method="lower"))
            h_hi = float(np.percentile(boot, 97.5, method="higher"))
        else:
            half = h_lo = h_hi = np.nan
        rows.append(
            {
                "outcome": outcome, "campaign_start": start, "campaign_last": end - 1,
                "reference_from": int(max(start, end - LAST_MONTHS)),
                "gap": ref, "gap_low": ref - half, "gap_high": ref + half,
                "half_life": h, "half_life_low": h_lo, "half_life_high": h_hi,
                "censored": bool(np.isinf(h)), "months_after": int((months >= end).sum()), "n": n,
            }
        )  # fmt: skip
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ terminal


def _months(x: float, months_after: int) -> str:
    if pd.isna(x):
        return "—"
    return f">{months_after}" if np.isinf(x) else f"{x:.0f}"


def format_crackdown(gaps: pd.DataFrame, det: pd.DataFrame, design: dict[str, Any]) -> str:
    """The campaign's gap, the gap 1-12 months after it and the half-life, per outcome."""
    c = design["campaign"]
    last = c["last_month"]
    after = [a for a in AFTER if (gaps["step"] == last + a).any()]
    n = int(det["n"].min())
    gap = f"gap, months {det['reference_from'].iloc[0]}–{last}"
    lines = [
        f"Paired difference campaign − control by month (all cadres), mean of {n} replications "
        f"[95% CI]; campaign months {c['start']}–{last}:",
        f"{'outcome':<20} {gap:>28}"
        + "".join(f"{f'+{a} mo':>9}" for a in after)
        + "   half-life, months [95% CI]",
    ]  # fmt: skip
    g = gaps.set_index(["outcome", "step"])
    for row in det.itertuples(index=False):
        ci = f"[{row.gap_low:+.4f}, {row.gap_high:+.4f}]" if pd.notna(row.gap_low) else ""
        cells = "".join(f"{g.loc[(row.outcome, last + a), 'diff']:>+9.4f}" for a in after)
        hl = _months(row.half_life, row.months_after)
        if pd.notna(row.half_life_low):
            lo, hi = (_months(v, row.months_after) for v in (row.half_life_low, row.half_life_high))
            hl += f" [{lo}, {hi}]"
        if pd.notna(row.gap_low) and row.gap_low <= 0 <= row.gap_high:
            hl += " (campaign gap not significant)"
        lines.append(f"{row.outcome:<20} {f'{row.gap:+.4f} {ci}':>28}{cells}   {hl}")
    lines.append(
        f"half-life: months after month {last} until the mean gap first falls below half its "
        "mean over the campaign's last 3 months (bootstrap 95% interval over replications)"
    )
    return "\n".join(lines)
