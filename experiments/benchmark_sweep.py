"""Benchmark: a 1,000-run sweep (1,000 cadres x 120 steps) on the local process executor.

    python -m cadresim.experiments.benchmark_sweep [--runs 1000] [--workers 0] [--keep DIR]
    python -m cadresim.experiments.benchmark_sweep --compare [--rounds 3]  # batch=off vs auto
    python -m cadresim.experiments.benchmark_sweep --against OTHER/bin/python [--rounds 3]

Prints wall time, runs per second, CPU time per run (the workers' and this process's) and peak
memory; with --compare, the same sweep without and with batched runs (experiment.batch),
alternated `--rounds` times, and the speed-up per round and over the rounds' medians; with
--against, this version's sweep (experiment.batch as given) alternated with the same benchmark
run by another installation's Python (an older cadresim, e.g. a git worktree with its own
venv), each in a fresh process, and the speed-up of this version. On a shared machine the
rate moves with other tenants' load, so only ratios of runs made in alternation are compared.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from cadresim.experiments import run_sweep
from cadresim.experiments.runs import BatchResult

REPLICATIONS = 5


@dataclass
class Timing:
    wall: float  # seconds
    runs: int
    worker_cpu: float  # seconds, summed over batches
    main_cpu: float  # seconds, this process
    failed: int

    @property
    def rate(self) -> float:
        return self.runs / self.wall

    @property
    def cpu_per_run_ms(self) -> float:
        return 1000 * (self.worker_cpu + self.main_cpu) / max(self.runs, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--cadres", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--workers", type=int, default=0, help="0 = all cores")
    parser.add_argument("--executor", default="processes")
    parser.add_argument("--batch", default="auto", help="experiment.batch: auto, off or N")
    parser.add_argument(
        "--compare", action="store_true", help="run with experiment.batch=off, then auto"
    )
    parser.add_argument("--rounds", type=int, default=1, help="--compare, --against: pairs")
    parser.add_argument(
        "--against", metavar="PYTHON", help="alternate with this Python's cadresim benchmark"
    )
    parser.add_argument("--keep", help="results folder to keep (default: a temp folder)")
    args = parser.parse_args(argv)
    print(f"load average at start (1, 5, 15 min): {_load()}")
    if args.against:
        return against(args)
    if not args.compare:
        return 1 if time_sweep(args, args.batch, args.keep).failed else 0
    pairs = []
    for _ in range(max(args.rounds, 1)):
        pairs.append((time_sweep(args, "off", None), time_sweep(args, "auto", None)))
        off, auto = pairs[-1]
        print(
            f"  round {len(pairs)}: batched over solo {auto.rate / off.rate:.2f}x runs per "
            f"second, {off.cpu_per_run_ms / auto.cpu_per_run_ms:.2f}x CPU per run"
        )
    if len(pairs) > 1:
        rate = [statistics.median(t.rate for t in side) for side in zip(*pairs, strict=True)]
        cpu = [
            statistics.median(t.cpu_per_run_ms for t in side) for side in zip(*pairs, strict=True)
        ]
        print(
            f"medians over {len(pairs)} rounds: off {rate[0]:.2f} runs/s, {cpu[0]:.1f} CPU-ms "
            f"per run; auto {rate[1]:.2f} runs/s, {cpu[1]:.1f} CPU-ms per run"
        )
        print(
            f"batched (auto) over solo (off): {rate[1] / rate[0]:.2f}x runs per second, "
            f"{cpu[0] / cpu[1]:.2f}x CPU per run"
        )
    else:
        off, auto = pairs[0]
        print(f"batched (auto) over solo (off): {auto.rate / off.rate:.2f}x runs per second")
    print(f"load average at end (1, 5, 15 min): {_load()}")
    return 1 if any(t.failed for pair in pairs for t in pair) else 0


def against(args: argparse.Namespace) -> int:
    """Alternate the other installation's benchmark and this one's, each in a fresh process."""
    common = ["--runs", str(args.runs), "--cadres", str(args.cadres), "--steps", str(args.steps)]
    common += ["--workers", str(args.workers)]
    here = [sys.executable, "-m", "cadresim.experiments.benchmark_sweep", *common]
    there = [args.against, "-m", "cadresim.experiments.benchmark_sweep", *common]
    rates: list[tuple[float, float]] = []
    for _ in range(max(args.rounds, 1)):
        other = _rate(there)
        mine = _rate([*here, "--batch", args.batch])
        rates.append((other, mine))
        print(f"  round {len(rates)}: this version over the other {mine / other:.2f}x runs/s")
    other, mine = (statistics.median(side) for side in zip(*rates, strict=True))
    print(
        f"medians over {len(rates)} rounds: other {other:.2f} runs/s, this version "
        f"(batch={args.batch}) {mine:.2f} runs/s: {mine / other:.2f}x"
    )
    print(f"load average at end (1, 5, 15 min): {_load()}")
    return 0


def _rate(command: list[str]) -> float:
    """Run one benchmark process (from a neutral folder, so each Python imports its own
    cadresim); echo its result line and return its runs per second."""
    done = subprocess.run(command, capture_output=True, text=True, cwd=tempfile.gettempdir())
    line = next((x for x in done.stdout.splitlines() if x.startswith("benchmark:")), "")
    found = re.search(r"= ([0-9.]+) runs/s", line)
    if done.returncode or not found:
        raise SystemExit(f"benchmark failed: {' '.join(command)}\n{done.stderr[-2000:]}")
    print(f"  {command[0]}: {line}")
    return float(found.group(1))


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def time_sweep(args: argparse.Namespace, batch: str, keep: str | None) -> Timing:
    """Run the benchmark sweep once; print its line; return its timing."""
    folder = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="cadresim-bench-"))
    if not keep:
        shutil.rmtree(folder)
    points = max(1, args.runs // REPLICATIONS)
    worker_peak, worker_cpu = [0.0], [0.0]

    def track(batch: BatchResult) -> None:
        worker_peak[0] = max(worker_peak[0], batch.peak_rss_mib)
        worker_cpu[0] += batch.cpu_seconds

    main_cpu = _cpu()
    start = time.perf_counter()
    result = run_sweep(
        [f"population.size={args.cadres}", f"steps={args.steps}"],
        levers={
            "policy.tolerance.coverage": [0.0, 1.0],
            "policy.accountability.detection": [0.05, 0.9],
        },
        design="lhs",
        points=points,
        replications=REPLICATIONS,
        executor=args.executor,
        workers=args.workers,
        batch=batch,
        output_dir=str(folder),
        progress="none",
        callback=track,
    )
    wall = time.perf_counter() - start
    main_cpu = _cpu() - main_cpu
    if args.executor == "serial":  # the batches ran in this process: counted once
        main_cpu -= worker_cpu[0]
    timing = Timing(wall, result.executed, worker_cpu[0], main_cpu, len(result.failures))
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20
    runs = max(result.executed, 1)
    print(
        f"benchmark: {result.executed} runs ({args.cadres} cadres x {args.steps} steps, "
        f"{args.executor}, workers={args.workers or 'all'}, batch={batch}) in {wall:.1f} s = "
        f"{timing.rate:.2f} runs/s; CPU per run {timing.cpu_per_run_ms:.1f} ms (workers "
        f"{1000 * worker_cpu[0] / runs:.1f}, main {1000 * main_cpu / runs:.1f}); peak memory: "
        f"main {own:.0f} MiB, largest worker {worker_peak[0]:.0f} MiB; results {size:.0f} MiB, "
        f"{len(result.failures)} failed"
    )
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)
    return timing


if __name__ == "__main__":
    raise SystemExit(main())
