"""agent-evals: release a new model behind your coding agents like infrastructure."""

from agent_evals.config import LoadedConfig, ReleaseConfig, load_config, parse_config
from agent_evals.errors import AgentEvalsError, ConfigError, UsageError
from agent_evals.records import DiffStats, PolicyViolation, RunRecord, TokenUsage
from agent_evals.store import Store

__all__ = [
    "AgentEvalsError",
    "ConfigError",
    "DiffStats",
    "LoadedConfig",
    "PolicyViolation",
    "ReleaseConfig",
    "RunRecord",
    "Store",
    "TokenUsage",
    "UsageError",
    "load_config",
    "parse_config",
]
__version__ = "0.1.0"
