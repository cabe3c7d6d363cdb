"""Engine benchmark: cadre-steps per second (best of 3), peak memory, and scaling with size.

    python -m cadresim.experiments.benchmark            # or: python experiments/benchmark.py

Runs on one core (numpy's own threads are limited to one), the default scenario otherwise.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402


def time_run(
    size: int, steps: int, policy: str = "three_mechanisms", repeats: int = 3
) -> dict[str, float]:
    """Wall time of the steps only (setup timed separately), best of `repeats` fresh runs."""
    from cadresim import load_config  # noqa: PLC0415
    from cadresim.model.cadre_model import CadreModel  # noqa: PLC0415

    cfg = load_config([f"population.size={size}", f"steps={steps}", f"policy={policy}"])
    setup = run = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        model = CadreModel(cfg, agent_views=False, collect=False)
        setup = min(setup, time.perf_counter() - t0)
        gc.collect()  # the previous models' reference cycles are freed now, not mid-run
        gc.disable()  # as timeit does: no cyclic collection inside the timed steps
        t0 = time.perf_counter()
        for _ in range(steps):
            model.step()
        run = min(run, time.perf_counter() - t0)
        gc.enable()
    return {
        "cadres": size,
        "steps": steps,
        "setup_s": round(setup, 3),
        "steps_s": round(run, 3),
        "cadre_steps_per_s": round(size * steps / run),
    }


def peak_memory(size: int, steps: int) -> float:
    """Peak RSS (MB) of a fresh process running simulate() on size x steps.

    Read from /proc's VmHWM, the high-water mark of the process's own memory: getrusage's
    ru_maxrss would also count the parent's size at fork, since it survives exec on Linux."""
    code = (
        "import resource; from pathlib import Path; from cadresim import simulate;"
        f"simulate(['population.size={size}', 'steps={steps}']);"
        "status = Path('/proc/self/status');"
        "hwm = [ln for ln in status.read_text().splitlines() if ln.startswith('VmHWM')]"
        " if status.exists() else [];"
        "kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss;"
        "print(int(hwm[0].split()[1]) if hwm else kb)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    args = parser.parse_args()
    sizes = [1_000, 10_000, 30_000] if args.quick else [1_000, 10_000, 30_000, 100_000]
    rows = []
    time_run(1_000, 12)  # warm up imports and caches
    for size in sizes:
        rows.append(time_run(size, 120))
    print(f"{'cadres':>8} {'steps':>6} {'setup s':>8} {'steps s':>8} {'cadre-steps/s':>14}")
    for r in rows:
        print(
            f"{r['cadres']:>8} {r['steps']:>6} {r['setup_s']:>8.3f} {r['steps_s']:>8.3f} "
            f"{r['cadre_steps_per_s']:>14,}"
        )
    per = [r["steps_s"] / r["cadres"] * 1e6 for r in rows]
    print("microseconds per cadre per 120 steps:", ", ".join(f"{p:.1f}" for p in per))
    mem = peak_memory(100_000, 120)
    print(f"peak memory, 100,000 cadres x 120 steps (simulate, fresh process): {mem:.0f} MB")
    print(json.dumps({"runs": rows, "peak_mb_100k_x120": round(mem)}))


if __name__ == "__main__":
    main()
