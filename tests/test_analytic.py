"""With beliefs frozen and no network, the initiative rate must match the closed-form mean of
the five-gate decision rule: E[P] = mean_i integral_0^1 O_i W_i(d) E_i Dc_i De_i(d) dd, written
out here from the formulas in docs/ODD.md (not by calling the engine's functions)."""

from __future__ import annotations

import numpy as np

from cadresim import load_config
from cadresim.model.engine import Engine

FROZEN = [
    "population.size=4000",
    "behaviour.belief_rate=0.0",
    "behaviour.violation_rate=0.0",
    "behaviour.detection_rate=0.0",
    "behaviour.advantage_rate=0.0",
    "behaviour.social_learning=false",
    "behaviour.fear_sensitivity=0.0",
    "behaviour.fear_decay=0.0",
    "behaviour.practice=0.0",
    "behaviour.leader_example=0.0",
    "policy.tolerance.correction=false",
    "policy.accountability.influence_period=0",
    "policy.evaluation.cycle=1000",
    "policy.careers.enabled=false",
    "policy.tolerance.publicity=0.0",
    "policy.tolerance.case_visibility=false",
]


def sigma(x):
    return 1.0 / (1.0 + np.exp(-x))


def closed_form_rate(cfg, s) -> float:
    """E[O W E Dc De] over cadres and difficulty d ~ U(0, 1), from the ODD's formulas."""
    b, acc, inc = cfg.behaviour, cfg.policy.accountability, cfg.policy.incentive
    d = (np.arange(2000) + 0.5) / 2000  # midpoint rule over difficulty ~ U(0, 1)
    col = lambda x: np.asarray(x, dtype=float)[:, None]  # noqa: E731
    c = col(s.competence)
    p = sigma(b.steepness * (c - d))
    o = sigma(b.opportunity_steepness * (c - b.opportunity_threshold))
    w = sigma(
        (
            col(s.motivation) * b.intrinsic_value
            + col(s.perceived_reward)
            * (inc.reward + inc.promotion_weight * inc.promotion_value)
            * p
            - b.want_threshold
        )
        / b.want_temperature
    )
    e = sigma(
        (
            col(s.perceived_inaction_risk) * acc.inaction_penalty
            + b.bother_threshold
            - col(s.effort_aversion) * b.effort_cost
        )
        / b.bother_temperature
    )
    dc = sigma(
        (
            b.career_threshold
            - col(s.risk_aversion)
            * acc.career_cost
            * (col(s.perceived_career_risk) - col(s.doer_advantage))
        )
        / b.career_temperature
    )
    aware = s.aware & cfg.policy.tolerance.enabled  # no policy: every error expects a sanction
    risk = np.where(aware, s.perceived_sanction_risk, 1.0)[:, None]
    de = sigma(
        (
            b.punish_threshold
            - col(s.error_fear) * acc.error_sanction * col(s.perceived_detection) * risk * (1 - p)
        )
        / b.punish_temperature
    )
    return float((o * w * e * dc * de).mean())


def test_initiative_matches_closed_form_when_beliefs_are_frozen():
    for policy in ("baseline", "three_mechanisms", "strict_accountability"):
        cfg = load_config([*FROZEN, f"policy={policy}"])
        engine = Engine(cfg)
        expected = closed_form_rate(cfg, engine.state)
        steps = 40
        acted = 0
        for _ in range(steps):
            engine.step()
            acted += int(engine.state.acted.sum())
        n = steps * engine.n
        observed = acted / n
        se = np.sqrt(expected * (1 - expected) / n)
        assert abs(observed - expected) < 4 * se, (policy, observed, expected, se)
