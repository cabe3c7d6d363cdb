"""The aggregated organisation view: units sized by headcount, split by type, under divisions."""

from __future__ import annotations

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


def test_units_view_discs_are_sized_by_headcount_and_ringed_by_type_shares() -> None:
    run = run_of(2000)
    fig = figures.organisation(run, "en")
    traces = fig["data"][: len(TYPE_NAMES)]  # then the legend entries
    assert [tr["marker"]["color"] for tr in traces] == list(figures.TYPE_COLOURS)
    counts = figures.unit_counts(run)
    assert counts.sum() == 2000 and counts.shape == (run.tree.n_units, len(TYPE_NAMES))
    assert all(len(tr["x"]) == run.tree.n_units for tr in traces)
    sizes = np.array([tr["marker"]["size"] for tr in traces])  # types x units, diameters
    outer = sizes[0]
    size = counts.sum(axis=1)
    assert np.all(np.diff(outer[np.argsort(size)]) >= -1e-9)  # bigger unit, bigger disc
    # ring c's area (between disc c and disc c+1) is type c's share of the unit's disc
    area = sizes**2
    rings = area - np.vstack([area[1:], np.zeros((1, area.shape[1]))])
    np.testing.assert_allclose(rings / area[0], counts.T / size, atol=0.01)
    zh = figures.organisation(run, "zh")
    assert zh["data"][0]["name"] == "不想为" and "单位" in zh["data"][0]["text"][0]


def test_clicking_a_unit_lists_its_cadres() -> None:
    run = run_of(1000)
    run.step(1)
    text = figures.unit_text(run, 5, "en")
    members = int((run.tree.unit == 5).sum())
    assert text.startswith("Unit 6 · Division ") and f" · {members} — " in text
    acted = bool((run.actions()[run.tree.unit == 5] != 0).any())
    assert ("Month 1: " in text) == acted
    assert "单位 6" in figures.unit_text(run, 5, "zh")


def test_auto_view_aggregates_large_organisations_and_redraws_on_type_changes() -> None:
    small, large = run_of(300), run_of(1000)
    assert figures.org_view(small, "auto") == "cadres"
    assert figures.org_view(large, "auto") == "units"
    assert figures.org_figure(large, "en", "cadres")["data"][1]["type"] == "scatter"
    s = handle(None, set(), Inputs(size=1000))
    views, record = render_views(s, "en", None)
    assert views[0]["network"]["layout"]["meta"] == {"units": s.runs[0].id}
    sent = 0
    for _ in range(12):
        before = record["runs"][0]["types"]
        s.step(1)
        views, record = render_views(s, "en", record)
        assert views[0]["rings"] is no_update  # no rings on the units view
        if record["runs"][0]["types"] == before:  # no unit's type counts changed: nothing sent
            assert views[0]["network"] is no_update
        else:
            assert views[0]["network"]["layout"]["meta"] == {"units": s.runs[0].id}
            sent += 1
    assert 0 < sent  # types do move within a year
