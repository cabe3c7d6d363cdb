"""Step 5: cadres learn what policy really does from their own cases and their neighbours'.

Beliefs move toward the share of observed cases that went one way (DESIGN.md section 3):
    belief <- (1 - lambda) belief + lambda * hits / cases,   when any case was observed,
where a cadre's own case counts `own_weight` times a neighbour's. Seeing honest colleagues
sanctioned raises error fear; seeing them exempted lowers it (a cadre can become fearful).
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


def update_error_fear(
    error_fear: np.ndarray,
    sanctions_seen: np.ndarray,
    exemptions_seen: np.ndarray,
    sensitivity: float,
) -> None:
    """f += phi [(1 - f) * sanctions seen - f * exemptions seen], clipped to [0, 1]. In place."""
    if sensitivity > 0.0:
        error_fear += sensitivity * (
            (1.0 - error_fear) * sanctions_seen - error_fear * exemptions_seen
        )
        np.clip(error_fear, 0.0, 1.0, out=error_fear)
