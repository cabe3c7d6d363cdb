"""One month of the model as a sequence of vectorised rules over all cadres (docs/ODD.md,
"Process overview and scheduling"). The rules live in `agents/` and `policies/`; this module
only orders them and carries one step's events from rule to rule.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass, replace
from enum import IntEnum

import numpy as np
import scipy.sparse as sp

from cadresim.agents import beliefs, decision
from cadresim.agents.types import TYPE_NAMES, TypeClassifier
from cadresim.policies import (
    accountability,
    careers,
    education,
    evaluation,
    incentive,
    tolerance,
    training,
)
from cadresim.policies.schedule import PolicyTimeline

from .config import CadreConfig, PolicyConfig
from .metrics import COUNTS, GATES, IDX, Tally
from .network import Organisation, build_organisation, divisions
from .state import (
    ERROR,
    MISCONDUCT,
    SUCCESS,
    CadreState,
    draw_cadres,
    draw_competence,
    initial_state,
    stack_states,
)


class Draw(IntEnum):
    """Rows of the per-step uniform draws (one block per step keeps the stream order fixed). A
    row is shared by events of disjoint sets of cadres (a cadre has one outcome a month):
    OVERSIGHT decides detection of an error or violation, catching an idle cadre and a false
    accusation of a success; CASE decides whether a detected case qualifies for tolerance and
    whether a success is recognised."""

    DIFFICULTY = 0
    ACT = 1
    SUCCESS = 2
    MISCONDUCT = 3
    OVERSIGHT = 4
    CASE = 5
    SCREEN = 6
    PUBLICITY = 7
    TRAIN = 8


class Signal(IntEnum):
    """Columns of the signals each cadre shows its neighbours (and itself, `own_weight` times).
    Violations are not among them: their detection and punishment are learned from the
    division (`beliefs.learn_from_division`), and the neighbour product is the step's largest
    per-cadre cost."""

    DET_ERR = 0  # a detected honest error
    SANC_ERR = 1  # ... that was sanctioned
    ACTED = 2
    IDLE_PUN = 3  # inaction caught and punished
    SUCCESS = 4
    REWARDED = 5  # a success recognised
    EXEMPT = 6  # an exemption or a cleared accusation
    HONEST_SANC = 7  # an honest cadre sanctioned (error or uncleared accusation)
    HARMED = 8  # an act that harmed the career record


N_DRAWS = len(Draw)
N_SIGNALS = len(Signal)


def streams(seed: int) -> tuple[np.random.Generator, np.random.Generator, np.random.Generator]:
    """Independent generators for network, population and dynamics, derived from one seed.

    Separate streams give common random numbers: the same seed yields the same organisation
    and the same cadres whatever the policy, so regimes differ only through their effects."""
    ss = np.random.SeedSequence(seed)
    net, pop, dyn = (np.random.default_rng(s) for s in ss.spawn(3))
    return net, pop, dyn


def shell_stream(seed: int) -> np.random.Generator:
    """A fourth stream, for the Mesa shell (`mesa.Model` draws from the generator it is given),
    so that Mesa's own draws never shift the dynamics stream."""
    return np.random.default_rng(np.random.SeedSequence(seed).spawn(4)[3])


def evaluation_stream(seed: int) -> np.random.Generator:
    """A sixth stream, for evaluation noise, retirements and rotation: drawn only in evaluation
    months, whose timing is itself a policy (`evaluation.cycle`), so the dynamics stream draws
    the same block every month whatever the policy."""
    return np.random.default_rng(np.random.SeedSequence(seed).spawn(6)[5])


def career_stream(seed: int) -> np.random.Generator:
    """A fifth stream, for entrants' traits and rotation: their number varies with policy, so
    drawing them from the dynamics stream would break common random numbers."""
    return np.random.default_rng(np.random.SeedSequence(seed).spawn(5)[4])


class Engine:
    """The arrays of one run, or of a batch of runs (model/batch.py): the runs' cadres are
    consecutive blocks of one population on a block-diagonal network, so they never interact;
    each run draws from its own streams in the same order and shapes as alone, and a lever
    whose value differs between runs is a per-cadre array of each run's value, so every run's
    results are byte-identical to the same run alone."""

    def __init__(
        self,
        cfg: CadreConfig,
        rng: np.random.Generator | None = None,
        runs: list[CadreConfig] | None = None,
    ) -> None:
        """`runs`: the configs of a batch's runs (`cfg` is then ignored but for its type)."""
        self.run_cfgs = [cfg] if runs is None else list(runs)
        self.runs = len(self.run_cfgs)
        self.seeds = [c.seed for c in self.run_cfgs]
        if rng is not None and self.runs > 1:
            raise ValueError("a batch draws from each run's own streams; rng is for one run")
        # policy.schedule: the policy in force each month, per run
        self.timelines = [PolicyTimeline(c) for c in self.run_cfgs]
        self.timeline = self.timelines[0]
        orgs, states, self.rngs = [], [], []
        for c in self.run_cfgs:
            net_rng, pop_rng, dyn_rng = streams(c.seed)
            self.rngs.append(dyn_rng)
            orgs.append(build_organisation(c.network, c.population.size, net_rng))
            states.append(initial_state(c, orgs[-1], pop_rng))
        self.rng = self.rngs[0] if rng is None else rng
        self.career_rngs = [career_stream(c.seed) for c in self.run_cfgs]
        self.eval_rngs = [evaluation_stream(c.seed) for c in self.run_cfgs]
        self.career_rng, self.eval_rng = self.career_rngs[0], self.eval_rngs[0]
        self.orgs = orgs
        self.size = orgs[0].size  # cadres per run
        if any(org.size != self.size for org in orgs):
            raise ValueError("the runs of a batch must have the same number of cadres")
        # the config the rules read: a batch's differing levers as per-cadre arrays
        self.cfg = cfg if runs is None else replace(self.run_cfgs[0], policy=self._policy())
        self.offsets = [k * self.size for k in range(self.runs)]
        self.blocks = [slice(k * self.size, (k + 1) * self.size) for k in range(self.runs)]
        self._moves: careers.Moves | None = None  # planned at an evaluation, all runs
        self._rotation: list[tuple[np.ndarray, np.ndarray]] = []  # (from, to) per rotating run
        self.org: Organisation = stack_organisations(orgs)
        self.state: CadreState = stack_states(states)
        self.n = self.state.size
        self.step_count = 0
        self.degree = np.asarray(self.org.adjacency.sum(axis=1), dtype=np.float32).ravel()
        self.has_supervisor = self.org.supervisor >= 0
        # a cadre without a supervisor points at its run's first cadre (weight 0), as alone
        first = np.repeat(np.array(self.offsets, dtype=np.int64), self.size)
        self.supervisor = np.where(self.has_supervisor, self.org.supervisor, first)
        self.leader = np.bincount(self.org.supervisor[self.has_supervisor], minlength=self.n) > 0
        self.division = np.concatenate(
            [
                divisions(o.supervisor, o.unit) + off
                for o, off in zip(orgs, self.offsets, strict=True)
            ]
        )
        self.columns = np.zeros((len(COUNTS), self.n), dtype=np.float32)
        self.columns[IDX["n"]] = 1.0  # counts group sizes in the tally
        self.columns[IDX["leader"]] = self.leader
        self.draws = np.empty((N_DRAWS, self.n), dtype=np.float32)  # refilled each step
        # a batch fills each run's draws as a solo run would, then interleaves them by row
        self._run_draws = (
            np.empty((self.runs, N_DRAWS, self.size), dtype=np.float32) if self.runs > 1 else None
        )
        # reused each step: at 10^5 cadres, fresh multi-megabyte temporaries cost page faults
        self.signals = np.empty((self.n, N_SIGNALS), dtype=bool)
        self.signal_counts = np.empty((self.n, N_SIGNALS), dtype=np.float32)
        self.seen = np.empty((N_SIGNALS, self.n), dtype=np.float32)
        self.gates = np.ones((len(GATES), self.n), dtype=np.float32)
        self.last_initiative_probability = np.zeros(self.n)
        # experiment hooks: cadres made to act regardless of P (and whether their cases are
        # hidden from everyone else), e.g. to measure the peer effect
        self.forced: np.ndarray | None = None
        self.hide_forced = False
        # each run's initial mean competence (a scalar alone, one value per cadre in a batch)
        means = [np.float32(x.competence.mean()) for x in states]
        self.reference_competence = (
            means[0] if self.runs == 1 else np.repeat(np.array(means, np.float32), self.size)
        )
        self.tally = Tally(self.state.cohort, self.runs)
        self._reclassifier()
        beh = cfg.behaviour
        self.observation = beliefs.observation_matrix(
            self.org.adjacency, beh.own_weight, beh.social_learning
        )
        self.tallies: list[np.ndarray] = []
        # step 0 records the gates on a task of median difficulty (nobody has decided yet)
        self._open_gates(np.full(self.n, 0.5, dtype=np.float32), 0)
        self._record(evaluating=False)

    def _reclassifier(self) -> None:
        s = self.state
        self.classify = TypeClassifier(
            s.motivation, s.risk_aversion, s.effort_aversion, self.cfg.population.threshold
        )

    # ------------------------------------------------------------------ the step

    def step(self) -> None:
        """Advance all cadres by one month: one call per ODD phase."""
        self.step_count += 1
        t = self.step_count
        self._apply_schedule(t)
        u = self._draw()
        self._develop(u)
        acted, p = self._decide(u, t)
        ev = self._outcomes(acted, p, u, t)
        self._learn(ev)
        evaluating = evaluation.is_evaluation_step(t, self.cfg.policy.evaluation.cycle)
        if evaluating:
            self._evaluate(t)
        self.state.cadre_type = self.classify(self.state.competence, self.state.error_fear)
        self._record(evaluating)
        if evaluating:  # the month's events stay with the cadres who made them
            self._move_cadres()

    def _apply_schedule(self, t: int) -> None:
        """policy.schedule: put the policy in force in month t into the config(s)."""
        if self.cfg is self.run_cfgs[0]:  # one run, not built as a batch: one config
            self.timeline.apply(self.cfg, t)
        elif any(t in tl.changes for tl in self.timelines):  # the runs' configs, then the union
            for c, tl in zip(self.run_cfgs, self.timelines, strict=True):
                tl.apply(c, t)
            self.cfg.policy = self._policy()

    def _policy(self) -> PolicyConfig:
        """The runs' policies as one: a value that differs between runs (a lever listed in
        model/batch.py's LEVERS) becomes a float32 array of each run's value over its cadres.
        The rules read such a lever only in comparisons with float32 draws and in products
        with float32 arrays, where a float32 array gives exactly what the scalar gives."""
        policies = [c.policy for c in self.run_cfgs]
        first = policies[0]
        groups = {}
        for f in fields(first):
            group = getattr(first, f.name)
            if not is_dataclass(group):
                continue
            changed = {}
            for g in fields(group):
                values = [getattr(getattr(p, f.name), g.name) for p in policies]
                if any(v != values[0] for v in values[1:]):
                    if not all(isinstance(v, float) for v in values):
                        raise ValueError(f"policy.{f.name}.{g.name} differs within a batch")
                    changed[g.name] = np.repeat(np.array(values, np.float32), self.size)
            if changed:
                groups[f.name] = replace(group, **changed)
        return replace(first, **groups) if groups else first

    def _draw(self) -> np.ndarray:
        """The month's uniform draws (Draw rows x cadres): each run's block from its own
        dynamics stream, in the order and shape of a solo run."""
        if self._run_draws is None:
            return self.rng.random(dtype=np.float32, out=self.draws)
        for rng, block in zip(self.rngs, self._run_draws, strict=True):
            rng.random(dtype=np.float32, out=block)
        np.copyto(
            self.draws.reshape(N_DRAWS, self.runs, self.size), self._run_draws.transpose(1, 0, 2)
        )
        return self.draws

    def _develop(self, u: np.ndarray) -> None:
        """Training, education: traits move before the month's decisions (ODD 7.9)."""
        s, pol = self.state, self.cfg.policy
        if pol.training.targeted and self.runs > 1:  # each run's least competent
            for c, block in zip(self.run_cfgs, self.blocks, strict=True):
                training.train(s.competence[block], u[Draw.TRAIN, block], c.policy.training)
        else:
            training.train(s.competence, u[Draw.TRAIN], pol.training)
        if education.educate(s.motivation, pol.education):
            self._reclassifier()

    def _open_gates(self, difficulty: np.ndarray, t: int) -> np.ndarray:
        """Fill `self.gates` (O, W, E, Dc, De per cadre) for tasks of this difficulty; return
        the success chance p."""
        s, pol, beh = self.state, self.cfg.policy, self.cfg.behaviour
        acc, tol = pol.accountability, pol.tolerance
        # a leader's competence relative to the initial mean: zero on average at the start, so
        # the channel shows who gets promoted (merit, Peter principle), not a level shift
        guidance = (s.competence[self.supervisor] - self.reference_competence) * (
            self.has_supervisor
        )
        p = decision.success_chance(
            s.competence, difficulty, beh.steepness, guidance, beh.leader_support
        )
        blocked = s.blocked_until > t
        gates = self.gates
        gates[0] = decision.opportunity(
            s.competence, beh.opportunity_steepness, beh.opportunity_threshold
        )
        gates[1] = decision.want(
            s.motivation,
            beh.intrinsic_value,
            s.perceived_reward,
            incentive.reward_value(pol.incentive)
            + incentive.promotion_prospect(pol.incentive, blocked),
            p,
            s.acted[self.supervisor] & self.has_supervisor,
            beh.leader_example,
            s.peer_share,
            beh.peer_norm,
            beh.want_threshold,
            beh.want_temperature,
        )
        gates[2] = decision.bother(
            s.effort_aversion,
            beh.effort_cost,
            s.perceived_inaction_risk,
            accountability.inaction_penalty(acc),
            beh.bother_threshold,
            beh.bother_temperature,
        )
        gates[3] = decision.career_dare(
            s.risk_aversion,
            accountability.career_weight(acc),
            s.perceived_career_risk,
            s.doer_advantage,
            beh.career_threshold,
            beh.career_temperature,
        )
        gates[4] = decision.punish_dare(
            s.error_fear,
            accountability.sanction_weight(acc),
            s.perceived_detection,
            tolerance.perceived_sanction_risk(s.aware, s.perceived_sanction_risk, tol),
            p,
            beh.punish_threshold,
            beh.punish_temperature,
        )
        return p

    def _decide(self, u: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray]:
        """P(act) = O W E Dc De from perceived costs and benefits (ODD 7.1)."""
        self.difficulty = u[Draw.DIFFICULTY]
        p = self._open_gates(self.difficulty, t)
        gates = self.gates
        prob = gates.prod(axis=0)
        self.last_initiative_probability = prob
        acted = u[Draw.ACT] < prob
        if self.forced is not None:
            acted |= self.forced
        return acted, p

    def _outcomes(self, acted: np.ndarray, p: np.ndarray, u: np.ndarray, t: int) -> dict:
        """Success, honest error or misconduct; oversight, tolerance, sanctions, correction
        (ODD 7.2-7.7). Returns the month's events by name."""
        s, pol, beh = self.state, self.cfg.policy, self.cfg.behaviour
        acc, tol, ev_cfg = pol.accountability, pol.tolerance, pol.evaluation
        pm = decision.misconduct_probability(
            s.integrity, beh.temptation, s.perceived_detection, s.perceived_violation_risk
        )
        violation = acted & (u[Draw.MISCONDUCT] < pm)
        success = acted & ~violation & (u[Draw.SUCCESS] < p)
        error = acted & ~violation & ~success
        det_err = accountability.detect(error, u[Draw.OVERSIGHT], acc)
        det_vio = accountability.detect(violation, u[Draw.OVERSIGHT], acc)
        exempt, wrongful_err = tolerance.screen_errors(det_err, u[Draw.CASE], u[Draw.SCREEN], tol)
        shielded = tolerance.screen_violations(det_vio, u[Draw.CASE], u[Draw.SCREEN], tol)
        idle = ~acted
        idle_pun = accountability.catch_inaction(idle, u[Draw.OVERSIGHT], acc)
        accused = accountability.accuse_falsely(success, u[Draw.OVERSIGHT], acc)
        cleared = tolerance.clarify(accused, u[Draw.SCREEN], tol)
        sanc_err = det_err & ~exempt
        sanc_vio = det_vio & ~shielded
        wrongly_accused = accused & ~cleared
        grade = accountability.grades(
            decision.sanction_grade(self.difficulty, acc.grade_cuts),
            sanc_err,
            sanc_vio,
            idle_pun,
            wrongly_accused,
            acc,
        )
        sanctioned = grade > 0
        accountability.start_influence_period(s.blocked_until, grade, t, acc)
        harmed = evaluation.career_harm(
            error, exempt, sanc_err | sanc_vio | wrongly_accused, ev_cfg
        )
        recognised = incentive.recognise(success, u[Draw.CASE], pol.incentive)
        recovered = tolerance.recovered_share(det_err, tol)
        tolerance.learn_from_correction(s.competence, det_err, tol)
        training.practise(s.competence, acted, beh.practice)
        value = (
            success
            - beh.damage * self.difficulty * error * (1.0 - recovered)
            - beh.misconduct_harm * violation
        )
        s.acted = acted
        s.outcome = (
            SUCCESS * success.view(np.int8)
            + ERROR * error.view(np.int8)
            + MISCONDUCT * violation.view(np.int8)
        )
        s.sanctioned = sanctioned
        s.exempted = exempt | shielded | cleared
        s.successes += success
        s.errors += error
        s.sanctions += sanctioned
        s.cycle_successes += success
        s.cycle_acts += acted
        s.cycle_harms += harmed | idle_pun
        col = self.columns
        col[IDX["initiative"]] = acted
        col[IDX["success"]] = success
        col[IDX["error"]] = error
        col[IDX["misconduct"]] = violation
        col[IDX["detected"]] = det_err | det_vio
        col[IDX["sanction"]] = sanctioned
        col[IDX["tolerated"]] = exempt
        col[IDX["wrongful"]] = wrongful_err | wrongly_accused
        col[IDX["shielded"]] = shielded
        col[IDX["inaction_sanction"]] = idle_pun
        col[IDX["false_accusation"]] = accused
        col[IDX["recognised"]] = recognised
        col[IDX["value"]] = value
        return {
            "acted": acted,
            "idle": idle,
            "success": success,
            "error": error,
            "violation": violation,
            "det_err": det_err,
            "det_vio": det_vio,
            "sanc_err": sanc_err,
            "sanc_vio": sanc_vio,
            "exempt": exempt,
            "shielded": shielded,
            "idle_pun": idle_pun,
            "cleared": cleared,
            "wrongly_accused": wrongly_accused,
            "recognised": recognised,
            "harmed": harmed,
        }

    def _learn(self, ev: dict) -> None:
        """Beliefs from own and neighbours' cases; detection from the division's (ODD 7.8)."""
        s, pol, beh = self.state, self.cfg.policy, self.cfg.behaviour
        tol = pol.tolerance
        exempt, shielded = ev["exempt"], ev["shielded"]
        # exempted cases neighbours can see (all, unless case_visibility is off)
        shown_exempt, shown_shielded = tolerance.shown_cases(exempt, shielded, tol)
        hidden = shown_exempt is not exempt
        det_err, det_vio = ev["det_err"], ev["det_vio"]
        # one (cadres x signals) matrix in Signal order: stacking bools, then one cast, is far
        # cheaper than writing float columns one by one
        np.stack(
            [
                det_err & (shown_exempt | ~exempt) if hidden else det_err,
                ev["sanc_err"],
                ev["acted"],
                ev["idle_pun"],
                ev["success"],
                ev["recognised"],
                shown_exempt | ev["cleared"],
                ev["sanc_err"] | ev["wrongly_accused"],
                ev["harmed"],
            ],
            axis=1,
            out=self.signals,
        )
        own = np.float32(beh.own_weight)
        forced_hidden = self.forced is not None and self.hide_forced
        if forced_hidden:  # the forced show that they acted, and nothing of what came of it
            keep_acted = self.signals[:, Signal.ACTED].copy()
            self.signals[self.forced] = False
            self.signals[:, Signal.ACTED] = keep_acted
        np.copyto(self.signal_counts, self.signals)
        seen = beliefs.observe(self.signal_counts, self.observation, out=self.seen)
        if hidden:  # a cadre still knows its own hidden case
            own_hidden = own * (exempt & ~shown_exempt)
            seen[Signal.DET_ERR] += own_hidden
            seen[Signal.EXEMPT] += own_hidden
        acted, idle = ev["acted"], ev["idle"]
        neighbours_acted = seen[Signal.ACTED] - own * acted
        s.peer_share = (
            np.divide(neighbours_acted, np.maximum(self.degree, 1.0)).astype(np.float32)
            if beh.social_learning
            else np.zeros(self.n, dtype=np.float32)
        )
        neighbours_idle = self.degree - neighbours_acted if beh.social_learning else 0.0
        idle_seen = own * idle + neighbours_idle
        rate = beh.belief_rate
        beliefs.learn(s.perceived_sanction_risk, seen[Signal.SANC_ERR], seen[Signal.DET_ERR], rate)
        beliefs.learn(s.perceived_inaction_risk, seen[Signal.IDLE_PUN], idle_seen, rate)
        beliefs.learn(s.perceived_reward, seen[Signal.REWARDED], seen[Signal.SUCCESS], rate)
        beliefs.learn(s.perceived_career_risk, seen[Signal.HARMED], seen[Signal.ACTED], rate)
        cases = ev["error"] | ev["violation"]
        if forced_hidden:
            cases = cases & ~self.forced
            det_err, det_vio = det_err & ~self.forced, det_vio & ~self.forced
        beliefs.learn_from_division(
            s.perceived_detection, self.division, det_err | det_vio, cases, beh.detection_rate
        )
        # violations are punished or shielded in the open, as discipline cases are reported:
        # h^ from the division's shown cases (shielded ones hidden without case_visibility)
        shown_vio = det_vio & (shown_shielded | ~shielded) if hidden else det_vio
        beliefs.learn_from_division(
            s.perceived_violation_risk,
            self.division,
            ev["sanc_vio"] & shown_vio,
            shown_vio,
            beh.violation_rate,
        )
        beliefs.update_error_fear(
            s.error_fear,
            s.fear_baseline,
            seen[Signal.HONEST_SANC],
            seen[Signal.EXEMPT],
            beh.fear_sensitivity,
            beh.fear_decay,
        )
        tolerance.publicise(s.aware, self.draws[Draw.PUBLICITY], seen[Signal.EXEMPT], tol)

    def _evaluate(self, t: int) -> None:
        """Annual evaluation: rank within units on the oriented score; the excellence quota;
        warn and demote the bottom; leaders retire and the best move up (ODD 7.10-7.11)."""
        s, pol, col, beh = self.state, self.cfg.policy, self.columns, self.cfg.behaviour
        score = evaluation.score(
            s.cycle_successes, s.cycle_acts, s.cycle_harms, pol.evaluation.orientation
        )
        record, rank, size = (
            np.empty_like(score),
            np.empty(self.n, np.int64),
            np.empty(self.n, np.int64),
        )
        for k, block in enumerate(self.blocks):
            # each run ranks its own units with its own noise, as alone
            noise = self.run_cfgs[k].policy.evaluation.noise
            record[block] = evaluation.noisy_record(score[block], noise, self.eval_rngs[k])
            # integer records tie without noise: then rank ties by cadre index, on any CPU
            rank[block], size[block] = evaluation.rank_within_units(
                record[block], self.orgs[k].unit, stable=noise == 0
            )
        top = incentive.excellent(rank, size, pol.incentive)
        bottom = accountability.bottom_ranked(rank, size, pol.accountability)
        warned, demoted = accountability.warn_and_demote(
            s.bottom_streak, bottom, pol.accountability
        )
        s.rank[demoted] = np.maximum(s.rank[demoted] - 1, 0)
        # cadres and their neighbours see who was rated excellent, among doers and the idle
        # (does the organisation reward those who act?), and who was demoted
        doer = s.cycle_acts >= pol.evaluation.cycle / 2
        delivered = s.cycle_successes > 0
        seen = beliefs.observe(
            np.stack(
                [top & delivered, delivered, demoted, top & doer, doer, top & ~doer, ~doer], 1
            ),
            self.observation,
        )
        beliefs.learn(s.perceived_reward, seen[0], seen[1], beh.belief_rate)
        accountability.feel_pressure(
            s.perceived_inaction_risk, bottom, seen[2], beh.warning_pressure
        )
        beliefs.learn_advantage(
            s.doer_advantage, seen[3], seen[4], seen[5], seen[6], beh.advantage_rate
        )
        promoted = self._careers(record, t)
        s.cycle_successes[:] = 0.0
        s.cycle_acts[:] = 0.0
        s.cycle_harms[:] = 0.0
        col[IDX["promoted"]] = promoted
        col[IDX["demoted"]] = demoted
        col[IDX["warned"]] = warned

    def _careers(self, record: np.ndarray, t: int) -> np.ndarray:
        """Plan retirements, promotions into vacancies, entrants and rotation (made after this
        month's tally, by `_move_cadres`). Returns who will be promoted (by post).

        Each run draws from its own evaluation stream; the vacancies of all runs are then
        filled in one pass, as the runs' reporting lines never cross (the same moves as run
        by run, in the same order within each run)."""
        s, cfg = self.state, self.cfg.policy.careers
        retire = np.empty(self.n, dtype=np.float32)
        for k, rng in enumerate(self.eval_rngs):
            # fixed-size draws every evaluation, whatever the policy: common random numbers
            retire[self.blocks[k]] = rng.random(self.size, dtype=np.float32)
            rotate_draw = rng.random(self.size, dtype=np.float32)
            rotate_seed = rng.integers(2**63)
            rotation = self.run_cfgs[k].policy.careers.rotation
            if cfg.enabled and rotation > 0.0:
                src, dst = careers.rotation(
                    self.orgs[k].level, rotate_draw, rotation, np.random.default_rng(rotate_seed)
                )
                self._rotation.append((src + self.offsets[k], dst + self.offsets[k]))
        promoted = np.zeros(self.n, dtype=bool)
        if not cfg.enabled:
            return promoted
        # a cadre in an influence period is not promoted (影响期满可提拔)
        merit = np.where(s.blocked_until > t, -np.inf, record)
        vacant = careers.retiring(self.leader, retire, cfg.retirement)
        self._moves = careers.fill_vacancies(self.org.supervisor, self.org.level, merit, vacant)
        promoted[self._moves.promoted] = True
        return promoted

    def _move_cadres(self) -> None:
        """Make the planned moves: promoted cadres take their new posts with competence
        t c + (1 - t) c_fresh, entrants fill the base, rotated cadres swap units.

        The chain of promotions is composed into one map (post <- the post its new holder
        comes from) and every attribute is copied once: the same copies as making the steps
        one by one. Fresh competence and entrants are drawn run by run, in each run's order."""
        s, moves = self.state, self._moves
        changed: list[np.ndarray] = []
        if moves is not None:
            source = np.arange(self.n)
            for src, dst in moves.steps:
                source[dst] = source[src]
                changed.append(dst)
            if changed:
                posts = np.concatenate(changed)
                s.move(source[posts], posts)
            changed.append(moves.entrants)
            promoted, run_of_post = moves.promoted, moves.promoted // self.size
            run_of_entrant = moves.entrants // self.size
            for k, c in enumerate(self.run_cfgs):
                posts = promoted[run_of_post == k]
                if posts.size:
                    fresh = self._entrant_competence(k, posts.size)
                    s.competence[posts] = careers.competence_in_role(
                        s.competence[posts], fresh, c.policy.careers.transfer
                    )
                    s.rank[posts] += 1
                entrants = moves.entrants[run_of_entrant == k]
                if entrants.size:
                    s.enter(entrants, self._entrants(k, entrants.size))
                    s.rank[entrants] = 0
        if self._rotation:  # runs' rotations are disjoint swaps: one simultaneous copy
            src, dst = (np.concatenate(x) for x in zip(*self._rotation, strict=True))
            s.move(src, dst)
            changed.append(dst)
        posts_changed = np.unique(np.concatenate(changed)) if changed else changed
        if len(posts_changed):
            self.tally.recohort(posts_changed, s.cohort[posts_changed])
            self._reclassifier()
            s.cadre_type = self.classify(s.competence, s.error_fear)
        self._moves, self._rotation = None, []

    def _entrant_cohorts(self, k: int, n: int) -> np.ndarray:
        """Types of n newcomers to run k, each drawn from the population mix (independently:
        a batch of one is not always of the largest type)."""
        cfg, rng = self.run_cfgs[k], self.career_rngs[k]
        shares = np.array([getattr(cfg.population.mix, name) for name in TYPE_NAMES])
        return rng.choice(len(TYPE_NAMES), size=n, p=shares / shares.sum()).astype(np.int8)

    def _entrants(self, k: int, n: int) -> CadreState:
        """n newcomers to run k (typed with everyone else after the moves)."""
        cohort = self._entrant_cohorts(k, n)
        return draw_cadres(self.run_cfgs[k], n, self.career_rngs[k], cohort, typed=False)

    def _entrant_competence(self, k: int, n: int) -> np.ndarray:
        """Competence of n fresh cadres of run k, for promoted cadres' new roles: the draws of
        `_entrants`, in its order, so both leave the career stream alike."""
        cohort = self._entrant_cohorts(k, n)
        return draw_competence(self.run_cfgs[k], n, self.career_rngs[k], cohort)

    def _record(self, evaluating: bool) -> None:
        s, col = self.state, self.columns
        col[IDX["perceived_risk"]] = tolerance.perceived_sanction_risk(
            s.aware, s.perceived_sanction_risk, self.cfg.policy.tolerance
        )
        col[IDX["aware"]] = s.aware
        col[IDX["competence"]] = s.competence
        col[IDX["error_fear"]] = s.error_fear
        for i, gate in enumerate(GATES):
            col[IDX[gate]] = self.gates[i]
        col[IDX["perceived_detection"]] = s.perceived_detection
        col[IDX["perceived_career_risk"]] = s.perceived_career_risk
        col[IDX["doer_advantage"]] = s.doer_advantage
        col[IDX["leader_competence"]] = s.competence * self.leader
        self.tallies.append(self.tally(col, s.cadre_type, evaluating))

    def tally_array(self, run: int = 0) -> np.ndarray:
        """All recorded steps of one run of the batch: (steps + 1) x groups x counts."""
        if self.runs == 1:
            return np.stack(self.tallies)
        return np.stack([t[run] for t in self.tallies])

    def column_index(self, name: str) -> int:
        """Row of `cadre_columns` holding a tallied quantity (a name of metrics.COUNTS)."""
        return IDX[name]

    def cadre_columns(self, rows: list[int]) -> np.ndarray:
        """The last step's per-cadre values of tallied quantities (rows x cadres, by post; a
        copy), for tables by org-chart unit, level or node."""
        return self.columns[rows]


def stack_organisations(orgs: list[Organisation]) -> Organisation:
    """The organisations of a batch's runs side by side: cadre, supervisor and unit ids of
    run k shifted by k x size, and no tie between runs (a block-diagonal adjacency)."""
    if len(orgs) == 1:
        return orgs[0]
    size = orgs[0].size
    shift = [k * size for k in range(len(orgs))]
    return Organisation(
        adjacency=stack_matrices([o.adjacency for o in orgs]),
        supervisor=np.concatenate(
            [
                np.where(o.supervisor >= 0, o.supervisor + d, -1)
                for o, d in zip(orgs, shift, strict=True)
            ]
        ),
        unit=np.concatenate([o.unit + d for o, d in zip(orgs, shift, strict=True)]),
        level=np.concatenate([o.level for o in orgs]),
    )


def stack_matrices(mats: list[sp.csr_matrix]) -> sp.csr_matrix:
    """Block-diagonal CSR matrix of square CSR blocks, each row's entries kept in the order of
    its block (so a product sums each cadre's neighbours in the same order as in a solo run;
    scipy.sparse.block_diag may reorder them)."""
    if len(mats) == 1:
        return mats[0]
    n = [m.shape[0] for m in mats]
    cols = np.cumsum([0, *n[:-1]])
    nnz = np.cumsum([0, *[m.nnz for m in mats]])
    indptr = np.concatenate(
        [m.indptr[:-1] + z for m, z in zip(mats, nnz[:-1], strict=True)] + [[nnz[-1]]]
    )
    indices = np.concatenate([m.indices + c for m, c in zip(mats, cols, strict=True)])
    data = np.concatenate([m.data for m in mats])
    total = int(sum(n))
    return sp.csr_matrix((data, indices, indptr), shape=(total, total))
