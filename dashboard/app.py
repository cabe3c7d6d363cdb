"""The page layout and the Dash app. Served entirely from this process: Dash's own JavaScript
(`serve_locally`), a local stylesheet in `assets/`, no CDN, so the dashboard works offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dash import Dash, dcc, html

from cadresim.agents.types import TYPE_NAMES
from cadresim.vocabulary import regime_label

from .callbacks import SPEEDS
from .figures import ORG_VIEWS
from .i18n import t
from .levers import DEFAULT_SIZE, LEVERS, SIZE_RANGE, Lever, default_mix, preset_names
from .session import COUNTERS, STORE

TICK_MS = 150  # update period while running: up to 6.7 views per second


def label(key: str, tag: Any = html.Span, n: int = 0, **kwargs: Any) -> Any:
    """A text element whose children the language switch rewrites (n tells copies apart)."""
    return tag(t(key, "en"), id={"role": "i18n", "key": key, "n": n}, **kwargs)


def _lever(lever: Lever) -> html.Div:
    value = html.Span("", id={"role": "lever-value", "key": lever.key}, className="lever-value")
    if lever.switch:  # a checkbox drawn as a switch (assets/dashboard.css)
        return html.Div(
            html.Div(
                [
                    label(lever.key, html.Label, className="lever-label"),
                    html.Div(
                        [
                            dcc.Checklist(
                                id={"role": "lever", "key": lever.key},
                                options=[{"label": "", "value": 1}],
                                value=[],
                                className="switch",
                            ),
                            value,
                        ],
                        className="switch-box",
                    ),
                ],
                className="lever-head",
            ),
            className="lever",
        )
    parts = [
        html.Div(
            [label(lever.key, html.Label, className="lever-label"), value], className="lever-head"
        ),
        dcc.Slider(
            id={"role": "lever", "key": lever.key},
            min=lever.lo,
            max=lever.hi,
            step=lever.step,
            marks=None,
            value=lever.lo,
            tooltip={"placement": "bottom"},
            updatemode="mouseup",
        ),
    ]
    if lever.marks:  # the slider's two ends named (translated like every label)
        parts.append(
            html.Div([label(key, html.Span) for key in lever.marks], className="lever-ends")
        )
    return html.Div(parts, className="lever")


def _levers() -> list[Any]:
    """The levers under a heading per mechanism, in LEVERS order (the callbacks rely on it)."""
    out: list[Any] = []
    for k, lever in enumerate(LEVERS):
        if k == 0 or lever.group != LEVERS[k - 1].group:
            out.append(label(lever.group, html.Div, className="lever-group"))
        out.append(_lever(lever))
    return out


def _mix_input(name: str, value: float) -> html.Div:
    return html.Div(
        [
            html.Label(name, id={"role": "type-label", "key": name}, className="mix-label"),
            dcc.Input(
                id={"role": "mix", "key": name},
                type="number",
                min=0,
                max=1,
                step=0.01,
                value=value,
                debounce=True,
                className="mix-input",
            ),
        ],
        className="mix",
    )


def regime_options(lang: str, blank: bool = False) -> list[dict[str, str]]:
    """The presets in a dropdown, named in `lang` (the value stays the preset's id)."""
    options = [{"label": regime_label(p, lang), "value": p} for p in preset_names()]
    return [{"label": "—", "value": ""}, *options] if blank else options


def org_options(lang: str) -> list[dict[str, str]]:
    return [{"label": t(f"org_{v}", lang), "value": v} for v in ORG_VIEWS]


def controls() -> html.Div:
    mix = default_mix()
    return html.Div(
        [
            label("language", html.Label),
            dcc.RadioItems(
                id="lang",
                options=[{"label": "English", "value": "en"}, {"label": "中文", "value": "zh"}],
                value="en",
                inline=True,
            ),
            label("regime", html.Label),
            dcc.Dropdown(
                id="regime", options=regime_options("en"), value="baseline", clearable=False
            ),
            label("side_by_side", html.Label),
            dcc.Dropdown(
                id="compare",
                options=regime_options("en", blank=True),
                value="",
                clearable=False,
            ),
            html.Div(
                [
                    html.Button(t("step", "en"), id="step-btn", className="btn"),
                    html.Button(t("run", "en"), id="run-btn", className="btn btn-run"),
                    html.Button(t("reset", "en"), id="reset-btn", className="btn"),
                ],
                className="buttons",
            ),
            label("speed", html.Label),
            dcc.RadioItems(id="speed", options=list(SPEEDS), value=1, inline=True),
            label("org_view", html.Label),
            dcc.RadioItems(id="org-view", options=org_options("en"), value="auto", inline=True),
            html.Hr(),
            label("levers", html.H4),
            *_levers(),
            html.Hr(),
            label("export", html.H4),
            html.Div(
                [
                    html.Button(t("export_html", "en"), id="export-html-btn", className="btn"),
                    html.Button(t("export_csv", "en"), id="export-csv-btn", className="btn"),
                    html.Button(t("export_cmd", "en"), id="export-cmd-btn", className="btn"),
                ],
                className="buttons",
            ),
            html.Pre("", id="export-cmd", className="command"),
            dcc.Download(id="download"),
            html.Hr(),
            label("population", html.H4),
            html.Div([_mix_input(name, mix[name]) for name in TYPE_NAMES], className="mixes"),
            html.Div(
                [
                    html.Div(
                        [
                            label("size", html.Label),
                            dcc.Input(
                                id="size",
                                type="number",
                                min=SIZE_RANGE[0],
                                max=SIZE_RANGE[1],
                                step=1,
                                value=DEFAULT_SIZE,
                                debounce=True,
                            ),
                        ]
                    ),
                    html.Div(
                        [
                            label("seed", html.Label),
                            dcc.Input(
                                id="seed", type="number", min=0, step=1, value=0, debounce=True
                            ),
                        ]
                    ),
                ],
                className="pop-row",
            ),
        ],
        className="controls",
    )


def run_panel(i: int) -> html.Div:
    return html.Div(
        [
            html.H3("", id=f"run-title-{i}", className="run-title"),
            html.Div(
                [
                    html.Div(
                        [
                            label(name, html.Div, n=i, className="counter-label"),
                            html.Div("0", id=f"count-{name}-{i}", className="counter-value"),
                        ],
                        className="counter",
                    )
                    for name in COUNTERS
                ],
                className="counters",
            ),
            dcc.Graph(id=f"series-{i}", config={"displayModeBar": False}),
            dcc.Graph(id=f"types-{i}", config={"displayModeBar": False}),
            dcc.Graph(id=f"gates-{i}", config={"displayModeBar": False}),
            dcc.Graph(id=f"network-{i}", config={"displayModeBar": False}),
            html.Div("", id=f"unit-detail-{i}", className="unit-detail"),  # a clicked unit
            dcc.Store(id=f"rings-{i}"),  # this month's rings, drawn by assets/rings.js
        ],
        id=f"run-panel-{i}",
        className="run-panel",
    )


def layout(tick_ms: int = TICK_MS) -> html.Div:
    """A fresh session id per page load: each tab gets its own models on the server."""
    return html.Div(
        [
            dcc.Store(id="sid", data=STORE.new_id()),
            dcc.Store(id="shown"),  # what the figures show: the update callback patches them
            dcc.Interval(id="tick", interval=tick_ms, disabled=True),
            html.Header(
                [label("title", html.H1), label("subtitle", html.P, className="subtitle")],
            ),
            html.Div(
                [
                    controls(),
                    html.Main(
                        [
                            html.Div(
                                [
                                    html.Span(t("month", "en"), id="month-label"),
                                    " ",
                                    html.Span("0", id="month"),
                                ],
                                className="month",
                            ),
                            html.Div("", id="message", className="message", role="alert"),
                            html.Div(id="cards", className="cards"),
                            html.Div([run_panel(0), run_panel(1)], className="runs"),
                            html.Details(
                                [label("all_scenarios", html.Summary), html.Div(id="all-cards")],
                                className="all-cards",
                            ),
                        ],
                        className="main",
                    ),
                ],
                className="page",
            ),
        ]
    )


def create_app(tick_ms: int = TICK_MS) -> Dash:
    """The dashboard app; `tick_ms` is the update period while running."""
    from . import callbacks  # noqa: PLC0415

    app = Dash(
        __name__,
        title="cadresim dashboard",
        assets_folder=str(Path(__file__).parent / "assets"),
        serve_locally=True,
        update_title=None,
    )
    app.layout = lambda: layout(tick_ms)
    callbacks.register(app)
    return app
