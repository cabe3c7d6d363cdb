"""Figures from contract tables: traces, labels, units, source notes and consistent colours."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _charts_tables import LEVERS, REGIMES, compare_folder, sensitivity_table, sweep_folder

from cadresim.agents.types import TYPE_NAMES, ZH_NAMES
from cadresim.experiments.charts import figures as F
from cadresim.experiments.charts.palette import REGIME_COLOURS, TYPE_COLOURS, regime_colours
from cadresim.experiments.charts.stats import mean_ci, pareto_mask
from cadresim.model.cadre_model import CadreModel


@pytest.fixture(scope="session")
def compare(tmp_path_factory):
    folder = compare_folder(tmp_path_factory.mktemp("compare"))
    return {
        "steps": pd.read_parquet(folder / "steps"),
        "runs": pd.read_parquet(folder / "runs.parquet"),
        "comparison": pd.read_parquet(folder / "comparison.parquet"),
    }


@pytest.fixture(scope="session")
def sweep_runs(tmp_path_factory):
    return pd.read_parquet(sweep_folder(tmp_path_factory.mktemp("sweep")) / "runs.parquet")


def _lines(fig):
    return [t for t in fig.data if t.type == "scatter" and t.fill != "toself"]


def _note(fig):
    return fig.layout.annotations[-1].text


def test_over_time_has_one_line_and_band_per_regime(compare):
    fig = F.outcome_over_time(compare["steps"], "initiative_rate")
    lines = _lines(fig)
    assert [t.meta for t in lines] == list(REGIMES)
    assert [t.name for t in lines] == ["Baseline", "Tolerance only", "Three mechanisms"]
    assert all(t.line.color == REGIME_COLOURS[t.meta] for t in lines)
    bands = [t for t in fig.data if t.fill == "toself"]
    assert len(bands) == len(REGIMES) and not any(b.showlegend for b in bands)
    # the band encloses the mean: upper edge >= mean >= lower edge at every step
    line, band = lines[0], bands[0]
    k = len(line.y)
    assert np.all(band.y[:k] >= line.y - 1e-12) and np.all(band.y[k:][::-1] <= line.y + 1e-12)
    assert list(line.x) == list(range(1, 25))  # step 0 is the initial state: no actions yet
    assert "Initiative rate over time" in fig.layout.title.text
    assert fig.layout.xaxis.title.text == "Step (month)"
    assert fig.layout.yaxis.title.text == "Initiative rate (share of cadres per step)"
    assert "replications: 3" in _note(fig) and "seeds: 1–3" in _note(fig)


def test_over_time_mean_matches_a_groupby(compare):
    steps = compare["steps"]
    fig = F.outcome_over_time(steps, "error_rate")
    rows = steps[(steps.grouping == "all") & (steps.policy == "baseline") & (steps.step == 10)]
    line = _lines(fig)[0]
    assert line.y[list(line.x).index(10)] == pytest.approx(rows["error_rate"].mean())


def test_by_type_from_comparison_equals_from_runs(compare):
    a = F.outcome_by_type(compare["comparison"], "initiative_rate")
    b = F.outcome_by_type(compare["runs"], "initiative_rate")
    assert [t.name for t in a.data] == [t.name for t in b.data] == [
        "Baseline", "Tolerance only", "Three mechanisms",
    ]  # fmt: skip
    for ta, tb in zip(a.data, b.data, strict=True):
        assert ta.type == "bar" and ta.marker.color == REGIME_COLOURS[ta.meta]
        assert list(ta.x) == ["Unwilling", "Unable", "Afraid", "Reluctant", "Fearful of errors",
                              "Proactive", "All cadres"]  # fmt: skip
        np.testing.assert_allclose(ta.y, tb.y)
        np.testing.assert_allclose(ta.error_y.array, tb.error_y.array, rtol=1e-9)
        assert np.all(np.asarray(ta.error_y.array) >= 0)


def test_same_colour_for_a_type_in_every_figure(compare, sweep_runs):
    dose = F.dose_response(sweep_runs, LEVERS[0])
    comp = F.type_composition(compare["steps"])
    model = CadreModel(config=None, agent_views=False, collect=False,
                       **{"population.size": 100})  # fmt: skip
    net = F.network(model)
    for fig, attr in ((dose, "line"), (comp, "line"), (net, "marker")):
        by_type = {t.meta: getattr(t, attr).color for t in fig.data if t.meta in TYPE_NAMES}
        assert by_type, fig.layout.title.text
        assert all(c == TYPE_COLOURS[t] for t, c in by_type.items())
    assert {t.meta for t in dose.data if t.meta} == {*TYPE_NAMES, "all"}


def test_dose_response_x_is_the_lever(sweep_runs):
    fig = F.dose_response(sweep_runs, LEVERS[0], "initiative_rate")
    all_line = next(t for t in _lines(fig) if t.meta == "all")
    assert list(all_line.x) == [0.0, 0.5, 1.0]
    assert all_line.line.dash == "dash"
    # the lever's label comes from the vocabulary: the knob's doc, with its unit
    assert fig.layout.xaxis.title.text == "Tolerance coverage (0–1)"
    assert "vs Tolerance coverage" in fig.layout.title.text


def test_heatmap_grid_and_interpolated(sweep_runs):
    grid = F.lever_heatmap(sweep_runs, LEVERS[0], LEVERS[1])
    assert grid.data[0].type == "heatmap" and np.asarray(grid.data[0].z).shape == (3, 3)
    assert len(grid.data) == 1
    # drop the grid's corners: no longer a full grid, so the surface is interpolated
    lhs = sweep_runs[~((sweep_runs[LEVERS[0]] == 0.0) & (sweep_runs[LEVERS[1]] == 0.0))]
    interp = F.lever_heatmap(lhs, LEVERS[0], LEVERS[1], resolution=20)
    assert np.asarray(interp.data[0].z).shape == (20, 20)
    assert interp.data[1].name == "Sampled points" and len(interp.data[1].x) == 8
    assert "interpolated" in interp.layout.title.text


def test_pareto_mask_and_tradeoff_front():
    pts = np.array([[1.0, 0.1], [0.9, 0.05], [0.8, 0.2], [1.0, 0.2]])  # (initiative, error)
    assert list(pareto_mask(pts, [True, False])) == [True, True, False, False]
    runs = pd.DataFrame({
        "point_id": [0, 1, 2, 3], "policy": "p", "grouping": "all", "type": "all",
        "initiative_rate": pts[:, 0], "error_rate": pts[:, 1], "misconduct_rate": [0.1] * 4,
    })  # fmt: skip
    fig = F.tradeoff(runs)
    front = next(t for t in fig.data if t.name == "Pareto front")
    assert list(front.x) == [0.05, 0.1]  # sorted by error
    assert fig.data[0].marker.colorbar.title.text.startswith("Misconduct rate")


def test_sensitivity_figures():
    sens = sensitivity_table()
    sobol = F.sobol_indices(sens, "initiative_rate")
    assert [t.name for t in sobol.data] == ["First order S1", "Total order ST"]
    st = np.asarray(sobol.data[1].y)
    assert np.all(np.diff(st) <= 0)  # sorted by total effect
    assert list(sobol.data[0].x)[0] == "Tolerance coverage"
    morris = F.morris_screening(sens, "initiative_rate")
    pts = morris.data[1]
    assert len(pts.x) == 3 and pts.error_x.array is not None
    with pytest.raises(ValueError, match="no Sobol rows"):
        F.sobol_indices(sens, "value")


def test_network_positions_by_level():
    model = CadreModel(config=None, agent_views=False, collect=False,
                       **{"population.size": 43, "network.span": 6})  # fmt: skip
    model.step()
    fig = F.network(model, colour_by="action")
    nodes = [t for t in fig.data if t.mode == "markers"]
    assert sum(len(t.x) for t in nodes) == 43
    ys = np.concatenate([np.asarray(t.y) for t in nodes])
    assert sorted(set(ys)) == [-2.0, -1.0, 0.0]  # 1 + 6 + 36 cadres on three levels
    assert {t.meta for t in nodes} <= {"idle", "success", "error", "misconduct"}
    assert "step 1" in _note(fig)


def test_chinese_labels_everywhere(compare, sweep_runs):
    fig = F.outcome_over_time(compare["steps"], "initiative_rate", lang="zh")
    assert "主动作为率" in fig.layout.title.text
    assert fig.layout.xaxis.title.text == "期数（月）"
    assert [t.name for t in _lines(fig)] == ["基准", "仅容错", "三项机制"]
    assert "重复次数：3" in _note(fig)
    dose = F.dose_response(sweep_runs, LEVERS[0], lang="zh")
    names = {t.name for t in _lines(dose)}
    assert {ZH_NAMES[t] for t in TYPE_NAMES} <= names and "不想为" in names
    assert not any(n in names for n in ("Unwilling", "Proactive"))
    comp = F.type_composition(compare["steps"], lang="zh")
    assert {a.text for a in comp.layout.annotations} >= {"基准", "仅容错", "三项机制"}


def test_bad_lang_and_missing_columns(compare):
    with pytest.raises(ValueError, match="lang = 'fr'"):
        F.outcome_over_time(compare["steps"], lang="fr")
    with pytest.raises(ValueError, match="lacks column"):
        F.dose_response(compare["runs"], "policy.training.share")


def test_unknown_regimes_get_distinct_stable_colours():
    a = regime_colours(["zeta", "baseline", "alpha"])
    b = regime_colours(["alpha", "zeta", "baseline"])
    assert a == b and a["baseline"] == REGIME_COLOURS["baseline"]
    assert len(set(a.values())) == 3


def test_mean_ci_t_interval():
    df = pd.DataFrame({"g": ["a"] * 3 + ["b"], "v": [1.0, 2.0, 3.0, 5.0]})
    out = mean_ci(df, ["g"], "v").set_index("g")
    assert out.loc["a", "ci_high"] - 2.0 == pytest.approx(4.302652729 * 1.0 / np.sqrt(3))
    assert out.loc["b", "ci_low"] == out.loc["b", "ci_high"] == 5.0  # one run: no interval
