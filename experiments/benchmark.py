"""Engine benchmark: cadre-steps per second (best of 3), peak memory, scaling with size, and the
vectorised engine side by side with a per-agent Mesa model of the same rules.

    python -m cadresim.experiments.benchmark            # or: python experiments/benchmark.py
    python experiments/benchmark.py --quick             # no 100,000-cadre run

Why the per-agent reference (experiments/reference_model.py): the engine runs each month's rules
as array operations over all cadres instead of a Python loop over agent objects (DESIGN.md §7),
at the price of code that reads less like Mesa's examples. That price is only worth paying while
the engine stays at least 50x faster per cadre-step than an idiomatic per-agent Mesa model doing
the same per-cadre work (five gates, outcomes, oversight, tolerance, learning from neighbours)
at 10,000 cadres, and at least 30x at 1,000 cadres when runs are batched (model/batch.py: a
sweep's small runs stepped as one population, as `experiment.batch=auto` does). A step has a
fixed Python overhead, so alone a 1,000-cadre run costs more per cadre-step than a 10,000-cadre
one; batched, its cost per cadre-step should be within 1.5x of the 10,000-cadre cost. All are
timed in the same run, their runs alternated at each size so that all meet the same machine
load, with setup excluded; the reference runs fewer steps, so the ratio is per cadre-step (wall
time, and the process's CPU time beside it).

Runs on one core (numpy's own threads are limited to one), the default scenario otherwise. The
load average is printed at start and end: other work on the machine slows both models.
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
from collections.abc import Callable  # noqa: E402
from typing import Any, Protocol  # noqa: E402

POLICY = "three_mechanisms"
ENGINE_STEPS = 120
ENGINE_SIZES = [1_000, 10_000, 30_000, 100_000]
REFERENCE_SIZES = [1_000, 10_000]
TARGET_SIZE, TARGET_RATIO = 10_000, 50.0
BATCH_SIZE, BATCH_RUNS, BATCH_RATIO = 1_000, 16, 30.0  # 16 runs: as experiment.batch=auto does
COST_RATIO = 1.5  # batched 1,000-cadre cost per cadre-step / 10,000-cadre cost, at most
RATIO_LABEL = "engine / per-agent (per cadre-step)"


class Steppable(Protocol):
    def step(self) -> None: ...


def best_of(make: Callable[[], Steppable], size: int, steps: int, repeats: int) -> dict[str, Any]:
    """Time of the steps only (setup timed separately), best of `repeats` fresh models: wall
    time, and the process's CPU time (less sensitive to other work on a shared machine)."""
    setup = run = cpu = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        model = make()
        setup = min(setup, time.perf_counter() - t0)
        gc.collect()  # the previous models' reference cycles are freed now, not mid-run
        gc.disable()  # as timeit does: no cyclic collection inside the timed steps
        try:
            t0, c0 = time.perf_counter(), time.process_time()
            for _ in range(steps):
                model.step()
            run = min(run, time.perf_counter() - t0)
            cpu = min(cpu, time.process_time() - c0)
        finally:
            gc.enable()
        del model
    return {
        "cadres": size,
        "steps": steps,
        "setup_s": round(setup, 3),
        "steps_s": round(run, 3),
        "cpu_s": round(cpu, 3),
        "cadre_steps_per_s": round(size * steps / run),
        "us_per_cadre_step": run / (size * steps) * 1e6,
        "cpu_us_per_cadre_step": cpu / (size * steps) * 1e6,
    }


def best(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The best of several single-run timings of one model and size."""
    out = min(rows, key=lambda r: r["us_per_cadre_step"]).copy()
    for key in ("setup_s", "cpu_s", "cpu_us_per_cadre_step"):
        out[key] = min(r[key] for r in rows)
    return out


def time_run(size: int, steps: int, policy: str = POLICY, repeats: int = 3) -> dict[str, Any]:
    """The vectorised engine (through its Mesa shell, without agent views or data collection)."""
    from cadresim import load_config  # noqa: PLC0415
    from cadresim.model.cadre_model import CadreModel  # noqa: PLC0415

    cfg = load_config([f"population.size={size}", f"steps={steps}", f"policy={policy}"])
    return best_of(lambda: CadreModel(cfg, agent_views=False, collect=False), size, steps, repeats)


def time_batched(
    size: int, runs: int, steps: int, policy: str = POLICY, repeats: int = 3
) -> dict[str, Any]:
    """`runs` runs of `size` cadres (seeds 0..runs-1) stepped as one batch; per cadre-step of
    all its runs."""
    from dataclasses import replace  # noqa: PLC0415

    from cadresim import load_config  # noqa: PLC0415
    from cadresim.model.engine import Engine  # noqa: PLC0415

    cfg = load_config([f"population.size={size}", f"steps={steps}", f"policy={policy}"])
    cfgs = [replace(cfg, seed=k) for k in range(runs)]
    row = best_of(lambda: Engine(cfg, runs=cfgs), size * runs, steps, repeats)
    return {**row, "cadres": size, "runs": runs}


def time_reference(size: int, steps: int, policy: str = POLICY, repeats: int = 3) -> dict[str, Any]:
    """The per-agent Mesa reference on the same config, with its DataCollector on (the engine
    tallies its outcomes inside every step too)."""
    from cadresim import load_config  # noqa: PLC0415
    from cadresim.experiments.reference_model import ReferenceModel  # noqa: PLC0415

    cfg = load_config([f"population.size={size}", f"steps={steps}", f"policy={policy}"])
    return best_of(lambda: ReferenceModel(cfg), size, steps, repeats)


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


def load_average() -> tuple[float, float, float]:
    """1-, 5- and 15-minute load averages (zeros where the platform has none)."""
    try:
        return os.getloadavg()
    except OSError:
        return (0.0, 0.0, 0.0)


def show_load(when: str, load: tuple[float, float, float]) -> None:
    print(
        f"load average {when} (1, 5, 15 min): {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
        f" on {os.cpu_count()} CPUs"
    )


def ratio(engine: dict[str, Any], reference: dict[str, Any], cpu: bool = False) -> float:
    """How many times more cadre-steps per second the engine runs than the reference."""
    key = "cpu_us_per_cadre_step" if cpu else "us_per_cadre_step"
    return reference[key] / engine[key]


def time_side_by_side(
    size: int, steps: int, reference_steps: int, repeats: int, batch_runs: int = 0
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]:
    """Engine (alone, and batched if `batch_runs`) and reference runs alternated, best of
    `repeats` each, so that all meet the same machine load (a burst of other work would
    otherwise fall on one of them only)."""
    engine, reference, batched = [], [], []
    for _ in range(repeats):
        engine.append(time_run(size, steps, repeats=1))
        if batch_runs:
            batched.append(time_batched(size, batch_runs, steps, repeats=1))
        reference.append(time_reference(size, reference_steps, repeats=1))
    return best(engine), best(reference), best(batched) if batched else None


def public(row: dict[str, Any]) -> dict[str, Any]:
    """A timing row as printed in the JSON line (without the unrounded per-cadre-step times)."""
    return {k: v for k, v in row.items() if not k.endswith("us_per_cadre_step")}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="skip the 100,000-cadre run")
    parser.add_argument(
        "--reference-steps",
        type=int,
        default=12,
        help="steps of the per-agent reference per run (default 12)",
    )
    parser.add_argument(
        "--reference-repeats", type=int, default=3, help="best of this many reference runs"
    )
    parser.add_argument(
        "--no-reference", action="store_true", help="time the engine only (as before)"
    )
    args = parser.parse_args()
    load_start = load_average()
    show_load("at start", load_start)
    sizes = ENGINE_SIZES[:-1] if args.quick else ENGINE_SIZES
    ref_sizes = [] if args.no_reference else REFERENCE_SIZES
    time_run(1_000, 12)  # warm up imports and caches
    if ref_sizes:
        time_reference(200, 2, repeats=1)
    rows, refs = [], []
    batched: dict[str, Any] | None = None
    for size in sizes:
        if size in ref_sizes:
            runs = BATCH_RUNS if size == BATCH_SIZE else 0
            eng, ref, bat = time_side_by_side(
                size, ENGINE_STEPS, args.reference_steps, args.reference_repeats, runs
            )
            rows.append(eng)
            refs.append(ref)
            batched = bat or batched
        else:
            rows.append(time_run(size, ENGINE_STEPS))

    print(f"\nvectorised engine, policy={POLICY}, one core:")
    print(f"{'cadres':>8} {'steps':>6} {'setup s':>8} {'steps s':>8} {'cadre-steps/s':>14}")
    for r in rows:
        print(
            f"{r['cadres']:>8} {r['steps']:>6} {r['setup_s']:>8.3f} {r['steps_s']:>8.3f} "
            f"{r['cadre_steps_per_s']:>14,}"
        )
    per = [r["steps_s"] / r["cadres"] * 1e6 for r in rows]
    print(f"microseconds per cadre per {ENGINE_STEPS} steps:", ", ".join(f"{p:.1f}" for p in per))

    ratios: dict[int, float] = {}
    cpu_ratios: dict[int, float] = {}
    if refs:
        print(
            "\nengine vs per-agent Mesa reference (experiments/reference_model.py),"
            f" policy={POLICY}, runs alternated, setup excluded:"
        )
        print(
            f"{'cadres':>8} {'engine steps':>12} {'engine cadre-steps/s':>21}"
            f" {'per-agent steps':>15} {'per-agent s':>11} {'per-agent cadre-steps/s':>23}"
            f"  {RATIO_LABEL}  {'same, CPU time':>14}"
        )
        by_size = {r["cadres"]: r for r in rows}
        for ref in refs:
            n, eng = ref["cadres"], by_size[ref["cadres"]]
            ratios[n], cpu_ratios[n] = ratio(eng, ref), ratio(eng, ref, cpu=True)
            print(
                f"{n:>8} {eng['steps']:>12} {eng['cadre_steps_per_s']:>21,}"
                f" {ref['steps']:>15} {ref['steps_s']:>11.3f} {ref['cadre_steps_per_s']:>23,}"
                f"  {ratios[n]:>{len(RATIO_LABEL) - 1}.1f}x  {cpu_ratios[n]:>13.1f}x"
            )
        if batched is not None and BATCH_SIZE in by_size:
            ref = next(r for r in refs if r["cadres"] == BATCH_SIZE)
            ratios[-BATCH_SIZE] = ratio(batched, ref)
            cpu_ratios[-BATCH_SIZE] = ratio(batched, ref, cpu=True)
            print(
                f"{BATCH_SIZE:>8} {batched['steps']:>12} {batched['cadre_steps_per_s']:>21,}"
                f" {ref['steps']:>15} {ref['steps_s']:>11.3f} {ref['cadre_steps_per_s']:>23,}"
                f"  {ratios[-BATCH_SIZE]:>{len(RATIO_LABEL) - 1}.1f}x"
                f"  {cpu_ratios[-BATCH_SIZE]:>13.1f}x  (engine: {batched['runs']} runs batched)"
            )
        print("(ratio: how many times more cadre-steps per second the engine runs; wall time)")
        if TARGET_SIZE in ratios:
            met = "met" if ratios[TARGET_SIZE] >= TARGET_RATIO else "NOT MET"
            print(
                f"target: engine >= {TARGET_RATIO:.0f}x the per-agent model per cadre-step at"
                f" {TARGET_SIZE:,} cadres: {met} ({ratios[TARGET_SIZE]:.1f}x)"
            )
        if -BATCH_SIZE in ratios:
            met = "met" if ratios[-BATCH_SIZE] >= BATCH_RATIO else "NOT MET"
            print(
                f"target: engine >= {BATCH_RATIO:.0f}x the per-agent model per cadre-step at"
                f" {BATCH_SIZE:,} cadres, {BATCH_RUNS} runs batched: {met}"
                f" ({ratios[-BATCH_SIZE]:.1f}x)"
            )
    cost: dict[str, float] = {}
    if batched is not None and TARGET_SIZE in {r["cadres"] for r in rows}:
        big = next(r for r in rows if r["cadres"] == TARGET_SIZE)
        alone = next(r for r in rows if r["cadres"] == BATCH_SIZE)
        cost = {
            f"{BATCH_SIZE}_alone": alone["us_per_cadre_step"],
            f"{BATCH_SIZE}_batched": batched["us_per_cadre_step"],
            f"{TARGET_SIZE}": big["us_per_cadre_step"],
        }
        rel = cost[f"{BATCH_SIZE}_batched"] / cost[f"{TARGET_SIZE}"]
        print(
            f"\ncost per cadre-step (microseconds, wall): {BATCH_SIZE:,} cadres alone "
            f"{cost[f'{BATCH_SIZE}_alone']:.3f}, {BATCH_SIZE:,} x {BATCH_RUNS} runs batched "
            f"{cost[f'{BATCH_SIZE}_batched']:.3f}, {TARGET_SIZE:,} cadres "
            f"{cost[f'{TARGET_SIZE}']:.3f}"
        )
        met = "met" if rel <= COST_RATIO else "NOT MET"
        print(
            f"target: batched {BATCH_SIZE:,}-cadre cost within {COST_RATIO}x of the "
            f"{TARGET_SIZE:,}-cadre cost: {met} ({rel:.2f}x)"
        )

    mem = peak_memory(100_000, ENGINE_STEPS)
    print(f"\npeak memory, 100,000 cadres x 120 steps (simulate, fresh process): {mem:.0f} MB")
    load_end = load_average()
    show_load("at end", load_end)
    print(
        json.dumps(
            {
                "runs": [public(r) for r in rows],
                "reference_runs": [public(r) for r in refs],
                "batched_run": public(batched) if batched else None,
                "us_per_cadre_step": {k: round(v, 4) for k, v in cost.items()},
                "engine_over_reference": {_key(k): round(v, 1) for k, v in ratios.items()},
                "engine_over_reference_cpu": {_key(k): round(v, 1) for k, v in cpu_ratios.items()},
                "peak_mb_100k_x120": round(mem),
                "loadavg_start": [round(x, 2) for x in load_start],
                "loadavg_end": [round(x, 2) for x in load_end],
            }
        )
    )


def _key(size: int) -> str:
    """A ratio's JSON key: the size, '-batched' for the batched case (stored as -size)."""
    return f"{-size}-batched" if size < 0 else str(size)


if __name__ == "__main__":
    main()
