"""Classroom mode's facilitator page (at /facilitator/?key=…): start, pause and advance every
team together, the standings against the untouched challenge, every team's series overlaid, and
the reveal of the hidden conditions. Only a request carrying the room's key acts."""

from __future__ import annotations

import math
import secrets
import time
from typing import Any
from urllib.parse import parse_qs

import numpy as np
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from cadresim import palette
from cadresim import vocabulary as vocab
from cadresim.model.metrics import IDX, RATES

from . import figures, validate
from .app import label
from .challenges import RANKABLE
from .classroom import Room
from .i18n import t
from .team_page import LANG_OPTIONS, register_translation, status_text
from .validate import InputError

TICK_MS = 1000  # the facilitator's clock: while running, the room advances once per tick
FACILITATOR_SPEEDS = (1, 2, 3, 6)  # months per tick


def facilitator_layout(room: Room, tick_ms: int = TICK_MS) -> html.Div:
    return html.Div(
        [
            dcc.Location(id="url"),
            dcc.Interval(id="clock", interval=tick_ms),
            html.Header(
                [
                    label("facilitator_title", html.H1),
                    html.Div(
                        [label("room_code", html.Span), " ", html.B(room.code, id="room")],
                        className="room-code",
                    ),
                ]  # fmt: skip
            ),
            html.Div(
                [
                    html.Div(
                        [
                            dcc.RadioItems(
                                id="lang", options=LANG_OPTIONS, value="en", inline=True
                            ),
                            html.H3("", id="challenge-title"),
                            html.P("", id="challenge-goal"),
                            html.Div(
                                [
                                    html.Button(
                                        t("start", "en"), id="start-btn", className="btn btn-run"
                                    ),
                                    html.Button(
                                        label("advance"), id="advance-btn", className="btn"
                                    ),
                                    html.Button(
                                        label("advance_year"), id="year-btn", className="btn"
                                    ),
                                ],
                                className="buttons",
                            ),
                            label("speed_room", html.Label),
                            dcc.RadioItems(
                                id="speed", options=list(FACILITATOR_SPEEDS), value=1, inline=True
                            ),
                            html.Div(
                                [
                                    html.Button(
                                        t("reveal", "en"), id="reveal-btn", className="btn"
                                    ),
                                    html.Button(
                                        label("reset_room"), id="reset-room-btn", className="btn"
                                    ),
                                ],
                                className="buttons",
                            ),
                            label("outcome", html.Label),
                            dcc.Dropdown(
                                id="outcome",
                                options=[
                                    {"label": vocab.outcome_name(o, "en"), "value": o}
                                    for o in RANKABLE
                                ],
                                value=room.challenge.rank_by,
                                clearable=False,
                            ),
                        ],
                        className="controls",
                    ),
                    html.Main(
                        [
                            html.Div("", id="room-status", className="month"),
                            html.Div("", id="message", className="message", role="alert"),
                            html.Div(id="standings"),
                            dcc.Graph(id="overlay", config={"displayModeBar": False}),
                            html.Div(id="reveal", className="card"),
                        ],
                        className="main",
                    ),
                ],
                className="page",
            ),
        ]
    )


def is_facilitator(room: Room, search: Any) -> bool:
    if not isinstance(search, str):
        return False
    key = parse_qs(search.lstrip("?")).get("key", [""])[0]
    return secrets.compare_digest(key.encode(), room.key.encode())


def facilitator_action(
    room: Room, trigger: Any, speed: Any, last: list[float], tick_ms: int
) -> None:
    """Apply a facilitator's button or clock tick to the room (raises InputError on a speed the
    page does not offer). A tick advances only while running, and at most once per tick period
    however many facilitator pages are open."""
    if trigger == "start-btn":
        room.running = not room.running
    elif trigger == "advance-btn":
        room.advance(1)
    elif trigger == "year-btn":
        room.advance(12)
    elif trigger == "reveal-btn":
        room.revealed = not room.revealed
    elif trigger == "reset-room-btn":
        room.reset()
    elif trigger == "clock" and room.running:
        months = validate.choice(speed, "speed", FACILITATOR_SPEEDS)
        now = time.monotonic()
        if now - last[0] >= 0.8 * tick_ms / 1000:
            last[0] = now
            room.advance(int(months))


def _fmt(value: float, change: float) -> str:
    if math.isnan(value):
        return "—"
    return f"{value:.3f} ({change:+.3f})"


def render_standings(room: Room, lang: str) -> html.Table:
    """Rank, team, whether the goal is met, and each outcome with its change against the
    untouched challenge (last 12 months)."""
    rows = room.standings()
    ref = room.reference_outcomes()
    head = [t("rank", lang), t("team", lang), t("goal_met", lang)] + [
        vocab.outcome_name(o, lang) for o in RANKABLE
    ]
    body = [
        html.Tr(
            [html.Td("—"), html.Td(t("reference", lang)), html.Td("")]
            + [html.Td("—" if math.isnan(ref[o]) else f"{ref[o]:.3f}") for o in RANKABLE],
            className="reference-row",
        )
    ]
    for row in rows:
        name = row["team"] + (vocab.pick(vocab.MODIFIED, lang) if row["modified"] else "")
        body.append(
            html.Tr(
                [
                    html.Td(str(row["rank"])),
                    html.Td(name, className="team-name"),
                    html.Td("✔" if row["met"] else "✘"),
                ]
                + [html.Td(_fmt(row["values"][o], row["change"][o])) for o in RANKABLE],
                className="team-row",
            )
        )
    return html.Table(
        [html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(body)],
        id="standings-table",
        className="standings",
    )


def team_series(run: Any, outcome: str) -> tuple[list[int], list[float | None]]:
    """An outcome of all cadres per month of a run (months 1…)."""
    rows = run.engine.tallies[1:]
    if not rows:
        return [], []
    all_cadres = np.stack(rows)[:, 0, :]
    num, den = RATES[outcome]
    d = all_cadres[:, IDX[den]]
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.where(d > 0, all_cadres[:, IDX[num]] / d, np.nan)
    return list(range(1, len(rows) + 1)), [None if np.isnan(v) else round(float(v), 4) for v in y]


def render_overlay(room: Room, outcome: str, lang: str) -> dict[str, Any]:
    """Every team's time series of one outcome, the untouched challenge dashed."""
    spare = [c for c in palette.REGIME_COLOURS.values() if c != palette.REGIME_COLOURS["baseline"]]
    traces = []
    x, y = team_series(room.reference, outcome)
    traces.append({"type": "scatter", "mode": "lines", "x": x, "y": y, "name": t("reference", lang),
                   "line": {"color": "#333333", "dash": "dash", "width": 2}})  # fmt: skip
    for k, team in enumerate(room.teams()):
        x, y = team_series(team.run, outcome)
        traces.append({"type": "scatter", "mode": "lines", "x": x, "y": y, "name": team.name,
                       "line": {"color": spare[k % len(spare)], "width": 2}})  # fmt: skip
    return {
        "data": traces,
        "layout": {
            "title": {"text": vocab.outcome_label(outcome, lang), "font": {"size": 13}},
            "height": 360,
            "margin": {"l": 50, "r": 10, "t": 36, "b": 40},
            "font": figures.FONT,
            "xaxis": {"title": {"text": t("month", lang)}, "rangemode": "tozero"},
            "uirevision": "keep",
        },
    }


def render_reveal(room: Room, lang: str) -> list[Any]:
    if not room.revealed:
        return [html.I(t("hidden_until_reveal", lang))]
    lines = room.hidden_text(lang)
    return [
        html.H4(t("hidden_conditions", lang)),
        html.Ul([html.Li(line) for line in lines[:-1]]),
        html.P(lines[-1], id="reveal-text"),
    ]


def register_facilitator(app: Dash, room: Room, tick_ms: int) -> None:
    last = [0.0]

    @app.callback(
        Output("room-status", "children"),
        Output("message", "children"),
        Output("start-btn", "children"),
        Output("standings", "children"),
        Output("overlay", "figure"),
        Output("reveal", "children"),
        Output("challenge-title", "children"),
        Output("challenge-goal", "children"),
        Output("reveal-btn", "children"),
        Input("clock", "n_intervals"),
        Input("start-btn", "n_clicks"),
        Input("advance-btn", "n_clicks"),
        Input("year-btn", "n_clicks"),
        Input("reveal-btn", "n_clicks"),
        Input("reset-room-btn", "n_clicks"),
        Input("lang", "value"),
        Input("outcome", "value"),
        State("speed", "value"),
        State("url", "search"),
    )
    def update(_c, _s, _a, _y, _r, _x, lang, outcome, speed, search):  # noqa: ANN001, ANN202
        lang = validate.lang(lang)
        if not is_facilitator(room, search):
            return [no_update, t("not_facilitator", lang), *[no_update] * 7]
        message = ""
        try:
            facilitator_action(room, ctx.triggered_id, speed, last, tick_ms)
            outcome = validate.choice(outcome, "outcome", RANKABLE)
        except InputError as exc:
            message = f"{t('bad_input', lang)} {exc.text(lang)}"
            outcome = room.challenge.rank_by
        ch = room.challenge
        return [
            f"{status_text(room, lang)} · {len(room.teams())} {t('teams', lang)}",
            message,
            t("pause" if room.running else "start", lang),
            render_standings(room, lang),
            render_overlay(room, outcome, lang),
            render_reveal(room, lang),
            vocab.pick(ch.title, lang),
            vocab.pick(ch.goal, lang),
            t("hide" if room.revealed else "reveal", lang),
        ]

    register_translation(app, room)
