"""The validation patterns: one small function per stylised fact, each with its source.

A pattern is declared with `@pattern(...)`: its text (English and Chinese), the arms it runs
(a function of the tier) and, as the decorated function, how it is judged from those runs.
The registry `PATTERNS` keeps the order of the report. Relative gains and drops are taken per
replicate on common seeds (I_lever / I_base - 1); differences are paired by seed; intervals are
95% t-intervals across replicates, or percentile bootstraps over replicates for ratios and
half-lives (the same resampled replicates for every arm, so pairing is kept).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from cadresim.agents.types import DEFICIT_TYPES, TYPE_NAMES, ZH_NAMES
from cadresim.model.config import ConfigError, flatten, load_config, unknown_key_message
from cadresim.policies.levers import LEVER_TARGETS

from .base import (
    Arm,
    Data,
    Measure,
    Pattern,
    Text,
    Tier,
    Verdict,
    baseline,
    bootstrap_measure,
    ci_row,
    regime,
    relative,
    t_ci,
    t_measure,
)

PATTERNS: dict[str, Pattern] = {}
OUTCOME_ZH = {"misconduct_rate": "违纪", "initiative_rate": "主动作为"}

COHORTS = TYPE_NAMES  # the five deficit types and the proactive, by initial type (cohort)
SELECTIVITY = 1.5  # the target's gain must be at least this multiple of the next largest
DEFICIT_GAP = 0.05
TOLERANCE_OVERRIDES = (  # tolerance switched on as in the tolerance_only preset
    "policy.tolerance.enabled=true",
    "policy.tolerance.coverage=0.7",
    "policy.tolerance.screening=0.85",
    "policy.tolerance.publicity=0.05",
)
CAMPAIGN = (61, 73)  # a 12-month 从严问责 campaign: months 61..72 (end is the first month after)
HALF_LIFE_MAX = 4
GONE_BY = 12  # months after the campaign by which >= 90% of the deterrence is gone
GONE_SHARE = 0.10
PEER_SHARE = 0.10
PEER_BAND = (0.05, 0.30)
STEADY_BLOCK = 100
STEADY_INITIATIVE = 0.01
STEADY_FEAR = 0.02
ROBUST_CONSTANTS = (
    "want_threshold",
    "want_temperature",
    "bother_threshold",
    "bother_temperature",
    "career_threshold",
    "career_temperature",
    "punish_threshold",
    "punish_temperature",
    "opportunity_threshold",
    "steepness",
)
ROBUST_FACTORS = (0.5, 2.0)
COLLAPSE = 0.10  # a conclusion that keeps its sign but falls below this share of its default size
# (name, regime, reference regime, outcome, expected sign of regime - reference)
CONCLUSIONS = (
    ("tolerance_raises_initiative", "tolerance_only", "baseline", "initiative_rate", 1),
    ("strict_lowers_initiative", "strict_accountability", "baseline", "initiative_rate", -1),
    ("three_mechanisms_raise_initiative", "three_mechanisms", "baseline", "initiative_rate", 1),
    ("overbroad_raises_misconduct", "tolerance_overbroad", "tolerance_only", "misconduct_rate", 1),
)


def pattern(
    name: str,
    *,
    title: Text,
    source: Text,
    statement: Text,
    method: Text,
    criterion: Text,
    arms: Callable[[Tier], Mapping[str, Arm]],
    long: bool = False,
) -> Callable[[Callable[[Data], Verdict]], Callable[[Data], Verdict]]:
    """Register the decorated judge as pattern `name` (in report order)."""

    def register(judge: Callable[[Data], Verdict]) -> Callable[[Data], Verdict]:
        PATTERNS[name] = Pattern(
            name, title, source, statement, method, criterion, arms, judge, long
        )
        return judge

    return register


def _diff(d: Data, a: str, b: str, outcome: str, cohort: str = "all") -> np.ndarray:
    """a - b per replicate (paired by seed)."""
    return d.summary(a, outcome, cohort) - d.summary(b, outcome, cohort)


# ------------------------------------------------------------------ 1. selectivity


def _selectivity_arms(tier: Tier) -> dict[str, Arm]:
    return {"baseline": baseline(), **{lever: regime(lever) for lever in LEVER_TARGETS}}


@pattern(
    "selectivity",
    title=("Each lever lifts its own type most", "各项举措对其对应类型作用最大"),
    source=(
        "Seed 003 (each deficit has its own root and remedy); DESIGN.md §3, five gates",
        "种子材料003（每类不作为有其根源与对策）；DESIGN.md §3 五道关口",
    ),
    statement=(
        "A lever opens the gate that holds its target type back and barely moves cadres whose "
        "gate is open: incentives and education → unwilling, training → unable, promotion "
        "orientation → afraid, accountability for inaction → reluctant, tolerance → fearful.",
        "每项举措打开其目标类型受阻的关口，对关口已开的干部几乎无影响：激励与思想教育→不想为，"
        "培训→不会为，用人导向→不敢为，不作为问责→不愿为，容错→害怕为。",
    ),
    method=(
        "Each lever preset vs baseline on common seeds; relative initiative gain per initial "
        "cohort I_lever/I_base − 1 (per replicate, summary window); ratio = the target's gain / "
        "the largest gain among the other five cohorts, bootstrap CI.",
        "各举措预设与基准在相同随机种子下比较；按初始类型计算主动作为的相对增幅 "
        "I_举措/I_基准 − 1（逐次重复，汇总窗口）；比值 = 目标类型增幅 / 其余五类中的最大增幅，"
        "自助法置信区间。",
    ),
    criterion=(
        f"for every lever the largest gain is on its target and ≥ {SELECTIVITY}× the next",
        f"每项举措的最大增幅落在目标类型上，且 ≥ 次大者的 {SELECTIVITY} 倍",
    ),
    arms=_selectivity_arms,
)
def selectivity(d: Data) -> Verdict:
    """The lever x cohort matrix of relative initiative gains."""
    gains = {
        lever: {
            c: relative(d.summary(lever, "initiative_rate", c), d.summary("baseline",
                        "initiative_rate", c))
            for c in COHORTS
        }
        for lever in LEVER_TARGETS
    }  # fmt: skip
    rows, holds, ratios = [], True, {}
    for lever, target in LEVER_TARGETS.items():
        means = {c: float(np.nanmean(g)) for c, g in gains[lever].items()}
        ratio = _selectivity_ratio(means, target)
        ok = max(means, key=means.get) == target and (
            means[target] >= SELECTIVITY * _next(means, target)
            if _next(means, target) > 0
            else means[target] > 0
        )
        holds &= ok
        ratios[lever] = ratio
        for c in COHORTS:
            rows.append(ci_row(c, gains[lever][c], lever=lever, target=target, cohort=c))
    table = pd.DataFrame(rows).drop(columns="label")
    summary = pd.DataFrame(
        [
            {"lever": lever, "target": t, "best": max(m, key=m.get), "ratio": ratios[lever],
             "holds": ratios[lever] >= SELECTIVITY and max(m, key=m.get) == t}
            for lever, t in LEVER_TARGETS.items()
            for m in [{c: float(np.nanmean(g)) for c, g in gains[lever].items()}]
        ]
    )  # fmt: skip
    weakest = min(ratios, key=lambda k: -math.inf if math.isnan(ratios[k]) else ratios[k])

    def stat(idx: np.ndarray) -> float:
        m = {c: float(np.nanmean(g[idx])) for c, g in gains[weakest].items()}
        return _selectivity_ratio(m, LEVER_TARGETS[weakest])

    headline = bootstrap_measure(
        "min_ratio", f"weakest lever ({weakest}) target/next", stat, d.replications, digits=2,
        label_zh=f"最弱举措（{weakest}）目标/次大",
    )  # fmt: skip
    return Verdict(holds, [headline], {"gains": table, "levers": summary})


def _next(means: Mapping[str, float], target: str) -> float:
    return max(v for c, v in means.items() if c != target)


def _selectivity_ratio(means: Mapping[str, float], target: str) -> float:
    """target gain / next largest gain (inf if the others do not gain, NaN if none gains)."""
    nxt = _next(means, target)
    if nxt > 0:
        return means[target] / nxt
    return math.inf if means[target] > 0 else math.nan


# ------------------------------------------------------------------ 2. deficit gap


@pattern(
    "deficit_gap",
    title=(
        "Every deficit type acts clearly less than the proactive",
        "各类不作为干部明显少于担当者",
    ),
    source=("Seed 003 (不想为、不会为、不敢为、不愿为、害怕为)", "种子材料003（五类不作为）"),
    statement=(
        "In the baseline each of the five deficit cohorts takes clearly less initiative than "
        "the proactive cohort.",
        "基准情境下，五类不作为干部的主动作为均明显低于担当作为干部。",
    ),
    method=(
        "Baseline; initiative of the proactive cohort minus each deficit cohort in the same run "
        "(summary window), t-interval across replicates.",
        "基准情境；同一次运行中担当作为类型与各不作为类型的主动作为率之差（汇总窗口），"
        "跨重复的 t 置信区间。",
    ),
    criterion=(
        f"for each cohort the CI of proactive − cohort lies above {DEFICIT_GAP}",
        f"每类的（担当作为 − 该类）置信区间均高于 {DEFICIT_GAP}",
    ),
    arms=lambda tier: {"baseline": baseline()},
)
def deficit_gap(d: Data) -> Verdict:
    pro = d.summary("baseline", "initiative_rate", "proactive")
    rows, measures = [], []
    for c in DEFICIT_TYPES:
        gap = pro - d.summary("baseline", "initiative_rate", c)
        rows.append(
            ci_row(
                c,
                gap,
                cohort=c,
                initiative=float(d.summary("baseline", "initiative_rate", c).mean()),
            )
        )
        label, label_zh = f"proactive − {c}", f"担当作为 − {ZH_NAMES[c]}"
        measures.append(
            t_measure(f"gap_{c}", label, gap, paired=True, shown=False, signed=True,
                      label_zh=label_zh)
        )  # fmt: skip
    table = pd.DataFrame(rows).drop(columns="label")
    binding = min(measures, key=lambda m: m.low if not math.isnan(m.low) else m.value)
    binding.shown = True
    holds = all(m.low > DEFICIT_GAP for m in measures)
    return Verdict(holds, [binding, *[m for m in measures if m is not binding]], {"gaps": table})


# ------------------------------------------------------------------ 3. tolerance, errors


@pattern(
    "tolerance_raises_initiative_and_errors",
    title=(
        "Tolerance raises initiative, and honest errors with it",
        "容错提高主动作为，也增加无心之失",
    ),
    source=(
        "Manso (2011) 'Motivating innovation', J. Finance; Azoulay, Graff Zivin & Manso (2011) "
        "RAND J. Econ.: tolerance for early failure raises exploration and its failures",
        "Manso (2011)《激励创新》；Azoulay、Graff Zivin 与 Manso (2011)：对早期失败的宽容"
        "提高探索及其失败",
    ),
    statement=(
        "Exempting honest errors raises initiative, and with more attempts, more honest errors.",
        "对无心之失免责会提高主动作为；尝试增多，无心之失也随之增多。",
    ),
    method=(
        "tolerance_only − baseline, paired by seed, for initiative_rate and error_rate (all "
        "cadres, summary window).",
        "仅容错 − 基准，按种子配对，比较主动作为率与无心之失率（全体干部，汇总窗口）。",
    ),
    criterion=("both paired CIs above 0", "两项配对差值的置信区间均高于 0"),
    arms=lambda tier: {"baseline": baseline(), "tolerance": regime("tolerance_only")},
)
def tolerance_raises(d: Data) -> Verdict:
    di = _diff(d, "tolerance", "baseline", "initiative_rate")
    de = _diff(d, "tolerance", "baseline", "error_rate")
    m = [
        t_measure(
            "d_initiative", "Δinitiative", di, paired=True, signed=True, label_zh="Δ主动作为"
        ),
        t_measure(
            "d_error", "Δerror", de, paired=True, signed=True, digits=4, label_zh="Δ无心之失"
        ),
    ]
    return Verdict(all(x.low > 0 for x in m), m)


# ------------------------------------------------------------------ 4. overbroad tolerance


@pattern(
    "overbroad_misconduct",
    title=("Over-broad tolerance raises misconduct (容错扩大论)", "容错过宽增加违纪（容错扩大论）"),
    source=(
        "Seed 003, 容错扩大论: tolerance stretched to cover violations shields misconduct",
        "种子材料003，容错扩大论：把违纪违法也纳入容错会庇护违纪",
    ),
    statement=(
        "Tolerance with poor screening (tolerance_overbroad) yields more misconduct than "
        "well-screened tolerance (tolerance_only).",
        "甄别不严的容错（容错过宽）比甄别良好的容错（仅容错）带来更多违纪违法。",
    ),
    method=(
        "tolerance_overbroad − tolerance_only misconduct_rate, paired by seed (all cadres, "
        "summary window); the relative rise is shown beside it.",
        "容错过宽 − 仅容错 的违纪违法率，按种子配对（全体干部，汇总窗口）；并列出相对增幅。",
    ),
    criterion=("paired CI above 0", "配对差值置信区间高于 0"),
    arms=lambda tier: {
        "tolerance": regime("tolerance_only"),
        "overbroad": regime("tolerance_overbroad"),
    },
)
def overbroad_misconduct(d: Data) -> Verdict:
    diff = _diff(d, "overbroad", "tolerance", "misconduct_rate")
    rel = relative(
        d.summary("overbroad", "misconduct_rate"), d.summary("tolerance", "misconduct_rate")
    )
    m = [
        t_measure(
            "d_misconduct",
            "Δmisconduct",
            diff,
            paired=True,
            signed=True,
            digits=4,
            label_zh="Δ违纪违法",
        ),
        t_measure(
            "rel_misconduct",
            "relative",
            rel,
            paired=True,
            signed=True,
            digits=2,
            label_zh="相对增幅",
        ),
    ]
    return Verdict(m[0].low > 0, m)


# ------------------------------------------------------------------ 5. unpublicised tolerance


@pattern(
    "unpublicised_half",
    title=(
        "Unpublicised tolerance gets under half the gain (容错无用论)",
        "未宣传的容错收效不足一半（容错无用论）",
    ),  # fmt: skip
    source=(
        "Seed 003, 容错无用论: about 80% of cadres know the tolerance policy only vaguely",
        "种子材料003，容错无用论：约80%的干部对容错政策只是模糊知晓",
    ),
    statement=(
        "Tolerance that cadres do not know of (tolerance_unpublicised) raises initiative by less "
        "than half as much as publicised tolerance.",
        "干部不了解的容错（容错未宣传）对主动作为的提升不足已宣传容错的一半。",
    ),
    method=(
        "Initiative gains over baseline, paired by seed: gain_u = unpublicised − baseline, "
        "gain_t = tolerance_only − baseline; ratio gain_u / gain_t of the replicate means, "
        "bootstrap CI.",
        "相对基准的主动作为增幅，按种子配对：gain_u = 容错未宣传 − 基准，gain_t = 仅容错 − 基准；"
        "比值 gain_u / gain_t（重复均值之比），自助法置信区间。",
    ),
    criterion=("ratio < 0.5 (and gain_t > 0)", "比值 < 0.5（且 gain_t > 0）"),
    arms=lambda tier: {
        "baseline": baseline(),
        "tolerance": regime("tolerance_only"),
        "unpublicised": regime("tolerance_unpublicised"),
    },
)
def unpublicised_half(d: Data) -> Verdict:
    gu = _diff(d, "unpublicised", "baseline", "initiative_rate")
    gt = _diff(d, "tolerance", "baseline", "initiative_rate")
    ratio = bootstrap_measure(
        "ratio", "gain ratio unpublicised/publicised", _ratio_of_means(gu, gt), d.replications,
        digits=2, label_zh="增幅比 未宣传/已宣传",
    )  # fmt: skip
    m = [
        ratio,
        t_measure(
            "gain_t",
            "gain_t (publicised)",
            gt,
            paired=True,
            signed=True,
            shown=False,
            label_zh="gain_t（已宣传）",
        ),
        t_measure(
            "gain_u",
            "gain_u (unpublicised)",
            gu,
            paired=True,
            signed=True,
            shown=False,
            label_zh="gain_u（未宣传）",
        ),
    ]
    return Verdict(bool(ratio.value < 0.5 and m[1].value > 0), m)


def _ratio_of_means(a: np.ndarray, b: np.ndarray) -> Callable[[np.ndarray], float]:
    def stat(idx: np.ndarray) -> float:
        den = float(np.mean(b[idx]))
        return float(np.mean(a[idx])) / den if den != 0 else math.nan

    return stat


# ------------------------------------------------------------------ 6. tolerance is no panacea


@pattern(
    "not_a_panacea",
    title=(
        "Tolerance does not make the unable succeed (容错万能论)",
        "容错不能让不会为者成功（容错万能论）",
    ),
    source=(
        "Seed 003, 容错万能论: tolerance cannot stand in for ability (本领恐慌 needs training)",
        "种子材料003，容错万能论：容错不能替代能力（本领恐慌需靠培训）",
    ),
    statement=(
        "Tolerance raises the successes of the unable cohort far less than training does.",
        "容错对不会为干部成功率的提升远小于培训。",
    ),
    method=(
        "success_rate of the unable cohort: gains of tolerance_only and training_only over "
        "baseline, paired by seed; ratio of the mean gains, bootstrap CI.",
        "不会为类型的成功率：仅容错、仅培训相对基准的增幅，按种子配对；平均增幅之比，"
        "自助法置信区间。",
    ),
    criterion=(
        "the ratio tolerance/training is below one half with 95% confidence (upper CI bound "
        "< 0.5), and training's gain > 0",
        "比值 容错/培训 的95%置信区间上限 < 0.5，且培训增幅 > 0",
    ),  # fmt: skip
    arms=lambda tier: {
        "baseline": baseline(),
        "tolerance": regime("tolerance_only"),
        "training": regime("training_only"),
    },
)
def not_a_panacea(d: Data) -> Verdict:
    gt = _diff(d, "tolerance", "baseline", "success_rate", "unable")
    gr = _diff(d, "training", "baseline", "success_rate", "unable")
    ratio = bootstrap_measure(
        "ratio", "unable success gain tolerance/training", _ratio_of_means(gt, gr),
        d.replications, digits=2, label_zh="不会为成功率增幅 容错/培训",
    )  # fmt: skip
    m = [
        ratio,
        t_measure(
            "gain_tolerance",
            "tolerance gain",
            gt,
            paired=True,
            signed=True,
            shown=False,
            label_zh="容错增幅",
        ),
        t_measure(
            "gain_training",
            "training gain",
            gr,
            paired=True,
            signed=True,
            shown=False,
            label_zh="培训增幅",
        ),
    ]
    return Verdict(bool(ratio.high < 0.5 and m[2].value > 0), m)


# ------------------------------------------------------------------ 7. strict accountability


@pattern(
    "strict_lowers",
    title=(
        "Strict accountability lowers initiative, most among the fearful and afraid",
        "从严问责降低主动作为，对害怕为与不敢为影响最大",
    ),  # fmt: skip
    source=(
        "Seed 003 (从严问责 breeds 不敢为、害怕为); DESIGN.md §3",
        "种子材料003（从严问责导致不敢为、害怕为）；DESIGN.md §3",
    ),
    statement=(
        "Harsher, likelier sanctions lower initiative overall, and cut the share of the "
        "fearful and the afraid who act the most.",
        "更严更可能的问责降低总体主动作为，且害怕为与不敢为干部中主动作为的比例下降最多。",
    ),
    method=(
        "strict_accountability − baseline initiative, paired by seed; per cohort the drop in "
        "points I_strict − I_base (the relative drop I_strict/I_base − 1 is shown too: it "
        "ranks the unable high only because few of them act at all).",
        "从严问责 − 基准 的主动作为率，按种子配对；各类型的下降幅度 I_从严 − I_基准（亦列出相对降幅"
        " I_从严/I_基准 − 1：不会为干部本来就很少作为，相对降幅因此偏大）。",
    ),
    criterion=(
        "paired CI below 0, and the two largest drops (in points) are the fearful and the afraid",
        "配对差值置信区间低于 0，且下降幅度最大的两类为害怕为与不敢为",
    ),
    arms=lambda tier: {"baseline": baseline(), "strict": regime("strict_accountability")},
)
def strict_lowers(d: Data) -> Verdict:
    diff = _diff(d, "strict", "baseline", "initiative_rate")
    rows = []
    for c in COHORTS:
        strict = d.summary("strict", "initiative_rate", c)
        base = d.summary("baseline", "initiative_rate", c)
        row = ci_row(c, strict - base, cohort=c)
        row["relative"] = float(np.nanmean(relative(strict, base)))
        rows.append(row)
    table = pd.DataFrame(rows).drop(columns="label")
    table = table.sort_values("mean", kind="stable").reset_index(drop=True)
    largest = list(table["cohort"][:2])
    first, second = table["mean"][0], table["mean"][1]
    m = [
        t_measure(
            "d_initiative", "Δinitiative", diff, paired=True, signed=True, label_zh="Δ主动作为"
        ),
        Measure(
            "second_drop",
            f"largest drops {largest[0]} {first:+.3f}, {largest[1]}",
            float(second),
            signed=True,
            digits=3,
            label_zh=f"下降最多 {ZH_NAMES[largest[0]]} {first:+.3f}，{ZH_NAMES[largest[1]]}",
        ),
    ]
    holds = m[0].high < 0 and set(largest) == {"fearful", "afraid"}
    return Verdict(bool(holds), m, {"drops": table})


# ------------------------------------------------------------------ 8. strict + tolerance


@pattern(
    "strict_plus_tolerance_below_lenient",
    title=("Tolerance only partly offsets strict sanctions", "容错只能部分抵消从严问责"),
    source=(
        "Survey experiment with 923 Chinese officials (2024): fault-tolerance information "
        "under strict accountability restores only part of the willingness to act",
        "2024年对923名中国公务员的调查实验：从严问责下的容错信息只能部分恢复担当意愿",
    ),
    statement=(
        "Strict accountability with tolerance switched on stays below the lenient baseline, "
        "but above strict accountability alone.",
        "从严问责加容错仍低于宽松的基准情境，但高于单纯从严问责。",
    ),
    method=(
        "policy=strict_accountability with the tolerance of tolerance_only "
        f"({' '.join(TOLERANCE_OVERRIDES)}); initiative differences to baseline and to strict "
        "alone, paired by seed.",
        "policy=strict_accountability 并开启与仅容错相同的容错设置；与基准及单纯从严问责的"
        "主动作为差值，按种子配对。",
    ),
    criterion=(
        "CI of (strict+tolerance − baseline) below 0 and of (strict+tolerance − strict) above 0",
        "（从严+容错 − 基准）置信区间低于0，且（从严+容错 − 从严）高于0",
    ),
    arms=lambda tier: {
        "baseline": baseline(),
        "strict": regime("strict_accountability"),
        "strict_tolerance": regime("strict_accountability", *TOLERANCE_OVERRIDES),
    },
)
def strict_plus_tolerance(d: Data) -> Verdict:
    vs_base = _diff(d, "strict_tolerance", "baseline", "initiative_rate")
    vs_strict = _diff(d, "strict_tolerance", "strict", "initiative_rate")
    m = [
        t_measure(
            "d_baseline", "vs baseline", vs_base, paired=True, signed=True, label_zh="相对基准"
        ),
        t_measure(
            "d_strict", "vs strict", vs_strict, paired=True, signed=True, label_zh="相对从严"
        ),
    ]
    return Verdict(bool(m[0].high < 0 and m[1].low > 0), m)


# ------------------------------------------------------------------ 9. crackdown decay


def _schedule(start: int, end: int) -> str:
    return f"policy.schedule=[{{start:{start},end:{end},regime:strict_accountability}}]"


@pattern(
    "crackdown_decay",
    title=("A crackdown's deterrence fades within months", "专项整治的威慑数月内消退"),
    source=(
        "Karplus & Wu (2019), 'Dynamic responses to regulatory crackdowns' (China's 2013 "
        "anti-corruption campaign): deterrence fades in about 2 months",
        "Karplus 与 Wu (2019)：监管整治后的威慑约2个月消退",
    ),
    statement=(
        "After a 12-month strict-accountability campaign ends, its deterrence of misconduct "
        "decays within a few months, as cadres' learned perceived detection δ̂ forgets.",
        "12个月的从严问责专项行动结束后，对违纪的威慑在数月内消退（干部习得的感知查处率 δ̂ 遗忘）。",
    ),
    method=(
        f"baseline with policy.schedule=[{{start:{CAMPAIGN[0]},end:{CAMPAIGN[1]},"
        "regime:strict_accountability}] vs baseline; deterrence D(t) = baseline − campaign "
        "misconduct_rate per month (all cadres, mean over replicates, 3-month centred moving "
        "average); D₀ = mean D over the campaign's last 3 months; half-life = months after the "
        "campaign until D first falls below D₀/2; remaining = D at month 12 after / D₀. "
        "Bootstrap CIs. The same is reported for initiative.",
        "基准加专项整治日程 与 基准 对比；威慑 D(t) = 基准 − 整治 的每月违纪违法率（全体干部，"
        "重复均值，3个月居中移动平均）；D₀ = 整治最后3个月的平均 D；半衰期 = 整治结束后 D 首次"
        "低于 D₀/2 所需月数；剩余 = 结束后第12个月的 D / D₀。自助法置信区间。主动作为同样报告。",
    ),
    criterion=(
        f"half-life ≤ {HALF_LIFE_MAX} months and ≥ 90% gone by month {GONE_BY} after",
        f"半衰期 ≤ {HALF_LIFE_MAX} 个月，且结束后第 {GONE_BY} 个月时消退 ≥ 90%",
    ),
    arms=lambda tier: {
        "baseline": baseline(tier.crackdown_months, save_steps=True),
        "campaign": Arm(
            ("policy=baseline", _schedule(*CAMPAIGN)),
            months=tier.crackdown_months,
            save_steps=True,
        ),
    },  # fmt: skip
)
def crackdown_decay(d: Data) -> Verdict:
    measures, series = [], []
    holds = False
    for outcome, shown in (("misconduct_rate", True), ("initiative_rate", False)):
        b, c = d.steps("baseline", outcome), d.steps("campaign", outcome)
        deterrence = b - c  # replicates x months
        half = bootstrap_measure(
            f"half_life_{outcome}", f"{outcome.split('_')[0]} half-life (months)",
            lambda idx, x=deterrence: decay(x[idx].mean(axis=0))[0], d.replications,
            digits=1, shown=shown, label_zh=f"{OUTCOME_ZH[outcome]}威慑半衰期（月）",
        )  # fmt: skip
        left = bootstrap_measure(
            f"remaining_{outcome}", f"{outcome.split('_')[0]} remaining at +{GONE_BY}",
            lambda idx, x=deterrence: decay(x[idx].mean(axis=0))[1], d.replications,
            digits=2, shown=shown, label_zh=f"{OUTCOME_ZH[outcome]}威慑结束后第{GONE_BY}个月剩余",
        )  # fmt: skip
        measures += [half, left]
        mean = _smooth(deterrence.mean(axis=0))
        series.append(
            pd.DataFrame(
                {
                    "outcome": outcome,
                    "month": np.arange(mean.size),
                    "deterrence": mean,
                    "raw": deterrence.mean(axis=0),
                }
            )
        )
        if outcome == "misconduct_rate":
            holds = half.value <= HALF_LIFE_MAX and left.value <= GONE_SHARE
    return Verdict(bool(holds), measures, {"series": pd.concat(series, ignore_index=True)})


def _smooth(x: np.ndarray) -> np.ndarray:
    """3-month centred moving average (the ends keep their own two-month means)."""
    padded = np.concatenate([[x[0]], x, [x[-1]]])
    out = (padded[:-2] + padded[1:-1] + padded[2:]) / 3
    out[0], out[-1] = (x[0] + x[1]) / 2, (x[-2] + x[-1]) / 2
    return out


def decay(deterrence: np.ndarray, campaign: tuple[int, int] = CAMPAIGN) -> tuple[float, float]:
    """(half-life in months, share remaining at GONE_BY months) of a deterrence series indexed
    by month. inf if it never halves within the run; NaN if there was no deterrence."""
    start, end = campaign
    d = _smooth(np.asarray(deterrence, dtype=float))
    last = end - 1  # the campaign's last month
    d0 = float(d[last - 2 : last + 1].mean())
    if not d0 > 0:
        return math.nan, math.nan
    after = d[last + 1 :]  # after[k - 1] is month last + k
    below = np.flatnonzero(after < d0 / 2)
    half = float(below[0] + 1) if below.size else math.inf
    remaining = float(after[GONE_BY - 1] / d0) if after.size >= GONE_BY else math.nan
    return half, remaining


# ------------------------------------------------------------------ 10. peer elasticity


def _peer_arms(tier: Tier) -> dict[str, Arm]:
    start = tier.months // 2 + 1

    def hooked(force: bool, hide: bool) -> Arm:
        hook = (("name", "peer"), ("share", PEER_SHARE), ("start", start), ("force", force),
                ("hide", hide))  # fmt: skip
        return Arm(("policy=baseline",), hook=hook)

    return {
        "control": hooked(False, True),
        "forced": hooked(True, True),
        "forced_visible": hooked(True, False),
    }


@pattern(
    "peer_elasticity",
    title=("Peers' initiative responds to colleagues acting", "同伴主动作为对同事行为的弹性"),
    source=(
        "Mas & Moretti (2009), 'Peers at work', AER: a 10% rise in co-workers' productivity "
        "raises a worker's by 1.7% (elasticity 0.17)",
        "Mas 与 Moretti (2009)《工作中的同伴》：同事生产率提高10%，个人提高1.7%（弹性0.17）",
    ),
    statement=(
        "Making a random 10% of cadres act raises the initiative of the others through the peer "
        "norm η·N in the want gate W (N = share of network neighbours who acted last month), "
        "with an elasticity between 0.05 and 0.3.",
        "随机令10%的干部作为，会通过想为关口 W 中的同伴规范 η·N（N = 上月作为的网络邻居占比）"
        "提高其余干部的主动作为，弹性在0.05至0.3之间。",
    ),
    method=(
        "Engine hook: engine.forced = a random 10% of cadres (a seeded draw) act every month from "
        "the second half of the run on, engine.hide_forced = True (their cases do not teach "
        "neighbours: the norm channel alone); control = same seeds and mask, not forced. Over the "
        "forced months, for the non-forced cadres: elasticity = (ΔI/I) / (ΔN/N), I = their "
        "initiative, N = their mean neighbour-acted share; per replicate, paired t-interval. "
        "Shown besides: the total elasticity with the forced cadres' cases visible.",
        "引擎钩子：engine.forced 令随机10%的干部（按种子抽取）自运行后半段起每月作为，"
        "engine.hide_forced = True（其案例不被邻居学习：只剩规范渠道）；对照组为相同种子与名单"
        "但不强制。在强制期内，对未被强制的干部：弹性 = (ΔI/I)/(ΔN/N)，I 为其主动作为率，N 为其"
        "邻居作为占比均值；逐次重复计算，配对 t 区间。另列出案例可见时的总弹性。",
    ),
    criterion=(
        f"CI within [{PEER_BAND[0]}, {PEER_BAND[1]}]",
        f"置信区间落在 [{PEER_BAND[0]}, {PEER_BAND[1]}] 内",
    ),
    arms=_peer_arms,
)
def peer_elasticity(d: Data) -> Verdict:
    def elasticity(arm: str) -> np.ndarray:
        i_c, i_f = d.summary("control", "peer_initiative"), d.summary(arm, "peer_initiative")
        n_c, n_f = d.summary("control", "peer_neighbours"), d.summary(arm, "peer_neighbours")
        with np.errstate(divide="ignore", invalid="ignore"):
            return ((i_f - i_c) / i_c) / ((n_f - n_c) / n_c)

    hidden, total = elasticity("forced"), elasticity("forced_visible")
    dn = relative(d.summary("forced", "peer_neighbours"), d.summary("control", "peer_neighbours"))
    m = [
        t_measure(
            "elasticity",
            "elasticity (cases hidden)",
            hidden,
            paired=True,
            label_zh="弹性（案例隐藏）",
        ),
        t_measure(
            "elasticity_total",
            "total (cases visible)",
            total,
            paired=True,
            label_zh="总弹性（案例可见）",
        ),
        t_measure("d_neighbours", "ΔN/N", dn, paired=True, signed=True, shown=False),
    ]
    holds = PEER_BAND[0] <= m[0].low and m[0].high <= PEER_BAND[1]
    return Verdict(bool(holds), m)


# ------------------------------------------------------------------ 11. Peter principle


@pattern(
    "peter_principle",
    title=(
        "Merit promotion without skill transfer lowers leaders' competence (Peter principle)",
        "无能力迁移的择优晋升降低领导能力（彼得原理）",
    ),  # fmt: skip
    source=(
        "Pluchino, Rapisarda & Garofalo (2010), 'The Peter principle revisited', Physica A",
        "Pluchino、Rapisarda 与 Garofalo (2010)《彼得原理再探》",
    ),
    statement=(
        "When competence in the new role is a fresh draw (transfer 0, the Peter hypothesis), "
        "promoting the best performers leaves leaders less competent than when competence "
        "carries over (transfer 1).",
        "若新岗位能力为重新抽取（迁移为0，即彼得假说），提拔表现最好者会使领导能力低于能力"
        "可迁移（迁移为1）的情形。",
    ),
    method=(
        "policy.careers.enabled=true with policy.careers.transfer=0 vs =1, paired by seed; "
        "leader_competence (mean competence of cadres with subordinates), summary window.",
        "policy.careers.enabled=true，policy.careers.transfer=0 与 =1 对比，按种子配对；"
        "leader_competence（有下属干部的平均能力），汇总窗口。",
    ),
    criterion=(
        "paired CI of (transfer 0 − transfer 1) below 0",
        "（迁移0 − 迁移1）配对置信区间低于 0",
    ),  # fmt: skip
    arms=lambda tier: {
        "peter": regime("baseline", "policy.careers.enabled=true", "policy.careers.transfer=0"),
        "merit": regime("baseline", "policy.careers.enabled=true", "policy.careers.transfer=1"),
    },
)
def peter_principle(d: Data) -> Verdict:
    diff = _diff(d, "peter", "merit", "leader_competence")
    m = [
        t_measure(
            "d_leader_competence",
            "Δleader competence",
            diff,
            paired=True,
            signed=True,
            label_zh="Δ领导能力",
        )
    ]
    return Verdict(bool(m[0].high < 0), m)


# ------------------------------------------------------------------ 12. steady state


@pattern(
    "steady_state",
    title=("The baseline reaches a steady state", "基准情境达到稳态"),
    source=(
        "DESIGN.md §3: error fear decays toward each cadre's baseline, so it is bounded",
        "DESIGN.md §3：怕出错程度向个人基线衰减，因而有界",
    ),
    statement=(
        "Over a long baseline run initiative and mean error fear settle: the last two 100-month "
        "blocks agree, and fear stays within [0, 1].",
        "长期基准运行中，主动作为与平均怕出错程度趋于稳定：最后两个100个月区段一致，"
        "怕出错程度保持在 [0, 1] 内。",
    ),
    method=(
        "Baseline for 600 months (quick tier 300); per replicate the mean of the last 100-month "
        "block minus the one before, t-interval; min and max of mean_error_fear over all months.",
        "基准运行600个月（快速档300个月）；逐次重复计算最后100个月区段与前一区段均值之差，"
        "t 置信区间；全部月份 mean_error_fear 的最小值与最大值。",
    ),
    criterion=(
        f"|Δinitiative| < {STEADY_INITIATIVE}, |Δfear| < {STEADY_FEAR}, fear within [0, 1]",
        f"|Δ主动作为| < {STEADY_INITIATIVE}，|Δ怕出错| < {STEADY_FEAR}，怕出错在 [0, 1] 内",
    ),
    arms=lambda tier: {"baseline": baseline(tier.steady_months, save_steps=True)},
    long=True,
)
def steady_state(d: Data) -> Verdict:
    init, fear = d.steps("baseline", "initiative_rate"), d.steps("baseline", "mean_error_fear")
    months = init.shape[1] - 1
    block = min(STEADY_BLOCK, months // 3)
    late, early = (
        slice(months - block + 1, months + 1),
        slice(months - 2 * block + 1, months - block + 1),
    )
    di = init[:, late].mean(axis=1) - init[:, early].mean(axis=1)
    df = fear[:, late].mean(axis=1) - fear[:, early].mean(axis=1)
    m = [
        t_measure("d_initiative", f"Δinitiative (last {block} vs previous)", di, signed=True,
                  digits=4, label_zh=f"Δ主动作为（最后{block}个月 vs 之前）"),
        t_measure("d_fear", "Δfear", df, signed=True, digits=4, label_zh="Δ怕出错"),
        Measure("fear_min", "fear min", float(fear.min()), shown=False, label_zh="怕出错最小值"),
        Measure("fear_max", "fear max", float(fear.max()), shown=False, label_zh="怕出错最大值"),
    ]  # fmt: skip
    holds = (
        abs(m[0].value) < STEADY_INITIATIVE
        and abs(m[1].value) < STEADY_FEAR
        and 0.0 <= m[2].value
        and m[3].value <= 1.0
    )
    series = pd.DataFrame(
        {"month": np.arange(months + 1), "initiative_rate": init.mean(axis=0),
         "mean_error_fear": fear.mean(axis=0)}
    )  # fmt: skip
    return Verdict(bool(holds), m, {"series": series})


# ------------------------------------------------------------------ 13. robustness


@functools.cache
def behaviour_defaults() -> dict[str, float]:
    """behaviour.* defaults of the composed baseline config."""
    flat = flatten(load_config(["policy=baseline"]))
    return {k.removeprefix("behaviour."): v for k, v in flat.items() if k.startswith("behaviour.")}


def robustness_arms(constants: tuple[str, ...] = ROBUST_CONSTANTS) -> Callable[[Tier], dict]:
    """Arms of the robustness pattern over `constants` (behaviour.* keys)."""

    def arms(tier: Tier) -> dict[str, Arm]:
        defaults = behaviour_defaults()
        unknown = [c for c in constants if c not in defaults]
        if unknown:
            raise ConfigError(unknown_key_message(f"behaviour.{unknown[0]}"))
        regimes = sorted({r for _, a, b, _, _ in CONCLUSIONS for r in (a, b)})
        out = {f"default:{r}": regime(r) for r in regimes}
        for c in constants:
            for f in ROBUST_FACTORS:
                value = float(defaults[c]) * f
                for r in regimes:
                    out[f"{c}@{f:g}:{r}"] = Arm((f"policy={r}",), ((f"behaviour.{c}", value),))
        return out

    return arms


def robustness_judge(constants: tuple[str, ...]) -> Callable[[Data], Verdict]:
    def judge(d: Data) -> Verdict:
        defaults = behaviour_defaults()
        rows = []
        settings = [("default", 1.0)] + [(c, f) for c in constants for f in ROBUST_FACTORS]
        for c, f in settings:
            prefix = "default:" if c == "default" else f"{c}@{f:g}:"
            for name, a, b, outcome, sign in CONCLUSIONS:
                diff = _diff(d, prefix + a, prefix + b, outcome)
                mean, lo, hi = t_ci(diff)
                rows.append({
                    "constant": c, "factor": f,
                    "value": float(defaults[c]) * f if c != "default" else math.nan,
                    "conclusion": name, "diff": mean, "low": lo, "high": hi,
                    "reversed": bool(np.sign(mean) != sign),
                    "significant": bool(lo > 0 or hi < 0),
                })  # fmt: skip
        table = pd.DataFrame(rows)
        base = table[table["constant"] == "default"].set_index("conclusion")["diff"]
        # kept its sign but shrank below COLLAPSE of the effect at the default constants
        table["collapsed"] = [
            not r and abs(x) < COLLAPSE * abs(base[k])
            for x, r, k in zip(table["diff"], table["reversed"], table["conclusion"], strict=True)
        ]
        ranges = safe_ranges(table, constants)
        reversals = int(table["reversed"].sum())
        fragile = [r["constant"] for r in ranges.to_dict("records") if r["fragile"]]
        m = [
            Measure("reversals", f"reversed, of {len(table)} conclusions:", float(reversals),
                    digits=0, label_zh=f"{len(table)}项结论中反转："),
            Measure("fragile", "fragile constants", float(len(fragile)), digits=0,
                    label_zh="脆弱常数"),
        ]  # fmt: skip
        if fragile:
            m[1].label += " (" + ", ".join(fragile) + ")"
            m[1].label_zh += "（" + "、".join(fragile) + "）"
        collapsed = table[table["collapsed"]]
        m.append(Measure("collapsed", f"kept but < {COLLAPSE:.0%} of the default effect",
                         float(len(collapsed)), digits=0,
                         label_zh=f"方向不变但不足默认效应的{COLLAPSE:.0%}"))  # fmt: skip
        if len(collapsed):
            where = sorted(
                {
                    f"{c} ×{f:g}"
                    for c, f in zip(collapsed["constant"], collapsed["factor"], strict=True)
                }
            )
            m[2].label += " (" + ", ".join(where) + ")"
            m[2].label_zh += "（" + "、".join(where) + "）"
        return Verdict(reversals == 0, m, {"conclusions": table, "constants": ranges})

    return judge


def safe_ranges(table: pd.DataFrame, constants: tuple[str, ...]) -> pd.DataFrame:
    """Per constant: the reversed conclusions and the factors (of 0.5, 1, 2) around the default
    at which no conclusion reverses."""
    default_ok = not table[table["constant"] == "default"]["reversed"].any()
    out = []
    for c in constants:
        rows = table[table["constant"] == c]
        ok = {f: not rows[rows["factor"] == f]["reversed"].any() for f in ROBUST_FACTORS}
        ok[1.0] = default_ok
        lo = 0.5 if ok[1.0] and ok[0.5] else 1.0
        hi = 2.0 if ok[1.0] and ok[2.0] else 1.0
        safe = f"×{lo:g}–×{hi:g}" if ok[1.0] and lo < hi else "×1 only" if ok[1.0] else "none"
        reversed_ = sorted(set(rows[rows["reversed"]]["conclusion"]))
        weak = rows[~rows["reversed"] & ~rows["significant"]]
        shrunk = rows[rows["collapsed"]] if "collapsed" in rows else rows.iloc[:0]
        out.append(
            {
                "constant": c,
                "default": behaviour_defaults()[c],
                "fragile": bool(reversed_),
                "reversed": ", ".join(reversed_),
                "safe_range": safe,
                "not_significant": ", ".join(
                    f"{k} ×{f:g}" for k, f in zip(weak["conclusion"], weak["factor"], strict=True)
                ),
                "collapsed": ", ".join(
                    f"{k} ×{f:g}"
                    for k, f in zip(shrunk["conclusion"], shrunk["factor"], strict=True)
                ),
            }
        )
    return pd.DataFrame(out)


def robustness_pattern(constants: tuple[str, ...] = ROBUST_CONSTANTS) -> Pattern:
    """The robustness pattern over `constants` (the registry uses ROBUST_CONSTANTS)."""
    return Pattern(
        "robustness",
        title=(
            "Headline conclusions survive halving or doubling each constant",
            "各行为常数减半或加倍时主要结论不反转",
        ),  # fmt: skip
        source=(
            "ISSUE 14 / DESIGN.md §3: in the first core single constants reversed conclusions",
            "议题14 / DESIGN.md §3：初版模型中单个常数即可使结论反转",
        ),
        statement=(
            "Halving or doubling each behavioural threshold and temperature does not reverse: "
            "(a) tolerance_only > baseline initiative, (b) strict_accountability < baseline, "
            "(c) three_mechanisms > baseline, (d) tolerance_overbroad misconduct > "
            "tolerance_only.",
            "将每个行为阈值与温度减半或加倍，以下结论均不反转：(a) 仅容错主动作为 > 基准；"
            "(b) 从严问责 < 基准；(c) 三项机制 > 基准；(d) 容错过宽违纪 > 仅容错。",
        ),
        method=(
            "For each of behaviour." + ", ".join(constants) + " × 0.5 and × 2, the five regimes "
            "on common seeds; each conclusion's paired difference; reversed = its mean has the "
            "wrong sign. Safe range: the factors among 0.5, 1, 2 around the default where none "
            "reverses.",
            "对 behaviour." + "、".join(constants) + " 各乘以0.5与2，五种情境在相同种子下运行；"
            "各结论的配对差值；反转 = 均值符号相反。安全范围：在0.5、1、2中包含默认值且无结论反转"
            "的倍数区间。",
        ),
        criterion=("no conclusion reverses", "没有结论反转"),
        arms=robustness_arms(constants),
        judge=robustness_judge(constants),
        long=True,
    )


PATTERNS["robustness"] = robustness_pattern()
