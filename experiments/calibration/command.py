"""`cadresim calibrate [overrides]` (the same as `cadresim experiment=calibrate [overrides]`).

Exit codes: 0 done (or already complete), 2 bad input (one line, nothing written), 1 a write
failed or a worker died on every try, 130 interrupted (the stored generations are kept; the
same command resumes).
"""

from __future__ import annotations

import sys

from omegaconf import DictConfig

from cadresim import cli
from cadresim.model.config import CadreConfig


def calibrate_command(cfg: CadreConfig, dcfg: DictConfig) -> int:
    from .fit import run_calibration  # noqa: PLC0415 (pyabc is slow to import)
    from .sampler import WorkerLost  # noqa: PLC0415
    from .summary import format_result  # noqa: PLC0415

    try:
        result = run_calibration(cfg, echo=lambda line: print(line, flush=True))
    except WorkerLost as exc:  # one line, not a traceback; the stored generations are kept
        print(f"cadresim: {exc}", file=sys.stderr)
        return 1
    print(format_result(result))
    if cfg.experiment.report:
        from .report import write_calibration_report  # noqa: PLC0415

        print(f"report:  {write_calibration_report(result.folder, lang=cfg.experiment.lang)}")
    return 0


def calibrate_main(argv: list[str]) -> int:
    """`cadresim calibrate ...`: the calibrate experiment with these overrides."""
    return cli.main(["experiment=calibrate", *argv])


def _dry_run_plan(cfg: CadreConfig, overrides: list[str]) -> tuple[int, CadreConfig]:
    """(run count, a first run's config) for `experiment.dry_run=true`: at most
    max_simulations runs of the fit, then the posterior predictive runs."""
    c = cfg.calibrate
    return c.max_simulations + c.predictive, cfg


cli.EXPERIMENTS["calibrate"] = calibrate_command
cli.EXPERIMENT_PLANS["calibrate"] = _dry_run_plan
cli.SUBCOMMANDS["calibrate"] = calibrate_main
