"""The `cadresim` command: Hydra composes the config; `run` validates it and does the job.

    cadresim                                    # default scenario, prints a summary by type
    cadresim policy=three_mechanisms policy.tolerance.coverage=0.8 population.size=5000 seed=3
    cadresim -m policy=baseline,tolerance_only seed='range(3)'     # Hydra multirun

Bad input (an out-of-range value, an unknown key or preset, a malformed network file, a name
that is a path, an `${oc.env:...}` override, an output folder that is a file, not writable or
holds another run's results) prints one message and exits with code 2, before anything is
written; a multirun's jobs are all checked before the first starts (cadresim.multirun). A
write that fails (a full disk) prints one line and exits with code 1; nothing is replaced.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import hydra
from omegaconf import DictConfig

from cadresim.model.compose import CONFIG_MODULE
from cadresim.model.config import CadreConfig, ConfigError, load_config, to_config
from cadresim.model.report import print_run
from cadresim.model.simulate import config_hash, simulate
from cadresim.multirun import check_jobs
from cadresim.safety import check_names, check_output, check_overrides, results_bytes, slug

EXIT_WRITE_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it
# Subcommands other than a run (`cadresim NAME ...`), registered by the modules that own them.
SUBCOMMANDS: dict[str, Callable[[list[str]], int]] = {}
# Experiment kinds other than a single run (`cadresim experiment=NAME`).
EXPERIMENTS: dict[str, Callable[[CadreConfig, DictConfig], int]] = {}

_task_started = False


def fail(message: str) -> None:
    print(f"cadresim: error: {message}", file=sys.stderr)
    raise SystemExit(EXIT_BAD_INPUT)


def write_failed(where: Path, exc: OSError, hint: str) -> None:
    print(
        f"cadresim: error: cannot write to {where}: {exc.strerror or exc}; {hint}", file=sys.stderr
    )
    raise SystemExit(EXIT_WRITE_FAILED)


def run_dir(cfg: CadreConfig) -> Path:
    if cfg.output_dir:
        return Path(cfg.output_dir)
    return Path("results") / "runs" / f"{slug(cfg.policy.name)}-seed{cfg.seed}-{config_hash(cfg)}"


def check_run_output(out: Path, cfg: CadreConfig) -> None:
    """Before a single run: the folder can hold its results, and does not hold another run's
    (unless overwrite=true). The identical run again is allowed: it writes the same results."""
    check_output(out, "output_dir", results_bytes(cfg.steps))
    if cfg.overwrite or not out.is_dir():
        return
    if (out / "manifest.json").exists():
        raise ConfigError(
            f"output_dir = {str(out)!r} holds an experiment's results (manifest.json); choose "
            "another output_dir"
        )
    summary, steps = out / "summary.json", out / "steps.parquet"
    if not summary.exists() and not steps.exists():
        return
    try:
        old = json.loads(summary.read_text(encoding="utf-8"))
        old_run = _run_identity(old["config"])
    except (OSError, ValueError, TypeError, KeyError):
        old, old_run = {}, None
    if old_run == _run_identity(json.loads(json.dumps(asdict(cfg), default=str))):
        return
    what = (
        f"policy {old.get('policy')}, seed {old.get('seed')}, config {old.get('config_hash')}"
        if old_run is not None
        else "unreadable summary.json"
    )
    raise ConfigError(
        f"output_dir = {str(out)!r} holds the results of another run ({what}); choose another "
        "output_dir, or set overwrite=true to replace them"
    )


# Keys of a single run's config that say how to run or where to write, not what runs.
NOT_THE_RUN = ("output_dir", "write", "overwrite", "experiment", "sweep", "calibrate")


def _run_identity(config: dict) -> dict:
    """What makes two single runs the same run (and so the same results)."""
    return {k: v for k, v in config.items() if k not in NOT_THE_RUN}


@hydra.main(config_path=f"pkg://{CONFIG_MODULE}", config_name="config", version_base=None)
def _hydra_run(dcfg: DictConfig) -> None:
    global _task_started
    _task_started = True
    try:
        cfg = to_config(dcfg)
        check_names(cfg)
        kind = cfg.experiment.name
        if kind != "single":
            if kind not in EXPERIMENTS:
                fail(
                    f"experiment = {kind!r} has no runner; known: single, {', '.join(EXPERIMENTS)}"
                )
            try:
                code = EXPERIMENTS[kind](cfg, dcfg)
            except OSError as exc:
                where = Path(exc.filename) if exc.filename else Path("the results folder")
                write_failed(
                    where, exc, "the finished runs are kept: run the same command again to finish"
                )
            if code:
                raise SystemExit(code)
            return
        if cfg.experiment.posterior:  # the draw an experiment's run with this seed takes
            from cadresim.experiments.calibration.posterior import apply_posterior  # noqa: PLC0415

            apply_posterior(cfg)
        out = run_dir(cfg)
        if cfg.write:
            check_run_output(out, cfg)
        result = simulate(cfg)
    except ConfigError as exc:
        fail(str(exc))
    try:
        paths = result.write(out) if cfg.write else None
    except OSError as exc:
        write_failed(out, exc, "results already in that folder were not replaced")
    try:
        print_run(result, paths)
        if paths and cfg.experiment.report:
            from cadresim.experiments.report_command import report_after_run  # noqa: PLC0415

            print(f"report:     {report_after_run(out, cfg)}")
    except BrokenPipeError:  # output piped into `head` and closed: not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115


def main(argv: list[str] | None = None) -> int:
    """Console entry point."""
    argv = sys.argv[1:] if argv is None else argv
    _load_plugins()
    if argv and argv[0] in SUBCOMMANDS:
        return SUBCOMMANDS[argv[0]](argv[1:])
    try:
        check_overrides(argv)  # no ${oc.env:...}: nothing typed reaches outside the config
    except ConfigError as exc:
        fail(str(exc))
    _check_overrides(argv)  # a single run's config
    try:
        check_jobs(argv)  # a multirun's jobs, all before the first runs
    except ConfigError as exc:
        fail(str(exc))
    sys.argv = [sys.argv[0], *argv]
    try:
        _hydra_run()
    except SystemExit as exc:
        # Hydra exits 1 on a config it cannot compose (unknown key or preset): that is bad input.
        if exc.code == 1 and not _task_started:
            raise SystemExit(EXIT_BAD_INPUT) from None
        raise
    except KeyboardInterrupt:
        print(
            "cadresim: interrupted; finished results are kept (an experiment resumes from them: "
            "run the same command again)",
            file=sys.stderr,
        )
        raise SystemExit(EXIT_INTERRUPTED) from None
    return 0


def _check_overrides(argv: list[str]) -> None:
    """Compose and validate a single run's overrides before Hydra starts, so bad input gets one
    `cadresim: error:` line instead of Hydra's multi-line report (and nothing is written).

    Invocations with flags are left to Hydra (--help, --cfg, --info print, not run) or to
    `check_jobs` (-m/--multirun: its sweep values cannot be composed as one config)."""
    if any(arg.startswith("-") for arg in argv):
        return
    try:
        check_names(load_config(argv))
    except ConfigError as exc:
        fail(str(exc))


def _load_plugins() -> None:
    """Import the modules that register subcommands and experiment kinds, if present."""
    import importlib  # noqa: PLC0415

    for name in (
        "cadresim.experiments.commands",  # experiment kinds (compare_regimes, sweep, ...)
        "cadresim.experiments.report_command",  # `cadresim report <folder>`
        "cadresim.experiments.validation.command",  # `cadresim validate`
        "cadresim.experiments.calibration.command",  # `cadresim calibrate`, experiment=calibrate
        "cadresim.dashboard.command",  # `cadresim dashboard`
    ):
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if not exc.name or not name.startswith(exc.name):
                raise


if __name__ == "__main__":
    # `python -m cadresim.cli` loads this file as __main__, a second copy of the module; run the
    # imported module's main so plugins register into the registries it reads.
    from cadresim.cli import main as _main

    sys.exit(_main())
