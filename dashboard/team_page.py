"""Classroom mode's team page (at /): join a room with its code and a team name, move the
team's levers, follow the room's month, keep the session. The `*_action` and `render_*`
functions are plain Python over the room (tested without a browser); `register_team` wires
them to Dash callbacks."""

from __future__ import annotations

from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update

from cadresim import vocabulary as vocab
from cadresim.model.config import ConfigError

from . import export, figures, validate
from .app import _lever, label
from .callbacks import register_export
from .classroom import Room, Team
from .i18n import t
from .levers import LEVER_BY_KEY, from_widget, widget_value
from .session import COUNTERS, StoreFull
from .validate import TEAM_NAME_MAX, InputError

POLL_MS = 1000  # a team page asks for its month and charts this often
LANG_OPTIONS = [{"label": "English", "value": "en"}, {"label": "中文", "value": "zh"}]


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

    def export_for(data: Any, what: Any, lang: str) -> tuple[Any, Any] | None:
        team = room.team(data.get("name")) if isinstance(data, dict) else None
        return None if team is None else team_export(room, team, what, lang)

    register_export(app, "team", export_for)

    register_translation(app, room)


def register_translation(app: Dash, room: Room) -> None:
    @app.callback(
        Output({"role": "i18n", "key": ALL, "n": ALL}, "children"),
        Input("lang", "value"),
    )
    def translate(lang):  # noqa: ANN001, ANN202
        lang = validate.lang(lang)
        return [t(o["id"]["key"], lang) for o in ctx.outputs_list]
