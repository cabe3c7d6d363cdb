"""cadresim: an agent-based simulator of cadres' initiative under incentive, accountability and
fault-tolerance policies. The public API:

    from cadresim import simulate, load_config, CadreModel
    result = simulate(["policy=three_mechanisms", "seed=3"])
    result.steps      # tidy step table (pandas)
    result.summary    # run summary (dict)

Names are imported on first use (module `__getattr__`), so `import cadresim` stays cheap and a
plain `simulate` never imports Mesa: only `CadreModel` (the Mesa shell) does.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cadresim.model.cadre_model import CadreModel
    from cadresim.model.config import CadreConfig, ConfigError, load_config
    from cadresim.model.simulate import SimulationResult, simulate

__version__ = "0.1.0"

# public name -> the module that defines it
_LAZY = {
    "CadreConfig": "cadresim.model.config",
    "CadreModel": "cadresim.model.cadre_model",
    "ConfigError": "cadresim.model.config",
    "SimulationResult": "cadresim.model.simulate",
    "load_config": "cadresim.model.config",
    "simulate": "cadresim.model.simulate",
}
__all__ = [
    "CadreConfig",
    "CadreModel",
    "ConfigError",
    "SimulationResult",
    "__version__",
    "load_config",
    "simulate",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'cadresim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
