"""Counts the report states match the tables they describe."""

from __future__ import annotations

import pandas as pd

from cadresim.experiments import report_findings as KF


def test_pareto_finding_counts_lever_settings_not_design_points():
    """Two lever settings, each run under three uncertainty values: the Pareto set (over levers
    only, uncertainties averaged out) is 1 of 2 lever settings, not 1 of 6 design points."""
    runs = pd.DataFrame(
        {
            "policy.tolerance.coverage": [0.0] * 3 + [1.0] * 3,
            "population.concentration": [4.0, 12.0, 30.0] * 2,
            "initiative_rate": [0.4, 0.5, 0.6, 0.6, 0.7, 0.8],
            "grouping": "all",
            "type": "all",
        }
    )
    pareto = pd.DataFrame(
        {"policy.tolerance.coverage": [1.0], "initiative_rate": [0.7], "points": [3], "runs": [3]}
    )
    varied = ["policy.tolerance.coverage", "population.concentration"]
    lines = KF.sweep_findings(runs, varied, None, pareto, "en")
    assert lines[-1].startswith("1 of 2 lever settings are on the Pareto front"), lines
    assert KF.sweep_findings(runs, varied, None, pareto, "zh")[-1].startswith("2个杠杆设置中有1个")
