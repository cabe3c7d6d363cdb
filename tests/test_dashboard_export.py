"""Keeping a session (snapshot, CSV, command) and the server's flags, without a browser."""

from __future__ import annotations

import io
import shlex

import pandas as pd
import pytest

from cadresim.dashboard import command, export
from cadresim.dashboard.callbacks import Inputs, handle, render_export
from cadresim.dashboard.challenges import load_challenge
from cadresim.dashboard.classroom import Room
from cadresim.dashboard.levers import LEVER_KEYS, lever_values
from cadresim.dashboard.session import SessionStore
from cadresim.dashboard.team_page import team_export
from cadresim.model.config import load_config

SIZE = 200


def session_with_moves():  # noqa: ANN201
    inp = Inputs(size=SIZE, seed=4)
    s = handle(None, set(), inp)
    handle(s, {"step-btn"}, inp)
    handle(s, {"lever"}, Inputs(size=SIZE, seed=4, levers={"policy.tolerance.coverage": 0.6}))
    handle(s, {"step-btn"}, inp)
    handle(s, {"lever"}, Inputs(size=SIZE, seed=4, levers={"policy.incentive.reward": 2.0}))
    handle(s, {"step-btn"}, inp)
    return s


def test_the_command_composes_the_sessions_config() -> None:
    s = session_with_moves()
    line = export.command(s.runs[0].config, s.scenario.preset)
    args = shlex.split(line)
    assert args[:2] == ["cadresim", "policy=baseline"]
    cfg = load_config(args[1:])
    assert lever_values(cfg) == lever_values(s.runs[0].config)
    assert cfg.population.size == SIZE and cfg.seed == 4
    assert not any(a.startswith(("write=", "steps=")) for a in args)


def test_snapshot_holds_the_lever_history_counters_and_inlined_charts() -> None:
    s = session_with_moves()
    assert [month for month, _ in s.history] == [0, 1, 2]
    download, _ = render_export(s, "export-html-btn", "en")
    page = download["content"]
    assert download["filename"].endswith(".html")
    assert "<script src" not in page and "Plotly.newPlot" in page  # one inlined copy of plotly
    assert page.count("Plotly.newPlot") == 3  # rates over time, by type, gates
    assert "from month 1" in page and "from month 2" in page and ">0.6<" in page
    assert "cadresim policy=baseline" in page
    zh, _ = render_export(s, "export-html-btn", "zh")
    assert "政策杠杆的调整过程" in zh["content"]


def test_csv_is_the_step_table_and_the_command_button_shows_it() -> None:
    s = session_with_moves()
    download, _ = render_export(s, "export-csv-btn", "en")
    table = pd.read_csv(io.StringIO(download["content"]))
    assert sorted(table.step.unique()) == [0, 1, 2, 3]
    assert {"initiative_rate", "error_rate", "misconduct_rate"} <= set(table.columns)
    _, shown = render_export(s, "export-cmd-btn", "en")
    assert shown.startswith("cadresim policy=baseline") and "policy.tolerance.coverage=0.6" in shown


def test_a_teams_command_carries_the_hidden_conditions() -> None:
    room = Room(load_challenge("poor_screening"), SessionStore(capacity=2))
    team = room.join(room.code, "A")
    room.set_levers(team, {"policy.tolerance.coverage": 0.9})
    room.advance(2)
    _, line = team_export(room, team, "export-cmd-btn", "en")
    cfg = load_config(shlex.split(line)[1:])
    assert cfg.policy.tolerance.screening == 0.3 and cfg.policy.tolerance.coverage == 0.9
    assert lever_values(cfg) == lever_values(team.run.config)
    assert [m for m, _ in team.history] == [0, 0] and set(team.history[-1][1]) == set(LEVER_KEYS)


@pytest.mark.parametrize(
    "argv",
    [
        ["--max-sessions", "0"],
        ["--idle-minutes", "nan"],
        ["--threads", "1000"],
        ["--challenge", "poor_screening"],  # without --classroom
        ["--classroom", "--challenge", "nope"],
    ],
)
def test_bad_flags_exit_2_with_one_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        command.parse(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("cadresim: error: --")


def test_request_log_only_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    def app(environ, start_response):  # noqa: ANN001, ANN202
        start_response("200 OK", [])
        return [b"ok"]

    logged = command.request_log(app)
    body = logged({"REQUEST_METHOD": "POST", "PATH_INFO": "/_dash-update-component"},
                  lambda status, headers, exc_info=None: None)  # fmt: skip
    assert list(body) == [b"ok"]
    assert capsys.readouterr().out.startswith("POST /_dash-update-component 200 ")
    args = command.parse([])
    assert args.host == "127.0.0.1" and not args.verbose and not args.debug
