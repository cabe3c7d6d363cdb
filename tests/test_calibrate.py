"""`cadresim calibrate`: target statistics, bad input, recovery of known parameters,
reproducibility across workers and resumes, and the experiment.posterior hook."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml

from cadresim import simulate
from cadresim.experiments.calibration import calibrate
from cadresim.experiments.calibration.posterior import posterior_draw, write_posterior_yaml
from cadresim.experiments.calibration.sampler import CandidateResult, _in_order
from cadresim.experiments.calibration.statistics import STATISTICS, run_statistics
from cadresim.experiments.calibration.summary import posterior_summary
from cadresim.experiments.executors import execute
from cadresim.experiments.runs import Batch, BatchResult, RunSpec, run_batch, run_config
from cadresim.model.config import ConfigError, load_config

TINY = ["population.size=120", "steps=12", "calibrate.predictive=4", "experiment.report=false"]


def test_statistics_match_the_run_summary():
    cfg = load_config(["population.size=200", "steps=24", "seed=5"])
    stats = run_statistics(cfg)
    summary = simulate(cfg).summary
    assert set(stats) == set(STATISTICS)
    assert stats["initiative_rate"] == summary["all"]["initiative_rate"]
    assert stats["awareness.fearful"] == summary["type"]["fearful"]["awareness"]
    assert stats["sanctions_per_cadre_year"] == pytest.approx(12 * summary["all"]["sanction_rate"])
    grades = [stats[f"grade_share.{g}"] for g in ("talk", "admonition", "organisational")]
    assert sum(grades) + stats["grade_share.disciplinary"] == pytest.approx(1.0)
    assert grades[0] > stats["grade_share.disciplinary"] > 0  # talks dominate, as in seed 001


def _targets_file(tmp_path, targets, parameters=None):
    path = tmp_path / "t.yaml"
    doc = {"targets": targets}
    if parameters is not None:
        doc["parameters"] = parameters
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("targets", "parameters", "message"),
    [
        ({"initiative": {"observed": 0.4, "sd": 0.1}}, None, "'initiative' is not a statistic"),
        ({"awareness": {"observed": 1.4, "sd": 0.1}}, None, "observed = 1.4 is out of range"),
        ({"awareness": {"observed": 0.2, "sd": 0.0}}, None, "sd = 0 is out of range"),
        (
            {"awareness": {"observed": 0.2, "sd": 0.1}},
            {"population.beliefs.awareness": [0.1, 1.5]},
            "outside the range of population.beliefs.awareness; allowed [0, 1]",
        ),
        (
            {"awareness": {"observed": 0.2, "sd": 0.1}},
            {"behaviour.steepnes": [1, 2]},
            "'behaviour.steepnes' is not a knob (did you mean behaviour.steepness?)",
        ),
        (
            {"awareness": {"observed": 0.2, "sd": 0.1}},
            {"policy.evaluation.cycle": [6, 12]},
            "not a number knob with a range",
        ),
    ],
)
def test_bad_input_one_line_exit_2_nothing_written(inproc, tmp_path, targets, parameters, message):
    path = _targets_file(tmp_path, targets, parameters or {"behaviour.steepness": [1, 4]})
    out = tmp_path / "out"
    res = inproc("calibrate", f"calibrate.targets={path}", f"experiment.output_dir={out}")
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1 and res.stderr.startswith("cadresim: error: ")
    assert message in res.stderr
    assert res.stdout == ""  # the set-up line is printed only once the input is accepted
    assert not out.exists()


def test_a_budget_below_one_generation_is_refused_before_anything_runs(inproc, tmp_path):
    """pyabc stores no generation when the budget ends inside the first: that used to end in a
    KeyError traceback after the simulations."""
    res = inproc("calibrate", "calibrate.max_simulations=20", "calibrate.particles=30")
    assert res.returncode == 2, res.stderr
    assert res.stderr.count("\n") == 1
    assert "calibrate.max_simulations = 20 is below calibrate.particles = 30" in res.stderr
    assert not (tmp_path / "results").exists()


def test_unknown_targets_name_and_prior_on_the_command_line(inproc, tmp_path):
    res = inproc("calibrate", "calibrate.targets=nope")
    assert res.returncode == 2 and "allowed seeds or a path" in res.stderr
    res = inproc("calibrate", "calibrate.parameters.behaviour.steepness=[0,5]")
    assert res.returncode == 2
    assert "the prior [0, 5] is outside the range of behaviour.steepness" in res.stderr
    assert not (tmp_path / "results").exists()


def test_recovers_known_parameters(tmp_path):
    """Simulate at known knobs, calibrate to those statistics: the truth lies in the 90%
    credible interval of each knob."""
    truth = {"population.beliefs.awareness": 0.3, "behaviour.punish_threshold": 0.25}
    size = ["population.size=200", "steps=24"]
    observed = run_statistics(load_config([*size, *(f"{k}={v}" for k, v in truth.items())]))
    stats = ("awareness", "initiative_rate")
    path = _targets_file(
        tmp_path,
        {s: {"observed": observed[s], "sd": 0.03} for s in stats},
        {"population.beliefs.awareness": [0.05, 0.6], "behaviour.punish_threshold": [0.0, 0.5]},
    )
    res = calibrate(
        [*size, "calibrate.particles=40", "calibrate.generations=4", "calibrate.predictive=8"],
        targets=str(path),
    )
    post = posterior_summary(res.posterior, list(truth)).set_index("parameter")
    for key, value in truth.items():
        assert post.loc[key, "q05"] <= value <= post.loc[key, "q95"], (key, post.loc[key])
    prior_width = {"population.beliefs.awareness": 0.55, "behaviour.punish_threshold": 0.5}
    for key, width in prior_width.items():  # and the posterior learned something
        assert post.loc[key, "q95"] - post.loc[key, "q05"] < 0.6 * width
    assert bool(res.fit["inside_90"].all())


def test_reproducible_across_workers_and_resumes(tmp_path):
    common = [*TINY, "calibrate.particles=8", "calibrate.targets=seeds"]
    serial = calibrate(
        [*common, "calibrate.generations=3", "experiment.executor=serial",
         f"experiment.output_dir={tmp_path / 'a'}"]
    )  # fmt: skip
    first = calibrate(
        [*common, "calibrate.generations=2", "experiment.workers=2",
         f"experiment.output_dir={tmp_path / 'b'}"]
    )  # fmt: skip
    assert len(first.generations) == 2
    resumed = calibrate(
        [*common, "calibrate.generations=3", "experiment.workers=2",
         f"experiment.output_dir={tmp_path / 'b'}"]
    )  # fmt: skip
    assert resumed.resumed_from == 2
    pd.testing.assert_frame_equal(serial.posterior, resumed.posterior)
    pd.testing.assert_frame_equal(serial.generations, resumed.generations)
    pd.testing.assert_frame_equal(serial.predictive, resumed.predictive)
    again = calibrate(
        [*common, "calibrate.generations=3", f"experiment.output_dir={tmp_path / 'b'}"]
    )
    assert again.spent == 0 and again.status == "complete"
    on_disk = pd.read_parquet(tmp_path / "b" / "posterior.parquet")
    pd.testing.assert_frame_equal(on_disk, serial.posterior)
    for name in ("posterior.parquet", "generations.parquet", "predictive.parquet"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def _chunk(t, ids):
    samples = [(i, SimpleNamespace(candidate=i)) for i in ids]
    return CandidateResult(f"gen-{t}-{ids[0]}", None, None, samples=samples)


def test_candidates_are_taken_in_candidate_order_whatever_order_chunks_finish():
    """Chunks come back from an executor in completion order; the generation reads them in
    candidate order, and a chunk whose worker died on every try stops it with one message."""
    chunks = [_chunk(0, [4, 5]), _chunk(0, [0, 1]), _chunk(0, [2, 3])]
    taken = list(_in_order(iter(chunks), 0))
    assert [i for i, _ in taken] == [s.candidate for _, s in taken] == [0, 1, 2, 3, 4, 5]
    gap = [_chunk(0, [2, 3])]  # candidates 0-1 never came back: nothing is taken
    assert list(_in_order(iter(gap), 0)) == []
    dead = [_chunk(1, [0, 1]), BatchResult("gen-1-0000002", None, None)]
    with pytest.raises(RuntimeError, match="a worker died on every try in generation 1"):
        list(_in_order(iter(dead), 1))


def test_a_worker_lost_on_every_try_stops_with_one_line_and_resumes(inproc, tmp_path, monkeypatch):
    from cadresim.experiments.calibration import sampler

    real = sampler.simulate_candidates

    def dies_in_generation_1(batch):  # what executors yield for a batch whose worker died
        return BatchResult(batch.part, None, None) if batch.t == 1 else real(batch)

    monkeypatch.setattr(sampler, "simulate_candidates", dies_in_generation_1)
    args = [*TINY, "calibrate.particles=5", "calibrate.generations=2",
            "experiment.executor=serial", f"experiment.output_dir={tmp_path / 'w'}"]  # fmt: skip
    res = inproc("calibrate", *args)
    assert res.returncode == 1
    assert (
        res.stderr.count("\n") == 1 and "a worker died on every try in generation 1" in res.stderr
    )
    monkeypatch.setattr(sampler, "simulate_candidates", real)
    res = inproc("calibrate", *args, "experiment.resume=true")
    assert res.returncode == 0 and "resuming after generation 0" in res.stdout


def _posterior_file(path):
    keys = ["behaviour.steepness", "population.beliefs.awareness", "policy.tolerance.coverage"]
    rng = np.random.default_rng(7)
    values = np.column_stack([rng.uniform(1, 6, 9), rng.uniform(0.1, 0.9, 9), np.full(9, 0.5)])
    path.write_text(
        write_posterior_yaml(path, keys, values, rng.uniform(0.1, 1.0, 9), {}), encoding="utf-8"
    )
    return str(path)


def test_posterior_draws_travel_with_the_batch(tmp_path):
    """experiment.posterior: a batch carries the file's draws, so it runs where the file is not
    (here: after it is gone, in this process and in a fresh worker process), each run with the
    draw its seed picks, as from the file."""
    path = _posterior_file(tmp_path / "posterior.yaml")
    base = load_config(["population.size=60", "steps=6", f"experiment.posterior={path}"])
    specs = [RunSpec(r, "baseline", r, s) for r, s in enumerate([3, 11, 12, 40])]
    draws = {s.seed: posterior_draw(path, s.seed) for s in specs}
    assert len({d[0][1] for d in draws.values()}) > 1  # the runs take different draws
    # the same runs with each draw set as a run parameter, with no posterior at all
    plain = load_config(["population.size=60", "steps=6"])
    explicit = [RunSpec(s.run_id, s.regime, s.replicate, s.seed, params=tuple(draws[s.seed]))
                for s in specs]  # fmt: skip
    expected = run_batch(Batch("x", {"baseline": plain}, explicit, save_steps=False)).runs
    batch = Batch("p", {"baseline": base}, specs, save_steps=False)
    assert set(batch.posteriors) == {path}
    Path(path).unlink()  # workers on other nodes have no copy
    for executor in ("serial", "processes"):
        (result,) = execute([batch], executor, workers=1)
        assert not result.failures, result.failures
        columns = [c for c in result.runs.columns if c in expected.columns]
        pd.testing.assert_frame_equal(result.runs[columns], expected[columns])
    with pytest.raises(ConfigError, match="cannot be read"):  # a new batch reads the file
        Batch("q", {"baseline": base}, specs)


def test_budget_caps_the_simulations(tmp_path):
    res = calibrate(
        [*TINY, "calibrate.particles=10", "calibrate.max_simulations=45",
         f"experiment.output_dir={tmp_path / 'c'}"]
    )  # fmt: skip
    assert res.spent <= 45 and res.simulations <= 45
    assert "budget" in res.reason


def test_posterior_yaml_drives_other_experiments(tmp_path):
    res = calibrate(
        [*TINY, "calibrate.particles=8", "calibrate.generations=2",
         f"experiment.output_dir={tmp_path / 'd'}"]
    )  # fmt: skip
    path = str(res.folder / "posterior.yaml")
    doc = yaml.safe_load(open(path, encoding="utf-8"))
    # behaviour and population knobs are applied; none of the seeds' priors is a policy knob
    assert doc["applied"] == [p.key for p in res.targets.priors]
    base = load_config(["population.size=100", f"experiment.posterior={path}"])
    draws = {}
    for seed in range(12):
        cfg = run_config(base, RunSpec(seed, "baseline", 0, seed))
        draws[seed] = cfg.behaviour.steepness
        assert dict(posterior_draw(path, seed))["behaviour.steepness"] == cfg.behaviour.steepness
    assert draws[3] == run_config(base, RunSpec(0, "x", 0, 3)).behaviour.steepness  # seeded
    swept = run_config(base, RunSpec(0, "x", 0, 3, params=(("behaviour.steepness", 5.5),)))
    assert swept.behaviour.steepness == 5.5  # a swept knob keeps its swept value
    assert len(set(draws.values())) > 1  # replications take different draws
    assert set(draws.values()) <= set(res.posterior["behaviour.steepness"])
    assert np.isclose(res.posterior["weight"].sum(), 1.0)


@pytest.mark.parametrize("damage", ["empty", "truncated"])
def test_a_damaged_history_database_is_one_line_and_kept(inproc, tmp_path, damage):
    """A resume whose abc.db cannot be read says so in one line, exit 2, and leaves the folder
    as it was (the posterior files written so far are kept)."""
    folder = tmp_path / "c"
    args = [*TINY, "calibrate.particles=5", "calibrate.generations=1",
            "experiment.executor=serial", f"experiment.output_dir={folder}"]  # fmt: skip
    assert inproc("calibrate", *args).returncode == 0
    db = folder / "abc.db"
    data = db.read_bytes()
    db.write_bytes(b"" if damage == "empty" else data[: len(data) // 3])
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    res = inproc("calibrate", *args, "calibrate.generations=2", "experiment.resume=true")
    assert res.returncode == 2, res.stderr
    assert res.stderr.count("\n") == 1 and "abc.db cannot be read" in res.stderr
    assert "Traceback" not in res.stderr
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == before
