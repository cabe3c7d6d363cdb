"""English and Chinese labels of the report and its charts: titles and report text here; types,
outcomes, regimes, actions and levers from the project's one label book, cadresim.vocabulary.

Figures never hard-code text: they ask `text(key, lang)`, `outcome_label`, `type_label`,
`regime_label` or `param_label`, so `lang="zh"` switches a whole report at once.
"""

from __future__ import annotations

from cadresim import vocabulary as vocab
from cadresim.vocabulary import ACTIONS, LANGS, OUTCOMES, REGIMES, check_lang

# The label book is cadresim.vocabulary (shared with the dashboard); these names stay for callers.
TYPE_EN = {name: en for name, (en, _) in vocab.TYPES.items()}
TYPE_ZH = {name: zh for name, (_, zh) in vocab.TYPES.items()}
CAMPAIGN_SUFFIX = "+campaign"  # the campaign arm of a crackdown experiment: '<regime>+campaign'
CAMPAIGN = (" + campaign", "＋集中整治")
PARAMS = vocab.LEVERS  # dotted key -> (zh name, units); English names are the knobs' docs

TEXT = {
    "step": ("Step (month)", "期数（月）"),
    "regime": ("Regime", "政策情境"),
    "type": ("Cadre type", "干部类型"),
    "share_axis": ("Share of cadres (0–1)", "干部占比（0–1）"),
    "over_time": ("{outcome} over time by regime", "各政策情境下{outcome}随时间的变化"),
    "by_type": ("{outcome} by cadre type and regime", "分干部类型与政策情境的{outcome}"),
    "dose": ("{outcome} vs {lever}, by cadre type", "{outcome}随{lever}的变化（分干部类型）"),
    "heatmap": ("{outcome} over {x} and {y}", "{outcome}：{x} × {y}"),
    "heatmap_interp": ("(interpolated from sampled points)", "（由抽样点插值）"),
    "sample_points": ("Sampled points", "抽样点"),
    "tradeoff": ("Trade-off: initiative vs honest errors", "权衡：主动作为与无心之失"),
    "pareto": ("Pareto front", "帕累托前沿"),
    "sweep_points": ("Sweep points", "扫描点"),
    "sobol": ("Sobol sensitivity of {outcome}", "{outcome}的Sobol敏感性指数"),
    "sobol_axis": ("Sobol index (95% interval)", "Sobol指数（95%区间）"),
    "parameter": ("Parameter", "参数"),
    "first_order": ("First order S1", "一阶指数 S1"),
    "total_order": ("Total order ST", "总效应指数 ST"),
    "morris": ("Morris screening of {outcome}", "{outcome}的Morris筛选"),
    "mu_star": ("μ* (mean absolute elementary effect)", "μ*（基本效应绝对值均值）"),
    "sigma": ("σ (spread of elementary effects)", "σ（基本效应标准差）"),
    "composition": ("Cadre type composition over time", "干部类型构成随时间的变化"),
    "network": ("Organisational network, coloured by {by}", "组织网络（按{by}着色）"),
    "network_by_type": ("cadre type", "干部类型"),
    "network_by_action": ("action this step", "本期行为"),
    "network_level": ("Hierarchy level (0 = top)", "层级（0 = 最高层）"),
    "network_position": ("Position within level", "层内位置"),
    "ci95": ("mean with 95% CI over replications", "均值及重复实验95%置信区间"),
    "source": (
        "Source: cadresim {version} · regimes: {regimes} · replications: {reps} · seeds: {seeds}",
        "数据来源：cadresim {version} · 政策情境：{regimes} · 重复次数：{reps} · 随机种子：{seeds}",
    ),
    "episode": ("{label}, months {a}–{b}", "{label}（第{a}–{b}月）"),
    "episode_arms": ("{label}, months {a}–{b} ({arms})", "{label}（第{a}–{b}月，{arms}）"),
    "selectivity": (
        "Selectivity of levers: relative initiative gain over {baseline}, by initial type",
        "政策杠杆的选择性：各初始类型干部主动作为率相对{baseline}的变化",
    ),
    "selectivity_sub": (
        "mean of {n} replications paired by seed; outlined cell: the lever's target type; "
        "right: largest change ÷ next type's",
        "{n}次按随机种子配对的重复实验均值；加框单元格为该杠杆的目标类型；右侧：最大变化÷次大变化",
    ),
    "lever": ("Lever (policy regime)", "政策杠杆（政策情境）"),
    "rel_gain_axis": ("Relative initiative gain (%)", "主动作为率相对变化（%）"),
    "fall": ("fall", "下降"),
    "paired_diff": (
        "{outcome}: campaign − control, paired by seed",
        "{outcome}：整治组 − 对照组（按随机种子配对）",
    ),
    "paired_band": (
        "mean paired difference with 95% CI over replications",
        "配对差值均值及重复实验95%置信区间",
    ),
    "diff_axis": ("Difference in {outcome}", "{outcome}差值"),
    "half_threshold": ("Half the campaign's gap", "整治期差值的一半"),
    "half_life": ("half-life: {h} months", "半衰期：{h}个月"),
    "half_life_censored": ("not halved by month {m}", "至第{m}月仍未减半"),
    "source_net": (
        "Source: cadresim {version} · regime: {regimes} · {n} cadres · step {step} · seed {seeds}",
        "数据来源：cadresim {version} · 政策情境：{regimes} · {n}名干部 · 第{step}期 · "
        "随机种子{seeds}",
    ),
}

REPORT = {
    "title": ("cadresim report: {name}", "cadresim 报告：{name}"),
    "question": ("Question", "研究问题"),
    "config": ("Configuration", "配置"),
    "design": ("Regimes and design", "政策情境与实验设计"),
    "figures": ("Figures", "图表"),
    "tables": ("Summary tables", "汇总表"),
    "methods": ("Methods", "方法说明"),
    "full_config": ("Full resolved configuration", "完整配置"),
    "key": ("Key", "参数"),
    "value": ("Value", "取值"),
    "mean": ("Mean", "均值"),
    "ci": ("95% CI", "95%置信区间"),
    "diff": ("Difference vs baseline", "与基准差值"),
    "n": ("Replications", "重复次数"),
    "no_question": (
        "How do incentive, accountability and tolerance (容错纠错) policies change cadres' "
        "initiative, honest errors and misconduct?",
        "激励、问责与容错纠错政策如何改变干部的主动作为、无心之失与违纪违法？",
    ),
    "methods_text": (
        "Each regime or design point was simulated with {reps} replication(s) (seeds {seeds}); "
        "a replication is one independent run with its own seed. Summary values are means over "
        "the summary window of each run; intervals are 95% t-intervals of the mean across "
        "replications (confidence bands in time series likewise, per step). Sweep surfaces "
        "sampled by Latin hypercube are linearly interpolated (scipy griddata) between points. "
        "Produced by cadresim {version}{commit}{libs}.{mixed}",
        "每个政策情境或设计点运行 {reps} 次重复实验（随机种子 {seeds}），每次重复为一次使用独立"
        "种子的模拟。汇总值为每次运行汇总窗口内的均值；区间为跨重复实验均值的95% t置信区间"
        "（时间序列的置信带同样逐期计算）。拉丁超立方抽样的扫描面在抽样点之间用线性插值"
        "（scipy griddata）。由 cadresim {version}{commit}{libs} 生成。{mixed}",
    ),
    "with_libraries": (" with {libs}", "（{libs}）"),
    "mixed_versions": (
        " Some runs were made with other library versions (earlier_versions in manifest.json); "
        "a seed reproduces a run only with the versions it ran with.",
        "部分运行使用了其他库版本（见 manifest.json 中的 earlier_versions）；"
        "同一随机种子仅在相同库版本下可复现运行结果。",
    ),
    "static_files": ("Static figures", "静态图片"),
    "generated": ("Generated", "生成时间"),
    "kind": ("Experiment kind", "实验类型"),
    "regimes": ("Regimes", "政策情境"),
    "design_points": ("Design points", "设计点"),
    "varied": ("Varied parameters", "变动参数"),
    "selectivity_table": (
        "Selectivity: relative initiative gain over the baseline by lever and initial type "
        "[95% CI]; ◆ the lever's target type",
        "选择性：分杠杆与初始类型的主动作为率相对基准变化［95%置信区间］；◆ 为该杠杆的目标类型",
    ),
    "target_type": ("Target type", "目标类型"),
    "top_type": ("Largest change", "变化最大类型"),
    "ratio_next": ("÷ next type [95% CI]", "÷次大类型［95%置信区间］"),
    "on_target": ("On target", "命中目标"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    "deterrence_table": (
        "Campaign gap and deterrence half-life (campaign − control, paired by seed)",
        "整治期差值与威慑半衰期（整治组 − 对照组，按随机种子配对）",
    ),
    "outcome": ("Outcome", "指标"),
    "gap_col": ("Gap, months {a}–{b} [95% CI]", "第{a}–{b}月差值［95%置信区间］"),
    "after_col": ("+{a} mo", "结束后{a}个月"),
    "half_life_col": (
        "Half-life after month {m}, months [95% CI]",
        "第{m}月后的半衰期（月）［95%置信区间］",
    ),
}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return vocab.pick(pair, lang)


def text(key: str, lang: str, **fmt: object) -> str:
    """A UI string (TEXT or REPORT) in `lang`, formatted with `fmt`."""
    pair = TEXT.get(key) or REPORT[key]
    return _pick(pair, lang).format(**fmt)


def type_label(name: str, lang: str) -> str:
    check_lang(lang)
    return vocab.type_label(name, lang)


def regime_label(name: str, lang: str) -> str:
    if name.endswith(CAMPAIGN_SUFFIX):
        return regime_label(name.removesuffix(CAMPAIGN_SUFFIX), lang) + _pick(CAMPAIGN, lang)
    check_lang(lang)
    return vocab.regime_label(name, lang)


def episode_label(label: str, lang: str) -> str:
    """A schedule episode's label (Episode.label(): 'strict_accountability' or
    'tolerance_only, tolerance.coverage=0.9') with regime and lever names in `lang`."""
    parts = []
    for part in label.split(", "):
        key, eq, value = part.partition("=")
        if eq:
            parts.append(f"{param_name('policy.' + key, lang)}={value}")
        else:
            parts.append(regime_label(part, lang))
    return ("，" if lang == "zh" else ", ").join(parts)


def action_label(name: str, lang: str) -> str:
    return vocab.action_label(name, lang)


def outcome_name(name: str, lang: str) -> str:
    """The outcome's name without its unit (titles)."""
    check_lang(lang)
    return vocab.outcome_name(name, lang)


def outcome_label(name: str, lang: str) -> str:
    """The outcome's name with its unit (axis titles)."""
    check_lang(lang)
    return vocab.outcome_label(name, lang)


def param_name(key: str, lang: str) -> str:
    return vocab.lever_name(key, lang)


def param_label(key: str, lang: str) -> str:
    """A lever or uncertainty (dotted config key) with its unit."""
    return vocab.lever_label(key, lang)


__all__ = [
    "ACTIONS",
    "LANGS",
    "OUTCOMES",
    "REGIMES",
    "action_label",
    "check_lang",
    "episode_label",
    "outcome_label",
    "outcome_name",
    "param_label",
    "param_name",
    "regime_label",
    "text",
    "type_label",
]
