"""Page labels in English and Chinese; `t(key, lang)` looks one up.

Only the page's own text lives here. Cadre types, outcomes, counters, actions, levers and regimes
come from the project's one label book (cadresim.vocabulary), so the page and the reports name
them the same way.
"""

from __future__ import annotations

from cadresim import vocabulary as vocab

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
    "organisation": ("Organisation", "组织"),
    "organisation_units": (
        "Organisation by unit (disc: headcount; rings: type mix; click a unit for its cadres)",
        "按单位的组织结构（圆面积：人数；色环：类型构成；点击单位查看干部）",
    ),
    "division": ("Division", "部门"),
    "unit": ("Unit", "单位"),
    "org_view": ("Organisation view", "组织视图"),
    "org_auto": ("auto", "自动"),
    "org_units": ("units", "按单位"),
    "org_cadres": ("each cadre", "逐个干部"),
    "gates": (
        "Why they hold back: mean gates by initial type, this month (1 = open)",
        "为何不作为：按初始类型，本月各道门槛的均值（1＝不构成障碍）",
    ),
    "gates_pending": (
        "The gates appear once the cadres have decided: press Step",
        "干部做出决策后显示：请点击“单步”",
    ),
    "rate": ("share of cadres", "干部占比"),
    # levers, under a heading per mechanism
    "group_incentive": ("Incentives and promotion", "激励与用人导向"),
    "group_accountability": ("Accountability", "问责"),
    "group_tolerance": ("Fault tolerance", "容错纠错"),
    "group_capacity": ("Capacity, drive and careers", "能力、动力与干部任用"),
    "orientation_lo": ("avoid trouble", "不出事"),
    "orientation_hi": ("take initiative", "担当"),
    "transfer_lo": ("Peter principle", "彼得原理"),
    "transfer_hi": ("skills carry over", "能力完全延续"),
    "on": ("on", "开"),
    "off": ("off", "关"),
    # export
    "export": ("Keep this session", "保存本次推演"),
    "export_html": ("Snapshot (HTML)", "快照（HTML）"),
    "export_csv": ("Step table (CSV)", "逐月数据表（CSV）"),
    "export_cmd": ("Show as command", "显示等效命令"),
    "levers_col": ("Lever", "政策杠杆"),
    "from_month": ("from month", "自第几月"),
    "snapshot_taken": ("Snapshot taken", "快照时间"),
    "lever_history": ("Levers as moved over time", "政策杠杆的调整过程"),
    "command": ("The same settings as a cadresim command", "等效的 cadresim 命令"),
    # classroom
    "classroom_title": ("cadresim classroom", "cadresim 课堂推演"),
    "facilitator_title": ("cadresim classroom — facilitator", "cadresim 课堂推演——主持人"),
    "join_title": ("Join your room", "加入推演房间"),
    "room_code": ("Room code", "房间号"),
    "team_name": ("Team name", "小组名称"),
    "join": ("Join", "加入"),
    "levers_team": (
        "Your team's levers (act from the next month)",
        "本组政策杠杆（下月生效）",
    ),
    "team": ("Team", "小组"),
    "teams": ("teams", "个小组"),
    "team_gone": (
        "Your team's session has expired or the room was reset: join again.",
        "本组会话已过期或房间已重置：请重新加入。",
    ),
    "running": ("running", "运行中"),
    "paused": ("paused", "已暂停"),
    "waiting": ("waiting for the facilitator to start", "等待主持人开始"),
    "start": ("Start", "开始"),
    "advance": ("+1 month", "推进1个月"),
    "advance_year": ("+12 months", "推进12个月"),
    "speed_room": ("Months per tick while running", "运行时每次推进月数"),
    "reveal": ("Reveal hidden conditions", "揭示隐藏条件"),
    "hide": ("Hide hidden conditions", "隐藏条件"),
    "reset_room": ("Reset room", "重置房间"),
    "outcome": ("Outcome drawn", "显示指标"),
    "rank": ("Rank", "排名"),
    "goal_met": ("Goal met", "达成目标"),
    "reference": ("Untouched challenge", "未调整的基准"),
    "hidden_until_reveal": (
        "The hidden conditions are shown when you reveal them.",
        "隐藏条件在揭示后显示。",
    ),
    "hidden_conditions": ("Hidden conditions", "隐藏条件"),
    "not_facilitator": (
        "This page needs the facilitator's link (with its key), as printed by the server.",
        "本页需要服务器打印的主持人链接（含密钥）。",
    ),
    # messages
    "bad_input": ("Not applied:", "未生效："),
    "left": ("left", "左"),
    "right": ("right", "右"),
}


def t(key: str, lang: str = "en") -> str:
    """Label for `key` in `lang`: page text, else the vocabulary's type, outcome, counter,
    action, lever or regime of that name; an unknown key is shown as it is."""
    lang = lang if lang in LANGS else "en"
    if key in LABELS:
        return vocab.pick(LABELS[key], lang)
    for book, label in (
        (vocab.TYPES, vocab.type_label),
        (vocab.OUTCOMES, vocab.outcome_name),
        (vocab.COUNTERS, vocab.counter_label),
        (vocab.ACTIONS, vocab.action_label),
        (vocab.REGIMES, vocab.regime_label),
    ):
        if key in book:
            return label(key, lang)
    if key.startswith("policy."):
        return vocab.lever_name(key, lang)
    return key


def type_label(name: str, lang: str) -> str:
    """'Afraid' in English; '不敢为' in Chinese."""
    return vocab.type_label(name, lang)
