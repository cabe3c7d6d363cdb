"""容错纠错 (all seeds): exempt honest errors made in good faith, never self-serving violations.

三个区分开来 asks the screeners to tell the two apart. `coverage` is the share of honest errors
that qualify (reform, exploration, procedures followed: 免责十条); `screening` is the chance a
case is judged right. Misjudged honest errors are wrongful sanctions; a violation dressed up as a
qualifying error and misjudged is shielded misconduct (容错扩大论). Cadres act on *perceived*
tolerance: an unaware cadre assumes none (容错无用论) until publicity or a case it sees.
Correction (纠错) recovers part of a detected error's damage and teaches the cadre.
"""

from __future__ import annotations

import numpy as np

from cadresim.model.config import ToleranceConfig


def screen_errors(
    detected_error: np.ndarray,
    covered_draw: np.ndarray,
    screen_draw: np.ndarray,
    cfg: ToleranceConfig,
) -> tuple[np.ndarray, np.ndarray]:
    """A detected honest error qualifies with chance `coverage`; a qualifying case is exempted
    with chance `screening`, else wrongly sanctioned. Returns (exempted, wrongful)."""
    if not cfg.enabled:
        none = np.zeros_like(detected_error)
        return none, none
    covered = detected_error & (covered_draw < cfg.coverage)
    right = screen_draw < cfg.screening
    return covered & right, covered & ~right


def screen_violations(
    detected_violation: np.ndarray,
    claim_draw: np.ndarray,
    screen_draw: np.ndarray,
    cfg: ToleranceConfig,
) -> np.ndarray:
    """A detected violation is claimed as a qualifying error with chance `coverage`; the claim
    succeeds (shielded misconduct) with chance 1 - `screening`."""
    if not cfg.enabled:
        return np.zeros_like(detected_violation)
    return detected_violation & (claim_draw < cfg.coverage) & (screen_draw >= cfg.screening)


def clarify(accused: np.ndarray, draw: np.ndarray, cfg: ToleranceConfig) -> np.ndarray:
    """A false accusation is cleared (澄清正名) with chance `clarification`."""
    if not cfg.enabled:
        return np.zeros_like(accused)
    return accused & (draw < cfg.clarification)


def perceived_sanction_risk(
    aware: np.ndarray, belief: np.ndarray, cfg: ToleranceConfig
) -> np.ndarray:
    """s^_eff = s^ for cadres aware of a tolerance policy, 1 for the unaware and wherever no
    policy exists (every detected honest error is expected to be sanctioned)."""
    if not cfg.enabled:
        return np.ones_like(belief)
    return 1.0 - (1.0 - belief) * aware  # belief where aware, else 1


def shown_cases(
    exempted: np.ndarray, shielded: np.ndarray, cfg: ToleranceConfig
) -> tuple[np.ndarray, np.ndarray]:
    """The exempted honest errors and shielded violations that neighbours see: all of them with
    `case_visibility` (cases are reported, 典型案例通报), none without (容错无用论: a mechanism
    whose cases stay hidden teaches nobody but the exempted cadre). Returns the inputs
    themselves when all are shown."""
    if not cfg.enabled or cfg.case_visibility:
        return exempted, shielded
    return np.zeros_like(exempted), np.zeros_like(shielded)


def publicise(
    aware: np.ndarray, draw: np.ndarray, cases_seen: np.ndarray, cfg: ToleranceConfig
) -> None:
    """Unaware cadres learn of the policy from publicity (chance `publicity` per step) or, with
    `case_visibility`, from an exemption they or a neighbour received. Updates in place."""
    if not cfg.enabled:
        return
    learn = draw < cfg.publicity
    if cfg.case_visibility:
        learn |= cases_seen > 0
    aware |= learn


def recovered_share(detected: np.ndarray, cfg: ToleranceConfig) -> np.ndarray:
    """Share of an error's damage recovered: `recovery` if detected and corrected (早发现早纠正).
    Correction is part of the 容错纠错 mechanism: off when tolerance is off."""
    if not (cfg.enabled and cfg.correction):
        return np.zeros(detected.size, dtype=np.float32)
    return np.float32(cfg.recovery) * detected


def learn_from_correction(
    competence: np.ndarray, corrected: np.ndarray, cfg: ToleranceConfig
) -> None:
    """c += correction_learning * (1 - c) for cadres whose error was corrected. In place."""
    if cfg.enabled and cfg.correction and cfg.correction_learning > 0.0:
        competence += np.float32(cfg.correction_learning) * (1.0 - competence) * corrected
