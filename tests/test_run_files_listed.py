"""A single run lists every file it wrote, not only the step table and the summary."""

from __future__ import annotations


def test_a_run_with_csv_copies_lists_them(tmp_path, inproc):
    out = inproc("population.size=60", "steps=12", "output_dir=run", "experiment.format=csv")
    assert out.returncode == 0, out.stderr
    [also] = [line for line in out.stdout.splitlines() if line.startswith("also:")]
    listed = {name.strip() for name in also.removeprefix("also:").split(",")}
    assert listed == {"run/steps.csv", "run/summary.csv"}
    assert all((tmp_path / name).is_file() for name in listed)


def test_a_plain_run_adds_no_line(tmp_path, inproc):
    out = inproc("population.size=60", "steps=12", "output_dir=run")
    assert out.returncode == 0 and "also:" not in out.stdout
