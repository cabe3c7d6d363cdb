"""Step 5: cadres learn what policy really does from their own cases and their neighbours'.

Beliefs move toward the share of observed cases that went one way (docs/ODD.md 7.8):
    belief <- (1 - lambda) belief + lambda * hits / cases,   when any case was observed,
where a cadre's own case counts `own_weight` times a neighbour's. Perceived detection is learned
from the enforcement visible in one's division, and forgotten as fast as it is learned, so a
crackdown's deterrence fades after it ends. Seeing honest colleagues sanctioned raises error
fear, seeing them exempted lowers it, and it decays back toward the cadre's own baseline.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def observation_matrix(adjacency: sp.csr_matrix, own_weight: float, social: bool) -> sp.csr_matrix:
    """O = own_weight I + A (or own_weight I without social learning), built once per run."""
    n = adjacency.shape[0]
    own = sp.identity(n, dtype=np.float32, format="csr") * np.float32(own_weight)
    return sp.csr_matrix(own + adjacency.astype(np.float32) if social else own)


def observe(
    signals: np.ndarray, observation: sp.csr_matrix, out: np.ndarray | None = None
) -> np.ndarray:
    """Weighted counts each cadre observes, (O X)^T = (own_weight X + A X)^T for X cadres x
    signals: one row per signal, contiguous, since each rule reads one signal for all cadres.
    `out` (signals x cadres, float32) receives the result without a new allocation."""
    counts = observation @ signals.astype(np.float32, copy=False)
    if out is None:
        return np.ascontiguousarray(counts.T)
    np.copyto(out, counts.T)
    return out


def learn(belief: np.ndarray, hits: np.ndarray, cases: np.ndarray, rate: float) -> None:
    """belief += rate * (hits / cases - belief) where cases > 0. Updates in place.

    Hits are a subset of cases (0 where no case was seen), so the guarded ratio is exact."""
    change = hits / np.maximum(cases, np.float32(1e-30)) - belief
    change *= cases > 0
    change *= np.float32(rate)
    belief += change


def learn_from_division(
    belief: np.ndarray,
    division: np.ndarray,
    detected: np.ndarray,
    cases: np.ndarray,
    rate: float,
) -> None:
    """belief += rate (hits / cases in the division - belief) for divisions with any case.

    Enforcement is reported within a division (通报), so cadres learn it from the whole
    division, not only from their neighbours: delta^ from how many of the division's errors and
    violations were caught this month, h^ from how many of its detected violations were
    punished. Cadres do not know the true rates. In place."""
    if rate == 0.0:
        return
    # counts per division, cast to float32 before they are spread over the division's cadres
    hits = np.bincount(division, weights=detected).astype(np.float32)
    seen = np.bincount(division, weights=cases).astype(np.float32)
    learn(belief, hits[division], seen[division], rate)


def update_error_fear(
    error_fear: np.ndarray,
    baseline: np.ndarray,
    sanctions_seen: np.ndarray,
    exemptions_seen: np.ndarray,
    sensitivity: float,
    decay: float,
) -> None:
    """f moves toward the share of honest cases seen that were sanctioned, with weight
    w = 1 - exp(-phi (sanctions + exemptions)), then decays toward its baseline f_0:

        f += w (sanctions / (sanctions + exemptions) - f);   f += mu (f_0 - f)

    For few cases this is f += phi [(1 - f) sanctions - f exemptions]; the saturating weight
    keeps each step a contraction however many cases a cadre sees, and the decay bounds the
    fear, so a steady state exists. In place."""
    if sensitivity > 0.0:
        cases = sanctions_seen + exemptions_seen
        weight = -np.expm1(np.float32(-sensitivity) * cases)
        share = sanctions_seen / np.maximum(cases, np.float32(1e-30))
        error_fear += weight * (share - error_fear)
    if decay > 0.0:
        error_fear += np.float32(decay) * (baseline - error_fear)
    np.clip(error_fear, 0.0, 1.0, out=error_fear)


def learn_advantage(
    belief: np.ndarray,
    excellent_doers: np.ndarray,
    doers: np.ndarray,
    excellent_idle: np.ndarray,
    idle: np.ndarray,
    rate: float,
) -> None:
    """pi^ += rate (P(excellent | doer) - P(excellent | idle) - pi^), from the cadres one sees
    rated at an evaluation: does the organisation reward those who act? In place."""
    both = (doers > 0) & (idle > 0)
    gap = excellent_doers / np.maximum(doers, 1e-30) - excellent_idle / np.maximum(idle, 1e-30)
    belief += np.float32(rate) * (gap - belief) * both
