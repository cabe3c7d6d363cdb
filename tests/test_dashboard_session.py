"""Dashboard logic without a browser: levers, sessions, callbacks, layout, cards, command."""

from __future__ import annotations

import copy
import json
import socket
from typing import Any

import numpy as np
import pytest
from dash import Patch, no_update

from cadresim.agents.types import TYPE_NAMES, ZH_NAMES
from cadresim.dashboard import app, command
from cadresim.dashboard.callbacks import (
    FIGURES,
    Inputs,
    handle,
    lever_text,
    render_cards,
    render_run,
    render_views,
)
from cadresim.dashboard.cards import CARDS
from cadresim.dashboard.i18n import LABELS, t
from cadresim.dashboard.layout_network import hierarchy_layout
from cadresim.dashboard.levers import (
    LEVER_KEYS,
    LEVERS,
    default_mix,
    from_widget,
    preset_config,
    preset_lever_values,
    preset_names,
    scenario_config,
    widget_value,
    with_levers,
)
from cadresim.dashboard.session import Run, Scenario, Session, SessionStore, StoreFull
from cadresim.model.config import ConfigError, load_config
from cadresim.model.metrics import GATES, step_table
from cadresim.model.network import build_organisation
from cadresim.vocabulary import type_label

SMALL = 300


def inputs(**kw) -> Inputs:  # noqa: ANN003
    base = {"size": SMALL, "seed": 7, "preset": "baseline"}
    base.update(kw)
    if "levers" not in base:
        base["levers"] = dict(zip(LEVER_KEYS, preset_lever_values(base["preset"]), strict=True))
    return Inputs(**base)


def test_presets_and_lever_values_come_from_the_yaml() -> None:
    assert set(preset_names()) >= {"baseline", "strict_accountability", "three_mechanisms"}
    assert preset_names()[0] == "baseline"
    values = dict(zip(LEVER_KEYS, preset_lever_values("three_mechanisms"), strict=True))
    assert values["policy.incentive.reward"] == 1.5
    assert values["policy.tolerance.coverage"] == 0.7
    for lever, value in zip(LEVERS, preset_lever_values("strict_accountability"), strict=True):
        assert lever.lo <= value <= lever.hi, lever.key


def test_with_levers_validates_on_a_copy_and_switches_tolerance_on() -> None:
    cfg = preset_config("baseline")
    assert not cfg.policy.tolerance.enabled
    new = with_levers(cfg, {"policy.tolerance.coverage": 0.9})
    assert new.policy.tolerance.enabled and new.policy.tolerance.coverage == 0.9
    assert cfg.policy.tolerance.coverage == 0.0  # the original is untouched
    with pytest.raises(ConfigError, match=r"policy.accountability.detection.*\[0, 1\]"):
        with_levers(cfg, {"policy.accountability.detection": 1.5})


def test_scenario_config_rejects_a_mix_not_summing_to_one_and_bad_sizes() -> None:
    mix = default_mix() | {"unwilling": 0.5}
    with pytest.raises(ConfigError, match="population.mix sums to"):
        scenario_config("baseline", None, mix, 500, 0)
    with pytest.raises(ConfigError, match="population.size"):
        scenario_config("baseline", None, default_mix(), 10, 0)
    with pytest.raises(ConfigError, match="population.mix.afraid is empty"):
        scenario_config("baseline", None, default_mix() | {"afraid": None}, 500, 0)
    with pytest.raises(ConfigError, match="seed"):
        scenario_config("baseline", None, default_mix(), 500, 1.5)


def test_side_by_side_runs_share_population_and_network() -> None:
    s = Session.start(
        Scenario("strict_accountability", "three_mechanisms", None, default_mix(), SMALL, 4)
    )
    a, b = s.runs
    assert a.config.policy.name == "strict_accountability"
    assert b.config.policy.name == "three_mechanisms"
    assert np.array_equal(a.types(), b.types())
    assert (a.engine.org.adjacency != b.engine.org.adjacency).nnz == 0
    np.testing.assert_array_equal(a.layout.x, b.layout.x)
    s.step(6)
    assert a.counters()["exemptions"] == 0 < b.counters()["exemptions"]


def test_handle_step_run_and_tick() -> None:
    s = handle(None, set(), inputs())
    assert s.runs[0].step_count == 0 and not s.running
    handle(s, {"step-btn"}, inputs())
    assert s.runs[0].step_count == 1
    handle(s, {"tick"}, inputs())  # paused: a tick does nothing
    assert s.runs[0].step_count == 1
    handle(s, {"run-btn"}, inputs())
    handle(s, {"tick"}, inputs(speed=5))
    assert s.running and s.runs[0].step_count == 6
    handle(s, {"run-btn"}, inputs())
    assert not s.running


def test_a_lever_changed_mid_run_acts_from_the_next_step() -> None:
    plain, changed = handle(None, set(), inputs()), handle(None, set(), inputs())
    for s in (plain, changed):
        handle(s, {"step-btn"}, inputs())
        handle(s, {"step-btn"}, inputs())
    lev = inputs().levers | {"policy.tolerance.coverage": 1.0}
    handle(changed, {"lever"}, inputs(levers=lev))
    assert changed.runs[0].config.policy.tolerance.coverage == 1.0
    assert changed.runs[0].step_count == 2  # not reset
    np.testing.assert_array_equal(
        plain.runs[0].series()["error_rate"], changed.runs[0].series()["error_rate"]
    )
    for s in (plain, changed):
        for _ in range(3):
            handle(s, {"step-btn"}, inputs())
    assert plain.runs[0].counters()["exemptions"] == 0
    assert changed.runs[0].counters()["exemptions"] > 0


NEW_PRESETS = ("promotion_orientation", "inaction_accountability", "education_only")


def _dropdown_options(component: Any, dropdown_id: str) -> list[str]:
    """The option values of a dropdown somewhere in a layout tree."""
    if getattr(component, "id", None) == dropdown_id:
        return [o if isinstance(o, str) else o["value"] for o in component.options]
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str):
            found = _dropdown_options(child, dropdown_id)
            if found:
                return found
    return []


def test_preset_dropdowns_list_the_new_presets_with_cards() -> None:
    controls = app.controls()
    for dropdown in ("regime", "compare"):
        assert set(NEW_PRESETS) <= set(_dropdown_options(controls, dropdown)), dropdown
    assert set(NEW_PRESETS) <= set(CARDS)
    assert len(render_cards("promotion_orientation", "education_only", "zh")) == 2


def test_new_levers_read_the_presets() -> None:
    for preset in preset_names():  # every preset's values sit on its sliders
        for lever, value in zip(LEVERS, preset_lever_values(preset), strict=True):
            assert lever.lo <= value <= lever.hi, (preset, lever.key)
    base = dict(zip(LEVER_KEYS, preset_lever_values("baseline"), strict=True))
    assert base["policy.evaluation.orientation"] == 0.0
    assert base["policy.evaluation.protection"] == 0.0
    assert base["policy.education.rate"] == 0.0  # education off (its rate would be 0.02)
    assert base["policy.careers.transfer"] == 0.5
    promo = dict(zip(LEVER_KEYS, preset_lever_values("promotion_orientation"), strict=True))
    assert promo["policy.evaluation.orientation"] == 1.0
    assert promo["policy.evaluation.protection"] == 1.0
    idle = dict(zip(LEVER_KEYS, preset_lever_values("inaction_accountability"), strict=True))
    assert idle["policy.accountability.inaction_detection"] == 0.2
    assert idle["policy.accountability.inaction_penalty"] == 1.5
    edu = dict(zip(LEVER_KEYS, preset_lever_values("education_only"), strict=True))
    assert edu["policy.education.rate"] == 0.02


def test_education_lever_and_protection_switch_set_their_keys() -> None:
    cfg = preset_config("baseline")
    on = with_levers(cfg, {"policy.education.rate": 0.05, "policy.evaluation.protection": 1.0})
    assert on.policy.education.enabled and on.policy.education.rate == 0.05
    assert on.policy.evaluation.protection is True
    off = with_levers(on, {"policy.education.rate": 0.0, "policy.evaluation.protection": 0.0})
    assert not off.policy.education.enabled
    assert off.policy.evaluation.protection is False
    with pytest.raises(ConfigError, match="policy.careers.transfer"):
        with_levers(cfg, {"policy.careers.transfer": 1.2})
    # the switch is a checklist on the page: [1] on, [] off
    key = "policy.evaluation.protection"
    assert widget_value(key, 1.0) == [1] and widget_value(key, 0.0) == []
    assert from_widget(key, [1]) == 1.0 and from_widget(key, []) == 0.0
    assert from_widget("policy.evaluation.orientation", 0.4) == 0.4
    assert lever_text(key, [1], "zh") == "开" and lever_text(key, [], "en") == "off"
    assert lever_text("policy.accountability.career_cost", 2.5, "en") == "2.5"


NEW_LEVERS = {
    "policy.evaluation.orientation": 1.0,
    "policy.evaluation.protection": 1.0,
    "policy.accountability.inaction_detection": 0.3,
    "policy.accountability.career_cost": 0.0,
    "policy.education.rate": 0.05,
    "policy.careers.transfer": 1.0,
}


def test_new_levers_change_the_engine_from_the_next_month() -> None:
    plain, changed = handle(None, set(), inputs()), handle(None, set(), inputs())
    for s in (plain, changed):
        handle(s, {"step-btn"}, inputs())
        handle(s, {"step-btn"}, inputs())
    motivation = changed.runs[0].engine.state.motivation.copy()
    handle(changed, {"lever"}, inputs(levers=inputs().levers | NEW_LEVERS))
    run = changed.runs[0]
    pol = run.config.policy
    assert run.step_count == 2  # not reset
    assert pol.evaluation.orientation == 1.0 and pol.evaluation.protection is True
    assert pol.accountability.inaction_detection == 0.3
    assert pol.accountability.career_cost == 0.0
    assert pol.education.enabled and pol.education.rate == 0.05
    assert pol.careers.transfer == 1.0
    assert run.engine.cfg.policy is pol  # the engine reads the new policy from now on
    # nothing drawn so far changes: the months already run stay as they were
    np.testing.assert_array_equal(plain.runs[0].gate_means(), run.gate_means())
    np.testing.assert_array_equal(motivation, run.engine.state.motivation)
    for s in (plain, changed):
        handle(s, {"step-btn"}, inputs())
    # next month: no career cost opens the Dc gate to sigma(theta_c / tau_c) for everyone,
    # and education raised motivation
    beh = run.config.behaviour
    open_dc = 1.0 / (1.0 + np.exp(-beh.career_threshold / beh.career_temperature))
    dc = GATES.index("gate_career")
    np.testing.assert_allclose(run.gate_means()[:, dc], open_dc, rtol=1e-5)
    assert (plain.runs[0].gate_means()[:, dc] < open_dc - 1e-3).any()
    assert (run.engine.state.motivation >= motivation).all()
    assert (run.engine.state.motivation > motivation).any()
    assert changed.scenario.levers["policy.careers.transfer"] == 1.0  # what a reset keeps


def test_gate_view_six_cohorts_by_five_gates_in_both_languages() -> None:
    s = handle(None, set(), inputs(preset="promotion_orientation"))
    blank = render_run(s, 0, "en")["gates"]
    assert all(v is None for row in blank["data"][0]["z"] for v in row)  # none before month 1
    assert "press Step" in blank["layout"]["annotations"][0]["text"]
    for _ in range(3):
        handle(s, {"step-btn"}, inputs(preset="promotion_orientation"))
    en, zh = render_run(s, 0, "en")["gates"], render_run(s, 0, "zh")["gates"]
    heat = en["data"][0]
    assert heat["type"] == "heatmap" and heat["y"] == [type_label(n, "en") for n in TYPE_NAMES]
    assert len(heat["z"]) == 6 and all(len(row) == 5 for row in heat["z"])
    assert all(0.0 <= v <= 1.0 for row in heat["z"] for v in row)
    assert heat["x"] == [t(gate, "en") for gate in GATES]
    assert zh["data"][0]["y"] == [ZH_NAMES[n] for n in TYPE_NAMES]
    assert zh["data"][0]["x"] == ["O 会为", "W 想为", "E 愿为", "Dc 敢为", "De 不怕为"]
    assert zh["data"][0]["z"] == heat["z"] and "为何不作为" in zh["layout"]["title"]["text"]
    assert en["layout"]["annotations"] == []
    # the engine's own table of the month agrees (cohort rows, gate columns)
    table = step_table(s.runs[0].engine.tally_array())
    month = table[(table.step == 3) & (table.grouping == "cohort")].set_index("type")
    expected = month.loc[list(TYPE_NAMES), list(GATES)].to_numpy()
    np.testing.assert_allclose(np.array(heat["z"], dtype=float), expected, atol=1e-4)
    # each deficit type is held back most by its own gate
    own = ("gate_want", "gate_opportunity", "gate_career", "gate_bother", "gate_punish")
    for row, gate in zip(heat["z"], own, strict=False):
        assert int(np.argmin(row)) == GATES.index(gate)


def test_invalid_mix_gives_a_message_and_keeps_the_run() -> None:
    s = handle(None, set(), inputs())
    handle(s, {"step-btn"}, inputs())
    run = s.runs[0]
    handle(s, {"mix"}, inputs(mix=default_mix() | {"proactive": 0.9}))
    assert "population.mix sums to" in s.message
    assert s.runs[0] is run and run.step_count == 1
    handle(s, {"step-btn"}, inputs())
    assert s.message and run.step_count == 2  # message stays until a valid change
    handle(s, {"seed"}, inputs(seed=8))
    assert s.message == "" and s.runs[0] is not run and s.runs[0].step_count == 0


def test_invalid_input_on_a_new_session_still_gives_a_session() -> None:
    s = handle(None, {"size"}, inputs(size=-3))
    assert "population.size" in s.message
    assert s.runs and s.runs[0].step_count == 0


def test_regime_change_resets_with_the_presets_levers() -> None:
    s = handle(None, set(), inputs())
    handle(s, {"step-btn"}, inputs())
    stale = inputs().levers  # the sliders still show baseline values
    handle(s, {"regime", "lever"}, inputs(preset="tolerance_overbroad", levers=stale))
    cfg = s.runs[0].config
    assert cfg.policy.name == "tolerance_overbroad" and s.runs[0].step_count == 0
    assert cfg.policy.tolerance.coverage == 1.0 and cfg.policy.tolerance.screening == 0.3


def test_render_run_in_both_languages() -> None:
    s = handle(None, set(), inputs(preset="three_mechanisms", compare="baseline"))
    handle(s, {"step-btn"}, inputs(preset="three_mechanisms", compare="baseline"))
    en, zh = render_run(s, 1, "en"), render_run(s, 1, "zh")
    assert "Baseline" in en["title"] and "基准" in zh["title"] and "modified" not in en["title"]
    assert len(en["series"]["data"]) == 3 and len(en["series"]["data"][0]["x"]) == 1
    assert en["types"]["data"][0]["x"] == [type_label(n, "en") for n in TYPE_NAMES]
    assert zh["types"]["data"][0]["x"] == [ZH_NAMES[n] for n in TYPE_NAMES]
    nodes = sum(len(tr["x"]) for tr in en["network"]["data"][1:7])
    assert nodes == SMALL
    assert all(c.replace(",", "").isdigit() for c in en["counters"])


def apply_patch(figure: dict[str, Any], patch: Patch) -> dict[str, Any]:
    """A figure after a patch, as the page applies it (the Assign and Extend operations)."""
    figure = json.loads(json.dumps(figure))  # as the page has it: no list shared by traces
    for op in patch.to_plotly_json()["operations"]:
        *path, last = op["location"]
        node = figure
        for key in path:
            node = node[key]
        if op["operation"] == "Assign":
            node[last] = op["params"]["value"]
        else:
            assert op["operation"] == "Extend", op
            node[last].extend(op["params"]["value"])
    return figure


def apply_rings(figure: dict[str, Any], rings: dict[str, Any]) -> dict[str, Any]:
    """A network figure with rings as assets/rings.js sets them."""
    figure = json.loads(json.dumps(figure))
    assert figure["layout"]["meta"]["rings"] == rings["key"]
    for k, codes in enumerate(rings["codes"]):
        line = figure["data"][rings["first"] + k]["marker"]["line"]
        line["color"] = [rings["colours"][c] for c in codes]
        line["width"] = [rings["widths"][c] for c in codes]
    figure["layout"]["meta"]["month"] = rings["month"]
    return figure


def test_views_while_running_are_patches_that_rebuild_the_full_figures() -> None:
    """Series and bars patched, rings sent alone; answers the page drops change nothing."""
    kw = {"compare": "three_mechanisms"}
    s = handle(None, set(), inputs(**kw))
    views, shown = render_views(s, "en", None)
    page = [{name: view[name] for name in FIGURES} for view in views]
    assert all(view["rings"] is no_update for view in views)
    handle(s, {"run-btn"}, inputs(**kw))
    for tick in range(7):  # 10 months: before the first evaluation moves cadres between posts
        handle(s, {"tick"}, inputs(**kw, speed=1 + tick % 2))
        views, record = render_views(s, "en", shown)
        if tick in (2, 5):
            continue  # dropped: superseded by the next tick before it was applied
        shown = record
        for panel, view in zip(page, views, strict=True):
            assert view["network"] is no_update  # the cadres kept their types
            panel["series"] = apply_patch(panel["series"], view["series"])
            panel["types"] = apply_patch(panel["types"], view["types"])
            panel["gates"] = apply_patch(panel["gates"], view["gates"])
            panel["network"] = apply_rings(panel["network"], view["rings"])
    full = [render_run(s, i, "en") for i in (0, 1)]
    assert s.runs[0].step_count == sum(1 + t % 2 for t in range(7))
    for panel, view in zip(page, full, strict=True):
        assert panel["series"] == view["series"]
        assert panel["types"] == view["types"]
        assert panel["gates"] == view["gates"]
        assert panel["network"]["data"] == view["network"]["data"]


def test_views_are_sent_whole_for_a_new_run_language_or_types() -> None:
    s = handle(None, set(), inputs())
    _, shown = render_views(s, "en", None)
    views, same = render_views(s, "en", shown)  # nothing happened
    assert same == shown
    assert all(views[0][name] is no_update for name in (*FIGURES, "rings"))
    views, _ = render_views(s, "zh", shown)
    assert views[0]["network"]["data"][1]["name"] == t(TYPE_NAMES[0], "zh")
    assert isinstance(views[0]["series"], dict) and views[0]["rings"] is no_update
    handle(s, {"step-btn"}, inputs())
    moved = copy.deepcopy(shown)
    moved["runs"][0]["types"] = "other"  # as if cadres had changed type since
    views, _ = render_views(s, "en", moved)
    assert isinstance(views[0]["series"], Patch) and isinstance(views[0]["network"], dict)
    assert views[0]["rings"] is no_update
    handle(s, {"seed"}, inputs(seed=8))  # a new run
    views, _ = render_views(s, "en", shown)
    assert all(isinstance(views[0][name], dict) for name in FIGURES)


def test_hierarchy_layout_puts_each_cadre_below_its_supervisor() -> None:
    cfg = load_config(["population.size=1000"])
    org = build_organisation(cfg.network, 1000, np.random.default_rng(0))
    lay = hierarchy_layout(org)
    assert np.isfinite(lay.x).all() and np.isfinite(lay.y).all()
    has = org.supervisor >= 0
    assert (lay.y[has] < lay.y[org.supervisor[has]]).all()
    assert lay.y[0] == lay.y.max()
    assert len(lay.edge_x) == 3 * int(has.sum())
    flat = load_config(["network=small_world", "population.size=100"])
    org = build_organisation(flat.network, 100, np.random.default_rng(0))
    grid = hierarchy_layout(org)
    assert len({(x, y) for x, y in zip(grid.x, grid.y, strict=True)}) == 100


def test_run_actions_follow_the_latest_step() -> None:
    run = Run(scenario_config("tolerance_overbroad", None, default_mix(), SMALL, 1))
    run.step(3)
    actions = run.actions()
    s = run.engine.state
    assert (actions[s.sanctioned] == 5).all() and (actions[~s.acted & ~s.sanctioned] == 0).all()


def test_store_refuses_past_the_cap_and_expires_idle_sessions() -> None:
    now = [0.0]
    store = SessionStore(capacity=2, idle_minutes=10, clock=lambda: now[0])
    made = [Session.start(Scenario(size=60, mix=default_mix())) for _ in range(3)]
    store.put("0", made[0])
    now[0] = 300.0
    store.put("1", made[1])
    with pytest.raises(StoreFull) as full:  # nobody is evicted to make room
        store.get_or_create("2", lambda: made[2])
    assert "at most 2 sessions" in str(full.value) and "10 minutes" in str(full.value)
    assert "最多保留 2 个会话" in full.value.text("zh")
    assert store.get("0") is made[0] and store.get("1") is made[1] and len(store) == 2
    got, created = store.get_or_create("1", lambda: made[2])
    assert got is made[1] and not created
    now[0] = 300.0 + 9 * 60  # "0" was last touched at 300 s, "1" at 300 s: both idle 9 min
    assert len(store) == 2
    assert store.get("1") is made[1]  # touched: idle time starts again
    now[0] = 300.0 + 10 * 60 + 1  # "0" idle > 10 min: expired; "1" idle 1 min
    got, created = store.get_or_create("2", lambda: made[2])
    assert created and store.get("0") is None and store.get("1") is made[1]


def test_cards_and_labels_cover_presets_and_both_languages() -> None:
    assert set(preset_names()) <= set(CARDS)
    for card in CARDS.values():
        assert all(card.title) and all(card.what) and all(card.watch)
    assert t("afraid", "zh") == "不敢为" and t("afraid", "en") == "Afraid"
    assert all(en and zh for key, (en, zh) in LABELS.items() if key != "ok")
    for lever in LEVERS:
        assert t(lever.key, "en") != lever.key and t(lever.key, "zh") != t(lever.key, "en")
        assert lever.group in LABELS
        assert all(key in LABELS for key in lever.marks or ())
    assert all(t(gate, "en") != gate and t(gate, "zh") != t(gate, "en") for gate in GATES)
    assert len(render_cards("strict_accountability", "three_mechanisms", "zh")) == 2


def test_command_exits_2_when_the_port_is_taken(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(SystemExit) as exc:
            command.run(["--port", str(port)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"port {port}" in err and "already in use" in err
    with pytest.raises(SystemExit) as exc:
        command.run(["--port", "70000"])
    assert exc.value.code == 2


@pytest.mark.parametrize(
    ("host", "fragment"),
    [
        ("192.0.2.1", "is not an address of this machine"),  # TEST-NET-1: never local
        ("no-such-host.invalid", "is not an address or a known host name"),
    ],
)
def test_a_host_that_cannot_be_bound_is_not_called_a_taken_port(
    host: str, fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Binding fails for other reasons than a taken port; the message says which."""
    with pytest.raises(SystemExit) as exc:
        command.run(["--host", host, "--port", "8050"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err and "already in use" not in err


@pytest.mark.parametrize("speed", [10**9, -3, 0, 3, "10", 1.5, True])
def test_a_crafted_speed_is_refused_without_running(speed) -> None:
    """The page offers 1, 2, 5 and 10 months per tick; any other value (a crafted request)
    gets a message and runs nothing, so one request cannot pin the server."""
    s = handle(None, set(), inputs())
    handle(s, {"run-btn"}, inputs())
    handle(s, {"tick"}, inputs(speed=speed))
    assert s.runs[0].step_count == 0
    assert "speed" in s.message
    handle(s, {"tick"}, inputs(speed=5))  # the page's own speeds still run
    assert s.runs[0].step_count == 5
