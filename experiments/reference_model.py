"""A per-agent Mesa reference model of the behavioural core, kept as a *speed* reference.

The engine (`model/engine.py`) runs each month's rules as array operations over all cadres
(DESIGN.md §7). This module writes the same rules the way Mesa's own examples do: one
`FixedAgent` per cadre on Mesa's `Network` space, whose `step` computes its own decision with
Python floats and `self.random`, and a model whose step is `agents.shuffle_do("step")` followed
by `agents.do("learn")`. `experiments/benchmark.py` times both; the engine must stay at least
30x faster per cadre-step than this model at 10,000 cadres, or the vectorised design has lost
its reason to exist.

It does the same per-cadre work as the engine, not the same arithmetic: the five gates
P = O·W·E·Dc·De (spec_v2.md), success / honest error / misconduct, detection, tolerance
screening, inaction caught, prompt recognition, belief learning from one's own and neighbours'
cases (ŝ, q̂, r̂, k̂ at `belief_rate`, ĥ at `violation_rate`, division-pooled δ̂ at
`detection_rate`, π̂ at each evaluation at `advantage_rate`), error fear moved by cases seen and
decaying to its baseline, and a simplified annual evaluation. Careers, training, education and
schedules are left out, and its random streams are its own: its numbers are close in kind to the
engine's, never equal. Do not report results from it.

Constants come from `CadreConfig` under the names of spec_v2.md; keys that a config does not
have yet fall back to the spec's values, so the reference runs on either engine version.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import mesa
import numpy as np
from mesa.discrete_space import FixedAgent, Network

from cadresim.model.config import CadreConfig, load_config
from cadresim.model.network import build_organisation

TYPE_NAMES = ("unwilling", "unable", "afraid", "reluctant", "fearful", "proactive")
TOP_GRADE = 4  # a disciplinary sanction carries the full personal cost S


class Outcome(IntEnum):
    IDLE = 0
    SUCCESS = 1
    ERROR = 2
    MISCONDUCT = 3


def sigmoid(x: float) -> float:
    """The logistic function, without overflow for large |x|."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def learned(belief: float, hits: float, cases: float, rate: float) -> float:
    """belief + rate (hits / cases - belief) when any case was seen (agents/beliefs.py)."""
    if cases > 0.0:
        return belief + rate * (hits / cases - belief)
    return belief


def _get(group: Any, name: str, default: Any) -> Any:
    """A config value, or the spec's default where this config version lacks the key."""
    return getattr(group, name, default)


@dataclass(frozen=True)
class Rules:
    """The constants of the rules, read once from a `CadreConfig` (policy levers applied)."""

    # the five gates
    steepness: float  # kappa
    opportunity_steepness: float  # kappa_o
    opportunity_threshold: float  # c_0
    intrinsic_value: float  # v
    reward_value: float  # R + w V (0 without incentives)
    leader_example: float  # beta
    peer_norm: float  # eta
    want_threshold: float  # theta_w
    want_temperature: float  # tau_w
    inaction_penalty: float  # S_idle
    effort_cost: float  # C
    bother_threshold: float  # psi
    bother_temperature: float  # tau_e
    career_cost: float  # K
    career_threshold: float  # theta_c
    career_temperature: float  # tau_c
    error_sanction: float  # S, the personal cost of the top grade
    grade_cuts: tuple[float, ...]
    punish_threshold: float  # theta_e
    punish_temperature: float  # tau_e'
    temptation: float
    # oversight, incentives and tolerance
    detection: float
    inaction_detection: float
    recognition: float
    tolerance: bool
    coverage: float
    screening: float
    publicity: float
    case_visibility: bool
    protection: bool
    # learning
    own_weight: float
    social_learning: bool
    belief_rate: float
    violation_rate: float
    detection_rate: float
    advantage_rate: float
    fear_sensitivity: float
    fear_decay: float
    practice: float
    # evaluation
    cycle: int
    noise: float
    orientation: float
    excellence_quota: float
    # population
    mix: tuple[float, ...]
    sanction_risk: float
    inaction_risk: float
    reward: float
    violation_risk: float
    career_risk: float
    awareness: float

    @classmethod
    def from_config(cls, cfg: CadreConfig) -> Rules:
        beh, pol, pop = cfg.behaviour, cfg.policy, cfg.population
        inc, acc, tol, ev = pol.incentive, pol.accountability, pol.tolerance, pol.evaluation
        beliefs = pop.beliefs
        incentives, oversight = bool(inc.enabled), bool(acc.enabled)
        return cls(
            steepness=_get(beh, "steepness", 3.0),
            opportunity_steepness=_get(beh, "opportunity_steepness", 10.0),
            opportunity_threshold=_get(beh, "opportunity_threshold", 0.45),
            intrinsic_value=_get(beh, "intrinsic_value", 1.0),
            reward_value=(inc.reward + inc.promotion_weight * inc.promotion_value)
            if incentives
            else 0.0,
            leader_example=_get(beh, "leader_example", 0.10),
            peer_norm=_get(beh, "peer_norm", 0.45),
            want_threshold=_get(beh, "want_threshold", 0.75),
            want_temperature=_get(beh, "want_temperature", 0.15),
            inaction_penalty=acc.inaction_penalty if oversight else 0.0,
            effort_cost=_get(beh, "effort_cost", 1.0),
            bother_threshold=_get(beh, "bother_threshold", 0.53),
            bother_temperature=_get(beh, "bother_temperature", 0.15),
            career_cost=acc.career_cost if oversight else 0.0,
            career_threshold=_get(beh, "career_threshold", 0.30),
            career_temperature=_get(beh, "career_temperature", 0.10),
            error_sanction=acc.error_sanction,
            grade_cuts=tuple(acc.grade_cuts),
            punish_threshold=_get(beh, "punish_threshold", 0.20),
            punish_temperature=_get(beh, "punish_temperature", 0.05),
            temptation=_get(beh, "temptation", 0.3),
            detection=acc.detection if oversight else 0.0,
            inaction_detection=acc.inaction_detection if oversight else 0.0,
            recognition=inc.recognition if incentives else 0.0,
            tolerance=bool(tol.enabled),
            coverage=tol.coverage,
            screening=tol.screening,
            publicity=tol.publicity,
            case_visibility=bool(tol.case_visibility),
            protection=bool(_get(ev, "protection", False)),
            own_weight=_get(beh, "own_weight", 3.0),
            social_learning=bool(_get(beh, "social_learning", True)),
            belief_rate=_get(beh, "belief_rate", 0.1),
            violation_rate=_get(beh, "violation_rate", 0.3),
            detection_rate=_get(beh, "detection_rate", 0.35),
            advantage_rate=_get(beh, "advantage_rate", 0.3),
            fear_sensitivity=_get(beh, "fear_sensitivity", 0.01),
            fear_decay=_get(beh, "fear_decay", 0.05),
            practice=_get(beh, "practice", 0.002),
            cycle=int(_get(ev, "cycle", 12)),
            noise=_get(ev, "noise", 1.0),
            orientation=_get(ev, "orientation", 0.3),
            excellence_quota=inc.excellence_quota if incentives else 0.0,
            mix=tuple(_get(pop.mix, name, 0.0) for name in TYPE_NAMES),
            sanction_risk=_get(beliefs, "sanction_risk", 0.6),
            inaction_risk=_get(beliefs, "inaction_risk", 0.05),
            reward=_get(beliefs, "reward", 0.3),
            violation_risk=_get(beliefs, "violation_risk", 0.7),
            career_risk=_get(beliefs, "career_risk", 0.3),
            awareness=_get(beliefs, "awareness", 0.2),
        )


class ReferenceCadre(FixedAgent):
    """One cadre: traits, beliefs and this month's case, on a cell of the organisation network."""

    def __init__(self, model: ReferenceModel, cell: Any, cadre_type: str) -> None:
        super().__init__(model)
        self.cell = cell
        self.cadre_type = cadre_type
        rules = model.rules
        beta = self.random.betavariate

        def trait(deficit: bool, high: bool) -> float:
            """The prototype's traits: a type's own deficit is severe, the others mild."""
            low_draw = beta(2, 6) if deficit else beta(6, 2)  # for m and c (low is the deficit)
            return 1.0 - low_draw if high else low_draw

        self.motivation = trait(cadre_type == "unwilling", high=False)
        self.competence = trait(cadre_type == "unable", high=False)
        self.risk_aversion = trait(cadre_type == "afraid", high=True)
        self.effort_aversion = trait(cadre_type == "reluctant", high=True)
        self.fear_baseline = beta(8, 2) if cadre_type == "fearful" else beta(1.5, 8)
        self.error_fear = self.fear_baseline
        self.integrity = beta(5, 2)
        # beliefs
        self.perceived_sanction_risk = rules.sanction_risk
        self.perceived_inaction_risk = rules.inaction_risk
        self.perceived_reward = rules.reward
        self.perceived_violation_risk = rules.violation_risk
        self.perceived_career_risk = rules.career_risk
        self.doer_advantage = 0.0
        self.perceived_detection = rules.detection
        self.aware = self.random.random() < rules.awareness
        # position (set by the model once all cadres exist)
        self.supervisor: ReferenceCadre | None = None
        self.unit = 0
        self.division = 0
        # record
        self.acted = False
        self.acted_last_month = False
        self.outcome = Outcome.IDLE
        self.initiative_probability = 0.0
        self.cycle_initiatives = 0
        self.cycle_successes = 0
        self.cycle_harms = 0
        self.excellent = False
        self._clear_case()

    def _clear_case(self) -> None:
        """This month's case, as neighbours see it (shown_*) and as the cadre knows it."""
        self.detected_error = self.sanctioned_error = self.exempted = False
        self.detected_violation = self.sanctioned_violation = self.shielded = False
        self.caught_idle = self.recognised = self.wrongful = self.career_harmed = False
        self.shown_detected_error = self.shown_detected_violation = self.shown_exempted = False

    # ------------------------------------------------------------ 1-3: decide, act, oversight

    def sanction_risk_if_caught(self) -> float:
        """ŝ for cadres aware of a tolerance policy, 1 for the unaware or without one."""
        return self.perceived_sanction_risk if self.model.rules.tolerance and self.aware else 1.0

    def step(self) -> None:
        rules = self.model.rules
        random = self.random.random
        self._clear_case()
        difficulty = random()
        success_chance = sigmoid(rules.steepness * (self.competence - difficulty))
        grade = 1 + sum(1 for cut in rules.grade_cuts if difficulty >= cut)

        # the five gates
        opportunity = sigmoid(
            rules.opportunity_steepness * (self.competence - rules.opportunity_threshold)
        )
        leader_acted = self.supervisor is not None and self.supervisor.acted_last_month
        neighbours = list(self.cell.neighborhood.agents)
        peer_share = (
            sum(1 for n in neighbours if n.acted_last_month) / len(neighbours)
            if neighbours
            else 0.0
        )
        want = sigmoid(
            (
                self.motivation * rules.intrinsic_value
                + self.perceived_reward * rules.reward_value * success_chance
                + rules.leader_example * leader_acted
                + rules.peer_norm * peer_share
                - rules.want_threshold
            )
            / rules.want_temperature
        )
        bother = sigmoid(
            (
                self.perceived_inaction_risk * rules.inaction_penalty
                + rules.bother_threshold
                - self.effort_aversion * rules.effort_cost
            )
            / rules.bother_temperature
        )
        career_risk = self.risk_aversion * rules.career_cost
        dare_career = sigmoid(
            (
                rules.career_threshold
                - career_risk * (self.perceived_career_risk - self.doer_advantage)
            )
            / rules.career_temperature
        )
        expected_sanction = (
            self.error_fear
            * rules.error_sanction
            * grade
            / TOP_GRADE
            * self.perceived_detection
            * self.sanction_risk_if_caught()
            * (1.0 - success_chance)
        )
        dare_punish = sigmoid(
            (rules.punish_threshold - expected_sanction) / rules.punish_temperature
        )
        self.initiative_probability = opportunity * want * bother * dare_career * dare_punish
        self.acted = random() < self.initiative_probability

        if not self.acted:
            self.outcome = Outcome.IDLE
            self.caught_idle = rules.inaction_penalty > 0.0 and random() < rules.inaction_detection
            return

        # outcome: misconduct, success or honest error
        self.cycle_initiatives += 1
        misconduct_chance = (
            (1.0 - self.integrity)
            * rules.temptation
            * (1.0 - self.perceived_detection * self.perceived_violation_risk)
        )
        if random() < misconduct_chance:
            self.outcome = Outcome.MISCONDUCT
        elif random() < success_chance:
            self.outcome = Outcome.SUCCESS
        else:
            self.outcome = Outcome.ERROR
        self.competence += rules.practice * (1.0 - self.competence)

        # oversight and tolerance
        if self.outcome is Outcome.SUCCESS:
            self.cycle_successes += 1
            self.recognised = random() < rules.recognition
            return
        detected = random() < rules.detection
        self.model.division_cases[self.division] += 1
        self.model.division_detected[self.division] += detected
        covered = rules.tolerance and random() < rules.coverage
        judged_right = random() < rules.screening
        if self.outcome is Outcome.ERROR:
            self.detected_error = detected
            self.exempted = detected and covered and judged_right
            self.wrongful = detected and covered and not judged_right
            self.sanctioned_error = detected and not self.exempted
            # a detected error counts against the career unless exempted under protection
            self.career_harmed = detected and not (self.exempted and rules.protection)
        else:
            self.detected_violation = detected
            self.shielded = detected and covered and not judged_right
            self.sanctioned_violation = detected and not self.shielded
            self.career_harmed = self.sanctioned_violation
        self.cycle_harms += self.career_harmed
        shown = rules.case_visibility or not (self.exempted or self.shielded)
        self.shown_detected_error = self.detected_error and shown
        self.shown_detected_violation = self.detected_violation and shown
        self.shown_exempted = self.exempted and shown

    # ------------------------------------------------------------ 5: learning

    def learn(self) -> None:
        """Beliefs from one's own case (weighted) and the neighbours' visible cases."""
        rules = self.model.rules
        own = rules.own_weight
        detected_errors = own * self.detected_error
        sanctioned_errors = own * self.sanctioned_error
        detected_violations = own * self.detected_violation
        sanctioned_violations = own * self.sanctioned_violation
        acts = own * self.acted
        harms = own * self.career_harmed
        idle = own * (not self.acted)
        caught_idle = own * self.caught_idle
        successes = own * (self.outcome is Outcome.SUCCESS)
        recognised = own * self.recognised
        exemptions = own * self.exempted
        if rules.social_learning:
            for n in self.cell.neighborhood.agents:
                detected_errors += n.shown_detected_error
                sanctioned_errors += n.sanctioned_error
                detected_violations += n.shown_detected_violation
                sanctioned_violations += n.sanctioned_violation
                acts += n.acted
                harms += n.career_harmed
                idle += not n.acted
                caught_idle += n.caught_idle
                successes += n.outcome is Outcome.SUCCESS
                recognised += n.recognised
                exemptions += n.shown_exempted
        rate = rules.belief_rate
        self.perceived_sanction_risk = learned(
            self.perceived_sanction_risk, sanctioned_errors, detected_errors, rate
        )
        self.perceived_violation_risk = learned(
            self.perceived_violation_risk,
            sanctioned_violations,
            detected_violations,
            rules.violation_rate,
        )
        self.perceived_inaction_risk = learned(
            self.perceived_inaction_risk, caught_idle, idle, rate
        )
        self.perceived_reward = learned(self.perceived_reward, recognised, successes, rate)
        self.perceived_career_risk = learned(self.perceived_career_risk, harms, acts, rate)
        # perceived detection: the enforcement visible in one's division this month
        cases = self.model.division_cases[self.division]
        self.perceived_detection = learned(
            self.perceived_detection,
            self.model.division_detected[self.division],
            cases,
            rules.detection_rate,
        )
        # error fear: up with honest errors sanctioned, down with exemptions, back to baseline
        fear = self.error_fear
        fear += rules.fear_sensitivity * (
            (1.0 - fear) * sanctioned_errors - fear * exemptions
        ) + rules.fear_decay * (self.fear_baseline - fear)
        self.error_fear = min(1.0, max(0.0, fear))
        if rules.tolerance and not self.aware:
            self.aware = exemptions > 0.0 or self.random.random() < rules.publicity
        self.acted_last_month = self.acted

    def learn_advantage(self) -> None:
        """π̂ toward P(excellent | doer) - P(excellent | idle) among oneself and neighbours."""
        own = self.model.rules.own_weight
        doer = self.cycle_initiatives > 0
        doers, excellent_doers = own * doer, own * (doer and self.excellent)
        idle, excellent_idle = own * (not doer), own * (self.excellent and not doer)
        if self.model.rules.social_learning:
            for n in self.cell.neighborhood.agents:
                if n.cycle_initiatives > 0:
                    doers += 1
                    excellent_doers += n.excellent
                else:
                    idle += 1
                    excellent_idle += n.excellent
        if doers > 0 and idle > 0:
            gap = excellent_doers / doers - excellent_idle / idle
            self.doer_advantage += self.model.rules.advantage_rate * (gap - self.doer_advantage)

    def evaluation_score(self) -> float:
        """Orientation o weighs initiative against harms: 0 = 不出事, 1 = 担当 (with noise)."""
        o = self.model.rules.orientation
        return (
            self.cycle_successes
            + o * self.cycle_initiatives
            - (1.0 - o) * self.cycle_harms
            + self.random.gauss(0.0, self.model.rules.noise)
        )


class ReferenceModel(mesa.Model):
    """Cadres on the organisation network, stepped one agent at a time."""

    def __init__(
        self,
        config: CadreConfig | None = None,
        *,
        size: int | None = None,
        rng: int | None = None,
        collect: bool = True,
    ) -> None:
        cfg = config if config is not None else load_config()
        n = int(size if size is not None else cfg.population.size)
        seed = int(cfg.seed if rng is None else rng)
        super().__init__(rng=seed)
        self.rules = Rules.from_config(cfg)
        org = build_organisation(cfg.network, n, np.random.default_rng(seed))
        self.grid = Network(org.graph(), capacity=1, random=self.random, layout=None)
        types = self.random.choices(TYPE_NAMES, weights=self.rules.mix, k=n)
        # Network keys its cells by node id: cadre i sits on cell i
        cadres = [ReferenceCadre(self, self.grid[i], types[i]) for i in range(n)]
        supervisor = org.supervisor.tolist()
        unit = org.unit.tolist()
        division = _divisions(supervisor)
        for i, cadre in enumerate(cadres):
            cadre.supervisor = cadres[supervisor[i]] if supervisor[i] >= 0 else None
            cadre.unit, cadre.division = unit[i], division[i]
        self.units: dict[int, list[ReferenceCadre]] = defaultdict(list)
        for cadre in cadres:
            self.units[cadre.unit].append(cadre)
        self.division_cases = [0] * (max(division) + 1)
        self.division_detected = [0] * (max(division) + 1)
        self.month = 0
        self.datacollector = (
            mesa.DataCollector(model_reporters={name: _share(name) for name in RATES})
            if collect
            else None
        )

    def step(self) -> None:
        self.month += 1
        for counts in (self.division_cases, self.division_detected):
            counts[:] = [0] * len(counts)
        self.agents.shuffle_do("step")
        self.agents.do("learn")
        if self.month % self.rules.cycle == 0:
            self.evaluate()
        if self.datacollector is not None:
            self.datacollector.collect(self)

    def evaluate(self) -> None:
        """Rate the top `excellence_quota` of each unit excellent; cadres learn π̂ from it."""
        quota = self.rules.excellence_quota
        for members in self.units.values():
            ranked = sorted(members, key=ReferenceCadre.evaluation_score, reverse=True)
            top = int(len(ranked) * quota)
            for place, cadre in enumerate(ranked):
                cadre.excellent = place < top
        self.agents.do("learn_advantage")
        for cadre in self.agents:
            cadre.cycle_initiatives = cadre.cycle_successes = cadre.cycle_harms = 0
            cadre.excellent = False

    def rates(self) -> dict[str, float]:
        """This month's outcome rates over all cadres."""
        return {name: _share(name)(self) for name in RATES}


def _is(outcome: Outcome) -> Any:
    return lambda a: a.outcome is outcome


RATES: dict[str, Any] = {
    "initiative_rate": lambda a: a.acted,
    "success_rate": _is(Outcome.SUCCESS),
    "error_rate": _is(Outcome.ERROR),
    "misconduct_rate": _is(Outcome.MISCONDUCT),
    "sanction_rate": lambda a: a.sanctioned_error or a.sanctioned_violation or a.caught_idle,
    "tolerated_rate": lambda a: a.exempted,
    "mean_error_fear": lambda a: a.error_fear,
}


def _share(name: str) -> Any:
    test = RATES[name]

    def reporter(model: ReferenceModel) -> float:
        agents = model.agents
        return sum(test(a) for a in agents) / len(agents)

    return reporter


def _divisions(supervisor: list[int]) -> list[int]:
    """Division of each cadre: its top ancestor, or, under a single top leader, the ancestor
    just below it (the pool whose enforcement cases a cadre sees); 0..D-1."""
    roots = {i for i, s in enumerate(supervisor) if s < 0}
    top: list[int] = []
    for i in range(len(supervisor)):
        j = i
        while supervisor[j] >= 0 and not (len(roots) == 1 and supervisor[j] in roots):
            j = supervisor[j]
        top.append(j)
    ids = {t: k for k, t in enumerate(sorted(set(top)))}
    return [ids[t] for t in top]
