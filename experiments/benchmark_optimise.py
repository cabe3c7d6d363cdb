"""Benchmark: the optimise preset (6 levers x 3 objectives) at 1,000 cadres x 120 steps.

    python -m cadresim.experiments.benchmark_optimise [--generations 40] [--population 40]
        [--scenarios 4] [--workers 0] [--keep DIR]

The target is 40 generations x 40 candidates x 4 scenarios (6,400 runs) in at most 15 minutes.
With --generations below 40 it times a shorter search and also prints the time 40 generations
would take at the measured rate per generation (an extrapolation, labelled as such). Prints the
machine's load (os.getloadavg) before and after: on a shared machine the figure depends on it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from cadresim.experiments.executors import cpu_count
from cadresim.experiments.optimise import optimise
from cadresim.model.simulate import simulate

TARGET_GENERATIONS = 40
TARGET_SECONDS = 15 * 60


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generations", type=int, default=TARGET_GENERATIONS)
    parser.add_argument("--population", type=int, default=40)
    parser.add_argument("--scenarios", type=int, default=4)
    parser.add_argument("--cadres", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--workers", type=int, default=0, help="0 = all cores")
    parser.add_argument("--executor", default="processes")
    parser.add_argument("--keep", help="results folder to keep (default: a temp folder)")
    args = parser.parse_args(argv)
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="cadresim-bench-"))
    if not args.keep:
        shutil.rmtree(folder)
    load_before = os.getloadavg()
    start = time.perf_counter()
    result = optimise(
        [f"population.size={args.cadres}", f"steps={args.steps}"],
        generations=args.generations,
        population=args.population,
        scenarios=args.scenarios,
        executor=args.executor,
        workers=args.workers,
        output_dir=str(folder),
        report=False,
    )
    wall = time.perf_counter() - start
    runs = len(result.archive) * args.scenarios
    per_gen = wall / max(1, result.generations_run)
    print(
        f"benchmark: {len(result.plan.levers)} levers x {len(result.plan.objectives)} objectives, "
        f"{args.generations} generations x {args.population} candidates x {args.scenarios} "
        f"scenarios = {runs} runs ({args.cadres} cadres x {args.steps} steps, {args.executor}, "
        f"workers={args.workers or 'all'}) in {wall:.1f} s ({per_gen:.1f} s per generation, "
        f"{runs / wall:.1f} runs/s); Pareto set {len(result.pareto)} packages; load average "
        f"{load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after"
    )
    if args.generations != TARGET_GENERATIONS:
        full = per_gen * TARGET_GENERATIONS
        print(
            f"extrapolated (not measured): {TARGET_GENERATIONS} generations would take about "
            f"{full / 60:.1f} min at this rate; target {TARGET_SECONDS / 60:.0f} min"
        )
    # CPU seconds per run do not depend on how many other jobs share the cores: an estimate of
    # the wall time on an idle machine (the runs spread over the cores, the search's own time)
    cpu = cpu_per_run(args.cadres, args.steps)
    cores = args.workers or cpu_count()
    idle = TARGET_GENERATIONS * args.population * args.scenarios * cpu / cores
    print(
        f"estimated on an idle machine (not measured): {cpu:.3f} CPU s per run, so "
        f"{TARGET_GENERATIONS} generations ~ {idle / 60:.1f} min of runs on {cores} cores"
    )
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def cpu_per_run(cadres: int, steps: int, runs: int = 3) -> float:
    """CPU time of one run in this process (median of a few, after a warm-up run)."""
    overrides = [f"population.size={cadres}", f"steps={steps}", "policy=three_mechanisms"]
    simulate(overrides)
    times = []
    for seed in range(runs):
        t = time.process_time()
        simulate([*overrides, f"seed={seed}"])
        times.append(time.process_time() - t)
    return sorted(times)[len(times) // 2]


if __name__ == "__main__":
    raise SystemExit(main())
