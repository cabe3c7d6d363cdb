"""Compose a run's config from `configs/` with Hydra, the same way inside and outside the CLI.

Hydra composes from scratch on every call (about 80 ms, and 50 ms more to turn the result into
a validated CadreConfig), which dominated a small run. So `load_config` composes each choice of
presets once, keeps the validated CadreConfig, and sets plain `key=value` overrides of single
values on a copy (`fast_config`). Anything else (lists, mappings, `+`/`~` keys, interpolations,
hydra keys, a value of another type than its knob, any error) takes Hydra's full path, so
results and error messages are those of a full compose.
"""

from __future__ import annotations

import copy
import functools
import re
import types
import typing
from dataclasses import fields, is_dataclass
from importlib import resources
from typing import Any

from hydra import compose, initialize_config_module
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override, OverrideType
from hydra.errors import HydraException, MissingConfigException, OverrideParseException
from omegaconf import DictConfig, OmegaConf

from .config import CadreConfig, ConfigError, omegaconf_message, to_config, validate

CONFIG_MODULE = "cadresim.configs"


def _store_schema() -> None:
    """Register the schema; `sweep.levers.KEY=[lo,hi]`, `sweep.uncertainties.KEY=...` and
    `calibrate.parameters.KEY=...` add keys without `+` (Hydra locks the composed config; an
    explicit struct=False flag on these free-form dicts survives the lock)."""
    schema = OmegaConf.structured(CadreConfig)
    OmegaConf.set_struct(schema.sweep.levers, False)
    OmegaConf.set_struct(schema.sweep.uncertainties, False)
    OmegaConf.set_struct(schema.calibrate.parameters, False)
    ConfigStore.instance().store(name="cadresim_schema", node=schema)


_store_schema()


def compose_config(overrides: list[str]) -> DictConfig:
    """Return the composed (unvalidated) config for Hydra-syntax overrides.

    Raises ConfigError with one line naming the key and what is allowed: the presets of a
    group, the nearest valid keys, or the expected type and range."""
    try:
        if GlobalHydra.instance().is_initialized():
            cfg = compose(config_name="config", overrides=overrides)
        else:
            with initialize_config_module(config_module=CONFIG_MODULE, version_base=None):
                cfg = compose(config_name="config", overrides=overrides)
    except HydraException as exc:
        raise ConfigError(hydra_message(exc)) from None
    except Exception as exc:  # omegaconf validation errors while merging presets
        raise ConfigError(omegaconf_message(exc)) from None
    return cfg


def full_config(overrides: list[str]) -> CadreConfig:
    """Hydra's full compose, validated: the reference `fast_config` must agree with."""
    return to_config(compose_config(list(overrides)))


def fast_config(overrides: list[str]) -> CadreConfig:
    """The validated config for `overrides`, composing each choice of presets only once."""
    split = _split(tuple(overrides))
    if split is None:  # composed in full, once per distinct command line without resolvers
        if any("${" in o for o in overrides):
            return full_config(overrides)
        return copy.deepcopy(_full_config_cached(tuple(overrides)))
    presets, values = split
    try:
        cfg = copy.deepcopy(_preset_config(presets))
        for key, value in values:
            owner, name = _owner(cfg, key)
            setattr(owner, name, value)
        return validate(cfg)
    except Exception:  # noqa: BLE001 - the full path raises the exact message, or agrees
        return full_config(overrides)


@functools.lru_cache(maxsize=64)
def _full_config_cached(overrides: tuple[str, ...]) -> CadreConfig:
    return full_config(list(overrides))


@functools.lru_cache(maxsize=64)
def _preset_config(presets: tuple[str, ...]) -> CadreConfig:
    """The presets composed and typed, not yet validated (`network=file` needs its path)."""
    dcfg = compose_config(list(presets))
    merged = OmegaConf.merge(
        OmegaConf.structured(CadreConfig), OmegaConf.to_container(dcfg, resolve=False)
    )
    obj = OmegaConf.to_object(merged)
    assert isinstance(obj, CadreConfig)
    return obj


@functools.cache
def config_groups() -> frozenset[str]:
    """The preset groups: the folders of configs/ (policy, population, network, experiment)."""
    root = resources.files(CONFIG_MODULE)
    return frozenset(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("_"))


@functools.lru_cache(maxsize=1024)
def _parse(override: str) -> Override:
    return OverridesParser.create().parse_override(override)


@functools.lru_cache(maxsize=256)
def _split(
    overrides: tuple[str, ...],
) -> tuple[tuple[str, ...], tuple[tuple[str, Any], ...]] | None:
    """(preset choices, (key, converted value) pairs), or None where only Hydra's full path
    gives the same config or message."""
    presets: list[str] = []
    values: list[tuple[str, Any]] = []
    for text in overrides:
        try:
            o = _parse(text)
        except Exception:  # noqa: BLE001 - Hydra's full path reports it
            return None
        if o.type != OverrideType.CHANGE or o.package is not None or o.is_sweep_override():
            return None
        key, value = o.key_or_group, o.value()
        if key in config_groups():
            if not isinstance(value, str) or "${" in value:
                return None
            presets.append(text)
            continue
        converted = _convert(key, value)
        if converted is _REFUSED:
            return None
        values.append((key, converted))
    return tuple(presets), tuple(values)


_REFUSED = object()


def _convert(key: str, value: Any) -> Any:
    """`value` as omegaconf would store it in knob `key`; _REFUSED unless that is obvious."""
    tp = _leaf_type(key)
    if tp is None:
        return _REFUSED
    optional = isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union
    if optional:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        if len(args) != 1:
            return _REFUSED
        tp = args[0]
    if isinstance(value, bool):
        return value if tp is bool else _REFUSED
    if tp is float and isinstance(value, int | float):
        return float(value)
    if tp is int and isinstance(value, int):
        return value
    if tp is str and isinstance(value, str) and "${" not in value:
        return value
    return _REFUSED


@functools.cache
def _leaf_type(key: str) -> Any:
    """The type of the single-value knob at dotted `key`, or None (a group, a list, unknown)."""
    owner: Any = CadreConfig
    tp: Any = None
    for name in key.split("."):
        if not is_dataclass(owner) or not re.fullmatch(r"[A-Za-z_]\w*", name):
            return None
        if name not in {f.name for f in fields(owner)}:
            return None
        tp = typing.get_type_hints(owner)[name]
        owner = tp
    if is_dataclass(tp) or typing.get_origin(tp) in (list, dict) or tp is Any:
        return None
    return tp


def _owner(cfg: Any, key: str) -> tuple[Any, str]:
    *path, name = key.split(".")
    for part in path:
        cfg = getattr(cfg, part)
    return cfg, name


def hydra_message(exc: HydraException) -> str:
    """One line for an error Hydra raises while composing (its own text spans many lines)."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    if isinstance(exc, MissingConfigException) and exc.options is not None:
        missing = str(exc.missing_cfg_file or "")
        group, _, name = missing.rpartition("/")
        if group:
            options = ", ".join(exc.options) or "none"
            return (
                f"{group.replace('/', '.')} = {name!r} is not a preset "
                f"(no configs/{missing}.yaml); allowed {options}"
            )
    if isinstance(exc, OverrideParseException):
        detail = text.splitlines()[1].strip() if len(text.splitlines()) > 1 else ""
        quoted = re.search(r"'(.*)'", first)
        what = quoted.group(1) if quoted else first
        return (
            f"cannot read the override {what!r}{f' ({detail})' if detail else ''}; "
            "allowed key=value, e.g. steps=60 or policy=tolerance_only"
        )
    cause = exc.__cause__
    if cause is not None and hasattr(cause, "full_key"):
        typed = re.match(r"Could not override '([^']+)'", first)
        merging = re.match(r"Error merging override [+~]*([^=]+)=", first)
        key = str(cause.full_key)
        if merging and merging.group(1).startswith(key + "."):  # steps.x=1: a leaf has no keys
            return f"{merging.group(1)} is not a config key; {key} is a single value, not a group"
        return omegaconf_message(cause, typed.group(1) if typed else None)
    if first.startswith(("Ambiguous value", "Sweep parameters")):
        return f"{first}; several values need a multirun (cadresim -m ...), a list needs [a,b]"
    return first
