"""Running models on the server: one `Run` per regime, one `Session` per browser tab.

The dashboard is a single-trainer tool: models live in this process's memory (`STORE`), keyed
by a random session id that the page keeps in a `dcc.Store`. Nothing here imports Dash, so the
logic is unit-testable. Restarting the server forgets all sessions; with several worker
processes (gunicorn -w N) a session would not be found, so serve with one process.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from cadresim.model.cadre_model import CadreModel
from cadresim.model.config import CadreConfig
from cadresim.model.metrics import GATES, IDX, N_TYPES
from cadresim.model.state import ERROR, MISCONDUCT, SUCCESS

from .layout_network import NetworkLayout, hierarchy_layout
from .levers import LEVER_KEYS, lever_values, scenario_config, with_levers

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
        self.id = uuid.uuid4().hex  # tells this run's figures on the page from an earlier run's

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
        """Cases so far: sanctions, exemptions, wrongful sanctions, shielded misconduct."""
        total = self._tallies()[1:, 0, :].sum(axis=0) if self.step_count else None
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
    message: str = ""  # the last bad input, shown on the page until a valid change
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def start(cls, scenario: Scenario) -> Session:
        return cls(scenario, build_runs(scenario))

    def reset(self, scenario: Scenario) -> None:
        """Rebuild the runs; raises ConfigError (and keeps the old runs) if the scenario is bad."""
        runs = build_runs(scenario)
        self.scenario, self.runs = scenario, runs

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


class SessionStore:
    """Sessions by id, in memory; the least recently used are dropped beyond `capacity`."""

    def __init__(self, capacity: int = 16) -> None:
        self.capacity = capacity
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def new_id() -> str:
        return uuid.uuid4().hex

    def get(self, sid: str) -> Session | None:
        with self._lock:
            session = self._sessions.get(sid)
            if session is not None:
                self._sessions.move_to_end(sid)
            return session

    def get_or_create(self, sid: str, factory: Callable[[], Session]) -> tuple[Session, bool]:
        """The session with this id, or a new one from `factory`; True if it was created."""
        with self._lock:
            session = self._sessions.get(sid)
            if session is not None:
                self._sessions.move_to_end(sid)
                return session, False
        created = factory()
        with self._lock:
            session = self._sessions.setdefault(sid, created)
            self._sessions.move_to_end(sid)
            while len(self._sessions) > self.capacity:
                self._sessions.popitem(last=False)
        return session, session is created

    def put(self, sid: str, session: Session) -> None:
        with self._lock:
            self._sessions[sid] = session
            self._sessions.move_to_end(sid)
            while len(self._sessions) > self.capacity:
                self._sessions.popitem(last=False)

    def __len__(self) -> int:
        return len(self._sessions)


STORE = SessionStore()
