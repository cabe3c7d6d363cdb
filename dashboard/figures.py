"""Plotly figures of one run, as plain dicts (cheaper to build than go.Figure on every tick)."""

from __future__ import annotations

from typing import Any

import numpy as np

from cadresim.agents.types import TYPE_NAMES

from .i18n import t
from .session import ACTIONS, SERIES, Run

TYPE_COLOURS = ("#8c8c8c", "#e6a100", "#d0556f", "#8e6bbf", "#2f8fd0", "#17becf")
ACTION_COLOURS = {
    "idle": "rgba(0,0,0,0)",
    "initiative": "#1a7f37",
    "error": "#ff7f0e",
    "misconduct": "#6a0dad",
    "exempted": "#1f5fff",
    "sanctioned": "#d62728",
}
SERIES_COLOURS = {
    "initiative_rate": "#1a7f37",
    "error_rate": "#ff7f0e",
    "misconduct_rate": "#6a0dad",
}
FONT = {"family": "Noto Sans CJK SC, Noto Sans, DejaVu Sans, sans-serif", "size": 11}


def _layout(title: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": {"text": title, "font": {"size": 13}},
        "margin": {"l": 40, "r": 10, "t": 36, "b": 30},
        "font": FONT,
        "paper_bgcolor": "white",
        "plot_bgcolor": "#fafafa",
        "legend": {"orientation": "h", "y": -0.15},
        "uirevision": "keep",
        **extra,
    }


def time_series(run: Run, lang: str) -> dict[str, Any]:
    data = run.series()
    x = data["step"].tolist()
    traces = [
        {
            "type": "scatter",
            "mode": "lines",
            "x": x,
            "y": np.round(data[name], 4).tolist(),
            "name": t(name, lang),
            "line": {"color": SERIES_COLOURS[name], "width": 2},
        }
        for name in SERIES
    ]
    return {
        "data": traces,
        "layout": _layout(
            t("over_time", lang),
            height=260,
            xaxis={"title": {"text": t("month", lang)}, "rangemode": "tozero"},
            yaxis={"title": {"text": t("rate", lang)}, "range": [0, 1]},
        ),
    }


def by_type(run: Run, lang: str) -> dict[str, Any]:
    rates = run.type_rates()
    names = [t(name, lang) for name in TYPE_NAMES]
    traces = [
        {
            "type": "bar",
            "x": names,
            "y": [None if np.isnan(v) else round(float(v), 4) for v in rates[name]],
            "name": t(name, lang),
            "marker": {"color": SERIES_COLOURS[name]},
        }
        for name in SERIES
    ]
    return {
        "data": traces,
        "layout": _layout(t("by_type", lang), height=260, barmode="group", yaxis={"range": [0, 1]}),
    }


def network(run: Run, lang: str) -> dict[str, Any]:
    """Cadres filled by type and ringed by this month's action; supervisor ties in grey."""
    lay = run.layout
    types = run.types()
    actions = run.actions()
    ring = np.array([ACTION_COLOURS[a] for a in ACTIONS])[actions]
    width = np.where(actions == 0, 0.0, 1.6)
    traces: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines",
            "x": lay.edge_x,
            "y": lay.edge_y,
            "line": {"color": "#d0d0d0", "width": 0.5},
            "hoverinfo": "skip",
            "showlegend": False,
        }
    ]
    for code, name in enumerate(TYPE_NAMES):
        idx = np.flatnonzero(types == code)
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": np.round(lay.x[idx], 4).tolist(),
                "y": np.round(lay.y[idx], 3).tolist(),
                "name": t(name, lang),
                "hoverinfo": "name",
                "showlegend": False,  # a legend symbol would take the first cadre's ring
                "marker": {
                    "color": TYPE_COLOURS[code],
                    "size": 6,
                    "line": {"color": ring[idx].tolist(), "width": width[idx].tolist()},
                },
            }
        )
    for code, name in enumerate(TYPE_NAMES):  # legend entries for the fill colours
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": [None],
                "y": [None],
                "name": t(name, lang),
                "marker": {"color": TYPE_COLOURS[code], "size": 8},
            }
        )
    for name in ACTIONS[1:]:  # legend entries for the rings
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": [None],
                "y": [None],
                "name": t(name, lang),
                "marker": {
                    "color": "white",
                    "size": 8,
                    "line": {"color": ACTION_COLOURS[name], "width": 2},
                },
            }
        )
    return {
        "data": traces,
        "layout": _layout(
            t("network", lang),
            height=380,
            xaxis={"visible": False},
            yaxis={"visible": False},
            legend={"orientation": "h", "y": -0.02, "font": {"size": 10}},
            margin={"l": 5, "r": 5, "t": 36, "b": 5},
        ),
    }
