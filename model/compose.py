"""Compose a run's config from `configs/` with Hydra, the same way inside and outside the CLI."""

from __future__ import annotations

from hydra import compose, initialize_config_module
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from hydra.errors import HydraException
from omegaconf import DictConfig

from .config import CadreConfig, ConfigError

CONFIG_MODULE = "cadresim.configs"
ConfigStore.instance().store(name="cadresim_schema", node=CadreConfig)


def compose_config(overrides: list[str]) -> DictConfig:
    """Return the composed (unvalidated) config for Hydra-syntax overrides."""
    try:
        if GlobalHydra.instance().is_initialized():
            cfg = compose(config_name="config", overrides=overrides)
        else:
            with initialize_config_module(config_module=CONFIG_MODULE, version_base=None):
                cfg = compose(config_name="config", overrides=overrides)
    except HydraException as exc:
        raise ConfigError(str(exc).strip().splitlines()[0]) from None
    except Exception as exc:  # omegaconf validation errors while merging presets
        key = getattr(exc, "full_key", None)
        first = str(exc).strip().splitlines()[0]
        raise ConfigError(f"{key}: {first}" if key else first) from None
    return cfg
