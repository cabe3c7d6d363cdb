"""What the page's controls do. `handle` and the `render_*` functions are pure Python over a
`Session` (unit-tested without a browser); `register` wires them to Dash callbacks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dash import ALL, ClientsideFunction, Dash, Input, Output, State, ctx, html, no_update

from cadresim.model.config import ConfigError
from cadresim.vocabulary import regime_label

from . import export, figures, validate
from .cards import card_for
from .i18n import t
from .levers import (
    LEVER_BY_KEY,
    LEVER_KEYS,
    default_mix,
    from_widget,
    preset_lever_values,
    preset_names,
    widget_value,
)
from .session import COUNTERS, STORE, Scenario, Session, StoreFull
from .validate import SPEEDS, InputError, message

FIGURES = ("series", "types", "gates", "network")
# Triggers that rebuild the runs (the population and network are drawn at the start of a run).
RESETS = {"reset-btn", "regime", "compare", "mix", "size", "seed"}


@dataclass
class Inputs:
    """The controls' values as the browser sends them."""

    preset: str = "baseline"
    compare: str | None = None
    levers: dict[str, float] = field(default_factory=dict)
    mix: dict[str, Any] = field(default_factory=default_mix)
    size: Any = 1000
    seed: Any = 0
    speed: int = 1

    def scenario(self, with_levers: bool) -> Scenario:
        return Scenario(
            preset=self.preset,
            compare=self.compare or None,
            levers=dict(self.levers) if with_levers and self.levers else None,
            mix=dict(self.mix),
            size=self.size,
            seed=self.seed,
        )


def handle(session: Session | None, triggers: set[str], inp: Inputs) -> Session:
    """Apply one browser event to a session (creating it if needed); bad input sets
    `session.message` and leaves the runs as they were."""
    # a new preset brings its own lever values (the sliders are being moved to them)
    use_levers = "regime" not in triggers and bool(triggers)
    if session is None:
        try:
            session = Session.start(inp.scenario(use_levers))
            session.error = None
        except ConfigError as exc:
            session = Session.start(Scenario(preset=inp.preset, mix=default_mix()))
            session.error = exc
        return session
    try:
        if triggers & RESETS:
            session.reset(inp.scenario(use_levers))
            session.error = None
        elif "lever" in triggers:
            session.set_levers(inp.levers)
            session.error = None
        if "step-btn" in triggers:
            session.step(1)
        if "run-btn" in triggers:
            session.running = not session.running
        if "tick" in triggers and session.running:
            session.step(months_per_tick(inp.speed))
    except ConfigError as exc:
        session.error = exc
    return session


def months_per_tick(speed: Any) -> int:
    """The speed the page sent, if it is one the page offers: a crafted request cannot make
    one tick run millions of months while holding the session's lock."""
    if speed is None:
        return 1
    if isinstance(speed, bool) or speed not in SPEEDS:
        raise ConfigError(
            f"speed = {speed!r} is not offered; allowed {', '.join(map(str, SPEEDS))}"
        )
    return int(speed)


def render_run(session: Session, i: int, lang: str, org: str = "auto") -> dict[str, Any]:
    """Title, counters and figures of run i (`org`: the organisation view chosen)."""
    run = session.runs[i]
    return _render_head(session, i, lang) | {
        "series": figures.time_series(run, lang),
        "types": figures.by_type(run, lang),
        "gates": figures.gates(run, lang),
        "network": figures.org_figure(run, lang, org),
    }


def run_title(session: Session, i: int, lang: str) -> str:
    """The regime's name in `lang`, marked "(modified)" when the levers moved off its preset;
    "left:" / "right:" when two run side by side."""
    preset = session.scenario.preset if i == 0 else session.scenario.compare or ""
    name = regime_label(preset, lang, modified=i == 0 and session.modified())
    if len(session.runs) > 1:
        return f"{t('left' if i == 0 else 'right', lang)}: {name}"
    return name


def _render_head(session: Session, i: int, lang: str) -> dict[str, Any]:
    run = session.runs[i]
    counts = run.counters()
    return {
        "title": run_title(session, i, lang),
        "counters": [f"{counts[name]:,}" for name in COUNTERS],
    }


def render_views(
    session: Session, lang: str, shown: dict[str, Any] | None, org: str = "auto"
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every run's title, counters, figures and rings, and the record of what the page will
    show once it applies them.

    `shown` is that record from the last answer the page applied (it travels in the same
    answer as the figures, so an answer the page drops, superseded by a newer tick, leaves
    both as they were). While the page shows a run (same run, same language), its series and
    bars are patched from the month shown, and the network keeps its figure and gets this
    month's rings (if the cadres kept their types); nothing is sent if the month is the same.
    Otherwise the run gets full figures (with the rings in them).
    """
    same_page = (
        shown is not None
        and shown.get("lang") == lang
        and len(shown.get("runs", ())) == len(session.runs)
    )
    views, record = [], []
    for i, run in enumerate(session.runs):
        month, types_key = run.step_count, figures.org_key(run, org)
        before = shown["runs"][i] if same_page and shown else None
        if before is None or before["run"] != run.id or before["month"] > month:
            view = render_run(session, i, lang, org) | {"rings": no_update}
        elif before["month"] == month and before["types"] == types_key:
            view = _render_head(session, i, lang) | dict.fromkeys((*FIGURES, "rings"), no_update)
        else:
            view = _render_head(session, i, lang)
            view["series"] = figures.time_series_patch(run, before["month"])
            view["types"] = figures.by_type_patch(run)
            view["gates"] = figures.gates_patch(run)
            if before["types"] != types_key:
                view |= {"network": figures.org_figure(run, lang, org), "rings": no_update}
            elif figures.org_view(run, org) == "cadres":
                view |= {"network": no_update, "rings": figures.rings(run)}
            else:  # units: drawn from the counts, which did not change
                view |= {"network": no_update, "rings": no_update}
        views.append(view)
        record.append({"run": run.id, "month": month, "types": types_key})
    return views, {"lang": lang, "runs": record}


def lever_text(key: str, widget: Any, lang: str) -> str:
    """The value shown next to a lever: the number, or on / off for a switch."""
    value = from_widget(key, widget)
    if value is None:
        return ""
    if LEVER_BY_KEY[key].switch:
        return t("on" if value else "off", lang)
    return f"{value:g}"


def safe_lever_text(key: str, widget: Any, lang: str) -> str:
    """`lever_text` of a value the page could have sent; "?" for any other."""
    try:
        validate.lever(key, widget)
    except InputError:
        return "?"
    return lever_text(key, widget, lang)


def parse_inputs(
    preset: Any, compare: Any, levers: Any, mix: Any, size: Any, seed: Any, speed: Any
) -> Inputs:
    """The `update` callback's inputs, checked (raises InputError for any value the page
    could not have sent)."""
    return Inputs(
        preset=validate.preset(preset),
        compare=validate.preset(compare, "compare", optional=True),
        levers=validate.levers(levers),
        mix=validate.mix(mix),
        size=validate.size(size),
        seed=validate.seed(seed),
        speed=validate.speed(speed),
    )


def session_commands(session: Session) -> list[str]:
    presets = [session.scenario.preset, session.scenario.compare]
    return [export.command(run.config, p) for run, p in zip(session.runs, presets, strict=False)]


def render_export(session: Session, what: Any, lang: str) -> tuple[Any, Any]:
    """The download (HTML snapshot or CSV of the main run) or the commands, for the page."""
    stamp = f"{session.scenario.preset}-month{session.runs[0].step_count}"
    if what == "export-html-btn":
        runs = [(run_title(session, i, lang), run) for i, run in enumerate(session.runs)]
        page = export.snapshot_html(
            f"cadresim — {runs[0][0]}", runs, session.history, session_commands(session), lang
        )
        return {"content": page, "filename": f"cadresim-{stamp}.html"}, no_update
    if what == "export-csv-btn":
        csv = export.step_csv(session.runs[0])
        return {"content": csv, "filename": f"cadresim-{stamp}.csv"}, no_update
    return no_update, "\n".join(session_commands(session))


def unit_detail(sid: Any, i: int, click: Any, lang: Any) -> str:
    """The unit a page clicked in run i's units view, in words ("" for anything else)."""
    session = STORE.get(sid) if isinstance(sid, str) else None
    try:
        unit = click["points"][0]["customdata"]
    except (TypeError, KeyError, IndexError):
        return ""
    if session is None or i >= len(session.runs):
        return ""
    with session.lock:
        run = session.runs[i]
        if isinstance(unit, bool) or not isinstance(unit, int) or not 0 <= unit < run.tree.n_units:
            return ""
        return figures.unit_text(run, unit, validate.lang(lang))


def render_message(session: Session, lang: str) -> str:
    if session.error is None:
        return ""
    return f"{t('bad_input', lang)} {message(session.error, lang)}"


def render_cards(preset: str, compare: str | None, lang: str) -> list[Any]:
    shown = [preset] + ([compare] if compare and compare != preset else [])
    return [_card(p, lang) for p in shown]


def render_all_cards(lang: str) -> list[Any]:
    return [_card(p, lang) for p in preset_names()]


def _card(preset: str, lang: str) -> html.Div:
    title, what, watch = card_for(preset).text(lang)
    return html.Div(
        [
            html.H4(f"{title} — {preset}"),
            html.P([html.B(t("what", lang) + ": "), what]),
            html.P([html.B(t("watch", lang) + ": "), watch]),
        ],
        className="card",
        id={"role": "card", "key": preset},
    )


def _trigger_names() -> set[str]:
    names = set()
    for component in ctx.triggered_prop_ids.values():
        names.add(component["role"] if isinstance(component, dict) else component)
    return names


def _export_session(sid: Any, what: Any, lang: str) -> tuple[Any, Any] | None:
    session = STORE.get(sid) if isinstance(sid, str) else None
    if session is None:
        return None
    with session.lock:
        return render_export(session, what, lang)


def register_export(
    app: Dash, state: str, export_for: Callable[[Any, Any, str], tuple[Any, Any] | None]
) -> None:
    """The export buttons (HTML snapshot, CSV, commands) of a page, solo or team: the `state`
    store names what is shown; export_for(its data, the button, lang) gives (download,
    commands), or None when the data names nothing (a stale or crafted request)."""

    @app.callback(
        Output("download", "data"),
        Output("export-cmd", "children"),
        Input("export-html-btn", "n_clicks"),
        Input("export-csv-btn", "n_clicks"),
        Input("export-cmd-btn", "n_clicks"),
        State(state, "data"),
        State("lang", "value"),
        prevent_initial_call=True,
    )
    def export(_html, _csv, _cmd, data, lang):  # noqa: ANN001, ANN202
        out = export_for(data, ctx.triggered_id, validate.lang(lang))
        return (no_update, no_update) if out is None else out


def register(app: Dash) -> None:
    run_outputs = []
    for i in (0, 1):
        run_outputs += [
            Output(f"run-title-{i}", "children"),
            *[Output(f"count-{name}-{i}", "children") for name in COUNTERS],
            Output(f"series-{i}", "figure"),
            Output(f"types-{i}", "figure"),
            Output(f"gates-{i}", "figure"),
            Output(f"network-{i}", "figure"),
            Output(f"rings-{i}", "data"),
        ]

    @app.callback(
        Output({"role": "lever", "key": ALL}, "value"),
        Input("regime", "value"),
    )
    def preset_levers(preset: str) -> list[Any]:
        if preset not in preset_names():  # a crafted request; `update` says so
            return [no_update] * len(LEVER_KEYS)
        return [
            widget_value(key, value)
            for key, value in zip(LEVER_KEYS, preset_lever_values(preset), strict=True)
        ]

    @app.callback(
        Output({"role": "lever-value", "key": ALL}, "children"),
        Input({"role": "lever", "key": ALL}, "value"),
        Input("lang", "value"),
    )
    def lever_labels(values: list[Any], lang: str) -> list[str]:
        keys = [o["id"]["key"] for o in ctx.outputs_list]
        if not isinstance(values, list) or len(values) != len(keys) or set(keys) - set(LEVER_KEYS):
            return [no_update] * len(keys)  # a crafted request: nothing to say per lever
        return [
            safe_lever_text(k, v, validate.lang(lang)) for k, v in zip(keys, values, strict=True)
        ]

    @app.callback(
        Output("month", "children"),
        Output("message", "children"),
        Output("tick", "disabled"),
        Output("run-btn", "children"),
        Output("run-panel-1", "style"),
        Output("shown", "data"),
        *run_outputs,
        Input("tick", "n_intervals"),
        Input("step-btn", "n_clicks"),
        Input("run-btn", "n_clicks"),
        Input("reset-btn", "n_clicks"),
        Input("regime", "value"),
        Input("compare", "value"),
        Input({"role": "lever", "key": ALL}, "value"),
        Input({"role": "mix", "key": ALL}, "value"),
        Input("size", "value"),
        Input("seed", "value"),
        Input("speed", "value"),
        Input("lang", "value"),
        Input("org-view", "value"),
        State("sid", "data"),
        State("shown", "data"),
    )
    def update(
        _tick,
        _step,
        _run,
        _reset,
        preset,
        compare,
        levers,
        mix,
        size,
        seed,
        speed,
        lang,
        org,
        sid,
        shown,
    ):  # noqa: ANN001, ANN202
        lang = validate.lang(lang)
        blank = [no_update] * (len(run_outputs) + 6)
        try:
            inp = parse_inputs(preset, compare, levers, mix, size, seed, speed)
            org = validate.choice(org, "org_view", figures.ORG_VIEWS)
        except InputError as exc:  # a crafted request: say so, touch nothing
            return [no_update, f"{t('bad_input', lang)} {exc.text(lang)}", *blank[2:]]
        triggers = _trigger_names()
        try:
            session, created = STORE.get_or_create(sid, lambda: handle(None, triggers, inp))
        except StoreFull as exc:
            return [no_update, exc.text(lang), True, *blank[3:]]
        if not created:
            with session.lock:
                handle(session, triggers, inp)
        with session.lock:
            runs, record = render_views(session, lang, shown, org)
            month = str(session.runs[0].step_count)
            running = session.running
            message = render_message(session, lang)
        out: list[Any] = [
            month,
            message,
            not running,
            t("pause" if running else "run", lang),
            {} if len(runs) > 1 else {"display": "none"},
            record,
        ]
        for i in (0, 1):
            if i < len(runs):
                r = runs[i]
                out += [r["title"], *r["counters"], *(r[name] for name in FIGURES), r["rings"]]
            else:
                out += [no_update] * (1 + len(COUNTERS) + len(FIGURES) + 1)
        return out

    from . import app as app_layout  # noqa: PLC0415  (app imports this module)

    for i in (0, 1):  # the units view: a clicked unit's cadres
        app.callback(
            Output(f"unit-detail-{i}", "children"),
            Input(f"network-{i}", "clickData"),
            Input("lang", "value"),
            State("sid", "data"),
            prevent_initial_call=True,
        )(lambda click, lang, sid, i=i: unit_detail(sid, i, click, lang))

    for i in (0, 1):  # assets/rings.js restyles the drawn network (no output)
        app.clientside_callback(
            ClientsideFunction(namespace="cadresim", function_name="rings"),
            Input(f"rings-{i}", "data"),
            State(f"network-{i}", "id"),
            prevent_initial_call=True,
        )

    @app.callback(
        Output({"role": "i18n", "key": ALL, "n": ALL}, "children"),
        Output({"role": "type-label", "key": ALL}, "children"),
        Output("step-btn", "children"),
        Output("reset-btn", "children"),
        Output("month-label", "children"),
        Output("all-cards", "children"),
        Output("export-html-btn", "children"),
        Output("export-csv-btn", "children"),
        Output("export-cmd-btn", "children"),
        Output("regime", "options"),
        Output("compare", "options"),
        Output("org-view", "options"),
        Input("lang", "value"),
    )
    def translate(lang: str):  # noqa: ANN202
        lang = validate.lang(lang)
        keys = [o["id"]["key"] for o in ctx.outputs_list[0]]
        types = [o["id"]["key"] for o in ctx.outputs_list[1]]
        return (
            [t(k, lang) for k in keys],
            [t(k, lang) for k in types],
            t("step", lang),
            t("reset", lang),
            t("month", lang),
            render_all_cards(lang),
            t("export_html", lang),
            t("export_csv", lang),
            t("export_cmd", lang),
            app_layout.regime_options(lang),
            app_layout.regime_options(lang, blank=True),
            app_layout.org_options(lang),
        )

    register_export(app, "sid", _export_session)

    @app.callback(
        Output("cards", "children"),
        Input("regime", "value"),
        Input("compare", "value"),
        Input("lang", "value"),
    )
    def cards(preset: str, compare: str, lang: str) -> list[Any]:
        known = preset_names()
        if preset not in known or (compare and compare not in known):
            return no_update  # a crafted request; `update` says so
        return render_cards(preset, compare or None, validate.lang(lang))
