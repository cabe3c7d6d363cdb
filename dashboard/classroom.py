"""A classroom room: teams on copies of one population, advanced together by a facilitator.

Every team's run starts from the challenge's config (same population, network and seed, hidden
conditions set); teams move only their levers. The facilitator starts, pauses and advances the
room: all teams and the reference run (the challenge untouched) step together, so every team is
always at the room's month. Teams are sessions of the shared store: they count against its cap
and expire when idle. Nothing here imports Dash.
"""

from __future__ import annotations

import math
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from cadresim import vocabulary as vocab

from .challenges import HIGHER_IS_BETTER, RANKABLE, WINDOW, Challenge
from .levers import LEVER_BY_KEY, lever_values, with_levers
from .session import STORE, Run, SessionStore
from .validate import TEAM_NAME_MAX, InputError

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud in a classroom
CODE_LENGTH = 5
MAX_ADVANCE = 24  # months one request may advance the room (bounded work per request)


@dataclass
class Team:
    """A team's run and its levers as moved (month from which they act, every lever)."""

    name: str
    run: Run
    lever_keys: tuple[str, ...]
    history: list[tuple[int, dict[str, float]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self) -> None:
        values = dict(zip(LEVER_BY_KEY, lever_values(self.run.config), strict=True))
        self.history.append((self.run.step_count, values))

    def levers(self) -> dict[str, float]:
        return {key: self.history[-1][1][key] for key in self.lever_keys}

    def modified(self) -> bool:
        first = self.history[0][1]
        return any(self.history[-1][1][key] != first[key] for key in self.lever_keys)


class Room:
    """One room: a challenge, its teams and the facilitator's clock."""

    def __init__(self, challenge: Challenge, store: SessionStore = STORE) -> None:
        self.code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        self.key = secrets.token_urlsafe(12)  # the facilitator's link carries it
        self.challenge = challenge
        self.store = store
        self.lock = threading.RLock()
        self._names: dict[str, str] = {}  # team name -> store id
        self.reset()

    def reset(self) -> None:
        """Back to month 0 with no teams (teams rejoin with their codes)."""
        with self.lock:
            for sid in self._names.values():
                self.store.discard(sid)
            self._names = {}
            self.reference = Run(self.challenge.config())
            self.month = 0
            self.running = False
            self.revealed = False

    def _sid(self, name: str) -> str:
        return f"team:{self.code}:{name}"

    def join(self, code: Any, name: Any) -> Team:
        """The team of this name (created at the room's month if new). Raises InputError for a
        wrong code or a bad name, StoreFull at the server's cap."""
        if not isinstance(code, str) or code.strip().upper() != self.code:
            raise InputError("room", code, "the room code the facilitator gave")
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= TEAM_NAME_MAX:
            raise InputError("team", name, f"a name of 1 to {TEAM_NAME_MAX} characters")
        name = " ".join(name.split())
        with self.lock:
            team = self.team(name)
            if team is not None:
                return team
            run = Run(self.challenge.config())
            run.step(self.month)  # a late team starts where the room is (preset levers so far)
            team = Team(name, run, self.challenge.lever_keys)
            team.record()
            self.store.put(self._sid(name), team)
            self._names[name] = self._sid(name)
            return team

    def team(self, name: str) -> Team | None:
        """A team by name (counts as the team's use: it keeps the team from expiring)."""
        sid = self._names.get(name)
        return None if sid is None else self.store.get(sid)

    def teams(self) -> list[Team]:
        """Teams still in the store, in the order they joined."""
        alive = [(name, self.store.peek(sid)) for name, sid in self._names.items()]
        return [team for _, team in alive if team is not None]

    def set_levers(self, team: Team, values: dict[str, float | None]) -> bool:
        """Apply a team's levers from the next month (only its own; hidden ones are not)."""
        unknown = set(values) - set(team.lever_keys)
        if unknown:
            raise InputError("levers", sorted(unknown)[0], "the levers shown on the team's page")
        with team.lock:
            current = team.levers()
            if all(v is None or float(v) == current[k] for k, v in values.items()):
                return False
            team.run.engine.cfg.policy = with_levers(team.run.config, values).policy
            team.record()
            return True

    def advance(self, months: int = 1) -> int:
        """Step the reference and every team `months` months; the room's new month."""
        if (
            isinstance(months, bool)
            or not isinstance(months, int)
            or not 1 <= months <= MAX_ADVANCE
        ):
            raise InputError("months", months, f"a whole number in [1, {MAX_ADVANCE}]")
        with self.lock:
            self.reference.step(months)
            for team in self.teams():
                with team.lock:  # not while the team's levers are being set or its page drawn
                    team.run.step(months)
            self.month += months
            return self.month

    def outcomes(self, run: Run) -> dict[str, float]:
        return run.window_rates(WINDOW, RANKABLE)

    def standings(self) -> list[dict[str, Any]]:
        """One row per team: outcomes over the last WINDOW months, their change against the
        reference, whether the challenge's targets are met, and the rank (teams meeting the
        targets first, then by the challenge's `rank_by`)."""
        with self.lock:
            ref = self.outcomes(self.reference)
            rows = []
            for team in self.teams():
                values = self.outcomes(team.run)
                change = {k: values[k] - ref[k] for k in RANKABLE}
                rows.append(
                    {
                        "team": team.name,
                        "values": values,
                        "change": change,
                        "met": self.month > 0 and self.challenge.met(change),
                        "modified": team.modified(),
                    }
                )
        by = self.challenge.rank_by
        sign = -1.0 if HIGHER_IS_BETTER.get(by, False) else 1.0

        def key(row: dict[str, Any]) -> tuple[int, float, str]:
            v = row["values"][by]
            return (0 if row["met"] else 1, math.inf if math.isnan(v) else sign * v, row["team"])

        rows.sort(key=key)
        for rank, row in enumerate(rows, start=1):
            row["rank"] = rank
        return rows

    def reference_outcomes(self) -> dict[str, float]:
        with self.lock:
            return self.outcomes(self.reference)

    def hidden_text(self, lang: str) -> list[str]:
        """The hidden conditions, one line each, then what they explain."""
        lines = [f"{vocab.lever_name(key, lang)} = {value}" for key, value in self.challenge.hidden]
        return [*lines, vocab.pick(self.challenge.reveal, lang)]
