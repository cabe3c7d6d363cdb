"""`cadresim discover --out` never mixes its outputs into another experiment's folder."""

from __future__ import annotations

import pytest
from test_discover import _sweep

from cadresim.experiments.discover import DiscoverError, discover


def test_out_into_another_results_folder_is_refused(tmp_path):
    sweep, _ = _sweep(tmp_path / "sweep")
    other, _ = _sweep(tmp_path / "other", seed=1)
    before = sorted(p.name for p in other.iterdir())
    with pytest.raises(DiscoverError, match=r"holds other files \(design\.parquet"):
        discover(sweep, "misconduct_rate > 0.05", out=other)
    assert sorted(p.name for p in other.iterdir()) == before  # still a sweep folder, as it was
    with pytest.raises(DiscoverError, match="holds other files"):
        discover(sweep, "misconduct_rate > 0.05", out=sweep)  # the sweep's own folder


def test_out_that_is_new_or_an_earlier_discover_output_is_written(tmp_path):
    sweep, _ = _sweep(tmp_path / "sweep")
    first = discover(sweep, "misconduct_rate > 0.05", out=tmp_path / "mine")
    again = discover(sweep, "misconduct_rate > 0.05", out=first.folder)  # the same question
    assert again.folder == tmp_path / "mine" and (again.folder / "discover.json").is_file()
    default = discover(sweep, "misconduct_rate > 0.05")
    assert discover(sweep, "misconduct_rate > 0.05").folder == default.folder  # rerun in place


def test_a_truncated_runs_table_is_one_line_not_a_traceback(tmp_path, inproc):
    sweep, _ = _sweep(tmp_path / "sweep")
    (sweep / "runs.parquet").write_bytes(b"")
    out = inproc("discover", str(sweep), "--fail", "misconduct_rate > 0.05")
    assert out.returncode == 2 and "cannot read the sweep's tables" in out.stderr
    assert out.stderr.count("\n") == 1 and not list(sweep.glob("discover-*"))
