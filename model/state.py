"""The state of all cadres as arrays: traits, beliefs, position and record.

One array per attribute, index i = cadre i. The step rules read and write these arrays; Mesa
agents (`agents.cadre.CadreAgent`) are views onto one index.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from cadresim.agents.population import draw_awareness, draw_cohort, draw_traits
from cadresim.agents.types import classify, deficits

from .config import CadreConfig
from .network import Organisation

# Precision of traits and beliefs: single precision halves the memory traffic of every rule.
REAL = np.float32

# Outcome codes of one step.
IDLE, SUCCESS, ERROR, MISCONDUCT = 0, 1, 2, 3


@dataclass
class CadreState:
    # traits in [0, 1]
    motivation: np.ndarray
    competence: np.ndarray
    risk_aversion: np.ndarray
    effort_aversion: np.ndarray
    error_fear: np.ndarray
    integrity: np.ndarray
    # beliefs in [0, 1]
    perceived_sanction_risk: np.ndarray  # s^: a detected honest error is sanctioned
    perceived_inaction_risk: np.ndarray  # q^: inaction is caught and punished
    perceived_reward: np.ndarray  # r^: a success is recognised
    perceived_violation_risk: np.ndarray  # h^: a detected violation is punished
    perceived_detection: np.ndarray  # delta^: an error or violation is detected
    perceived_career_risk: np.ndarray  # k^: acting harms the career
    doer_advantage: np.ndarray  # pi^: doers are rated excellent more often than the idle
    aware: np.ndarray  # knows the tolerance policy
    fear_baseline: np.ndarray  # f_0: error fear decays back to it
    # position
    rank: np.ndarray
    cohort: np.ndarray
    cadre_type: np.ndarray
    # record
    acted: np.ndarray = field(init=False)
    outcome: np.ndarray = field(init=False)
    sanctioned: np.ndarray = field(init=False)
    exempted: np.ndarray = field(init=False)
    blocked_until: np.ndarray = field(init=False)  # step until which promotion is blocked
    bottom_streak: np.ndarray = field(init=False)
    cycle_successes: np.ndarray = field(init=False)
    cycle_acts: np.ndarray = field(init=False)
    cycle_harms: np.ndarray = field(init=False)
    peer_share: np.ndarray = field(init=False)  # N: share of neighbours who acted last month
    successes: np.ndarray = field(init=False)
    errors: np.ndarray = field(init=False)
    sanctions: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        n = self.motivation.size
        self.acted = np.zeros(n, dtype=bool)
        self.outcome = np.zeros(n, dtype=np.int8)
        self.sanctioned = np.zeros(n, dtype=bool)
        self.exempted = np.zeros(n, dtype=bool)
        self.blocked_until = np.zeros(n, dtype=np.int64)
        self.bottom_streak = np.zeros(n, dtype=np.int64)
        self.cycle_successes = np.zeros(n, dtype=REAL)
        self.cycle_acts = np.zeros(n, dtype=REAL)
        self.cycle_harms = np.zeros(n, dtype=REAL)
        self.peer_share = np.zeros(n, dtype=REAL)
        self.successes = np.zeros(n, dtype=np.int64)
        self.errors = np.zeros(n, dtype=np.int64)
        self.sanctions = np.zeros(n, dtype=np.int64)

    @property
    def size(self) -> int:
        return int(self.motivation.size)

    def deficits(self) -> np.ndarray:
        return deficits(
            self.motivation,
            self.competence,
            self.risk_aversion,
            self.effort_aversion,
            self.error_fear,
        )

    def move(self, src: np.ndarray, dst: np.ndarray) -> None:
        """Copy every attribute of the cadres at `src` to the posts `dst` (careers, rotation),
        all at once: a post that is both gives what it held before the move."""
        for f in fields(self):
            arr = getattr(self, f.name)
            arr[dst] = arr[src]

    def enter(self, posts: np.ndarray, fresh: CadreState) -> None:
        """New cadres `fresh` (a state of len(posts) cadres) take the `posts`."""
        for f in fields(self):
            getattr(self, f.name)[posts] = getattr(fresh, f.name)


def stack_states(states: list[CadreState]) -> CadreState:
    """The cadres of several runs as one population, run after run (a batch, model/batch.py)."""
    if len(states) == 1:
        return states[0]
    init = {
        f.name: np.concatenate([getattr(x, f.name) for x in states])
        for f in fields(CadreState)
        if f.init
    }
    out = CadreState(**init)
    for f in fields(CadreState):
        if not f.init:
            setattr(out, f.name, np.concatenate([getattr(x, f.name) for x in states]))
    return out


def draw_cadres(
    cfg: CadreConfig,
    n: int,
    rng: np.random.Generator,
    cohort: np.ndarray | None = None,
    typed: bool = True,
) -> CadreState:
    """n cadres with traits from their cohort's distribution and the initial beliefs; typed
    (`cadre_type`) unless `typed` is false, when the caller types them (entrants)."""
    pop = cfg.population
    cohort = draw_cohort(pop, n, rng) if cohort is None else cohort
    traits = {k: v.astype(REAL) for k, v in draw_traits(pop, cohort, rng).items()}
    b = pop.beliefs
    state = CadreState(
        **traits,
        perceived_sanction_risk=np.full(n, b.sanction_risk, dtype=REAL),
        perceived_inaction_risk=np.full(n, b.inaction_risk, dtype=REAL),
        perceived_reward=np.full(n, b.reward, dtype=REAL),
        perceived_violation_risk=np.full(n, b.violation_risk, dtype=REAL),
        perceived_detection=np.full(n, b.detection, dtype=REAL),
        perceived_career_risk=np.full(n, b.career_risk, dtype=REAL),
        doer_advantage=np.full(n, b.doer_advantage, dtype=REAL),
        aware=draw_awareness(pop, n, rng),
        fear_baseline=traits["error_fear"].copy(),
        rank=np.zeros(n, dtype=np.int64),
        cohort=cohort,
        cadre_type=cohort.copy(),
    )
    if typed:
        state.cadre_type = classify(state.deficits(), pop.threshold)
    return state


def draw_competence(
    cfg: CadreConfig, n: int, rng: np.random.Generator, cohort: np.ndarray
) -> np.ndarray:
    """The competence of `draw_cadres(cfg, n, rng, cohort)`, making the same draws from `rng`
    (traits, then awareness) without building the rest of the cadres."""
    competence = draw_traits(cfg.population, cohort, rng)["competence"].astype(REAL)
    draw_awareness(cfg.population, n, rng)
    return competence


def initial_state(cfg: CadreConfig, org: Organisation, rng: np.random.Generator) -> CadreState:
    """Draw a population of `org.size` cadres (the population stream of the run's seed)."""
    state = draw_cadres(cfg, org.size, rng)
    state.rank = (org.level.max() - org.level).astype(np.int64)
    return state
