"""Page labels in English and Chinese; `t(key, lang)` looks one up.

Type names in Chinese come from the model (cadresim.agents.types.ZH_NAMES), so the page and
the reports name the five deficits the same way.
"""

from __future__ import annotations

from cadresim.agents.types import ZH_NAMES

LANGS = ("en", "zh")

LABELS: dict[str, tuple[str, str]] = {
    # page and controls
    "title": ("cadresim training dashboard", "cadresim 干部担当作为政策推演"),
    "subtitle": (
        "Cadres taking initiative or holding back under incentives, accountability and "
        "fault tolerance",
        "激励、问责与容错纠错机制下干部的担当作为与不作为",
    ),
    "language": ("Language", "语言"),
    "regime": ("Regime preset", "政策情景"),
    "side_by_side": ("Side by side with", "并排对比"),
    "compare_none": ("(none)", "（不对比）"),
    "levers": (
        "Policy levers (left regime; act from the next step)",
        "政策杠杆（左侧情景，下一步生效）",
    ),
    "population": (
        "Population mix (shares sum to 1; applied on reset)",
        "干部类型构成（合计为1，重置后生效）",
    ),
    "size": ("Cadres", "干部人数"),
    "seed": ("Seed", "随机种子"),
    "speed": ("Speed (steps per update)", "速度（每次刷新推进步数）"),
    "step": ("Step", "单步"),
    "run": ("Run", "运行"),
    "pause": ("Pause", "暂停"),
    "reset": ("Reset", "重置"),
    "month": ("Month", "月份"),
    "all_scenarios": ("All scenario cards", "全部情景卡片"),
    "what": ("What it represents", "含义"),
    "watch": ("What to watch", "观察要点"),
    "ok": ("", ""),
    # charts
    "over_time": ("Rates over time (all cadres)", "各项比率随时间变化（全体干部）"),
    "by_type": ("Rates by type (last 12 months)", "分类型比率（最近12个月）"),
    "network": (
        "Organisation (colour: type; ring: this month's action)",
        "组织网络（颜色：类型；外圈：本月行为）",
    ),
    "gates": (
        "Why they hold back: mean gates by initial type, this month (1 = open)",
        "为何不作为：按初始类型，本月各道门槛的均值（1＝不构成障碍）",
    ),
    "gates_pending": (
        "The gates appear once the cadres have decided: press Step",
        "干部做出决策后显示：请点击“单步”",
    ),
    "gate_opportunity": ("O able", "O 会为"),
    "gate_want": ("W want", "W 想为"),
    "gate_bother": ("E bother", "E 愿为"),
    "gate_career": ("Dc dare", "Dc 敢为"),
    "gate_punish": ("De unafraid", "De 不怕为"),
    "rate": ("share of cadres", "干部占比"),
    "initiative_rate": ("initiative", "担当作为"),
    "error_rate": ("honest error", "失误"),
    "misconduct_rate": ("misconduct", "违纪违规"),
    # counters
    "sanctions": ("Sanctions", "问责处理"),
    "exemptions": ("Exemptions", "容错免责"),
    "wrongful_sanctions": ("Wrongful sanctions", "错误问责"),
    "shielded_misconduct": ("Shielded misconduct", "被庇护的违纪"),
    # actions
    "idle": ("idle", "不作为"),
    "initiative": ("taking initiative", "主动担当"),
    "error": ("erring", "出现失误"),
    "misconduct": ("misconduct", "违纪违规"),
    "exempted": ("exempted", "容错免责"),
    "sanctioned": ("sanctioned", "被问责"),
    # levers, under a heading per mechanism
    "group_incentive": ("Incentives and promotion", "激励与用人导向"),
    "group_accountability": ("Accountability", "问责"),
    "group_tolerance": ("Fault tolerance", "容错纠错"),
    "group_capacity": ("Capacity, drive and careers", "能力、动力与干部任用"),
    "policy.incentive.reward": ("Reward for success", "激励奖励力度"),
    "policy.incentive.promotion_weight": (
        "Promotion weight of initiative",
        "担当作为在提拔中的权重",
    ),
    "policy.evaluation.orientation": ("Promotion orientation", "用人导向"),
    "orientation_lo": ("avoid trouble", "不出事"),
    "orientation_hi": ("take initiative", "担当"),
    "policy.evaluation.protection": (
        "Career protection (exempted cases off the record)",
        "为担当者担当（免责、澄清事项不影响使用）",
    ),
    "policy.accountability.detection": ("Detection of errors", "问题发现概率"),
    "policy.accountability.error_sanction": ("Error sanction", "失误问责力度"),
    "policy.accountability.career_cost": ("Career cost of a harmed record", "问责对仕途的影响"),
    "policy.accountability.inaction_detection": ("Detection of inaction", "不作为发现概率"),
    "policy.accountability.inaction_penalty": ("Inaction penalty", "不作为惩戒"),
    "policy.tolerance.coverage": ("Tolerance coverage", "容错覆盖面"),
    "policy.tolerance.screening": ("Screening accuracy", "甄别准确度"),
    "policy.tolerance.publicity": ("Awareness / publicity", "容错机制宣传"),
    "policy.training.share": ("Training share", "教育培训比例"),
    "policy.education.rate": (
        "Education (monthly rate; 0 = off)",
        "思想政治教育（月度力度，0为不开展）",
    ),
    "policy.careers.transfer": ("Competence transfer on promotion", "提拔后能力的延续"),
    "transfer_lo": ("Peter principle", "彼得原理"),
    "transfer_hi": ("skills carry over", "能力完全延续"),
    "on": ("on", "开"),
    "off": ("off", "关"),
    # messages
    "bad_input": ("Not applied:", "未生效："),
    "left": ("left", "左"),
    "right": ("right", "右"),
}

TYPE_EN = {
    "unwilling": "unwilling",
    "unable": "unable",
    "afraid": "afraid",
    "reluctant": "reluctant",
    "fearful": "fearful",
    "proactive": "proactive",
}


def t(key: str, lang: str = "en") -> str:
    """Label for `key` in `lang`; a type name or an unknown key falls back sensibly."""
    if key in TYPE_EN:
        return ZH_NAMES[key] if lang == "zh" else TYPE_EN[key]
    en, zh = LABELS.get(key, (key, key))
    return zh if lang == "zh" else en


def type_label(name: str, lang: str) -> str:
    """'afraid' in English; '不敢为' in Chinese."""
    return t(name, lang)
