"""An experiment refused its output folder leaves that folder as it was: no runs/, steps/ or
lock file added to a folder given by mistake (bad input: exit 2, nothing written)."""

from __future__ import annotations

SWEEP = [
    "experiment=sweep",
    "population.size=60",
    "steps=12",
    "sweep.levers.policy.tolerance.coverage=[0,1]",
    "sweep.design=grid",
    "sweep.levels=2",
    "sweep.replications=1",
    "experiment.executor=serial",
    "experiment.report=false",
]


def _listing(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_a_folder_that_is_not_an_experiments_is_left_as_it_was(tmp_path, inproc):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    out = inproc(*SWEEP, f"experiment.output_dir={folder}")
    assert out.returncode == 2 and "is not empty and has no manifest.json" in out.stderr
    assert _listing(folder) == ["notes.txt"]


def test_another_experiments_folder_is_left_as_it_was(tmp_path, inproc):
    folder = tmp_path / "sweep"
    assert inproc(*SWEEP, f"experiment.output_dir={folder}").returncode == 0
    before = _listing(folder)
    out = inproc(*SWEEP, "sweep.levels=3", f"experiment.output_dir={folder}")
    assert out.returncode == 2 and "holds the results of a different experiment" in out.stderr
    assert _listing(folder) == before
    # and the folder is still this sweep's: the same command resumes it (nothing to run)
    again = inproc(*SWEEP, f"experiment.output_dir={folder}")
    assert again.returncode == 0 and "0 executed now" in again.stdout
