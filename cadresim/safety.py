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
    """Refuse an override that calls an OmegaConf resolver (oc.env, oc.decode, ...)."""
    for arg in argv:
        if RESOLVER.search(arg):
            key = arg.split("=", 1)[0].lstrip("+~") if "=" in arg else arg
            raise ConfigError(
                f"{key}: the override {arg!r} uses an OmegaConf resolver (${{oc.…}}), which "
                "reads values from outside the config; give the value itself"
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
