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


def test_a_finding_without_an_initiative_change_is_a_sentence():
    """'Strict accountability initiative does not differ significantly over Baseline' read as
    if the regime had an initiative; the clause now follows the regime's name."""
    rows = pd.DataFrame(
        {
            "regime": "strict_accountability",
            "grouping": "all",
            "type": "all",
            "outcome": ["initiative_rate", "error_rate"],
            "diff": [0.01, -0.057],
            "diff_low": [-0.02, -0.070],
            "diff_high": [0.04, -0.044],
        }
    )
    [en] = KF.comparison_findings(rows, "baseline", "en")
    assert en.startswith(
        "Strict accountability: initiative does not differ significantly from Baseline, with "
        "0.057 [0.044, 0.070] fewer honest errors per cadre-month"
    ), en
    [zh] = KF.comparison_findings(rows, "baseline", "zh")
    assert "主动作为率无显著差异" in zh and "from" not in zh
