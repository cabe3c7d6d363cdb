"""Benchmark: what a small job costs before and around the simulation (issue targets of the CLI).

    python -m cadresim.experiments.benchmark_startup

- `import cadresim` in a fresh process (CPU seconds, best of 5; target <= 0.7): the package
  imports nothing heavy until a name is used.
- A tiny CLI run, `cadresim population.size=100 steps=12` into a temp folder, in a fresh process
  (CPU seconds, best of 3; target <= 1.5), and its five largest imports (`python -X importtime`).
- A warm `simulate(overrides)` against `simulate(ready config)` at 100 cadres x 12 months, in
  this process (best of 20 each; target: overrides cost <= 2x a ready config), since presets are
  composed once and plain overrides set on a copy (model/compose.py).

CPU time of a child is read from getrusage(RUSAGE_CHILDREN), user + system: it does not count
waiting for a CPU, so it moves less with the machine's load than wall time. Load average is
printed at start and end.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

IMPORT_TARGET = 0.7  # CPU-s
TINY_TARGET = 1.5  # CPU-s
COMPOSE_TARGET = 2.0  # simulate(overrides) / simulate(ready config)
TINY = ["population.size=100", "steps=12"]
CLI = "import sys; from cadresim.cli import main; sys.exit(main(sys.argv[1:]))"


def child_cpu(args: list[str]) -> float:
    """User + system CPU seconds of one child process running `args` (which must succeed)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(args, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def tiny_run_cpu(folder: Path, k: int) -> float:
    return child_cpu([sys.executable, "-c", CLI, *TINY, f"output_dir={folder / f'run{k}'}"])


def largest_imports(folder: Path, top: int = 5) -> list[tuple[str, float]]:
    """The `top` largest top-level imports of a tiny CLI run (cumulative ms, -X importtime)."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", CLI, *TINY, f"output_dir={folder / 'imp'}"],
        check=True,
        capture_output=True,
        text=True,
    )
    rows = []
    for line in out.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\s*)(\S+)", line)
        if m and len(m.group(2)) == 0:  # a module imported by the program itself
            rows.append((m.group(3), int(m.group(1)) / 1000))
    return sorted(rows, key=lambda r: -r[1])[:top]


def compose_ratio(repeats: int = 20) -> tuple[float, float]:
    """Best warm seconds of simulate(overrides) and of simulate(ready config), 100 x 12."""
    from cadresim import load_config, simulate  # noqa: PLC0415

    ready = load_config(TINY)
    simulate(TINY)  # warm: imports, the compose cache
    simulate(ready)
    with_overrides, with_ready = float("inf"), float("inf")
    for k in range(repeats):
        overrides = [*TINY, f"seed={k}"]
        t0 = time.perf_counter()
        simulate(overrides)
        with_overrides = min(with_overrides, time.perf_counter() - t0)
        cfg = load_config(overrides)
        t0 = time.perf_counter()
        simulate(cfg)
        with_ready = min(with_ready, time.perf_counter() - t0)
    return with_overrides, with_ready


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def main() -> int:
    print("load average at start (1, 5, 15 min):", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    imports = min(child_cpu([sys.executable, "-c", "import cadresim"]) for _ in range(5))
    print(
        f"import cadresim, fresh process: {imports:.2f} CPU-s (best of 5; "
        f"target <= {IMPORT_TARGET}: {verdict(imports <= IMPORT_TARGET)})"
    )
    with tempfile.TemporaryDirectory(prefix="cadresim-startup-") as tmp:
        folder = Path(tmp)
        tiny = min(tiny_run_cpu(folder, k) for k in range(3))
        print(
            f"cadresim {' '.join(TINY)}, fresh process: {tiny:.2f} CPU-s (best of 3; "
            f"target <= {TINY_TARGET}: {verdict(tiny <= TINY_TARGET)})"
        )
        print(
            "  largest imports (cumulative ms, -X importtime): "
            + ", ".join(f"{name} {ms:.0f}" for name, ms in largest_imports(folder))
        )
    with_overrides, with_ready = compose_ratio()
    rel = with_overrides / with_ready
    print(
        f"warm simulate(overrides) {with_overrides * 1e3:.1f} ms, simulate(ready config) "
        f"{with_ready * 1e3:.1f} ms, 100 x 12: {rel:.2f}x (target <= {COMPOSE_TARGET}x: "
        f"{verdict(rel <= COMPOSE_TARGET)})"
    )
    print("load average at end (1, 5, 15 min):", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
