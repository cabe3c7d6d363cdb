"""问责 (seeds 000, 001, 003): oversight detects errors, violations and inaction.

Sanctions are graded from a reminder talk (咬耳朵扯袖子) to a disciplinary sanction; bottom
performers are warned, then demoted after repeated bottom ranks (能上能下, seed 002: two
consecutive years); a heavy sanction opens an influence period that blocks promotion (影响期,
seeds 001, 004).
"""

from __future__ import annotations

import numpy as np

from cadresim.model.config import AccountabilityConfig

TOP_GRADE = 4  # a disciplinary sanction (处分): the full personal cost S
INACTION_GRADE = 1  # a caught inaction draws a reminder talk (咬耳朵扯袖子)
FALSE_ACCUSATION_GRADE = 3  # an uncleared accusation is handled as an organisational measure


def detection(cfg: AccountabilityConfig) -> float:
    return cfg.detection if cfg.enabled else 0.0


def sanction_weight(cfg: AccountabilityConfig) -> float:
    """S in the De gate: the personal cost cadres fear from a sanction for an honest error."""
    return cfg.error_sanction if cfg.enabled else 0.0


def career_weight(cfg: AccountabilityConfig) -> float:
    """K in the Dc gate: what a harmed career record costs (a lost post, a blocked promotion)."""
    return cfg.career_cost if cfg.enabled else 0.0


def grades(
    task_grade: np.ndarray,
    sanctioned_error: np.ndarray,
    sanctioned_violation: np.ndarray,
    caught_idle: np.ndarray,
    wrongly_accused: np.ndarray,
    cfg: AccountabilityConfig,
) -> np.ndarray:
    """Grade of each cadre's sanction this month (0 = none): an error draws its task's grade,
    a violation `misconduct_grade`, inaction a reminder talk, an uncleared accusation an
    organisational measure. The four sets are disjoint (one outcome per cadre), so they add."""
    return (
        task_grade * sanctioned_error
        + np.int8(cfg.misconduct_grade) * sanctioned_violation
        + np.int8(INACTION_GRADE) * caught_idle
        + np.int8(FALSE_ACCUSATION_GRADE) * wrongly_accused
    )


def detect(act_outcome: np.ndarray, draw: np.ndarray, cfg: AccountabilityConfig) -> np.ndarray:
    """An error or violation is detected with chance `detection`."""
    return act_outcome & (draw < detection(cfg))


def personal_cost(grade: np.ndarray | int, cfg: AccountabilityConfig) -> np.ndarray:
    """S_g = S * g / 4: the personal cost of a grade-g sanction."""
    return np.float32(cfg.error_sanction / TOP_GRADE) * grade


def career_cost(grade: np.ndarray | int, cfg: AccountabilityConfig) -> np.ndarray:
    """K_g = K if grade g opens an influence period, else 0."""
    opens = (np.asarray(grade) >= cfg.influence_from_grade) & (cfg.influence_period > 0)
    return np.float32(cfg.career_cost) * opens


def catch_inaction(idle: np.ndarray, draw: np.ndarray, cfg: AccountabilityConfig) -> np.ndarray:
    """Inaction is caught and punished (问责不作为) with chance `inaction_detection`."""
    if not cfg.enabled or cfg.inaction_penalty == 0.0:
        return np.zeros_like(idle)
    return idle & (draw < cfg.inaction_detection)


def inaction_penalty(cfg: AccountabilityConfig) -> float:
    return cfg.inaction_penalty if cfg.enabled else 0.0


def accuse_falsely(success: np.ndarray, draw: np.ndarray, cfg: AccountabilityConfig) -> np.ndarray:
    """A cadre who acted and succeeded is falsely accused (诬告) with chance `false_accusation`."""
    if not cfg.enabled:
        return np.zeros_like(success)
    return success & (draw < cfg.false_accusation)


def start_influence_period(
    blocked_until: np.ndarray, grade: np.ndarray, step: int, cfg: AccountabilityConfig
) -> None:
    """A sanction of grade >= `influence_from_grade` blocks promotion for `influence_period`."""
    heavy = grade >= cfg.influence_from_grade
    blocked_until[heavy] = np.maximum(blocked_until[heavy], step + cfg.influence_period)


def bottom_ranked(rank: np.ndarray, unit_size: np.ndarray, cfg: AccountabilityConfig) -> np.ndarray:
    """The bottom `bottom_share` of each unit (at least its last cadre): r < n_u * share."""
    if not cfg.enabled or not cfg.demotion or cfg.bottom_share == 0.0:
        return np.zeros(rank.size, dtype=bool)
    return (rank < np.maximum(unit_size * cfg.bottom_share, 1.0)) & (unit_size > 1)


def warn_and_demote(
    streak: np.ndarray, bottom: np.ndarray, cfg: AccountabilityConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Count consecutive bottom ranks; warn below `demotion_after`, demote at it (末位降职).

    Updates `streak` in place; returns (warned, demoted)."""
    streak[:] = np.where(bottom, streak + 1, 0)
    demoted = streak >= cfg.demotion_after
    warned = bottom & ~demoted
    streak[demoted] = 0
    return warned, demoted


def feel_pressure(
    perceived_inaction_risk: np.ndarray,
    bottom: np.ndarray,
    demotions_seen: np.ndarray,
    pressure: float,
) -> None:
    """q^ += pressure * (1 - q^) for cadres ranked bottom (warned or demoted) and for those who
    see a demotion among their neighbours: the threat of 能下 becomes concrete. In place."""
    if pressure > 0.0:
        hit = bottom | (demotions_seen > 0)
        perceived_inaction_risk += np.float32(pressure) * (1.0 - perceived_inaction_risk) * hit
