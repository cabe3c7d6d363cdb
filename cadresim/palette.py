"""The one palette of cadresim: colours shared by the report, its charts and the dashboard, one
per cadre type, per regime, per action and per outcome.

A type keeps its colour in every chart (Okabe-Ito, readable with colour-vision deficiencies);
known policy presets keep theirs; regimes nobody named here get colours in sorted-name order, so
the same set of regimes is coloured the same way in every figure of a report.
"""

from __future__ import annotations

from collections.abc import Iterable

import plotly.graph_objects as go
import plotly.io as pio

TYPE_COLOURS: dict[str, str] = {
    "unwilling": "#D55E00",  # 不想为 vermillion
    "unable": "#E69F00",  # 不会为 orange
    "afraid": "#CC79A7",  # 不敢为 reddish purple
    "reluctant": "#0072B2",  # 不愿为 blue
    "fearful": "#56B4E9",  # 害怕为 sky blue
    "proactive": "#009E73",  # 担当作为 bluish green
    "all": "#333333",
}

REGIME_COLOURS: dict[str, str] = {
    "baseline": "#666666",
    "strict_accountability": "#A6761D",
    "incentive_only": "#E6AB02",
    "tolerance_only": "#7570B3",
    "three_mechanisms": "#1B9E77",
    "tolerance_overbroad": "#E7298A",
    "tolerance_unpublicised": "#66A61E",
    "training_only": "#D95F02",
    "education_only": "#8C510A",
    "promotion_orientation": "#C51B7D",
    "inaction_accountability": "#2166AC",
}
_SPARE = ("#1F78B4", "#33A02C", "#FB9A99", "#6A3D9A", "#B15928", "#FDBF6F", "#A6CEE3", "#B2DF8A")

# Action of a cadre this step (engine outcome codes 0..3), and what the dashboard's rings add:
# "initiative" is the success colour, exempted and sanctioned cases their own.
ACTION_COLOURS: dict[str, str] = {
    "idle": "#BBBBBB",
    "success": "#009E73",
    "initiative": "#009E73",
    "error": "#E69F00",
    "misconduct": "#D55E00",
    "exempted": "#0072B2",
    "sanctioned": "#C00000",
}

# An outcome's line or bar: the colour of the action it counts.
OUTCOME_COLOURS: dict[str, str] = {
    "initiative_rate": ACTION_COLOURS["success"],
    "success_rate": ACTION_COLOURS["success"],
    "error_rate": ACTION_COLOURS["error"],
    "misconduct_rate": ACTION_COLOURS["misconduct"],
    "wrongful_sanction_rate": ACTION_COLOURS["sanctioned"],
    "value": "#333333",
}

SEQUENTIAL = "Viridis"  # heatmaps of an outcome over two levers
MISCONDUCT_SCALE = "OrRd"  # colour of misconduct in trade-off scatters
FONT_FAMILY = '"Noto Sans CJK SC", "Noto Sans SC", "Noto Sans", "DejaVu Sans", Arial, sans-serif'


def type_colour(name: str) -> str:
    return TYPE_COLOURS.get(name, TYPE_COLOURS["all"])


def regime_colours(names: Iterable[str]) -> dict[str, str]:
    """Colour per regime: presets fixed, others from a spare list in sorted order."""
    names = list(dict.fromkeys(str(n) for n in names))
    unknown = sorted(n for n in names if n not in REGIME_COLOURS)
    spare = {n: _SPARE[i % len(_SPARE)] for i, n in enumerate(unknown)}
    return {n: REGIME_COLOURS.get(n) or spare[n] for n in names}


def rgba(hex_colour: str, alpha: float) -> str:
    """'#RRGGBB' -> 'rgba(r,g,b,alpha)' (confidence bands)."""
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _template() -> go.layout.Template:
    base = pio.templates["plotly_white"]
    t = go.layout.Template(base)
    t.layout.font = {"family": FONT_FAMILY, "size": 13, "color": "#222222"}
    t.layout.title = {"font": {"size": 17}, "x": 0.0, "xanchor": "left", "xref": "paper"}
    t.layout.colorway = list(REGIME_COLOURS.values())
    t.layout.legend = {"bgcolor": "rgba(255,255,255,0.6)"}
    return t


TEMPLATE = _template()
