"""Benchmark: a 1,000-run sweep (1,000 cadres x 120 steps) on the local process executor.

    python -m cadresim.experiments.benchmark_sweep [--runs 1000] [--workers 0] [--keep DIR]
    python -m cadresim.experiments.benchmark_sweep --compare   # experiment.batch=off, then auto

Prints wall time, runs per second and peak memory (this process, and the largest worker); with
--compare, the same sweep without and with batched runs (experiment.batch) and the speed-up.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

from cadresim.experiments import run_sweep
from cadresim.experiments.runs import BatchResult

REPLICATIONS = 5


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
    parser.add_argument("--keep", help="results folder to keep (default: a temp folder)")
    args = parser.parse_args(argv)
    print(f"load average at start (1, 5, 15 min): {_load()}")
    if not args.compare:
        return time_sweep(args, args.batch, args.keep)[1]
    off, failed_off = time_sweep(args, "off", None)
    auto, failed_auto = time_sweep(args, "auto", None)
    print(f"batched (auto) over solo (off): {off / auto:.2f}x runs per second")
    print(f"load average at end (1, 5, 15 min): {_load()}")
    return failed_off or failed_auto


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def time_sweep(args: argparse.Namespace, batch: str, keep: str | None) -> tuple[float, int]:
    """Run the benchmark sweep once; print its line; return (wall seconds, exit status)."""
    folder = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="cadresim-bench-"))
    if not keep:
        shutil.rmtree(folder)
    points = max(1, args.runs // REPLICATIONS)
    worker_peak = [0.0]

    def track(batch: BatchResult) -> None:
        worker_peak[0] = max(worker_peak[0], batch.peak_rss_mib)

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
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20
    print(
        f"benchmark: {result.executed} runs ({args.cadres} cadres x {args.steps} steps, "
        f"{args.executor}, workers={args.workers or 'all'}, batch={batch}) in {wall:.1f} s = "
        f"{result.executed / wall:.2f} runs/s; peak memory: main {own:.0f} MiB, largest worker "
        f"{worker_peak[0]:.0f} MiB; results {size:.0f} MiB, {len(result.failures)} failed"
    )
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)
    return wall, 1 if result.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
