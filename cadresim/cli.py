"""The `cadresim` command: compose the config once, validate it, and do the job.

    cadresim                                    # default scenario, prints a summary by type
    cadresim policy=three_mechanisms policy.tolerance.coverage=0.8 population.size=5000 seed=3
    cadresim -m policy=baseline,tolerance_only seed='range(3)'     # multirun, one combined table
    cadresim --help | knobs [GROUP] | help KEY | report | validate | dashboard | --version

A single run and a multirun of single runs compose each job's config once (model.compose) and
run it here; experiment kinds go through Hydra, which their commands read the overrides from.
Experiment kinds, subcommands and their heavy imports (scipy.stats, reports, Dash) load only
when the command line names them: add a kind or a command with one line in EXPERIMENT_MODULES
or SUBCOMMAND_MODULES, and let that module register its function in EXPERIMENTS/SUBCOMMANDS.

Bad input (an out-of-range value, an unknown key or preset, a malformed network file, a name
that is a path, an `${oc.env:...}` override, an output folder that is a file, not writable or
holds another run's results) prints one message and exits with code 2, before anything is
written; a multirun's jobs are all checked before the first starts (cadresim.multirun). A
write that fails (a full disk) prints one line and exits with code 1; nothing is replaced.
Ctrl+C prints how many runs are saved and exits 130; the same command resumes.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cadresim.applies import check_replications
from cadresim.model.config import CadreConfig, ConfigError, load_config
from cadresim.multirun import HYDRA_KEYS, check_jobs, multirun_jobs
from cadresim.safety import check_names, check_output, check_overrides, results_bytes, slug

if TYPE_CHECKING:
    from omegaconf import DictConfig

EXIT_WRITE_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it

# `cadresim NAME ...`: the module that registers NAME in SUBCOMMANDS, and a line for --help.
SUBCOMMAND_MODULES: dict[str, tuple[str, str]] = {
    "knobs": ("cadresim.help", "list knobs with default, allowed values and meaning"),
    "help": ("cadresim.help", "one knob: meaning, default, allowed values, presets"),
    "report": ("cadresim.experiments.report_command", "write the HTML report of a results folder"),
    "validate": (
        "cadresim.experiments.validation.command",
        "check the model against the literature",
    ),
    "dashboard": ("cadresim.dashboard.command", "start the training dashboard (Dash)"),
    "export": ("cadresim.experiments.export", "write a results folder's tables as CSV or Excel"),
    "optimise": (
        "cadresim.experiments.optimise",
        "search lever packages (NSGA-II, robust); `optimise evaluate FOLDER N` re-runs one",
    ),
    "calibrate": (
        "cadresim.experiments.calibration.command",
        "fit knobs to a locality's figures (ABC-SMC)",
    ),
    "discover": ("cadresim.experiments.discover", "PRIM: where a sweep's policy fails"),
}
# `cadresim experiment=NAME`: the module that registers NAME in EXPERIMENTS (and EXPERIMENT_PLANS).
EXPERIMENT_MODULES: dict[str, str] = {
    "compare_regimes": "cadresim.experiments.commands",
    "sweep": "cadresim.experiments.commands",
    "lever_by_type": "cadresim.experiments.commands",
    "crackdown": "cadresim.experiments.commands",
    "optimise": "cadresim.experiments.optimise",
    "calibrate": "cadresim.experiments.calibration.command",
}
SUBCOMMANDS: dict[str, Callable[[list[str]], int]] = {}
EXPERIMENTS: dict[str, Callable[[CadreConfig, DictConfig], int]] = {}
# kind -> (config, overrides) -> (run count, first run's config): what experiment.dry_run uses
EXPERIMENT_PLANS: dict[str, Callable[[CadreConfig, list[str]], tuple[int, CadreConfig]]] = {}
# results folders an interrupted experiment may be writing (its output_dir, if set)
_WATCH: list[Path] = []

_task_started = False


def fail(message: str) -> None:
    print(f"cadresim: error: {message}", file=sys.stderr)
    raise SystemExit(EXIT_BAD_INPUT)


def write_failed(where: Path, exc: OSError, hint: str) -> None:
    print(
        f"cadresim: error: cannot write to {where}: {exc.strerror or exc}; {hint}", file=sys.stderr
    )
    raise SystemExit(EXIT_WRITE_FAILED)


def subcommand(name: str) -> Callable[[list[str]], int]:
    """The function of `cadresim NAME`, importing the module that registers it."""
    if name not in SUBCOMMANDS:
        importlib.import_module(SUBCOMMAND_MODULES[name][0])
    return SUBCOMMANDS[name]


def experiment_runner(kind: str) -> Callable[[CadreConfig, DictConfig], int]:
    """The runner of `experiment=KIND`, importing its module; bad input if there is none."""
    if kind not in EXPERIMENTS and kind in EXPERIMENT_MODULES:
        importlib.import_module(EXPERIMENT_MODULES[kind])
    if kind not in EXPERIMENTS:
        known = ", ".join(["single", *dict.fromkeys([*EXPERIMENT_MODULES, *EXPERIMENTS])])
        fail(f"experiment = {kind!r} has no runner; known: {known}")
    return EXPERIMENTS[kind]


def run_dir(cfg: CadreConfig) -> Path:
    if cfg.output_dir:
        return Path(cfg.output_dir)
    from cadresim.model.simulate import config_hash  # noqa: PLC0415

    return Path("results") / "runs" / f"{slug(cfg.policy.name)}-seed{cfg.seed}-{config_hash(cfg)}"


def _saved_run(cfg: CadreConfig) -> Any:
    """The SimulationResult of this very run if its folder already holds it whole (a multirun
    rerun after Ctrl+C), else None: with overwrite=true, another run's results, or anything
    unreadable, the run runs (and check_run_output decides what it may replace)."""
    out = run_dir(cfg)
    if not cfg.write or cfg.overwrite or not (out / "summary.json").is_file():
        return None
    from cadresim.model.simulate import SimulationResult  # noqa: PLC0415

    try:
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        if _run_identity(summary["config"]) != _cfg_identity(cfg):
            return None
        import pandas as pd  # noqa: PLC0415

        steps = pd.read_parquet(out / "steps.parquet")
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return SimulationResult(cfg, steps, summary)


def check_run_output(out: Path, cfg: CadreConfig) -> None:
    """Before a single run: the folder can hold its results, and does not hold another run's
    (unless overwrite=true). The identical run again is allowed: it writes the same results."""
    check_output(out, "output_dir", results_bytes(cfg.steps))
    if cfg.overwrite or not out.is_dir():
        return
    for record, what in (("manifest.json", "an experiment's"), ("discover.json", "a discovery's")):
        if (out / record).exists():
            raise ConfigError(
                f"output_dir = {str(out)!r} holds {what} results ({record}); choose another "
                "output_dir"
            )
    summary, steps = out / "summary.json", out / "steps.parquet"
    if not summary.exists() and not steps.exists():
        return
    try:
        old = json.loads(summary.read_text(encoding="utf-8"))
        old_run = _run_identity(old["config"])
    except (OSError, ValueError, TypeError, KeyError):
        old, old_run = {}, None
    if old_run == _cfg_identity(cfg):
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
NOT_THE_RUN = ("output_dir", "write", "overwrite", "experiment", "sweep", "optimise", "calibrate")


def _run_identity(config: dict) -> dict:
    """What makes two single runs the same run (and so the same results)."""
    return {k: v for k, v in config.items() if k not in NOT_THE_RUN}


def _cfg_identity(cfg: CadreConfig) -> dict:
    """`_run_identity` of a config, as its summary.json would hold it."""
    return _run_identity(json.loads(json.dumps(asdict(cfg), default=str)))


def run_single(cfg: CadreConfig) -> Any:
    """One run: check its folder, simulate, write, print; returns the SimulationResult."""
    from cadresim.model.report import print_run  # noqa: PLC0415
    from cadresim.model.simulate import simulate  # noqa: PLC0415

    if cfg.experiment.posterior:  # the draw an experiment's run with this seed takes
        from cadresim.experiments.calibration.posterior import apply_posterior  # noqa: PLC0415

        try:
            apply_posterior(cfg)
        except ConfigError as exc:
            fail(str(exc))
    out = run_dir(cfg)
    try:
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
    return result


def _hydra_task(dcfg: DictConfig) -> None:
    """The Hydra task (experiment kinds, and whatever Hydra's flags ask for)."""
    global _task_started
    _task_started = True
    from hydra.core.hydra_config import HydraConfig  # noqa: PLC0415

    try:  # the job's overrides hit the compose cache: not a second full compose
        cfg = load_config(list(HydraConfig.get().overrides.task))
        check_names(cfg)
    except ConfigError as exc:
        fail(str(exc))
    kind = cfg.experiment.name
    if kind == "single":
        run_single(cfg)
        return
    runner = experiment_runner(kind)
    try:
        code = runner(cfg, dcfg)
    except ConfigError as exc:
        fail(str(exc))
    except OSError as exc:
        where = Path(exc.filename) if exc.filename else Path("the results folder")
        write_failed(where, exc, "the finished runs are kept: run the same command again to finish")
    if code:
        raise SystemExit(code)


def _run_hydra(argv: list[str]) -> int:
    """Hand the command line to Hydra (experiment kinds, --cfg, --info, other sweepers)."""
    import hydra  # noqa: PLC0415

    from cadresim.model.compose import CONFIG_MODULE  # noqa: PLC0415

    task = hydra.main(config_path=f"pkg://{CONFIG_MODULE}", config_name="config", version_base=None)
    sys.argv = [sys.argv[0], *argv]
    before = _multirun_dirs() if Path("results").is_dir() else None
    try:
        task(_hydra_task)()
    except SystemExit as exc:
        # Hydra exits 1 on a config it cannot compose (unknown key or preset): that is bad input.
        if exc.code == 1 and not _task_started:
            raise SystemExit(EXIT_BAD_INPUT) from None
        raise
    finally:
        _remove_empty_multirun_dirs(before)
    return 0


class _ClosedPipeSafe:
    """stdout that outlives its reader: `cadresim ... | head` closes the pipe after a few lines,
    and the next print would raise BrokenPipeError (an OSError) in the middle of the job, which
    then stopped before its report with 'cannot write to the results folder'. Output after the
    reader left goes to /dev/null instead, and the job finishes."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._to_devnull()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._to_devnull()

    def _to_devnull(self) -> None:
        """Point the stream's descriptor at /dev/null, so what it still buffers (flushed here
        or at exit) goes nowhere instead of raising again."""
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):  # no descriptor (a test's capture)
            self._stream = open(os.devnull, "w")  # noqa: SIM115

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def main(argv: list[str] | None = None) -> int:
    """Console entry point."""
    stdout = sys.stdout
    sys.stdout = _ClosedPipeSafe(stdout)
    try:
        return _main(argv)
    finally:
        if isinstance(sys.stdout, _ClosedPipeSafe):
            sys.stdout.flush()
            sys.stdout = stdout


def _main(argv: list[str] | None) -> int:
    global _task_started
    _task_started = False
    _PROGRESS[:] = [0, 0]
    _WATCH.clear()
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in SUBCOMMAND_MODULES:  # its own --help
        return subcommand(argv[0])(argv[1:])
    if "--help" in argv or "-h" in argv:
        from cadresim.help import main_help  # noqa: PLC0415

        print(main_help())
        return 0
    if "--version" in argv or "-V" in argv:
        from cadresim import __version__  # noqa: PLC0415

        print(f"cadresim {__version__}")
        return 0
    started = time.time()
    try:
        return _dispatch(argv)
    except KeyboardInterrupt:
        from cadresim.interrupt import interrupted_line  # noqa: PLC0415

        print(interrupted_line(started, _PROGRESS, tuple(_WATCH)), file=sys.stderr)
        raise SystemExit(EXIT_INTERRUPTED) from None


# (runs saved, runs planned) of the runs this process executes itself (multirun, single run)
_PROGRESS: list[int] = [0, 0]


def _dispatch(argv: list[str]) -> int:
    try:
        check_overrides(argv)  # no ${oc.env:...}: nothing typed reaches outside the config
    except ConfigError as exc:
        fail(str(exc))
    if not any(arg.startswith("-") for arg in argv):
        try:
            cfg = load_config(argv)
            check_names(cfg)
            check_replications(argv, cfg)
        except ConfigError as exc:
            fail(str(exc))
        if cfg.experiment.dry_run:
            from cadresim.dry_run import dry_run  # noqa: PLC0415

            return dry_run([(argv, cfg)])
        if cfg.experiment.name == "single":
            _PROGRESS[:] = [0, 1]
            run_single(cfg)
            _PROGRESS[0] = 1 if cfg.write else 0
            return 0
        experiment_runner(cfg.experiment.name)  # an unknown kind: bad input before Hydra starts
        _WATCH[:] = [Path(d) for d in (cfg.experiment.output_dir, cfg.output_dir) if d][:1]
        return _run_hydra(argv)
    jobs = multirun_jobs(argv)
    if jobs and not any(o.lstrip("+~").startswith(HYDRA_KEYS) for o in jobs[0]):
        try:
            configs = check_jobs(argv)  # every job composed once and checked before the first
        except ConfigError as exc:
            fail(str(exc))
        if any(cfg.experiment.dry_run for cfg in configs):
            from cadresim.dry_run import dry_run  # noqa: PLC0415

            return dry_run(list(zip(jobs, configs, strict=True)))
        if all(cfg.experiment.name == "single" for cfg in configs):
            return _run_jobs(jobs, configs)
        for cfg in configs:
            experiment_runner(cfg.experiment.name)
    return _run_hydra(argv)


def _run_jobs(jobs: list[list[str]], configs: list[CadreConfig]) -> int:
    """A multirun of single runs, here rather than through Hydra's launcher: each job's config
    is composed once (by check_jobs), no empty job folders are left, and one combined table
    ends the output."""
    from cadresim.model.report import print_combined  # noqa: PLC0415

    swept = [i for i in range(len(jobs[0])) if len({job[i] for job in jobs}) > 1]
    _PROGRESS[:] = [0, len(jobs)]
    results = []
    for num, (job, cfg) in enumerate(zip(jobs, configs, strict=True)):
        label = " ".join(job[i] for i in swept) or " ".join(job)
        print(f"[job {num} of {len(jobs)}] {label}")
        saved = _saved_run(cfg)
        if saved is not None:  # a rerun after Ctrl+C resumes: finished jobs are not run again
            print(f"already saved in {run_dir(cfg)} (the same run): not run again")
        results.append((label, saved or run_single(cfg)))
        _PROGRESS[0] += 1 if cfg.write else 0
        print()
    print_combined(results)
    return 0


def _multirun_dirs() -> set[Path]:
    root = Path("results") / "multirun"
    return set(root.iterdir()) if root.is_dir() else set()


def _remove_empty_multirun_dirs(before: set[Path] | None) -> None:
    """Hydra's launcher makes a sweep folder with one folder per job; the config writes nothing
    there (output_subdir null, results go to results/), so new empty ones are removed (and
    results/ itself if this command made it and left it empty). `before`: the sweep folders
    there before the command (None: no results/ folder)."""
    for sweep in _multirun_dirs() - (before or set()):
        record = sweep / "multirun.yaml"  # Hydra's note of the sweep: the folders say more
        if record.is_file() and not any(p != record for p in sweep.rglob("*") if p.is_file()):
            record.unlink()
        for path in sorted(sweep.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            if path.is_dir() and not any(path.iterdir()):
                path.rmdir()
        if sweep.is_dir() and not any(sweep.iterdir()):
            sweep.rmdir()
    for folder in (Path("results") / "multirun", Path("results")):
        made_now = before is None or (folder.name == "multirun" and not before)
        if made_now and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


if __name__ == "__main__":
    # `python -m cadresim.cli` loads this file as __main__, a second copy of the module; run the
    # imported module's main so plugins register into the registries it reads.
    from cadresim.cli import main as _main

    sys.exit(_main())
