"""English and Chinese labels for every title, axis, legend, outcome, type, regime and lever.

Figures never hard-code text: they ask `text(key, lang)`, `outcome_label`, `type_label`,
`regime_label` or `param_label`, so `lang="zh"` switches a whole report at once.
"""

from __future__ import annotations

from cadresim.agents.types import ZH_NAMES

LANGS = ("en", "zh")

TYPE_EN = {
    "unwilling": "Unwilling",
    "unable": "Unable",
    "afraid": "Afraid",
    "reluctant": "Reluctant",
    "fearful": "Fearful of errors",
    "proactive": "Proactive",
    "all": "All cadres",
}
TYPE_ZH = {**ZH_NAMES, "all": "全体干部"}

REGIMES = {
    "baseline": ("Baseline", "基准"),
    "strict_accountability": ("Strict accountability", "从严问责"),
    "incentive_only": ("Incentives only", "仅激励"),
    "tolerance_only": ("Tolerance only", "仅容错"),
    "three_mechanisms": ("Three mechanisms", "三项机制"),
    "tolerance_overbroad": ("Over-broad tolerance", "容错过宽"),
    "tolerance_unpublicised": ("Unpublicised tolerance", "容错未宣传"),
    "training_only": ("Training only", "仅培训"),
    "education_only": ("Education only", "仅思想政治建设"),
    "promotion_orientation": ("Promotion orientation", "用人导向"),
    "inaction_accountability": ("Inaction accountability", "问责不作为"),
}
CAMPAIGN_SUFFIX = "+campaign"  # the campaign arm of a crackdown experiment: '<regime>+campaign'
CAMPAIGN = (" + campaign", "＋集中整治")

_SHARE = ("share of cadres per step", "每期干部占比")
_MEAN01 = ("mean, 0–1", "均值，0–1")
# outcome -> (en name, zh name, (en unit, zh unit))
OUTCOMES = {
    "initiative_rate": ("Initiative rate", "主动作为率", _SHARE),
    "success_rate": ("Success rate", "成功率", _SHARE),
    "error_rate": ("Honest error rate", "无心之失率", _SHARE),
    "errors_per_initiative": ("Errors per initiative", "每次作为差错数", ("ratio", "比值")),
    "misconduct_rate": ("Misconduct rate", "违纪违法率", _SHARE),
    "detected_rate": ("Detection rate", "被发现率", _SHARE),
    "sanction_rate": ("Sanction rate", "问责处分率", _SHARE),
    "tolerated_rate": ("Tolerated (exempted) rate", "容错免责率", _SHARE),
    "wrongful_sanction_rate": ("Wrongful sanction rate", "错误问责率", _SHARE),
    "shielded_misconduct_rate": ("Shielded misconduct rate", "违纪被容错庇护率", _SHARE),
    "inaction_sanction_rate": ("Inaction sanction rate", "不作为被问责率", _SHARE),
    "false_accusation_rate": ("False accusation rate", "诬告率", _SHARE),
    "recognition_rate": ("Recognition rate", "表彰激励率", _SHARE),
    "mean_perceived_risk": ("Perceived sanction risk", "感知问责风险", _MEAN01),
    "awareness": (
        "Awareness of tolerance policy",
        "容错政策知晓率",
        ("share of cadres", "干部占比"),
    ),
    "mean_competence": ("Competence", "能力", _MEAN01),
    "mean_error_fear": ("Fear of errors", "怕出错程度", _MEAN01),
    "perceived_detection": ("Perceived detection chance", "感知查处概率", _MEAN01),
    "value": ("Net public value", "净公共价值", ("per cadre per step", "每名干部每期")),
    "promotion_rate": ("Promotion rate", "晋升率", _SHARE),
    "demotion_rate": ("Demotion rate", "降职率", _SHARE),
    "warning_rate": ("Warning rate", "提醒谈话率", _SHARE),
    "share": ("Share of cadres", "干部占比", ("0–1", "0–1")),
}

PARAMS = {
    "policy.incentive.reward": ("Reward value", "激励奖励值", ("R", "R")),
    "policy.incentive.recognition": ("Recognition chance", "表彰概率", ("0–1", "0–1")),
    "policy.incentive.promotion_weight": (
        "Promotion weight of initiative",
        "晋升中作为权重",
        ("0–1", "0–1"),
    ),
    "policy.accountability.detection": ("Detection chance", "问责发现概率", ("0–1", "0–1")),
    "policy.accountability.error_sanction": ("Sanction cost", "处分成本", ("S", "S")),
    "policy.accountability.inaction_detection": (
        "Inaction detection",
        "不作为发现概率",
        ("0–1", "0–1"),
    ),
    "policy.tolerance.coverage": (
        "Tolerance coverage",
        "容错覆盖面",
        ("share of honest errors", "无心之失占比"),
    ),
    "policy.tolerance.screening": (
        "Tolerance screening accuracy",
        "容错甄别准确率",
        ("0–1", "0–1"),
    ),
    "policy.tolerance.publicity": ("Tolerance publicity", "容错宣传力度", ("per step", "每期")),
    "policy.tolerance.clarification": ("Clarification chance", "澄清正名概率", ("0–1", "0–1")),
    "policy.training.share": ("Training coverage", "培训覆盖面", ("share per step", "每期占比")),
}

ACTIONS = {
    "idle": ("Idle", "未作为"),
    "success": ("Success", "成功作为"),
    "error": ("Honest error", "无心之失"),
    "misconduct": ("Misconduct", "违纪违法"),
}

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


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang = {lang!r} is not supported; allowed: {', '.join(LANGS)}")
    return lang


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[LANGS.index(check_lang(lang))]


def text(key: str, lang: str, **fmt: object) -> str:
    """A UI string (TEXT or REPORT) in `lang`, formatted with `fmt`."""
    pair = TEXT.get(key) or REPORT[key]
    return _pick(pair, lang).format(**fmt)


def type_label(name: str, lang: str) -> str:
    table = TYPE_ZH if check_lang(lang) == "zh" else TYPE_EN
    return table.get(name, name)


def regime_label(name: str, lang: str) -> str:
    if name.endswith(CAMPAIGN_SUFFIX):
        return regime_label(name.removesuffix(CAMPAIGN_SUFFIX), lang) + _pick(CAMPAIGN, lang)
    if name in REGIMES:
        return _pick(REGIMES[name], lang)
    return name


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
    return _pick(ACTIONS[name], lang)


def outcome_name(name: str, lang: str) -> str:
    """The outcome's name without its unit (titles)."""
    if name in OUTCOMES:
        en, zh, _ = OUTCOMES[name]
        return _pick((en, zh), lang)
    return name


def outcome_label(name: str, lang: str) -> str:
    """The outcome's name with its unit (axis titles)."""
    if name not in OUTCOMES:
        return name
    en, zh, unit = OUTCOMES[name]
    return f"{en} ({unit[0]})" if lang == "en" else f"{zh}（{unit[1]}）"


def param_name(key: str, lang: str) -> str:
    if key in PARAMS:
        en, zh, _ = PARAMS[key]
        return _pick((en, zh), lang)
    check_lang(lang)
    return key.removeprefix("policy.")


def param_label(key: str, lang: str) -> str:
    """A lever or uncertainty (dotted config key) with its unit."""
    if key not in PARAMS:
        return param_name(key, lang)
    en, zh, unit = PARAMS[key]
    return f"{en} ({unit[0]})" if lang == "en" else f"{zh}（{unit[1]}）"
