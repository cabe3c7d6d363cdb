"""What a user types never reaches outside the folders they named, and output is checked first.

- `check_overrides`: command-line overrides may not use OmegaConf resolvers (`${oc.env:HOME}`,
  `${oc.decode:...}`): they read the environment or build values outside the config. The
  project's own YAML uses only Hydra's `${now:...}` and plain `${key}` interpolations.
- `check_names`: free-text names that become parts of paths (policy, population, network and
  experiment names) may not hold a path separator, `..` or start with `/`; `slug` turns a name
  into a safe folder-name part.
- `check_output`: a results folder is a folder (or can be created), writable, and its disk has
  roughly the room the results need, before the first step runs.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import tempfile
from pathlib import Path

from cadresim.model.config import CadreConfig, ConfigError

RESOLVER = re.compile(r"\$\{\s*oc\s*\.")
NAME_KEYS = ("policy.name", "population.name", "network.name", "experiment.name")
MIB = 1024 * 1024


def check_overrides(argv: list[str]) -> None:
    """Refuse an override that calls an OmegaConf resolver (oc.env, oc.decode, ...); give one
    line, not Python's or Hydra's text, for a number too long for Python to read and for an
    unquoted value Hydra's lexer cannot read (Chinese text, or a value the shell split at a
    space)."""
    for i, arg in enumerate(argv):
        if RESOLVER.search(arg):
            key = arg.split("=", 1)[0].lstrip("+~") if "=" in arg else arg
            raise ConfigError(
                f"{key}: the override {arg!r} uses an OmegaConf resolver (${{oc.…}}), which "
                "reads values from outside the config; give the value itself"
            )
        if arg.startswith("-") or (i and argv[i - 1].startswith("-") and "=" not in arg):
            continue  # a flag, or a flag's argument (--cfg job): Hydra's to read
        _check_digits(arg)
        _check_lexable(arg, argv[i - 1] if i else None, argv[i + 1 : i + 2])


LONG_NUMBER = re.compile(r"\d{4000,}")  # Python refuses to read an int of over 4300 digits


def _check_digits(arg: str) -> None:
    match = LONG_NUMBER.search(arg)
    if not match or "=" not in arg:
        return
    from cadresim.model.config import _field_at, _range_text  # noqa: PLC0415

    key = arg.split("=", 1)[0].lstrip("+~")
    found = _field_at(key)
    lo, hi = found[1].metadata.get("range", (None, None)) if found and found[1] else (None, None)
    allowed = f"; allowed {_range_text(lo, hi)}" if lo is not None or hi is not None else ""
    raise ConfigError(
        f"{key} = <a number of {len(match.group()):,} digits> is out of range{allowed}"
    )


def _check_lexable(arg: str, before: str | None, after: list[str]) -> None:
    """Hydra's lexer reads unquoted values of ASCII letters, digits and a few signs only."""
    from hydra.core.override_parser.overrides_parser import OverridesParser  # noqa: PLC0415
    from hydra.errors import OverrideParseException  # noqa: PLC0415

    try:
        OverridesParser.create().parse_overrides([arg])
    except OverrideParseException as exc:
        text = str(exc)
    else:
        return
    if "=" in arg and "LexerNoViableAltException" in text:
        key, value = arg.split("=", 1)
        if after and "=" not in after[0] and not after[0].startswith("-"):
            value = f"{value} {after[0]}"  # the shell split the value at a space
        raise ConfigError(
            f"{key}: cannot read the override {arg!r}: a value with spaces, Chinese or other "
            f"non-ASCII text must be quoted, e.g. \"{key}='{value}'\" (the double quotes are "
            "for the shell, the single ones for cadresim)"
        )
    if "=" not in arg and before and "=" in before and not before.startswith("-"):
        key, value = before.split("=", 1)
        raise ConfigError(
            f"{key}: cannot read {arg!r}, which is not key=value; if it is the rest of the "
            f"value of {key} (the shell splits at spaces), quote the whole value, e.g. "
            f"\"{key}='{value} {arg}'\""
        )


def check_name(key: str, name: object) -> None:
    """Refuse a name that would act as a path: a separator, '..', a leading '/', a NUL."""
    text = str(name)
    seps = {"/", "\\", os.sep} | ({os.altsep} if os.altsep else set())
    if not text.strip() or any(s in text for s in seps) or text.startswith(".") or "\0" in text:
        raise ConfigError(
            f"{key} = {text!r} is not a valid name: a name is not a path (no '/', '\\', "
            "'..' or leading '.'); use letters, digits, '-' and '_'"
        )


def check_names(cfg: CadreConfig) -> None:
    for key in NAME_KEYS:
        section, field = key.split(".")
        check_name(key, getattr(getattr(cfg, section), field))


def slug(name: str) -> str:
    """A folder-name part: letters (any script), digits, '-', '_' and '.'; other runs -> '_'."""
    text = re.sub(r"[^\w.-]+", "_", str(name)).strip("._")
    return text[:80] or "run"


def check_output(folder: Path, key: str, need_bytes: int = 0) -> None:
    """Raise ConfigError unless `folder` is a folder, or can be created, that this process can
    write into and whose disk has about `need_bytes` free. Creates nothing."""
    folder = Path(folder)
    shown = f"{key} = {str(folder)!r}"
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{shown} is a file, not a folder; choose a folder")
    existing = folder
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        raise ConfigError(f"{shown} cannot be created: {str(existing)!r} is a file, not a folder")
    try:
        fd, probe = tempfile.mkstemp(dir=existing, prefix=".cadresim-probe.")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ConfigError(f"{shown} is not writable: {exc.strerror or exc}") from None
    if need_bytes:
        free = shutil.disk_usage(existing).free
        if free < need_bytes:
            raise ConfigError(
                f"{shown}: the results need about {_mib(need_bytes)} and its disk has "
                f"{_mib(free)} free; free some space or choose another {key}"
            )


def _mib(n: int) -> str:
    return f"{n / MIB:,.0f} MiB" if n >= MIB else f"{n / 1024:,.0f} KiB"


# Parquet bytes per stored step of one run (about 600 B measured at 1,000 cadres: the step table
# has one row per step x group whatever the population size), doubled for safety, plus a run's
# summary rows; a single run also writes summary.json with its full config.
STEP_BYTES = 1200
RUN_BYTES = 8192


def results_bytes(steps: int, runs: int = 1, save_steps: bool = True) -> int:
    """A rough upper estimate of the bytes a run or an experiment writes."""
    per_run = RUN_BYTES + ((steps + 1) * STEP_BYTES if save_steps else 0)
    return runs * per_run + MIB


# ------------------------------------------------------------------ hard limits from the machine
#
# Measured peaks (RSS) of one run: about 180 MiB of interpreter and libraries, 0.95 KiB per
# cadre on a hierarchy (1.4 KiB on networkx-built small_world/scale_free networks), about
# 14 KiB per stored step (the step table has one row per step x group whatever the size); a
# planned run of an experiment holds about 2 KiB (its spec, the manifest's list and the
# fingerprint's JSON) and its rows in runs.parquet, read whole at the end, a few more. The
# constants below double those, and the cap is half of the machine's memory, so a run that
# passes leaves room for the rest of the machine.
LIMIT_KEY = "experiment.allow_large"
BASE_BYTES = 256 * MIB
CADRE_BYTES = {"small_world": 3 * 1024, "scale_free": 3 * 1024}
CADRE_BYTES_DEFAULT = 2 * 1024
STEP_KEEP_BYTES = 32 * 1024
RUN_PLAN_BYTES = 8 * 1024
COMPARE_KINDS = ("compare_regimes", "lever_by_type")


@functools.cache
def machine_memory() -> int:
    """Bytes of memory this process may use: the physical memory, or a lower cgroup limit (a
    container, a SLURM job)."""
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        total = 0
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(path).read_text().strip()
        except OSError:
            continue
        if text.isdigit() and 0 < int(text) < (total or int(text) + 1):
            total = int(text)
    return total or 8 * 1024 * MIB  # unknown: assume a modest 8 GiB machine


def memory_cap() -> int:
    return machine_memory() // 2


def _gib(n: int) -> str:
    return f"{n / (1024 * MIB):,.1f} GiB" if n >= 1024 * MIB else _mib(n)


def run_memory(cfg: CadreConfig) -> tuple[int, int, int]:
    """(bytes, of which for the cadres, of which for the stored steps) of one run at its peak."""
    cadres = cfg.population.size * CADRE_BYTES.get(cfg.network.kind, CADRE_BYTES_DEFAULT)
    steps = (cfg.steps + 1) * STEP_KEEP_BYTES
    return BASE_BYTES + cadres + steps, cadres, steps


def planned_runs(cfg: CadreConfig) -> tuple[int, str, str]:
    """(runs, the key that sets their number, a description) of the experiment `cfg` names,
    counted before anything is planned (in Python integers: a grid can be astronomically
    large). A sweep whose space cannot be read yet counts as one run: planning reports it."""
    exp = cfg.experiment
    if exp.name in COMPARE_KINDS:
        n = len(dict.fromkeys(exp.regimes))
        return n * exp.replications, "experiment.replications", f"{n} regimes x "
    if exp.name == "crackdown":
        return 2 * exp.replications, "experiment.replications", "2 arms x "
    if exp.name == "sweep":
        from cadresim.experiments.designs import expected_points  # noqa: PLC0415 (cycle)
        from cadresim.experiments.space import parse_space  # noqa: PLC0415

        try:
            points = expected_points(cfg.sweep, parse_space(cfg))
        except ConfigError:
            return 1, "sweep.points", ""
        key = "sweep.levels" if cfg.sweep.design == "grid" else "sweep.points"
        return points * cfg.sweep.replications, key, f"{points:,} design points x "
    return 1, "population.size", ""


def check_limits(cfg: CadreConfig) -> None:
    """Refuse, before any work, a run or an experiment whose memory estimate exceeds half of
    this machine's memory (cadres and stored steps of each run, times the runs that are in
    memory at once, plus the planned runs' specs and result rows), unless
    experiment.allow_large=true. The message names the key to lower, the estimate and the flag."""
    if cfg.experiment.allow_large:
        return
    cap = memory_cap()
    one, cadres, steps = run_memory(cfg)
    runs, runs_key, what = planned_runs(cfg)
    exp = cfg.experiment
    parallel = 1
    pool = runs > 1 and (
        exp.executor == "processes" or (exp.executor == "ray" and not exp.ray_address)
    )
    if pool:
        try:
            cores = len(os.sched_getaffinity(0))
        except AttributeError:  # not Linux
            cores = os.cpu_count() or 1
        parallel = min(runs, min(exp.workers, cores) if exp.workers else cores)
    plan = runs * RUN_PLAN_BYTES
    need = parallel * one + plan + (BASE_BYTES if pool else 0)  # a pool's driver: one more
    if need <= cap:
        return
    at_once = f" x {parallel} runs at once" if parallel > 1 else ""
    if plan >= parallel * (cadres + steps):
        value = cfg.sweep.levels if runs_key == "sweep.levels" else None
        value = value or (cfg.sweep.points if runs_key == "sweep.points" else exp.replications)
        told = f"{runs_key} = {value}: {what}{_replications(cfg)} = {runs:,} runs"
        lower = runs_key
    elif cadres >= steps:
        told = f"population.size = {cfg.population.size}: runs of {cfg.population.size:,} cadres"
        told += at_once
        lower = "population.size"
    else:
        told = f"steps = {cfg.steps}: runs of {cfg.steps:,} stored steps{at_once}"
        lower = "steps"
    raise ConfigError(
        f"{told} need about {_gib(need)} of memory, more than the {_gib(cap)} allowed on this "
        f"machine (half of its {_gib(machine_memory())}); lower {lower}, or set "
        f"{LIMIT_KEY}=true to run it anyway"
    )


def _replications(cfg: CadreConfig) -> str:
    exp = cfg.experiment
    reps = cfg.sweep.replications if exp.name == "sweep" else exp.replications
    return f"{reps} replications"
