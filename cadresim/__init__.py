"""cadresim: an agent-based simulator of cadres' initiative under incentive, accountability and
fault-tolerance policies. The public API:

    from cadresim import simulate, load_config, CadreModel
    result = simulate(["policy=three_mechanisms", "seed=3"])
    result.steps      # tidy step table (pandas)
    result.summary    # run summary (dict)
"""

from cadresim.model.cadre_model import CadreModel
from cadresim.model.config import CadreConfig, ConfigError, load_config
from cadresim.model.simulate import SimulationResult, simulate

__version__ = "0.1.0"
__all__ = [
    "CadreConfig",
    "CadreModel",
    "ConfigError",
    "SimulationResult",
    "load_config",
    "simulate",
    "__version__",
]
