"""The report of a calibration folder: fit, marginals and pair charts (plotly HTML).

Writes ``fit.html`` (each target's observed value and sd against the posterior predictive),
``marginals.html`` (each knob's weighted posterior histogram over its prior's support),
``pairs.html`` (every pair of knobs, the last generation's particles sized by weight) and
``report.<lang>.html``, one file with all three, the tables and the method; `cadresim report
FOLDER` on a calibration folder writes them again. The report (templates/calibration.html.j2)
is in English or Chinese; the three chart files beside it are English.
"""

from __future__ import annotations

import json
import re
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from markupsafe import Markup
from plotly.subplots import make_subplots

from cadresim import vocabulary as vocab

from .. import store
from ..charts.palette import FONT_FAMILY
from ..page_templates import Labels, figure_html, render, table_html
from .summary import posterior_summary

KIND = "calibrate"
TARGET_COLOUR, MODEL_COLOUR = "#d62728", "#1f77b4"

TEXT = {
    "en": {
        "tab": "cadresim calibration {fingerprint}",
        "title": "Calibration: targets {name}",
        "status": "{status}: {reason}; {generations} generations, {simulations} simulations "
        "stored; {particles} particles; seed {seed}; pyabc {pyabc}.",
        "fit": "Fit",
        "posterior": "Posterior",
        "generations": "Generations",
        "sources": "Targets and their sources",
        "method": "Method",
        "observed": "observed ± 2 sd",
        "predictive": "posterior predictive: mean, 90% interval",
        "fit_title": "Targets against the posterior predictive",
        "value": "value",
        "marginals_title": "Posterior marginals (weighted; x axis = the prior's support)",
        "pairs_title": "Posterior pairs (last generation; marker size = weight)",
    },
    "zh": {
        "tab": "cadresim 校准 {fingerprint}",
        "title": "校准：目标集 {name}",
        "status": "{status}：{reason}；已存储 {generations} 代、{simulations} 次模拟；"
        "{particles} 个粒子；种子 {seed}；pyabc {pyabc}。",
        "fit": "拟合",
        "posterior": "后验分布",
        "generations": "各代",
        "sources": "校准目标及其来源",
        "method": "方法",
        "observed": "观测值 ± 2 标准差",
        "predictive": "后验预测：均值与 90% 区间",
        "fit_title": "校准目标与后验预测",
        "value": "数值",
        "marginals_title": "后验边际分布（加权；横轴 = 先验的取值范围）",
        "pairs_title": "后验参数对（最后一代；点的大小 = 权重）",
    },
}
# The tables' columns in Chinese (English keeps the column names of the stored tables).
COLUMNS_ZH = {
    "statistic": "统计量", "observed": "观测值", "sd": "标准差", "predictive_mean": "预测均值",
    "predictive_sd": "预测标准差", "q05": "5% 分位", "q50": "中位数", "q95": "95% 分位",
    "gap_in_sd": "差距（标准差）", "inside_90": "落在 90% 区间内", "parameter": "参数",
    "prior": "先验", "mean": "均值", "generation": "代", "epsilon": "epsilon",
    "simulations": "模拟次数", "particles": "粒子数", "source": "来源",
}  # fmt: skip
STATUS_ZH = {"complete": "已完成"}
REASONS_ZH = (  # calibration.fit._reason's three sentences
    (re.compile(r"(\d+) generations"), "已达 {0} 代"),
    (re.compile(r"epsilon (\S+) <= calibrate.min_epsilon"),
     "epsilon {0} 已不大于 calibrate.min_epsilon"),
    (re.compile(r"simulation budget \((\d+)\) spent"), "模拟预算（{0} 次）已用完"),
)  # fmt: skip
METHOD_ZH = {  # the manifest's method sentence (calibration.fit._manifest) in Chinese
    "ABC-SMC (pyabc): uniform or truncated-normal priors, multivariate normal transition, "
    "quantile epsilon (median of the previous generation's distances, the first generation "
    "accepts every prior draw), distance sqrt(sum(((x - observed) / sd)^2)); candidate i of "
    "generation t seeded by SeedSequence([seed, t + 1, i])": "ABC-SMC（pyabc）：均匀或截断正态"
    "先验，多元正态转移核，分位数 epsilon（取上一代距离的中位数，第一代接受全部先验抽样），距离为 "
    "sqrt(sum(((x - observed) / sd)^2))；第 t 代第 i 个候选的随机种子为 "
    "SeedSequence([seed, t + 1, i])",
}


def _reason(reason: str, lang: str) -> str:
    if lang == "zh":
        for pattern, zh in REASONS_ZH:
            if m := pattern.fullmatch(reason):
                return zh.format(*m.groups())
    return reason


def _label(key: str, lang: str) -> str:
    """A target statistic or a knob in a chart: English keeps the key; Chinese names it."""
    if lang == "en":
        return key
    return vocab.outcome_name(key, lang) if key in vocab.OUTCOMES else vocab.lever_name(key, lang)


def _columns(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    return df.rename(columns=COLUMNS_ZH) if lang == "zh" else df


def is_calibration(folder: str | Path) -> bool:
    """Whether `folder` holds a calibration (the report command's dispatch test)."""
    try:
        manifest = json.loads((Path(folder) / store.MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("kind") == KIND


def fit_figure(fit: pd.DataFrame, lang: str = "en") -> go.Figure:
    """Per target: observed ± 2 sd (red) against the predictive mean and 90% interval (blue)."""
    t = TEXT[lang]
    y = [_label(str(s), lang) for s in fit["statistic"]]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=fit["observed"],
            y=y,
            mode="markers",
            name=t["observed"],
            marker={"color": TARGET_COLOUR, "symbol": "diamond", "size": 11},
            error_x={"type": "data", "array": 2 * fit["sd"], "color": TARGET_COLOUR},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=fit["predictive_mean"],
            y=y,
            mode="markers",
            name=t["predictive"],
            marker={"color": MODEL_COLOUR, "size": 9},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": fit["q95"] - fit["predictive_mean"],
                "arrayminus": fit["predictive_mean"] - fit["q05"],
                "color": MODEL_COLOUR,
            },
        )
    )
    fig.update_layout(
        title=t["fit_title"],
        xaxis_title=t["value"],
        yaxis={"autorange": "reversed"},
        height=120 + 45 * len(y),
        font_family=FONT_FAMILY,
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


def marginals_figure(
    posterior: pd.DataFrame, priors: dict[str, dict], lang: str = "en"
) -> go.Figure:
    """Weighted posterior histogram of each knob, over its prior's support."""
    keys = list(priors)
    fig = make_subplots(rows=1, cols=len(keys), subplot_titles=[_label(k, lang) for k in keys])
    w = posterior["weight"].to_numpy(dtype=float)
    for i, k in enumerate(keys, start=1):
        lo, hi = priors[k]["low"], priors[k]["high"]
        dens, edges = np.histogram(posterior[k], bins=20, range=(lo, hi), weights=w, density=True)
        fig.add_trace(
            go.Bar(
                x=(edges[:-1] + edges[1:]) / 2,
                y=dens,
                width=edges[1] - edges[0],
                marker_color=MODEL_COLOUR,
                showlegend=False,
                name=k,
            ),
            row=1,
            col=i,
        )
        fig.update_xaxes(range=[lo, hi], row=1, col=i)
    fig.update_layout(
        title=TEXT[lang]["marginals_title"],
        height=340,
        font_family=FONT_FAMILY,
    )
    return fig


def pairs_figure(posterior: pd.DataFrame, priors: dict[str, dict], lang: str = "en") -> go.Figure:
    """Every pair of knobs: the last generation's particles, size by weight."""
    keys = list(priors)
    pairs = list(combinations(keys, 2)) or [(keys[0], keys[0])]
    cols = min(3, len(pairs))
    rows = -(-len(pairs) // cols)
    fig = make_subplots(rows=rows, cols=cols, horizontal_spacing=0.1, vertical_spacing=0.15)
    w = posterior["weight"].to_numpy(dtype=float)
    size = 4 + 14 * w / w.max()
    for n, (a, b) in enumerate(pairs):
        r, c = n // cols + 1, n % cols + 1
        fig.add_trace(
            go.Scatter(
                x=posterior[a],
                y=posterior[b],
                mode="markers",
                marker={"size": size, "color": MODEL_COLOUR, "opacity": 0.6},
                showlegend=False,
                name=f"{a} / {b}",
            ),
            row=r,
            col=c,
        )
        fig.update_xaxes(
            title_text=_label(a, lang), range=[priors[a]["low"], priors[a]["high"]], row=r, col=c
        )
        fig.update_yaxes(
            title_text=_label(b, lang), range=[priors[b]["low"], priors[b]["high"]], row=r, col=c
        )
    fig.update_layout(
        title=TEXT[lang]["pairs_title"],
        height=330 * rows,
        font_family=FONT_FAMILY,
    )
    return fig


def _table(df: pd.DataFrame, lang: str) -> Markup:
    return table_html(_columns(df, lang), index=False, float_format=lambda x: f"{x:.4g}", border=0)


def write_calibration_report(folder: str | Path, lang: str = "en", out: str | None = None) -> Path:
    """Write fit.html, marginals.html, pairs.html and the one-file report; return its path."""
    folder = Path(folder)
    if lang not in TEXT:
        raise ValueError(f"lang = {lang!r} is unknown; allowed {', '.join(TEXT)}")
    manifest = json.loads((folder / store.MANIFEST).read_text(encoding="utf-8"))
    posterior = pd.read_parquet(folder / "posterior.parquet")
    fit = pd.read_parquet(folder / "fit.parquet")
    generations = pd.read_parquet(folder / "generations.parquet")
    priors = manifest["priors"]
    figs = {
        "fit": fit_figure(fit),
        "marginals": marginals_figure(posterior, priors),
        "pairs": pairs_figure(posterior, priors),
    }
    for name, fig in figs.items():
        path = folder / f"{name}.html"
        # plotly.min.js once beside them ("directory"); the one-file report inlines it
        store.atomic_write(path, lambda f, fig=fig: fig.write_html(f, include_plotlyjs="directory"))
    summary = posterior_summary(posterior, list(priors))
    summary.insert(
        1, "prior", [f"{p['dist']} [{p['low']:g}, {p['high']:g}]" for p in priors.values()]
    )
    sources = pd.DataFrame(manifest["targets"]["items"])[["statistic", "observed", "sd", "source"]]
    local = figs if lang == "en" else {
        "fit": fit_figure(fit, lang),
        "marginals": marginals_figure(posterior, priors, lang),
        "pairs": pairs_figure(posterior, priors, lang),
    }  # fmt: skip
    t = TEXT[lang]
    status = manifest["status"]
    text = render(
        "calibration.html.j2",
        lang,
        head_title=t["tab"].format(fingerprint=manifest["fingerprint"]),
        title=t["title"].format(name=manifest["targets"]["name"]),
        meta=[
            t["status"].format(
                status=STATUS_ZH.get(status, status) if lang == "zh" else status,
                reason=_reason(manifest["reason"], lang),
                generations=len(generations),
                simulations=int(generations["simulations"].sum()),
                particles=manifest["particles"],
                seed=manifest["seed"],
                pyabc=manifest["versions"].get("pyabc", "?"),
            )
        ],
        t=Labels(t),
        figures={name: figure_html(fig) for name, fig in local.items()},
        tables={
            "fit": _table(fit, lang),
            "summary": _table(summary, lang),
            "generations": _table(generations, lang),
            "sources": _table(sources, lang),
        },
        method=(METHOD_ZH.get(manifest["method"], manifest["method"]) if lang == "zh"
                else manifest["method"]) + ("。" if lang == "zh" else "."),
    )  # fmt: skip
    path = Path(out) if out else folder / f"report.{lang}.html"
    store.atomic_write(path, lambda f: Path(f).write_text(text, encoding="utf-8"))
    return path
