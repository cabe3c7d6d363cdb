"""One function per figure. Each takes a tidy table (see the brief's table contract) and `lang`,
and returns a plotly Figure with a title, axis titles with units, a legend and a source note
(regimes, replications, seeds). Colours come from `palette`, every label from `i18n`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy.interpolate import griddata

from cadresim.agents.types import TYPE_NAMES

from .. import report_text
from . import i18n
from .palette import (
    ACTION_COLOURS,
    MISCONDUCT_SCALE,
    SEQUENTIAL,
    TEMPLATE,
    regime_colours,
    rgba,
    type_colour,
)
from .stats import mean_ci, pareto_mask

TYPE_ORDER = (*TYPE_NAMES, "all")
HEIGHT = 520
MAX_NODES = 400  # cadres a network figure draws at most: legible, and quick for any org chart
NOTE_WIDTH = 140  # characters of a source note on one line
# Outcomes that describe the cadres' state (defined at step 0), not actions taken in a step.
STATE_OUTCOMES = ("mean_perceived_risk", "awareness", "mean_competence", "mean_error_fear")


def package_version() -> str:
    try:
        return version("cadresim")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


@dataclass
class Source:
    """What a figure's source note states: regimes, replications and seeds."""

    regimes: list[str] = field(default_factory=list)
    replications: int | None = None
    seeds: list[int] = field(default_factory=list)
    version: str = field(default_factory=package_version)

    @classmethod
    def of(cls, table: pd.DataFrame) -> Source:
        col = "policy" if "policy" in table else "regime" if "regime" in table else None
        regimes = [str(r) for r in pd.unique(table[col])] if col else []
        seeds = sorted(int(s) for s in pd.unique(table["seed"])) if "seed" in table else []
        reps = None
        if "replicate" in table:
            reps = int(table["replicate"].nunique())
        elif "n" in table and "mean" in table:  # comparison table: n = replications
            reps = int(table["n"].max())
        elif seeds:
            reps = len(seeds)
        return cls(regimes, reps, seeds)

    def note(self, lang: str) -> str:
        regimes = ", ".join(i18n.regime_label(r, lang) for r in self.regimes) or "—"
        reps = "—" if self.replications is None else str(self.replications)
        note = i18n.text(
            "source", lang, version=self.version, regimes=regimes, reps=reps,
            seeds=format_seeds(self.seeds, lang),
        )  # fmt: skip
        return wrap_note(note)


def wrap_note(note: str, width: int = NOTE_WIDTH) -> str:
    """Break a long source note into lines of at most about `width` characters (<br>), at its
    ' · ' separators, or between the names of a long regime list."""

    def size(text: str) -> int:  # CJK characters are about twice as wide
        return len(text) + sum(ord(ch) > 0x2E80 for ch in text)

    if size(note) <= width:
        return note
    lines: list[str] = []
    line = ""
    for k, part in enumerate(note.split(" · ")):
        sep = " · " if k else ""
        pieces = part.split(", ") if size(part) > width else [part]
        for j, piece in enumerate(pieces):
            joint = (", " if j else sep) if line else ""
            if line and size(line) + len(joint) + size(piece) > width:
                lines.append(line + ("," if j else ""))
                line, joint = "", ""
            line += joint + piece
    lines.append(line)
    return "<br>".join(lines)


def format_seeds(seeds: Sequence[int], lang: str = "en") -> str:
    """'0–9' for a contiguous range, else a short list; '(n seeds)' in `lang`."""
    if not seeds:
        return "—"
    s = sorted(seeds)
    # compare the span first: experiment seeds are 63-bit SeedSequence words, far apart
    if len(s) > 2 and s[-1] - s[0] + 1 == len(s) and s == list(range(s[0], s[-1] + 1)):
        return f"{s[0]}–{s[-1]}"
    if len(s) > 3 or max(s) >= 10**6:  # derived 63-bit seeds: count and first, full list in tables
        many = report_text.t("n_seeds", lang, n=len(s))
        return f"{s[0]}, … ({many})" if len(s) > 1 else str(s[0])
    return ", ".join(map(str, s))


def _finish(fig: go.Figure, title: str, x: str, y: str, note: str, legend: str = "") -> go.Figure:
    fig.update_layout(
        template=TEMPLATE,
        title={"text": title},
        height=HEIGHT,
        margin={"l": 80, "r": 30, "t": 70, "b": 120},
        legend_title_text=legend,
    )
    fig.update_xaxes(title_text=x)
    fig.update_yaxes(title_text=y)
    fig.add_annotation(
        text=note, xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="top",
        yshift=-62, showarrow=False, align="left", font={"size": 10, "color": "#666666"},
    )  # fmt: skip
    return fig


def _regime_col(table: pd.DataFrame) -> str:
    return "policy" if "policy" in table else "regime"


def _rep_col(table: pd.DataFrame) -> str:
    return "replicate" if "replicate" in table else "seed"


def _require(table: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in table]
    if missing:
        raise ValueError(f"{what}: table lacks column(s) {', '.join(missing)}")


def _ci_subtitle(replicated: bool, lang: str) -> str:
    """'mean with 95% CI over replications', or 'one run: no interval' (no band is drawn)."""
    return report_text.t("ci95" if replicated else "one_run", lang)


def _band(x: Any, low: Any, high: Any, colour: str, group: str) -> go.Scatter:
    """A filled 95% band (upper edge then lower edge reversed), hidden from the legend."""
    x = np.asarray(x)
    return go.Scatter(
        x=np.concatenate([x, x[::-1]]), y=np.concatenate([np.asarray(high), np.asarray(low)[::-1]]),
        mode="lines", fill="toself", fillcolor=rgba(colour, 0.18), line={"width": 0},
        hoverinfo="skip",
        showlegend=False, legendgroup=group, name=f"{group} 95% CI",
    )  # fmt: skip


# A schedule episode for shading: (start, end, label) as PolicyTimeline.episodes_for_report()
# gives it (months start <= t < end), optionally with the regimes that carry it (empty: all).
Episode = tuple[int, int, str] | tuple[int, int, str, Sequence[str]]
EPISODE_FILL = "rgba(120,120,120,0.16)"


def shade_episodes(
    fig: go.Figure,
    episodes: Sequence[Episode] | None,
    lang: str = "en",
    panels: Sequence[tuple[int, int]] | None = None,
    layer: str = "below",
) -> go.Figure:
    """Shade each schedule episode's months (from start − 0.5 to end − 0.5 on the step axis) and
    label it in `lang`: 'Strict accountability, months 61–72'. With `panels` ((row, col) of each
    subplot) every panel is shaded and the first labelled."""
    for ep in episodes or ():
        start, end, label = ep[0], ep[1], ep[2]
        arms = list(ep[3]) if len(ep) > 3 else []
        text = i18n.episode_label(label, lang)
        fmt = {"label": text, "a": start, "b": end - 1}
        if arms:
            sep = "、" if lang == "zh" else ", "
            fmt["arms"] = sep.join(i18n.regime_label(a, lang) for a in arms)
            text = i18n.text("episode_arms", lang, **fmt)
        else:
            text = i18n.text("episode", lang, **fmt)
        where = [{}] if panels is None else [{"row": r, "col": c} for r, c in panels]
        for k, cell in enumerate(where):
            labelled = {
                "annotation_text": text, "annotation_position": "top left",
                "annotation_font": {"size": 11, "color": "#444444"},
            } if k == 0 else {}  # fmt: skip
            fig.add_vrect(
                x0=start - 0.5, x1=end - 0.5, fillcolor=EPISODE_FILL, line_width=0, layer=layer,
                name=f"episode {start}-{end - 1}", **labelled, **cell,
            )  # fmt: skip
    return fig


# ------------------------------------------------------------------ time series


def outcome_over_time(
    steps: pd.DataFrame,
    outcome: str = "initiative_rate",
    lang: str = "en",
    cadre_type: str = "all",
    source: Source | None = None,
    episodes: Sequence[Episode] | None = None,
) -> go.Figure:
    """Mean outcome per step and regime with a 95% band over replications; `episodes` (a
    policy.schedule's, see `shade_episodes`) are shaded."""
    i18n.check_lang(lang)
    _require(steps, ["step", "grouping", "type", outcome], "outcome_over_time")
    reg = _regime_col(steps)
    grouping = "all" if cadre_type == "all" else "type"
    rows = steps[(steps["grouping"] == grouping) & (steps["type"] == cadre_type)]
    if outcome not in STATE_OUTCOMES:  # step 0 is the initial state: nobody has acted yet
        rows = rows[rows["step"] > 0]
    stats = mean_ci(rows, [reg, "step"], outcome)
    colours = regime_colours(pd.unique(rows[reg]))
    replicated = bool(len(stats)) and int(stats["n"].max()) > 1
    fig = go.Figure()
    for regime in colours:
        d = stats[stats[reg] == regime]
        c = colours[regime]
        label = i18n.regime_label(regime, lang)
        if replicated:
            fig.add_trace(_band(d["step"], d["ci_low"], d["ci_high"], c, label))
        fig.add_trace(
            go.Scatter(
                x=d["step"],
                y=d["mean"],
                mode="lines",
                name=label,
                legendgroup=label,
                line={"color": c, "width": 2.5},
                meta=regime,
            )  # fmt: skip
        )
    name = i18n.outcome_name(outcome, lang)
    if cadre_type != "all":
        name = f"{name} · {i18n.type_label(cadre_type, lang)}"
    shade_episodes(fig, episodes, lang)
    title = report_text.t("over_time" if len(colours) > 1 else "over_time_one", lang, outcome=name)
    return _finish(
        fig,
        title + f"<br><sup>{_ci_subtitle(replicated, lang)}</sup>",
        i18n.text("step", lang),
        i18n.outcome_label(outcome, lang),
        (source or Source.of(rows)).note(lang),
        i18n.text("regime", lang),
    )


def type_composition(
    steps: pd.DataFrame,
    lang: str = "en",
    source: Source | None = None,
    episodes: Sequence[Episode] | None = None,
) -> go.Figure:
    """Stacked shares of the current types per step, one panel per regime (mean over runs);
    `episodes` are shaded over the areas in every panel."""
    i18n.check_lang(lang)
    _require(steps, ["step", "grouping", "type", "share"], "type_composition")
    reg = _regime_col(steps)
    rows = steps[steps["grouping"] == "type"]
    shares = rows.groupby([reg, "step", "type"], observed=True)["share"].mean().reset_index()
    regimes = list(regime_colours(pd.unique(rows[reg])))
    ncols = min(len(regimes), 3)
    nrows = -(-len(regimes) // ncols)
    titles = [i18n.regime_label(r, lang) for r in regimes]
    fig = make_subplots(
        rows=nrows, cols=ncols, shared_yaxes=True, subplot_titles=titles,
        horizontal_spacing=0.04, vertical_spacing=0.12,
    )  # fmt: skip
    for k, regime in enumerate(regimes):
        r, c = divmod(k, ncols)
        for t in TYPE_NAMES:
            d = shares[(shares[reg] == regime) & (shares["type"] == t)].sort_values("step")
            if d.empty:
                continue
            label = i18n.type_label(t, lang)
            fig.add_trace(
                go.Scatter(
                    x=d["step"], y=d["share"], mode="lines", stackgroup=f"s{k}", name=label,
                    legendgroup=t, showlegend=k == 0, line={"color": type_colour(t), "width": 0.5},
                    fillcolor=type_colour(t), meta=t,
                ),
                row=r + 1, col=c + 1,
            )  # fmt: skip
    fig.update_yaxes(range=[0, 1])
    for ep in episodes or ():  # each episode in the panels of the regimes that have it
        arms = list(ep[3]) if len(ep) > 3 and ep[3] else regimes
        panels = [divmod(k, ncols) for k, r in enumerate(regimes) if r in arms]
        cells = [(r + 1, c + 1) for r, c in panels]
        shade_episodes(fig, [tuple(ep[:3])], lang, panels=cells, layer="above")
    fig.update_xaxes(range=[shares["step"].min(), shares["step"].max()])
    fig = _finish(
        fig,
        i18n.text("composition", lang),
        "",
        "",
        (source or Source.of(rows)).note(lang),
        i18n.text("type", lang),
    )
    fig.update_xaxes(title_text=i18n.text("step", lang), row=nrows)
    fig.update_yaxes(title_text=i18n.text("share_axis", lang), col=1)
    fig.update_layout(height=max(HEIGHT, 300 * nrows + 160), margin_t=95)
    return fig


def paired_difference_over_time(
    gaps: pd.DataFrame,
    outcome: str = "misconduct_rate",
    lang: str = "en",
    episodes: Sequence[Episode] | None = None,
    deterrence: pd.DataFrame | None = None,
    source: Source | None = None,
) -> go.Figure:
    """The paired difference campaign − control per month with its 95% band (crackdown.parquet:
    step, outcome, diff, diff_low, diff_high), the campaign shaded; with `deterrence`
    (deterrence.parquet) half the campaign's gap is drawn after it and the half-life marked."""
    i18n.check_lang(lang)
    _require(gaps, ["step", "outcome", "diff", "diff_low", "diff_high"], "paired_difference")
    d = gaps[gaps["outcome"] == outcome].sort_values("step")
    if d.empty:
        raise ValueError(f"paired_difference_over_time: no rows for outcome {outcome!r}")
    colour = "#B2182B" if outcome == "misconduct_rate" else "#0072B2"
    name = i18n.outcome_name(outcome, lang)
    fig = go.Figure()
    if d["diff_low"].notna().any():
        fig.add_trace(_band(d["step"], d["diff_low"], d["diff_high"], colour, name))
    fig.add_trace(
        go.Scatter(
            x=d["step"],
            y=d["diff"],
            mode="lines",
            name=name,
            legendgroup=name,
            line={"color": colour, "width": 2.5},
            meta=outcome,
        )  # fmt: skip
    )
    fig.add_hline(y=0, line={"color": "#444444", "width": 1})
    shade_episodes(fig, episodes, lang)
    det = None if deterrence is None else deterrence[deterrence["outcome"] == outcome]
    if det is not None and not det.empty:
        row = det.iloc[0]
        last, end = int(row["campaign_last"]), int(d["step"].max())
        fig.add_trace(
            go.Scatter(
                x=[last, end],
                y=[row["gap"] / 2] * 2,
                mode="lines",
                name=i18n.text("half_threshold", lang),
                line={"color": "#444444", "width": 1.2, "dash": "dot"},
            )  # fmt: skip
        )
        if np.isfinite(row["half_life"]):
            h = int(row["half_life"])
            text = i18n.text("half_life", lang, h=h)
            fig.add_vline(
                x=last + h, line={"color": "#444444", "width": 1.2, "dash": "dash"},
                annotation_text=text, annotation_position="bottom right",
            )  # fmt: skip
        else:
            text = i18n.text("half_life_censored", lang, m=end)
            fig.add_annotation(text=text, x=end, y=row["gap"] / 2, xanchor="right", showarrow=False)
    return _finish(
        fig,
        i18n.text("paired_diff", lang, outcome=name)
        + "<br><sup>"
        + (
            i18n.text("paired_band", lang)
            if d["diff_low"].notna().any()
            else _ci_subtitle(False, lang)
        )
        + "</sup>",
        i18n.text("step", lang),
        i18n.text("diff_axis", lang, outcome=i18n.outcome_label(outcome, lang)),
        (source or Source()).note(lang),
    )


# ------------------------------------------------------------------ regimes x types


def outcome_by_type(
    table: pd.DataFrame,
    outcome: str = "initiative_rate",
    lang: str = "en",
    grouping: str = "type",
    source: Source | None = None,
) -> go.Figure:
    """Grouped bars: cadre types on the x axis, one bar per regime, 95% error bars.

    Takes comparison.parquet (regime, outcome, mean, ci_low, ci_high) or runs.parquet.
    """
    i18n.check_lang(lang)
    if {"regime", "outcome", "mean", "ci_low", "ci_high"} <= set(table.columns):
        rows = table[(table["outcome"] == outcome) & table["grouping"].isin(["all", grouping])]
        stats = rows.rename(columns={"regime": "_regime"})
    else:
        _require(table, ["grouping", "type", outcome], "outcome_by_type")
        rows = table[table["grouping"].isin(["all", grouping])]
        stats = mean_ci(rows, [_regime_col(rows), "type"], outcome)
        stats = stats.rename(columns={_regime_col(rows): "_regime"})
    if stats.empty:
        raise ValueError(f"outcome_by_type: no rows for outcome {outcome!r}")
    types = [t for t in TYPE_ORDER if t in set(stats["type"])]
    order = rows["regime"] if "regime" in rows else rows[_regime_col(rows)]
    colours = regime_colours(pd.unique(order))  # regimes in the table's order
    replicated = "n" not in stats or int(stats["n"].max()) > 1
    fig = go.Figure()
    for regime, c in colours.items():
        d = stats[stats["_regime"] == regime].set_index("type").reindex(types)
        bars = {"error_y": {
            "type": "data", "symmetric": False, "array": d["ci_high"] - d["mean"],
            "arrayminus": d["mean"] - d["ci_low"], "thickness": 1.2, "width": 3,
        }} if replicated else {}  # fmt: skip
        fig.add_trace(
            go.Bar(
                x=[i18n.type_label(t, lang) for t in types],
                y=d["mean"],
                name=i18n.regime_label(regime, lang),
                marker_color=c,
                meta=regime,
                **bars,
            )  # fmt: skip
        )
    fig.update_layout(barmode="group", bargap=0.2)
    key = "by_type" if len(colours) > 1 else "by_type_one"
    return _finish(
        fig,
        report_text.t(key, lang, outcome=i18n.outcome_name(outcome, lang))
        + f"<br><sup>{_ci_subtitle(replicated, lang)}</sup>",
        i18n.text("type", lang),
        i18n.outcome_label(outcome, lang),
        (source or Source.of(table)).note(lang),
        i18n.text("regime", lang),
    )


def selectivity_heatmap(
    table: pd.DataFrame,
    lang: str = "en",
    value: str = "rel_gain",
    source: Source | None = None,
) -> go.Figure:
    """The selectivity matrix (selectivity.parquet: lever, type, rel_gain, rel_low, rel_high,
    is_target, ...): levers down, initial types across, the relative initiative gain over the
    baseline in per cent (diverging colours around 0), each lever's target cell outlined, and
    at the right its largest change over the next type's."""
    i18n.check_lang(lang)
    _require(table, ["lever", "type", value, "is_target"], "selectivity_heatmap")
    levers = list(dict.fromkeys(table["lever"]))
    types = [t for t in TYPE_NAMES if t in set(table["type"])]
    wide = table.pivot(index="lever", columns="type", values=value).reindex(levers)[types]
    z = 100 * wide.to_numpy(float)
    cells = [[f"{v:+.0f}%" if np.isfinite(v) else "" for v in row] for row in z]
    lows = table.pivot(index="lever", columns="type", values="rel_low").reindex(levers)[types]
    highs = table.pivot(index="lever", columns="type", values="rel_high").reindex(levers)[types]
    hover = np.dstack([100 * lows.to_numpy(float), 100 * highs.to_numpy(float)])
    span = float(np.nanmax(np.abs(z))) if np.isfinite(z).any() else 1.0
    fig = go.Figure(
        go.Heatmap(
            x=list(range(len(types))),
            y=list(range(len(levers))),
            z=z,
            text=cells,
            texttemplate="%{text}",
            customdata=hover,
            colorscale="RdBu",
            zmid=0,
            zmin=-span,
            zmax=span,
            xgap=2,
            ygap=2,
            hovertemplate="%{text} [%{customdata[0]:+.0f}%, %{customdata[1]:+.0f}%]<extra></extra>",
            colorbar={"title": {"text": i18n.text("rel_gain_axis", lang), "side": "right"}},
        )  # fmt: skip
    )
    targets = table[table["is_target"].astype(bool)]
    for lever, t in zip(targets["lever"], targets["type"], strict=True):
        i, j = levers.index(lever), types.index(t)
        fig.add_shape(
            type="rect", x0=j - 0.5, x1=j + 0.5, y0=i - 0.5, y1=i + 0.5,
            line={"color": "#111111", "width": 3},
        )  # fmt: skip
    if "ratio_to_next" in table:
        first = table.drop_duplicates("lever").set_index("lever").reindex(levers)
        for i, row in enumerate(first.itertuples()):
            r = row.ratio_to_next
            text = "—" if pd.isna(r) else "∞" if np.isinf(r) else f"{r:.1f}×"
            if getattr(row, "direction", "rise") == "fall":
                text += f" ({i18n.text('fall', lang)})"
            fig.add_annotation(
                x=len(types) - 0.5, y=i, text=text, xanchor="left", xshift=6,
                showarrow=False, font={"size": 12},
            )  # fmt: skip
    n = int(table["n"].min()) if "n" in table and len(table) else "—"
    baseline = source.regimes[0] if source and source.regimes else "baseline"
    fig = _finish(
        fig,
        i18n.text("selectivity", lang, baseline=i18n.regime_label(baseline, lang))
        + f"<br><sup>{i18n.text('selectivity_sub', lang, n=n)}</sup>",
        i18n.text("type", lang),
        i18n.text("lever", lang),
        (source or Source(regimes=levers, replications=None)).note(lang),
    )
    fig.update_xaxes(
        tickvals=list(range(len(types))), ticktext=[i18n.type_label(t, lang) for t in types],
        showgrid=False, zeroline=False, range=[-0.5, len(types) + 0.6],
    )  # fmt: skip
    fig.update_yaxes(
        tickvals=list(range(len(levers))),
        ticktext=[i18n.regime_label(lv, lang) for lv in levers],
        autorange="reversed", showgrid=False, zeroline=False,
    )  # fmt: skip
    fig.update_layout(height=max(HEIGHT, 70 * len(levers) + 220), margin_l=200)
    return fig


# ------------------------------------------------------------------ sweeps


def dose_response(
    runs: pd.DataFrame,
    lever: str,
    outcome: str = "initiative_rate",
    lang: str = "en",
    grouping: str = "type",
    source: Source | None = None,
    bins: int = 10,
    max_levels: int = 12,
) -> go.Figure:
    """Outcome against one lever, one line per cadre type (all other variation averaged).

    A lever sampled at many values (an LHS or Sobol design) is cut into `bins` bins of equal
    point counts; each bin is drawn at its mean lever value with the mean of its design points
    and a 95% t-interval over them, so scattered points do not zigzag in x order."""
    i18n.check_lang(lang)
    _require(runs, [lever, "grouping", "type", outcome], "dose_response")
    rows = runs[runs["grouping"].isin(["all", grouping])]
    binned = rows[lever].nunique() > max_levels
    if binned:
        rows, lever_x = binned_points(rows, lever, outcome, bins)
        stats = mean_ci(rows, ["type", "_bin"], outcome)
        stats[lever] = stats["_bin"].map(lever_x)
        subtitle = report_text.t("dose_binned", lang, k=rows["_bin"].nunique())
    else:
        stats = mean_ci(rows, ["type", lever], outcome)
        subtitle = _ci_subtitle(bool(len(stats)) and int(stats["n"].max()) > 1, lang)
    fig = go.Figure()
    for t in TYPE_ORDER:
        d = stats[stats["type"] == t].sort_values(lever)
        if d.empty:
            continue
        c, label = type_colour(t), i18n.type_label(t, lang)
        if (d["n"] > 1).all():
            fig.add_trace(_band(d[lever], d["ci_low"], d["ci_high"], c, label))
        fig.add_trace(
            go.Scatter(
                x=d[lever],
                y=d["mean"],
                mode="lines+markers",
                name=label,
                legendgroup=label,
                line={
                    "color": c,
                    "width": 3.5 if t == "all" else 2,
                    "dash": "dash" if t == "all" else "solid",
                },
                marker={"size": 6},
                meta=t,
            )  # fmt: skip
        )
    return _finish(
        fig,
        i18n.text(
            "dose", lang, outcome=i18n.outcome_name(outcome, lang),
            lever=i18n.param_name(lever, lang),
        ) + f"<br><sup>{subtitle}</sup>",
        i18n.param_label(lever, lang),
        i18n.outcome_label(outcome, lang),
        (source or Source.of(runs)).note(lang),
        i18n.text("type", lang),
    )  # fmt: skip


def binned_points(
    rows: pd.DataFrame, lever: str, outcome: str, bins: int = 10
) -> tuple[pd.DataFrame, dict[int, float]]:
    """Design-point means (over replications) per type, each with `_bin`: its quantile bin along
    `lever` (equal point counts); and the mean lever value of each bin (where it is drawn)."""
    keys = [k for k in point_keys(rows) if k != "type"]
    pts = rows.groupby([*dict.fromkeys([*keys, lever]), "type"], observed=True)[outcome]
    pts = pts.mean().reset_index()
    values = np.sort(pts[lever].unique())
    edges = np.unique(np.quantile(values, np.linspace(0, 1, bins + 1)))
    pts["_bin"] = np.clip(np.searchsorted(edges, pts[lever], side="right") - 1, 0, len(edges) - 2)
    centres = pts.groupby("_bin")[lever].mean()
    return pts, {int(k): float(v) for k, v in centres.items()}


def lever_heatmap(
    runs: pd.DataFrame,
    x: str,
    y: str,
    outcome: str = "initiative_rate",
    lang: str = "en",
    resolution: int = 60,
    source: Source | None = None,
) -> go.Figure:
    """Outcome (all cadres) over two levers: a grid as sampled, or LHS points interpolated."""
    i18n.check_lang(lang)
    _require(runs, [x, y, "grouping", outcome], "lever_heatmap")
    rows = runs[runs["grouping"] == "all"]
    means = rows.groupby([x, y], observed=True)[outcome].mean().reset_index()
    xs, ys = np.sort(means[x].unique()), np.sort(means[y].unique())
    is_grid = len(means) == len(xs) * len(ys) and len(xs) * len(ys) <= 2500
    colorbar = {"title": {"text": i18n.outcome_label(outcome, lang), "side": "right"}}
    title = i18n.text(
        "heatmap", lang, outcome=i18n.outcome_name(outcome, lang),
        x=i18n.param_name(x, lang), y=i18n.param_name(y, lang),
    )  # fmt: skip
    fig = go.Figure()
    if is_grid:
        z = means.pivot(index=y, columns=x, values=outcome).reindex(index=ys, columns=xs)
        fig.add_trace(
            go.Heatmap(x=xs, y=ys, z=z.to_numpy(), colorscale=SEQUENTIAL, colorbar=colorbar)
        )
    else:
        gx = np.linspace(xs.min(), xs.max(), resolution)
        gy = np.linspace(ys.min(), ys.max(), resolution)
        mx, my = np.meshgrid(gx, gy)
        pts = means[[x, y]].to_numpy(float)
        z = griddata(pts, means[outcome].to_numpy(float), (mx, my), method="linear")
        fig.add_trace(go.Heatmap(x=gx, y=gy, z=z, colorscale=SEQUENTIAL, colorbar=colorbar))
        fig.add_trace(
            go.Scatter(
                x=means[x],
                y=means[y],
                mode="markers",
                name=i18n.text("sample_points", lang),
                marker={"size": 5, "color": "white", "line": {"color": "#222222", "width": 1}},
            )  # fmt: skip
        )
        title += " " + i18n.text("heatmap_interp", lang)
    fig = _finish(
        fig, title, i18n.param_label(x, lang), i18n.param_label(y, lang),
        (source or Source.of(runs)).note(lang),
    )  # fmt: skip
    fig.update_layout(legend={"orientation": "h", "y": 1.02, "x": 1, "xanchor": "right"})
    return fig


def tradeoff(
    runs: pd.DataFrame,
    lang: str = "en",
    x: str = "error_rate",
    y: str = "initiative_rate",
    colour: str = "misconduct_rate",
    source: Source | None = None,
) -> go.Figure:
    """Sweep points (all cadres, mean over replications): y up is good, x and colour low are good.

    The Pareto front marks the points no other point beats on both y (higher) and x (lower).
    """
    i18n.check_lang(lang)
    _require(runs, ["grouping", x, y, colour], "tradeoff")
    rows = runs[runs["grouping"] == "all"]
    keys = point_keys(rows)
    pts = rows.groupby(keys, observed=True)[[x, y, colour]].mean().reset_index()
    front = pareto_mask(pts[[y, x]].to_numpy(float), [True, False])
    hover = [
        "<br>".join(f"{i18n.param_name(k, lang)} = {_fmt(v)}" for k, v in zip(keys, r, strict=True))
        for r in pts[keys].itertuples(index=False)
    ]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=pts[x],
            y=pts[y],
            mode="markers",
            name=i18n.text("sweep_points", lang),
            text=hover,
            hovertemplate="%{text}<br>x=%{x:.3f} y=%{y:.3f}<extra></extra>",
            marker={
                "size": 9,
                "color": pts[colour],
                "colorscale": MISCONDUCT_SCALE,
                "line": {"width": 0.5, "color": "#444444"},
                "colorbar": {"title": {"text": i18n.outcome_label(colour, lang), "side": "right"}},
            },
        )  # fmt: skip
    )
    f = pts[front].sort_values(x)
    fig.add_trace(
        go.Scatter(
            x=f[x],
            y=f[y],
            mode="lines+markers",
            name=i18n.text("pareto", lang),
            line={"color": "#111111", "width": 1.5, "dash": "dot", "shape": "hv"},
            marker={"size": 15, "symbol": "circle-open", "color": "#111111", "line": {"width": 2}},
            hoverinfo="skip",
        )  # fmt: skip
    )
    fig = _finish(
        fig, i18n.text("tradeoff", lang), i18n.outcome_label(x, lang),
        i18n.outcome_label(y, lang), (source or Source.of(runs)).note(lang),
    )  # fmt: skip
    fig.update_layout(legend={"orientation": "h", "y": 1.02, "x": 1, "xanchor": "right"})
    return fig


def point_keys(runs: pd.DataFrame) -> list[str]:
    """Columns that identify a design point: point_id, else regime plus varied parameters."""
    if "point_id" in runs:
        return ["point_id", *varied_params(runs)]
    return [_regime_col(runs), *varied_params(runs)]


def varied_params(table: pd.DataFrame) -> list[str]:
    """Dotted config keys present as columns (the varied levers / uncertainties)."""
    return [c for c in table.columns if "." in c]


def _fmt(v: Any) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)


# ------------------------------------------------------------------ sensitivity


def sobol_indices(
    sens: pd.DataFrame, outcome: str = "initiative_rate", lang: str = "en",
    source: Source | None = None,
) -> go.Figure:  # fmt: skip
    """First-order and total Sobol indices per parameter, with their 95% intervals."""
    i18n.check_lang(lang)
    _require(sens, ["method", "outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf"], "sobol")
    d = sens[(sens["method"] == "sobol") & (sens["outcome"] == outcome)].sort_values(
        "ST", ascending=False
    )
    if d.empty:
        raise ValueError(f"sobol_indices: no Sobol rows for outcome {outcome!r}")
    names = [i18n.param_name(p, lang) for p in d["parameter"]]
    fig = go.Figure()
    for col, key, colour in (("S1", "first_order", "#56B4E9"), ("ST", "total_order", "#0072B2")):
        fig.add_trace(
            go.Bar(
                x=names,
                y=d[col],
                name=i18n.text(key, lang),
                marker_color=colour,
                error_y={"type": "data", "array": d[f"{col}_conf"], "thickness": 1.2},
            )  # fmt: skip
        )
    fig.update_layout(barmode="group")
    return _finish(
        fig, i18n.text("sobol", lang, outcome=i18n.outcome_name(outcome, lang)),
        i18n.text("parameter", lang), i18n.text("sobol_axis", lang),
        (source or Source()).note(lang),
    )  # fmt: skip


def morris_screening(
    sens: pd.DataFrame, outcome: str = "initiative_rate", lang: str = "en",
    source: Source | None = None,
) -> go.Figure:  # fmt: skip
    """Morris mu* against sigma per parameter; above the diagonal: nonlinear or interacting."""
    i18n.check_lang(lang)
    _require(sens, ["method", "outcome", "parameter", "mu_star", "mu_star_conf", "sigma"], "morris")
    d = sens[(sens["method"] == "morris") & (sens["outcome"] == outcome)]
    if d.empty:
        raise ValueError(f"morris_screening: no Morris rows for outcome {outcome!r}")
    names = [i18n.param_name(p, lang) for p in d["parameter"]]
    top = float(max(d["mu_star"].max(), d["sigma"].max()) * 1.1 or 1.0)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=[0, top],
            y=[0, top],
            mode="lines",
            name="σ = μ*",
            line={"color": "#999999", "dash": "dash", "width": 1},
        )  # fmt: skip
    )
    fig.add_trace(
        go.Scatter(
            x=d["mu_star"],
            y=d["sigma"],
            mode="markers+text",
            text=names,
            textposition="top center",
            name=i18n.text("parameter", lang),
            marker={"size": 10, "color": "#0072B2"},
            error_x={"type": "data", "array": d["mu_star_conf"], "thickness": 1},
        )  # fmt: skip
    )
    return _finish(
        fig, i18n.text("morris", lang, outcome=i18n.outcome_name(outcome, lang)),
        i18n.text("mu_star", lang), i18n.text("sigma", lang), (source or Source()).note(lang),
    )  # fmt: skip


# ------------------------------------------------------------------ network

ACTION_CODES = ("idle", "success", "error", "misconduct")


def network(
    model: Any,
    lang: str = "en",
    colour_by: str = "type",
    max_edges: int = 6000,
    max_nodes: int = MAX_NODES,
) -> go.Figure:
    """The organisation as a hierarchy (y = level, x = order within level), nodes coloured by
    current type or this step's action. Takes a CadreModel or its Engine (anything with `org`,
    `state`, `cfg`, `step_count`). A network without levels (small world, scale free) is laid
    out by a seeded spring layout instead. At most `max_nodes` cadres are drawn, from the top
    levels down, so a large org chart stays legible and quick (the note says how many)."""
    i18n.check_lang(lang)
    if colour_by not in ("type", "action"):
        raise ValueError(f"colour_by = {colour_by!r}; allowed: type, action")
    engine = getattr(model, "engine", model)
    org, state, cfg = engine.org, engine.state, engine.cfg
    total = org.size
    keep = top_nodes(np.asarray(org.level), max_nodes)
    org = sub_organisation(org, keep)
    n = org.size
    level = np.asarray(org.level)
    xpos, ypos = _hierarchy_positions(level) if level.max() > 0 else _spring_positions(org)
    fig = go.Figure()
    adj = org.adjacency.tocoo()
    upper = adj.row < adj.col
    src, dst = adj.row[upper][:max_edges], adj.col[upper][:max_edges]
    is_boss = (org.supervisor[dst] == src) | (org.supervisor[src] == dst)
    for mask, colour, width, name in (
        (~is_boss, "#D0D0D0", 0.5, "peer"),
        (is_boss, "#888888", 1.0, "boss"),
    ):
        ex = np.column_stack(
            [xpos[src[mask]], xpos[dst[mask]], np.full(mask.sum(), np.nan)]
        ).ravel()
        ey = np.column_stack(
            [ypos[src[mask]], ypos[dst[mask]], np.full(mask.sum(), np.nan)]
        ).ravel()
        fig.add_trace(
            go.Scattergl(
                x=ex,
                y=ey,
                mode="lines",
                line={"color": colour, "width": width},
                hoverinfo="skip",
                showlegend=False,
                name=name,
            )  # fmt: skip
        )
    if colour_by == "type":
        codes = np.asarray(state.cadre_type)[keep]
        cats = [(i, t, type_colour(t), i18n.type_label(t, lang)) for i, t in enumerate(TYPE_NAMES)]
    else:
        codes = np.asarray(state.outcome)[keep]
        cats = [
            (i, a, ACTION_COLOURS[a], i18n.action_label(a, lang))
            for i, a in enumerate(ACTION_CODES)
        ]
    types = np.asarray(state.cadre_type)[keep]
    for code, key, colour, label in cats:
        idx = np.flatnonzero(codes == code)
        if idx.size == 0:
            continue
        names = org.labels or [str(i) for i in keep]
        hover = [
            f"#{names[i]} · {i18n.type_label(TYPE_NAMES[types[i]], lang)} · L{level[i]}"
            for i in idx
        ]
        fig.add_trace(
            go.Scatter(
                x=xpos[idx],
                y=ypos[idx],
                mode="markers",
                name=label,
                meta=key,
                text=hover,
                hoverinfo="text",
                marker={
                    "size": 9 if n <= 300 else 6,
                    "color": colour,
                    "line": {"width": 0.5, "color": "#333333"},
                },
            )  # fmt: skip
        )
    by = i18n.text("network_by_type" if colour_by == "type" else "network_by_action", lang)
    note = i18n.text(
        "source_net", lang, version=package_version(),
        regimes=i18n.regime_label(cfg.policy.name, lang), n=n, step=engine.step_count,
        seeds=cfg.seed,
    )  # fmt: skip
    if n < total:
        note += " · " + report_text.t("org_note", lang, shown=n, n=total)
    hierarchical = n > 0 and level.max() > 0
    fig = _finish(
        fig, i18n.text("network", lang, by=by),
        i18n.text("network_position", lang) if hierarchical else "",
        i18n.text("network_level", lang) if hierarchical else "", note,
        i18n.text("type", lang) if colour_by == "type" else by,
    )  # fmt: skip
    fig.update_xaxes(showgrid=False, zeroline=False, showticklabels=False)
    if hierarchical:
        lv = np.unique(level)
        fig.update_yaxes(tickvals=-lv, ticktext=[str(v) for v in lv], zeroline=False)
    else:
        fig.update_yaxes(showgrid=False, zeroline=False, showticklabels=False)
    return fig


def top_nodes(level: np.ndarray, max_nodes: int) -> np.ndarray:
    """Indices of at most `max_nodes` cadres, whole levels from the top while they fit (then
    the first cadres of the next level), in their original order."""
    if level.size <= max_nodes:
        return np.arange(level.size)
    order = np.argsort(level, kind="stable")[:max_nodes]
    return np.sort(order)


def sub_organisation(org: Any, keep: np.ndarray) -> Any:
    """The organisation restricted to cadres `keep` (ties and supervisors among them only)."""
    from cadresim.model.network import Organisation  # noqa: PLC0415

    if keep.size == org.size:
        return org
    index = np.full(org.size, -1, dtype=np.int64)
    index[keep] = np.arange(keep.size)
    sup = np.asarray(org.supervisor)[keep]
    labels = [org.labels[i] for i in keep] if org.labels else None
    return Organisation(
        adjacency=org.adjacency.tocsr()[keep][:, keep].tocsr(),
        supervisor=np.where(sup >= 0, index[np.maximum(sup, 0)], -1),
        unit=np.asarray(org.unit)[keep],
        level=np.asarray(org.level)[keep],
        labels=labels,
    )


def _hierarchy_positions(level: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cadres in breadth-first order, so a supervisor's reports sit together below it."""
    x = np.zeros(level.size)
    for lv in np.unique(level):
        idx = np.flatnonzero(level == lv)
        x[idx] = (np.arange(idx.size) + 0.5) / idx.size
    return x, -level.astype(float)


def _spring_positions(org: Any) -> tuple[np.ndarray, np.ndarray]:
    import networkx as nx  # noqa: PLC0415

    pos = nx.spring_layout(org.graph(), seed=0)
    xy = np.array([pos[i] for i in range(org.size)])
    return xy[:, 0], xy[:, 1]
