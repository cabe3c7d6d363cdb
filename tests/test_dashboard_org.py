"""The aggregated organisation view: units sized by headcount, split by type, under divisions."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from dash import no_update

from cadresim.agents.types import TYPE_NAMES
from cadresim.dashboard import figures
from cadresim.dashboard.callbacks import Inputs, handle, render_views
from cadresim.dashboard.layout_network import unit_tree
from cadresim.dashboard.levers import default_mix, scenario_config
from cadresim.dashboard.session import Run


def run_of(size: int) -> Run:
    return Run(scenario_config("baseline", None, default_mix(), size, 0))


def test_units_partition_the_cadres_and_sit_in_one_division() -> None:
    run = run_of(1000)
    org, tree = run.engine.org, unit_tree(run.engine.org)
    assert tree.n_units == np.unique(org.unit).size
    # every member of a unit in a division climbs to that division's top cadre
    top = np.arange(org.size)
    for _ in range(int(org.level.max()) + 1):
        top = np.where(org.supervisor[top] >= 0, org.supervisor[top], top)
    heads = {}
    for u in range(tree.n_units):
        tops = np.unique(top[tree.unit == u])
        if tree.division[u] < 0:
            assert tops.size > 1  # the leadership team: the division heads together
        else:
            assert tops.size == 1 and heads.setdefault(tree.division[u], tops[0]) == tops[0]
    assert len(heads) == tree.n_divisions == (org.level == 0).sum()


def test_treemap_values_add_up_and_leaves_carry_type_colours() -> None:
    run = run_of(2000)
    fig = figures.organisation(run, "en")["data"][0]
    children = defaultdict(int)
    for parent, value in zip(fig["parents"], fig["values"], strict=True):
        if parent:
            children[parent] += value
    by_id = dict(zip(fig["ids"], fig["values"], strict=True))
    assert all(by_id[p] == total for p, total in children.items())  # branchvalues "total"
    assert by_id["org"] == 2000
    leaves = [i for i in fig["ids"] if "t" in i]
    assert sum(by_id[i] for i in leaves) == 2000
    colours = {c for i, c in zip(fig["ids"], fig["marker"]["colors"], strict=True) if "t" in i}
    assert colours <= set(figures.TYPE_COLOURS)
    counts = np.bincount(run.types(), minlength=len(TYPE_NAMES))
    per_type = defaultdict(int)
    for i, v in zip(fig["ids"], fig["values"], strict=True):
        if "t" in i:
            per_type[int(i.split("t")[1])] += v
    assert [per_type[c] for c in range(len(TYPE_NAMES))] == counts.tolist()
    assert "部门" in figures.organisation(run, "zh")["data"][0]["labels"][1]


def test_auto_view_aggregates_large_organisations_and_redraws_on_type_changes() -> None:
    small, large = run_of(300), run_of(1000)
    assert figures.org_view(small, "auto") == "cadres"
    assert figures.org_view(large, "auto") == "units"
    assert figures.org_figure(large, "en", "cadres")["data"][1]["type"] == "scatter"
    s = handle(None, set(), Inputs(size=1000))
    views, record = render_views(s, "en", None)
    assert views[0]["network"]["data"][0]["type"] == "treemap"
    sent = 0
    for _ in range(12):
        before = record["runs"][0]["types"]
        s.step(1)
        views, record = render_views(s, "en", record)
        assert views[0]["rings"] is no_update  # no rings on the units view
        if record["runs"][0]["types"] == before:  # no unit's type counts changed: nothing sent
            assert views[0]["network"] is no_update
        else:
            assert views[0]["network"]["data"][0]["type"] == "treemap"
            sent += 1
    assert 0 < sent  # types do move within a year
