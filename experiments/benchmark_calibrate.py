"""Benchmark: `cadresim calibrate` with the seed targets at full size.

    python -m cadresim.experiments.benchmark_calibrate [--workers 2] [--particles 100]

Four knobs (the seed targets' priors) against the seed targets, at most 2,000 simulations of
1,000 cadres x 120 months, on local worker processes; prints the machine's load, the wall time,
the simulations and the fit. Run it on a quiet machine: the wall time scales with free cores.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from cadresim.experiments.calibration import calibrate
from cadresim.experiments.calibration.summary import format_result

BUDGET_SECONDS = 300


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    p.add_argument("--particles", type=int, default=100)
    p.add_argument("--simulations", type=int, default=2000)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        overrides = [
            "calibrate.targets=seeds",
            f"calibrate.particles={args.particles}",
            f"calibrate.max_simulations={args.simulations}",
            f"experiment.workers={args.workers}",
            f"experiment.output_dir={Path(tmp) / 'calibrate'}",
        ]
        print(f"before: {load()}")
        print(f"calibrate {' '.join(overrides[:-1])} (1000 cadres x 120 months)", flush=True)
        start = time.perf_counter()
        res = calibrate(overrides, verbose=True)
        seconds = time.perf_counter() - start
        print(format_result(res))
        print(f"after: {load()}")
    verdict = "within" if seconds <= BUDGET_SECONDS else "OVER"
    print(
        f"wall time {seconds:.1f} s for {res.spent} simulations + "
        f"{len(res.predictive)} predictive runs on {args.workers} workers "
        f"({res.spent / seconds:.1f} simulations/s): {verdict} the {BUDGET_SECONDS} s budget"
    )


if __name__ == "__main__":
    main()
