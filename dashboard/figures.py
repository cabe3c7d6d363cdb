"""Plotly figures of one run, as plain dicts (cheaper to build than go.Figure on every tick),
and what brings a drawn figure up to date while the run goes on.

The time series and the bars are updated with dash `Patch`es: the new points, the new bar
heights. The network is not: plotly draws a whole figure again whenever any per-point array
changes (about 80 ms for 1,000 cadres in headless Chromium, however little changed), so while
the cadres keep their types only the rings are sent (`rings`: this month's action code of each
cadre, trace by trace) and assets/rings.js restyles the drawn points in place. Node positions,
supervisor ties and fills are sent only with a full figure: a new run, another language, or
cadres that changed type.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
from dash import Patch

from cadresim import palette
from cadresim.agents.types import TYPE_NAMES
from cadresim.model.metrics import GATES

from .i18n import t
from .session import A_IDLE, ACTIONS, SERIES, Run

# The project's one palette (cadresim.palette): the report's colours for types, actions, outcomes.
TYPE_COLOURS = tuple(palette.TYPE_COLOURS[name] for name in TYPE_NAMES)
ACTION_COLOURS = {name: palette.ACTION_COLOURS[name] for name in ACTIONS} | {
    "idle": "rgba(0,0,0,0)"  # no ring
}
SERIES_COLOURS = {name: palette.OUTCOME_COLOURS[name] for name in SERIES}
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
            "y": _rates(data[name]),
            "name": t(name, lang),
            "line": {"color": SERIES_COLOURS[name], "width": 2},
        }
        for name in SERIES
    ]
    return {
        "data": traces,
        "layout": _layout(
            t("over_time", lang),
            height=280,
            margin={"l": 40, "r": 10, "t": 36, "b": 50},
            legend={"orientation": "h", "y": -0.3},  # below the month axis title
            xaxis={"title": {"text": t("month", lang)}, "rangemode": "tozero"},
            yaxis={"title": {"text": t("rate", lang)}, "range": [0, 1]},
        ),
    }


def time_series_patch(run: Run, since: int) -> Patch:
    """Extends a `time_series` figure drawn up to month `since` to the run's month."""
    data = run.series(since)
    x = data["step"].tolist()
    patch = Patch()
    for k, name in enumerate(SERIES):
        patch["data"][k]["x"].extend(x)
        patch["data"][k]["y"].extend(_rates(data[name]))
    return patch


def _rates(values: np.ndarray) -> list[float]:
    return np.round(values, 4).tolist()


def _bars(values: np.ndarray) -> list[float | None]:
    return [None if np.isnan(v) else round(float(v), 4) for v in values]


def by_type(run: Run, lang: str) -> dict[str, Any]:
    rates = run.type_rates()
    names = [t(name, lang) for name in TYPE_NAMES]
    traces = [
        {
            "type": "bar",
            "x": names,
            "y": _bars(rates[name]),
            "name": t(name, lang),
            "marker": {"color": SERIES_COLOURS[name]},
        }
        for name in SERIES
    ]
    return {
        "data": traces,
        "layout": _layout(t("by_type", lang), height=260, barmode="group", yaxis={"range": [0, 1]}),
    }


def by_type_patch(run: Run) -> Patch:
    """The bar heights of a `by_type` figure."""
    rates = run.type_rates()
    patch = Patch()
    for k, name in enumerate(SERIES):
        patch["data"][k]["y"] = _bars(rates[name])
    return patch


# red where a gate holds cadres back, green where it is open
GATE_COLOURS = [[0.0, "#e2645a"], [0.5, "#f6d776"], [1.0, "#8fd19e"]]  # light: dark text reads


def _cells(values: np.ndarray) -> list[list[float | None]]:
    return [_bars(row) for row in values]


def gates(run: Run, lang: str) -> dict[str, Any]:
    """The decision gates O, W, E, Dc, De (columns) of each cohort (rows): the mean gate value
    this month, as a heatmap with the value in each cell. The lowest cell of a row is what
    holds that type back most. Before the first month a note says when the gates appear."""
    note = [] if run.step_count else [_note(t("gates_pending", lang))]
    return {
        "data": [
            {
                "type": "heatmap",
                "x": [t(gate, lang) for gate in GATES],
                "y": [t(name, lang) for name in TYPE_NAMES],
                "z": _cells(run.gate_means()),
                "zmin": 0.0,
                "zmax": 1.0,
                "colorscale": GATE_COLOURS,
                "showscale": False,
                "xgap": 2,
                "ygap": 2,
                "texttemplate": "%{z:.2f}",
                "textfont": {"color": "#222", "size": 12},
                "hovertemplate": "%{y} · %{x}: %{z:.3f}<extra></extra>",
            }
        ],
        "layout": _layout(
            t("gates", lang),
            height=250,
            margin={"l": 70, "r": 10, "t": 36, "b": 30},
            xaxis={"side": "bottom", "fixedrange": True},
            yaxis={"autorange": "reversed", "fixedrange": True},
            annotations=note,
        ),
    }


def _note(text: str) -> dict[str, Any]:
    return {"text": text, "showarrow": False, "xref": "paper", "yref": "paper", "x": 0.5,
            "y": 0.5, "font": {"size": 12, "color": "#666"}}  # fmt: skip


def gates_patch(run: Run) -> Patch:
    """The cells of a `gates` figure (sent once a month has run, so without the note)."""
    patch = Patch()
    patch["data"][0]["z"] = _cells(run.gate_means())
    patch["layout"]["annotations"] = []
    return patch


RING_COLOURS = np.array([ACTION_COLOURS[a] for a in ACTIONS])
RING_WIDTH = 1.6


def _ring_lines(run: Run) -> list[tuple[np.ndarray, dict[str, list[Any]]]]:
    """Per type: its cadres, and the marker line (ring colour and width) of each."""
    types = run.types()
    actions = run.actions()
    ring = RING_COLOURS[actions]
    width = np.where(actions == A_IDLE, 0.0, RING_WIDTH)
    out = []
    for code in range(len(TYPE_NAMES)):
        idx = np.flatnonzero(types == code)
        out.append((idx, {"color": ring[idx].tolist(), "width": width[idx].tolist()}))
    return out


NETWORK_TRACES = slice(1, 1 + len(TYPE_NAMES))  # the cadres' traces, one per type, in order


def rings(run: Run) -> dict[str, Any]:
    """The rings of the network figure named `run.network_key()`, for assets/rings.js: per
    type trace, each cadre's action code this month (an index into `colours` and `widths`)."""
    types = run.types()
    actions = run.actions()
    return {
        "key": run.network_key(),
        "month": run.step_count,
        "first": NETWORK_TRACES.start,
        "colours": list(RING_COLOURS),
        "widths": [0.0 if code == A_IDLE else RING_WIDTH for code in range(len(ACTIONS))],
        "codes": [actions[types == code].tolist() for code in range(len(TYPE_NAMES))],
    }


def network(run: Run, lang: str) -> dict[str, Any]:
    """Cadres filled by type and ringed by this month's action; supervisor ties in grey."""
    lay = run.layout
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
    for code, (name, (idx, line)) in enumerate(zip(TYPE_NAMES, _ring_lines(run), strict=True)):
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
                    "line": line,
                },
            }
        )
    # legend entries: the fill colours of the types, then the rings of the actions
    traces += [
        _legend_entry(t(name, lang), {"color": TYPE_COLOURS[code], "size": 8})
        for code, name in enumerate(TYPE_NAMES)
    ]
    traces += [
        _legend_entry(
            t(name, lang),
            {"color": "white", "size": 8, "line": {"color": ACTION_COLOURS[name], "width": 2}},
        )
        for name in ACTIONS[1:]
    ]
    return {
        "data": traces,
        "layout": _layout(
            t("network", lang),
            height=380,
            xaxis={"visible": False},
            yaxis={"visible": False},
            legend={"orientation": "h", "y": -0.02, "font": {"size": 10}},
            meta={"rings": run.network_key(), "month": run.step_count},  # for assets/rings.js
            margin={"l": 5, "r": 5, "t": 36, "b": 5},
        ),
    }


def _legend_entry(name: str, marker: dict[str, Any]) -> dict[str, Any]:
    """A trace with no points, drawn only as a legend symbol."""
    return {"type": "scatter", "mode": "markers", "x": [None], "y": [None], "name": name,
            "marker": marker}  # fmt: skip


ORG_DETAIL_MAX = 400  # cadres drawn one by one up to this size; above, units ("auto" view)
ORG_VIEWS = ("auto", "units", "cadres")
UNIT_FILL = "#eef0f3"


def org_view(run: Run, choice: str) -> str:
    """The organisation view drawn: "units" (aggregated) or "cadres" (one point each)."""
    if choice in ("units", "cadres"):
        return choice
    return "units" if run.engine.n > ORG_DETAIL_MAX else "cadres"


def unit_counts(run: Run) -> np.ndarray:
    """Cadres of each type (columns) in each unit (rows)."""
    tree, n_types = run.tree, len(TYPE_NAMES)
    flat = np.bincount(tree.unit * n_types + run.types(), minlength=tree.n_units * n_types)
    return flat.reshape(tree.n_units, n_types)


UNIT_PX = (5.0, 26.0)  # marker diameter of the smallest and the largest unit


def unit_text(run: Run, unit: int, lang: str) -> str:
    """One unit in words: its division, headcount and types, and what its cadres did this
    month (the drill-down shown when a unit is clicked)."""
    tree = run.tree
    members = np.flatnonzero(tree.unit == unit)
    types = np.bincount(run.types()[members], minlength=len(TYPE_NAMES))
    acts = np.bincount(run.actions()[members], minlength=len(ACTIONS))
    d = int(tree.division[unit])
    where = f"{t('division', lang)} {d + 1}" if d >= 0 else t("organisation", lang)
    sep = "，" if lang == "zh" else ", "
    mix = sep.join(
        f"{t(n, lang)} {c}" for n, c in zip(TYPE_NAMES, types.tolist(), strict=True) if c
    )
    did = sep.join(
        f"{t(a, lang)} {c}"
        for a, c in zip(ACTIONS, acts.tolist(), strict=True)
        if c and a != "idle"
    )
    month = f"{t('month', lang)} {run.step_count}"
    return f"{t('unit', lang)} {unit + 1} · {where} · {members.size} — {mix}" + (
        f" · {month}: {did}" if did else ""
    )


def organisation(run: Run, lang: str) -> dict[str, Any]:
    """Units as bullseyes under their divisions: a unit's disc is sized by its headcount and
    split into rings by type, each ring's area its type's share (the type mix at a glance);
    a unit's cadres are listed when it is clicked. Readable at thousands of cadres, where one
    point per cadre is a solid block, and cheap to redraw (one point per unit and type)."""
    tree, counts = run.tree, unit_counts(run)
    size = counts.sum(axis=1)
    x, y = unit_positions(run)
    outer = UNIT_PX[0] + (UNIT_PX[1] - UNIT_PX[0]) * np.sqrt(size / max(size.max(), 1))
    # ring c spans the shares of types c.. (areas: sqrt), drawn largest first
    tail = np.cumsum(counts[:, ::-1], axis=1)[:, ::-1] / np.maximum(size, 1)[:, None]
    hover = [f"{t('unit', lang)} {u + 1}: {n}" for u, n in enumerate(size.tolist())]
    traces: list[dict[str, Any]] = []
    for c, name in enumerate(TYPE_NAMES):
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": x,
                "y": y,
                "name": t(name, lang),
                "showlegend": False,  # the legend entries below have one size
                "customdata": list(range(tree.n_units)),
                "text": hover,
                "hovertemplate": "%{text}<extra></extra>",
                "marker": {
                    "color": TYPE_COLOURS[c],
                    "size": np.round(outer * np.sqrt(tail[:, c]), 2).tolist(),
                    "line": {"width": 0},
                    "opacity": 1,
                },
            }
        )
    traces += [
        _legend_entry(t(name, lang), {"color": TYPE_COLOURS[c], "size": 9})
        for c, name in enumerate(TYPE_NAMES)
    ]
    return {
        "data": traces,
        "layout": _layout(
            t("organisation_units", lang),
            height=380,
            xaxis={"visible": False},
            yaxis={"visible": False},
            legend={"orientation": "h", "y": -0.02, "font": {"size": 10}},
            margin={"l": 5, "r": 5, "t": 36, "b": 5},
            hovermode="closest",
            meta={"units": run.id},
        ),
    }


def unit_positions(run: Run) -> tuple[list[float], list[float]]:
    """Divisions side by side, each one's units in a column under it; units outside any
    division (the leadership team, or all units without a hierarchy) in a row on top."""
    tree = run.tree
    x = np.zeros(tree.n_units)
    y = np.zeros(tree.n_units)
    loose = np.flatnonzero(tree.division < 0)
    inside = np.flatnonzero(tree.division >= 0)
    if tree.n_divisions:
        div = tree.division[inside]
        order = np.argsort(div, kind="stable")
        _, first, counts = np.unique(div[order], return_index=True, return_counts=True)
        rank = np.empty(inside.size, dtype=np.int64)
        rank[order] = np.arange(inside.size) - np.repeat(first, counts)
        x[inside] = (div + 0.5) / tree.n_divisions
        y[inside] = -1.0 - rank
    if loose.size:
        cols = loose.size if tree.n_divisions else int(np.ceil(np.sqrt(loose.size)))
        x[loose] = (np.arange(loose.size) % cols + 0.5) / cols
        y[loose] = -(np.arange(loose.size) // cols).astype(float) + (0.5 if tree.n_divisions else 0)
    return np.round(x, 4).tolist(), np.round(y, 3).tolist()


def organisation_key(run: Run) -> str:
    """Names the units figure: this run and the count of each type in each unit."""
    raw = np.ascontiguousarray(unit_counts(run)).tobytes()
    return f"units:{run.id}:{hashlib.blake2b(raw, digest_size=8).hexdigest()}"


def org_figure(run: Run, lang: str, choice: str = "auto") -> dict[str, Any]:
    return organisation(run, lang) if org_view(run, choice) == "units" else network(run, lang)


def org_key(run: Run, choice: str = "auto") -> str:
    """What the drawn organisation figure depends on (besides the language)."""
    return organisation_key(run) if org_view(run, choice) == "units" else run.types_key()
