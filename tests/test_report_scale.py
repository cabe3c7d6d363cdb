"""The report reads only what it draws from an experiment's step table, so a large sweep's
report fits in memory: the rows and columns of the charts, and for a sweep over levers the type
shares averaged over runs part by part. The charts must be those of the whole table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cadresim.experiments import compare_regimes, run_sweep
from cadresim.experiments.charts import figures as F
from cadresim.experiments.report import build_figures, load_results

SMALL = ["population.size=60", "steps=14"]


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sweep") / "s"
    run_sweep(
        SMALL, levers={"policy.tolerance.coverage": [0.0, 1.0]}, design="lhs", points=6,
        replications=2, batch_size=3, executor="serial", output_dir=str(folder),
        progress="none",
    )  # fmt: skip
    return folder


@pytest.fixture(scope="module")
def compare_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("compare") / "c"
    compare_regimes(
        SMALL, regimes=["baseline", "tolerance_only"], replications=3, batch_size=2,
        executor="serial", output_dir=str(folder), progress="none", report=False,
    )  # fmt: skip
    return folder


def _trace_data(fig) -> list[tuple[str, np.ndarray, np.ndarray]]:
    return [(t.name, np.asarray(t.x, float), np.asarray(t.y, float)) for t in fig.data]


def _same_figure(a, b) -> None:
    got, want = _trace_data(a), _trace_data(b)
    assert [g[0] for g in got] == [w[0] for w in want]
    for (_, gx, gy), (_, wx, wy) in zip(got, want, strict=True):
        np.testing.assert_array_equal(gx, wx)
        np.testing.assert_allclose(gy, wy, rtol=1e-12, atol=1e-15)


def test_a_lever_sweep_keeps_the_type_shares_averaged_over_runs(sweep_folder):
    full = pd.read_parquet(sweep_folder / "steps")
    assert len(list((sweep_folder / "steps").glob("*.parquet"))) == 4  # averaged across parts
    res = load_results(sweep_folder)
    assert res.levers == ["policy.tolerance.coverage"]
    assert set(res.steps["grouping"]) == {"type"}
    assert (
        len(res.steps)
        == full[full["grouping"] == "type"][["step", "type"]].drop_duplicates().shape[0]
    )
    _same_figure(F.type_composition(res.steps), F.type_composition(full))
    assert "type_composition" in build_figures(res)


def test_a_regime_comparison_keeps_the_rows_and_columns_of_its_charts(compare_folder):
    full = pd.read_parquet(compare_folder / "steps")
    res = load_results(compare_folder)
    assert set(res.steps["grouping"]) == {"all", "type"}
    assert len(res.steps.columns) < len(full.columns) / 2
    for outcome in ("initiative_rate", "error_rate", "misconduct_rate"):
        _same_figure(F.outcome_over_time(res.steps, outcome), F.outcome_over_time(full, outcome))
    _same_figure(F.type_composition(res.steps), F.type_composition(full))
    # every outcome the full tables hold is still listed (it comes from the runs table)
    figs = build_figures(res)
    assert {"over_time_initiative_rate", "type_composition"} <= set(figs)
