"""The report explains itself: findings that say only what the intervals support, a glossary,
what varied, methods that fit the experiment, no bands for one run, binned sweep charts, the
user's org chart, escaped labels, bounded work and one clean line for a malformed folder."""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _charts_tables import compare_folder, sensitivity_table

from cadresim import cli, simulate
from cadresim.experiments import report_findings as KF
from cadresim.experiments.charts import figures as F
from cadresim.experiments.report import write_report

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def compare(tmp_path_factory):
    return compare_folder(tmp_path_factory.mktemp("compare"))


def _text(path: Path) -> str:
    """The report's visible text: scripts, styles and tags removed."""
    s = path.read_text(encoding="utf-8")
    s = re.sub(r"<(script|style)\b.*?</\1>", " ", s, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", s))


def _copy(src: Path, dst: Path, **manifest: object) -> Path:
    shutil.copytree(src, dst)
    for report in dst.glob("report.*.html"):
        report.unlink()
    m = json.loads((dst / "manifest.json").read_text(encoding="utf-8"))
    m.update(manifest)
    (dst / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    return dst


# ------------------------------------------------------------------ findings


def _comparison(diffs: dict[str, tuple[float, float, float]], regime: str = "a") -> pd.DataFrame:
    rows = [
        dict(regime=regime, grouping="all", type="all", outcome=o, mean=0.5, ci_low=0.4,
             ci_high=0.6, n=5, diff=d, diff_low=lo, diff_high=hi)
        for o, (d, lo, hi) in diffs.items()
    ]  # fmt: skip
    return pd.DataFrame(rows)


def test_findings_state_only_what_the_intervals_support():
    table = _comparison(
        {
            "initiative_rate": (0.15, 0.12, 0.18),
            "error_rate": (0.06, 0.05, 0.07),
            "misconduct_rate": (0.001, -0.002, 0.004),  # crosses 0
            "value": (-0.02, -0.03, -0.01),
        }
    )
    [en] = KF.comparison_findings(table, "baseline", "en")
    assert en.startswith("a raises initiative by 0.150 [0.120, 0.180] over Baseline")
    assert "at a cost of 0.060 [0.050, 0.070] more honest errors per cadre-month" in en
    assert "misconduct does not differ significantly" in en
    assert "net public value is lower by 0.020 [0.010, 0.030]" in en
    [zh] = KF.comparison_findings(table, "baseline", "zh")
    assert "主动作为率提高 0.150" in zh and "违纪违法率无显著差异" in zh and "基准" in zh
    # a fall is stated as a fall with its bounds; an interval touching 0 is not significant
    down = _comparison({"initiative_rate": (-0.1, -0.14, -0.06), "error_rate": (0.01, 0.0, 0.02)})
    [text] = KF.comparison_findings(down, "baseline", "en")
    assert "lowers initiative by 0.100 [0.060, 0.140]" in text
    assert "honest errors do not differ significantly" in text
    assert "more net public value with less initiative" not in text
    # less initiative but more net value: the report says why
    strict = _comparison({"initiative_rate": (-0.1, -0.14, -0.06), "value": (0.02, 0.01, 0.03)})
    [text] = KF.comparison_findings(strict, "baseline", "en")
    assert "a yields more net public value with less initiative" in text


def test_findings_with_one_replication_claim_nothing():
    nan = float("nan")
    table = _comparison({"initiative_rate": (0.2, nan, nan), "error_rate": (0.1, nan, nan)})
    [text] = KF.comparison_findings(table, "baseline", "en")
    assert "one replication" in text and "raises" not in text


def test_sweep_findings_rank_levers_by_fitted_effect():
    rng = np.random.default_rng(1)
    x = rng.random((60, 2))
    y = 0.3 * x[:, 0] + 0.0 * x[:, 1] + rng.normal(0, 0.01, 60)
    runs = pd.DataFrame({"policy.a": x[:, 0], "policy.b": x[:, 1], "initiative_rate": y,
                         "grouping": "all", "type": "all"})  # fmt: skip
    eff = KF.lever_effects(runs, ["policy.a", "policy.b"], "initiative_rate").set_index("lever")
    assert eff.loc["policy.a", "low"] < 0.3 * np.ptp(x[:, 0]) < eff.loc["policy.a", "high"]
    assert eff.loc["policy.b", "low"] < 0 < eff.loc["policy.b", "high"]
    lines = KF.sweep_findings(runs, ["policy.a", "policy.b"], None, None, "en", top=2)
    assert "a from" in lines[0] and "(not significant)" not in lines[0]
    assert "(not significant)" in lines[1]


def test_sweep_findings_read_the_sensitivity_table():
    sens = sensitivity_table()
    lines = KF.sweep_findings(pd.DataFrame(), [], sens, None, "en")
    assert lines[0] == (
        "Tolerance coverage has the largest total Sobol index for Initiative rate: 0.60 ± 0.06."
    )
    sens["flags"], sens["n_needed"] = "wide", 4096
    assert (
        "flags this index (wide): about N = 4096"
        in KF.sweep_findings(pd.DataFrame(), [], sens, None, "en")[0]
    )


# ------------------------------------------------------------------ the report's text


def test_compare_report_explains_itself(compare, tmp_path):
    text = _text(write_report(compare, out=tmp_path / "r.html"))
    assert "Key findings" in text and "over Baseline" in text
    assert "does not differ significantly" in text or "[" in text
    # glossary: net public value defined as computed, and why less initiative can score higher
    assert "Net public value per cadre-month" in text
    assert "misconduct_harm per violation" in text and "Strict accountability can" in text
    assert "sawtooth every 12 months is the annual evaluation" in text
    # the configuration table shows what varied, not one regime's policy.name
    assert "policy.name" not in text.split("Full resolved configuration")[0]
    assert "Baseline, Tolerance only, Three mechanisms" in text
    # a methods note for a regime comparison: no Latin hypercube, no interpolation
    assert "common random numbers" in text
    assert "Latin" not in text and "griddata" not in text


def test_zh_report_has_no_english_prose(compare, tmp_path):
    text = _text(write_report(compare, lang="zh", out=tmp_path / "r.html"))
    assert "在共同随机数下，各政策情境" in text  # the question, in Chinese
    assert "仅容错纠错：无心之失予以免责" in text  # a regime description, in Chinese
    assert "主要发现" in text and "术语" in text and "净公共价值（每名干部每月）" in text
    assert "Policy regimes compared" not in text and "honest errors exempted" not in text
    assert "seeds)" not in text and "Key findings" not in text


def test_one_replication_draws_no_bands(compare):
    steps = pd.read_parquet(compare / "steps")
    one = steps[(steps["replicate"] == 0) & (steps["policy"] == "baseline")]
    fig = F.outcome_over_time(one, "initiative_rate", "en")
    assert not any(getattr(tr, "fill", None) == "toself" for tr in fig.data)
    title = fig.layout.title.text
    assert "by regime" not in title and "one run: no interval" in title
    several = F.outcome_over_time(steps, "initiative_rate", "en")
    assert any(tr.fill == "toself" for tr in several.data)
    assert "by regime" in several.layout.title.text


def test_sweep_chart_bins_scattered_points():
    rng = np.random.default_rng(0)
    lever = rng.random(200)
    noisy = lever + rng.normal(0, 0.05, 200)
    runs = pd.DataFrame({"point_id": np.arange(200), "policy.x": lever, "grouping": "all",
                         "type": "all", "initiative_rate": noisy})  # fmt: skip
    fig = F.dose_response(runs, "policy.x", "initiative_rate", "en", bins=8)
    [line] = [tr for tr in fig.data if tr.mode == "lines+markers"]
    xs, ys = np.asarray(line.x), np.asarray(line.y)
    assert len(xs) == 8 and np.all(np.diff(xs) > 0)  # 8 bins, drawn in lever order
    assert np.all(np.diff(ys) > 0)  # the trend shows, not a zigzag
    assert any(tr.fill == "toself" for tr in fig.data)  # each bin's 95% band
    assert "8 bins" in fig.layout.title.text


# ------------------------------------------------------------------ escaping and org charts


def test_labels_are_escaped(compare, tmp_path):
    folder = _copy(compare, tmp_path / "x", name=f"n{SCRIPT}")
    for name in ("runs", "comparison"):
        t = pd.read_parquet(folder / f"{name}.parquet")
        col = "policy" if "policy" in t else "regime"
        t[col] = t[col].replace("tolerance_only", SCRIPT)
        t.to_parquet(folder / f"{name}.parquet", index=False)
    shutil.rmtree(folder / "steps")
    html = write_report(folder).read_text(encoding="utf-8")
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_org_chart_is_drawn_with_unit_and_level_tables(tmp_path):
    chart = tmp_path / "org.csv"
    lines = ["source,target,relation"] + [f"c{i},c{(i - 1) // 3},reports_to" for i in range(1, 40)]
    chart.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = simulate({"network.kind": "file", "network.path": str(chart), "steps": 4})
    folder = tmp_path / "run"
    res.write(folder)
    # the tables a run writes for an org chart (model/orgtables.py): summary-window rates
    members = ", ".join(f"c{i}" for i in range(1, 40))
    units = pd.DataFrame({"unit": [0, 1], "posts": [1, 39], "level_min": [0, 1],
                          "level_max": [0, 3], "members": ["c0", members], "months": 2,
                          "initiative_rate": [0.25, 0.625]})  # fmt: skip
    units.to_parquet(folder / "units.parquet", index=False)
    levels = pd.DataFrame({"level": [0, 1], "posts": [1, 3], "members": ["c0", "c1, c2, c3"],
                           "months": 2, "initiative_rate": [0.125, 0.375]})  # fmt: skip
    levels.to_parquet(folder / "levels.parquet", index=False)
    html = write_report(folder).read_text(encoding="utf-8")
    text = _text(folder / "report.en.html")
    assert 'id="fig-network"' in html and "Your organisation" in text
    assert "c39" in html  # the user's own node ids in the hover text
    assert "Per unit: rates over months 3–4" in text and "0.625" in text and "1–3" in text
    assert "c38" not in text.split("Per unit")[1]  # a long member list is shortened
    assert "Per level: rates over months 3–4" in text and "0.375" in text
    assert "org.csv" in text  # the configuration names the user's file
    zh = _text(write_report(folder, lang="zh"))
    assert "分单位：第3–4月的比率" in zh and "岗位数" in zh and "主动作为率" in zh
    # per-step tables (one row per step and unit) are averaged over the summary window
    steps = pd.DataFrame({"step": [2, 3, 3, 4, 4], "unit": [1, 0, 1, 0, 1],
                          "initiative_rate": [0.9, 0.2, 0.4, 0.4, 0.6]})  # fmt: skip
    steps.to_parquet(folder / "units.parquet", index=False)
    text = _text(write_report(folder))
    assert "0.500" in text.split("Per unit")[1] and "0.900" not in text


# ------------------------------------------------------------------ bounded and clean


def test_million_step_manifest_reports_without_stepping(compare, tmp_path, monkeypatch):
    from cadresim.model.cadre_model import CadreModel

    m = json.loads((compare / "manifest.json").read_text(encoding="utf-8"))
    m["config"]["steps"] = 1_000_000
    folder = _copy(compare, tmp_path / "long", config=m["config"])

    def no_step(self):
        raise AssertionError("the report must not simulate")

    monkeypatch.setattr(CadreModel, "step", no_step)
    start = time.perf_counter()
    text = _text(write_report(folder))
    assert time.perf_counter() - start < 60  # seconds on a shared machine, not hours
    assert "1000000" in text


def _malformed(kind: str, compare: Path, tmp: Path) -> tuple[list[str], str]:
    folder = _copy(compare, tmp / "f")
    if kind == "manifest_list":
        (folder / "manifest.json").write_text("[1, 2]", encoding="utf-8")
        return [str(folder)], "is not a JSON object"
    if kind == "missing_columns":
        pd.DataFrame({"x": [1]}).to_parquet(folder / "runs.parquet")
        return [str(folder)], "lacks column(s) grouping, type"
    if kind == "unreadable":
        (folder / "comparison.parquet").write_bytes(b"not a parquet file")
        return [str(folder)], "cannot read"
    if kind == "out_folder":
        return [str(folder), "--out", str(tmp)], "is a folder"
    if kind == "out_overwrites_results":
        return [str(folder), "--out", str(folder / "runs.parquet")], "is not an .html file"
    if kind == "folder_is_file":
        return [str(folder / "manifest.json")], "is a file, not a results folder"
    if kind == "out_under_file":
        (tmp / "file").write_text("x")
        return [str(folder), "--out", str(tmp / "file" / "r.html")], "is a file, not a folder"
    (folder / "manifest.json").write_text("{not json", encoding="utf-8")
    return [str(folder)], "cannot read"


@pytest.mark.parametrize(
    "kind",
    [
        "manifest_list",
        "missing_columns",
        "unreadable",
        "out_folder",
        "out_under_file",
        "out_overwrites_results",
        "folder_is_file",
        "bad_json",
    ],  # fmt: skip
)
def test_malformed_folder_gives_one_line_exit_2(kind, compare, tmp_path, capsys):
    argv, message = _malformed(kind, compare, tmp_path)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    with pytest.raises(SystemExit) as exc:
        cli.main(["report", *argv])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("cadresim: error:") and message in err, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing written
