"""Crafted callback requests (no browser): each invalid value gets a message in the page and a
200, the session is left as it was, and no request makes the server do more than the page could.

Requests are posted to Dash's own endpoint, built from the app's `/_dash-dependencies`, as the
browser would send them, with one value replaced.
"""

from __future__ import annotations

import json
import math
import uuid
from typing import Any

import pytest

from cadresim.agents.types import TYPE_NAMES
from cadresim.dashboard.app import create_app
from cadresim.dashboard.challenges import challenge_names, load_challenge
from cadresim.dashboard.classroom import Room
from cadresim.dashboard.classroom_app import create_classroom
from cadresim.dashboard.facilitator_page import facilitator_action
from cadresim.dashboard.levers import LEVER_KEYS, default_mix, preset_lever_values, widget_value
from cadresim.dashboard.session import SessionStore
from cadresim.dashboard.team_page import join_action, lever_action
from cadresim.dashboard.validate import InputError
from cadresim.vocabulary import LANGS, lever_name

SIZE = 200


@pytest.fixture(scope="module")
def client() -> Any:
    app = create_app()
    test_client = app.server.test_client()
    deps = test_client.get("/_dash-dependencies").get_json()
    spec = next(d for d in deps if d["output"].startswith("..month.children"))
    return test_client, spec


def good_values() -> dict[str, Any]:
    levers = [
        widget_value(k, v) for k, v in zip(LEVER_KEYS, preset_lever_values("baseline"), strict=True)
    ]
    return {
        "tick": 0,
        "step-btn": None,
        "run-btn": None,
        "reset-btn": None,
        "regime": "baseline",
        "compare": "",
        "lever": levers,
        "mix": list(default_mix().values()),
        "size": SIZE,
        "seed": 0,
        "speed": 1,
        "lang": "en",
        "org-view": "auto",
    }


def _entries(spec_id: str, prop: str, value: Any) -> Any:
    if not spec_id.startswith("{"):
        return {"id": spec_id, "property": prop, "value": value}
    role = json.loads(spec_id)["role"]
    names = LEVER_KEYS if role == "lever" else TYPE_NAMES
    return [
        {"id": {"role": role, "key": names[i] if i < len(names) else f"extra{i}"}, "property": prop,
         "value": v}
        for i, v in enumerate(value)
    ]  # fmt: skip


def post(client: Any, sid: str, changed: str, **replace: Any) -> dict[str, Any]:
    """Post the update callback with the page's values, some replaced; the JSON answer."""
    test_client, spec = client
    values = good_values() | replace
    inputs = []
    for item in spec["inputs"]:
        key = json.loads(item["id"])["role"] if item["id"].startswith("{") else item["id"]
        inputs.append(_entries(item["id"], item["property"], values[key]))
    outputs = []
    for part in spec["output"].strip(".").split("..."):
        cid, prop = part.rsplit(".", 1)
        outputs.append({"id": cid, "property": prop})
    body = {
        "output": spec["output"],
        "outputs": outputs,
        "inputs": inputs,
        "state": [
            {"id": "sid", "property": "data", "value": sid},
            {"id": "shown", "property": "data", "value": None},
        ],
        "changedPropIds": [changed],
    }
    raw = json.dumps(body)  # allow_nan: NaN goes out as the literal a crafted request can send
    answer = test_client.post("/_dash-update-component", data=raw, content_type="application/json")
    assert answer.status_code == 200, answer.data[:300]
    return answer.get_json()["response"]


def start(client: Any) -> str:
    """A new session, as a page load creates it (then month 0); its id."""
    sid = uuid.uuid4().hex
    assert month(post(client, sid, "lang.value")) == "0"
    return sid


def message(response: dict[str, Any]) -> str:
    return response.get("message", {}).get("children", "")


def month(response: dict[str, Any]) -> str | None:
    return response.get("month", {}).get("children")


@pytest.mark.parametrize(
    ("changed", "replace", "named"),
    [
        ("size.value", {"size": math.nan}, "population.size"),
        ("size.value", {"size": math.inf}, "population.size"),
        ("tick.n_intervals", {"speed": 10**9, "tick": 1}, "speed"),
        ("tick.n_intervals", {"speed": math.nan, "tick": 1}, "speed"),
        ("seed.value", {"seed": -1}, "seed"),
        ("mix.value", {"mix": [0.2] * 7}, "population.mix"),
        ("mix.value", {"mix": [math.nan] * 6}, "population.mix"),
        ("lever.value", {"lever": [0.0] * (len(LEVER_KEYS) - 1)}, "levers"),
        ("lever.value", {"lever": "x"}, "levers"),
        ("regime.value", {"regime": "no_such_regime"}, "regime"),
        ("compare.value", {"compare": 7}, "compare"),
        ("org-view.value", {"org-view": "sideways"}, "org_view"),
    ],
)
def test_a_crafted_value_gets_a_message_and_changes_nothing(
    client: Any, changed: str, replace: dict[str, Any], named: str
) -> None:
    sid = start(client)
    assert month(post(client, sid, "step-btn.n_clicks", **{"step-btn": 1})) == "1"
    response = post(client, sid, changed, **replace)
    assert named in message(response) and "Not applied" in message(response)
    assert month(response) is None  # nothing rendered: the session was not touched
    assert month(post(client, sid, "step-btn.n_clicks", **{"step-btn": 2})) == "2"  # run intact


def test_a_lever_beyond_its_slider_is_refused_in_both_languages(client: Any) -> None:
    sid = start(client)
    levers = good_values()["lever"]
    k = LEVER_KEYS.index("policy.incentive.reward")
    levers[k] = 9.0  # within the model's range [0, 10], beyond the page's slider [0, 3]
    en = message(post(client, sid, "lever.value", lever=levers))
    assert "policy.incentive.reward" in en and "[0, 3]" in en
    zh = message(post(client, sid, "lever.value", lever=levers, lang="zh"))
    assert "未生效" in zh and lever_name("policy.incentive.reward", "zh") in zh and "无效" in zh


def test_a_mix_not_summing_to_one_is_explained_in_chinese(client: Any) -> None:
    sid = start(client)
    mix = list(default_mix().values())
    mix[0] += 0.3
    zh = message(post(client, sid, "mix.value", mix=mix, lang="zh"))
    assert "干部类型构成合计" in zh and "须为1" in zh
    assert month(post(client, sid, "step-btn.n_clicks", **{"step-btn": 1})) == "1"


def test_the_store_cap_gives_the_message_in_the_page(client: Any) -> None:
    from cadresim.dashboard.session import STORE  # noqa: PLC0415

    saved = STORE.capacity
    try:
        STORE.configure(len(STORE), STORE.idle_minutes)
        response = post(client, uuid.uuid4().hex, "step-btn.n_clicks", **{"step-btn": 1})
        assert "The dashboard is full" in message(response) and "--max-sessions" in message(
            response
        )
        assert month(response) is None
    finally:
        STORE.configure(saved, STORE.idle_minutes)


# ----------------------------------------------------------------- classroom inputs


@pytest.fixture
def room() -> Room:
    return Room(load_challenge("poor_screening"), SessionStore(capacity=3))


def test_joining_checks_code_name_and_cap(room: Room) -> None:
    assert join_action(room, "WRONG", "A", "en")[0] is None
    team, msg = join_action(room, room.code, "", "en")
    assert team is None and "team" in msg
    team, msg = join_action(room, room.code, "x" * 100, "zh")
    assert team is None and "小组名称" in msg
    for name in ("A", "B", "C"):
        assert join_action(room, room.code.lower(), name, "en")[0] is not None
    team, msg = join_action(room, room.code, "D", "en")
    assert team is None and "at most 3 sessions" in msg
    assert join_action(room, room.code, "A", "en")[0] is not None  # rejoining takes no place


def test_team_levers_refuse_wrong_lengths_nan_and_hidden_levers(room: Room) -> None:
    team = room.join(room.code, "A")
    keys = team.lever_keys
    assert "policy.tolerance.screening" not in keys  # hidden by the challenge
    assert "levers" in lever_action(room, "A", [0.0] * (len(keys) + 1), "en")
    values = [widget_value(k, v) for k, v in team.levers().items()]
    k = keys.index("policy.tolerance.coverage")
    values[k] = math.nan
    assert "policy.tolerance.coverage" in lever_action(room, "A", values, "en")
    assert team.levers()["policy.tolerance.coverage"] == 0.0
    with pytest.raises(InputError):
        room.set_levers(team, {"policy.tolerance.screening": 1.0})
    assert "expired" in lever_action(room, "nobody", values, "en")


def test_facilitator_speed_and_advance_are_bounded(room: Room) -> None:
    room.join(room.code, "A")
    room.running = True
    with pytest.raises(InputError):
        facilitator_action(room, "clock", 10**9, [0.0], 1000)
    with pytest.raises(InputError):
        room.advance(10**6)
    assert room.month == 0
    facilitator_action(room, "clock", 2, [0.0], 1000)
    assert room.month == 2 and room.teams()[0].run.step_count == 2


def test_facilitator_page_needs_its_key() -> None:
    server, room, _ = create_classroom(store=SessionStore(capacity=2))
    test_client = server.test_client()
    deps = test_client.get("/facilitator/_dash-dependencies").get_json()
    spec = next(d for d in deps if d["output"].startswith("..room-status.children"))
    values = {"clock": 1, "start-btn": None, "advance-btn": 1, "year-btn": None,
              "reveal-btn": None, "reset-room-btn": None, "lang": "en",
              "outcome": "initiative_rate", "speed": 1}  # fmt: skip
    outputs = [
        {"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
        for part in spec["output"].strip(".").split("...")
    ]

    def call(search: str) -> dict[str, Any]:
        body = {
            "output": spec["output"],
            "outputs": outputs,
            "inputs": [
                {"id": i["id"], "property": i["property"], "value": values[i["id"]]}
                for i in spec["inputs"]
            ],  # fmt: skip
            "state": [
                {"id": "speed", "property": "value", "value": 1},
                {"id": "url", "property": "search", "value": search},
            ],  # fmt: skip
            "changedPropIds": ["advance-btn.n_clicks"],
        }
        answer = test_client.post("/facilitator/_dash-update-component", json=body)
        assert answer.status_code == 200
        return answer.get_json()["response"]

    refused = call("?key=guess")
    assert "facilitator's link" in refused["message"]["children"] and room.month == 0
    call(f"?key={room.key}")
    assert room.month == 1


def test_every_challenge_and_its_hidden_conditions_have_both_languages() -> None:
    for name in challenge_names():
        ch = load_challenge(name)
        assert all(ch.title) and all(ch.goal) and all(ch.reveal) and ch.targets
        for key, _ in ch.hidden:
            assert {lever_name(key, lang) for lang in LANGS} - {key}
            assert lever_name(key, "zh") != lever_name(key, "en")
