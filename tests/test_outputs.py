"""Outputs people can open (CSV, Excel) and org-chart tables by unit, level and node."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cadresim import simulate
from cadresim.experiments import run_sweep
from cadresim.experiments.export import export_folder, export_main
from cadresim.model import orgtables
from cadresim.model.config import ConfigError, load_config

# a head, two unit heads, six reports: units are a supervisor's reports
ORG = """source,target,relation
b,a,reports_to
c,a,reports_to
d,b,reports_to
e,b,reports_to
i,b,reports_to
f,c,reports_to
g,c,reports_to
h,c,reports_to
d,e,peer
f,g,peer
"""


@pytest.fixture
def org_chart(tmp_path):
    path = tmp_path / "org.csv"
    path.write_text(ORG, encoding="utf-8")
    return ["network=file", f"network.path={path}", "steps=24"]


def test_org_chart_runs_get_unit_and_level_tables(org_chart, capsys, monkeypatch):
    monkeypatch.setattr(orgtables, "_noticed", set())
    res = simulate([*org_chart, "population.size=500"])
    res2 = simulate([*org_chart, "population.size=500", "seed=1"])
    err = capsys.readouterr().err
    assert err == "cadresim: notice: population.size=500 ignored: the org chart has 9 cadres\n"
    assert res.summary["cadres"] == 9 and res2.summary["cadres"] == 9
    units, levels = res.tables["units"], res.tables["levels"]
    assert units["posts"].tolist() == [1, 3, 2, 3] and units["posts"].sum() == 9
    assert levels["level"].tolist() == [0, 1, 2] and levels["posts"].tolist() == [1, 2, 6]
    assert units.loc[1, "members"] == "d, e, i"
    # the levels' rates, weighted by posts, are the run's summary-window rates
    for outcome in ("initiative_rate", "error_rate", "misconduct_rate"):
        pooled = (levels[outcome] * levels["posts"]).sum() / 9
        assert pooled == pytest.approx(res.summary["all"][outcome]), outcome
        assert (units[outcome] * units["posts"]).sum() / 9 == pytest.approx(pooled)
    assert "nodes" not in res.tables  # only on request


def test_node_steps_on_request_and_written_with_the_run(org_chart, tmp_path):
    res = simulate([*org_chart, "network.node_steps=true", "experiment.format=csv"])
    nodes = res.tables["nodes"]
    assert len(nodes) == 9 * 24 and set(nodes["node"]) == set("abcdefghi")
    window = nodes[nodes["step"] >= 13]  # summary_from 0.5 of 24 steps
    assert window["initiative_rate"].mean() == pytest.approx(res.summary["all"]["initiative_rate"])
    res.write(tmp_path / "run")
    for name in ("units", "levels", "nodes", "steps"):
        assert (tmp_path / "run" / f"{name}.parquet").exists()
        assert (tmp_path / "run" / f"{name}.csv").exists()
    csv = pd.read_csv(tmp_path / "run" / "summary.csv", encoding="utf-8-sig")
    assert csv.loc[0, "initiative_rate"] == pytest.approx(res.summary["all"]["initiative_rate"])


def test_other_networks_have_no_org_tables():
    res = simulate(["population.size=50", "steps=3"])
    assert res.tables == {}


def test_xlsx_workbook_holds_every_table(tmp_path):
    res = simulate(["population.size=50", "steps=6", "experiment.format=xlsx"])
    res.write(tmp_path)
    book = pd.read_excel(tmp_path / "tables.xlsx", sheet_name=None)
    assert list(book) == ["contents", "steps", "summary"]
    assert len(book["steps"]) == len(res.steps)
    assert np.allclose(book["steps"]["initiative_rate"], res.steps["initiative_rate"])


def test_an_unknown_format_is_refused_naming_the_choices(inproc):
    with pytest.raises(ConfigError, match=r"experiment.format = 'pdf' is unknown; allowed parquet"):
        load_config(["experiment.format=pdf"])
    res = inproc("experiment.format=pdf", "steps=2")
    assert res.returncode == 2 and res.stderr.count("\n") == 1


def test_an_experiment_folder_is_exported_and_export_is_repeatable(tmp_path, capsys):
    res = run_sweep(
        ["population.size=60", "steps=6"],
        levers={"policy.tolerance.coverage": [0.0, 1.0]},
        design="lhs",
        points=3,
        replications=1,
        executor="serial",
        progress="none",
        format="csv",
        output_dir=str(tmp_path / "sw"),
    )
    for name in ("runs", "design", "pareto", "steps"):
        assert (res.folder / f"{name}.csv").exists(), name
    steps = pd.read_csv(res.folder / "steps.csv")
    assert len(steps) == len(res.steps())
    written = export_folder(res.folder, "xlsx")
    assert [w.name for w in written] == ["tables.xlsx"]
    book = pd.read_excel(written[0], sheet_name=None)
    assert {"runs", "design", "pareto", "steps"} <= set(book)
    assert export_main([str(res.folder), "--format", "csv"]) == 0


def test_export_refuses_bad_input_with_one_line(tmp_path, capsys):
    for argv in ([str(tmp_path), "--format", "csv"], [str(tmp_path), "--format", "pdf"]):
        with pytest.raises(SystemExit) as exc:
            export_main(argv)
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith("cadresim: error: export:") and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_an_experiment_prints_the_org_chart_size_notice_once(
    org_chart, tmp_path, capfd, monkeypatch
):
    """The driver checks the chart and prints its notice once; the worker processes (here 2)
    print nothing of their own."""
    monkeypatch.setattr(orgtables, "_noticed", set())
    run_sweep(
        [*org_chart, "population.size=500"], levers={"policy.tolerance.coverage": [0.0, 1.0]},
        design="lhs", points=4, replications=2, batch_size=2, executor="processes", workers=2,
        batch="off", output_dir=str(tmp_path / "s"), progress="none",
    )  # fmt: skip
    err = capfd.readouterr().err
    assert err.count("population.size=500 ignored: the org chart has 9 cadres") == 1, err


def test_an_org_chart_experiment_writes_unit_and_level_tables(org_chart, tmp_path):
    """compare_regimes on an org chart: units.parquet and levels.parquet hold every run's
    per-unit and per-level rates (as a single run of that seed writes them), and the report
    shows them averaged over each regime's runs."""
    from cadresim.experiments import compare_regimes
    from cadresim.experiments.report import write_report

    folder = tmp_path / "c"
    res = compare_regimes(
        org_chart, regimes=["baseline", "tolerance_only"], replications=3, executor="processes",
        workers=2, batch_size=2, output_dir=str(folder), progress="none", report=False,
    )  # fmt: skip
    units, levels = (
        pd.read_parquet(folder / "units.parquet"),
        pd.read_parquet(folder / "levels.parquet"),
    )
    assert units["run_id"].nunique() == 6 and len(units) == 6 * 4 and len(levels) == 6 * 3
    # each run's rows are that run's own tables: a single run with its seed and policy
    run = res.runs[res.runs["run_id"] == 4].iloc[0]
    alone = simulate([*org_chart, f"policy={run['policy']}", f"seed={run['seed']}"])
    mine = units[units["run_id"] == 4].reset_index(drop=True)
    pd.testing.assert_frame_equal(mine[alone.tables["units"].columns], alone.tables["units"])
    page = write_report(folder, lang="en").read_text(encoding="utf-8")
    assert "Per unit" in page and "mean over each regime&#39;s 3 runs" in page
    assert "Initiative rate · Tolerance only" in page and "Initiative rate · Baseline" in page
