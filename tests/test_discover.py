"""cadresim discover: PRIM finds a box planted in a synthetic sweep; bad input exits 2."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cadresim.experiments.discover import DiscoverError, discover, parse_threshold

A, B = "policy.tolerance.screening", "population.integrity"
LEVER = "policy.tolerance.enabled"


def _sweep(folder, n=400, seed=0):
    """A sweep folder whose misconduct is high only when screening < 0.55 and integrity < 0.7,
    and where the lever (tolerance on) raises misconduct by 50% only in that box."""
    rng = np.random.default_rng(seed)
    a, b = rng.uniform(0.4, 1.0, n), rng.uniform(0.5, 0.95, n)
    box = (a < 0.55) & (b < 0.7)
    rows, design = [], []
    for lever in (False, True):
        for i in range(n):
            pid = len(design)
            design.append({"point_id": pid, LEVER: lever, A: a[i], B: b[i]})
            base = 0.08 if box[i] else 0.02
            m = base * (1.5 if lever and box[i] else 1.0)
            for rep in range(2):
                rows.append({"run_id": 2 * pid + rep, "point_id": pid, "grouping": "all",
                             "type": "all", "misconduct_rate": m})  # fmt: skip
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"kind": "sweep"}))
    pd.DataFrame(design).to_parquet(folder / "design.parquet")
    pd.DataFrame({"parameter": [LEVER, A, B], "role": ["lever", "uncertainty", "uncertainty"]}
                 ).to_parquet(folder / "parameters.parquet")  # fmt: skip
    pd.DataFrame(rows).to_parquet(folder / "runs.parquet")
    return folder, box


def _limits(d, box=1):
    lim = d.boxes[box - 1].limits.set_index("parameter")
    return lim[lim["restricted"]]


def test_prim_finds_the_planted_box(tmp_path):
    folder, _ = _sweep(tmp_path / "sweep")
    d = discover(folder, "misconduct_rate > 0.05", density=0.95)
    first = d.boxes[0]
    assert first.coverage >= 0.85 and first.density >= 0.95
    lim = _limits(d)
    assert set(lim.index) == {A, B}
    assert lim.loc[A, "hi"] == pytest.approx(0.55, abs=0.03)
    assert lim.loc[B, "hi"] == pytest.approx(0.7, abs=0.03)
    assert f"{A} <= 0.5" in d.statements[0] and "coverage" in d.statements[0]
    for name in ("boxes.csv", "peeling.parquet", "peeling.html", "boxes.html", "discover.json"):
        assert (d.folder / name).is_file()
    traj = pd.read_parquet(d.folder / "peeling.parquet")
    assert traj["chosen"].sum() == len(d.boxes)
    assert json.loads((d.folder / "discover.json").read_text())["versions"]["ema_workbench"]


def test_compare_finds_where_the_lever_backfires(tmp_path):
    folder, box = _sweep(tmp_path / "sweep")
    d = discover(folder, "misconduct_rate > +20%", compare=LEVER)
    assert len(d.points) == len(box) and d.points["fail"].sum() == box.sum()
    lim = _limits(d)
    assert lim.loc[A, "hi"] == pytest.approx(0.55, abs=0.03)
    assert "switching policy.tolerance.enabled from False to True" in d.statements[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fail", "misconduct_rate >> 0.05"], "is not a threshold"),
        (["--fail", "misconduct > 0.05"], "is not an outcome"),
        (["--fail", "misconduct_rate > 20%"], "give --compare KEY"),
        (["--fail", "misconduct_rate > 0.05", "--compare", "policy.x"], "not a parameter"),
        (["--fail", "misconduct_rate > 0.05", "--density", "1.5"], "--density = 1.5"),
    ],
)
def test_bad_input_one_line_exit_2_nothing_written(inproc, tmp_path, args, message):
    folder, _ = _sweep(tmp_path / "sweep")
    before = sorted(p.name for p in folder.iterdir())
    r = inproc("discover", str(folder), *args)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cadresim: error: ") and message in lines[0]
    assert sorted(p.name for p in folder.iterdir()) == before


def test_not_a_sweep_folder(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"kind": "compare_regimes"}))
    with pytest.raises(DiscoverError, match="discover needs a sweep"):
        discover(tmp_path, "misconduct_rate > 0.05")
    assert parse_threshold("error_rate <= .1").value == 0.1


def test_report_command_writes_the_discover_page(tmp_path, inproc):
    folder, _ = _sweep(tmp_path / "sweep")
    d = discover(folder, "misconduct_rate > 0.05", density=0.95)
    box = d.statements[0].split(":")[0]  # "box 1"; the zh page writes its sentences in Chinese
    for lang, word, name in (("en", "Peeling trajectory", box), ("zh", "剥离轨迹", "情景盒 1")):
        res = inproc("report", str(d.folder), "--lang", lang)
        assert res.returncode == 0, res.stderr
        page = (d.folder / f"report.{lang}.html").read_text(encoding="utf-8")
        assert word in page and name in page
        assert page.count("<script") >= 2 and 'src="http' not in page  # plotly inlined
    (d.folder / "peeling.parquet").write_bytes(b"not parquet")
    res = inproc("report", str(d.folder))
    assert res.returncode == 2 and "not a complete discover folder" in res.stderr
    assert res.stderr.count("\n") == 1
