"""Careers (seeds 002, 004: 能上能下, 用人导向): positions change hands at each evaluation.

Leaders retire at a yearly rate; the best-scored direct subordinate moves into the vacancy and
its own post is filled the same way, down to the base, where an entrant drawn from the
population mix takes the last post. In a new role a promoted cadre's competence is
t c + (1 - t) c_fresh: t = 0 is Pluchino et al.'s Peter hypothesis (skills do not carry over),
t = 1 the common-sense one. Rotation (交流轮岗) moves a share of cadres across units of the same
level, carrying their traits and beliefs. Cadres are array indices fixed to positions, so a move
copies a cadre's attributes from one index to another.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Moves:
    """Who moved where at one evaluation, in the order the copies must be made."""

    steps: list[tuple[np.ndarray, np.ndarray]]  # (from, to) per level, top-down
    entrants: np.ndarray  # posts filled from outside

    @property
    def promoted(self) -> np.ndarray:
        """Posts now held by a promoted cadre."""
        if not self.steps:
            return np.zeros(0, dtype=np.int64)
        return np.concatenate([to for _, to in self.steps])


def best_subordinate(supervisor: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Index of each cadre's best-scored direct report (-1 for cadres without reports)."""
    n = supervisor.size
    best = np.full(n, -1, dtype=np.int64)
    has = np.flatnonzero(supervisor >= 0)
    if has.size == 0:
        return best
    order = has[np.lexsort((score[has], supervisor[has]))]  # by supervisor, then score
    sup = supervisor[order]
    last = np.r_[sup[1:] != sup[:-1], True]  # the last of each supervisor's run is its best
    best[sup[last]] = order[last]
    return best


def fill_vacancies(
    supervisor: np.ndarray, level: np.ndarray, score: np.ndarray, vacant: np.ndarray
) -> Moves:
    """Fill `vacant` posts top-down by promoting the best-scored direct report; posts without
    reports, or whose reports are all leaving too, go to entrants. One pass per level, not per
    cadre. `level` must grow down the reporting lines (checked when an org chart is loaded)."""
    leaving = vacant.copy()
    vacant = vacant.copy()
    best = best_subordinate(supervisor, np.where(leaving, -np.inf, score))
    steps: list[tuple[np.ndarray, np.ndarray]] = []
    entrants: list[np.ndarray] = []
    for lv in range(int(level.max()) + 1 if level.size else 0):
        posts = np.flatnonzero(vacant & (level == lv))
        if posts.size == 0:
            continue
        up = best[posts]
        has = up >= 0
        has[has] = ~leaving[up[has]]  # a retiring report leaves; it is not promoted
        steps.append((up[has], posts[has]))
        vacant[up[has]] = True
        entrants.append(posts[~has])
    out = np.concatenate(entrants) if entrants else np.zeros(0, dtype=np.int64)
    return Moves(steps, out)


def retiring(has_reports: np.ndarray, draw: np.ndarray, retirement: float) -> np.ndarray:
    """Leaders (cadres with reports) who retire this evaluation, with chance `retirement`."""
    return has_reports & (draw < retirement)


def rotation(
    level: np.ndarray, draw: np.ndarray, share: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(from, to) of a rotation: a `share` of cadres, permuted among posts of their own level."""
    chosen = draw < share
    src, dst = [], []
    for lv in np.unique(level[chosen]):
        idx = np.flatnonzero(chosen & (level == lv))
        if idx.size > 1:
            src.append(idx)
            dst.append(rng.permutation(idx))
    if not src:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    return np.concatenate(src), np.concatenate(dst)


def competence_in_role(carried: np.ndarray, fresh: np.ndarray, transfer: float) -> np.ndarray:
    """t c + (1 - t) c_fresh: how much of a promoted cadre's competence carries into the role."""
    return np.float32(transfer) * carried + np.float32(1.0 - transfer) * fresh
