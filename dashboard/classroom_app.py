"""Classroom mode's pages: the team page at / and the facilitator's at /facilitator/?key=…

Two Dash apps on one Flask server and one `Room`. A participant joins with the room code and a
team name, then moves the team's levers; the page polls the team's month and charts. The
facilitator starts, pauses and advances every team together, sees the standings and every
team's time series, and reveals the challenge's hidden conditions at the end. The `render_*`
and `*_action` functions are plain Python over the room (tested without a browser).
"""

from __future__ import annotations

import math
import secrets
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import numpy as np
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update
from flask import Flask

from cadresim import palette
from cadresim import vocabulary as vocab
from cadresim.model.config import ConfigError
from cadresim.model.metrics import IDX, RATES

from . import export, figures, validate
from .app import _lever, label
from .challenges import RANKABLE, challenge_names, load_challenge
from .classroom import Room, Team
from .i18n import t
from .levers import LEVER_BY_KEY, from_widget, widget_value
from .session import COUNTERS, STORE, SessionStore, StoreFull
from .validate import TEAM_NAME_MAX, InputError

POLL_MS = 1000  # a team page asks for its month and charts this often
TICK_MS = 1000  # the facilitator's clock: while running, the room advances once per tick
FACILITATOR_SPEEDS = (1, 2, 3, 6)  # months per tick
ASSETS = str(Path(__file__).parent / "assets")
LANG_OPTIONS = [{"label": "English", "value": "en"}, {"label": "中文", "value": "zh"}]


def _new_app(server: Flask, base: str, title: str) -> Dash:
    return Dash(
        __name__,
        server=server,
        url_base_pathname=base,
        title=title,
        assets_folder=ASSETS,
        serve_locally=True,
        update_title=None,
        suppress_callback_exceptions=True,
    )


def create_classroom(
    challenge: str | None = None,
    store: SessionStore = STORE,
    poll_ms: int = POLL_MS,
    tick_ms: int = TICK_MS,
) -> tuple[Flask, Room, list[Dash]]:
    """The Flask server with both pages, its room, and the two Dash apps."""
    room = Room(load_challenge(challenge or challenge_names()[0]), store)
    server = Flask(__name__)
    team_app = _new_app(server, "/", "cadresim classroom")
    team_app.layout = lambda: team_layout(room, poll_ms)
    register_team(team_app, room)
    facilitator = _new_app(server, "/facilitator/", "cadresim classroom — facilitator")
    facilitator.layout = lambda: facilitator_layout(room, tick_ms)
    register_facilitator(facilitator, room, tick_ms)
    return server, room, [team_app, facilitator]


# ------------------------------------------------------------------ team page


def team_layout(room: Room, poll_ms: int = POLL_MS) -> html.Div:
    ch = room.challenge
    keys = ch.lever_keys
    levers: list[Any] = []
    for k, key in enumerate(keys):
        lever = LEVER_BY_KEY[key]
        if k == 0 or lever.group != LEVER_BY_KEY[keys[k - 1]].group:
            levers.append(label(lever.group, html.Div, className="lever-group"))
        levers.append(_lever(lever))
    join = html.Div(
        [
            label("join_title", html.H3),
            label("room_code", html.Label),
            dcc.Input(id="room-code", type="text", maxLength=12, className="text-input"),
            label("team_name", html.Label),
            dcc.Input(id="team-name", type="text", maxLength=TEAM_NAME_MAX, className="text-input"),
            html.Button(label("join"), id="join-btn", className="btn btn-run"),
        ],
        id="join",
        className="join",
    )
    team = html.Div(
        [
            html.Div(
                [
                    html.H3("", id="team-title", className="run-title"),
                    html.Div(
                        [
                            html.B(vocab.pick(ch.title, "en"), id="goal-title"),
                            " — ",
                            html.Span(vocab.pick(ch.goal, "en"), id="goal-text"),
                        ],
                        className="card",
                    ),  # fmt: skip
                    html.Div("", id="room-status", className="month"),
                    html.Div(
                        [
                            html.Div(
                                [
                                    label(name, html.Div, className="counter-label"),
                                    html.Div(
                                        "0", id=f"team-count-{name}", className="counter-value"
                                    ),
                                ],
                                className="counter",
                            )
                            for name in COUNTERS
                        ],
                        className="counters",
                    ),
                    dcc.Graph(id="team-series", config={"displayModeBar": False}),
                    html.Div(
                        [
                            html.Button(
                                label("export_html"), id="export-html-btn", className="btn"
                            ),
                            html.Button(label("export_csv"), id="export-csv-btn", className="btn"),
                            html.Button(label("export_cmd"), id="export-cmd-btn", className="btn"),
                        ],
                        className="buttons",
                    ),
                    html.Pre("", id="export-cmd", className="command"),
                    dcc.Download(id="download"),
                ],
                className="main",
            ),
        ],
        id="team-view",
        className="page",
        style={"display": "none"},
    )
    controls = html.Div(
        [label("levers_team", html.H4), *levers],
        id="team-levers",
        className="controls",
        style={"display": "none"},
    )
    return html.Div(
        [
            dcc.Store(id="team"),
            dcc.Store(id="team-shown"),
            dcc.Interval(id="poll", interval=poll_ms, disabled=True),
            html.Header([label("classroom_title", html.H1)]),
            html.Div(
                [
                    dcc.RadioItems(id="lang", options=LANG_OPTIONS, value="en", inline=True),
                    html.Div("", id="message", className="message", role="alert"),
                ],
                className="topbar",
            ),
            join,
            html.Div([controls, team], className="page"),
        ]
    )


def join_action(room: Room, code: Any, name: Any, lang: str) -> tuple[Team | None, str]:
    """The team joined (or rejoined), or None with the message to show."""
    try:
        return room.join(code, name), ""
    except InputError as exc:
        return None, f"{t('bad_input', lang)} {exc.text(lang)}"
    except StoreFull as exc:
        return None, exc.text(lang)


def lever_action(room: Room, name: Any, values: Any, lang: str) -> str:
    """Apply a team's levers; the message to show ("" if applied or unchanged)."""
    team = room.team(name) if isinstance(name, str) else None
    if team is None:
        return t("team_gone", lang)
    try:
        raw = validate.levers(values, team.lever_keys)
        room.set_levers(team, raw)
    except ConfigError as exc:
        return f"{t('bad_input', lang)} {validate.message(exc, lang)}"
    return ""


def team_title(team: Team, lang: str) -> str:
    preset = vocab.regime_label(team.run.config.policy.name, lang, modified=team.modified())
    return f"{t('team', lang)} {team.name} · {preset}"


def status_text(room: Room, lang: str) -> str:
    state = t("running" if room.running else ("waiting" if room.month == 0 else "paused"), lang)
    return f"{t('month', lang)} {room.month} · {state}"


def render_team(room: Room, team: Team, lang: str, shown: Any) -> dict[str, Any]:
    """The team page's month, title, counters and chart (the chart only when the month or the
    language changed since `shown`)."""
    with team.lock:
        month = team.run.step_count
        record = {"month": month, "lang": lang}
        counts = team.run.counters()
        if shown == record:
            series = no_update
        elif (
            isinstance(shown, dict)
            and shown.get("lang") == lang
            and 0 < shown.get("month", -1) < month
        ):
            series = figures.time_series_patch(team.run, shown["month"])  # the new months only
        else:
            series = figures.time_series(team.run, lang)
        return {
            "status": status_text(room, lang),
            "title": team_title(team, lang),
            "counters": [f"{counts[name]:,}" for name in COUNTERS],
            "series": series,
            "shown": record,
        }


def team_export(room: Room, team: Team, what: Any, lang: str) -> tuple[Any, Any]:
    with team.lock:
        preset = team.run.config.policy.name
        cmd = export.command(team.run.config, preset)
        stamp = f"{room.code}-{team.name}-month{team.run.step_count}".replace(" ", "_")
        if what == "export-html-btn":
            page = export.snapshot_html(
                f"cadresim — {team_title(team, lang)}",
                [(team_title(team, lang), team.run)],
                team.history,
                [cmd],
                lang,
            )
            return {"content": page, "filename": f"cadresim-{stamp}.html"}, no_update
        if what == "export-csv-btn":
            return {
                "content": export.step_csv(team.run),
                "filename": f"cadresim-{stamp}.csv",
            }, no_update
        return no_update, cmd


def register_team(app: Dash, room: Room) -> None:
    keys = room.challenge.lever_keys

    @app.callback(
        Output("team", "data"),
        Output("message", "children", allow_duplicate=True),
        Output("join", "style"),
        Output("team-view", "style"),
        Output("team-levers", "style"),
        Output("poll", "disabled"),
        Output({"role": "lever", "key": ALL}, "value"),
        Input("join-btn", "n_clicks"),
        Input("team-name", "n_submit"),
        State("room-code", "value"),
        State("team-name", "value"),
        State("lang", "value"),
        prevent_initial_call=True,
    )
    def join(_click, _submit, code, name, lang):  # noqa: ANN001, ANN202
        lang = validate.lang(lang)
        team, message = join_action(room, code, name, lang)
        if team is None:
            return (
                no_update,
                message,
                no_update,
                no_update,
                no_update,
                no_update,
                [no_update] * len(keys),
            )
        current = team.levers()
        values = [widget_value(k, current[k]) for k in keys]
        hide, show = {"display": "none"}, {}
        return {"name": team.name}, "", hide, show, show, False, values

    @app.callback(
        Output("message", "children", allow_duplicate=True),
        Input({"role": "lever", "key": ALL}, "value"),
        State("team", "data"),
        State("lang", "value"),
        prevent_initial_call=True,
    )
    def levers(values, data, lang):  # noqa: ANN001, ANN202
        if not isinstance(data, dict):
            return no_update
        return lever_action(room, data.get("name"), values, validate.lang(lang))

    @app.callback(
        Output({"role": "lever-value", "key": ALL}, "children"),
        Input({"role": "lever", "key": ALL}, "value"),
        Input("lang", "value"),
    )
    def lever_labels(values, lang):  # noqa: ANN001, ANN202
        out_keys = [o["id"]["key"] for o in ctx.outputs_list]
        if not isinstance(values, list) or len(values) != len(out_keys):
            return [no_update] * len(out_keys)
        lang = validate.lang(lang)
        texts = []
        for key, value in zip(out_keys, values, strict=True):
            try:
                validate.lever(key, value)
                v = from_widget(key, value)
                texts.append(
                    ""
                    if v is None
                    else t("on" if v else "off", lang)
                    if LEVER_BY_KEY[key].switch
                    else f"{v:g}"
                )
            except (InputError, StopIteration):
                texts.append("?")
        return texts

    @app.callback(
        Output("room-status", "children"),
        Output("team-title", "children"),
        *[Output(f"team-count-{name}", "children") for name in COUNTERS],
        Output("team-series", "figure"),
        Output("team-shown", "data"),
        Output("message", "children", allow_duplicate=True),
        Output("goal-title", "children"),
        Output("goal-text", "children"),
        Input("poll", "n_intervals"),
        Input("lang", "value"),
        State("team", "data"),
        State("team-shown", "data"),
        prevent_initial_call=True,
    )
    def poll(_n, lang, data, shown):  # noqa: ANN001, ANN202
        lang = validate.lang(lang)
        blank = [no_update] * (2 + len(COUNTERS) + 2)
        if not isinstance(data, dict):
            return [*blank, no_update, no_update, no_update]
        team = room.team(data.get("name"))
        if team is None:
            return [*blank, t("team_gone", lang), no_update, no_update]
        view = render_team(room, team, lang, shown)
        ch = room.challenge
        return [
            view["status"],
            view["title"],
            *view["counters"],
            view["series"],
            view["shown"],
            no_update,
            vocab.pick(ch.title, lang),
            vocab.pick(ch.goal, lang),
        ]

    @app.callback(
        Output("download", "data"),
        Output("export-cmd", "children"),
        Input("export-html-btn", "n_clicks"),
        Input("export-csv-btn", "n_clicks"),
        Input("export-cmd-btn", "n_clicks"),
        State("team", "data"),
        State("lang", "value"),
        prevent_initial_call=True,
    )
    def export_team(_h, _c, _m, data, lang):  # noqa: ANN001, ANN202
        team = room.team(data.get("name")) if isinstance(data, dict) else None
        if team is None:
            return no_update, no_update
        return team_export(room, team, ctx.triggered_id, validate.lang(lang))

    register_translation(app, room)


def register_translation(app: Dash, room: Room) -> None:
    @app.callback(
        Output({"role": "i18n", "key": ALL, "n": ALL}, "children"),
        Input("lang", "value"),
    )
    def translate(lang):  # noqa: ANN001, ANN202
        lang = validate.lang(lang)
        return [t(o["id"]["key"], lang) for o in ctx.outputs_list]


# ------------------------------------------------------------------ facilitator page


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
    spare = list(palette.REGIME_COLOURS.values())
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
