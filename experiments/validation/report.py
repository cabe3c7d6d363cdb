"""How a validation result is shown: terminal lines, JSON + parquet, a one-file HTML report
(English or Chinese) and the generated docs/VALIDATION.md.

Every file is written through a temp file and a rename, so a reader never sees half a file.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cadresim.agents.types import TYPE_NAMES

from .. import store
from ..charts import i18n
from ..charts.palette import TEMPLATE, type_colour
from ..page_templates import Labels, figure_html, render, table_html
from .base import Measure, PatternResult, Tier, fmt
from .patterns import CAMPAIGN, CONCLUSIONS, GONE_SHARE, LEVER_TARGETS, PEER_BAND
from .suite import ValidationResult

LANGS = ("en", "zh")
HEIGHT = 460
STATUS_COLOURS = {"HOLDS": "#1B7F3B", "FAILS": "#B3261E", "ERROR": "#8A5A00"}

UI: dict[str, tuple[str, str]] = {
    "title": ("cadresim validation against the literature", "cadresim 模型文献验证报告"),
    "tier": (
        "{tier} tier: {cadres} cadres, {months} months, {reps} replications (long-horizon "
        "patterns {long}) on common seeds",
        "{tier}档：{cadres}名干部，{months}个月，{reps}次重复（长周期模式{long}次），共同随机种子",
    ),
    "ran": (
        "{runs} runs in {seconds:.0f} s, executor {executor} ({workers} workers)",
        "共 {runs} 次运行，耗时 {seconds:.0f} 秒，执行器 {executor}（{workers} 个进程）",
    ),
    "verdict": ("{holds} of {total} patterns hold", "{total} 个模式中 {holds} 个成立"),
    "summary": ("Summary", "总览"),
    "pattern": ("Pattern", "模式"),
    "status": ("Status", "结论"),
    "figure": ("Figure [95% CI]", "数值 [95%置信区间]"),
    "criterion": ("Criterion", "判据"),
    "source": ("Source", "来源"),
    "checks": ("What it checks", "检验内容"),
    "method": ("How it is measured", "测量方法"),
    "measures": ("Figures", "数值"),
    "measure": ("Statistic", "统计量"),
    "value": ("Value [95% CI]", "数值 [95%置信区间]"),
    "ci_method": ("Interval", "区间方法"),
    "arms": ("Runs", "运行配置"),
    "error": ("Could not be judged", "无法判定"),
    "methods": ("Methods", "方法说明"),
    "methods_text": (
        "Every configuration (arm) runs the same replicate seeds (common random numbers), so "
        "differences between arms are taken replicate by replicate. Summary values are means over "
        "each run's summary window (its second half); 'by type' means by initial type (cohort). "
        "Intervals are 95% t-intervals across replicates, paired by seed for differences; ratios "
        "and half-lives use a percentile bootstrap over replicates (2,000 resamples, the same "
        "replicates for every arm). A pattern HOLDS when its criterion is met, FAILS when not, "
        "and is an ERROR when it could not be judged (a config the model refuses, failed runs).",
        "每个配置（实验组）使用相同的重复随机种子（共同随机数），因此组间差值按重复逐一配对计算。"
        "汇总值为每次运行汇总窗口（后半段）内的均值；“分类型”指按初始类型（队列）。区间为跨重复的"
        "95% t 置信区间，差值按种子配对；比值与半衰期采用对重复的百分位自助法（2000次重抽样，"
        "各组使用相同的重抽样）。满足判据为“成立”，否则为“不成立”；无法判定（配置被模型拒绝、"
        "运行失败）记为“错误”。",
    ),
    "produced": (
        "Produced by cadresim {version}{commit} on {generated}.",
        "由 cadresim {version}{commit} 于 {generated} 生成。",
    ),  # fmt: skip
    "gains": (
        "Relative initiative gain by initial type, I_lever/I_base − 1 (* = target type)",
        "按初始类型的主动作为相对增幅 I_举措/I_基准 − 1（* = 目标类型）",
    ),
    "levers": ("Selectivity per lever", "各举措的选择性"),
    "gaps": ("Baseline: proactive − cohort initiative", "基准：担当作为与各类型主动作为之差"),
    "drops": (
        "Relative initiative drop under strict accountability",
        "从严问责下各类型主动作为的相对变化",
    ),  # fmt: skip
    "constants": ("Constants: fragile or not, and safe range", "各常数：是否脆弱及安全范围"),
    "conclusions": (
        "Paired differences of each conclusion at each factor (✗ = reversed; ↓ = kept its sign "
        "but under 10% of its size at the defaults; n.s. = the 95% CI includes 0)",
        "各倍数下各结论的配对差值（✗ = 反转；↓ = 方向不变但不足默认值下的10%；"
        "n.s. = 95%置信区间包含0）",
    ),
    "heat_sel": (
        "Relative initiative gain: lever × initial type",
        "主动作为相对增幅：举措 × 初始类型",
    ),
    "heat_rob": (
        "Robustness: conclusion difference / its default value",
        "稳健性：结论差值 / 默认值下的差值",
    ),  # fmt: skip
    "decay": (
        "Deterrence after the campaign, relative to its end level",
        "专项整治后的威慑（相对于整治末期水平）",
    ),  # fmt: skip
    "month": ("Month", "月份"),
    "rel_det": ("Deterrence / D₀", "威慑 / D₀"),
    "campaign": ("campaign", "专项整治"),
    "steady": ("Baseline over the long run (mean of replicates)", "长期基准运行（重复均值）"),
    "diffs": ("Measured differences with 95% CIs", "测得差值及95%置信区间"),
    "gap_chart": ("Proactive − cohort initiative (baseline)", "担当作为 − 各类型主动作为（基准）"),
    "drop_chart": (
        "Relative initiative change under strict accountability",
        "从严问责下主动作为的相对变化",
    ),  # fmt: skip
    "gap_axis": ("Initiative gap, mean and 95% CI", "主动作为差值，均值及95%置信区间"),
    "drop_axis": (
        "I_strict / I_base − 1, mean and 95% CI",
        "I_从严 / I_基准 − 1，均值及95%置信区间",
    ),
    "peer_chart": ("Peer elasticity of initiative", "主动作为的同伴弹性"),
    "lever": ("Lever", "举措"),
    "type": ("Initial type", "初始类型"),
    "target": ("Target", "目标类型"),
    "best": ("Largest gain", "最大增幅类型"),
    "ratio": ("Target / next", "目标/次大"),
    "holds": ("Holds", "成立"),
    "cohort": ("Cohort", "类型"),
    "initiative": ("Initiative", "主动作为率"),
    "gap": ("Gap [95% CI]", "差值 [95%置信区间]"),
    "change": ("Change [95% CI]", "变化 [95%置信区间]"),
    "constant": ("Constant", "常数"),
    "default": ("Default", "默认值"),
    "fragile": ("Fragile", "脆弱"),
    "reversed": ("Reversed conclusions", "反转的结论"),
    "safe_range": ("Safe range", "安全范围"),
    "factor": ("Factor", "倍数"),
    "weak": ("Right sign, CI includes 0", "方向不变但置信区间含0"),
    "collapsed": ("Right sign, < 10% of the default size", "方向不变但不足默认效应的10%"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
}
STATUS_ZH = {"HOLDS": "成立", "FAILS": "不成立", "ERROR": "错误"}
TIER_ZH = {"full": "完整", "quick": "快速"}
EXTRA_REGIMES = {
    "promotion_orientation": "用人导向",
    "inaction_accountability": "不作为问责",
    "education_only": "仅思想教育",
}
CONCLUSION_TEXT = {
    "tolerance_raises_initiative": ("(a) tolerance > baseline", "(a) 容错 > 基准"),
    "strict_lowers_initiative": ("(b) strict < baseline", "(b) 从严 < 基准"),
    "three_mechanisms_raise_initiative": ("(c) three mechanisms > baseline", "(c) 三项机制 > 基准"),
    "overbroad_raises_misconduct": (
        "(d) over-broad misconduct > tolerance",
        "(d) 容错过宽违纪 > 容错",
    ),
}


def _git(commit: str | None) -> str:
    if not commit:
        return ""
    return f" (git {commit[:10]}{'+dirty' if commit.endswith('+dirty') else ''})"


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        from cadresim.model.config import ConfigError  # noqa: PLC0415

        raise ConfigError(f"--lang {lang}: unknown; allowed {', '.join(LANGS)}")
    return lang


def t(key: str, lang: str, **kw: Any) -> str:
    return UI[key][LANGS.index(lang)].format(**kw)


def pick(text: tuple[str, str] | list[str], lang: str) -> str:
    return text[LANGS.index(lang)]


def status_word(status: str, lang: str) -> str:
    return STATUS_ZH[status] if lang == "zh" else status


def regime_name(name: str, lang: str) -> str:
    if lang == "zh" and name in EXTRA_REGIMES:
        return EXTRA_REGIMES[name]
    return i18n.regime_label(name, lang) if lang == "zh" else name


def type_name(name: str, lang: str) -> str:
    return i18n.type_label(name, lang) if lang == "zh" else name


# ------------------------------------------------------------------ terminal


def header(result: ValidationResult, lang: str = "en") -> str:
    tier = result.tier
    name = TIER_ZH.get(tier.name, tier.name) if lang == "zh" else tier.name
    return "cadresim validate — " + t(
        "tier", lang, tier=name, cadres=f"{tier.cadres:,}", months=tier.months,
        reps=tier.replications, long=tier.long_replications,
    )  # fmt: skip


def pattern_line(p: PatternResult, lang: str = "en", width: int = 36) -> str:
    """'HOLDS  name  figure [CI]; ...  (criterion)' or 'ERROR  name  what went wrong'."""
    if p.status == "ERROR":
        return f"{p.status}  {p.name:<{width}}  {p.error.splitlines()[0] if p.error else ''}"
    shown = "; ".join(m.text(lang) for m in p.measures if m.shown)
    return f"{p.status}  {p.name:<{width}}  {shown}  ({pick(p.criterion, lang)})"


def terminal_lines(result: ValidationResult, lang: str = "en") -> list[str]:
    width = max([len(p.name) for p in result.patterns] + [10])
    lines = [header(result, lang)]
    lines += [pattern_line(p, lang, width) for p in result.patterns]
    lines.append(footer(result, lang))
    return lines


def footer(result: ValidationResult, lang: str = "en") -> str:
    holds = sum(p.holds for p in result.patterns)
    counts = {s: sum(p.status == s for p in result.patterns) for s in ("FAILS", "ERROR")}
    extra = ", ".join(
        f"{n} {status_word(s, lang) if lang == 'zh' else s.lower()}" for s, n in counts.items() if n
    )
    text = t("verdict", lang, holds=holds, total=len(result.patterns))
    text += f" ({extra})" if extra else ""
    text += "; " + t("ran", lang, runs=result.runs, seconds=result.seconds,
                     executor=result.executor, workers=result.workers)  # fmt: skip
    return text


# ------------------------------------------------------------------ JSON and parquet


def _num(x: Any) -> Any:
    """JSON has no inf or NaN: inf as the strings 'inf' / '-inf', NaN as null."""
    if isinstance(x, float | np.floating):
        x = float(x)
        if math.isnan(x):
            return None
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    return x


def _unnum(x: Any) -> float:
    if x is None:
        return math.nan
    if isinstance(x, str):
        return float(x)
    return float(x)


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _num(v) for k, v in row.items()} for row in table.to_dict("records")]


def to_json(result: ValidationResult) -> dict[str, Any]:
    def pattern(p: PatternResult) -> dict[str, Any]:
        return {
            "name": p.name,
            "status": p.status,
            "holds": p.holds,
            "figure": _num(p.figure),
            "ci": [_num(p.ci[0]), _num(p.ci[1])],
            "criterion": {"en": p.criterion[0], "zh": p.criterion[1]},
            "title": {"en": p.title[0], "zh": p.title[1]},
            "source": {"en": p.source[0], "zh": p.source[1]},
            "statement": {"en": p.statement[0], "zh": p.statement[1]},
            "method": {"en": p.method[0], "zh": p.method[1]},
            "measures": [{k: _num(v) for k, v in asdict(m).items()} for m in p.measures],
            "tables": {name: _records(table) for name, table in p.tables.items()},
            "notes": p.notes,
            "replications": p.replications,
            "arms": p.arms,
            "error": p.error,
        }

    tier = asdict(result.tier)
    return {
        "suite": "cadresim validate",
        "tier": tier,
        "all_hold": result.all_hold,
        "holds": sum(p.holds for p in result.patterns),
        "total": len(result.patterns),
        "seed": result.seed,
        "replicate_seeds": result.seeds,
        "seed_rule": "numpy SeedSequence(seed).spawn(R); replicate r's seed does not depend on R",
        "executor": result.executor,
        "workers": result.workers,
        "runs": result.runs,
        "seconds": round(result.seconds, 1),
        "generated": result.generated,
        "version": result.version,
        "git_commit": result.git_commit,
        "versions": result.versions,
        "patterns": [pattern(p) for p in result.patterns],
    }


def from_json(path: Path) -> ValidationResult:
    """Read a validation.json back (inf and NaN restored)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    patterns = []
    for d in data["patterns"]:
        measures = []
        for m in d["measures"]:
            for k in ("value", "low", "high"):
                m[k] = _unnum(m[k])
            measures.append(Measure(**m))
        tables = {}
        for name, rows in d["tables"].items():
            table = pd.DataFrame(rows)
            for col in table.columns:  # strings 'inf' back to numbers in numeric columns
                if table[col].map(lambda v: v in ("inf", "-inf")).any():
                    table[col] = table[col].map(_unnum)
            tables[name] = table
        patterns.append(
            PatternResult(
                d["name"],
                _pair(d["title"]),
                _pair(d["source"]),
                _pair(d["statement"]),
                _pair(d["method"]),
                _pair(d["criterion"]),
                d["holds"],
                d["status"],
                measures,
                tables,
                d.get("notes", []),
                d.get("replications", 0),
                d.get("arms", {}),
                d.get("error", ""),
            )  # fmt: skip
        )
    return ValidationResult(
        tier=Tier(**data["tier"]), patterns=patterns, seed=data["seed"],
        seeds=data["replicate_seeds"], executor=data["executor"], workers=data["workers"],
        runs=data["runs"], seconds=data["seconds"], generated=data["generated"],
        version=data["version"], git_commit=data["git_commit"], versions=data["versions"],
    )  # fmt: skip


def _pair(d: dict[str, str]) -> tuple[str, str]:
    return d["en"], d["zh"]


def measures_frame(result: ValidationResult) -> pd.DataFrame:
    """validation.parquet: one row per pattern x measure (an ERROR pattern has one empty row)."""
    rows = []
    for p in result.patterns:
        base = {"pattern": p.name, "status": p.status, "holds": p.holds,
                "criterion": p.criterion[0], "replications": p.replications,
                "tier": result.tier.name}  # fmt: skip
        if not p.measures:
            rows.append({**base, "measure": "", "label": "", "value": math.nan,
                         "low": math.nan, "high": math.nan, "n": 0, "method": "",
                         "headline": False, "error": p.error})  # fmt: skip
        for i, m in enumerate(p.measures):
            rows.append({**base, "measure": m.key, "label": m.label, "value": m.value,
                         "low": m.low, "high": m.high, "n": m.n, "method": m.method,
                         "headline": i == 0, "error": ""})  # fmt: skip
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ tables for display


def _cell(mean: float, low: float, high: float, digits: int = 3, signed: bool = True) -> str:
    if math.isnan(low):
        return fmt(mean, digits, signed)
    return f"{fmt(mean, digits, signed)} [{fmt(low, digits, signed)}, {fmt(high, digits, signed)}]"


def display_tables(p: PatternResult, lang: str) -> list[tuple[str, pd.DataFrame]]:
    """(caption, table) pairs of a pattern's details, formatted and localised."""
    out: list[tuple[str, pd.DataFrame]] = []
    yes_no = {True: t("yes", lang), False: t("no", lang)}
    tables = p.tables
    if "gains" in tables:
        g = tables["gains"]
        cells = g.assign(cell=[fmt(m, 2, True) + ("*" if c == tg else "")
                               for m, c, tg in zip(g["mean"], g["cohort"], g["target"],
                                                   strict=True)])  # fmt: skip
        wide = cells.pivot(index="lever", columns="cohort", values="cell")
        wide = wide.reindex(index=list(dict.fromkeys(g["lever"])), columns=list(TYPE_NAMES))
        wide.index = [regime_name(x, lang) for x in wide.index]
        wide.index.name = t("lever", lang)
        wide.columns = [type_name(c, lang) for c in wide.columns]
        out.append((t("gains", lang), wide))
    if "levers" in tables:
        lv = tables["levers"]
        table = pd.DataFrame({
            t("lever", lang): [regime_name(x, lang) for x in lv["lever"]],
            t("target", lang): [type_name(x, lang) for x in lv["target"]],
            t("best", lang): [type_name(x, lang) for x in lv["best"]],
            t("ratio", lang): [fmt(_unnum(x), 2) for x in lv["ratio"]],
            t("holds", lang): [yes_no[bool(x)] for x in lv["holds"]],
        })  # fmt: skip
        out.append((t("levers", lang), table.set_index(t("lever", lang))))
    if "gaps" in tables:
        g = tables["gaps"]
        table = pd.DataFrame({
            t("cohort", lang): [type_name(x, lang) for x in g["cohort"]],
            t("initiative", lang): [fmt(x, 3) for x in g["initiative"]],
            t("gap", lang): [_cell(*r) for r in zip(g["mean"], g["low"], g["high"], strict=True)],
        })  # fmt: skip
        out.append((t("gaps", lang), table.set_index(t("cohort", lang))))
    if "drops" in tables:
        g = tables["drops"]
        table = pd.DataFrame({
            t("cohort", lang): [type_name(x, lang) for x in g["cohort"]],
            t("change", lang): [_cell(m, lo, hi, 3) for m, lo, hi in
                                zip(g["mean"], g["low"], g["high"], strict=True)],
        })  # fmt: skip
        out.append((t("drops", lang), table.set_index(t("cohort", lang))))
    if "constants" in tables:
        c = tables["constants"]
        table = pd.DataFrame({
            t("constant", lang): c["constant"],
            t("default", lang): [fmt(float(x), 3, False) for x in c["default"]],
            t("fragile", lang): [yes_no[bool(x)] for x in c["fragile"]],
            t("reversed", lang): [x or "—" for x in c["reversed"]],
            t("safe_range", lang): c["safe_range"],
            t("weak", lang): [x or "—" for x in c.get("not_significant", [""] * len(c))],
            t("collapsed", lang): [x or "—" for x in c.get("collapsed", [""] * len(c))],
        })  # fmt: skip
        out.append((t("constants", lang), table.set_index(t("constant", lang))))
    if "conclusions" in tables:
        c = tables["conclusions"].copy()
        shrunk = c["collapsed"] if "collapsed" in c else [False] * len(c)
        c["cell"] = [fmt(d, 4, True) + (" ✗" if r else "") + (" ↓" if k else "")
                     + ("" if sig else " (n.s.)")
                     for d, r, sig, k in zip(c["diff"], c["reversed"], c["significant"], shrunk,
                                             strict=True)]  # fmt: skip
        c["setting"] = [
            "default" if k == "default" else f"{k} ×{float(f):g}"
            for k, f in zip(c["constant"], c["factor"], strict=True)
        ]
        wide = c.pivot(index="setting", columns="conclusion", values="cell")
        wide = wide.reindex(index=list(dict.fromkeys(c["setting"])),
                            columns=[x[0] for x in CONCLUSIONS])  # fmt: skip
        wide.columns = [pick(CONCLUSION_TEXT[x], lang) for x in wide.columns]
        wide.index.name = t("constant", lang)
        out.append((t("conclusions", lang), wide))
    return out


def measures_table(p: PatternResult, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("measure", lang): [m.name(lang) for m in p.measures],
        t("value", lang): [m.figure() for m in p.measures],
        t("ci_method", lang): [m.method or "—" for m in p.measures],
        "n": [m.n or "—" for m in p.measures],
    }).set_index(t("measure", lang))  # fmt: skip


# ------------------------------------------------------------------ figures


def _layout(fig: go.Figure, title: str, x: str, y: str, height: int = HEIGHT) -> go.Figure:
    fig.update_layout(template=TEMPLATE, title={"text": title}, height=height,
                      margin={"l": 90, "r": 30, "t": 70, "b": 70})  # fmt: skip
    fig.update_xaxes(title_text=x)
    fig.update_yaxes(title_text=y)
    return fig


def pattern_figures(p: PatternResult, lang: str) -> list[go.Figure]:
    """The charts of one pattern (none for an ERROR)."""
    if p.status == "ERROR":
        return []
    figs: list[go.Figure] = []
    tables = p.tables
    if "gains" in tables:
        figs.append(_selectivity_heatmap(tables["gains"], lang))
    if "gaps" in tables:
        figs.append(_cohort_bars(tables["gaps"], t("gap_chart", lang), lang, 0.05, "gap_axis"))
    if "drops" in tables:
        figs.append(_cohort_bars(tables["drops"], t("drop_chart", lang), lang, 0.0, "drop_axis"))
    if p.name == "crackdown_decay" and "series" in tables:
        figs.append(_decay_chart(tables["series"], lang))
    if p.name == "steady_state" and "series" in tables:
        figs.append(_steady_chart(tables["series"], lang))
    if "conclusions" in tables:
        figs.append(_robustness_heatmap(tables["conclusions"], lang))
    if not figs:
        diffs = [m for m in p.measures if m.method in ("paired t", "t") and not math.isnan(m.low)]
        band = PEER_BAND if p.name == "peer_elasticity" else None
        if band:  # the elasticities only, against the target band
            diffs = [m for m in diffs if m.key.startswith("elasticity")]
        if diffs:
            figs.append(_dots(diffs, t("peer_chart" if band else "diffs", lang), lang, band))
    return figs


def _selectivity_heatmap(g: pd.DataFrame, lang: str) -> go.Figure:
    levers = list(dict.fromkeys(g["lever"]))
    z = g.pivot(index="lever", columns="cohort", values="mean").reindex(
        index=levers, columns=list(TYPE_NAMES)
    )
    text = [[fmt(v, 2, True) + ("*" if LEVER_TARGETS.get(lv) == c else "") for c, v in row.items()]
            for lv, row in z.iterrows()]  # fmt: skip
    fig = go.Figure(go.Heatmap(
        z=z.to_numpy(), x=[type_name(c, lang) for c in z.columns],
        y=[regime_name(x, lang) for x in levers], text=text, texttemplate="%{text}",
        colorscale="RdBu", zmid=0, colorbar={"title": {"text": "I/I₀ − 1"}},
    ))  # fmt: skip
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, t("heat_sel", lang), t("type", lang), t("lever", lang))


def _cohort_bars(g: pd.DataFrame, title: str, lang: str, line: float, axis: str) -> go.Figure:
    fig = go.Figure(go.Bar(
        x=[type_name(c, lang) for c in g["cohort"]], y=g["mean"],
        marker_color=[type_colour(c) for c in g["cohort"]],
        error_y={"type": "data", "symmetric": False, "array": g["high"] - g["mean"],
                 "arrayminus": g["mean"] - g["low"]},
    ))  # fmt: skip
    fig.add_hline(y=line, line_dash="dash", line_color="#444444")
    return _layout(fig, title, t("cohort", lang), t(axis, lang))


def _decay_chart(series: pd.DataFrame, lang: str) -> go.Figure:
    fig = go.Figure()
    start, end = CAMPAIGN
    for outcome, colour in (("misconduct_rate", "#D55E00"), ("initiative_rate", "#0072B2")):
        s = series[series["outcome"] == outcome]
        d = s["deterrence"].to_numpy(dtype=float)
        d0 = d[end - 3 : end].mean() if len(d) >= end else math.nan
        if not d0 > 0:
            continue
        fig.add_trace(go.Scatter(x=s["month"], y=d / d0, mode="lines", line={"color": colour},
                                 name=i18n.outcome_name(outcome, lang)))  # fmt: skip
    fig.add_vrect(
        x0=start - 0.5,
        x1=end - 0.5,
        fillcolor="#A6761D",
        opacity=0.12,
        line_width=0,
        annotation_text=t("campaign", lang),
        annotation_position="top left",
    )
    for level in (0.5, GONE_SHARE):
        fig.add_hline(y=level, line_dash="dot", line_color="#666666")
    fig.update_xaxes(range=[start - 12, series["month"].max()])
    return _layout(fig, t("decay", lang), t("month", lang), t("rel_det", lang))


def _steady_chart(series: pd.DataFrame, lang: str) -> go.Figure:
    fig = go.Figure()
    for outcome, colour in (("initiative_rate", "#0072B2"), ("mean_error_fear", "#56B4E9")):
        fig.add_trace(go.Scatter(x=series["month"], y=series[outcome], mode="lines",
                                 name=i18n.outcome_name(outcome, lang),
                                 line={"color": colour}))  # fmt: skip
    months = int(series["month"].max())
    block = min(100, months // 3)
    fig.add_vrect(x0=months - 2 * block + 0.5, x1=months + 0.5, fillcolor="#999999",
                  opacity=0.12, line_width=0)  # fmt: skip
    return _layout(fig, t("steady", lang), t("month", lang), "0–1")


def _robustness_heatmap(c: pd.DataFrame, lang: str) -> go.Figure:
    """Each difference divided by its default-constant value: 1 = as at the default, below 0 =
    the conclusion reversed."""
    default = c[c["constant"] == "default"].set_index("conclusion")["diff"]
    rest = c[c["constant"] != "default"].copy()
    rest["scaled"] = [d / default.get(k, math.nan) if default.get(k, 0) else math.nan
                      for d, k in zip(rest["diff"], rest["conclusion"], strict=True)]  # fmt: skip
    rest["row"] = [f"{k} ×{float(f):g}" for k, f in zip(rest["constant"], rest["factor"],
                                                         strict=True)]  # fmt: skip
    z = rest.pivot(index="row", columns="conclusion", values="scaled").reindex(
        index=list(dict.fromkeys(rest["row"])), columns=[x[0] for x in CONCLUSIONS]
    )
    fig = go.Figure(go.Heatmap(
        z=z.to_numpy(), y=list(z.index),
        x=[pick(CONCLUSION_TEXT[x], lang) for x in z.columns],
        text=np.vectorize(lambda v: fmt(v, 2))(z.to_numpy()), texttemplate="%{text}",
        colorscale="RdBu", zmid=0, zmin=-2, zmax=2, colorbar={"title": {"text": "÷ default"}},
    ))  # fmt: skip
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, t("heat_rob", lang), "", t("constant", lang),
                   height=max(HEIGHT, 24 * len(z) + 160))  # fmt: skip


def _dots(ms: list[Measure], title: str, lang: str, band: tuple[float, float] | None) -> go.Figure:
    fig = go.Figure(go.Scatter(
        x=[m.value for m in ms], y=[m.name(lang) for m in ms], mode="markers",
        marker={"size": 10, "color": "#333333"},
        error_x={"type": "data", "symmetric": False, "array": [m.high - m.value for m in ms],
                 "arrayminus": [m.value - m.low for m in ms]},
    ))  # fmt: skip
    if band:
        fig.add_vrect(x0=band[0], x1=band[1], fillcolor="#1B9E77", opacity=0.15, line_width=0)
    fig.add_vline(x=0, line_color="#444444")
    return _layout(fig, title, "95% CI", "", height=max(260, 80 * len(ms) + 160))


# ------------------------------------------------------------------ HTML

CSS = """
table.summary td { text-align: left; } dt { margin-top: 6px; }
.status { font-weight: bold; color: white; padding: 1px 8px; border-radius: 3px; }
"""


def _status(status: str, lang: str) -> dict[str, str]:
    return {"colour": STATUS_COLOURS[status], "word": status_word(status, lang)}


def _pattern_context(p: PatternResult, lang: str) -> dict[str, Any]:
    """One pattern's section as plain values; the template escapes them."""
    judged = p.status != "ERROR"
    return {
        "name": p.name,
        "title": pick(p.title, lang),
        "status": _status(p.status, lang),
        "figure": p.measures[0].text(lang) if p.measures else
        (p.error.splitlines()[0] if p.error else ""),
        "criterion": pick(p.criterion, lang),
        "terms": [(t(key, lang), pick(text, lang)) for key, text in (
            ("checks", p.statement), ("source", p.source), ("method", p.method),
            ("criterion", p.criterion))],
        "judged": judged,
        "error": p.error or "",
        "measures": table_html(measures_table(p, lang), border=0) if judged else "",
        "tables": [{"caption": caption, "html": table_html(table, border=0, na_rep="—")}
                   for caption, table in display_tables(p, lang)] if judged else [],
        "figures": [figure_html(fig, f"fig-{p.name}-{j}",
                                {"displaylogo": False, "responsive": True})
                    for j, fig in enumerate(pattern_figures(p, lang))] if judged else [],
        "arms": list(p.arms.items()),
        "replications": p.replications,
    }  # fmt: skip


def render_html(result: ValidationResult, lang: str = "en") -> str:
    produced = t("produced", lang, version=result.version, commit=_git(result.git_commit),
                 generated=result.generated)  # fmt: skip
    return render(
        "validation.html.j2",
        lang,
        css=CSS,
        title=t("title", lang),
        meta=[header(result, lang), footer(result, lang), produced],
        t=Labels(lambda key: t(key, lang)),
        patterns=[_pattern_context(p, lang) for p in result.patterns],
        versions=", ".join(f"{k} {v}" for k, v in result.versions.items()),
    )


# ------------------------------------------------------------------ markdown (docs/VALIDATION.md)

MD_INTRO = """\
`cadresim validate` checks the model against stylised facts from the literature and the seed
materials. Each pattern is a small experiment: it runs a baseline and its variants on the same
replicate seeds (common random numbers), measures one statistic with a 95% interval, and states
whether its criterion holds.

```
cadresim validate                      # full tier: 1,000 cadres, 120 months, 10 replications
cadresim validate --quick              # CI tier: 6 replications (3 for long-horizon patterns)
cadresim validate --only selectivity,peer_elasticity --lang zh
cadresim validate --executor serial --replications 20 --out results/validation/r20
cadresim validate --from results/validation/full --markdown docs/VALIDATION.md   # re-render only
```

```python
from cadresim.experiments.validation import validate

result = validate(quick=True, only=["deficit_gap"])
result.all_hold, result["deficit_gap"].figure, result["deficit_gap"].ci
```

The terminal shows one line per pattern, `HOLDS` / `FAILS` / `ERROR`, its figure [95% CI] and its
criterion. The exit code is 0 if every pattern holds, 1 if any fails (or could not be judged),
2 on bad input. The results folder (default `results/validation/<tier>`) receives
`validation.json` (everything, including detail tables), `validation.parquet` (one row per
pattern × statistic) and `report.<lang>.html` (one self-contained file with tables and charts),
each written atomically. Options: `--quick`, `--only NAME[,NAME]`, `--lang en|zh`, `--out DIR`,
`--replications N` (scales every pattern; long-horizon patterns keep their smaller share),
`--executor serial|processes|ray`, `--workers N`, `--seed N`, `--markdown FILE`, `--from DIR`.

**Statistics.** Summary values are means over each run's summary window (its second half);
"by type" means by initial type (cohort). Intervals are 95% t-intervals across replicates,
paired by seed for differences; ratios and half-lives use a percentile bootstrap over
replicates (2,000 resamples, the same replicates for every arm, so the pairing is kept). Where
a criterion names a CI it is judged on the CI; a ratio or half-life criterion is judged on the
point estimate, with its interval shown. Identical configurations requested by several patterns
run once.

**How the criteria were chosen.** Three criteria take the model's own mechanisms into account.
`strict_lowers` ranks the cohorts by their drop in initiative in points; relative drops are shown
too, but the unable's is large only because few of them act at all. `not_a_panacea` holds when
tolerance's gain in the unable's successes is under half of training's with 95% confidence: the
point estimate is about a quarter, where DESIGN.md §3's prototype had 0.05, because here the
unable also fear sanctions (they fail often, so the feared sanction f·S·δ̂·ŝ·(1 − p) partly closes
their De gate) and tolerance helps them somewhat. `robustness` halves and doubles each constant
and fails only if a conclusion reverses; it also lists conclusions that keep their sign but shrink
below 10% of their size at the defaults. Doubling `want_threshold` is the harshest of these
tests: θ_w = 1.5 exceeds the drive m·v of every cadre (m ≤ 1), so the W gate nearly shuts, hardly
anyone acts, and the conclusions about levers that do not act on W shrink toward zero.
"""


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_table(table: pd.DataFrame) -> str:
    table = table.reset_index() if table.index.name or isinstance(table.index, pd.MultiIndex) \
        else table  # fmt: skip
    cols = [str(c) for c in table.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in table.itertuples(index=False):
        lines.append("| " + " | ".join("—" if pd.isna(v) else _md_cell(v) for v in row) + " |")
    return "\n".join(lines)


def render_markdown(result: ValidationResult) -> str:
    lang = "en"
    commit = _git(result.git_commit)
    out = [
        "# Validation against the literature",
        "",
        "<!-- Generated by `cadresim validate --markdown docs/VALIDATION.md` (or `--from DIR` to "
        "re-render a finished run); do not edit by hand. -->",
        "",
        MD_INTRO,
        "## Latest results",
        "",
        f"{header(result)}.  ",
        f"{footer(result)}.  ",
        f"Produced by cadresim {result.version}{commit} on {result.generated}; "
        + ", ".join(f"{k} {v}" for k, v in result.versions.items())
        + ".",
        "",
        "| # | pattern | status | figure [95% CI] | criterion |",
        "|---|---|---|---|---|",
    ]
    for i, p in enumerate(result.patterns, 1):
        figure = "; ".join(m.text() for m in p.measures if m.shown) if p.measures else (
            p.error.splitlines()[0] if p.error else "")  # fmt: skip
        out.append(f"| {i} | [`{p.name}`](#{i}-{p.name.replace('_', '-')}) | **{p.status}** | "
                   f"{_md_cell(figure)} | {_md_cell(p.criterion[0])} |")  # fmt: skip
    for i, p in enumerate(result.patterns, 1):
        out += [
            "",
            f"## {i}. {p.name}",
            "",
            f"*{p.title[0]}* — {p.title[1]}",
            "",
            f"- **What it checks.** {p.statement[0]}",
            f"- **Source.** {p.source[0]}",
            f"- **How it is measured.** {p.method[0]}",
            f"- **Criterion.** {p.criterion[0]}",
            f"- **Latest result: {p.status}** ({p.replications} replications).",
            "",
        ]
        if p.status == "ERROR":
            out += ["```", p.error, "```"]
            continue
        out.append(_md_table(measures_table(p, lang)))
        for caption, table in display_tables(p, lang):
            out += ["", f"*{caption}*", "", _md_table(table)]
    out.append("")
    return "\n".join(out)


# ------------------------------------------------------------------ files


def write_outputs(result: ValidationResult, folder: Path, lang: str = "en") -> dict[str, Path]:
    """validation.json, validation.parquet and report.<lang>.html, each atomically; all are
    rendered before the first is written."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": folder / "validation.json",
        "parquet": folder / "validation.parquet",
        "html": folder / f"report.{lang}.html",
    }
    data = to_json(result)
    frame = measures_frame(result)
    page = render_html(result, lang)
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    write_text(paths["json"], text)
    store.atomic_write(paths["parquet"], lambda f: frame.to_parquet(_shared(Path(f)), index=False))
    write_text(paths["html"], page)
    return paths


def write_report(result: ValidationResult, path: Path, lang: str) -> Path:
    write_text(path, render_html(result, lang))
    return path


def write_markdown(result: ValidationResult, path: Path) -> Path:
    write_text(path, render_markdown(result))
    return path


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    store.atomic_write(path, lambda f: _shared(Path(f)).write_text(text, encoding="utf-8"))


def _shared(path: Path) -> Path:
    """mkstemp makes the temp file private; results are meant to be shared."""
    path.chmod(0o644)
    return path
