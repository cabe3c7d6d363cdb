"""Every HTML page comes from an autoescaped jinja2 template: text a user typed is escaped, the
Chinese pages of optimise/calibrate/discover carry no English headings, and each page opens
offline (plotly.js inlined, no script or link fetched over http)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from cadresim import simulate
from cadresim.dashboard.challenges import load_challenge
from cadresim.dashboard.classroom import Room
from cadresim.dashboard.session import SessionStore
from cadresim.dashboard.team_page import team_export
from cadresim.experiments.calibration.report import write_calibration_report
from cadresim.experiments.discover_report import write_discover_report
from cadresim.experiments.optimise_report import write_optimise_report
from cadresim.experiments.report import write_report
from cadresim.experiments.validation import Measure, Pattern, Verdict, validate
from cadresim.experiments.validation.base import PatternError
from cadresim.experiments.validation.report import render_html

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def _offline(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert "<script>alert" not in page
    assert page.count('<script type="text/javascript">') == 1  # plotly.js, inlined once
    assert len(re.search(r'<script type="text/javascript">(.*?)</script>', page, re.S)[1]) > 1e6
    assert not re.search(r"""<(script|link)\b[^>]*(src|href)=["']?https?:""", page)


def _own(page: str) -> str:
    """The page without the inlined plotly.js library (which holds English words of its own)."""
    return re.sub(r'<script type="text/javascript">.*?</script>', "", page, count=1, flags=re.S)


def _both_languages(write, folder, english: tuple[str, ...]) -> tuple[str, str]:
    """The page in English and in Chinese: each offline; the English words in the English
    page and none of them in the Chinese page's own text."""
    en = write(folder, "en").read_text(encoding="utf-8")
    zh = write(folder, "zh").read_text(encoding="utf-8")
    for page in (en, zh):
        _offline(page)
    assert all(word in en for word in english)
    assert not [word for word in english if word in _own(zh)]
    return en, zh


def _figure_count(page: str) -> int:
    return page.count("Plotly.newPlot(")


# ------------------------------------------------------------------ experiment report


def test_experiment_report_escapes_a_regime_description(tmp_path):
    res = simulate({"population.size": 60, "steps": 4, "policy.description": f"'{SCRIPT}'"})
    res.write(tmp_path / "run")
    page = write_report(tmp_path / "run").read_text(encoding="utf-8")
    _offline(page)
    assert ESCAPED in page and _figure_count(page) >= 1


# ------------------------------------------------------------------ validation


def _pattern(name: str, holds: bool | None) -> Pattern:
    def judge(_data):
        if holds is None:
            raise PatternError(f"cannot judge {SCRIPT}")
        return Verdict(holds, [Measure("x", SCRIPT, 1.0, 0.9, 1.1, 5, "t")])

    text = (f"note {SCRIPT}", f"说明 {SCRIPT}")
    return Pattern(name, text, text, text, text, text, lambda t: {}, judge)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_validation_report_escapes_pattern_notes_and_errors(tmp_path, lang):
    result = validate(patterns=[_pattern("good", True), _pattern("broken", None)],
                      executor="serial", out=tmp_path)  # fmt: skip
    page = render_html(result, lang)
    _offline(page)
    assert page.count(ESCAPED) >= 10  # title, criterion, notes, measure, error, in both parts
    assert f"cannot judge {ESCAPED}" in page  # the error, escaped once (not &amp;lt;)
    assert "&amp;lt;" not in page


# ------------------------------------------------------------------ optimise


def _optimise_folder(folder: Path) -> Path:
    folder.mkdir()
    levers = ["policy.tolerance.coverage", "policy.incentive.reward"]
    manifest = {
        "kind": "optimise", "version": "0.1.0", "versions": {"pymoo": "0.6"},
        "design": {
            "algorithm": "nsga2", "generations": 2, "population": 4, "scenarios": 2,
            "replications": 1, "robustness": "mean",
            "objectives": ["max initiative_rate", "min misconduct_rate"],
            "levers": [{"key": k} for k in levers],
        },
    }  # fmt: skip
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    rows = [
        {"package": p, "recommended": int(p == 1), "generation": 1, "candidate": p,
         levers[0]: 0.1 * p, levers[1]: 0.5 * p, "initiative_rate": 0.4 + 0.01 * p,
         "misconduct_rate": 0.02 + 0.001 * p, "constraint_0": 0.0, "violation": 0.0,
         "feasible": True, "command": f"cadresim policy.incentive.reward={p} # {SCRIPT}"}
        for p in (1, 2, 3)
    ]  # fmt: skip
    front = pd.DataFrame(rows)
    front.to_parquet(folder / "pareto.parquet")
    front.drop(columns=["package", "recommended", "command"]).to_parquet(folder / "archive.parquet")
    constraints = [{"constraint": f"{SCRIPT} <= 1", "met_by": 0, "of": 3}]
    (folder / "constraints.json").write_text(json.dumps(constraints), encoding="utf-8")
    return folder


OPTIMISE_EN = ("Set-up", "Constraints", "Pareto set", "met by no candidate", "package 1",
               "Trade-off", "candidates", "Pareto packages", "<th>violation</th>",
               "&#34;algorithm&#34;")  # fmt: skip


def test_optimise_report_escapes_and_is_chinese_in_zh(tmp_path):
    folder = _optimise_folder(tmp_path / "opt")
    en, zh = _both_languages(write_optimise_report, folder, OPTIMISE_EN)
    for page in (en, zh):
        assert ESCAPED in page and _figure_count(page) == 2
    assert "帕累托集" in zh and "主动作为率" in zh and '<html lang="zh-CN">' in zh
    # each package names the exact re-evaluation beside the one-run command
    assert f"cadresim optimise evaluate {folder} 1" in en and "checked against this folder" in en


# ------------------------------------------------------------------ calibrate


def _calibration_folder(folder: Path) -> Path:
    folder.mkdir()
    priors = {
        "behaviour.punish_threshold": {"dist": "uniform", "low": 0.0, "high": 0.5},
        "population.beliefs.awareness": {"dist": "uniform", "low": 0.05, "high": 0.6},
    }
    manifest = {
        "kind": "calibrate", "fingerprint": "abc123", "status": "complete",
        "reason": "3 generations", "particles": 4, "seed": 0, "versions": {"pyabc": "0.13"},
        "method": "ABC-SMC", "priors": priors,
        "targets": {"name": SCRIPT, "items": [
            {"statistic": "awareness", "observed": 0.36, "sd": 0.03, "source": SCRIPT}]},
    }  # fmt: skip
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    keys = list(priors)
    pd.DataFrame({"generation": 2, keys[0]: [0.1, 0.2, 0.3, 0.4],
                  keys[1]: [0.2, 0.3, 0.4, 0.5], "weight": 0.25}).to_parquet(
        folder / "posterior.parquet")  # fmt: skip
    pd.DataFrame({"statistic": ["awareness"], "observed": [0.36], "sd": [0.03],
                  "predictive_mean": [0.35], "predictive_sd": [0.02], "q05": [0.32],
                  "q50": [0.35], "q95": [0.38], "gap_in_sd": [0.3], "inside_90": [True]}
                 ).to_parquet(folder / "fit.parquet")  # fmt: skip
    pd.DataFrame({"generation": [0, 1, 2], "epsilon": [3.0, 2.0, 1.0],
                  "simulations": [8, 8, 8], "particles": [4, 4, 4]}).to_parquet(
        folder / "generations.parquet")  # fmt: skip
    return folder


CALIBRATE_EN = ("Calibration:", "Fit", "Posterior", "Generations", "Targets and their sources",
                "Method", "simulations stored", "Targets against the posterior",
                "predictive_mean")  # fmt: skip


def test_calibration_report_escapes_and_is_chinese_in_zh(tmp_path):
    folder = _calibration_folder(tmp_path / "cal")
    en, zh = _both_languages(write_calibration_report, folder, CALIBRATE_EN)
    for page in (en, zh):
        assert page.count(ESCAPED) >= 2 and _figure_count(page) == 3  # target name, source
    assert "后验分布" in zh and "已达 3 代" in zh and "<th>统计量</th>" in zh
    with pytest.raises(ValueError, match="lang = 'fr'"):
        write_calibration_report(folder, "fr")


# ------------------------------------------------------------------ discover


def _discover_folder(folder: Path) -> Path:
    folder.mkdir()
    meta = {"sweep": "sweeps/s", "fail": "misconduct_rate > 0.05", "compare": None,
            "points": 100, "failing_points": 10, "boxes": [f"box 1: when {SCRIPT} <= 0.5"],
            "versions": {"numpy": "2"}, "cadresim": "0.1.0"}  # fmt: skip
    (folder / "discover.json").write_text(json.dumps(meta), encoding="utf-8")
    pd.DataFrame({"box": 1, "id": [0, 1, 2], "coverage": [1.0, 0.9, 0.8],
                  "density": [0.1, 0.5, 0.9], "mass": [1.0, 0.3, 0.1], "n": [100, 30, 10],
                  "res_dim": [0, 1, 2], "chosen": [False, False, True]}).to_parquet(
        folder / "peeling.parquet")  # fmt: skip
    pd.DataFrame({"box": 1, "parameter": [SCRIPT, "policy.tolerance.coverage"],
                  "restricted": True, "lo": [0.0, 0.2], "hi": [0.5, 1.0], "values": "",
                  "range_lo": 0.0, "range_hi": 1.0, "coverage": 0.8, "density": 0.9,
                  "mass": 0.1}).to_parquet(folder / "boxes.parquet")  # fmt: skip
    return folder


DISCOVER_EN = ("Question", "Sweep", "design points fail", "Boxes", "Peeling trajectory",
               "Limits of each box", "box 1", "misconduct_rate", "<th>coverage</th>",
               '"text":"coverage"', "<th>density</th>", "Restricted parameters")  # fmt: skip


def test_discover_report_escapes_and_is_chinese_in_zh(tmp_path):
    folder = _discover_folder(tmp_path / "disc")
    en, zh = _both_languages(write_discover_report, folder, DISCOVER_EN)
    for page in (en, zh):
        assert ESCAPED in page and _figure_count(page) == 2
    assert "情景盒 1：当" in zh and "容错覆盖面" in zh and "违纪违法率 &gt; 0.05" in zh


# ------------------------------------------------------------------ dashboard snapshot


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_dashboard_snapshot_escapes_a_team_name(lang):
    room = Room(load_challenge("poor_screening"), SessionStore(capacity=2))
    team = room.join(room.code, "<script>alert(1)")
    room.advance(1)
    download, _ = team_export(room, team, "export-html-btn", lang)
    page = download["content"]
    _offline(page)
    assert page.count("&lt;script&gt;alert(1)") >= 3  # title, heading, run heading
    assert _figure_count(page) == 3
