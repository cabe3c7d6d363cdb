"""Batched runs (model/batch.py): runs of one config that differ only in the seed, stepped as
one population, give byte-identical results to each run alone, on every executor."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import numpy as np
import pytest

from cadresim import load_config, simulate
from cadresim.experiments import compare_regimes, run_sweep
from cadresim.experiments import runs as runs_module
from cadresim.model.batch import LEVERS, plan_batches, runs_per_batch, simulate_batch
from cadresim.model.config import ConfigError
from cadresim.model.engine import Engine

# careers with rotation, targeted training, two evaluations, a policy change mid-run: every
# per-run rule of the engine is exercised
BUSY = [
    "population.size=90",
    "steps=26",
    "policy=three_mechanisms",
    "policy.careers.rotation=0.3",
    "policy.training.enabled=true",
    "policy.training.share=0.2",
    "policy.training.targeted=true",
    "policy.schedule=[{start:8,end:14,regime:strict_accountability}]",
]
SEEDS = [5, 17, 2**62 + 3]


def _bytes(result) -> tuple[str, str]:
    steps = hashlib.sha256(result.steps.to_parquet(index=False)).hexdigest()
    summary = dict(result.summary)
    summary.pop("versions")
    return steps, json.dumps(summary, sort_keys=True, default=str)


@pytest.mark.parametrize("extra", [[], ["network=small_world", "policy.evaluation.noise=0"]])
def test_batched_runs_are_byte_identical_to_solo_runs(extra):
    cfgs = [load_config([*BUSY, *extra, f"seed={s}"]) for s in SEEDS]
    batched = simulate_batch(cfgs)
    alone = [simulate(c) for c in cfgs]
    assert [_bytes(b) for b in batched] == [_bytes(a) for a in alone]
    # the runs really differ (a batch that copied one run into all would pass the line above
    # only if the solo runs were equal too)
    assert len({_bytes(a)[0] for a in alone}) == len(SEEDS)


def test_a_batch_of_one_follows_its_schedule_as_the_run_alone():
    """A batch built from one config holds its policy apart from that config; a schedule that
    changes careers must still reach the rules that read the run's own config."""
    cfg = load_config(
        [*BUSY, "policy.schedule=[{start:5,set:{careers.rotation:0.6,careers.retirement:0.6}}]"]
    )
    (batched,) = simulate_batch([cfg])
    assert _bytes(batched) == _bytes(simulate(cfg))


# runs of a sweep: levers, population draws and network settings that may differ in a batch
VARIANTS = [
    ["seed=4", "policy.tolerance.coverage=0.9", "policy.accountability.detection=0.7"],
    ["seed=5", "policy.incentive.reward=1.7", "policy.evaluation.noise=0"],
    ["seed=5", "policy.careers.retirement=0.3", "policy.careers.transfer=0.9"],
    ["seed=6", "policy.evaluation.orientation=0.9", "policy.tolerance.screening=0.55"],
    ["seed=6", "population.concentration=25", "network.peer_prob=0.9"],
    ["seed=7", "policy.training.share=0.1", "policy.tolerance.recovery=0.2"],
    [
        "seed=8",
        "policy.tolerance.publicity=0.3",
        "policy.tolerance.clarification=0.2",
        "policy.accountability.inaction_detection=0.4",
        "policy.accountability.false_accusation=0.1",
        "policy.accountability.error_sanction=2.5",
        "policy.accountability.career_cost=0.3",
        "policy.incentive.recognition=0.9",
        "policy.careers.rotation=0.1",
    ],
]


def test_runs_differing_in_levers_are_byte_identical_batched_and_alone():
    varied = {o.split("=")[0].removeprefix("policy.") for v in VARIANTS for o in v}
    assert LEVERS <= varied  # every lever a batch may hold per cadre is exercised
    cfgs = [load_config([*BUSY, *v]) for v in VARIANTS]
    assert plan_batches(cfgs, "auto") == [list(range(len(VARIANTS)))]  # one batch
    batched = simulate_batch(cfgs)
    assert [_bytes(b) for b in batched] == [_bytes(simulate(c)) for c in cfgs]


def test_a_batch_keeps_runs_apart():
    cfg = load_config(["population.size=60", "steps=3"])
    engine = Engine(cfg, runs=[replace(cfg, seed=1), replace(cfg, seed=2)])
    adjacency = engine.org.adjacency.tocoo()
    run_of = np.arange(engine.n) // engine.size
    assert (run_of[adjacency.row] == run_of[adjacency.col]).all()  # no tie across runs
    assert np.array_equal(engine.supervisor // engine.size, run_of)
    assert set(engine.org.unit[:60]).isdisjoint(engine.org.unit[60:])


def test_runs_differing_in_what_the_step_reads_as_one_value_are_not_batched_together():
    a = load_config(["population.size=50", "seed=1"])
    b = load_config(["population.size=50", "seed=2"])
    # a switch, a constant and the size are read by the step as one value for all cadres
    c = load_config(["population.size=50", "seed=1", "policy.tolerance.correction=false"])
    d = load_config(["population.size=50", "seed=1", "behaviour.own_weight=2"])
    e = load_config(["population.size=40", "seed=1"])
    assert plan_batches([a, c, b, d, e], "auto") == [[0, 2], [1], [3], [4]]
    assert plan_batches([a, c, b], "off") == [[0], [1], [2]]
    with pytest.raises(ValueError, match="may differ only in"):
        simulate_batch([a, c])


def test_batch_setting_is_validated_and_auto_batches_small_runs_only():
    assert runs_per_batch("auto", 1_000) > 1
    assert runs_per_batch("auto", 50_000) == 1
    assert runs_per_batch("3", 50_000) == 3
    for bad in ("0", "many", "-2", "1.5"):
        with pytest.raises(ConfigError, match=r"experiment\.batch = .* allowed auto, off"):
            load_config([f"experiment.batch={bad}"])


def _tables(folder) -> dict[str, bytes]:
    files = sorted([*folder.glob("steps/*.parquet"), *folder.glob("runs/*.parquet")])
    return {f"{p.parent.name}/{p.name}": p.read_bytes() for p in files}


def _sweep(tmp_path, name, **kw) -> dict[str, bytes]:
    kw.setdefault("executor", "serial")
    res = run_sweep(
        ["population.size=80", "steps=14"],
        levers={"policy.tolerance.coverage": [0.0, 1.0], "policy.incentive.reward": [0, 2]},
        design="lhs",
        points=3,
        replications=2,
        output_dir=str(tmp_path / name),
        progress="none",
        batch_size=3,
        **kw,
    )
    assert not res.failures
    return _tables(res.folder)


def test_experiment_tables_are_byte_identical_batched_solo_and_in_processes(tmp_path):
    solo = _sweep(tmp_path, "solo", batch="off")
    assert len(solo) == 4  # 2 parts (of design points and replicates) x (steps, runs)
    assert solo == _sweep(tmp_path, "auto", batch="auto")
    assert solo == _sweep(tmp_path, "pairs", batch=2, executor="processes", workers=2)


def test_experiment_tables_are_byte_identical_batched_on_ray(tmp_path):
    pytest.importorskip("ray", reason="Ray is the optional extra cadresim[ray]")
    solo = _sweep(tmp_path, "solo", batch="off")
    assert solo == _sweep(tmp_path, "ray", executor="ray", workers=2)


def test_a_failing_batch_falls_back_to_each_run_alone(tmp_path, monkeypatch):
    calls = []

    def broken(cfgs):
        calls.append(len(cfgs))
        raise RuntimeError("batch broke")

    monkeypatch.setattr(runs_module, "batch_tallies", broken)
    res = compare_regimes(
        ["population.size=60", "steps=5", "experiment.batch_size=3"],
        regimes=["baseline"],
        replications=3,
        executor="serial",
        output_dir=str(tmp_path / "x"),
        progress="none",
        report=False,
    )
    assert calls == [3]  # the three replicates were tried as one batch first
    assert not res.failures and res.runs["run_id"].nunique() == 3


def test_the_batch_setting_leaves_positional_fields_of_batch_subclasses_in_place():
    from cadresim.experiments.validation.runner import ValidationBatch  # noqa: PLC0415

    hooks = {"arm": {"name": "peer"}}
    batch = ValidationBatch("part", {}, [], True, hooks)
    assert batch.hooks == hooks and batch.engine_batch == "auto"


def test_a_batch_tables_are_each_run_s_own_tables_labelled():
    """run_batch builds its step and summary tables once per batch from the runs' tallies;
    each run's rows must be that run's `simulate` tables with its labels in front, whatever
    mix of batched runs, runs of another length and failures the batch holds."""
    from cadresim.experiments.runs import Batch, RunSpec, run_batch, run_config, summary_rows

    base = load_config(["population.size=80", "steps=14"])
    cov = "policy.tolerance.coverage"
    specs = [
        RunSpec(0, "base", 0, 11, 0, ((cov, 0.2),)),
        RunSpec(1, "base", 1, 12, 0, ((cov, 0.2),)),
        RunSpec(2, "base", 0, 11, 1, ((cov, 7.0),)),  # out of range: a failure
        RunSpec(3, "base", 1, 12, 1, ((cov, 0.9), ("steps", 9))),  # shorter: its own table
        RunSpec(4, "base", 0, 11, 2, ((cov, 0.6),)),
    ]
    res = run_batch(Batch("part-0.parquet", {"base": base}, specs, True, engine_batch="auto"))
    assert [f["run_id"] for f in res.failures] == [2]
    assert list(res.runs["run_id"].unique()) == [0, 1, 3, 4]
    for spec in (s for s in specs if s.run_id != 2):
        alone = simulate(run_config(base, spec))
        labels = {"run_id": spec.run_id, "replicate": spec.replicate, "seed": spec.seed,
                  "policy": "base", "point_id": spec.point_id, **dict(spec.params)}  # fmt: skip
        steps = alone.steps.drop(columns=["seed", "policy"])
        summary = summary_rows(alone.summary)
        for got, want in ((res.steps, steps), (res.runs, summary)):
            rows = got[got["run_id"] == spec.run_id].reset_index(drop=True)
            for key, value in labels.items():
                assert (rows[key] == value).all(), key
            ours = rows.drop(columns=list(labels))
            if "steps" not in dict(spec.params):
                ours = ours.drop(columns=["steps"], errors="ignore")
            assert ours.equals(want.reset_index(drop=True)), spec.run_id
