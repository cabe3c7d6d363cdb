"""Steps 1-2 of a month: each cadre decides whether to take initiative, and what comes of it.

The decision weighs *perceived*, not true, costs and benefits (docs/ODD.md, "Decision"). The
chance of acting is a product of three factors, after the seeds' 会为 / 想为 / 敢为: being able
(opportunity o = c), willing (W) and daring (D). Each deficit type is held back by its own term:
unwilling by m v, reluctant by e C (in W), unable by o and p, afraid by a K and fearful by f S s^
(in D), so each responds to a different lever.
"""

from __future__ import annotations

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def success_chance(competence: np.ndarray, difficulty: np.ndarray, steepness: float) -> np.ndarray:
    """p = sigma(kappa * (c - d)): competence against the task's difficulty."""
    return sigmoid(steepness * (competence - difficulty))


def sanction_grade(difficulty: np.ndarray, cuts: list[float]) -> np.ndarray:
    """Grade 1-4 of the sanction an error on this task draws: bigger failures on harder tasks
    draw heavier forms, from a reminder talk to a disciplinary sanction (咬耳朵扯袖子 ... 处分).
    Grade = 1 + number of `cuts` below d; the default cuts reproduce seed 001's mix of
    48 talks, 31 warnings, 14 organisational and 19 disciplinary measures (43/28/12/17%)
    among the baseline's errors."""
    grade = np.ones(difficulty.size, dtype=np.int8)
    for cut in cuts:
        grade += difficulty >= cut
    return grade


def expected_error_sanction(
    success: np.ndarray,
    detection: float,
    perceived_risk: np.ndarray,
    error_fear: np.ndarray,
    risk_aversion: np.ndarray,
    personal_cost: np.ndarray,
    career_cost: np.ndarray,
) -> np.ndarray:
    """(1 - p) * delta * s^ * (f * S_g + a * K_g): the feared cost of an honest error."""
    return (
        (1.0 - success)
        * detection
        * perceived_risk
        * (error_fear * personal_cost + risk_aversion * career_cost)
    )


def willingness(
    motivation: np.ndarray,
    intrinsic_value: float,
    leader_pull: np.ndarray | float,
    perceived_reward: np.ndarray,
    reward: float,
    promotion_prospect: np.ndarray | float,
    success: np.ndarray,
    effort_aversion: np.ndarray,
    effort_cost: float,
    perceived_inaction_risk: np.ndarray,
    inaction_penalty: float,
    threshold: float,
    temperature: float,
) -> np.ndarray:
    """想为/愿为: W = sigma((m v + beta L + r^ (R + W P) p - e C + q^ S_idle - theta_w) / tau_w).

    What the task is worth to the cadre (intrinsic value, leader's example, expected reward and
    promotion) against its effort, plus the penalty it avoids. Holds back the unwilling (m v)
    and the reluctant (e C)."""
    return sigmoid(
        (
            motivation * intrinsic_value
            + leader_pull
            + perceived_reward * (reward + promotion_prospect) * success
            - effort_aversion * effort_cost
            + perceived_inaction_risk * inaction_penalty
            - threshold
        )
        / temperature
    )


def daring(
    expected_sanction: np.ndarray,
    perceived_inaction_risk: np.ndarray,
    risk_aversion: np.ndarray,
    career_cost: float,
    threshold: float,
    temperature: float,
) -> np.ndarray:
    """敢为: D = sigma((theta_d - expected sanction + q^ a K) / tau_d).

    The feared cost of an honest error against the career risk of being caught idle. Holds back
    the fearful (f S s^) and the afraid (a K, on both sides)."""
    return sigmoid(
        (threshold - expected_sanction + perceived_inaction_risk * risk_aversion * career_cost)
        / temperature
    )


def initiative_probability(
    competence: np.ndarray, willing: np.ndarray, dare: np.ndarray
) -> np.ndarray:
    """P(initiative) = o W D with opportunity o = c: a cadre must see a workable approach
    (会为; 不会为 is mostly not knowing how, seed 003), want to act (想为) and dare to (敢为)."""
    return competence * willing * dare


def misconduct_probability(
    integrity: np.ndarray,
    temptation: float,
    perceived_detection: float,
    perceived_violation_risk: np.ndarray,
) -> np.ndarray:
    """(1 - g) * temptation * (1 - delta_v h^): an act turns self-serving when integrity is low
    and violations look safe. delta_v = min(1, salience * delta) is the perceived chance a
    violation is detected; shielded violations lower h^ and so breed more (容错扩大论)."""
    return (1.0 - integrity) * temptation * (1.0 - perceived_detection * perceived_violation_risk)
