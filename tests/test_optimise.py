"""cadresim optimise: a tiny robust search is non-dominated, reproducible, resumable; bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cadresim.experiments import optimise as opt
from cadresim.experiments.costs import parse_costs, policy_cost
from cadresim.model.config import ConfigError, load_config

TINY = [
    "population.size=60",
    "steps=12",
    "optimise.generations=2",
    "optimise.population=4",
    "optimise.scenarios=2",
    "experiment.executor=serial",
    "experiment.progress=none",
    "experiment.report=false",
]
LEVERS = {"policy.tolerance.coverage": [0.0, 1.0], "policy.incentive.reward": [0.0, 2.0]}


def _search(folder, **kw):
    return opt.optimise([*TINY, f"experiment.output_dir={folder}"], levers=LEVERS, **kw)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return _search(tmp_path_factory.mktemp("opt") / "a")


def test_pareto_set_is_non_dominated_and_feasible(tiny):
    plan, front = tiny.plan, tiny.pareto
    assert len(tiny.archive) == 8  # 2 generations x 4 candidates
    assert not front.empty and front["feasible"].all()
    F_front, _ = opt.objective_matrices(plan, front)
    pool = tiny.archive[tiny.archive["feasible"]]
    F_all, _ = opt.objective_matrices(plan, pool)
    for f in F_front:  # no evaluated feasible candidate dominates a package
        dominated = np.all(F_all <= f, axis=1) & np.any(F_all < f, axis=1)
        assert not dominated.any()
    # every package carries the command that runs it, and the folder holds the tables
    assert all(c.startswith("cadresim ") and "policy.tolerance.coverage=" in c
               for c in front["command"])  # fmt: skip
    for name in ("pareto.parquet", "pareto.csv", "parallel.html", "tradeoff.html"):
        assert (tiny.folder / name).is_file()
    manifest = json.loads((tiny.folder / "manifest.json").read_text())
    assert manifest["kind"] == "optimise" and manifest["versions"]["pymoo"][0].isdigit()


def test_objectives_are_the_mean_of_the_shared_scenarios(tiny):
    runs = pd.read_parquet(tiny.folder / "generations" / "runs-0000.parquet")
    assert sorted(runs["scenario"].unique()) == [0, 1]
    # common random numbers: every candidate ran the same scenarios with the same seed
    per_cand = runs.groupby("candidate")[["scenario", "seed"]].apply(
        lambda t: tuple(map(tuple, t.to_numpy()))
    )
    assert per_cand.nunique() == 1
    gen0 = tiny.archive[tiny.archive["generation"] == 0].set_index("candidate")
    means = runs.groupby("candidate")["initiative_rate"].mean()
    np.testing.assert_allclose(gen0["initiative_rate"], means)


def test_same_seed_same_search(tiny, tmp_path):
    again = _search(tmp_path / "b")
    pd.testing.assert_frame_equal(tiny.archive, again.archive)
    other = opt.optimise([*TINY, f"experiment.output_dir={tmp_path / 'c'}", "seed=1"],
                         levers=LEVERS)  # fmt: skip
    assert not np.array_equal(other.archive["u0"], tiny.archive["u0"])


def test_resumes_after_an_interruption(tiny, tmp_path, monkeypatch):
    from cadresim.experiments import optimise_search

    real, calls = opt.evaluate_generation, []

    def interrupted(plan, gen, X):
        calls.append(gen)
        if gen == 1 and calls.count(1) == 1:
            raise KeyboardInterrupt
        return real(plan, gen, X)

    monkeypatch.setattr(optimise_search, "evaluate_generation", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _search(tmp_path / "r")
    assert (tmp_path / "r" / "generations" / "gen-0000.parquet").exists()
    assert not (tmp_path / "r" / "pareto.parquet").exists()
    resumed = _search(tmp_path / "r")
    assert calls == [0, 1, 1]  # generation 0 replayed from disk, not run again
    assert resumed.generations_run == 1
    pd.testing.assert_frame_equal(resumed.archive, tiny.archive)


@pytest.mark.parametrize("damage", ["empty gen", "truncated gen", "truncated runs"])
def test_a_damaged_generation_is_set_aside_and_run_again(tiny, tmp_path, capsys, damage):
    """A resume that meets an unreadable generation table (or its runs table) moves both
    under aside/ and runs that generation again, with the same result as an intact search."""
    import shutil

    folder = tmp_path / "d"
    shutil.copytree(tiny.folder, folder)
    gens = folder / "generations"
    target = gens / ("runs-0001.parquet" if "runs" in damage else "gen-0001.parquet")
    data = target.read_bytes()
    target.write_bytes(b"" if damage == "empty gen" else data[: len(data) // 2])
    (folder / "pareto.parquet").unlink()  # as if the search had stopped after generation 1
    resumed = _search(folder)
    err = capsys.readouterr().err
    assert "generation 1 of" in err and "runs again" in err and "Traceback" not in err
    assert resumed.generations_run == 1
    pd.testing.assert_frame_equal(resumed.archive, tiny.archive)
    aside = sorted(
        p.name.split(".parquet")[0] for p in (folder / "aside" / "generations").iterdir()
    )
    assert aside == ["gen-0001", "runs-0001"]  # kept, never deleted
    pd.read_parquet(gens / "runs-0001.parquet")  # whole again


def test_a_constraint_nobody_meets_is_reported(tmp_path):
    res = _search(tmp_path / "x", constraints=["initiative_rate >= 2"])
    assert res.constraints[0]["met_by"] == 0
    assert not res.pareto["feasible"].any()
    assert "met by no candidate" in opt.format_result(res)


def test_cost_model_prices_the_config():
    cfg = load_config(["experiment=optimise"])
    terms = parse_costs(cfg)
    cfg.policy.incentive.reward, cfg.policy.incentive.excellence_quota = 2.0, 0.25
    cfg.policy.training.enabled = False
    cost = policy_cost(terms, cfg)
    cfg.policy.incentive.reward = 0.0
    assert cost - policy_cost(terms, cfg) == pytest.approx(2.0 * 0.25)  # reward_budget term
    cfg.optimise.costs = {"x": {"unit_cost": -1, "keys": ["policy.incentive.reward"], "unit": "u"}}
    with pytest.raises(ConfigError, match="optimise.costs.x.unit_cost"):
        parse_costs(cfg)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("optimise.maximise=[initiative]", "optimise.maximise: 'initiative' is not an outcome"),
        ("sweep.levers.policy.tolerance.coverag=[0,1]", "is not a config key"),
        ("sweep.levers.policy.tolerance.coverage=[0,1.5]", "outside the range"),
        ("optimise.constraints=['misconduct_rate =< 0.05']", "is not a constraint"),
        ("optimise.constraints=['misconduct <= 0.05']", "is not an outcome"),
        ("optimise.robustness=worst", "optimise.robustness"),
    ],
)
def test_bad_input_one_line_exit_2_nothing_written(inproc, tmp_path, override, message):
    out = tmp_path / "never"
    r = inproc("optimise", *TINY, f"experiment.output_dir={out}", override)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cadresim: error: ") and message in lines[0]
    assert not out.exists()


def test_constraint_parser():
    c = opt.parse_constraint("misconduct_rate<=5e-2")
    assert (c.outcome, c.op, c.bound) == ("misconduct_rate", "<=", 0.05)
    assert c.violation(np.array([0.04, 0.06])).tolist() == pytest.approx([-0.01, 0.01])
    with pytest.raises(ConfigError):
        opt.parse_constraint("misconduct_rate <= 0.05 and more")


def test_recommended_packages_spread_over_the_front():
    F = np.array([[0.0, 1.0], [0.01, 0.99], [0.5, 0.5], [1.0, 0.0], [0.02, 0.98]])
    picked = opt.spread(F, 3)
    assert picked[:2] == [0, 3]  # the best for each objective
    assert picked[2] == 2  # then the package farthest from both, not a near-duplicate
    assert len(opt.spread(F, 10)) == 5 and opt.spread(F, 0) == []


def test_pareto_marks_recommended(tiny):
    rec = tiny.pareto["recommended"]
    assert rec.max() == min(tiny.plan.cfg.optimise.recommend, len(tiny.pareto))


def test_package_command_reruns_its_scenario_0_run(tiny):
    import shlex

    from cadresim.model.simulate import simulate

    row = tiny.pareto.iloc[0]
    runs = pd.read_parquet(tiny.folder / "generations" / f"runs-{row['generation']:04d}.parquet")
    stored = runs[(runs["candidate"] == row["candidate"]) & (runs["scenario"] == 0)].iloc[0]
    again = simulate(shlex.split(row["command"])[1:])
    assert again.summary["all"]["initiative_rate"] == stored["initiative_rate"]
    assert again.summary["all"]["misconduct_rate"] == stored["misconduct_rate"]


def test_evaluate_reproduces_every_package_exactly(tiny, inproc):
    front = pd.read_parquet(tiny.folder / "pareto.parquet")
    before = {p.name: p.stat().st_mtime_ns for p in tiny.folder.rglob("*")}
    for package in front["package"]:
        ev = opt.evaluate_package(tiny.folder, int(package))
        assert len(ev.runs) == 2  # 2 scenarios x 1 seed
        row = front[front["package"] == package].iloc[0]
        for ob in tiny.plan.objectives:  # the archive's figure, to the last bit
            got = ev.figures.set_index("figure").loc[ob.name, "again"]
            assert got == row[ob.name]
        assert ev.identical and ev.runs_identical == 2
    r = inproc("optimise", "evaluate", str(tiny.folder), "1", "--executor", "serial")
    assert r.returncode == 0, r.stderr
    assert "identical: the package's stored figures are reproduced exactly" in r.stdout
    assert {p.name: p.stat().st_mtime_ns for p in tiny.folder.rglob("*")} == before
    # the printed Pareto text names both commands
    text = opt.format_result(tiny)
    assert "package 1: cadresim " in text
    assert f"exact: cadresim optimise evaluate {tiny.folder} 1" in text


def test_evaluate_notices_a_changed_figure(tiny, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(tiny.folder, copy, ignore=shutil.ignore_patterns(".cadresim.lock"))
    front = pd.read_parquet(copy / "pareto.parquet")
    name = tiny.plan.objectives[0].name
    front.loc[front["package"] == 1, name] += 1e-12
    front.to_parquet(copy / "pareto.parquet")
    ev = opt.evaluate_package(copy, 1)
    assert not ev.identical
    same = ev.figures.set_index("figure")["identical"]
    assert not same[name] and same.drop(name).all()  # only the changed figure differs


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{other}", "1"], "is not an optimise results folder"),
        (["{tiny}", "99"], "PACKAGE = 99 is not a package of"),
        (["{tiny}", "one"], "invalid int value"),
        (["{tiny}", "1", "--executor", "gpu"], "invalid choice"),
        (["{tiny}", "1", "--workers", "-1"], "--workers = -1 is outside the range 0 to 100000"),
    ],
)
def test_evaluate_bad_input_one_line_exit_2(tiny, inproc, tmp_path, args, message):
    other = tmp_path / "other"
    other.mkdir()
    (other / "summary.json").write_text("{}")
    argv = [a.format(tiny=tiny.folder, other=other) for a in args]
    before = sorted(p.name for p in tiny.folder.rglob("*"))
    r = inproc("optimise", "evaluate", *argv)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cadresim: error: ") and message in lines[0]
    assert sorted(p.name for p in tiny.folder.rglob("*")) == before
