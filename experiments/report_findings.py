"""Key findings written from the folder's numbers and their 95% intervals, in English or Chinese.

Each sentence says only what its interval supports: an interval that includes 0 (or no interval,
with one replication) is "does not differ significantly", never a direction. The numbers are read
from the experiment's own tables (comparison, selectivity, deterrence, sensitivity, runs); the
only estimate made here is the sweep's linear fit of an outcome on the levers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .charts import i18n
from .report_text import t

CORE = ("initiative_rate", "error_rate", "misconduct_rate", "value")
SWEEP_OUTCOMES = ("initiative_rate", "error_rate", "misconduct_rate")


def significant(low: float, high: float) -> bool:
    """An interval supports a direction only when it is finite and excludes 0."""
    return bool(np.isfinite(low) and np.isfinite(high) and (low > 0 or high < 0))


def _num(x: float, digits: int = 3) -> str:
    return f"{x:.{digits}f}" if abs(x) < 10 else f"{x:.3g}"


def _magnitude(d: float, lo: float, hi: float) -> str:
    """'0.15 [0.12, 0.18]' as a size: a fall is shown by its absolute value and bounds (four
    decimals for a small difference, so a narrow interval does not read as a point)."""
    if d < 0:
        d, lo, hi = -d, -hi, -lo
    digits = 3 if abs(d) >= 0.01 else 4
    return f"{_num(d, digits)} [{_num(lo, digits)}, {_num(hi, digits)}]"


def regime_finding(rows: pd.DataFrame, regime: str, baseline: str, lang: str) -> str:
    """One sentence for `regime` from comparison rows (grouping all, type all) of CORE."""
    r = rows.set_index("outcome")
    name = i18n.regime_label(regime, lang)
    base = i18n.regime_label(baseline, lang)
    if "diff_low" not in r or r["diff_low"].isna().all():
        diffs = ", ".join(
            f"{i18n.outcome_name(o, lang)} {r.loc[o, 'diff']:+.3f}" for o in CORE if o in r.index
        )
        return t("no_ci", lang, regime=name, diffs=diffs)

    def clause(outcome: str, up: str, down: str, same: str, **kw: Any) -> str | None:
        if outcome not in r.index:
            return None
        d, lo, hi = (float(r.loc[outcome, k]) for k in ("diff", "diff_low", "diff_high"))
        if not significant(lo, hi):
            return t(same, lang, **kw)
        return t(up if d > 0 else down, lang, v=_magnitude(d, lo, hi), **kw)

    what = t("initiative_word", lang)
    first = clause("initiative_rate", "raises", "lowers", "no_change", what=what)
    head = f"{name} {first} {t('over_baseline', lang, baseline=base)}" if first else name
    if lang == "en" and first == t("no_change", lang, what=what):  # not "X initiative ... over"
        head = f"{name}: {first} from {base}"
    if lang == "zh" and first:
        head = f"{name}{t('over_baseline', lang, baseline=base)}{first}"
    errors = clause("error_rate", "cost_more", "cost_fewer", "errors_same")
    rest = [
        c
        for c in (
            clause("misconduct_rate", "misconduct_up", "misconduct_down", "misconduct_same"),
            clause("value", "value_up", "value_down", "value_same"),
        )
        if c
    ]
    sentence = head + (("，" if lang == "zh" else ", ") + errors if errors else "")
    if rest:
        sentence += t("and", lang) + t("and", lang).join(rest)
    sentence += t("finding_end", lang)
    if _direction(r, "initiative_rate") < 0 < _direction(r, "value"):
        sentence += " " + t("less_but_more_value", lang, regime=name)
    return sentence


def _direction(r: pd.DataFrame, outcome: str) -> int:
    """+1 / -1 for a significant rise / fall of `outcome`, 0 otherwise."""
    if outcome not in r.index:
        return 0
    d, lo, hi = (float(r.loc[outcome, k]) for k in ("diff", "diff_low", "diff_high"))
    return int(np.sign(d)) if significant(lo, hi) else 0


def comparison_findings(comparison: pd.DataFrame, baseline: str, lang: str) -> list[str]:
    c = comparison[(comparison["grouping"] == "all") & (comparison["type"] == "all")]
    c = c[c["outcome"].isin(CORE)]
    return [
        regime_finding(c[c["regime"] == regime], str(regime), baseline, lang)
        for regime in pd.unique(c["regime"])
        if regime != baseline
    ]


def selectivity_findings(sel: pd.DataFrame, lang: str) -> list[str]:
    out = []
    for lever, d in sel.groupby("lever", sort=False):
        first = d.iloc[0]
        top = str(first["top_type"])
        name = i18n.regime_label(str(lever), lang)
        low = first.get("ratio_low", np.nan)
        if pd.notna(low) and low <= 1.0:
            out.append(t("sel_tie", lang, lever=name, top=i18n.type_label(top, lang)))
            continue
        row = d[d["type"] == top].iloc[0]
        if not significant(row["rel_low"], row["rel_high"]):
            out.append(t("sel_not_sig", lang, lever=name, top=i18n.type_label(top, lang)))
            continue
        target = first.get("target_type")
        if target is None or pd.isna(target):
            verdict = t("sel_none", lang)
        elif bool(first.get("top_is_target")):
            verdict = t("sel_on", lang)
        else:
            verdict = t("sel_off", lang, target=i18n.type_label(str(target), lang))
        out.append(
            t(
                "sel_finding", lang, lever=name, top=i18n.type_label(top, lang),
                gain=f"{100 * row['rel_gain']:+.0f}%", lo=f"{100 * row['rel_low']:+.0f}%",
                hi=f"{100 * row['rel_high']:+.0f}%", verdict=verdict,
            )
        )  # fmt: skip
    return out


def deterrence_findings(det: pd.DataFrame, lang: str) -> list[str]:
    out = []
    for r in det.itertuples(index=False):
        name = i18n.outcome_name(str(r.outcome), lang)
        sig = significant(r.gap_low, r.gap_high)
        gap = f"{r.gap:+.4f}" + (
            f" [{r.gap_low:+.4f}, {r.gap_high:+.4f}]" if pd.notna(r.gap_low) else ""
        )
        out.append(
            t(
                "campaign_finding", lang, a=r.reference_from, b=int(r.campaign_last),
                outcome=name, v=gap, sig="" if sig else t("not_sig", lang),
            )
        )  # fmt: skip
        if not sig:
            continue
        if np.isfinite(r.half_life):
            lo = "—" if pd.isna(r.half_life_low) else _months(r.half_life_low, r.months_after)
            hi = "—" if pd.isna(r.half_life_high) else _months(r.half_life_high, r.months_after)
            out.append(
                t("half_life_finding", lang, outcome=name, h=f"{r.half_life:.0f}", lo=lo, hi=hi)
            )
        else:
            out.append(t("half_life_never", lang, outcome=name, m=r.months_after))
    return out


def _months(x: float, months_after: int) -> str:
    return f">{months_after}" if np.isinf(x) else f"{x:.0f}"


def lever_effects(runs: pd.DataFrame, levers: list[str], outcome: str) -> pd.DataFrame:
    """Per lever: the change in `outcome` over the lever's whole range from a linear fit of the
    design points' means on all levers at once, with its 95% t-interval."""
    rows = runs[runs["grouping"] == "all"] if "grouping" in runs else runs
    pts = rows.groupby(levers, observed=True)[outcome].mean().reset_index()
    x = pts[levers].to_numpy(float)
    y = pts[outcome].to_numpy(float)
    n, k = x.shape
    span = x.max(axis=0) - x.min(axis=0)
    if n <= k + 1 or not np.all(span > 0):
        return pd.DataFrame(columns=["lever", "effect", "low", "high", "lo", "hi", "n"])
    design = np.column_stack([np.ones(n), (x - x.min(axis=0)) / span])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    dof = n - design.shape[1]
    sigma2 = float(resid @ resid) / dof
    cov = sigma2 * np.linalg.pinv(design.T @ design)
    half = stats.t.ppf(0.975, dof) * np.sqrt(np.diag(cov))
    return pd.DataFrame(
        {
            "lever": levers, "effect": coef[1:], "low": coef[1:] - half[1:],
            "high": coef[1:] + half[1:], "lo": x.min(axis=0), "hi": x.max(axis=0), "n": n,
        }
    )  # fmt: skip


def sweep_findings(
    runs: pd.DataFrame,
    levers: list[str],
    sensitivity: pd.DataFrame | None,
    pareto: pd.DataFrame | None,
    lang: str,
    top: int = 2,
) -> list[str]:
    """The strongest levers per outcome (Sobol ST or Morris μ* when the folder has them, else
    the linear fit), and the size of the Pareto set."""
    out: list[str] = []
    if sensitivity is not None and not sensitivity.empty:
        for outcome in SWEEP_OUTCOMES:
            d = sensitivity[sensitivity["outcome"] == outcome]
            sob = d[d["method"] == "sobol"].dropna(subset=["ST"])
            mor = d[d["method"] == "morris"].dropna(subset=["mu_star"])
            name = i18n.outcome_name(outcome, lang)
            if not sob.empty:
                r = sob.loc[sob["ST"].idxmax()]
                line = t("sobol_finding", lang, param=i18n.param_name(str(r["parameter"]), lang),
                         outcome=name, st=f"{r['ST']:.2f}", conf=f"{r['ST_conf']:.2f}")  # fmt: skip
                flags = str(r.get("flags", "") or "")
                if flags and flags != "nan":  # the sweep's own reliability flags
                    line += t("sobol_flagged", lang, flags=flags, n=r.get("n_needed", "—"))
                out.append(line)
            elif not mor.empty:
                r = mor.loc[mor["mu_star"].idxmax()]
                out.append(
                    t("morris_finding", lang, param=i18n.param_name(str(r["parameter"]), lang),
                      outcome=name, mu=f"{r['mu_star']:.3f}", conf=f"{r['mu_star_conf']:.3f}")
                )  # fmt: skip
    elif levers:
        for outcome in SWEEP_OUTCOMES:
            if outcome not in runs:
                continue
            eff = lever_effects(runs, levers, outcome)
            if eff.empty:
                continue
            eff = eff.reindex(eff["effect"].abs().sort_values(ascending=False).index)
            for r in eff.head(top).itertuples(index=False):
                sig = significant(r.low, r.high)
                out.append(
                    t(
                        "sweep_finding", lang, lever=i18n.param_name(r.lever, lang),
                        lo=f"{r.lo:.3g}", hi=f"{r.hi:.3g}",
                        effect=f"{r.effect:+.3f} [{r.low:+.3f}, {r.high:+.3f}]",
                        outcome=i18n.outcome_name(outcome, lang), n=r.n,
                        sig="" if sig else t("not_sig", lang),
                    )
                )  # fmt: skip
    if pareto is not None and not pareto.empty and levers:
        # the Pareto set is over levers only (uncertainties averaged out): count the settings of
        # its own columns, not the design points (levers x uncertainty values)
        own = [c for c in levers if c in pareto.columns] or levers
        settings = runs[own].drop_duplicates().shape[0]
        out.append(t("pareto_finding", lang, k=len(pareto), n=settings))
    return out


def single_findings(runs: pd.DataFrame, window: tuple[int, int], lang: str) -> list[str]:
    """The summary-window means of one run (no interval, so no comparison)."""
    a = runs[(runs["grouping"] == "all")]
    if a.empty:
        return []
    m = a.iloc[0]
    out = [
        t(
            "single_finding", lang, a=window[0], b=window[1],
            init=f"{100 * m['initiative_rate']:.1f}%", err=f"{100 * m['error_rate']:.1f}%",
            mis=f"{100 * m['misconduct_rate']:.1f}%", val=f"{m['value']:.3f}",
        )
    ]  # fmt: skip
    types = runs[runs["grouping"] == "type"].dropna(subset=["initiative_rate"])
    if len(types) > 1:
        hi, lo = (
            types.loc[types["initiative_rate"].idxmax()],
            types.loc[types["initiative_rate"].idxmin()],
        )
        out.append(
            t(
                "single_types", lang, hi=i18n.type_label(str(hi["type"]), lang),
                hv=f"{100 * hi['initiative_rate']:.1f}%",
                lo=i18n.type_label(str(lo["type"]), lang),
                lv=f"{100 * lo['initiative_rate']:.1f}%",
            )
        )  # fmt: skip
    return out
