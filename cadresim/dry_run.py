"""`experiment.dry_run=true`: how many runs a command would make and roughly how long they
would take, from a short calibration (the set-up and first steps of one run, in memory).
Nothing is written."""

from __future__ import annotations

import os
import time

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


def calibrate(cfg: CadreConfig, steps: int = CALIBRATION_STEPS) -> tuple[float, float]:
    """(set-up seconds, seconds per step) of one run, from its first `steps` steps and their
    step table (CPU time, so other work on the machine does not inflate it)."""
    from cadresim.model.engine import Engine  # noqa: PLC0415
    from cadresim.model.metrics import step_table  # noqa: PLC0415

    start = time.process_time()
    engine = Engine(cfg)
    setup = time.process_time() - start
    n = max(1, min(steps, cfg.steps))
    start = time.process_time()
    for _ in range(n):
        engine.step()
    step_table(engine.tally_array())  # the tables grow with the steps too
    return setup, (time.process_time() - start) / n


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
        setup, per_step = calibrate(sample)
        per_run = setup + per_step * sample.steps
        width = min(workers(cfg), count)
        cpu = per_run * count
        wall = cpu / width
        name = cfg.experiment.name
        kind = "single run" if name == "single" else f"experiment {name}"
        print(
            f"dry run: {kind}, {count} run{'s' * (count != 1)} of {sample.population.size} "
            f"cadres x {sample.steps} steps"
        )
        print(
            f"  calibration: set-up {setup:.2f} s, {per_step * 1000:.1f} ms per step over "
            f"{min(CALIBRATION_STEPS, sample.steps)} steps of one run -> about "
            f"{duration(per_run)} per run"
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
