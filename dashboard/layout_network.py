"""Positions of cadres for the network view, computed once per reset (no graphviz).

A hierarchy is drawn top-down: one band per level, cadres in breadth-first order across the
band. A level too wide for a row (the leaves of a large tree) is drawn as short columns hanging
under each supervisor. A network without supervisors is drawn as a grid in unit order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cadresim.model.network import Organisation

ROW_MAX = 240  # cadres per row before a level hangs in columns under its supervisors


@dataclass
class NetworkLayout:
    x: np.ndarray
    y: np.ndarray
    edge_x: list[float | None]  # supervisor ties, as one polyline with None breaks
    edge_y: list[float | None]


def hierarchy_layout(org: Organisation, row_max: int = ROW_MAX) -> NetworkLayout:
    n = org.size
    sup = org.supervisor
    if not (sup >= 0).any():
        return _grid(org)
    x = np.zeros(n)
    y = np.zeros(n)
    top = 0.0
    for level in range(int(org.level.max()) + 1):
        members = np.flatnonzero(org.level == level)  # ascending index = breadth-first order
        if members.size <= row_max or level == 0:
            x[members] = (np.arange(members.size) + 0.5) / members.size
            y[members] = top
            top -= 1.0
            continue
        # hang: sibling k of a supervisor sits k rows below the band's top, under the supervisor
        parents = sup[members]
        order = np.argsort(parents, kind="stable")
        sibling = np.empty(members.size, dtype=np.int64)
        _, first, counts = np.unique(parents[order], return_index=True, return_counts=True)
        sibling[order] = np.arange(members.size) - np.repeat(first, counts)
        depth = int(counts.max())
        x[members] = x[parents]
        y[members] = top - 0.6 * sibling / max(depth - 1, 1)
        top -= 1.6
    has = np.flatnonzero(sup >= 0)
    edge_x: list[float | None] = []
    edge_y: list[float | None] = []
    for i in has.tolist():
        edge_x += [float(x[sup[i]]), float(x[i]), None]
        edge_y += [float(y[sup[i]]), float(y[i]), None]
    return NetworkLayout(x, y, edge_x, edge_y)


@dataclass
class UnitTree:
    """Units grouped under divisions (the top-level cadre above a unit's members), for the
    aggregated organisation view. Without supervisors every unit hangs from the root."""

    unit: np.ndarray  # each cadre's unit, renumbered 0..U-1 in order of first appearance
    division: np.ndarray  # each unit's division 0..D-1; -1: under the root (no hierarchy, or
    # a unit spanning divisions such as the leadership team of the division heads)
    n_units: int
    n_divisions: int


def unit_tree(org: Organisation) -> UnitTree:
    _, first, unit = np.unique(org.unit, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # units numbered as they appear in cadre order
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    unit = rank[unit]
    sup = org.supervisor
    if not (sup >= 0).any():
        return UnitTree(unit, np.full(order.size, -1), int(order.size), 0)
    top = np.arange(org.size)
    for _ in range(int(org.level.max()) + 1):  # climb to the top of the hierarchy
        top = np.where(sup[top] >= 0, sup[top], top)
    lo = np.full(order.size, org.size)
    hi = np.full(order.size, -1)
    np.minimum.at(lo, unit, top)
    np.maximum.at(hi, unit, top)
    single = lo == hi  # a unit under one top cadre belongs to that division; the leadership
    heads, division = np.unique(lo[single], return_inverse=True)  # team (many tops): the root
    out = np.full(order.size, -1)
    out[single] = division
    return UnitTree(unit, out, int(order.size), int(heads.size))


def _grid(org: Organisation) -> NetworkLayout:
    n = org.size
    order = np.argsort(org.unit, kind="stable")
    cols = int(np.ceil(np.sqrt(n)))
    pos = np.empty(n, dtype=np.int64)
    pos[order] = np.arange(n)
    x = (pos % cols + 0.5) / cols
    y = -(pos // cols).astype(float)
    return NetworkLayout(x, y, [], [])
