"""`experiment.dry_run=true`: how many runs a command would make and roughly how long they
would take, from a short calibration (the set-up and first steps of one run, in memory).
Nothing is written."""

from __future__ import annotations

import os
import time

import numpy as np

from cadresim.model.config import CadreConfig

CALIBRATION_STEPS = 12  # one evaluation cycle by default: its month costs more than others


def planned(overrides: list[str], cfg: CadreConfig) -> tuple[int, CadreConfig]:
    """(run count, the config of the first run) of one command or multirun job."""
    from cadresim import cli  # noqa: PLC0415

    kind = cfg.experiment.name
    if kind == "single":
        return 1, cfg
    cli.experiment_runner(kind)  # imports the module that registers the kind and its plan
    if kind not in cli.EXPERIMENT_PLANS:
        cli.fail(f"experiment.dry_run: experiment {kind!r} cannot count its runs yet")
    return cli.EXPERIMENT_PLANS[kind](cfg, list(overrides))


def calibrate(
    cfg: CadreConfig, steps: int = CALIBRATION_STEPS, runs: int = 1
) -> tuple[float, float, int]:
    """(set-up seconds, seconds per step, cadres) of one run, from its first `steps` steps and
    their step table (CPU time, so other work on the machine does not inflate it). The cadres
    are the organisation's: an org chart's posts, not `population.size`. With `runs` > 1,
    that many runs (seeds apart) are stepped as one batch, as `experiment.batch` steps an
    experiment's small runs, and the figures are per run."""
    from dataclasses import replace  # noqa: PLC0415

    from cadresim.model.engine import Engine  # noqa: PLC0415
    from cadresim.model.metrics import step_tables  # noqa: PLC0415

    start = time.process_time()
    if runs > 1:
        engine = Engine(cfg, runs=[replace(cfg, seed=cfg.seed + k) for k in range(runs)])
    else:
        engine = Engine(cfg)
    setup = time.process_time() - start
    n = max(1, min(steps, cfg.steps))
    start = time.process_time()
    for _ in range(n):
        engine.step()
    # the tables grow with the steps too
    step_tables(np.stack([engine.tally_array(k) for k in range(runs)]))
    return setup / runs, (time.process_time() - start) / n / runs, engine.size


def batched(cfg: CadreConfig, count: int) -> int:
    """Runs stepped together in an experiment like this one (experiment.batch)."""
    from cadresim.model.batch import runs_per_batch  # noqa: PLC0415

    if cfg.experiment.name == "single" or cfg.network.kind == "file":
        return 1  # org-chart runs in an experiment run alone (experiments/runs.py)
    return max(1, min(count, runs_per_batch(cfg.experiment.batch, cfg.population.size)))


def workers(cfg: CadreConfig) -> int:
    exp = cfg.experiment
    if exp.name == "single" or exp.executor == "serial":
        return 1
    return exp.workers or os.cpu_count() or 1


def duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def dry_run(jobs: list[tuple[list[str], CadreConfig]]) -> int:
    """Print each job's run count and a time estimate, then the total; run and write nothing."""
    from cadresim.model.config import ConfigError  # noqa: PLC0415

    total_runs, total_cpu, total_wall = 0, 0.0, 0.0
    for overrides, cfg in jobs:
        try:
            count, sample = planned(overrides, cfg)
        except ConfigError as exc:
            from cadresim import cli  # noqa: PLC0415

            cli.fail(str(exc))
        together = batched(cfg, count)
        setup, per_step, cadres = calibrate(sample, runs=together)
        per_run = setup + per_step * sample.steps
        width = min(workers(cfg), count)
        cpu = per_run * count
        wall = cpu / width
        name = cfg.experiment.name
        kind = "single run" if name == "single" else f"experiment {name}"
        print(
            f"dry run: {kind}, {count} run{'s' * (count != 1)} of {cadres} "
            f"cadres x {sample.steps} steps"
        )
        print(
            f"  calibration: set-up {setup:.2f} s, {per_step * 1000:.1f} ms per step over "
            f"{min(CALIBRATION_STEPS, sample.steps)} steps"
            + (f", {together} runs batched (experiment.batch)" if together > 1 else " of one run")
            + f" -> about {duration(per_run)} per run"
        )
        where = f" on {width} workers, plus their start-up" if width > 1 else ""
        print(f"  estimate: about {duration(wall)}{where} ({duration(cpu)} of compute)")
        total_runs, total_cpu, total_wall = total_runs + count, total_cpu + cpu, total_wall + wall
    if len(jobs) > 1:
        print(
            f"dry run total: {len(jobs)} jobs, {total_runs} runs, about {duration(total_wall)} "
            f"({duration(total_cpu)} of compute)"
        )
    print("nothing was run or written; drop experiment.dry_run=true to run")
    return 0
