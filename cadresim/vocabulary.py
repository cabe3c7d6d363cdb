"""The one label book of cadresim (English and Chinese): cadre types, outcomes, counters, actions,
levers and regimes, used alike by the report, its charts and the dashboard.

A lever's English label is the `label` of its knob in the config schema (model/config.py), else
its `doc` shortened to its first clause; only the Chinese labels and the units are written here.
Knobs with neither take their English label from LEVER_FALLBACK.
"""

from __future__ import annotations

import re
import typing
from dataclasses import fields, is_dataclass
from functools import cache

from cadresim.agents.types import TYPE_NAMES, ZH_NAMES

LANGS = ("en", "zh")

TYPES: dict[str, tuple[str, str]] = {
    "unwilling": ("Unwilling", ZH_NAMES["unwilling"]),
    "unable": ("Unable", ZH_NAMES["unable"]),
    "afraid": ("Afraid", ZH_NAMES["afraid"]),
    "reluctant": ("Reluctant", ZH_NAMES["reluctant"]),
    "fearful": ("Fearful of errors", ZH_NAMES["fearful"]),
    "proactive": ("Proactive", ZH_NAMES["proactive"]),
    "all": ("All cadres", "全体干部"),
}

REGIMES: dict[str, tuple[str, str]] = {
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
MODIFIED = (" (modified)", "（已修改）")  # a regime whose levers differ from its preset

_SHARE = ("share of cadres per step", "每期干部占比")
_MEAN01 = ("mean, 0–1", "均值，0–1")
# outcome -> (en name, zh name, (en unit, zh unit))
OUTCOMES: dict[str, tuple[str, str, tuple[str, str]]] = {
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
    "perceived_career_risk": ("Perceived career risk", "感知仕途风险", _MEAN01),
    "doer_advantage": ("Perceived doer advantage", "感知担当者优势", ("−1–1", "−1–1")),
    "leader_competence": ("Leader competence", "领导能力", _MEAN01),
    # the gates of P = O W E Dc De (1 = open)
    "gate_opportunity": ("O able", "O 会为", _MEAN01),
    "gate_want": ("W want", "W 想为", _MEAN01),
    "gate_bother": ("E bother", "E 愿为", _MEAN01),
    "gate_career": ("Dc dare", "Dc 敢为", _MEAN01),
    "gate_punish": ("De unafraid", "De 不怕为", _MEAN01),
}

# Cases counted over a run (the dashboard's counters): the counts behind the outcome rates.
COUNTERS: dict[str, tuple[str, str]] = {
    "sanctions": ("Sanctions", "问责处分"),
    "exemptions": ("Exemptions (tolerated)", "容错免责"),
    "wrongful_sanctions": ("Wrongful sanctions", "错误问责"),
    "shielded_misconduct": ("Shielded misconduct", "违纪被容错庇护"),
}

# What a cadre did this step: the engine's outcome codes, then the dashboard's extra rings.
ACTIONS: dict[str, tuple[str, str]] = {
    "idle": ("Idle", "未作为"),
    "success": ("Success", "成功作为"),
    "initiative": ("Initiative", "主动作为"),
    "error": ("Honest error", "无心之失"),
    "misconduct": ("Misconduct", "违纪违法"),
    "exempted": ("Exempted", "容错免责"),
    "sanctioned": ("Sanctioned", "被问责"),
}

# lever or uncertainty (dotted config key) -> (zh name, (en unit, zh unit)); English: knob doc
LEVERS: dict[str, tuple[str, tuple[str, str]]] = {
    "policy.incentive.reward": ("激励奖励力度", ("R", "R")),
    "policy.incentive.recognition": ("表彰概率", ("0–1", "0–1")),
    "policy.incentive.promotion_weight": ("担当作为在提拔中的权重", ("0–1", "0–1")),
    "policy.evaluation.orientation": ("用人导向", ("0–1", "0 不出事 – 1 担当")),
    "policy.evaluation.protection": (
        "为担当者担当（免责、澄清事项不影响使用）",
        ("on/off", "开/关"),
    ),
    "policy.accountability.detection": ("问题发现概率", ("0–1", "0–1")),
    "policy.accountability.error_sanction": ("失误问责力度", ("S", "S")),
    "policy.accountability.career_cost": ("问责对仕途的影响", ("K", "K")),
    "policy.accountability.inaction_detection": ("不作为发现概率", ("0–1", "0–1")),
    "policy.accountability.inaction_penalty": ("不作为惩戒", ("S_idle", "S_idle")),
    "policy.tolerance.coverage": ("容错覆盖面", ("0–1", "无心之失占比")),
    "policy.tolerance.screening": ("容错甄别准确率", ("0–1", "0–1")),
    "policy.tolerance.publicity": ("容错机制宣传力度", ("per step", "每期")),
    "policy.tolerance.clarification": ("澄清正名概率", ("0–1", "0–1")),
    "policy.training.share": ("教育培训覆盖面", ("share per step", "每期占比")),
    "policy.education.rate": ("思想政治教育（月度力度，0为不开展）", ("per month", "每月")),
    "population.beliefs.sanction_risk": ("初始感知问责风险", ("0–1", "0–1")),
    "population.beliefs.awareness": ("初始容错政策知晓率", ("share of cadres", "干部占比")),
    "policy.careers.transfer": ("提拔后能力的延续", ("0–1", "0 彼得原理 – 1")),
}
# model constants that sweeps, sensitivity and calibration vary as uncertainties or priors:
# Chinese names only (no unit), so Chinese pages do not fall back to English
CONSTANTS_ZH = {
    "population.concentration": "特质离散度（Beta 集中度）",
    "population.background": "非主导短板均值",
    "population.integrity": "廉洁度均值",
    "population.integrity_concentration": "廉洁度离散度（Beta 集中度）",
    "population.beliefs.detection": "初始感知发现概率",
    "population.beliefs.career_risk": "初始感知仕途风险",
    "population.beliefs.inaction_risk": "初始感知不作为风险",
    "population.beliefs.reward": "初始感知表彰概率",
    "population.beliefs.violation_risk": "初始感知违纪惩处概率",
    "population.beliefs.doer_advantage": "初始感知担当者优势",
    "behaviour.steepness": "成功概率对能力的陡度",
    "behaviour.opportunity_steepness": "会为门陡度",
    "behaviour.opportunity_threshold": "会为门能力阈值",
    "behaviour.want_threshold": "想为门阈值",
    "behaviour.want_temperature": "想为门温度",
    "behaviour.bother_threshold": "愿为门阈值",
    "behaviour.bother_temperature": "愿为门温度",
    "behaviour.career_threshold": "敢为门阈值",
    "behaviour.career_temperature": "敢为门温度",
    "behaviour.punish_threshold": "害怕为门阈值",
    "behaviour.punish_temperature": "害怕为门温度",
    "behaviour.peer_norm": "同伴规范拉力",
    "behaviour.leader_example": "上级示范拉力",
    "behaviour.effort_cost": "担当作为的精力成本",
    "behaviour.temptation": "谋私诱惑",
    # the rest of the numeric knobs a sweep or calibration may vary
    "population.size": "干部人数",
    "population.threshold": "主导短板阈值",
    **{f"population.mix.{t}": f"初始{zh}干部占比" for t, zh in ZH_NAMES.items()},
    **{
        f"population.severity.{t}": f"{zh}干部主导短板均值"
        for t, zh in ZH_NAMES.items()
        if t != "proactive"
    },
    "policy.incentive.excellence_quota": "评优比例",
    "policy.incentive.promotion_value": "提拔的价值",
    "policy.accountability.misconduct_grade": "违纪违法的处理等级",
    "policy.accountability.false_accusation": "诬告错告概率",
    "policy.accountability.bottom_share": "末位比例",
    "policy.accountability.demotion_after": "连续末位几次后降职",
    "policy.accountability.influence_period": "影响期（月）",
    "policy.accountability.influence_from_grade": "启动影响期的最低处理等级",
    "policy.tolerance.recovery": "纠错挽回损失比例",
    "policy.tolerance.correction_learning": "纠错后的能力提升",
    "policy.training.rate": "培训的能力提升幅度",
    "policy.education.cap": "教育可达的动机上限",
    "policy.evaluation.cycle": "考核周期（月）",
    "policy.evaluation.noise": "考核评价噪声",
    "policy.careers.retirement": "领导干部年退休比例",
    "policy.careers.rotation": "交流轮岗年比例",
    "behaviour.intrinsic_value": "干好工作的内在价值",
    "behaviour.leader_support": "上级能力对下属成功的带动",
    "behaviour.misconduct_harm": "一次违纪违法的公共损害",
    "behaviour.damage": "一次失误的公共损失（难度为1时）",
    "behaviour.belief_rate": "信念学习速率",
    "behaviour.violation_rate": "违纪惩处感知的学习速率",
    "behaviour.detection_rate": "发现概率感知的学习速率（遗忘速度）",
    "behaviour.advantage_rate": "担当者优势感知的学习速率",
    "behaviour.own_weight": "亲身经历相对同事见闻的权重",
    "behaviour.fear_sensitivity": "怕出错心理对所见案例的敏感度",
    "behaviour.fear_decay": "怕出错心理回落速率",
    "behaviour.practice": "实践锻炼的能力提升",
    "behaviour.warning_pressure": "末位警示后的不作为风险感知上升",
}
LEVER_FALLBACK = {
    "policy.evaluation.protection": "Career protection (exempted cases off the record)",
}


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang = {lang!r} is not supported; allowed: {', '.join(LANGS)}")
    return lang


def pick(pair: tuple[str, str], lang: str) -> str:
    return pair[LANGS.index(check_lang(lang))]


def type_label(name: str, lang: str) -> str:
    return pick(TYPES[name], lang) if name in TYPES else name


def regime_label(name: str, lang: str, modified: bool = False) -> str:
    """A preset's name in `lang`, marked "(modified)" if its levers were changed."""
    base = pick(REGIMES[name], lang) if name in REGIMES else name
    return base + pick(MODIFIED, lang) if modified else base


def outcome_name(name: str, lang: str) -> str:
    """The outcome's name without its unit (titles, legends)."""
    if name in OUTCOMES:
        en, zh, _ = OUTCOMES[name]
        return pick((en, zh), lang)
    return name


def outcome_label(name: str, lang: str) -> str:
    """The outcome's name with its unit (axis titles)."""
    if name not in OUTCOMES:
        return name
    en, zh, unit = OUTCOMES[name]
    return f"{en} ({unit[0]})" if check_lang(lang) == "en" else f"{zh}（{unit[1]}）"


def counter_label(name: str, lang: str) -> str:
    return pick(COUNTERS[name], lang)


def action_label(name: str, lang: str) -> str:
    return pick(ACTIONS[name], lang)


def knob_doc(key: str) -> str | None:
    """The `doc` of a knob in the config schema, by dotted key (None: no such knob or no doc)."""
    return _knob_meta(key, "doc")


def knob_label(key: str) -> str | None:
    """The short English name of a knob in the schema (`labelled(...)`), if it has one."""
    return _knob_meta(key, "label")


@cache
def _knob_meta(key: str, what: str) -> str | None:
    from cadresim.model.config import CadreConfig  # noqa: PLC0415  (the schema imports plenty)

    cls: typing.Any = CadreConfig
    *path, last = key.split(".")
    for part in path:
        hints = typing.get_type_hints(cls)
        if part not in hints or not is_dataclass(hints[part]):
            return None
        cls = hints[part]
    found = {f.name: f for f in fields(cls)}.get(last)
    value = found.metadata.get(what) if found is not None else None
    return value or None


def _short(doc: str) -> str:
    """The first clause of a knob's doc, without a leading symbol ('w: weight …' -> 'Weight …')
    and without what follows a colon that introduces the scale ('orientation: 0 = …')."""
    text = doc.split(";")[0].strip()
    head, colon, rest = text.partition(": ")
    if colon:
        text = rest if re.fullmatch(r"[A-Za-z_]{1,7}", head) else head
    return text[:1].upper() + text[1:]


def lever_name(key: str, lang: str) -> str:
    """A lever's (or an uncertainty's) name: English from the schema's doc, Chinese from LEVERS."""
    if check_lang(lang) == "zh" and key in LEVERS:
        return LEVERS[key][0]
    if lang == "zh" and key in CONSTANTS_ZH:
        return CONSTANTS_ZH[key]
    label = knob_label(key)
    if label:
        return label
    doc = knob_doc(key)
    if doc:
        return _short(doc)
    return LEVER_FALLBACK.get(key, key.removeprefix("policy."))


def lever_label(key: str, lang: str) -> str:
    """A lever's name with its unit (axis titles)."""
    name = lever_name(key, lang)
    if key not in LEVERS:
        return name
    unit = pick(LEVERS[key][1], lang)
    return f"{name} ({unit})" if lang == "en" else f"{name}（{unit}）"


def has_both(label_of: typing.Callable[[str, str], str], key: str) -> bool:
    """True if `key` has a real label (not the key itself) in every language."""
    return all(label_of(key, lang) not in ("", key) for lang in LANGS)


__all__ = [
    "ACTIONS",
    "COUNTERS",
    "LANGS",
    "LEVERS",
    "OUTCOMES",
    "REGIMES",
    "TYPES",
    "TYPE_NAMES",
    "action_label",
    "counter_label",
    "lever_label",
    "lever_name",
    "outcome_label",
    "outcome_name",
    "regime_label",
    "type_label",
]
