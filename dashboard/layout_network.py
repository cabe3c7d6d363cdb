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


def _grid(org: Organisation) -> NetworkLayout:
    n = org.size
    order = np.argsort(org.unit, kind="stable")
    cols = int(np.ceil(np.sqrt(n)))
    pos = np.empty(n, dtype=np.int64)
    pos[order] = np.arange(n)
    x = (pos % cols + 0.5) / cols
    y = -(pos // cols).astype(float)
    return NetworkLayout(x, y, [], [])
