"""Compose a run's config from `configs/` with Hydra, the same way inside and outside the CLI."""

from __future__ import annotations

import re

from hydra import compose, initialize_config_module
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from hydra.errors import HydraException, MissingConfigException, OverrideParseException
from omegaconf import DictConfig

from .config import CadreConfig, ConfigError, omegaconf_message

CONFIG_MODULE = "cadresim.configs"
ConfigStore.instance().store(name="cadresim_schema", node=CadreConfig)


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
