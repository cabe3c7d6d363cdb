"""Steps 1-2 of a month: each cadre decides whether to take initiative, and what comes of it.

The decision weighs *perceived*, not true, costs and benefits (docs/ODD.md 7.1-7.3). Seed 003
gives each deficit its own root and remedy, so the chance of acting is a product of five gates,
one per deficit, each opened by its own lever:

    P(act) = O * W * E * Dc * De

O 会为 (sees a way: the unable), W 想为 (wants to: the unwilling), E 愿为 (bothers to: the
reluctant), Dc 敢为 (risks the career: the afraid), De 害怕为 (risks punishment: the fearful).
A cadre whose gate is open barely feels that gate's lever.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function (scipy's expit: no overflow warning far out in the tails)."""
    return expit(x)


def success_chance(
    competence: np.ndarray,
    difficulty: np.ndarray,
    steepness: float,
    leader_competence: np.ndarray | float = 0.0,
    leader_support: float = 0.0,
) -> np.ndarray:
    """p = sigma(kappa (c + omega (c_L - c_bar) - d)): competence against the task's difficulty
    d ~ U(0, 1), helped or hindered by how the supervisor's competence c_L compares with the
    initial mean c_bar (a capable leader guides the unit, 一级带着一级干; a leader promoted
    beyond competence drags it down). `leader_competence` is c_L - c_bar, 0 without a leader."""
    return sigmoid(steepness * (competence + leader_support * leader_competence - difficulty))


def sanction_grade(difficulty: np.ndarray, cuts: list[float]) -> np.ndarray:
    """Grade 1-4 of the sanction an error on this task draws: bigger failures on harder tasks
    draw heavier forms, from a reminder talk to a disciplinary sanction (咬耳朵扯袖子 ... 处分,
    seed 001). Grade = 1 + number of `cuts` below d."""
    grade = np.ones(difficulty.size, dtype=np.int8)
    for cut in cuts:
        grade += difficulty >= cut
    return grade


def opportunity(competence: np.ndarray, steepness: float, threshold: float) -> np.ndarray:
    """O = sigma(kappa_o (c - c_0)): the cadre sees a workable approach (会为).

    Seed 003: 不会为 is 本领恐慌, not knowing how; below c_0 a cadre rarely sees a way to act.
    Its lever is training (c rises), not tolerance or incentives."""
    return sigmoid(steepness * (competence - threshold))


def want(
    motivation: np.ndarray,
    intrinsic_value: float,
    perceived_reward: np.ndarray,
    reward_and_promotion: np.ndarray | float,
    success: np.ndarray,
    leader_acted: np.ndarray | float,
    leader_example: float,
    peer_share: np.ndarray,
    peer_norm: float,
    threshold: float,
    temperature: float,
) -> np.ndarray:
    """W = sigma((m v + r^ (R + w V) p + beta L + eta N - theta_w) / tau_w): wants to act (想为).

    Seed 003: 不想为 is weak inner drive (理想信念). Incentives (R, w) and education (m) open
    it; the supervisor's example L (头雁效应) and the share N of neighbours who acted last
    month (the peer norm) pull it too."""
    return sigmoid(
        (
            motivation * intrinsic_value
            + perceived_reward * reward_and_promotion * success
            + leader_example * leader_acted
            + peer_norm * peer_share
            - threshold
        )
        / temperature
    )


def bother(
    effort_aversion: np.ndarray,
    effort_cost: float,
    perceived_inaction_risk: np.ndarray,
    inaction_penalty: float,
    threshold: float,
    temperature: float,
) -> np.ndarray:
    """E = sigma((q^ S_idle + psi - e C) / tau_e): bothers to make the effort (愿为).

    Seed 003: 不愿为 is complacency, 多一事不如少一事. Only the expected penalty of being
    caught idle (问责不作为, 纪律) weighs against the effort."""
    return sigmoid(
        (perceived_inaction_risk * inaction_penalty + threshold - effort_aversion * effort_cost)
        / temperature
    )


def career_dare(
    risk_aversion: np.ndarray,
    career_cost: float,
    perceived_career_risk: np.ndarray,
    doer_advantage: np.ndarray,
    threshold: float,
    temperature: float,
) -> np.ndarray:
    """Dc = sigma((theta_c - a K (k^ - pi^)) / tau_c): dares to risk the career (敢为).

    Seed 003: 不敢为 is 怕丢帽子, 怕得罪人. k^ is the perceived chance that acting harms the
    career, pi^ the perceived advantage of doers in evaluation; a promotion orientation that
    rewards doers (用人导向) and career protection (为担当者担当) open this gate."""
    return sigmoid(
        (threshold - risk_aversion * career_cost * (perceived_career_risk - doer_advantage))
        / temperature
    )


def punish_dare(
    error_fear: np.ndarray,
    sanction: float,
    perceived_detection: np.ndarray,
    perceived_sanction_risk: np.ndarray,
    success: np.ndarray,
    threshold: float,
    temperature: float,
) -> np.ndarray:
    """De = sigma((theta_e - f S delta^ s^ (1 - p)) / tau_e'): dares to risk punishment for an
    honest error (害怕为).

    Seed 003: 怕踩红线, 不出事为最大原则. The feared sanction of an honest error: error fear f
    times the sanction S, the learned detection delta^, the perceived chance s^ that a detected
    honest error is sanctioned (1 unless aware of tolerance) and the chance of failing 1 - p.
    Tolerance (容错纠错) lowers s^."""
    return sigmoid(
        (
            threshold
            - error_fear
            * sanction
            * perceived_detection
            * perceived_sanction_risk
            * (1.0 - success)
        )
        / temperature
    )


def misconduct_probability(
    integrity: np.ndarray,
    temptation: float,
    perceived_detection: np.ndarray,
    perceived_violation_risk: np.ndarray,
) -> np.ndarray:
    """(1 - g) temptation (1 - delta^ h^): an act turns self-serving when integrity is low and
    violations look safe. Shielded violations lower h^ and so breed more (容错扩大论); a
    crackdown raises delta^, whose memory fades once it ends."""
    return (1.0 - integrity) * temptation * (1.0 - perceived_detection * perceived_violation_risk)
