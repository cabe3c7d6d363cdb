"""With beliefs frozen and no network, the initiative rate must match the closed-form mean of
the decision rule: E[P] = mean_i integral_0^1 c_i W_i(d) D_i(d) dd, written out here from the
formulas in docs/ODD.md (not by calling the engine's functions)."""

from __future__ import annotations

import numpy as np

from cadresim import load_config
from cadresim.model.engine import Engine

FROZEN = [
    "population.size=4000",
    "behaviour.belief_rate=0.0",
    "behaviour.social_learning=false",
    "behaviour.fear_sensitivity=0.0",
    "behaviour.practice=0.0",
    "behaviour.leader_example=0.0",
    "policy.tolerance.correction=false",
    "policy.accountability.influence_period=0",
    "policy.evaluation.cycle=1000",
    "policy.tolerance.publicity=0.0",
    "policy.tolerance.case_visibility=false",
]


def sigma(x):
    return 1.0 / (1.0 + np.exp(-x))


def closed_form_rate(cfg, s) -> float:
    b, acc, inc = cfg.behaviour, cfg.policy.accountability, cfg.policy.incentive
    d = (np.arange(2000) + 0.5) / 2000  # midpoint rule over difficulty ~ U(0, 1)
    c = s.competence[:, None].astype(float)
    p = sigma(b.steepness * (c - d))
    grade = 1 + sum((d >= cut).astype(int) for cut in acc.grade_cuts)
    personal = acc.error_sanction * grade / 4.0
    career = acc.career_cost * (grade >= acc.influence_from_grade) * (acc.influence_period > 0)
    aware = s.aware & cfg.policy.tolerance.enabled  # no policy: every error expects a sanction
    risk = np.where(aware, s.perceived_sanction_risk, 1.0)[:, None]
    feared = (
        (1 - p)
        * acc.detection
        * risk
        * (s.error_fear[:, None] * personal + s.risk_aversion[:, None] * career)
    )
    q = s.perceived_inaction_risk[:, None]
    promotion = inc.promotion_weight * inc.promotion_value
    willing = sigma(
        (
            s.motivation[:, None] * b.intrinsic_value
            + s.perceived_reward[:, None] * (inc.reward + promotion) * p
            - s.effort_aversion[:, None] * b.effort_cost
            + q * acc.inaction_penalty
            - b.want_threshold
        )
        / b.want_temperature
    )
    dare = sigma(
        (b.dare_threshold - feared + q * s.risk_aversion[:, None] * acc.career_cost)
        / b.dare_temperature
    )
    return float((c * willing * dare).mean())


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
