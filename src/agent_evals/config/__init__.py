"""Release config: models, loading and the errors that explain a bad file."""

from agent_evals.config.loading import (
    DEFAULT_CONFIG_PATH,
    LoadedConfig,
    load_config,
    parse_config,
    resolve_config_path,
)
from agent_evals.config.models import (
    AgentSpec,
    ModelSpec,
    Release,
    ReleaseConfig,
    RollbackOn,
    SliceSpec,
    Stage,
    Statistics,
    Waiver,
)

__all__ = [
    "DEFAULT_CONFIG_PATH",
    "AgentSpec",
    "LoadedConfig",
    "ModelSpec",
    "Release",
    "ReleaseConfig",
    "RollbackOn",
    "SliceSpec",
    "Stage",
    "Statistics",
    "Waiver",
    "load_config",
    "parse_config",
    "resolve_config_path",
]
