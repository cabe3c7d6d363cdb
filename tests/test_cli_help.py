"""What the command tells and how it stops: --help, knobs, help KEY, --version, dry runs, Ctrl+C,
and which modules a plain run imports."""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from cadresim import cli
from cadresim.help import GROUPS, MAIN_KNOBS, leaves, presets
from cadresim.interrupt import interrupted_line

ROOT = Path(__file__).resolve().parents[1]


def test_every_knob_has_a_doc():
    undocumented = [key for key, (_, f) in leaves().items() if not f.metadata.get("doc")]
    assert undocumented == []


def test_help_lists_commands_presets_with_descriptions_and_main_knobs(inproc):
    out = inproc("--help")
    assert out.returncode == 0 and out.stderr == ""
    for name in cli.SUBCOMMAND_MODULES:
        assert f"  {name} " in out.stdout
    for group in GROUPS:
        for name, text in presets(group).items():
            assert text, f"configs/{group}/{name}.yaml has no description"
            assert f"    {name:<24} {text}" in out.stdout
    for key in MAIN_KNOBS:
        assert key in leaves() and f"  {key} " in out.stdout
    assert "Hydra" not in out.stdout.splitlines()[0]


def test_version_is_the_package_version(inproc):
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert inproc("--version").stdout == f"cadresim {version}\n"


def test_knobs_of_a_group_show_default_range_and_meaning(inproc):
    out = inproc("knobs", "policy.tolerance")
    assert out.returncode == 0
    keys = [k for k in leaves() if k.startswith("policy.tolerance.")]
    lines = out.stdout.splitlines()
    assert len(lines) == 1 + len(keys)
    coverage = next(line for line in lines if "policy.tolerance.coverage " in line)
    assert coverage.split()[1:3] == ["0", "[0,"] and "honest errors" in coverage


def test_help_key_prints_meaning_default_range_and_presets(inproc):
    out = inproc("help", "policy.tolerance.coverage")
    assert out.returncode == 0
    assert "allowed: a number in [0, 1]" in out.stdout and "default: 0" in out.stdout
    assert "tolerance_only=" in out.stdout  # the presets that set it
    out = inproc("help", "experiment.executor")
    assert "one of serial, processes, ray" in out.stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["help", "stpes"], "stpes is not a config key (did you mean steps?)"),
        (["knobs", "nope"], "knobs: 'nope' is not a group; allowed behaviour,"),
        (["help"], "usage: cadresim help KEY"),
    ],
)
def test_help_bad_input_is_one_line_exit_2(inproc, tmp_path, args, fragment):
    out = inproc(*args)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.startswith(f"cadresim: error: {fragment}") and out.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_registries_name_modules_that_register_them():
    for name, (module, _) in cli.SUBCOMMAND_MODULES.items():
        importlib.import_module(module)
        assert name in cli.SUBCOMMANDS
    for kind, module in cli.EXPERIMENT_MODULES.items():
        importlib.import_module(module)
        assert kind in cli.EXPERIMENTS and kind in cli.EXPERIMENT_PLANS


@pytest.mark.parametrize(
    ("args", "runs", "timed"),
    [
        (["population.size=50", "steps=6"], "single run, 1 run of 50 cadres x 6 steps",
         "over 6 steps of one run"),
        (["experiment=compare_regimes", "experiment.replications=3", "population.size=50"],
         "experiment compare_regimes, 15 runs of 50 cadres x 120 steps",
         "over 12 steps, 15 runs batched (experiment.batch)"),  # as the experiment steps them
        (["experiment=compare_regimes", "experiment.replications=3", "population.size=50",
          "experiment.batch=off"],
         "experiment compare_regimes, 15 runs of 50 cadres x 120 steps",
         "over 12 steps of one run"),
    ],
)  # fmt: skip
def test_dry_run_counts_runs_estimates_time_and_writes_nothing(inproc, tmp_path, args, runs, timed):
    out = inproc(*args, "experiment.dry_run=true")
    assert out.returncode == 0, out.stderr
    assert f"dry run: {runs}" in out.stdout
    assert "estimate: about" in out.stdout
    assert re.search(rf"ms per step {re.escape(timed)} -> about", out.stdout), out.stdout
    assert list(tmp_path.iterdir()) == []


def test_dry_run_of_an_org_chart_counts_its_posts(inproc, tmp_path):
    """An org chart fixes the population: the dry run names its posts, not population.size."""
    lines = ["source,target"] + [f"n{i // 3},n{i + 1}" for i in range(11)]
    (tmp_path / "org.csv").write_text("\n".join(lines) + "\n")
    out = inproc(
        "experiment=compare_regimes", "experiment.replications=2", "network=file",
        "network.path=org.csv", "steps=12", "experiment.dry_run=true",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "runs of 12 cadres x 12 steps" in out.stdout, out.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["org.csv"]


def test_ctrl_c_in_a_multirun_says_how_many_runs_are_saved(inproc, tmp_path, monkeypatch):
    from cadresim.model import simulate as sim

    real, calls = sim.simulate, []

    def interrupted_on_the_second(cfg):
        calls.append(cfg)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(cfg)

    monkeypatch.setattr(sim, "simulate", interrupted_on_the_second)
    out = inproc("-m", "seed=1,2,3", "population.size=50", "steps=4")
    assert out.returncode == 130
    assert out.stderr == "interrupted: 1 of 3 runs saved; rerun the same command to resume\n"
    assert len(list((tmp_path / "results" / "runs").glob("*/summary.json"))) == 1
    # the same command again resumes: the saved job is read back, not run again
    monkeypatch.setattr(sim, "simulate", real)
    calls.clear()
    again = inproc("-m", "seed=1,2,3", "population.size=50", "steps=4")
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("(the same run): not run again") == 1
    assert len(list((tmp_path / "results" / "runs").glob("*/summary.json"))) == 3
    assert "All 3 jobs" in again.stdout


def test_interrupted_experiment_is_counted_from_its_manifest_and_ledger(tmp_path):
    folder = tmp_path / "exp"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"runs": 10, "status": "running"}))
    ledger = [{"part": "p0", "run_ids": [0, 1]}, {"part": "p1", "run_ids": [2]}]
    (folder / "ledger.jsonl").write_text("".join(json.dumps(e) + "\n" for e in ledger))
    line = interrupted_line(0.0, [0, 0], (folder,))
    assert line == "interrupted: 3 of 10 runs saved; rerun the same command to resume"


def test_a_plain_run_imports_neither_mesa_nor_scipy_stats_nor_experiments(tmp_path):
    code = (
        "import sys; from cadresim import cli; "
        "cli.main(['population.size=50', 'steps=3', 'write=false']); "
        "print(sorted(m for m in ('mesa', 'scipy.stats', 'dash', 'cadresim.experiments'"
        ") if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert out.stdout.splitlines()[-1] == "[]"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["experiment=sweep", "sweep.levers.policy.tolerance.coverage=[0,1]",
          "experiment.replications=7"],
         "experiment.replications does not apply to experiment=sweep and would be ignored; "
         "use sweep.replications (now 3)"),
        (["experiment=compare_regimes", "sweep.replications=7"],
         "sweep.replications does not apply to experiment=compare_regimes and would be ignored; "
         "use experiment.replications (now 10)"),
        (["experiment.replications=3"], "a single run has one seed"),
        (["-m", "experiment=compare_regimes,sweep", "experiment.replications=4",
          "sweep.levers.policy.tolerance.coverage=[0,1]"],
         "multirun job 1 of 2 (experiment=sweep): experiment.replications does not apply"),
    ],
)  # fmt: skip
def test_a_replication_key_the_experiment_does_not_read_is_refused(inproc, tmp_path, args, message):
    """Each kind reads its own replication count; another kind's would be silently ignored."""
    out = inproc(*args, "population.size=50", "steps=4")
    assert out.returncode == 2 and message in out.stderr, out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_an_experiment_multirun_leaves_no_hydra_folders(inproc, tmp_path):
    """Hydra's sweep folder holds nothing of ours (multirun.yaml only): it is removed."""
    out = inproc("-m", "seed=1,2", "experiment=compare_regimes", "experiment.replications=1",
                 "population.size=50", "steps=4", "experiment.report=false")  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert len(list((tmp_path / "results" / "experiments").iterdir())) == 2
    assert not (tmp_path / "results" / "multirun").exists()


@pytest.mark.parametrize("record", ["manifest.json", "discover.json"])
def test_a_single_run_does_not_write_into_an_experiment_or_discovery_folder(
    inproc, tmp_path, record
):
    folder = tmp_path / "taken"
    folder.mkdir()
    (folder / record).write_text("{}")
    out = inproc("population.size=50", "steps=4", f"output_dir={folder}")
    assert out.returncode == 2 and f"({record}); choose another output_dir" in out.stderr
    assert sorted(p.name for p in folder.iterdir()) == [record]
