"""Running models on the server: one `Run` per regime, one `Session` per browser tab.

Models live in this process's memory (`STORE`), keyed by a random session id that the page
keeps in a `dcc.Store` (a classroom team is a session too). The store has a cap and an idle
time, both stated on the command line; at the cap a new tab gets a message, and nobody's run is
dropped for it. Nothing here imports Dash, so the logic is unit-testable. Restarting the server
forgets all sessions; with several worker processes a session would not be found, so the server
is one process (waitress, with threads).
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cadresim.model.cadre_model import CadreModel
from cadresim.model.config import CadreConfig, ConfigError
from cadresim.model.metrics import GATES, IDX, N_TYPES, RATES
from cadresim.model.state import ERROR, MISCONDUCT, SUCCESS

from .layout_network import NetworkLayout, UnitTree, hierarchy_layout, unit_tree
from .levers import (
    LEVER_KEYS,
    lever_values,
    preset_lever_values,
    scenario_config,
    with_levers,
)

# What a cadre did this step, for colouring the network (later codes win).
ACTIONS = ("idle", "initiative", "error", "misconduct", "exempted", "sanctioned")
A_IDLE, A_INITIATIVE, A_ERROR, A_MISCONDUCT, A_EXEMPTED, A_SANCTIONED = range(len(ACTIONS))
# Time series drawn for each run, and counters summed over the run so far.
SERIES = ("initiative_rate", "error_rate", "misconduct_rate")
COUNTERS = {
    "sanctions": "sanction",
    "exemptions": "tolerated",
    "wrongful_sanctions": "wrongful",
    "shielded_misconduct": "shielded",
}
TYPE_WINDOW = 12  # steps averaged in the by-type view (one evaluation cycle)
COHORTS = slice(1 + N_TYPES, 1 + 2 * N_TYPES)  # the tally's rows by initial type (cohort)
GATE_COLUMNS = [IDX[gate] for gate in GATES]


class Run:
    """One model under one regime, plus its network layout (computed once per reset)."""

    def __init__(self, cfg: CadreConfig) -> None:
        self.model = CadreModel(config=cfg, agent_views=False, collect=False)
        self.layout: NetworkLayout = hierarchy_layout(self.model.engine.org)
        self.tree: UnitTree = unit_tree(self.model.engine.org)
        self.id = uuid.uuid4().hex  # tells this run's figures on the page from an earlier run's
        self._summed, self._total = 1, None  # counters: tallies summed so far (row 0: month 0)

    @property
    def engine(self):  # noqa: ANN201
        return self.model.engine

    @property
    def config(self) -> CadreConfig:
        return self.model.engine.cfg

    @property
    def step_count(self) -> int:
        return int(self.engine.step_count)

    def step(self, steps: int = 1) -> None:
        for _ in range(steps):
            self.model.step()

    def set_levers(self, values: dict[str, float]) -> None:
        """Change policy levers from the next step on (validated on a copy first)."""
        new = with_levers(self.config, values)
        self.engine.cfg.policy = new.policy

    def _tallies(self) -> np.ndarray:
        return np.stack(self.engine.tallies)  # (steps + 1) x groups x counts

    def series(self, since: int = 0) -> dict[str, np.ndarray]:
        """Rates of all cadres per step after step `since` (step 0, the initial state, is
        always left out)."""
        since = max(0, since)
        rows = self.engine.tallies[since + 1 :]
        t = np.stack(rows)[:, 0, :] if rows else np.zeros((0, len(IDX)))
        n = t[:, IDX["n"]]
        out = {"step": np.arange(since + 1, since + 1 + t.shape[0])}
        out["initiative_rate"] = t[:, IDX["initiative"]] / n
        out["error_rate"] = t[:, IDX["error"]] / n
        out["misconduct_rate"] = t[:, IDX["misconduct"]] / n
        return out

    def type_rates(self, window: int = TYPE_WINDOW) -> dict[str, np.ndarray]:
        """Rates by current type over the last `window` steps (NaN for a type with no cadres)."""
        t = self._tallies()[1:][-window:, 1 : 1 + N_TYPES, :].sum(axis=0)
        n = t[:, IDX["n"]]
        with np.errstate(invalid="ignore", divide="ignore"):
            return {
                name: np.where(n > 0, t[:, IDX[count]] / n, np.nan)
                for name, count in (
                    ("initiative_rate", "initiative"),
                    ("error_rate", "error"),
                    ("misconduct_rate", "misconduct"),
                )
            } | {"share": n / max(n.sum(), 1.0)}

    def window_rates(self, window: int, names: tuple[str, ...]) -> dict[str, float]:
        """Outcomes of all cadres (RATES of cadresim.model.metrics) over the last `window`
        months; NaN before the first month."""
        rows = self.engine.tallies[1:][-window:]
        if not rows:
            return dict.fromkeys(names, float("nan"))
        total = np.stack(rows)[:, 0, :].sum(axis=0)
        out = {}
        for name in names:
            num, den = RATES[name]
            d = total[IDX[den]]
            out[name] = float(total[IDX[num]] / d) if d > 0 else float("nan")
        return out

    def gate_means(self) -> np.ndarray:
        """Mean of each decision gate (O, W, E, Dc, De; columns) in each cohort (cadres by
        initial type; rows) this month, from the engine's latest tally. NaN before the first
        month (no decision made yet) and for a cohort with no cadres."""
        if self.step_count == 0:
            return np.full((N_TYPES, len(GATES)), np.nan)
        rows = self.engine.tallies[-1][COHORTS]
        n = rows[:, IDX["n"]][:, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 0, rows[:, GATE_COLUMNS] / n, np.nan)

    def counters(self) -> dict[str, int]:
        """Cases so far: sanctions, exemptions, wrongful sanctions, shielded misconduct (a
        running sum over the months, so a page polling every second costs one month's add)."""
        tallies = self.engine.tallies
        if self._summed > len(tallies):  # the engine was rebuilt: start again
            self._summed, self._total = 1, None
        for row in tallies[self._summed :]:
            self._total = row[0].copy() if self._total is None else self._total + row[0]
        self._summed = len(tallies)
        total = self._total
        return {
            name: int(round(float(total[IDX[count]]))) if total is not None else 0
            for name, count in COUNTERS.items()
        }

    def actions(self) -> np.ndarray:
        """Action code per cadre in the latest step (see ACTIONS)."""
        s = self.engine.state
        code = np.full(self.engine.n, A_IDLE, dtype=np.int8)
        code[s.outcome == SUCCESS] = A_INITIATIVE
        code[s.outcome == ERROR] = A_ERROR
        code[s.outcome == MISCONDUCT] = A_MISCONDUCT
        code[s.exempted] = A_EXEMPTED
        code[s.sanctioned] = A_SANCTIONED
        return code

    def types(self) -> np.ndarray:
        return self.engine.state.cadre_type

    def types_key(self) -> str:
        """A digest of every cadre's current type (the network view has one trace per type)."""
        raw = np.ascontiguousarray(self.types()).tobytes()
        return hashlib.blake2b(raw, digest_size=8).hexdigest()

    def network_key(self) -> str:
        """Names the network figure's traces: this run's layout, cadres grouped by type."""
        return f"{self.id}:{self.types_key()}"


@dataclass
class Scenario:
    """What the trainer chose: regimes, levers of the main regime, population and seed."""

    preset: str = "baseline"
    compare: str | None = None  # second regime shown side by side, or None
    levers: dict[str, float] | None = None  # None: the preset's own values
    mix: dict[str, float] = field(default_factory=dict)
    size: int = 1000
    seed: int = 0


@dataclass
class Session:
    """A trainer's runs: the main regime (with the levers) and optionally a comparison regime
    on the same population, network and seed."""

    scenario: Scenario
    runs: list[Run]
    running: bool = False
    error: ConfigError | None = None  # the last bad input, shown on the page until a valid change
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # the main regime's levers as moved: (month from which they act, every lever's value)
    history: list[tuple[int, dict[str, float]]] = field(default_factory=list)

    @property
    def message(self) -> str:
        return "" if self.error is None else str(self.error)

    def __post_init__(self) -> None:
        if not self.history:
            self._record()

    @classmethod
    def start(cls, scenario: Scenario) -> Session:
        return cls(scenario, build_runs(scenario))

    def reset(self, scenario: Scenario) -> None:
        """Rebuild the runs; raises ConfigError (and keeps the old runs) if the scenario is bad."""
        runs = build_runs(scenario)
        self.scenario, self.runs = scenario, runs
        self.history = []
        self._record()

    def _record(self) -> None:
        run = self.runs[0]
        values = dict(zip(LEVER_KEYS, lever_values(run.config), strict=True))
        self.history.append((run.step_count, values))

    def modified(self) -> bool:
        """True if the main regime's levers differ from its preset's."""
        return lever_values(self.runs[0].config) != preset_lever_values(self.scenario.preset)

    def step(self, steps: int = 1) -> None:
        for run in self.runs:
            run.step(steps)

    def set_levers(self, values: dict[str, float]) -> bool:
        """Apply lever values to the main regime; True if anything changed."""
        run = self.runs[0]
        current = dict(zip(LEVER_KEYS, lever_values(run.config), strict=True))
        if all(v is None or float(v) == current[k] for k, v in values.items()):
            return False
        run.set_levers(values)
        self.scenario.levers = current | {k: v for k, v in values.items() if v is not None}
        self._record()
        return True


def build_runs(scenario: Scenario) -> list[Run]:
    """Configs are all validated before any model is built."""
    main = scenario_config(
        scenario.preset, scenario.levers, scenario.mix, scenario.size, scenario.seed
    )
    cfgs = [main]
    if scenario.compare:
        cfgs.append(
            scenario_config(scenario.compare, None, scenario.mix, scenario.size, scenario.seed)
        )
    return [Run(cfg) for cfg in cfgs]


DEFAULT_CAPACITY = 60  # sessions (browser tabs, classroom teams) one server keeps
DEFAULT_IDLE_MINUTES = 30.0  # a session nobody has touched for this long is dropped


class StoreFull(RuntimeError):
    """No room for another session: the cap is reached and no session has been idle long
    enough to expire. Nobody's session is dropped to make room."""

    def __init__(self, capacity: int, idle_minutes: float) -> None:
        self.capacity, self.idle_minutes = capacity, idle_minutes
        super().__init__(self.text("en"))

    def text(self, lang: str) -> str:
        if lang == "zh":
            return (
                f"推演已满：本服务器同时最多保留 {self.capacity} 个会话（--max-sessions）。"
                f"请关闭其他标签页，或等待闲置会话在 {self.idle_minutes:g} 分钟后过期，"
                "然后刷新本页。"
            )
        return (
            f"The dashboard is full: this server keeps at most {self.capacity} sessions at once "
            f"(--max-sessions). Close another tab, or wait until an idle session expires after "
            f"{self.idle_minutes:g} minutes, then reload this page."
        )


class SessionStore:
    """Sessions by id, in memory, at most `capacity` of them.

    A new session beyond the cap is refused (StoreFull), never made by dropping another; a
    session untouched for `idle_minutes` expires (its id then starts afresh)."""

    def __init__(
        self,
        capacity: int = DEFAULT_CAPACITY,
        idle_minutes: float = DEFAULT_IDLE_MINUTES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity, self.idle_minutes, self.clock = capacity, idle_minutes, clock
        self._sessions: dict[str, Any] = {}
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def configure(self, capacity: int, idle_minutes: float) -> None:
        with self._lock:
            self.capacity, self.idle_minutes = capacity, idle_minutes

    @staticmethod
    def new_id() -> str:
        return uuid.uuid4().hex

    def _expire(self, now: float) -> None:
        limit = now - 60.0 * self.idle_minutes
        for sid in [sid for sid, seen in self._seen.items() if seen < limit]:
            del self._sessions[sid], self._seen[sid]

    def _full(self) -> StoreFull:
        return StoreFull(self.capacity, self.idle_minutes)

    def get(self, sid: str) -> Any | None:
        with self._lock:
            now = self.clock()
            self._expire(now)
            session = self._sessions.get(sid)
            if session is not None:
                self._seen[sid] = now
            return session

    def get_or_create(self, sid: str, factory: Callable[[], Any]) -> tuple[Any, bool]:
        """The session with this id, or a new one from `factory`; True if it was created.
        Raises StoreFull (before calling `factory`) when there is no room."""
        with self._lock:
            now = self.clock()
            self._expire(now)
            session = self._sessions.get(sid)
            if session is not None:
                self._seen[sid] = now
                return session, False
            if len(self._sessions) >= self.capacity:
                raise self._full()
        created = factory()
        with self._lock:
            session = self._sessions.get(sid)
            if session is not None:
                return session, False
            if len(self._sessions) >= self.capacity:
                raise self._full()
            self._sessions[sid], self._seen[sid] = created, self.clock()
        return created, True

    def put(self, sid: str, session: Any) -> None:
        """Keep `session` under `sid` (raises StoreFull for a new id when there is no room)."""
        with self._lock:
            now = self.clock()
            self._expire(now)
            if sid not in self._sessions and len(self._sessions) >= self.capacity:
                raise self._full()
            self._sessions[sid], self._seen[sid] = session, now

    def peek(self, sid: str) -> Any | None:
        """The session with this id, without counting as a use (it may still expire)."""
        with self._lock:
            self._expire(self.clock())
            return self._sessions.get(sid)

    def discard(self, sid: str) -> None:
        with self._lock:
            self._sessions.pop(sid, None)
            self._seen.pop(sid, None)

    def __len__(self) -> int:
        with self._lock:
            self._expire(self.clock())
            return len(self._sessions)


STORE = SessionStore()
