"""`posterior.yaml`: a calibration's posterior as other experiments use it.

``experiment.posterior=PATH`` makes every run of compare_regimes, lever_by_type, crackdown and
sweeps take the fitted knobs from one posterior draw: the draw is chosen with probability equal
to its weight by a generator seeded with the run's seed. Replicate r has the same seed in every
regime (common random numbers), so it has the same draw in every regime too, and the spread
over replicates, hence the intervals, includes the parameter uncertainty.

Only knobs that describe the cadres are applied (``behaviour.*`` and ``population.*``): a
policy or network knob fitted to a locality would otherwise overwrite the regimes compared.

The draws travel with the work: a batch (experiments/runs.py) carries the draws of its bases'
posterior files, read on the driver when the batch is made, and `run_batch` puts them in front
of the file (`posteriors_given`), so a worker on another node reads no file and takes the same
draw from the same numbers.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from cadresim.model.config import CadreConfig, ConfigError

APPLIED_PREFIXES = ("behaviour.", "population.")
FORMAT = "cadresim-posterior/1"

Draws = tuple[tuple[str, ...], np.ndarray, np.ndarray]  # applied keys, values, weights
_GIVEN: dict[str, Draws] = {}  # posteriors carried by the batch being run (posteriors_given)


def write_posterior_yaml(
    path: Path, keys: list[str], values: np.ndarray, weights: np.ndarray, about: dict[str, Any]
) -> str:
    """The YAML text of a posterior: weighted draws of `keys` (rows of `values`)."""
    applied = [k for k in keys if k.startswith(APPLIED_PREFIXES)]
    doc = {
        "format": FORMAT,
        **about,
        "parameters": list(keys),
        "applied": applied,
        "not_applied": [k for k in keys if k not in applied],
        "draws": [
            {"weight": float(w), **{k: float(v) for k, v in zip(keys, row, strict=True)}}
            for row, w in zip(values, weights, strict=True)
        ],
    }
    header = (
        "# cadresim posterior (written by `cadresim calibrate`). Use it with\n"
        f"#   cadresim experiment=compare_regimes experiment.posterior={path}\n"
        "# each run then draws the knobs listed under `applied` from `draws` (by weight, seeded\n"
        "# by the run's seed).\n"
    )
    return header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


@functools.lru_cache(maxsize=8)
def _load(path: str, mtime_ns: int) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    where = f"experiment.posterior = {path!r}"
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where} is not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ConfigError(f"{where} is not a posterior.yaml of `cadresim calibrate`")
    applied = tuple(doc.get("applied") or ())
    draws = doc.get("draws") or []
    if not applied or not draws:
        raise ConfigError(f"{where} has no applied parameters or no draws")
    try:
        values = np.array([[float(d[k]) for k in applied] for d in draws])
        weights = np.array([float(d["weight"]) for d in draws])
    except (KeyError, TypeError, ValueError):
        raise ConfigError(f"{where}: a draw lacks a value or a weight") from None
    if not (np.all(np.isfinite(values)) and np.all(weights >= 0) and weights.sum() > 0):
        raise ConfigError(f"{where}: draws must be finite with non-negative weights")
    return applied, values, weights / weights.sum()


def load_posterior(path: str) -> Draws:
    """(applied keys, draws x keys, normalised weights); ConfigError for a bad file. Draws
    carried by the batch being run come first: the file is then not read."""
    if str(path) in _GIVEN:
        return _GIVEN[str(path)]
    try:
        mtime = os.stat(path).st_mtime_ns
    except OSError as exc:
        raise ConfigError(
            f"experiment.posterior = {path!r} cannot be read: {exc.strerror or exc}"
        ) from None
    return _load(str(path), mtime)


def carried_posteriors(bases: Iterable[CadreConfig]) -> dict[str, Draws]:
    """The draws of every posterior file the `bases` name, read now (on the driver), to travel
    with a batch."""
    paths = {str(b.experiment.posterior) for b in bases if b.experiment.posterior}
    return {p: load_posterior(p) for p in sorted(paths)}


@contextlib.contextmanager
def posteriors_given(posteriors: Mapping[str, Draws]) -> Iterator[None]:
    """Within the block, `load_posterior(path)` returns the carried draws of `path`."""
    saved = dict(_GIVEN)
    _GIVEN.update(posteriors)
    try:
        yield
    finally:
        _GIVEN.clear()
        _GIVEN.update(saved)


def check_posterior(path: str) -> None:
    """Validation hook (model.config.validate): the file is a readable posterior."""
    load_posterior(path)


def posterior_draw(path: str, seed: int) -> list[tuple[str, float]]:
    """The (key, value) pairs of the draw that the run with `seed` takes."""
    keys, values, weights = load_posterior(path)
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0x9A1B]))
    row = int(rng.choice(len(weights), p=weights))
    return [(k, float(v)) for k, v in zip(keys, values[row], strict=True)]


def apply_posterior(cfg: CadreConfig, seed: int | None = None) -> list[tuple[str, float]]:
    """Set the posterior draw of the run with `seed` (default cfg.seed) on `cfg`; nothing
    without experiment.posterior. Returns the values set. Called where run configs are derived
    (experiments/runs.py run_config, before a sweep's values, which therefore win)."""
    if not cfg.experiment.posterior:
        return []
    from ..runs import apply_params  # noqa: PLC0415 (runs.py imports this module)

    draw = posterior_draw(cfg.experiment.posterior, cfg.seed if seed is None else seed)
    apply_params(cfg, draw)
    return draw
