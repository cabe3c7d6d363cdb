"""Check every job of a multirun (`cadresim -m key=a,b ...`) before the first one starts.

Hydra runs the jobs one after another and each validates only its own config, so bad input in
job k used to leave jobs 0..k-1 written and then exit 2. Here the default (basic) sweeper's own
expansion gives the job list and each job's config is composed and validated up front. A line
this cannot expand (another sweeper or config, a help flag, a sweep the basic sweeper refuses)
is left to Hydra, which reports it as before.
"""

from __future__ import annotations

import contextlib
import io

from cadresim.applies import check_replications
from cadresim.model.config import CadreConfig, ConfigError, load_config
from cadresim.safety import check_names

HYDRA_KEYS = ("hydra.", "hydra/")


def multirun_jobs(argv: list[str]) -> list[list[str]] | None:
    """The override lists of the jobs a basic-sweeper multirun would run; None otherwise."""
    try:  # Hydra's own parser and expansion (internal modules of the pinned hydra-core 1.3)
        from hydra._internal.core_plugins.basic_sweeper import BasicSweeper  # noqa: PLC0415
        from hydra._internal.utils import get_args_parser  # noqa: PLC0415
        from hydra.core.override_parser.overrides_parser import OverridesParser  # noqa: PLC0415
    except ImportError:
        return None
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            args = get_args_parser().parse_args(argv)
    except SystemExit:  # a malformed flag: Hydra says so
        return None
    # help, --cfg, --info, another config or a rerun: not a plain multirun of this config
    other = ("help", "hydra_help", "cfg", "info", "shell_completion", "experimental_rerun")
    other += ("config_path", "config_name", "config_dir")
    if not getattr(args, "multirun", False) or any(getattr(args, a, None) for a in other):
        return None
    if any(_key(o).startswith(("hydra/sweeper", "hydra.sweeper")) for o in args.overrides):
        return None
    try:
        parsed = OverridesParser.create().parse_overrides(args.overrides)
        batches = BasicSweeper.split_arguments(parsed, None)
    except Exception:  # Hydra reports what it cannot parse or sweep
        return None
    return batches[0]


def check_jobs(argv: list[str]) -> list[CadreConfig]:
    """Each job's validated config, in job order (none if this is not a basic multirun); raise
    ConfigError naming the first job whose config is invalid, and its values. The configs are
    what the jobs run, so each job is composed once."""
    jobs = multirun_jobs(argv)
    if not jobs:
        return []
    swept = [i for i in range(len(jobs[0])) if len({job[i] for job in jobs}) > 1]
    configs: list[CadreConfig] = []
    for num, job in enumerate(jobs):
        try:
            configs.append(load_config([o for o in job if not _key(o).startswith(HYDRA_KEYS)]))
            check_names(configs[-1])
            check_replications(job, configs[-1])
        except ConfigError as exc:
            values = " ".join(job[i] for i in swept)
            raise ConfigError(
                f"multirun job {num} of {len(jobs)} ({values}): {exc}; no job was run"
            ) from None
    return configs


def _key(override: str) -> str:
    return override.split("=", 1)[0].lstrip("+~")
