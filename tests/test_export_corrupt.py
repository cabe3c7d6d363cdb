"""`cadresim export` of a folder with a truncated or empty table: one line, exit 2, nothing
written (it was an ArrowInvalid traceback)."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.mark.parametrize("damage", ["truncated_part", "empty_table", "bad_summary"])
def test_a_damaged_table_is_one_line_and_nothing_is_exported(tmp_path, inproc, damage):
    folder = tmp_path / "results"
    (folder / "steps").mkdir(parents=True)
    table = pd.DataFrame({"run_id": [0, 0, 1], "step": [1, 2, 1], "initiative_rate": 0.5})
    table.to_parquet(folder / "steps" / "part-0000000.parquet")
    table.to_parquet(folder / "runs.parquet")
    if damage == "truncated_part":
        part = folder / "steps" / "part-0000000.parquet"
        part.write_bytes(part.read_bytes()[:100])
    elif damage == "empty_table":
        (folder / "runs.parquet").write_bytes(b"")
    else:
        (folder / "summary.json").write_text('{"policy": ', encoding="utf-8")
    before = sorted(p.name for p in folder.rglob("*"))
    out = inproc("export", str(folder), "--format", "csv")
    assert out.returncode == 2 and out.stderr.startswith("cadresim: error: export: cannot read")
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert sorted(p.name for p in folder.rglob("*")) == before
