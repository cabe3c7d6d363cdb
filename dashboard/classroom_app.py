"""Classroom mode: the team page at / and the facilitator's at /facilitator/?key=…, two Dash
apps on one Flask server sharing one `Room` (dashboard/classroom.py). The pages live in
team_page.py and facilitator_page.py."""

from __future__ import annotations

from pathlib import Path

from dash import Dash
from flask import Flask

from .challenges import challenge_names, load_challenge
from .classroom import Room
from .facilitator_page import TICK_MS, facilitator_layout, register_facilitator
from .session import STORE, SessionStore
from .team_page import POLL_MS, register_team, team_layout

ASSETS = str(Path(__file__).parent / "assets")


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
