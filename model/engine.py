"""One month of the model as a sequence of vectorised rules over all cadres (docs/ODD.md,
"Process overview and scheduling"). The rules live in `agents/` and `policies/`; this module
only orders them and carries one step's events from rule to rule.
"""

from __future__ import annotations

import numpy as np

from cadresim.agents import beliefs, decision
from cadresim.agents.types import TypeClassifier
from cadresim.policies import accountability, evaluation, incentive, tolerance, training

from .config import CadreConfig
from .metrics import COUNTS, IDX, Tally
from .network import Organisation, build_organisation
from .state import ERROR, MISCONDUCT, SUCCESS, CadreState, initial_state

# Rows of the per-step uniform draws (one block per step keeps the stream order fixed). A row is
# shared by events of disjoint sets of cadres (a cadre has one outcome a month): OVERSIGHT decides
# detection of an error or violation, catching an idle cadre and a false accusation of a success;
# CASE decides whether a detected case qualifies for tolerance and whether a success is recognised.
(
    D_DIFFICULTY,
    D_ACT,
    D_SUCCESS,
    D_MISCONDUCT,
    D_OVERSIGHT,
    D_CASE,
    D_SCREEN,
    D_PUBLICITY,
    D_TRAIN,
    N_DRAWS,
) = range(10)

# Columns of the signals each cadre shows its neighbours.
(
    S_DET_ERR,
    S_SANC_ERR,
    S_DET_VIO,
    S_SANC_VIO,
    S_ACTED,
    S_IDLE_PUN,
    S_SUCCESS,
    S_REWARDED,
    S_EXEMPT,
    S_HONEST_SANC,
    N_SIGNALS,
) = range(11)


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


class Engine:
    """The arrays of one run and the rules that advance them."""

    def __init__(self, cfg: CadreConfig, rng: np.random.Generator | None = None) -> None:
        self.cfg = cfg
        net_rng, pop_rng, dyn_rng = streams(cfg.seed)
        self.rng = dyn_rng if rng is None else rng
        self.org: Organisation = build_organisation(cfg.network, cfg.population.size, net_rng)
        self.state: CadreState = initial_state(cfg, self.org, pop_rng)
        self.n = self.state.size
        self.step_count = 0
        self.degree = np.asarray(self.org.adjacency.sum(axis=1), dtype=np.float32).ravel()
        self.has_supervisor = self.org.supervisor >= 0
        self.supervisor = np.where(self.has_supervisor, self.org.supervisor, 0)
        self.columns = np.zeros((len(COUNTS), self.n), dtype=np.float32)
        self.columns[IDX["n"]] = 1.0  # counts group sizes in the tally
        self.draws = np.empty((N_DRAWS, self.n), dtype=np.float32)  # refilled each step
        # reused each step: at 10^5 cadres, fresh multi-megabyte temporaries cost page faults
        self.signals = np.empty((self.n, N_SIGNALS), dtype=bool)
        self.signal_counts = np.empty((self.n, N_SIGNALS), dtype=np.float32)
        self.seen = np.empty((N_SIGNALS, self.n), dtype=np.float32)
        self.last_initiative_probability = np.zeros(self.n)
        self.tally = Tally(self.state.cohort)
        s = self.state
        self.classify = TypeClassifier(
            s.motivation, s.risk_aversion, s.effort_aversion, cfg.population.threshold
        )
        beh = cfg.behaviour
        self.observation = beliefs.observation_matrix(
            self.org.adjacency, beh.own_weight, beh.social_learning
        )
        self.tallies: list[np.ndarray] = []
        self._record(evaluating=False)

    # ------------------------------------------------------------------ the step

    def step(self) -> None:
        """Advance all cadres by one month."""
        s, pol, beh = self.state, self.cfg.policy, self.cfg.behaviour
        acc, tol = pol.accountability, pol.tolerance
        self.step_count += 1
        t = self.step_count
        u = self.rng.random(dtype=np.float32, out=self.draws)
        col = self.columns  # every row is rewritten below (evaluation rows only when evaluating)

        training.train(s.competence, u[D_TRAIN], pol.training)

        # 1. decision, from perceived costs and benefits
        difficulty = self.difficulty = u[D_DIFFICULTY]
        p = decision.success_chance(s.competence, difficulty, beh.steepness)
        grade = decision.sanction_grade(difficulty, acc.grade_cuts)
        delta = accountability.detection(acc)
        risk = tolerance.perceived_sanction_risk(s.aware, s.perceived_sanction_risk, tol)
        feared = decision.expected_error_sanction(
            p,
            delta,
            risk,
            s.error_fear,
            s.risk_aversion,
            accountability.personal_cost(grade, acc),
            accountability.career_cost(grade, acc),
        )
        leader = np.float32(beh.leader_example) * (s.acted[self.supervisor] & self.has_supervisor)
        blocked = s.blocked_until > t
        career = acc.career_cost if acc.enabled else 0.0
        willing = decision.willingness(
            s.motivation,
            beh.intrinsic_value,
            leader,
            s.perceived_reward,
            incentive.reward_value(pol.incentive),
            incentive.promotion_prospect(pol.incentive, blocked),
            p,
            s.effort_aversion,
            beh.effort_cost,
            s.perceived_inaction_risk,
            accountability.inaction_penalty(acc),
            beh.want_threshold,
            beh.want_temperature,
        )
        dare = decision.daring(
            feared,
            s.perceived_inaction_risk,
            s.risk_aversion,
            career,
            beh.dare_threshold,
            beh.dare_temperature,
        )
        prob = decision.initiative_probability(s.competence, willing, dare)
        self.last_initiative_probability = prob
        acted = u[D_ACT] < prob

        # 2. outcomes: success, honest error, or misconduct
        pm = decision.misconduct_probability(
            s.integrity,
            beh.temptation,
            min(1.0, beh.violation_salience * delta),
            s.perceived_violation_risk,
        )
        violation = acted & (u[D_MISCONDUCT] < pm)
        success = acted & ~violation & (u[D_SUCCESS] < p)
        error = acted & ~violation & ~success

        # 3. oversight, tolerance and sanctions
        det_err = accountability.detect(error, u[D_OVERSIGHT], acc)
        det_vio = accountability.detect(violation, u[D_OVERSIGHT], acc)
        exempt, wrongful_err = tolerance.screen_errors(det_err, u[D_CASE], u[D_SCREEN], tol)
        shielded = tolerance.screen_violations(det_vio, u[D_CASE], u[D_SCREEN], tol)
        idle = ~acted
        idle_pun = accountability.catch_inaction(idle, u[D_OVERSIGHT], acc)
        accused = accountability.accuse_falsely(success, u[D_OVERSIGHT], acc)
        cleared = tolerance.clarify(accused, u[D_SCREEN], tol)
        sanc_err = det_err & ~exempt
        sanc_vio = det_vio & ~shielded
        wrongly_accused = accused & ~cleared
        # the four sanctioned sets are disjoint (one outcome per cadre), so their grades add up
        sanction_grade = (
            grade * sanc_err
            + np.int8(acc.misconduct_grade) * sanc_vio
            + np.int8(accountability.INACTION_GRADE) * idle_pun
            + np.int8(accountability.FALSE_ACCUSATION_GRADE) * wrongly_accused
        )
        sanctioned = sanction_grade > 0
        accountability.start_influence_period(s.blocked_until, sanction_grade, t, acc)

        # incentives: prompt recognition of successes
        recognised = incentive.recognise(success, u[D_CASE], pol.incentive)

        # 4. correction and learning by doing
        recovered = tolerance.recovered_share(det_err, tol)
        tolerance.learn_from_correction(s.competence, det_err, tol)
        training.practise(s.competence, acted, beh.practice)
        value = (
            success
            - beh.damage * difficulty * error * (1.0 - recovered)
            - beh.misconduct_harm * violation
        )

        # 5. beliefs, from own and neighbours' cases
        # exempted cases neighbours can see (all, unless case_visibility is off)
        shown_exempt, shown_shielded = tolerance.shown_cases(exempt, shielded, tol)
        # one (cadres x signals) matrix in S_* order: stacking bools, then one cast, is far
        # cheaper than writing float columns one by one
        hidden = shown_exempt is not exempt
        np.stack(
            [
                det_err & (shown_exempt | ~exempt) if hidden else det_err,
                sanc_err,
                det_vio & (shown_shielded | ~shielded) if hidden else det_vio,
                sanc_vio,
                acted,
                idle_pun,
                success,
                recognised,
                shown_exempt | cleared,
                sanc_err | wrongly_accused,
            ],
            axis=1,
            out=self.signals,
        )
        np.copyto(self.signal_counts, self.signals)
        seen = beliefs.observe(self.signal_counts, self.observation, out=self.seen)
        if hidden:  # a cadre still knows its own hidden case
            own_hidden = np.float32(beh.own_weight) * (exempt & ~shown_exempt)
            seen[S_DET_ERR] += own_hidden
            seen[S_EXEMPT] += own_hidden
            seen[S_DET_VIO] += np.float32(beh.own_weight) * (shielded & ~shown_shielded)
        own = np.float32(beh.own_weight)
        neighbours_acted = seen[S_ACTED] - own * acted
        neighbours_idle = self.degree - neighbours_acted if beh.social_learning else 0.0
        idle_seen = own * idle + neighbours_idle
        rate = beh.belief_rate
        beliefs.learn(s.perceived_sanction_risk, seen[S_SANC_ERR], seen[S_DET_ERR], rate)
        beliefs.learn(s.perceived_violation_risk, seen[S_SANC_VIO], seen[S_DET_VIO], rate)
        beliefs.learn(s.perceived_inaction_risk, seen[S_IDLE_PUN], idle_seen, rate)
        beliefs.learn(s.perceived_reward, seen[S_REWARDED], seen[S_SUCCESS], rate)
        beliefs.update_error_fear(
            s.error_fear, seen[S_HONEST_SANC], seen[S_EXEMPT], beh.fear_sensitivity
        )
        tolerance.publicise(s.aware, u[D_PUBLICITY], seen[S_EXEMPT], tol)

        # record
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
        s.cycle_score += success.view(np.int8) - sanctioned.view(np.int8)

        # 6. evaluation cycle
        evaluating = evaluation.is_evaluation_step(t, pol.evaluation.cycle)
        if evaluating:
            self._evaluate(t)

        s.cadre_type = self.classify(s.competence, s.error_fear)

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
        self._record(evaluating)

    def _evaluate(self, t: int) -> None:
        """Rank within units; award the excellence quota; warn and demote the bottom; promote."""
        s, pol, col = self.state, self.cfg.policy, self.columns
        unit = self.org.unit
        record = evaluation.noisy_record(s.cycle_score, pol.evaluation.noise, self.rng)
        # integer records tie without noise: then rank ties by cadre index, on any CPU
        rank, size = evaluation.rank_within_units(record, unit, stable=pol.evaluation.noise == 0)
        top = incentive.excellent(rank, size, pol.incentive)
        bottom = accountability.bottom_ranked(rank, size, pol.accountability)
        warned, demoted = accountability.warn_and_demote(
            s.bottom_streak, bottom, pol.accountability
        )
        s.rank[demoted] = np.maximum(s.rank[demoted] - 1, 0)
        # cadres and their neighbours see who was rated excellent (the reward of the cycle) and
        # who was demoted
        delivered = s.cycle_score > 0
        seen = beliefs.observe(
            np.stack([top & delivered, delivered, demoted], axis=1), self.observation
        )
        beliefs.learn(s.perceived_reward, seen[0], seen[1], self.cfg.behaviour.belief_rate)
        accountability.feel_pressure(
            s.perceived_inaction_risk, bottom, seen[2], self.cfg.behaviour.warning_pressure
        )
        eligible = (s.blocked_until <= t) & ~bottom
        promoted = incentive.promotions(rank, size, eligible, pol.incentive, unit, self.rng)
        s.rank[promoted] += 1
        s.cycle_score[:] = 0.0
        col[IDX["promoted"]] = promoted
        col[IDX["demoted"]] = demoted
        col[IDX["warned"]] = warned

    def _record(self, evaluating: bool) -> None:
        s, col = self.state, self.columns
        col[IDX["perceived_risk"]] = tolerance.perceived_sanction_risk(
            s.aware, s.perceived_sanction_risk, self.cfg.policy.tolerance
        )
        col[IDX["aware"]] = s.aware
        col[IDX["competence"]] = s.competence
        col[IDX["error_fear"]] = s.error_fear
        self.tallies.append(self.tally(col, s.cadre_type, evaluating))

    def tally_array(self) -> np.ndarray:
        """All recorded steps: (steps + 1) x groups x counts."""
        return np.stack(self.tallies)
