"""One month of the model as a sequence of vectorised rules over all cadres (docs/ODD.md,
"Process overview and scheduling"). The rules live in `agents/` and `policies/`; this module
only orders them and carries one step's events from rule to rule.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

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

from .config import CadreConfig
from .metrics import COUNTS, GATES, IDX, Tally
from .network import Organisation, build_organisation, divisions
from .state import ERROR, MISCONDUCT, SUCCESS, CadreState, draw_cadres, initial_state


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
    """Columns of the signals each cadre shows its neighbours (and itself, `own_weight` times)."""

    DET_ERR = 0  # a detected honest error
    SANC_ERR = 1  # ... that was sanctioned
    DET_VIO = 2  # a detected violation
    SANC_VIO = 3  # ... that was sanctioned
    ACTED = 4
    IDLE_PUN = 5  # inaction caught and punished
    SUCCESS = 6
    REWARDED = 7  # a success recognised
    EXEMPT = 8  # an exemption or a cleared accusation
    HONEST_SANC = 9  # an honest cadre sanctioned (error or uncleared accusation)
    HARMED = 10  # an act that harmed the career record


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
    """The arrays of one run and the rules that advance them."""

    def __init__(self, cfg: CadreConfig, rng: np.random.Generator | None = None) -> None:
        self.cfg = cfg
        self.timeline = PolicyTimeline(cfg)  # policy.schedule: the policy in force each month
        net_rng, pop_rng, dyn_rng = streams(cfg.seed)
        self.rng = dyn_rng if rng is None else rng
        self.career_rng = career_stream(cfg.seed)
        self.eval_rng = evaluation_stream(cfg.seed)
        self._moves: careers.Moves | None = None  # planned at an evaluation, made after the tally
        self._rotation: tuple[np.ndarray, np.ndarray] | None = None
        self.org: Organisation = build_organisation(cfg.network, cfg.population.size, net_rng)
        self.state: CadreState = initial_state(cfg, self.org, pop_rng)
        self.n = self.state.size
        self.step_count = 0
        self.degree = np.asarray(self.org.adjacency.sum(axis=1), dtype=np.float32).ravel()
        self.has_supervisor = self.org.supervisor >= 0
        self.supervisor = np.where(self.has_supervisor, self.org.supervisor, 0)
        self.leader = np.bincount(self.org.supervisor[self.has_supervisor], minlength=self.n) > 0
        self.division = divisions(self.org.supervisor, self.org.unit)
        self.columns = np.zeros((len(COUNTS), self.n), dtype=np.float32)
        self.columns[IDX["n"]] = 1.0  # counts group sizes in the tally
        self.columns[IDX["leader"]] = self.leader
        self.draws = np.empty((N_DRAWS, self.n), dtype=np.float32)  # refilled each step
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
        self.reference_competence = np.float32(self.state.competence.mean())
        self.tally = Tally(self.state.cohort)
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
        self.timeline.apply(self.cfg, t)  # policy.schedule: a policy change in month t
        u = self.rng.random(dtype=np.float32, out=self.draws)
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

    def _develop(self, u: np.ndarray) -> None:
        """Training, education: traits move before the month's decisions (ODD 7.9)."""
        s, pol = self.state, self.cfg.policy
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
                det_vio & (shown_shielded | ~shielded) if hidden else det_vio,
                ev["sanc_vio"],
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
            seen[Signal.DET_VIO] += own * (shielded & ~shown_shielded)
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
        unit = self.org.unit
        score = evaluation.score(
            s.cycle_successes, s.cycle_acts, s.cycle_harms, pol.evaluation.orientation
        )
        record = evaluation.noisy_record(score, pol.evaluation.noise, self.eval_rng)
        # integer records tie without noise: then rank ties by cadre index, on any CPU
        rank, size = evaluation.rank_within_units(record, unit, stable=pol.evaluation.noise == 0)
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
        month's tally, by `_move_cadres`). Returns who will be promoted (by post)."""
        s, cfg = self.state, self.cfg.policy.careers
        promoted = np.zeros(self.n, dtype=bool)
        # fixed-size draws every evaluation, whatever the policy: common random numbers
        retire_draw = self.eval_rng.random(self.n, dtype=np.float32)
        rotate_draw = self.eval_rng.random(self.n, dtype=np.float32)
        rotate_rng = np.random.default_rng(self.eval_rng.integers(2**63))
        self._moves, self._rotation = None, None
        if not cfg.enabled:
            return promoted
        # a cadre in an influence period is not promoted (影响期满可提拔)
        merit = np.where(s.blocked_until > t, -np.inf, record)
        vacant = careers.retiring(self.leader, retire_draw, cfg.retirement)
        self._moves = careers.fill_vacancies(self.org.supervisor, self.org.level, merit, vacant)
        promoted[self._moves.promoted] = True
        if cfg.rotation > 0.0:
            self._rotation = careers.rotation(self.org.level, rotate_draw, cfg.rotation, rotate_rng)
        return promoted

    def _move_cadres(self) -> None:
        """Make the planned moves: promoted cadres take their new posts with competence
        t c + (1 - t) c_fresh, entrants fill the base, rotated cadres swap units."""
        s, cfg = self.state, self.cfg.policy.careers
        if self._moves is None:
            return
        moves = self._moves
        changed = [moves.entrants]
        for src, dst in moves.steps:
            s.move(src, dst)
            changed.append(dst)
        posts = moves.promoted
        if posts.size:
            fresh = self._entrants(posts.size).competence
            s.competence[posts] = careers.competence_in_role(
                s.competence[posts], fresh, cfg.transfer
            )
            s.rank[posts] += 1
        if moves.entrants.size:
            s.enter(moves.entrants, self._entrants(moves.entrants.size))
            s.rank[moves.entrants] = 0
        if self._rotation is not None:
            src, dst = self._rotation
            s.move(src.copy(), dst)
            changed.append(dst)
        posts_changed = np.unique(np.concatenate(changed))
        if posts_changed.size:
            self.tally.recohort(posts_changed, s.cohort[posts_changed])
            self._reclassifier()
            s.cadre_type = self.classify(s.competence, s.error_fear)
        self._moves, self._rotation = None, None

    def _entrants(self, n: int) -> CadreState:
        """n newcomers, each of a type drawn from the population mix (independently: a batch
        of one is not always of the largest type)."""
        mix = self.cfg.population.mix
        shares = np.array([getattr(mix, name) for name in TYPE_NAMES])
        cohort = self.career_rng.choice(len(TYPE_NAMES), size=n, p=shares / shares.sum())
        return draw_cadres(self.cfg, n, self.career_rng, cohort.astype(np.int8))

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

    def tally_array(self) -> np.ndarray:
        """All recorded steps: (steps + 1) x groups x counts."""
        return np.stack(self.tallies)

    def column_index(self, name: str) -> int:
        """Row of `cadre_columns` holding a tallied quantity (a name of metrics.COUNTS)."""
        return IDX[name]

    def cadre_columns(self, rows: list[int]) -> np.ndarray:
        """The last step's per-cadre values of tallied quantities (rows x cadres, by post; a
        copy), for tables by org-chart unit, level or node."""
        return self.columns[rows]
